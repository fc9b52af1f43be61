//! monosim's harness.
pub mod yaml;
