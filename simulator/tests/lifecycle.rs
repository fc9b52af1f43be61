//! The re-authorisation flow of Mono's data-sync guide, end to end over real HTTP: a small
//! integrator-style receiver keeps `reauthRequired` / `reauthCode`, fetches a token when told
//! to, and clears the flag when the account is re-authorised.

mod live;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use live::{serve_router, Live, Receiver};
use monosim_simulator::{SimulatorConfig, DEFAULT_SECRET_KEY, DEFAULT_WEBHOOK_SECRET};
use serde_json::{json, Value};

/// The guide's two columns, per account.
#[derive(Clone, Debug, Default, PartialEq)]
struct Row {
    reauth_required: bool,
    reauth_code: Option<String>,
}

#[derive(Clone, Default)]
struct Integrator {
    sim_url: Arc<Mutex<String>>,
    rows: Arc<Mutex<HashMap<String, Row>>>,
    events: Arc<Mutex<Vec<String>>>,
}

impl Integrator {
    async fn start() -> (Integrator, String) {
        let integrator = Integrator::default();
        let router = Router::new()
            .route("/webhook", post(integrator_webhook))
            .with_state(integrator.clone());
        let url = format!("{}/webhook", serve_router(router).await);
        (integrator, url)
    }

    fn row(&self, id: &str) -> Row {
        self.rows
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

async fn integrator_webhook(
    State(app): State<Integrator>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if headers
        .get("mono-webhook-secret")
        .and_then(|v| v.to_str().ok())
        != Some(DEFAULT_WEBHOOK_SECRET)
    {
        return StatusCode::UNAUTHORIZED;
    }
    let body: Value = serde_json::from_slice(&body).unwrap();
    let event = body["event"].as_str().unwrap().to_string();
    app.events.lock().unwrap().push(event.clone());
    let id = body["data"]["account"]["_id"].as_str().map(str::to_string);
    match (event.as_str(), id) {
        ("mono.events.reauthorisation_required", Some(id)) => {
            let sim_url = app.sim_url.lock().unwrap().clone();
            let answer: Value = reqwest::Client::new()
                .post(format!("{sim_url}/accounts/{id}/reauthorise"))
                .header("mono-sec-key", DEFAULT_SECRET_KEY)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = answer["token"].as_str().map(str::to_string);
            app.rows.lock().unwrap().insert(
                id,
                Row {
                    reauth_required: true,
                    reauth_code: token,
                },
            );
        }
        ("mono.events.account_reauthorized", Some(id)) => {
            app.rows.lock().unwrap().insert(id, Row::default());
        }
        _ => {}
    }
    StatusCode::OK
}

/// Links an account and lets its data arrive, so later events are not queued behind the
/// `account_updated` that announces it (events for one account are delivered in order).
async fn link_ready(live: &Live, spec: Value) -> String {
    let id = live.link(spec).await;
    live.advance("1s").await;
    id
}

async fn setup() -> (Live, Integrator) {
    let (integrator, url) = Integrator::start().await;
    let live = Live::start(vec![url]).await;
    *integrator.sim_url.lock().unwrap() = live.url.clone();
    (live, integrator)
}

const CONNECTED: &str = "mono.events.account_connected";
const UPDATED: &str = "mono.events.account_updated";
const REAUTH_REQUIRED: &str = "mono.events.reauthorisation_required";
const REAUTHORIZED: &str = "mono.events.account_reauthorized";

#[tokio::test]
async fn the_data_sync_guide_flow_end_to_end() {
    let (live, app) = setup().await;
    let id = live
        .link(json!({"institution": "gtbank", "mfa": "otp"}))
        .await;
    live.idle().await;
    assert_eq!(app.events(), [CONNECTED], "data is not in yet");
    let (_, details) = live.api("GET", &format!("/v2/accounts/{id}")).await;
    assert_eq!(details["data"]["meta"]["data_status"], "PROCESSING");

    live.advance("1s").await;
    assert_eq!(app.events(), [CONNECTED, UPDATED]);
    let (_, details) = live.api("GET", &format!("/v2/accounts/{id}")).await;
    assert_eq!(details["data"]["meta"]["data_status"], "AVAILABLE");

    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.idle().await;
    assert_eq!(app.events(), [CONNECTED, UPDATED, REAUTH_REQUIRED]);
    let row = app.row(&id);
    assert!(row.reauth_required);
    let state = live
        .control("GET", &format!("/accounts/{id}"), json!({}))
        .await;
    assert_eq!(
        row.reauth_code.as_deref(),
        state["token"]["value"].as_str(),
        "the receiver stored the token it fetched"
    );
    let requests = live
        .control("GET", &format!("/requests?account={id}"), json!({}))
        .await;
    let calls: Vec<String> = requests["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["method"],
                r["path"].as_str().unwrap(),
                r["status"]
            )
        })
        .collect();
    assert!(
        calls.contains(&format!("\"POST\" /accounts/{id}/reauthorise 200")),
        "{calls:?}"
    );

