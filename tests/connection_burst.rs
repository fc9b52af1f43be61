//! A burst of events opens connections to the receiver a few at a time.
//!
//! When sixty accounts' events fall due in the same instant, the dispatcher sends them on
//! sixty lanes at once. Were it to open sixty connections within microseconds, a receiver
//! with a small listen backlog (Python's `http.server` and Werkzeug keep 5) would see the
//! kernel drop the overflow, and the retransmissions would back off past the attempt's
//! timeout: a correct receiver failed for our haste. So at most a few new connections may
//! be waiting for their first answer at once. This receiver checks exactly that at every
//! accept: a connection it accepted and has not answered yet is one the dispatcher is
//! still waiting on, so their number can never exceed the dispatcher's limit.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use monosim_simulator::clock::Timestamp;
use monosim_simulator::webhooks::RetryPolicy;
use monosim_simulator::{Simulator, SimulatorConfig};
use serde_json::{json, Value};
use support::control;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// New connections the dispatcher may hold open before their first answer
/// (`OPENING_PER_HOST` in `simulator/src/webhooks/client.rs`).
const OPENING_AT_ONCE: usize = 4;
const ACCOUNTS: usize = 60;

/// Counts connections accepted but not answered yet, and the most there ever were.
#[derive(Default)]
struct Counts {
    unanswered: AtomicUsize,
    most_unanswered: AtomicUsize,
    connections: AtomicUsize,
}

/// A receiver answering every POST with 200 after `delay`, keeping connections alive.
async fn receiver(counts: Arc<Counts>, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let now = counts.unanswered.fetch_add(1, Ordering::SeqCst) + 1;
            counts.most_unanswered.fetch_max(now, Ordering::SeqCst);
            tokio::spawn(serve(stream, counts.clone(), delay));
        }
    });
    url
}

/// Answers each request on `stream` until the dispatcher closes it.
async fn serve(mut stream: TcpStream, counts: Arc<Counts>, delay: Duration) {
    let mut first = true;
    let mut buffer = Vec::new();
    loop {
        // One request: its head, then `content-length` bytes of body.
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + length);
        // A handler that takes its time (a receiver doing its work before it answers).
        tokio::time::sleep(delay).await;
        if first {
            // Counted down before the answer goes out: the dispatcher may open the next
            // connection only once it has this answer.
            counts.unanswered.fetch_sub(1, Ordering::SeqCst);
            first = false;
        }
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// `ACCOUNTS` lanes fall due in the same instant, to a receiver answering after `delay`,
/// with `timeout` per attempt. Returns each fired event's attempts.
async fn burst(webhook: &str, timeout: Duration) -> Vec<Value> {
    // No webhook URL yet: the accounts' own events go nowhere.
    let simulator = Arc::new(
        Simulator::new(SimulatorConfig {
            seed: 5,
            random_accounts: 0,
            start: Some(Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()),
            frozen: true,
            retry: RetryPolicy {
                timeout,
                ..RetryPolicy::default()
            },
            ..SimulatorConfig::default()
        })
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serving = simulator.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    let client = reqwest::Client::new();

    let mut accounts = Vec::new();
    for _ in 0..ACCOUNTS {
        let account = control(
            &client,
            &url,
            "POST",
            "/accounts",
            json!({"institution": "gtbank"}),
        )
        .await;
        accounts.push(account["id"].as_str().unwrap().to_string());
    }
    control(&client, &url, "POST", "/idle", json!({"timeout": "20s"})).await;
    control(
        &client,
        &url,
        "PUT",
        "/webhooks",
        json!({"urls": [webhook], "secret": "sec"}),
    )
    .await;
    // Every event held a minute, then the clock moves a minute: all fall due together.
    control(
        &client,
        &url,
        "POST",
        "/faults",
        json!({"kind": "delay", "by": "1m", "count": ACCOUNTS}),
    )
    .await;
    let mut fired = Vec::new();
    for account in &accounts {
        let event = json!({"event": "mono.events.reauthorisation_required", "account": account});
        fired.push(control(&client, &url, "POST", "/events", event).await["event_id"].clone());
    }
    control(&client, &url, "POST", "/clock/advance", json!({"by": "1m"})).await;
    let idle = control(&client, &url, "POST", "/idle", json!({"timeout": "60s"})).await;
    assert_eq!(idle["idle"], true, "{idle}");

    let deliveries = control(&client, &url, "GET", "/deliveries", json!({})).await;
    deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| fired.contains(&d["event_id"]))
        .cloned()
        .collect()
}

/// Each event was delivered at its first attempt.
fn all_delivered_at_once(attempts: &[Value]) {
    assert_eq!(
        attempts.len(),
        ACCOUNTS,
        "one attempt per event: {attempts:#?}"
    );
    for attempt in attempts {
        assert_eq!(attempt["outcome"], "delivered", "{attempt}");
        assert_eq!(attempt["attempt"], 1, "{attempt}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_lanes_due_at_once_open_their_connections_a_few_at_a_time() {
    let counts = Arc::new(Counts::default());
    let webhook = receiver(counts.clone(), Duration::ZERO).await;
    all_delivered_at_once(&burst(&webhook, Duration::from_secs(10)).await);
    let most = counts.most_unanswered.load(Ordering::SeqCst);
    assert!(
        most <= OPENING_AT_ONCE,
        "{most} connections were waiting for their first answer at once; at most {OPENING_AT_ONCE} may"
    );
    // The lanes did run side by side: more than one connection was opened.
    assert!(counts.connections.load(Ordering::SeqCst) > 1);
}

/// Opening four at a time, the last of sixty lanes wait several rounds of answers for
/// their turn (fewer than fifteen: a connection that comes back is taken by the next lane
/// waiting, so each round sends more). That wait is the dispatcher's own queue, not the
/// receiver being slow: it must not count against the attempt's deadline. Here every answer
/// takes 100 ms and an attempt may take 300 ms; counted, the lanes of the third round and
/// later would time out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_turn_to_connect_does_not_count_against_the_attempts_deadline() {
    let counts = Arc::new(Counts::default());
    let webhook = receiver(counts.clone(), Duration::from_millis(100)).await;
    all_delivered_at_once(&burst(&webhook, Duration::from_millis(300)).await);
    assert!(counts.most_unanswered.load(Ordering::SeqCst) <= OPENING_AT_ONCE);
}
