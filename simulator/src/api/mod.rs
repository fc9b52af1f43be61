//! Mono's REST API, v1 and v2, over the simulated worlds.
//!
//! Paths, field names, casing, envelopes and status codes follow `mono-api.md`; where Mono
//! documents nothing (error wording, page size, job status names) the choice is marked
//! `[inferred]` beside the code that makes it.
//!
//! Every call goes through [`MonoApi`] (`service.rs`): which simulated Mono it is for (see
//! [`crate::tenants`]), the body limit (1 MiB), error bodies in the version's shape, the
//! request log (`record.rs`); then [`RequireKey`] on every route of [`routes()`], like
//! Mono, then the routes. The two reads integrators make most skip the router
//! (`reads.rs`).
//!
//! Each handler returns the type that documents its answer, defined beside it (v1.rs,
//! v2.rs) or beside the logic that fills it (statements.rs, insights.rs, listing.rs).

mod accounts;
mod envelope;
mod insights;
mod json;
mod lifecycle;
mod listing;
mod params;
mod reads;
mod record;
mod service;
mod statements;
mod v1;
mod v2;

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use service::{MonoApi, RequireKey};

use crate::http::Shared;

/// Mono's API v1 and v2, each route listed once: `routes!` takes the method, path and
/// OpenAPI description from the handler's `#[utoipa::path]`. Every one of them needs the
/// secret key ([`RequireKey`], which the server puts on them).
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

/// Whether `path` is under Mono's account routes (`/accounts/…`, `/v2/…`), where no other
/// surface of the simulator has a route: the server sends these to Mono's API without
/// asking the other surfaces' router first.
pub fn owns(path: &str) -> bool {
    path.starts_with("/v2/") || path.starts_with("/accounts/")
}

/// What Mono serves without a key: a built statement's PDF, as from its storage URL.
pub fn downloads<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::default().routes(routes!(statements::download))
}

#[cfg(test)]
mod tests {
    use super::owns;

    #[test]
    fn only_mono_account_paths_skip_the_other_surfaces() {
        let id = "5f171a530295e231abca1153";
        for path in [
            format!("/accounts/{id}"),
            format!("/accounts/{id}/transactions"),
            format!("/v2/accounts/{id}"),
            "/v2/accounts/initiate".to_string(),
        ] {
            assert!(owns(&path), "{path}");
        }
        // Every route of the widget, the console and the control API, and Mono's routes
        // outside `/accounts/` and `/v2/`: the router decides those.
        for path in [
            "/",
            "/connect.js",
            "/console/app.js",
            "/demo",
            "/link/token",
            "/widget",
            "/widget/assets/widget.css",
            "/widget/session",
            "/_sim/accounts",
            "/_sim/accounts/x/reauth",
            "/account/auth",
            "/coverage",
            "/openapi.json",
            "/v2",
        ] {
            assert!(!owns(path), "{path}");
        }
    }
}
