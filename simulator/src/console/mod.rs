//! The simulator console at `GET /`: one page that shows what the simulator is doing and
//! drives it, for a developer reproducing an MFA or re-auth edge case by hand — the
//! accounts and their lifecycle state, the live delivery log with each event's payload and
//! attempts, the request journal, faults and the clock — and turns what they clicked through
//! into a scenario (`/_sim/recording.yaml`).
//!
//! It is a static page over the control API: plain HTML, CSS and JavaScript embedded with
//! `include_str!`, no build step. Everything it does is a `/_sim/` call a test could make,
//! so the console can do nothing the control API cannot, and what it does is recorded like
//! any other call. The page polls the logs with `?since=` cursors (one short request a
//! second) rather than holding a stream open, so it never keeps the server from shutting
//! down and survives a restart of the simulator.
//!
//! The page and its assets are behind the control API's access rule
//! (`control/access.rs`): loopback only, unless a control token is given.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::widget::esc;

/// Where the console's assets are served; the access rule guards this prefix too.
pub const ASSETS: &str = "/console/";

/// What the page needs to know that the control API does not say: the public key the
/// Connect widget opens with (the console opens it to re-authorise an account).
pub struct Console {
    pub public_key: String,
}

pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/console/{file}", get(asset))
        .with_state(console)
}

async fn page(State(console): State<Arc<Console>>) -> Response {
    let page =
        include_str!("assets/console.html").replace("{{public_key}}", &esc(&console.public_key));
    ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    let (kind, body) = match file.as_str() {
        "console.js" => (
            "text/javascript; charset=utf-8",
            include_str!("assets/console.js"),
        ),
        "console.css" => (
            "text/css; charset=utf-8",
            include_str!("assets/console.css"),
        ),
        _ => return (StatusCode::NOT_FOUND, "no such console asset").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
