//! A webhook receiver that misbehaves on request, written on a raw `TcpListener` so it can
//! do what no HTTP framework would let it: hang, reset the connection mid-answer, drip bytes,
//! answer garbage, stream an endless body, or die.
//!
//! Each webhook's body decides: a body containing `"fault":"<name>"` (set with an override
//! such as `data.fault=<name>`) gets that fault; any other request gets `200 OK`, and so
//! does `"fault":"healthy"` (a marked healthy event, which `kill_after_healthy` waits for). So one
//! receiver serves a healthy account and a misbehaving one side by side, and every retry of
//! a faulty event (the same bytes) misbehaves the same way.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

/// What `too_many` (429) asks for in `Retry-After`, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 600;
/// What `too_many_for_days` asks for: far beyond any retry cap.
pub const RETRY_AFTER_DAYS_SECONDS: u64 = 30 * 24 * 3600;

/// One request as the receiver read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    /// The fault its body asked for, if any.
    pub fault: Option<String>,
    pub body: String,
}

#[derive(Clone)]
pub struct FaultyReceiver {
    pub port: u16,
    /// `http://127.0.0.1:<port>/webhook`
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Bytes of endless body written by `huge` answers.
    pub huge_bytes: Arc<AtomicU64>,
    /// Set to `true` by a `kill` request: the listener and every connection go away.
    killed: watch::Sender<bool>,
    /// After a restart the receiver is fixed: it answers 200 to everything.
    cured: Arc<std::sync::atomic::AtomicBool>,
    /// The connection that asked for `kill`, closed only once everything else is gone, so
    /// whoever sees it close sees a dead receiver.
    last_gasp: Arc<Mutex<Option<TcpStream>>>,
    /// While dead, the port stays bound but not listening (see [`tombstone`]).
    grave: Arc<Mutex<Option<TcpSocket>>>,
    /// How many `healthy` events were answered.
    healthy: watch::Sender<usize>,
}

/// Binds `port` on 127.0.0.1 without listening: connecting to it is refused, and nothing
/// else on the machine (another test picking a free port) can take it meanwhile — which a
/// merely closed port would allow, turning "refused" into someone else's answer.
pub fn tombstone(port: u16) -> TcpSocket {
    let socket = TcpSocket::new_v4().unwrap();
    // The dead receiver's connections may linger in TIME_WAIT on this port.
    socket.set_reuseaddr(true).unwrap();
    socket
        .bind(([127, 0, 0, 1], port).into())
        .expect("the port just closed is still free");
    socket
}

/// A webhook URL on which connections are refused, and the socket keeping it so.
pub fn refusing_url() -> (TcpSocket, String) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let url = format!("http://{}/webhook", socket.local_addr().unwrap());
    (socket, url)
}

