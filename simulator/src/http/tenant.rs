//! Which simulated Mono a request is for (see [`crate::tenants`]): found once, by the
//! outermost layer, and handed to handlers as [`Tenant`].

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::error::ApiError;
use super::state::{ApiState, Shared};

/// Middleware: finds the simulated Mono the request is for and hands it to what follows.
pub async fn resolve_tenant(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let sim = shared.tenants.for_path(request.uri().path());
    request
        .extensions_mut()
        .insert(Arc::new(ApiState::new(sim, &shared)));
    next.run(request).await
}

/// Extracts the [`ApiState`] of the request's simulated Mono.
pub struct Tenant(pub Arc<ApiState>);

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<ApiState>>()
            .cloned()
            .map(Tenant)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no simulator for this request",
                )
            })
    }
}
