//! The bundled scenario library against the reference receivers (examples/), in every
//! design they can take: every style passes the whole library, and every bug switch is
//! caught in every style — a scenario fails and the report names it, the step and what
//! differed. A bug is judged against its style's own clean run, which must pass first.
//!
//! The styles (examples/README.md) cover every pair of the three choices Mono's docs leave
//! open: the API (the guide's mix, v1, or v2 with `initiate`'s `mono_url`), what a failed
//! token request does (roll back, or keep the flag), and what clears the flag
//! (`account_reauthorized` only, or a newer AVAILABLE update too).

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{monosim, ReferenceProject};

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
    "ignores_updates_while_flagged",
];

/// Styles covering every pair of choices: api × failed token × clearing.
const STYLES: &[&str] = &[
    "",
    "keep_flag,clear_on_update",
    "v1,clear_on_update",
    "v1,keep_flag",
    "v2,clear_on_update",
    "v2,keep_flag",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Rust receiver, built by `cargo test` as an example of this package.
fn rust_receiver() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_monosim"));
    bin.parent()
        .unwrap()
        .join("examples")
        .join("rust-receiver")
        .display()
        .to_string()
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

const PYTHON_RECEIVER: &str = "python3 examples/python-receiver/receiver.py";

struct Run<'a> {
    receiver: &'a str,
    command: &'a str,
    style: &'a str,
    bugs: &'a str,
    /// The committed snapshots (the default style's), or an empty folder of its own.
    committed_snapshots: bool,
    args: &'a [&'a str],
}

/// Runs the library (CI mode: snapshots are compared, never written).
fn run_library(run: &Run) -> Output {
    let label = format!(
        "{}-{}-{}",
        run.receiver,
        if run.style.is_empty() {
            "default"
        } else {
            run.style
        },
        if run.bugs.is_empty() {
            "correct"
        } else {
            run.bugs
        }
    )
    .replace(',', "+");
    // Numbered too: the strict-profile test runs the same receiver, style and bugs as the
    // receiver's own test, at the same time, and must not share (and delete) its database.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run_number = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("library-{}", std::process::id()))
        .join(format!("{label}-{run_number}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let snapshots: PathBuf = if run.committed_snapshots {
        repo().join("examples/snapshots")
    } else {
        dir.join("snapshots")
    };
    let config = dir.join("monosim.yaml");
    let project = ReferenceProject {
        command: run.command,
        cwd: Some(repo()),
        db: &dir.join("receiver.db"),
        style: run.style,
        bugs: run.bugs,
        scenarios: &repo().join("scenarios"),
        snapshots: Some(&snapshots),
    };
    std::fs::write(&config, project.config()).unwrap();
    monosim()
        .args(["run", "--jobs", "8", "--config"])
        .arg(&config)
        .args(run.args)
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

/// The first failure of a report: (scenario, "step N at file:line: step", what differed).
fn first_failure(report: &str) -> Option<(String, String, String)> {
    // The summary's "FAILED <scenario>", then "step N at scenarios/<file>:<line>: <step>",
    // then what differed (progress lines also start with FAILED, but are not followed by a
    // step line).
    let lines: Vec<&str> = report.lines().collect();
    let at = lines
        .windows(2)
        .position(|w| w[0].starts_with("FAILED ") && w[1].trim_start().starts_with("step "))?;
    Some((
        lines[at].trim_start_matches("FAILED ").trim().to_string(),
        lines[at + 1].trim().to_string(),
        lines
            .get(at + 2)
            .copied()
            .unwrap_or_default()
            .trim()
            .to_string(),
    ))
}

/// Every style passes the whole library; then, in that style, every bug switch is caught.
fn every_style_passes_and_every_bug_is_caught(receiver: &str, command: &str) {
    let mut missed = Vec::new();
    let mut table = Vec::new();
    for style in STYLES {
        let clean = run_library(&Run {
            receiver,
            command,
            style,
            bugs: "",
            committed_snapshots: style.is_empty(),
            args: &[],
        });
        let report = text(&clean);
        assert_eq!(
            clean.status.code(),
            Some(0),
            "{receiver} in style `{style}` fails the library:\n{report}"
        );
        assert!(
            report.contains(&format!(
                "{} passed, 0 failed",
                support::bundled_scenario_count()
            )),
            "{report}"
        );
        for bug in BUGS {
            let output = run_library(&Run {
                receiver,
                command,
                style,
                bugs: bug,
                committed_snapshots: false,
                args: &["--fail-fast"],
            });
            let report = text(&output);
            let failure = first_failure(&report);
            match (output.status.code(), failure) {
                (Some(1), Some((scenario, step, what)))
                    if !scenario.is_empty()
                        && step.starts_with("step ")
                        && step.contains("scenarios/")
                        && !what.is_empty() =>
                {
                    table.push(format!(
                        "{receiver} [{style}] {bug}: {scenario} — {step} — {what}"
                    ));
                }
                (code, _) => missed.push(format!(
                    "{receiver} [{style}] {bug}: exit {code:?}, no failing step named\n{report}"
                )),
            }
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(
        missed.is_empty(),
        "bug switches not caught:\n{}",
        missed.join("\n")
    );
}

#[test]
fn the_rust_receiver_passes_in_every_style_and_its_bugs_are_caught_in_each() {
    every_style_passes_and_every_bug_is_caught("rust", &rust_receiver());
}

#[test]
fn the_node_receiver_passes_in_every_style_and_its_bugs_are_caught_in_each() {
    every_style_passes_and_every_bug_is_caught("node", &node_receiver());
}

#[test]
fn the_python_receiver_passes_in_every_style_and_its_bugs_are_caught_in_each() {
    every_style_passes_and_every_bug_is_caught("python", PYTHON_RECEIVER);
}

/// `--profile strict` adds the checks of the reference design: the default style keeps them
/// all, while a correct style that chose otherwise — keeping the flag when the token
/// request fails — is told where it differs, which is what the profile is for.
#[test]
fn the_strict_profile_holds_the_default_design_and_tells_other_designs_apart() {
    for (receiver, command) in [
        ("rust", rust_receiver()),
        ("python", PYTHON_RECEIVER.into()),
    ] {
        let strict = ["--profile", "strict"];
        let default = run_library(&Run {
            receiver,
            command: &command,
            style: "",
            bugs: "",
            committed_snapshots: true,
            args: &strict,
        });
        assert_eq!(default.status.code(), Some(0), "{}", text(&default));
        let other = run_library(&Run {
            receiver,
            command: &command,
            style: "keep_flag",
            bugs: "",
            committed_snapshots: false,
            args: &strict,
        });
        let report = text(&other);
        assert_eq!(other.status.code(), Some(1), "{report}");
        for scenario in [
            "FAILED Rate-limited token fetches end with a token once Mono recovers",
            "FAILED A failed token fetch is not lost, and Mono's retry completes it",
        ] {
            assert!(report.contains(scenario), "{scenario}:\n{report}");
        }
        assert!(
            report.contains("why: the reference design rolls back and answers 500"),
            "{report}"
        );
        // The contract, without `strict`, holds for that design.
        let contract = run_library(&Run {
            receiver,
            command: &command,
            style: "keep_flag",
            bugs: "",
            committed_snapshots: false,
            args: &[],
        });
        assert_eq!(contract.status.code(), Some(0), "{}", text(&contract));
    }
}
