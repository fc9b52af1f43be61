//! The reads an integrator makes after every webhook — `GET /v2/accounts/:id` and a page of
//! `GET /v2/accounts/:id/transactions` — handed to their handlers without the router.
//!
//! For these two calls axum's router cost more than the handlers' own work besides writing
//! JSON: matching, a clone of the route's boxed service, the id percent-decoded into the
//! request's extensions and parsed back out by `Path`, the headers cloned for `HeaderMap`,
//! a future boxed per layer (bench/RESULTS.md). Here a `GET` of exactly one of the two
//! paths, with the secret key and a well-formed id (24 hexadecimal digits), calls the same
//! handler with the same arguments. Anything else — another method, no key, an id that is
//! not one (`auth` and `initiate` are routes of their own there), a trailing slash — goes to
//! the router, which answers as it always did; `tests/api_reads.rs` asks both ways and
//! compares the answers.

use std::sync::Arc;

use axum::extract::{Path, Request};
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use super::params::Params;
use super::v2;
use crate::http::{AccountPath, ApiState, Tenant};

/// One of the two reads, with the account id its path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    Details(String),
    Transactions(String),
}

impl Read {
    /// The read `request` is, if it is one (see the module doc); the key is checked apart.
    pub fn of(request: &Request) -> Option<Read> {
        if request.method() != Method::GET {
            return None;
        }
        let rest = request.uri().path().strip_prefix("/v2/accounts/")?;
        let (id, tail) = match rest.split_once('/') {
            Some((id, tail)) => (id, Some(tail)),
            None => (rest, None),
        };
        // What the router would take for the `{id}` of these routes and no other: not a
        // static segment beside it, the same percent-decoded, and what `Path` then reads.
        if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match tail {
            None => Some(Read::Details(id.to_string())),
            Some("transactions") => Some(Read::Transactions(id.to_string())),
            Some(_) => None,
        }
    }

    /// The handler's answer, for the simulated Mono `state`.
    pub async fn answer(self, state: Arc<ApiState>, request: Request) -> Response {
        match self {
            Read::Details(id) => v2::details(Tenant(state), Path(AccountPath { id }))
                .await
                .into_response(),
            Read::Transactions(id) => {
                let (parts, _) = request.into_parts();
                let params = Params::of(&parts.uri);
                v2::transactions(
                    Tenant(state),
                    Path(AccountPath { id }),
                    parts.headers,
                    params,
                )
                .await
                .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;

    use super::Read;

    fn read(method: &str, uri: &str) -> Option<Read> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        Read::of(&request)
    }

    #[test]
    fn only_a_get_of_the_two_paths_with_a_well_formed_id_is_read_here() {
        let id = "6adfe980e830617b4c97db89";
        let details = Some(Read::Details(id.to_string()));
        let page = Some(Read::Transactions(id.to_string()));
        assert_eq!(read("GET", &format!("/v2/accounts/{id}")), details);
        assert_eq!(read("GET", &format!("/v2/accounts/{id}?x=1")), details);
        assert_eq!(
            read("GET", &format!("/v2/accounts/{id}/transactions")),
            page
        );
        assert_eq!(
            read(
                "GET",
                &format!("/v2/accounts/{id}/transactions?page=2&limit=5")
            ),
            page
        );
        for (method, uri) in [
            // Routes of their own beside `{id}` (POST only: a GET of them is the router's 405).
            ("GET", "/v2/accounts/auth".to_string()),
            ("GET", "/v2/accounts/initiate".to_string()),
            ("GET", "/v2/accounts/auth/transactions".to_string()),
            // Not ids: the router's handlers say what is wrong with them.
            ("GET", "/v2/accounts/not-an-id".to_string()),
            ("GET", format!("/v2/accounts/{}", &id[1..])),
            ("GET", format!("/v2/accounts/{id}0/transactions")),
            ("HEAD", format!("/v2/accounts/{id}")),
            ("POST", format!("/v2/accounts/{id}/transactions")),
            ("GET", "/v2/accounts/".to_string()),
            ("GET", "/v2/accounts//transactions".to_string()),
            ("GET", format!("/v2/accounts/%36{}", &id[1..])),
            ("GET", format!("/v2/accounts/{id}/")),
            ("GET", format!("/v2/accounts/{id}/transactions/")),
            ("GET", format!("/v2/accounts/{id}/identity")),
            ("GET", format!("/accounts/{id}")),
        ] {
            assert_eq!(read(method, &uri), None, "{method} {uri}");
        }
    }
}
