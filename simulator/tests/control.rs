//! The control API refuses bad requests with a 400 that names the field, and its reads
//! (state, clock, account) answer what a test suite needs.

mod live;

use live::{Live, Receiver};
use serde_json::json;

#[tokio::test]
async fn bad_control_requests_are_400s_naming_the_field() {
    let live = Live::start(vec![]).await;
    let id = live.link(json!({"institution": "gtbank"})).await;
    let cases = [
        (
            "POST",
            "/accounts".to_string(),
            json!({"institution": "narnia"}),
            "unknown `narnia`",
        ),
        (
            "POST",
            "/accounts".to_string(),
            json!({"balanse": 5}),
            "unknown field `balanse`",
        ),
        (
            "POST",
            "/accounts".to_string(),
            json!({"mfa": "sms"}),
            "unknown variant `sms`",
        ),
        (
            "POST",
            "/accounts".to_string(),
            json!({"data_delay": "later"}),
            "Invalid `data_delay`",
        ),
        (
            "POST",
            "/accounts".to_string(),
            json!({"dialect": "2019"}),
            "Invalid `dialect`",
        ),
        (
            "POST",
            "/accounts".to_string(),
            json!({"sync_every_hours": 5}),
            "every 24, 12 or 6 hours",
        ),
        (
            "POST",
            format!("/accounts/{id}/reauth"),
            json!({"mfa": "maybe"}),
            "unknown variant `maybe`",
        ),
        (
            "POST",
            "/accounts/xyz/expire-session".to_string(),
            json!({}),
            "Invalid account id `xyz`",
        ),
        (
            "POST",
            "/clock/advance".to_string(),
            json!({"by": "a while"}),
            "Invalid `by`",
        ),
        (
            "POST",
            "/clock/advance".to_string(),
            json!({}),
            "exactly one of `by`",
        ),
        (
            "PUT",
            "/webhooks".to_string(),
            json!({"urls": ["ftp://x"]}),
            "Invalid `urls`",
        ),
        (
            // It goes in a header: a newline would end it.
            "PUT",
            "/webhooks".to_string(),
            json!({"urls": [], "secret": "line one\nline two"}),
            "Invalid `secret`: the webhook secret must not contain control characters",
        ),
        (
            "POST",
            "/events".to_string(),
            json!({"event": "updated", "account": id}),
            "Invalid `event`",
        ),
        (
            "POST",
            "/events".to_string(),
            json!({"account": id}),
            "missing field `event`",
        ),
        (
            "POST",
            "/idle".to_string(),
            json!({"timeout": "forever"}),
            "Invalid `timeout`",
        ),
    ];
    for (method, path, body, expected) in cases {
        let (status, answer) = live.control_raw(method, &path, body.clone()).await;
        assert_eq!(status, 400, "{method} {path} {body}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(expected),
            "{method} {path} {body}: {message}"
        );
    }
    let (status, _) = live
        .control_raw("GET", "/accounts/5f171a530295e231abca1154", json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, answer) = live
        .control_raw("POST", &format!("/accounts/{id}/link"), json!({}))
        .await;
    assert_eq!(status, 409, "{answer}");
}

#[tokio::test]
async fn the_clock_can_be_read_advanced_frozen_and_resumed() {
    let live = Live::start(vec![]).await;
    let clock = live.control("GET", "/clock", json!({})).await;
    assert_eq!(clock["now"], "2026-01-15T09:00:00.000Z");
    assert_eq!(clock["frozen"], true);
    let advanced = live.advance("90m").await;
    assert_eq!(advanced["now"], "2026-01-15T10:30:00.000Z");
    let to = live
        .control(
            "POST",
            "/clock/advance",
            json!({"to": "2026-01-16T00:00:00Z"}),
        )
        .await;
    assert_eq!(to["now"], "2026-01-16T00:00:00.000Z");
    let resumed = live.control("POST", "/clock/resume", json!({})).await;
    assert_eq!(resumed["frozen"], false);
    let frozen = live.control("POST", "/clock/freeze", json!({})).await;
    assert_eq!(frozen["frozen"], true);
}

#[tokio::test]
async fn reset_returns_to_the_starting_world() {
    let live = Live::start(vec![]).await;
    live.link(json!({})).await;
    live.fault(json!({"kind": "duplicate"})).await;
    let state = live.control("GET", "/state", json!({})).await;
    assert_eq!(
        (
            state["accounts"].as_u64(),
            state["faults"].as_array().unwrap().len()
        ),
        (Some(1), 1)
    );
    live.control("POST", "/reset", json!({})).await;
    let state = live.control("GET", "/state", json!({})).await;
    assert_eq!(
        (
            state["accounts"].as_u64(),
            state["faults"].as_array().unwrap().len()
        ),
        (Some(0), 0)
    );
}

