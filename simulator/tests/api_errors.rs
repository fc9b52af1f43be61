//! Every error path answers in Mono's shape for its version, with a status and a message
//! that says what was wrong. One snapshot lists them all, request by request.

mod common;

use common::{router, send_with, ADA, CHIDI};
use insta::assert_snapshot;
use monosim_simulator::DEFAULT_SECRET_KEY;

/// The key is checked before anything else about a route, as Mono's gateway does: a
/// wrong method without a key is a 401, not a 405; a path that is no route is a 404 either
/// way.
#[tokio::test]
async fn the_key_is_checked_before_the_method_and_unknown_paths_are_not_found() {
    let router = router();
    let wrong_method =
        send_with(&router, "DELETE", &format!("/v2/accounts/{ADA}"), None, &[]).await;
    assert_eq!(wrong_method.status.as_u16(), 401);
    let with_key = [("mono-sec-key", DEFAULT_SECRET_KEY)];
    let wrong_method_with_key = send_with(
        &router,
        "DELETE",
        &format!("/v2/accounts/{ADA}"),
        None,
        &with_key,
    )
    .await;
    assert_eq!(wrong_method_with_key.status.as_u16(), 405);
    let unknown = send_with(&router, "GET", "/v3/banks/list", None, &[]).await;
    assert_eq!(unknown.status.as_u16(), 404);
}

#[tokio::test]
async fn error_paths_answer_in_each_versions_shape() {
    let router = router();
    let mut table = String::new();
    const KEY: Option<&str> = Some(DEFAULT_SECRET_KEY);
    // (method, path, body, the mono-sec-key sent)
    let cases: Vec<(&str, String, Option<&str>, Option<&str>)> = vec![
        ("GET", format!("/accounts/{ADA}"), None, None),
        (
            "GET",
            format!("/v2/accounts/{ADA}"),
            None,
            Some("test_sk_wrong"),
        ),
        (
            "GET",
            "/accounts/5f171a530295e231abca1154".into(),
            None,
            KEY,
        ),
        (
            "GET",
            "/v2/accounts/5f171a530295e231abca1154/identity".into(),
            None,
            KEY,
        ),
        ("GET", "/accounts/not-an-id".into(), None, KEY),
        ("GET", "/v2/accounts/5f171a53/balance".into(), None, KEY),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?limit=abc"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?limit=0"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?start=2026-01-01"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/transactions?start=10-01-2026&end=01-01-2026"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/v2/accounts/{ADA}/transactions?type=both"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/v2/accounts/{ADA}/transactions?paginate=yes"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/statement?period=last13months"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/statement?output=csv"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/accounts/{ADA}/statement/jobs/nosuchjob"),
            None,
            KEY,
        ),
        (
            "GET",
            format!("/v2/accounts/{ADA}/jobs/nosuchjob"),
            None,
            KEY,
        ),
        ("GET", format!("/v2/accounts/{CHIDI}/identity"), None, KEY),
        ("GET", format!("/accounts/{CHIDI}/income"), None, KEY),
        ("POST", "/account/auth".into(), Some("{not json"), KEY),
        ("POST", "/account/auth".into(), Some(r#"{"code": 12}"#), KEY),
        ("POST", "/v2/accounts/auth".into(), Some(r#"{}"#), KEY),
        (
            "POST",
            "/v2/accounts/auth".into(),
            Some(r#"{"code":"code_nobody"}"#),
            KEY,
        ),
        ("DELETE", format!("/v2/accounts/{ADA}"), None, KEY),
        ("GET", "/v3/banks/list".into(), None, KEY),
    ];
    for (method, path, body, key) in cases {
        let headers: Vec<(&str, &str)> = key.map(|k| ("mono-sec-key", k)).into_iter().collect();
        let reply = send_with(&router, method, &path, body, &headers).await;
        assert!(
            reply.status.is_client_error(),
            "{method} {path} answered {}",
            reply.status
        );
        table.push_str(&format!(
            "{method} {path}{}\n",
            body.map(|b| format!("  {b}")).unwrap_or_default()
        ));
        table.push_str(&format!("{}\n\n", reply.render()));
    }
    assert_snapshot!("error_paths", table);
}
