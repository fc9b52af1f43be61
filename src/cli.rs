//! Command-line arguments. Every `MONOSIM_*` environment variable is read here, by clap,
//! and nowhere else.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use monosim_harness::scenario::Profile;
use monosim_harness::starter::Stack;
use monosim_simulator::{
    Dialect, Timestamp, DEFAULT_PUBLIC_KEY, DEFAULT_SECRET_KEY, DEFAULT_WEBHOOK_SECRET,
};

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
    /// Fire a webhook event at a running simulator's webhook URLs (like `stripe trigger`).
    Fire(FireArgs),
    /// Play the user re-authenticating an account in the Connect widget.
    Reauth(ReauthArgs),
    /// Print a running simulator's webhook delivery log.
    Logs(LogsArgs),
    /// Save what was done to a running simulator since it started (or was reset) as a
    /// scenario file that `monosim run` replays.
    Record(RecordArgs),
    /// Run the scenarios against your receiver and check its state (exit 0 pass, 1 a
    /// scenario failed, 2 a file is wrong, 3 the receiver could not be reached, 130 / 143
    /// stopped by Ctrl-C / SIGTERM).
    Run(RunArgs),
    /// Walk through pending snapshots: accept, reject or skip each.
    Review(ReviewArgs),
    /// Print the JSON Schemas of monosim.yaml and of scenario files.
    Schema,
    /// Write a starter monosim.yaml and copy the bundled scenarios into a project.
    Init(InitArgs),
    /// Print the simulator's OpenAPI document (what `GET /openapi.json` serves).
    Openapi,
    /// Internal to `monosim run`: stops the receiver's process group (and probe commands')
    /// if `monosim run` is killed. Reads `watch`/`forget` lines on stdin until end of file.
    #[command(hide = true)]
    Guard,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The config file.
    #[arg(long, default_value = "monosim.yaml")]
    pub config: PathBuf,
    /// Only scenarios whose name or file contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Run the k-th of n shards (e.g. 2/4), to split a suite across CI machines.
    #[arg(long, value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,
    /// Seed of the simulated worlds.
    #[arg(long, env = "MONOSIM_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Scenarios run at once [default: the number of cores, at least 4].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Accept new and changed snapshots.
    #[arg(long)]
    pub accept: bool,
    /// Which expectations run: `contract` (what Mono's docs require of every receiver) or
    /// `strict` (also the checks of one reasonable design the docs leave open).
    #[arg(long, env = "MONOSIM_PROFILE", default_value = "contract", value_parser = parse_profile)]
    pub profile: Profile,
    /// Stop at the first failed scenario (those still running are cancelled).
    #[arg(long)]
    pub fail_fast: bool,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Let scenario files and their `include:`s be outside the project (the folder holding
    /// monosim.yaml and its `scenarios:` folder).
    #[arg(long)]
    pub allow_outside_includes: bool,
    #[command(flatten)]
    pub terminal: Terminal,
}

/// What the environment says about the terminal and CI.
#[derive(clap::Args)]
pub struct Terminal {
    /// Set by CI systems: snapshots are not written, only checked.
    #[arg(long, env = "CI", hide = true, default_value = "")]
    pub ci: String,
    /// Turns colours off, as <https://no-color.org> asks.
    #[arg(long, env = "NO_COLOR", hide = true, default_value = "")]
    pub no_color: String,
}

impl Terminal {
    pub fn in_ci(&self) -> bool {
        !matches!(self.ci.as_str(), "" | "0" | "false")
    }

    /// Colour on a terminal, unless NO_COLOR says otherwise.
    pub fn colour(&self, stream_is_terminal: bool) -> bool {
        stream_is_terminal && self.no_color.is_empty()
    }
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    #[arg(long, default_value = "monosim.yaml")]
    pub config: PathBuf,
    #[command(flatten)]
    pub terminal: Terminal,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The project folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing monosim.yaml and scenarios.
    #[arg(long)]
    pub force: bool,
    /// Write the monosim.yaml of this stack: its start command, environment names and, in
    /// comments, the test-only state route to add (node: Express; python: FastAPI or Django;
    /// php: Laravel).
    #[arg(long, value_parser = parse_stack)]
    pub stack: Option<Stack>,
}

fn parse_stack(text: &str) -> Result<Stack, String> {
    Stack::ALL
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| format!("`{text}` is not a stack monosim knows: use node, python or php"))
}

fn parse_profile(text: &str) -> Result<Profile, String> {
    Profile::ALL
        .into_iter()
        .find(|p| p.as_str() == text)
        .ok_or_else(|| format!("`{text}` is not a profile: use `contract` or `strict`"))
}

