//! Security defaults of the real binary: loopback by default, the control API refused to
//! other machines unless they present the control token (over a real non-loopback
//! connection), and no secret — secret key, webhook secret, control token, re-auth token —
//! in what `monosim serve` or `monosim run` prints at the default log level.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use support::{monosim, wait_with_deadline, Served, DEADLINE};

const SECRET_KEY: &str = "sk_test_HARDENING_key_51c0";
const WEBHOOK_SECRET: &str = "whsec_HARDENING_secret_8e2d";
const CONTROL_TOKEN: &str = "ctl_HARDENING_token_a93f";

/// This machine's address on a non-loopback interface, if it has one. A connected UDP
/// socket reports the local address its route would use; connecting sends nothing.
fn non_loopback_address() -> Option<IpAddr> {
    [
        "192.0.2.1:9",
        "10.255.255.254:9",
        "172.16.0.1:9",
        "198.51.100.1:9",
    ]
    .iter()
    .find_map(|target| {
        let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
        socket.connect(target).ok()?;
        let ip = socket.local_addr().ok()?.ip();
        (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
    })
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn serve_listens_on_loopback_unless_told_otherwise() {
    let served = Served::start(&[]);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    let refused = monosim()
        .args(["serve", "--port", "0", "--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-remote"));
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_control_api_refuses_other_machines_unless_they_bring_the_token() {
    let Some(address) = non_loopback_address() else {
        eprintln!(
            "\n\n!!! NOT TESTED: this machine has no non-loopback address, so the control \
             API's refusal of remote clients could not be tried over a real connection. \
             simulator/tests/security.rs still tests the same middleware with a forged peer \
             address.\n"
        );
        return;
    };
    let client = reqwest::Client::new();

    // No token: other machines are refused, this one is served, Mono's API is open to both.
    let open = Served::start(&["--host", "0.0.0.0", "--allow-remote"]);
    let port = port_of(&open.url);
    let remote = format!("http://{address}:{port}");
    let (status, body) = get(&client, &format!("{remote}/_sim/state"), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("--control-token"),
        "{body}"
    );
    let (status, _) = get(
        &client,
        &format!("http://127.0.0.1:{port}/_sim/state"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (id, _) = open.account(0);
    let mono = client
        .get(format!("{remote}/v2/accounts/{id}"))
        .header("mono-sec-key", open.secret_key())
        .send()
        .await
        .unwrap();
    assert_eq!(mono.status(), 200);

    // With a token (from the environment): remote clients must send it.
    let guarded = Served::start_with_env(
        &["--host", "0.0.0.0", "--allow-remote"],
        &[("MONOSIM_CONTROL_TOKEN", CONTROL_TOKEN)],
    );
    let port = port_of(&guarded.url);
    let remote = format!("http://{address}:{port}");
    let state = format!("{remote}/_sim/state");
    let (status, body) = get(&client, &state, None).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = get(&client, &state, Some("ctl_HARDENING_token_a93F")).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("wrong"),
        "{body}"
    );
    let (status, body) = get(&client, &state, Some(CONTROL_TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get(
        &client,
        &format!("http://127.0.0.1:{port}/_sim/state"),
        None,
    )
    .await;
    assert_eq!(status, 200, "this machine needs no token");

    // The CLI's remote commands send it too.
    let logs = |token: Option<&str>| {
        let mut command = monosim();
        command.args(["logs", "--url", &remote]);
        if let Some(token) = token {
            command.args(["--control-token", token]);
        }
        command.output().unwrap()
    };
    let refused = logs(None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Authorization: Bearer"));
    let allowed = logs(Some(CONTROL_TOKEN));
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
}

/// A child whose stdout and stderr are collected in full.
struct Captured {
    child: Child,
    readers: Vec<std::thread::JoinHandle<String>>,
    first_line: mpsc::Receiver<String>,
}

impl Captured {
    /// Starts `command` at the default log level (no `RUST_LOG`).
    fn spawn(mut command: std::process::Command) -> Captured {
        let mut child = command
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, first_line) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let readers = vec![
            std::thread::spawn(move || {
                let mut all = String::new();
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(line.clone());
                    all.push_str(&line);
                    all.push('\n');
                }
                all
            }),
            std::thread::spawn(move || {
                let mut all = Vec::new();
                let _ = stderr.read_to_end(&mut all);
                String::from_utf8_lossy(&all).into_owned()
            }),
        ];
        Captured {
            child,
            readers,
            first_line,
        }
    }

    /// Sends SIGTERM, then returns everything it printed.
    fn terminate(self) -> String {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.wait().1
    }

    /// Waits for the exit (with a deadline) and the end of both streams.
    fn wait(mut self) -> (std::process::ExitStatus, String) {
        let status = wait_with_deadline(&mut self.child);
        let mut streams = self.readers.drain(..).map(|r| r.join().unwrap());
        let stdout = streams.next().unwrap();
        let stderr = streams.next().unwrap();
        (
            status,
            format!("--- stdout\n{stdout}\n--- stderr\n{stderr}"),
        )
    }
}

fn assert_nothing_leaks(output: &str, secrets: &[(&str, &str)]) {
    for (what, value) in secrets {
        assert!(!value.is_empty());
        assert!(
            !output.contains(value),
            "the {what} `{value}` appears in the output:\n{output}"
        );
    }
}

/// Records the `mono-webhook-secret` of every webhook; fails the first one (so the
/// dispatcher logs a failure at the default level).
#[derive(Clone, Default)]
struct Recorder {
    secrets: Arc<Mutex<Vec<String>>>,
}

async fn record(State(recorder): State<Recorder>, headers: HeaderMap) -> StatusCode {
    let secret = headers
        .get("mono-webhook-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut secrets = recorder.secrets.lock().unwrap();
    secrets.push(secret);
    if secrets.len() == 1 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn serve_receiver(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_no_secret_at_the_default_log_level() {
    let recorder = Recorder::default();
    let receiver = serve_receiver(
        Router::new()
            .route("/webhook", post(record))
            .with_state(recorder.clone()),
    )
    .await;
    let mut command = monosim();
    command.args([
        "serve",
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--allow-remote",
        "--start-time",
        "2026-01-15T09:00:00Z",
        "--frozen",
        "--data-delay",
        "0s",
        "--secret-key",
        SECRET_KEY,
        "--webhook-secret",
        WEBHOOK_SECRET,
        "--control-token",
        CONTROL_TOKEN,
        "--webhook-url",
        &format!("{receiver}/webhook"),
    ]);
    let served = Captured::spawn(command);
    let ready: Value = serde_json::from_str(
        &served
            .first_line
            .recv_timeout(DEADLINE)
            .expect("a ready line"),
    )
    .unwrap();
    assert!(ready["secret_key"].as_str().unwrap().contains("redacted"));
    let port = port_of(ready["url"].as_str().unwrap());
    let local = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let control = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, format!("{local}/_sim{path}"))
            .bearer_auth(CONTROL_TOKEN)
            .json(&body)
            .send()
    };
    let mono = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, format!("{local}{path}"))
            .header("mono-sec-key", SECRET_KEY)
            .json(&body)
            .send()
    };
    let idle = || control(reqwest::Method::POST, "/idle", json!({"timeout": "10s"}));

    let account: Value = control(
        reqwest::Method::POST,
        "/accounts",
        json!({"institution": "gtbank", "mfa": "otp"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = account["id"].as_str().unwrap().to_string();
    idle().await.unwrap();
    let details = mono(
        reqwest::Method::GET,
        &format!("/v2/accounts/{id}"),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(details.status(), 200);
    let wrong_key = client
        .get(format!("{local}/v2/accounts/{id}"))
        .header("mono-sec-key", format!("{SECRET_KEY}-typo"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), 401);

    control(
        reqwest::Method::POST,
        &format!("/accounts/{id}/expire-session"),
        json!({}),
    )
    .await
    .unwrap();
    idle().await.unwrap();
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let issued: Value = mono(
            reqwest::Method::POST,
            &format!("/accounts/{id}/reauthorise"),
            json!({}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        tokens.push(issued["token"].as_str().expect("a token").to_string());
    }
    let reauth = |token: &str, mfa: &str| {
        control(
            reqwest::Method::POST,
            &format!("/accounts/{id}/reauth"),
            json!({"mfa": mfa, "token": token}),
        )
    };
    reauth(&tokens[0], "correct").await.unwrap(); // replaced: refused
    reauth(&tokens[1], "wrong").await.unwrap();
    let answered = reauth(&tokens[1], "correct").await.unwrap();
    assert_eq!(answered.status(), 200);
    reauth(&tokens[1], "correct").await.unwrap(); // reused: refused
    idle().await.unwrap();
    control(reqwest::Method::POST, "/clock/advance", json!({"by": "1m"}))
        .await
        .unwrap();
    idle().await.unwrap();
    if let Some(address) = non_loopback_address() {
        let remote = format!("http://{address}:{port}/_sim/state");
        assert_eq!(get(&client, &remote, Some(CONTROL_TOKEN)).await.0, 200);
        assert_eq!(get(&client, &remote, Some("not-the-token")).await.0, 401);
    } else {
        eprintln!("!!! no non-loopback address: the control token was sent only over loopback");
    }

    let output = served.terminate();
    let seen = recorder.secrets.lock().unwrap().clone();
    assert!(seen.len() > 3, "webhooks flowed: {seen:?}");
    assert!(
        seen.iter().all(|s| s == WEBHOOK_SECRET),
        "they carried the secret"
    );
    assert!(
        output.contains("webhook delivery failed"),
        "the default level logs something (a failed delivery): {output}"
    );
    assert_nothing_leaks(
        &output,
        &[
            ("secret key", SECRET_KEY),
            ("webhook secret", WEBHOOK_SECRET),
            ("control token", CONTROL_TOKEN),
            ("first re-auth token", &tokens[0]),
            ("second re-auth token", &tokens[1]),
        ],
    );
}

/// A receiver for `monosim run`: checks the webhook secret, fetches a re-auth token when
/// asked to re-authorise, and remembers the tokens it got.
#[derive(Clone)]
struct Fetcher {
    sim_url: String,
    tokens: Arc<Mutex<Vec<String>>>,
}

async fn fetch_token(State(app): State<Fetcher>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if headers
        .get("mono-webhook-secret")
        .and_then(|v| v.to_str().ok())
        != Some(WEBHOOK_SECRET)
    {
        return StatusCode::UNAUTHORIZED;
    }
    let event: Value = serde_json::from_slice(&body).unwrap_or_default();
    if event["event"] == "mono.events.reauthorisation_required" {
        let id = event["data"]["account"]["_id"].as_str().unwrap_or_default();
        let issued: Value = reqwest::Client::new()
            .post(format!("{}/accounts/{id}/reauthorise", app.sim_url))
            .header("mono-sec-key", monosim_simulator::DEFAULT_SECRET_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(token) = issued["token"].as_str() {
            app.tokens.lock().unwrap().push(token.to_string());
        }
    }
    StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_prints_no_secret_at_the_default_log_level() {
    let sim_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = Fetcher {
        sim_url: format!("http://127.0.0.1:{sim_port}"),
        tokens: Arc::default(),
    };
    let receiver = serve_receiver(
        Router::new()
            .route("/webhook", post(fetch_token))
            .with_state(app.clone()),
    )
    .await;
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("security-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    // The receiver command only stands in for a process monosim starts and stops; the
    // secrets it is handed must not be echoed when monosim logs that it started it.
    std::fs::write(
        dir.join("monosim.yaml"),
        format!(
            "receiver:\n  command: \"exec sleep 60 # {{sim.webhook_secret}}\"\n  env: {{ SECRET: \"{{sim.webhook_secret}}\" }}\nwebhook_url: {receiver}/webhook\nwebhook_secret: {WEBHOOK_SECRET}\nsimulator: {{ port: {sim_port} }}\nstate:\n  http: \"{receiver}/state/{{account_id}}\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("scenarios/reauth.yaml"),
        "name: tokens are issued and used
accounts:
  ada: { institution: gtbank, mfa: otp }
steps:
  - link: ada
  - session_expires: ada
  - expect_request: POST /accounts/{ada}/reauthorise
  - widget_reauth: { account: ada, mfa: correct }
  - expect_delivery: { event: mono.events.account_reauthorized, account: ada, status: 200 }
",
    )
    .unwrap();
    let mut command = monosim();
    command.arg("run").current_dir(&dir).env_remove("CI");
    let (status, output) = tokio::task::spawn_blocking(move || Captured::spawn(command).wait())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(output.contains("receiver started"), "{output}");
    let tokens = app.tokens.lock().unwrap().clone();
    assert_eq!(tokens.len(), 1, "the receiver fetched a token");
    assert_nothing_leaks(
        &output,
        &[
            ("webhook secret", WEBHOOK_SECRET),
            ("re-auth token", &tokens[0]),
        ],
    );
}
