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

pub mod api;
pub mod clock;
pub mod control;
pub mod faults;
mod http;
pub mod journal;
pub mod lifecycle;
pub mod openapi;
pub mod request_log;
pub mod scheduler;
mod server;
pub mod sim;
pub mod tenants;
pub mod webhooks;
pub mod widget;
pub mod world;

pub use clock::{Clock, Timestamp};
pub use http::MAX_BODY;
pub use server::{
    Simulator, SimulatorConfig, DEFAULT_PUBLIC_KEY, DEFAULT_SECRET_KEY, DEFAULT_WEBHOOK_SECRET,
};
pub use world::{Dialect, World, WorldFile};
