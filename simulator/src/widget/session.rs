//! One person's pass through the widget: where they are, what they chose, what the
//! simulator panel says the bank does next, and the events waiting to be posted to the
//! integrator's page.
//!
//! ```text
//!  link:   institution ─▶ auth method ─▶ credentials ─▶ MFA ─▶ accounts ─▶ success
//!  reauth:            (the account's bank) credentials ─▶ MFA ─────────────▶ success
//!  any step ─close──▶ closed   token or account refused / expired ──▶ failed
//! ```
//!
//! Every change happens in [`Session::act`], a plain function of the session, the action
//! and the simulated Mono behind it, so the flow is tested without a browser; the HTTP
//! handlers in `mod.rs` only parse forms and render [`super::pages`].

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::clock::Timestamp;
use crate::echo::Echo;
use crate::lifecycle::{LifecycleError, LinkOptions, MfaAnswer, ReauthOutcome};
use crate::sim::Sim;
use crate::world::{institutions, AccountKind, AccountSpec, AuthMethod, Mfa, ObjectId};

/// Which journey the widget was opened for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// `connect.setup()`: link a new account.
    Link,
    /// `connect.reauthorise(…)` or a v2 `mono_url`: sign in again to an account whose
    /// bank session expired.
    Reauth { by: ReauthBy, account: ObjectId },
}

/// What the widget was given to re-authorise with: Mono's script changed this in
/// connect.js 2.1.0 (withmono/connect.js#58), and integrators run both versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReauthBy {
    /// A re-auth token the integrator fetched first (`reauth_token`, connect.js up to
    /// 2.0.x, and the token inside a v2 `mono_url`).
    Token(String),
    /// The account id alone (`data.account`, connect.js 2.1+): no prior call to Mono.
    Account,
}

/// The page the user is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Institution,
    AuthMethod,
    Credentials,
    Mfa,
    Accounts,
    Success,
    /// Nothing more can be done in this session (bad key, refused token).
    Failed,
    Closed,
}

impl Step {
    /// The `pageName` Mono reports with `EXIT` ([inferred] values: Mono lists the field,
    /// not its values).
    pub fn page_name(self) -> &'static str {
        match self {
            Step::Institution => "institution_list",
            Step::AuthMethod => "auth_method",
            Step::Credentials => "login",
            Step::Mfa => "mfa",
            Step::Accounts => "account_selection",
            Step::Success => "success",
            Step::Failed => "error",
            Step::Closed => "closed",
        }
    }
}

/// What the simulator panel makes the bank do at the next submission (login or MFA answer).
/// It applies once, then falls back to [`Outcome::ByAnswer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Judge the MFA answer typed against the one the panel shows.
    ByAnswer,
    /// Accept any MFA answer.
    Correct,
    /// Reject the MFA answer.
    Wrong,
    /// The re-auth token (or the link session) expires before the answer arrives.
    Expired,
    /// The bank does not answer: an error, and the user may try again.
    BankUnavailable,
    /// The bank answers, but only after the panel's delay.
    SlowBank,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::ByAnswer,
        Outcome::Correct,
        Outcome::Wrong,
        Outcome::Expired,
        Outcome::BankUnavailable,
        Outcome::SlowBank,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::ByAnswer => "by_answer",
            Outcome::Correct => "correct",
            Outcome::Wrong => "wrong",
            Outcome::Expired => "expired",
            Outcome::BankUnavailable => "bank_unavailable",
            Outcome::SlowBank => "slow_bank",
        }
    }
}

/// The longest delay the panel's "slow bank" may ask for, so a typo cannot hang a page.
pub const MAX_SLOW_MS: u64 = 30_000;

/// The accounts a bank login offers for selection ([inferred]: Mono shows the accounts the
/// bank returns; the simulator offers one of each kind).
pub const OFFERED: [AccountKind; 2] = [AccountKind::SavingsAccount, AccountKind::CurrentAccount];

