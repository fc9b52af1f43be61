//! The Rust reference receiver: Mono webhooks handled the way Mono's data-sync guide says,
//! on a real SQLite file, in several correct designs (`RECEIVER_STYLE`), with bug switches
//! that reproduce integrators' mistakes (`RECEIVER_BUGS`). The contract (environment,
//! routes, rules 1–9, styles, switches) is in `examples/README.md`.
//!
//! ```sh
//! cargo run --example rust-receiver   # PORT, MONO_BASE_URL, MONO_SECRET_KEY, MONO_WEBHOOK_SEC, DB_PATH, RECEIVER_STYLE, RECEIVER_BUGS
//! ```

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// The bug switches (examples/README.md); an unknown name stops the receiver at start.
const SWITCHES: &[&str] = &[
    "reads_data_id",
    "no_secret_check",
    "wrong_header",
    "never_clears_flag",
    "not_idempotent",
    "trusts_order",
    "processing_is_available",
    "ack_then_drop",
    "crashes_on_unknown",
    "no_fresh_token",
    "requires_event_id",
    "ignores_unlink",
    "ignores_updates_while_flagged",
];

/// The design choices Mono's docs leave open (examples/README.md, "Styles"); each
/// combination is a correct receiver.
const STYLES: &[&str] = &["v1", "v2", "keep_flag", "clear_on_update"];

/// Which API the receiver reads data and asks for tokens with.
#[derive(Clone, Copy, PartialEq)]
enum Api {
    /// `GET /v2/accounts/:id/balance` and `POST /accounts/:id/reauthorise`, as the guide.
    Guide,
    /// `GET /accounts/:id` and `POST /accounts/:id/reauthorise`.
    V1,
    /// `GET /v2/accounts/:id` and `POST /v2/accounts/initiate`, storing the `mono_url`.
    V2,
}

struct App {
    db: Mutex<Connection>,
    mono: String,
    secret_key: String,
    webhook_secret: String,
    bugs: HashSet<String>,
    api: Api,
    /// On a failed token request, keep the account flagged (with no token) and answer
    /// 500, instead of rolling everything back and answering 500.
    keep_flag: bool,
    /// Also clear the flag on an `account_updated` AVAILABLE newer than the
    /// `reauthorisation_required` that set it: the data flowing again means the user is back.
    clear_on_update: bool,
    http: reqwest::Client,
}

impl App {
    fn bug(&self, name: &str) -> bool {
        self.bugs.contains(name)
    }

    /// The account's balance, read the way this style reads data.
    async fn balance(&self, id: &str) -> Result<Option<i64>, String> {
        Ok(match self.api {
            Api::Guide => self
                .mono(
                    reqwest::Method::GET,
                    &format!("/v2/accounts/{id}/balance"),
                    None,
                )
                .await?["data"]["balance"]
                .as_i64(),
            Api::V1 => self
                .mono(reqwest::Method::GET, &format!("/accounts/{id}"), None)
                .await?["account"]["balance"]
                .as_i64(),
            Api::V2 => self
                .mono(reqwest::Method::GET, &format!("/v2/accounts/{id}"), None)
                .await?["data"]["account"]["balance"]
                .as_i64(),
        })
    }

    /// A re-auth token, or (v2) the `mono_url` that carries one: what the frontend needs.
    async fn reauth_code(&self, id: &str) -> Result<String, String> {
        let (answer, pointer) = match self.api {
            Api::Guide | Api::V1 => (
                self.mono(
                    reqwest::Method::POST,
                    &format!("/accounts/{id}/reauthorise"),
                    None,
                )
                .await?,
                "/token",
            ),
            Api::V2 => (
                self.mono(
                    reqwest::Method::POST,
                    "/v2/accounts/initiate",
                    Some(json!({
                        "scope": "reauth",
                        "account": id,
                        "meta": { "ref": format!("reauth-{id}") },
                        "redirect_url": "https://app.example/reauthorised",
                    })),
                )
                .await?,
                "/data/mono_url",
            ),
        };
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("no {pointer} in the answer"))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls the Mono API; any failure (transport or non-2xx) is an error.
    async fn mono(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.mono))
            .header("mono-sec-key", &self.secret_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path} answered {status}: {body}"));
        }
        Ok(body)
    }
}

