//! A simulator on a frozen clock with a hand-declared world, driven without a socket.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use monosim_simulator::{Simulator, SimulatorConfig, Timestamp, WorldFile, DEFAULT_SECRET_KEY};
use tower::ServiceExt;

pub const BASE_URL: &str = "http://monosim.test";
pub const ADA: &str = "5f171a530295e231abca1153";
pub const BOLA: &str = "60f0a0b0c0d0e0f000000b01";
pub const CHIDI: &str = "60f0a0b0c0d0e0f000000c01";

/// Ada: a linked GTBank account with OTP and a short history. Bola: Kuda, data PARTIAL (no
/// transactions retrieved). Chidi: Zenith, data still PROCESSING.
pub const WORLD: &str = r#"
accounts:
  - id: 5f171a530295e231abca1153
    institution: gtbank
    auth_method: internet_banking
    mfa: otp
    type: SAVINGS_ACCOUNT
    name: Ada Okafor
    balance: 25000000
    transactions: 6
    code: code_ada
    reference: ada-ref
  - id: 60f0a0b0c0d0e0f000000b01
    institution: kuda
    data_status: PARTIAL
    transactions: 4
    code: code_bola
  - id: 60f0a0b0c0d0e0f000000c01
    institution: zenith
    data_status: PROCESSING
    code: code_chidi
"#;

pub fn start() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()
}

pub fn simulator(seed: u64, random_accounts: usize, world: Option<&str>) -> Simulator {
    Simulator::new(SimulatorConfig {
        seed,
        random_accounts,
        world_file: world.map(|w| WorldFile::parse(w, "test world").unwrap()),
        start: Some(start()),
        frozen: true,
        ..SimulatorConfig::default()
    })
    .unwrap()
}

pub fn router() -> Router {
    simulator(7, 0, Some(WORLD)).router(BASE_URL)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Status line, the `x-*` headers, then the body pretty-printed (key order kept).
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.status);
        for (name, value) in &self.headers {
            if name.starts_with("x-") {
                out.push_str(&format!("{name}: {value}\n"));
            }
        }
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(&self.json()).unwrap());
        out
    }
}

/// Sends one request with the default secret key.
pub async fn send(router: &Router, method: &str, path: &str, body: Option<&str>) -> Reply {
    send_with(
        router,
        method,
        path,
        body,
        &[("mono-sec-key", DEFAULT_SECRET_KEY)],
    )
    .await
}

pub async fn send_with(
    router: &Router,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Body::from(body.unwrap_or_default().to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}
