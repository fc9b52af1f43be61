//! Delivering webhooks: ordered lanes, retries on Mono's schedule, every attempt logged.
//!
//! Ordering policy: events for one account go to one URL in the order they were fired. Each
//! (account, URL) pair is a *lane*; only the event at the head of a lane is being delivered,
//! and the next one starts when the head was delivered or gave up after its last attempt.
//! So a receiver that keeps failing one event holds back that account's later events (as a
//! real ordered pipeline would) but never another account's. The `reorder` fault takes an
//! event off its lane on purpose.
//!
//! Connections are pooled and kept alive (one `reqwest::Client`), redirects are not followed
//! (a 3xx is a failure, as for Mono), and every attempt has a wall-clock timeout.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;

use super::log::{AttemptRecord, DeliveryLog, Outcome, SecretMode};
use super::retry::RetryPolicy;
use crate::clock::{Clock, Timestamp};
use crate::faults::Faults;
use crate::scheduler::{Job, Scheduler};
use crate::world::{Dialect, ObjectId};

/// Where webhooks go and the secret they carry.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Targets {
    pub urls: Vec<String>,
    pub secret: String,
}

/// An event ready to send: the body is final, the delivery options come from faults.
pub struct Outgoing {
    pub event_id: String,
    pub event: String,
    pub account: Option<ObjectId>,
    pub body: Bytes,
    pub dialect: Dialect,
    pub secret: SecretMode,
    /// Simulated milliseconds to hold the event back, on its lane.
    pub delay: i64,
    /// Simulated milliseconds to hold it back off its lane, letting later events overtake.
    pub reorder: Option<i64>,
    /// Send it this many times (2 for a duplicate).
    pub copies: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Lane {
    Account(ObjectId, String),
    Alone(u64),
}

#[derive(Clone)]
struct Delivery {
    event_id: String,
    event: String,
    account: Option<ObjectId>,
    url: String,
    body: Bytes,
    dialect: Dialect,
    secret: SecretMode,
    attempts: u32,
    not_before: Timestamp,
    lane: Lane,
}

#[derive(Default)]
struct Queues {
    deliveries: HashMap<u64, Delivery>,
    lanes: HashMap<Lane, VecDeque<u64>>,
    next_id: u64,
}

pub struct Dispatcher {
    client: reqwest::Client,
    policy: RetryPolicy,
    targets: Mutex<Targets>,
    queues: Mutex<Queues>,
    clock: Arc<Clock>,
    scheduler: Arc<Scheduler>,
    faults: Arc<Faults>,
    pub log: DeliveryLog,
}

/// How many bytes of a receiver's answer are read (and then discarded): enough to keep the
/// connection reusable, not so many that a huge answer costs memory.
const MAX_ANSWER: usize = 64 * 1024;

impl Dispatcher {
    pub fn new(
        policy: RetryPolicy,
        targets: Targets,
        clock: Arc<Clock>,
        scheduler: Arc<Scheduler>,
        faults: Arc<Faults>,
        log_capacity: usize,
    ) -> Dispatcher {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .build()
            .expect("a client without TLS or proxies always builds");
        Dispatcher {
            client,
            policy,
            targets: Mutex::new(targets),
            queues: Mutex::new(Queues::default()),
            clock,
            scheduler,
            faults,
            log: DeliveryLog::new(log_capacity),
        }
    }

