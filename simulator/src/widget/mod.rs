//! The simulated Mono Connect widget: the pages a user goes through to link an account or
//! re-authorise one, a connect.js-compatible script that opens them in an iframe, and a
//! demo page that uses the script the way an integrator's frontend would.
//!
//! | route | serves |
//! | --- | --- |
//! | `GET /connect.js` | the script: `new Connect({key, onSuccess, …})`, `setup`, `reauthorise`, `open`, `close` |
//! | `GET /widget?key=…[&reauth_token=…][&data={"account":…}][&reference=…]` | starts a session (the iframe's URL): link, re-auth by token (connect.js ≤ 2.0) or by account id (2.1+) |
//! | `GET /link/{token}` | the `mono_url` of `POST /v2/accounts/initiate`: a standalone re-auth session |
//! | `GET`/`POST /widget/{session}` | the session's current page / what the user did |
//! | `GET /demo` | an integrator-style page: link, then re-auth, events listed as they arrive |
//!
//! Pages are server-rendered forms (post, then redirect to the page) so the flow works
//! without JavaScript and every page is one URL a browser test can screenshot. The flow
//! itself lives in [`session`]; what the user sees in [`pages`]. Outcomes drive the real
//! lifecycle: a link creates and links an account (`account_connected`, then
//! `account_updated`) and hands `onSuccess` its `code`; a re-auth, by token or by account
//! id, ends the same way (`account_reauthorized`, then `account_updated`). Each of them is
//! recorded for `GET /_sim/recording.yaml` (`recording.rs`).

mod pages;
mod recording;
pub mod session;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use crate::echo::Echo;
use crate::tenants::Tenants;
use session::{Action, Notice, Outcome, Session};

/// HTML escaping, shared with the console page.
pub(crate) use pages::esc;

/// Sessions kept at once; the oldest is forgotten past this, so an open simulator cannot
/// grow without bound however many widgets are opened.
const MAX_SESSIONS: usize = 1_000;

/// What the widget routes share.
pub struct Widget {
    tenants: Arc<Tenants>,
    public_key: String,
    /// Shown pre-filled on `/demo` only when it is the documented test key.
    demo_secret_key: Option<String>,
    sessions: Mutex<Sessions>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Sessions {
    by_id: HashMap<String, Session>,
    order: VecDeque<String>,
}

impl Widget {
    /// `demo_secret_key` is shown pre-filled on `/demo`; the server passes it only when it
    /// is the documented test key, never a key someone chose.
    pub fn new(
        tenants: Arc<Tenants>,
        public_key: String,
        demo_secret_key: Option<String>,
    ) -> Widget {
        Widget {
            tenants,
            public_key,
            demo_secret_key,
            sessions: Mutex::new(Sessions::default()),
            next_id: AtomicU64::new(1),
        }
    }

