//! Mono API v2: every body inside the envelope
//! `{"status":"successful","message":…,"timestamp":…,"data":…}`, snake_case fields, `id`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::listing;
use super::params::{Params, TransactionFilter};
use super::record::Owner;
use super::v1::{account_for_code, poll_statement, require_data, statement_data, Statement};
use crate::clock::Timestamp;
use crate::http::{ApiError, ApiState, Tenant};
use crate::world::{Account, InstitutionType, JobKind, ObjectId};
use serde::Serialize;

type Reply = Result<Response, ApiError>;

pub(super) const COMPLETED: &str = "Request was successfully completed";

/// Mono's v2 success envelope around `data`.
pub(super) fn envelope(state: &ApiState, message: &str, data: Value) -> Value {
    json!({
        "status": "successful",
        "message": message,
        "timestamp": state.world.now(),
        "data": data,
    })
}

fn reply(state: &ApiState, message: &str, data: Value) -> Reply {
    Ok(Json(envelope(state, message, data)).into_response())
}

/// Answers `{"id"}` both at the top level and inside the envelope: Mono's v2 docs show
/// both readings, and clients in the wild use either.
#[utoipa::path(
    post,
    path = "/v2/accounts/auth",
    tag = "v2",
    operation_id = "v2_account_auth",
    summary = "Exchange a Connect code for the account id",
    request_body(content = crate::openapi::schemas::CodeRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2AuthReply)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn exchange_code(Tenant(state): Tenant, body: Bytes) -> Reply {
    let (owner, account) = account_for_code(&state, &body)?;
    let mut body = envelope(&state, COMPLETED, json!({ "id": account.id }));
    body["id"] = json!(account.id);
    Ok(Owner(owner).answer(body))
}

/// `GET /v2/accounts/:id`, the hottest route: serialised straight from typed structs
/// (field order as Mono's) rather than through a `serde_json::Value` tree.
#[utoipa::path(
    get,
    path = "/v2/accounts/{id}",
    tag = "v2",
    operation_id = "v2_account_details",
    summary = "Account details",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2Details>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn details(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    let holder = account.summary();
    let institution = account.institution();
    let body = Envelope {
        status: "successful",
        message: COMPLETED,
        timestamp: state.world.now(),
        data: Details {
            account: DetailsAccount {
                id: account.id,
                name: &holder.full_name,
                currency: "NGN",
                kind: account.kind.as_str(),
                account_number: &holder.account_number,
                balance: account.shown_balance(),
                bvn: holder.masked_bvn(),
                institution: DetailsInstitution {
                    name: institution.name,
                    bank_code: institution.bank_code,
                    kind: institution.kind,
                },
            },
            customer: DetailsCustomer {
                id: account.customer,
            },
            meta: DetailsMeta {
                data_status: account.data_status.as_str(),
                auth_method: account.auth_method.as_str(),
                retrieved_data: account.data_status.retrieved_data(),
                reference: &account.reference,
            },
        },
    };
    Ok(Json(body).into_response())
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    status: &'static str,
    message: &'a str,
    timestamp: Timestamp,
    data: T,
}

#[derive(Serialize)]
struct Details<'a> {
    account: DetailsAccount<'a>,
    customer: DetailsCustomer,
    meta: DetailsMeta<'a>,
}

#[derive(Serialize)]
struct DetailsAccount<'a> {
    id: ObjectId,
    name: &'a str,
    currency: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    account_number: &'a str,
    balance: Option<i64>,
    bvn: &'a str,
    institution: DetailsInstitution,
}

#[derive(Serialize)]
struct DetailsInstitution {
    name: &'static str,
    bank_code: &'static str,
    #[serde(rename = "type")]
    kind: InstitutionType,
}

#[derive(Serialize)]
struct DetailsCustomer {
    id: ObjectId,
}

#[derive(Serialize)]
struct DetailsMeta<'a> {
    data_status: &'static str,
    auth_method: &'static str,
    retrieved_data: &'static [&'static str],
    #[serde(rename = "ref")]
    reference: &'a str,
}

/// True when the request asks for realtime data. Mono's docs spell the header both
/// `x-realtime` and `x-real-time`; both are honoured.
fn wants_realtime(headers: &HeaderMap) -> bool {
    ["x-realtime", "x-real-time"].iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    })
}

