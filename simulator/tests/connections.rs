//! The connection layer on real sockets (issue 12): half-sent and silent connections are
//! closed after the header timeout, kept-alive ones after the idle timeout, a request in
//! flight outlives both, the cap makes room by closing the longest-waiting connection, and
//! heads hyper refuses (431, 414) are answered with the route's JSON error body.

mod live;

use std::time::{Duration, Instant};

use live::Live;
use monosim_simulator::{ConnectionLimits, SimulatorConfig, MAX_HEADER_BYTES, MAX_URI};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for something that should happen well within it.
const DEADLINE: Duration = Duration::from_secs(20);

async fn live(header: Duration, idle: Duration, max_connections: usize) -> Live {
    Live::start_with(SimulatorConfig {
        connections: ConnectionLimits {
            header_timeout: header,
            idle_timeout: idle,
            max_connections,
        },
        ..Live::config()
    })
    .await
}

async fn connect(live: &Live) -> TcpStream {
    TcpStream::connect(live.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
/// Fails the test if it is still open after [`DEADLINE`].
async fn until_closed(stream: &mut TcpStream) -> (Vec<u8>, Instant) {
    let mut received = Vec::new();
    let read = tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the connection was still open after {DEADLINE:?}"
    );
    (received, Instant::now())
}

/// A whole HTTP/1.1 answer on a raw socket: status line and JSON body.
fn parse(answer: &[u8]) -> (String, String, Value) {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.lines().next().unwrap_or_default().to_string();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), body)
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let header = Duration::from_millis(300);
    let live = live(header, Duration::from_secs(600), 100).await;
    let opened = Instant::now();
    let mut silent = connect(&live).await;
    let mut partial = connect(&live).await;
    partial
        .write_all(b"GET /_sim/state HTTP/1.1\r\nhost: monosim\r\n")
        .await
        .unwrap();
    for stream in [&mut silent, &mut partial] {
        let (received, closed) = until_closed(stream).await;
        assert!(
            received.is_empty(),
            "{}",
            String::from_utf8_lossy(&received)
        );
        assert!(closed - opened >= header, "{:?}", closed - opened);
    }
    // The server answers as before.
    let (status, _) = live.control_raw("GET", "/state", json!({})).await;
    assert_eq!(status, 200);
}

/// A head that trickles in a byte at a time still has to be complete within the header
/// timeout, counted from its first byte.
#[tokio::test]
async fn a_trickled_head_does_not_reset_the_header_timeout() {
    let header = Duration::from_millis(500);
    let live = live(header, Duration::from_secs(600), 100).await;
    let mut stream = connect(&live).await;
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /_sim/state HTTP/1.1\r\nx-slow: "
        .iter()
        .cycle()
        .take(10_000)
    {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        if started.elapsed() > DEADLINE {
            break;
        }
    }
    assert!(closed, "still open after {:?}", started.elapsed());
    assert!(started.elapsed() >= header);
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let live = live(Duration::from_secs(600), idle, 100).await;
    let mut stream = connect(&live).await;
    stream
        .write_all(b"GET /_sim/clock HTTP/1.1\r\nhost: monosim\r\n\r\n")
        .await
        .unwrap();
    let sent = Instant::now();
    let (received, closed) = until_closed(&mut stream).await;
    let (status, _, body) = parse(&received);
    assert!(status.contains(" 200 "), "{status}");
    assert!(body["now"].is_string(), "{body}");
    assert!(closed - sent >= idle, "{:?}", closed - sent);
}

#[tokio::test]
async fn a_request_in_flight_outlives_both_timeouts() {
    let short = Duration::from_millis(200);
    let live = live(short, short, 100).await;
    let id = live.link(json!({"institution": "gtbank"})).await;
    live.fault(json!({"kind": "hang", "for": "1s", "endpoint": "sync"}))
        .await;
    let started = Instant::now();
    let (status, body) = live.api("POST", &format!("/accounts/{id}/sync")).await;
    assert_eq!(status, 504, "{body}");
    assert!(started.elapsed() >= Duration::from_secs(1));
}

