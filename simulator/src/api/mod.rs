//! Mono's REST API, v1 and v2, over the simulated worlds.
//!
//! Paths, field names, casing, envelopes and status codes follow `mono-api.md`; where Mono
//! documents nothing (error wording, page size, job status names) the choice is marked
//! `[inferred]` beside the code that makes it.
//!
//! Layers, outermost first, as the server stacks them: [`crate::http::resolve_tenant`]
//! (which simulated Mono the request is for, see [`crate::tenants`]), [`record::record`]
//! (the request log), [`crate::http::render`] (error bodies in the version's shape),
//! [`crate::http::limit_body`] (1 MiB), then [`require_secret_key`] (every route of
//! [`routes()`], like Mono), then the routes.
//!
//! Each handler returns the type that documents its answer, defined beside it (v1.rs,
//! v2.rs) or beside the logic that fills it (statements.rs, insights.rs, listing.rs).

mod accounts;
mod envelope;
mod insights;
mod lifecycle;
mod listing;
mod params;
mod record;
mod statements;
mod v1;
mod v2;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use record::record;

use crate::http::{ApiError, Shared};

/// Mono's API v1 and v2, each route listed once: `routes!` takes the method, path and
/// OpenAPI description from the handler's `#[utoipa::path]`. Every one of them needs the
/// secret key ([`require_secret_key`], which the server puts around them).
pub fn routes() -> OpenApiRouter<Arc<Shared>> {
    OpenApiRouter::default()
        .routes(routes!(v1::exchange_code))
        .routes(routes!(v1::details))
        .routes(routes!(v1::transactions))
        .routes(routes!(v1::identity))
        .routes(routes!(v1::statement))
        .routes(routes!(v1::statement_job))
        .routes(routes!(v1::income))
        .routes(routes!(v1::credits))
        .routes(routes!(v1::debits))
        .routes(routes!(v1::unlink))
        .routes(routes!(lifecycle::sync))
        .routes(routes!(lifecycle::reauthorise))
        .routes(routes!(v1::coverage))
        .routes(routes!(v2::exchange_code))
        .routes(routes!(v2::details))
        .routes(routes!(v2::transactions))
        .routes(routes!(v2::identity))
        .routes(routes!(v2::balance))
        .routes(routes!(v2::statement))
        .routes(routes!(v2::statement_job))
        .routes(routes!(v2::job))
        .routes(routes!(v2::unlink))
        .routes(routes!(lifecycle::initiate))
}

/// What Mono serves without a key: a built statement's PDF, as from its storage URL.
pub fn downloads<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::default().routes(routes!(statements::download))
}

/// Every Mono route needs `mono-sec-key: <secret key>`.
pub async fn require_secret_key(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request
        .headers()
        .get("mono-sec-key")
        .and_then(|v| v.to_str().ok());
    if given != Some(shared.secret_key.as_str()) {
        return Err(ApiError::unauthorized());
    }
    Ok(next.run(request).await)
}
