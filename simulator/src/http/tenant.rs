//! Which simulated Mono a request is for (see [`crate::tenants`]): found once, in front of
//! Mono's routes (`api/service.rs`), and handed to handlers as [`Tenant`].

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

use super::error::ApiError;
use super::state::ApiState;

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
