//! Mono's webhook events and their payloads, in both dialects.
//!
//! Names are exact — note `reauthorisation` (British s) beside `reauthorized` (American z).
//! `legacy` is the 2021 data-sync guide's shapes; `current` adds a top-level `event_id` and
//! `timestamp` and the newer fields. Payloads are built when an event is fired, from the
//! account as it is then, and every retry re-sends the same bytes with the same `event_id`.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::Timestamp;
use crate::echo::Echo;
use crate::world::{masked_bvn, Account, DataStatus, Dialect, InstitutionType, ObjectId};

pub const ACCOUNT_CONNECTED: &str = "mono.events.account_connected";
pub const ACCOUNT_UPDATED: &str = "mono.events.account_updated";
pub const REAUTHORISATION_REQUIRED: &str = "mono.events.reauthorisation_required";
pub const ACCOUNT_REAUTHORIZED: &str = "mono.events.account_reauthorized";
pub const SYNC_FAILED: &str = "mono.events.sync_failed";
pub const ACCOUNT_UNLINKED: &str = "mono.events.account_unlinked";
pub const JOBS_UPDATE: &str = "mono.accounts.jobs.update";

/// Every event Mono documents (and the simulator builds a payload for).
pub const ALL: [&str; 7] = [
    ACCOUNT_CONNECTED,
    ACCOUNT_UPDATED,
    REAUTHORISATION_REQUIRED,
    ACCOUNT_REAUTHORIZED,
    SYNC_FAILED,
    ACCOUNT_UNLINKED,
    JOBS_UPDATE,
];

/// What an `account_updated` reports about the sync that produced it (current dialect).
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    /// `SUCCESSFUL`, `FAILED` or `REAUTHORISATION_REQUIRED`.
    pub sync_status: Option<&'static str>,
    pub job_id: Option<String>,
    pub has_new_data: bool,
    /// A `mono.accounts.jobs.update`'s job `name` and `status` (the realtime job that ended).
    pub job: Option<(&'static str, &'static str)>,
}

/// Everything a payload may need besides the account.
pub struct Context {
    pub event_id: ObjectId,
    pub now: Timestamp,
    pub app: ObjectId,
    pub business: ObjectId,
    /// The data status to report (an `account_updated` announces data that is now in).
    pub data_status: DataStatus,
    pub sync: SyncReport,
}

/// The full webhook body for `event` about `account`, as a JSON value to change before it is
/// sent (see [`apply_override`]). A body sent as it is, the usual case, is written straight
/// from [`Body`] instead.
pub fn body(event: &str, account: &Account, dialect: Dialect, ctx: &Context) -> Value {
    serde_json::to_value(Body::new(event, account, dialect, ctx))
        .expect("a webhook body always serialises")
}

/// A webhook body, written field by field in the order Mono's samples show.
///
/// Written straight to bytes, an event costs half what it did built as a `serde_json::Value`
/// first, where every object is a hash map of owned keys, each key hashed and each value
/// allocated, then all of it dropped: more than the dispatcher spent sending the event
/// (bench/RESULTS.md). Unknown event names (a future event type, say) get
/// `{"account":{"_id"}}`, which is what most Mono events carry.
#[derive(Serialize)]
pub struct Body<'a> {
    event: &'a str,
    /// The current dialect's top-level `event_id` and `timestamp`; legacy bodies have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<ObjectId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<Timestamp>,
    data: Data<'a>,
}

impl<'a> Body<'a> {
    pub fn new(
        event: &'a str,
        account: &'a Account,
        dialect: Dialect,
        ctx: &'a Context,
    ) -> Body<'a> {
        let current = dialect == Dialect::Current;
        Body {
            event,
            event_id: current.then_some(ctx.event_id),
            timestamp: current.then_some(ctx.now),
            data: Data::new(event, account, current, ctx),
        }
    }
}

