//! The dispatcher's HTTP client: HTTP/1.1 POSTs over pooled keep-alive connections, built
//! on hyper's connection API and nothing else.
//!
//! Why not a general-purpose client: the dispatcher sends one kind of request — a small
//! JSON POST to a plain `http://` URL, no redirects, no proxies, no TLS, no decompression —
//! and a general client's layers (URL handling, middleware, header merging, its own pool's
//! bookkeeping) cost two to three times what the request itself costs (bench/RESULTS.md).
//! This one keeps, per `host:port`, a stack of idle connections ready for their next
//! request; a connection goes back on the stack only after its answer was read to the end,
//! so it is always ready to reuse, and is dropped instead when the answer was cut short.
//!
//! A receiver may close an idle connection at any moment (its idle timeout, a restart). A
//! connection seen closed is skipped; one that closes in the instant the request goes out
//! hands the request back unsent ([`SendRequest::try_send_request`]), and it is sent once
//! more on a new connection — the receiver never saw it, so this is no retry in Mono's
//! sense and is not logged as an attempt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Idle connections kept per `host:port`; more are closed when they come back. Far above
/// what the bench's 200 lanes or any receiver under test needs at once.
const MAX_IDLE_PER_HOST: usize = 512;

/// New connections per `host:port` that may be waiting for their first answer at once.
///
/// Sixty accounts whose events fire in the same instant would otherwise open sixty
/// connections within microseconds. A receiver accepts them from a *listen backlog*, and
/// the servers integrators test with often keep a small one: Python's `http.server` and
/// Werkzeug (Flask) 5, Django's `runserver` 10. Past it the kernel drops the handshake and
/// the client's retransmissions back off for seconds, so a correct receiver would miss the
/// attempt's timeout (seen against `tests/outsider/`). Opening a few at a time costs one
/// round trip per few lanes, once: connections are kept and reused afterwards, and a lane
/// waiting for its turn takes a connection that came back meanwhile. The wait is not part
/// of an attempt (see [`Client::slot`]).
const OPENING_PER_HOST: usize = 4;

/// Where a webhook URL points, checked and split once when the delivery is queued.
#[derive(Clone, Debug)]
pub struct Target {
    /// `host:port`, the pool's key and what `connect` dials.
    authority: String,
    /// The `Host` header: the URL's authority as written.
    host: HeaderValue,
    /// The request target: path and query.
    path: Uri,
}

impl Target {
    /// Parses a webhook URL; the error says why it cannot be sent to, in words for the
    /// delivery log.
    pub fn parse(url: &str) -> Result<Target, String> {
        let uri: Uri = url.parse().map_err(|e| {
            format!("not a URL ({e}): webhook URLs look like http://host:port/path")
        })?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(format!(
                    "the {other}:// scheme is not supported: the simulator sends webhooks over plain http://"
                ))
            }
            None => return Err("not an absolute URL: webhook URLs look like http://host:port/path".into()),
        }
        let authority = uri
            .authority()
            .ok_or("the URL names no host: webhook URLs look like http://host:port/path")?;
        if authority.as_str().contains('@') {
            return Err("user names and passwords in webhook URLs are not supported".into());
        }
        let host = HeaderValue::from_str(authority.as_str()).map_err(|e| e.to_string())?;
        let port = authority.port_u16().unwrap_or(80);
        let authority = format!("{}:{port}", authority.host());
        let path = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|e| format!("not a URL path ({e})"))?;
        Ok(Target {
            authority,
            host,
            path,
        })
    }
}

/// Why a request got no answer (its head never arrived).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("could not connect: {0}")]
    Connect(std::io::Error),
    #[error("{}", describe_hyper(.0))]
    Http(hyper::Error),
    /// The request could not be built (a header value it may not carry).
    #[error("request failed: {0}")]
    Request(axum::http::Error),
}

/// A pool of keep-alive connections, per `host:port`.
#[derive(Default)]
pub struct Client {
    hosts: Mutex<HashMap<String, Host>>,
}

/// One receiver's connections: those idle, and the turns to open new ones.
struct Host {
    idle: Vec<SendRequest<Full<Bytes>>>,
    opening: Arc<Semaphore>,
}

impl Default for Host {
    fn default() -> Host {
        Host {
            idle: Vec::new(),
            opening: Arc::new(Semaphore::new(OPENING_PER_HOST)),
        }
    }
}

/// What an attempt sends on (see [`Client::slot`]).
pub enum Slot {
    /// A kept-alive connection, ready for its next request.
    Idle(SendRequest<Full<Bytes>>),
    /// A turn to open a new connection, held until its first answer comes.
    Opening(OwnedSemaphorePermit),
}

