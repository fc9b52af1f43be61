//! The simulator as a whole: a world, its clock, and the HTTP server in front of them.

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::api::{self, ApiState};
use crate::clock::{Clock, Timestamp};
use crate::world::{Dialect, World, WorldConfig, WorldError, WorldFile};

/// The fixed test secret key `serve` uses unless told otherwise. Documented in the README;
/// it unlocks nothing but a local simulator.
pub const DEFAULT_SECRET_KEY: &str = "test_sk_monosim";
/// The matching public key, for the Connect widget.
pub const DEFAULT_PUBLIC_KEY: &str = "test_pk_monosim";

pub struct SimulatorConfig {
    pub seed: u64,
    pub dialect: Dialect,
    pub secret_key: String,
    /// Random accounts to create after the world file's.
    pub random_accounts: usize,
    pub world_file: Option<WorldFile>,
    /// Where the clock starts; wall time when `None`.
    pub start: Option<Timestamp>,
    /// Keeps the clock still (it moves only when advanced), for byte-reproducible runs.
    pub frozen: bool,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            seed: 0,
            dialect: Dialect::Current,
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            random_accounts: 10,
            world_file: None,
            start: None,
            frozen: false,
        }
    }
}

pub struct Simulator {
    world: Arc<World>,
    secret_key: String,
}

impl Simulator {
    pub fn new(config: SimulatorConfig) -> Result<Simulator, WorldError> {
        let clock = match config.start {
            Some(start) => Clock::starting_at(start, config.frozen),
            None if config.frozen => Clock::starting_at(Timestamp::wall(), true),
            None => Clock::wall(),
        };
        let world = World::new(
            WorldConfig {
                seed: config.seed,
                dialect: config.dialect,
                random_accounts: config.random_accounts,
                file: config.world_file,
            },
            Arc::new(clock),
        )?;
        Ok(Simulator {
            world: Arc::new(world),
            secret_key: config.secret_key,
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The HTTP API, with absolute links pointing at `base_url`.
    pub fn router(&self, base_url: &str) -> axum::Router {
        api::router(Arc::new(ApiState {
            world: self.world.clone(),
            secret_key: self.secret_key.clone(),
            base_url: base_url.trim_end_matches('/').to_string(),
        }))
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let base_url = format!("http://{}", listener.local_addr()?);
        tracing::info!(%base_url, accounts = self.world.account_count(), "simulator listening");
        axum::serve(listener, self.router(&base_url))
            .with_graceful_shutdown(shutdown)
            .await
    }
}
