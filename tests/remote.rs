//! `monosim fire`, `monosim reauth` and `monosim logs` against a running `monosim serve`.

mod support;

use std::sync::{Arc, Mutex};

use axum::routing::post;
use serde_json::{json, Value};
use support::{monosim, Served};

/// A receiver that keeps every webhook body; returns its URL and the bodies.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/webhook",
        post(move |body: axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body.0);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = monosim().args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fire_reauth_and_logs_drive_a_running_simulator() {
    let (hook, seen) = receiver().await;
    let served = Served::start(&[
        "--webhook-url",
        &hook,
        "--accounts",
        "0",
        "--data-delay",
        "0s",
    ]);
    let client = reqwest::Client::new();
    let account: Value = client
        .post(format!("{}/_sim/accounts", served.url))
        .json(&json!({"institution": "gtbank", "mfa": "otp"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = account["id"].as_str().unwrap().to_string();
    let url = served.url.clone();

    let (code, out, err) = tokio::task::spawn_blocking({
        let (id, url) = (id.clone(), url.clone());
        move || {
            run(&[
                "fire",
                "mono.events.account_updated",
                "--account",
                &id,
                "--set",
                "data.meta.data_status=FAILED",
                "--url",
                &url,
            ])
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("fired mono.events.account_updated event_id "),
        "{out}"
    );

    let (code, _, err) = tokio::task::spawn_blocking({
        let (id, url) = (id.clone(), url.clone());
        move || run(&["reauth", &id, "--mfa", "correct", "--url", &url])
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "no token yet");
    assert!(err.contains("no re-auth token has been issued"), "{err}");

    let token: Value = client
        .post(format!("{url}/accounts/{id}/reauthorise"))
        .header("mono-sec-key", served.secret_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token["token"].is_string());
    // The user coming back too late is an outcome to simulate, not a failure of the CLI.
    let (code, out, err) = tokio::task::spawn_blocking({
        let (id, url) = (id.clone(), url.clone());
        move || run(&["reauth", &id, "--mfa", "expired", "--url", &url])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("expired: the token was refused"), "{out}");
    let (code, out, err) = tokio::task::spawn_blocking({
        let (id, url) = (id.clone(), url.clone());
        move || run(&["reauth", &id, "--mfa", "correct", "--url", &url])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("re-authorised {id}")), "{out}");

    client
        .post(format!("{url}/_sim/idle"))
        .send()
        .await
        .unwrap();
    let events: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        [
            "mono.events.account_connected",
            "mono.events.account_updated",
            "mono.events.account_updated",
            "mono.events.account_reauthorized",
            "mono.events.account_updated",
        ]
    );
    assert_eq!(
        seen.lock().unwrap()[2]["data"]["meta"]["data_status"],
        "FAILED"
    );

    let (code, out, _) = tokio::task::spawn_blocking(move || run(&["logs", "--url", &url]))
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert!(out.lines().next().unwrap().contains("EVENT"));
    assert_eq!(
        out.lines().filter(|l| l.contains("delivered")).count(),
        5,
        "{out}"
    );
}

#[test]
fn a_simulator_that_is_not_running_is_an_environment_error_with_a_hint() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, _, err) = run(&["logs", "--url", &url]);
    assert_eq!(code, 3);
    assert!(err.contains("is `monosim serve` running?"), "{err}");
}

#[test]
fn a_malformed_set_is_a_usage_error() {
    let (code, _, err) = run(&[
        "fire",
        "mono.events.account_updated",
        "--account",
        "x",
        "--set",
        "nonsense",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("is not PATH=VALUE"), "{err}");
}