    let result = live
        .control(
            "POST",
            &format!("/accounts/{id}/reauth"),
            json!({"mfa": "correct"}),
        )
        .await;
    assert_eq!(result["result"]["outcome"], "reauthorised");
    live.idle().await;
    assert_eq!(app.events().last().map(String::as_str), Some(REAUTHORIZED));
    assert_eq!(app.row(&id), Row::default(), "the flag is cleared");

    live.advance("1s").await;
    assert_eq!(
        app.events(),
        [CONNECTED, UPDATED, REAUTH_REQUIRED, REAUTHORIZED, UPDATED]
    );
    let deliveries = live.deliveries().await;
    let last = deliveries.last().unwrap();
    assert_eq!(last["event"], UPDATED);
    assert_eq!(last["outcome"], "delivered");
}

async fn reauth(live: &Live, id: &str, body: Value) -> (StatusCode, Value) {
    live.control_raw("POST", &format!("/accounts/{id}/reauth"), body)
        .await
}

#[tokio::test]
async fn a_wrong_mfa_answer_fires_nothing_and_the_token_still_works() {
    let (live, app) = setup().await;
    let id = link_ready(&live, json!({"institution": "gtbank"})).await;
    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.idle().await;
    let before = app.events().len();

    let (status, wrong) = reauth(&live, &id, json!({"mfa": "wrong"})).await;
    assert_eq!(status, 200);
    assert_eq!(wrong["result"]["outcome"], "wrong_answer");
    live.idle().await;
    assert_eq!(app.events().len(), before, "no webhook for a wrong answer");
    assert!(app.row(&id).reauth_required);

    let (_, right) = reauth(&live, &id, json!({"mfa": "correct"})).await;
    assert_eq!(right["result"]["outcome"], "reauthorised");
    live.idle().await;
    assert_eq!(app.events().last().map(String::as_str), Some(REAUTHORIZED));
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_fresh_one_works() {
    let (live, app) = setup().await;
    let id = link_ready(&live, json!({"institution": "zenith"})).await;
    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.idle().await;
    live.advance("10m").await;
    let before = app.events().len();

    let (status, answer) = reauth(&live, &id, json!({"mfa": "correct"})).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("has expired"),
        "{answer}"
    );
    live.idle().await;
    assert_eq!(
        app.events().len(),
        before,
        "no webhook for an expired token"
    );

    let (status, fresh) = live
        .api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    assert_eq!(status, 200);
    let token = fresh["token"].as_str().unwrap();
    assert_eq!(token.len(), 20);
    let (_, answer) = reauth(&live, &id, json!({"mfa": "correct", "token": token})).await;
    assert_eq!(answer["result"]["outcome"], "reauthorised");
}

#[tokio::test]
async fn expired_can_also_be_chosen_as_the_outcome() {
    let (live, _) = setup().await;
    let id = live.link(json!({"institution": "zenith"})).await;
    live.api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    let (status, answer) = reauth(&live, &id, json!({"mfa": "expired"})).await;
    assert_eq!(status, 400);
    assert!(answer["message"].as_str().unwrap().contains("has expired"));
}

