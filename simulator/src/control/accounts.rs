//! Control of accounts: create, link, expire the bank session, re-authenticate, sync, unlink.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{account_id, body, duration, refused};
use crate::http::{ApiError, ApiState};
use crate::lifecycle::{LinkOptions, MfaAnswer};
use crate::world::{
    institutions, AccountKind, AccountSpec, AuthMethod, DataStatus, Dialect, Mfa, ObjectId,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    id: Option<ObjectId>,
    institution: Option<String>,
    auth_method: Option<AuthMethod>,
    mfa: Option<Mfa>,
    #[serde(rename = "type")]
    kind: Option<AccountKind>,
    balance: Option<i64>,
    transactions: Option<u32>,
    name: Option<String>,
    code: Option<String>,
    reference: Option<String>,
    sync_every_hours: Option<u8>,
    dialect: Option<String>,
    /// Link at once (default, also when `null`), firing `account_connected` then
    /// `account_updated`.
    link: Option<bool>,
    /// The data status once the data is in.
    data_status: Option<DataStatus>,
    /// How long until then (`1s` by default).
    data_delay: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Link {
    data_status: Option<DataStatus>,
    data_delay: Option<String>,
}

fn link_options(status: Option<DataStatus>, delay: Option<&str>) -> Result<LinkOptions, ApiError> {
    Ok(LinkOptions {
        data_status: status,
        data_delay: delay.map(|d| duration("data_delay", d)).transpose()?,
    })
}

#[utoipa::path(
    post,
    path = "/_sim/accounts",
    tag = "control",
    operation_id = "sim_create_account",
    summary = "Create an account (and link it unless `link: false`)",
    request_body(content = Option<crate::openapi::schemas::NewAccount>, content_type = "application/json"),
    responses((status = 201, description = "Created", body = crate::openapi::schemas::SimAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn create(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let new: NewAccount = body(&bytes)?;
    let institution = new
        .institution
        .as_deref()
        .map(|name| {
            institutions::find(name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid `institution`: unknown `{name}`; expected one of: {}",
                    institutions::slugs().join(", ")
                ))
            })
        })
        .transpose()?;
    let dialect = new
        .dialect
        .as_deref()
        .map(|d| {
            d.parse::<Dialect>()
                .map_err(|e| ApiError::bad_request(format!("Invalid `dialect`: {e}")))
        })
        .transpose()?;
    let link = if new.link.unwrap_or(true) {
        Some(link_options(new.data_status, new.data_delay.as_deref())?)
    } else {
        None
    };
    let spec = AccountSpec {
        id: new.id,
        institution,
        auth_method: new.auth_method,
        mfa: new.mfa,
        kind: new.kind,
        data_status: None,
        balance: new.balance,
        transactions: new.transactions,
        name: new.name,
        code: new.code,
        reference: new.reference,
        sync_every_hours: new.sync_every_hours,
        dialect,
    };
    let id = state.sim.create_account(spec, link).map_err(refused)?;
    Ok((StatusCode::CREATED, Json(describe(&state, &id)?)))
}

/// The account as the control API shows it: identity, lifecycle stage, token.
fn describe(state: &ApiState, id: &ObjectId) -> Result<Value, ApiError> {
    let account = state
        .world
        .account(id)
        .ok_or_else(|| ApiError::not_found(format!("No account {id}")))?;
    let now = state.sim.clock.now();
    Ok(json!({
        "id": account.id,
        "customer": account.customer,
        "institution": account.institution().slug,
        "mfa": account.mfa.as_str(),
        "auth_method": account.auth_method.as_str(),
        "stage": account.stage,
        "data_status": account.data_status.as_str(),
        "session_expired": account.session_expired,
        "code": account.code,
        "reference": account.reference,
        "dialect": account.dialect.to_string(),
        "balance": account.balance,
        "transactions": account.transaction_count,
        "token": account.token.as_ref().map(|t| json!({
            "value": t.value,
            "issued_at": t.issued_at,
            "used": t.used,
            "expired": t.expired_at(now),
        })),
    }))
}

#[utoipa::path(
    get,
    path = "/_sim/accounts/{id}",
    tag = "control",
    operation_id = "sim_show_account",
    summary = "An account's lifecycle state",
    params(crate::http::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::SimAccount))
)]
pub async fn show(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(describe(&state, &account_id(&id)?)?))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/link",
    tag = "control",
    operation_id = "sim_link_account",
    summary = "Link a pending or unlinked account",
    params(crate::http::AccountPath),
    request_body(content = Option<crate::openapi::schemas::LinkRequest>, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::SimAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn link(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = account_id(&id)?;
    let request: Link = body(&bytes)?;
    let options = link_options(request.data_status, request.data_delay.as_deref())?;
    state.sim.link(&id, options).map_err(refused)?;
    Ok(Json(describe(&state, &id)?))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/expire-session",
    tag = "control",
    operation_id = "sim_expire_session",
    summary = "The bank session expires (fires reauthorisation_required)",
    params(crate::http::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::EventAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn expire_session(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = account_id(&id)?;
    let event_id = state.sim.expire_session(&id).map_err(refused)?;
    Ok(Json(
        json!({ "event_id": event_id, "account": describe(&state, &id)? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reauth {
    mfa: MfaAnswer,
    /// The token the widget was opened with; the latest issued when absent.
    token: Option<String>,
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/reauth",
    tag = "control",
    operation_id = "sim_reauth",
    summary = "The user answers the MFA challenge in the widget",
    params(crate::http::AccountPath),
    request_body(content = crate::openapi::schemas::ReauthRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::ReauthAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn reauth(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = account_id(&id)?;
    let request: Reauth = body(&bytes)?;
    let token = match request.token {
        Some(token) => token,
        None => state.sim.latest_token(&id).map_err(refused)?,
    };
    let outcome = state
        .sim
        .reauthorise(&token, request.mfa)
        .map_err(refused)?;
    Ok(Json(
        json!({ "result": outcome, "account": describe(&state, &id)? }),
    ))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/auto-sync",
    tag = "control",
    operation_id = "sim_auto_sync",
    summary = "Run an automatic sync now",
    params(crate::http::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::SyncAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn auto_sync(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = account_id(&id)?;
    let result = state.sim.auto_sync_now(&id).map_err(refused)?;
    Ok(Json(
        json!({ "result": result, "account": describe(&state, &id)? }),
    ))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/unlink",
    tag = "control",
    operation_id = "sim_unlink",
    summary = "Unlink the account (fires account_unlinked)",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000b01")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::EventAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = crate::http::V1Error))
)]
pub async fn unlink(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = account_id(&id)?;
    let event_id = state.sim.unlink(&id).map_err(refused)?;
    Ok(Json(
        json!({ "event_id": event_id, "account": describe(&state, &id)? }),
    ))
}
