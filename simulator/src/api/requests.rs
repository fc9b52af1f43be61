//! The request log: every call the Mono API received, so a test (or the harness) can check
//! what the integrator's code asked for — "did it fetch a re-auth token?".

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::ApiState;
use crate::clock::Timestamp;
use crate::world::ObjectId;

#[derive(Clone, Debug, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The account the path names, when it names one.
    pub account: Option<ObjectId>,
    pub status: u16,
    pub latency_ms: f64,
}

/// Bounded: the oldest records go once `capacity` is reached, so a long benchmark cannot
/// grow it without limit.
pub struct RequestLog {
    records: Mutex<(VecDeque<RequestRecord>, u64)>,
    capacity: usize,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            records: Mutex::new((VecDeque::new(), 0)),
            capacity,
        }
    }

    fn push(&self, mut record: RequestRecord) {
        let mut guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        guard.1 += 1;
        record.seq = guard.1;
        if guard.0.len() >= self.capacity {
            guard.0.pop_front();
        }
        if self.capacity > 0 {
            guard.0.push_back(record);
        }
    }

    /// Records with `seq > after` that match `keep`.
    pub fn since(&self, after: u64, keep: impl Fn(&RequestRecord) -> bool) -> Vec<RequestRecord> {
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

/// Middleware: records every request with its status and latency.
pub async fn record(request: Request, next: Next) -> Response {
    let Some(state) = request.extensions().get::<Arc<ApiState>>().cloned() else {
        return next.run(request).await;
    };
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let response = next.run(request).await;
    state.sim.requests.push(RequestRecord {
        seq: 0,
        at: state.sim.clock.now(),
        account: crate::tenants::account_in(&path),
        method,
        path,
        query,
        status: response.status().as_u16(),
        latency_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    });
    response
}