fn parse_partition(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{text}` is not k/n with 1 ≤ k ≤ n (e.g. 2/4)");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// Where a running simulator is.
#[derive(clap::Args)]
pub struct Remote {
    /// Base URL of the running simulator.
    #[arg(long, env = "MONOSIM_URL", default_value = "http://127.0.0.1:7410")]
    pub url: String,
    /// The simulator's control token, sent as `Authorization: Bearer` (needed only when
    /// the simulator is on another machine).
    #[arg(long, env = "MONOSIM_CONTROL_TOKEN", hide_env_values = true, value_parser = parse_token)]
    pub control_token: Option<String>,
}

#[derive(clap::Args)]
pub struct FireArgs {
    /// The event, e.g. mono.events.reauthorisation_required (any name is accepted).
    pub event: String,
    /// The account it is about.
    #[arg(long)]
    pub account: String,
    /// Override a body field: --set data.meta.data_status=FAILED (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub remote: Remote,
}

#[derive(clap::Args)]
pub struct RecordArgs {
    /// Where to write the scenario file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub remote: Remote,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MfaChoice {
    Correct,
    Wrong,
    Expired,
    Abandon,
}

#[derive(clap::Args)]
pub struct ReauthArgs {
    /// The account to re-authorise (its latest re-auth token is used).
    pub account: String,
    /// What the user answers to the MFA challenge.
    #[arg(long, value_enum, default_value = "correct")]
    pub mfa: MfaChoice,
    /// Use this token instead of the latest one.
    #[arg(long)]
    pub token: Option<String>,
    #[command(flatten)]
    pub remote: Remote,
}

#[derive(clap::Args)]
pub struct LogsArgs {
    /// Only this account's deliveries.
    #[arg(long)]
    pub account: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub remote: Remote,
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
    /// Lets clients on other machines use the control API (/_sim/) when they send
    /// `Authorization: Bearer <token>`; without it only this machine may.
    #[arg(long, env = "MONOSIM_CONTROL_TOKEN", hide_env_values = true, value_parser = parse_token)]
    pub control_token: Option<String>,
    /// Seed of the world: the same seed gives the same accounts, ids and transactions.
    #[arg(long, env = "MONOSIM_SEED", default_value_t = 42)]
    pub seed: u64,
    /// The `mono-sec-key` every API request must carry.
    #[arg(long, env = "MONOSIM_SECRET_KEY", hide_env_values = true, default_value = DEFAULT_SECRET_KEY)]
    pub secret_key: String,
    /// The public key the Connect widget accepts (`new Connect({ key })`).
    #[arg(long, env = "MONOSIM_PUBLIC_KEY", default_value = DEFAULT_PUBLIC_KEY)]
    pub public_key: String,
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
    /// Run the clock this many times faster than wall time (e.g. 60: a minute per second).
    #[arg(long, env = "MONOSIM_TIME_SCALE", default_value_t = 1.0, value_parser = parse_scale)]
    pub time_scale: f64,
    /// Where to POST webhooks (repeatable).
    #[arg(
        long = "webhook-url",
        env = "MONOSIM_WEBHOOK_URL",
        value_delimiter = ',',
        value_parser = parse_url
    )]
    pub webhook_urls: Vec<String>,
    /// The `mono-webhook-secret` header every webhook carries.
    #[arg(long, env = "MONOSIM_WEBHOOK_SECRET", hide_env_values = true, default_value = DEFAULT_WEBHOOK_SECRET, value_parser = parse_secret)]
    pub webhook_secret: String,
    /// How long one delivery attempt may take before it counts as failed.
    #[arg(long, env = "MONOSIM_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = parse_millis)]
    pub webhook_timeout: i64,
    /// The longest gap between two delivery attempts (see docs/webhooks.md on Mono's schedule).
    #[arg(long, env = "MONOSIM_RETRY_CAP", default_value = "3h", value_parser = parse_millis)]
    pub retry_cap: i64,
    /// From a link or re-authorisation to `account_updated` (Mono: 0.5 s to 5 min).
    #[arg(long, env = "MONOSIM_DATA_DELAY", default_value = "1s", value_parser = parse_millis)]
    pub data_delay: i64,
    /// How long a client has to send a request's line and headers, from connecting or from
    /// the request's first byte (nginx's client_header_timeout).
    #[arg(long, env = "MONOSIM_HEADER_TIMEOUT", default_value = "60s", value_parser = parse_timeout)]
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request (nginx's
    /// keepalive_timeout).
    #[arg(long, env = "MONOSIM_IDLE_TIMEOUT", default_value = "75s", value_parser = parse_timeout)]
    pub idle_timeout: Duration,
    /// How many connections may be open at once; at the limit the longest-idle one is
    /// closed to make room. Lowered to fit the open-file limit.
    #[arg(long, env = "MONOSIM_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

/// A timeout: a duration of at least 1 ms (a zero timeout would close every connection at
/// once).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_millis(text)? {
        0 => Err(format!(
            "`{text}` is no time at all: a timeout must be at least 1ms (e.g. 60s)"
        )),
        millis => Ok(Duration::from_millis(millis as u64)),
    }
}

fn parse_token(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("the control token must not be empty: pick a long random string".into());
    }
    Ok(text.trim().to_string())
}

fn parse_secret(text: &str) -> Result<String, String> {
    monosim_simulator::webhooks::check_secret(text)?;
    Ok(text.to_string())
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
        _ => Err(format!(
            "`{text}` is not a positive number (1 = real time, 60 = a minute per second)"
        )),
    }
}

fn parse_url(text: &str) -> Result<String, String> {
    match reqwest::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "`{text}` is not an http(s) URL like http://127.0.0.1:3000/webhook"
        )),
    }
}

fn parse_millis(text: &str) -> Result<i64, String> {
    monosim_simulator::clock::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration like 500ms, 30s, 10m or 4h"))
}

fn parse_dialect(text: &str) -> Result<Dialect, String> {
    text.parse()
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| format!("`{text}` is not an RFC 3339 UTC time like 2026-01-15T09:00:00Z"))
}
