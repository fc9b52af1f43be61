//! Mono API v1: bare JSON bodies, camelCase account fields, `_id`.
//!
//! Each handler returns the type that documents its answer: the OpenAPI document describes
//! what is serialised, field by field, because it is derived from the same struct.

use std::sync::{Arc, LazyLock};

use super::json::{Json, Listing, WriteJson};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{account_for_code, require_data, AccountIdBody, CodeRequest, JobPath};
use super::envelope::SuccessfulStatus;
use super::insights::{Flow, Income};
use super::listing::{self, Data, Paging, Written};
use super::params::{Params, TransactionFilter};
use super::record::{About, Owner};
use super::statements::{self, Statement, StatementData, StatementJob, StatementQuery};
use crate::clock::Timestamp;
use crate::http::{AccountPath, ApiError, Null, Tenant};
use crate::request_log::Intent;
use crate::world::{
    institutions, AccountKind, AuthMethod, DataStatus, Direction, InstitutionType, ObjectId,
    Transaction,
};

type Reply<T> = Result<Json<T>, ApiError>;

#[utoipa::path(
    post,
    path = "/account/auth",
    tag = "v1",
    operation_id = "v1_account_auth",
    summary = "Exchange a Connect code for the account id",
    request_body(content = CodeRequest, content_type = "application/json"),
    responses((status = 200, description = "OK", body = AccountIdBody)),
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
    Ok(Owner(owner).answer_about(about, AccountIdBody { id: account.id }))
}

#[derive(Serialize, ToSchema)]
pub struct V1AccountDetails {
    meta: V1DetailsMeta,
    account: V1Account,
}

#[derive(Serialize, ToSchema)]
pub struct V1DetailsMeta {
    data_status: DataStatus,
    auth_method: AuthMethod,
}

#[derive(Serialize, ToSchema)]
pub struct V1Account {
    _id: ObjectId,
    institution: V1Institution,
    #[schema(value_type = String)]
    name: Arc<str>,
    #[serde(rename = "accountNumber")]
    #[schema(value_type = String)]
    account_number: Arc<str>,
    #[serde(rename = "type")]
    kind: AccountKind,
    /// Kobo; `null` until the balance is retrieved.
    balance: Option<i64>,
    #[schema(value_type = String)]
    currency: &'static str,
    /// The last four digits of the holder's BVN.
    bvn: String,
}

#[derive(Serialize, ToSchema)]
pub struct V1Institution {
    #[schema(value_type = String)]
    name: &'static str,
    #[serde(rename = "bankCode")]
    #[schema(value_type = String)]
    bank_code: &'static str,
    #[serde(rename = "type")]
    kind: InstitutionType,
}

