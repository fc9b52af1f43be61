//! The `monosim` binary: parse arguments, run the command, map the outcome to an exit code.

mod cli;
mod exit;
mod harness;
mod output;
mod remote;
mod serve;

use clap::Parser;

/// mimalloc, not the C library's allocator. The released binary is linked statically against
/// musl, whose allocator held `monosim serve` to about 60 % of the requests per second the
/// same code serves on glibc (bench/RESULTS.md); with mimalloc both builds serve alike. It
/// also takes glibc's per-request cost of freeing on another worker thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Its report of a failed write is an `eprintln!`: a closed stderr would panic.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let code = match cli.command {
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Fire(args) => remote::fire(args),
        cli::Command::Reauth(args) => remote::reauth(args),
        cli::Command::Logs(args) => remote::logs(args),
        cli::Command::Record(args) => remote::record(args),
        cli::Command::Run(args) => harness::run(args),
        cli::Command::Review(args) => harness::review(args),
        cli::Command::Schema => harness::schema(),
        cli::Command::Init(args) => harness::init(args),
        cli::Command::Openapi => openapi(),
        cli::Command::Guard => harness::guard(),
    };
    std::process::ExitCode::from(code)
}

/// `monosim openapi`: the document `GET /openapi.json` serves, without starting a server.
fn openapi() -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{}", monosim_simulator::openapi::to_json()) {
        Ok(()) => exit::SUCCESS,
        // A closed pipe (`monosim openapi | head`) is not worth a panic.
        Err(_) => exit::FAILED,
    }
}
