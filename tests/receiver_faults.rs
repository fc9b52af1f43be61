//! The receiver-fault matrix, end to end: a webhook receiver that misbehaves in one way at a
//! time (see `faulty/`), beside a healthy account on the same receiver.
//!
//! For each fault: what the dispatcher records in `/_sim/deliveries` (outcome, status, error,
//! attempts, next attempt), on a frozen clock moved with `/_sim/clock/advance`; and what
//! `monosim run` reports and exits with when a scenario's receiver misbehaves so, with a
//! healthy scenario in the same run. The receiver-fault table of docs/webhooks.md is this file in prose.

mod faulty;
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use faulty::{FaultyReceiver, RETRY_AFTER_SECONDS};
use monosim_simulator::clock::{Timestamp, HOUR, SECOND};
use monosim_simulator::webhooks::RetryPolicy;
use monosim_simulator::{Simulator, SimulatorConfig};
use serde_json::{json, Value};

const UPDATED: &str = "mono.events.account_updated";
/// The dispatcher's per-attempt timeout in these tests (wall time).
const TIMEOUT: Duration = Duration::from_millis(500);

/// A simulator on 127.0.0.1:0 with a frozen clock, talked to over its control API.
struct Sim {
    url: String,
    client: reqwest::Client,
    _simulator: Arc<Simulator>,
}

