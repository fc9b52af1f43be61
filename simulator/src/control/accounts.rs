//! Control of accounts: create, link, expire the bank session, re-authenticate, sync, unlink.

use std::sync::Arc;

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::protocol::{account_id, body, duration, refused};
use crate::clock::{DurationText, Timestamp};
use crate::echo::{quoted, Echo};
use crate::http::{AccountPath, ApiError, ApiState, V1Error};
use crate::lifecycle::{LinkOptions, MfaAnswer, ReauthOutcome, SyncResult};
use crate::world::{
    institutions, AccountKind, AccountSpec, AuthMethod, DataStatus, Dialect, Mfa, ObjectId, Stage,
    WorldError, TOKEN_LIFETIME,
};

/// `POST /_sim/accounts`: every field optional; the world's seed fills in the rest.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    id: Option<ObjectId>,
    /// An institution slug, e.g. `gtbank`.
    #[schema(example = "gtbank")]
    institution: Option<String>,
    auth_method: Option<AuthMethod>,
    mfa: Option<Mfa>,
    #[serde(rename = "type")]
    kind: Option<AccountKind>,
    /// Kobo, at most ±10^15.
    #[schema(minimum = -1_000_000_000_000_000i64, maximum = 1_000_000_000_000_000i64)]
    balance: Option<i64>,
    #[schema(maximum = 20_000)]
    transactions: Option<u32>,
    name: Option<String>,
    code: Option<String>,
    reference: Option<String>,
    #[schema(value_type = Option<SyncEvery>)]
    sync_every_hours: Option<u8>,
    /// `legacy` or `current`.
    #[schema(value_type = Option<Dialect>)]
    dialect: Option<String>,
    /// Link at once (default `true`), firing `account_connected` then `account_updated`.
    link: Option<bool>,
    /// The data status once the data is in.
    data_status: Option<DataStatus>,
    /// How long until then (`1s` by default).
    #[schema(value_type = Option<DurationText>)]
    data_delay: Option<String>,
}

/// Hours between automatic syncs: 6, 12 or 24. A schema only: the world checks the number
/// (`sync_every_hours` is read as any `u8`, so that a wrong one is refused in its words).
pub struct SyncEvery;

impl PartialSchema for SyncEvery {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some([6, 12, 24]))
            .into()
    }
}

impl ToSchema for SyncEvery {
    fn name() -> Cow<'static, str> {
        "SyncEvery".into()
    }
}

