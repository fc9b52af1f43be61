//! The simulator's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations: Mono's API v1 and v2, the statement download, and the `/_sim/` control API.
//!
//! One definition per shape: a handler returns a struct deriving `ToSchema`, and the
//! document describes that struct, so what is documented is what is serialised. Request
//! bodies are described by the types they are read into; the few values read by hand (to
//! refuse a wrong one in its own words) carry a schema written beside the code that reads
//! them. Each route is listed once, with utoipa-axum's `routes!`, in the route lists the
//! server mounts and this document merges.
//!
//! Served at `GET /openapi.json` (no key needed) and printed by `monosim openapi`, so an
//! integrator can generate a client or point a contract tester at the fake Mono; CI points
//! Schemathesis at it (`scripts/schemathesis`) so the document and the server cannot drift.
//!
//! Error responses are added here rather than on each handler: which shape an error has is
//! decided by the path, exactly as `http::render` decides it (v2 paths get the
//! failed envelope, everything else `{"message"}`).

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::{V1Error, V2Error, Version};
use crate::{api, control};

/// The name of the security scheme Mono's routes require.
pub const SECURITY_SCHEME: &str = "mono-sec-key";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "monosim",
        description = "An offline stand-in for the Mono open-banking API: Mono's REST API v1 and v2 \
                       (the paths, fields and error shapes of api.withmono.com) over a seeded world, \
                       and the `/_sim/` control API that drives it. Mono's routes need the \
                       `mono-sec-key` header (`test_sk_monosim` unless `serve --secret-key` says \
                       otherwise); the control API and the statement download need none.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(V1Error, V2Error)),
    tags(
        (name = "v1", description = "Mono API v1: bare bodies, camelCase account fields, `_id`."),
        (name = "v2", description = "Mono API v2: the `{status, message, timestamp, data}` envelope, snake_case."),
        (name = "statements", description = "PDF statements built by a statement job."),
        (name = "control", description = "The simulator's control API: accounts, events, clock, faults, logs."),
        (name = "meta", description = "This document."),
    )
)]
struct Base;

/// The whole document: the description of every route the server mounts, each taken from
/// the same route list the server serves.
pub fn document() -> OpenApi {
    let mut doc = Base::openapi();
    doc.merge(api::routes().into_openapi());
    doc.merge(api::downloads::<()>().into_openapi());
    doc.merge(control::routes().into_openapi());
    doc.merge(routes::<()>().into_openapi());
    add_security_scheme(&mut doc);
    add_error_responses(&mut doc);
    doc
}

/// The document as served and printed: pretty JSON, the same bytes every time.
pub fn to_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Serialising a tree of strings, maps and numbers cannot fail.
        document()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// This document's own route.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::default().routes(routes!(openapi_json))
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "openapi_json",
    responses((status = 200, description = "This OpenAPI 3.1 document.", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], to_json()).into_response()
}

fn add_security_scheme(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "mono-sec-key",
            "The app's secret key (`test_sk_monosim` by default).",
        ))),
    );
}

/// Adds the error statuses every operation can answer, in its path's error shape: 400 when
/// it takes parameters or a body, 404 when its path names something, 401 when it needs the
/// key. Statuses particular to one route (429, 409, 408, …) are on that route.
fn add_error_responses(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let version = Version::of(path);
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let has_path_params = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if takes_input {
                add_error(
                    operation,
                    version,
                    "400",
                    "The request is wrong; the message says what and how to fix it.",
                );
            }
            if has_path_params {
                add_error(operation, version, "404", "Nothing with that id (for Mono's routes: or not linked, or the data is not available).");
            }
            if secured {
                add_error(operation, version, "401", "No valid API key provided.");
            }
        }
    }
}

/// Documents `status` as an error of the path's version, unless the route documents it.
fn add_error(operation: &mut Operation, version: Version, status: &str, description: &str) {
    let schema = match version {
        Version::V1 => "V1Error",
        Version::V2 => "V2Error",
    };
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        )
        .build();
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert(response.into());
}
