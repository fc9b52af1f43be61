//! Delivering webhooks: ordered lanes, retries on Mono's schedule, every attempt logged.
//!
//! Ordering policy: events for one account go to one URL in the order they were fired. Each
//! (account, URL) pair is a *lane*; only the event at the head of a lane is being delivered,
//! and the next one starts when the head was delivered or gave up after its last attempt.
//! So a receiver that keeps failing one event holds back that account's later events (as a
//! real ordered pipeline would) but never another account's. The `reorder` fault takes an
//! event off its lane on purpose.
//!
//! Connections are pooled and kept alive ([`client`](super::client): hyper's HTTP/1
//! connections, nothing more), opened a few at a time so a burst of lanes cannot overflow
//! a receiver's listen backlog, and every attempt has one wall-clock deadline.
//!
//! How a misbehaving receiver is treated (Mono documents none of this beyond "non-2xx is
//! retried"; each choice is `[inferred]`, and the receiver-fault table of docs/webhooks.md shows them
//! end to end):
//!
//! - **Refused, reset, garbage, timed out**: a failed attempt, the transport error in
//!   words, with no status (or the status, when a reset came after the status line);
//!   retried on the schedule.
//! - **Deadline**: the timeout covers the whole attempt — connecting, the status line, the
//!   headers *and* the body — so a receiver dripping one byte at a time cannot hold a lane
//!   longer than one timeout. A 2xx whose body does not finish in time, or is cut off, is a
//!   failure too: the receiver may have crashed before committing. `[inferred]`
//! - **Redirects** (3xx) are not followed and count as failures, the `Location` named in the
//!   log: a webhook URL that moved must be changed by its owner. `[inferred]`
//! - **410 Gone** ends the delivery at once (`gave_up`, no retries): the receiver says the
//!   endpoint is gone for good. Later events are still attempted. `[inferred]`
//! - **429 / 503 with `Retry-After`** (seconds): the next attempt waits at least that long,
//!   bounded by the retry cap, never less than the usual schedule. `[inferred]`
//! - **Answers** are read up to [`MAX_ANSWER`] bytes and the rest dropped with the
//!   connection, so a huge body costs no memory. `[inferred]`

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use http_body_util::BodyExt;

use super::client::{self, Client, Slot, Target};
use super::log::{AttemptRecord, DeliveryLog, Outcome, SecretMode};
use super::retry::RetryPolicy;
use crate::clock::{Clock, Timestamp};
use crate::faults::Faults;
use crate::scheduler::{Scheduler, Task};
use crate::world::{Dialect, ObjectId};

/// Where webhooks go and the secret they carry.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Targets {
    pub urls: Vec<String>,
    pub secret: String,
}

/// The header Mono sends its webhook secret in.
const WEBHOOK_SECRET: HeaderName = HeaderName::from_static("mono-webhook-secret");

/// Whether `secret` can go in the `mono-webhook-secret` header: no control characters (a
/// newline would end the header). The error says so in words for whoever set it.
pub fn check_secret(secret: &str) -> Result<(), String> {
    match axum::http::HeaderValue::from_str(secret) {
        Ok(_) => Ok(()),
        Err(_) => Err(
            "the webhook secret must not contain control characters (a newline, say): it is sent as the mono-webhook-secret header"
                .to_string(),
        ),
    }
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
    Account(ObjectId, Arc<str>),
    Alone(u64),
}

/// A webhook URL checked once: where to send, or why it cannot be sent to.
type Sendable = Result<Arc<Target>, Arc<str>>;

/// The targets as set, and as sent to: each URL checked and split once, when set, rather
/// than for every event.
struct Routes {
    targets: Targets,
    urls: Vec<(Arc<str>, Sendable)>,
    secret: Arc<str>,
}

impl Routes {
    fn new(targets: Targets) -> Routes {
        let urls = targets
            .urls
            .iter()
            .map(|url| {
                let target = Target::parse(url).map(Arc::new).map_err(Arc::from);
                (Arc::from(url.as_str()), target)
            })
            .collect();
        let secret = Arc::from(targets.secret.as_str());
        Routes {
            targets,
            urls,
            secret,
        }
    }
}

