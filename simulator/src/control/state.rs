//! The simulator as a whole: what it is doing (`/_sim/state`), waiting until it is quiet
//! (`/_sim/idle`), and going back to the start (`/_sim/reset`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::protocol::{body, duration};
use crate::clock::Timestamp;
use crate::faults::FaultRule;
use crate::http::{ApiError, ApiState};
use crate::scheduler::Pending;
use crate::webhooks::Targets;
use crate::world::Dialect;

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
