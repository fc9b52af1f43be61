//! `monosim run` end to end: the real binary, receivers written here on real sockets, a
//! project in a temp dir. Exit codes, reports, snapshot files, diagnostics, timeouts.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use support::monosim;

/// How the test receiver misbehaves.
#[derive(Clone, Copy, Default, PartialEq)]
enum Bug {
    #[default]
    None,
    /// Never clears `reauthRequired` after `account_reauthorized`.
    NeverClearsFlag,
    /// Never answers webhooks.
    Hangs,
}

#[derive(Clone, Default)]
struct App {
    bug: Bug,
    sim_url: String,
    rows: Arc<Mutex<HashMap<String, Value>>>,
    seen: Arc<Mutex<HashSet<String>>>,
    /// The account name of every `account_updated`, in arrival order.
    updated: Arc<Mutex<Vec<String>>>,
}

async fn webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if app.bug == Bug::Hangs {
        std::future::pending::<()>().await;
    }
    if headers
        .get("mono-webhook-secret")
        .and_then(|v| v.to_str().ok())
        != Some("monosim_webhook_secret")
    {
        return StatusCode::UNAUTHORIZED;
    }
    let event: Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(id) = event["event_id"].as_str() {
        if !app.seen.lock().unwrap().insert(id.to_string()) {
            return StatusCode::OK;
        }
    }
    let data = &event["data"];
    let id = data["account"]["_id"]
        .as_str()
        .or(data["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let mut row = app
        .rows
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .unwrap_or(json!({"reauthRequired": false, "reauthCode": null}));
    match event["event"].as_str().unwrap_or_default() {
        "mono.events.account_updated" => {
            let name = data["account"]["name"].as_str().unwrap_or_default();
            app.updated.lock().unwrap().push(name.to_string());
            row["dataStatus"] = data["meta"]["data_status"].clone();
        }
        "mono.events.reauthorisation_required" => {
            let token: Value = reqwest::Client::new()
                .post(format!("{}/accounts/{id}/reauthorise", app.sim_url))
                .header("mono-sec-key", "test_sk_monosim")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            row["reauthRequired"] = json!(true);
            row["reauthCode"] = token["token"].clone();
        }
        "mono.events.account_reauthorized" if app.bug != Bug::NeverClearsFlag => {
            row["reauthRequired"] = json!(false);
            row["reauthCode"] = Value::Null;
        }
        _ => {}
    }
    app.rows.lock().unwrap().insert(id, row);
    StatusCode::OK
}

async fn state(
    State(app): State<App>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Value>, StatusCode> {
    app.rows
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

/// Starts a receiver; returns its base URL.
async fn receiver(bug: Bug, sim_port: u16) -> String {
    let app = App {
        bug,
        sim_url: format!("http://127.0.0.1:{sim_port}"),
        ..App::default()
    };
    let router = Router::new()
        .route("/webhook", post(webhook))
        .route("/state/{id}", get(state))
        .route(
            "/updated",
            get(|State(app): State<App>| async move { Json(json!(*app.updated.lock().unwrap())) }),
        )
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Tests whose receiver must know the simulator's port ahead of time take this lock, so no
/// two of them pick the same free port before either binds it.
static PORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A port nothing listens on right now (for the simulator, which the receiver must know).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const REAUTH: &str = "name: Re-auth clears the flag
accounts:
  ada: { institution: gtbank, mfa: otp }
steps:
  - link: ada
  - session_expires: ada
  - expect_request: POST /accounts/{ada}/reauthorise
  - expect_state: { ada: { reauth_required: true, reauth_token: \"{ada.token}\" } }
  - widget_reauth: { account: ada, mfa: correct }
  - expect_state: { ada: { reauth_required: false } }
  - snapshot: done
";

/// A project folder with a config for a receiver at `url` and the given scenarios.
fn project(name: &str, url: &str, sim_port: u16, scenarios: &[(&str, &str)]) -> PathBuf {
    project_with(name, url, sim_port, scenarios, "5s")
}

/// Same, with the delivery timeout given.
fn project_with(
    name: &str,
    url: &str,
    sim_port: u16,
    scenarios: &[(&str, &str)],
    delivery: &str,
) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("harness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(
        dir.join("monosim.yaml"),
        format!(
            "webhook_url: {url}/webhook\nsimulator: {{ port: {sim_port} }}\nstate:\n  http: \"{url}/state/{{account_id}}\"\nfields: {{ reauth_required: reauthRequired, reauth_token: reauthCode }}\ntimeouts: {{ step: 10s, delivery: {delivery}, scenario: 30s }}\n"
        ),
    )
    .unwrap();
    for (file, text) in scenarios {
        std::fs::write(dir.join("scenarios").join(file), text).unwrap();
    }
    dir
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let output = monosim()
            .args(&args)
            .current_dir(&dir)
            .env_remove("CI")
            .env("RUST_LOG", "warn")
            .envs(env)
            .output()
            .unwrap();
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_receiver_passes_and_reports_to_junit() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    let dir = project("pass", &url, port, &[("reauth.yaml", REAUTH)]);
    let ran = run_in(
        &dir,
        &["run", "--junit", "junit.xml", "--json", "report.json"],
        &[],
    )
    .await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("pending Re-auth clears the flag"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("1 passed, 0 failed (1 with pending snapshots)"),
        "{}",
        ran.stdout
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"monosim\" tests=\"1\" failures=\"0\""),
        "{junit}"
    );
    assert!(junit.contains("name=\"Re-auth clears the flag\""));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["scenarios"][0]["status"], "pending");
    let pending =
        std::fs::read_to_string(dir.join("scenarios/snapshots/reauth__done.snap.new")).unwrap();
    // Canonical fields only, never the receiver's own keys; calls by intent, not path.
    assert!(pending.contains("reauth_required: false"), "{pending}");
    assert!(!pending.contains("reauthRequired"), "{pending}");
    assert!(
        pending.contains("- mono.events.account_reauthorized {ada} attempt 1 → 200"),
        "{pending}"
    );
    assert!(pending.contains("- token {ada} → 200"), "{pending}");

    // Accepting makes the next run, even under CI, a clean pass.
    let ran = run_in(&dir, &["run", "--accept"], &[]).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert!(dir.join("scenarios/snapshots/reauth__done.snap").exists());
    assert!(!dir
        .join("scenarios/snapshots/reauth__done.snap.new")
        .exists());
    let ran = run_in(&dir, &["run"], &[("CI", "true")]).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("ok      Re-auth clears the flag"),
        "{}",
        ran.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_clears_the_flag_fails_at_the_step_naming_the_field() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::NeverClearsFlag, port).await;
    let dir = project("flag", &url, port, &[("reauth.yaml", REAUTH)]);
    let ran = run_in(&dir, &["run", "--junit", "junit.xml"], &[]).await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("FAILED  Re-auth clears the flag"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(
            "step 6 at scenarios/reauth.yaml:10: expect_state: { ada: { reauth_required: false } }"
        ),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("the receiver's state differs: ada.reauth_required (still, after 2s)"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("- ada.reauth_required (reauthRequired): false"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("+ ada.reauth_required (reauthRequired): true"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("webhook mono.events.account_reauthorized for ada attempt 1: HTTP 200"),
        "{}",
        ran.stdout
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"1\""));
    assert!(
        junit.contains("<failure message=\"the receiver&apos;s state differs"),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_ci_a_snapshot_never_accepted_is_reported_and_a_changed_one_fails_and_nothing_is_written(
) {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    let dir = project("ci", &url, port, &[("reauth.yaml", REAUTH)]);
    let snapshots = dir.join("scenarios/snapshots");
    let written = || {
        std::fs::read_dir(&snapshots)
            .map(|d| d.count())
            .unwrap_or(0)
    };
    // A project's first CI run judges the receiver, and says what to do about snapshots.
    let ran = run_in(&dir, &["run"], &[("CI", "true")]).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert!(
        ran.stdout.contains(
            "1 snapshot(s) not recorded yet: under CI nothing is written. To check them from now on, run `monosim run --accept` on your machine and commit these files:\n  scenarios/snapshots/reauth__done.snap\n"
        ),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains(".snap.new"), "{}", ran.stdout);
    assert_eq!(written(), 0);
    // Once accepted, a snapshot that differs fails, still writing nothing.
    assert_eq!(run_in(&dir, &["run", "--accept"], &[]).await.code, 0);
    let accepted = snapshots.join("reauth__done.snap");
    let text = std::fs::read_to_string(&accepted).unwrap();
    std::fs::write(
        &accepted,
        text.replace("reauth_required: false", "reauth_required: true"),
    )
    .unwrap();
    let ran = run_in(&dir, &["run"], &[("CI", "true")]).await;
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("snapshot `done` changed"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("-     reauth_required: true"),
        "{}",
        ran.stdout
    );
    assert_eq!(written(), 1, "only the accepted snapshot, no .snap.new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_the_config_does_not_map_is_exit_2_before_anything_runs() {
    let dir = project(
        "unmapped",
        "http://127.0.0.1:9",
        free_port(),
        &[(
            "typo.yaml",
            "name: typo\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - expect_state: { ada: { reauth_tokn: { present: false } } }\n",
        )],
    );
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stderr,
        "error: unknown field `reauth_tokn`\n --> scenarios/typo.yaml:5:28\n  |\n5 |   - expect_state: { ada: { reauth_tokn: { present: false } } }\n  |                            ^^^^^^^^^^^ not a mapped field\n  |\n  = help: did you mean `reauth_token`?\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_exits_at_start_is_exit_3_with_its_exit_status() {
    let dir = project(
        "exits",
        "http://127.0.0.1:9",
        free_port(),
        &[("reauth.yaml", REAUTH)],
    );
    std::fs::write(
        dir.join("monosim.yaml"),
        "receiver:\n  command: echo \"cannot open the database\" >&2; exit 7\n  ready: \"http://127.0.0.1:{receiver.port}/\"\nwebhook_url: \"http://127.0.0.1:{receiver.port}/webhook\"\nstate: { command: \"echo null\" }\nfields: { reauth_required: a, reauth_token: b }\n",
    )
    .unwrap();
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 3, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains(
            "the receiver exited before it was ready (exit status 7); its last output:\n    cannot open the database"
        ),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_receiver_fails_the_scenario_in_bounded_time() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::Hangs, port).await;
    let dir = project_with("hang", &url, port, &[("reauth.yaml", REAUTH)], "500ms");
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("no answer within 500ms (timed out)"),
        "{}",
        ran.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_receiver_is_exit_3() {
    let closed = free_port();
    let url = format!("http://127.0.0.1:{closed}");
    let dir = project("down", &url, free_port(), &[("reauth.yaml", REAUTH)]);
    std::fs::write(
        dir.join("monosim.yaml"),
        format!("receiver: {{ ready_timeout: 300ms }}\nwebhook_url: {url}/webhook\nstate: {{ http: \"{url}/state/{{account_id}}\" }}\nfields: {{ reauth_required: a, reauth_token: b }}\n"),
    )
    .unwrap();
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 3, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("the receiver was not ready within 300ms"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("hint: start it first"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_scenario_is_exit_2_with_a_rustc_style_diagnostic() {
    let dir = project(
        "malformed",
        "http://127.0.0.1:9",
        free_port(),
        &[("bad.yaml", "name: bad\naccounts:\n  ada: { institution: gtbank }\nsteps:\n  - link: ada\n  - sesion_expires: ada\n")],
    );
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 2, "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stderr,
        "error: unknown step `sesion_expires`\n --> scenarios/bad.yaml:6:5\n  |\n6 |   - sesion_expires: ada\n  |     ^^^^^^^^^^^^^^ not a step\n  |\n  = help: did you mean `session_expires`?\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_mistake_is_exit_2_pointing_at_it() {
    let dir = project("badconfig", "http://127.0.0.1:9", free_port(), &[]);
    std::fs::write(
        dir.join("monosim.yaml"),
        "webhook_url: http://127.0.0.1:9/webhook\nstate:\n  htp: http://x\n",
    )
    .unwrap();
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains(" --> monosim.yaml:3:3"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("did you mean `http`?"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_accepts_pending_snapshots_from_stdin() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    let dir = project("review", &url, port, &[("reauth.yaml", REAUTH)]);
    assert_eq!(run_in(&dir, &["run"], &[]).await.code, 0);
    let dir2 = dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = monosim()
            .args(["review"])
            .current_dir(&dir2)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"a\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("new snapshot:"), "{stdout}");
    assert!(stdout.contains("+ accounts:"), "{stdout}");
    assert!(
        stdout.contains("1 accepted, 0 rejected, 0 skipped"),
        "{stdout}"
    );
    assert!(dir.join("scenarios/snapshots/reauth__done.snap").exists());
}

#[tokio::test]
async fn filter_and_partition_choose_scenarios() {
    let dir = project(
        "select",
        "http://127.0.0.1:9",
        free_port(),
        &[
            ("a.yaml", "name: alpha\nsteps: [wait_idle]\n"),
            ("b.yaml", "name: beta\nsteps: [wait_idle]\n"),
        ],
    );
    let ran = run_in(&dir, &["run", "--filter", "nothing-matches"], &[]).await;
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("no scenario to run"), "{}", ran.stderr);
    let ran = run_in(&dir, &["run", "--partition", "3/3"], &[]).await;
    assert_eq!(
        ran.code, 0,
        "an empty shard is not an error: {}{}",
        ran.stdout, ran.stderr
    );
    assert!(
        ran.stdout.contains("no scenario in shard"),
        "{}",
        ran.stdout
    );
    let ran = run_in(&dir, &["run", "--partition", "3/2"], &[]).await;
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("is not k/n"), "{}", ran.stderr);
}

#[tokio::test]
async fn jobs_1_runs_the_scenarios_one_by_one_in_file_order() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    let files: Vec<(String, String)> = (1..=10)
        .map(|i| {
            (
                format!("{i:02}.yaml"),
                format!("name: scenario-{i}\naccounts:\n  ada: {{ institution: gtbank, name: holder-{i} }}\nsteps:\n  - link: ada\n  - wait_idle\n"),
            )
        })
        .collect();
    let scenarios: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, s)| (f.as_str(), s.as_str()))
        .collect();
    let dir = project("in-order", &url, port, &scenarios);
    let ran = run_in(&dir, &["run", "--jobs", "1"], &[]).await;
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    // Each scenario links its account and waits for its webhooks (`account_updated` names
    // the account) before the next may start: with one job, they arrive in file order.
    let updated: Vec<String> = reqwest::get(format!("{url}/updated"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected: Vec<String> = (1..=10).map(|i| format!("holder-{i}")).collect();
    assert_eq!(updated, expected);
}

#[tokio::test]
async fn schema_and_init_give_a_project_its_files() {
    let ran = run_in(Path::new(env!("CARGO_TARGET_TMPDIR")), &["schema"], &[]).await;
    assert_eq!(ran.code, 0);
    let schemas: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(schemas["config"]["title"], "monosim.yaml");
    assert!(schemas["scenario"]["properties"]["steps"].is_object());

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ran = run_in(&dir, &["init"], &[]).await;
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(dir.join("monosim.yaml").exists());
    assert!(dir.join("scenarios/reauth-flow.yaml").exists());
    assert!(dir.join("scenarios/shared/session-expires.yaml").exists());
    let again = run_in(&dir, &["init"], &[]).await;
    assert_eq!(again.code, 2, "init does not overwrite without --force");
}

#[tokio::test]
async fn init_for_each_stack_writes_a_config_that_run_loads_with_the_bundled_library() {
    for (stack, command) in [
        ("node", "command: npm start"),
        ("python", "command: uvicorn main:app"),
        ("php", "command: php -S 127.0.0.1:{receiver.port}"),
    ] {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("init-{stack}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ran = run_in(&dir, &["init", "--stack", stack], &[]).await;
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        let config = std::fs::read_to_string(dir.join("monosim.yaml")).unwrap();
        assert!(config.contains(command), "--stack {stack}:\n{config}");
        // `run` reads the config and every bundled scenario before it starts anything: a
        // filter that matches none stops it right after, with the error that says so.
        let ran = run_in(&dir, &["run", "--filter", "no-such-scenario"], &[]).await;
        assert_eq!(ran.code, 2, "--stack {stack}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("no scenario to run") && ran.stderr.contains("no-such-scenario"),
            "--stack {stack}: the config or a scenario did not load: {}",
            ran.stderr
        );
    }
    let ran = run_in(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        &["init", "--stack", "cobol"],
        &[],
    )
    .await;
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("use node, python or php"),
        "{}",
        ran.stderr
    );
}

/// Whether a process is gone (a zombie waiting for PID 1 to reap it counts as gone).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Err(_) => true,
        Ok(status) => status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
    }
}

#[test]
fn sigterm_stops_the_run_and_the_receiver_it_started() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("harness-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    // A receiver that records its pid, then serves GETs (ready) and 501s webhooks; a scenario
    // that waits 30 s for a call that never comes, so the run is still going when stopped.
    std::fs::write(
        dir.join("monosim.yaml"),
        "receiver:\n  command: echo $$ > receiver.pid; exec python3 -m http.server {receiver.port} --bind 127.0.0.1\n  ready: \"http://127.0.0.1:{receiver.port}/\"\nwebhook_url: \"http://127.0.0.1:{receiver.port}/webhook\"\nstate: { command: \"echo null\" }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("scenarios/wait.yaml"),
        "name: waits\nsteps:\n  - expect_request: { call: GET /never, within: 30s }\n",
    )
    .unwrap();
    let mut run = monosim()
        .args(["run"])
        .current_dir(&dir)
        .env_remove("CI")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + support::DEADLINE;
    let pid = loop {
        if let Ok(pid) = std::fs::read_to_string(dir.join("receiver.pid")) {
            if !pid.trim().is_empty() {
                break pid.trim().to_string();
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the receiver never started"
        );
        // Waiting for another process to write a file: nothing to subscribe to.
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(!gone(&pid), "the receiver runs");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &run.id().to_string()])
        .status();
    let status = support::wait_with_deadline(&mut run);
    // 128 + SIGTERM, as shells report it (Ctrl-C is 130).
    assert_eq!(status.code(), Some(143));
    let deadline = std::time::Instant::now() + support::DEADLINE;
    while !gone(&pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "the receiver {pid} outlived the run"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_no_request_watches_its_whole_window() {
    // A receiver that calls the simulator a moment *after* answering its webhook.
    let _ports = PORTS.lock().await;
    let port = free_port();
    let sim = format!("http://127.0.0.1:{port}");
    let router = Router::new().route(
        "/webhook",
        post(move |body: Bytes| {
            let sim = sim.clone();
            async move {
                let event: Value = serde_json::from_slice(&body).unwrap_or_default();
                if event["event"] == "mono.events.account_updated" {
                    let id = event["data"]["account"]["_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        let _ = reqwest::Client::new()
                            .get(format!("{sim}/v2/accounts/{id}/balance"))
                            .header("mono-sec-key", "test_sk_monosim")
                            .send()
                            .await;
                    });
                }
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let dir = project(
        "late-call",
        &url,
        port,
        &[(
            "late.yaml",
            "name: no balance fetch\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - expect_no_request: { call: \"GET /v2/accounts/{ada}/balance\", within: 1s }\n",
        )],
    );
    let ran = run_in(&dir, &["run"], &[]).await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("which it must not"), "{}", ran.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_starts_nothing_after_the_first_failure() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    let never = "steps:\n  - expect_request: { call: GET /never, within: 10ms }\n";
    let dir = project(
        "fail-fast",
        &url,
        port,
        &[
            ("1.yaml", &format!("name: first\n{never}")),
            ("2.yaml", "name: second\nsteps: [wait_idle]\n"),
            ("3.yaml", "name: third\nsteps: [wait_idle]\n"),
        ],
    );
    let ran = run_in(&dir, &["run", "--jobs", "1", "--fail-fast"], &[]).await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .contains("0 passed, 1 failed, 2 not run (--fail-fast)"),
        "{}",
        ran.stdout
    );
    let ran = run_in(&dir, &["run", "--jobs", "1"], &[]).await;
    assert!(
        ran.stdout.contains("2 passed, 1 failed in"),
        "{}",
        ran.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_previous_step_counts_only_what_the_receiver_did_in_answer_to_that_step() {
    let _ports = PORTS.lock().await;
    let port = free_port();
    let url = receiver(Bug::None, port).await;
    // The receiver asks for a token while `session_expires` runs.
    let head = "accounts: { ada: { institution: gtbank, mfa: otp } }\nsteps:\n  - link: ada\n  - session_expires: ada\n";
    let never = "  - expect_no_request: { kind: token, account: ada, since: previous_step }\n";
    let dir = project(
        "since",
        &url,
        port,
        &[
            ("1.yaml", &format!("name: a step later\n{head}  - wait_idle\n{never}  - expect_request: {{ kind: token, account: ada, times: 1 }}\n")),
            ("2.yaml", &format!("name: right after\n{head}{never}")),
        ],
    );
    let ran = run_in(&dir, &["run", "--jobs", "1"], &[]).await;
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("ok      a step later"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("FAILED  right after"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains(
            "- token request for ada (POST /accounts/:id/reauthorise, or POST /v2/accounts/initiate with scope reauth) since the previous step began: never"
        ),
        "{}",
        ran.stdout
    );
}
