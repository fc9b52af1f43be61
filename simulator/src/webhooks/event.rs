//! Mono's webhook events and their payloads, in both dialects.
//!
//! Names are exact — note `reauthorisation` (British s) beside `reauthorized` (American z).
//! `legacy` is the 2021 data-sync guide's shapes; `current` adds a top-level `event_id` and
//! `timestamp` and the newer fields. Payloads are built when an event is fired, from the
//! account as it is then, and every retry re-sends the same bytes with the same `event_id`.

use serde_json::{json, Map, Value};

use crate::clock::Timestamp;
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
            "name": "jobs.accounts.sync_statement",
            "status": if ctx.sync.sync_status == Some("FAILED") { "failed" } else { "finished" },
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
    json!({
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
    })
}

/// Applies `path=value` overrides (`data.meta.data_status=FAILED`) to a body. The value is
/// read as JSON when it parses (`true`, `12`, `null`, `{"a":1}`), else as a string.
/// Missing objects along the path are created.
pub fn apply_override(body: &mut Value, path: &str, value: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(format!(
            "`{path}` is not a dotted path like data.meta.data_status"
        ));
    }
    let mut node = body;
    for key in &keys[..keys.len() - 1] {
        let object = node
            .as_object_mut()
            .ok_or_else(|| format!("cannot set `{path}`: `{key}` is inside a non-object"))?;
        node = object.entry(key.to_string()).or_insert_with(|| json!({}));
    }
    let last = keys[keys.len() - 1];
    node.as_object_mut()
        .ok_or_else(|| format!("cannot set `{path}`: its parent is not an object"))?
        .insert(last.to_string(), value);
    Ok(())
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
