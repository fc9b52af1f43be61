//! Mono API v2: every body inside the envelope
//! `{"status":"successful","message":…,"timestamp":…,"data":…}` ([`V2Envelope`]),
//! snake_case fields, `id`.
//!
//! Each handler returns the type that documents its answer: the OpenAPI document describes
//! what is serialised, field by field, because it is derived from the same struct.

use std::sync::{Arc, LazyLock};

use super::json::{self, Handwritten, Json, Listing, WriteJson};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{account_for_code, require_data, AccountIdBody, CodeRequest, JobPath};
use super::envelope::{self, SuccessfulStatus, V2Envelope, COMPLETED};
use super::listing::{self, Data, Paging, Written};
use super::params::{Params, TransactionFilter};
use super::record::{About, Owner};
use super::statements::{self, Statement, StatementData, StatementJob, StatementQuery};
use crate::clock::Timestamp;
use crate::echo::Echo;
use crate::http::{AccountPath, ApiError, ApiState, Null, Tenant};
use crate::request_log::Intent;
use crate::world::{
    Account, AccountKind, AuthMethod, DataStatus, Direction, InstitutionType, JobKind, JobStatus,
    ObjectId, RealtimeData, Transaction,
};

type Reply<T> = Result<Json<V2Envelope<T>>, ApiError>;

/// `data` in the v2 envelope, under `message`.
fn reply<T>(state: &ApiState, message: &'static str, data: T) -> Reply<T> {
    Ok(Json(V2Envelope::new(state, message, data)))
}

/// `POST /v2/accounts/auth`: the id both inside the envelope and at the top level, as
/// Mono's docs show both.
#[derive(Serialize, ToSchema)]
pub struct V2AuthReply {
    status: SuccessfulStatus,
    #[schema(value_type = String)]
    message: &'static str,
    timestamp: Timestamp,
    data: AccountIdBody,
    id: ObjectId,
}

