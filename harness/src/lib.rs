//! monosim's harness: runs scenario files against an integrator's webhook receiver and
//! snapshot-asserts the receiver's resulting account state.
pub mod bundled;
pub mod config;
pub mod diagnostic;
mod read;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod snapshot;
pub mod yaml;
