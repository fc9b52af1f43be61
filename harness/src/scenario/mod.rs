//! Scenario files: the accounts a scenario plays with and the steps it takes, read once into
//! typed values the runner matches on (hurl's typed AST is the model). Nothing here does
//! I/O: `include` goes through a loader the caller provides, and what the scenario may
//! name — the fields `monosim.yaml` maps — comes in as [`Known`].
//!
//! ```yaml
//! name: MFA account is re-authorised through the widget
//! why: Mono's data-sync guide — fetch a token on reauthorisation_required, clear the flag after
//! accounts:
//!   ada: { institution: gtbank, mfa: otp }
//! steps:
//!   - link: ada
//!   - session_expires: ada
//!   - expect_request: { kind: token, account: ada }
//!   - expect_state: { ada: { reauth_required: true, reauth_token: { issued: latest } } }
//!   - widget_reauth: { account: ada, mfa: correct }   # by: account — connect.js 2.1+
//!   - expect_state: { ada: { reauth_required: false } }
//!   - strict:
//!       - expect_state: { ada: { reauth_token: { present: false } } }
//! ```
//!
//! **What a scenario may assert.** The bundled library judges receivers it has never seen,
//! so its expectations are written against the *contract*: what Mono's documentation
//! requires of a receiver, or what every correct receiver shares — its mapped canonical
//! fields ([`CANONICAL_FIELDS`]), its answers to deliveries, its calls to Mono by intent
//! ([`CallPattern::Intent`]). A stricter reading the docs leave open goes in a `strict:`
//! block, which runs only with `--profile strict` ([`Profile`]).

mod describe;
mod parse;

use monosim_simulator::faults::{FaultRule, SyncCode};
use monosim_simulator::request_log::Intent;
use monosim_simulator::webhooks::Outcome;
use monosim_simulator::world::RealtimeData;
use monosim_simulator::world::{AccountSpec, DataStatus};
use serde_json::Value as Json;

/// What to do about a scenario file outside the project (the runner's `includes.rs` keeps
/// them in); also the help of an `include:` that cannot be read.
pub const PROJECT_HELP: &str = "scenario files and their includes must lie inside the project — the folder holding monosim.yaml, or its `scenarios:` folder — symlinks followed: move the file in, or run `monosim run --allow-outside-includes`";

pub use parse::Loader;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// What the scenario relies on: the behaviour Mono documents (with where), or why every
    /// correct receiver shows it. Printed with a failure, listed in the library's docs.
    pub why: Option<String>,
    /// The file, as the user would name it.
    pub file: String,
    pub accounts: Vec<AccountDecl>,
    pub steps: Vec<Step>,
}

/// An account the scenario plays with, by alias.
#[derive(Clone, Debug)]
pub struct AccountDecl {
    pub alias: String,
    /// What the simulator creates for it (anything left `None` is drawn from the seed).
    pub spec: AccountSpec,
    /// The data status once linked (`AVAILABLE` by default).
    pub data_status: Option<DataStatus>,
}

/// What `monosim.yaml` lets scenarios name: the canonical fields it maps.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub fields: Vec<String>,
}

impl Known {
    /// Every canonical field mapped, as the starter config and the reference receivers do.
    pub fn canonical() -> Known {
        Known {
            fields: CANONICAL_FIELDS
                .iter()
                .map(|(name, _)| name.to_string())
                .collect(),
        }
    }
}

/// The fields the bundled scenarios use, and what each means. A receiver's `monosim.yaml`
/// maps each to where its own state keeps it (`fields:`).
pub const CANONICAL_FIELDS: &[(&str, &str)] = &[
    (
        "linked",
        "whether the account is connected: true once Mono has told of it, false after account_unlinked (a receiver that deletes the record maps it as `{ exists: true }`)",
    ),
    (
        "data_status",
        "the data_status Mono last reported for the account's data: AVAILABLE, PARTIAL, PROCESSING, UNAVAILABLE or FAILED",
    ),
    (
        "balance",
        "the account's balance in kobo, from Mono (the API or the account_updated payload)",
    ),
    (
        "reauth_required",
        "the data-sync guide's reauthRequired: the user must re-authenticate the account",
    ),
    (
        "reauth_token",
        "the data-sync guide's reauthCode: the re-auth token for the Connect widget, or the v2 `mono_url` that carries it",
    ),
];