/// What a webhook asks the database to do, decided before it is touched (Mono API calls
/// happen first, outside the lock).
enum Change {
    Connected(String),
    Updated {
        id: String,
        status: String,
        at: Option<String>,
        balance: Option<i64>,
    },
    ReauthRequired {
        id: String,
        /// The token (or `mono_url`); `None` when asking for it failed and the style keeps
        /// the flag anyway (the webhook is then answered 500 so Mono retries).
        token: Option<String>,
        at: Option<String>,
    },
    Reauthorized(String),
    Unlinked(String),
    Nothing,
}

fn account_id(data: &Value) -> Result<String, String> {
    data["account"]["_id"]
        .as_str()
        .or_else(|| data["account"]["id"].as_str())
        .map(str::to_string)
        .ok_or_else(|| "no data.account._id".to_string())
}

async fn decide(app: &App, event: &Value) -> Result<Change, String> {
    let data = &event["data"];
    Ok(match event["event"].as_str().unwrap_or_default() {
        "mono.events.account_connected" => {
            Change::Connected(data["id"].as_str().ok_or("no data.id")?.to_string())
        }
        "mono.events.account_updated" => {
            let id = account_id(data)?;
            let status = data["meta"]["data_status"]
                .as_str()
                .unwrap_or("PROCESSING")
                .to_string();
            if app.bug("ignores_updates_while_flagged") && flagged(app, &id)? {
                return Ok(Change::Nothing);
            }
            // Rule 5: only data that is really there is fetched.
            let available = matches!(status.as_str(), "AVAILABLE" | "PARTIAL");
            let balance = if available || app.bug("processing_is_available") {
                app.balance(&id).await?
            } else {
                None
            };
            Change::Updated {
                id,
                status,
                at: event["timestamp"].as_str().map(str::to_string),
                balance,
            }
        }
        "mono.events.reauthorisation_required" => {
            // Rule 6: the id is inside `account` — Mono's own demo reads `data._id`.
            let id = if app.bug("reads_data_id") {
                data["_id"].as_str().ok_or("no data._id")?.to_string()
            } else {
                account_id(data)?
            };
            if app.bug("no_fresh_token") && flagged(app, &id)? {
                return Ok(Change::Nothing);
            }
            let token = match app.reauth_code(&id).await {
                Ok(token) => Some(token),
                // The `keep_flag` style: flag the account now, answer 500 for the retry.
                Err(error) if app.keep_flag => {
                    eprintln!("no re-auth token for {id} yet: {error}");
                    None
                }
                Err(error) => return Err(error),
            };
            Change::ReauthRequired {
                id,
                token,
                at: event["timestamp"].as_str().map(str::to_string),
            }
        }
        "mono.events.account_reauthorized" => Change::Reauthorized(account_id(data)?),
        "mono.events.account_unlinked" if !app.bug("ignores_unlink") => {
            Change::Unlinked(account_id(data)?)
        }
        "mono.events.account_unlinked" => Change::Nothing,
        "mono.events.sync_failed" | "mono.accounts.jobs.update" => Change::Nothing,
        other if app.bug("crashes_on_unknown") => return Err(format!("unknown event {other}")),
        _ => Change::Nothing, // Rule 9: acknowledge what we do not know.
    })
}

