//! The shapes of the bodies that handlers build with `json!`, for the OpenAPI document.
//!
//! These types are never constructed: they describe, field by field and in the handlers'
//! order and casing, what the handlers send and read. They are checked against the real
//! server by `scripts/schemathesis` (every response must conform) and by
//! `simulator/tests/openapi.rs`, so a handler that drifts from its description fails CI.
//! Types the handlers serialise directly (`SyncResult`, `FaultRule`, `Targets`, …) derive
//! `ToSchema` where they are defined instead.

#![allow(dead_code)]

use std::borrow::Cow;

use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::clock::{Duration, DurationText, Timestamp};
use crate::faults::FaultRule;
use crate::lifecycle::{MfaAnswer, ReauthOutcome, SyncResult};
use crate::scheduler::Pending;
use crate::webhooks::Targets;
use crate::world::{AccountKind, AuthMethod, DataStatus, InstitutionType, Mfa, ObjectId, Stage};

/// JSON `null`: the `data` of a v2 answer that has nothing to return.
pub struct Null;

impl PartialSchema for Null {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Null).into()
    }
}

impl ToSchema for Null {
    fn name() -> Cow<'static, str> {
        "Null".into()
    }
}

// ---------------------------------------------------------------- errors

/// A v1 (and control API) error: `{"message"}`.
#[derive(ToSchema)]
pub struct V1Error {
    /// What went wrong and, where it helps, how to put it right.
    #[schema(example = "This account does not exist.")]
    pub message: String,
}

