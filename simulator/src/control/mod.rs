//! The control API under `/_sim/` — the simulator's analogue of Plaid's `/sandbox/`: a test
//! suite in any language drives the fake Mono over HTTP with it. JSON in, JSON out; a bad
//! request is a 400 naming the field. No `mono-sec-key` is needed: it is not Mono's API.
//! Only loopback clients may use it, unless a control token is set (see [`access`]); bodies
//! are limited to 1 MiB like the Mono API's.
//!
//! | route | does |
//! | --- | --- |
//! | `GET /_sim/state` | clock, webhook targets, pending deliveries |
//! | `POST /_sim/accounts` | create an account (and link it unless `"link": false`) |
//! | `GET /_sim/accounts/:id` | the account's lifecycle state |
//! | `POST /_sim/accounts/:id/link` | link a pending or unlinked account |
//! | `POST /_sim/accounts/:id/expire-session` | the bank session expires |
//! | `POST /_sim/accounts/:id/reauth` | the user re-authenticates (`mfa`, optional `token`) |
//! | `POST /_sim/accounts/:id/auto-sync` | run an automatic sync now |
//! | `POST /_sim/accounts/:id/unlink` | unlink |
//! | `POST /_sim/events` | fire any event, with overrides |
//! | `GET`/`PUT /_sim/webhooks` | webhook URLs and secret |
//! | `GET /_sim/clock`, `POST /_sim/clock/advance`, `/freeze`, `/resume` | the clock |
//! | `GET`/`POST`/`DELETE /_sim/faults` | injected faults |
//! | `GET /_sim/requests`, `GET /_sim/deliveries` | the request and delivery logs |
//! | `POST /_sim/idle` | wait until no delivery is in flight or due |
//! | `POST /_sim/reset` | back to the starting world |

pub mod access;
mod accounts;
mod events;
mod logs;
mod time;

use std::sync::Arc;

use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::{ApiError, ApiState};
use crate::lifecycle::LifecycleError;
use crate::world::{ObjectId, WorldError};

/// The control API, each route listed once: `routes!` takes the method, path and OpenAPI
/// description from the handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<Arc<ApiState>> {
    OpenApiRouter::default()
        .routes(routes!(logs::state))
        .routes(routes!(accounts::create))
        .routes(routes!(accounts::show))
        .routes(routes!(accounts::link))
        .routes(routes!(accounts::expire_session))
        .routes(routes!(accounts::reauth))
        .routes(routes!(accounts::auto_sync))
        .routes(routes!(accounts::unlink))
        .routes(routes!(events::fire))
        .routes(routes!(events::targets, events::set_targets))
        .routes(routes!(time::show))
        .routes(routes!(time::advance))
        .routes(routes!(time::freeze))
        .routes(routes!(time::resume))
        .routes(routes!(logs::faults, logs::add_fault, logs::clear_faults))
        .routes(routes!(logs::requests))
        .routes(routes!(logs::deliveries))
        .routes(routes!(logs::idle))
        .routes(routes!(logs::reset))
}

/// Reads a JSON body (an empty body or `null` reads as `{}`), naming what is wrong with it.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let invalid =
        |e: serde_json::Error| ApiError::bad_request(format!("Invalid request body: {e}"));
    let mut value: Value = serde_json::from_slice(bytes).map_err(invalid)?;
    // `null` is "no body", as the document's optional bodies allow.
    if value.is_null() {
        value = Value::Object(Default::default());
    }
    whole_numbers(&mut value);
    T::deserialize(value).map_err(invalid)
}

/// JSON (and the JSON Schema of the OpenAPI document) counts `2.0` as the integer 2; serde
/// does not. Whole numbers written with a fraction are read as the integers they are, so a
/// client whose JSON library writes `60.0` for a count is not refused.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: larger floats are not exact
            if let Some(float) = number.as_f64() {
                if float.fract() == 0.0 && float.abs() < EXACT {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A lifecycle refusal in the control API's words: unlike Mono's API (which says "This
/// account does not exist." for an unlinked account), it says what state the account is in
/// and how to get it where the request needs it.
fn refused(error: LifecycleError) -> ApiError {
    use axum::http::StatusCode;
    match error {
        LifecycleError::NoSuchAccount(id) => ApiError::not_found(format!("No account {id}")),
        LifecycleError::NotLinked(id) => ApiError::new(
            StatusCode::CONFLICT,
            format!("Account {id} is not linked; link it with POST /_sim/accounts/{id}/link"),
        ),
        // An id or code another account has: the request is fine, the world disagrees.
        error
        @ LifecycleError::World(WorldError::DuplicateId(_) | WorldError::DuplicateCode(_)) => {
            ApiError::new(StatusCode::CONFLICT, error.to_string())
        }
        other => other.into(),
    }
}

fn account_id(id: &str) -> Result<ObjectId, ApiError> {
    id.parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid account id `{id}`: {e}")))
}

fn duration(field: &str, text: &str) -> Result<i64, ApiError> {
    crate::clock::parse_duration(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid `{field}`: `{text}` is not a duration like 500ms, 30s, 10m or 4h"
        ))
    })
}
