//! `monosim serve` end to end: the real binary on a real socket.

mod support;

use std::io::Write;

use support::{monosim, Served};

#[tokio::test]
async fn serve_prints_a_ready_line_and_answers_on_the_port_it_names() {
    let served = Served::start(&["--seed", "42"]);
    assert_eq!(served.ready["event"], "ready");
    assert!(served.url.starts_with("http://127.0.0.1:"));
    assert_eq!(served.ready["accounts"], 10);
    assert_eq!(served.ready["sample_accounts"].as_array().unwrap().len(), 5);
    let (id, code) = served.account(0);

    let client = reqwest::Client::new();
    let details: serde_json::Value = client
        .get(format!("{}/v2/accounts/{id}", served.url))
        .header("mono-sec-key", served.secret_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["data"]["account"]["id"], id.as_str());

    let exchanged: serde_json::Value = client
        .post(format!("{}/account/auth", served.url))
        .header("mono-sec-key", served.secret_key())
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exchanged["id"], id.as_str());

    let unauthorised = client
        .get(format!("{}/v2/accounts/{id}", served.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);

    let status = served.terminate();
    assert!(
        status.success(),
        "SIGTERM is a clean shutdown, got {status:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_accounts_across_processes() {
    let a = Served::start(&["--seed", "7", "--start-time", "2026-01-15T09:00:00Z"]);
    let b = Served::start(&["--seed", "7", "--start-time", "2026-01-15T09:00:00Z"]);
    assert_eq!(a.ready["sample_accounts"], b.ready["sample_accounts"]);
    let c = Served::start(&["--seed", "8", "--start-time", "2026-01-15T09:00:00Z"]);
    assert_ne!(a.ready["sample_accounts"], c.ready["sample_accounts"]);
}

#[tokio::test]
async fn configuration_also_comes_from_the_environment() {
    let served = Served::start_with_env(
        &[],
        &[
            ("MONOSIM_SECRET_KEY", "test_sk_from_env"),
            ("MONOSIM_ACCOUNTS", "3"),
        ],
    );
    // A key the user chose is not echoed (see docs/serve.md, security defaults), but it is the key.
    assert!(served.ready["secret_key"]
        .as_str()
        .unwrap()
        .starts_with("[redacted"));
    assert_eq!(served.ready["accounts"], 3);
    let (id, _) = served.account(0);
    let answer = reqwest::Client::new()
        .get(format!("{}/v2/accounts/{id}", served.url))
        .header("mono-sec-key", "test_sk_from_env")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn the_widget_accepts_the_configured_public_key_only() {
    let served = Served::start(&["--public-key", "pk_test_team"]);
    assert_eq!(served.ready["public_key"], "pk_test_team");
    let page = |key: &'static str| {
        let url = format!("{}/widget?key={key}", served.url);
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let accepted = page("pk_test_team").await;
    assert!(
        accepted.contains("data-step=\"institution_list\""),
        "{accepted}"
    );
    let refused = page("test_pk_monosim").await;
    assert!(refused.contains("Invalid public key"), "{refused}");
    let demo = reqwest::get(format!("{}/demo", served.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(demo.contains("var PUBLIC_KEY = \"pk_test_team\";"));
}

#[test]
fn a_world_file_declares_the_accounts() {
    let dir = tempdir();
    let path = dir.join("world.yaml");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"accounts:\n  - id: 5f171a530295e231abca1153\n    institution: gtbank\n    mfa: otp\n    code: code_ada\n")
        .unwrap();
    let served = Served::start(&["--world", path.to_str().unwrap()]);
    assert_eq!(
        served.ready["accounts"], 1,
        "no random accounts unless asked"
    );
    assert_eq!(
        served.account(0),
        (
            "5f171a530295e231abca1153".to_string(),
            "code_ada".to_string()
        )
    );
    assert_eq!(served.ready["sample_accounts"][0]["mfa"], "otp");
}

#[test]
fn a_broken_world_file_is_a_usage_error_with_its_location() {
    let dir = tempdir();
    let path = dir.join("world.yaml");
    std::fs::write(&path, "accounts:\n  - institution: narnia\n").unwrap();
    let output = monosim()
        .args(["serve", "--port", "0", "--world", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("world.yaml:2:"), "{stderr}");
    assert!(stderr.contains("unknown institution `narnia`"), "{stderr}");
    assert!(output.stdout.is_empty(), "no ready line on failure");
}

#[test]
fn listening_beyond_loopback_needs_an_explicit_flag() {
    let output = monosim()
        .args(["serve", "--port", "0", "--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"));
}

#[test]
fn a_webhook_secret_that_cannot_be_a_header_is_a_usage_error() {
    let output = monosim()
        .args([
            "serve",
            "--port",
            "0",
            "--webhook-secret",
            "line one\nline two",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("must not contain control characters"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "no ready line on failure");
}

#[test]
fn a_taken_port_is_an_environment_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = monosim().args(["serve", "--port", &port]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen on"));
}

/// A fresh directory under the target dir (cleaned by `cargo clean`).
fn tempdir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "serve-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
