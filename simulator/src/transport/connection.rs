//! One connection: hyper's HTTP/1 state machine over the socket, and the timeouts around
//! it.
//!
//! hyper's own `header_read_timeout` starts whenever it waits for a request head, so it
//! cannot tell a client that is slow to finish a head (nginx: 60 s) from a kept-alive
//! connection between requests (nginx: 75 s); it is switched off and both are kept here.
//! A connection is in one of three phases, moved along by what happens on it: the socket
//! read by [`super::watched`] (the first byte of a head), the app called and answering
//! (a request in flight). Only a connection with no request in flight has a deadline; a
//! request's body has its own ([`super::slow_body`]).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::registry::Registry;
use super::slow_body::SlowBody;
use super::watched::Watched;
use super::{ConnectionLimits, MAX_HEADER_BYTES};
use crate::clock::Clock;

/// Where a connection is between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No byte of a request yet: since it was accepted (`first`), or since its last answer.
    Waiting { since: Instant, first: bool },
    /// Part of a request head has arrived, the rest has not.
    Head { since: Instant },
    /// The app is answering this many requests.
    Busy { requests: usize },
}

/// The start of the request line being received, kept to answer a refused head in its
/// route's shape and to tell a long URI from many headers.
#[derive(Clone, Debug, Default)]
pub struct RequestLine {
    /// Its first bytes: enough for any method and `/v2/`.
    pub start: Vec<u8>,
    /// Its length so far, up to the end of the line.
    pub length: usize,
    /// Whether its end (`\n`) has arrived.
    pub ended: bool,
}

const LINE_START: usize = 32;

impl RequestLine {
    /// Starts over for a new request, keeping the room the last one's start took.
    fn restart(&mut self) {
        self.start.clear();
        self.length = 0;
        self.ended = false;
    }

    fn take(&mut self, bytes: &[u8]) {
        if self.ended {
            return;
        }
        let line = match bytes.iter().position(|&b| b == b'\n') {
            Some(end) => {
                self.ended = true;
                &bytes[..end]
            }
            None => bytes,
        };
        let room = LINE_START.saturating_sub(self.start.len());
        self.start.extend_from_slice(&line[..line.len().min(room)]);
        self.length += line.len();
    }

    /// The path the line names, as far as it has arrived.
    pub fn path(&self) -> String {
        let text = String::from_utf8_lossy(&self.start);
        text.split(' ').nth(1).unwrap_or("/").to_string()
    }
}

struct State {
    phase: Phase,
    line: RequestLine,
}

/// What the accept loop, the socket and the app share about one connection.
pub struct Conn {
    pub id: u64,
    state: Mutex<State>,
    /// Told to close (the cap needs its place).
    close: Notify,
}

impl Conn {
    pub fn new(id: u64) -> Conn {
        Conn {
            id,
            state: Mutex::new(State {
                phase: Phase::Waiting {
                    since: Instant::now(),
                    first: true,
                },
                line: RequestLine::default(),
            }),
            close: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain data: still consistent after a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes arrived on the socket.
    pub fn read(&self, bytes: &[u8]) {
        let mut state = self.lock();
        match state.phase {
            Phase::Waiting { .. } => {
                state.phase = Phase::Head {
                    since: Instant::now(),
                };
                state.line.restart();
                state.line.take(bytes);
            }
            Phase::Head { .. } => state.line.take(bytes),
            Phase::Busy { .. } => {}
        }
    }

    /// The request line of the head being received (or last received).
    pub fn request_line(&self) -> RequestLine {
        self.lock().line.clone()
    }

    /// Whether a request is in flight.
    pub fn busy(&self) -> bool {
        matches!(self.lock().phase, Phase::Busy { .. })
    }

    /// When it started waiting for a request, if it is waiting.
    pub fn waiting_since(&self) -> Option<Instant> {
        match self.lock().phase {
            Phase::Waiting { since, .. } | Phase::Head { since } => Some(since),
            Phase::Busy { .. } => None,
        }
    }

    /// When it is closed unless something happens first; `None` while a request is in
    /// flight.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        match self.lock().phase {
            Phase::Waiting { since, first: true } | Phase::Head { since } => {
                Some(since + limits.header_timeout)
            }
            Phase::Waiting {
                since,
                first: false,
            } => Some(since + limits.idle_timeout),
            Phase::Busy { .. } => None,
        }
    }

    /// When to look at the deadline next, at `now`: the deadline, or the shorter of the two
    /// timeouts from now if that comes first (or there is no deadline: a request is in
    /// flight).
    ///
    /// That is never later than any deadline the connection can have before then: the
    /// current phase's is not earlier, and a phase that starts later has its start plus at
    /// least the shorter timeout. So the loop in [`drive`] never needs waking when the phase
    /// changes; it looks when this says, and looks again later if the deadline moved.
    fn next_look(&self, limits: &ConnectionLimits, now: Instant) -> Instant {
        let soonest = now + limits.header_timeout.min(limits.idle_timeout);
        self.deadline(limits).map_or(soonest, |at| at.min(soonest))
    }

