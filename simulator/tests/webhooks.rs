//! The dispatcher over real HTTP on virtual time: Mono's headers and bodies, retries on the
//! documented schedule with one `event_id`, per-account ordering, every fault as the
//! receiver sees it, and no delivery lost under random failures.

mod live;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use live::{Live, Receiver};
use monosim_simulator::clock::{Timestamp, HOUR, MINUTE, SECOND};
use monosim_simulator::lifecycle::{Emit, LinkOptions};
use monosim_simulator::world::AccountSpec;
use monosim_simulator::{Dialect, SimulatorConfig, DEFAULT_WEBHOOK_SECRET};
use serde_json::{json, Value};

const UPDATED: &str = "mono.events.account_updated";

fn millis(value: &Value) -> i64 {
    Timestamp::parse_rfc3339(value.as_str().unwrap())
        .unwrap()
        .millis()
}

/// Links an account whose data is in at once, and waits for its two webhooks.
async fn quiet_account(live: &Live, spec: Value) -> String {
    let mut spec = spec;
    spec["data_delay"] = json!("0s");
    let id = live.link(spec).await;
    live.idle().await;
    id
}

async fn fire(live: &Live, event: &str, account: &str) -> String {
    let fired = live
        .control(
            "POST",
            "/events",
            json!({"event": event, "account": account}),
        )
        .await;
    fired["event_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn webhooks_carry_mono_headers_and_body() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({"institution": "gtbank"})).await;
    let all = receiver.all();
    let connected = &all[0];
    assert_eq!(connected.secret(), Some(DEFAULT_WEBHOOK_SECRET));
    assert_eq!(connected.headers["content-type"], "application/json");
    assert_eq!(connected.event(), "mono.events.account_connected");
    assert_eq!(connected.body["data"]["id"], id.as_str());
    assert_eq!(connected.body["data"]["meta"]["data_status"], "PROCESSING");
    assert_eq!(connected.event_id().len(), 24);
    assert_eq!(connected.body["timestamp"], "2026-01-15T09:00:00.000Z");
    let updated = &all[1];
    assert_eq!(updated.event(), UPDATED);
    assert_eq!(updated.body["data"]["meta"]["data_status"], "AVAILABLE");
    assert_eq!(updated.body["data"]["account"]["_id"], id.as_str());
    assert_eq!(
        updated.body["data"]["account"]["institution"]["bankCode"],
        "058"
    );
}

#[tokio::test]
async fn the_legacy_dialect_sends_the_2021_shapes() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({"institution": "gtbank", "dialect": "legacy"})).await;
    let connected = &receiver.all()[0];
    assert_eq!(
        connected.body,
        json!({"event": "mono.events.account_connected", "data": {"id": id}})
    );
    let updated = &receiver.all()[1];
    assert!(updated.body.get("event_id").is_none());
    assert!(updated.body["data"]["meta"].get("retrieved_data").is_none());
}

