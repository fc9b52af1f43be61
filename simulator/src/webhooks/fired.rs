//! The event log: every event fired, with the payload it was sent with, and "resend".
//!
//! The delivery log (`log.rs`) says what happened to each attempt but not what was sent:
//! the dispatcher keeps a body only while its delivery is unfinished. The console shows each
//! event's payload and offers to send it again (as Stripe's and Svix's dashboards do), so
//! the bodies are kept here, once per event rather than once per attempt, in a bounded
//! [`Journal`] like the other logs.
//!
//! Resending goes through [`Dispatcher::enqueue`], the dispatcher's public door: the event
//! joins its account's lane behind anything still queued there, is retried on the usual
//! schedule and logged attempt by attempt under the same `event_id` (a receiver that
//! deduplicates by `event_id` should acknowledge it and change nothing). Faults are not
//! applied: a resend is a deliberate redelivery of what was sent, not a new event.

use std::sync::Arc;

use axum::body::Bytes;
use serde::{Serialize, Serializer};

use super::dispatcher::{Dispatcher, Outgoing};
use super::log::SecretMode;
use crate::clock::Timestamp;
use crate::journal::{Journal, Numbered};
use crate::world::{Dialect, ObjectId};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FiredEvent {
    /// Position in the log, from 1.
    pub seq: u64,
    #[schema(value_type = String)]
    pub event_id: Arc<str>,
    #[schema(value_type = String)]
    pub event: Arc<str>,
    pub account: Option<ObjectId>,
    /// Simulated time it was fired.
    pub fired_at: Timestamp,
    pub dialect: Dialect,
    /// The body as sent (after overrides and faults), as JSON.
    #[serde(serialize_with = "as_json")]
    #[schema(value_type = Object)]
    pub payload: Bytes,
}

/// Every event fired; bounded (see `journal.rs`).
pub type EventLog = Journal<FiredEvent>;

impl Numbered for FiredEvent {
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// The body is JSON the simulator built itself: written as JSON, not as a string of it
/// (as text only if it somehow is not JSON, rather than failing the whole answer).
fn as_json<S: Serializer>(body: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => value.serialize(serializer),
        Err(_) => String::from_utf8_lossy(body).serialize(serializer),
    }
}

/// The event `event_id` as it was fired, if the log still holds it.
pub fn find(log: &EventLog, event_id: &str) -> Option<FiredEvent> {
    log.since(0, |e| &*e.event_id == event_id)
        .into_iter()
        .next()
}

/// Queues `fired` again for every webhook URL, as it was sent the first time. Returns how
/// many deliveries were queued (0 when no URL is set).
pub fn resend(dispatcher: &Dispatcher, fired: &FiredEvent) -> usize {
    let queued = dispatcher.enqueue(Outgoing {
        event_id: fired.event_id.to_string(),
        event: fired.event.to_string(),
        account: fired.account,
        body: fired.payload.clone(),
        dialect: fired.dialect,
        secret: SecretMode::Correct,
        delay: 0,
        reorder: None,
        copies: 1,
    });
    tracing::info!(event_id = %fired.event_id, event = %fired.event, queued, "event resent");
    queued
}