/// `data`, whose shape depends on the event and the dialect.
// Made on the stack and written at once: boxing the large variant would cost an allocation
// per event for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize)]
#[serde(untagged)]
enum Data<'a> {
    Connected {
        id: ObjectId,
        customer: ObjectId,
        meta: ConnectedMeta<'a>,
        app: ObjectId,
        business: ObjectId,
    },
    ConnectedLegacy {
        id: ObjectId,
    },
    Updated {
        meta: UpdatedMeta<'a>,
        account: UpdatedAccount,
    },
    Reauthorized {
        account: Id,
        app: ObjectId,
        business: ObjectId,
    },
    /// Mono's unlink docs show `id` in the sample and `_id` in the table: send both.
    Unlinked {
        account: BothIds,
    },
    Job {
        account: ObjectId,
        business: ObjectId,
        app: ObjectId,
        id: Option<&'a str>,
        name: &'static str,
        status: &'static str,
    },
    Account {
        account: Id,
    },
}

impl<'a> Data<'a> {
    fn new(event: &str, account: &'a Account, current: bool, ctx: &'a Context) -> Data<'a> {
        let id = account.id;
        match event {
            ACCOUNT_CONNECTED if current => Data::Connected {
                id,
                customer: account.customer,
                meta: ConnectedMeta {
                    data_status: "PROCESSING",
                    auth_method: account.auth_method.as_str(),
                    reference: &account.reference,
                },
                app: ctx.app,
                business: ctx.business,
            },
            ACCOUNT_CONNECTED => Data::ConnectedLegacy { id },
            ACCOUNT_UPDATED => Data::Updated {
                meta: UpdatedMeta::new(account, current, ctx),
                account: UpdatedAccount::new(account, current, ctx),
            },
            ACCOUNT_REAUTHORIZED if current => Data::Reauthorized {
                account: Id { id },
                app: ctx.app,
                business: ctx.business,
            },
            ACCOUNT_UNLINKED => Data::Unlinked {
                account: BothIds { id, _id: id },
            },
            JOBS_UPDATE => Data::Job {
                account: id,
                business: ctx.business,
                app: ctx.app,
                id: ctx.sync.job_id.as_deref(),
                name: ctx
                    .sync
                    .job
                    .map_or("jobs.accounts.sync_statement", |(name, _)| name),
                status: match ctx.sync.job {
                    Some((_, status)) => status,
                    None if ctx.sync.sync_status == Some("FAILED") => "failed",
                    None => "finished",
                },
            },
            _ => Data::Account { account: Id { id } },
        }
    }
}

#[derive(Serialize)]
struct Id {
    #[serde(rename = "_id")]
    id: ObjectId,
}

#[derive(Serialize)]
struct BothIds {
    id: ObjectId,
    _id: ObjectId,
}

#[derive(Serialize)]
struct ConnectedMeta<'a> {
    data_status: &'static str,
    auth_method: &'static str,
    #[serde(rename = "ref")]
    reference: &'a str,
}

/// An `account_updated`'s `meta`. Legacy bodies carry the first two fields only.
#[derive(Serialize)]
struct UpdatedMeta<'a> {
    data_status: &'static str,
    auth_method: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<&'a str>,
    /// Mono sends `has_new_data` only when it is true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    has_new_data: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    retrieved_data: Option<&'static [&'static str]>,
}

impl<'a> UpdatedMeta<'a> {
    fn new(account: &'a Account, current: bool, ctx: &'a Context) -> UpdatedMeta<'a> {
        let sync = &ctx.sync;
        UpdatedMeta {
            data_status: ctx.data_status.as_str(),
            auth_method: account.auth_method.as_str(),
            reference: current.then_some(&*account.reference),
            sync_status: sync.sync_status.filter(|_| current),
            job_id: sync.job_id.as_deref().filter(|_| current),
            has_new_data: current && sync.has_new_data,
            retrieved_data: current.then(|| ctx.data_status.retrieved_data()),
        }
    }
}

