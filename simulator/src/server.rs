//! The simulator as a whole: a world, its clock, the moving parts, and the HTTP server in
//! front of them (Mono's API, the Connect widget and the `/_sim/` control API on one port).
//!
//! Every route is mounted here, in [`Simulator::service`]: the route lists of `api`,
//! `control`, `widget`, `console` and `openapi`, each surface with its own stack of layers,
//! behind [`Front`], so what answers a request, and what happens to it on the way, reads in
//! one place.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tower::Service;

use crate::clock::{Clock, Timestamp, SECOND};
use crate::console::{self, Console};
use crate::control::access::ControlAccess;
use crate::http::{self, Answer, ApiState, Shared};
use crate::sim::{Sim, SimConfig};
use crate::tenants::Tenants;
use crate::transport::{self, ConnectionLimits};
use crate::webhooks::{RetryPolicy, Targets};
use crate::widget::{self, Widget};
use crate::world::{Dialect, World, WorldConfig, WorldError, WorldFile};
use crate::{api, control, openapi};

/// The fixed test secret key `serve` uses unless told otherwise. Documented in docs/serve.md;
/// it unlocks nothing but a local simulator.
pub const DEFAULT_SECRET_KEY: &str = "test_sk_monosim";
/// The matching public key, for the Connect widget.
pub const DEFAULT_PUBLIC_KEY: &str = "test_pk_monosim";
/// The `mono-webhook-secret` webhooks carry unless told otherwise.
pub const DEFAULT_WEBHOOK_SECRET: &str = "monosim_webhook_secret";

pub struct SimulatorConfig {
    pub seed: u64,
    pub dialect: Dialect,
    pub secret_key: String,
    /// The public key the Connect widget accepts (`new Connect({ key })`).
    pub public_key: String,
    /// Random accounts to create after the world file's.
    pub random_accounts: usize,
    pub world_file: Option<WorldFile>,
    /// Where the clock starts; wall time when `None`.
    pub start: Option<Timestamp>,
    /// Keeps the clock still (it moves only when advanced), for byte-reproducible runs.
    pub frozen: bool,
    /// Simulated seconds per wall second while the clock runs.
    pub time_scale: f64,
    pub webhook_urls: Vec<String>,
    pub webhook_secret: String,
    pub retry: RetryPolicy,
    /// Simulated milliseconds from a link or re-authorisation to `account_updated`.
    pub data_delay: i64,
    /// What clients other than loopback must send (`Authorization: Bearer`) to use the
    /// control API; without one they are refused (see `control/access.rs`).
    pub control_token: Option<String>,
    /// Timeouts and the connection cap of [`Simulator::serve`] (see `transport/`).
    pub connections: ConnectionLimits,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            seed: 0,
            dialect: Dialect::Current,
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            public_key: DEFAULT_PUBLIC_KEY.to_string(),
            random_accounts: 10,
            world_file: None,
            start: None,
            frozen: false,
            time_scale: 1.0,
            webhook_urls: Vec::new(),
            webhook_secret: DEFAULT_WEBHOOK_SECRET.to_string(),
            retry: RetryPolicy::default(),
            data_delay: SECOND,
            control_token: None,
            connections: ConnectionLimits::default(),
        }
    }
}

pub struct Simulator {
    sim: Arc<Sim>,
    tenants: Arc<Tenants>,
    /// What tenants inherit from the main simulator.
    tenant_config: SimConfig,
    dialect: Dialect,
    public_key: String,
    control_access: Arc<ControlAccess>,
    connections: ConnectionLimits,
}