/// A request with the app has no deadline, but its body must keep coming: a client that
/// declares a body and stops sending cannot hold its connection for ever.
#[tokio::test]
async fn a_body_that_stops_arriving_is_cut_off_after_the_header_timeout() {
    let header = Duration::from_millis(300);
    let live = live(header, Duration::from_secs(600), 100).await;
    let mut stream = connect(&live).await;
    stream
        .write_all(
            b"POST /_sim/events HTTP/1.1\r\nhost: monosim\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"event\": ",
        )
        .await
        .unwrap();
    let sent = Instant::now();
    let (received, closed) = until_closed(&mut stream).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    assert!(text.contains("stopped arriving"), "{text}");
    assert!(
        text.contains("application/json"),
        "in the route's error shape: {text}"
    );
    assert!(closed - sent >= header, "{:?}", closed - sent);
}

#[tokio::test]
async fn at_the_cap_the_longest_waiting_connections_make_room() {
    let cap = 20;
    let live = live(Duration::from_secs(600), Duration::from_secs(600), cap).await;
    let mut idle = Vec::new();
    for _ in 0..3 * cap {
        idle.push(connect(&live).await);
    }
    // A real request still gets in, and is answered.
    let (status, _) = live.control_raw("GET", "/state", json!({})).await;
    assert_eq!(status, 200);
    // The oldest idle connections were closed to make room, long before any timeout.
    let mut closed = 0;
    for stream in idle.iter_mut().take(2 * cap) {
        let (received, _) = until_closed(stream).await;
        assert!(received.is_empty());
        closed += 1;
    }
    assert_eq!(closed, 2 * cap);
}

/// hyper answers an over-large head itself, with an empty body; the client gets the
/// route's error shape instead.
#[tokio::test]
async fn heads_too_large_get_the_routes_error_shape() {
    let live = live(Duration::from_secs(60), Duration::from_secs(60), 100).await;
    let big_header = "b".repeat(MAX_HEADER_BYTES + 1);
    let long_uri = "u".repeat(MAX_URI + 1);
    let huge_uri = "u".repeat(2 * MAX_HEADER_BYTES);
    let cases = [
        // (request, status, v2 shape?)
        (
            format!("GET /v2/accounts/x HTTP/1.1\r\nhost: m\r\nconnection: close\r\nx-big: {big_header}\r\n\r\n"),
            431,
            true,
        ),
        (
            format!("GET /_sim/state HTTP/1.1\r\nhost: m\r\nconnection: close\r\nx-big: {big_header}\r\n\r\n"),
            431,
            false,
        ),
        (
            format!("GET /accounts/x HTTP/1.1\r\nhost: m\r\nconnection: close\r\n{}\r\n", "x-h: 1\r\n".repeat(101)),
            431,
            false,
        ),
        (
            format!("GET /v2/accounts/{long_uri} HTTP/1.1\r\nhost: m\r\nconnection: close\r\n\r\n"),
            414,
            true,
        ),
        (
            format!("GET /_sim/accounts/{long_uri} HTTP/1.1\r\nhost: m\r\nconnection: close\r\n\r\n"),
            414,
            false,
        ),
        (
            format!("GET /v2/accounts/{huge_uri} HTTP/1.1\r\nhost: m\r\nconnection: close\r\n\r\n"),
            414,
            true,
        ),
        (
            format!("GET /widget?key={long_uri} HTTP/1.1\r\nhost: m\r\nconnection: close\r\n\r\n"),
            414,
            false,
        ),
        (
            "GET /accounts/x HTTP/1.1\r\nho st: m\r\n\r\n".to_string(),
            400,
            false,
        ),
    ];
    for (request, expected, v2) in cases {
        let mut stream = connect(&live).await;
        // The server may answer and close before the whole head is sent.
        let _ = stream.write_all(request.as_bytes()).await;
        let (received, _) = until_closed(&mut stream).await;
        let (status, head, body) = parse(&received);
        let shown = &request[..request.len().min(40)];
        assert!(
            status.starts_with(&format!("HTTP/1.1 {expected} ")),
            "{shown}: {status}"
        );
        assert!(
            head.contains("content-type: application/json"),
            "{shown}: {head}"
        );
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{shown}: {body}");
        assert!(received.len() < 2_000, "{shown}: {} bytes", received.len());
        if v2 {
            assert_eq!(body["status"], "failed", "{shown}: {body}");
            assert!(body["timestamp"].is_string(), "{shown}: {body}");
        } else {
            assert_eq!(body.as_object().unwrap().len(), 1, "{shown}: {body}");
        }
        if expected == 414 {
            assert!(message.contains("8192 bytes"), "{message}");
        }
        if expected == 431 {
            assert!(message.contains("65536 bytes"), "{message}");
        }
    }
}
