//! Command-line arguments. Every `MONOSIM_*` environment variable is read here, by clap,
//! and nowhere else.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use monosim_simulator::{Dialect, Timestamp, DEFAULT_SECRET_KEY};

#[derive(Parser)]
#[command(
    name = "monosim",
    version,
    about = "An offline stand-in for the Mono open-banking API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the fake Mono API with a seeded world until Ctrl-C.
    ///
    /// Prints one JSON "ready" line on stdout (base URL, keys, a few account ids) once it
    /// accepts connections.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one (read it from the ready line).
    #[arg(long, env = "MONOSIM_PORT", default_value_t = 7410)]
    pub port: u16,
    /// Address to bind. Anything but loopback also needs --allow-remote.
    #[arg(long, env = "MONOSIM_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Permit binding a non-loopback address (the simulator has no real security).
    #[arg(long, env = "MONOSIM_ALLOW_REMOTE")]
    pub allow_remote: bool,
    /// Seed of the world: the same seed gives the same accounts, ids and transactions.
    #[arg(long, env = "MONOSIM_SEED", default_value_t = 42)]
    pub seed: u64,
    /// The `mono-sec-key` every API request must carry.
    #[arg(long, env = "MONOSIM_SECRET_KEY", default_value = DEFAULT_SECRET_KEY)]
    pub secret_key: String,
    /// A YAML or JSON file declaring accounts (institution, MFA, balance, …).
    #[arg(long, env = "MONOSIM_WORLD")]
    pub world: Option<PathBuf>,
    /// Random accounts to seed [default: 10, or 0 when --world is given].
    #[arg(long, env = "MONOSIM_ACCOUNTS")]
    pub accounts: Option<usize>,
    /// Generation of Mono's payload shapes.
    #[arg(long, env = "MONOSIM_DIALECT", default_value = "current", value_parser = parse_dialect)]
    pub dialect: Dialect,
    /// Start the clock at this instant (RFC 3339, e.g. 2026-01-15T09:00:00Z) instead of now.
    #[arg(long, env = "MONOSIM_START_TIME", value_parser = parse_time)]
    pub start_time: Option<Timestamp>,
    /// Keep the clock still, so the same requests get byte-identical answers.
    #[arg(long, env = "MONOSIM_FROZEN")]
    pub frozen: bool,
}

fn parse_dialect(text: &str) -> Result<Dialect, String> {
    text.parse()
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| format!("`{text}` is not an RFC 3339 UTC time like 2026-01-15T09:00:00Z"))
}