/// `POST /_sim/accounts/{id}/link`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    data_status: Option<DataStatus>,
    #[schema(value_type = Option<DurationText>)]
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
    request_body(content = Option<NewAccount>, content_type = "application/json"),
    responses((status = 201, description = "Created", body = SimAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn create(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<SimAccount>), ApiError> {
    let new: NewAccount = body(&bytes)?;
    let institution = new
        .institution
        .as_deref()
        .map(|name| {
            institutions::find(name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid `institution`: unknown `{}`; expected one of: {}",
                    Echo(name),
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

/// An account as the control API shows it.
#[derive(Serialize, ToSchema)]
pub struct SimAccount {
    id: ObjectId,
    customer: ObjectId,
    /// The institution's slug.
    #[schema(value_type = String)]
    institution: &'static str,
    mfa: Mfa,
    auth_method: AuthMethod,
    stage: Stage,
    data_status: DataStatus,
    session_expired: bool,
    #[schema(value_type = String)]
    code: Arc<str>,
    #[schema(value_type = String)]
    reference: Arc<str>,
    dialect: Dialect,
    balance: i64,
    transactions: u32,
    token: Option<SimToken>,
}

#[derive(Serialize, ToSchema)]
pub struct SimToken {
    value: String,
    issued_at: Timestamp,
    /// When it stops working: Mono's tokens last 10 minutes.
    expires_at: Timestamp,
    used: bool,
    expired: bool,
}

/// The account as the control API shows it: identity, lifecycle stage, token.
fn describe(state: &ApiState, id: &ObjectId) -> Result<SimAccount, ApiError> {
    let account = state
        .world
        .account(id)
        .ok_or_else(|| ApiError::not_found(format!("No account {id}")))?;
    let now = state.sim.clock.now();
    Ok(SimAccount {
        id: account.id,
        customer: account.customer,
        institution: account.institution().slug,
        mfa: account.mfa,
        auth_method: account.auth_method,
        stage: account.stage,
        data_status: account.data_status,
        session_expired: account.session_expired,
        code: account.code.clone(),
        reference: account.reference.clone(),
        dialect: account.dialect,
        balance: account.balance,
        transactions: account.transaction_count,
        token: account.token.as_ref().map(|t| SimToken {
            value: t.value.clone(),
            issued_at: t.issued_at,
            expires_at: t.issued_at.plus(TOKEN_LIFETIME),
            used: t.used,
            expired: t.expired_at(now),
        }),
    })
}

/// `GET /_sim/accounts?q=…&limit=…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// Only accounts whose id, institution, code, reference, stage or data status contains
    /// this (case-insensitive).
    q: Option<String>,
    /// At most this many (100 by default, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SimAccounts {
    /// The matching accounts, in creation order, at most `limit` of them.
    accounts: Vec<SimAccount>,
    /// How many accounts match in all.
    #[schema(value_type = u64)]
    matching: usize,
}

/// The most accounts one listing returns: a page a person can read, and a bounded answer
/// from a world of a million.
const MAX_LISTED: usize = 1_000;

#[utoipa::path(
    get,
    path = "/_sim/accounts",
    tag = "control",
    operation_id = "sim_list_accounts",
    summary = "The accounts and their lifecycle state, searchable",
    params(AccountQuery),
    responses((status = 200, description = "OK", body = SimAccounts), (status = 400, description = "A bad query", body = V1Error))
)]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Result<Json<SimAccounts>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::bad_request(format!("Invalid query: {}", quoted(&e.to_string()))))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "Invalid `limit`: {limit} is not between 1 and {MAX_LISTED}"
        )));
    }
    let needle = query.q.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    // Without a search only the first `limit` accounts are built: the console asks every
    // second, and a world may hold a million.
    if needle.is_empty() {
        let accounts = state
            .world
            .accounts(limit)
            .iter()
            .filter_map(|account| describe(&state, &account.id).ok())
            .collect();
        return Ok(Json(SimAccounts {
            accounts,
            matching: state.world.account_count(),
        }));
    }
    let mut accounts = Vec::new();
    let mut matching = 0;
    for id in state.world.ids() {
        let Ok(account) = describe(&state, &id) else {
            continue;
        };
        if !account.matches(&needle) {
            continue;
        }
        matching += 1;
        if accounts.len() < limit {
            accounts.push(account);
        }
    }
    Ok(Json(SimAccounts { accounts, matching }))
}

impl SimAccount {
    /// Whether `needle` (lowercase) is in what a person searches an account by.
    fn matches(&self, needle: &str) -> bool {
        let text = |value: serde_json::Value| value.as_str().unwrap_or("").to_ascii_lowercase();
        [
            self.id.to_string(),
            self.institution.to_string(),
            self.code.to_ascii_lowercase(),
            self.reference.to_ascii_lowercase(),
            text(serde_json::to_value(self.stage).unwrap_or_default()),
            text(serde_json::to_value(self.data_status).unwrap_or_default()),
        ]
        .iter()
        .any(|field| field.contains(needle))
    }
}

/// An event fired, and the account as it is now.
#[derive(Serialize, ToSchema)]
pub struct EventAndAccount {
    event_id: String,
    account: SimAccount,
}

#[derive(Serialize, ToSchema)]
pub struct ReauthAndAccount {
    result: ReauthOutcome,
    account: SimAccount,
}

#[derive(Serialize, ToSchema)]
pub struct SyncAndAccount {
    result: SyncResult,
    account: SimAccount,
}

