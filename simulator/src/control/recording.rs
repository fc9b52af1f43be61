//! Recording what the control API does (`crate::recording`), and handing it out as a
//! scenario file: `GET /_sim/recording.yaml`.
//!
//! One layer records for every control route, so no handler has to remember to: it keeps
//! the request body, lets the handler run, and only when the answer is a success turns
//! the route, the body it was given and the body it answered into a typed
//! [`Action`]. Reads (`GET`) and waiting (`/_sim/idle`) change nothing and are not
//! recorded; `/_sim/reset` starts a new recording (`Sim::reset`) rather than being one.
//! The CLI's `fire`, `reauth` and `record` go through here, so they are covered too.

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::clock::parse_duration;
use crate::faults::FaultRule;
use crate::http::{ApiError, ApiState};
use crate::recording::{Action, Answer, OpenedBy, Surface};
use crate::world::{DataStatus, ObjectId};

/// The largest answer the layer reads back (the control API's answers are small JSON).
const MAX_ANSWER: usize = 4 * 1024 * 1024;

#[utoipa::path(
    get,
    path = "/_sim/recording.yaml",
    tag = "control",
    operation_id = "sim_recording",
    summary = "Every state-changing action since the start (or the last reset), as a scenario file `monosim run` replays",
    // The schema is of the parsed YAML (what a client reading `application/yaml` checks):
    // a scenario is a mapping; its fields are the harness's (`monosim schema`).
    responses((status = 200, description = "A scenario file (YAML; its schema is printed by `monosim schema`)", content_type = "application/yaml", body = Object))
)]
pub async fn scenario(State(state): State<Arc<ApiState>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.sim.recorded_scenario(),
    )
        .into_response()
}

/// Middleware on the control routes: records each successful state-changing call.
pub async fn record(State(state): State<Arc<ApiState>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method == Method::GET || method == Method::HEAD {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let (parts, body) = request.into_parts();
    // Read as the handler's own `Bytes` would be, so a body too big or that stops
    // arriving is refused exactly as it would be without this layer.
    let sent = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(sent) => sent,
        Err(rejection) => return rejection.into_response(),
    };
    let sent_json: Value = serde_json::from_slice(&sent).unwrap_or(Value::Null);
    let mark = state.sim.mark();
    // The accounts as they are before the call, for the scenario's `accounts:`.
    for id in accounts_named(&path, &sent_json) {
        if let Some(account) = state.world.account(&id) {
            state.sim.recording.saw(&account);
        }
    }
    let response = next.run(Request::from_parts(parts, Body::from(sent))).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(answered) = to_bytes(body, MAX_ANSWER).await else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not read the control API's own answer",
        )
        .into_response();
    };
    let answered_json: Value = serde_json::from_slice(&answered).unwrap_or(Value::Null);
    if let Some(action) = action(&state, &method, &path, &sent_json, &answered_json) {
        if let Action::Link { account, .. } | Action::Created { account } = &action {
            // A new account (an existing one was seen above, as it was before).
            if let Some(created) = state.world.account(account) {
                state.sim.recording.saw_created(&created);
            }
        }
        state.sim.recording.record(mark, Surface::Control, action);
    }
    Response::from_parts(parts, Body::from(answered))
}

/// The accounts a call names: in its path (`/_sim/accounts/{id}/…`) or its body
/// (`account` of an event or a fault).
fn accounts_named(path: &str, body: &Value) -> Vec<ObjectId> {
    let mut ids = Vec::new();
    if let Some(id) = account_in_path(path) {
        ids.push(id);
    }
    if let Some(id) = body
        .get("account")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
    {
        ids.push(id);
    }
    ids
}

fn account_in_path(path: &str) -> Option<ObjectId> {
    let rest = path.strip_prefix("/_sim/accounts/")?;
    rest.split('/').next()?.parse().ok()
}

fn data_status(value: &Value) -> Option<DataStatus> {
    serde_json::from_value(value.clone()).ok()
}

