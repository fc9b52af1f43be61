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
    /// The account the call is about: the one its path names, or (for `initiate`) its body.
    pub account: Option<ObjectId>,
    /// What the call was for, whatever API version and path it used.
    pub intent: Option<Intent>,
    pub status: u16,
    pub latency_ms: f64,
}

/// What an integrator's call to Mono was for. Two correct integrations may reach the same
/// end by different routes — a re-auth token from v1's `/reauthorise` or from v2's
/// `initiate`, an account's data from its details, its balance or its transactions — so the
/// harness judges calls by intent, not by path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A re-authorisation token: `POST /accounts/:id/reauthorise`, or
    /// `POST /v2/accounts/initiate` with `scope: "reauth"`.
    Token,
    /// The account's data: any `GET` under `/accounts/:id` or `/v2/accounts/:id` (details,
    /// balance, transactions, identity, statements, income, jobs; realtime or not).
    Data,
    /// A manual sync: `POST /accounts/:id/sync`.
    Sync,
    /// Unlinking: `POST /accounts/:id/unlink`, `POST /v2/accounts/:id/unlink`.
    Unlink,
    /// Linking: exchanging a Connect code (`/account/auth`, `/v2/accounts/auth`), or
    /// `POST /v2/accounts/initiate` with `scope: "auth"`.
    Link,
}

impl Intent {
    pub const ALL: [Intent; 5] = [
        Intent::Token,
        Intent::Data,
        Intent::Sync,
        Intent::Unlink,
        Intent::Link,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Token => "token",
            Intent::Data => "data",
            Intent::Sync => "sync",
            Intent::Unlink => "unlink",
            Intent::Link => "link",
        }
    }

    /// The intent of a call, from its method and path alone (`initiate` says its own, see
    /// [`About`]).
    pub fn of(method: &str, path: &str) -> Option<Intent> {
        let account_route = path
            .strip_prefix("/v2/accounts/")
            .or_else(|| path.strip_prefix("/accounts/"))
            .filter(|rest| crate::tenants::account_in(path).is_some() && !rest.is_empty());
        if method == "POST" && matches!(path, "/account/auth" | "/v2/accounts/auth") {
            return Some(Intent::Link);
        }
        let rest = account_route?;
        let action = rest.split_once('/').map(|(_, action)| action);
        match (method, action) {
            ("POST", Some("reauthorise")) => Some(Intent::Token),
            ("POST", Some("sync")) => Some(Intent::Sync),
            ("POST", Some("unlink")) => Some(Intent::Unlink),
            ("GET", _) => Some(Intent::Data),
            _ => None,
        }
    }
}

/// Set on a response by a handler whose call names its account in the body rather than the
/// path (`initiate`), so the log knows which account, and what for.
#[derive(Clone, Copy, Debug)]
pub struct About {
    pub account: Option<ObjectId>,
    pub intent: Intent,
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
    let (account, intent) = match response.extensions().get::<About>() {
        Some(about) => (about.account, Some(about.intent)),
        None => (
            crate::tenants::account_in(&path),
            Intent::of(&method, &path),
        ),
    };
    sim.requests.push(RequestRecord {
        seq: 0,
        at: sim.clock.now(),
        account,
        intent,
        method,
        path,
        query,
        status: response.status().as_u16(),
        latency_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    });
    response
}

#[cfg(test)]
mod tests {
    use super::Intent;

    #[test]
    fn calls_are_classified_by_what_they_are_for() {
        let id = "5f171a530295e231abca1153";
        let of = |method, path: String| Intent::of(method, &path);
        assert_eq!(
            of("POST", format!("/accounts/{id}/reauthorise")),
            Some(Intent::Token)
        );
        for path in [
            "",
            "/balance",
            "/transactions",
            "/identity",
            "/statement",
            "/income",
        ] {
            assert_eq!(
                of("GET", format!("/accounts/{id}{path}")),
                Some(Intent::Data)
            );
            assert_eq!(
                of("GET", format!("/v2/accounts/{id}{path}")),
                Some(Intent::Data)
            );
        }
        assert_eq!(
            of("POST", format!("/accounts/{id}/sync")),
            Some(Intent::Sync)
        );
        assert_eq!(
            of("POST", format!("/v2/accounts/{id}/unlink")),
            Some(Intent::Unlink)
        );
        assert_eq!(of("POST", "/account/auth".into()), Some(Intent::Link));
        assert_eq!(of("POST", "/v2/accounts/auth".into()), Some(Intent::Link));
        // `initiate` names its account in the body: the handler says what it was for.
        assert_eq!(of("POST", "/v2/accounts/initiate".into()), None);
        assert_eq!(of("GET", "/accounts/not-an-id".into()), None);
        assert_eq!(of("GET", "/coverage".into()), None);
    }
}
