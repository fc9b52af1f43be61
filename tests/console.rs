//! The console at `GET /` of `monosim serve`, used in a real headless Chromium the way a
//! developer would: with the Python reference receiver (examples/python-receiver) as the
//! webhook receiver, link an account, let its data arrive, expire its bank session,
//! re-authorise it in the Connect widget with a wrong then the right OTP, watch the
//! deliveries and what the receiver called, then save what was done as a scenario and run
//! it with `monosim run` against the same receiver.
//!
//! Screenshots of each step are saved under `target/tmp/widget-screenshots/console/`;
//! docs/console.md shows a few of them (docs/images/console-*.png).

#[path = "../simulator/tests/browser/mod.rs"]
mod browser;
mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::Browser;
use serde_json::Value;
use support::{monosim, Served};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Python reference receiver on `port`, calling the simulator at `sim_url`; stopped
/// when dropped.
struct PythonReceiver {
    child: Child,
    url: String,
}

impl PythonReceiver {
    async fn start(port: u16, sim_url: &str, dir: &Path) -> PythonReceiver {
        let child = Command::new("python3")
            .arg(repo().join("examples/python-receiver/receiver.py"))
            .env("PORT", port.to_string())
            .env("MONO_BASE_URL", sim_url)
            .env("MONO_SECRET_KEY", monosim_simulator::DEFAULT_SECRET_KEY)
            .env(
                "MONO_WEBHOOK_SEC",
                monosim_simulator::DEFAULT_WEBHOOK_SECRET,
            )
            .env("DB_PATH", dir.join("receiver.db"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts the reference receiver");
        let receiver = PythonReceiver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + browser::PATIENCE;
        loop {
            if let Ok(response) = reqwest::get(format!("{}/health", receiver.url)).await {
                if response.status().is_success() {
                    return receiver;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the Python receiver never became healthy"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the receiver stored about `account` (`GET /test/accounts/:id`).
    async fn account(&self, account: &str) -> Value {
        reqwest::get(format!("{}/test/accounts/{account}", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Drop for PythonReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `monosim.yaml` running the scenarios of `dir/scenarios` against the Python receiver,
/// as examples/python-receiver/monosim.yaml does.
fn project_for_python_receiver(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    let config = format!(
        r#"receiver:
  command: python3 {receiver}
  env:
    PORT: "{{receiver.port}}"
    MONO_BASE_URL: "{{sim.url}}"
    MONO_SECRET_KEY: "{{sim.secret_key}}"
    MONO_WEBHOOK_SEC: "{{sim.webhook_secret}}"
    DB_PATH: run-receiver.db
  ready: "http://127.0.0.1:{{receiver.port}}/health"
webhook_url: "http://127.0.0.1:{{receiver.port}}/webhook"
state:
  http: "http://127.0.0.1:{{receiver.port}}/test/accounts/{{account_id}}"
fields:
  reauth_required: reauthRequired
  reauth_token: reauthCode
  data_status: dataStatus
  linked: linked
  balance: balance
scenarios: scenarios
"#,
        receiver = repo()
            .join("examples/python-receiver/receiver.py")
            .display()
    );
    let path = dir.join("monosim.yaml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Waits until the console's delivery log shows `count` events called `event` whose last
/// attempt was delivered.
async fn delivered(b: &Browser, event: &str, count: usize) {
    b.until(
        &format!("{count} delivered {event}"),
        &format!(
            "return document.querySelectorAll(\"#deliveries li[data-event='{event}'][data-outcome='delivered']\").length === {count};"
        ),
    )
    .await;
}

/// The account row's cell `class` (stage, data-status, session, token).
async fn cell(b: &Browser, account: &str, class: &str) -> String {
    b.text(&format!(
        "#accounts tr[data-account='{account}'] td.{class}"
    ))
    .await
}

async fn until_cell(b: &Browser, account: &str, class: &str, text: &str) {
    b.until(
        &format!("{class} of {account} to read {text}"),
        &format!(
            "const c = document.querySelector(\"#accounts tr[data-account='{account}'] td.{class}\"); \
             return !!c && c.textContent.startsWith('{text}');"
        ),
    )
    .await;
}

/// What each test starts from: a scratch folder, a frozen simulator with no accounts sending
/// its webhooks to the Python reference receiver, that receiver, and a browser.
async fn session(name: &str) -> (PathBuf, Served, PythonReceiver, Browser) {
    let dir = scratch(name);
    let receiver_port = free_port();
    let webhook = format!("http://127.0.0.1:{receiver_port}/webhook");
    let served = Served::start(&[
        "--accounts",
        "0",
        "--frozen",
        "--start-time",
        "2026-01-15T09:00:00Z",
        "--webhook-url",
        &webhook,
    ]);
    let receiver = PythonReceiver::start(receiver_port, &served.url, &dir).await;
    let browser = Browser::start(name).await;
    (dir, served, receiver, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_reproduces_a_reauth_in_the_console_and_saves_it_as_a_scenario() {
    let (dir, served, receiver, mut b) = session("console").await;
    let webhook = format!("{}/webhook", receiver.url);
    // Tall enough for every panel at once in the docs' screenshots.
    b.client
        .set_window_size(1280, 1180)
        .await
        .expect("resizes the window");
    b.goto(&format!("{}/", served.url)).await;
    b.wait_for("body[data-refreshed]").await;
    assert_eq!(b.text("h1").await, "monosim console");
    b.until(
        "the clock and webhook target",
        &format!("return document.getElementById('targets').textContent === '{webhook}';"),
    )
    .await;
    b.assert_labelled("the console").await;
    assert!(b
        .text("#clock-now")
        .await
        .starts_with("2026-01-15 09:00:00"));

    // Link a GTBank account with OTP.
    b.click("#link-new").await;
    b.wait_for("#accounts tbody tr").await;
    let account = b
        .js("return document.querySelector('#accounts tbody tr').getAttribute('data-account');")
        .await
        .as_str()
        .unwrap()
        .to_string();
    until_cell(&b, &account, "stage", "linked").await;
    delivered(&b, "mono.events.account_connected", 1).await;
    // The data is in a second later: the clock is frozen, so advance it.
    b.type_into("#advance-by", "2s").await;
    b.click("#advance").await;
    delivered(&b, "mono.events.account_updated", 1).await;
    until_cell(&b, &account, "data-status", "AVAILABLE").await;
    assert_eq!(receiver.account(&account).await["dataStatus"], "AVAILABLE");
    b.screenshot("linked").await;

    // The bank session expires: the receiver is told, and asks Mono for a re-auth token.
    b.click("#expire").await;
    until_cell(&b, &account, "session", "expired").await;
    delivered(&b, "mono.events.reauthorisation_required", 1).await;
    assert_eq!(receiver.account(&account).await["reauthRequired"], true);
    b.until(
        "the receiver's call for a token in the request journal",
        "return [...document.querySelectorAll('#requests td')].some(td => td.textContent === 'token');",
    )
    .await;
    assert!(cell(&b, &account, "token").await.contains("until 09:10"));
    b.screenshot("session-expired").await;

    // Re-authorise in the widget: a wrong OTP, then the right one.
    b.click("#reauth").await;
    b.enter_widget("login").await;
    b.type_into("#username", "ada.lovelace").await;
    b.type_into("#password", "1234").await;
    b.click("form.bank-call button[type=submit]").await;
    b.on_page("mfa").await;
    b.type_into("#answer", "000000").await;
    b.click("form.bank-call button[type=submit]").await;
    b.on_page("mfa").await;
    assert!(b
        .text("[role=alert]")
        .await
        .contains("That answer is not right"));
    b.screenshot("widget-wrong-otp").await;
    b.type_into("#answer", "123456").await;
    b.click("form.bank-call button[type=submit]").await;
    b.on_page("success").await;
    b.click("button.primary").await;
    b.leave_widget().await;
    b.until(
        "the widget to close",
        "return !document.querySelector('iframe#mono-connect--widget-div');",
    )
    .await;
    delivered(&b, "mono.events.account_reauthorized", 1).await;
    until_cell(&b, &account, "session", "ok").await;
    b.click("#advance").await;
    delivered(&b, "mono.events.account_updated", 2).await;
    let state = receiver.account(&account).await;
    assert_eq!(
        (&state["reauthRequired"], &state["dataStatus"]),
        (&Value::Bool(false), &Value::from("AVAILABLE")),
        "{state}"
    );

    b.screenshot("overview").await;

    // Every event is there, each expandable to its payload and attempts.
    let shown = b
        .js("return [...document.querySelectorAll('#deliveries li')].map(li => li.getAttribute('data-event')).reverse();")
        .await;
    assert_eq!(
        shown,
        serde_json::json!([
            "mono.events.account_connected",
            "mono.events.account_updated",
            "mono.events.reauthorisation_required",
            "mono.events.account_reauthorized",
            "mono.events.account_updated"
        ])
    );
    b.click("#deliveries li[data-event='mono.events.account_reauthorized'] summary")
        .await;
    let payload: Value = serde_json::from_str(
        &b.text("#deliveries li[data-event='mono.events.account_reauthorized'] pre.payload")
            .await,
    )
    .expect("the payload is shown as JSON");
    assert_eq!(payload["event"], "mono.events.account_reauthorized");
    let attempt = b
        .text(
            "#deliveries li[data-event='mono.events.account_reauthorized'] table.attempts tbody tr",
        )
        .await;
    assert!(
        attempt.contains("delivered") && attempt.contains("200"),
        "{attempt}"
    );
    b.screenshot("deliveries").await;

    // Save as scenario, and replay it against the same receiver.
    b.click("#save-scenario").await;
    b.wait_for("#scenario-dialog[open]").await;
    let scenario = b.text("#scenario").await;
    b.screenshot("scenario").await;
    let wrong = scenario
        .find("mfa: wrong")
        .expect("the wrong OTP is in the scenario");
    let right = scenario
        .find("mfa: correct")
        .expect("the right OTP is in the scenario");
    assert!(wrong < right, "{scenario}");
    b.click("#scenario-close").await;

    // Resend (after saving, so the replay is the flow above):  a second delivery of the same event, acknowledged.
    b.click("#deliveries li[data-event='mono.events.account_reauthorized'] button.resend")
        .await;
    b.until(
        "the resend's attempt",
        "return document.querySelectorAll(\"#deliveries li[data-event='mono.events.account_reauthorized'] table.attempts tbody tr.delivered\").length === 2;",
    )
    .await;

    let config = project_for_python_receiver(&dir.join("project"));
    std::fs::write(dir.join("project/scenarios/console.yaml"), &scenario).unwrap();
    b.quit().await;
    let run = monosim()
        .args(["run", "--config"])
        .arg(&config)
        .env("NO_COLOR", "1")
        .output()
        .expect("monosim run starts");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.status.success(),
        "the saved scenario fails against the receiver it was recorded with:\n{scenario}\n{report}"
    );
    assert!(
        report.contains("1 passed, 0 failed"),
        "the saved scenario ran: {report}"
    );
    drop(receiver);
    served.terminate();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The console's status line once it says `text`.
async fn says(b: &Browser, text: &str) {
    b.until(
        &format!("the status line to say {text}"),
        &format!("return document.getElementById('status').textContent.includes({text:?});"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_syncs_events_the_clock_search_and_unlink_work_from_the_console() {
    let (dir, served, receiver, mut b) = session("console-actions").await;
    b.goto(&format!("{}/", served.url)).await;
    b.wait_for("body[data-refreshed]").await;

    // Two accounts; Kuda's is selected (the last linked).
    b.click("#link-new").await;
    says(&b, "Link a new account: done").await;
    b.click("#new-institution option[value=kuda]").await;
    b.click("#link-new").await;
    b.until(
        "two accounts",
        "return document.querySelectorAll('#accounts tbody tr').length === 2;",
    )
    .await;
    let kuda = b
        .js("return document.querySelector('#accounts tr.selected').getAttribute('data-account');")
        .await
        .as_str()
        .unwrap()
        .to_string();
    assert!(b.text("#accounts tr.selected").await.contains("kuda"));

    // Search narrows the list; an empty search shows both again.
    b.type_into("#account-search", "KUDA").await;
    b.until(
        "one account found",
        "return document.querySelectorAll('#accounts tbody tr').length === 1;",
    )
    .await;
    b.type_into("#account-search", "no-such-bank").await;
    b.until(
        "none found",
        "return document.querySelectorAll('#accounts tbody tr').length === 0;",
    )
    .await;
    b.type_into("#account-search", "").await;
    b.js(
        "document.getElementById('account-search').dispatchEvent(new Event('input')); return true;",
    )
    .await;
    b.until(
        "both again",
        "return document.querySelectorAll('#accounts tbody tr').length === 2;",
    )
    .await;

    // Both accounts' data comes in.
    b.click("#advance").await;
    delivered(&b, "mono.events.account_updated", 2).await;

    // A wrong secret on Kuda's next account_updated: the receiver refuses it (401).
    b.click("#fault-kind option[value=wrong_secret]").await;
    b.type_into("#fault-event", "mono.events.account_updated")
        .await;
    b.click("#fault-selected").await;
    b.click("#add-fault").await;
    b.until(
        "the fault listed",
        &format!(
            "return document.getElementById('faults').textContent.includes('wrong_secret') && document.getElementById('faults').textContent.includes('{kuda}');"
        ),
    )
    .await;
    // Faults apply to events fired from now on: fire one (the form's default event).
    b.click("#fire").await;
    b.until(
        "Kuda's account_updated refused",
        &format!(
            "return [...document.querySelectorAll(\"#deliveries li[data-event='mono.events.account_updated'][data-outcome='failed']\")].some(li => li.textContent.includes('{}'));",
            &kuda[18..]
        ),
    )
    .await;
    b.click("#deliveries li[data-outcome='failed'] summary")
        .await;
    let attempt = b
        .text("#deliveries li[data-outcome='failed'] table.attempts tbody tr")
        .await;
    assert!(
        attempt.contains("401") && attempt.contains("secret wrong"),
        "{attempt}"
    );
    b.screenshot("wrong-secret").await;
    b.click("#clear-faults").await;
    b.until(
        "no faults",
        "return document.getElementById('faults').textContent === 'none';",
    )
    .await;

    // Kuda's lane now waits for that event's retries (each with the wrong secret): the
    // rest happens to the GTBank account, picked from the list.
    let gtbank = b
        .js("return document.querySelector('#accounts tbody tr:not(.selected)').getAttribute('data-account');")
        .await
        .as_str()
        .unwrap()
        .to_string();
    b.click(&format!(
        "#accounts tr[data-account='{gtbank}'] button.account"
    ))
    .await;
    b.until(
        "the GTBank account selected",
        &format!("return document.getElementById('selected-account').textContent === '{gtbank}';"),
    )
    .await;

    // A sync that ends in SYNC_ERROR fires sync_failed; a custom event goes out as named.
    b.click("#sync-outcome option[value=SYNC_ERROR]").await;
    b.click("#sync").await;
    says(&b, "Sync: failed SYNC_ERROR").await;
    delivered(&b, "mono.events.sync_failed", 1).await;
    b.type_into("#fire-event", "mono.events.something_new")
        .await;
    b.click("#fire").await;
    delivered(&b, "mono.events.something_new", 1).await;

    // Failing /reauthorise, listed with its endpoint.
    b.click("#fault-kind option[value=reauthorise_500]").await;
    b.click("#fault-selected").await; // off again: any account
    b.click("#add-fault").await;
    b.until(
        "the /reauthorise fault listed",
        "return document.getElementById('faults').textContent.includes('endpoint=reauthorise');",
    )
    .await;

    // The clock runs and stops.
    b.click("#resume").await;
    b.until(
        "a running clock",
        "return document.getElementById('clock-mode').textContent === 'running';",
    )
    .await;
    b.click("#freeze").await;
    b.until(
        "a frozen clock",
        "return document.getElementById('clock-mode').textContent === 'frozen';",
    )
    .await;

    // Unlink: the stage changes and the receiver is told.
    b.click("#unlink").await;
    until_cell(&b, &gtbank, "stage", "unlinked").await;
    delivered(&b, "mono.events.account_unlinked", 1).await;
    assert_eq!(receiver.account(&gtbank).await["linked"], false);
    b.assert_labelled("the console").await;
    b.screenshot("actions").await;
    b.quit().await;
    drop(receiver);
    served.terminate();
    let _ = std::fs::remove_dir_all(&dir);
}
