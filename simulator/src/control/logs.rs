//! What happened: the request log (`/_sim/requests`), the webhook delivery log
//! (`/_sim/deliveries`) and the events fired with their payloads (`GET /_sim/events`), read
//! from a sequence number on.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::protocol::account_id;
use crate::echo::quoted;
use crate::http::{ApiError, ApiState};
use crate::request_log::RequestRecord;
use crate::webhooks::{AttemptRecord, FiredEvent};
use crate::world::ObjectId;

/// Filters of the request and delivery logs.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// Only records after this sequence number.
    #[serde(default)]
    #[param(value_type = Option<u64>)]
    since: u64,
    /// Only this account's.
    #[param(value_type = Option<String>, pattern = "^[0-9a-fA-F]{24}$")]
    account: Option<String>,
    /// Only this event's (deliveries and events).
    event: Option<String>,
}

type QueryResult = Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>;

impl LogQuery {
    /// The query of a log route, checked, with its `account` parsed.
    ///
    /// Sequence numbers are documented (and stored) as 64-bit signed integers; a `since`
    /// beyond them is a mistake worth naming rather than an empty answer.
    fn read(query: QueryResult) -> Result<(LogQuery, Option<ObjectId>), ApiError> {
        let Query(query) = query.map_err(|e| {
            ApiError::bad_request(format!("Invalid query: {}", quoted(&e.to_string())))
        })?;
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

#[derive(Serialize, ToSchema)]
pub struct Requests {
    requests: Vec<RequestRecord>,
}

#[utoipa::path(
    get,
    path = "/_sim/requests",
    tag = "control",
    operation_id = "sim_requests",
    summary = "The Mono API request log",
    params(LogQuery),
    responses((status = 200, description = "OK", body = Requests))
)]
pub async fn requests(
    State(state): State<Arc<ApiState>>,
    query: QueryResult,
) -> Result<Json<Requests>, ApiError> {
    let (query, account) = LogQuery::read(query)?;
    let records = state.sim.requests.since(query.since, |r| {
        account.is_none_or(|a| r.account == Some(a))
    });
    Ok(Json(Requests { requests: records }))
}

#[derive(Serialize, ToSchema)]
pub struct Deliveries {
    deliveries: Vec<AttemptRecord>,
}

#[utoipa::path(
    get,
    path = "/_sim/deliveries",
    tag = "control",
    operation_id = "sim_deliveries",
    summary = "The webhook delivery log (every attempt)",
    params(LogQuery),
    responses((status = 200, description = "OK", body = Deliveries))
)]
pub async fn deliveries(
    State(state): State<Arc<ApiState>>,
    query: QueryResult,
) -> Result<Json<Deliveries>, ApiError> {
    let (query, account) = LogQuery::read(query)?;
    let records = state.sim.webhooks.log.since(query.since, |r| {
        account.is_none_or(|a| r.account == Some(a))
            && query.event.as_deref().is_none_or(|e| &*r.event == e)
    });
    Ok(Json(Deliveries {
        deliveries: records,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Events {
    events: Vec<FiredEvent>,
}

/// `GET /_sim/events`: every event fired, with the payload it was sent with (the last 5000
/// are kept). The delivery log has what happened to each; join them on `event_id`.
#[utoipa::path(
    get,
    path = "/_sim/events",
    tag = "control",
    operation_id = "sim_events",
    summary = "The events fired, with their payloads",
    params(LogQuery),
    responses((status = 200, description = "OK", body = Events))
)]
pub async fn events(
    State(state): State<Arc<ApiState>>,
    query: QueryResult,
) -> Result<Json<Events>, ApiError> {
    let (query, account) = LogQuery::read(query)?;
    let events = state.sim.events.since(query.since, |e| {
        account.is_none_or(|a| e.account == Some(a))
            && query.event.as_deref().is_none_or(|name| &*e.event == name)
    });
    Ok(Json(Events { events }))
}