#[derive(Clone, Debug)]
pub struct Step {
    pub kind: StepKind,
    /// Where the step is written (an included file's steps point into that file).
    pub file: String,
    pub line: usize,
    /// The step's first line as written, for reports.
    pub text: String,
    /// Runs in every profile, or only in `--profile strict`.
    pub profile: Profile,
    /// Why an expectation holds (its own `why:`); reports fall back to the scenario's.
    pub why: Option<String>,
}

/// Which expectations run. The default judges the contract every correct receiver keeps;
/// `strict` adds the checks of one reasonable design the docs do not require (the
/// reference receivers' default design keeps both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    #[default]
    Contract,
    Strict,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Contract, Profile::Strict];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Contract => "contract",
            Profile::Strict => "strict",
        }
    }

    /// Whether a step written for `step` runs under this profile.
    pub fn runs(self, step: Profile) -> bool {
        step == Profile::Contract || self == Profile::Strict
    }
}

#[derive(Clone, Debug)]
pub enum StepKind {
    /// Create (first time) and link the account: `account_connected`, then `account_updated`
    /// once the data is in; waits for it.
    Link {
        account: String,
        data_status: Option<DataStatus>,
        data_delay: Option<i64>,
    },
    /// The bank session expires: `reauthorisation_required`.
    SessionExpires {
        account: String,
    },
    /// Any event about the account, with `path: value` overrides of its body.
    Fire {
        event: String,
        account: String,
        set: Vec<(String, Json)>,
        delay: Option<i64>,
    },
    /// The user opens the widget — with the latest token, or by account id — and does
    /// `outcome`.
    WidgetReauth {
        account: String,
        outcome: WidgetOutcome,
        /// How the frontend opened the widget (`by:`); the token when not said.
        by: ReauthBy,
        /// What the data fetched afterwards ends in (its `account_updated` says so).
        data_status: Option<DataStatus>,
    },
    /// An automatic sync; `failure` makes it end with that code (`sync_failed`).
    Sync {
        account: String,
        failure: Option<SyncCode>,
    },
    Unlink {
        account: String,
    },
    /// The integrator's app asks for `data` with `x-realtime: true` (the harness makes the
    /// request for it, outside the receiver's calls); the job runs its course on the clock
    /// and its webhooks are sent before the next step.
    Realtime {
        account: String,
        data: RealtimeData,
    },
    /// The money at the bank changes; Mono sees it at its next retrieval.
    BankBalance {
        account: String,
        balance: i64,
    },
    /// Move the scenario's clock, running everything due on the way.
    Advance {
        by: i64,
    },
    /// A fault rule; `account` is an alias the runner resolves.
    Fault {
        rule: FaultRule,
        account: Option<String>,
    },
    /// Until no delivery is in flight or due; with `quiet`, also until the receiver has
    /// made no call to Mono for that long (wall time) — for a receiver that answers a
    /// webhook first and does its work after, so that work falls before the next step.
    WaitIdle {
        quiet: Option<i64>,
    },
    ExpectRequest(RequestExpectation),
    ExpectDelivery(DeliveryExpectation),
    ExpectState(StateExpectation),
    Snapshot {
        name: String,
    },
}

impl StepKind {
    /// Whether the step only checks (an expectation or a snapshot) and changes nothing: only
    /// those may be strict, so a scenario plays the same in every profile.
    pub fn only_checks(&self) -> bool {
        matches!(
            self,
            StepKind::ExpectRequest(_)
                | StepKind::ExpectDelivery(_)
                | StepKind::ExpectState(_)
                | StepKind::Snapshot { .. }
        )
    }
}

