//! Firing any event by hand, sending one again, and where webhooks go.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::protocol::{account_id, body, duration, refused};
use crate::clock::DurationText;
use crate::echo::Echo;
use crate::http::{ApiError, ApiState, V1Error};
use crate::lifecycle::Emit;
use crate::webhooks::{fired, Targets};
use crate::world::{DataStatus, ObjectId};

/// `POST /_sim/events`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireRequest {
    /// Any dotted name; unknown ones are sent as they are.
    #[schema(example = "mono.events.account_updated", pattern = "\\.")]
    event: String,
    #[schema(value_type = ObjectId)]
    account: String,
    /// `path → value` overrides of the body: `{"data.meta.data_status": "FAILED"}`.
    #[schema(value_type = Option<Object>)]
    set: Option<BTreeMap<String, Value>>,
    /// The data status an `account_updated` reports (the account's by default).
    data_status: Option<DataStatus>,
    /// Hold it back this long (simulated time).
    #[schema(value_type = Option<DurationText>)]
    delay: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Fired {
    event_id: String,
    event: String,
    account: ObjectId,
}

/// `POST /_sim/events`: fires `event` about `account` as Mono would, through the dispatcher
/// (faults apply). Unknown event names are allowed — that is how a receiver is tested
/// against event types Mono may add.
#[utoipa::path(
    post,
    path = "/_sim/events",
    tag = "control",
    operation_id = "sim_fire_event",
    summary = "Fire any event about an account, with overrides",
    request_body(content = FireRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = Fired), (status = 404, description = "No such account", body = V1Error), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn fire(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<Json<Fired>, ApiError> {
    let request: FireRequest = body(&bytes)?;
    if !request.event.contains('.') {
        return Err(ApiError::bad_request(format!(
            "Invalid `event`: `{}` does not look like a Mono event (e.g. mono.events.account_updated)",
            Echo(&request.event)
        )));
    }
    let id = account_id(&request.account)?;
    let account = state
        .world
        .account(&id)
        .ok_or_else(|| ApiError::not_found(format!("No account {id}")))?;
    let overrides = request
        .set
        .unwrap_or_default()
        .into_iter()
        .map(|(path, value)| {
            let text = match value {
                Value::String(s) => serde_json::to_string(&s).unwrap_or(s),
                other => other.to_string(),
            };
            (path, text)
        })
        .collect();
    let delay = request
        .delay
        .as_deref()
        .map(|d| duration("delay", d))
        .transpose()?;
    let event_id = state
        .sim
        .emit(
            &request.event,
            &account,
            Emit {
                data_status: request.data_status,
                delay: delay.unwrap_or(0),
                overrides,
                ..Emit::default()
            },
        )
        .map_err(refused)?;
    Ok(Json(Fired {
        event_id,
        event: request.event,
        account: id,
    }))
}

/// The event path of `POST /_sim/events/{event_id}/resend`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EventPath {
    /// The `event_id` the event was fired with (`GET /_sim/events`).
    event_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct Resent {
    event_id: String,
    event: String,
    account: Option<ObjectId>,
    /// Deliveries queued: one per webhook URL.
    #[schema(value_type = u64)]
    queued: usize,
}

/// `POST /_sim/events/{event_id}/resend`: the event goes out again, byte for byte, with the
/// same `event_id`, to every webhook URL — on its account's lane, retried and logged like
/// any delivery. Faults do not apply (see `webhooks/fired.rs`).
#[utoipa::path(
    post,
    path = "/_sim/events/{event_id}/resend",
    tag = "control",
    operation_id = "sim_resend_event",
    summary = "Send a fired event again, same event_id and body",
    params(EventPath),
    responses((status = 200, description = "Queued", body = Resent), (status = 404, description = "No such event (or too old to be kept)", body = V1Error), (status = 409, description = "No webhook URL to send it to", body = V1Error))
)]
pub async fn resend(
    State(state): State<Arc<ApiState>>,
    Path(EventPath { event_id }): Path<EventPath>,
) -> Result<Json<Resent>, ApiError> {
    let event = fired::find(&state.sim.events, &event_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "No event `{}`: GET /_sim/events lists the events kept (the last 5000)",
            Echo(&event_id)
        ))
    })?;
    if state.sim.webhooks.targets().urls.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "No webhook URL to resend to; set one with PUT /_sim/webhooks",
        ));
    }
    let queued = fired::resend(&state.sim.webhooks, &event);
    Ok(Json(Resent {
        event_id: event.event_id.to_string(),
        event: event.event.to_string(),
        account: event.account,
        queued,
    }))
}

#[utoipa::path(
    get,
    path = "/_sim/webhooks",
    tag = "control",
    operation_id = "sim_webhooks",
    summary = "Where webhooks go, and their secret",
    responses((status = 200, description = "OK", body = crate::webhooks::Targets))
)]
pub async fn targets(State(state): State<Arc<ApiState>>) -> Json<Targets> {
    Json(state.sim.webhooks.targets())
}

/// `PUT /_sim/webhooks`: the receivers' URLs (http or https), and the secret if it changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTargets {
    #[schema(value_type = Vec<WebhookUrl>, example = json!(["http://127.0.0.1:3000/webhook"]), inline)]
    urls: Vec<String>,
    secret: Option<String>,
}

/// An http(s) URL with a host. A schema only: `set_targets` checks each URL itself.
pub struct WebhookUrl;

impl PartialSchema for WebhookUrl {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(
                "^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?(/[A-Za-z0-9._~/-]*)?$",
            ))
            .into()
    }
}

impl ToSchema for WebhookUrl {
    fn name() -> Cow<'static, str> {
        "WebhookUrl".into()
    }
}

/// `PUT /_sim/webhooks {"urls": [...], "secret": "..."}`.
#[utoipa::path(
    put,
    path = "/_sim/webhooks",
    tag = "control",
    operation_id = "sim_set_webhooks",
    summary = "Set the webhook URLs (and secret)",
    request_body(content = SetTargets, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::webhooks::Targets))
)]
pub async fn set_targets(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<Json<Targets>, ApiError> {
    let request: SetTargets = body(&bytes)?;
    for url in &request.urls {
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || reqwest::Url::parse(url).is_err()
        {
            return Err(ApiError::bad_request(format!(
                "Invalid `urls`: `{}` is not an http(s) URL like http://127.0.0.1:3000/webhook",
                Echo(url)
            )));
        }
    }
    if let Some(secret) = &request.secret {
        crate::webhooks::check_secret(secret)
            .map_err(|why| ApiError::bad_request(format!("Invalid `secret`: {why}")))?;
    }
    let mut targets = state.sim.webhooks.targets();
    targets.urls = request.urls;
    if let Some(secret) = request.secret {
        targets.secret = secret;
    }
    state.sim.webhooks.set_targets(targets.clone());
    Ok(Json(targets))
}
