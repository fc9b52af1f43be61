//! Mono's API as one service: what every call to it goes through, in one pass.
//!
//! In order: find the simulated Mono the call is for (see [`crate::tenants`]) and hand it
//! to the handlers ([`Tenant`](crate::http::Tenant)); refuse a body declared over the limit;
//! route; give an error its version's shape; log the call in the request log. These were
//! five `from_fn` middleware, and each boxed the rest of the stack and its own future on
//! every request: a third of a request's CPU (bench/RESULTS.md). Here the whole way costs one
//! box. The secret key is checked per route ([`RequireKey`]), so a statement's PDF and the
//! OpenAPI document stay open and an unknown path is still a 404. The two reads integrators
//! make most go to their handlers without the router ([`Read`]), and are answered before
//! [`MonoApi::answer`] returns: no boxed future, and, for the main simulated Mono, no clone
//! of anything both workers share.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::{Layer, Service};

use super::reads::Read;
use super::record::Call;
use crate::http::{self, Answer, ApiError, ApiState, Gated, Rendered, Shared};

/// Mono's API: its routes behind what every call goes through (see the module doc).
#[derive(Clone)]
pub struct MonoApi {
    shared: Arc<Shared>,
    /// What the handlers of the main simulated Mono work with, made once: most calls are
    /// for it.
    main: Arc<ApiState>,
    routes: Router,
}

impl MonoApi {
    /// `routes` are Mono's routes, their state given, with [`RequireKey`] on those that
    /// need the secret key.
    pub fn new(shared: Arc<Shared>, routes: Router) -> MonoApi {
        let main = Arc::new(ApiState::new(shared.tenants.main().clone(), &shared));
        MonoApi {
            shared,
            main,
            routes,
        }
    }

    /// The answer to `request`. The two hot reads ([`Read`]) are answered here and now,
    /// with what they need borrowed (a tenant's state is made for the call, as before);
    /// every other call is answered later, on a clone. A clone, or a box, per request wrote
    /// to memory both workers share: reference counts, and the allocator's lists
    /// (bench/RESULTS.md).
    pub fn answer(&self, request: Request) -> Answer {
        let read = Read::of(&request).filter(|_| {
            carries_key(&request, &self.shared.secret_key)
                && http::declared_too_large(&request).is_none()
        });
        let Some(read) = read else {
            return Answer::later(self.clone().routed(request));
        };
        let call = Call::of(&request);
        let other = self.tenant_state(request.uri().path());
        let state = other.as_ref().unwrap_or(&self.main);
        let response = read.answer(state, &request);
        match http::render_error_now(response, &call.method, call.uri.path(), Some(state)) {
            Rendered::Done(response) => {
                call.record(state, &response);
                Answer::now(response)
            }
            // Neither read answers with a body to read, but should one ever, it is read.
            Rendered::Unread(rejection) => {
                let state = other.unwrap_or_else(|| self.main.clone());
                Answer::later(async move { Ok(finish(call, &state, rejection.into()).await) })
            }
        }
    }

    /// What the handlers work with for a call to `path` when it is for a tenant, not the
    /// main simulated Mono (see [`crate::tenants`]).
    fn tenant_state(&self, path: &str) -> Option<Arc<ApiState>> {
        let sim = self.shared.tenants.other_for_path(path)?;
        Some(Arc::new(ApiState::new(sim, &self.shared)))
    }

    /// The answer to any call but the hot reads, through the router.
    async fn routed(mut self, mut request: Request) -> Result<Response, Infallible> {
        let state = self
            .tenant_state(request.uri().path())
            .unwrap_or_else(|| self.main.clone());
        let call = Call::of(&request);
        let response = match http::declared_too_large(&request) {
            Some(refusal) => refusal,
            None => {
                request.extensions_mut().insert(state.clone());
                match self.routes.call(request).await {
                    Ok(response) => http::explain_too_large(response),
                    Err(never) => match never {},
                }
            }
        };
        Ok(finish(call, &state, response).await)
    }
}

/// `response` to `call` with an error body in its version's shape, logged.
async fn finish(call: Call, state: &ApiState, response: Response) -> Response {
    let response = http::render_error(response, &call.method, call.uri.path(), Some(state)).await;
    call.record(state, &response);
    response
}

impl Service<Request> for MonoApi {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // A router is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.answer(request)
    }
}

/// The header Mono's secret key comes in. A name made once: looking a header up by a
/// `&str` parses and lower-cases the name on every call (bench/RESULTS.md).
const MONO_SEC_KEY: HeaderName = HeaderName::from_static("mono-sec-key");

/// Whether `request` carries `mono-sec-key: <key>`.
fn carries_key(request: &Request, key: &str) -> bool {
    let given = request.headers().get(MONO_SEC_KEY);
    given.is_some_and(|given| given.as_bytes() == key.as_bytes())
}

/// The layer that puts [`KeyChecked`] on a route: every Mono route needs
/// `mono-sec-key: <secret key>`.
#[derive(Clone)]
pub struct RequireKey {
    key: Arc<str>,
}

impl RequireKey {
    pub fn new(key: &str) -> RequireKey {
        RequireKey { key: key.into() }
    }
}

impl<S> Layer<S> for RequireKey {
    type Service = KeyChecked<S>;

    fn layer(&self, inner: S) -> KeyChecked<S> {
        KeyChecked {
            key: self.key.clone(),
            inner,
        }
    }
}

/// A route that answers only calls with the secret key, and Mono's documented 401 to the
/// rest.
#[derive(Clone)]
pub struct KeyChecked<S> {
    key: Arc<str>,
    inner: S,
}

impl<S> Service<Request> for KeyChecked<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Gated<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if carries_key(&request, &self.key) {
            Gated::Passed(self.inner.call(request))
        } else {
            Gated::refused(ApiError::unauthorized().into_response())
        }
    }
}