/// How the frontend opened the widget for re-authorisation: Mono's connect.js took the
/// re-auth token the receiver fetched up to 2.0.x, and takes the account id from 2.1.0
/// (withmono/connect.js#58), when the receiver need fetch nothing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReauthBy {
    /// `reauthorise(token)` with the account's latest token.
    Token,
    /// `reauthorise(accountId)`: no token involved.
    Account,
}

impl ReauthBy {
    pub const ALL: [ReauthBy; 2] = [ReauthBy::Token, ReauthBy::Account];

    pub fn as_str(self) -> &'static str {
        match self {
            ReauthBy::Token => "token",
            ReauthBy::Account => "account",
        }
    }
}

/// What the user does in the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidgetOutcome {
    /// Answers the MFA challenge right: `account_reauthorized`, then `account_updated`.
    Correct,
    /// Answers it wrong: nothing fires, the token stays usable.
    Wrong,
    /// Comes back after the token's 10 minutes: refused, nothing fires.
    Expired,
    /// Uses a token that was already used: refused, nothing fires.
    Reused,
    /// Closes the widget: nothing fires.
    Abandon,
}

impl WidgetOutcome {
    pub const ALL: [WidgetOutcome; 5] = [
        WidgetOutcome::Correct,
        WidgetOutcome::Wrong,
        WidgetOutcome::Expired,
        WidgetOutcome::Reused,
        WidgetOutcome::Abandon,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WidgetOutcome::Correct => "correct",
            WidgetOutcome::Wrong => "wrong",
            WidgetOutcome::Expired => "expired",
            WidgetOutcome::Reused => "reused",
            WidgetOutcome::Abandon => "abandon",
        }
    }
}

/// `expect_request` / `expect_no_request`: the receiver's calls to Mono.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestExpectation {
    pub call: CallPattern,
    /// Only calls about this account (an alias).
    pub account: Option<String>,
    pub count: Count,
    /// Which calls count: all since the scenario began, or those since the previous step.
    pub since: Since,
    /// How long to watch (wall time); by default 2 s for "at least", 200 ms otherwise.
    pub within: Option<i64>,
}

/// From when calls are counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Since {
    /// Every call of the scenario.
    #[default]
    Start,
    /// Calls made since the previous step began: what the receiver did in answer to that
    /// step (an event delivered, say), whatever it did before.
    PreviousStep,
}

impl Since {
    pub const ALL: [Since; 2] = [Since::Start, Since::PreviousStep];

    pub fn as_str(self) -> &'static str {
        match self {
            Since::Start => "start",
            Since::PreviousStep => "previous_step",
        }
    }

    /// How a count reads with it: `… since the previous step began: never`.
    pub fn describe(self) -> &'static str {
        match self {
            Since::Start => "",
            Since::PreviousStep => " since the previous step began",
        }
    }
}

/// Which calls count.
#[derive(Clone, Debug, PartialEq)]
pub enum CallPattern {
    /// By what the call was for, whatever version or path it used.
    Intent(Intent),
    /// `METHOD /path`, with `{alias}` placeholders; `*` matches within one path segment,
    /// `**` across segments, and a method of `*` any method.
    Route { method: String, path: String },
}

/// How many matching calls are expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub at_least: usize,
    pub at_most: Option<usize>,
}

impl Count {
    /// Judged at the end of the window (an upper bound cannot be met early).
    pub fn is_bounded(self) -> bool {
        self.at_most.is_some()
    }

    pub fn admits(self, n: usize) -> bool {
        n >= self.at_least && self.at_most.is_none_or(|most| n <= most)
    }

    pub fn describe(self) -> String {
        match (self.at_least, self.at_most) {
            (0, Some(0)) => "never".into(),
            (least, Some(most)) if least == most => format!("exactly {least} time(s)"),
            (0, Some(most)) => format!("at most {most} time(s)"),
            (least, Some(most)) => format!("{least} to {most} times"),
            (least, None) => format!("at least {least} time(s)"),
        }
    }
}

/// `expect_delivery`: the receiver's answer to the last delivery of an event.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryExpectation {
    pub event: String,
    pub account: String,
    pub status: Option<StatusMatch>,
    pub outcome: Option<Outcome>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusMatch {
    Exactly(u16),
    /// `2xx`, `4xx`, `5xx`: the hundred.
    Class(u16),
}