    pub fn targets(&self) -> Targets {
        self.targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_targets(&self, targets: Targets) {
        *self.targets.lock().unwrap_or_else(|p| p.into_inner()) = targets;
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `outgoing` for every target URL. Returns how many deliveries were queued.
    pub fn enqueue(&self, outgoing: Outgoing) -> usize {
        let urls = self.targets().urls;
        let now = self.clock.now();
        let mut queues = self.queues();
        let mut queued = 0;
        for url in urls {
            for _ in 0..outgoing.copies.max(1) {
                queues.next_id += 1;
                let id = queues.next_id;
                let (lane, hold) = match (outgoing.reorder, outgoing.account) {
                    (Some(by), _) => (Lane::Alone(id), by),
                    (None, Some(account)) => (Lane::Account(account, url.clone()), outgoing.delay),
                    (None, None) => (Lane::Alone(id), outgoing.delay),
                };
                let not_before = now.plus(hold);
                queues.deliveries.insert(
                    id,
                    Delivery {
                        event_id: outgoing.event_id.clone(),
                        event: outgoing.event.clone(),
                        account: outgoing.account,
                        url: url.clone(),
                        body: outgoing.body.clone(),
                        dialect: outgoing.dialect,
                        secret: outgoing.secret,
                        attempts: 0,
                        not_before,
                        lane: lane.clone(),
                    },
                );
                let lane = queues.lanes.entry(lane).or_default();
                lane.push_back(id);
                if lane.len() == 1 {
                    self.scheduler.schedule(not_before, Job::Attempt(id));
                }
                queued += 1;
            }
        }
        queued
    }

    /// Makes attempt number n+1 of delivery `id`, due at `due`, and decides what follows.
    pub async fn attempt(&self, id: u64, due: Timestamp) {
        let Some((delivery, attempt, secret_value)) = self.begin(id) else {
            return;
        };
        let sent_at = self.clock.now();
        let started = Instant::now();
        let (mut outcome, status, error) =
            if self.faults.take_drop(delivery.account, &delivery.event) {
                (
                    Outcome::Dropped,
                    None,
                    Some("dropped by an injected fault".to_string()),
                )
            } else {
                self.send(&delivery, secret_value.as_deref()).await
            };
        let latency_ms = started.elapsed().as_secs_f64() * 1_000.0;
        if !self.queues().deliveries.contains_key(&id) {
            return; // cleared by a reset while it was being sent
        }
        let last = attempt >= self.policy.attempts;
        if outcome != Outcome::Delivered && last {
            outcome = Outcome::GaveUp;
        }
        match outcome {
            Outcome::Delivered => {
                tracing::debug!(event = %delivery.event, attempt, status, "webhook delivered")
            }
            Outcome::GaveUp => tracing::warn!(
                event = %delivery.event, attempt, status, error = error.as_deref().unwrap_or(""),
                "webhook delivery gave up"
            ),
            _ => tracing::info!(
                event = %delivery.event, attempt, status, error = error.as_deref().unwrap_or(""),
                "webhook delivery failed; will retry"
            ),
        }
        self.log.push(AttemptRecord {
            seq: 0,
            delivery: id,
            event_id: delivery.event_id.clone(),
            event: delivery.event.clone(),
            account: delivery.account,
            attempt,
            url: delivery.url.clone(),
            outcome,
            status,
            error,
            latency_ms: (latency_ms * 1_000.0).round() / 1_000.0,
            scheduled_at: due,
            sent_at,
            secret: delivery.secret,
            dialect: delivery.dialect.to_string(),
        });
        match outcome {
            Outcome::Delivered | Outcome::GaveUp => self.finish(id),
            Outcome::Failed | Outcome::Dropped => {
                let next = due.plus(self.policy.delay_after(attempt));
                self.scheduler.schedule(next, Job::Attempt(id));
            }
        }
    }

    /// Counts the attempt; returns a copy of what to send, the attempt number and the
    /// secret header value.
    fn begin(&self, id: u64) -> Option<(Delivery, u32, Option<String>)> {
        let secret = self.targets().secret;
        let mut queues = self.queues();
        let delivery = queues.deliveries.get_mut(&id)?;
        delivery.attempts += 1;
        let value = match delivery.secret {
            SecretMode::Correct => Some(secret),
            SecretMode::Wrong => Some(format!("not-{secret}")),
            SecretMode::Missing => None,
        };
        Some((delivery.clone(), delivery.attempts, value))
    }

    async fn send(
        &self,
        delivery: &Delivery,
        secret: Option<&str>,
    ) -> (Outcome, Option<u16>, Option<String>) {
        let mut request = self
            .client
            .post(&delivery.url)
            .header("content-type", "application/json")
            .timeout(self.policy.timeout)
            .body(delivery.body.clone());
        if let Some(secret) = secret {
            request = request.header("mono-webhook-secret", secret);
        }
        match request.send().await {
            Ok(mut response) => {
                let status = response.status();
                let mut read = 0;
                let drained = loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) if read + chunk.len() <= MAX_ANSWER => read += chunk.len(),
                        Ok(Some(_)) => break Ok(()), // enough: the rest is dropped with the connection
                        Ok(None) => break Ok(()),
                        Err(e) => break Err(e),
                    }
                };
                let error = match (&drained, status.is_success()) {
                    (Err(e), _) => Some(format!("answer cut off: {}", describe(e, &self.policy))),
                    (Ok(()), false) => Some(format!("receiver answered {status}")),
                    (Ok(()), true) => None,
                };
                let outcome = if status.is_success() && drained.is_ok() {
                    Outcome::Delivered
                } else {
                    Outcome::Failed
                };
                (outcome, Some(status.as_u16()), error)
            }
            Err(e) => (Outcome::Failed, None, Some(describe(&e, &self.policy))),
        }
    }

    /// The delivery is over: let the next one on its lane start.
    fn finish(&self, id: u64) {
        let now = self.clock.now();
        let mut queues = self.queues();
        let Some(delivery) = queues.deliveries.remove(&id) else {
            return;
        };
        let next = queues.lanes.get_mut(&delivery.lane).and_then(|lane| {
            lane.pop_front();
            lane.front().copied()
        });
        match next {
            Some(next) => {
                let at = queues.deliveries[&next].not_before.max(now);
                self.scheduler.schedule(at, Job::Attempt(next));
            }
            None => {
                queues.lanes.remove(&delivery.lane);
            }
        }
    }

    /// Deliveries not yet delivered or given up.
    pub fn unfinished(&self) -> usize {
        self.queues().deliveries.len()
    }

    /// Forgets every queued delivery.
    pub fn clear(&self) {
        let mut queues = self.queues();
        queues.deliveries.clear();
        queues.lanes.clear();
    }
}

/// A transport error in words a receiver's author can act on.
fn describe(error: &reqwest::Error, policy: &RetryPolicy) -> String {
    if error.is_timeout() {
        return format!("no answer within {:?} (timed out)", policy.timeout);
    }
    let mut text = if error.is_connect() {
        "could not connect".to_string()
    } else if error.is_body() || error.is_decode() {
        "broken answer".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
