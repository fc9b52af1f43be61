//! monosim's fake Mono: the REST API v1 + v2 over a seeded, deterministic world, the
//! account lifecycle with re-authorisation and sync, a webhook dispatcher with Mono's
//! retries and injectable faults, a simulated Connect widget with its connect.js, and the
//! `/_sim/` control API that drives it all.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use monosim_simulator::{Simulator, SimulatorConfig};
//! let simulator = Simulator::new(SimulatorConfig { seed: 42, ..Default::default() }).unwrap();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! simulator.serve(listener, std::future::pending()).await
//! # }
//! ```
//!
//! # Layout
//!
//! The modules are layers, listed from the top; each imports only from the layers below
//! it, so the core (world, clock, the moving parts) knows nothing of HTTP.
//!
//! * `server`: [`Simulator`], a world and its moving parts behind one HTTP port. It mounts
//!   every route, and stacks each surface's layers (tenant, request log, errors, body and
//!   URI limits, secret key, control access) in one place.
//! * [`transport`]: the connections under the server — the accept loop, the header and
//!   idle timeouts, the connection cap, the open-file limit.
//! * [`openapi`]: the OpenAPI document, built from the same route lists the server mounts.
//! * `api` (Mono's REST API v1 and v2), `control` (the `/_sim/` control API), `console`
//!   (the page at `/` over the control API), `widget` (the Connect widget's pages and
//!   connect.js): the HTTP surfaces. Each route is listed once,
//!   and each handler returns the type that documents its answer.
//! * `http`: what the HTTP surfaces share: which simulated Mono a request is for, errors in
//!   each API version's shape, the body and URI limits ([`MAX_BODY`], [`MAX_URI`]).
//! * `lifecycle`: the account state machine and the webhooks each step fires; `jobs`: the
//!   realtime jobs `x-realtime: true` starts, on the virtual clock; `tenants`:
//!   several simulated Monos behind one port.
//! * `recording`: every state-changing action done through the control API or the
//!   widget, typed, and its translation into a scenario file (`GET /_sim/recording.yaml`).
//! * `sim`: the moving parts wired together, and the driver that runs what is due.
//! * `webhooks` (the dispatcher and its delivery log), `faults` (injected faults),
//!   `scheduler` (what is due when), `request_log` (every call the Mono API received).
//! * `world` (accounts, institutions, holders, transactions; deterministic from a seed),
//!   [`clock`] (timestamps, durations, the one clock), `journal` (the bounded, numbered log
//!   that both logs are).
//!
//! The public face is [`Simulator`], the types re-exported here, [`clock`], [`transport`]
//! and [`openapi`].
//! The modules hidden from these docs are exported for monosim's own harness, fuzz targets
//! and tests, which drive the moving parts directly; they are not a stable API.

mod api;
pub mod clock;
mod console;
mod control;
mod http;
mod journal;
pub mod openapi;
mod scheduler;
mod server;
pub mod transport;
mod widget;

#[doc(hidden)]
pub mod echo;
#[doc(hidden)]
pub mod faults;
#[doc(hidden)]
pub mod jobs;
#[doc(hidden)]
pub mod lifecycle;
#[doc(hidden)]
pub mod recording;
#[doc(hidden)]
pub mod request_log;
#[doc(hidden)]
pub mod sim;
#[doc(hidden)]
pub mod tenants;
#[doc(hidden)]
pub mod webhooks;
#[doc(hidden)]
pub mod world;

pub use clock::{Clock, Timestamp};
pub use http::{MAX_BODY, MAX_URI};
pub use server::{
    Simulator, SimulatorConfig, DEFAULT_PUBLIC_KEY, DEFAULT_SECRET_KEY, DEFAULT_WEBHOOK_SECRET,
};
pub use transport::{ConnectionLimits, MAX_HEADER_BYTES};
pub use webhooks::RetryPolicy;
pub use world::{Dialect, World, WorldError, WorldFile};
