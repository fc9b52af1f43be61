//! Injected faults: what a real Mono (or a real network) does to integrators on a bad day.
//!
//! A fault is a rule — a kind, an optional account and event (or API endpoint) it applies
//! to, and how many times — set through the control API and used up as it fires. Webhook
//! faults change how the next matching events are delivered; API faults change how the next
//! calls to `/reauthorise` or `/sync` are answered.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::echo::{quoted, Echo};
use crate::world::ObjectId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Deliver the event twice, same `event_id`.
    Duplicate,
    /// Let later events for the same account overtake this one: it is sent `by` later, off
    /// the account's ordered lane.
    Reorder {
        #[serde(default = "default_reorder", with = "millis")]
        #[schema(value_type = crate::clock::Duration)]
        by: i64,
    },
    /// Hold the event back by `by`; later events for the account wait behind it.
    Delay {
        #[serde(with = "millis")]
        #[schema(value_type = crate::clock::Duration)]
        by: i64,
    },
    /// Do not send the next attempt (it is logged as dropped and retried on schedule).
    DropAttempt,
    /// Send `mono-webhook-secret` with a wrong value.
    WrongSecret,
    /// Send no `mono-webhook-secret` at all.
    MissingSecret,
    /// Send the payload in the other dialect (legacy ↔ current).
    OtherDialect,
    /// Answer the next API calls with this HTTP status (500, 429, …).
    Status { status: u16 },
    /// Do not answer the next API calls for `for` (the client's timeout should fire).
    Hang {
        #[serde(rename = "for", with = "millis")]
        #[schema(value_type = crate::clock::Duration)]
        hang: i64,
    },
    /// Make the next syncs end with this code (`SYNC_ERROR`, `INCOMPLETE_STATEMENT_ERROR`).
    SyncCode { code: SyncCode },
    /// Make the next realtime jobs fail because the bank asks the user to log in again:
    /// what a bank session that expired unseen looks like (see [`crate::jobs`]).
    RealtimeFails,
    /// Keep the next realtime jobs `processing` for `by` longer.
    RealtimeSlow {
        #[serde(with = "millis")]
        #[schema(value_type = crate::clock::Duration)]
        by: i64,
    },
}

/// The longest a `delay` or `reorder` fault may hold an event (simulated time).
pub const MAX_HOLD: i64 = 30 * crate::clock::DAY;

/// The longest an API call may be held by a `hang` fault: long enough to trip any
/// client's timeout, short enough that a typo cannot park a request for days.
pub const MAX_HANG: i64 = 10 * crate::clock::MINUTE;

fn default_reorder() -> i64 {
    crate::clock::SECOND
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SyncCode {
    SyncError,
    IncompleteStatementError,
}

impl SyncCode {
    pub const ALL: [SyncCode; 2] = [SyncCode::SyncError, SyncCode::IncompleteStatementError];

    /// Mono's spelling, as in a sync's `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncCode::SyncError => "SYNC_ERROR",
            SyncCode::IncompleteStatementError => "INCOMPLETE_STATEMENT_ERROR",
        }
    }
}

