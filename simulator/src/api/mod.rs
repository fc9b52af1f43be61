//! Mono's REST API, v1 and v2, over the simulated worlds.
//!
//! Paths, field names, casing, envelopes and status codes follow `mono-api.md`; where Mono
//! documents nothing (error wording, page size, job status names) the choice is marked
//! `[inferred]` beside the code that makes it.
//!
//! Layers, outermost first: [`resolve_tenant`] (which simulated Mono the request is for, see
//! [`crate::tenants`]), [`record::record`] (the request log), [`error::render`] (error
//! bodies in the version's shape), [`body_limit`] (1 MiB), then [`require_secret_key`]
//! (every route, like Mono), then the routes.

mod body_limit;
mod error;
mod insights;
mod lifecycle;
mod listing;
mod params;
mod record;
mod statements;
mod v1;
mod v2;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub use body_limit::{default_limit as default_body_limit, limit_body, MAX_BODY};
pub use error::{render as render_errors, ApiError, Version};

use crate::sim::Sim;
use crate::tenants::Tenants;
use crate::world::{Account, ObjectId, World};

/// What the whole server shares.
pub struct Shared {
    pub tenants: Arc<Tenants>,
    pub secret_key: String,
    /// The public key the Connect widget accepts; `mono_url`s carry it.
    pub public_key: String,
    /// The simulator's own base URL, e.g. `http://127.0.0.1:7410`; absolute links in
    /// responses (`paging.next`, statement PDFs, `mono_url`) point here.
    pub base_url: Arc<str>,
}

/// What a handler works with: the simulated Mono the request is for.
pub struct ApiState {
    pub sim: Arc<Sim>,
    /// The same world as `sim.world`, for brevity in handlers.
    pub world: Arc<World>,
    pub base_url: Arc<str>,
    pub tenants: Arc<Tenants>,
}

impl ApiState {
    pub fn new(sim: Arc<Sim>, shared: &Shared) -> ApiState {
        ApiState {
            world: sim.world.clone(),
            sim,
            base_url: shared.base_url.clone(),
            tenants: shared.tenants.clone(),
        }
    }

    /// The same request's view, on another simulated Mono.
    pub fn new_for(sim: Arc<Sim>, other: &ApiState) -> ApiState {
        ApiState {
            world: sim.world.clone(),
            sim,
            base_url: other.base_url.clone(),
            tenants: other.tenants.clone(),
        }
    }

    /// The linked account with this id, or the error Mono gives.
    ///
    /// Malformed ids are a 400 naming the value; unknown and unlinked accounts a 404
    /// (Mono deletes "every data and authorisation associated" with an unlinked account).
    pub fn linked_account(&self, id: &str) -> Result<Account, ApiError> {
        let parsed: ObjectId = id
            .parse()
            .map_err(|e| ApiError::bad_request(format!("Invalid account id `{id}`: {e}")))?;
        // [inferred] wording; the only public sample is a third-party mock's.
        let missing = || ApiError::not_found("This account does not exist.");
        let account = self.world.account(&parsed).ok_or_else(missing)?;
        if !account.is_linked() {
            return Err(missing());
        }
        Ok(account)
    }
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
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "no simulator for this request",
                )
            })
    }
}

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
        .fallback(unknown_route)
        .layer(middleware::from_fn(body_limit::limit_body))
        .layer(body_limit::default_limit())
        .layer(middleware::from_fn(error::render))
        .layer(middleware::from_fn(record::record))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            resolve_tenant,
        ))
        .with_state(shared)
}

/// Middleware: finds the simulated Mono the request is for and hands it to what follows.
async fn resolve_tenant(
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

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("Cannot {method} {}", uri.path()))
}
