//! What every HTTP surface of the simulator shares — Mono's API and the control API alike:
//! which simulated Mono a request is for, errors and how each API version spells them, and
//! the request body and URI limits. The routes themselves live in [`crate::api`] and
//! [`crate::control`]; [`crate::server`] stacks these layers around them.
//!
//! In front of Mono's API (`api/service.rs`), in one pass: which simulated Mono the request
//! is for ([`Tenant`], see [`crate::tenants`]), the body limit ([`declared_too_large`],
//! 1 MiB), error bodies in the version's shape ([`render_error`]) and the request log. The
//! control API has the body limit and the error bodies as the layers [`limit_body`] and
//! [`render`]: it works on the main simulated Mono and is not logged. [`check_uri`] (8 KiB)
//! is outside them all, over every route. A [`Gated`] future answers a per-route check
//! (Mono's secret key) without boxing.

mod body_limit;
mod error;
mod gated;
mod path;
mod state;
mod tenant;
mod uri_limit;

pub use body_limit::{
    declared_too_large, default_limit as default_body_limit, explain_too_large, limit_body,
    MAX_BODY,
};
pub use error::{
    error_body, render, render_error, render_error_now, unknown_route, ApiError, Null, Rendered,
    V1Error, V2Error, Version,
};
pub use gated::{Answer, Gated};
pub use path::AccountPath;
pub use state::{ApiState, Shared};
pub use tenant::Tenant;
pub use uri_limit::{check_uri, too_long as uri_too_long, MAX_URI};
