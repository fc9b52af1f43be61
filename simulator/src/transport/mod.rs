//! The connections under the HTTP server: accepting them, the limits each one lives under,
//! and closing them on shutdown.
//!
//! `axum::serve` accepts every connection and keeps it as long as the client likes: a
//! connection that sends half a request head, or nothing, stays open for ever, and 20,000
//! of them used up the process's file descriptors until the server stopped answering
//! anyone (issue 12). It exposes none of hyper's settings, so the simulator runs its own
//! accept loop over hyper's HTTP/1 connection, with the limits nginx applies by default:
//!
//! * a client has [`ConnectionLimits::header_timeout`] (60 s, nginx's
//!   `client_header_timeout`) from connecting, or from the first byte of a later request,
//!   to finish sending the request head;
//! * a kept-alive connection may sit between requests for
//!   [`ConnectionLimits::idle_timeout`] (75 s, nginx's `keepalive_timeout`);
//! * at most [`ConnectionLimits::max_connections`] are open at once (further lowered to
//!   fit the open-file limit, see [`fd_limit`]); at the cap a new connection closes the
//!   connection that has waited longest for a request, so a flood of idle connections can
//!   never keep a real request out. Only when every open connection is busy with a request
//!   is the new one turned away, with a 503.
//!
//! A request being handled is never cut short by these: a `hang` fault or `/_sim/idle`
//! may take as long as it takes. Its body, though, must keep arriving: no more than the
//! header timeout between two pieces (`slow_body.rs`). Request heads are limited to
//! [`MAX_HEADER_BYTES`], and the answers hyper writes itself for a head it refuses (431,
//! 414, 400) get the JSON error body of the route they were for (`watched.rs`). How these
//! look to a client is in docs/reliability.md.

mod connection;
pub use connection::App;
pub mod fd_limit;
mod registry;
mod slow_body;
mod watched;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::http::{error_body, Version};
use registry::Registry;

/// The most a request line and its headers may take together: 64 KiB. nginx allows 4
/// buffers of 8 KiB (32 KiB); Mono's API needs a few hundred bytes (a key, a JSON content
/// type), so 64 KiB refuses no plausible client while bounding what a connection holds
/// before the simulator sees its request. hyper enforces it, with its read buffer capped
/// just above it (hyper's default of 400 KiB let it double to 128 KiB for a 60 KB head).
/// Measured on `serve`: a connection that sends nothing costs 18 KiB; one holding a 60 KB
/// partial head, 64 KiB (123 KiB before the cap) — 640 MiB for 10,000 such connections at
/// the cap at worst, each closed by the header timeout. The 431 hyper writes is given our
/// error body (see `watched.rs`).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long connections may take and how many may be open; `monosim serve`'s
/// `--header-timeout`, `--idle-timeout` and `--max-connections`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From connecting (or from the first byte of a later request) to the end of the
    /// request head.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// How many connections may be open at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
            max_connections: 10_000,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, closes the
/// connections that are waiting for a request, lets those with a request in flight finish
/// it, and returns once every connection is closed. `clock` dates the v2 error bodies the
/// connection layer writes itself.
pub async fn serve<App: connection::App>(
    listener: TcpListener,
    app: App,
    limits: ConnectionLimits,
    clock: Arc<Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = Arc::new(app);
    let cap = fd_limit::connection_cap(limits.max_connections);
    let registry = Arc::new(Registry::default());
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Finished connections are collected as they end, so the set stays as small as
            // the number open.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if registry.open() >= cap && !registry.close_longest_waiting() {
                        turn_away(&stream, cap);
                        continue;
                    }
                    let conn = registry.add();
                    connections.spawn(connection::drive(
                        stream,
                        peer,
                        conn,
                        connection::Context {
                            app: app.clone(),
                            limits,
                            clock: clock.clone(),
                            stop: stopped.clone(),
                            registry: registry.clone(),
                        },
                    ));
                }
                Err(error) => accept_failed(error, &registry).await,
            },
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// An `accept` that failed. A connection reset before it was accepted is nobody's concern.
/// Out of file descriptors (the cap should prevent it, but other files count too): close
/// the connection that has waited longest, or, if every one is busy, pause briefly rather
/// than spin on an error that will repeat until something closes.
async fn accept_failed(error: io::Error, registry: &Registry) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    ) {
        return;
    }
    tracing::warn!(
        %error,
        open = registry.open(),
        "cannot accept a connection; closing the longest-waiting one to make room"
    );
    if registry.close_longest_waiting() {
        // Let the closed connection's task run and give its descriptor back.
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// At the cap with every connection busy: a 503 in the control API's error shape (the
/// request has not been read, so its route is unknown), written without waiting, and close.
fn turn_away(stream: &TcpStream, cap: usize) {
    let body = error_body(
        Version::V1,
        format!(
            "The simulator has {cap} connections open, each with a request in flight, which \
             is its limit (--max-connections). Retry once one finishes, or raise the limit."
        ),
        None,
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // Best effort: a full socket buffer or a gone client loses the explanation, not more.
    let _ = stream.try_write(answer.as_bytes());
    tracing::warn!(cap, "connection turned away: every open connection is busy");
}