/// A connection lent out for one request; give it back with [`Client::release`] once its
/// answer was read whole.
pub struct Lease {
    authority: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Client {
    /// Something to send on to `target`: an idle connection, or else a turn to open one,
    /// waited for when [`OPENING_PER_HOST`] connections are already opening. The dispatcher
    /// waits for it before an attempt's deadline starts: time spent waiting for our own turn
    /// is not the receiver being slow.
    pub async fn slot(&self, target: &Target) -> Slot {
        if let Some(sender) = self.checkout(&target.authority) {
            return Slot::Idle(sender);
        }
        let turn = self.opening(&target.authority).await;
        // A connection may have come back while we waited.
        match self.checkout(&target.authority) {
            Some(sender) => Slot::Idle(sender),
            None => Slot::Opening(turn),
        }
    }

    /// POSTs `body` to `target` on `slot` with the given extra headers; returns the
    /// answer's head and its body still to read, and the connection to give back.
    ///
    /// The request is put together field by field: `Request::builder()` parses each
    /// header's name from text, about a tenth of a delivery's instructions
    /// (bench/RESULTS.md). The headers go out in the order they are set.
    pub async fn post(
        &self,
        slot: Slot,
        target: &Target,
        headers: &[(HeaderName, &str)],
        body: Bytes,
    ) -> Result<(Response<Incoming>, Lease), SendError> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = target.path.clone();
        let fields = request.headers_mut();
        fields.insert(header::HOST, target.host.clone());
        fields.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).map_err(|e| SendError::Request(e.into()))?;
            fields.append(name.clone(), value);
        }
        let (mut idle, mut opening) = match slot {
            Slot::Idle(sender) => (Some(sender), None),
            Slot::Opening(turn) => (None, Some(turn)),
        };
        // A pooled connection may have been closed by the receiver since; then the request
        // comes back unsent and goes once more, on another connection.
        while opening.is_none() {
            let Some(mut sender) = idle.take().or_else(|| self.checkout(&target.authority)) else {
                opening = Some(self.opening(&target.authority).await);
                break;
            };
            match sender.try_send_request(request).await {
                Ok(response) => return Ok((response, self.lease(target, sender))),
                Err(mut failed) => match failed.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(SendError::Http(failed.into_error())),
                },
            }
        }
        let mut sender = connect(&target.authority).await?;
        let response = sender
            .send_request(request)
            .await
            .map_err(SendError::Http)?;
        // Its first answer came: the receiver accepted it, the next may open.
        drop(opening);
        Ok((response, self.lease(target, sender)))
    }

    /// A turn to open a connection to `authority`: at most [`OPENING_PER_HOST`] at once.
    async fn opening(&self, authority: &str) -> OwnedSemaphorePermit {
        let turns = self.host(authority, |host| host.opening.clone());
        turns
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// Runs `f` on `authority`'s entry, made on first use.
    fn host<T>(&self, authority: &str, f: impl FnOnce(&mut Host) -> T) -> T {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        match hosts.get_mut(authority) {
            Some(host) => f(host),
            None => f(hosts.entry(authority.to_string()).or_default()),
        }
    }

    fn lease(&self, target: &Target, sender: SendRequest<Full<Bytes>>) -> Lease {
        Lease {
            authority: target.authority.clone(),
            sender,
        }
    }

    /// Puts a connection whose last answer was read to its end back in the pool.
    pub fn release(&self, lease: Lease) {
        if lease.sender.is_closed() || !lease.sender.is_ready() {
            return;
        }
        self.host(&lease.authority, |host| {
            if host.idle.len() < MAX_IDLE_PER_HOST {
                host.idle.push(lease.sender);
            }
        });
    }

    /// The most recently used idle connection to `authority` that is still open.
    fn checkout(&self, authority: &str) -> Option<SendRequest<Full<Bytes>>> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let idle = &mut hosts.get_mut(authority)?.idle;
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() && sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    /// Closes every idle connection (a reset: the next delivery starts afresh).
    pub fn clear(&self) {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Opens a connection and starts driving it; it lives until the receiver closes it or
/// every handle to it was dropped.
async fn connect(authority: &str) -> Result<SendRequest<Full<Bytes>>, SendError> {
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(SendError::Connect)?;
    // Small requests, answered at once: no reason to wait for a full segment.
    stream.set_nodelay(true).map_err(SendError::Connect)?;
    tracing::debug!(authority, "webhook connection opened");
    let (sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(SendError::Http)?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "webhook connection ended");
        }
    });
    Ok(sender)
}

/// A hyper error as a receiver's author can act on it: the kind of failure first, then its
/// causes.
pub fn describe_hyper(error: &hyper::Error) -> String {
    let kind = if error.is_parse() || error.is_parse_status() {
        "not an HTTP answer"
    } else {
        "request failed"
    };
    chain(kind, error)
}

/// An error reading an answer's body, after its head came.
pub fn describe_body(error: &hyper::Error) -> String {
    chain("broken answer", error)
}

/// `kind: error: cause: cause…`, the way the delivery log words transport failures.
fn chain(kind: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let mut words = vec![kind.to_string(), error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        words.push(cause.to_string());
        source = cause.source();
    }
    words.join(": ")
}