/// What the user did, as posted by a page's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    ChooseInstitution(String),
    ChooseAuthMethod(String),
    Login {
        username: String,
        password: String,
    },
    AnswerMfa(String),
    SelectAccount(usize),
    /// Back to the institution list (link flow only).
    Back,
    /// The user closes the widget before the end: `EXIT`, then `onClose`.
    Exit,
    /// "Continue" on the success page: the widget closes (`onClose`), no `EXIT`.
    Finish,
    /// Sets the simulator panel's outcome of the next submission.
    Panel {
        outcome: Outcome,
        slow_ms: u64,
    },
}

/// A message for the integrator's page: `type` is connect.js's message type, `data` the
/// fields Mono documents for it (`reference` and `timestamp` always).
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetEvent {
    pub kind: &'static str,
    pub data: Map<String, Value>,
}

/// A message shown on the current page (an error the user can act on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub detail: String,
    /// What the simulator knows that a bank's user would not be told (the lifecycle's
    /// reason a token was refused); shown apart, and sent as the event's `errorMessage`.
    pub cause: Option<String>,
}

pub struct Session {
    pub id: String,
    pub sim: Arc<Sim>,
    pub flow: Flow,
    pub step: Step,
    pub reference: Option<String>,
    /// Where a standalone (`mono_url`) session sends the user when done.
    pub redirect_url: Option<String>,
    pub institution: Option<usize>,
    pub auth_method: Option<AuthMethod>,
    pub next: Outcome,
    pub slow_ms: u64,
    pub notice: Option<Notice>,
    /// Events not yet handed to a page.
    pub outbox: Vec<WidgetEvent>,
    /// The `code` handed to `onSuccess`.
    pub code: Option<String>,
}

/// What the bank's MFA challenge looks like, and the answer the simulated bank accepts.
pub struct Challenge {
    /// The `mfaType` of `SUBMIT_MFA`.
    pub mfa_type: &'static str,
    pub label: &'static str,
    pub prompt: String,
    pub expected: &'static str,
    pub numeric: bool,
}

pub fn challenge(mfa: Mfa, bank: &str) -> Option<Challenge> {
    // [inferred] wording and answers; Mono documents only the kinds of challenge.
    match mfa {
        Mfa::None => None,
        Mfa::Otp => Some(Challenge {
            mfa_type: "OTP",
            label: "One-time password",
            prompt: format!("{bank} sent a 6-digit code to the phone number ending in 0042."),
            expected: "123456",
            numeric: true,
        }),
        Mfa::SecurityQuestion => Some(Challenge {
            mfa_type: "SECURITY_QUESTION",
            label: "Answer",
            prompt: format!(
                "{bank} asks your security question: what is the name of your first school?"
            ),
            expected: "monosim",
            numeric: false,
        }),
        Mfa::Token => Some(Challenge {
            mfa_type: "TOKEN",
            label: "Token code or PIN",
            prompt: format!(
                "Enter the code shown on your {bank} hardware token, or your token PIN."
            ),
            expected: "246810",
            numeric: true,
        }),
    }
}

/// A stable, ObjectId-shaped id for a catalogue institution ([inferred]: Mono's
/// `institution.id` values are its own ObjectIds).
pub fn institution_id(index: usize) -> String {
    let code: u64 = institutions::CATALOGUE[index]
        .bank_code
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'));
    format!("5f2d08be{code:016x}")
}

/// `institution: {id, name}` as Mono's widget events carry it.
fn institution_json(index: usize) -> Value {
    json!({ "id": institution_id(index), "name": institutions::CATALOGUE[index].name })
}

impl Session {
    /// A session for a new link.
    pub fn link(id: String, sim: Arc<Sim>, reference: Option<String>) -> Session {
        let mut session = Session::new(id, sim, Flow::Link, reference);
        session.step = Step::Institution;
        session
    }

