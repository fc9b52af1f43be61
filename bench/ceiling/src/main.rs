//! The ceiling: what a bare axum app does on this machine, so monosim's benchmarks can say
//! how close to it monosim comes (`bench/ceiling.sh`, `bench/webhooks.sh`).
//!
//! It does the least work a server of the same shape can do: the Mono routes answer bytes
//! fixed at start (the same bytes monosim answered, read from files), and the webhook sink
//! parses each body as JSON — what the thinnest real receiver does — and answers 200.
//! Same framework, same runtime, same loopback as monosim; none of monosim's work (a
//! seeded world, auth, the request log, rendering).
//!
//! ```text
//! ceiling [--workers N] [--account FILE] [--transactions FILE]
//! ```
//! prints `http://127.0.0.1:PORT` once listening (on a port from 127.0.0.1:0), then serves:
//! - `GET /v2/accounts/{id}`: FILE of `--account`;
//! - `GET /v2/accounts/{id}/transactions`: FILE of `--transactions`;
//! - `POST /webhook`: parses the body as JSON; 200, or 400 when it is not JSON;
//! - `POST /webhook/bare`: reads the body, answers 200.

use std::process::ExitCode;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

const USAGE: &str = "usage: ceiling [--workers N] [--account FILE] [--transactions FILE]";

struct Options {
    /// Tokio worker threads; the machine's cores when not given (tokio's default, as
    /// `monosim serve`).
    workers: Option<usize>,
    account: Bytes,
    transactions: Bytes,
}

/// The allocator monosim's binary uses (src/main.rs), so the ratio compares the servers'
/// work, not two allocators.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match options().and_then(serve) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ceiling: {error}");
            ExitCode::FAILURE
        }
    }
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        workers: None,
        account: Bytes::from_static(b"{}"),
        transactions: Bytes::from_static(b"{}"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let read = |path: &str| {
            std::fs::read(path)
                .map(Bytes::from)
                .map_err(|e| format!("cannot read {path}: {e}"))
        };
        match flag.as_str() {
            "--workers" => {
                let workers = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--workers takes a positive number, not {value}"))?;
                options.workers = Some(workers);
            }
            "--account" => options.account = read(&value)?,
            "--transactions" => options.transactions = read(&value)?,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn serve(options: Options) -> Result<(), String> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = options.workers {
        runtime.worker_threads(workers);
    }
    let runtime = runtime.enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        println!("http://{address}");
        axum::serve(listener, app(options.account, options.transactions))
            .await
            .map_err(|e| e.to_string())
    })
}

fn app(account: Bytes, transactions: Bytes) -> Router {
    let json = |body: Bytes| {
        move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }
    };
    Router::new()
        .route("/v2/accounts/{id}", get(json(account)))
        .route("/v2/accounts/{id}/transactions", get(json(transactions)))
        .route("/webhook", post(sink))
        .route("/webhook/bare", post(bare))
}

/// A receiver that does no work at all: reads the body, answers 200. What is left is the
/// sender's own cost, so this is where a sender's efficiency shows.
async fn bare(_body: Bytes) -> StatusCode {
    StatusCode::OK
}

/// A receiver at its thinnest: the body must be JSON, and that is all it checks.
async fn sink(body: Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}
