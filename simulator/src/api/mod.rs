//! Mono's REST API, v1 and v2, over the simulated worlds.
//!
//! Paths, field names, casing, envelopes and status codes follow `mono-api.md`; where Mono
//! documents nothing (error wording, page size, job status names) the choice is marked
//! `[inferred]` beside the code that makes it.
//!
//! Layers, outermost first: [`http::resolve_tenant`] (which simulated Mono the request is
//! for, see [`crate::tenants`]), [`record::record`] (the request log), [`http::render`]
//! (error bodies in the version's shape), [`http::limit_body`] (1 MiB), then
//! [`require_secret_key`] (every route, like Mono), then the routes.

mod accounts;
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
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::http::{self, ApiError, Shared};

/// The OpenAPI description of Mono's routes (see [`crate::openapi`]).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    v1::exchange_code,
    v1::details,
    v1::transactions,
    v1::identity,
    v1::statement,
    v1::statement_job,
    v1::income,
    v1::credits,
    v1::debits,
    v1::unlink,
    lifecycle::sync,
    lifecycle::reauthorise,
    v1::coverage,
    v2::exchange_code,
    v2::details,
    v2::transactions,
    v2::identity,
    v2::balance,
    v2::statement,
    v2::statement_job,
    v2::job,
    v2::unlink,
    lifecycle::initiate,
    statements::download,
))]
pub(crate) struct Doc;

/// The API as a router, for `serve` or for `tower::ServiceExt::oneshot` in tests.
pub fn router(shared: Arc<Shared>) -> Router {
    let mono = Router::new().merge(v1::routes()).merge(v2::routes()).layer(
        middleware::from_fn_with_state(shared.clone(), require_secret_key),
    );
    Router::new()
        .merge(mono)
        .route("/statements/{file}", get(statements::download))
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .fallback(http::unknown_route)
        .layer(middleware::from_fn(http::limit_body))
        .layer(http::default_body_limit())
        .layer(middleware::from_fn(http::render))
        .layer(middleware::from_fn(record::record))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            http::resolve_tenant,
        ))
        .with_state(shared)
}

/// Every Mono route needs `mono-sec-key: <secret key>`.
async fn require_secret_key(
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
