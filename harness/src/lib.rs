//! monosim's harness: runs scenario files against an integrator's webhook receiver and
//! snapshot-asserts the receiver's resulting account state.
//!
//! Split by phase, as hurl is: [`yaml`] / [`config`] / [`scenario`] parse (no I/O),
//! [`runner`] runs, [`snapshot`] and [`report`] record and tell.

// A diagnostic carries its file, line and excerpt: it is the cold path, and boxing it at
// every `?` would only make the parsers harder to read.
#![allow(clippy::result_large_err)]
pub mod bundled;
pub mod config;
pub mod diagnostic;
mod read;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod snapshot;
pub mod starter;
pub mod yaml;