#[tokio::test]
async fn tenants_share_the_port_but_not_accounts_or_clocks() {
    let live = Live::start(vec![]).await;
    let main_id = live.link(json!({"institution": "gtbank"})).await;
    let later = live::start_time().plus(30 * 24 * 3_600_000);
    let tenant = live.simulator.add_tenant(99, 7, later).unwrap();
    let tenant_id = tenant
        .create_account(Default::default(), Some(Default::default()))
        .unwrap()
        .to_string();

    let (status, answer) = live.api("GET", &format!("/v2/accounts/{tenant_id}")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["timestamp"], "2026-02-14T09:00:00.000Z",
        "the tenant's own clock"
    );
    let (_, answer) = live.api("GET", &format!("/v2/accounts/{main_id}")).await;
    assert_eq!(answer["timestamp"], "2026-01-15T09:00:00.000Z");

    // The tenant's request log has its calls only.
    assert_eq!(tenant.requests.since(0, |_| true).len(), 1);
    live.simulator.tenants().remove(&tenant);
    assert_eq!(
        live.api("GET", &format!("/v2/accounts/{tenant_id}"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn limits_keep_one_request_from_running_away() {
    let live = Live::start(vec![]).await;
    for (method, path, body, expected) in [
        (
            "POST",
            "/clock/advance",
            json!({"by": "400d"}),
            "more than the 366d",
        ),
        (
            "POST",
            "/clock/advance",
            json!({"to": "2020-01-01T00:00:00Z"}),
            "only moves forward",
        ),
        (
            "POST",
            "/faults",
            json!({"kind": "delay", "by": "365d"}),
            "longer than the 30d",
        ),
        (
            "POST",
            "/faults",
            json!({"kind": "hang", "for": "1d", "endpoint": "sync"}),
            "longer than the 10m",
        ),
        (
            "POST",
            "/accounts",
            json!({"balance": i64::MAX}),
            "beyond what the simulator models",
        ),
        (
            "POST",
            "/accounts",
            json!({"transactions": 4_000_000_000u32}),
            "more than the 20000",
        ),
    ] {
        let (status, answer) = live.control_raw(method, path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(expected),
            "{path} {body}: {answer}"
        );
    }
}

/// A tenant (a scenario's own simulated Mono) beside the main one, with a linked account
/// whose bank asks for an OTP.
fn tenant_with_an_otp_account(
    live: &Live,
) -> (
    std::sync::Arc<monosim_simulator::sim::Sim>,
    monosim_simulator::world::ObjectId,
) {
    let tenant = live.simulator.add_tenant(5, 9, live::start_time()).unwrap();
    let spec = monosim_simulator::world::AccountSpec {
        mfa: Some(monosim_simulator::world::Mfa::Otp),
        ..Default::default()
    };
    let id = tenant
        .create_account(spec, Some(Default::default()))
        .unwrap();
    (tenant, id)
}

#[tokio::test]
async fn calls_that_name_their_account_in_the_body_reach_its_tenant() {
    let live = Live::start(vec![]).await;
    let (tenant, id) = tenant_with_an_otp_account(&live);
    let code = tenant.world.account(&id).unwrap().code.to_string();

    let (_, initiate) = live
        .api_json(
            "POST",
            "/v2/accounts/initiate",
            Some(json!({"scope": "reauth", "account": id.to_string()})),
        )
        .await;
    assert_eq!(initiate["status"], "successful", "{initiate}");
    let (_, exchanged) = live
        .api_json("POST", "/account/auth", Some(json!({"code": code})))
        .await;
    assert_eq!(exchanged["id"], id.to_string());

    let logged: Vec<String> = tenant
        .requests
        .since(0, |_| true)
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        logged,
        ["/v2/accounts/initiate", "/account/auth"],
        "logged where the account lives"
    );
    assert!(live.simulator.sim().requests.since(0, |_| true).is_empty());
}

#[tokio::test]
async fn the_request_log_says_what_each_call_was_for_even_when_it_failed() {
    use monosim_simulator::request_log::Intent;
    let live = Live::start(vec![]).await;
    let (tenant, id) = tenant_with_an_otp_account(&live);
    // A failing `initiate` (the fault is the tenant's) is still a token request for `id`,
    // logged on the tenant: the body names the account, not the path.
    tenant.faults.add(
        monosim_simulator::faults::FaultRule::from_json(
            json!({"kind": "status", "status": 500, "endpoint": "reauthorise", "account": id}),
        )
        .unwrap(),
    );
    let initiate = json!({"scope": "reauth", "account": id.to_string()});
    let (status, _) = live
        .api_json("POST", "/v2/accounts/initiate", Some(initiate.clone()))
        .await;
    assert_eq!(status, 500);
    let (status, _) = live
        .api_json("POST", "/v2/accounts/initiate", Some(initiate))
        .await;
    assert_eq!(status, 200);
    live.api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    live.api("GET", &format!("/accounts/{id}")).await;
    live.api("GET", &format!("/v2/accounts/{id}/balance")).await;
    live.api("POST", &format!("/accounts/{id}/sync")).await;
    let code = tenant.world.account(&id).unwrap().code.to_string();
    let (status, _) = live
        .api_json("POST", "/v2/accounts/auth", Some(json!({ "code": code })))
        .await;
    assert_eq!(status, 200);

    let logged: Vec<(Option<Intent>, Option<String>, u16)> = tenant
        .requests
        .since(0, |_| true)
        .iter()
        .map(|r| (r.intent, r.account.map(|a| a.to_string()), r.status))
        .collect();
    let about = Some(id.to_string());
    assert_eq!(
        logged,
        [
            (Some(Intent::Token), about.clone(), 500),
            (Some(Intent::Token), about.clone(), 200),
            (Some(Intent::Token), about.clone(), 200),
            (Some(Intent::Data), about.clone(), 200),
            (Some(Intent::Data), about.clone(), 200),
            (Some(Intent::Sync), about.clone(), 200),
            (Some(Intent::Link), about, 200),
        ]
    );
    assert!(live.simulator.sim().requests.since(0, |_| true).is_empty());
}

#[tokio::test]
async fn a_bank_balance_and_a_reauthorisations_data_status_can_be_set_over_http() {
    let live = Live::start(vec![]).await;
    let id = live
        .control(
            "POST",
            "/accounts",
            json!({"institution": "gtbank", "mfa": "otp", "balance": 1000}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    live.advance("1s").await;
    let (status, refused) = live
        .control_raw(
            "POST",
            &format!("/accounts/{id}/bank-balance"),
            json!({"balance": "lots"}),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    // A valid number an account of this type cannot hold is a conflict with the account,
    // not a malformed request (schemathesis holds schema-valid requests to that).
    let (status, refused) = live
        .control_raw(
            "POST",
            "/accounts",
            json!({"type": "SAVINGS_ACCOUNT", "balance": -5}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    let savings = live
        .control("POST", "/accounts", json!({"type": "SAVINGS_ACCOUNT"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, refused) = live
        .control_raw(
            "POST",
            &format!("/accounts/{savings}/bank-balance"),
            json!({"balance": -5}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("only a CURRENT_ACCOUNT can be overdrawn"),
        "{refused}"
    );
    let (status, _) = live
        .control_raw(
            "POST",
            &format!("/accounts/{id}/bank-balance"),
            json!({"balance": 2500}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, before) = live.api("GET", &format!("/v2/accounts/{id}/balance")).await;
    assert_eq!(
        before["data"]["balance"], 1000,
        "Mono has not retrieved it yet"
    );
    live.control("POST", &format!("/accounts/{id}/expire-session"), json!({}))
        .await;
    live.api("POST", &format!("/accounts/{id}/reauthorise"))
        .await;
    let result = live
        .control(
            "POST",
            &format!("/accounts/{id}/reauth"),
            json!({"mfa": "correct", "data_status": "PARTIAL"}),
        )
        .await;
    assert_eq!(result["result"]["outcome"], "reauthorised", "{result}");
    assert_eq!(result["account"]["data_status"], "PARTIAL", "{result}");
    let (_, after) = live.api("GET", &format!("/v2/accounts/{id}/balance")).await;
    assert_eq!(after["data"]["balance"], 2500);
}

#[tokio::test]
async fn accounts_are_listed_with_their_lifecycle_state_and_can_be_searched() {
    let live = Live::start(vec![]).await;
    let ada = live
        .link(json!({"institution": "gtbank", "mfa": "otp", "reference": "ada-ref"}))
        .await;
    let bola = live
        .link(json!({"institution": "kuda", "link": false}))
        .await;
    live.control(
        "POST",
        &format!("/accounts/{ada}/expire-session"),
        json!({}),
    )
    .await;

    let all = live.control("GET", "/accounts", json!({})).await;
    assert_eq!(all["matching"], 2);
    let listed: Vec<_> = all["accounts"].as_array().unwrap().iter().collect();
    assert_eq!(
        listed
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [ada.as_str(), bola.as_str()],
        "in creation order"
    );
    assert_eq!(listed[0]["session_expired"], true);
    assert_eq!(listed[1]["stage"], "pending");

    for (q, expected) in [
        ("GTB", &ada),
        ("ADA-REF", &ada),
        ("pending", &bola),
        (&bola[18..], &bola),
    ] {
        let found = live
            .control("GET", &format!("/accounts?q={q}"), json!({}))
            .await;
        assert_eq!(found["matching"], 1, "q={q}: {found}");
        assert_eq!(found["accounts"][0]["id"], expected.as_str(), "q={q}");
    }
    let page = live.control("GET", "/accounts?limit=1", json!({})).await;
    assert_eq!(
        (
            page["accounts"].as_array().unwrap().len(),
            &page["matching"]
        ),
        (1, &json!(2))
    );
    for bad in ["limit=0", "limit=1001", "limit=x", "colour=red"] {
        let (status, body) = live
            .control_raw("GET", &format!("/accounts?{bad}"), json!({}))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_reauth_token_shows_when_it_expires() {
    let live = Live::start(vec![]).await;
    let ada = live.link(json!({"mfa": "otp"})).await;
    live.control(
        "POST",
        &format!("/accounts/{ada}/expire-session"),
        json!({}),
    )
    .await;
    live.api("POST", &format!("/accounts/{ada}/reauthorise"))
        .await;
    let account = live
        .control("GET", &format!("/accounts/{ada}"), json!({}))
        .await;
    assert_eq!(account["token"]["issued_at"], "2026-01-15T09:00:00.000Z");
    assert_eq!(account["token"]["expires_at"], "2026-01-15T09:10:00.000Z");
}

#[tokio::test]
async fn events_are_kept_with_the_payload_they_were_sent_with() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let ada = live.link(json!({})).await;
    live.fault(json!({"kind": "other_dialect", "event": "mono.events.sync_failed"}))
        .await;
    live.control(
        "POST",
        "/events",
        json!({"event": "mono.events.sync_failed", "account": ada, "set": {"data.note": "x"}}),
    )
    .await;
    live.advance("2s").await;
    live.idle().await;

    let events = live.control("GET", "/events", json!({})).await["events"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<_> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "mono.events.account_connected",
            "mono.events.account_updated",
            "mono.events.sync_failed"
        ]
    );
    let received = receiver.all();
    for (event, got) in events.iter().zip(&received) {
        assert_eq!(
            event["payload"], got.body,
            "the payload kept is the body the receiver got"
        );
    }
    for (event, got) in events.iter().zip(&received).take(2) {
        assert_eq!(event["event_id"].as_str(), Some(got.event_id()));
    }
    assert_eq!(
        events[2]["dialect"], "legacy",
        "after the other_dialect fault"
    );
    let only = live
        .control(
            "GET",
            "/events?since=1&event=mono.events.account_updated",
            json!({}),
        )
        .await;
    assert_eq!(only["events"].as_array().unwrap().len(), 1);
    live.control("POST", "/reset", json!({})).await;
    let after = live.control("GET", "/events", json!({})).await;
    assert_eq!(after["events"], json!([]));
}

#[tokio::test]
async fn a_resent_event_goes_out_again_with_the_same_id_and_body() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let ada = live.link(json!({})).await;
    live.advance("2s").await;
    live.idle().await;
    let first = receiver.all()[0].clone();
    assert_eq!(first.event(), "mono.events.account_connected");

    let resent = live
        .control(
            "POST",
            &format!("/events/{}/resend", first.event_id()),
            json!({}),
        )
        .await;
    assert_eq!(
        resent,
        json!({"event_id": first.event_id(), "event": "mono.events.account_connected", "account": ada, "queued": 1})
    );
    live.idle().await;
    let all = receiver.all();
    assert_eq!(all.len(), 3, "connected, updated, connected again");
    assert_eq!(all[2].body, first.body);
    assert_eq!(all[2].secret(), first.secret());
    let attempts: Vec<_> = live
        .deliveries()
        .await
        .into_iter()
        .filter(|d| d["event_id"] == first.event_id())
        .map(|d| (d["delivery"].as_u64().unwrap(), d["outcome"].clone()))
        .collect();
    assert_eq!(attempts.len(), 2, "two deliveries in the log: {attempts:?}");
    assert_ne!(
        attempts[0].0, attempts[1].0,
        "the resend is a delivery of its own"
    );

    let (status, body) = live
        .control_raw("POST", "/events/nope/resend", json!({}))
        .await;
    assert_eq!(status, 404, "{body}");
    live.control("PUT", "/webhooks", json!({"urls": []})).await;
    let (status, body) = live
        .control_raw(
            "POST",
            &format!("/events/{}/resend", first.event_id()),
            json!({}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("PUT /_sim/webhooks"));
}