/// One event on its way to one URL. Shared (`Arc`) between the queue and the attempt in
/// flight, so an attempt copies no strings; only the attempt count changes, beside it.
struct Delivery {
    event_id: Arc<str>,
    event: Arc<str>,
    account: Option<ObjectId>,
    url: Arc<str>,
    /// `url`, checked and split once when the targets were set rather than on every
    /// attempt; the error says why it cannot be sent to.
    target: Sendable,
    body: Bytes,
    dialect: Dialect,
    secret: SecretMode,
    not_before: Timestamp,
    lane: Lane,
}

#[derive(Default)]
struct Queues {
    /// Each delivery and the attempts made so far.
    deliveries: HashMap<u64, (Arc<Delivery>, u32)>,
    lanes: HashMap<Lane, VecDeque<u64>>,
    next_id: u64,
}

pub struct Dispatcher {
    client: Client,
    policy: RetryPolicy,
    routes: Mutex<Arc<Routes>>,
    queues: Mutex<Queues>,
    clock: Arc<Clock>,
    scheduler: Arc<Scheduler>,
    faults: Arc<Faults>,
    pub log: DeliveryLog,
}

/// How many bytes of a receiver's answer are read (and then discarded): enough to keep the
/// connection reusable, not so many that a huge answer costs memory.
pub const MAX_ANSWER: usize = 64 * 1024;

/// What one attempt came to.
struct Answer {
    outcome: Outcome,
    status: Option<u16>,
    error: Option<String>,
    /// Simulated milliseconds the receiver asked us to wait (`Retry-After`), already
    /// bounded by the retry cap.
    retry_after: Option<i64>,
}

impl Answer {
    /// No answer at all: the attempt failed for `error`.
    fn failed(error: String) -> Answer {
        Answer {
            outcome: Outcome::Failed,
            status: None,
            error: Some(error),
            retry_after: None,
        }
    }
}

impl Dispatcher {
    pub fn new(
        policy: RetryPolicy,
        targets: Targets,
        clock: Arc<Clock>,
        scheduler: Arc<Scheduler>,
        faults: Arc<Faults>,
        log_capacity: usize,
    ) -> Dispatcher {
        Dispatcher {
            client: Client::default(),
            policy,
            routes: Mutex::new(Arc::new(Routes::new(targets))),
            queues: Mutex::new(Queues::default()),
            clock,
            scheduler,
            faults,
            log: DeliveryLog::new(log_capacity),
        }
    }

    pub fn targets(&self) -> Targets {
        self.routes().targets.clone()
    }

    pub fn set_targets(&self, targets: Targets) {
        *self.routes.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(Routes::new(targets));
    }

