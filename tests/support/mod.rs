//! Runs the real `monosim` binary for end-to-end tests: `--port 0`, the ready line read
//! from stdout (with a deadline, never a sleep), SIGTERM to stop it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// How long a start or a stop may take before the test fails instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// How many scenarios the bundled library has (its `scenarios/*.yaml`).
pub fn bundled_scenario_count() -> usize {
    std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
        .expect("the scenarios folder")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        })
        .count()
}

pub fn monosim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_monosim"))
}

pub struct Served {
    child: Child,
    /// The parsed ready line.
    pub ready: Value,
    pub url: String,
}

impl Served {
    /// Starts `monosim serve --port 0 <args>` and waits for its ready line.
    pub fn start(args: &[&str]) -> Served {
        Served::start_with_env(args, &[])
    }

    /// Same, with extra environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut child = monosim()
            .args(["serve", "--port", "0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("monosim starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(DEADLINE) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let mut stderr = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
                panic!("no ready line from monosim serve ({other:?}); stderr:\n{stderr}");
            }
        };
        let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
        let url = ready["url"]
            .as_str()
            .expect("ready line has url")
            .to_string();
        Served { child, ready, url }
    }

    pub fn secret_key(&self) -> &str {
        self.ready["secret_key"].as_str().unwrap()
    }

    /// The i-th sample account's id and exchange code.
    pub fn account(&self, i: usize) -> (String, String) {
        let sample = &self.ready["sample_accounts"][i];
        (
            sample["id"].as_str().unwrap().to_string(),
            sample["code"].as_str().unwrap().to_string(),
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (with a deadline) for the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        wait_with_deadline(&mut self.child)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_with_deadline(child: &mut Child) -> ExitStatus {
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("monosim did not exit within {DEADLINE:?}");
        }
        // Polling a child's exit status has no notification to wait on in std.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A `monosim.yaml` for one of the repository's reference receivers: their environment,
/// their test-only state route and their field names, written as each test varies them.
pub struct ReferenceProject<'a> {
    /// How to start the receiver.
    pub command: &'a str,
    /// Where to start it (the config's folder when `None`).
    pub cwd: Option<&'a std::path::Path>,
    /// Its SQLite file.
    pub db: &'a std::path::Path,
    /// `RECEIVER_STYLE` and `RECEIVER_BUGS` (empty: the default design, no bugs).
    pub style: &'a str,
    pub bugs: &'a str,
    pub scenarios: &'a std::path::Path,
    /// The snapshots folder (the config's default when `None`).
    pub snapshots: Option<&'a std::path::Path>,
}

impl ReferenceProject<'_> {
    /// The config's text.
    pub fn config(&self) -> String {
        let mut text = format!(
            "receiver:
  command: {command:?}
",
            command = self.command
        );
        if let Some(cwd) = self.cwd {
            text += &format!("  cwd: {:?}\n", cwd.display().to_string());
        }
        text += &format!(
            "  env:
    PORT: \"{{receiver.port}}\"
    MONO_BASE_URL: \"{{sim.url}}\"
    MONO_SECRET_KEY: \"{{sim.secret_key}}\"
    MONO_WEBHOOK_SEC: \"{{sim.webhook_secret}}\"
    DB_PATH: {db:?}
    RECEIVER_STYLE: {style:?}
    RECEIVER_BUGS: {bugs:?}
  ready: \"http://127.0.0.1:{{receiver.port}}/health\"
webhook_url: \"http://127.0.0.1:{{receiver.port}}/webhook\"
state:
  http: \"http://127.0.0.1:{{receiver.port}}/test/accounts/{{account_id}}\"
fields: {{ reauth_required: reauthRequired, reauth_token: reauthCode, data_status: dataStatus, linked: linked, balance: balance }}
scenarios: {scenarios:?}
",
            db = self.db.display().to_string(),
            style = self.style,
            bugs = self.bugs,
            scenarios = self.scenarios.display().to_string(),
        );
        if let Some(snapshots) = self.snapshots {
            text += &format!("snapshots: {:?}\n", snapshots.display().to_string());
        }
        text
    }
}

/// A call to the control API of the simulator at `base` (`{base}/_sim{path}`) that must
/// succeed; its JSON answer.
pub async fn control(
    client: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Value {
    let response = client
        .request(method.parse().unwrap(), format!("{base}/_sim{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let value: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {value}");
    value
}
