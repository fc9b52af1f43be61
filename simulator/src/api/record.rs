//! Recording calls in the request log ([`crate::request_log`]): [`Call`], which logs
//! every Mono API request with its status, latency, account and intent, and the markers a
//! handler sets on its response when the path alone does not say where or what the call was
//! (`initiate` names its account in the body; a code exchange finds its simulated Mono from
//! the code).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::ApiState;
use crate::request_log::{Intent, RequestRecord};
use crate::world::ObjectId;

/// Set on a response by a handler whose call names its account in the body rather than the
/// path (`initiate`), so the log knows which account, and what for.
#[derive(Clone, Copy, Debug)]
pub struct About {
    pub account: Option<ObjectId>,
    pub intent: Intent,
}

/// Set on a response by a handler that found its simulated Mono from the request body
/// (code exchange, `initiate`), so the call is logged where its account lives.
#[derive(Clone)]
pub struct Owner(pub Arc<crate::sim::Sim>);

impl Owner {
    /// `body` as a JSON answer, logged on the owner's request log.
    pub fn answer(self, body: impl Serialize) -> Response {
        let mut response = super::json::Json(body).into_response();
        response.extensions_mut().insert(self);
        response
    }

    /// The same, logged as a call about `about` (its account is in the body, not the path).
    pub fn answer_about(self, about: About, body: impl Serialize) -> Response {
        let mut response = self.answer(body);
        response.extensions_mut().insert(about);
        response
    }
}

/// The intent of a call, from its method and path alone (`initiate` says its own, see
/// [`About`]). Which path means what is knowledge of Mono's API, so it lives here rather
/// than in the log.
/// `account` is the one the path names ([`crate::tenants::account_in`]), parsed once by the
/// caller.
fn intent_of(method: &str, path: &str, account: Option<ObjectId>) -> Option<Intent> {
    let account_route = path
        .strip_prefix("/v2/accounts/")
        .or_else(|| path.strip_prefix("/accounts/"))
        .filter(|rest| account.is_some() && !rest.is_empty());
    if method == "POST" && matches!(path, "/account/auth" | "/v2/accounts/auth") {
        return Some(Intent::Link);
    }
    let rest = account_route?;
    let action = rest
        .bytes()
        .position(|byte| byte == b'/')
        .map(|at| &rest[at + 1..]);
    match (method, action) {
        ("POST", Some("reauthorise")) => Some(Intent::Token),
        ("POST", Some("sync")) => Some(Intent::Sync),
        ("POST", Some("unlink")) => Some(Intent::Unlink),
        ("GET", _) => Some(Intent::Data),
        _ => None,
    }
}

/// A Mono API call on its way to its route: what its log entry and its error body need.
pub struct Call {
    started: Instant,
    pub method: Method,
    pub uri: Uri,
}

impl Call {
    /// Cheap clones (a small enum, a shared buffer): the strings of the log entry are
    /// made once the call is answered.
    pub fn of(request: &Request) -> Call {
        Call {
            started: Instant::now(),
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }

    /// Records the answered call, with its status and latency, in the request log of the
    /// simulated Mono it was for (or of the one its handler named, see [`Owner`]).
    pub fn record(self, state: &ApiState, response: &Response) {
        let sim = match response.extensions().get::<Owner>() {
            Some(Owner(owner)) => owner,
            None => &state.sim,
        };
        let path = self.uri.path();
        let (account, intent) = match response.extensions().get::<About>() {
            Some(about) => (about.account, Some(about.intent)),
            None => {
                let account = crate::tenants::account_in(path);
                (account, intent_of(self.method.as_str(), path, account))
            }
        };
        let at = sim.clock.now();
        let status = response.status().as_u16();
        let latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        let query = self.uri.query();
        sim.requests.push_reusing(|evicted| {
            let (method, old_path, old_query) = match evicted {
                Some(r) => (Some(r.method), Some(r.path), r.query),
                None => (None, None, None),
            };
            RequestRecord {
                seq: 0,
                at,
                account,
                intent,
                method: reuse(method, self.method.as_str()),
                path: reuse(old_path, path),
                query: query.map(|query| reuse(old_query, query)),
                status,
                latency_ms,
            }
        });
    }
}

/// The most room a reused log string keeps: Mono's paths and queries are well under it, and
/// a full log of 10,000 entries holds at most three such strings each (under 4 MB).
const REUSED_AT_MOST: usize = 128;

/// `text`, in `reused`'s allocation when there is one of an ordinary size (a path's or a
/// query's): the log's strings are copied into the evicted entry's, not allocated anew. A
/// larger one is let go, so a burst of long paths does not keep its room for good.
fn reuse(reused: Option<String>, text: &str) -> String {
    match reused {
        Some(mut reused) if reused.capacity() <= REUSED_AT_MOST && text.len() <= REUSED_AT_MOST => {
            reused.clear();
            reused.push_str(text);
            reused
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{intent_of, reuse, Intent, REUSED_AT_MOST};
    use crate::tenants::account_in;

    #[test]
    fn an_evicted_entry_s_strings_take_the_new_text_unless_they_are_long() {
        let evicted = String::with_capacity(64);
        let room = evicted.as_ptr();
        let reused = reuse(Some(evicted), "/v2/accounts");
        assert_eq!(reused, "/v2/accounts");
        assert_eq!(reused.as_ptr(), room, "the evicted string's room is reused");
        assert_eq!(reuse(None, "/accounts"), "/accounts");
        // Long text, or a string that grew long, is not kept in the log's strings for good.
        let long = "x".repeat(REUSED_AT_MOST + 1);
        assert!(reuse(Some(String::with_capacity(64)), &long).capacity() >= long.len());
        let grown = reuse(Some(long), "/accounts");
        assert_eq!(grown, "/accounts");
        assert!(grown.capacity() <= REUSED_AT_MOST);
    }

    #[test]
    fn calls_are_classified_by_what_they_are_for() {
        let id = "5f171a530295e231abca1153";
        let of = |method, path: String| intent_of(method, &path, account_in(&path));
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
