//! `monosim run` against receivers, probes and scenarios that misbehave (issue 12): nothing
//! they do may crash monosim, hang it, flood its output or leave a process behind. Process
//! checks read the real process table (`/proc`), never trust that a kill worked.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use support::{monosim, wait_with_deadline, DEADLINE};

/// A receiver monosim starts: it writes its process group's id to `receiver.pgid`, then runs
/// an HTTP server (GETs answer 200, webhooks 501) that ignores SIGTERM, under a `sh` leader
/// that does not — the leader exits on SIGTERM, the server goes on listening.
const STUBBORN_RECEIVER: &str = "echo $$ > receiver.pgid; (trap '' TERM; exec python3 -m http.server {receiver.port} --bind 127.0.0.1) & wait";

/// A fresh project folder with `monosim.yaml` and the scenario files.
fn project(name: &str, config: &str, scenarios: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("monosim.yaml"), config).unwrap();
    for (file, text) in scenarios {
        std::fs::write(dir.join("scenarios").join(file), text).unwrap();
    }
    dir.canonicalize().unwrap()
}

/// A config whose receiver is [`STUBBORN_RECEIVER`], with a 1 s stop timeout.
fn stubborn_config(state: &str) -> String {
    format!(
        "receiver:\n  command: \"{STUBBORN_RECEIVER}\"\n  ready: \"http://127.0.0.1:{{receiver.port}}/\"\n  stop_timeout: 1s\nwebhook_url: \"http://127.0.0.1:{{receiver.port}}/webhook\"\nstate: {state}\nfields: {{ linked: {{ exists: true }} }}\ntimeouts: {{ scenario: 90s }}\n"
    )
}

/// `/proc/<pid>/stat`'s state and process group, for a live process.
fn stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let pgrp = fields.nth(1)?.parse().ok()?;
    Some((state, pgrp))
}

/// Every process in the table, but zombies (exited; where PID 1 never reaps, they stay).
fn live_processes() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X')))
        .collect()
}

/// The live processes of group `pgid`.
fn live_in_group(pgid: u32) -> Vec<u32> {
    live_processes()
        .into_iter()
        .filter(|pid| stat(*pid).is_some_and(|(_, group)| group == pgid))
        .collect()
}

/// The live processes working in `dir`: the receiver, probe commands and the guardian all
/// run there, and nothing else does.
fn live_in(dir: &Path) -> Vec<(u32, String)> {
    live_processes()
        .into_iter()
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .map(|pid| {
            let command = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .replace('\0', " ");
            (pid, command)
        })
        .collect()
}

/// Waits (with the deadline) for a file another process writes; its trimmed text.
fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if !text.trim().is_empty() {
                return text.trim().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        // Another process writes it: nothing to subscribe to.
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `monosim run <args>` in `dir`, its stdout collected as it comes.
struct Running {
    child: Child,
    stdout: Arc<Mutex<String>>,
}

impl Running {
    fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = monosim()
            .arg("run")
            .args(args)
            .current_dir(dir)
            .env_remove("CI")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let into = stdout.clone();
        let pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = into.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        Running { child, stdout }
    }

    /// Waits until stdout contains `text`.
    fn wait_for_output(&self, text: &str) {
        let deadline = Instant::now() + DEADLINE;
        while !self.stdout.lock().unwrap().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no `{text}` in:\n{}",
                self.stdout.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the exit; the exit code (or `-signal`) and the whole stdout.
    fn finish(mut self) -> (i32, String) {
        let status = wait_with_deadline(&mut self.child);
        let mut stderr = String::new();
        let _ = std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut stderr);
        let code = status.code().unwrap_or_else(|| {
            -std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
        });
        // The reader thread ends at end of file, which the exit brings.
        let deadline = Instant::now() + DEADLINE;
        while Arc::strong_count(&self.stdout) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let stdout = self.stdout.lock().unwrap().clone();
        (code, format!("{stdout}\n--- stderr ---\n{stderr}"))
    }
}

