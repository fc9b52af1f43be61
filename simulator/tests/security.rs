//! Security defaults of the server: who may use the control API (the rule is tested here
//! with a forged peer address; `tests/security.rs` at the root repeats it over a real
//! non-loopback connection), and the 1 MiB body limit on every route, in each API's error
//! shape.

mod common;
mod live;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use monosim_simulator::{Simulator, SimulatorConfig, DEFAULT_SECRET_KEY, MAX_BODY};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const REMOTE: &str = "203.0.113.9:51000";
const LOCAL: &str = "127.0.0.1:51000";
const LOCAL_MAPPED: &str = "[::ffff:127.0.0.1]:51000";

fn router(token: Option<&str>) -> Router {
    Simulator::new(SimulatorConfig {
        seed: 3,
        random_accounts: 1,
        start: Some(common::start()),
        frozen: true,
        control_token: token.map(str::to_string),
        ..SimulatorConfig::default()
    })
    .unwrap()
    .router(common::BASE_URL)
}

/// The status and content type of a request as if it came from `peer`, whatever its body.
async fn status_from(
    router: &Router,
    peer: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = Request::builder().uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status(), kind)
}

/// The console drives the control API and shows tokens and payloads: the page and its
/// assets follow the control API's rule, not the open rule of the widget's pages.
#[tokio::test]
async fn the_console_answers_remote_clients_only_with_the_control_token() {
    let open = router(None);
    let guarded = router(Some("a-long-control-token"));
    for path in ["/", "/console/console.js", "/console/console.css"] {
        let (status, body) = from(&open, REMOTE, "GET", path, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("console"),
            "{path}: {body}"
        );
        let (status, _) = from(&guarded, REMOTE, "GET", path, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let bearer = [("authorization", "Bearer a-long-control-token")];
        let (status, _) = status_from(&guarded, REMOTE, path, &bearer).await;
        assert_eq!(status, StatusCode::OK, "{path} with the token");
        for local in [LOCAL, LOCAL_MAPPED] {
            let (status, _) = status_from(&open, local, path, &[]).await;
            assert_eq!(status, StatusCode::OK, "{path} from {local}");
        }
    }
    let (_, kind) = status_from(&open, LOCAL, "/", &[]).await;
    assert!(kind.starts_with("text/html"), "{kind}");
    // The widget's pages stay open: a phone on the LAN may open a re-auth link.
    let (status, _) = status_from(&open, REMOTE, "/connect.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
}

/// A request as if it came from `peer` over a socket.
async fn from(
    router: &Router,
    peer: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{path} answered {status} with something not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, body)
}

#[tokio::test]
async fn without_a_token_the_control_api_answers_only_loopback_clients() {
    let router = router(None);
    let (status, body) = from(&router, REMOTE, "GET", "/_sim/state", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("203.0.113.9") && message.contains("--control-token"),
        "says who was refused and what to do: {message}"
    );
    // Even a bearer token does not help when none was configured.
    let (status, _) = from(
        &router,
        REMOTE,
        "POST",
        "/_sim/reset",
        &[("authorization", "Bearer guess")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The recording tells what was done to the simulator: the same rule.
    let (status, _) = from(&router, REMOTE, "GET", "/_sim/recording.yaml", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for local in [LOCAL, LOCAL_MAPPED, "[::1]:4000"] {
        let (status, body) = from(&router, local, "GET", "/_sim/state", &[]).await;
        assert_eq!(status, StatusCode::OK, "{local}: {body}");
    }
    // Mono's API is not the control API: it has its own key, and remote clients may use it.
    let (status, body) = from(
        &router,
        REMOTE,
        "GET",
        "/coverage",
        &[("mono-sec-key", DEFAULT_SECRET_KEY)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A spelling of the path that routing does not decode does not reach the control API.
    let (status, _) = from(&router, REMOTE, "GET", "/%5Fsim/state", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_a_token_remote_clients_must_present_it_as_a_bearer_token() {
    let router = router(Some("a-long-control-token"));
    let (status, body) = from(&router, REMOTE, "GET", "/_sim/state", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer <token>"),
        "{body}"
    );
    for wrong in [
        "Bearer a-long-control-tokeN",
        "Bearer a-long-control-toke",
        "Bearer a-long-control-token-and-more",
        "Bearer ",
        "Basic a-long-control-token",
        "a-long-control-token",
    ] {
        let (status, body) = from(
            &router,
            REMOTE,
            "GET",
            "/_sim/state",
            &[("authorization", wrong)],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}: {body}");
    }
    // RFC 9110: the auth scheme is case-insensitive (issue 12: `bearer` was refused).
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let value = format!("{scheme} a-long-control-token");
        let (status, body) = from(
            &router,
            REMOTE,
            "GET",
            "/_sim/state",
            &[("authorization", &value)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{value}: {body}");
    }
    // Loopback clients need no token.
    let (status, _) = from(&router, LOCAL, "GET", "/_sim/clock", &[]).await;
    assert_eq!(status, StatusCode::OK);
}

/// A POST whose body is `size` bytes of JSON-ish text, declared with content-length.
async fn post_big(router: &Router, path: &str, size: usize) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("mono-sec-key", DEFAULT_SECRET_KEY)
        .header("content-type", "application/json")
        .header("content-length", size.to_string())
        .body(Body::from(vec![b' '; size]))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).expect("a JSON error"),
    )
}

#[tokio::test]
async fn bodies_over_1_mib_are_refused_with_413_in_each_apis_error_shape() {
    let router = router(None);
    let too_big = MAX_BODY + 1;

    let (status, v1) = post_big(&router, "/account/auth", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let message = v1["message"].as_str().unwrap();
    assert!(message.contains("1048576 bytes") && message.contains(&too_big.to_string()));
    assert_eq!(v1.as_object().unwrap().len(), 1, "v1 shape: {v1}");

    let (status, v2) = post_big(&router, "/v2/accounts/auth", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v2["status"], "failed");
    assert!(v2["data"].is_null() && v2["timestamp"].is_string(), "{v2}");

    let (status, control) = post_big(&router, "/_sim/accounts", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(control["message"].as_str().unwrap().contains("1 MiB"));

    // Routes that read no body refuse an oversized one too, before reading it.
    let (status, _) = post_big(&router, "/accounts/5f171a530295e231abca1153/sync", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // At the limit, the body is read (and found not to be a code: a 400, not a 413).
    let (status, body) = post_big(&router, "/account/auth", MAX_BODY).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn the_widgets_forms_are_held_to_the_same_body_limit() {
    let router = router(None);
    // A well-formed form, half a MiB over the limit; no content-length header, so it is
    // the form extractor that finds it too long.
    let mut form = b"action=submit&otp=".to_vec();
    form.resize(MAX_BODY + 512 * 1024, b'1');
    let request = Request::builder()
        .method("POST")
        .uri("/widget/some-session")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&text);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("length limit exceeded"), "{text}");
}

/// Sends a chunked body (no content-length) of `size` bytes over a raw socket; returns the
/// status line and the body of the answer.
async fn chunked_post(url: &str, path: &str, size: usize) -> (String, Value) {
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nmono-sec-key: {DEFAULT_SECRET_KEY}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = 64 * 1024;
    let mut sent = 0;
    while sent < size {
        let n = chunk.min(size - sent);
        let mut piece = format!("{n:x}\r\n").into_bytes();
        piece.extend(std::iter::repeat_n(b' ', n));
        piece.extend(b"\r\n");
        // The server may answer and close before everything is sent: stop writing then.
        if stream.write_all(&piece).await.is_err() {
            break;
        }
        sent += n;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.lines().next().unwrap().to_string();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // One chunk is enough for a short JSON error.
        body.split("\r\n").nth(1).unwrap_or("").to_string()
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_streamed_body_that_outgrows_the_limit_is_refused_on_a_real_socket() {
    let live = live::Live::start(Vec::new()).await;
    let (status, body) = chunked_post(&live.url, "/v2/accounts/auth", 2 * MAX_BODY).await;
    assert!(status.contains(" 413 "), "{status}");
    assert_eq!(body["status"], "failed", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("the limit is 1048576 bytes"),
        "{body}"
    );
    let (status, body) = chunked_post(&live.url, "/_sim/events", 2 * MAX_BODY).await;
    assert!(status.contains(" 413 "), "{status}");
    assert!(
        body["message"].as_str().unwrap().contains("1 MiB"),
        "{body}"
    );
    // A small chunked body still works.
    let (status, _) = chunked_post(&live.url, "/_sim/idle", 2).await;
    assert!(status.contains(" 200 "), "{status}");
}