/// Answers `{"id"}` both at the top level and inside the envelope: Mono's v2 docs show
/// both readings, and clients in the wild use either.
#[utoipa::path(
    post,
    path = "/v2/accounts/auth",
    tag = "v2",
    operation_id = "v2_account_auth",
    summary = "Exchange a Connect code for the account id",
    request_body(content = CodeRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = V2AuthReply)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn exchange_code(
    Tenant(state): Tenant,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (owner, account) = account_for_code(&state, &body)?;
    // A link, about the account the code was issued for.
    let about = About {
        account: Some(account.id),
        intent: Intent::Link,
    };
    Ok(Owner(owner).answer_about(
        about,
        V2AuthReply {
            status: SuccessfulStatus::Successful,
            message: COMPLETED,
            timestamp: state.world.now(),
            data: AccountIdBody { id: account.id },
            id: account.id,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct V2Details {
    account: V2Account,
    customer: V2Customer,
    meta: V2DetailsMeta,
}

#[derive(Serialize, ToSchema)]
pub struct V2Account {
    id: ObjectId,
    #[schema(value_type = String)]
    name: Arc<str>,
    #[schema(value_type = String)]
    currency: &'static str,
    #[serde(rename = "type")]
    kind: AccountKind,
    #[schema(value_type = String)]
    account_number: Arc<str>,
    /// Kobo; `null` until the balance is retrieved.
    balance: Option<i64>,
    /// The last four digits of the holder's BVN.
    bvn: String,
    institution: V2Institution,
}

// An institution as v2 shows it: in an account's details, and in `initiate`'s answer.
#[derive(Serialize, ToSchema)]
pub struct V2Institution {
    #[schema(value_type = String)]
    name: &'static str,
    #[schema(value_type = String)]
    bank_code: &'static str,
    #[serde(rename = "type")]
    kind: InstitutionType,
}

impl V2Institution {
    pub fn of(account: &Account) -> V2Institution {
        let institution = account.institution();
        V2Institution {
            name: institution.name,
            bank_code: institution.bank_code,
            kind: institution.kind,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct V2Customer {
    id: ObjectId,
}

#[derive(Serialize, ToSchema)]
pub struct V2DetailsMeta {
    data_status: DataStatus,
    auth_method: AuthMethod,
    /// What Mono retrieved from the bank: `identity`, `balance`, `transactions`.
    #[schema(value_type = Vec<String>)]
    retrieved_data: &'static [&'static str],
    #[serde(rename = "ref")]
    #[schema(value_type = String)]
    reference: Arc<str>,
}

/// Written field by field (see [`WriteJson`]); `the_details_are_written_as_serde_writes_them`
/// compares it with serde_json for every kind of value.
impl WriteJson for V2Details {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), json::Error> {
        let V2Details {
            account,
            customer,
            meta,
        } = self;
        let V2Account {
            id,
            name,
            currency,
            kind,
            account_number,
            balance,
            bvn,
            institution,
        } = account;
        let V2Institution {
            name: institution_name,
            bank_code,
            kind: institution_kind,
        } = institution;
        let V2DetailsMeta {
            data_status,
            auth_method,
            retrieved_data,
            reference,
        } = meta;
        out.extend_from_slice(br#"{"account":{"id":"#);
        write_id(out, id);
        out.extend_from_slice(br#","name":"#);
        json::string(out, name);
        out.extend_from_slice(br#","currency":"#);
        json::string(out, currency);
        out.extend_from_slice(br#","type":"#);
        json::value(out, kind)?;
        out.extend_from_slice(br#","account_number":"#);
        json::string(out, account_number);
        out.extend_from_slice(br#","balance":"#);
        json::value(out, balance)?;
        out.extend_from_slice(br#","bvn":"#);
        json::string(out, bvn);
        out.extend_from_slice(br#","institution":{"name":"#);
        json::string(out, institution_name);
        out.extend_from_slice(br#","bank_code":"#);
        json::string(out, bank_code);
        out.extend_from_slice(br#","type":"#);
        json::value(out, institution_kind)?;
        out.extend_from_slice(br#"}},"customer":{"id":"#);
        write_id(out, &customer.id);
        out.extend_from_slice(br#"},"meta":{"data_status":"#);
        json::value(out, data_status)?;
        out.extend_from_slice(br#","auth_method":"#);
        json::value(out, auth_method)?;
        out.extend_from_slice(br#","retrieved_data":"#);
        json::strings(out, retrieved_data);
        out.extend_from_slice(br#","ref":"#);
        json::string(out, reference);
        out.extend_from_slice(b"}}");
        Ok(())
    }
}

/// An id as a JSON string: hex digits need neither a check nor escaping.
fn write_id(out: &mut Vec<u8>, id: &ObjectId) {
    out.push(b'"');
    out.extend_from_slice(&id.hex());
    out.push(b'"');
}

/// `GET /v2/accounts/:id`, the hottest route: like every route here, serialised straight
/// from typed structs (field order as Mono's), never through a `serde_json::Value` tree;
/// its answer writes itself ([`WriteJson`]).
#[utoipa::path(
    get,
    path = "/v2/accounts/{id}",
    tag = "v2",
    operation_id = "v2_account_details",
    summary = "Account details",
    params(AccountPath),
    responses((status = 200, description = "OK", body = V2Envelope<V2Details>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn details(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Result<Handwritten<V2Envelope<V2Details>>, ApiError> {
    details_of(&state, &id)
}

/// The details of account `id`: the route's answer, made without waiting for anything, so
/// the hot read answers it on the spot (`api/reads.rs`).
pub(super) fn details_of(
    state: &ApiState,
    id: &str,
) -> Result<Handwritten<V2Envelope<V2Details>>, ApiError> {
    let account = state.linked_account(id)?;
    let holder = account.summary();
    let details = V2Details {
        account: V2Account {
            id: account.id,
            bvn: holder.masked_bvn().to_string(),
            name: holder.full_name,
            currency: "NGN",
            kind: account.kind,
            account_number: holder.account_number,
            balance: account.shown_balance(),
            institution: V2Institution::of(&account),
        },
        customer: V2Customer {
            id: account.customer,
        },
        meta: V2DetailsMeta {
            data_status: account.data_status,
            auth_method: account.auth_method,
            retrieved_data: account.data_status.retrieved_data(),
            reference: account.reference.clone(),
        },
    };
    Ok(Handwritten(V2Envelope::new(state, COMPLETED, details)))
}

/// True when the request asks for realtime data. Mono's docs spell the header both
/// `x-realtime` and `x-real-time`; both are honoured, each by its first value, as
/// `HeaderMap::get` reads it. A request has a handful of headers, so they are walked
/// rather than looked up: a lookup hashes the name, and two of them cost about 400
/// instructions of every page (bench/RESULTS.md).
fn wants_realtime(headers: &HeaderMap) -> bool {
    const SPELLINGS: [HeaderName; 2] = [
        HeaderName::from_static("x-realtime"),
        HeaderName::from_static("x-real-time"),
    ];
    SPELLINGS.iter().any(|spelling| {
        headers
            .iter()
            .find(|(name, _)| *name == spelling)
            .is_some_and(|(_, value)| value.as_bytes().eq_ignore_ascii_case(b"true"))
    })
}

/// Starts the realtime job a request asks for (none without `x-realtime: true`) and returns
/// its headers, before the body is built: a job that takes no time has already retrieved
/// the bank's data, which the body then shows. See [`crate::jobs`] for the states.
fn realtime_job(
    state: &ApiState,
    account: Account,
    data: RealtimeData,
    request: &HeaderMap,
) -> Result<(HeaderMap, Account), ApiError> {
    let mut headers = HeaderMap::new();
    if !wants_realtime(request) {
        return Ok((headers, account));
    }
    let job = state
        .sim
        .start_realtime_job(&account.id, data)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("x-job-id", &job.id);
    set("x-job-status", job.status.as_str());
    // [inferred] Whether there is new data is known once the job has fetched: not while
    // it is processing.
    match job.status {
        JobStatus::Processing => {}
        JobStatus::Finished => set(
            "x-has-new-data",
            if job.has_new_data { "true" } else { "false" },
        ),
        JobStatus::Failed => set("x-has-new-data", "false"),
    }
    if job.reauth_required {
        set("x-reauth-required", "true");
    }
    let account = state.world.account(&account.id).unwrap_or(account);
    Ok((headers, account))
}

// A page of transactions: the envelope, with the paging beside `data` as `meta`.
#[derive(Serialize, ToSchema)]
pub struct V2Transactions {
    status: SuccessfulStatus,
    #[schema(value_type = String)]
    message: &'static str,
    timestamp: Timestamp,
    #[schema(value_type = Vec<V2Transaction>)]
    data: Data<V2Transaction>,
    meta: Paging,
}

/// Written field by field (see [`WriteJson`]), its list spliced or by serde.
impl WriteJson for V2Transactions {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), json::Error> {
        let V2Transactions {
            status,
            message,
            timestamp,
            data,
            meta,
        } = self;
        envelope::write_head(out, status, message, timestamp)?;
        out.extend_from_slice(br#","data":"#);
        json::value(out, data)?;
        out.extend_from_slice(br#","meta":"#);
        meta.write_json(out)?;
        out.push(b'}');
        Ok(())
    }
}

#[derive(Serialize, ToSchema)]
pub struct V2Transaction {
    id: ObjectId,
    narration: String,
    amount: i64,
    #[serde(rename = "type")]
    direction: Direction,
    balance: i64,
    date: Timestamp,
    #[schema(value_type = String)]
    category: &'static str,
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/transactions",
    tag = "v2",
    operation_id = "v2_transactions",
    summary = "Transactions, filtered and paged",
    params(AccountPath, TransactionFilter, ("x-realtime" = Option<String>, Header, description = "`true` (any case) asks for a realtime fetch; any other value does not. Also spelt x-real-time.", example = "true"), ("x-real-time" = Option<String>, Header, description = "Another spelling of x-realtime", example = "true")),
    responses((status = 200, description = "OK", body = V2Transactions, headers(("x-job-id" = String, description = "On realtime requests: the job this request started (a new one each time)"), ("x-job-status" = String, description = "On realtime requests: `processing` while the job fetches from the bank, then `finished` or `failed`; `mono.accounts.jobs.update` says when it ends"), ("x-has-new-data" = String, description = "On realtime requests whose job has ended: `true` when the bank had data Mono had not retrieved"), ("x-reauth-required" = String, description = "`true` on a realtime request whose job failed because the account needs re-authorisation")))),
    security(("mono-sec-key" = []))
)]
pub(super) async fn transactions(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    headers: HeaderMap,
    params: Params,
) -> Result<(HeaderMap, Listing<V2Transactions>), ApiError> {
    transactions_of(&state, &id, &headers, &params)
}

/// A page of account `id`'s transactions: the route's answer, made without waiting for
/// anything, so the hot read answers it on the spot (`api/reads.rs`).
pub(super) fn transactions_of(
    state: &ApiState,
    id: &str,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(HeaderMap, Listing<V2Transactions>), ApiError> {
    let account = state.linked_account(id)?;
    let filter = TransactionFilter::from_params(params)?;
    let (realtime, account) = realtime_job(state, account, RealtimeData::Transactions, headers)?;
    let link = params.page_link(&[&state.base_url, "/v2/accounts/", id, "/transactions"]);
    let page = listing::page(&account, &filter, link);
    static WRITTEN: LazyLock<Written> = LazyLock::new(Written::shared);
    let data = page.transactions.data(&WRITTEN, V2Transaction::from);
    let list_bytes = data.bytes();
    let body = V2Transactions {
        status: SuccessfulStatus::Successful,
        message: "Transaction retrieved successfully",
        timestamp: state.world.now(),
        data,
        meta: page.paging,
    };
    Ok((realtime, Listing { body, list_bytes }))
}

impl From<Transaction> for V2Transaction {
    fn from(t: Transaction) -> V2Transaction {
        V2Transaction {
            id: t.id,
            narration: t.narration,
            amount: t.amount,
            direction: t.direction,
            balance: t.balance,
            date: t.date,
            category: t.category,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct V2Identity {
    full_name: String,
    bvn: String,
    email: String,
    phone: String,
    /// `male` or `female`.
    gender: String,
    dob: String,
    address_line1: String,
    #[schema(value_type = String)]
    state_of_origin: &'static str,
    #[schema(value_type = String)]
    lga_of_origin: &'static str,
    #[schema(value_type = String)]
    marital_status: &'static str,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/identity",
    tag = "v2",
    operation_id = "v2_identity",
    summary = "The account holder's identity",
    params(AccountPath),
    responses((status = 200, description = "OK", body = V2Envelope<V2Identity>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn identity(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<V2Identity> {
    let account = state.linked_account(&id)?;
    require_data(&account, "identity")?;
    let holder = account.holder();
    let identity = V2Identity {
        full_name: holder.full_name(),
        bvn: holder.bvn,
        email: holder.email,
        phone: holder.phone,
        gender: holder.gender.as_str().to_lowercase(),
        dob: holder.dob,
        address_line1: holder.address_line1,
        state_of_origin: holder.state_of_origin,
        lga_of_origin: holder.lga_of_origin,
        marital_status: holder.marital_status,
        created_at: account.linked_at,
        updated_at: account.linked_at,
    };
    reply(&state, COMPLETED, identity)
}

#[derive(Serialize, ToSchema)]
pub struct V2Balance {
    id: ObjectId,
    #[schema(value_type = String)]
    name: Arc<str>,
    #[schema(value_type = String)]
    account_number: Arc<str>,
    /// Kobo.
    balance: i64,
    #[schema(value_type = String)]
    currency: &'static str,
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/balance",
    tag = "v2",
    operation_id = "v2_balance",
    summary = "The balance",
    params(AccountPath, ("x-realtime" = Option<String>, Header, description = "`true` (any case) asks for a realtime fetch; any other value does not. Also spelt x-real-time.", example = "true"), ("x-real-time" = Option<String>, Header, description = "Another spelling of x-realtime", example = "true")),
    responses((status = 200, description = "OK", body = V2Envelope<V2Balance>, headers(("x-job-id" = String, description = "On realtime requests: the job this request started (a new one each time)"), ("x-job-status" = String, description = "On realtime requests: `processing` while the job fetches from the bank, then `finished` or `failed`; `mono.accounts.jobs.update` says when it ends"), ("x-has-new-data" = String, description = "On realtime requests whose job has ended: `true` when the bank had data Mono had not retrieved"), ("x-reauth-required" = String, description = "`true` on a realtime request whose job failed because the account needs re-authorisation")))),
    security(("mono-sec-key" = []))
)]
pub(super) async fn balance(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    headers: HeaderMap,
) -> Result<(HeaderMap, Json<V2Envelope<V2Balance>>), ApiError> {
    let account = state.linked_account(&id)?;
    if !account.data_status.shows_balance() {
        require_data(&account, "balance")?;
    }
    let (realtime, account) = realtime_job(&state, account, RealtimeData::Balance, &headers)?;
    let holder = account.summary();
    let balance = V2Balance {
        id: account.id,
        name: holder.full_name,
        account_number: holder.account_number,
        balance: account.balance,
        currency: "NGN",
    };
    let body = V2Envelope::new(&state, COMPLETED, balance);
    Ok((realtime, Json(body)))
}

// `output=json` gives the lines, `output=pdf` a job to poll.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum V2StatementData {
    Lines(StatementData),
    Job(StatementJob),
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/statement",
    tag = "v2",
    operation_id = "v2_statement",
    summary = "A statement: JSON lines, or a PDF job to poll",
    params(AccountPath, StatementQuery),
    responses((status = 200, description = "OK", body = V2Envelope<V2StatementData>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    params: Params,
) -> Reply<V2StatementData> {
    let account = state.linked_account(&id)?;
    match statements::statement(&state, &account, &params)? {
        Statement::Lines(data) => reply(
            &state,
            "Successfully fetched statement",
            V2StatementData::Lines(data),
        ),
        Statement::Job(job) => reply(&state, COMPLETED, V2StatementData::Job(job)),
    }
}

#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/statement/jobs/{job_id}",
    tag = "v2",
    operation_id = "v2_statement_job",
    summary = "Poll a PDF statement job",
    params(JobPath),
    responses((status = 200, description = "OK", body = V2Envelope<StatementJob>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement_job(
    Tenant(state): Tenant,
    Path(JobPath { id, job_id }): Path<JobPath>,
) -> Reply<StatementJob> {
    let job = statements::poll(&state, &id, &job_id)?;
    reply(&state, COMPLETED, job)
}

/// A realtime job: `processing` until it ends, then `finished` or `failed`.
#[derive(Serialize, ToSchema)]
pub struct V2Job {
    id: String,
    /// `processing`, `finished` or `failed`.
    #[schema(value_type = String)]
    status: &'static str,
    /// `jobs.accounts.sync_balance` or `jobs.accounts.sync_statement`.
    #[schema(value_type = String)]
    name: &'static str,
    account: ObjectId,
    business: ObjectId,
    app: ObjectId,
}

/// `GET /v2/accounts/:id/jobs/:job_id`: the status of a realtime job.
#[utoipa::path(
    get,
    path = "/v2/accounts/{id}/jobs/{job_id}",
    tag = "v2",
    operation_id = "v2_job",
    summary = "The status of a realtime job",
    params(JobPath),
    responses((status = 200, description = "OK", body = V2Envelope<V2Job>, headers(("x-reauth-required" = String, description = "`true` when the job failed because the account needs re-authorisation")))),
    security(("mono-sec-key" = []))
)]
pub(super) async fn job(
    Tenant(state): Tenant,
    Path(JobPath { id, job_id }): Path<JobPath>,
) -> Result<(HeaderMap, Json<V2Envelope<V2Job>>), ApiError> {
    let account = state.linked_account(&id)?;
    let job = state.world.poll_job(&account.id, &job_id).ok_or_else(|| {
        ApiError::not_found(format!("No job `{}` for this account", Echo(&job_id)))
    })?;
    let (name, status) = match job.kind {
        JobKind::Realtime { data } => (data.job_name(), job.status.as_str()),
        // [inferred] a PDF statement polled here: Mono names no other job.
        JobKind::Statement { .. } => ("jobs.accounts.sync_statement", "finished"),
    };
    let reauth = job.reauth_required;
    let job = V2Job {
        id: job.id,
        status,
        name,
        account: account.id,
        business: state.world.business(),
        app: state.world.app(),
    };
    let mut headers = HeaderMap::new();
    if reauth {
        headers.insert(
            HeaderName::from_static("x-reauth-required"),
            HeaderValue::from_static("true"),
        );
    }
    // [inferred] wording for a job still running.
    let message = match status {
        "processing" => "Job is still processing",
        _ => "Job execution completed",
    };
    Ok((headers, Json(V2Envelope::new(&state, message, job))))
}

#[utoipa::path(
    post,
    path = "/v2/accounts/{id}/unlink",
    tag = "v2",
    operation_id = "v2_unlink",
    summary = "Unlink the account",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000c01")),
    responses((status = 200, description = "OK", body = V2Envelope<Null>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn unlink(Tenant(state): Tenant, Path(id): Path<String>) -> Reply<Null> {
    let account = state.linked_account(&id)?;
    state.sim.unlink(&account.id)?;
    reply(&state, "Account unlinked successfully", Null)
}

#[cfg(test)]
mod tests {
    use super::{V2Account, V2Customer, V2Details, V2DetailsMeta, V2Institution};
    use crate::api::envelope::{SuccessfulStatus, V2Envelope, COMPLETED};
    use crate::api::json::WriteJson;
    use crate::clock::Timestamp;
    use crate::world::institutions::CATALOGUE;
    use crate::world::{AccountKind, AuthMethod, DataStatus, ObjectId};

    #[test]
    fn realtime_is_asked_for_by_the_first_value_of_either_spelling() {
        let asks = |headers: &[(&'static str, &'static str)]| {
            let mut map = axum::http::HeaderMap::new();
            for (name, value) in headers {
                map.append(*name, axum::http::HeaderValue::from_static(value));
            }
            super::wants_realtime(&map)
        };
        assert!(!asks(&[]));
        assert!(!asks(&[("host", "x"), ("mono-sec-key", "k")]));
        assert!(asks(&[("host", "x"), ("x-realtime", "true")]));
        assert!(asks(&[("x-realtime", "TRUE")]));
        assert!(asks(&[("x-real-time", "True")]));
        assert!(asks(&[("x-realtime", "false"), ("x-real-time", "true")]));
        assert!(!asks(&[("x-realtime", "yes"), ("x-real-time", "1")]));
        assert!(!asks(&[("x-realtime", " true")]));
        // As `HeaderMap::get` reads a repeated header: by its first value.
        assert!(!asks(&[("x-realtime", "false"), ("x-realtime", "true")]));
        assert!(asks(&[("x-realtime", "true"), ("x-realtime", "false")]));
    }

    #[test]
    fn the_details_are_written_as_serde_writes_them() {
        let kinds = [
            AccountKind::SavingsAccount,
            AccountKind::CurrentAccount,
            AccountKind::DigitalSavingsAccount,
        ];
        let names = ["Uchenna Usman", "O'Neil \"Ned\" \\ Ọládèjọ 😀\n", ""];
        for (i, institution) in CATALOGUE.iter().enumerate() {
            for (j, status) in DataStatus::ALL.into_iter().enumerate() {
                let details = V2Details {
                    account: V2Account {
                        id: ObjectId([i as u8; 12]),
                        name: names[j % names.len()].into(),
                        currency: "NGN",
                        kind: kinds[(i + j) % kinds.len()],
                        account_number: "0123456789".into(),
                        balance: [None, Some(-5), Some(i64::MAX)][j % 3],
                        bvn: "4492".to_string(),
                        institution: V2Institution {
                            name: institution.name,
                            bank_code: institution.bank_code,
                            kind: institution.kind,
                        },
                    },
                    customer: V2Customer {
                        id: ObjectId([0xa0 | j as u8; 12]),
                    },
                    meta: V2DetailsMeta {
                        data_status: status,
                        auth_method: AuthMethod::ALL[(i + j) % 2],
                        retrieved_data: status.retrieved_data(),
                        reference: ["6xdmii8todns", "ref \"q\""][j % 2].into(),
                    },
                };
                let answer = V2Envelope {
                    status: SuccessfulStatus::Successful,
                    message: COMPLETED,
                    timestamp: Timestamp(1_780_000_000_123 + i as i64),
                    data: details,
                };
                let mut ours = Vec::new();
                answer.write_json(&mut ours).expect("written");
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&answer).unwrap(),
                    "{} {status:?}",
                    institution.slug
                );
            }
        }
    }
}
