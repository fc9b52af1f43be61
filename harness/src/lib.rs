//! monosim's harness: runs scenario files against an integrator's webhook receiver and
//! snapshot-asserts the receiver's resulting account state.
pub mod config;
pub mod diagnostic;
mod read;
pub mod scenario;
pub mod yaml;