fn python_is_there() {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "these tests start a receiver with python3's http.server: install python3"
    );
}

/// Item 2a: the receiver's `sh` leader exited on SIGTERM and monosim returned, while a
/// member that ignores SIGTERM went on listening on its port after the run.
#[test]
fn a_receiver_member_ignoring_sigterm_is_killed_before_the_run_ends() {
    python_is_there();
    let dir = project(
        "stubborn",
        &stubborn_config("{ command: \"echo null\" }"),
        &[("quick.yaml", "name: quick\nsteps: [wait_idle]\n")],
    );
    let run = Running::start(&dir, &[]);
    let (code, output) = run.finish();
    assert_eq!(code, 0, "{output}");
    let pgid: u32 = wait_for_file(&dir.join("receiver.pgid")).parse().unwrap();
    // Checked the moment monosim has exited: monosim stops the group itself, before exiting
    // (the guardian is for when it cannot).
    assert_eq!(live_in_group(pgid), Vec::<u32>::new(), "{output}");
    assert_eq!(live_in(&dir), Vec::new(), "{output}");
    assert!(
        output.contains("was still running 1s after SIGTERM: stopped it with SIGKILL"),
        "{output}"
    );
}

/// Items 5 and 2a: on Ctrl-C, `monosim run` reported nothing (no JUnit, no JSON) and exited;
/// now it writes what finished, marks the rest unfinished, stops the receiver's whole group
/// and exits 130 (143 for SIGTERM).
fn a_signal_writes_the_partial_report_and_stops_the_receiver(name: &str, code: i32) {
    let signal = format!("SIG{name}");
    let signal = signal.as_str();
    python_is_there();
    let dir = project(
        &format!("signal-{name}"),
        &stubborn_config("{ command: \"echo null\" }"),
        &[
            ("1-quick.yaml", "name: quick\nsteps: [wait_idle]\n"),
            (
                "2-slow.yaml",
                "name: slow\nsteps:\n  - expect_request: { call: GET /never, within: 60s }\n",
            ),
        ],
    );
    let run = Running::start(
        &dir,
        &[
            "--jobs",
            "2",
            "--junit",
            "junit.xml",
            "--json",
            "report.json",
        ],
    );
    run.wait_for_output("ok      quick");
    let pgid: u32 = wait_for_file(&dir.join("receiver.pgid")).parse().unwrap();
    run.signal(name);
    let (exit, output) = run.finish();
    assert_eq!(exit, code, "{output}");
    assert_eq!(live_in_group(pgid), Vec::<u32>::new(), "{output}");
    assert_eq!(live_in(&dir), Vec::new(), "{output}");
    assert!(
        output.contains(&format!("interrupted by {signal}")),
        "{output}"
    );
    assert!(output.contains("unfinished  slow"), "{output}");
    assert!(
        output.contains(&format!(
            "1 passed, 0 failed, 1 not run (interrupted by {signal})"
        )),
        "{output}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["interrupted"]["by"], signal);
    assert_eq!(report["interrupted"]["unfinished"][0]["name"], "slow");
    assert_eq!(report["scenarios"][0]["name"], "quick");
    assert_eq!(report["scenarios"][0]["status"], "passed");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\""),
        "{junit}"
    );
    assert!(
        junit.contains(&format!(
            "<property name=\"interrupted\" value=\"{signal}\" />"
        )),
        "{junit}"
    );
    assert!(
        junit.contains(&format!(
            "name=\"slow\">\n      <skipped message=\"interrupted by {signal} before it finished\" />"
        )),
        "{junit}"
    );
}

#[test]
fn ctrl_c_writes_the_partial_report_stops_the_receiver_and_exits_130() {
    a_signal_writes_the_partial_report_and_stops_the_receiver("INT", 130);
}

#[test]
fn sigterm_writes_the_partial_report_stops_the_receiver_and_exits_143() {
    a_signal_writes_the_partial_report_and_stops_the_receiver("TERM", 143);
}