/// A v2 error, in the v2 envelope with `status: failed` and `data: null`.
#[derive(ToSchema)]
pub struct V2Error {
    pub status: FailedStatus,
    #[schema(example = "This account does not exist.")]
    pub message: String,
    pub timestamp: Option<Timestamp>,
    pub data: Null,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailedStatus {
    Failed,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessfulStatus {
    Successful,
}

// ---------------------------------------------------------------- requests

/// The Connect code the widget handed the integrator's front end.
#[derive(ToSchema)]
pub struct CodeRequest {
    #[schema(min_length = 1, example = "code_ada")]
    pub code: String,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InitiateScope {
    /// A new link through the Connect widget.
    Auth,
    /// Re-authorise `account`.
    Reauth,
}

/// `POST /v2/accounts/initiate`.
#[derive(ToSchema)]
pub struct InitiateRequest {
    pub scope: InitiateScope,
    /// The account to re-authorise; required for `reauth`.
    #[schema(value_type = Option<ObjectId>)]
    pub account: Option<String>,
    /// The customer a new link (`auth`) is for: an existing `id`, or a `name` and `email`.
    pub customer: Option<InitiateCustomer>,
    pub redirect_url: Option<String>,
    pub meta: Option<InitiateMeta>,
}

#[derive(ToSchema)]
pub struct InitiateCustomer {
    #[schema(value_type = Option<ObjectId>)]
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(ToSchema)]
pub struct InitiateMeta {
    /// The integrator's reference, echoed back (the account's own by default).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

// ---------------------------------------------------------------- v1 bodies

/// `{"id"}`: the account a Connect code was issued for.
#[derive(ToSchema)]
pub struct AccountIdBody {
    pub id: ObjectId,
}

#[derive(ToSchema)]
pub struct V1AccountDetails {
    pub meta: V1DetailsMeta,
    pub account: V1Account,
}

#[derive(ToSchema)]
pub struct V1DetailsMeta {
    pub data_status: DataStatus,
    pub auth_method: AuthMethod,
}

#[derive(ToSchema)]
pub struct V1Account {
    pub _id: ObjectId,
    pub institution: V1Institution,
    pub name: String,
    #[serde(rename = "accountNumber")]
    pub account_number: String,
    #[serde(rename = "type")]
    pub kind: AccountKind,
    /// Kobo; `null` until the balance is retrieved.
    pub balance: Option<i64>,
    pub currency: String,
    /// The last four digits of the holder's BVN.
    pub bvn: String,
}

#[derive(ToSchema)]
pub struct V1Institution {
    pub name: String,
    #[serde(rename = "bankCode")]
    pub bank_code: String,
    #[serde(rename = "type")]
    pub kind: InstitutionType,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Debit,
    Credit,
}

#[derive(ToSchema)]
pub struct V1Transactions {
    pub paging: Paging,
    pub data: Vec<V1Transaction>,
}

/// Where the page is in the filtered history; `previous` / `next` are absolute URLs that
/// keep the request's other query parameters.
#[derive(ToSchema)]
pub struct Paging {
    pub total: u64,
    pub page: u32,
    pub previous: Option<String>,
    pub next: Option<String>,
}

#[derive(ToSchema)]
pub struct V1Transaction {
    pub _id: ObjectId,
    #[serde(rename = "type")]
    pub direction: Direction,
    /// Kobo, always positive.
    pub amount: i64,
    pub narration: String,
    pub date: Timestamp,
    /// Kobo, after this transaction.
    pub balance: i64,
    pub currency: String,
    pub category: String,
}

#[derive(ToSchema)]
pub struct V1Identity {
    #[serde(rename = "fullName")]
    pub full_name: String,
    pub email: String,
    pub phone: String,
    /// `Male` or `Female`.
    pub gender: String,
    /// `yyyy-mm-dd`.
    pub dob: String,
    pub bvn: String,
    #[serde(rename = "maritalStatus")]
    pub marital_status: String,
    #[serde(rename = "addressLine1")]
    pub address_line1: String,
    #[serde(rename = "addressLine2")]
    pub address_line2: String,
}

/// A JSON statement, as in Mono's statement guide.
#[derive(ToSchema)]
pub struct V1Statement {
    pub status: SuccessfulStatus,
    pub message: String,
    pub data: StatementData,
}

#[derive(ToSchema)]
pub struct StatementData {
    pub count: u64,
    /// Days asked for.
    pub requested_length: u64,
    /// Days the lines cover.
    pub available_length: u64,
    pub statement: Vec<StatementLine>,
}

#[derive(ToSchema)]
pub struct StatementLine {
    pub id: ObjectId,
    #[serde(rename = "type")]
    pub direction: Direction,
    pub amount: i64,
    pub balance: i64,
    pub date: Timestamp,
    pub narration: String,
    pub currency: String,
}

/// A PDF statement job: `BUILDING` with no path when new, `BUILT` with the PDF's URL from
/// its first poll on.
#[derive(ToSchema)]
pub struct StatementJob {
    pub id: String,
    pub status: StatementJobStatus,
    pub path: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum StatementJobStatus {
    Building,
    Built,
}

/// `output=json` gives the lines, `output=pdf` a job to poll.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum V1StatementReply {
    Lines(V1Statement),
    Job(StatementJob),
}

/// Kobo, from what the history labels salary.
#[derive(ToSchema)]
pub struct Income {
    pub average_income: i64,
    pub monthly_income: i64,
    pub yearly_income: i64,
    /// 1 when there is a salary, else 0.
    pub income_sources: i64,
}

#[derive(ToSchema)]
pub struct Flow {
    pub total: i64,
    /// One entry per calendar month, newest first.
    pub history: Vec<FlowMonth>,
}

#[derive(ToSchema)]
pub struct FlowMonth {
    pub amount: i64,
    /// `yyyy-mm`.
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub period: String,
}

#[derive(ToSchema)]
pub struct MessageBody {
    pub message: String,
}

/// A re-authorisation token, valid 10 minutes, single use.
#[derive(ToSchema)]
pub struct TokenBody {
    pub token: String,
}

#[derive(ToSchema)]
pub struct CoverageEntry {
    pub name: String,
    pub icon: Null,
    pub coverage: Coverage,
    pub products: Vec<String>,
    pub website: Null,
}

#[derive(ToSchema)]
pub struct Coverage {
    pub countries: Vec<String>,
    pub business: bool,
    pub personal: bool,
}

// ---------------------------------------------------------------- v2 bodies

/// The v2 envelope every successful v2 answer comes in.
#[derive(ToSchema)]
pub struct V2Envelope<T> {
    pub status: SuccessfulStatus,
    pub message: String,
    pub timestamp: Timestamp,
    pub data: T,
}

/// `POST /v2/accounts/auth`: the id both inside the envelope and at the top level, as
/// Mono's docs show both.
#[derive(ToSchema)]
pub struct V2AuthReply {
    pub status: SuccessfulStatus,
    pub message: String,
    pub timestamp: Timestamp,
    pub data: AccountIdBody,
    pub id: ObjectId,
}

#[derive(ToSchema)]
pub struct V2Details {
    pub account: V2Account,
    pub customer: V2Customer,
    pub meta: V2DetailsMeta,
}

#[derive(ToSchema)]
pub struct V2Account {
    pub id: ObjectId,
    pub name: String,
    pub currency: String,
    #[serde(rename = "type")]
    pub kind: AccountKind,
    pub account_number: String,
    /// Kobo; `null` until the balance is retrieved.
    pub balance: Option<i64>,
    /// The last four digits of the holder's BVN.
    pub bvn: String,
    pub institution: V2Institution,
}

#[derive(ToSchema)]
pub struct V2Institution {
    pub name: String,
    pub bank_code: String,
    #[serde(rename = "type")]
    pub kind: InstitutionType,
}

#[derive(ToSchema)]
pub struct V2Customer {
    pub id: ObjectId,
}

#[derive(ToSchema)]
pub struct V2DetailsMeta {
    pub data_status: DataStatus,
    pub auth_method: AuthMethod,
    /// What Mono retrieved from the bank: `identity`, `balance`, `transactions`.
    pub retrieved_data: Vec<String>,
    #[serde(rename = "ref")]
    pub reference: String,
}

#[derive(ToSchema)]
pub struct V2Transactions {
    pub status: SuccessfulStatus,
    pub message: String,
    pub timestamp: Timestamp,
    pub data: Vec<V2Transaction>,
    pub meta: Paging,
}

#[derive(ToSchema)]
pub struct V2Transaction {
    pub id: ObjectId,
    pub narration: String,
    pub amount: i64,
    #[serde(rename = "type")]
    pub direction: Direction,
    pub balance: i64,
    pub date: Timestamp,
    pub category: String,
}

#[derive(ToSchema)]
pub struct V2Identity {
    pub full_name: String,
    pub bvn: String,
    pub email: String,
    pub phone: String,
    /// `male` or `female`.
    pub gender: String,
    pub dob: String,
    pub address_line1: String,
    pub state_of_origin: String,
    pub lga_of_origin: String,
    pub marital_status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(ToSchema)]
pub struct V2Balance {
    pub id: ObjectId,
    pub name: String,
    pub account_number: String,
    /// Kobo.
    pub balance: i64,
    pub currency: String,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum V2StatementData {
    Lines(StatementData),
    Job(StatementJob),
}

/// A realtime job; the seeded world's data is as fresh as the bank's, so it is finished.
#[derive(ToSchema)]
pub struct V2Job {
    pub id: String,
    pub status: String,
    /// `jobs.accounts.sync_balance` or `jobs.accounts.sync_statement`.
    pub name: String,
    pub account: ObjectId,
    pub business: ObjectId,
    pub app: ObjectId,
}

/// A re-auth (or, with `scope: auth`, a link) session whose `mono_url` opens the widget.
#[derive(ToSchema)]
pub struct V2Initiated {
    pub mono_url: String,
    pub customer: ObjectId,
    /// The account re-authorised; absent for `auth` (it exists once the user links it).
    pub account: Option<ObjectId>,
    pub meta: InitiatedMeta,
    pub scope: InitiateScope,
    /// The account's bank; `null` for `auth` (the user chooses it in the widget).
    pub institution: Option<V2Institution>,
    pub auth_method: Option<AuthMethod>,
    pub redirect_url: Option<String>,
    pub created_at: Timestamp,
}

#[derive(ToSchema)]
pub struct InitiatedMeta {
    /// The integrator's reference (for `reauth`, the account's own by default).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

// ---------------------------------------------------------------- the control API

/// `POST /_sim/accounts`: every field optional; the world's seed fills in the rest.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub id: Option<ObjectId>,
    /// An institution slug, e.g. `gtbank`.
    #[schema(example = "gtbank")]
    pub institution: Option<String>,
    pub auth_method: Option<AuthMethod>,
    pub mfa: Option<Mfa>,
    #[serde(rename = "type")]
    pub kind: Option<AccountKind>,
    /// Kobo, at most ±10^15.
    #[schema(minimum = -1_000_000_000_000_000i64, maximum = 1_000_000_000_000_000i64)]
    pub balance: Option<i64>,
    #[schema(maximum = 20_000)]
    pub transactions: Option<u32>,
    pub name: Option<String>,
    pub code: Option<String>,
    pub reference: Option<String>,
    #[schema(value_type = Option<SyncEvery>)]
    pub sync_every_hours: Option<u8>,
    /// `legacy` or `current`.
    pub dialect: Option<SimDialect>,
    /// Link at once (default `true`), firing `account_connected` then `account_updated`.
    pub link: Option<bool>,
    /// The data status once the data is in.
    pub data_status: Option<DataStatus>,
    /// How long until then (`1s` by default).
    #[schema(value_type = Option<DurationText>)]
    pub data_delay: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SimDialect {
    Legacy,
    Current,
}

/// Hours between automatic syncs: 6, 12 or 24.
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
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub data_status: Option<DataStatus>,
    #[schema(value_type = Option<DurationText>)]
    pub data_delay: Option<String>,
}

/// `POST /_sim/accounts/{id}/reauth`: what the user does in the widget.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    pub mfa: MfaAnswer,
    /// The token the widget was opened with; the latest issued when absent.
    pub token: Option<String>,
}

/// An account as the control API shows it.
#[derive(ToSchema)]
pub struct SimAccount {
    pub id: ObjectId,
    pub customer: ObjectId,
    /// The institution's slug.
    pub institution: String,
    pub mfa: Mfa,
    pub auth_method: AuthMethod,
    pub stage: Stage,
    pub data_status: DataStatus,
    pub session_expired: bool,
    pub code: String,
    pub reference: String,
    pub dialect: SimDialect,
    pub balance: i64,
    pub transactions: u32,
    pub token: Option<SimToken>,
}

#[derive(ToSchema)]
pub struct SimToken {
    pub value: String,
    pub issued_at: Timestamp,
    pub used: bool,
    pub expired: bool,
}

/// An event fired, and the account as it is now.
#[derive(ToSchema)]
pub struct EventAndAccount {
    pub event_id: String,
    pub account: SimAccount,
}

#[derive(ToSchema)]
pub struct ReauthAndAccount {
    pub result: ReauthOutcome,
    pub account: SimAccount,
}

#[derive(ToSchema)]
pub struct SyncAndAccount {
    pub result: SyncResult,
    pub account: SimAccount,
}

/// `POST /_sim/events`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireRequest {
    /// Any dotted name; unknown ones are sent as they are.
    #[schema(example = "mono.events.account_updated", pattern = "\\.")]
    pub event: String,
    pub account: ObjectId,
    /// `path → value` overrides of the body: `{"data.meta.data_status": "FAILED"}`.
    #[schema(value_type = Option<Object>)]
    pub set: Option<Value>,
    /// The data status an `account_updated` reports (the account's by default).
    pub data_status: Option<DataStatus>,
    /// Hold it back this long (simulated time).
    #[schema(value_type = Option<DurationText>)]
    pub delay: Option<String>,
}

#[derive(ToSchema)]
pub struct Fired {
    pub event_id: String,
    pub event: String,
    pub account: ObjectId,
}

/// `PUT /_sim/webhooks`: the receivers' URLs (http or https), and the secret if it changes.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTargets {
    #[schema(example = json!(["http://127.0.0.1:3000/webhook"]), inline)]
    pub urls: Vec<WebhookUrl>,
    pub secret: Option<String>,
}

/// An http(s) URL with a host.
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

/// Clock, world, webhook targets and what is pending.
#[derive(ToSchema)]
pub struct SimState {
    pub now: Timestamp,
    pub frozen: bool,
    pub seed: u64,
    pub dialect: SimDialect,
    pub accounts: u64,
    pub webhooks: Targets,
    pub unfinished_deliveries: u64,
    pub pending: Pending,
    pub faults: Vec<FaultRule>,
}

#[derive(ToSchema)]
pub struct ClockBody {
    pub now: Timestamp,
    pub frozen: bool,
    /// Simulated seconds per wall second while the clock runs.
    pub scale: f64,
    pub pending: Pending,
}

/// `POST /_sim/clock/advance`: exactly one of `by` and `to`; at most 366 days ahead.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum AdvanceRequest {
    By(AdvanceBy),
    To(AdvanceTo),
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceBy {
    #[schema(value_type = DurationText, example = "48h")]
    pub by: String,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceTo {
    /// An RFC 3339 UTC instant, not before the simulator's now.
    pub to: Timestamp,
}

/// A fault to add: one of the kinds, with its settings and what it applies to. Written by
/// hand because which fields a kind takes (and whether `endpoint` is required) depends on
/// the kind, and [`FaultRule::from_json`] refuses every other field.
pub struct NewFault;

impl PartialSchema for NewFault {
    fn schema() -> RefOr<Schema> {
        use utoipa::openapi::schema::AdditionalProperties;
        let text = |values: &[&str]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values.iter().copied()))
        };
        let nullable = |schema: RefOr<Schema>| -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::Null))
                .item(schema)
                .into()
        };
        let kind = |name: &'static str,
                    fields: Vec<(&'static str, RefOr<Schema>, bool)>,
                    description: &str| {
            let mut object = ObjectBuilder::new()
                .description(Some(description))
                .property("kind", text(&[name]))
                .required("kind")
                .property(
                    "account",
                    nullable(utoipa::openapi::Ref::from_schema_name("ObjectId").into()),
                )
                .property(
                    "event",
                    nullable(ObjectBuilder::new().schema_type(Type::String).into()),
                )
                .property(
                    "count",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(u32::MAX)),
                )
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for (field, schema, required) in fields {
                object = object.property(field, schema);
                if required {
                    object = object.required(field);
                }
            }
            object
        };
        let hold = || Duration::schema();
        let api_endpoint = || text(&["reauthorise", "sync"]).into();
        OneOfBuilder::new()
            .description(Some(
                "Webhook faults (all but status, hang and sync_code) change how the next matching events are delivered; API faults change how the next calls to an endpoint are answered. Holds are at most 30 days, hangs at most 10 minutes.",
            ))
            .item(kind("duplicate", vec![], "Deliver the event twice, same event_id."))
            .item(kind("reorder", vec![("by", hold(), false)], "Send it `by` later (1s by default), off the account's ordered lane."))
            .item(kind("delay", vec![("by", hold(), true)], "Hold the event back by `by`; later events for the account wait behind it."))
            .item(kind("drop_attempt", vec![], "Do not send the next attempt (it is retried on schedule)."))
            .item(kind("wrong_secret", vec![], "Send mono-webhook-secret with a wrong value."))
            .item(kind("missing_secret", vec![], "Send no mono-webhook-secret."))
            .item(kind("other_dialect", vec![], "Send the payload in the other dialect."))
            .item(kind(
                "status",
                vec![
                    (
                        "status",
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(400))
                            .maximum(Some(599))
                            .into(),
                        true,
                    ),
                    ("endpoint", api_endpoint(), true),
                ],
                "Answer the next calls to `endpoint` with this HTTP status.",
            ))
            .item(kind(
                "hang",
                vec![("for", hold(), true), ("endpoint", api_endpoint(), true)],
                "Do not answer the next calls to `endpoint` for `for` (then 504).",
            ))
            .item(kind(
                "sync_code",
                vec![
                    ("code", text(&["SYNC_ERROR", "INCOMPLETE_STATEMENT_ERROR"]).into(), true),
                    ("endpoint", nullable(text(&["sync"]).into()), false),
                ],
                "Make the next syncs end with this code.",
            ))
            .into()
    }
}

