//! Mono API v1: bare JSON bodies, camelCase account fields, `_id`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::listing;
use super::params::{statement_months, Params, TransactionFilter};
use super::record::Owner;
use super::{insights, statements};
use crate::http::{ApiError, ApiState, Tenant};
use crate::world::{institutions, Account, Direction, InstitutionType, JobKind};

type Reply = Result<Json<Value>, ApiError>;

#[derive(Deserialize)]
pub(super) struct CodeBody {
    code: String,
}

/// Reads a JSON body, naming what is wrong with it.
pub(super) fn json_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

/// The account a Connect code was issued for. Codes stay valid while the account is
/// linked [inferred: Mono documents neither a lifetime nor single use for them].
pub(super) fn account_for_code(
    state: &ApiState,
    body: &Bytes,
) -> Result<(Arc<crate::sim::Sim>, Account), ApiError> {
    let CodeBody { code } = json_body(body)?;
    if code.is_empty() {
        return Err(ApiError::bad_request(
            "Invalid request body: `code` is empty",
        ));
    }
    let sim = state.tenants.for_code(&code);
    sim.as_ref()
        .and_then(|sim| sim.world.account_for_code(&code))
        .filter(|a| a.is_linked())
        .and_then(|a| sim.map(|sim| (sim, a)))
        .ok_or_else(|| ApiError::bad_request(format!("Invalid or expired code `{code}`")))
}

#[utoipa::path(
    post,
    path = "/account/auth",
    tag = "v1",
    operation_id = "v1_account_auth",
    summary = "Exchange a Connect code for the account id",
    request_body(content = crate::openapi::schemas::CodeRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::AccountIdBody)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn exchange_code(
    Tenant(state): Tenant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (owner, account) = account_for_code(&state, &body)?;
    Ok(Owner(owner).answer(json!({ "id": account.id })))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}",
    tag = "v1",
    operation_id = "v1_account_details",
    summary = "Account details",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V1AccountDetails)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn details(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    let holder = account.summary();
    let institution = account.institution();
    Ok(Json(json!({
        "meta": {
            "data_status": account.data_status.as_str(),
            "auth_method": account.auth_method.as_str(),
        },
        "account": {
            "_id": account.id,
            "institution": {
                "name": institution.name,
                "bankCode": institution.bank_code,
                "type": institution.kind,
            },
            "name": holder.full_name,
            "accountNumber": holder.account_number,
            "type": account.kind.as_str(),
            "balance": account.shown_balance(),
            "currency": "NGN",
            "bvn": holder.masked_bvn(),
        },
    })))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/transactions",
    tag = "v1",
    operation_id = "v1_transactions",
    summary = "Transactions, filtered and paged",
    params(crate::openapi::schemas::AccountPath, crate::openapi::schemas::TransactionQuery),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V1Transactions)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn transactions(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    params: Params,
) -> Reply {
    let account = state.linked_account(&id)?;
    let filter = TransactionFilter::from_params(&params)?;
    let path = format!("{}/accounts/{id}/transactions", state.base_url);
    let page = listing::page(&account, &filter, &params, &path);
    let data: Vec<Value> = page
        .transactions
        .iter()
        .map(|t| {
            json!({
                "_id": t.id,
                "type": t.direction.as_str(),
                "amount": t.amount,
                "narration": t.narration,
                "date": t.date,
                "balance": t.balance,
                "currency": "NGN",
                "category": t.category,
            })
        })
        .collect();
    Ok(Json(json!({
        "paging": {
            "total": page.total,
            "page": page.page,
            "previous": page.previous,
            "next": page.next,
        },
        "data": data,
    })))
}

/// Refuses data Mono did not retrieve, rather than inventing it [inferred wording].
pub(super) fn require_data(account: &Account, data: &str) -> Result<(), ApiError> {
    if account.data_status.has(data) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "No {data} data is available for this account (data_status {})",
            account.data_status.as_str()
        )))
    }
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/identity",
    tag = "v1",
    operation_id = "v1_identity",
    summary = "The account holder's identity",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V1Identity)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn identity(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    require_data(&account, "identity")?;
    let holder = account.holder();
    Ok(Json(json!({
        "fullName": holder.full_name(),
        "email": holder.email,
        "phone": holder.phone,
        "gender": holder.gender.as_str(),
        "dob": holder.dob,
        "bvn": holder.bvn,
        "maritalStatus": holder.marital_status,
        "addressLine1": holder.address_line1,
        "addressLine2": holder.address_line2,
    })))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/statement",
    tag = "v1",
    operation_id = "v1_statement",
    summary = "A statement: JSON lines, or a PDF job to poll",
    params(crate::openapi::schemas::AccountPath, crate::openapi::schemas::StatementQuery),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V1StatementReply)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    params: Params,
) -> Reply {
    let account = state.linked_account(&id)?;
    Ok(Json(match statement_data(&state, &account, &params)? {
        // As in Mono's statement guide, the JSON statement carries a status and message.
        Statement::Lines(data) => json!({
            "status": "successful",
            "message": "Successfully fetched statement",
            "data": data,
        }),
        Statement::Job(job) => job,
    }))
}

