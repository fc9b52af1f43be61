//! How big a request body may be: [`MAX_BODY`] on every route, Mono's API and the control
//! API alike. Mono documents no limit; its requests are small JSON objects (a code, a
//! scope), so 1 MiB is generous and still keeps a runaway client from filling memory.
//! `[inferred]`
//!
//! A body declared larger (`content-length`) is refused before it is read; one that turns
//! out larger while streaming is cut off by axum's [`DefaultBodyLimit`] when a handler
//! reads it. Either way the answer is a 413 in the API version's error shape (the
//! [`super::render`] layer outside this one writes it).

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The largest request body accepted, in bytes (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// The limit for the extractors that read bodies (`Bytes`, `Json`): a layer for routers.
pub fn default_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_BODY)
}

/// Middleware: refuses bodies declared too large, and gives the extractors' own 413 (a
/// streamed body that outgrew the limit) the same explanation.
pub async fn limit_body(request: Request, next: Next) -> Response {
    if let Some(refusal) = declared_too_large(&request) {
        return refusal;
    }
    explain_too_large(next.run(request).await)
}

/// The 413 for a request whose `content-length` is over the limit, before its body is read.
pub fn declared_too_large(request: &Request) -> Option<Response> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    declared
        .filter(|&l| l > MAX_BODY as u64)
        .map(|length| too_large(Some(length)).into_response())
}

/// The extractors' own 413 (a streamed body that outgrew the limit) explained like ours.
pub fn explain_too_large(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(None).into_response();
    }
    response
}

fn too_large(length: Option<u64>) -> ApiError {
    let size = length
        .map(|l| format!("is {l} bytes"))
        .unwrap_or_else(|| "is larger than that".to_string());
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "Request body too large: the limit is {MAX_BODY} bytes (1 MiB) and this one {size}. Send a smaller body."
        ),
    )
}