impl ToSchema for NewFault {
    fn name() -> Cow<'static, str> {
        "NewFault".into()
    }
}

#[derive(ToSchema)]
pub struct Faults {
    pub faults: Vec<FaultRule>,
}

#[derive(ToSchema)]
pub struct FaultAdded {
    pub id: u64,
    pub faults: Vec<FaultRule>,
}

#[derive(ToSchema)]
pub struct Requests {
    pub requests: Vec<crate::request_log::RequestRecord>,
}

#[derive(ToSchema)]
pub struct Deliveries {
    pub deliveries: Vec<crate::webhooks::AttemptRecord>,
}

/// `POST /_sim/idle`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdleRequest {
    /// Wall time to wait at most (`10s` by default, at most `10m`).
    #[schema(value_type = Option<String>, pattern = "^([0-9]{1,5}(ms)?|[0-5]?[0-9]{1,2}s|([0-9]|10)(m|min))$", example = "10s")]
    pub timeout: Option<String>,
}

#[derive(ToSchema)]
pub struct IdleBody {
    pub idle: bool,
    pub now: Timestamp,
    pub pending: Pending,
    pub unfinished_deliveries: u64,
}

#[derive(ToSchema)]
pub struct ResetBody {
    pub reset: bool,
    pub accounts: u64,
}