/// Issue 13: the current `account_updated` page
/// (<https://docs.mono.co/docs/financial-data/account-update>, March 2026) shows
/// `data.account.authMethod` beside `data.meta.auth_method`; the 2021 page the legacy
/// dialect follows (<https://docs.mono.co/docs/balancetransaction>) has no such field.
#[tokio::test]
async fn account_updated_names_the_auth_method_inside_the_account_in_the_current_dialect() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    quiet_account(&live, json!({"institution": "gtbank"})).await;
    quiet_account(&live, json!({"institution": "gtbank", "dialect": "legacy"})).await;
    let updated: Vec<_> = receiver
        .all()
        .into_iter()
        .filter(|w| w.event() == UPDATED)
        .collect();
    assert_eq!(updated.len(), 2);
    let (current, legacy) = (&updated[0].body["data"], &updated[1].body["data"]);
    let method = current["meta"]["auth_method"].as_str().unwrap();
    assert!(["internet_banking", "mobile_banking"].contains(&method));
    assert_eq!(current["account"]["authMethod"], method);
    assert!(legacy["account"].get("authMethod").is_none());
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_four_attempts_on_the_documented_gaps() {
    let receiver = Receiver::start(|r, _| if r.event() == UPDATED { 500 } else { 200 }).await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({"institution": "kuda"})).await;
    // From now on the receiver fails the next three account_updated, then accepts.
    let failures = Arc::new(AtomicUsize::new(0));
    let receiver2 = {
        let failures = failures.clone();
        Receiver::start(move |_, _| {
            if failures.fetch_add(1, Ordering::SeqCst) < 3 {
                500
            } else {
                200
            }
        })
        .await
    };
    live.control("PUT", "/webhooks", json!({"urls": [receiver2.url]}))
        .await;
    let event_id = fire(&live, UPDATED, &id).await;
    live.idle().await;
    live.advance("10m").await;

    let attempts: Vec<Value> = live
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d["event_id"] == event_id.as_str())
        .collect();
    assert_eq!(attempts.len(), 4);
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "failed", "failed", "delivered"]);
    let statuses: Vec<u64> = attempts
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 500, 200]);
    let times: Vec<i64> = attempts.iter().map(|a| millis(&a["sent_at"])).collect();
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [30 * SECOND, MINUTE, 2 * MINUTE]);
    let seen = receiver2.all();
    assert_eq!(seen.len(), 4);
    let ids: HashSet<&str> = seen.iter().map(|r| r.event_id()).collect();
    assert_eq!(
        ids,
        HashSet::from([event_id.as_str()]),
        "one event_id on every retry"
    );
}

#[tokio::test]
async fn a_receiver_that_never_answers_2xx_gets_25_attempts_over_about_two_days() {
    let receiver = Receiver::start(|_, _| 503).await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = live
        .link(json!({"institution": "kuda", "data_delay": "0s"}))
        .await;
    live.idle().await;
    live.advance("3d").await;
    let attempts: Vec<Value> = live
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d["event"] == "mono.events.account_connected")
        .collect();
    assert_eq!(attempts.len(), 25);
    assert!(attempts[..24].iter().all(|a| a["outcome"] == "failed"));
    assert_eq!(attempts[24]["outcome"], "gave_up");
    let span = millis(&attempts[24]["sent_at"]) - millis(&attempts[0]["sent_at"]);
    assert_eq!(
        span,
        15_330 * SECOND + 15 * 3 * HOUR,
        "49 h 15 m: see webhooks/retry.rs"
    );
    // The account's next event waited on its lane until the first gave up.
    let log = live.deliveries().await;
    let first_updated = log
        .iter()
        .find(|d| d["event"] == UPDATED && d["account"] == id.as_str())
        .unwrap();
    assert_eq!(first_updated["attempt"], 1);
    assert_eq!(first_updated["sent_at"], attempts[24]["sent_at"]);
    assert_eq!(
        receiver.all().len(),
        log.len(),
        "the receiver saw every attempt in the log"
    );
}