/// Item 2c: `monosim run` killed with SIGKILL left its receiver (and a running probe
/// command) behind. The guardian now stops them.
#[test]
fn sigkill_of_monosim_leaves_no_receiver_probe_or_guardian_behind() {
    python_is_there();
    let dir = project(
        "sigkill",
        &stubborn_config(
            "{ command: \"sleep 100000 & echo $! > probe.pid; wait\", timeout: 60s }",
        ),
        &[(
            "probe.yaml",
            "name: probes\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - expect_state: { ada: { linked: true } }\n",
        )],
    );
    let run = Running::start(&dir, &[]);
    let pgid: u32 = wait_for_file(&dir.join("receiver.pgid")).parse().unwrap();
    let probe: u32 = wait_for_file(&dir.join("probe.pid")).parse().unwrap();
    let probe_group = stat(probe).map(|(_, group)| group).unwrap();
    assert!(!live_in_group(pgid).is_empty());
    run.signal("KILL");
    let (code, output) = run.finish();
    assert_eq!(code, -9, "{output}");
    // The guardian needs the receiver's grace period (1 s) before its SIGKILL.
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = live_in(&dir);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "left behind after monosim was killed: {left:?}\n{output}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(live_in_group(pgid), Vec::<u32>::new());
    assert_eq!(live_in_group(probe_group), Vec::<u32>::new());
}

/// A receiver that is reachable and does nothing: a bound socket (connections wait in its
/// backlog). Readiness without a `ready` URL is a TCP connection, so this one is ready.
fn idle_receiver() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// Item 5 (a limit already in place, held by a test): a scenario over `timeouts.scenario`
/// fails at the step that was running, named.
#[test]
fn a_scenario_timeout_names_the_running_step() {
    let (_listener, url) = idle_receiver();
    let dir = project(
        "scenario-timeout",
        &format!(
            "webhook_url: {url}/webhook\nstate: {{ command: \"echo null\" }}\ntimeouts: {{ scenario: 1s }}\n"
        ),
        &[(
            "slow.yaml",
            "name: slow\nsteps:\n  - wait_idle\n  - expect_request: { call: GET /never, within: 30s }\n",
        )],
    );
    let (code, output) = Running::start(&dir, &[]).finish();
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains(
            "step 2 at scenarios/slow.yaml:4: expect_request: { call: GET /never, within: 30s }"
        ),
        "{output}"
    );
    assert!(
        output.contains("the scenario did not finish within 1s (timeouts.scenario)"),
        "{output}"
    );
}

