//! The OpenAPI document against the router it describes, and regression tests for what
//! Schemathesis (`scripts/schemathesis`) found: each test sends the request it reported.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use common::{router, send, send_with, ADA, BOLA};
use serde_json::{json, Value};

fn document() -> Value {
    serde_json::from_str(monosim_simulator::openapi::to_json()).expect("the document is JSON")
}

/// Every (METHOD, path) the document lists.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Every route but the Connect widget's is registered with utoipa-axum's `routes!`, which
/// takes its method and path from the handler's `#[utoipa::path]`: so registered, a route
/// cannot be missing from the document. The widget's pages (`simulator/src/widget/`) and the
/// console (`simulator/src/console/`), HTML for browsers, are deliberately not in it and use axum's own `.route(...)`; that call anywhere
/// else would serve a route the document does not describe.
#[test]
fn only_the_widget_and_console_pages_are_routed_without_a_description() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let offenders: Vec<_> = rust_files(&src)
        .into_iter()
        .filter(|file| {
            !file.starts_with(src.join("widget")) && !file.starts_with(src.join("console"))
        })
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            [".route(", ".route_service(", ".nest(", ".nest_service("]
                .iter()
                .any(|call| text.contains(call))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "routes registered without `routes!` (so without a description): {offenders:?}"
    );
    assert!(documented(&document()).len() > 40);
}

/// A concrete path for a documented one: Ada's id, a job id, a statement file.
fn concrete(path: &str) -> String {
    path.replace("{id}", ADA)
        .replace("{job_id}", "8EWRZ2vV1C3tmms8NBXy")
        .replace("{file}", "8EWRZ2vV1C3tmms8NBXy.pdf")
}

#[tokio::test]
async fn every_documented_operation_reaches_a_handler() {
    let router = router();
    let doc = document();
    for (method, path) in documented(&doc) {
        let reply = send(&router, &method, &concrete(&path), Some("{}")).await;
        let unknown = reply.status == StatusCode::NOT_FOUND
            && reply.json()["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Cannot "));
        assert!(
            !unknown && reply.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but not routed: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
}

#[tokio::test]
async fn the_document_is_served_without_a_key_and_equals_the_generated_one() {
    let router = router();
    let reply = send_with(&router, "GET", "/openapi.json", None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), document());
}

#[test]
fn the_document_describes_the_key_the_error_shapes_and_the_initiate_scopes() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let scheme = &doc["components"]["securitySchemes"]["mono-sec-key"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "mono-sec-key");
    // Mono's routes need the key; the control API and the PDF download do not.
    let details = &doc["paths"]["/v2/accounts/{id}"]["get"];
    assert_eq!(details["security"], json!([{ "mono-sec-key": [] }]));
    assert!(doc["paths"]["/_sim/state"]["get"].get("security").is_none());
    assert!(doc["paths"]["/statements/{file}"]["get"]
        .get("security")
        .is_none());
    // Errors in each version's shape.
    let error = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            ["$ref"]
            .clone()
    };
    assert_eq!(
        error("/accounts/{id}", "get", "401"),
        "#/components/schemas/V1Error"
    );
    assert_eq!(
        error("/v2/accounts/{id}", "get", "404"),
        "#/components/schemas/V2Error"
    );
    assert_eq!(
        error("/_sim/accounts/{id}", "get", "404"),
        "#/components/schemas/V1Error"
    );
    assert_eq!(
        doc["components"]["schemas"]["InitiateScope"]["enum"],
        json!(["auth", "reauth"])
    );
}

// ------------------------------------------------------------- Schemathesis's findings