#[tokio::test]
async fn events_for_one_account_wait_for_the_earlier_ones_but_other_accounts_do_not() {
    let receiver = Receiver::start(|r, _| {
        if r.body["data"]["marker"] == "first" {
            500
        } else {
            200
        }
    })
    .await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let ada = quiet_account(&live, json!({"institution": "gtbank"})).await;
    let bola = quiet_account(&live, json!({"institution": "kuda"})).await;
    let first = live
        .control(
            "POST",
            "/events",
            json!({"event": UPDATED, "account": ada, "set": {"data.marker": "first"}}),
        )
        .await["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = fire(&live, "mono.events.sync_failed", &ada).await;
    let other = fire(&live, UPDATED, &bola).await;
    live.idle().await;
    let seen: Vec<String> = receiver
        .all()
        .iter()
        .map(|r| r.event_id().to_string())
        .collect();
    assert!(seen.contains(&other), "another account is not held up");
    assert!(
        !seen.contains(&second),
        "ada's second event waits behind her failing first"
    );

    live.advance("3d").await;
    let seen: Vec<String> = receiver
        .all()
        .iter()
        .map(|r| r.event_id().to_string())
        .collect();
    let last_first = seen.iter().rposition(|e| *e == first).unwrap();
    let second_at = seen.iter().position(|e| *e == second).unwrap();
    assert!(
        second_at > last_first,
        "the second event went out only after the first gave up"
    );
}

#[tokio::test]
async fn fault_duplicate_delivers_the_same_event_id_twice() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({})).await;
    live.fault(json!({"kind": "duplicate", "account": id, "event": UPDATED}))
        .await;
    let event_id = fire(&live, UPDATED, &id).await;
    live.idle().await;
    let copies: Vec<_> = receiver
        .all()
        .into_iter()
        .filter(|r| r.event_id() == event_id)
        .collect();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0].body, copies[1].body);
    let fired_again = fire(&live, UPDATED, &id).await;
    live.idle().await;
    assert_eq!(
        receiver
            .all()
            .iter()
            .filter(|r| r.event_id() == fired_again)
            .count(),
        1,
        "used up"
    );
}

#[tokio::test]
async fn fault_reorder_lets_a_later_event_arrive_first() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({"institution": "gtbank"})).await;
    live.fault(json!({"kind": "reorder", "event": UPDATED, "by": "5s"}))
        .await;
    let updated = fire(&live, UPDATED, &id).await;
    let reauthorized = fire(&live, "mono.events.account_reauthorized", &id).await;
    live.idle().await;
    live.advance("5s").await;
    let order: Vec<String> = receiver
        .all()
        .iter()
        .skip(2)
        .map(|r| r.event_id().to_string())
        .collect();
    assert_eq!(order, [reauthorized, updated]);
}

#[tokio::test]
async fn fault_delay_holds_the_event_and_those_behind_it() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({})).await;
    live.fault(json!({"kind": "delay", "by": "2m"})).await;
    let held = fire(&live, UPDATED, &id).await;
    let behind = fire(&live, "mono.events.sync_failed", &id).await;
    live.idle().await;
    assert_eq!(receiver.all().len(), 2, "nothing new before 2 minutes");
    live.advance("2m").await;
    let order: Vec<String> = receiver
        .all()
        .iter()
        .skip(2)
        .map(|r| r.event_id().to_string())
        .collect();
    assert_eq!(order, [held, behind]);
    let sent = live.deliveries().await;
    assert_eq!(
        millis(&sent[2]["sent_at"]) - millis(&sent[1]["sent_at"]),
        2 * MINUTE
    );
}