#[utoipa::path(
    get,
    path = "/accounts/{id}",
    tag = "v1",
    operation_id = "v1_account_details",
    summary = "Account details",
    params(AccountPath),
    responses((status = 200, description = "OK", body = V1AccountDetails)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn details(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<V1AccountDetails> {
    let account = state.linked_account(&id)?;
    let holder = account.summary();
    let institution = account.institution();
    Ok(Json(V1AccountDetails {
        meta: V1DetailsMeta {
            data_status: account.data_status,
            auth_method: account.auth_method,
        },
        account: V1Account {
            _id: account.id,
            institution: V1Institution {
                name: institution.name,
                bank_code: institution.bank_code,
                kind: institution.kind,
            },
            bvn: holder.masked_bvn().to_string(),
            name: holder.full_name,
            account_number: holder.account_number,
            kind: account.kind,
            balance: account.shown_balance(),
            currency: "NGN",
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct V1Transactions {
    paging: Paging,
    #[schema(value_type = Vec<V1Transaction>)]
    data: Data<V1Transaction>,
}

/// Written by the writer's serde path: v1 is read less than v2.
impl WriteJson for V1Transactions {}

#[derive(Serialize, ToSchema)]
pub struct V1Transaction {
    _id: ObjectId,
    #[serde(rename = "type")]
    direction: Direction,
    /// Kobo, always positive.
    amount: i64,
    narration: String,
    date: Timestamp,
    /// Kobo, after this transaction.
    balance: i64,
    #[schema(value_type = String)]
    currency: &'static str,
    #[schema(value_type = String)]
    category: &'static str,
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/transactions",
    tag = "v1",
    operation_id = "v1_transactions",
    summary = "Transactions, filtered and paged",
    params(AccountPath, TransactionFilter),
    responses((status = 200, description = "OK", body = V1Transactions)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn transactions(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    params: Params,
) -> Result<Listing<V1Transactions>, ApiError> {
    let account = state.linked_account(&id)?;
    let filter = TransactionFilter::from_params(&params)?;
    let link = params.page_link(&[&state.base_url, "/accounts/", &id, "/transactions"]);
    let page = listing::page(&account, &filter, link);
    static WRITTEN: LazyLock<Written> = LazyLock::new(Written::shared);
    let data = page.transactions.data(&WRITTEN, V1Transaction::from);
    let list_bytes = data.bytes();
    Ok(Listing {
        body: V1Transactions {
            paging: page.paging,
            data,
        },
        list_bytes,
    })
}

impl From<Transaction> for V1Transaction {
    fn from(t: Transaction) -> V1Transaction {
        V1Transaction {
            _id: t.id,
            direction: t.direction,
            amount: t.amount,
            narration: t.narration,
            date: t.date,
            balance: t.balance,
            currency: "NGN",
            category: t.category,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct V1Identity {
    #[serde(rename = "fullName")]
    full_name: String,
    email: String,
    phone: String,
    /// `Male` or `Female`.
    #[schema(value_type = String)]
    gender: &'static str,
    /// `yyyy-mm-dd`.
    dob: String,
    bvn: String,
    #[serde(rename = "maritalStatus")]
    #[schema(value_type = String)]
    marital_status: &'static str,
    #[serde(rename = "addressLine1")]
    address_line1: String,
    #[serde(rename = "addressLine2")]
    address_line2: String,
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/identity",
    tag = "v1",
    operation_id = "v1_identity",
    summary = "The account holder's identity",
    params(AccountPath),
    responses((status = 200, description = "OK", body = V1Identity)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn identity(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<V1Identity> {
    let account = state.linked_account(&id)?;
    require_data(&account, "identity")?;
    let holder = account.holder();
    Ok(Json(V1Identity {
        full_name: holder.full_name(),
        email: holder.email,
        phone: holder.phone,
        gender: holder.gender.as_str(),
        dob: holder.dob,
        bvn: holder.bvn,
        marital_status: holder.marital_status,
        address_line1: holder.address_line1,
        address_line2: holder.address_line2,
    }))
}

/// `output=json` gives the lines, `output=pdf` a job to poll.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum V1StatementReply {
    Lines(V1Statement),
    Job(StatementJob),
}

/// A JSON statement, as in Mono's statement guide.
#[derive(Serialize, ToSchema)]
pub struct V1Statement {
    status: SuccessfulStatus,
    #[schema(value_type = String)]
    message: &'static str,
    data: StatementData,
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/statement",
    tag = "v1",
    operation_id = "v1_statement",
    summary = "A statement: JSON lines, or a PDF job to poll",
    params(AccountPath, StatementQuery),
    responses((status = 200, description = "OK", body = V1StatementReply)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
    params: Params,
) -> Reply<V1StatementReply> {
    let account = state.linked_account(&id)?;
    Ok(Json(
        match statements::statement(&state, &account, &params)? {
            // As in Mono's statement guide, the JSON statement carries a status and message.
            Statement::Lines(data) => V1StatementReply::Lines(V1Statement {
                status: SuccessfulStatus::Successful,
                message: "Successfully fetched statement",
                data,
            }),
            Statement::Job(job) => V1StatementReply::Job(job),
        },
    ))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/statement/jobs/{job_id}",
    tag = "v1",
    operation_id = "v1_statement_job",
    summary = "Poll a PDF statement job",
    params(JobPath),
    responses((status = 200, description = "OK", body = StatementJob)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn statement_job(
    Tenant(state): Tenant,
    Path(JobPath { id, job_id }): Path<JobPath>,
) -> Reply<StatementJob> {
    Ok(Json(statements::poll(&state, &id, &job_id)?))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/income",
    tag = "v1",
    operation_id = "v1_income",
    summary = "Income, from what the history labels salary",
    params(AccountPath),
    responses((status = 200, description = "OK", body = Income)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn income(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<Income> {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(Income::of(&account)))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/credits",
    tag = "v1",
    operation_id = "v1_credits",
    summary = "Credits by month",
    params(AccountPath),
    responses((status = 200, description = "OK", body = Flow)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn credits(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<Flow> {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(Flow::of(&account, Direction::Credit)))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}/debits",
    tag = "v1",
    operation_id = "v1_debits",
    summary = "Debits by month",
    params(AccountPath),
    responses((status = 200, description = "OK", body = Flow)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn debits(
    Tenant(state): Tenant,
    Path(AccountPath { id }): Path<AccountPath>,
) -> Reply<Flow> {
    let account = state.linked_account(&id)?;
    require_data(&account, "transactions")?;
    Ok(Json(Flow::of(&account, Direction::Debit)))
}

#[derive(Serialize, ToSchema)]
pub struct MessageBody {
    #[schema(value_type = String)]
    message: &'static str,
}

#[utoipa::path(
    post,
    path = "/accounts/{id}/unlink",
    tag = "v1",
    operation_id = "v1_unlink",
    summary = "Unlink the account",
    params(("id" = String, Path, description = "The account id.", pattern = "^[0-9a-fA-F]{24}$", example = "60f0a0b0c0d0e0f000000b01")),
    responses((status = 200, description = "OK", body = MessageBody)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn unlink(Tenant(state): Tenant, Path(id): Path<String>) -> Reply<MessageBody> {
    let account = state.linked_account(&id)?;
    state.sim.unlink(&account.id)?;
    // [inferred] wording: Mono documents only that the answer is OK.
    Ok(Json(MessageBody {
        message: "Account unlinked successfully",
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CoverageEntry {
    #[schema(value_type = String)]
    name: &'static str,
    icon: Null,
    coverage: Coverage,
    #[schema(value_type = Vec<String>)]
    products: [&'static str; 6],
    website: Null,
}

#[derive(Serialize, ToSchema)]
pub struct Coverage {
    #[schema(value_type = Vec<String>)]
    countries: [&'static str; 1],
    business: bool,
    personal: bool,
}

/// `GET /coverage`: the institutions one can link, in the shape of Mono's coverage list.
#[utoipa::path(
    get,
    path = "/coverage",
    tag = "v1",
    operation_id = "v1_coverage",
    summary = "The institutions one can link",
    responses((status = 200, description = "OK", body = Vec<CoverageEntry>)),
    security(("mono-sec-key" = []))
)]
pub(super) async fn coverage() -> Json<Vec<CoverageEntry>> {
    let list = institutions::CATALOGUE
        .iter()
        .map(|i| CoverageEntry {
            name: i.name,
            icon: Null,
            coverage: Coverage {
                countries: ["NG"],
                business: i.kind == InstitutionType::BusinessBanking,
                personal: i.kind == InstitutionType::PersonalBanking,
            },
            products: [
                "Auth",
                "Accounts",
                "Transactions",
                "Balance",
                "Income",
                "Identity",
            ],
            website: Null,
        })
        .collect();
    Json(list)
}
