//! `monosim serve`: the simulator on a socket until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use std::time::Duration;

use monosim_simulator::transport::fd_limit;
use monosim_simulator::webhooks::RetryPolicy;
use monosim_simulator::{
    ConnectionLimits, Simulator, SimulatorConfig, WorldFile, DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
};
use serde_json::json;

use crate::cli::ServeArgs;
use crate::exit;
use crate::output::{errln, outln};

/// How many accounts the ready line lists.
const SAMPLE_ACCOUNTS: usize = 5;

pub fn run(args: ServeArgs) -> u8 {
    if !args.host.is_loopback() && !args.allow_remote {
        errln!(
            "error: refusing to listen on {}: the simulator is for local testing.\n  hint: bind 127.0.0.1, or pass --allow-remote if you really mean to expose it",
            args.host
        );
        return exit::USAGE;
    }
    let world_file = match args.world.as_deref().map(WorldFile::load).transpose() {
        Ok(file) => file,
        Err(error) => {
            errln!("error: {error}");
            return exit::USAGE;
        }
    };
    let random_accounts = args
        .accounts
        .unwrap_or(if world_file.is_some() { 0 } else { 10 });
    let simulator = match Simulator::new(SimulatorConfig {
        seed: args.seed,
        dialect: args.dialect,
        secret_key: args.secret_key.clone(),
        public_key: args.public_key.clone(),
        random_accounts,
        world_file,
        start: args.start_time,
        frozen: args.frozen,
        time_scale: args.time_scale,
        webhook_urls: args.webhook_urls.clone(),
        webhook_secret: args.webhook_secret.clone(),
        retry: RetryPolicy {
            cap: args.retry_cap,
            timeout: Duration::from_millis(args.webhook_timeout.max(1) as u64),
            ..RetryPolicy::default()
        },
        data_delay: args.data_delay,
        control_token: args.control_token.clone(),
        connections: ConnectionLimits {
            header_timeout: args.header_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections as usize,
        },
    }) {
        Ok(simulator) => simulator,
        Err(error) => {
            errln!("error: cannot build the world: {error}");
            return exit::USAGE;
        }
    };
    // Every connection is a file descriptor: the default soft limit (often 1,024) is not a
    // decision anyone made, so take what the hard limit allows (see transport/fd_limit.rs).
    match fd_limit::raise() {
        Ok(Some((before, after))) => {
            tracing::debug!(before, after, "raised the open-file limit");
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-file limit; the connection cap may be lowered to fit it");
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            errln!("error: cannot start the async runtime: {error}");
            return exit::ENVIRONMENT;
        }
    };
    let code = runtime.block_on(async move {
        let address = SocketAddr::new(args.host, args.port);
        let listener = match listen(address) {
            Ok(listener) => listener,
            Err(error) => {
                errln!("error: cannot listen on {address}: {error}\n  hint: pick another --port, or --port 0 for any free one");
                return exit::ENVIRONMENT;
            }
        };
        if !args.host.is_loopback() {
            let control = if args.control_token.is_some() {
                "the control API (/_sim/) needs the control token from other machines"
            } else {
                "the control API (/_sim/) answers this machine only; --control-token opens it to others"
            };
            tracing::warn!(host = %args.host, "listening beyond loopback: anyone who can reach this address can use Mono's API with the secret key; {control}");
        }
        let url = match listener.local_addr() {
            Ok(local) => format!("http://{local}"),
            Err(error) => {
                errln!("error: cannot read the bound address: {error}");
                return exit::ENVIRONMENT;
            }
        };
        print_ready(&simulator, &url, &args);
        match simulator.serve(listener, shutdown_signal()).await {
            Ok(()) => {
                tracing::info!("simulator stopped");
                exit::SUCCESS
            }
            Err(error) => {
                errln!("error: server failed: {error}");
                exit::ENVIRONMENT
            }
        }
    });
    // Requests have finished; background tasks (the webhook driver, timers) need not:
    // exit promptly rather than wait on them.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

/// How many connections the kernel may hold for `accept`. The default of std and tokio
/// (128 on Linux) overflowed under a burst of a hundred connects while the server was busy
/// with others, and a connection dropped there is retried by its client a whole second
/// later. nginx asks for 511, Go for the system's maximum; the kernel caps it at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 1024;

/// A listening socket on `address`, as `TcpListener::bind` makes one (address reuse on
/// Unix, so a restart does not wait out TIME_WAIT) but with [`LISTEN_BACKLOG`].
fn listen(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// What the ready line and the banner show for a secret: the built-in test values (public,
/// in docs/serve.md) as they are; a value the user chose is never echoed, so it stays out of
/// CI logs and terminal scrollback. The user knows it: they passed it.
const REDACTED: &str = "[redacted: the value you set]";

fn shown<'a>(value: &'a str, default: &str) -> &'a str {
    if value == default {
        value
    } else {
        REDACTED
    }
}

/// One JSON line on stdout for scripts, a few friendly lines on stderr for people.
fn print_ready(simulator: &Simulator, url: &str, args: &ServeArgs) {
    let secret_key = shown(&args.secret_key, DEFAULT_SECRET_KEY);
    let webhook_secret = shown(&args.webhook_secret, DEFAULT_WEBHOOK_SECRET);
    let world = simulator.world();
    let sample: Vec<_> = world
        .accounts(SAMPLE_ACCOUNTS)
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id,
                "institution": a.institution().slug,
                "mfa": a.mfa.as_str(),
                "code": a.code,
            })
        })
        .collect();
    let ready = json!({
        "event": "ready",
        "url": url,
        "secret_key": secret_key,
        "public_key": args.public_key,
        "webhook_secret": webhook_secret,
        "webhook_urls": args.webhook_urls,
        "control_url": format!("{url}/_sim"),
        "seed": world.seed(),
        "dialect": world.dialect().to_string(),
        "accounts": world.account_count(),
        "sample_accounts": sample,
    });
    outln!("{ready}");
    errln!("monosim is serving a fake Mono API at {url}");
    errln!("  secret key (mono-sec-key): {secret_key}");
    for account in world.accounts(SAMPLE_ACCOUNTS) {
        errln!(
            "  account {}  {:<16} mfa {:<17} code {}",
            account.id,
            account.institution().slug,
            account.mfa.as_str(),
            account.code
        );
    }
    errln!("  try: curl -H 'mono-sec-key: {secret_key}' {url}/v2/accounts/<id>");
    if args.control_token.is_some() {
        errln!("  control API: other machines send `Authorization: Bearer <your --control-token>`");
    }
    errln!(
        "  Connect widget: {url}/connect.js (public key {}); demo at {url}/demo",
        args.public_key
    );
}

/// Completes on Ctrl-C or SIGTERM. A second signal while requests are still finishing (a
/// long `hang` fault, an `/_sim/idle` wait) ends the process at once.
pub(crate) async fn shutdown_signal() {
    signal().await;
    tracing::info!("shutting down; a second Ctrl-C stops at once");
    tokio::spawn(async {
        signal().await;
        errln!("stopped before the requests in flight finished");
        std::process::exit(130);
    });
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