#[tokio::test]
async fn fault_drop_attempt_skips_one_attempt_which_is_retried() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({})).await;
    live.fault(json!({"kind": "drop_attempt", "account": id}))
        .await;
    let event_id = fire(&live, UPDATED, &id).await;
    live.idle().await;
    assert!(
        receiver.all().iter().all(|r| r.event_id() != event_id),
        "the first attempt was dropped"
    );
    live.advance("30s").await;
    assert_eq!(
        receiver
            .all()
            .iter()
            .filter(|r| r.event_id() == event_id)
            .count(),
        1
    );
    let log: Vec<Value> = live
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d["event_id"] == event_id.as_str())
        .collect();
    let outcomes: Vec<&str> = log.iter().map(|d| d["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["dropped", "delivered"]);
}

#[tokio::test]
async fn fault_wrong_or_missing_secret_is_what_the_receiver_sees() {
    // A receiver that checks the secret, as the guide says every receiver must.
    let receiver = Receiver::start(|r, _| {
        if r.secret() == Some(DEFAULT_WEBHOOK_SECRET) {
            200
        } else {
            401
        }
    })
    .await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({})).await;
    live.fault(json!({"kind": "wrong_secret", "account": id}))
        .await;
    let wrong = fire(&live, UPDATED, &id).await;
    live.idle().await;
    live.fault(json!({"kind": "missing_secret", "account": id}))
        .await;
    let missing = fire(&live, UPDATED, &id).await;
    // The first attempt of `wrong` was refused: it retries (still with the wrong secret)
    // and `missing` waits behind it. Run both schedules out.
    live.advance("3d").await;
    let all = receiver.all();
    let wrong_seen: Vec<_> = all.iter().filter(|r| r.event_id() == wrong).collect();
    assert!(!wrong_seen.is_empty());
    assert!(wrong_seen
        .iter()
        .all(|r| r.secret().is_some() && r.secret() != Some(DEFAULT_WEBHOOK_SECRET)));
    let missing_seen: Vec<_> = all.iter().filter(|r| r.event_id() == missing).collect();
    assert!(!missing_seen.is_empty());
    assert!(missing_seen.iter().all(|r| r.secret().is_none()));
    let log = live.deliveries().await;
    let first_wrong = log
        .iter()
        .find(|d| d["event_id"] == wrong.as_str())
        .unwrap();
    assert_eq!(
        (
            first_wrong["status"].as_u64(),
            first_wrong["secret"].as_str()
        ),
        (Some(401), Some("wrong"))
    );
}

/// The control API and the CLI refuse such a secret; a program embedding the simulator can
/// still set one. The attempt then fails with the reason, as any unsendable request does,
/// and the lane goes on: nothing panics, nothing is stuck.
#[tokio::test]
async fn a_secret_that_cannot_be_a_header_fails_the_attempt_in_words() {
    let receiver = Receiver::ok().await;
    let live = Live::start_with(SimulatorConfig {
        webhook_urls: vec![receiver.url.clone()],
        webhook_secret: "line one\nline two".to_string(),
        ..Live::config()
    })
    .await;
    live.link(json!({"institution": "gtbank", "data_delay": "0s"}))
        .await;
    live.idle().await;
    let deliveries = live.deliveries().await;
    assert!(!deliveries.is_empty());
    for attempt in &deliveries {
        assert_eq!(attempt["outcome"], "failed", "{attempt}");
        assert!(
            attempt["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("request failed: ")),
            "{attempt}"
        );
    }
    assert!(receiver.all().is_empty(), "nothing reached the receiver");
}

#[tokio::test]
async fn fault_other_dialect_sends_the_other_shape() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let id = quiet_account(&live, json!({})).await;
    live.fault(json!({"kind": "other_dialect", "event": "mono.events.account_reauthorized"}))
        .await;
    fire(&live, "mono.events.account_reauthorized", &id).await;
    live.idle().await;
    let legacy = receiver.all().pop().unwrap();
    assert_eq!(
        legacy.body,
        json!({"event": "mono.events.account_reauthorized", "data": {"account": {"_id": id}}})
    );
}

#[tokio::test]
async fn api_faults_make_reauthorise_fail_then_recover() {
    let live = Live::start(vec![]).await;
    let id = quiet_account(&live, json!({"institution": "gtbank"})).await;
    live.fault(json!({"kind": "status", "status": 500, "endpoint": "reauthorise", "count": 2}))
        .await;
    live.fault(json!({"kind": "status", "status": 429, "endpoint": "reauthorise"}))
        .await;
    live.fault(json!({"kind": "hang", "for": "50ms", "endpoint": "reauthorise"}))
        .await;
    let path = format!("/accounts/{id}/reauthorise");
    let statuses = [
        live.api("POST", &path).await.0.as_u16(),
        live.api("POST", &path).await.0.as_u16(),
        live.api("POST", &path).await.0.as_u16(),
        live.api("POST", &path).await.0.as_u16(),
    ];
    assert_eq!(statuses, [500, 500, 429, 504]);
    let (status, token) = live.api("POST", &path).await;
    assert_eq!(status, 200);
    assert_eq!(token["token"].as_str().unwrap().len(), 20);
}

