//! A request body that stops arriving. A request is with the app once its head is in, and
//! a request in flight has no deadline (a `hang` fault may take minutes), so a client that
//! declares a body and then sends nothing would hold its connection for ever, and enough
//! of them would fill the connection cap with requests no one can close. Between two
//! pieces of a body the client gets the header timeout (nginx's `client_body_timeout` has
//! the same 60 s default); past it, reading the body fails, the route answers its 400 and
//! the connection closes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use tokio::time::{sleep_until, Instant, Sleep};

/// A request body whose pieces must each arrive within `timeout` of the one before.
pub struct SlowBody {
    inner: Incoming,
    timeout: Duration,
    /// When the last piece came; the head, before the first.
    last: Instant,
    /// The wait for the next piece, made the first time a piece is awaited: most requests
    /// (every `GET`) have no body to wait for, and a timer made for each was a visible
    /// share of a read's cost (bench/RESULTS.md).
    deadline: Option<Pin<Box<Sleep>>>,
}

impl SlowBody {
    pub fn new(inner: Incoming, timeout: Duration) -> SlowBody {
        SlowBody {
            inner,
            timeout,
            last: Instant::now(),
            deadline: None,
        }
    }
}

/// Why a body was cut off.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("{0}")]
    Http(#[from] hyper::Error),
    #[error(
        "the request body stopped arriving: nothing came for {} ms (the header timeout, \
         --header-timeout); send the whole body without pausing",
        .0.as_millis()
    )]
    Stalled(Duration),
}

/// `timeout` after `from`; for a timeout past what an `Instant` holds (one given in
/// centuries), thirty years, which is as good as never.
fn after(from: Instant, timeout: Duration) -> Instant {
    from.checked_add(timeout)
        .unwrap_or_else(|| from + Duration::from_secs(30 * 365 * 86_400))
}

impl Body for SlowBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.last = Instant::now();
                if let Some(deadline) = &mut this.deadline {
                    deadline.as_mut().reset(after(this.last, this.timeout));
                }
                Poll::Ready(frame.map(|f| f.map_err(BodyError::from)))
            }
            Poll::Pending => {
                let next = after(this.last, this.timeout);
                let deadline = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(sleep_until(next)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(BodyError::Stalled(this.timeout)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