#[tokio::test]
async fn tokens_are_single_use_and_only_the_newest_works() {
    let (live, _) = setup().await;
    let id = live.link(json!({"institution": "gtbank"})).await;
    let (_, first) = live
        .api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    let (_, second) = live
        .api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    let (first, second) = (
        first["token"].as_str().unwrap(),
        second["token"].as_str().unwrap(),
    );
    assert_ne!(first, second);

    let (status, answer) = reauth(&live, &id, json!({"mfa": "correct", "token": first})).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("replaced by a newer one"),
        "{answer}"
    );

    let (status, _) = reauth(&live, &id, json!({"mfa": "correct", "token": second})).await;
    assert_eq!(status, 200);
    let (status, answer) = reauth(&live, &id, json!({"mfa": "correct", "token": second})).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("already used"),
        "{answer}"
    );

    let (status, answer) = reauth(
        &live,
        &id,
        json!({"mfa": "correct", "token": "NoSuchTokenAtAll0000"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("was ever issued"),
        "{answer}"
    );
}

#[tokio::test]
async fn accounts_without_mfa_cannot_be_reauthorised() {
    let (live, _) = setup().await;
    let id = live
        .link(json!({"institution": "kuda", "mfa": "none"}))
        .await;
    let (status, answer) = live
        .api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer,
        json!({"message": "This account can not be re-authorised."})
    );
    let (status, _) = live
        .control_raw("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn v2_initiate_issues_a_reauth_session_on_the_simulator() {
    let (live, _) = setup().await;
    let id = live.link(json!({"institution": "gtbank"})).await;
    let (_, response) = live
        .api_json("POST", "/v2/accounts/initiate", Some(json!({"meta": {"ref": "my-ref"}, "scope": "reauth", "account": id, "redirect_url": "https://example.com/done"})))
        .await;
    let data = &response["data"];
    assert_eq!(response["status"], "successful");
    assert_eq!(data["scope"], "reauth");
    assert_eq!(data["meta"]["ref"], "my-ref");
    let mono_url = data["mono_url"].as_str().unwrap();
    assert!(
        mono_url.starts_with(&format!("{}/link/", live.url)),
        "{mono_url}"
    );
    let path = mono_url.split('?').next().unwrap();
    assert!(
        mono_url.ends_with("?redirect_url=https%3A%2F%2Fexample.com%2Fdone"),
        "{mono_url}"
    );
    let token = path.rsplit('/').next().unwrap();
    let (status, _) = reauth(&live, &id, json!({"mfa": "correct", "token": token})).await;
    assert_eq!(status, 200);
}

async fn sync(live: &Live, id: &str, query: &str) -> (StatusCode, Value) {
    live.api("POST", &format!("/accounts/{id}/sync{query}"))
        .await
}

#[tokio::test]
async fn manual_sync_answers_mono_codes_and_is_rate_limited() {
    let (live, app) = setup().await;
    // 2,000 transactions a year: one every 4.4 hours, so 23 hours (before the first
    // automatic sync at 24 h) bring new ones.
    let id = link_ready(
        &live,
        json!({"institution": "gtbank", "transactions": 2000}),
    )
    .await;
    live.advance("23h").await;
    let (status, ok) = sync(&live, &id, "").await;
    assert_eq!(status, 200);
    assert_eq!(ok["code"], "SYNC_SUCCESSFUL");
    assert_eq!(ok["status"], "successful");
    assert_eq!(
        ok["hasNewData"], true,
        "a month passed, so there are new transactions"
    );
    assert_eq!(ok["message"], Value::Null);

    let (status, limited) = sync(&live, &id, "").await;
    assert_eq!(status, 429);
    assert!(
        limited["message"]
            .as_str()
            .unwrap()
            .contains("once every 2 minutes"),
        "{limited}"
    );

    live.advance("2m").await;
    live.fault(json!({"kind": "sync_code", "code": "SYNC_ERROR", "account": id}))
        .await;
    let (_, error) = sync(&live, &id, "").await;
    assert_eq!(
        (error["status"].as_str(), error["code"].as_str()),
        (Some("failed"), Some("SYNC_ERROR"))
    );

    live.advance("2m").await;
    live.fault(json!({"kind": "sync_code", "code": "INCOMPLETE_STATEMENT_ERROR", "account": id, "count": 2})).await;
    let (_, incomplete) = sync(&live, &id, "").await;
    assert_eq!(incomplete["code"], "INCOMPLETE_STATEMENT_ERROR");
    live.advance("2m").await;
    let (_, accepted) = sync(&live, &id, "?allow_incomplete_statement=true").await;
    assert_eq!(accepted["code"], "SYNC_SUCCESSFUL");

    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.idle().await;
    let before = app
        .events()
        .iter()
        .filter(|e| *e == REAUTH_REQUIRED)
        .count();
    live.advance("2m").await;
    let (_, reauth) = sync(&live, &id, "").await;
    assert_eq!(reauth["code"], "REAUTHORISATION_REQUIRED");
    assert_eq!(reauth["status"], "failed");
    live.idle().await;
    let after = app
        .events()
        .iter()
        .filter(|e| *e == REAUTH_REQUIRED)
        .count();
    assert_eq!(after, before + 1, "the sync also fires the webhook");
}

#[tokio::test]
async fn automatic_syncs_update_or_ask_for_reauthorisation() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = live
        .link(json!({"institution": "gtbank", "sync_every_hours": 6, "transactions": 365}))
        .await;
    live.advance("1s").await;
    let linked = receiver.all().len();

    live.advance("6h").await;
    let after_sync = receiver.all();
    assert_eq!(after_sync.len(), linked + 1);
    let update = after_sync.last().unwrap();
    assert_eq!(update.event(), UPDATED);
    assert_eq!(update.body["data"]["meta"]["sync_status"], "SUCCESSFUL");

    live.fault(json!({"kind": "sync_code", "code": "SYNC_ERROR", "account": id}))
        .await;
    live.advance("6h").await;
    assert_eq!(
        receiver.events().last().map(String::as_str),
        Some("mono.events.sync_failed")
    );

    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.advance("6h").await;
    let events = receiver.events();
    assert_eq!(
        &events[events.len() - 2..],
        [REAUTH_REQUIRED, REAUTH_REQUIRED],
        "expiry, then the failed automatic sync"
    );
}