    /// A re-auth session opened with `token`. A token that cannot be used opens on the
    /// failure page, with Mono's `ERROR` event, and nothing else happens.
    pub fn reauth(id: String, sim: Arc<Sim>, token: &str, reference: Option<String>) -> Session {
        let checked = sim.check_token(token);
        let account = checked.as_ref().map_or(ObjectId([0; 12]), |a| a.id);
        let by = ReauthBy::Token(token.to_string());
        Session::reauth_checked(id, sim, by, account, checked, reference)
    }

    /// A re-auth session opened with the account id (connect.js 2.1+ puts it in the
    /// iframe's `data` as `account`). An id the lifecycle would not re-authorise (unknown,
    /// unlinked, no MFA) opens on the failure page with an `ERROR` event.
    pub fn reauth_account(
        id: String,
        sim: Arc<Sim>,
        account: &str,
        reference: Option<String>,
    ) -> Session {
        let (account, checked) = match account.parse::<ObjectId>() {
            Ok(oid) => (oid, sim.check_account(&oid)),
            Err(_) => (
                ObjectId([0; 12]),
                Err(LifecycleError::NotAnAccountId(account.to_string())),
            ),
        };
        Session::reauth_checked(id, sim, ReauthBy::Account, account, checked, reference)
    }

    fn reauth_checked(
        id: String,
        sim: Arc<Sim>,
        by: ReauthBy,
        account: ObjectId,
        checked: Result<crate::world::Account, LifecycleError>,
        reference: Option<String>,
    ) -> Session {
        let mut session = Session::new(id, sim, Flow::Reauth { by, account }, reference);
        match checked {
            Ok(account) => {
                session.institution = Some(usize::from(account.institution));
                session.auth_method = Some(account.auth_method);
                session.step = Step::Credentials;
            }
            Err(error) => session.fail_reauth(&error),
        }
        session
    }

    /// The lifecycle's answer to the user's MFA `answer`, by token or by account id.
    fn reauthorise(&self, answer: MfaAnswer) -> Option<Result<ReauthOutcome, LifecycleError>> {
        match &self.flow {
            Flow::Link => None,
            Flow::Reauth {
                by: ReauthBy::Token(token),
                ..
            } => Some(self.sim.reauthorise(token, answer)),
            Flow::Reauth {
                by: ReauthBy::Account,
                account,
            } => Some(self.sim.reauthorise_account(account, answer, None)),
        }
    }

    /// A session that cannot start (a wrong public key, say): the failure page.
    pub fn refused(id: String, sim: Arc<Sim>, error_type: &str, notice: Notice) -> Session {
        let mut session = Session::new(id, sim, Flow::Link, None);
        session.fail(error_type, notice);
        session
    }

    fn new(id: String, sim: Arc<Sim>, flow: Flow, reference: Option<String>) -> Session {
        let mut session = Session {
            id,
            sim,
            flow,
            step: Step::Institution,
            reference: reference.filter(|r| !r.is_empty()),
            redirect_url: None,
            institution: None,
            auth_method: None,
            next: Outcome::ByAnswer,
            slow_ms: 3_000,
            notice: None,
            outbox: Vec::new(),
            code: None,
        };
        session.post("mono.connect.widget_loaded", Map::new());
        session
    }

    /// The account a re-auth session is for.
    pub fn reauth_target(&self) -> Option<ObjectId> {
        match &self.flow {
            Flow::Reauth { account, .. } => Some(*account),
            Flow::Link => None,
        }
    }

    pub fn is_reauth(&self) -> bool {
        matches!(self.flow, Flow::Reauth { .. })
    }

