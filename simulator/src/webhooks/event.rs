//! Mono's webhook events and their payloads, in both dialects.
//!
//! Names are exact — note `reauthorisation` (British s) beside `reauthorized` (American z).
//! `legacy` is the 2021 data-sync guide's shapes; `current` adds a top-level `event_id` and
//! `timestamp` and the newer fields. Payloads are built when an event is fired, from the
//! account as it is then, and every retry re-sends the same bytes with the same `event_id`.

use serde_json::{json, Map, Value};

use crate::clock::Timestamp;
use crate::echo::Echo;
use crate::world::{Account, DataStatus, Dialect, ObjectId};

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

/// The full webhook body for `event` about `account`. Unknown event names (a future event
/// type, say) get `{"account":{"_id"}}`, which is what most Mono events carry.
pub fn body(event: &str, account: &Account, dialect: Dialect, ctx: &Context) -> Value {
    let data = data(event, account, dialect, ctx);
    let mut body = Map::new();
    body.insert("event".into(), json!(event));
    if dialect == Dialect::Current {
        body.insert("event_id".into(), json!(ctx.event_id));
        body.insert("timestamp".into(), json!(ctx.now));
    }
    body.insert("data".into(), data);
    Value::Object(body)
}

fn data(event: &str, account: &Account, dialect: Dialect, ctx: &Context) -> Value {
    let current = dialect == Dialect::Current;
    match event {
        ACCOUNT_CONNECTED if current => json!({
            "id": account.id,
            "customer": account.customer,
            "meta": {
                "data_status": "PROCESSING",
                "auth_method": account.auth_method.as_str(),
                "ref": account.reference,
            },
            "app": ctx.app,
            "business": ctx.business,
        }),
        ACCOUNT_CONNECTED => json!({ "id": account.id }),
        ACCOUNT_UPDATED => account_updated(account, current, ctx),
        ACCOUNT_REAUTHORIZED if current => json!({
            "account": { "_id": account.id },
            "app": ctx.app,
            "business": ctx.business,
        }),
        // Mono's unlink docs show `id` in the sample and `_id` in the table: send both.
        ACCOUNT_UNLINKED => json!({ "account": { "id": account.id, "_id": account.id } }),
        JOBS_UPDATE => json!({
            "account": account.id,
            "business": ctx.business,
            "app": ctx.app,
            "id": ctx.sync.job_id,
            "name": ctx.sync.job.map_or("jobs.accounts.sync_statement", |(name, _)| name),
            "status": match ctx.sync.job {
                Some((_, status)) => status,
                None if ctx.sync.sync_status == Some("FAILED") => "failed",
                None => "finished",
            },
        }),
        _ => json!({ "account": { "_id": account.id } }),
    }
}

fn account_updated(account: &Account, current: bool, ctx: &Context) -> Value {
    let holder = account.summary();
    let institution = account.institution();
    let mut meta = Map::new();
    meta.insert("data_status".into(), json!(ctx.data_status.as_str()));
    meta.insert("auth_method".into(), json!(account.auth_method.as_str()));
    if current {
        meta.insert("ref".into(), json!(account.reference));
        if let Some(status) = ctx.sync.sync_status {
            meta.insert("sync_status".into(), json!(status));
        }
        if let Some(job) = &ctx.sync.job_id {
            meta.insert("job_id".into(), json!(job));
        }
        // Mono sends `has_new_data` only when it is true.
        if ctx.sync.has_new_data {
            meta.insert("has_new_data".into(), json!(true));
        }
        meta.insert(
            "retrieved_data".into(),
            json!(ctx.data_status.retrieved_data()),
        );
    }
    let mut body = json!({
        "meta": meta,
        "account": {
            "_id": account.id,
            "name": holder.full_name,
            "accountNumber": holder.account_number,
            "currency": "NGN",
            "balance": ctx.data_status.shows_balance().then_some(account.balance),
            "type": account.kind.as_str(),
            "bvn": holder.masked_bvn(),
            "liveMode": false,
            "institution": {
                "name": institution.name,
                "bankCode": institution.bank_code,
                "type": institution.kind,
            },
            "scope": "auth",
            "accessType": "permanent",
            "created_at": account.linked_at,
            "updated_at": ctx.now,
        },
    });
    // The current account-update page shows the auth method inside the account too
    // (`authMethod`, beside `meta.auth_method`) [documented:
    // https://docs.mono.co/docs/financial-data/account-update]; the 2021 page the legacy
    // dialect follows (https://docs.mono.co/docs/balancetransaction) has no such field.
    if current {
        body["account"]["authMethod"] = json!(account.auth_method.as_str());
    }
    body
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
