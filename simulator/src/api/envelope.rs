//! Mono's v2 envelope: every successful v2 answer is
//! `{"status":"successful","message":…,"timestamp":…,"data":…}`.

use serde::Serialize;
use utoipa::ToSchema;

use super::json::{self, WriteJson};
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

impl<T: WriteJson> WriteJson for V2Envelope<T> {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), json::Error> {
        let V2Envelope {
            status,
            message,
            timestamp,
            data,
        } = self;
        write_head(out, status, message, timestamp)?;
        out.extend_from_slice(br#","data":"#);
        data.write_json(out)?;
        out.push(b'}');
        Ok(())
    }
}

/// `{"status":…,"message":…,"timestamp":…`, how every v2 answer opens; the caller writes
/// the rest and closes it.
pub fn write_head(
    out: &mut Vec<u8>,
    status: &SuccessfulStatus,
    message: &'static str,
    timestamp: &Timestamp,
) -> Result<(), json::Error> {
    match status {
        SuccessfulStatus::Successful => out.extend_from_slice(br#"{"status":"successful""#),
    }
    out.extend_from_slice(br#","message":"#);
    json::constant(out, message);
    out.extend_from_slice(br#","timestamp":"#);
    json::value(out, timestamp)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessfulStatus {
    Successful,
}
