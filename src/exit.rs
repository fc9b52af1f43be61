//! Exit codes, named. Scripts and CI branch on these; they are documented in docs/config.md and docs/serve.md ("Exit codes").

/// Everything worked.
pub const SUCCESS: u8 = 0;
/// A scenario failed.
pub const FAILED: u8 = 1;
/// Bad arguments, or a configuration / world / scenario file that cannot be used.
pub const USAGE: u8 = 2;
/// The environment would not cooperate: a port could not be bound, a receiver not reached.
pub const ENVIRONMENT: u8 = 3;
/// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;
/// `monosim run` stopped by SIGTERM (128 + SIGTERM, as shells report it), so CI can tell a
/// job cancelled or timed out from a Ctrl-C.
pub const TERMINATED: u8 = 143;
