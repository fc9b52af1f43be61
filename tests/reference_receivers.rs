//! The bundled scenario library against the reference receivers (examples/): every
//! scenario passes against a correct receiver, and every bug switch is caught — a scenario
//! fails and the report names it, the step and what differed.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::monosim;

/// Bug switches of the reference receivers (examples/README.md).
const BUGS: &[&str] = &[
    "reads_data_id",
    "no_secret_check",
    "wrong_header",
    "never_clears_flag",
    "not_idempotent",
    "trusts_order",
    "processing_is_available",
    "ack_then_drop",
    "crashes_on_unknown",
    "no_fresh_token",
    "requires_event_id",
    "ignores_unlink",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Rust receiver, built by `cargo test` as an example of this package.
fn rust_receiver() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_monosim"));
    bin.parent().unwrap().join("examples").join("rust-receiver")
}

/// Runs the library (CI mode: snapshots are compared, never written) against a receiver
/// started with `command`, with `bugs` switched on.
fn run_library(name: &str, command: &str, bugs: &str) -> Output {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("library-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(format!(
        "monosim-{}.yaml",
        if bugs.is_empty() { "correct" } else { bugs }
    ));
    std::fs::write(
        &config,
        format!(
            "receiver:
  command: {command:?}
  cwd: {repo:?}
  env:
    PORT: \"{{receiver.port}}\"
    MONO_BASE_URL: \"{{sim.url}}\"
    MONO_SECRET_KEY: \"{{sim.secret_key}}\"
    MONO_WEBHOOK_SEC: \"{{sim.webhook_secret}}\"
    DB_PATH: {db:?}
    RECEIVER_BUGS: {bugs:?}
  ready: \"http://127.0.0.1:{{receiver.port}}/health\"
webhook_url: \"http://127.0.0.1:{{receiver.port}}/webhook\"
state:
  http: \"http://127.0.0.1:{{receiver.port}}/test/accounts/{{account_id}}\"
fields: {{ reauth_required: reauthRequired, reauth_token: reauthCode, data_status: dataStatus, linked: linked, balance: balance }}
scenarios: {scenarios:?}
",
            repo = repo().display().to_string(),
            db = dir.join(format!("{name}-{bugs}.db")).display().to_string(),
            scenarios = repo().join("scenarios").display().to_string(),
        ),
    )
    .unwrap();
    monosim()
        .args(["run", "--config"])
        .arg(&config)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scenario_count() -> usize {
    std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count()
}

fn assert_passes(name: &str, command: &str) {
    let output = run_library(name, command, "");
    let report = text(&output);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(
        report.contains(&format!("{} passed, 0 failed", scenario_count())),
        "{report}"
    );
}

/// Every bug switch makes at least one scenario fail, and the report says where and what.
fn assert_every_bug_is_caught(name: &str, command: &str) {
    let mut missed = Vec::new();
    for bug in BUGS {
        let output = run_library(name, command, bug);
        let report = text(&output);
        if output.status.code() != Some(1) {
            missed.push(format!("{bug}: exit {:?}\n{report}", output.status.code()));
            continue;
        }
        // The summary's "FAILED <scenario>", then "step N at scenarios/<file>:<line>: <step>",
        // then what differed (progress lines also start with FAILED, but are not followed by
        // a step line).
        let lines: Vec<&str> = report.lines().collect();
        let at = lines
            .windows(2)
            .position(|w| w[0].starts_with("FAILED ") && w[1].trim_start().starts_with("step "))
            .unwrap_or_else(|| panic!("{bug}: no failing step in the report\n{report}"));
        let scenario = lines[at].trim_start_matches("FAILED ").trim();
        let step = lines[at + 1];
        let what = lines.get(at + 2).copied().unwrap_or_default();
        assert!(!scenario.is_empty(), "{bug}: no scenario named\n{report}");
        assert!(
            step.trim_start().starts_with("step ") && step.contains("scenarios/"),
            "{bug}: no step named\n{report}"
        );
        assert!(
            !what.trim().is_empty(),
            "{bug}: nothing said about what differed\n{report}"
        );
        eprintln!(
            "{name}: {bug} caught by \"{scenario}\" — {} — {}",
            step.trim(),
            what.trim()
        );
    }
    assert!(
        missed.is_empty(),
        "bug switches no scenario caught:\n{}",
        missed.join("\n")
    );
}

#[test]
fn the_library_passes_against_the_rust_receiver() {
    assert_passes("rust", &rust_receiver().display().to_string());
}

#[test]
fn every_bug_switch_of_the_rust_receiver_is_caught() {
    assert_every_bug_is_caught("rust", &rust_receiver().display().to_string());
}

#[test]
fn the_library_passes_against_the_python_receiver() {
    assert_passes("python", "python3 examples/python-receiver/receiver.py");
}

/// `node examples/node-receiver/server.js`; its packages come from `scripts/setup-clients`.
fn node_receiver() -> String {
    let modules = repo().join("examples/node-receiver/node_modules/better-sqlite3");
    assert!(
        modules.exists(),
        "{} is missing: run scripts/setup-clients first",
        modules.display()
    );
    "node examples/node-receiver/server.js".to_string()
}

#[test]
fn the_library_passes_against_the_node_receiver() {
    assert_passes("node", &node_receiver());
}

#[test]
fn every_bug_switch_of_the_node_receiver_is_caught() {
    assert_every_bug_is_caught("node", &node_receiver());
}

#[test]
fn every_bug_switch_of_the_python_receiver_is_caught() {
    assert_every_bug_is_caught("python", "python3 examples/python-receiver/receiver.py");
}
