//! The request log: every call the Mono API received, so a test (or the harness) can check
//! what the integrator's code asked for — "did it fetch a re-auth token?".

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::ApiState;
use crate::clock::Timestamp;
use crate::journal::{Journal, Numbered};
use crate::world::ObjectId;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
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

/// Every call the Mono API received; bounded (see [`Journal`]).
pub type RequestLog = Journal<RequestRecord>;

impl Numbered for RequestRecord {
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// Set on a response by a handler that found its simulated Mono from the request body
/// (code exchange, `initiate`), so the call is logged where its account lives.
#[derive(Clone)]
pub struct Owner(pub Arc<crate::sim::Sim>);

impl Owner {
    /// `body` as a JSON answer, logged on the owner's request log.
    pub fn answer(self, body: serde_json::Value) -> Response {
        let mut response = axum::Json(body).into_response();
        response.extensions_mut().insert(self);
        response
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
    let sim = match response.extensions().get::<Owner>() {
        Some(Owner(owner)) => owner.clone(),
        None => state.sim.clone(),
    };
    sim.requests.push(RequestRecord {
        seq: 0,
        at: sim.clock.now(),
        account: crate::tenants::account_in(&path),
        method,
        path,
        query,
        status: response.status().as_u16(),
        latency_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    });
    response
}
