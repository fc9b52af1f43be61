//! Mono's answers as JSON bodies.
//!
//! `axum::Json` serialises with serde_json into a 128-byte `BytesMut` that grows by
//! reallocating through `bytes`' writer; an account's details (about 600 bytes) and a page
//! of transactions (about 8 KB) paid for that growth on every request, and for serde_json's
//! byte-at-a-time string escaping. This one writes with [`writer`] (the same bytes) into a
//! `Vec` sized for a typical answer, then hands it to the response without copying.
//! [`Spliced`] is JSON written once and copied into many answers: a page of transactions
//! read again (`api::listing`). [`WriteJson`] is a shape that writes itself, field by
//! field: the two hot answers, an account's details ([`Handwritten`]) and a page of its
//! transactions ([`Listing`]).

mod writer;

pub use writer::{
    is_plain, write as value, write_name as constant, write_str as string, write_strs as strings,
    Error,
};

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Room for most answers at once: an account's details, a job, a token. A page of
/// transactions grows it a few times, by doubling.
const TYPICAL_ANSWER: usize = 1024;

/// A JSON answer (`200` unless wrapped with another status).
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        answer(&self.0, TYPICAL_ANSWER)
    }
}

/// A shape that writes itself as JSON, field by field, into its answer's buffer.
///
/// An account's details and a page of its transactions are what integrators ask for after
/// every webhook, and serde's way through a struct — a call per field, a comma check, the
/// key pushed in pieces, each value checked for characters to escape — cost more than
/// their values (bench/RESULTS.md). An implementation writes its fixed text (keys and
/// punctuation) in runs and its values with [`string`], [`strings`] and [`value`]; one
/// that does not is written by the writer's serde path. The bytes must be serde_json's:
/// debug builds compare every answer with serde_json's, as for [`Json`], and an error
/// falls back to serde_json.
pub trait WriteJson: Serialize {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        writer::write(out, self)
    }
}

/// A JSON answer written by its [`WriteJson`] (`200`).
pub struct Handwritten<T>(pub T);

impl<T: WriteJson> IntoResponse for Handwritten<T> {
    fn into_response(self) -> Response {
        respond(checked(&self.0, TYPICAL_ANSWER, |body| {
            self.0.write_json(body)
        }))
    }
}

/// A JSON answer holding a list of about `list_bytes` bytes: a page of transactions is
/// 4–5 KB, and growing a buffer there from 1 KB went through three reallocations and
/// glibc's slower paths for large blocks on every page.
pub struct Listing<T> {
    pub body: T,
    pub list_bytes: usize,
}

impl<T: WriteJson> IntoResponse for Listing<T> {
    fn into_response(self) -> Response {
        let capacity = TYPICAL_ANSWER.saturating_add(self.list_bytes);
        respond(checked(&self.body, capacity, |body| {
            self.body.write_json(body)
        }))
    }
}

/// JSON text written once by this module, copied as it is wherever it is serialised.
///
/// It serialises the way serde_json's `RawValue` does, so serde_json (the writer's fallback,
/// and debug builds' check of every answer) splices it just as the writer does.
#[derive(Clone, Debug)]
pub struct Spliced(Arc<str>);

impl Spliced {
    /// `value` as JSON, to splice into answers. Checked like an answer: serde_json splices
    /// the text as it is, so the answers it goes into cannot check it again.
    pub fn write<T: Serialize>(value: &T) -> Result<Spliced, serde_json::Error> {
        let written = checked(value, 0, |body| writer::write(body, value))?;
        let text = String::from_utf8(written).map_err(serde::ser::Error::custom)?;
        Ok(Spliced(text.into()))
    }

    /// Its length in bytes.
    pub fn bytes(&self) -> usize {
        self.0.len()
    }
}

impl Serialize for Spliced {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = serializer.serialize_struct(writer::RAW_VALUE, 1)?;
        raw.serialize_field(writer::RAW_VALUE, &*self.0)?;
        raw.end()
    }
}

fn answer<T: Serialize>(value: &T, capacity: usize) -> Response {
    respond(checked(value, capacity, |body| writer::write(body, value)))
}

fn respond(written: Result<Vec<u8>, serde_json::Error>) -> Response {
    match written {
        // Built directly: through `IntoResponse`, the body set `application/octet-stream`
        // first and the header map took both.
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        // Only a map with non-string keys or a failing `Serialize` impl gets here; none
        // of Mono's shapes has either. The render layer gives it the version's shape.
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The answer could not be written as JSON: {error}"),
        )
            .into_response(),
    }
}

/// `value` as JSON, written by `write` into a buffer of `capacity` bytes, or by
/// serde_json where `write` gives up (see the writer's module doc); debug builds check it
/// against serde_json.
fn checked<T: Serialize>(
    value: &T,
    capacity: usize,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut body = Vec::with_capacity(capacity);
    let written = match write(&mut body) {
        Ok(()) => Ok(body),
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
    written
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::{writer, Spliced};

    #[derive(Serialize)]
    struct Answer {
        status: &'static str,
        data: Spliced,
        after: u8,
    }

    #[test]
    fn spliced_json_is_copied_as_it_is_by_the_writer_and_by_serde_json() {
        let data = Spliced::write(&json!([{"id": "a\"b", "amount": 1}, null])).unwrap();
        assert_eq!(data.bytes(), r#"[{"id":"a\"b","amount":1},null]"#.len());
        let answer = Answer {
            status: "successful",
            data,
            after: 2,
        };
        let expected =
            r#"{"status":"successful","data":[{"id":"a\"b","amount":1},null],"after":2}"#;
        let mut ours = Vec::new();
        writer::write(&mut ours, &answer).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), expected);
        assert_eq!(serde_json::to_string(&answer).unwrap(), expected);
    }
}
