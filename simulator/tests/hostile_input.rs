//! Nothing a client sends may crash the simulator or make it answer with more than the
//! client deserves (issue 12): a `set` path of 20,000 keys is a 400, not a stack overflow;
//! a 60 KB value is echoed in an error as its first 100 characters and a note.

mod common;

use common::{router, send, ADA};
use serde_json::json;

/// What every echo of an over-long value ends with.
const CUT: &str = "characters; shown up to 100)";

#[tokio::test]
async fn a_set_path_of_20000_keys_is_refused_not_a_stack_overflow() {
    let router = router();
    let path = vec!["a"; 20_000].join(".");
    let body = json!({
        "event": "mono.events.account_updated",
        "account": ADA,
        "set": { path: 1 },
    })
    .to_string();
    let reply = send(&router, "POST", "/_sim/events", Some(&body)).await;
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let message = reply.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("20000 keys"), "{message}");
    assert!(message.contains("at most 127 levels"), "{message}");
    assert!(message.contains(CUT), "{message}");
    assert!(reply.body.len() < 1_000, "{message}");
    // The simulator is still there, and a sensible override still works.
    let body = json!({
        "event": "mono.events.account_updated",
        "account": ADA,
        "set": { "data.meta.data_status": "FAILED" },
    })
    .to_string();
    let reply = send(&router, "POST", "/_sim/events", Some(&body)).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

/// A value nested deep under a path: the two together are what must fit. (Paths count
/// from the body's root, so no sequence of overrides builds on another past the limit.)
#[tokio::test]
async fn a_deep_value_under_a_path_cannot_make_the_body_too_deep() {
    let router = router();
    let nested: serde_json::Value =
        serde_json::from_str(&format!("{}1{}", "[".repeat(120), "]".repeat(120))).unwrap();
    let fire = |path: &str| {
        json!({
            "event": "mono.events.account_updated",
            "account": ADA,
            "set": { path: nested.clone() },
        })
        .to_string()
    };
    let reply = send(
        &router,
        "POST",
        "/_sim/events",
        Some(&fire("data.a.b.c.d.e.f.g.h")),
    )
    .await;
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let message = reply.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("nests 120 deep"), "{message}");
    let reply = send(&router, "POST", "/_sim/events", Some(&fire("data.a"))).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

/// JSON nested 100,000 deep, on every route that reads a JSON body: serde_json stops at 128
/// levels (or at the first value of the wrong type), so it is a 400, never a stack
/// overflow.
#[tokio::test]
async fn deeply_nested_bodies_are_refused_on_every_json_route() {
    let router = router();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let object = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    for path in [
        "/account/auth".to_string(),
        "/v2/accounts/auth".to_string(),
        "/v2/accounts/initiate".to_string(),
        "/_sim/events".to_string(),
        "/_sim/accounts".to_string(),
        "/_sim/faults".to_string(),
        "/_sim/clock/advance".to_string(),
        format!("/_sim/accounts/{ADA}/reauth"),
        format!("/_sim/accounts/{ADA}/bank-balance"),
    ] {
        for body in [&deep, &object] {
            let reply = send(&router, "POST", &path, Some(body)).await;
            assert_eq!(
                reply.status,
                400,
                "{path}: {}",
                String::from_utf8_lossy(&reply.body)
            );
            let message = reply.json()["message"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(
                message.starts_with("Invalid request body"),
                "{path}: {message}"
            );
        }
    }
}

/// Every place a client's value comes back in an error: path segments, query parameters,
/// body fields, names a parser quotes. None is echoed whole.
#[tokio::test]
async fn long_values_are_echoed_cut_with_the_limit_they_hit() {
    let router = router();
    // Paths and queries stay under the URI limit; bodies may be far longer.
    let path_value = "f".repeat(6_000);
    let body_value = "x".repeat(60_000);
    let cases: Vec<(&str, String, Option<String>)> = vec![
        ("GET", format!("/accounts/{path_value}"), None),
        ("GET", format!("/v2/accounts/{path_value}/balance"), None),
        ("GET", format!("/_sim/accounts/{path_value}"), None),
        ("GET", format!("/{path_value}"), None),
        ("GET", format!("/v2/{path_value}"), None),
        ("DELETE", format!("/_sim/{path_value}"), None),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?type={path_value}"),
            None,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?limit={path_value}"),
            None,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/statement?period={path_value}"),
            None,
        ),
        ("GET", format!("/v2/accounts/{ADA}/jobs/{path_value}"), None),
        (
            "POST",
            "/account/auth".into(),
            Some(json!({ "code": body_value }).to_string()),
        ),
        (
            "POST",
            "/v2/accounts/auth".into(),
            Some(json!({ "code": body_value }).to_string()),
        ),
        (
            "POST",
            "/_sim/events".into(),
            Some(json!({ "event": "mono.events.x", "account": body_value }).to_string()),
        ),
        (
            "POST",
            "/_sim/events".into(),
            Some(json!({ "event": body_value, "account": ADA }).to_string()),
        ),
        (
            "POST",
            "/_sim/events".into(),
            Some(
                json!({ "event": "mono.events.x", "account": ADA, "delay": body_value })
                    .to_string(),
            ),
        ),
        (
            "POST",
            format!("/_sim/accounts/{ADA}/reauth"),
            Some(json!({ "mfa": body_value }).to_string()),
        ),
        (
            "POST",
            format!("/_sim/accounts/{ADA}/reauth"),
            Some(json!({ "mfa": "correct", "token": body_value }).to_string()),
        ),
        (
            "POST",
            "/_sim/accounts".into(),
            Some(json!({ "institution": body_value }).to_string()),
        ),
        (
            "POST",
            "/_sim/accounts".into(),
            Some(json!({ body_value.clone(): 1 }).to_string()),
        ),
        (
            "PUT",
            "/_sim/webhooks".into(),
            Some(json!({ "urls": [body_value] }).to_string()),
        ),
        (
            "POST",
            "/_sim/faults".into(),
            Some(json!({ "kind": body_value }).to_string()),
        ),
        (
            "POST",
            "/_sim/faults".into(),
            Some(json!({ "kind": "duplicate", body_value.clone(): 1 }).to_string()),
        ),
        (
            "POST",
            "/_sim/clock/advance".into(),
            Some(json!({ "to": body_value }).to_string()),
        ),
    ];
    for (method, path, body) in cases {
        let reply = send(&router, method, &path, body.as_deref()).await;
        let text = String::from_utf8_lossy(&reply.body);
        let shown = &text[..text.len().min(300)];
        assert!(
            reply.status.is_client_error(),
            "{method} {}: {} {shown}",
            &path[..path.len().min(60)],
            reply.status
        );
        assert!(
            reply.body.len() < 1_000,
            "{method} {}: a {} byte answer: {shown}",
            &path[..path.len().min(60)],
            reply.body.len()
        );
        assert!(
            text.contains(CUT),
            "{method} {}: says nothing of the cut: {text}",
            &path[..path.len().min(60)]
        );
    }
}
