//! The delivery log: every attempt, with what happened.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::world::ObjectId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Non-2xx, timeout or connection error; another attempt follows.
    Failed,
    /// Not sent, by an injected fault; another attempt follows.
    Dropped,
    /// Failed, and it was the last attempt.
    GaveUp,
}

/// How the `mono-webhook-secret` header was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretMode {
    Correct,
    Wrong,
    Missing,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttemptRecord {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The delivery this attempt belongs to (one per event, target and duplicate).
    pub delivery: u64,
    pub event_id: String,
    pub event: String,
    pub account: Option<ObjectId>,
    pub attempt: u32,
    pub url: String,
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
    pub secret: SecretMode,
    pub dialect: String,
}

/// A bounded log: the oldest records go first once `capacity` is reached.
pub struct DeliveryLog {
    /// The records, and the sequence number of the last one ever pushed.
    records: Mutex<(VecDeque<AttemptRecord>, u64)>,
    capacity: usize,
}

impl DeliveryLog {
    pub fn new(capacity: usize) -> DeliveryLog {
        DeliveryLog {
            records: Mutex::new((VecDeque::new(), 0)),
            capacity,
        }
    }

    pub fn push(&self, mut record: AttemptRecord) {
        let mut guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        guard.1 += 1;
        record.seq = guard.1;
        if guard.0.len() >= self.capacity {
            guard.0.pop_front();
        }
        guard.0.push_back(record);
    }

    /// The records with `seq > after` that match `keep`.
    pub fn since(&self, after: u64, keep: impl Fn(&AttemptRecord) -> bool) -> Vec<AttemptRecord> {
        let guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .0
            .iter()
            .filter(|r| r.seq > after && keep(r))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clear();
    }
}
