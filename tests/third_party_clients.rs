//! Real, unmodified third-party Mono clients against the simulator, changing nothing but
//! their base URL: `mono-node` 1.0.3 (npm) and `mono-sdk` 0.1.4 (PyPI). Each runs a check
//! script under tests/clients/ as a child process; `scripts/setup-clients` installs them.
//! Every method of theirs that targets account data, re-auth or sync is called once; the
//! others, and why each is outside monosim's scope, are listed in docs/fidelity.md.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::Served;

/// How long one client's whole check run may take before it is killed and the test fails.
const CLIENT_DEADLINE: Duration = Duration::from_secs(60);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails the test, rather than skipping it, when a client was never installed.
fn require_installed(path: &Path) {
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-clients first",
        path.display()
    );
}

/// Runs `program args` from the repo root with the simulator's URL, key and the
/// `account`-th sample account in its environment; panics with its output unless it
/// exits successfully within [`CLIENT_DEADLINE`].
fn run_client(served: &Served, account: usize, program: &Path, args: &[&str]) {
    let (id, code) = served.account(account);
    let mut child = Command::new(program)
        .args(args)
        .current_dir(repo())
        .env("MONOSIM_URL", &served.url)
        .env("MONOSIM_SECRET_KEY", served.secret_key())
        .env("MONOSIM_ACCOUNT_ID", &id)
        .env("MONOSIM_ACCOUNT_CODE", &code)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));

    // Drain both pipes on their own threads so the child never blocks on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on the client works") {
            break Some(status);
        }
        if started.elapsed() > CLIENT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        // std offers no way to wait on a child with a timeout; poll its exit status.
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let command = format!("{} {}", program.display(), args.join(" "));
    match status {
        Some(status) if status.success() => println!("{command}:\n{stdout}"),
        Some(status) => panic!(
            "{command} failed ({status}) against {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            served.url
        ),
        None => panic!(
            "{command} did not finish within {CLIENT_DEADLINE:?}, killed\n--- stdout\n{stdout}--- stderr\n{stderr}"
        ),
    }
}

#[test]
fn mono_node_works_against_the_simulator_unchanged_but_for_its_base_url() {
    let root = repo();
    require_installed(&root.join("tests/clients/node/node_modules/mono-node/package.json"));
    let served = Served::start(&["--seed", "42"]);
    run_client(
        &served,
        0,
        Path::new("node"),
        &["tests/clients/node/check.js"],
    );
}

#[test]
fn mono_sdk_python_works_against_the_simulator_unchanged_but_for_its_base_url() {
    let root = repo();
    let python = root.join("target/clients-venv/bin/python");
    require_installed(&python);
    // The check unlinks its account last: a server and an account of its own.
    let served = Served::start(&["--seed", "42"]);
    run_client(&served, 1, &python, &["tests/clients/python/check.py"]);
}
