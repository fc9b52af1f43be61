//! Who may use the control API and its console.
//!
//! `/_sim/` can reset the world, move the clock and rewrite where webhooks go, so it must
//! not be open to whoever can reach the port; the console (`/` and `/console/…`) drives it
//! and shows tokens and payloads, so the same rule covers it. Loopback clients (the machine the simulator
//! runs on) may always use it. Any other client is refused, unless the simulator was given a
//! control token (`--control-token`), in which case it must send `Authorization: Bearer
//! <token>`; the comparison takes the same time wherever the first wrong byte is.
//!
//! The peer address comes from the connection ([`crate::Simulator::serve`]), or from
//! axum's `ConnectInfo` when the router is served some other way. A request with neither
//! was not accepted from a socket at all (a test driving the router in-process), so it
//! counts as local.

use std::net::IpAddr;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::http::V1Error;

/// The control API's access rule.
#[derive(Clone, Debug, Default)]
pub struct ControlAccess {
    /// What non-loopback clients must present; `None` refuses them all.
    pub token: Option<String>,
}

/// Checked on every request before any surface sees it: requests for `/_sim` and the
/// console are refused unless their client, at `peer`, may use them; the rest pass.
pub fn check(access: &ControlAccess, request: &Request, peer: Option<IpAddr>) -> Option<Response> {
    let path = request.uri().path();
    if !guarded(path) {
        return None;
    }
    let peer = peer.filter(|ip| !is_loopback(ip))?;
    let Some(token) = access.token.as_deref() else {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            format!(
                "The control API (/_sim/) and its console (/) answer only clients on this machine, and {peer} is not one. \
                 To allow other machines, start the simulator with --control-token <token> \
                 (or MONOSIM_CONTROL_TOKEN) and send `Authorization: Bearer <token>`."
            ),
        ));
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match given {
        Some(given) if same(given.as_bytes(), token.as_bytes()) => None,
        Some(_) => Some(refuse(
            StatusCode::UNAUTHORIZED,
            "The control token is wrong. Send the value given to --control-token \
             (MONOSIM_CONTROL_TOKEN) as `Authorization: Bearer <token>`."
                .to_string(),
        )),
        None => Some(refuse(
            StatusCode::UNAUTHORIZED,
            format!(
                "The control API (/_sim/) needs `Authorization: Bearer <token>` from {peer}: \
                 send the value given to --control-token (MONOSIM_CONTROL_TOKEN)."
            ),
        )),
    }
}

/// The control API and the console's page and assets.
fn guarded(path: &str) -> bool {
    path == "/_sim"
        || path.starts_with("/_sim/")
        || path == "/"
        || path.starts_with(crate::console::ASSETS)
}

/// The token of an `Authorization: Bearer <token>` value. The scheme is case-insensitive
/// (RFC 9110 §11.1: `bearer`, `BEARER` and `Bearer` are the same scheme) and may be followed
/// by more than one space; any other scheme is no bearer token.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

/// Loopback, including IPv4 loopback written as an IPv6-mapped address (what a dual-stack
/// socket reports for 127.0.0.1).
fn is_loopback(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Compares in time that depends only on the lengths, not on where the bytes differ, so
/// the token cannot be guessed a byte at a time from response times.
fn same(given: &[u8], expected: &[u8]) -> bool {
    let mut difference = given.len() ^ expected.len();
    for i in 0..given.len().max(expected.len()) {
        let a = given.get(i).copied().unwrap_or(0);
        let b = expected.get(i).copied().unwrap_or(0);
        difference |= usize::from(a ^ b);
    }
    std::hint::black_box(difference) == 0
}

/// A refusal in the control API's error shape, written here because this layer sits
/// outside the one that renders errors.
fn refuse(status: StatusCode, message: String) -> Response {
    let body = serde_json::to_string(&V1Error { message }).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(same(b"s3cret", b"s3cret"));
        assert!(!same(b"s3cret", b"s3creT"));
        assert!(!same(b"s3cre", b"s3cret"));
        assert!(!same(b"s3cret!", b"s3cret"));
        assert!(!same(b"", b"s3cret"));
        assert!(same(b"", b""));
    }

    /// Issue 12: `Authorization: bearer x` was refused; the scheme is case-insensitive.
    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        for value in [
            "Bearer t0k",
            "bearer t0k",
            "BEARER t0k",
            "bEaReR  t0k",
            " Bearer t0k ",
        ] {
            assert_eq!(bearer_token(value), Some("t0k"), "{value:?}");
        }
        for value in ["Basic t0k", "Bearert0k", "t0k", "Bearer", ""] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
        assert_eq!(bearer_token("Bearer "), None);
    }

    #[test]
    fn mapped_ipv4_loopback_is_loopback() {
        assert!(is_loopback(&"::ffff:127.0.0.1".parse().unwrap()));
        assert!(is_loopback(&"::1".parse().unwrap()));
        assert!(!is_loopback(&"::ffff:192.0.2.2".parse().unwrap()));
        assert!(!is_loopback(&"192.0.2.2".parse().unwrap()));
    }
}