#[tokio::test]
async fn a_numeric_fault_kind_is_refused_not_read_as_a_variant_index() {
    let router = router();
    let reply = send(
        &router,
        "POST",
        "/_sim/faults",
        Some(r#"{"code": "SYNC_ERROR", "kind": 0}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.render());
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("`kind`: must be a string"));
    let faults = send(&router, "GET", "/_sim/faults", None).await.json();
    assert_eq!(faults["faults"], json!([]));
}

#[tokio::test]
async fn whole_numbers_written_with_a_fraction_are_integers() {
    let router = router();
    let body = r#"{"kind": "status", "status": 429.0, "endpoint": "sync", "count": 2.0}"#;
    let reply = send(&router, "POST", "/_sim/faults", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.render());
    assert_eq!(reply.json()["faults"][0]["status"], 429);
    assert_eq!(reply.json()["faults"][0]["count"], 2);
    let fractional = r#"{"kind": "status", "status": 429.5, "endpoint": "sync"}"#;
    let reply = send(&router, "POST", "/_sim/faults", Some(fractional)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn null_stands_for_absent_in_optional_control_fields_and_bodies() {
    let router = router();
    let created = send(&router, "POST", "/_sim/accounts", Some(r#"{"link": null}"#)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.render());
    assert_eq!(created.json()["stage"], "linked");
    let body =
        format!(r#"{{"account": "{ADA}", "event": "mono.events.account_updated", "set": null}}"#);
    let fired = send(&router, "POST", "/_sim/events", Some(&body)).await;
    assert_eq!(fired.status, StatusCode::OK, "{}", fired.render());
    let idle = send(&router, "POST", "/_sim/idle", Some("null")).await;
    assert_eq!(idle.status, StatusCode::OK, "{}", idle.render());
    // A required body is still required.
    let events = send(&router, "POST", "/_sim/events", Some("null")).await;
    assert_eq!(events.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn creating_an_account_with_a_taken_id_is_a_conflict() {
    let router = router();
    let body = format!(r#"{{"id": "{BOLA}"}}"#);
    let taken = send(&router, "POST", "/_sim/accounts", Some(&body)).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.render());
    assert!(taken.json()["message"]
        .as_str()
        .unwrap()
        .contains("already taken"));
}

#[tokio::test]
async fn numbers_beyond_the_documented_integers_are_refused() {
    let router = router();
    for log in ["requests", "deliveries"] {
        let reply = send(
            &router,
            "GET",
            &format!("/_sim/{log}?since=9223372036854775808"),
            None,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{log}: {}",
            reply.render()
        );
        let fine = send(
            &router,
            "GET",
            &format!("/_sim/{log}?since=9223372036854775807"),
            None,
        )
        .await;
        assert_eq!(fine.status, StatusCode::OK);
    }
    for path in [
        format!("/accounts/{ADA}/transactions?page=2147483648"),
        format!("/v2/accounts/{ADA}/transactions?page=2147483648"),
    ] {
        let reply = send(&router, "GET", &path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.render()
        );
    }
}

#[tokio::test]
async fn idle_waits_at_most_ten_minutes() {
    let router = router();
    let reply = send(
        &router,
        "POST",
        "/_sim/idle",
        Some(r#"{"timeout": "92267200m"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.render());
    assert!(reply.json()["message"].as_str().unwrap().contains("10m"));
}

#[tokio::test]
async fn a_fault_listed_by_the_control_api_can_be_posted_back() {
    let router = router();
    // The list writes durations as `29d23h59m59s999ms`; they used to be unreadable.
    let added = send(
        &router,
        "POST",
        "/_sim/faults",
        Some(r#"{"kind": "delay", "by": 2591999999}"#),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.render());
    let mut rule = added.json()["faults"][0].clone();
    assert_eq!(rule["by"], "29d23h59m59s999ms");
    rule.as_object_mut().unwrap().remove("id");
    let again = send(&router, "POST", "/_sim/faults", Some(&rule.to_string())).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.render());
    assert_eq!(again.json()["faults"][1]["by"], "29d23h59m59s999ms");
}

#[tokio::test]
async fn initiate_echoes_only_a_string_ref() {
    let router = router();
    let expired = send(
        &router,
        "POST",
        &format!("/_sim/accounts/{ADA}/expire-session"),
        Some("{}"),
    )
    .await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.render());
    let initiate =
        |meta: &str| format!(r#"{{"scope": "reauth", "account": "{ADA}", "meta": {meta}}}"#);
    // A number used to come back as `data.meta.ref: 5`, against the document.
    let number = send(
        &router,
        "POST",
        "/v2/accounts/initiate",
        Some(&initiate(r#"{"ref": 5}"#)),
    )
    .await;
    assert_eq!(
        number.status,
        StatusCode::BAD_REQUEST,
        "{}",
        number.render()
    );
    let null = send(
        &router,
        "POST",
        "/v2/accounts/initiate",
        Some(&initiate(r#"{"ref": null}"#)),
    )
    .await;
    assert_eq!(null.status, StatusCode::OK, "{}", null.render());
    assert_eq!(null.json()["data"]["meta"]["ref"], "ada-ref");
    let given = send(
        &router,
        "POST",
        "/v2/accounts/initiate",
        Some(&initiate(r#"{"ref": "mine"}"#)),
    )
    .await;
    assert_eq!(given.json()["data"]["meta"]["ref"], "mine");
}