#[utoipa::path(
    get,
    path = "/_sim/accounts/{id}",
    tag = "control",
    operation_id = "sim_show_account",
    summary = "An account's lifecycle state",
    params(AccountPath),
    responses((status = 200, description = "OK", body = SimAccount))
)]
pub async fn show(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Result<Json<SimAccount>, ApiError> {
    Ok(Json(describe(&state, &account_id(&id)?)?))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/link",
    tag = "control",
    operation_id = "sim_link_account",
    summary = "Link a pending or unlinked account",
    params(AccountPath),
    request_body(content = Option<LinkRequest>, content_type = "application/json"),
    responses((status = 200, description = "OK", body = SimAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn link(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
    bytes: Bytes,
) -> Result<Json<SimAccount>, ApiError> {
    let id = account_id(&id)?;
    let request: LinkRequest = body(&bytes)?;
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
    params(AccountPath),
    responses((status = 200, description = "OK", body = EventAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn expire_session(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Result<Json<EventAndAccount>, ApiError> {
    let id = account_id(&id)?;
    let event_id = state.sim.expire_session(&id).map_err(refused)?;
    Ok(Json(EventAndAccount {
        event_id,
        account: describe(&state, &id)?,
    }))
}

/// `POST /_sim/accounts/{id}/reauth`: what the user does in the widget.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    mfa: MfaAnswer,
    /// The token the widget was opened with; the latest issued when absent.
    token: Option<String>,
    /// With `correct`: the data status the data fetched afterwards ends in, which its
    /// `account_updated` reports (the account's own when absent).
    data_status: Option<DataStatus>,
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/reauth",
    tag = "control",
    operation_id = "sim_reauth",
    summary = "The user answers the MFA challenge in the widget",
    params(AccountPath),
    request_body(content = ReauthRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = ReauthAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn reauth(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
    bytes: Bytes,
) -> Result<Json<ReauthAndAccount>, ApiError> {
    let id = account_id(&id)?;
    let request: ReauthRequest = body(&bytes)?;
    let token = match request.token {
        Some(token) => token,
        None => state.sim.latest_token(&id).map_err(refused)?,
    };
    let outcome = state
        .sim
        .reauthorise_with(&token, request.mfa, request.data_status)
        .map_err(refused)?;
    Ok(Json(ReauthAndAccount {
        result: outcome,
        account: describe(&state, &id)?,
    }))
}

/// `POST /_sim/accounts/{id}/bank-balance`: the money at the bank changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankBalance {
    /// Kobo, at most ±10^15.
    #[schema(minimum = -1_000_000_000_000_000i64, maximum = 1_000_000_000_000_000i64)]
    balance: i64,
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/bank-balance",
    tag = "control",
    operation_id = "sim_bank_balance",
    summary = "The balance changes at the bank; Mono shows it from its next retrieval (a successful sync, or the data after a re-authorisation)",
    params(AccountPath),
    request_body(content = BankBalance, content_type = "application/json"),
    responses((status = 200, description = "OK", body = SimAccount), (status = 400, description = "A balance beyond what the simulator models", body = V1Error), (status = 409, description = "A negative balance on an account that cannot be overdrawn (only a CURRENT_ACCOUNT can)", body = V1Error))
)]
pub async fn bank_balance(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
    bytes: Bytes,
) -> Result<Json<SimAccount>, ApiError> {
    let id = account_id(&id)?;
    let request: BankBalance = body(&bytes)?;
    describe(&state, &id)?;
    state
        .world
        .set_bank_balance(&id, request.balance)
        .map_err(|e| match e {
            // A valid number the account's type cannot hold: the account is in the way,
            // not the request.
            WorldError::NegativeBalance { .. } => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            _ => ApiError::bad_request(e.to_string()),
        })?;
    Ok(Json(describe(&state, &id)?))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/auto-sync",
    tag = "control",
    operation_id = "sim_auto_sync",
    summary = "Run an automatic sync now",
    params(AccountPath),
    responses((status = 200, description = "OK", body = SyncAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn auto_sync(
    State(state): State<Arc<ApiState>>,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Result<Json<SyncAndAccount>, ApiError> {
    let id = account_id(&id)?;
    let result = state.sim.auto_sync_now(&id).map_err(refused)?;
    Ok(Json(SyncAndAccount {
        result,
        account: describe(&state, &id)?,
    }))
}

#[utoipa::path(
    post,
    path = "/_sim/accounts/{id}/unlink",
    tag = "control",
    operation_id = "sim_unlink",
    summary = "Unlink the account (fires account_unlinked)",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000b01")),
    responses((status = 200, description = "OK", body = EventAndAccount), (status = 409, description = "The account is not in a stage that allows this; the message says how to get it there", body = V1Error))
)]
pub async fn unlink(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> Result<Json<EventAndAccount>, ApiError> {
    let id = account_id(&id)?;
    let event_id = state.sim.unlink(&id).map_err(refused)?;
    Ok(Json(EventAndAccount {
        event_id,
        account: describe(&state, &id)?,
    }))
}
