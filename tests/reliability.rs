//! Nothing a client does may stop the real `monosim serve` (issue 12): its output pipes
//! closed under it, a `fire` with a path 20,000 keys deep.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;

use serde_json::{json, Value};
use support::{monosim, wait_with_deadline, Served, DEADLINE};

/// A `monosim serve` that is killed if the test ends without stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `monosim serve --port 0 <args>` with `RUST_LOG`; returns the child (stdout and
/// stderr still piped) and its ready line.
fn spawn(args: &[&str], log: &str) -> (Server, Value, BufReader<std::process::ChildStdout>) {
    let mut child = monosim()
        .args(["serve", "--port", "0"])
        .args(args)
        .env("RUST_LOG", log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("monosim starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        let _ = tx.send((read.map(|_| line), reader));
    });
    let Ok((Ok(line), reader)) = rx.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        panic!("no ready line from monosim serve; stderr:\n{stderr}");
    };
    let ready = serde_json::from_str(&line).expect("the ready line is JSON");
    (Server(child), ready, reader)
}

fn terminate(server: &mut Server) -> std::process::ExitStatus {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status();
    wait_with_deadline(&mut server.0)
}

/// `monosim serve 2>&1 | head -2` used to exit 101 at the banner's third line, and with
/// stderr gone every log line panicked inside the request that logged it.
#[tokio::test]
async fn serve_keeps_serving_with_its_output_pipes_closed() {
    // Debug logs: every request and connection writes to the closed stderr.
    let (mut child, ready, stdout) = spawn(&["--accounts", "2"], "debug");
    // Both pipes closed: stderr before the banner is even written, stdout after the
    // ready line.
    drop(child.0.stderr.take());
    drop(stdout);
    let url = ready["url"].as_str().unwrap().to_string();
    let id = ready["sample_accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let state = client.get(format!("{url}/_sim/state")).send().await;
        assert_eq!(state.map(|r| r.status().as_u16()).ok(), Some(200));
        let fired = client
            .post(format!("{url}/_sim/events"))
            .json(&json!({"event": "mono.events.account_updated", "account": id}))
            .send()
            .await;
        assert_eq!(fired.map(|r| r.status().as_u16()).ok(), Some(200));
        let details = client
            .get(format!("{url}/v2/accounts/{id}"))
            .header("mono-sec-key", "test_sk_monosim")
            .send()
            .await;
        assert_eq!(details.map(|r| r.status().as_u16()).ok(), Some(200));
    }
    let status = terminate(&mut child);
    assert!(status.success(), "a clean stop, got {status:?}");
}

/// `monosim fire --set` with a path 20,000 keys deep used to abort the server ("thread
/// overflowed its stack"); now the server refuses it and `fire` says why, with exit 2.
#[tokio::test]
async fn fire_with_a_set_path_too_deep_is_a_usage_error_and_the_server_lives() {
    let served = Served::start(&["--accounts", "1"]);
    let (id, _) = served.account(0);
    let set = format!("{}=1", vec!["a"; 20_000].join("."));
    let output = monosim()
        .args(["fire", "mono.events.account_updated", "--account", &id])
        .args(["--set", &set, "--url", &served.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("20000 keys"), "{stderr}");
    assert!(stderr.contains("at most 127 levels"), "{stderr}");
    assert!(
        stderr.len() < 1_000,
        "the path is not echoed whole: {stderr}"
    );
    let state = reqwest::get(format!("{}/_sim/state", served.url)).await;
    assert_eq!(state.map(|r| r.status().as_u16()).ok(), Some(200));
}
