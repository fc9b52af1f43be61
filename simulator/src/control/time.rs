//! The clock: read it, freeze it, let it run, advance it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, duration};
use crate::clock::Timestamp;
use crate::http::{ApiError, ApiState};

/// The most one advance may cover: a year of syncs and retries still replays in about a
/// second, and a typo cannot park the driver for days.
const MAX_ADVANCE: i64 = 366 * crate::clock::DAY;

fn clock_json(state: &ApiState) -> Value {
    let clock = &state.sim.clock;
    json!({
        "now": clock.now(),
        "frozen": clock.is_frozen(),
        "scale": clock.scale(),
        "pending": state.sim.scheduler.pending(),
    })
}

#[utoipa::path(
    get,
    path = "/_sim/clock",
    tag = "control",
    operation_id = "sim_clock",
    summary = "The simulated clock",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ClockBody))
)]
pub async fn show(State(state): State<Arc<ApiState>>) -> Json<Value> {
    Json(clock_json(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    /// `30s`, `10m`, `48h`…
    by: Option<String>,
    /// Or an instant (RFC 3339).
    to: Option<String>,
}

/// `POST /_sim/clock/advance {"by": "48h"}`: moves simulated time forward, running every
/// retry, delayed event and automatic sync due on the way at its own instant. Answers when
/// all of them are done.
#[utoipa::path(
    post,
    path = "/_sim/clock/advance",
    tag = "control",
    operation_id = "sim_clock_advance",
    summary = "Move simulated time forward, running everything due on the way",
    request_body(content = crate::openapi::schemas::AdvanceRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ClockBody))
)]
pub async fn advance(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: Advance = body(&bytes)?;
    let target = match (request.by.as_deref(), request.to.as_deref()) {
        (Some(by), None) => state.sim.clock.now().plus(duration("by", by)?),
        (None, Some(to)) => Timestamp::parse_rfc3339(to).ok_or_else(|| {
            ApiError::bad_request(format!("Invalid `to`: `{to}` is not an RFC 3339 UTC time"))
        })?,
        _ => {
            return Err(ApiError::bad_request(
                "Give exactly one of `by` (e.g. \"30s\") or `to` (an RFC 3339 time)",
            ))
        }
    };
    let now = state.sim.clock.now();
    if target.millis() - now.millis() > MAX_ADVANCE {
        return Err(ApiError::bad_request(format!(
            "Invalid advance: {} is more than the {} one call may move the clock (every automatic sync on the way runs)",
            crate::clock::format_duration(target.millis() - now.millis()),
            crate::clock::format_duration(MAX_ADVANCE)
        )));
    }
    if target < now {
        return Err(ApiError::bad_request(format!(
            "Invalid `to`: {target} is before the simulator's now ({now}); the clock only moves forward"
        )));
    }
    state.sim.advance_to(target).await;
    Ok(Json(clock_json(&state)))
}

#[utoipa::path(
    post,
    path = "/_sim/clock/freeze",
    tag = "control",
    operation_id = "sim_clock_freeze",
    summary = "Stop the clock",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ClockBody))
)]
pub async fn freeze(State(state): State<Arc<ApiState>>) -> Json<Value> {
    state.sim.clock.freeze();
    Json(clock_json(&state))
}

#[utoipa::path(
    post,
    path = "/_sim/clock/resume",
    tag = "control",
    operation_id = "sim_clock_resume",
    summary = "Let the clock run",
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ClockBody))
)]
pub async fn resume(State(state): State<Arc<ApiState>>) -> Json<Value> {
    state.sim.clock.resume();
    state.sim.clock_changed();
    Json(clock_json(&state))
}
