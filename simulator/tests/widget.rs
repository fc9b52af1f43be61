//! The simulated Connect widget in a real headless Chromium: the `/demo` page loads
//! `/connect.js` like an integrator's frontend, opens the widget in its iframe, and a user
//! clicks through it. Each test asserts on what the page received (`onEvent`, `onSuccess`,
//! `onClose`, in order), on the webhooks a real receiver got, and on the delivery log.
//! Every widget step is saved as a PNG under `target/tmp/widget-screenshots/<test>/`.

mod browser;
mod live;

use browser::Browser;
use fantoccini::key::Key;
use live::{Live, Receiver};
use serde_json::{json, Value};

struct World {
    live: Live,
    receiver: Receiver,
    browser: Browser,
}

async fn start(name: &str) -> World {
    let receiver = Receiver::ok().await;
    let live = Live::start(vec![receiver.url.clone()]).await;
    let browser = Browser::start(name).await;
    World {
        live,
        receiver,
        browser,
    }
}

impl World {
    /// What the demo page received, as `[kind, data]`.
    async fn page_events(&self) -> Vec<(String, Value)> {
        let events = self.browser.js("return window.demoEvents;").await;
        events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].as_str().unwrap().to_string(), e["data"].clone()))
            .collect()
    }

    async fn page_event_names(&self) -> Vec<String> {
        self.page_events()
            .await
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    /// The data of the one event called `kind` after the first `skip` events.
    async fn page_event(&self, kind: &str, skip: usize) -> Value {
        let found: Vec<Value> = self
            .page_events()
            .await
            .into_iter()
            .skip(skip)
            .filter(|(k, _)| k == kind)
            .map(|(_, d)| d)
            .collect();
        assert_eq!(found.len(), 1, "expected one {kind}, got {found:?}");
        found[0].clone()
    }

    /// Lets the simulated data arrive (`account_updated` follows 1 s after a link or
    /// re-auth) and every webhook be delivered.
    async fn settle(&self) {
        self.live.advance("2s").await;
        self.live.idle().await;
    }

    /// Webhooks the receiver got, as event names.
    fn webhooks(&self) -> Vec<String> {
        self.receiver.events()
    }

    /// The delivery log, as `(event, status)`.
    async fn delivery_log(&self) -> Vec<(String, u64)> {
        self.live
            .deliveries()
            .await
            .iter()
            .map(|d| {
                (
                    d["event"].as_str().unwrap().to_string(),
                    d["status"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Links a GTBank account through the widget with the right OTP, screenshotting every
    /// step; returns its id.
    async fn link_with_otp(&mut self) -> String {
        let b = &mut self.browser;
        b.goto(&format!("{}/demo", self.live.url)).await;
        b.wait_for("#link").await;
        b.screenshot("demo-page").await;
        b.click("#link").await;
        b.enter_widget("institution_list").await;
        b.arrive("institution_list", "link-institutions").await;
        b.type_into("#q", "gt").await;
        b.screenshot("link-institutions-search").await;
        b.click("button.bank[value=gtbank]").await;
        b.on_page("auth_method").await;
        b.click("input[value=mobile_banking]").await;
        b.arrive("auth_method", "link-auth-method").await;
        b.click("button.primary").await;
        b.arrive("login", "link-credentials").await;
        self.login().await;
        let b = &mut self.browser;
        b.arrive("mfa", "link-mfa-otp").await;
        self.answer("123456").await;
        let b = &mut self.browser;
        b.arrive("account_selection", "link-select-account").await;
        b.click("button.primary").await;
        b.arrive("success", "link-success").await;
        b.click("button.primary").await; // Continue: the widget closes
        b.leave_widget().await;
        b.until(
            "the demo to exchange the code",
            "return document.getElementById('account').textContent.startsWith('Linked account ');",
        )
        .await;
        b.until(
            "onClose",
            "return window.demoEvents.some(e => e.kind === 'onClose');",
        )
        .await;
        let text = b.text("#account").await;
        text.trim_start_matches("Linked account ").to_string()
    }

    /// The bank session expires (demo's step 2) and the demo fetches a token and opens the
    /// widget with it (step 3). Returns how many page events there were before.
    async fn start_reauth(&mut self) -> usize {
        let b = &self.browser;
        b.click("#expire").await;
        b.until(
            "the session to expire",
            "return document.getElementById('expired').textContent.length > 0;",
        )
        .await;
        self.live.idle().await;
        let before = self.page_events().await.len();
        let b = &self.browser;
        b.click("#reauth").await;
        b.enter_widget("login").await;
        before
    }

    async fn login(&mut self) {
        let b = &self.browser;
        b.type_into("#username", "ada.lovelace").await;
        b.type_into("#password", "1234").await;
        b.click("form.bank-call button[type=submit]").await;
    }

    async fn answer(&mut self, otp: &str) {
        let b = &self.browser;
        b.on_page("mfa").await;
        b.type_into("#answer", otp).await;
        b.click("form.bank-call button[type=submit]").await;
    }

    /// On the re-auth's success page: screenshot it as `shot`, press the button, and wait
    /// for the page's second `onClose` (the link's was the first).
    async fn close_after_reauth(&mut self, shot: &str) {
        let b = &mut self.browser;
        b.on_page("success").await;
        b.screenshot(shot).await;
        b.click("button.primary").await;
        b.leave_widget().await;
        b.until(
            "onClose after the re-auth",
            "return window.demoEvents.filter(e => e.kind === 'onClose').length === 2;",
        )
        .await;
    }
}

/// What the receiver gets for a link, a bank session expiring and a successful re-auth.
const LINKED_THEN_REAUTHORISED: [&str; 5] = [
    "mono.events.account_connected",
    "mono.events.account_updated",
    "mono.events.reauthorisation_required",
    "mono.events.account_reauthorized",
    "mono.events.account_updated",
];

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_with_otp_fires_mono_events_and_webhooks() {
    let mut w = start("link").await;
    let account = w.link_with_otp().await;

    assert_eq!(
        w.page_event_names().await,
        names(&[
            "OPENED",
            "onLoad",
            "LOADED",
            "INSTITUTION_SELECTED",
            "AUTH_METHOD_SWITCHED",
            "SUBMIT_CREDENTIALS",
            "SUBMIT_MFA",
            "ACCOUNT_SELECTED",
            "ACCOUNT_LINKED",
            "SUCCESS",
            "onSuccess",
            "onClose",
        ])
    );
    let selected = w.page_event("INSTITUTION_SELECTED", 0).await;
    assert_eq!(selected["institution"]["name"], "GTBank");
    assert_eq!(selected["authMethod"], "internet_banking");
    assert!(selected["reference"].as_str().unwrap().starts_with("demo-"));
    assert!(selected["timestamp"].is_i64());
    let switched = w.page_event("AUTH_METHOD_SWITCHED", 0).await;
    assert_eq!(switched["prevAuthMethod"], "internet_banking");
    assert_eq!(switched["authMethod"], "mobile_banking");
    assert_eq!(w.page_event("SUBMIT_MFA", 0).await["mfaType"], "OTP");
    assert_eq!(
        w.page_event("ACCOUNT_SELECTED", 0).await["selectedAccountsCount"],
        1
    );
    let code = w.page_event("onSuccess", 0).await["code"].clone();
    assert!(code.as_str().unwrap().starts_with("code_"), "{code}");
    assert_eq!(w.page_event("SUCCESS", 0).await["code"], code);

    // The code the page got is the new account's: the backend exchanged it for this id.
    let (status, exchanged) = w
        .live
        .api_json("POST", "/account/auth", Some(json!({ "code": code })))
        .await;
    assert_eq!(
        (status.as_u16(), exchanged["id"].as_str()),
        (200, Some(account.as_str()))
    );
    let (_, details) = w.live.api("GET", &format!("/v2/accounts/{account}")).await;
    assert_eq!(details["data"]["account"]["institution"]["name"], "GTBank");

    w.settle().await;
    let linked = names(&[
        "mono.events.account_connected",
        "mono.events.account_updated",
    ]);
    assert_eq!(w.webhooks(), linked);
    assert_eq!(
        w.delivery_log().await,
        vec![
            ("mono.events.account_connected".to_string(), 200),
            ("mono.events.account_updated".to_string(), 200)
        ]
    );
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reauth_with_the_right_otp_clears_the_session_in_order() {
    let mut w = start("reauth").await;
    w.link_with_otp().await;
    w.settle().await;
    let before = w.start_reauth().await;
    let b = &mut w.browser;
    b.assert_labelled("the re-auth login page").await;
    assert_eq!(
        b.text("h1").await,
        "Re-authorise your GTBank account",
        "the re-auth flow opens on the account's bank"
    );
    b.screenshot("reauth-credentials").await;
    w.login().await;
    w.browser.on_page("mfa").await;
    w.browser.screenshot("reauth-mfa").await;
    w.answer("123456").await;
    w.close_after_reauth("reauth-success").await;

    let events: Vec<String> = w.page_event_names().await.split_off(before);
    assert_eq!(
        events,
        names(&[
            "OPENED",
            "onLoad",
            "LOADED",
            "SUBMIT_CREDENTIALS",
            "SUBMIT_MFA",
            "ACCOUNT_LINKED",
            "SUCCESS",
            "onSuccess",
            "onClose",
        ])
    );
    assert!(w.page_event("onSuccess", before).await["code"]
        .as_str()
        .unwrap()
        .starts_with("code_"));

    w.settle().await;
    let expected = names(&LINKED_THEN_REAUTHORISED);
    assert_eq!(w.webhooks(), expected);
    let log: Vec<String> = w.delivery_log().await.into_iter().map(|(e, _)| e).collect();
    assert_eq!(log, expected);
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_otp_is_refused_then_the_right_one_is_accepted() {
    let mut w = start("wrong-otp").await;
    w.link_with_otp().await;
    w.settle().await;
    let before = w.start_reauth().await;
    w.login().await;
    w.answer("000000").await;
    let b = &mut w.browser;
    b.on_page("mfa").await;
    assert!(
        b.text("[role=alert]")
            .await
            .contains("That answer is not right"),
        "the page says the answer was wrong"
    );
    b.screenshot("reauth-wrong-otp").await;
    b.leave_widget().await;
    b.until(
        "the ERROR event",
        "return window.demoEvents.some(e => e.kind === 'ERROR');",
    )
    .await;
    let error = w.page_event("ERROR", before).await;
    assert_eq!(error["errorType"], "INVALID_MFA");
    w.live.idle().await;
    assert!(
        !w.webhooks()
            .contains(&"mono.events.account_reauthorized".to_string()),
        "a wrong answer must not re-authorise: {:?}",
        w.webhooks()
    );

    w.browser.enter_widget("mfa").await;
    w.answer("123456").await;
    w.browser.on_page("success").await;
    w.browser.screenshot("reauth-after-wrong-otp").await;
    w.settle().await;
    assert_eq!(w.webhooks(), names(&LINKED_THEN_REAUTHORISED));
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_shows_monos_message_and_fires_nothing() {
    let mut w = start("expired").await;
    let account = w.link_with_otp().await;
    w.settle().await;
    w.browser.click("#expire").await;
    w.browser
        .until(
            "the session to expire",
            "return document.getElementById('expired').textContent.length > 0;",
        )
        .await;
    w.live.idle().await;
    let webhooks_before = w.webhooks();

    // A token fetched, then left for longer than its 10 minutes.
    let (_, token) = w
        .live
        .api("POST", &format!("/accounts/{account}/reauthorise"))
        .await;
    let token = token["token"].as_str().unwrap().to_string();
    w.live.advance("11m").await;
    let before = w.page_events().await.len();
    w.browser
        .js(&format!(
            "window.demoConnect.reauthorise('{token}'); window.demoConnect.open(); return true;"
        ))
        .await;
    w.browser.enter_widget("error").await;
    let b = &mut w.browser;
    assert_eq!(b.text("h1").await, "This re-authorisation link has expired");
    assert!(b
        .text(".sim-detail")
        .await
        .contains("has expired (tokens last 10 minutes)"));
    b.screenshot("reauth-token-expired").await;
    b.leave_widget().await;
    b.until(
        "the ERROR event",
        "return window.demoEvents.some(e => e.kind === 'ERROR');",
    )
    .await;
    let error = w.page_event("ERROR", before).await;
    assert_eq!(error["errorType"], "REAUTH_TOKEN_EXPIRED");
    assert!(
        error["errorMessage"].as_str().unwrap().contains(&token),
        "{error}"
    );
    // The user closes the error page.
    w.browser.enter_widget("error").await;
    w.browser.click("button.primary").await;
    w.browser.leave_widget().await;
    w.browser
        .until(
            "onClose",
            "return window.demoEvents.filter(e => e.kind === 'onClose').length === 2;",
        )
        .await;
    assert_eq!(w.page_event("EXIT", before).await["pageName"], "error");

    // The same refusal when the panel makes the token expire mid-flow.
    w.browser.click("#reauth").await;
    w.browser.enter_widget("login").await;
    w.browser.click("input[name=outcome][value=expired]").await;
    w.browser.screenshot("panel-token-expired").await;
    w.browser.click(".panel button[type=submit]").await;
    w.browser.on_page("login").await;
    w.login().await; // the bank finds the token expired at once
    w.browser.on_page("error").await;
    w.browser.screenshot("panel-token-expired-result").await;

    w.settle().await;
    assert_eq!(
        w.webhooks(),
        webhooks_before,
        "nothing fires for an expired token"
    );
    assert!(!w
        .delivery_log()
        .await
        .iter()
        .any(|(e, _)| e == "mono.events.account_reauthorized"));
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_exiting_fires_exit_and_on_close() {
    let mut w = start("exit").await;
    let b = &mut w.browser;
    b.goto(&format!("{}/demo", w.live.url)).await;
    b.click("#link").await;
    b.enter_widget("institution_list").await;
    b.click("button.bank[value=access]").await;
    b.on_page("auth_method").await;
    b.click("button.primary").await;
    b.on_page("login").await;
    b.screenshot("exit-before").await;
    b.click("form.close button").await;
    b.leave_widget().await;
    b.until(
        "onClose",
        "return window.demoEvents.some(e => e.kind === 'onClose');",
    )
    .await;
    b.screenshot("exit-after").await;
    assert_eq!(
        w.page_event_names().await,
        names(&[
            "OPENED",
            "onLoad",
            "LOADED",
            "INSTITUTION_SELECTED",
            "EXIT",
            "onClose"
        ])
    );
    assert_eq!(w.page_event("EXIT", 0).await["pageName"], "login");
    assert_eq!(
        w.browser
            .js("return document.querySelectorAll('iframe').length;")
            .await,
        0,
        "connect.js removes the widget on close"
    );
    w.live.idle().await;
    assert_eq!(w.webhooks(), Vec::<String>::new(), "an exit links nothing");
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_works_from_the_keyboard_and_connect_js_checks_its_arguments() {
    let mut w = start("keyboard").await;
    let b = &mut w.browser;
    b.goto(&format!("{}/demo", w.live.url)).await;
    let refused = b
        .js("try { window.demoConnect.reauthorise(); return null; } catch (e) { return e.message; }")
        .await;
    assert_eq!(refused, "Account ID is required for re-authorisation");
    let not_a_string = b
        .js("try { window.demoConnect.reauthorise(42); return null; } catch (e) { return e.message; }")
        .await;
    assert_eq!(not_a_string, "Invalid accountId: must be a string");
    let no_key = b
        .js("try { new Connect({ onSuccess() {} }); return null; } catch (e) { return e.message; }")
        .await;
    assert_eq!(no_key, "PUBLIC_KEY is required");

    b.click("#link").await;
    b.enter_widget("institution_list").await;
    b.type_into("#q", "zen").await;
    b.press(Key::Tab).await; // the Search button
    b.press(Key::Tab).await; // the first bank left in the filtered list
    let focused = b.js("return document.activeElement.value;").await;
    assert_eq!(focused, "zenith", "Tab reaches the filtered list");
    b.screenshot("keyboard-institution-focus").await;
    b.press(Key::Enter).await;
    b.on_page("auth_method").await;
    b.js("document.querySelector('input[name=auth_method]:checked').focus(); return true;")
        .await;
    b.press(Key::Tab).await; // from the radio group to Continue
    assert_eq!(
        b.js("return document.activeElement.textContent;").await,
        "Continue"
    );
    b.press(Key::Enter).await;
    b.on_page("login").await;
    b.click("#username").await;
    b.press(Key::Tab).await;
    let focused = b.js("return document.activeElement.id;").await;
    assert_eq!(
        focused, "password",
        "Tab moves from the user field to the secret"
    );
    b.type_into("#username", "ada").await;
    b.type_into("#password", "1234").await;
    b.press(Key::Enter).await;
    b.on_page("mfa").await;
    assert!(b.text("#mfa-prompt").await.contains("Zenith Bank"));
    b.screenshot("keyboard-mfa-token").await;
    b.assert_labelled("the token MFA page").await;
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_mono_url_reauthorises_in_a_page_of_its_own() {
    let mut w = start("mono-url").await;
    let account = w
        .live
        .link(json!({ "institution": "uba", "mfa": "otp" }))
        .await;
    w.live
        .control(
            "POST",
            &format!("/accounts/{account}/expire-session"),
            json!({}),
        )
        .await;
    let back = format!("{}/demo?linked=yes", w.live.url);
    let (_, initiated) = w
        .live
        .api_json(
            "POST",
            "/v2/accounts/initiate",
            Some(json!({ "scope": "reauth", "account": account, "redirect_url": back })),
        )
        .await;
    let mono_url = initiated["data"]["mono_url"].as_str().unwrap().to_string();
    let b = &mut w.browser;
    b.goto(&mono_url).await;
    b.arrive("login", "standalone-credentials").await;
    w.login().await;
    w.browser.arrive("mfa", "standalone-mfa").await;
    w.answer("123456").await;
    w.browser.arrive("success", "standalone-success").await;
    w.browser.click("a.primary").await;
    w.browser
        .until(
            "the redirect back to the app",
            "return location.search.includes('code=');",
        )
        .await;
    let url = w.browser.js("return location.href;").await;
    assert!(
        url.as_str()
            .unwrap()
            .starts_with(&format!("{back}&code=code_")),
        "{url}"
    );
    w.settle().await;
    assert_eq!(w.webhooks(), names(&LINKED_THEN_REAUTHORISED));
    w.browser.quit().await;
}

/// The calls the simulated Mono API received, as `METHOD path`.
async fn api_calls(live: &Live) -> Vec<String> {
    let log = live.control("GET", "/requests", json!(null)).await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reauth_by_account_id_takes_a_wrong_then_the_right_otp() {
    let mut w = start("reauth-by-account").await;
    let account = w.link_with_otp().await;
    w.settle().await;
    let b = &w.browser;
    b.click("#expire").await;
    b.until(
        "the session to expire",
        "return document.getElementById('expired').textContent.length > 0;",
    )
    .await;
    w.live.idle().await;
    let before = w.page_events().await.len();

    // connect.js 2.1+: `reauthorise(accountId)`, no call to Mono first.
    w.browser.click("#reauth-account").await;
    w.browser.enter_widget("login").await;
    let b = &mut w.browser;
    assert_eq!(
        b.text("h1").await,
        "Re-authorise your GTBank account",
        "the account id alone opens the widget on the account's bank"
    );
    b.screenshot("by-account-credentials").await;
    b.leave_widget().await;
    let query = b
        .js(
            "const q = new URL(document.querySelector('iframe').src).searchParams; \
             return { data: q.get('data'), token: q.get('reauth_token') };",
        )
        .await;
    let data: Value = serde_json::from_str(query["data"].as_str().unwrap_or("null")).unwrap();
    assert_eq!(
        data["account"],
        account.as_str(),
        "as connect.js 2.1 sends it: {query}"
    );
    assert_eq!(
        query["token"],
        Value::Null,
        "no token in the iframe's query"
    );
    w.browser.enter_widget("login").await;
    w.login().await;
    w.answer("000000").await;
    let b = &mut w.browser;
    b.on_page("mfa").await;
    assert!(b
        .text("[role=alert]")
        .await
        .contains("That answer is not right"));
    b.screenshot("by-account-wrong-otp").await;
    w.live.idle().await;
    assert!(
        !w.webhooks()
            .contains(&"mono.events.account_reauthorized".to_string()),
        "a wrong answer must not re-authorise: {:?}",
        w.webhooks()
    );
    w.answer("123456").await;
    w.close_after_reauth("by-account-success").await;

    let events: Vec<String> = w.page_event_names().await.split_off(before);
    assert_eq!(
        events,
        names(&[
            "OPENED",
            "onLoad",
            "LOADED",
            "SUBMIT_CREDENTIALS",
            "SUBMIT_MFA",
            "ERROR",
            "SUBMIT_MFA",
            "ACCOUNT_LINKED",
            "SUCCESS",
            "onSuccess",
            "onClose",
        ])
    );
    assert_eq!(
        w.page_event("ERROR", before).await["errorType"],
        "INVALID_MFA"
    );
    w.settle().await;
    assert_eq!(w.webhooks(), names(&LINKED_THEN_REAUTHORISED));
    let calls = api_calls(&w.live).await;
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("reauthorise") || c.contains("initiate")),
        "re-auth by account id needs no token from Mono: {calls:?}"
    );
    w.browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reauth_by_an_account_that_cannot_be_reauthorised_shows_the_failure_page() {
    let mut w = start("reauth-by-unknown-account").await;
    // An MFA-less account never needs re-authorising; an unknown id names nothing.
    let no_mfa = w
        .live
        .link(json!({ "institution": "gtbank", "mfa": "none" }))
        .await;
    let b = &mut w.browser;
    b.goto(&format!("{}/demo", w.live.url)).await;
    b.wait_for("#link").await;
    let unknown = "0123456789abcdef01234567";
    for (account, shot, message) in [
        (
            unknown,
            "by-account-unknown",
            format!("no account {unknown}"),
        ),
        (
            no_mfa.as_str(),
            "by-account-no-mfa",
            "This account can not be re-authorised.".to_string(),
        ),
    ] {
        let before = w.page_events().await.len();
        let b = &mut w.browser;
        b.js(&format!(
            "window.demoConnect.reauthorise('{account}'); window.demoConnect.open(); return true;"
        ))
        .await;
        b.enter_widget("error").await;
        assert_eq!(b.text("h1").await, "This account can not be re-authorised");
        b.screenshot(shot).await;
        b.leave_widget().await;
        b.until(
            "the ERROR event",
            &format!("return window.demoEvents.slice({before}).some(e => e.kind === 'ERROR');"),
        )
        .await;
        let error = w.page_event("ERROR", before).await;
        assert_eq!(error["errorType"], "ACCOUNT_NOT_REAUTHORISABLE", "{error}");
        assert_eq!(error["errorMessage"], message.as_str());
        w.browser
            .js("window.demoConnect.close(); return true;")
            .await;
    }
    w.live.idle().await;
    assert!(
        !w.webhooks()
            .contains(&"mono.events.account_reauthorized".to_string()),
        "{:?}",
        w.webhooks()
    );
    w.browser.quit().await;
}
