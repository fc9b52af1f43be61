//! The delivery log: every attempt, with what happened.

use std::sync::Arc;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::journal::{Journal, Numbered};
use crate::world::ObjectId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Non-2xx, timeout or connection error; another attempt follows.
    Failed,
    /// Not sent, by an injected fault; another attempt follows.
    Dropped,
    /// Failed, and no attempt follows: it was the last, or the receiver answered 410 Gone.
    GaveUp,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Delivered,
        Outcome::Failed,
        Outcome::Dropped,
        Outcome::GaveUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::Dropped => "dropped",
            Outcome::GaveUp => "gave_up",
        }
    }
}

/// How the `mono-webhook-secret` header was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretMode {
    Correct,
    Wrong,
    Missing,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptRecord {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The delivery this attempt belongs to (one per event, target and duplicate).
    pub delivery: u64,
    #[schema(value_type = String)]
    pub event_id: Arc<str>,
    #[schema(value_type = String)]
    pub event: Arc<str>,
    pub account: Option<ObjectId>,
    pub attempt: u32,
    #[schema(value_type = String)]
    pub url: Arc<str>,
    pub outcome: Outcome,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, when it did not answer (or answered non-2xx).
    pub error: Option<String>,
    /// Wall-clock milliseconds from sending to the answer.
    pub latency_ms: f64,
    /// Simulated time the attempt was due.
    pub scheduled_at: Timestamp,
    /// Simulated time it was sent.
    pub sent_at: Timestamp,
    /// Simulated time of the next attempt, when one follows (after a `failed` or `dropped`
    /// attempt): the schedule's gap, or longer if the receiver asked with `Retry-After`.
    pub next_attempt_at: Option<Timestamp>,
    pub secret: SecretMode,
    pub dialect: &'static str,
}

/// Every delivery attempt; bounded (see `journal.rs`).
pub type DeliveryLog = Journal<AttemptRecord>;

impl Numbered for AttemptRecord {
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}
