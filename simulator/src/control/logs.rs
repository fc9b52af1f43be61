//! What happened (request and delivery logs), waiting for quiet, faults, and reset.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{account_id, body, duration};
use crate::faults::FaultRule;
use crate::http::{ApiError, ApiState};
use crate::world::ObjectId;

#[utoipa::path(
    get,
    path = "/_sim/state",
    tag = "control",
    operation_id = "sim_state",
    summary = "Clock, webhook targets, pending deliveries, faults",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::SimState))
)]
pub async fn state(State(state): State<Arc<ApiState>>) -> Json<Value> {
    Json(json!({
        "now": state.sim.clock.now(),
        "frozen": state.sim.clock.is_frozen(),
        "seed": state.world.seed(),
        "dialect": state.world.dialect().to_string(),
        "accounts": state.world.account_count(),
        "webhooks": state.sim.webhooks.targets(),
        "unfinished_deliveries": state.sim.webhooks.unfinished(),
        "pending": state.sim.scheduler.pending(),
        "faults": state.sim.faults.list(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// Only records after this sequence number.
    #[serde(default)]
    since: u64,
    account: Option<String>,
    event: Option<String>,
}

type QueryResult = Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>;

impl LogQuery {
    /// The query of a log route, checked, with its `account` parsed.
    ///
    /// Sequence numbers are documented (and stored) as 64-bit signed integers; a `since`
    /// beyond them is a mistake worth naming rather than an empty answer.
    fn read(query: QueryResult) -> Result<(LogQuery, Option<ObjectId>), ApiError> {
        let Query(query) =
            query.map_err(|e| ApiError::bad_request(format!("Invalid query: {e}")))?;
        if query.since > i64::MAX as u64 {
            return Err(ApiError::bad_request(format!(
                "Invalid `since`: {} is larger than any sequence number (at most {})",
                query.since,
                i64::MAX
            )));
        }
        let account = query.account.as_deref().map(account_id).transpose()?;
        Ok((query, account))
    }
}

#[utoipa::path(
    get,
    path = "/_sim/requests",
    tag = "control",
    operation_id = "sim_requests",
    summary = "The Mono API request log",
    params(crate::openapi::schemas::LogQuery),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Requests))
)]
pub async fn requests(
    State(state): State<Arc<ApiState>>,
    query: QueryResult,
) -> Result<Json<Value>, ApiError> {
    let (query, account) = LogQuery::read(query)?;
    let records = state.sim.requests.since(query.since, |r| {
        account.is_none_or(|a| r.account == Some(a))
    });
    Ok(Json(json!({ "requests": records })))
}

#[utoipa::path(
    get,
    path = "/_sim/deliveries",
    tag = "control",
    operation_id = "sim_deliveries",
    summary = "The webhook delivery log (every attempt)",
    params(crate::openapi::schemas::LogQuery),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Deliveries))
)]
pub async fn deliveries(
    State(state): State<Arc<ApiState>>,
    query: QueryResult,
) -> Result<Json<Value>, ApiError> {
    let (query, account) = LogQuery::read(query)?;
    let records = state.sim.webhooks.log.since(query.since, |r| {
        account.is_none_or(|a| r.account == Some(a))
            && query.event.as_deref().is_none_or(|e| &*r.event == e)
    });
    Ok(Json(json!({ "deliveries": records })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Idle {
    /// Wall time to wait at most (`10s` by default).
    timeout: Option<String>,
}

/// The longest `POST /_sim/idle` waits: a request that cannot hang for days, and longer
/// than any test should wait for quiet.
const MAX_IDLE_WAIT: i64 = 10 * crate::clock::MINUTE;

/// `POST /_sim/idle`: answers once no delivery is in flight and nothing is due now (200), or
/// when the timeout passes (408, with what is still pending). Deliveries scheduled for
/// later simulated time (retries on a frozen clock) do not count: advance the clock for them.
#[utoipa::path(
    post,
    path = "/_sim/idle",
    tag = "control",
    operation_id = "sim_idle",
    summary = "Wait until no delivery is in flight or due",
    request_body(content = Option<crate::openapi::schemas::IdleRequest>, content_type = "application/json"),
    responses((status = 200, description = "Idle", body = crate::openapi::schemas::IdleBody), (status = 408, description = "Still busy when the timeout passed", body = crate::openapi::schemas::IdleBody))
)]
pub async fn idle(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let request: Idle = body(&bytes)?;
    let limit = match request.timeout.as_deref() {
        Some(t) => duration("timeout", t)?,
        None => 10_000,
    };
    if limit > MAX_IDLE_WAIT {
        return Err(ApiError::bad_request(format!(
            "Invalid `timeout`: {} is longer than the {} one call may wait",
            crate::clock::format_duration(limit),
            crate::clock::format_duration(MAX_IDLE_WAIT)
        )));
    }
    let idle = state
        .sim
        .wait_idle(Duration::from_millis(limit.max(0) as u64))
        .await;
    let status = if idle {
        StatusCode::OK
    } else {
        StatusCode::REQUEST_TIMEOUT
    };
    Ok((
        status,
        Json(json!({
            "idle": idle,
            "now": state.sim.clock.now(),
            "pending": state.sim.scheduler.pending(),
            "unfinished_deliveries": state.sim.webhooks.unfinished(),
        })),
    ))
}

#[utoipa::path(
    get,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_faults",
    summary = "The injected faults",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Faults))
)]
pub async fn faults(State(state): State<Arc<ApiState>>) -> Json<Value> {
    Json(json!({ "faults": state.sim.faults.list() }))
}

/// `POST /_sim/faults {"kind": "duplicate", "account": "...", "event": "...", "count": 1}`.
#[utoipa::path(
    post,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_add_fault",
    summary = "Inject a fault",
    request_body(content = crate::openapi::schemas::NewFault, content_type = "application/json"),
    responses((status = 201, description = "Created", body = crate::openapi::schemas::FaultAdded))
)]
pub async fn add_fault(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let raw: Value = body(&bytes)?;
    let rule = FaultRule::from_json(raw)
        .map_err(|e| ApiError::bad_request(format!("Invalid fault: {e}")))?;
    let id = state.sim.faults.add(rule);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "faults": state.sim.faults.list() })),
    ))
}

#[utoipa::path(
    delete,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_clear_faults",
    summary = "Remove every fault",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Faults))
)]
pub async fn clear_faults(State(state): State<Arc<ApiState>>) -> Json<Value> {
    state.sim.faults.clear();
    Json(json!({ "faults": [] }))
}

#[utoipa::path(
    post,
    path = "/_sim/reset",
    tag = "control",
    operation_id = "sim_reset",
    summary = "Back to the starting world",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ResetBody))
)]
pub async fn reset(State(state): State<Arc<ApiState>>) -> Json<Value> {
    state.sim.reset();
    Json(json!({ "reset": true, "accounts": state.world.account_count() }))
}
