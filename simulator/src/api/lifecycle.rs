//! The API routes that drive the lifecycle: manual sync, re-auth tokens (v1 and v2's
//! `initiate`), and unlink. API-side faults (`status`, `hang`) for `/reauthorise` and
//! `/sync` are applied here, before the lifecycle sees the call.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::params::Params;
use super::v1::json_body;
use super::{ApiError, ApiState, Tenant};
use crate::faults::{Endpoint, FaultKind};
use crate::lifecycle::LifecycleError;
use crate::world::ObjectId;

impl From<LifecycleError> for ApiError {
    fn from(error: LifecycleError) -> ApiError {
        let status = match &error {
            LifecycleError::NoSuchAccount(_) | LifecycleError::NotLinked(_) => {
                return ApiError::not_found("This account does not exist.")
            }
            LifecycleError::SyncTooSoon(_) => StatusCode::TOO_MANY_REQUESTS,
            LifecycleError::AlreadyLinked(_) | LifecycleError::NoMfa(_) => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, error.to_string())
    }
}

/// Applies an injected API fault for this call, if one is set: an error status, or no
/// answer for a while (then 504, by which time the client should have given up).
async fn injected(state: &ApiState, endpoint: Endpoint, account: ObjectId) -> Result<(), ApiError> {
    match state.sim.faults.take_for_call(endpoint, account) {
        Some(FaultKind::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Err(ApiError::new(
                status,
                format!(
                    "Injected fault: {}",
                    status.canonical_reason().unwrap_or("error")
                ),
            ))
        }
        Some(FaultKind::Hang { hang }) => {
            // The fault *is* the wait: the simulator plays a bank that does not answer.
            tokio::time::sleep(Duration::from_millis(hang as u64)).await;
            Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "Injected fault: no answer in time",
            ))
        }
        _ => Ok(()),
    }
}

/// `POST /accounts/:id/sync[?allow_incomplete_statement=true]`.
#[utoipa::path(
    post,
    path = "/accounts/{id}/sync",
    tag = "v1",
    operation_id = "v1_sync",
    summary = "Sync the account's data now",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "5f171a530295e231abca1153"), crate::openapi::schemas::SyncQuery),
    responses((status = 200, description = "The sync's outcome", body = crate::lifecycle::SyncResult), (status = 429, description = "A manual sync at most every 2 minutes per account", body = crate::openapi::schemas::V1Error)),
    security(("mono-sec-key" = []))
)]
pub async fn sync(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let account = state.linked_account(&id)?;
    let allow = params.bool("allow_incomplete_statement")?.unwrap_or(false);
    injected(&state, Endpoint::Sync, account.id).await?;
    let result = state.sim.manual_sync(&account.id, allow)?;
    Ok(Json(json!(result)))
}

/// `POST /accounts/:id/reauthorise` → `{"token"}`.
#[utoipa::path(
    post,
    path = "/accounts/{id}/reauthorise",
    tag = "v1",
    operation_id = "v1_reauthorise",
    summary = "A re-authorisation token for the Connect widget",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "5f171a530295e231abca1153")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::TokenBody), (status = 409, description = "The account's bank asks for no MFA: it never needs re-authorisation", body = crate::openapi::schemas::V1Error)),
    security(("mono-sec-key" = []))
)]
pub async fn reauthorise(
    Tenant(state): Tenant,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let parsed: ObjectId = id
        .parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid account id `{id}`: {e}")))?;
    injected(&state, Endpoint::Reauthorise, parsed).await?;
    let token = state.sim.issue_token(&parsed)?;
    Ok(Json(json!({ "token": token.value })))
}

#[derive(Deserialize)]
struct Initiate {
    scope: String,
    account: Option<String>,
    redirect_url: Option<String>,
    meta: Option<InitiateMeta>,
}

/// The integrator's `meta`; only `ref` is read, and it must be a string (it is echoed in
/// `data.meta.ref`, which Mono documents as one).
#[derive(Deserialize)]
struct InitiateMeta {
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// `POST /v2/accounts/initiate` with `scope: "reauth"`: a re-auth session whose `mono_url`
/// opens the widget on the simulator.
#[utoipa::path(
    post,
    path = "/v2/accounts/initiate",
    tag = "v2",
    operation_id = "v2_initiate",
    summary = "A Connect widget session: re-authorise an account, or link a new one",
    request_body(content = crate::openapi::schemas::InitiateRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2Initiated>), (status = 409, description = "The account's bank asks for no MFA: it never needs re-authorisation", body = crate::openapi::schemas::V2Error), (status = 404, description = "No such linked account", body = crate::openapi::schemas::V2Error)),
    security(("mono-sec-key" = []))
)]
pub async fn initiate(Tenant(state): Tenant, body: Bytes) -> Result<Response, ApiError> {
    let request: Initiate = json_body(&body)?;
    match request.scope.as_str() {
        "reauth" => {}
        "auth" => {
            return Err(ApiError::bad_request(
                "scope `auth` (a new link through the Connect widget) is not simulated yet; create and link accounts with POST /_sim/accounts",
            ))
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid `scope`: `{other}`; use `reauth` (or `auth`)"
            )))
        }
    }
    let id = request.account.ok_or_else(|| {
        ApiError::bad_request("Invalid request body: `account` is required for scope `reauth`")
    })?;
    let parsed: ObjectId = id
        .parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid `account` `{id}`: {e}")))?;
    // The account is named in the body, so its simulated Mono is found here, not by path.
    let owner = state.tenants.for_account(&parsed);
    let state = ApiState::new_for(owner.clone(), &state);
    injected(&state, Endpoint::Reauthorise, parsed).await?;
    let token = state.sim.issue_token(&parsed)?;
    let account = state.linked_account(&id)?;
    let institution = account.institution();
    let data = json!({
        "mono_url": format!("{}/link/{}", state.base_url, token.value),
        "customer": account.customer,
        "account": account.id,
        "meta": { "ref": request.meta.as_ref().and_then(|m| m.reference.as_deref()).unwrap_or(&account.reference) },
        "scope": "reauth",
        "institution": {
            "name": institution.name,
            "bank_code": institution.bank_code,
            "type": institution.kind,
        },
        "auth_method": account.auth_method.as_str(),
        "redirect_url": request.redirect_url,
        "created_at": token.issued_at,
    });
    let mut response = Json(json!({
        "status": "successful",
        "message": "Request was successfully completed",
        "timestamp": state.sim.clock.now(),
        "data": data,
    }))
    .into_response();
    response
        .extensions_mut()
        .insert(super::requests::Owner(owner));
    Ok(response)
}
