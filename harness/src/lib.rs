//! monosim's harness: runs scenario files against an integrator's webhook receiver and
//! snapshot-asserts the receiver's resulting account state.
pub mod config;
pub mod diagnostic;
pub mod report;
pub mod runner;
pub mod schema;
pub mod snapshot;
mod read;
pub mod scenario;
pub mod yaml;