impl FaultyReceiver {
    /// Listens on 127.0.0.1:0.
    pub async fn start() -> FaultyReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = FaultyReceiver {
            port,
            url: format!("http://127.0.0.1:{port}/webhook"),
            seen: Arc::default(),
            huge_bytes: Arc::default(),
            killed: watch::channel(false).0,
            cured: Arc::default(),
            last_gasp: Arc::default(),
            grave: Arc::default(),
            healthy: watch::channel(0).0,
        };
        receiver.spawn(listener);
        receiver
    }

    /// Comes back on the same port after a `kill`, fixed: from now on it answers 200 to
    /// everything (a receiver its owner restarted after fixing it).
    pub async fn restart(&self) {
        assert!(*self.killed.borrow(), "restart follows a kill");
        self.grave.lock().unwrap().take();
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the killed receiver's port is free again");
        self.cured.store(true, Ordering::SeqCst);
        self.killed.send_replace(false);
        self.spawn(listener);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests whose body asked for `fault`.
    pub fn seen_with(&self, fault: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.fault.as_deref() == Some(fault))
            .count()
    }

    fn spawn(&self, listener: TcpListener) {
        let receiver = self.clone();
        let mut killed = self.killed.subscribe();
        tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        connections.spawn(receiver.clone().serve(stream));
                    }
                    _ = killed.wait_for(|k| *k) => break,
                }
            }
            // Killed: the listener closes (new connections are refused) and every open
            // connection is dropped mid-whatever, as when a process dies; the connection
            // that asked for it closes last.
            drop(listener);
            *receiver.grave.lock().unwrap() = Some(tombstone(receiver.port));
            connections.abort_all();
            while connections.join_next().await.is_some() {}
            receiver.last_gasp.lock().unwrap().take();
        });
    }

    async fn serve(self, mut stream: TcpStream) {
        loop {
            let Some(request) = read_request(&mut stream).await else {
                return;
            };
            let fault = fault_of(&request.body).filter(|_| !self.cured.load(Ordering::SeqCst));
            self.seen.lock().unwrap().push(Seen {
                path: request.path.clone(),
                fault: fault.clone(),
                body: request.body.clone(),
            });
            let keep_going = match fault.as_deref() {
                None => answer(&mut stream, "200 OK", "", "ok").await,
                Some("healthy") => {
                    let answered = answer(&mut stream, "200 OK", "", "ok").await;
                    self.healthy.send_modify(|n| *n += 1);
                    answered
                }
                Some("hang") => {
                    // Never answer; notice when the client gives up.
                    let mut byte = [0u8; 1];
                    while matches!(stream.read(&mut byte).await, Ok(n) if n > 0) {}
                    false
                }
                Some("reset") => {
                    // The status line, headers and part of the body, then a TCP reset.
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
                        .await;
                    let _ = stream.flush().await;
                    let _ = stream.set_zero_linger();
                    false
                }
                Some("drip") => {
                    // A well-formed answer, one byte every 50 ms: each byte arrives long
                    // before any per-read timeout, the whole would take minutes.
                    let body = "x".repeat(4_000);
                    let text = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    for byte in text.as_bytes() {
                        if stream.write_all(&[*byte]).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    false
                }
                Some("redirect") => {
                    let location = format!("http://127.0.0.1:{}/followed", self.port);
                    answer(
                        &mut stream,
                        "302 Found",
                        &format!("location: {location}\r\n"),
                        "",
                    )
                    .await
                }
                Some("gone") => answer(&mut stream, "410 Gone", "", "gone").await,
                Some("too_many") => {
                    answer(
                        &mut stream,
                        "429 Too Many Requests",
                        &format!("retry-after: {RETRY_AFTER_SECONDS}\r\n"),
                        "slow down",
                    )
                    .await
                }
                Some("too_many_for_days") => {
                    answer(
                        &mut stream,
                        "429 Too Many Requests",
                        &format!("retry-after: {RETRY_AFTER_DAYS_SECONDS}\r\n"),
                        "",
                    )
                    .await
                }
                Some("garbage") => {
                    let _ = stream
                        .write_all(b"\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n")
                        .await;
                    false
                }
                Some("huge") => {
                    // 200 and a body that never ends (chunked): only a reader that stops
                    // early gets past it.
                    if stream
                        .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                    chunk.extend(std::iter::repeat_n(b'a', 64 * 1024));
                    chunk.extend(b"\r\n");
                    while stream.write_all(&chunk).await.is_ok() {
                        self.huge_bytes.fetch_add(64 * 1024, Ordering::SeqCst);
                    }
                    false
                }
                Some("kill_after_healthy") => {
                    // Dies only once a healthy event was answered: scenarios run in any
                    // order, and the healthy one must not meet a dead receiver.
                    let _ = self.healthy.subscribe().wait_for(|n| *n >= 1).await;
                    *self.last_gasp.lock().unwrap() = Some(stream);
                    self.killed.send_replace(true);
                    return;
                }
                Some("kill") => {
                    *self.last_gasp.lock().unwrap() = Some(stream);
                    self.killed.send_replace(true);
                    return;
                }
                Some(other) => panic!("unknown fault `{other}`"),
            };
            if !keep_going {
                return;
            }
        }
    }
}

struct Request {
    path: String,
    body: String,
}

/// Reads one HTTP/1.1 request (headers, then `content-length` bytes of body).
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
    Some(Request { path, body })
}

fn fault_of(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value["data"]["fault"].as_str().map(str::to_string)
}

/// Writes a complete answer; returns whether the connection may be reused.
async fn answer(stream: &mut TcpStream, status: &str, headers: &str, body: &str) -> bool {
    let text = format!(
        "HTTP/1.1 {status}\r\n{headers}content-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(text.as_bytes()).await.is_ok()
}