// ---------------------------------------------------------------- query strings

/// The account a route is about: the `{id}` of `/accounts/{id}/…` and `/v2/accounts/{id}/…`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AccountPath {
    /// The account id.
    #[param(pattern = "^[0-9a-fA-F]{24}$", example = "5f171a530295e231abca1153")]
    pub id: String,
}

/// Mono's transaction filters.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionQuery {
    /// First day, inclusive, `dd-mm-yyyy`.
    #[param(
        pattern = "^(0[1-9]|1[0-9]|2[0-8])-(0[1-9]|1[0-2])-(19|20)[0-9]{2}$",
        example = "01-10-2025"
    )]
    pub start: Option<String>,
    /// Last day, inclusive, `dd-mm-yyyy`; not before `start`.
    #[param(
        pattern = "^(0[1-9]|1[0-9]|2[0-8])-(0[1-9]|1[0-2])-(19|20)[0-9]{2}$",
        example = "31-12-2025"
    )]
    pub end: Option<String>,
    /// Case-insensitive substring of the narration.
    pub narration: Option<String>,
    #[param(rename = "type", inline)]
    pub direction: Option<Direction>,
    /// Page through the history (default `true`).
    pub paginate: Option<bool>,
    /// Page size (default 20).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    #[param(minimum = 1, maximum = 2_147_483_647)]
    pub page: Option<u32>,
}

/// The statement's period and format.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// `last1month` to `last12months` (default `last12months`).
    #[param(pattern = "^last([1-9]|1[0-2])months?$", example = "last3months")]
    pub period: Option<String>,
    #[param(inline)]
    pub output: Option<StatementOutput>,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatementOutput {
    Json,
    Pdf,
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// Accept a statement shorter than the last one.
    pub allow_incomplete_statement: Option<bool>,
}

/// Filters of the request and delivery logs.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only records after this sequence number.
    pub since: Option<u64>,
    /// Only this account's.
    #[param(value_type = Option<String>, pattern = "^[0-9a-fA-F]{24}$")]
    pub account: Option<String>,
    /// Only this event's (deliveries).
    pub event: Option<String>,
}
