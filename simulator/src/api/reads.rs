//! The reads an integrator makes after every webhook — `GET /v2/accounts/:id` and a page of
//! `GET /v2/accounts/:id/transactions` — handed to their handlers without the router.
//!
//! For these two calls axum's router cost more than the handlers' own work besides writing
//! JSON: matching, a clone of the route's boxed service, the id percent-decoded into the
//! request's extensions and parsed back out by `Path`, the headers cloned for `HeaderMap`,
//! a future boxed per layer (bench/RESULTS.md). Here a `GET` of exactly one of the two
//! paths, with the secret key and a well-formed id (24 hexadecimal digits), calls what the
//! route's handler calls (`v2::details_of`, `v2::transactions_of`) with the same arguments,
//! borrowed, and is answered at once (`api/service.rs`). Anything else — another method, no
//! key, an id that is not one (`auth` and `initiate` are routes of their own there), a
//! trailing slash — goes to the router, which answers as it always did, and a body declared
//! over the limit is refused before either; `tests/api_reads.rs` asks both ways and compares
//! the answers.

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use super::params::Params;
use super::v2;
use crate::http::ApiState;

/// One of the two reads, with the account id its path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Read<'a> {
    Details(&'a str),
    Transactions(&'a str),
}

impl<'a> Read<'a> {
    /// The read `request` is, if it is one (see the module doc); the key is checked apart.
    pub fn of(request: &'a Request) -> Option<Read<'a>> {
        if request.method() != Method::GET {
            return None;
        }
        let rest = request.uri().path().strip_prefix("/v2/accounts/")?;
        // A byte search: `split_once` sets up a search that costs more than this short path.
        let (id, tail) = match rest.bytes().position(|byte| byte == b'/') {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        // What the router would take for the `{id}` of these routes and no other: not a
        // static segment beside it, the same percent-decoded, and what `Path` then reads.
        if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match tail {
            None => Some(Read::Details(id)),
            Some("transactions") => Some(Read::Transactions(id)),
            Some(_) => None,
        }
    }

    /// The handler's answer to `request`, for the simulated Mono `state`. Both handlers
    /// are synchronous, so this is too: the call is answered before it returns.
    pub fn answer(self, state: &ApiState, request: &Request) -> Response {
        match self {
            Read::Details(id) => v2::details_of(state, id).into_response(),
            Read::Transactions(id) => {
                let params = Params::of(request.uri());
                v2::transactions_of(state, id, request.headers(), &params).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;

    use super::Read;

    /// The read a request is, with its id owned (a [`Read`] borrows its request).
    fn read(method: &str, uri: &str) -> Option<(&'static str, String)> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        Read::of(&request).map(|read| match read {
            Read::Details(id) => ("details", id.to_string()),
            Read::Transactions(id) => ("transactions", id.to_string()),
        })
    }

    #[test]
    fn only_a_get_of_the_two_paths_with_a_well_formed_id_is_read_here() {
        let id = "6adfe980e830617b4c97db89";
        let details = Some(("details", id.to_string()));
        let page = Some(("transactions", id.to_string()));
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