pub(super) enum Statement {
    Lines(Value),
    Job(Value),
}

/// A JSON statement, or a PDF job when `output=pdf`; shared with v2.
pub(super) fn statement_data(
    state: &ApiState,
    account: &Account,
    params: &Params,
) -> Result<Statement, ApiError> {
    let months = statement_months(params)?;
    match params.get("output").unwrap_or("json") {
        "json" => {
            require_data(account, "transactions")?;
            let now = state.world.now();
            Ok(Statement::Lines(statements::json_body(
                account, months, now,
            )))
        }
        "pdf" => {
            require_data(account, "transactions")?;
            let job = state
                .world
                .start_job(account.id, JobKind::Statement { months });
            Ok(Statement::Job(statements::job_body(&job, &state.base_url)))
        }
        other => Err(ApiError::bad_request(format!(
            "Invalid `output`: `{other}`; use `json` or `pdf`"
        ))),
    }
}

/// Polls a PDF statement job of the account; shared with v2.
pub(super) fn poll_statement(state: &ApiState, id: &str, job_id: &str) -> Result<Value, ApiError> {
    let account = state.linked_account(id)?;
    let job = state
        .world
        .poll_job(&account.id, job_id)
        .filter(|j| matches!(j.kind, JobKind::Statement { .. }))
        .ok_or_else(|| {
            ApiError::not_found(format!("No statement job `{job_id}` for this account"))
        })?;
    Ok(statements::job_body(&job, &state.base_url))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/statement/jobs/{job_id}",
    tag = "v1",
    operation_id = "v1_statement_job",
    summary = "Poll a PDF statement job",
    params(crate::openapi::schemas::AccountPath, ("job_id" = String, Path, description = "The job id.", example = "8EWRZ2vV1C3tmms8NBXy")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::StatementJob)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement_job(
    Tenant(state): Tenant,
    Path((id, job_id)): Path<(String, String)>,
) -> Reply {
    Ok(Json(poll_statement(&state, &id, &job_id)?))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/income",
    tag = "v1",
    operation_id = "v1_income",
    summary = "Income, from what the history labels salary",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Income)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn income(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(insights::income(&account)))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/credits",
    tag = "v1",
    operation_id = "v1_credits",
    summary = "Credits by month",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Flow)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn credits(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(insights::flow(&account, Direction::Credit)))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/debits",
    tag = "v1",
    operation_id = "v1_debits",
    summary = "Debits by month",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::Flow)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn debits(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(insights::flow(&account, Direction::Debit)))
}

#[utoipa::path(
    post,
    path = "/accounts/{id}/unlink",
    tag = "v1",
    operation_id = "v1_unlink",
    summary = "Unlink the account",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000b01")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::MessageBody)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn unlink(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    state.sim.unlink(&account.id)?;
    // [inferred] wording: Mono documents only that the answer is OK.
    Ok(Json(json!({ "message": "Account unlinked successfully" })))
}

/// `GET /coverage`: the institutions one can link, in the shape of Mono's coverage list.
#[utoipa::path(
    get,
    path = "/coverage",
    tag = "v1",
    operation_id = "v1_coverage",
    summary = "The institutions one can link",
    responses((status = 200, description = "OK", body = Vec<crate::openapi::schemas::CoverageEntry>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn coverage() -> Json<Value> {
    let list: Vec<Value> = institutions::CATALOGUE
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "icon": null,
                "coverage": {
                    "countries": ["NG"],
                    "business": i.kind == InstitutionType::BusinessBanking,
                    "personal": i.kind == InstitutionType::PersonalBanking,
                },
                "products": ["Auth", "Accounts", "Transactions", "Balance", "Income", "Identity"],
                "website": null,
            })
        })
        .collect();
    Json(Value::Array(list))
}
