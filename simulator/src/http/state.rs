//! What handlers work with: the server's shared settings, and the simulated Mono a request
//! is for.

use std::sync::Arc;

use crate::sim::Sim;
use crate::tenants::Tenants;
use crate::world::World;

/// What the whole server shares.
pub struct Shared {
    pub tenants: Arc<Tenants>,
    pub secret_key: String,
    /// The public key the Connect widget accepts; `mono_url`s carry it.
    pub public_key: String,
    /// The simulator's own base URL, e.g. `http://127.0.0.1:7410`; absolute links in
    /// responses (`paging.next`, statement PDFs, `mono_url`) point here.
    pub base_url: Arc<str>,
}

/// What a handler works with: the simulated Mono the request is for.
pub struct ApiState {
    pub sim: Arc<Sim>,
    /// The same world as `sim.world`, for brevity in handlers.
    pub world: Arc<World>,
    pub base_url: Arc<str>,
    pub tenants: Arc<Tenants>,
}

impl ApiState {
    pub fn new(sim: Arc<Sim>, shared: &Shared) -> ApiState {
        ApiState {
            world: sim.world.clone(),
            sim,
            base_url: shared.base_url.clone(),
            tenants: shared.tenants.clone(),
        }
    }

    /// The same request's view, on another simulated Mono.
    pub fn new_for(sim: Arc<Sim>, other: &ApiState) -> ApiState {
        ApiState {
            world: sim.world.clone(),
            sim,
            base_url: other.base_url.clone(),
            tenants: other.tenants.clone(),
        }
    }
}
