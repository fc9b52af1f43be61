//! The API routes that drive the lifecycle: manual sync, re-auth tokens (v1 and v2's
//! `initiate`), and unlink. API-side faults (`status`, `hang`) for `/reauthorise` and
//! `/sync` are applied here, before the lifecycle sees the call.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use super::json::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::envelope::{V2Envelope, COMPLETED};
use super::params::{json_body, Params};
use super::record::{About, Owner};
use super::v2::V2Institution;
use crate::clock::Timestamp;
use crate::echo::Echo;
use crate::faults::{Endpoint, FaultKind};
use crate::http::{AccountPath, ApiError, ApiState, Shared, Tenant, V1Error, V2Error};
use crate::lifecycle::{LifecycleError, SyncResult};
use crate::request_log::Intent;
use crate::world::{AuthMethod, ObjectId};

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
    params(AccountPath, ("allow_incomplete_statement" = Option<bool>, Query, description = "Accept a statement shorter than the last one.")),
    responses((status = 200, description = "The sync's outcome", body = SyncResult), (status = 429, description = "A manual sync at most every 2 minutes per account", body = V1Error)),
    security(("mono-sec-key" = []))
)]
pub async fn sync(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    params: Params,
) -> Result<Json<SyncResult>, ApiError> {
    let account = state.linked_account(&id)?;
    let allow = params.bool("allow_incomplete_statement")?.unwrap_or(false);
    injected(&state, Endpoint::Sync, account.id).await?;
    Ok(Json(state.sim.manual_sync(&account.id, allow)?))
}

/// A re-authorisation token, valid 10 minutes, single use.
#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    token: String,
}

/// `POST /accounts/:id/reauthorise` → `{"token"}`.
#[utoipa::path(
    post,
    path = "/accounts/{id}/reauthorise",
    tag = "v1",
    operation_id = "v1_reauthorise",
    summary = "A re-authorisation token for the Connect widget",
    params(AccountPath),
    responses((status = 200, description = "OK", body = TokenBody), (status = 409, description = "The account's bank asks for no MFA: it never needs re-authorisation", body = V1Error)),
    security(("mono-sec-key" = []))
)]
pub async fn reauthorise(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Result<Json<TokenBody>, ApiError> {
    let parsed: ObjectId = id
        .parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid account id `{}`: {e}", Echo(&id))))?;
    injected(&state, Endpoint::Reauthorise, parsed).await?;
    let token = state.sim.issue_token(&parsed)?;
    Ok(Json(TokenBody { token: token.value }))
}

/// `POST /v2/accounts/initiate`.
//
// `scope` and `customer` are read by hand, so that a wrong value is refused in words that
// name it; the document describes what they accept.
#[derive(Deserialize, ToSchema)]
pub struct InitiateRequest {
    #[schema(value_type = InitiateScope)]
    scope: String,
    /// The account to re-authorise; required for `reauth`.
    #[schema(value_type = Option<ObjectId>)]
    account: Option<String>,
    /// The customer a new link (`auth`) is for: an existing `id`, or a `name` and `email`.
    #[schema(value_type = Option<InitiateCustomer>)]
    customer: Option<Value>,
    redirect_url: Option<String>,
    meta: Option<InitiateMeta>,
}

/// What `customer` may hold: an existing `id`, or a new customer's `name` and `email`.
/// A schema only, written by hand: `initiate_link` reads the JSON itself, to refuse each
/// wrong value in its own words.
pub struct InitiateCustomer;

impl PartialSchema for InitiateCustomer {
    fn schema() -> RefOr<Schema> {
        let text =
            || ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]));
        let id = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(Ref::from_schema_name(ObjectId::name()));
        ObjectBuilder::new()
            .property("id", id)
            .property("name", text())
            .property("email", text())
            .into()
    }
}

impl ToSchema for InitiateCustomer {
    fn name() -> Cow<'static, str> {
        "InitiateCustomer".into()
    }
}

// The integrator's `meta`; only `ref` is read, and it must be a string (it is echoed in
// `data.meta.ref`, which Mono documents as one).
#[derive(Deserialize, ToSchema)]
pub struct InitiateMeta {
    /// The integrator's reference, echoed back (the account's own by default).
    #[serde(rename = "ref")]
    reference: Option<String>,
}

#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InitiateScope {
    /// A new link through the Connect widget.
    Auth,
    /// Re-authorise `account`.
    Reauth,
}

