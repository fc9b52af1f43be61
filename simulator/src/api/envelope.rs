//! Mono's v2 envelope: every successful v2 answer is
//! `{"status":"successful","message":…,"timestamp":…,"data":…}`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::http::ApiState;

/// The message of most v2 answers; a few routes have their own.
pub const COMPLETED: &str = "Request was successfully completed";

/// The v2 envelope every successful v2 answer comes in.
#[derive(Serialize, ToSchema)]
pub struct V2Envelope<T> {
    pub status: SuccessfulStatus,
    #[schema(value_type = String)]
    pub message: &'static str,
    pub timestamp: Timestamp,
    pub data: T,
}

impl<T> V2Envelope<T> {
    /// `data` under `message`, stamped with the simulated now of the request's Mono.
    pub fn new(state: &ApiState, message: &'static str, data: T) -> V2Envelope<T> {
        V2Envelope {
            status: SuccessfulStatus::Successful,
            message,
            timestamp: state.world.now(),
            data,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessfulStatus {
    Successful,
}
