//! API errors, and how each API version spells them.
//!
//! Handlers and extractors return [`ApiError`] without knowing which version they serve.
//! It becomes a bare response carrying the message as an extension; the [`render`] layer,
//! which sees the request path, writes the body in the version's shape:
//! v1 `{"message": "..."}`, v2 `{"status":"failed","message":"...","timestamp":"...","data":null}`.
//! Errors produced by axum itself (an unsupported method, say) get the same treatment, so no
//! client ever sees a plain-text error from the simulator.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::Request;
use axum::http::response::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::state::ApiState;
use crate::clock::Timestamp;
use crate::echo::{quoted, Echo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// Mono's documented wording for a missing or wrong `mono-sec-key`.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "No valid API key provided.")
    }
}

/// The message of an error response, waiting for [`render`] to give it a body.
#[derive(Clone)]
struct ErrorMessage(String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(ErrorMessage(self.message));
        response
    }
}

/// A v1 (and control API) error: `{"message"}`.
#[derive(Serialize, ToSchema)]
pub struct V1Error {
    /// What went wrong and, where it helps, how to put it right.
    #[schema(example = "This account does not exist.")]
    pub message: String,
}

/// A v2 error, in the v2 envelope with `status: failed` and `data: null`.
#[derive(Serialize, ToSchema)]
pub struct V2Error {
    status: FailedStatus,
    #[schema(example = "This account does not exist.")]
    message: String,
    timestamp: Option<Timestamp>,
    data: Null,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum FailedStatus {
    Failed,
}

/// JSON `null`: the `data` of a v2 answer that has nothing to return, and fields Mono
/// always sends empty.
pub struct Null;

impl Serialize for Null {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl PartialSchema for Null {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Null).into()
    }
}

impl ToSchema for Null {
    fn name() -> Cow<'static, str> {
        "Null".into()
    }
}

/// Which API generation a path belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

impl Version {
    pub fn of(path: &str) -> Version {
        if path.starts_with("/v2/") {
            Version::V2
        } else {
            Version::V1
        }
    }
}

/// The most of a rejection's plain-text explanation that is read to be re-rendered.
const REJECTION_TEXT: usize = 4096;

/// Middleware: gives every error response a body in its API version's shape.
pub async fn render(request: Request, next: Next) -> Response {
    let state = request.extensions().get::<Arc<ApiState>>().cloned();
    // Cheap clones (a shared buffer and a small enum): the path is only read on errors.
    let uri = request.uri().clone();
    let method = request.method().clone();
    let response = next.run(request).await;
    render_error(response, &method, uri.path(), state.as_deref()).await
}

/// An error response to `method path`, given a body in the path's API version's shape
/// (dated by `state`'s clock in v2); any other response as it is.
pub async fn render_error(
    response: Response,
    method: &Method,
    path: &str,
    state: Option<&ApiState>,
) -> Response {
    match render_error_now(response, method, path, state) {
        Rendered::Done(response) => response,
        Rendered::Unread(Rejection { parts, body }) => {
            // axum's own rejection: its plain-text explanation (a body that could not be
            // read, for instance) becomes the message.
            let message = match axum::body::to_bytes(body, REJECTION_TEXT).await {
                Ok(text) => quoted(&String::from_utf8_lossy(&text)).into_owned(),
                Err(_) => parts
                    .status
                    .canonical_reason()
                    .unwrap_or("Error")
                    .to_string(),
            };
            with_error_body(parts, Version::of(path), message, state)
        }
    }
}

/// What [`render_error_now`] made of a response.
pub enum Rendered {
    /// The response to send.
    Done(Response),
    /// axum's rejection, whose message is in its body, to be read first.
    Unread(Rejection),
}

/// A response whose message is in its plain-text body, which has to be read first.
pub struct Rejection {
    parts: Parts,
    body: Body,
}

impl From<Rejection> for Response {
    fn from(Rejection { parts, body }: Rejection) -> Response {
        Response::from_parts(parts, body)
    }
}

/// [`render_error`] without reading a body: every response but axum's plain-text
/// rejections, which come back unread. Mono's hot reads are answered with this, on the
/// spot (`api/service.rs`).
pub fn render_error_now(
    response: Response,
    method: &Method,
    path: &str,
    state: Option<&ApiState>,
) -> Rendered {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Rendered::Done(response);
    }
    let plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/plain"));
    let (parts, body) = response.into_parts();
    let message = match parts.extensions.get::<ErrorMessage>() {
        Some(ErrorMessage(message)) => message.clone(),
        // An error axum produced itself: an empty one (405, for instance) is explained; a
        // rejection's plain-text explanation is read by `render_error`. Anything else is
        // left alone.
        None if body.size_hint().exact() == Some(0) => match status {
            StatusCode::METHOD_NOT_ALLOWED => format!("Cannot {method} {}", Echo(path)),
            _ => status.canonical_reason().unwrap_or("Error").to_string(),
        },
        None if plain_text => return Rendered::Unread(Rejection { parts, body }),
        None => return Rendered::Done(Response::from_parts(parts, body)),
    };
    Rendered::Done(with_error_body(parts, Version::of(path), message, state))
}

/// An error's head with `message` as its body, in `version`'s shape.
fn with_error_body(
    mut parts: Parts,
    version: Version,
    message: String,
    state: Option<&ApiState>,
) -> Response {
    let body = error_body(version, message, state.map(|s| s.world.now()));
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// An error body in `version`'s shape: v1 (and the control API) `{"message"}`, v2 the
/// failed envelope with `timestamp` (the simulated Mono's now). Also what the connection
/// layer (`transport/`) writes for requests no route ever saw.
pub fn error_body(version: Version, message: String, timestamp: Option<Timestamp>) -> String {
    match version {
        Version::V1 => serde_json::to_string(&V1Error { message }),
        Version::V2 => serde_json::to_string(&V2Error {
            status: FailedStatus::Failed,
            message,
            timestamp,
            data: Null,
        }),
    }
    // A struct of strings and a timestamp always serialises.
    .unwrap_or_default()
}

/// The fallback: an unknown path is a 404 that names it, in its version's shape.
pub async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("Cannot {method} {}", Echo(uri.path())))
}
