//! The widget without a browser: plain form posts, as a user without JavaScript (or a
//! script) would make them, drive the whole flow and the real lifecycle. Also the
//! `mono_url`s of `POST /v2/accounts/initiate`, and what bad input gets.

mod live;

use live::{Live, Receiver};
use serde_json::{json, Value};

/// A browser-like client: keeps following the post-then-redirect of every form.
struct User {
    client: reqwest::Client,
    base: String,
    page: String,
    url: String,
}

impl User {
    fn new(base: &str) -> User {
        User {
            client: reqwest::Client::new(),
            base: base.to_string(),
            page: String::new(),
            url: String::new(),
        }
    }

    async fn open(&mut self, path_or_url: &str) {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        let response = self.client.get(url).send().await.unwrap();
        self.url = response.url().to_string();
        self.page = response.text().await.unwrap();
    }

    /// Posts a form of the current page; returns the status of the final answer.
    async fn post(&mut self, fields: &[(&str, &str)]) -> u16 {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        self.url = response.url().to_string();
        self.page = response.text().await.unwrap();
        status
    }

    fn step(&self) -> &str {
        let start = self.page.find("data-step=\"").expect("a widget page") + 11;
        let end = start + self.page[start..].find('"').unwrap();
        &self.page[start..end]
    }

    /// The events the current page carries for connect.js, as `type`s.
    fn events(&self) -> Vec<Value> {
        let start = self.page.find("id=\"monosim-events\">").unwrap() + 20;
        let end = start + self.page[start..].find("</script>").unwrap();
        serde_json::from_str::<Vec<Value>>(&self.page[start..end]).unwrap()
    }

    fn event_types(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }
}

