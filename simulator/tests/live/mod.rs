//! A simulator on a real socket with a frozen clock, and small webhook receivers on real
//! sockets, for end-to-end tests of the lifecycle and the dispatcher.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use monosim_simulator::webhooks::RetryPolicy;
use monosim_simulator::{Simulator, SimulatorConfig, Timestamp, DEFAULT_SECRET_KEY};
use serde_json::{json, Value};

pub fn start_time() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()
}

pub struct Live {
    pub url: String,
    pub client: reqwest::Client,
    pub simulator: Arc<Simulator>,
}

/// Binds 127.0.0.1:0 and serves `router` in the background; returns its base URL.
pub async fn serve_router(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    url
}

impl Live {
    /// A simulator with no seeded accounts, a frozen clock, webhooks to `webhook_urls`.
    pub async fn start(webhook_urls: Vec<String>) -> Live {
        Live::start_with(SimulatorConfig {
            webhook_urls,
            ..Live::config()
        })
        .await
    }

    pub fn config() -> SimulatorConfig {
        SimulatorConfig {
            seed: 11,
            random_accounts: 0,
            start: Some(start_time()),
            frozen: true,
            retry: RetryPolicy {
                timeout: std::time::Duration::from_secs(2),
                ..RetryPolicy::default()
            },
            ..SimulatorConfig::default()
        }
    }

    pub async fn start_with(config: SimulatorConfig) -> Live {
        let simulator = Arc::new(Simulator::new(config).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let serving = simulator.clone();
        tokio::spawn(async move {
            serving
                .serve(listener, std::future::pending())
                .await
                .unwrap();
        });
        Live {
            url,
            client: reqwest::Client::new(),
            simulator,
        }
    }

    /// A control API call that must succeed.
    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, value) = self.control_raw(method, path, body).await;
        assert!(
            status.is_success(),
            "{method} {path} answered {status}: {value}"
        );
        value
    }

    pub async fn control_raw(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .request(method.parse().unwrap(), format!("{}/_sim{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// A Mono API call with the secret key.
    pub async fn api(&self, method: &str, path: &str) -> (StatusCode, Value) {
        self.api_json(method, path, None).await
    }

    /// A Mono API call with the secret key and, if given, a JSON body.
    pub async fn api_json(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("mono-sec-key", DEFAULT_SECRET_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Creates and links an account; returns its id.
    pub async fn link(&self, spec: Value) -> String {
        let account = self.control("POST", "/accounts", spec).await;
        account["id"].as_str().unwrap().to_string()
    }

    pub async fn idle(&self) {
        let answer = self
            .control("POST", "/idle", json!({"timeout": "10s"}))
            .await;
        assert_eq!(answer["idle"], true, "{answer}");
    }

    pub async fn advance(&self, by: &str) -> Value {
        self.control("POST", "/clock/advance", json!({ "by": by }))
            .await
    }

    pub async fn deliveries(&self) -> Vec<Value> {
        self.control("GET", "/deliveries", json!({})).await["deliveries"]
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn fault(&self, rule: Value) {
        self.control("POST", "/faults", rule).await;
    }
}

/// One webhook as a receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Received {
    pub fn event(&self) -> &str {
        self.body["event"].as_str().unwrap_or("")
    }

    pub fn event_id(&self) -> &str {
        self.body["event_id"].as_str().unwrap_or("")
    }

    pub fn secret(&self) -> Option<&str> {
        self.headers.get("mono-webhook-secret").map(String::as_str)
    }
}

type Policy = Arc<dyn Fn(&Received, usize) -> u16 + Send + Sync>;

/// A receiver that records every webhook and answers what `policy` says (given the webhook
/// and how many it received before it).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(
        policy: impl Fn(&Received, usize) -> u16 + Send + Sync + 'static,
    ) -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let state = (received.clone(), Arc::new(policy) as Policy);
        let router = Router::new()
            .route("/webhook", post(receive))
            .with_state(state);
        let url = format!("{}/webhook", serve_router(router).await);
        Receiver { url, received }
    }

    /// Answers 200 to everything.
    pub async fn ok() -> Receiver {
        Receiver::start(|_, _| 200).await
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn events(&self) -> Vec<String> {
        self.all().iter().map(|r| r.event().to_string()).collect()
    }
}

async fn receive(
    State((received, policy)): State<(Arc<Mutex<Vec<Received>>>, Policy)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let record = Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let seen = {
        let mut all = received.lock().unwrap();
        all.push(record.clone());
        all.len() - 1
    };
    StatusCode::from_u16(policy(&record, seen)).unwrap()
}
