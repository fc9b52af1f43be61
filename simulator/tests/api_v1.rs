//! The shape of every v1 endpoint, snapshotted whole: nothing here is redacted because
//! nothing is volatile (frozen clock, fixed seed, fixed base URL).

mod common;

use common::{router, send, ADA, BOLA};
use insta::assert_snapshot;

#[tokio::test]
async fn code_exchange_returns_the_account_id() {
    let reply = send(
        &router(),
        "POST",
        "/account/auth",
        Some(r#"{"code":"code_ada"}"#),
    )
    .await;
    assert_snapshot!("v1_account_auth", reply.render());
}

#[tokio::test]
async fn account_details() {
    let reply = send(&router(), "GET", &format!("/accounts/{ADA}"), None).await;
    assert_snapshot!("v1_account_details", reply.render());
}

#[tokio::test]
async fn transactions_are_paged_with_absolute_links() {
    let reply = send(
        &router(),
        "GET",
        &format!("/accounts/{ADA}/transactions?limit=2&page=2"),
        None,
    )
    .await;
    assert_snapshot!("v1_transactions_page_2", reply.render());
}

#[tokio::test]
async fn transaction_filters_narrow_the_listing_and_stay_in_the_links() {
    let router = router();
    let all = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?paginate=false"),
        None,
    )
    .await
    .json();
    let credits = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?type=credit&paginate=false"),
        None,
    )
    .await
    .json();
    let all = all["data"].as_array().unwrap();
    let credits = credits["data"].as_array().unwrap();
    assert_eq!(all.len(), 6);
    assert!(credits.iter().all(|t| t["type"] == "credit"));
    assert_eq!(
        credits.len(),
        all.iter().filter(|t| t["type"] == "credit").count()
    );

    // Dates are inclusive days in dd-mm-yyyy.
    let newest = all[0]["date"].as_str().unwrap();
    let (y, m, d) = (&newest[0..4], &newest[5..7], &newest[8..10]);
    let day = format!("{d}-{m}-{y}");
    let same_day = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?start={day}&end={day}"),
        None,
    )
    .await
    .json();
    let listed = same_day["data"].as_array().unwrap();
    assert!(!listed.is_empty());
    assert!(listed
        .iter()
        .all(|t| t["date"].as_str().unwrap().starts_with(&newest[..10])));

    let narration = all[0]["narration"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_lowercase();
    let by_narration = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?narration={narration}&limit=1"),
        None,
    )
    .await
    .json();
    assert_eq!(by_narration["data"][0]["_id"], all[0]["_id"]);
    if let Some(next) = by_narration["paging"]["next"].as_str() {
        assert!(next.contains(&format!("narration={narration}")), "{next}");
        assert!(next.ends_with("&page=2"), "{next}");
    }
}

#[tokio::test]
async fn identity() {
    let reply = send(&router(), "GET", &format!("/accounts/{ADA}/identity"), None).await;
    assert_snapshot!("v1_identity", reply.render());
}

#[tokio::test]
async fn statement_as_json() {
    let reply = send(
        &router(),
        "GET",
        &format!("/accounts/{ADA}/statement?period=last3months&output=json"),
        None,
    )
    .await;
    assert_snapshot!("v1_statement_json", reply.render());
}

#[tokio::test]
async fn statement_as_pdf_is_a_job_then_a_real_pdf() {
    let router = router();
    let job = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/statement?period=last12months&output=pdf"),
        None,
    )
    .await;
    assert_snapshot!("v1_statement_pdf_job", job.render());
    let id = job.json()["id"].as_str().unwrap().to_string();
    let poll = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/statement/jobs/{id}"),
        None,
    )
    .await;
    assert_snapshot!("v1_statement_pdf_job_poll", poll.render());

    let path = poll.json()["path"].as_str().unwrap().to_string();
    let local = path.strip_prefix(common::BASE_URL).unwrap();
    // The download needs no key, like the storage URL Mono hands out.
    let pdf = common::send_with(&router, "GET", local, None, &[]).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let text = String::from_utf8(pdf.body).unwrap();
    assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
    assert!(
        text.contains("ADA OKAFOR"),
        "the statement names the holder"
    );
    // startxref must point at the cross-reference table, or readers reject the file.
    let xref_at: usize = text.lines().rev().nth(1).unwrap().parse().unwrap();
    assert!(text[xref_at..].starts_with("xref\n"));
}

#[tokio::test]
async fn income_credits_and_debits() {
    let router = router();
    for what in ["income", "credits", "debits"] {
        let reply = send(&router, "GET", &format!("/accounts/{ADA}/{what}"), None).await;
        assert_snapshot!(format!("v1_{what}"), reply.render());
    }
}

#[tokio::test]
async fn credits_add_up_to_the_credit_transactions() {
    let router = router();
    let credits = send(&router, "GET", &format!("/accounts/{ADA}/credits"), None)
        .await
        .json();
    let listing = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?type=credit&paginate=false"),
        None,
    )
    .await
    .json();
    let sum: i64 = listing["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(credits["total"].as_i64().unwrap(), sum);
    let by_month: i64 = credits["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(by_month, sum);
}

#[tokio::test]
async fn partial_data_serves_no_transactions() {
    let router = router();
    let listing = send(
        &router,
        "GET",
        &format!("/accounts/{BOLA}/transactions"),
        None,
    )
    .await;
    assert_eq!(listing.status, 200);
    assert_eq!(listing.json()["paging"]["total"], 0);
    let details = send(&router, "GET", &format!("/accounts/{BOLA}"), None)
        .await
        .json();
    assert_eq!(details["meta"]["data_status"], "PARTIAL");
}

#[tokio::test]
async fn unlinking_deletes_the_account_from_the_api() {
    let router = router();
    let reply = send(&router, "POST", &format!("/accounts/{ADA}/unlink"), None).await;
    assert_snapshot!("v1_unlink", reply.render());
    let after = send(&router, "GET", &format!("/accounts/{ADA}"), None).await;
    assert_eq!(after.status, 404);
    let exchange = send(
        &router,
        "POST",
        "/account/auth",
        Some(r#"{"code":"code_ada"}"#),
    )
    .await;
    assert_eq!(exchange.status, 400);
}

#[tokio::test]
async fn coverage_lists_the_catalogue() {
    let reply = send(&router(), "GET", "/coverage", None).await;
    assert_snapshot!("v1_coverage", reply.render());
}

#[tokio::test]
async fn income_is_the_salary_credits() {
    let simulator = common::simulator(
        3,
        0,
        Some("accounts:\n  - id: 5f171a530295e231abca1153\n    transactions: 400\n"),
    );
    let router = simulator.router(common::BASE_URL);
    let income = send(&router, "GET", &format!("/accounts/{ADA}/income"), None)
        .await
        .json();
    let salaries = send(
        &router,
        "GET",
        &format!("/accounts/{ADA}/transactions?narration=salary&type=credit&paginate=false"),
        None,
    )
    .await
    .json();
    let salaries = salaries["data"].as_array().unwrap();
    assert!(!salaries.is_empty(), "400 transactions include salaries");
    let yearly: i64 = salaries.iter().map(|t| t["amount"].as_i64().unwrap()).sum();
    assert_eq!(income["yearly_income"].as_i64().unwrap(), yearly);
    assert_eq!(income["income_sources"], 1);
    assert!(income["average_income"].as_i64().unwrap() > 0);
}
