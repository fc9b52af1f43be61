//! What every HTTP surface of the simulator shares — Mono's API and the control API alike:
//! which simulated Mono a request is for, errors and how each API version spells them, and
//! the request body and URI limits. The routes themselves live in [`crate::api`] and
//! [`crate::control`]; [`crate::server`] stacks these layers around them.
//!
//! Layers of Mono's API, outermost first: [`resolve_tenant`] (which simulated Mono the
//! request is for, see [`crate::tenants`]), the request log (`api/record.rs`), [`render`]
//! (error bodies in the version's shape), [`limit_body`] (1 MiB), then the routes. The
//! control API has only the last two: it works on the main simulated Mono and is not
//! logged. [`limit_uri`] (8 KiB) is outside them all, over every route.

mod body_limit;
mod error;
mod path;
mod state;
mod tenant;
mod uri_limit;

pub use body_limit::{default_limit as default_body_limit, limit_body, MAX_BODY};
pub use error::{error_body, render, unknown_route, ApiError, Null, V1Error, V2Error, Version};
pub use path::AccountPath;
pub use state::{ApiState, Shared};
pub use tenant::{resolve_tenant, Tenant};
pub use uri_limit::{limit_uri, too_long as uri_too_long, MAX_URI};
