//! How long a request's URI may be: [`MAX_URI`] bytes of path and query, on every route.
//! nginx's default allows a request line of 8 KiB; Mono's URIs are an id and a few filters,
//! well under 200 bytes. The limit keeps a runaway client's path out of routing, logs and
//! error messages. A longer one is a 414 in the route's error shape, written here because
//! this layer sits outside the surfaces' own error rendering, so it covers the widget's
//! routes too. (A request line longer than the connection layer's head limit never gets
//! this far: the connection layer answers that 414 itself, in the same shape.)

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{error_body, Version};
use crate::clock::Clock;

/// The longest path and query accepted, in bytes (8 KiB).
pub const MAX_URI: usize = 8 * 1024;

/// What a client is told when its URI is `length` bytes (`length` bytes or more when the
/// connection layer cut it off before its end).
pub fn too_long(length: usize, complete: bool) -> String {
    let more = if complete { "" } else { " or more" };
    format!(
        "URI too long: the path and query may be {MAX_URI} bytes (8 KiB) and this one is \
         {length} bytes{more}. Send a shorter URI; large values belong in a request body."
    )
}

/// The 414 for a request whose URI is longer than [`MAX_URI`]; `clock` dates v2 bodies.
pub fn check_uri(clock: &Clock, request: &Request) -> Option<Response> {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length <= MAX_URI {
        return None;
    }
    let body = error_body(
        Version::of(request.uri().path()),
        too_long(length, true),
        Some(clock.now()),
    );
    let mut response = (StatusCode::URI_TOO_LONG, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Some(response)
}
