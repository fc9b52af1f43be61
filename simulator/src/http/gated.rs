//! A check in front of a service: the request either passes to the service or is answered
//! on the spot.
//!
//! `axum::middleware::from_fn` is the easy way to write one, but per request it boxes the
//! rest of the stack and its own future, and Mono's API had seven of them: a third of
//! a request's CPU went on that machinery (bench/RESULTS.md). A check that is synchronous
//! (the secret key compared, `api/service.rs`) and returns this enum costs nothing beyond
//! itself.

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::Response;

/// The future of a service that answers some requests on the spot and the rest later:
/// Mono's API, whose hot reads are answered before `call` returns (`api/service.rs`), and
/// the front of the server. Only an answer still being made costs a box.
pub enum Answer {
    Now(Ready<Result<Response, Infallible>>),
    Later(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>),
}

impl Answer {
    /// An answer already made.
    pub fn now(response: Response) -> Answer {
        Answer::Now(ready(Ok(response)))
    }

    /// An answer `future` makes.
    pub fn later(
        future: impl Future<Output = Result<Response, Infallible>> + Send + 'static,
    ) -> Answer {
        Answer::Later(Box::pin(future))
    }
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Answer::Now(answer) => Pin::new(answer).poll(cx),
            Answer::Later(future) => future.as_mut().poll(cx),
        }
    }
}

/// The answer of a checked service: the refusal, or the service's own future.
pub enum Gated<F> {
    Refused(Ready<Result<Response, Infallible>>),
    Passed(F),
}

impl<F> Gated<F> {
    pub fn refused(response: Response) -> Gated<F> {
        Gated::Refused(ready(Ok(response)))
    }
}

impl<F> Future for Gated<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Gated::Refused(refusal) => Pin::new(refusal).poll(cx),
            Gated::Passed(future) => Pin::new(future).poll(cx),
        }
    }
}