#[tokio::test]
async fn control_api_refuses_bad_faults_naming_the_field() {
    let live = Live::start(vec![]).await;
    for (rule, expected) in [
        (json!({"kind": "explode"}), "unknown variant `explode`"),
        (
            json!({"kind": "duplicate", "acount": "x"}),
            "unknown field `acount`",
        ),
        (
            json!({"kind": "status", "status": 500}),
            "`endpoint` is required",
        ),
        (json!({"kind": "delay", "by": "soon"}), "not a duration"),
        (
            json!({"kind": "duplicate", "count": 0}),
            "`count` must be at least 1",
        ),
    ] {
        let (status, answer) = live.control_raw("POST", "/faults", rule.clone()).await;
        assert_eq!(status, 400, "{rule}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(expected), "{rule}: {message}");
    }
}

/// 10,000 events over 100 accounts at a receiver that fails 30 % of attempts at random
/// (seeded): every event is delivered exactly once as far as the log is concerned, and the
/// receiver's accepted set is exactly the fired set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_delivery_is_lost_when_the_receiver_fails_30_percent_of_attempts() {
    let receiver = Receiver::start(|r, n| {
        // A deterministic coin per (event, arrival number).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in r.event_id().bytes().chain(n.to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        if h % 100 < 30 {
            500
        } else {
            200
        }
    })
    .await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let sim = live.simulator.sim().clone();
    let mut accounts = Vec::new();
    for _ in 0..100 {
        let id = sim
            .create_account(
                AccountSpec {
                    dialect: Some(Dialect::Current),
                    ..AccountSpec::default()
                },
                Some(LinkOptions {
                    data_status: None,
                    data_delay: Some(0),
                }),
            )
            .unwrap();
        accounts.push(sim.world.account(&id).unwrap());
    }
    let mut fired = HashSet::new();
    for i in 0..10_000 {
        let account = &accounts[i % accounts.len()];
        fired.insert(sim.emit(UPDATED, account, Emit::default()).unwrap());
    }
    // Retries are on virtual time: step through them until every delivery is settled.
    for _ in 0..200 {
        live.idle().await;
        if sim.webhooks.unfinished() == 0 {
            break;
        }
        live.advance("1h").await;
    }
    assert_eq!(sim.webhooks.unfinished(), 0, "every delivery settled");

    let log = live.deliveries().await;
    let mut delivered: HashMap<String, usize> = HashMap::new();
    let ours = |r: &&Value| fired.contains(r["event_id"].as_str().unwrap());
    for record in log.iter().filter(ours) {
        if record["outcome"] == "delivered" {
            *delivered
                .entry(record["event_id"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        assert_ne!(record["outcome"], "gave_up", "{record}");
    }
    assert_eq!(delivered.len(), 10_000);
    assert!(
        delivered.values().all(|n| *n == 1),
        "each event delivered exactly once"
    );
    assert_eq!(delivered.keys().cloned().collect::<HashSet<_>>(), fired);

    let accepted: HashSet<String> = {
        let all = receiver.all();
        let log_failed: usize = log
            .iter()
            .filter(ours)
            .filter(|r| r["outcome"] == "failed")
            .count();
        let updated: Vec<_> = all
            .iter()
            .filter(|r| fired.contains(r.event_id()))
            .collect();
        assert_eq!(
            updated.len(),
            10_000 + log_failed,
            "the receiver saw exactly the attempts the log lists"
        );
        updated.iter().map(|r| r.event_id().to_string()).collect()
    };
    assert_eq!(accepted, fired);
    assert!(
        log.len() < 100_000,
        "the whole run fits in the delivery log"
    );
    let failed_share =
        log.iter().filter(|r| r["outcome"] == "failed").count() as f64 / log.len() as f64;
    assert!(
        (0.2..0.4).contains(&failed_share),
        "about 30 % of attempts failed: {failed_share}"
    );
}
