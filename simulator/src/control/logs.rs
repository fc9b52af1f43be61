//! What happened (request and delivery logs), waiting for quiet, faults, and reset.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::{account_id, body, duration};
use crate::clock::{self, Timestamp};
use crate::faults::FaultRule;
use crate::http::{ApiError, ApiState};
use crate::request_log::RequestRecord;
use crate::scheduler::Pending;
use crate::webhooks::{AttemptRecord, Targets};
use crate::world::{Dialect, ObjectId};

/// Clock, world, webhook targets and what is pending.
#[derive(Serialize, ToSchema)]
pub struct SimState {
    now: Timestamp,
    frozen: bool,
    seed: u64,
    dialect: Dialect,
    #[schema(value_type = u64)]
    accounts: usize,
    webhooks: Targets,
    #[schema(value_type = u64)]
    unfinished_deliveries: usize,
    pending: Pending,
    faults: Vec<FaultRule>,
}

#[utoipa::path(
    get,
    path = "/_sim/state",
    tag = "control",
    operation_id = "sim_state",
    summary = "Clock, webhook targets, pending deliveries, faults",
    responses((status = 200, description = "OK", body = SimState))
)]
pub async fn state(State(state): State<Arc<ApiState>>) -> Json<SimState> {
    Json(SimState {
        now: state.sim.clock.now(),
        frozen: state.sim.clock.is_frozen(),
        seed: state.world.seed(),
        dialect: state.world.dialect(),
        accounts: state.world.account_count(),
        webhooks: state.sim.webhooks.targets(),
        unfinished_deliveries: state.sim.webhooks.unfinished(),
        pending: state.sim.scheduler.pending(),
        faults: state.sim.faults.list(),
    })
}

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
    /// Only this event's (deliveries).
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

/// `POST /_sim/idle`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdleRequest {
    /// Wall time to wait at most (`10s` by default, at most `10m`).
    #[schema(value_type = Option<String>, pattern = "^([0-9]{1,5}(ms)?|[0-5]?[0-9]{1,2}s|([0-9]|10)(m|min))$", example = "10s")]
    timeout: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IdleBody {
    idle: bool,
    now: Timestamp,
    pending: Pending,
    #[schema(value_type = u64)]
    unfinished_deliveries: usize,
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
    request_body(content = Option<IdleRequest>, content_type = "application/json"),
    responses((status = 200, description = "Idle", body = IdleBody), (status = 408, description = "Still busy when the timeout passed", body = IdleBody))
)]
pub async fn idle(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<IdleBody>), ApiError> {
    let request: IdleRequest = body(&bytes)?;
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
        Json(IdleBody {
            idle,
            now: state.sim.clock.now(),
            pending: state.sim.scheduler.pending(),
            unfinished_deliveries: state.sim.webhooks.unfinished(),
        }),
    ))
}

/// A fault to add: one of the kinds, with its settings and what it applies to, read by
/// [`FaultRule::from_json`]. Its schema is written by hand because which fields a kind
/// takes (and whether `endpoint` is required) depends on the kind, and `from_json` refuses
/// every other field.
pub struct NewFault(FaultRule);

impl NewFault {
    fn read(bytes: &Bytes) -> Result<NewFault, ApiError> {
        let raw: Value = body(bytes)?;
        FaultRule::from_json(raw)
            .map(NewFault)
            .map_err(|e| ApiError::bad_request(format!("Invalid fault: {e}")))
    }
}