/// Whether the account is flagged for re-authorisation now.
fn flagged(app: &App, id: &str) -> Result<bool, String> {
    let flag: Option<i64> = app
        .db()
        .query_row(
            "SELECT reauth_required FROM accounts WHERE mono_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    Ok(flag == Some(1))
}

fn apply(db: &Connection, app: &App, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::Connected(id) => {
            // Rule 4: create the row, but never move data that is in back to PROCESSING.
            db.execute(
                "INSERT INTO accounts (mono_id, linked, data_status) VALUES (?1, 1, 'PROCESSING')
                 ON CONFLICT (mono_id) DO UPDATE SET linked = 1, data_status = COALESCE(data_status, 'PROCESSING')",
                [&id],
            )?;
        }
        Change::Updated {
            id,
            status,
            at,
            balance,
        } => {
            db.execute(
                "INSERT OR IGNORE INTO accounts (mono_id) VALUES (?1)",
                [&id],
            )?;
            let newest: Option<String> = db.query_row(
                "SELECT updated_at FROM accounts WHERE mono_id = ?1",
                [&id],
                |r| r.get(0),
            )?;
            // Rule 5: an older account_updated (a late retry) must not undo a newer one.
            let stale = matches!((&at, &newest), (Some(at), Some(newest)) if at < newest);
            if stale && !app.bug("trusts_order") {
                return Ok(());
            }
            db.execute(
                "UPDATE accounts SET data_status = ?2, balance = COALESCE(?3, balance), updated_at = COALESCE(?4, updated_at)
                 WHERE mono_id = ?1",
                params![id, status, balance, at],
            )?;
            // The `clear_on_update` style: fresh data after the flag was set means the user
            // re-authorised (legacy payloads, without timestamps, count as newer).
            let newer = "?2 IS NULL OR flagged_at IS NULL OR flagged_at < ?2";
            if app.clear_on_update && status == "AVAILABLE" && !app.bug("never_clears_flag") {
                db.execute(
                    &format!("UPDATE accounts SET reauth_required = 0, reauth_code = NULL WHERE mono_id = ?1 AND ({newer})"),
                    params![id, at],
                )?;
            }
        }
        Change::ReauthRequired { id, token, at } => {
            db.execute(
                "INSERT OR IGNORE INTO accounts (mono_id) VALUES (?1)",
                [&id],
            )?;
            db.execute(
                "UPDATE accounts SET reauth_required = 1, reauth_code = COALESCE(?2, reauth_code), flagged_at = ?3 WHERE mono_id = ?1",
                params![id, token, at],
            )?;
        }
        Change::Reauthorized(id) => {
            // The `never_clears_flag` bug forgets to reset the flag (and only the flag).
            let flag = i64::from(app.bug("never_clears_flag"));
            db.execute(
                "UPDATE accounts SET reauth_required = ?2, reauth_code = NULL WHERE mono_id = ?1",
                params![id, flag],
            )?;
        }
        Change::Unlinked(id) => {
            db.execute(
                "UPDATE accounts SET linked = 0, reauth_required = 0, reauth_code = NULL WHERE mono_id = ?1",
                [&id],
            )?;
        }
        Change::Nothing => {}
    }
    Ok(())
}