    pub fn institution(&self) -> Option<&'static institutions::Institution> {
        self.institution.map(|i| &institutions::CATALOGUE[i])
    }

    /// The challenge the chosen bank sets. For a re-auth it is the account's own MFA.
    pub fn challenge(&self) -> Option<Challenge> {
        let bank = self.institution()?;
        let mfa = match &self.flow {
            Flow::Reauth { account, .. } => self.sim.world.account(account)?.mfa,
            Flow::Link => bank.mfa,
        };
        challenge(mfa, bank.name)
    }

    /// How long the bank takes to answer `action`, if the panel asked for a slow bank;
    /// the handler waits that long *outside* the session lock, then calls [`Session::act`].
    pub fn bank_delay(&mut self, action: &Action) -> Option<u64> {
        let at_bank = matches!(action, Action::Login { .. } | Action::AnswerMfa(_));
        if at_bank && self.next == Outcome::SlowBank {
            self.next = Outcome::ByAnswer;
            return Some(self.slow_ms);
        }
        None
    }

    /// Applies what the user did. Actions that make no sense on the current page (a
    /// stale tab, a replayed form) are ignored rather than trusted.
    pub fn act(&mut self, action: Action) {
        if let Action::Panel { outcome, slow_ms } = action {
            self.next = outcome;
            self.slow_ms = slow_ms.min(MAX_SLOW_MS);
            return;
        }
        if matches!(self.step, Step::Closed) {
            return;
        }
        if action == Action::Finish {
            if self.step == Step::Success {
                self.post("mono.connect.widget.closed", Map::new());
                self.step = Step::Closed;
            }
            return;
        }
        if action == Action::Exit {
            let page = self.step.page_name();
            self.post("mono.connect.on_exit", data([("pageName", json!(page))]));
            self.post("mono.connect.widget.closed", Map::new());
            self.step = Step::Closed;
            return;
        }
        self.notice = None;
        match (self.step, action) {
            (Step::Institution, Action::ChooseInstitution(slug)) => self.choose_institution(&slug),
            (Step::AuthMethod | Step::Credentials, Action::ChooseAuthMethod(method)) => {
                self.choose_auth_method(&method)
            }
            (Step::AuthMethod | Step::Credentials, Action::Back) if !self.is_reauth() => {
                self.step = Step::Institution
            }
            (Step::Credentials, Action::Login { username, password }) => {
                self.login(&username, &password)
            }
            (Step::Mfa, Action::AnswerMfa(answer)) => self.answer(&answer),
            (Step::Accounts, Action::SelectAccount(index)) => self.select_account(index),
            _ => {}
        }
    }

    fn choose_institution(&mut self, slug: &str) {
        let Some(index) = institutions::find(slug) else {
            self.notice = Some(Notice {
                title: "Unknown institution".into(),
                detail: format!("No institution `{}`; choose one from the list.", Echo(slug)),
                cause: None,
            });
            return;
        };
        let bank = &institutions::CATALOGUE[index];
        let method = bank.auth_methods[0];
        self.institution = Some(index);
        self.auth_method = Some(method);
        self.post(
            "mono.connect.institution_selected",
            data([
                ("institution", institution_json(index)),
                ("authMethod", json!(method.as_str())),
            ]),
        );
        self.step = if bank.auth_methods.len() > 1 {
            Step::AuthMethod
        } else {
            Step::Credentials
        };
    }

    fn choose_auth_method(&mut self, method: &str) {
        let Some(bank) = self.institution() else {
            return;
        };
        let Some(chosen) = bank
            .auth_methods
            .iter()
            .copied()
            .find(|m| m.as_str() == method)
        else {
            self.notice = Some(Notice {
                title: "Unknown sign-in method".into(),
                detail: format!("{} does not offer `{}`.", bank.name, Echo(method)),
                cause: None,
            });
            return;
        };
        let previous = self.auth_method.replace(chosen);
        if let Some(previous) = previous.filter(|p| *p != chosen) {
            self.post(
                "mono.connect.auth_method_switched",
                data([
                    ("prevAuthMethod", json!(previous.as_str())),
                    ("authMethod", json!(chosen.as_str())),
                ]),
            );
        }
        self.step = Step::Credentials;
    }

    fn login(&mut self, username: &str, password: &str) {
        if username.trim().is_empty() || password.is_empty() {
            self.notice = Some(Notice {
                title: "Enter your details".into(),
                detail: "Both fields are needed to sign in to your bank.".into(),
                cause: None,
            });
            return;
        }
        self.post("mono.connect.login_attempt", Map::new());
        // Right or wrong MFA answers wait for the MFA step; the rest happen at the bank now.
        match self.next {
            Outcome::BankUnavailable => {
                self.next = Outcome::ByAnswer;
                return self.bank_unavailable();
            }
            Outcome::Expired => {
                self.next = Outcome::ByAnswer;
                return self.expire();
            }
            _ => {}
        }
        if self.challenge().is_some() {
            self.step = Step::Mfa;
        } else {
            self.passed_mfa();
        }
    }

    fn answer(&mut self, answer: &str) {
        let Some(challenge) = self.challenge() else {
            return self.passed_mfa();
        };
        self.post(
            "mono.connect.mfa_submitted",
            data([("mfaType", json!(challenge.mfa_type))]),
        );
        let outcome = std::mem::replace(&mut self.next, Outcome::ByAnswer);
        let right = match outcome {
            Outcome::BankUnavailable => return self.bank_unavailable(),
            Outcome::Expired => return self.expire(),
            Outcome::Correct => true,
            Outcome::Wrong => false,
            Outcome::ByAnswer | Outcome::SlowBank => answer.trim() == challenge.expected,
        };
        if right {
            return self.passed_mfa();
        }
        // A wrong answer leaves the token usable, as at Mono; the lifecycle still checks
        // that it is, so a token that expired meanwhile fails here rather than later.
        if let Some(Err(error)) = self.reauthorise(MfaAnswer::Wrong) {
            return self.fail_reauth(&error);
        }
        self.notice = Some(Notice {
            title: "That answer is not right".into(),
            detail: format!(
                "The bank did not accept the {}. Check it and try again.",
                challenge.label.to_lowercase()
            ),
            cause: None,
        });
        self.post(
            "mono.connect.error_occured",
            data([
                ("errorType", json!("INVALID_MFA")),
                ("errorMessage", json!("The MFA answer was not accepted")),
            ]),
        );
    }

    /// The bank accepted the second factor (or asked for none).
    fn passed_mfa(&mut self) {
        match self.reauthorise(MfaAnswer::Correct) {
            None => self.step = Step::Accounts,
            Some(Ok(ReauthOutcome::Reauthorised { .. })) => {
                if let Flow::Reauth { account, .. } = self.flow.clone() {
                    tracing::info!(session = %self.id, %account, "re-authorised in the widget");
                    self.succeed(&account);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => self.fail_reauth(&error),
        }
    }

    fn select_account(&mut self, index: usize) {
        let (Some(kind), Some(institution)) = (OFFERED.get(index).copied(), self.institution)
        else {
            self.notice = Some(Notice {
                title: "Choose an account".into(),
                detail: "Select the account you want to connect.".into(),
                cause: None,
            });
            return;
        };
        self.post(
            "mono.connect.account_selected",
            data([("selectedAccountsCount", json!(1))]),
        );
        let spec = AccountSpec {
            institution: Some(institution),
            auth_method: self.auth_method,
            kind: Some(kind),
            reference: self.reference.clone(),
            ..AccountSpec::default()
        };
        match self.sim.create_account(spec, Some(LinkOptions::default())) {
            Ok(id) => self.succeed(&id),
            Err(error) => self.fail(
                "ACCOUNT_LINK_FAILED",
                Notice {
                    title: "This account could not be connected".into(),
                    detail: error.to_string(),
                    cause: None,
                },
            ),
        }
    }

    /// `account` is linked or re-authorised: `onSuccess` gets its Connect code.
    fn succeed(&mut self, account: &ObjectId) {
        let code = self.sim.world.account(account).map(|a| a.code.to_string());
        let institution = self.institution.map(institution_json);
        self.post(
            "mono.connect.account_linked",
            data([("institution", institution.unwrap_or(Value::Null))]),
        );
        self.post(
            "mono.connect.widget.account_linked",
            data([("code", json!(code.clone()))]),
        );
        self.code = code;
        self.step = Step::Success;
    }

    fn bank_unavailable(&mut self) {
        let bank = self.institution().map_or("The bank", |b| b.name);
        self.notice = Some(Notice {
            title: format!("{bank} is not available right now"),
            detail: "We could not reach your bank. Please try again in a few minutes.".into(),
            cause: None,
        });
        self.post(
            "mono.connect.error_occured",
            data([
                ("errorType", json!("BANK_UNAVAILABLE")),
                (
                    "errorMessage",
                    json!(format!("{bank} is not available right now")),
                ),
            ]),
        );
    }

    fn expire(&mut self) {
        match self.reauthorise(MfaAnswer::Expired) {
            // The lifecycle refuses an expired answer whichever way the widget was opened.
            Some(result) => {
                let error = result.err().unwrap_or(LifecycleError::ReauthSessionExpired(
                    self.reauth_target().unwrap_or(ObjectId([0; 12])),
                ));
                self.fail_reauth(&error);
            }
            None => self.fail(
                "SESSION_EXPIRED",
                Notice {
                    title: "Your session has expired".into(),
                    detail: "The bank session timed out. Close this window and start again.".into(),
                    cause: None,
                },
            ),
        }
    }

    /// The re-auth token or account was refused: the lifecycle's reason, and nothing fires.
    /// The `errorType` values are [inferred]: Mono documents the field, not its values.
    fn fail_reauth(&mut self, error: &LifecycleError) {
        let (error_type, title) = match error {
            LifecycleError::NoSuchAccount(_)
            | LifecycleError::NotAnAccountId(_)
            | LifecycleError::CannotReauthorise => (
                "ACCOUNT_NOT_REAUTHORISABLE",
                "This account can not be re-authorised",
            ),
            LifecycleError::ReauthSessionExpired(_) => {
                ("SESSION_EXPIRED", "Your session has expired")
            }
            LifecycleError::ExpiredToken(_) => (
                "REAUTH_TOKEN_EXPIRED",
                "This re-authorisation link has expired",
            ),
            LifecycleError::UsedToken(_) => (
                "REAUTH_TOKEN_USED",
                "This re-authorisation link has already been used",
            ),
            _ => (
                "REAUTH_TOKEN_INVALID",
                "This re-authorisation link is not valid",
            ),
        };
        self.fail(
            error_type,
            Notice {
                title: title.into(),
                detail: "Go back to the app and start again; it will open a new link.".into(),
                cause: Some(error.to_string()),
            },
        );
    }

    fn fail(&mut self, error_type: &str, notice: Notice) {
        let message = notice.cause.as_ref().unwrap_or(&notice.detail);
        self.post(
            "mono.connect.error_occured",
            data([
                ("errorType", json!(error_type)),
                ("errorMessage", json!(message)),
            ]),
        );
        self.notice = Some(notice);
        self.step = Step::Failed;
    }

    /// Queues a message for the integrator's page, with `reference` and `timestamp`.
    fn post(&mut self, kind: &'static str, mut fields: Map<String, Value>) {
        if let Some(reference) = &self.reference {
            fields.insert("reference".into(), json!(reference));
        }
        // [inferred] unit: Unix milliseconds of the wall clock, like connect.js's own
        // `Date.now()` stamps: these are browser-side events, not the simulated world's.
        fields.insert("timestamp".into(), json!(Timestamp::wall().millis()));
        self.outbox.push(WidgetEvent { kind, data: fields });
    }
}

fn data<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}