impl StatusMatch {
    pub fn admits(self, status: Option<u16>) -> bool {
        match (self, status) {
            (StatusMatch::Exactly(want), Some(got)) => want == got,
            (StatusMatch::Class(hundred), Some(got)) => got / 100 == hundred,
            (_, None) => false,
        }
    }

    pub fn describe(self) -> String {
        match self {
            StatusMatch::Exactly(status) => status.to_string(),
            StatusMatch::Class(hundred) => format!("{hundred}xx"),
        }
    }
}

/// `expect_state`: what the receiver stored, per account, in canonical fields.
#[derive(Clone, Debug, PartialEq)]
pub struct StateExpectation {
    pub accounts: Vec<AccountExpectation>,
    /// How long the state may take to get there (wall time): a receiver that answers a
    /// webhook first and works after gets this long. Default `timeouts.state`.
    pub within: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccountExpectation {
    pub alias: String,
    pub fields: Vec<FieldExpectation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldExpectation {
    /// A canonical field name, mapped by `monosim.yaml`.
    pub field: String,
    pub matcher: Matcher,
}

/// How an expected field is compared. Strings may hold placeholders (`{ada}`,
/// `{ada.token}`, `{ada.code}`, `{ada.balance}`, `{sim.url}`), filled in when compared.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// Equal, loosely: `true`/`false` also match SQLite's 1/0 and `"true"`/`"false"`,
    /// numbers match their text, and `false` / `null` also match an absent field.
    Equals(Json),
    Not(Json),
    OneOf(Vec<Json>),
    /// The field exists and is not null (`true`), or is absent or null (`false`).
    Present(bool),
    Greater(f64),
    Less(f64),
    /// A string containing this text.
    Contains(String),
    /// A string matching this regular expression.
    Matches(regex::Regex),
    /// A re-auth token the simulator issued for the account — bare, or inside a URL that
    /// carries it (v2's `mono_url`).
    Issued(Issued),
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        use Matcher::*;
        match (self, other) {
            (Equals(a), Equals(b)) | (Not(a), Not(b)) => a == b,
            (OneOf(a), OneOf(b)) => a == b,
            (Present(a), Present(b)) => a == b,
            (Greater(a), Greater(b)) | (Less(a), Less(b)) => a == b,
            (Contains(a), Contains(b)) => a == b,
            (Matches(a), Matches(b)) => a.as_str() == b.as_str(),
            (Issued(a), Issued(b)) => a == b,
            _ => false,
        }
    }
}

/// Which issued token `{ issued: … }` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issued {
    /// The newest token issued for the account: the only one the widget still accepts.
    Latest,
    /// Any token ever issued for the account.
    Any,
}

impl Scenario {
    /// Reads a scenario. `load` reads included files; `known` says which fields the
    /// receiver's config maps.
    pub fn parse(
        text: &str,
        file: &str,
        load: &Loader,
        known: &Known,
    ) -> Result<Scenario, crate::diagnostic::Diagnostic> {
        parse::scenario(text, file, load, known)
    }

    /// Every expectation with the profile it runs in, for the library's docs.
    pub fn expectations(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| {
            matches!(
                s.kind,
                StepKind::ExpectRequest(_) | StepKind::ExpectDelivery(_) | StepKind::ExpectState(_)
            )
        })
    }
}

/// The step names a scenario may use.
pub const STEPS: &[&str] = &[
    "link",
    "session_expires",
    "fire",
    "widget_reauth",
    "sync",
    "unlink",
    "bank_balance",
    "realtime",
    "advance",
    "fault",
    "wait_idle",
    "expect_request",
    "expect_no_request",
    "expect_delivery",
    "expect_state",
    "snapshot",
    "strict",
    "include",
];

/// The ways an expected field can be compared, besides plain equality.
pub const MATCHERS: &[&str] = &[
    "not", "one_of", "present", "gt", "lt", "equals", "contains", "matches", "issued",
];

#[cfg(test)]
mod tests;