impl Sim {
    async fn start(webhook_urls: Vec<String>) -> Sim {
        let simulator = Arc::new(
            Simulator::new(SimulatorConfig {
                seed: 5,
                random_accounts: 0,
                start: Some(Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()),
                frozen: true,
                webhook_urls,
                retry: RetryPolicy {
                    timeout: TIMEOUT,
                    ..RetryPolicy::default()
                },
                ..SimulatorConfig::default()
            })
            .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let serving = simulator.clone();
        tokio::spawn(async move {
            serving
                .serve(listener, std::future::pending())
                .await
                .unwrap()
        });
        Sim {
            url,
            client: reqwest::Client::new(),
            _simulator: simulator,
        }
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        support::control(&self.client, &self.url, method, path, body).await
    }

    /// A linked account whose data is in at once; returns its id once its webhooks settled.
    async fn account(&self) -> String {
        let account = self
            .control(
                "POST",
                "/accounts",
                json!({"institution": "gtbank", "data_delay": "0s"}),
            )
            .await;
        self.idle().await;
        account["id"].as_str().unwrap().to_string()
    }

    async fn fire(&self, account: &str, fault: Option<&str>) -> String {
        let set = match fault {
            Some(fault) => json!({ "data.fault": fault }),
            None => json!({}),
        };
        self.control(
            "POST",
            "/events",
            json!({"event": UPDATED, "account": account, "set": set}),
        )
        .await["event_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn idle(&self) {
        let answer = self
            .control("POST", "/idle", json!({"timeout": "20s"}))
            .await;
        assert_eq!(answer["idle"], true, "{answer}");
    }

    async fn advance(&self, by: &str) {
        self.control("POST", "/clock/advance", json!({ "by": by }))
            .await;
        self.idle().await;
    }

    /// Every attempt at delivering anything to `url`, in order.
    async fn attempts_to(&self, url: &str) -> Vec<Value> {
        self.control("GET", "/deliveries", json!({})).await["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["url"] == url)
            .cloned()
            .collect()
    }

    /// Every attempt at delivering `event_id`, in order.
    async fn attempts(&self, event_id: &str) -> Vec<Value> {
        self.control("GET", "/deliveries", json!({})).await["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["event_id"] == event_id)
            .cloned()
            .collect()
    }
}

fn millis(value: &Value) -> i64 {
    Timestamp::parse_rfc3339(value.as_str().expect("a timestamp"))
        .unwrap()
        .millis()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// One fault, as the dispatcher meets it: a healthy account and a faulty one on the same
/// receiver, one event each fired (the faulty one first, except for `kill`), the
/// dispatcher settled.
struct Case {
    sim: Sim,
    receiver: FaultyReceiver,
    faulty_account: String,
    bad: String,
    good: String,
}

impl Case {
    async fn start(fault: &str) -> Case {
        let receiver = FaultyReceiver::start().await;
        let sim = Sim::start(vec![receiver.url.clone()]).await;
        let healthy = sim.account().await;
        let faulty_account = sim.account().await;
        let (bad, good) = if fault == "kill" {
            // A dead receiver fails everyone: the healthy event goes first.
            let good = sim.fire(&healthy, None).await;
            sim.idle().await;
            (sim.fire(&faulty_account, Some(fault)).await, good)
        } else {
            // Fired while the faulty one is in flight: it must not wait for it.
            let bad = sim.fire(&faulty_account, Some(fault)).await;
            (bad, sim.fire(&healthy, None).await)
        };
        sim.idle().await;
        Case {
            sim,
            receiver,
            faulty_account,
            bad,
            good,
        }
    }

    /// The faulty event's first attempt, checked for what every failure shares.
    async fn first_failure(&self) -> Value {
        let attempts = self.sim.attempts(&self.bad).await;
        assert_eq!(attempts.len(), 1, "one attempt so far: {attempts:#?}");
        let first = attempts[0].clone();
        assert_eq!(first["attempt"], 1);
        assert!(
            !text(&first["error"]).is_empty(),
            "a failure says what went wrong: {first}"
        );
        first
    }

    /// The healthy account's event went through at once, untouched by the fault.
    async fn healthy_unaffected(&self) {
        let attempts = self.sim.attempts(&self.good).await;
        assert_eq!(attempts.len(), 1, "{attempts:#?}");
        assert_eq!(attempts[0]["outcome"], "delivered");
        assert_eq!(attempts[0]["status"], 200);
        assert!(attempts[0]["error"].is_null());
    }

    /// The next attempt is the schedule's first gap after the first.
    fn retries_after_30s(first: &Value) {
        assert_eq!(first["outcome"], "failed");
        assert_eq!(
            millis(&first["next_attempt_at"]) - millis(&first["sent_at"]),
            30 * SECOND,
            "{first}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_fail_and_retry_while_another_url_gets_everything() {
    let (_refusing, closed) = faulty::refusing_url();
    let healthy = FaultyReceiver::start().await;
    let sim = Sim::start(vec![closed.clone(), healthy.url.clone()]).await;
    let account = sim.account().await;
    let event = sim.fire(&account, None).await;
    sim.idle().await;
    let to_closed = sim.attempts_to(&closed).await;
    // The account's first event (account_connected) holds its lane to the closed URL; the
    // other URL got all three events.
    assert_eq!(to_closed.len(), 1, "{to_closed:#?}");
    assert_eq!(to_closed[0]["event"], "mono.events.account_connected");
    assert!(to_closed[0]["status"].is_null());
    assert!(
        text(&to_closed[0]["error"]).starts_with("could not connect: "),
        "{}",
        to_closed[0]
    );
    Case::retries_after_30s(&to_closed[0]);
    let delivered = sim.attempts(&event).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["url"], healthy.url.as_str());
    assert_eq!(delivered[0]["outcome"], "delivered");
    assert_eq!(healthy.seen().len(), 3);

    sim.advance("50h").await;
    let connected: Vec<Value> = sim
        .attempts_to(&closed)
        .await
        .into_iter()
        .filter(|a| a["event"] == "mono.events.account_connected")
        .collect();
    assert_eq!(connected.len(), 25, "the whole schedule");
    assert!(connected[..24].iter().all(|a| a["outcome"] == "failed"));
    assert_eq!(connected[24]["outcome"], "gave_up");
    assert!(connected[24]["next_attempt_at"].is_null());
    let to_healthy = sim.attempts_to(&healthy.url).await;
    assert!(
        to_healthy.len() > 3 && to_healthy.iter().all(|a| a["outcome"] == "delivered"),
        "the daily syncs kept reaching the healthy URL at once: {to_healthy:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_hangs_times_out_and_is_retried() {
    let case = Case::start("hang").await;
    let first = case.first_failure().await;
    assert!(first["status"].is_null());
    assert_eq!(text(&first["error"]), "no answer within 500ms (timed out)");
    Case::retries_after_30s(&first);
    case.healthy_unaffected().await;

    case.sim.advance("31s").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        millis(&attempts[1]["sent_at"]),
        millis(&first["next_attempt_at"])
    );
    assert_eq!(case.receiver.seen_with("hang"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_mid_answer_is_a_failure_even_after_a_200_status_line() {
    let case = Case::start("reset").await;
    let first = case.first_failure().await;
    Case::retries_after_30s(&first);
    let error = text(&first["error"]);
    // The reset lands either while the body is read (the status line was in) or before
    // hyper read the status line at all; both are a failed attempt that says so.
    match first["status"].as_u64() {
        Some(200) => assert!(error.starts_with("answer cut off: "), "{error}"),
        None => assert!(
            error.contains("reset") || error.contains("closed"),
            "{error}"
        ),
        other => panic!("unexpected status {other:?}: {first}"),
    }
    case.healthy_unaffected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_drip_is_cut_off_by_the_total_deadline_not_a_per_byte_one() {
    let case = Case::start("drip").await;
    let first = case.first_failure().await;
    assert_eq!(text(&first["error"]), "no answer within 500ms (timed out)");
    Case::retries_after_30s(&first);
    // Each byte comes within 50 ms and the whole answer would take over 200 s; the
    // attempt ended near the 500 ms deadline (the bound is loose for a loaded machine).
    let latency = first["latency_ms"].as_f64().unwrap();
    assert!((450.0..20_000.0).contains(&latency), "{latency} ms");
    case.healthy_unaffected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed_and_counts_as_a_failure() {
    let case = Case::start("redirect").await;
    let first = case.first_failure().await;
    assert_eq!(first["status"], 302);
    let error = text(&first["error"]);
    assert!(
        error.contains(&format!(
            "to http://127.0.0.1:{}/followed",
            case.receiver.port
        )) && error.ends_with("redirects are not followed"),
        "{error}"
    );
    Case::retries_after_30s(&first);
    assert!(
        case.receiver.seen().iter().all(|s| s.path == "/webhook"),
        "nothing went to the redirect's target"
    );
    case.healthy_unaffected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_ends_the_delivery_at_once_but_not_the_accounts_later_events() {
    let case = Case::start("gone").await;
    let first = case.first_failure().await;
    assert_eq!(first["status"], 410);
    assert_eq!(first["outcome"], "gave_up");
    assert!(first["next_attempt_at"].is_null());
    assert!(text(&first["error"]).contains("not retried"), "{first}");
    case.healthy_unaffected().await;

    case.sim.advance("3d").await;
    assert_eq!(case.sim.attempts(&case.bad).await.len(), 1, "never retried");
    let later = case.sim.fire(&case.faulty_account, None).await;
    case.sim.idle().await;
    let later = case.sim.attempts(&later).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["outcome"], "delivered", "the lane moved on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_waits_as_long_as_retry_after_asks() {
    let case = Case::start("too_many").await;
    let first = case.first_failure().await;
    assert_eq!(first["status"], 429);
    assert_eq!(first["outcome"], "failed");
    let asked = RETRY_AFTER_SECONDS as i64 * SECOND;
    assert_eq!(
        millis(&first["next_attempt_at"]) - millis(&first["sent_at"]),
        asked,
        "Retry-After, not the 30 s of the schedule: {first}"
    );
    assert_eq!(
        text(&first["error"]),
        "receiver answered 429 Too Many Requests with Retry-After: 600: next attempt in at least 10m"
    );
    case.healthy_unaffected().await;

    case.sim.advance("599s").await;
    assert_eq!(case.sim.attempts(&case.bad).await.len(), 1, "not before");
    case.sim.advance("1s").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        millis(&attempts[1]["sent_at"]) - millis(&first["sent_at"]),
        asked
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_days_is_capped_at_the_retry_cap() {
    let case = Case::start("too_many_for_days").await;
    let first = case.first_failure().await;
    assert_eq!(first["status"], 429);
    assert_eq!(
        millis(&first["next_attempt_at"]) - millis(&first["sent_at"]),
        3 * HOUR,
        "the default --retry-cap"
    );
    assert!(
        text(&first["error"]).ends_with("next attempt in at least 3h (capped at the retry cap)"),
        "{first}"
    );
    case.healthy_unaffected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_instead_of_http_fails_every_attempt_until_the_schedule_gives_up() {
    let case = Case::start("garbage").await;
    let first = case.first_failure().await;
    assert!(first["status"].is_null());
    assert!(
        text(&first["error"]).starts_with("not an HTTP answer: "),
        "{first}"
    );
    Case::retries_after_30s(&first);
    case.healthy_unaffected().await;

    case.sim.advance("3d").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 25);
    assert!(attempts[..24].iter().all(|a| a["outcome"] == "failed"));
    assert_eq!(attempts[24]["outcome"], "gave_up");
    assert!(attempts[24]["next_attempt_at"].is_null());
    assert_eq!(case.receiver.seen_with("garbage"), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_body_is_read_only_up_to_the_cap() {
    let case = Case::start("huge").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 1);
    // The body never ends: only a reader that stops at its cap finishes, let alone in time.
    assert_eq!(attempts[0]["outcome"], "delivered", "{}", attempts[0]);
    assert_eq!(attempts[0]["status"], 200);
    assert!(attempts[0]["latency_ms"].as_f64().unwrap() < TIMEOUT.as_millis() as f64);
    let written = case.receiver.huge_bytes.load(Ordering::SeqCst);
    assert!(
        written < 64 * 1024 * 1024,
        "the receiver could push only what socket buffers hold: {written} bytes"
    );
    case.healthy_unaffected().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_receiver_fails_until_it_is_back_then_the_retry_delivers() {
    let case = Case::start("kill").await;
    let first = case.first_failure().await;
    assert!(first["status"].is_null(), "it died before answering");
    Case::retries_after_30s(&first);
    case.healthy_unaffected().await;

    case.sim.advance("30s").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 2);
    assert!(
        text(&attempts[1]["error"]).starts_with("could not connect"),
        "nothing listens any more: {}",
        attempts[1]
    );
    assert_eq!(
        millis(&attempts[1]["next_attempt_at"]) - millis(&attempts[1]["sent_at"]),
        60 * SECOND
    );

    case.receiver.restart().await;
    case.sim.advance("60s").await;
    let attempts = case.sim.attempts(&case.bad).await;
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2]["outcome"], "delivered", "{}", attempts[2]);
}

// ---------------------------------------------------------------------------------------
// The same faults through `monosim run`.

/// A project whose receiver is `receiver`, with a 500 ms delivery timeout.
fn project(name: &str, receiver: &str, scenarios: &[(String, String)]) -> PathBuf {
    project_with(name, receiver, scenarios, "500ms")
}

fn project_with(
    name: &str,
    receiver: &str,
    scenarios: &[(String, String)],
    delivery: &str,
) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(
        dir.join("monosim.yaml"),
        format!(
            "webhook_url: {receiver}\nreceiver: {{ ready_timeout: 2s }}\nstate:\n  http: \"{receiver}/state/{{account_id}}\"\ntimeouts: {{ step: 10s, delivery: {delivery}, scenario: 60s }}\n"
        ),
    )
    .unwrap();
    for (file, text) in scenarios {
        std::fs::write(dir.join("scenarios").join(file), text).unwrap();
    }
    dir
}

/// A scenario whose receiver must take an `account_updated` carrying `fault` (none: a
/// healthy one).
fn scenario(name: &str, fault: Option<&str>) -> (String, String) {
    let set = fault
        .map(|f| format!(", set: {{ data.fault: {f} }}"))
        .unwrap_or_default();
    (
        format!("{name}.yaml"),
        format!(
            "name: {name}
accounts:
  ada: {{ institution: gtbank }}
steps:
  - link: ada
  - fire: {{ event: {UPDATED}, account: ada{set} }}
  - expect_delivery: {{ event: {UPDATED}, account: ada, status: 200, outcome: delivered }}
"
        ),
    )
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
}

async fn run(dir: &Path, jobs: &str) -> Ran {
    let dir = dir.to_path_buf();
    let jobs = jobs.to_string();
    tokio::task::spawn_blocking(move || {
        let output = support::monosim()
            .args(["run", "--jobs", &jobs, "--json", "report.json"])
            .current_dir(&dir)
            .env_remove("CI")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        let report = std::fs::read_to_string(dir.join("report.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            report,
        }
    })
    .await
    .unwrap()
}

fn result<'a>(ran: &'a Ran, name: &str) -> &'a Value {
    ran.report["scenarios"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}\n{}", ran.stdout, ran.stderr))
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no result for {name}: {}", ran.report))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monosim_run_fails_each_faulty_scenario_with_the_delivery_log_and_passes_the_healthy_one() {
    let receiver = FaultyReceiver::start().await;
    let faults = [
        "hang", "reset", "drip", "redirect", "gone", "too_many", "garbage", "huge",
    ];
    let mut scenarios = vec![scenario("healthy", None)];
    scenarios.extend(faults.iter().map(|f| scenario(f, Some(f))));
    let dir = project("matrix", &receiver.url, &scenarios);
    let ran = run(&dir, "2").await;
    assert_eq!(
        ran.code, 1,
        "a scenario failed: {}\n{}",
        ran.stdout, ran.stderr
    );

    assert_eq!(result(&ran, "healthy")["status"], "passed");
    // `huge` answered 200 (its endless body read up to the cap): it passes too.
    assert_eq!(result(&ran, "huge")["status"], "passed");
    let expected_actual = [
        (
            "hang",
            "status none, failed (no answer within 500ms (timed out))",
        ),
        (
            "drip",
            "status none, failed (no answer within 500ms (timed out))",
        ),
        (
            "redirect",
            "status 302, failed (receiver answered 302 Found to http://",
        ),
        (
            "gone",
            "status 410, gave_up (receiver answered 410 Gone: the endpoint is gone",
        ),
        (
            "too_many",
            "status 429, failed (receiver answered 429 Too Many Requests with Retry-After: 600",
        ),
        ("garbage", "status none, failed (not an HTTP answer: "),
        ("reset", "failed ("),
    ];
    for (fault, actual) in expected_actual {
        let result = result(&ran, fault);
        assert_eq!(result["status"], "failed", "{fault}: {result}");
        let failure = &result["failure"];
        assert_eq!(failure["step"], 3, "{fault}: {failure}");
        assert_eq!(
            failure["expected"], "status 200, delivered",
            "{fault}: {failure}"
        );
        assert!(
            text(&failure["actual"]).contains(actual),
            "{fault}: {}",
            failure["actual"]
        );
        let context = failure["context"].to_string();
        assert!(
            context.contains("mono.events.account_updated for ada attempt 1"),
            "{fault}: what happened is listed: {context}"
        );
        // The report printed on stdout names it too.
        assert!(
            ran.stdout.contains(&format!("FAILED {fault}")),
            "{}",
            ran.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monosim_run_with_a_receiver_killed_mid_run_fails_that_scenario_and_exits_1() {
    let receiver = FaultyReceiver::start().await;
    // The receiver dies on the killing event once the healthy scenario's event was answered
    // (scenarios start in any order); then the killed scenario's retry finds nobody.
    let killed = (
        "killed.yaml".to_string(),
        format!(
            "name: killed
accounts:
  ada: {{ institution: gtbank }}
steps:
  - link: ada
  - fire: {{ event: {UPDATED}, account: ada, set: {{ data.fault: kill_after_healthy }} }}
  - advance: 30s
  - expect_delivery: {{ event: {UPDATED}, account: ada, status: 200, outcome: delivered }}
"
        ),
    );
    // A long delivery timeout: the killing attempt may wait for the healthy scenario.
    let dir = project_with(
        "killed",
        &receiver.url,
        &[scenario("healthy", Some("healthy")), killed],
        "10s",
    );
    let ran = run(&dir, "2").await;
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(
        result(&ran, "healthy")["status"],
        "passed",
        "{}",
        ran.report
    );
    let failure = &result(&ran, "killed")["failure"];
    assert_eq!(failure["step"], 4, "{failure}");
    assert!(
        text(&failure["actual"]).starts_with("status none, failed (could not connect: "),
        "the retry found nobody listening: {failure}"
    );
    let context = failure["context"].to_string();
    assert!(
        context.contains("account_updated for ada attempt 1: no answer (request failed: connection closed before message completed)")
            && context.contains("account_updated for ada attempt 2: no answer (could not connect: "),
        "both attempts are listed: {context}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monosim_run_against_a_receiver_refusing_connections_is_exit_3() {
    let (_refusing, closed) = faulty::refusing_url();
    let dir = project("refused", &closed, &[scenario("healthy", None)]);
    let ran = run(&dir, "1").await;
    assert_eq!(ran.code, 3, "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("error:"), "{}", ran.stderr);
}