    fn routes(&self) -> Arc<Routes> {
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `outgoing` for every target URL. Returns how many deliveries were queued.
    pub fn enqueue(&self, outgoing: Outgoing) -> usize {
        let routes = self.routes();
        let now = self.clock.now();
        let mut queues = self.queues();
        let mut queued = 0;
        let event_id: Arc<str> = outgoing.event_id.as_str().into();
        let event: Arc<str> = outgoing.event.as_str().into();
        for (url, target) in &routes.urls {
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
                    (
                        Arc::new(Delivery {
                            event_id: event_id.clone(),
                            event: event.clone(),
                            account: outgoing.account,
                            url: url.clone(),
                            target: target.clone(),
                            body: outgoing.body.clone(),
                            dialect: outgoing.dialect,
                            secret: outgoing.secret,
                            not_before,
                            lane: lane.clone(),
                        }),
                        0,
                    ),
                );
                let lane = queues.lanes.entry(lane).or_default();
                lane.push_back(id);
                if lane.len() == 1 {
                    self.scheduler.schedule(not_before, Task::Attempt(id));
                }
                queued += 1;
            }
        }
        queued
    }

    /// Makes attempt number n+1 of delivery `id`, due at `due`, and decides what follows.
    ///
    /// When the delivery is over and the next event on its lane is already due (clock
    /// running), that one is sent from here too, instead of going back through the
    /// scheduler and the driver: a busy lane then costs one task, not one per event.
    pub async fn attempt(&self, mut id: u64, mut due: Timestamp) {
        while let Some((next, at)) = self.attempt_one(id, due).await {
            (id, due) = (next, at);
        }
    }

    /// One attempt; returns the lane's next delivery if it is to be sent right away.
    async fn attempt_one(&self, id: u64, due: Timestamp) -> Option<(u64, Timestamp)> {
        let (delivery, attempt, secret_value) = self.begin(id)?;
        let sent_at = self.clock.now();
        let (
            Answer {
                mut outcome,
                status,
                error,
                retry_after,
            },
            latency,
        ) = if self.faults.take_drop(delivery.account, &delivery.event) {
            let dropped = Answer {
                outcome: Outcome::Dropped,
                status: None,
                error: Some("dropped by an injected fault".to_string()),
                retry_after: None,
            };
            (dropped, Duration::ZERO)
        } else {
            self.send(&delivery, secret_value.as_deref()).await
        };
        let latency_ms = latency.as_secs_f64() * 1_000.0;
        if !self.queues().deliveries.contains_key(&id) {
            return None; // cleared by a reset while it was being sent
        }
        let last = attempt >= self.policy.attempts;
        if outcome != Outcome::Delivered && last {
            outcome = Outcome::GaveUp;
        }
        let next_attempt_at = match outcome {
            Outcome::Failed | Outcome::Dropped => {
                let scheduled = self.policy.delay_after(attempt);
                Some(due.plus(retry_after.map_or(scheduled, |asked| asked.max(scheduled))))
            }
            Outcome::Delivered | Outcome::GaveUp => None,
        };
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
            next_attempt_at,
            secret: delivery.secret,
            dialect: delivery.dialect.as_str(),
        });
        match next_attempt_at {
            Some(next) => {
                self.scheduler.schedule(next, Task::Attempt(id));
                None
            }
            None => self.finish(id),
        }
    }

    /// Counts the attempt; returns a copy of what to send, the attempt number and the
    /// secret header value.
    fn begin(&self, id: u64) -> Option<(Arc<Delivery>, u32, Option<Arc<str>>)> {
        let secret = self.routes().secret.clone();
        let mut queues = self.queues();
        let (delivery, attempts) = queues.deliveries.get_mut(&id)?;
        *attempts += 1;
        let value = match delivery.secret {
            SecretMode::Correct => Some(secret),
            SecretMode::Wrong => Some(Arc::from(format!("not-{secret}"))),
            SecretMode::Missing => None,
        };
        Some((delivery.clone(), *attempts, value))
    }

    /// Sends one attempt under the policy's deadline, which covers connecting, the answer's
    /// head and its body.
    ///
    /// Returns what came of it and how long it took. A connection to send on, or a turn to
    /// open one, is waited for first: our own queue counts neither in the latency nor
    /// against the receiver's deadline.
    async fn send(&self, delivery: &Delivery, secret: Option<&str>) -> (Answer, Duration) {
        let target = match &delivery.target {
            Ok(target) => target,
            Err(why) => {
                return (
                    Answer::failed(format!("request failed: {why}")),
                    Duration::ZERO,
                )
            }
        };
        let slot = self.client.slot(target).await;
        let started = Instant::now();
        let headers: &[(HeaderName, &str)] = match secret {
            Some(secret) => &[(WEBHOOK_SECRET, secret)],
            None => &[],
        };
        // One deadline for the whole exchange: one timer per attempt.
        let exchange = self.exchange(slot, target, headers, delivery.body.clone());
        let answer = tokio::time::timeout(self.policy.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Answer::failed(format!(
                    "no answer within {:?} (timed out)",
                    self.policy.timeout
                ))
            });
        (answer, started.elapsed())
    }

    /// Sends the request, reads the answer's head and its body.
    async fn exchange(
        &self,
        slot: Slot,
        target: &Target,
        headers: &[(HeaderName, &str)],
        body: Bytes,
    ) -> Answer {
        let (response, lease) = match self.client.post(slot, target, headers, body).await {
            // Each kind of failure says itself what went wrong (`SendError`'s wording).
            Err(e) => return Answer::failed(e.to_string()),
            Ok(sent) => sent,
        };
        let status = response.status();
        let retry_after = self.retry_after(status, response.headers());
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = response.into_body();
        let mut read = 0;
        let drained = loop {
            match body.frame().await {
                Some(Ok(frame)) => {
                    read += frame.data_ref().map_or(0, Bytes::len);
                    if read > MAX_ANSWER {
                        // Enough: the rest is dropped with the connection.
                        break Ok(false);
                    }
                }
                Some(Err(e)) => break Err(client::describe_body(&e)),
                None => break Ok(true),
            }
        };
        if drained == Ok(true) {
            self.client.release(lease);
        }
        let error = match &drained {
            Err(e) => Some(format!("answer cut off: {e}")),
            Ok(_) if status.is_success() => None,
            Ok(_) if status.is_redirection() => Some(format!(
                "receiver answered {status}{}; redirects are not followed",
                location
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default()
            )),
            Ok(_) if status == StatusCode::GONE => Some(format!(
                "receiver answered {status}: the endpoint is gone, so this event is not retried"
            )),
            Ok(_) => Some(match retry_after {
                Some((asked, wait)) => format!(
                    "receiver answered {status} with Retry-After: {asked}: next attempt in at least {}{}",
                    crate::clock::format_duration(wait),
                    if asked.saturating_mul(1_000) > wait as u64 {
                        " (capped at the retry cap)"
                    } else {
                        ""
                    }
                ),
                None => format!("receiver answered {status}"),
            }),
        };
        let outcome = match (&drained, status) {
            (Ok(_), s) if s.is_success() => Outcome::Delivered,
            (Ok(_), StatusCode::GONE) => Outcome::GaveUp,
            _ => Outcome::Failed,
        };
        Answer {
            outcome,
            status: Some(status.as_u16()),
            error,
            retry_after: retry_after
                .filter(|_| outcome == Outcome::Failed)
                .map(|(_, wait)| wait),
        }
    }

    /// The wait a 429 or 503 asks for with `Retry-After: <seconds>`: the seconds asked, and
    /// the simulated milliseconds granted (capped at the retry policy's longest gap, so a
    /// receiver cannot park a lane for days). An HTTP-date is not honoured: whose clock it means — the
    /// receiver's wall clock or the simulated one — is ambiguous. `[inferred]`
    fn retry_after(&self, status: StatusCode, headers: &HeaderMap) -> Option<(u64, i64)> {
        if !honours_retry_after(status) {
            return None;
        }
        let seconds: u64 = headers
            .get(header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let millis = i64::try_from(seconds.saturating_mul(1_000)).unwrap_or(i64::MAX);
        Some((seconds, millis.min(self.policy.cap)))
    }

    /// The delivery is over: let the next one on its lane start — returned to the caller
    /// when it is due now on a running clock, else scheduled. (On a frozen clock the
    /// scheduler's stepping decides the order, so everything goes through it.)
    fn finish(&self, id: u64) -> Option<(u64, Timestamp)> {
        let now = self.clock.now();
        let mut queues = self.queues();
        let (delivery, _) = queues.deliveries.remove(&id)?;
        let next = queues.lanes.get_mut(&delivery.lane).and_then(|lane| {
            lane.pop_front();
            lane.front().copied()
        });
        match next {
            Some(next) => {
                let at = queues.deliveries[&next].0.not_before.max(now);
                if at <= now && !self.clock.is_frozen() {
                    return Some((next, at));
                }
                self.scheduler.schedule(at, Task::Attempt(next));
                None
            }
            None => {
                queues.lanes.remove(&delivery.lane);
                None
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
        self.client.clear();
    }
}

/// Whether `Retry-After` means something with this status (RFC 9110: 429 and 503).
fn honours_retry_after(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}