    fn new_id(&self) -> String {
        format!("ws{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `session` and answers with a redirect to its first page.
    fn start(&self, session: Session) -> Response {
        let location = format!("/widget/{}", session.id);
        let mut sessions = self.sessions();
        if sessions.order.len() >= MAX_SESSIONS {
            if let Some(oldest) = sessions.order.pop_front() {
                sessions.by_id.remove(&oldest);
            }
        }
        sessions.order.push_back(session.id.clone());
        sessions.by_id.insert(session.id.clone(), session);
        Redirect::to(&location).into_response()
    }
}

pub fn router(widget: Arc<Widget>) -> Router {
    Router::new()
        .route("/connect.js", get(connect_js))
        .route("/demo", get(demo))
        .route("/widget", get(open))
        .route("/widget/assets/{file}", get(asset))
        .route("/widget/{session}", get(show).post(act))
        .route("/link/{token}", get(link_url))
        .with_state(widget)
}

/// The iframe's query, as connect.js builds it.
#[derive(Deserialize)]
struct Open {
    key: Option<String>,
    /// connect.js up to 2.0.x: `reauthorise(token)` sends the token fetched by the backend.
    reauth_token: Option<String>,
    /// JSON: connect.js's `data` option (`customer`, …); 2.1+ `reauthorise(accountId)`
    /// adds `account` to it.
    data: Option<String>,
    reference: Option<String>,
    redirect_url: Option<String>,
}

impl Open {
    /// The account id connect.js 2.1+ asks to re-authorise: `data.account`. `data` that
    /// is not JSON, or has no string `account`, is a link's business, not a re-auth.
    fn account(&self) -> Option<String> {
        let data: serde_json::Value = serde_json::from_str(self.data.as_deref()?).ok()?;
        data.get("account")?.as_str().map(str::to_string)
    }
}

async fn open(State(widget): State<Arc<Widget>>, Query(query): Query<Open>) -> Response {
    let id = widget.new_id();
    let main = widget.tenants.main().clone();
    let session = match query.key.as_deref() {
        // [inferred] Mono's scripts send one or the other; given both, the token (which
        // names its account) wins, as it did before connect.js 2.1.
        Some(key) if key == widget.public_key => match (&query.reauth_token, query.account()) {
            (Some(token), _) => {
                let sim = widget.tenants.for_token(token).unwrap_or(main);
                Session::reauth(id, sim, token, query.reference.clone())
            }
            (None, Some(account)) => {
                let sim = account
                    .parse()
                    .map_or(main, |oid| widget.tenants.for_account(&oid));
                Session::reauth_account(id, sim, &account, query.reference.clone())
            }
            (None, None) => Session::link(id, main, query.reference.clone()),
        },
        given => Session::refused(
            id,
            main,
            "INVALID_PUBLIC_KEY",
            Notice {
                title: "Invalid public key".into(),
                detail: match given {
                    None => "The widget was opened without `key`: pass your public key to `new Connect({ key })`.".into(),
                    Some(_) => format!(
                        "The widget was opened with a key that is not this simulator's public key (`{}`).",
                        widget.public_key
                    ),
                },
                cause: None,
            },
        ),
    };
    let mut session = session;
    session.redirect_url = web_url(query.redirect_url);
    tracing::debug!(
        session = %session.id,
        reauth = session.is_reauth(),
        by_account = query.reauth_token.is_none() && session.is_reauth(),
        "widget opened"
    );
    widget.start(session)
}

/// A `redirect_url` the success page may link to: http(s) only, so a crafted link cannot
/// turn the page's Continue button into a `javascript:` URL.
fn web_url(url: Option<String>) -> Option<String> {
    url.filter(|u| u.starts_with("http://") || u.starts_with("https://"))
}

/// `mono_url` from `/v2/accounts/initiate` (`scope: reauth`): the re-auth flow, standalone.
async fn link_url(
    State(widget): State<Arc<Widget>>,
    Path(token): Path<String>,
    Query(query): Query<Open>,
) -> Response {
    let id = widget.new_id();
    let sim = widget
        .tenants
        .for_token(&token)
        .unwrap_or_else(|| widget.tenants.main().clone());
    let mut session = Session::reauth(id, sim, &token, query.reference);
    session.redirect_url = web_url(query.redirect_url);
    widget.start(session)
}

#[derive(Deserialize)]
struct ShowQuery {
    q: Option<String>,
}

async fn show(
    State(widget): State<Arc<Widget>>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let mut sessions = widget.sessions();
    match sessions.by_id.get_mut(&id) {
        Some(session) => html(pages::render(session, query.q.as_deref())),
        None => (StatusCode::NOT_FOUND, Html(pages::missing(&id))).into_response(),
    }
}

/// Every form on every page posts here; `action` says which.
#[derive(Deserialize, Default)]
struct Posted {
    action: Option<String>,
    institution: Option<String>,
    auth_method: Option<String>,
    username: Option<String>,
    password: Option<String>,
    answer: Option<String>,
    account: Option<String>,
    outcome: Option<String>,
    slow_seconds: Option<String>,
}

impl Posted {
    fn action(self) -> Result<Action, String> {
        let take = |v: Option<String>| v.unwrap_or_default();
        Ok(match self.action.as_deref().unwrap_or("") {
            "institution" => Action::ChooseInstitution(take(self.institution)),
            "auth_method" => Action::ChooseAuthMethod(take(self.auth_method)),
            "login" => Action::Login {
                username: take(self.username),
                password: take(self.password),
            },
            "mfa" => Action::AnswerMfa(take(self.answer)),
            "account" => Action::SelectAccount(
                take(self.account)
                    .parse()
                    .map_err(|_| "`account` must be the number of an offered account")?,
            ),
            "back" => Action::Back,
            "exit" => Action::Exit,
            "done" => Action::Finish,
            "panel" => {
                let outcome = take(self.outcome);
                let outcome = Outcome::ALL
                    .into_iter()
                    .find(|o| o.as_str() == outcome)
                    .ok_or_else(|| format!("unknown panel outcome `{}`", Echo(&outcome)))?;
                let seconds: f64 = match self.slow_seconds.as_deref().map(str::trim) {
                    None | Some("") => 3.0,
                    Some(s) => s.parse().map_err(|_| {
                        format!("slow bank delay `{}` is not a number of seconds", Echo(s))
                    })?,
                };
                if !seconds.is_finite() || seconds < 0.0 {
                    return Err(format!(
                        "slow bank delay `{seconds}` must be between 0 and {} seconds",
                        session::MAX_SLOW_MS / 1000
                    ));
                }
                Action::Panel {
                    outcome,
                    slow_ms: (seconds * 1000.0) as u64,
                }
            }
            other => return Err(format!("unknown widget action `{}`", Echo(other))),
        })
    }
}

async fn act(
    State(widget): State<Arc<Widget>>,
    Path(id): Path<String>,
    form: Result<Form<Posted>, FormRejection>,
) -> Response {
    let bad = |message: String| (StatusCode::BAD_REQUEST, message).into_response();
    let action = match form {
        Ok(Form(posted)) => match posted.action() {
            Ok(action) => action,
            Err(message) => return bad(message),
        },
        Err(rejection) => return bad(rejection.body_text()),
    };
    let delay = {
        let mut sessions = widget.sessions();
        let Some(session) = sessions.by_id.get_mut(&id) else {
            return (StatusCode::NOT_FOUND, Html(pages::missing(&id))).into_response();
        };
        session.bank_delay(&action)
    };
    if let Some(ms) = delay {
        // The panel asked for a slow bank: this wait *is* the simulated behaviour.
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let mut sessions = widget.sessions();
    if let Some(session) = sessions.by_id.get_mut(&id) {
        let before = recording::Before::of(session, &action);
        session.act(action);
        before.record(session);
    }
    Redirect::to(&format!("/widget/{id}")).into_response()
}

fn html(body: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

async fn connect_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("assets/connect.js"),
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    let (kind, body) = match file.as_str() {
        "widget.js" => (
            "text/javascript; charset=utf-8",
            include_str!("assets/widget.js"),
        ),
        "widget.css" => ("text/css; charset=utf-8", include_str!("assets/widget.css")),
        _ => return (StatusCode::NOT_FOUND, "no such widget asset").into_response(),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

async fn demo(State(widget): State<Arc<Widget>>) -> Response {
    let page = include_str!("assets/demo.html")
        .replace("{{public_key}}", &pages::esc(&widget.public_key))
        .replace(
            "{{secret_key}}",
            &pages::esc(widget.demo_secret_key.as_deref().unwrap_or("")),
        );
    html(page)
}
