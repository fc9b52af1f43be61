//! Injected faults (`/_sim/faults`): list them, add one, remove them all.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::protocol::body;
use crate::clock;
use crate::echo::quoted;
use crate::faults::FaultRule;
use crate::http::{ApiError, ApiState};

/// A fault to add: one of the kinds, with its settings and what it applies to, read by
/// [`FaultRule::from_json`]. Its schema is written by hand because which fields a kind
/// takes (and whether `endpoint` is required) depends on the kind, and `from_json` refuses
/// every other field.
pub struct NewFault(FaultRule);

impl NewFault {
    fn read(bytes: &Bytes) -> Result<NewFault, ApiError> {
        let raw: Value = body(bytes)?;
        FaultRule::from_json(raw)
            .map(NewFault)
            .map_err(|e| ApiError::bad_request(format!("Invalid fault: {}", quoted(&e))))
    }
}

impl PartialSchema for NewFault {
    fn schema() -> RefOr<Schema> {
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
                    nullable(Ref::from_schema_name("ObjectId").into()),
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
        let hold = || clock::Duration::schema();
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

#[derive(Serialize, ToSchema)]
pub struct Faults {
    faults: Vec<FaultRule>,
}

#[derive(Serialize, ToSchema)]
pub struct FaultAdded {
    id: u64,
    faults: Vec<FaultRule>,
}

#[utoipa::path(
    get,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_faults",
    summary = "The injected faults",
    responses((status = 200, description = "OK", body = Faults))
)]
pub async fn list(State(state): State<Arc<ApiState>>) -> Json<Faults> {
    Json(Faults {
        faults: state.sim.faults.list(),
    })
}

/// `POST /_sim/faults {"kind": "duplicate", "account": "...", "event": "...", "count": 1}`.
#[utoipa::path(
    post,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_add_fault",
    summary = "Inject a fault",
    request_body(content = NewFault, content_type = "application/json"),
    responses((status = 201, description = "Created", body = FaultAdded))
)]
pub async fn add(
    State(state): State<Arc<ApiState>>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<FaultAdded>), ApiError> {
    let NewFault(rule) = NewFault::read(&bytes)?;
    let id = state.sim.faults.add(rule);
    Ok((
        StatusCode::CREATED,
        Json(FaultAdded {
            id,
            faults: state.sim.faults.list(),
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/_sim/faults",
    tag = "control",
    operation_id = "sim_clear_faults",
    summary = "Remove every fault",
    responses((status = 200, description = "OK", body = Faults))
)]
pub async fn clear(State(state): State<Arc<ApiState>>) -> Json<Faults> {
    state.sim.faults.clear();
    Json(Faults { faults: Vec::new() })
}
