//! The webhook dispatcher: Mono's events, their payloads in both dialects, delivery to the
//! integrator's URLs with the `mono-webhook-secret` header, retries on Mono's schedule,
//! per-account ordering, injected faults, and a log of every attempt.
//!
//! - [`event`]: event names and payload shapes;
//! - [`dispatcher`]: lanes, sending, retrying (the ordering policy is documented there);
//! - `client`: the HTTP/1 client the dispatcher sends with (pooled, nothing else);
//! - [`retry`]: the schedule, and why it is not quite Mono's published numbers;
//! - [`log`]: the delivery log;
//! - [`fired`]: the event log (each event's payload, for the console) and resending.

mod client;
pub mod dispatcher;
pub mod event;
pub mod fired;
pub mod log;
pub mod retry;

pub use dispatcher::{check_secret, Dispatcher, Outgoing, Targets};
pub use fired::{EventLog, FiredEvent};
pub use log::{AttemptRecord, Outcome, SecretMode};
pub use retry::RetryPolicy;
