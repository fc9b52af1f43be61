//! The shapes of the bodies that the control API builds with `json!`, for the OpenAPI document.
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
use crate::world::{AccountKind, AuthMethod, DataStatus, Mfa, ObjectId, Stage};

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