fn duration(value: &Value) -> Option<i64> {
    value.as_str().and_then(parse_duration)
}

/// The typed action of a successful call, or `None` for one that changes nothing the
/// scenario replays (or nothing at all).
fn action(
    state: &ApiState,
    method: &Method,
    path: &str,
    sent: &Value,
    answered: &Value,
) -> Option<Action> {
    let verb = path
        .strip_prefix("/_sim/accounts/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, verb)| verb);
    let account = account_in_path(path);
    match (method.as_str(), path, verb, account) {
        ("POST", "/_sim/accounts", _, _) => {
            let account = answered.get("id")?.as_str()?.parse().ok()?;
            if sent.get("link").and_then(Value::as_bool) == Some(false) {
                return Some(Action::Created { account });
            }
            Some(Action::Link {
                account,
                data_status: sent.get("data_status").and_then(data_status),
                data_delay: sent.get("data_delay").and_then(duration),
            })
        }
        ("POST", _, Some("link"), Some(account)) => Some(Action::Link {
            account,
            data_status: sent.get("data_status").and_then(data_status),
            data_delay: sent.get("data_delay").and_then(duration),
        }),
        ("POST", _, Some("expire-session"), Some(account)) => {
            Some(Action::ExpireSession { account })
        }
        ("POST", _, Some("reauth"), Some(account)) => {
            let answer = match answered.pointer("/result/outcome")?.as_str()? {
                "reauthorised" => Answer::Correct,
                "wrong_answer" => Answer::Wrong,
                "abandoned" => Answer::Abandon,
                _ => return None,
            };
            Some(Action::Reauth {
                account,
                answer,
                by: OpenedBy::Token,
                data_status: sent.get("data_status").and_then(data_status),
            })
        }
        ("POST", _, Some("bank-balance"), Some(account)) => Some(Action::BankBalance {
            account,
            balance: sent.get("balance")?.as_i64()?,
        }),
        ("POST", _, Some("auto-sync"), Some(account)) => Some(Action::Sync { account }),
        ("POST", _, Some("unlink"), Some(account)) => Some(Action::Unlink { account }),
        ("POST", "/_sim/events", _, _) => {
            let mut set: Vec<(String, Value)> = sent
                .get("set")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            // `data_status` of the control API is the body's `data.meta.data_status`.
            if let Some(status) = sent.get("data_status").and_then(data_status) {
                if !set.iter().any(|(k, _)| k == "data.meta.data_status") {
                    set.push(("data.meta.data_status".into(), Value::from(status.as_str())));
                }
            }
            Some(Action::Fire {
                event: answered.get("event")?.as_str()?.to_string(),
                account: answered.get("account")?.as_str()?.parse().ok()?,
                set,
                delay: sent.get("delay").and_then(duration),
                event_id: answered.get("event_id")?.as_str()?.to_string(),
            })
        }
        ("POST", "/_sim/clock/advance", _, _) => Some(Action::Advance {
            to: state.sim.clock.now(),
        }),
        ("POST", "/_sim/clock/freeze", _, _) => Some(Action::Unreplayable {
            what: "the clock was frozen (a scenario's clock always is)".into(),
        }),
        ("POST", "/_sim/clock/resume", _, _) => Some(Action::Unreplayable {
            what: "the clock was resumed (the replay's moves only by `advance`)".into(),
        }),
        ("POST", "/_sim/faults", _, _) => {
            let rule = FaultRule::from_json(sent.clone()).ok()?;
            Some(Action::Fault { rule })
        }
        ("DELETE", "/_sim/faults", _, _) => Some(Action::Unreplayable {
            what: "the fault rules were cleared".into(),
        }),
        ("PUT", "/_sim/webhooks", _, _) => Some(Action::Unreplayable {
            what: "the webhook targets were changed (`monosim run` sends to the receiver)".into(),
        }),
        _ => None,
    }
}