/// Durations in rules are written `30s`, `4h` or as milliseconds.
mod millis {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(millis: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::clock::format_duration(*millis))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) if n >= 0 => Ok(n),
            Raw::Number(n) => Err(serde::de::Error::custom(format!("{n} is negative"))),
            Raw::Text(t) => crate::clock::parse_duration(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{t}` is not a duration like 500ms, 30s, 10m or 4h"
                ))
            }),
        }
    }
}

/// The API endpoints faults can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Reauthorise,
    Sync,
}

impl Endpoint {
    pub const ALL: [Endpoint; 2] = [Endpoint::Reauthorise, Endpoint::Sync];

    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Reauthorise => "reauthorise",
            Endpoint::Sync => "sync",
        }
    }
}

/// The `kind`s of fault a rule may name, as written.
pub const KINDS: &[&str] = &[
    "duplicate",
    "reorder",
    "delay",
    "drop_attempt",
    "wrong_secret",
    "missing_secret",
    "other_dialect",
    "status",
    "hang",
    "sync_code",
    "realtime_fails",
    "realtime_slow",
];

/// Keys a rule may have. serde cannot refuse unknown keys through `flatten`, so
/// [`FaultRule::from_json`] checks them itself: a misspelt `acount` must not widen a fault
/// to every account.
const RULE_KEYS: &[&str] = &[
    "kind", "by", "for", "status", "code", "account", "event", "endpoint", "count",
];

/// Reads each field on its own first, so a value of the wrong type is refused with its
/// field's name: through the flattened, tagged `kind` serde reports only "invalid type:
/// string \"500\", expected u16", which does not say which field (found by fuzzing).
fn check_field_types(object: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
    fn field<T: serde::de::DeserializeOwned>(
        object: &serde_json::Map<String, serde_json::Value>,
        key: &str,
    ) -> Result<(), String> {
        match object.get(key) {
            Some(value) => T::deserialize(value)
                .map(drop)
                .map_err(|e| format!("`{key}`: {}", quoted(&e.to_string()))),
            None => Ok(()),
        }
    }
    /// A `by` or `for`, read only to check it.
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Duration(#[serde(with = "millis")] i64);
    field::<String>(object, "kind")?;
    field::<Duration>(object, "by")?;
    field::<Duration>(object, "for")?;
    field::<u16>(object, "status")?;
    field::<SyncCode>(object, "code")?;
    field::<Option<ObjectId>>(object, "account")?;
    field::<Option<String>>(object, "event")?;
    field::<Option<Endpoint>>(object, "endpoint")?;
    field::<u32>(object, "count")
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultRule {
    #[serde(default)]
    pub id: u64,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only this account (any when absent).
    #[serde(default)]
    pub account: Option<ObjectId>,
    /// Only this event (webhook faults; any when absent).
    #[serde(default)]
    pub event: Option<String>,
    /// Only this endpoint (API faults).
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// How many times it fires before it is used up.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// Reads and checks a rule as the control API receives it.
    pub fn from_json(value: serde_json::Value) -> Result<FaultRule, String> {
        let object = value.as_object().ok_or("a fault is a JSON object")?;
        // serde would take a number as the index of a kind (`"kind": 0` is `duplicate`).
        match object.get("kind") {
            Some(serde_json::Value::String(_)) => {}
            Some(other) => {
                return Err(format!(
                    "`kind`: must be a string, not {}",
                    Echo(&other.to_string())
                ))
            }
            None => return Err("missing field `kind`".into()),
        }
        if let Some(key) = object.keys().find(|k| !RULE_KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown field `{}`, expected one of: {}",
                Echo(key),
                RULE_KEYS.join(", ")
            ));
        }
        check_field_types(object)?;
        let rule: FaultRule = serde_json::from_value(value).map_err(|e| {
            // What is left after the field checks: a missing field (serde names it) or an
            // unknown `kind`.
            let message = quoted(&e.to_string()).into_owned();
            if message.starts_with("unknown variant") {
                format!("`kind`: {message}")
            } else {
                message
            }
        })?;
        rule.validate()?;
        Ok(rule)
    }

    pub fn is_api_fault(&self) -> bool {
        matches!(
            self.kind,
            FaultKind::Status { .. }
                | FaultKind::Hang { .. }
                | FaultKind::SyncCode { .. }
                | FaultKind::RealtimeFails
                | FaultKind::RealtimeSlow { .. }
        )
    }

    /// Checks the rule makes sense before it is stored; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.count == 0 {
            return Err("`count` must be at least 1".into());
        }
        match (&self.kind, self.endpoint) {
            (FaultKind::Status { status }, _) if !(400..=599).contains(status) => Err(format!(
                "`status` {status} is not an error status (400–599)"
            )),
            (
                FaultKind::Delay { by }
                | FaultKind::Reorder { by }
                | FaultKind::RealtimeSlow { by },
                _,
            ) if *by > MAX_HOLD => Err(format!(
                "`by` {} is longer than the {} an event may be held",
                crate::clock::format_duration(*by),
                crate::clock::format_duration(MAX_HOLD)
            )),
            (FaultKind::Hang { hang }, _) if *hang > MAX_HANG => Err(format!(
                "`for` {} is longer than the {} a hang may last",
                crate::clock::format_duration(*hang),
                crate::clock::format_duration(MAX_HANG)
            )),
            (FaultKind::Status { .. } | FaultKind::Hang { .. }, None) => {
                Err("`endpoint` is required for this kind: `reauthorise` or `sync`".into())
            }
            (FaultKind::SyncCode { .. }, Some(Endpoint::Reauthorise)) => {
                Err("`sync_code` faults apply to the `sync` endpoint".into())
            }
            (FaultKind::RealtimeFails | FaultKind::RealtimeSlow { .. }, Some(_)) => Err(
                "`endpoint` does not apply to realtime faults, which change the next realtime jobs"
                    .into(),
            ),
            (kind, Some(_)) if !self.is_api_fault() => Err(format!(
                "`endpoint` does not apply to {} faults, which change webhook deliveries",
                serde_json::to_value(kind)
                    .ok()
                    .and_then(|v| v["kind"].as_str().map(String::from))
                    .unwrap_or_default()
            )),
            _ => Ok(()),
        }
    }

    fn matches_event(&self, account: Option<ObjectId>, event: &str) -> bool {
        !self.is_api_fault()
            && self.account.is_none_or(|a| Some(a) == account)
            && self.event.as_deref().is_none_or(|e| e == event)
    }

    fn matches_call(&self, endpoint: Endpoint, account: ObjectId) -> bool {
        matches!(self.kind, FaultKind::Status { .. } | FaultKind::Hang { .. })
            && self.endpoint == Some(endpoint)
            && self.account.is_none_or(|a| a == account)
    }
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<(Vec<FaultRule>, u64)>,
}

impl Faults {
    pub fn add(&self, mut rule: FaultRule) -> u64 {
        let mut guard = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        guard.1 += 1;
        rule.id = guard.1;
        guard.0.push(rule);
        guard.1
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clear();
    }

    /// Uses up one firing of every webhook rule (except `drop_attempt`, which is taken
    /// per attempt) matching this event, and returns their kinds.
    pub fn take_for_event(&self, account: Option<ObjectId>, event: &str) -> Vec<FaultKind> {
        self.take(
            |r| r.matches_event(account, event) && r.kind != FaultKind::DropAttempt,
            usize::MAX,
        )
    }

    /// Whether the next attempt of this event is to be dropped (using up one firing).
    pub fn take_drop(&self, account: Option<ObjectId>, event: &str) -> bool {
        !self
            .take(
                |r| r.matches_event(account, event) && r.kind == FaultKind::DropAttempt,
                1,
            )
            .is_empty()
    }

    /// The `status` or `hang` fault for this call to `endpoint`, if any (using up one
    /// firing).
    pub fn take_for_call(&self, endpoint: Endpoint, account: ObjectId) -> Option<FaultKind> {
        self.take(|r| r.matches_call(endpoint, account), 1).pop()
    }

    /// The code the next sync of `account` is to end with, if a rule says so.
    pub fn take_sync_code(&self, account: ObjectId) -> Option<SyncCode> {
        let wanted = |r: &FaultRule| {
            matches!(r.kind, FaultKind::SyncCode { .. }) && r.account.is_none_or(|a| a == account)
        };
        match self.take(wanted, 1).pop() {
            Some(FaultKind::SyncCode { code }) => Some(code),
            _ => None,
        }
    }

    /// The realtime faults for the next realtime job of `account`: whether it fails, and
    /// how much longer it stays `processing` (using up one firing of each kind).
    pub fn take_for_realtime(&self, account: ObjectId) -> (bool, i64) {
        let mine = |r: &FaultRule| r.account.is_none_or(|a| a == account);
        let fails = !self
            .take(|r| mine(r) && r.kind == FaultKind::RealtimeFails, 1)
            .is_empty();
        let slow = match self
            .take(
                |r| mine(r) && matches!(r.kind, FaultKind::RealtimeSlow { .. }),
                1,
            )
            .pop()
        {
            Some(FaultKind::RealtimeSlow { by }) => by,
            _ => 0,
        };
        (fails, slow)
    }

    fn take(&self, wanted: impl Fn(&FaultRule) -> bool, limit: usize) -> Vec<FaultKind> {
        let mut guard = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let mut taken = Vec::new();
        for rule in guard.0.iter_mut().filter(|r| wanted(r)).take(limit) {
            rule.count -= 1;
            taken.push(rule.kind.clone());
        }
        guard.0.retain(|r| r.count > 0);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn misspelt_keys_are_refused() {
        let error = FaultRule::from_json(serde_json::json!({"kind": "duplicate", "acount": "x"}))
            .unwrap_err();
        assert!(error.contains("unknown field `acount`"), "{error}");
        assert!(FaultRule::from_json(serde_json::json!({"kind": "duplicate"})).is_ok());
    }

    /// Found by fuzzing: a value of the wrong type was refused without naming its field.
    #[test]
    fn a_wrongly_typed_value_is_refused_by_its_field_name() {
        let refusal = |rule: serde_json::Value| FaultRule::from_json(rule).unwrap_err();
        assert_eq!(
            refusal(serde_json::json!({"kind": "status", "status": "500", "endpoint": "sync"})),
            "`status`: invalid type: string \"500\", expected u16"
        );
        assert!(refusal(serde_json::json!({"kind": "delay", "by": true})).starts_with("`by`: "));
        assert!(
            refusal(serde_json::json!({"kind": "duplicate", "count": -1})).starts_with("`count`: ")
        );
        assert!(
            refusal(serde_json::json!({"kind": "duplicate", "account": "x"}))
                .starts_with("`account`: ")
        );
        assert!(refusal(serde_json::json!({"kind": 7})).starts_with("`kind`: "));
        assert!(refusal(serde_json::json!({"kind": "explode"}))
            .starts_with("`kind`: unknown variant `explode`"));
        assert_eq!(
            refusal(serde_json::json!({"kind": "delay"})),
            "missing field `by`"
        );
    }

    /// Found by fuzzing: the control API lists a 90 s hang as `1m30s`, and that listed rule
    /// must be accepted when posted back.
    #[test]
    fn a_listed_rule_reads_back() {
        let rule = FaultRule::from_json(
            serde_json::json!({"kind": "hang", "for": 90_000, "endpoint": "sync"}),
        )
        .unwrap();
        let mut listed = serde_json::to_value(&rule).unwrap();
        assert_eq!(listed["for"], "1m30s");
        listed.as_object_mut().unwrap().remove("id");
        let again = FaultRule::from_json(listed).unwrap();
        assert_eq!(again.kind, FaultKind::Hang { hang: 90_000 });
    }

    #[test]
    fn rules_read_from_control_api_json() {
        let r = rule(r#"{"kind":"delay","by":"30s","event":"mono.events.account_updated"}"#);
        assert_eq!(r.kind, FaultKind::Delay { by: 30_000 });
        assert_eq!(r.count, 1);
        let r = rule(r#"{"kind":"status","status":500,"endpoint":"reauthorise","count":2}"#);
        assert!(r.validate().is_ok());
        assert!(rule(r#"{"kind":"status","status":500}"#)
            .validate()
            .unwrap_err()
            .contains("endpoint"));
        assert!(rule(r#"{"kind":"duplicate","endpoint":"sync"}"#)
            .validate()
            .is_err());
        assert!(serde_json::from_str::<FaultRule>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn rules_are_used_up() {
        let faults = Faults::default();
        faults.add(rule(r#"{"kind":"duplicate","count":2}"#));
        faults.add(rule(
            r#"{"kind":"wrong_secret","event":"mono.events.account_updated"}"#,
        ));
        assert_eq!(
            faults.take_for_event(None, "mono.events.account_connected"),
            vec![FaultKind::Duplicate]
        );
        assert_eq!(
            faults.take_for_event(None, "mono.events.account_updated"),
            vec![FaultKind::Duplicate, FaultKind::WrongSecret]
        );
        assert!(faults
            .take_for_event(None, "mono.events.account_updated")
            .is_empty());
    }

    #[test]
    fn api_faults_only_hit_their_endpoint() {
        let faults = Faults::default();
        faults.add(rule(
            r#"{"kind":"status","status":429,"endpoint":"reauthorise"}"#,
        ));
        let account = ObjectId([0; 12]);
        assert_eq!(faults.take_for_call(Endpoint::Sync, account), None);
        assert_eq!(
            faults.take_for_call(Endpoint::Reauthorise, account),
            Some(FaultKind::Status { status: 429 })
        );
        assert_eq!(faults.take_for_call(Endpoint::Reauthorise, account), None);
    }

    #[test]
    fn realtime_faults_hit_only_realtime_jobs_of_their_account() {
        let faults = Faults::default();
        let ada = ObjectId([1; 12]);
        let bola = ObjectId([2; 12]);
        let mut fails = rule(r#"{"kind":"realtime_fails"}"#);
        fails.account = Some(ada);
        faults.add(fails);
        faults.add(rule(r#"{"kind":"realtime_slow","by":"10m","count":2}"#));
        assert!(faults
            .take_for_event(Some(ada), "mono.accounts.jobs.update")
            .is_empty());
        assert_eq!(faults.take_for_call(Endpoint::Sync, ada), None);
        assert_eq!(faults.take_for_realtime(bola), (false, 600_000));
        assert_eq!(faults.take_for_realtime(ada), (true, 600_000));
        assert_eq!(faults.take_for_realtime(ada), (false, 0));
        assert!(FaultRule::from_json(
            serde_json::json!({"kind": "realtime_fails", "endpoint": "sync"})
        )
        .unwrap_err()
        .contains("realtime"));
        assert!(
            FaultRule::from_json(serde_json::json!({"kind": "realtime_slow"}))
                .unwrap_err()
                .contains("`by`")
        );
        assert!(
            FaultRule::from_json(serde_json::json!({"kind": "realtime_slow", "by": "31d"}))
                .is_err()
        );
    }
}
