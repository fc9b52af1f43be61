//! The clock: read it, freeze it, let it run, advance it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::protocol::{body, duration};
use crate::clock::{DurationText, Timestamp};
use crate::echo::Echo;
use crate::http::{ApiError, ApiState};
use crate::scheduler::Pending;

/// The most one advance may cover: a year of syncs and retries still replays in about a
/// second, and a typo cannot park the driver for days.
const MAX_ADVANCE: i64 = 366 * crate::clock::DAY;

#[derive(Serialize, ToSchema)]
pub struct ClockBody {
    now: Timestamp,
    frozen: bool,
    /// Simulated seconds per wall second while the clock runs.
    scale: f64,
    pending: Pending,
}

impl ClockBody {
    fn of(state: &ApiState) -> Json<ClockBody> {
        let clock = &state.sim.clock;
        Json(ClockBody {
            now: clock.now(),
            frozen: clock.is_frozen(),
            scale: clock.scale(),
            pending: state.sim.scheduler.pending(),
        })
    }
}

#[utoipa::path(
    get,
    path = "/_sim/clock",
    tag = "control",
    operation_id = "sim_clock",
    summary = "The simulated clock",
    responses((status = 200, description = "OK", body = ClockBody))
)]
pub async fn show(State(state): State<Arc<ApiState>>) -> Json<ClockBody> {
    ClockBody::of(&state)
}

/// `POST /_sim/clock/advance`: exactly one of `by` and `to`; at most 366 days ahead.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum AdvanceRequest {
    By(AdvanceBy),
    To(AdvanceTo),
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceBy {
    // Milliseconds, written as a duration.
    #[schema(value_type = DurationText, example = "48h")]
    by: i64,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceTo {
    /// An RFC 3339 UTC instant, not before the simulator's now.
    to: Timestamp,
}

impl AdvanceRequest {
    /// Reads the body as both fields, so that giving both, neither, or a wrong one is
    /// refused in words that say which.
    fn read(bytes: &Bytes) -> Result<AdvanceRequest, ApiError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Advance {
            by: Option<String>,
            to: Option<String>,
        }
        let request: Advance = body(bytes)?;
        match (request.by.as_deref(), request.to.as_deref()) {
            (Some(by), None) => Ok(AdvanceRequest::By(AdvanceBy {
                by: duration("by", by)?,
            })),
            (None, Some(to)) => {
                let to = Timestamp::parse_rfc3339(to).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid `to`: `{}` is not an RFC 3339 UTC time",
                        Echo(to)
                    ))
                })?;
                Ok(AdvanceRequest::To(AdvanceTo { to }))
            }
            _ => Err(ApiError::bad_request(
                "Give exactly one of `by` (e.g. \"30s\") or `to` (an RFC 3339 time)",
            )),
        }
    }
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
    request_body(content = AdvanceRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = ClockBody))
)]
pub async fn advance(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<Json<ClockBody>, ApiError> {
    let target = match AdvanceRequest::read(&bytes)? {
        AdvanceRequest::By(AdvanceBy { by }) => state.sim.clock.now().plus(by),
        AdvanceRequest::To(AdvanceTo { to }) => to,
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
    Ok(ClockBody::of(&state))
}

#[utoipa::path(
    post,
    path = "/_sim/clock/freeze",
    tag = "control",
    operation_id = "sim_clock_freeze",
    summary = "Stop the clock",
    responses((status = 200, description = "OK", body = ClockBody))
)]
pub async fn freeze(State(state): State<Arc<ApiState>>) -> Json<ClockBody> {
    state.sim.clock.freeze();
    ClockBody::of(&state)
}

#[utoipa::path(
    post,
    path = "/_sim/clock/resume",
    tag = "control",
    operation_id = "sim_clock_resume",
    summary = "Let the clock run",
    responses((status = 200, description = "OK", body = ClockBody))
)]
pub async fn resume(State(state): State<Arc<ApiState>>) -> Json<ClockBody> {
    state.sim.clock.resume();
    state.sim.clock_changed();
    ClockBody::of(&state)
}