/// An `account_updated`'s `account`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdatedAccount {
    #[serde(rename = "_id")]
    id: ObjectId,
    name: Arc<str>,
    account_number: Arc<str>,
    currency: &'static str,
    balance: Option<i64>,
    #[serde(rename = "type")]
    kind: &'static str,
    /// The last four digits (Mono masks the rest).
    #[serde(serialize_with = "last_four")]
    bvn: Arc<str>,
    live_mode: bool,
    institution: InstitutionOf,
    scope: &'static str,
    access_type: &'static str,
    #[serde(rename = "created_at")]
    created_at: Timestamp,
    #[serde(rename = "updated_at")]
    updated_at: Timestamp,
    /// The current account-update page shows the auth method inside the account too
    /// (`authMethod`, beside `meta.auth_method`) [documented:
    /// https://docs.mono.co/docs/financial-data/account-update]; the 2021 page the legacy
    /// dialect follows (https://docs.mono.co/docs/balancetransaction) has no such field.
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_method: Option<&'static str>,
}

impl UpdatedAccount {
    fn new(account: &Account, current: bool, ctx: &Context) -> UpdatedAccount {
        let holder = account.summary();
        let institution = account.institution();
        UpdatedAccount {
            id: account.id,
            name: holder.full_name,
            account_number: holder.account_number,
            currency: "NGN",
            balance: ctx.data_status.shows_balance().then_some(account.balance),
            kind: account.kind.as_str(),
            bvn: holder.bvn,
            live_mode: false,
            institution: InstitutionOf {
                name: institution.name,
                bank_code: institution.bank_code,
                kind: institution.kind,
            },
            scope: "auth",
            access_type: "permanent",
            created_at: account.linked_at,
            updated_at: ctx.now,
            auth_method: current.then(|| account.auth_method.as_str()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InstitutionOf {
    name: &'static str,
    bank_code: &'static str,
    #[serde(rename = "type")]
    kind: InstitutionType,
}

fn last_four<S: serde::Serializer>(bvn: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(masked_bvn(bvn))
}

/// How deep a webhook body may nest once overrides are applied: the most serde_json reads
/// (its recursion limit of 128 stops at the 128th level), the strictest of the common JSON
/// parsers. A body any deeper is one a receiver built on serde_json cannot read, and
/// building, sending and dropping it costs stack in proportion to its depth: a `set` path
/// of 20,000 keys used to overflow the simulator's stack and abort the whole process.
pub const MAX_BODY_DEPTH: usize = 127;

/// Why an override was refused; each says which path and how to put it right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("`{}` is not a dotted path like data.meta.data_status", Echo(path))]
    NotAPath { path: String },
    #[error(
        "cannot set `{}`: the path has {keys} keys and the value nests {value_depth} deep, \
         but a webhook body may nest at most {MAX_BODY_DEPTH} levels (serde_json's limit, \
         so every receiver can parse it); use a shorter path or a flatter value",
        Echo(path)
    )]
    TooDeep {
        path: String,
        keys: usize,
        value_depth: usize,
    },
    #[error("cannot set `{}`: `{}` is inside a non-object", Echo(path), Echo(key))]
    InsideNonObject { path: String, key: String },
    #[error("cannot set `{}`: its parent is not an object", Echo(path))]
    ParentNotObject { path: String },
}

/// Applies `path=value` overrides (`data.meta.data_status=FAILED`) to a body. The value is
/// read as JSON when it parses (`true`, `12`, `null`, `{"a":1}`), else as a string.
/// Missing objects along the path are created. A refused override leaves the body as it
/// was; the body never nests deeper than [`MAX_BODY_DEPTH`].
pub fn apply_override(body: &mut Value, path: &str, value: &str) -> Result<(), OverrideError> {
    // Counted before anything is split or parsed: the path may be tens of thousands of keys.
    let keys = path.split('.').count();
    if path.split('.').any(str::is_empty) {
        return Err(OverrideError::NotAPath { path: path.into() });
    }
    let value: Value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
    // The root object is level 1, so the value sits at level `keys` and its own levels add.
    let value_depth = depth(&value);
    if keys + value_depth > MAX_BODY_DEPTH {
        return Err(OverrideError::TooDeep {
            path: path.into(),
            keys,
            value_depth,
        });
    }
    let keys: Vec<&str> = path.split('.').collect();
    let mut node = body;
    for key in &keys[..keys.len() - 1] {
        let object = node
            .as_object_mut()
            .ok_or_else(|| OverrideError::InsideNonObject {
                path: path.into(),
                key: key.to_string(),
            })?;
        node = object.entry(key.to_string()).or_insert_with(|| json!({}));
    }
    let last = keys[keys.len() - 1];
    node.as_object_mut()
        .ok_or_else(|| OverrideError::ParentNotObject { path: path.into() })?
        .insert(last.to_string(), value);
    Ok(())
}

/// How many levels of arrays and objects `value` nests (a scalar is 0), counted without
/// recursion so no value can exhaust the stack here.
pub fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0)];
    while let Some((node, above)) = pending.pop() {
        let level = above + 1;
        match node {
            Value::Array(items) => pending.extend(items.iter().map(|child| (child, level))),
            Value::Object(fields) => pending.extend(fields.values().map(|child| (child, level))),
            _ => continue,
        }
        deepest = deepest.max(level);
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every body an event can have, as the bytes a receiver gets: each event in both
    /// dialects, and `account_updated` and `jobs.update` under every data status and sync
    /// report they word differently. The snapshot was taken before bodies were written from
    /// typed fields ([`Body`]) instead of built as `Value`s, so it holds them to the same
    /// bytes, key order included, both written whole and as the value overrides change.
    #[test]
    fn every_body_is_written_as_before() {
        use std::sync::Arc;

        use crate::clock::Clock;
        use crate::world::{AccountSpec, Arrival, World, WorldConfig};

        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let clock = Arc::new(Clock::starting_at(start, true));
        let config = WorldConfig {
            seed: 11,
            id_salt: 0,
            dialect: Dialect::Current,
            random_accounts: 0,
            file: None,
        };
        let world = World::new(config, clock).unwrap();
        let id = world
            .create_account(AccountSpec::default(), Arrival::Seeded)
            .unwrap();
        let account = world.account(&id).unwrap();
        let syncs = [
            ("no sync report", SyncReport::default()),
            (
                "a sync with new data",
                SyncReport {
                    sync_status: Some("SUCCESSFUL"),
                    job_id: Some("job_7Kq2".into()),
                    has_new_data: true,
                    job: None,
                },
            ),
            (
                "a failed sync",
                SyncReport {
                    sync_status: Some("FAILED"),
                    ..SyncReport::default()
                },
            ),
            (
                "a realtime job that ended",
                SyncReport {
                    sync_status: Some("SUCCESSFUL"),
                    job_id: Some("job_9Zx1".into()),
                    has_new_data: false,
                    job: Some(("jobs.accounts.realtime_balance", "finished")),
                },
            ),
        ];
        let mut written = String::new();
        let events = ALL
            .iter()
            .copied()
            .chain(["mono.events.not_yet_documented"]);
        for event in events {
            let varies = matches!(event, ACCOUNT_UPDATED | JOBS_UPDATE);
            let statuses = if event == ACCOUNT_UPDATED {
                &DataStatus::ALL[..]
            } else {
                &[DataStatus::Available][..]
            };
            for dialect in [Dialect::Legacy, Dialect::Current] {
                for &data_status in statuses {
                    for (said, sync) in syncs.iter().take(if varies { 4 } else { 1 }) {
                        let ctx = Context {
                            event_id: world.new_event_id(),
                            now: start.plus(90_000),
                            app: world.app(),
                            business: world.business(),
                            data_status,
                            sync: sync.clone(),
                        };
                        let written_whole =
                            serde_json::to_string(&Body::new(event, &account, dialect, &ctx))
                                .unwrap();
                        // The value overrides are applied to has the same fields, in order.
                        let as_value =
                            serde_json::to_string(&body(event, &account, dialect, &ctx)).unwrap();
                        assert_eq!(written_whole, as_value, "{event}, {dialect:?}");
                        let body = written_whole;
                        written.push_str(&format!(
                            "{event}, {dialect:?}, {}, {said}:\n{body}\n",
                            data_status.as_str()
                        ));
                    }
                }
            }
        }
        insta::assert_snapshot!(written);
    }

    #[test]
    fn overrides_set_nested_values_as_json_or_text() {
        let mut body = json!({"event": "x", "data": {"account": {"_id": "a"}}});
        apply_override(&mut body, "data.meta.data_status", "FAILED").unwrap();
        apply_override(&mut body, "data.account._id", "null").unwrap();
        apply_override(&mut body, "data.flag", "true").unwrap();
        assert_eq!(
            body,
            json!({"event": "x", "data": {"account": {"_id": null}, "meta": {"data_status": "FAILED"}, "flag": true}})
        );
        assert!(apply_override(&mut body, "event.name", "y").is_err());
        assert!(apply_override(&mut body, "data..x", "y").is_err());
    }

    /// Issue 12: a `set` path of 20,000 keys built a body 20,000 levels deep, and
    /// serialising or dropping it overflowed the stack and aborted `serve`.
    #[test]
    fn a_path_deeper_than_any_parser_reads_is_refused_and_the_body_left_alone() {
        let mut body = json!({"event": "x", "data": {}});
        let before = body.clone();
        let path = vec!["a"; 20_000].join(".");
        let error = apply_override(&mut body, &path, "1").unwrap_err();
        assert_eq!(body, before);
        let message = error.to_string();
        assert!(message.contains("20000 keys"), "{message}");
        assert!(message.contains("at most 127 levels"), "{message}");
        assert!(
            message.contains("(39999 characters; shown up to 100)"),
            "the path is not echoed whole: {message}"
        );
        assert!(message.len() < 500, "{message}");

        // Exactly at the limit: 127 keys and a scalar, or fewer keys and a nested value;
        // serde_json reads the body back, and would not read one level more.
        let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(serde_json::from_str::<Value>(&nested(MAX_BODY_DEPTH)).is_ok());
        assert!(serde_json::from_str::<Value>(&nested(MAX_BODY_DEPTH + 1)).is_err());
        let deepest = vec!["a"; MAX_BODY_DEPTH].join(".");
        assert!(apply_override(&mut body, &deepest, "1").is_ok());
        assert_eq!(depth(&body), MAX_BODY_DEPTH);
        assert!(serde_json::from_str::<Value>(&body.to_string()).is_ok());
        let mut body = before.clone();
        let too_deep = vec!["a"; MAX_BODY_DEPTH + 1].join(".");
        assert!(apply_override(&mut body, &too_deep, "1").is_err());
        let nested = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(apply_override(&mut body, "data.x", &nested).is_ok());
        let mut body = before.clone();
        let keys = vec!["a"; 30].join(".");
        assert!(apply_override(&mut body, &keys, &nested).is_err());
        assert_eq!(body, before);
        assert!(serde_json::from_str::<Value>(&body.to_string()).is_ok());
    }

    #[test]
    fn depth_counts_levels_without_recursion() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!({})), 1);
        assert_eq!(depth(&json!({"a": [1, {"b": []}]})), 4);
    }

    /// Found by fuzzing: without serde_json's exact float parsing, an override of
    /// 3.3333333333333334e48 reached the receiver as 3.333333333333334e48.
    #[test]
    fn a_number_override_is_sent_as_written() {
        let mut body = json!({"event": "x", "data": {}});
        apply_override(&mut body, "data.balance", "3.3333333333333334e48").unwrap();
        apply_override(&mut body, "data.rate", "0.30000000000000004").unwrap();
        let sent = body.to_string();
        assert!(
            sent.contains(r#""balance":3.3333333333333334e+48"#),
            "{sent}"
        );
        assert!(sent.contains(r#""rate":0.30000000000000004"#), "{sent}");
        assert_eq!(serde_json::from_str::<Value>(&sent).unwrap(), body);
    }
}