/// A re-auth (or, with `scope: auth`, a link) session whose `mono_url` opens the widget.
#[derive(Serialize, ToSchema)]
pub struct V2Initiated {
    mono_url: String,
    customer: ObjectId,
    /// The account re-authorised; absent for `auth` (it exists once the user links it).
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<ObjectId>,
    meta: InitiatedMeta,
    scope: InitiateScope,
    /// The account's bank; `null` for `auth` (the user chooses it in the widget).
    institution: Option<V2Institution>,
    auth_method: Option<AuthMethod>,
    redirect_url: Option<String>,
    created_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct InitiatedMeta {
    /// The integrator's reference (for `reauth`, the account's own by default).
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// `POST /v2/accounts/initiate`: a Connect session whose `mono_url` opens the simulated
/// widget. `scope: "reauth"` re-authorises `account` (a fresh token, like v1's
/// `/reauthorise`); `scope: "auth"` links a new account for `customer`.
#[utoipa::path(
    post,
    path = "/v2/accounts/initiate",
    tag = "v2",
    operation_id = "v2_initiate",
    summary = "A Connect widget session: re-authorise an account, or link a new one",
    request_body(content = InitiateRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = V2Envelope<V2Initiated>), (status = 409, description = "The account's bank asks for no MFA: it never needs re-authorisation", body = V2Error), (status = 404, description = "No such linked account", body = V2Error)),
    security(("mono-sec-key" = []))
)]
pub async fn initiate(
    State(shared): State<Arc<Shared>>,
    Tenant(state): Tenant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: InitiateRequest = json_body(&body)?;
    match request.scope.as_str() {
        "reauth" => {}
        "auth" => {
            let mut response = Json(initiate_link(&shared, &state, request)?).into_response();
            response.extensions_mut().insert(About {
                account: None,
                intent: Intent::Link,
            });
            return Ok(response);
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid `scope`: `{}`; use `auth` (a new link) or `reauth`",
                Echo(other)
            )))
        }
    }
    let id = request.account.clone().ok_or_else(|| {
        ApiError::bad_request("Invalid request body: `account` is required for scope `reauth`")
    })?;
    let parsed: ObjectId = id
        .parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid `account` `{}`: {e}", Echo(&id))))?;
    // The account is named in the body, so its simulated Mono is found here, not by path,
    // and the call — answered or refused — is logged there as a token request for it.
    let owner = state.tenants.for_account(&parsed);
    let state = ApiState::new_for(owner.clone(), &state);
    let mut response = match initiate_reauth(&state, &id, parsed, request).await {
        Ok(data) => Json(V2Envelope::new(&state, COMPLETED, data)).into_response(),
        Err(error) => error.into_response(),
    };
    response.extensions_mut().insert(Owner(owner));
    response.extensions_mut().insert(About {
        account: Some(parsed),
        intent: Intent::Token,
    });
    Ok(response)
}

/// `scope: "reauth"`: a fresh token for `account`, wrapped in a `mono_url`.
async fn initiate_reauth(
    state: &ApiState,
    id: &str,
    parsed: ObjectId,
    request: InitiateRequest,
) -> Result<V2Initiated, ApiError> {
    injected(state, Endpoint::Reauthorise, parsed).await?;
    let token = state.sim.issue_token(&parsed)?;
    let account = state.linked_account(id)?;
    let reference = request
        .meta
        .and_then(|m| m.reference)
        .unwrap_or_else(|| account.reference.to_string());
    Ok(V2Initiated {
        mono_url: widget_url(
            &state.base_url,
            &format!("link/{}", token.value),
            &[("redirect_url", request.redirect_url.as_deref())],
        ),
        customer: account.customer,
        account: Some(account.id),
        meta: InitiatedMeta {
            reference: Some(reference),
        },
        scope: InitiateScope::Reauth,
        institution: Some(V2Institution::of(&account)),
        auth_method: Some(account.auth_method),
        redirect_url: request.redirect_url,
        created_at: token.issued_at,
    })
}

/// `scope: "auth"`: a new link for `customer` (an existing `{"id"}` or a new
/// `{"name", "email"}`); the account exists once the user finishes in the widget.
fn initiate_link(
    shared: &Shared,
    state: &ApiState,
    request: InitiateRequest,
) -> Result<V2Envelope<V2Initiated>, ApiError> {
    let customer = match request.customer {
        Some(Value::Object(customer)) => customer,
        Some(_) => {
            return Err(ApiError::bad_request(
                "Invalid `customer`: expected an object, `{\"id\"}` or `{\"name\", \"email\"}`",
            ))
        }
        None => {
            return Err(ApiError::bad_request(
                "Invalid request body: `customer` is required for scope `auth`",
            ))
        }
    };
    let customer_id = match customer.get("id") {
        Some(Value::String(id)) => id
            .parse::<ObjectId>()
            .map_err(|e| ApiError::bad_request(format!("Invalid `customer.id` `{}`: {e}", Echo(id))))?,
        Some(_) => return Err(ApiError::bad_request("Invalid `customer.id`: expected a string")),
        None if customer.get("name").is_some_and(Value::is_string) => {
            // [inferred]: Mono creates the customer here; the simulator names one.
            state.world.new_event_id()
        }
        None => {
            return Err(ApiError::bad_request(
                "Invalid `customer`: give an existing `id`, or a `name` (and `email`) for a new customer",
            ))
        }
    };
    let reference = request.meta.and_then(|m| m.reference);
    let mono_url = widget_url(
        &state.base_url,
        "widget",
        &[
            ("key", Some(shared.public_key.as_str())),
            ("scope", Some("auth")),
            ("reference", reference.as_deref()),
            ("redirect_url", request.redirect_url.as_deref()),
        ],
    );
    let data = V2Initiated {
        mono_url,
        customer: customer_id,
        account: None,
        meta: InitiatedMeta { reference },
        scope: InitiateScope::Auth,
        institution: None,
        auth_method: None,
        redirect_url: request.redirect_url,
        created_at: state.sim.clock.now(),
    };
    Ok(V2Envelope::new(state, COMPLETED, data))
}

/// `{base}/{path}?name=value&…` with the values percent-encoded; absent values left out.
fn widget_url(base: &str, path: &str, query: &[(&str, Option<&str>)]) -> String {
    let mut url = format!("{base}/{path}");
    let mut separator = '?';
    for (name, value) in query {
        if let Some(value) = value {
            url.push(separator);
            url.push_str(name);
            url.push('=');
            url.push_str(&percent_encode(value));
            separator = '&';
        }
    }
    url
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
