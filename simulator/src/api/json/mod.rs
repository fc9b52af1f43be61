//! Mono's answers as JSON bodies.
//!
//! `axum::Json` serialises with serde_json into a 128-byte `BytesMut` that grows by
//! reallocating through `bytes`' writer; an account's details (about 600 bytes) and a page
//! of transactions (about 8 KB) paid for that growth on every request, and for serde_json's
//! byte-at-a-time string escaping. This one writes with [`writer`] (the same bytes) into a
//! `Vec` sized for a typical answer, then hands it to the response without copying.

mod writer;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Room for most answers at once: an account's details, a job, a token. A page of
/// transactions grows it a few times, by doubling.
const TYPICAL_ANSWER: usize = 1024;

/// About what a transaction takes in a v1 or v2 answer (220–250 bytes), for [`Listing`].
pub const TRANSACTION_BYTES: usize = 256;

/// A JSON answer (`200` unless wrapped with another status).
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        answer(&self.0, TYPICAL_ANSWER)
    }
}

/// A JSON answer holding a list of `items` items of about `bytes_each` bytes: a page of
/// transactions is 4–5 KB, and growing a buffer there from 1 KB went through three
/// reallocations and glibc's slower paths for large blocks on every page.
pub struct Listing<T> {
    pub body: T,
    pub items: usize,
    pub bytes_each: usize,
}

impl<T: Serialize> IntoResponse for Listing<T> {
    fn into_response(self) -> Response {
        let capacity = self.items.saturating_mul(self.bytes_each);
        answer(&self.body, TYPICAL_ANSWER.saturating_add(capacity))
    }
}

fn answer<T: Serialize>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    let written = match writer::write(&mut body, value) {
        Ok(()) => Ok(body),
        // A shape the writer does not take (see its module doc): serde_json writes it.
        Err(_) => serde_json::to_vec(value),
    };
    // Every answer of the test suite checks the writer against serde_json.
    debug_assert_eq!(
        written.as_ref().ok().map(|b| String::from_utf8_lossy(b)),
        serde_json::to_vec(value)
            .ok()
            .as_ref()
            .map(|b| String::from_utf8_lossy(b)),
        "the JSON writer and serde_json disagree"
    );
    match written {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        // Only a map with non-string keys or a failing `Serialize` impl gets here; none
        // of Mono's shapes has either. The render layer gives it the version's shape.
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The answer could not be written as JSON: {error}"),
        )
            .into_response(),
    }
}
