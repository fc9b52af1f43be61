//! Record → scenario (issue 17): a session driven through `monosim serve`'s control API and
//! its Connect widget's forms, against the Rust reference receiver, saved with
//! `GET /_sim/recording.yaml` (and `monosim record`), then replayed with `monosim run`: it
//! passes against the receiver it was recorded with, and fails — naming the step — against
//! the same receiver with a bug switched on. Reads are not recorded; a reset starts a new
//! recording. The file itself is a reviewed snapshot.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{monosim, ReferenceProject, Served, DEADLINE};

/// The Rust reference receiver, built by `cargo test` as an example of this package.
fn rust_receiver() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_monosim"))
        .parent()
        .unwrap()
        .join("examples")
        .join("rust-receiver")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("recording-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Rust receiver on its own, for the recorded session: killed when dropped.
struct Receiver(Child);

impl Receiver {
    /// Starts it on `port`, talking to the simulator at `mono`, and waits for the line it
    /// prints once it listens.
    fn start(port: u16, mono: &str, dir: &Path) -> Receiver {
        let mut child = Command::new(rust_receiver())
            .env("PORT", port.to_string())
            .env("MONO_BASE_URL", mono)
            .env("MONO_SECRET_KEY", monosim_simulator::DEFAULT_SECRET_KEY)
            .env(
                "MONO_WEBHOOK_SEC",
                monosim_simulator::DEFAULT_WEBHOOK_SECRET,
            )
            .env("DB_PATH", dir.join("recorded-receiver.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the rust receiver starts (built by cargo test as an example)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        match rx.recv_timeout(DEADLINE) {
            Ok(Some(Ok(line))) if line.contains("listening") => Receiver(child),
            other => {
                let _ = child.kill();
                panic!("the rust receiver did not start: {other:?}");
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client of the simulator that does not follow redirects (the widget's session id is
/// in the first one).
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    fn new(url: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            url: url.to_string(),
        }
    }

    /// A control API call (`path` under `/_sim`) that must succeed.
    async fn post(&self, path: &str, body: Value) -> Value {
        let path = path.strip_prefix("/_sim").expect("a control API path");
        support::control(&self.http, &self.url, "POST", path, body).await
    }

    async fn get(&self, path: &str) -> String {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}");
        response.text().await.unwrap()
    }

    /// Everything delivered: the receiver answered every webhook due now.
    async fn idle(&self) {
        self.post("/_sim/idle", json!({"timeout": "10s"})).await;
    }

    /// Moves the clock once the webhooks on their way are delivered: an advance is a
    /// recorded action, whose mark ends the stretch before it, and a delivery landing
    /// after that mark would fall in the next stretch only now and then.
    async fn advance(&self, by: &str) {
        self.idle().await;
        self.post("/_sim/clock/advance", json!({ "by": by })).await;
        self.idle().await;
    }

    /// Opens the widget (`query` after `key`) and answers with its session's path.
    async fn open_widget(&self, query: &str) -> String {
        let response = self
            .http
            .get(format!(
                "{}/widget?key={}{query}",
                self.url,
                monosim_simulator::DEFAULT_PUBLIC_KEY
            ))
            .send()
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with("/widget/ws"), "{location}");
        location
    }

    /// Posts a widget form, as the page's `<form method=post>` does.
    async fn form(&self, session: &str, fields: &str) {
        let response = self
            .http
            .post(format!("{}{session}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(fields.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "{fields}: {}",
            response.status()
        );
    }

    /// The account's latest re-auth token, once the receiver has fetched one.
    async fn token(&self, account: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let shown: Value =
                serde_json::from_str(&self.get(&format!("/_sim/accounts/{account}")).await)
                    .unwrap();
            if let Some(token) = shown["token"]["value"].as_str() {
                return token.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "the receiver never fetched a re-auth token for {account}"
            );
            // Bounded polling: the receiver works after answering the webhook.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The session of the story: a new MFA account linked over the control API; its bank
/// session expires; the user mistypes the OTP in the widget, then gets it right; a second
/// account is linked in the widget; a seeded account is unlinked. Reads in between.
async fn drive(sim: &Client, seeded: &str) {
    let ada = sim
        .post(
            "/_sim/accounts",
            json!({"institution": "gtbank", "mfa": "otp"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.advance("1s").await;
    // Reads change nothing, and are not recorded.
    sim.get("/_sim/state").await;
    sim.get(&format!("/_sim/accounts/{ada}")).await;
    sim.get("/_sim/deliveries").await;

    sim.post(&format!("/_sim/accounts/{ada}/expire-session"), json!({}))
        .await;
    sim.idle().await;
    let token = sim.token(&ada).await;

    let session = sim.open_widget(&format!("&reauth_token={token}")).await;
    sim.form(&session, "action=login&username=ada&password=secret")
        .await;
    sim.form(&session, "action=mfa&answer=000000").await;
    sim.form(&session, "action=mfa&answer=123456").await;
    sim.form(&session, "action=done").await;
    sim.advance("1s").await;

    let session = sim.open_widget("").await;
    sim.form(&session, "action=institution&institution=gtbank")
        .await;
    sim.form(&session, "action=auth_method&auth_method=internet_banking")
        .await;
    sim.form(&session, "action=login&username=bola&password=secret")
        .await;
    sim.form(&session, "action=mfa&answer=123456").await;
    sim.form(&session, "action=account&account=0").await;
    sim.form(&session, "action=done").await;
    sim.advance("1s").await;

    sim.post(&format!("/_sim/accounts/{seeded}/unlink"), json!({}))
        .await;
    sim.idle().await;
}

/// A project for `monosim run`: the Rust receiver (with `bugs`) and one scenario file.
fn project(dir: &Path, scenario: &str, bugs: &str) -> PathBuf {
    project_in_style(dir, scenario, "", bugs)
}

/// The same, in one of the reference receiver's styles (examples/README.md).
fn project_in_style(dir: &Path, scenario: &str, style: &str, bugs: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios").join("recorded.yaml"), scenario).unwrap();
    let config = dir.join("monosim.yaml");
    let project = ReferenceProject {
        command: &rust_receiver().display().to_string(),
        cwd: None,
        db: &dir.join("replay.db"),
        style,
        bugs,
        scenarios: Path::new("scenarios"),
        snapshots: None,
    };
    std::fs::write(&config, project.config()).unwrap();
    config
}

/// A project for the receiver of another design, with its own mapping
/// (tests/outsider/monosim.yaml) and one scenario file.
fn outsider_project(dir: &Path, scenario: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios").join("recorded.yaml"), scenario).unwrap();
    let outsider = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/outsider");
    let mapping = std::fs::read_to_string(outsider.join("monosim.yaml"))
        .unwrap()
        .replace(
            "  command: python3 receiver.py\n",
            &format!(
                "  command: python3 receiver.py\n  cwd: {:?}\n",
                outsider.display().to_string()
            ),
        )
        .replace("scenarios: ../../scenarios", "scenarios: scenarios")
        .replace("snapshots: ../../target/outsider-snapshots", "");
    let config = dir.join("monosim.yaml");
    std::fs::write(&config, mapping).unwrap();
    config
}

fn run(config: &Path) -> Output {
    monosim()
        .args(["run", "--config"])
        .arg(config)
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

/// The steps that do something (not expectations, not comments), as written.
fn actions(scenario: &str) -> Vec<String> {
    scenario
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .filter(|l| !l.starts_with("expect_"))
        .map(|l| l.split("    #").next().unwrap().trim().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_replays_and_passes_and_a_broken_receiver_fails_at_the_step() {
    let dir = scratch("session");
    let receiver_port = free_port();
    let served = Served::start(&[
        "--frozen",
        "--start-time",
        "2026-01-15T09:00:00Z",
        "--accounts",
        "2",
        "--webhook-url",
        &format!("http://127.0.0.1:{receiver_port}/webhook"),
    ]);
    let _receiver = Receiver::start(receiver_port, &served.url, &dir);
    let sim = Client::new(&served.url);
    let (seeded, _) = served.account(0);
    drive(&sim, &seeded).await;

    let scenario = sim.get("/_sim/recording.yaml").await;
    insta::assert_snapshot!("recorded_session", scenario);
    assert_eq!(
        actions(&scenario),
        [
            "link: chiamaka",
            "session_expires: chiamaka",
            "widget_reauth: { account: chiamaka, mfa: wrong }",
            "widget_reauth: { account: chiamaka, mfa: correct }",
            "link: chiamaka_2",
            "link: uchenna",
            "unlink: uchenna",
        ],
        "every action once, in order, and no read:\n{scenario}"
    );

    // `monosim record` saves the same file.
    let out = dir.join("saved.yaml");
    let saved = monosim()
        .args(["record", "--url", &served.url, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), scenario);

    let passed = run(&project(&dir.join("correct"), &scenario, ""));
    let report = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "{report}\n{scenario}");
    assert!(report.contains("1 passed, 0 failed"), "{report}");

    // The file asserts only what every correct receiver shares: it passes against the
    // reference receiver's other designs, and against a receiver of another design
    // altogether (tests/outsider/: v2, a work queue, no re-auth flag of its own).
    for style in ["v1,keep_flag", "v2,clear_on_update"] {
        let dir = dir.join(style.replace(',', "+"));
        let replayed = run(&project_in_style(&dir, &scenario, style, ""));
        assert_eq!(
            replayed.status.code(),
            Some(0),
            "style {style}:\n{}",
            text(&replayed)
        );
    }
    let replayed = run(&outsider_project(&dir.join("outsider"), &scenario));
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "the outsider:\n{}",
        text(&replayed)
    );

    // The receiver that never clears the flag fails where the recording saw it cleared.
    let failed = run(&project(
        &dir.join("broken"),
        &scenario,
        "never_clears_flag",
    ));
    let report = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{report}");
    let cleared = scenario
        .lines()
        .position(|l| l.contains("reauth_required: false"))
        .expect("the file expects the flag cleared");
    // The step is the expect_state line above its account's line.
    assert!(
        report.contains(&format!("recorded.yaml:{}", cleared)),
        "the failure names the expect_state at line {cleared}:\n{report}\n{scenario}"
    );
    assert!(report.contains("reauth_required"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_starts_a_new_recording() {
    let served = Served::start(&["--frozen", "--accounts", "1"]);
    let sim = Client::new(&served.url);
    let (seeded, _) = served.account(0);
    sim.post("/_sim/accounts", json!({"mfa": "otp"})).await;
    sim.post(&format!("/_sim/accounts/{seeded}/unlink"), json!({}))
        .await;
    assert_eq!(
        actions(&sim.get("/_sim/recording.yaml").await).len(),
        3,
        "link, the seeded account's link, unlink"
    );

    sim.post("/_sim/reset", json!({})).await;
    let after_reset = sim.get("/_sim/recording.yaml").await;
    assert_eq!(
        actions(&after_reset),
        ["wait_idle"],
        "nothing since the reset:\n{after_reset}"
    );
    assert!(
        after_reset.contains("nothing was recorded"),
        "{after_reset}"
    );

    sim.post(&format!("/_sim/accounts/{seeded}/auto-sync"), json!({}))
        .await;
    let one = sim.get("/_sim/recording.yaml").await;
    assert_eq!(
        actions(&one)
            .iter()
            .map(|a| a.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["link", "sync"],
        "{one}"
    );
}

#[test]
fn record_says_what_is_wrong_when_the_simulator_is_down_or_the_file_cannot_be_written() {
    let down = monosim()
        .args([
            "record",
            "--url",
            &format!("http://127.0.0.1:{}", free_port()),
        ])
        .args(["--out", "unused.yaml"])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(3), "{}", text(&down));
    assert!(
        text(&down).contains("is `monosim serve` running?"),
        "{}",
        text(&down)
    );

    let served = Served::start(&["--accounts", "0"]);
    let dir = scratch("unwritable");
    let nowhere = dir.join("no-such-folder").join("recorded.yaml");
    let unwritable = monosim()
        .args(["record", "--url", &served.url, "--out"])
        .arg(&nowhere)
        .output()
        .unwrap();
    assert_eq!(unwritable.status.code(), Some(3), "{}", text(&unwritable));
    assert!(
        text(&unwritable).contains("cannot write the scenario to")
            && text(&unwritable).contains("no-such-folder"),
        "{}",
        text(&unwritable)
    );
}

/// Every kind of action the recorder knows, with no receiver listening: the file parses
/// with the harness's own parser (the simulator writes YAML it cannot check itself), and
/// `monosim run` plays it through against the reference receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_action_is_written_in_the_harness_language_and_replays() {
    let served = Served::start(&["--frozen", "--start-time", "2026-01-15T09:00:00Z"]);
    let sim = Client::new(&served.url);
    let (seeded, _) = served.account(1);
    let new = |body: Value| {
        let sim = &sim;
        async move {
            sim.post("/_sim/accounts", body).await["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let ada = new(json!({"institution": "gtbank", "mfa": "otp", "link": false})).await;
    sim.post(
        &format!("/_sim/accounts/{ada}/link"),
        json!({"data_status": "PARTIAL", "data_delay": "5s"}),
    )
    .await;
    sim.advance("5s").await;
    sim.post(&format!("/_sim/accounts/{ada}/expire-session"), json!({}))
        .await;
    // No receiver: the test asks Mono for the token, as a receiver would.
    let issued = reqwest::Client::new()
        .post(format!("{}/accounts/{ada}/reauthorise", served.url))
        .header("mono-sec-key", served.secret_key())
        .send()
        .await
        .unwrap();
    assert!(issued.status().is_success(), "{}", issued.status());
    for mfa in ["wrong", "abandon"] {
        sim.post(
            &format!("/_sim/accounts/{ada}/reauth"),
            json!({ "mfa": mfa }),
        )
        .await;
    }
    sim.post(
        &format!("/_sim/accounts/{ada}/reauth"),
        json!({"mfa": "correct", "data_status": "AVAILABLE"}),
    )
    .await;
    sim.advance("1s").await;
    sim.post(
        &format!("/_sim/accounts/{ada}/bank-balance"),
        json!({"balance": 4200}),
    )
    .await;
    sim.post(
        "/_sim/faults",
        json!({"kind": "sync_code", "code": "SYNC_ERROR", "account": ada}),
    )
    .await;
    sim.post(&format!("/_sim/accounts/{ada}/auto-sync"), json!({}))
        .await;
    sim.post(
        "/_sim/faults",
        json!({"kind": "drop_attempt", "event": "mono.events.account_updated", "account": ada, "count": 2}),
    )
    .await;
    sim.post(
        "/_sim/events",
        json!({"event": "mono.events.account_updated", "account": ada,
               "set": {"data.meta.data_status": "FAILED", "data.note": {"list": [1, "two"]}}, "delay": "2s"}),
    )
    .await;
    sim.post(
        "/_sim/events",
        json!({"event": "mono.events.something_new", "account": seeded}),
    )
    .await;
    sim.post("/_sim/clock/advance", json!({"by": "90m"})).await;
    sim.post("/_sim/clock/resume", json!({})).await;
    sim.post("/_sim/clock/freeze", json!({})).await;
    let targets = sim
        .http
        .put(format!("{}/_sim/webhooks", served.url))
        .json(&json!({"urls": []}))
        .send()
        .await
        .unwrap();
    assert!(targets.status().is_success());
    let cleared = sim
        .http
        .delete(format!("{}/_sim/faults", served.url))
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    // The widget opened by account id (connect.js 2.1+), closed before the answer.
    sim.post(
        &format!("/_sim/accounts/{seeded}/expire-session"),
        json!({}),
    )
    .await;
    let session = sim
        .open_widget(&format!("&data=%7B%22account%22%3A%22{seeded}%22%7D"))
        .await;
    sim.form(&session, "action=exit").await;
    sim.post(&format!("/_sim/accounts/{ada}/unlink"), json!({}))
        .await;

    let scenario = sim.get("/_sim/recording.yaml").await;
    let parsed = monosim_harness::scenario::Scenario::parse(
        &scenario,
        "recorded.yaml",
        &|_: &str, _: &str| Err("no includes".to_string()),
        &monosim_harness::scenario::Known::canonical(),
    )
    .unwrap_or_else(|e| panic!("{e:?}\n{scenario}"));
    for written in [
        "link: { account: segun, data_status: PARTIAL, data_delay: 5s }",
        "widget_reauth: { account: segun, mfa: wrong }",
        "widget_reauth: { account: segun, mfa: abandon }",
        "widget_reauth: { account: segun, mfa: correct, data_status: AVAILABLE }",
        "bank_balance: { account: segun, balance: 4200 }",
        "fault: { kind: \"sync_code\", count: 1, code: \"SYNC_ERROR\", account: segun }",
        "sync: segun",
        "set: { \"data.meta.data_status\": \"FAILED\", \"data.note\": { \"list\": [1, \"two\"] } }, delay: 2s",
        "fire: { event: \"mono.events.something_new\", account: amaka, custom: true }",
        "advance: 1h29m59s",
        "not replayed, the scenario language has no step for it: the fault rules were cleared",
        "widget_reauth: { account: amaka, mfa: abandon, by: account }",
        "unlink: segun",
    ] {
        assert!(scenario.contains(written), "`{written}` is missing:\n{scenario}");
    }
    assert!(parsed.steps.len() >= 15, "{scenario}");
    let dir = scratch("every-kind");
    let replayed = run(&project(&dir, &scenario, ""));
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}\n{scenario}",
        text(&replayed)
    );
}