/// `application/x-www-form-urlencoded` encoding of one name or value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_link_and_a_reauth_work_with_plain_forms() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let mut user = User::new(&live.url);
    user.open("/widget?key=test_pk_monosim&reference=ref-42")
        .await;
    assert_eq!(user.step(), "institution_list");
    assert_eq!(user.event_types(), ["mono.connect.widget_loaded"]);
    assert_eq!(user.events()[0]["data"]["reference"], "ref-42");

    // Without JavaScript the search is a GET form.
    user.open(&format!("{}?q=first", user.url.clone())).await;
    assert!(user.page.contains("First Bank of Nigeria"));
    assert!(!user.page.contains(">GTBank<"), "the list is filtered");

    user.post(&[("action", "institution"), ("institution", "firstbank")])
        .await;
    assert_eq!(user.step(), "auth_method");
    user.post(&[
        ("action", "auth_method"),
        ("auth_method", "internet_banking"),
    ])
    .await;
    assert_eq!(user.step(), "login");
    user.post(&[("action", "login"), ("username", ""), ("password", "")])
        .await;
    assert_eq!(user.step(), "login", "empty details stay on the page");
    assert!(user.page.contains("Enter your details"));
    user.post(&[("action", "login"), ("username", "ada"), ("password", "pw")])
        .await;
    assert_eq!(user.step(), "mfa");
    assert!(
        user.page.contains("security question"),
        "First Bank asks a question"
    );
    user.post(&[("action", "mfa"), ("answer", "monosim")]).await;
    assert_eq!(user.step(), "account_selection");
    user.post(&[("action", "account"), ("account", "1")]).await;
    assert_eq!(user.step(), "success");
    let events = user.events();
    let code = events.last().unwrap()["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, exchanged) = live
        .api_json("POST", "/v2/accounts/auth", Some(json!({ "code": code })))
        .await;
    let account = exchanged["data"]["id"].as_str().unwrap().to_string();
    let (_, details) = live.api("GET", &format!("/v2/accounts/{account}")).await;
    assert_eq!(details["data"]["account"]["type"], "CURRENT_ACCOUNT");
    assert_eq!(
        details["data"]["account"]["institution"]["name"],
        "First Bank of Nigeria"
    );
    user.post(&[("action", "done")]).await;
    assert_eq!(user.step(), "closed");
    assert_eq!(user.event_types(), ["mono.connect.widget.closed"]);

    // The same account, re-authorised through the v2 mono_url.
    live.control(
        "POST",
        &format!("/accounts/{account}/expire-session"),
        json!({}),
    )
    .await;
    let (status, initiated) = live
        .api_json(
            "POST",
            "/v2/accounts/initiate",
            Some(json!({ "scope": "reauth", "account": account, "redirect_url": "https://app.example/back" })),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{initiated}");
    let mono_url = initiated["data"]["mono_url"].as_str().unwrap();
    assert!(
        mono_url.starts_with(&format!("{}/link/", live.url)),
        "{mono_url}"
    );
    let mut again = User::new(&live.url);
    again.open(mono_url).await;
    assert_eq!(
        again.step(),
        "login",
        "the re-auth opens on the account's bank"
    );
    assert!(again
        .page
        .contains("Re-authorise your First Bank of Nigeria account"));
    again
        .post(&[("action", "login"), ("username", "ada"), ("password", "pw")])
        .await;
    again
        .post(&[("action", "mfa"), ("answer", "monosim")])
        .await;
    assert_eq!(again.step(), "success");
    assert!(
        again.page.contains("href=\"https://app.example/back?code="),
        "a standalone session continues to the redirect_url"
    );

    live.advance("2s").await;
    live.idle().await;
    assert_eq!(
        receiver.events(),
        [
            "mono.events.account_connected",
            "mono.events.account_updated",
            "mono.events.reauthorisation_required",
            "mono.events.account_reauthorized",
            "mono.events.account_updated",
        ]
    );
}

#[tokio::test]
async fn panel_outcomes_drive_the_bank() {
    let live = Live::start(vec![]).await;
    let mut user = User::new(&live.url);
    user.open("/widget?key=test_pk_monosim").await;
    user.post(&[("action", "institution"), ("institution", "gtbank")])
        .await;
    user.post(&[
        ("action", "auth_method"),
        ("auth_method", "internet_banking"),
    ])
    .await;

    // Bank unavailable: an error at login, and the user may try again.
    user.post(&[("action", "panel"), ("outcome", "bank_unavailable")])
        .await;
    assert!(user.page.contains("value=\"bank_unavailable\" checked"));
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    assert_eq!(user.step(), "login");
    assert!(user.page.contains("GTBank is not available right now"));
    let error = user.events().into_iter().last().unwrap();
    assert_eq!(error["type"], "mono.connect.error_occured");
    assert_eq!(error["data"]["errorType"], "BANK_UNAVAILABLE");
    assert!(
        user.page.contains("value=\"by_answer\" checked"),
        "a panel outcome applies once"
    );

    // Slow bank: the answer comes, late (a 0.05 s delay keeps the test quick).
    user.post(&[
        ("action", "panel"),
        ("outcome", "slow_bank"),
        ("slow_seconds", "0.05"),
    ])
    .await;
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    assert_eq!(user.step(), "mfa");

    // Wrong whatever is typed, then correct whatever is typed.
    user.post(&[("action", "panel"), ("outcome", "wrong")])
        .await;
    user.post(&[("action", "mfa"), ("answer", "123456")]).await;
    assert_eq!(user.step(), "mfa");
    assert!(user.page.contains("That answer is not right"));
    user.post(&[("action", "panel"), ("outcome", "correct")])
        .await;
    user.post(&[("action", "mfa"), ("answer", "anything")])
        .await;
    assert_eq!(user.step(), "account_selection");

    // An expired session at the next bank call ends the flow.
    user.post(&[("action", "panel"), ("outcome", "expired")])
        .await;
    user.post(&[("action", "account"), ("account", "0")]).await;
    assert_eq!(
        user.step(),
        "success",
        "selecting an account is not a bank call"
    );

    // Bad panel input is refused, naming the field.
    let status = user
        .post(&[("action", "panel"), ("outcome", "maybe")])
        .await;
    assert_eq!(status, 400);
    assert!(
        user.page.contains("unknown panel outcome `maybe`"),
        "{}",
        user.page
    );
}

/// A linked OTP account at `institution` whose bank session expired, and a fresh token.
async fn needs_reauth(live: &Live, institution: &str) -> (String, String) {
    let account = live
        .link(json!({ "institution": institution, "mfa": "otp" }))
        .await;
    live.control(
        "POST",
        &format!("/accounts/{account}/expire-session"),
        json!({}),
    )
    .await;
    let (_, token) = live
        .api("POST", &format!("/accounts/{account}/reauthorise"))
        .await;
    (account, token["token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn an_expired_token_at_login_ends_the_reauth() {
    let live = Live::start(vec![]).await;
    let (account, token) = needs_reauth(&live, "access").await;
    let mut user = User::new(&live.url);
    user.open(&format!("/widget?key=test_pk_monosim&reauth_token={token}"))
        .await;
    assert_eq!(user.step(), "login");
    user.post(&[("action", "panel"), ("outcome", "expired")])
        .await;
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    assert_eq!(user.step(), "error");
    assert!(user.page.contains("This re-authorisation link has expired"));
    let state = live
        .control("GET", &format!("/accounts/{account}"), json!({}))
        .await;
    assert_eq!(state["session_expired"], true, "nothing was re-authorised");
}

#[tokio::test]
async fn bad_keys_tokens_and_sessions_get_clear_pages() {
    let live = Live::start(vec![]).await;
    let mut user = User::new(&live.url);
    user.open("/widget?key=pk_live_wrong").await;
    assert_eq!(user.step(), "error");
    assert!(user.page.contains("Invalid public key"));
    assert!(
        user.page.contains("test_pk_monosim"),
        "says which key works"
    );
    assert_eq!(user.events()[1]["data"]["errorType"], "INVALID_PUBLIC_KEY");

    user.open("/widget?key=test_pk_monosim&reauth_token=nope")
        .await;
    assert_eq!(user.step(), "error");
    assert!(user
        .page
        .contains("This re-authorisation link is not valid"));
    assert!(user
        .page
        .contains("no re-auth token `nope` was ever issued"));

    // A used token is refused when the widget opens.
    let (account, token) = needs_reauth(&live, "gtbank").await;
    live.control(
        "POST",
        &format!("/accounts/{account}/reauth"),
        json!({ "mfa": "correct", "token": token }),
    )
    .await;
    user.open(&format!("/link/{token}")).await;
    assert_eq!(user.step(), "error");
    assert!(user.page.contains("already been used"));

    // A redirect_url that is not a web address is not linked to.
    let (_, token) = needs_reauth(&live, "uba").await;
    user.open(&format!("/link/{token}?redirect_url=javascript:alert(1)"))
        .await;
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    user.post(&[("action", "mfa"), ("answer", "123456")]).await;
    assert_eq!(user.step(), "success");
    assert!(!user.page.contains("javascript:"), "{}", user.page);

    let response = reqwest::get(format!("{}/widget/ws999999", live.url))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Widget session not found"));

    let response = reqwest::get(format!("{}/connect.js", live.url))
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let script = response.text().await.unwrap();
    // connect.js 2.1's check, and both ways into the iframe's query.
    assert!(script.contains("Account ID is required for re-authorisation"));
    assert!(script.contains("reauth_token") && script.contains("account:"));
}

#[tokio::test]
async fn initiate_with_scope_auth_opens_a_new_link() {
    let live = Live::start(vec![]).await;
    let (status, missing) = live
        .api_json(
            "POST",
            "/v2/accounts/initiate",
            Some(json!({ "scope": "auth" })),
        )
        .await;
    assert_eq!(status.as_u16(), 400);
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .contains("`customer` is required"));

    let (status, answer) = live
        .api_json(
            "POST",
            "/v2/accounts/initiate",
            Some(json!({
                "scope": "auth",
                "customer": { "name": "Ada Lovelace", "email": "ada@example.com" },
                "meta": { "ref": "order 7/a" },
                "redirect_url": "https://app.example/linked"
            })),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{answer}");
    let data = &answer["data"];
    assert_eq!(data["scope"], "auth");
    assert_eq!(data["meta"]["ref"], "order 7/a");
    assert!(data["customer"].as_str().unwrap().len() == 24);
    let mono_url = data["mono_url"].as_str().unwrap();
    assert_eq!(
        mono_url,
        format!(
            "{}/widget?key=test_pk_monosim&scope=auth&reference=order%207%2Fa&redirect_url=https%3A%2F%2Fapp.example%2Flinked",
            live.url
        )
    );
    let mut user = User::new(&live.url);
    user.open(mono_url).await;
    assert_eq!(user.step(), "institution_list");
    assert_eq!(user.events()[0]["data"]["reference"], "order 7/a");
}

/// connect.js 2.1+ opens the widget with `data={"account":…}`: no token is issued, checked
/// or used, so one the backend fetched anyway is still unused afterwards; the lifecycle
/// fires what a token re-auth fires.
#[tokio::test]
async fn reauth_by_account_id_needs_and_uses_no_token() {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let (account, token) = needs_reauth(&live, "gtbank").await;
    let mut user = User::new(&live.url);
    let data = encode(&format!(
        "{{\"account\":\"{account}\",\"customer\":{{\"id\":\"c1\"}}}}"
    ));
    user.open(&format!("/widget?key=test_pk_monosim&data={data}"))
        .await;
    assert_eq!(user.step(), "login");
    assert!(user.page.contains("Re-authorise your GTBank account"));
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    user.post(&[("action", "mfa"), ("answer", "000000")]).await;
    assert_eq!(user.step(), "mfa", "a wrong answer: try again");
    user.post(&[("action", "mfa"), ("answer", "123456")]).await;
    assert_eq!(user.step(), "success");
    live.advance("2s").await;
    live.idle().await;
    assert_eq!(
        receiver.events()[2..],
        [
            "mono.events.reauthorisation_required",
            "mono.events.account_reauthorized",
            "mono.events.account_updated"
        ]
    );
    let state = live
        .control("GET", &format!("/accounts/{account}"), json!({}))
        .await;
    assert_eq!(state["session_expired"], false);
    // The token fetched before was never used: it still opens the widget.
    user.open(&format!("/widget?key=test_pk_monosim&reauth_token={token}"))
        .await;
    assert_eq!(user.step(), "login", "{}", user.page);
}

#[tokio::test]
async fn reauth_by_account_id_refuses_what_reauthorise_would_and_can_time_out() {
    let live = Live::start(vec![]).await;
    let no_mfa = live
        .link(json!({ "institution": "gtbank", "mfa": "none" }))
        .await;
    let mut user = User::new(&live.url);
    for account in [no_mfa.as_str(), "0123456789abcdef01234567", "not-an-id"] {
        let data = encode(&format!("{{\"account\":\"{account}\"}}"));
        user.open(&format!("/widget?key=test_pk_monosim&data={data}"))
            .await;
        assert_eq!(user.step(), "error", "{account}");
        assert!(user.page.contains("This account can not be re-authorised"));
        assert_eq!(
            user.events().last().unwrap()["data"]["errorType"],
            "ACCOUNT_NOT_REAUTHORISABLE"
        );
    }
    let (account, _) = needs_reauth(&live, "access").await;
    let data = encode(&format!("{{\"account\":\"{account}\"}}"));
    user.open(&format!("/widget?key=test_pk_monosim&data={data}"))
        .await;
    user.post(&[("action", "panel"), ("outcome", "expired")])
        .await;
    user.post(&[("action", "login"), ("username", "a"), ("password", "b")])
        .await;
    assert_eq!(user.step(), "error");
    assert!(
        user.page.contains("Your session has expired"),
        "{}",
        user.page
    );
    let state = live
        .control("GET", &format!("/accounts/{account}"), json!({}))
        .await;
    assert_eq!(state["session_expired"], true, "nothing was re-authorised");
}