    /// A request reaches the app; it is answered when the returned guard drops.
    pub(super) fn begin(self: &Arc<Self>) -> InFlight {
        let mut state = self.lock();
        state.phase = match state.phase {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            _ => Phase::Busy { requests: 1 },
        };
        drop(state);
        InFlight(self.clone())
    }

    fn end(&self) {
        let mut state = self.lock();
        state.phase = match state.phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy {
                requests: requests - 1,
            },
            _ => Phase::Waiting {
                since: Instant::now(),
                first: false,
            },
        };
    }

    /// Asks the connection to close now (the registry no longer counts it).
    pub fn close(&self) {
        self.close.notify_one();
    }
}

/// A request in flight; dropping it (answered, or the connection gone) ends it.
pub(super) struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// What answers the requests: the simulator's [`crate::server::Front`].
///
/// Asked by reference: a tower service is cloned per request to be called (`oneshot`), and
/// every clone of the front wrote to the reference counts of the six `Arc`s it holds, which
/// both workers share (bench/RESULTS.md).
pub trait App: Send + Sync + 'static {
    /// The answer, made already or being made.
    type Answer: Future<Output = Result<Response, Infallible>> + Send + 'static;

    /// `peer` is the client's address: the control API's access rule needs it. It is
    /// passed, not put in the request's extensions, which would cost every request two
    /// allocations for the few that ask (bench/RESULTS.md).
    fn answer(&self, request: hyper::Request<Body>, peer: SocketAddr) -> Self::Answer;
}

/// What every connection shares.
pub struct Context<A> {
    pub app: Arc<A>,
    pub limits: ConnectionLimits,
    pub clock: Arc<Clock>,
    /// Becomes `true` when the server shuts down.
    pub stop: watch::Receiver<bool>,
    pub registry: Arc<Registry>,
}

/// Serves one connection until the client closes it, a deadline passes, the registry
/// needs its place, or the server stops (then a request in flight is finished first).
pub async fn drive<A: App>(
    stream: TcpStream,
    peer: SocketAddr,
    conn: Arc<Conn>,
    context: Context<A>,
) {
    let Context {
        app,
        limits,
        clock,
        mut stop,
        registry,
    } = context;
    let io = TokioIo::new(Watched::new(stream, conn.clone(), clock));
    let service = {
        let conn = conn.clone();
        service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = conn.begin();
            let request = request.map(|body| Body::new(SlowBody::new(body, limits.header_timeout)));
            let answer = app.answer(request, peer);
            async move {
                let answer = answer.await;
                drop(in_flight);
                answer
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .max_header_size(MAX_HEADER_BYTES)
        // hyper's read buffer grows by doubling up to this (400 KiB by default): room for
        // the largest head allowed and no more (see MAX_HEADER_BYTES).
        .max_buf_size(MAX_HEADER_BYTES + 8 * 1024)
        // Both timeouts are kept here (see the module doc).
        .header_read_timeout(None);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    // The next look at the deadline, never later than any deadline (see `Conn::next_look`),
    // so a phase change never has to wake this loop: a request going through costs the
    // connection's task no extra turn and no new timer.
    let look = tokio::time::sleep_until(conn.next_look(&limits, Instant::now()));
    tokio::pin!(look);
    let mut stopping = false;
    loop {
        if *stop.borrow() && !stopping {
            stopping = true;
            if !conn.busy() {
                break;
            }
            // hyper finishes the request in flight, writes its answer, then closes instead
            // of keeping the connection alive.
            connection.as_mut().graceful_shutdown();
        }
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended");
                }
                break;
            }
            () = look.as_mut() => {
                let now = Instant::now();
                if conn.deadline(&limits).is_some_and(|at| at <= now) {
                    tracing::debug!(%peer, "closing a connection past its deadline");
                    break;
                }
                look.as_mut().reset(conn.next_look(&limits, now));
            }
            () = conn.close.notified() => {
                tracing::debug!(%peer, "closing the longest-waiting connection to make room");
                break;
            }
            _ = stop.changed(), if !stopping => {}
        }
    }
    registry.remove(conn.id);
}

#[cfg(test)]
mod tests {
    use super::RequestLine;

    #[test]
    fn a_request_line_starts_over_for_the_next_request() {
        let mut line = RequestLine::default();
        line.take(
            b"GET /v2/accounts/6adfe980e830617b4c97db89/transactions HTTP/1.1\r\nHost: x\r\n",
        );
        assert!(line.ended);
        assert_eq!((line.length, line.start.len()), (64, 32));
        line.restart();
        line.take(b"POST /a");
        line.take(b"b HTTP/1.1\r");
        assert_eq!((line.ended, line.path()), (false, "/ab".to_string()));
        line.take(b"\nHost: x\r\n\r\n");
        assert_eq!((line.ended, line.length), (true, 18));
        assert_eq!(line.start, b"POST /ab HTTP/1.1\r");
    }
}