impl Simulator {
    pub fn new(config: SimulatorConfig) -> Result<Simulator, WorldError> {
        let clock = match config.start {
            Some(start) => Clock::starting_at(start, config.frozen),
            None if config.frozen => Clock::starting_at(Timestamp::wall(), true),
            None => Clock::wall(),
        };
        clock.set_scale(config.time_scale);
        let world = World::new(
            WorldConfig {
                seed: config.seed,
                id_salt: 0,
                dialect: config.dialect,
                random_accounts: config.random_accounts,
                file: config.world_file,
            },
            Arc::new(clock),
        )?;
        let sim_config = SimConfig {
            secret_key: config.secret_key,
            targets: Targets {
                urls: config.webhook_urls,
                secret: config.webhook_secret,
            },
            retry: config.retry,
            data_delay: config.data_delay,
            request_log: 10_000,
            delivery_log: 100_000,
        };
        let sim = Sim::new(world, sim_config.clone());
        let tenants = Arc::new(Tenants::new(sim.clone()));
        Ok(Simulator {
            sim,
            tenants,
            tenant_config: sim_config,
            dialect: config.dialect,
            public_key: config.public_key,
            control_access: Arc::new(ControlAccess {
                token: config.control_token,
            }),
            connections: config.connections,
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.sim.world
    }

    /// The moving parts, for tests and embedding.
    pub fn sim(&self) -> &Arc<Sim> {
        &self.sim
    }

    /// The other simulated Monos served on the same port (the harness adds one per
    /// scenario run).
    pub fn tenants(&self) -> &Arc<Tenants> {
        &self.tenants
    }

    /// A new, empty simulated Mono served on this port beside the main one: its own seed,
    /// accounts and frozen clock starting at `start`, identifiers salted with `id_salt`
    /// (see [`WorldConfig::id_salt`]); the main one's keys, webhook targets,
    /// retry policy and data delay. Remove it with [`Tenants::remove`] when done.
    pub fn add_tenant(
        &self,
        seed: u64,
        id_salt: u64,
        start: Timestamp,
    ) -> Result<Arc<Sim>, WorldError> {
        let world = World::new(
            WorldConfig {
                seed,
                id_salt,
                dialect: self.dialect,
                random_accounts: 0,
                file: None,
            },
            Arc::new(Clock::starting_at(start, true)),
        )?;
        let mut config = self.tenant_config.clone();
        config.targets = self.sim.webhooks.targets();
        let sim = Sim::new(world, config);
        self.tenants.add(sim.clone());
        Ok(sim)
    }

    /// Mono's API, the Connect widget, the control API and its console, with absolute links pointing at
    /// `base_url`.
    ///
    /// Starts the scheduler's driver on the current tokio runtime the first time, so
    /// webhooks flow as soon as a router exists.
    pub fn service(&self, base_url: &str) -> Front {
        self.sim.start();
        let shared = Arc::new(Shared {
            tenants: self.tenants.clone(),
            secret_key: self.sim.secret_key.clone(),
            public_key: self.public_key.clone(),
            base_url: base_url.trim_end_matches('/').into(),
        });
        let main = Arc::new(ApiState::new(self.sim.clone(), &shared));
        let secret_key = &self.sim.secret_key;
        let widget = Arc::new(Widget::new(
            self.tenants.clone(),
            self.public_key.clone(),
            (secret_key == DEFAULT_SECRET_KEY).then(|| secret_key.clone()),
        ));
        // Mono's API: v1 and v2 need the secret key, a statement's PDF and this document
        // do not. Every call is answered by its simulated Mono (tenant), logged in its
        // request log, and has its errors in its API version's shape; unknown paths too.
        // All of that is one service (`api/service.rs`), not a stack of `from_fn` layers:
        // each of those boxed the rest of the stack and its own future per request.
        let mono_routes = Router::from(api::routes())
            .route_layer(api::RequireKey::new(&shared.secret_key))
            .merge(api::downloads())
            .merge(openapi::routes())
            .fallback(http::unknown_route)
            .layer(http::default_body_limit())
            .with_state(shared.clone());
        let mono = api::MonoApi::new(shared, mono_routes);
        // The control API works on the main simulated Mono and logs nothing to the request log.
        // Each successful state-changing call is recorded (inside the limits, so the
        // recorder never reads a body they refuse).
        let control = Router::from(control::routes())
            .route_layer(from_fn_with_state(main.clone(), control::recording::record))
            .layer(from_fn(http::limit_body))
            .layer(http::default_body_limit())
            .layer(from_fn(http::render))
            .with_state(main);
        let console = Arc::new(Console {
            public_key: self.public_key.clone(),
        });
        let surfaces = control
            .merge(widget::router(widget))
            .merge(console::router(console))
            // Whatever is not the control API, the widget or the console is Mono's.
            .fallback_service(mono.clone())
            // Each surface renders its own 413; this caps the body extractors of the
            // widget's forms, and of any route merged here later.
            .layer(http::default_body_limit());
        Front {
            clock: self.sim.world.clock().clone(),
            access: self.control_access.clone(),
            mono,
            surfaces,
        }
    }

    /// The same as [`Simulator::service`], as an axum router (to nest, or to serve with
    /// `axum::serve`).
    pub fn router(&self, base_url: &str) -> axum::Router {
        Router::new().fallback_service(self.service(base_url))
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight
    /// and closes idle connections. Connections live under the configured
    /// [`ConnectionLimits`] (header and idle timeouts, a cap); the control API's access rule
    /// sees each request's peer address.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let base_url = format!("http://{}", listener.local_addr()?);
        tracing::info!(%base_url, accounts = self.world().account_count(), "simulator listening");
        let app = self.service(&base_url);
        transport::serve(
            listener,
            app,
            self.connections,
            self.sim.world.clock().clone(),
            shutdown,
        )
        .await
    }
}

/// What every request passes before any surface sees it: the URI limit (so no route, log
/// or error message ever holds a runaway path) and the control API's access rule; then the
/// surface the path is for. Mono's account routes, the hot ones, go straight to Mono's API;
/// the rest through the router of the other surfaces, whose fallback is Mono's API again.
#[derive(Clone)]
pub struct Front {
    clock: Arc<Clock>,
    access: Arc<ControlAccess>,
    mono: api::MonoApi,
    surfaces: Router,
}

impl Front {
    /// The answer to `request` from a client at `peer`; `None` for a request that came from
    /// no socket (a router driven in-process), which counts as local.
    fn answer_from(&self, request: Request, peer: Option<IpAddr>) -> Answer {
        let refusal = http::check_uri(&self.clock, &request)
            .or_else(|| control::access::check(&self.access, &request, peer));
        if let Some(refusal) = refusal {
            return Answer::now(refusal);
        }
        if api::owns(request.uri().path()) {
            self.mono.answer(request)
        } else {
            // A router is always ready, and a clone of one is a reference count.
            Answer::later(self.surfaces.clone().call(request))
        }
    }
}

/// How the connections ask the front: by reference, so nothing is cloned per request.
impl transport::App for Front {
    type Answer = Answer;

    fn answer(&self, request: Request, peer: SocketAddr) -> Answer {
        self.answer_from(request, Some(peer.ip()))
    }
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both surfaces are always ready.
        Poll::Ready(Ok(()))
    }

    /// As a tower service (nested in a router, see [`Simulator::router`]): the same answer.
    /// The peer is axum's `ConnectInfo`, there when the router is served with
    /// `into_make_service_with_connect_info`.
    fn call(&mut self, request: Request) -> Self::Future {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        self.answer_from(request, peer)
    }
}