/// Item 7: a stored value of 300 KB and a request path of 5 KB were printed whole in the
/// failure (and its JUnit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_stored_value_and_a_long_request_path_are_shown_cut() {
    let sim_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sim = format!("http://127.0.0.1:{sim_port}");
    let router = Router::new()
        .route(
            "/webhook",
            post(move |Json(event): Json<Value>| {
                let sim = sim.clone();
                async move {
                    let id = event["data"]["account"]["_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let long = "x".repeat(5_000);
                    let _ = reqwest::Client::new()
                        .get(format!("{sim}/accounts/{id}/{long}"))
                        .header("mono-sec-key", "test_sk_monosim")
                        .send()
                        .await;
                    "ok"
                }
            }),
        )
        .route(
            "/state/{id}",
            get(|| async { Json(json!({ "flag": "y".repeat(300_000) })) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let dir = project(
        "huge-values",
        &format!(
            "webhook_url: {url}/webhook\nsimulator: {{ port: {sim_port} }}\nstate: {{ http: \"{url}/state/{{account_id}}\" }}\nfields: {{ reauth_required: flag }}\ntimeouts: {{ state: 0s }}\n"
        ),
        &[
            (
                "state.yaml",
                "name: state\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - expect_state: { ada: { reauth_required: true } }\n",
            ),
            (
                "calls.yaml",
                "name: calls\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - expect_request: { call: GET /never, within: 10ms }\n",
            ),
        ],
    );
    let (code, output) = tokio::task::spawn_blocking(move || {
        Running::start(&dir, &["--junit", "junit.xml"]).finish()
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("FAILED  state") && output.contains("FAILED  calls"),
        "{output}"
    );
    assert!(output.len() < 20_000, "{} bytes of output", output.len());
    assert!(
        output.contains("+ ada.reauth_required (flag): \"yyyy"),
        "{output}"
    );
    assert!(output.contains("… (299802 more characters)"), "{output}");
    assert!(
        output.contains("the receiver called GET /accounts/{ada}/xxxx"),
        "{output}"
    );
    assert!(output.contains("… (4816 more characters)"), "{output}");
}

/// Item 8: `--allow-outside-includes` lifts the rule that keeps includes in the project.
#[test]
fn includes_outside_the_project_need_the_flag() {
    let (_listener, url) = idle_receiver();
    let outside = format!("outside-steps-{}.yaml", std::process::id());
    let dir = project(
        "outside",
        &format!("webhook_url: {url}/webhook\nstate: {{ command: \"echo null\" }}\n"),
        &[(
            "a.yaml",
            &format!("name: outside\nsteps:\n  - include: ../../{outside}\n"),
        )],
    );
    std::fs::write(dir.join("..").join(&outside), "- wait_idle\n").unwrap();
    let (code, output) = Running::start(&dir, &[]).finish();
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains(&format!("cannot include `../../{outside}`: it resolves to")),
        "{output}"
    );
    assert!(output.contains("outside the project"), "{output}");
    let (code, output) = Running::start(&dir, &["--allow-outside-includes"]).finish();
    assert_eq!(code, 0, "{output}");
}

/// `monosim run | head -1` closes the report's pipe early: the report lines after it used
/// `println!`, which panics on a closed stdout (exit 101). Both pipes here are closed before
/// monosim writes anything, so every line it prints meets a closed pipe.
#[test]
fn closed_output_pipes_do_not_crash_the_run() {
    let (_listener, url) = idle_receiver();
    let scenario = "name: quiet\nsteps:\n  - advance: 1s\n";
    let dir = project(
        "closed-pipes",
        &format!("webhook_url: {url}/webhook\nstate: {{ command: \"echo null\" }}\n"),
        &[("a.yaml", scenario), ("b.yaml", scenario)],
    );
    let mut child = monosim()
        .arg("run")
        .arg("--config")
        .arg(dir.join("monosim.yaml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = wait_with_deadline(&mut child);
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// A receiver told a port that another program took before it could bind it (CI, under
/// load: the port became the local end of an outgoing connection) died with "Address
/// already in use" and the run ended with exit 3. monosim now starts it again on another
/// port. This receiver reports a taken port on its first start, then serves.
#[test]
fn a_receiver_whose_port_was_taken_is_started_again_on_another() {
    python_is_there();
    let dir = project(
        "port-taken",
        "receiver:\n  command: \"if [ ! -e tried ]; then echo {receiver.port} > tried; echo 'OSError: [Errno 98] Address already in use' >&2; exit 1; fi; echo {receiver.port} > served; exec python3 -m http.server {receiver.port} --bind 127.0.0.1\"\n  ready: \"http://127.0.0.1:{receiver.port}/\"\nwebhook_url: \"http://127.0.0.1:{receiver.port}/webhook\"\nstate: { command: \"echo null\" }\n",
        &[("quiet.yaml", "name: quiet\nsteps:\n  - advance: 1s\n")],
    );
    let (code, output) = Running::start(&dir, &[]).finish();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("the receiver's port was taken before it could listen on it"),
        "{output}"
    );
    let tried = std::fs::read_to_string(dir.join("tried")).unwrap();
    let served = std::fs::read_to_string(dir.join("served")).unwrap();
    assert_ne!(tried, served, "started again on the same port");
}
