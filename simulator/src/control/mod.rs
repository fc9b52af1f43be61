//! The control API under `/_sim/` — the simulator's analogue of Plaid's `/sandbox/`: a test
//! suite in any language drives the fake Mono over HTTP with it. JSON in, JSON out; a bad
//! request is a 400 naming the field. No `mono-sec-key` is needed: it is not Mono's API.
//! Only loopback clients may use it, unless a control token is set (see [`access`]); bodies
//! are limited to 1 MiB like the Mono API's.
//!
//! | route | does | in |
//! | --- | --- | --- |
//! | `GET /_sim/state` | clock, webhook targets, pending deliveries | `state.rs` |
//! | `POST /_sim/accounts` | create an account (and link it unless `"link": false`) | `accounts.rs` |
//! | `GET /_sim/accounts?q=&limit=` | the accounts and their lifecycle state, searchable | `accounts.rs` |
//! | `GET /_sim/accounts/:id` | the account's lifecycle state | `accounts.rs` |
//! | `POST /_sim/accounts/:id/link` | link a pending or unlinked account | `accounts.rs` |
//! | `POST /_sim/accounts/:id/expire-session` | the bank session expires | `accounts.rs` |
//! | `POST /_sim/accounts/:id/reauth` | the user re-authenticates (`mfa`, optional `token`, `data_status`) | `accounts.rs` |
//! | `POST /_sim/accounts/:id/bank-balance` | the balance changes at the bank (`balance`) | `accounts.rs` |
//! | `POST /_sim/accounts/:id/auto-sync` | run an automatic sync now | `accounts.rs` |
//! | `POST /_sim/accounts/:id/unlink` | unlink | `accounts.rs` |
//! | `POST /_sim/events` | fire any event, with overrides | `webhooks.rs` |
//! | `GET /_sim/events` | the events fired, with their payloads | `logs.rs` |
//! | `POST /_sim/events/:event_id/resend` | send a fired event again | `webhooks.rs` |
//! | `GET`/`PUT /_sim/webhooks` | webhook URLs and secret | `webhooks.rs` |
//! | `GET /_sim/clock`, `POST /_sim/clock/advance`, `/freeze`, `/resume` | the clock | `time.rs` |
//! | `GET`/`POST`/`DELETE /_sim/faults` | injected faults | `faults.rs` |
//! | `GET /_sim/requests`, `GET /_sim/deliveries` | the request and delivery logs | `logs.rs` |
//! | `POST /_sim/idle` | wait until no delivery is in flight or due | `state.rs` |
//! | `POST /_sim/reset` | back to the starting world (and a new recording) | `state.rs` |
//! | `GET /_sim/recording.yaml` | what was done since the start or the reset, as a scenario | `recording.rs` |
//!
//! What every route shares (reading bodies, naming the wrong field, wording refusals) is in
//! `protocol.rs`; who may call at all, in [`access`]; recording what each call did, in
//! `recording.rs` (one layer for every route).

pub mod access;
mod accounts;
mod faults;
mod logs;
mod protocol;
pub mod recording;
mod state;
mod time;
mod webhooks;

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::ApiState;

/// The control API, each route listed once: `routes!` takes the method, path and OpenAPI
/// description from the handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<Arc<ApiState>> {
    OpenApiRouter::default()
        .routes(routes!(state::state))
        .routes(routes!(accounts::create, accounts::list))
        .routes(routes!(accounts::show))
        .routes(routes!(accounts::link))
        .routes(routes!(accounts::expire_session))
        .routes(routes!(accounts::reauth))
        .routes(routes!(accounts::bank_balance))
        .routes(routes!(accounts::auto_sync))
        .routes(routes!(accounts::unlink))
        .routes(routes!(webhooks::fire, logs::events))
        .routes(routes!(webhooks::resend))
        .routes(routes!(webhooks::targets, webhooks::set_targets))
        .routes(routes!(time::show))
        .routes(routes!(time::advance))
        .routes(routes!(time::freeze))
        .routes(routes!(time::resume))
        .routes(routes!(faults::list, faults::add, faults::clear))
        .routes(routes!(logs::requests))
        .routes(routes!(logs::deliveries))
        .routes(routes!(state::idle))
        .routes(routes!(state::reset))
        .routes(routes!(recording::scenario))
}
