//! `GET /v2/accounts/:id` and its transactions skip the router when the id is plain
//! (`api/reads.rs`); an id with a `%` in it goes through the router, which decodes it to the
//! same id. So two simulators built alike, one asked with plain ids and the other with
//! encoded ones, must answer every call the same: status, headers and bytes.

mod common;

use common::{send_with, simulator, Reply, ADA, BASE_URL, BOLA, CHIDI, WORLD};
use monosim_simulator::DEFAULT_SECRET_KEY;

/// `path` with the first character of its account id percent-encoded.
fn encoded(path: &str) -> String {
    let rest = path.strip_prefix("/v2/accounts/").expect("an account path");
    let first = rest.as_bytes()[0];
    format!("/v2/accounts/%{first:02X}{}", &rest[1..])
}

/// What both ways must agree on. `content-length` is left out: the router sets it on the
/// response, hyper sets it on the wire for both.
fn answer(reply: Reply) -> (u16, Vec<(String, String)>, String) {
    let headers = reply
        .headers
        .into_iter()
        .filter(|(name, _)| name != "content-length")
        .collect();
    (
        reply.status.as_u16(),
        headers,
        String::from_utf8(reply.body).expect("UTF-8"),
    )
}

#[tokio::test]
async fn reads_without_the_router_answer_as_the_router_does() {
    let plain = simulator(7, 0, Some(WORLD)).router(BASE_URL);
    let routed = simulator(7, 0, Some(WORLD)).router(BASE_URL);
    let key = ("mono-sec-key", DEFAULT_SECRET_KEY);
    let realtime = [key, ("x-realtime", "true")];
    let unknown = "5f171a530295e231abca1154";
    let mut paths = Vec::new();
    for id in [ADA, BOLA, CHIDI, unknown, "not-an-id"] {
        paths.push(format!("/v2/accounts/{id}"));
        paths.push(format!("/v2/accounts/{id}/transactions"));
    }
    for query in [
        "page=2&limit=5",
        "page=3&limit=5&type=credit",
        "start=01-12-2025&end=10-01-2026&limit=3",
        "narration=pos&paginate=false",
        "limit=0",
        "page=x",
        "a=%20b+c&&page=2&limit=2",
    ] {
        paths.push(format!("/v2/accounts/{ADA}/transactions?{query}"));
    }
    let mut compared = 0;
    for path in &paths {
        for headers in [&[key][..], &realtime[..]] {
            let ours = send_with(&plain, "GET", path, None, headers).await;
            let theirs = send_with(&routed, "GET", &encoded(path), None, headers).await;
            assert_eq!(answer(ours), answer(theirs), "GET {path} with {headers:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 34);
}

#[tokio::test]
async fn the_answers_compared_are_real_ones() {
    // Not a comparison of two errors: the encoded id reaches the account through the router.
    let router = simulator(7, 0, Some(WORLD)).router(BASE_URL);
    let key = [("mono-sec-key", DEFAULT_SECRET_KEY)];
    let details = send_with(
        &router,
        "GET",
        &encoded(&format!("/v2/accounts/{ADA}")),
        None,
        &key,
    )
    .await;
    assert_eq!(details.status.as_u16(), 200);
    assert_eq!(details.json()["data"]["account"]["id"], ADA);
    let page = format!("/v2/accounts/{ADA}/transactions?page=1&limit=5");
    let page = send_with(&router, "GET", &encoded(&page), None, &key).await;
    assert_eq!(page.status.as_u16(), 200);
    assert_eq!(page.json()["data"].as_array().map(Vec::len), Some(5));
    // Without the key, both ways are the router's 401.
    let keyless = send_with(&router, "GET", &format!("/v2/accounts/{ADA}"), None, &[]).await;
    assert_eq!(keyless.status.as_u16(), 401);
}

/// `auth` and `initiate` are routes beside `{id}` (POST only): a GET of them is the
/// router's 405, not an account details call with a malformed id (schemathesis found it).
#[tokio::test]
async fn the_routes_beside_an_account_id_are_not_taken_for_one() {
    let router = simulator(7, 0, Some(WORLD)).router(BASE_URL);
    let key = [("mono-sec-key", DEFAULT_SECRET_KEY)];
    for path in ["/v2/accounts/auth", "/v2/accounts/initiate"] {
        let reply = send_with(&router, "GET", path, None, &key).await;
        assert_eq!(reply.status.as_u16(), 405, "GET {path}: {}", reply.render());
    }
}

/// The reads answered on the spot are logged like every other call: account, intent,
/// status and query, in the order they came.
#[tokio::test]
async fn reads_answered_on_the_spot_are_logged() {
    let simulator = simulator(7, 0, Some(WORLD));
    let router = simulator.router(BASE_URL);
    let key = [("mono-sec-key", DEFAULT_SECRET_KEY)];
    let unknown = "5f171a530295e231abca1154";
    for path in [
        format!("/v2/accounts/{ADA}"),
        format!("/v2/accounts/{ADA}/transactions?page=2&limit=5"),
        format!("/v2/accounts/{unknown}"),
        format!("/v2/accounts/{ADA}/transactions?page=x"),
    ] {
        send_with(&router, "GET", &path, None, &key).await;
    }
    let logged: Vec<_> = simulator
        .sim()
        .requests
        .since(0, |_| true)
        .into_iter()
        .map(|r| {
            let account = r.account.map(|id| id.to_string());
            let intent = r.intent.map(|i| i.as_str());
            (r.method, r.path, r.query, account, intent, r.status)
        })
        .collect();
    let ada = || Some(ADA.to_string());
    let path = |tail: &str| format!("/v2/accounts/{ADA}{tail}");
    let get = || "GET".to_string();
    assert_eq!(
        logged,
        [
            (get(), path(""), None, ada(), Some("data"), 200),
            (
                get(),
                path("/transactions"),
                Some("page=2&limit=5".to_string()),
                ada(),
                Some("data"),
                200
            ),
            (
                get(),
                format!("/v2/accounts/{unknown}"),
                None,
                Some(unknown.to_string()),
                Some("data"),
                404
            ),
            (
                get(),
                path("/transactions"),
                Some("page=x".to_string()),
                ada(),
                Some("data"),
                400
            ),
        ]
    );
}