#[tokio::test]
async fn unlinking_fires_account_unlinked_and_the_api_forgets_the_account() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = link_ready(&live, json!({"institution": "gtbank"})).await;
    let (status, _) = live.api("POST", &format!("/v2/accounts/{id}/unlink")).await;
    assert_eq!(status, 200);
    live.idle().await;
    let unlinked = receiver
        .all()
        .into_iter()
        .find(|r| r.event() == "mono.events.account_unlinked")
        .unwrap();
    assert_eq!(
        unlinked.body["data"]["account"],
        json!({"id": id, "_id": id})
    );
    assert_eq!(live.api("GET", &format!("/v2/accounts/{id}")).await.0, 404);
    assert_eq!(
        live.api("POST", &format!("/accounts/{id}/reauthorise"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn any_event_can_be_fired_with_overrides() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = live
        .link(json!({"institution": "gtbank", "data_delay": "0s"}))
        .await;
    live.idle().await;
    let fired = live
        .control(
            "POST",
            "/events",
            json!({"event": "mono.events.account_updated", "account": id, "set": {"data.meta.data_status": "FAILED", "data.extra": 7}}),
        )
        .await;
    let future = live
        .control(
            "POST",
            "/events",
            json!({"event": "mono.events.some_future_event", "account": id}),
        )
        .await;
    live.idle().await;
    let all = receiver.all();
    let updated = all
        .iter()
        .find(|r| r.event_id() == fired["event_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(updated.body["data"]["meta"]["data_status"], "FAILED");
    assert_eq!(updated.body["data"]["extra"], 7);
    let unknown = all
        .iter()
        .find(|r| r.event_id() == future["event_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(unknown.body["data"], json!({"account": {"_id": id}}));

    let (status, bad) = live
        .control_raw(
            "POST",
            "/events",
            json!({"event": "mono.events.account_updated", "account": id, "set": {"event.x": 1}}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        bad["message"].as_str().unwrap().contains("event.x"),
        "{bad}"
    );
}

#[tokio::test]
async fn relinking_does_not_double_the_automatic_syncs() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = link_ready(&live, json!({"institution": "kuda", "mfa": "none"})).await;
    live.control("POST", &format!("/accounts/{id}/unlink"), json!({}))
        .await;
    live.control(
        "POST",
        &format!("/accounts/{id}/link"),
        json!({"data_delay": "0s"}),
    )
    .await;
    live.idle().await;
    let before = receiver.events().len();
    live.advance("24h").await;
    let synced: Vec<String> = receiver.events()[before..].to_vec();
    assert_eq!(
        synced,
        [UPDATED],
        "one automatic sync a day, not one per link ever made"
    );
}

#[tokio::test]
async fn seeded_accounts_sync_daily_and_a_relinked_one_only_on_its_new_cycle() {
    // The seeded accounts' first automatic syncs share one scheduler entry; a member
    // relinked since must drop out of it (its new link has its own cycle), and an unlinked
    // one must not sync at all.
    let receiver = Receiver::ok().await;
    let live = Live::start_with(SimulatorConfig {
        webhook_urls: vec![receiver.url.clone()],
        random_accounts: 3,
        ..Live::config()
    })
    .await;
    let ids: Vec<String> = live
        .simulator
        .world()
        .ids()
        .iter()
        .map(ToString::to_string)
        .collect();
    let (relinked, unlinked, untouched) = (&ids[0], &ids[1], &ids[2]);
    live.control("POST", &format!("/accounts/{relinked}/unlink"), json!({}))
        .await;
    live.control(
        "POST",
        &format!("/accounts/{relinked}/link"),
        json!({"data_delay": "0s"}),
    )
    .await;
    live.control("POST", &format!("/accounts/{unlinked}/unlink"), json!({}))
        .await;
    live.idle().await;
    let before = receiver.all().len();

    // Midnight (the seeded accounts' cycle) and 09:00 (the relink's) both pass.
    live.advance("24h").await;
    let syncs_of = |id: &str| {
        receiver.all()[before..]
            .iter()
            .filter(|r| r.event() == UPDATED && r.body.to_string().contains(id))
            .count()
    };
    assert_eq!(syncs_of(untouched), 1, "one automatic sync a day");
    assert_eq!(
        syncs_of(relinked),
        1,
        "its new cycle only, not the seeded one too"
    );
    assert_eq!(syncs_of(unlinked), 0, "an unlinked account does not sync");
}

#[tokio::test]
async fn the_control_api_says_when_an_account_is_not_linked() {
    let live = Live::start(vec![]).await;
    let pending = live
        .control("POST", "/accounts", json!({"link": false}))
        .await;
    let id = pending["id"].as_str().unwrap();
    assert_eq!(pending["stage"], "pending");
    let (status, answer) = live
        .control_raw("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    assert_eq!(status, 409);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("is not linked; link it with POST /_sim/accounts/"),
        "{answer}"
    );
    assert_eq!(
        live.api("GET", &format!("/v2/accounts/{id}")).await.0,
        404,
        "Mono's API does not see it"
    );
}

#[tokio::test]
async fn a_balance_changed_at_the_bank_shows_from_monos_next_retrieval() {
    let (live, _) = setup().await;
    let id = link_ready(
        &live,
        json!({"institution": "gtbank", "mfa": "otp", "balance": 100_000}),
    )
    .await;
    let sim = live.simulator.sim();
    let parsed = id.parse().unwrap();
    sim.world.set_bank_balance(&parsed, 250_000).unwrap();
    let balance = |v: Value| v["data"]["balance"].clone();
    let (_, before) = live.api("GET", &format!("/v2/accounts/{id}/balance")).await;
    assert_eq!(balance(before), 100_000, "Mono has not fetched it yet");

    // The bank session expires; the user re-authorises and Mono fetches the data again.
    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.idle().await;
    let token = sim.issue_token(&parsed).unwrap().value;
    sim.reauthorise(&token, monosim_simulator::lifecycle::MfaAnswer::Correct)
        .unwrap();
    let (_, after) = live.api("GET", &format!("/v2/accounts/{id}/balance")).await;
    assert_eq!(balance(after), 250_000);
    live.advance("1s").await;
    let updated = live.deliveries().await;
    let last = updated.last().unwrap();
    assert_eq!(last["event"], UPDATED);
    assert!(
        sim.world.set_bank_balance(&parsed, i64::MAX).is_err(),
        "beyond what the simulator models"
    );
}

#[tokio::test]
async fn a_reauthorisation_can_end_with_partial_data_and_the_account_shows_its_balance_while_processing(
) {
    let (live, _) = setup().await;
    let id = live
        .link(json!({"institution": "gtbank", "mfa": "otp", "balance": 4_200_000}))
        .await;
    // While the data is PROCESSING the account object already shows the balance read at
    // login; the rest (identity here) is not there yet.
    let (_, details) = live.api("GET", &format!("/accounts/{id}")).await;
    assert_eq!(details["meta"]["data_status"], "PROCESSING");
    assert_eq!(details["account"]["balance"], 4_200_000);
    let (status, _) = live.api("GET", &format!("/accounts/{id}/identity")).await;
    assert_eq!(status, 404);
    live.advance("1s").await;

    let sim = live.simulator.sim();
    let parsed = id.parse().unwrap();
    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    let token = sim.issue_token(&parsed).unwrap().value;
    sim.reauthorise_with(
        &token,
        monosim_simulator::lifecycle::MfaAnswer::Correct,
        Some(monosim_simulator::world::DataStatus::Partial),
    )
    .unwrap();
    live.advance("1s").await;
    let (_, details) = live.api("GET", &format!("/v2/accounts/{id}")).await;
    assert_eq!(details["data"]["meta"]["data_status"], "PARTIAL");
    assert_eq!(
        details["data"]["meta"]["retrieved_data"],
        json!(["identity", "balance"])
    );
    let updated = live.deliveries().await;
    let last = updated.last().unwrap();
    assert_eq!(
        last["event"], UPDATED,
        "the account_updated after re-authorising"
    );
}