/// Adds `x-has-new-data`, `x-job-id`, `x-job-status` for a realtime request. The seeded
/// world's data is as fresh as the bank's, so the job finishes at once with no new data.
fn with_realtime_headers(
    state: &ApiState,
    account: &Account,
    data: &'static str,
    mut response: Response,
) -> Response {
    let job = state.world.realtime_job(account.id, data);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-has-new-data", "false");
    set("x-job-id", &job.id);
    set("x-job-status", "finished");
    response
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/transactions",
    tag = "v2",
    operation_id = "v2_transactions",
    summary = "Transactions, filtered and paged",
    params(crate::openapi::schemas::AccountPath, crate::openapi::schemas::TransactionQuery, ("x-realtime" = Option<String>, Header, description = "`true` (any case) asks for a realtime fetch; any other value does not. Also spelt x-real-time.", example = "true"), ("x-real-time" = Option<String>, Header, description = "Another spelling of x-realtime", example = "true")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Transactions, headers(("x-has-new-data" = String, description = "On realtime requests"), ("x-job-id" = String, description = "On realtime requests"), ("x-job-status" = String, description = "On realtime requests")))),
    security(("mono-sec-key" = []))
)]
pub(super) async fn transactions(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Reply {
    let account = state.linked_account(&id)?;
    let filter = TransactionFilter::from_params(&params)?;
    let path = format!("{}/v2/accounts/{id}/transactions", state.base_url);
    let page = listing::page(&account, &filter, &params, &path);
    let data: Vec<Value> = page
        .transactions
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "narration": t.narration,
                "amount": t.amount,
                "type": t.direction.as_str(),
                "balance": t.balance,
                "date": t.date,
                "category": t.category,
            })
        })
        .collect();
    let mut body = envelope(
        &state,
        "Transaction retrieved successfully",
        Value::Array(data),
    );
    body["meta"] = json!({
        "total": page.total,
        "page": page.page,
        "previous": page.previous,
        "next": page.next,
    });
    let response = Json(body).into_response();
    Ok(if wants_realtime(&headers) {
        with_realtime_headers(&state, &account, "transactions", response)
    } else {
        response
    })
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/identity",
    tag = "v2",
    operation_id = "v2_identity",
    summary = "The account holder's identity",
    params(crate::openapi::schemas::AccountPath),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2Identity>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn identity(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    require_data(&account, "identity")?;
    let holder = account.holder();
    reply(
        &state,
        COMPLETED,
        json!({
            "full_name": holder.full_name(),
            "bvn": holder.bvn,
            "email": holder.email,
            "phone": holder.phone,
            "gender": holder.gender.as_str().to_lowercase(),
            "dob": holder.dob,
            "address_line1": holder.address_line1,
            "state_of_origin": holder.state_of_origin,
            "lga_of_origin": holder.lga_of_origin,
            "marital_status": holder.marital_status,
            "created_at": account.linked_at,
            "updated_at": account.linked_at,
        }),
    )
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/balance",
    tag = "v2",
    operation_id = "v2_balance",
    summary = "The balance",
    params(crate::openapi::schemas::AccountPath, ("x-realtime" = Option<String>, Header, description = "`true` (any case) asks for a realtime fetch; any other value does not. Also spelt x-real-time.", example = "true"), ("x-real-time" = Option<String>, Header, description = "Another spelling of x-realtime", example = "true")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2Balance>, headers(("x-has-new-data" = String, description = "On realtime requests"), ("x-job-id" = String, description = "On realtime requests"), ("x-job-status" = String, description = "On realtime requests")))),
    security(("mono-sec-key" = []))
)]
pub(super) async fn balance(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let account = state.linked_account(&id)?;
    if !account.data_status.shows_balance() {
        require_data(&account, "balance")?;
    }
    let holder = account.summary();
    let response = reply(
        &state,
        COMPLETED,
        json!({
            "id": account.id,
            "name": holder.full_name,
            "account_number": holder.account_number,
            "balance": account.balance,
            "currency": "NGN",
        }),
    )?;
    Ok(if wants_realtime(&headers) {
        with_realtime_headers(&state, &account, "balance", response)
    } else {
        response
    })
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/statement",
    tag = "v2",
    operation_id = "v2_statement",
    summary = "A statement: JSON lines, or a PDF job to poll",
    params(crate::openapi::schemas::AccountPath, crate::openapi::schemas::StatementQuery),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2StatementData>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement(
    Tenant(state): Tenant,
    Path(id): Path<String>,
    params: Params,
) -> Reply {
    let account = state.linked_account(&id)?;
    match statement_data(&state, &account, &params)? {
        Statement::Lines(data) => reply(&state, "Successfully fetched statement", data),
        Statement::Job(job) => reply(&state, COMPLETED, job),
    }
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/statement/jobs/{job_id}",
    tag = "v2",
    operation_id = "v2_statement_job",
    summary = "Poll a PDF statement job",
    params(crate::openapi::schemas::AccountPath, ("job_id" = String, Path, description = "The job id.", example = "8EWRZ2vV1C3tmms8NBXy")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::StatementJob>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement_job(
    Tenant(state): Tenant,
    Path((id, job_id)): Path<(String, String)>,
) -> Reply {
    let job = poll_statement(&state, &id, &job_id)?;
    reply(&state, COMPLETED, job)
}

/// `GET /v2/accounts/:id/jobs/:job_id`: the status of a realtime job.
#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/jobs/{job_id}",
    tag = "v2",
    operation_id = "v2_job",
    summary = "The status of a realtime job",
    params(crate::openapi::schemas::AccountPath, ("job_id" = String, Path, description = "The job id.", example = "8EWRZ2vV1C3tmms8NBXy")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::V2Job>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn job(
    Tenant(state): Tenant,
    Path((id, job_id)): Path<(String, String)>,
) -> Reply {
    let account = state.linked_account(&id)?;
    let job = state
        .world
        .poll_job(&account.id, &job_id)
        .ok_or_else(|| ApiError::not_found(format!("No job `{job_id}` for this account")))?;
    let name = match job.kind {
        JobKind::Realtime { data: "balance" } => "jobs.accounts.sync_balance",
        JobKind::Realtime { .. } | JobKind::Statement { .. } => "jobs.accounts.sync_statement",
    };
    reply(
        &state,
        "Job execution completed",
        json!({
            "id": job.id,
            "status": "finished",
            "name": name,
            "account": account.id,
            "business": state.world.business(),
            "app": state.world.app(),
        }),
    )
}

#[utoipa::path(
    post,
    path = "/v2/accounts/{id}/unlink",
    tag = "v2",
    operation_id = "v2_unlink",
    summary = "Unlink the account",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000c01")),
    responses((status = 200, description = "OK", body = crate::openapi::schemas::V2Envelope<crate::openapi::schemas::Null>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn unlink(Tenant(state): Tenant, Path(id): Path<String>) -> Reply {
    let account = state.linked_account(&id)?;
    state.sim.unlink(&account.id)?;
    reply(&state, "Account unlinked successfully", Value::Null)
}