async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    // Rule 1: the raw secret, compared as a string.
    let header = if app.bug("wrong_header") {
        "mono-webhook-signature"
    } else {
        "mono-webhook-secret"
    };
    let given = headers.get(header).and_then(|v| v.to_str().ok());
    if !app.bug("no_secret_check") && given != Some(app.webhook_secret.as_str()) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let event_id = event["event_id"].as_str().map(str::to_string);
    if event_id.is_none() && app.bug("requires_event_id") {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    // Rule 2: Mono redelivers with the same event_id.
    if let Some(id) = &event_id {
        let seen = app
            .db()
            .query_row(
                "SELECT 1 FROM processed_events WHERE event_id = ?1",
                [id],
                |_| Ok(()),
            )
            .optional();
        if matches!(seen, Ok(Some(()))) && !app.bug("not_idempotent") {
            return StatusCode::OK;
        }
    }
    let outcome = match decide(&app, &event).await {
        Ok(change) => {
            // Work kept but not finished (a flag without its token) is committed without
            // marking the event processed, and answered 500 so Mono sends it again.
            let unfinished = matches!(change, Change::ReauthRequired { token: None, .. });
            let mut db = app.db();
            let result = db.transaction().and_then(|tx| {
                apply(&tx, &app, &change)?;
                if let (Some(id), false) = (&event_id, unfinished) {
                    tx.execute(
                        "INSERT OR IGNORE INTO processed_events (event_id) VALUES (?1)",
                        [id],
                    )?;
                }
                tx.commit()
            });
            match result {
                Ok(()) if unfinished => Err("no re-auth token yet: Mono will retry".to_string()),
                other => other.map_err(|e| e.to_string()),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => StatusCode::OK,
        // Rule 3: answer 500 so Mono retries; never acknowledge lost work.
        Err(_) if app.bug("ack_then_drop") => StatusCode::OK,
        Err(error) => {
            eprintln!("webhook failed: {error}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn state(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let db = app.db();
    db.query_row(
        "SELECT mono_id, linked, data_status, balance, reauth_required, reauth_code FROM accounts WHERE mono_id = ?1",
        [&id],
        |r| {
            Ok(json!({
                "id": r.get::<_, String>(0)?,
                "linked": r.get::<_, i64>(1)? == 1,
                "dataStatus": r.get::<_, Option<String>>(2)?,
                "balance": r.get::<_, Option<i64>>(3)?,
                "reauthRequired": r.get::<_, i64>(4)? == 1,
                "reauthCode": r.get::<_, Option<String>>(5)?,
            }))
        },
    )
    .optional()
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
    .map(Json)
    .ok_or(StatusCode::NOT_FOUND)
}

fn open(path: &str) -> rusqlite::Result<Connection> {
    let _ = std::fs::remove_file(path);
    let db = Connection::open(path)?;
    db.execute_batch(
        "CREATE TABLE accounts (
            mono_id         TEXT PRIMARY KEY,
            linked          INTEGER NOT NULL DEFAULT 1,
            data_status     TEXT,
            balance         INTEGER,
            reauth_required INTEGER NOT NULL DEFAULT 0,  -- the guide's reauthRequired
            reauth_code     TEXT,                        -- the guide's reauthCode (v2: the mono_url)
            flagged_at      TEXT,                        -- timestamp of the reauthorisation_required that set the flag
            updated_at      TEXT                         -- timestamp of the newest account_updated applied
        );
        CREATE TABLE processed_events (event_id TEXT PRIMARY KEY);",
    )?;
    Ok(db)
}

/// A comma-separated list of `known` words; an unknown one stops the receiver at start.
fn words(list: &str, known: &[&str], what: &str) -> HashSet<String> {
    let words: HashSet<String> = list
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(unknown) = words.iter().find(|w| !known.contains(&w.as_str())) {
        eprintln!("unknown {what} `{unknown}`; known: {}", known.join(", "));
        std::process::exit(1);
    }
    words
}

#[tokio::main]
async fn main() {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let db_path = env("DB_PATH", "receiver.db");
    if let Some(dir) = std::path::Path::new(&db_path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        let _ = std::fs::create_dir_all(dir);
    }
    let db = match open(&db_path) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot open {db_path}: {e}");
            std::process::exit(1);
        }
    };
    let bugs = words(&env("RECEIVER_BUGS", ""), SWITCHES, "bug switch");
    let style = words(&env("RECEIVER_STYLE", ""), STYLES, "style");
    let api = match (style.contains("v1"), style.contains("v2")) {
        (true, true) => {
            eprintln!("RECEIVER_STYLE names both v1 and v2: choose one");
            std::process::exit(1);
        }
        (true, false) => Api::V1,
        (false, true) => Api::V2,
        (false, false) => Api::Guide,
    };
    let app = Arc::new(App {
        db: Mutex::new(db),
        mono: env("MONO_BASE_URL", "https://api.withmono.com")
            .trim_end_matches('/')
            .to_string(),
        secret_key: env("MONO_SECRET_KEY", ""),
        webhook_secret: env("MONO_WEBHOOK_SEC", ""),
        bugs,
        api,
        keep_flag: style.contains("keep_flag"),
        clear_on_update: style.contains("clear_on_update"),
        http: reqwest::Client::new(),
    });
    let router = Router::new()
        .route("/webhook", post(webhook))
        .route("/health", get(|| async { "ok" }))
        .route("/test/accounts/{id}", get(state))
        .with_state(app);
    let address = format!("127.0.0.1:{}", env("PORT", "3000"));
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {address}: {e}");
            std::process::exit(1);
        }
    };
    println!("receiver listening on http://{address}");
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server failed: {e}");
        std::process::exit(1);
    }
}
