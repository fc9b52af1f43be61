//! The shape of every v2 endpoint, snapshotted whole (see `api_v1.rs`).

mod common;

use common::{router, send, send_with, ADA, CHIDI};
use insta::assert_snapshot;
use monosim_simulator::DEFAULT_SECRET_KEY;

#[tokio::test]
async fn code_exchange_answers_in_and_outside_the_envelope() {
    let reply = send(
        &router(),
        "POST",
        "/v2/accounts/auth",
        Some(r#"{"code":"code_ada"}"#),
    )
    .await;
    assert_snapshot!("v2_accounts_auth", reply.render());
}

#[tokio::test]
async fn account_details() {
    let reply = send(&router(), "GET", &format!("/v2/accounts/{ADA}"), None).await;
    assert_snapshot!("v2_account_details", reply.render());
}

#[tokio::test]
async fn account_details_while_data_is_processing() {
    let reply = send(&router(), "GET", &format!("/v2/accounts/{CHIDI}"), None).await;
    assert_snapshot!("v2_account_details_processing", reply.render());
}

#[tokio::test]
async fn transactions() {
    let reply = send(
        &router(),
        "GET",
        &format!("/v2/accounts/{ADA}/transactions?limit=4"),
        None,
    )
    .await;
    assert_snapshot!("v2_transactions", reply.render());
}

#[tokio::test]
async fn identity() {
    let reply = send(
        &router(),
        "GET",
        &format!("/v2/accounts/{ADA}/identity"),
        None,
    )
    .await;
    assert_snapshot!("v2_identity", reply.render());
}

#[tokio::test]
async fn balance() {
    let reply = send(
        &router(),
        "GET",
        &format!("/v2/accounts/{ADA}/balance"),
        None,
    )
    .await;
    assert_snapshot!("v2_balance", reply.render());
}

#[tokio::test]
async fn realtime_requests_get_job_headers_and_the_job_can_be_polled() {
    let router = router();
    let key = ("mono-sec-key", DEFAULT_SECRET_KEY);
    let balance = send_with(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/balance"),
        None,
        &[key, ("x-realtime", "true")],
    )
    .await;
    assert_snapshot!("v2_balance_realtime", balance.render());

    // The other spelling Mono's docs use works too, and each request starts its own job.
    let again = send_with(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/balance"),
        None,
        &[key, ("x-real-time", "true")],
    )
    .await;
    assert_eq!(again.header("x-job-status"), Some("processing"));
    assert_ne!(again.header("x-job-id"), balance.header("x-job-id"));

    let transactions = send_with(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/transactions?limit=1"),
        None,
        &[key, ("x-realtime", "true")],
    )
    .await;
    // On this frozen clock the job is still fetching from the bank (tests/realtime.rs
    // follows it to its end).
    assert_eq!(transactions.header("x-job-status"), Some("processing"));
    assert_ne!(transactions.header("x-job-id"), balance.header("x-job-id"));

    let job_id = balance.header("x-job-id").unwrap();
    let job = send(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/jobs/{job_id}"),
        None,
    )
    .await;
    assert_snapshot!("v2_job", job.render());

    let plain = send(&router, "GET", &format!("/v2/accounts/{ADA}/balance"), None).await;
    assert_eq!(plain.header("x-job-id"), None, "no realtime header, no job");
}

#[tokio::test]
async fn statement_json_and_pdf() {
    let router = router();
    let json = send(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/statement?period=last1month"),
        None,
    )
    .await;
    assert_snapshot!("v2_statement_json", json.render());
    let job = send(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/statement?output=pdf"),
        None,
    )
    .await;
    let id = job.json()["data"]["id"].as_str().unwrap().to_string();
    let poll = send(
        &router,
        "GET",
        &format!("/v2/accounts/{ADA}/statement/jobs/{id}"),
        None,
    )
    .await;
    assert_snapshot!("v2_statement_pdf_job_poll", poll.render());
}

#[tokio::test]
async fn unlink() {
    let router = router();
    let reply = send(&router, "POST", &format!("/v2/accounts/{ADA}/unlink"), None).await;
    assert_snapshot!("v2_unlink", reply.render());
    assert_eq!(
        send(&router, "GET", &format!("/v2/accounts/{ADA}"), None)
            .await
            .status,
        404
    );
}

/// The endpoints docs/fidelity.md lists as not simulated: each is a 404 in v2's error
/// shape that names the call, never a made-up body. When one of them is served, this test
/// fails, and its row in docs/fidelity.md has to change with it.
#[tokio::test]
async fn endpoints_listed_as_not_simulated_answer_404_in_the_v2_shape() {
    let router = router();
    let not_simulated = [
        ("GET", format!("/v2/accounts/{ADA}/income")),
        ("GET", format!("/v2/accounts/{ADA}/income-records")),
        ("POST", format!("/v2/accounts/{ADA}/creditworthiness")),
        ("GET", format!("/v2/accounts/{ADA}/earnings")),
        ("GET", format!("/v2/accounts/{ADA}/assets")),
        ("GET", format!("/v2/enrichments/{ADA}/statement-insights")),
        (
            "GET",
            format!("/v1/enrichments/{ADA}/statement-insights/records"),
        ),
        (
            "POST",
            format!("/v1/enrichments/{ADA}/transaction-categorisation"),
        ),
        (
            "POST",
            format!("/v1/enrichments/{ADA}/transaction-metadata"),
        ),
    ];
    for (method, path) in &not_simulated {
        let reply = send(&router, method, path, None).await;
        assert_eq!(reply.status, 404, "{method} {path}");
        let body = reply.json();
        assert_eq!(
            body["message"],
            format!("Cannot {method} {path}"),
            "{method} {path}"
        );
        if path.starts_with("/v2/") {
            assert_eq!(body["status"], "failed", "{method} {path}: {body}");
            assert!(body["data"].is_null(), "{method} {path}: {body}");
        }
    }
}