impl PartialSchema for NewFault {
    fn schema() -> RefOr<Schema> {
        let text = |values: &[&str]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values.iter().copied()))
        };
        let nullable = |schema: RefOr<Schema>| -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .item(schema)
                .into()
        };
        let kind = |name: &'static str,
                    fields: Vec<(&'static str, RefOr<Schema>, bool)>,
                    description: &str| {
            let mut object = ObjectBuilder::new()
                .description(Some(description))
                .property("kind", text(&[name]))
                .required("kind")
                .property(
                    "account",
                    nullable(Ref::from_schema_name("ObjectId").into()),
                )
                .property(
                    "event",
                    nullable(ObjectBuilder::new().schema_type(Type::String).into()),
                )
                .property(
                    "count",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(u32::MAX)),
                )
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for (field, schema, required) in fields {
                object = object.property(field, schema);
                if required {
                    object = object.required(field);
                }
            }
            object
        };
        let hold = || clock::Duration::schema();
        let api_endpoint = || text(&["reauthorise", "sync"]).into();
        OneOfBuilder::new()
            .description(Some(
                "Webhook faults (all but status, hang and sync_code) change how the next matching events are delivered; API faults change how the next calls to an endpoint are answered. Holds are at most 30 days, hangs at most 10 minutes.",
            ))
            .item(kind("duplicate", vec![], "Deliver the event twice, same event_id."))
            .item(kind("reorder", vec![("by", hold(), false)], "Send it `by` later (1s by default), off the account's ordered lane."))
            .item(kind("delay", vec![("by", hold(), true)], "Hold the event back by `by`; later events for the account wait behind it."))
            .item(kind("drop_attempt", vec![], "Do not send the next attempt (it is retried on schedule)."))
            .item(kind("wrong_secret", vec![], "Send mono-webhook-secret with a wrong value."))
            .item(kind("missing_secret", vec![], "Send no mono-webhook-secret."))
            .item(kind("other_dialect", vec![], "Send the payload in the other dialect."))
            .item(kind(
                "status",
                vec![
                    (
                        "status",
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(400))
                            .maximum(Some(599))
                            .into(),
                        true,
                    ),
                    ("endpoint", api_endpoint(), true),
                ],
                "Answer the next calls to `endpoint` with this HTTP status.",
            ))
            .item(kind(
                "hang",
                vec![("for", hold(), true), ("endpoint", api_endpoint(), true)],
                "Do not answer the next calls to `endpoint` for `for` (then 504).",
            ))
            .item(kind(
                "sync_code",
                vec![
                    ("code", text(&["SYNC_ERROR", "INCOMPLETE_STATEMENT_ERROR"]).into(), true),
                    ("endpoint", nullable(text(&["sync"]).into()), false),
                ],
                "Make the next syncs end with this code.",
            ))
            .into()
    }
}

impl ToSchema for NewFault {
    fn name() -> Cow<'static, str> {
        "NewFault".into()
    }
}

#[derive(Serialize, ToSchema)]
pub struct Faults {
    faults: Vec<FaultRule>,
}

#[derive(Serialize, ToSchema)]
pub struct FaultAdded {
    id: u64,
    faults: Vec<FaultRule>,
}

#[utoipa::path(
    get,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_faults",
    summary = "The injected faults",
    responses((status = 200, description = "OK", body = Faults))
)]
pub async fn faults(State(state): State<Arc<ApiState>>) -> Json<Faults> {
    Json(Faults {
        faults: state.sim.faults.list(),
    })
}

/// `POST /_sim/faults {"kind": "duplicate", "account": "...", "event": "...", "count": 1}`.
#[utoipa::path(
    post,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_add_fault",
    summary = "Inject a fault",
    request_body(content = NewFault, content_type = "application/json"),
    responses((status = 201, description = "Created", body = FaultAdded))
)]
pub async fn add_fault(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<FaultAdded>), ApiError> {
    let NewFault(rule) = NewFault::read(&bytes)?;
    let id = state.sim.faults.add(rule);
    Ok((
        StatusCode::CREATED,
        Json(FaultAdded {
            id,
            faults: state.sim.faults.list(),
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_clear_faults",
    summary = "Remove every fault",
    responses((status = 200, description = "OK", body = Faults))
)]
pub async fn clear_faults(State(state): State<Arc<ApiState>>) -> Json<Faults> {
    state.sim.faults.clear();
    Json(Faults { faults: Vec::new() })
}

#[derive(Serialize, ToSchema)]
pub struct ResetBody {
    reset: bool,
    #[schema(value_type = u64)]
    accounts: usize,
}

#[utoipa::path(
    post,
    path = "/_sim/reset",
    tag = "control",
    operation_id = "sim_reset",
    summary = "Back to the starting world",
    responses((status = 200, description = "OK", body = ResetBody))
)]
pub async fn reset(State(state): State<Arc<ApiState>>) -> Json<ResetBody> {
    state.sim.reset();
    Json(ResetBody {
        reset: true,
        accounts: state.world.account_count(),
    })
}
