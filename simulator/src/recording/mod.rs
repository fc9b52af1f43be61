//! The recorder: every state-changing action done to a simulated Mono since it started (or
//! since `POST /_sim/reset`), kept as typed [`Action`]s so that it can be played again as a
//! scenario file ([`scenario`]) — `GET /_sim/recording.yaml`, `monosim record`.
//!
//! # Design
//!
//! * **Typed actions, not HTTP.** Each surface that changes the world records what it did
//!   in the lifecycle's words, once, after it succeeded: the control API in one layer
//!   (`control/recording.rs`), the Connect widget where a session changes step
//!   (`widget/mod.rs`). A refused request changes nothing, so it is not recorded; neither
//!   is a read. Mono's own API is the receiver's (its calls are judged by `expect_request`,
//!   not replayed), so nothing it serves is recorded here.
//! * **Marks, not copies.** Each action keeps where the delivery log and the request log
//!   stood when it began, and the simulated time; the translator reads the logs between two
//!   marks to learn what the receiver answered and asked in between — "what the receiver
//!   showed" — without the recorder duplicating either log.
//! * **Accounts as first seen.** The scenario's `accounts:` must recreate each account the
//!   actions touched, as it was before the first of them: institution, MFA, balance, name…
//!   So the recorder keeps a copy of each account the first time an action names it, and
//!   whether it was linked then (a seeded account is: the scenario links it first).
//! * **Bounded.** A simulator left open for days must not grow without bound: past
//!   [`MAX_ACTIONS`] actions, later ones are counted but not kept, and the file says so.

pub mod scenario;

use std::sync::Mutex;

use crate::clock::Timestamp;
use crate::faults::FaultRule;
use crate::sim::Sim;
use crate::world::{Account, DataStatus, ObjectId};

/// Actions kept per recording; later ones are counted, not kept.
pub const MAX_ACTIONS: usize = 10_000;

/// One thing done to the simulated Mono, in the lifecycle's words.
#[derive(Clone, Debug)]
pub enum Action {
    /// The account was linked (created first when `created`): `account_connected`, then
    /// `account_updated` once the data is in.
    Link {
        account: ObjectId,
        data_status: Option<DataStatus>,
        /// Simulated milliseconds until the data is in, when the caller chose it.
        data_delay: Option<i64>,
    },
    /// The account was created without being linked: nothing fires; the scenario declares
    /// it, and a later [`Action::Link`] links it.
    Created {
        account: ObjectId,
    },
    /// The bank session expired: `reauthorisation_required`.
    ExpireSession {
        account: ObjectId,
    },
    /// The user answered the widget's MFA challenge, or gave up.
    Reauth {
        account: ObjectId,
        answer: Answer,
        by: OpenedBy,
        /// With a right answer: what the data fetched afterwards ends in.
        data_status: Option<DataStatus>,
    },
    /// The money at the bank changed.
    BankBalance {
        account: ObjectId,
        balance: i64,
    },
    /// An automatic sync, run now.
    Sync {
        account: ObjectId,
    },
    Unlink {
        account: ObjectId,
    },
    /// Any event, with `path: value` overrides of its body.
    Fire {
        event: String,
        account: ObjectId,
        set: Vec<(String, serde_json::Value)>,
        delay: Option<i64>,
        /// The event's id, so that what the receiver did with it is not read as lifecycle.
        event_id: String,
    },
    /// The clock was moved forward, to `to`.
    Advance {
        to: Timestamp,
    },
    /// A fault rule was added.
    Fault {
        rule: FaultRule,
    },
    /// Something the scenario language has no step for (faults cleared, the clock frozen or
    /// resumed, webhook targets changed): kept so the file can say it was not replayed.
    Unreplayable {
        what: String,
    },
}

impl Action {
    /// The account the action is about, if any.
    pub fn account(&self) -> Option<ObjectId> {
        match self {
            Action::Link { account, .. }
            | Action::Created { account }
            | Action::ExpireSession { account }
            | Action::Reauth { account, .. }
            | Action::BankBalance { account, .. }
            | Action::Sync { account }
            | Action::Unlink { account }
            | Action::Fire { account, .. } => Some(*account),
            Action::Fault { rule } => rule.account,
            Action::Advance { .. } | Action::Unreplayable { .. } => None,
        }
    }
}

/// The user's answer in the widget, as the scenario language names it (`mfa:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Correct,
    Wrong,
    Abandon,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Correct => "correct",
            Answer::Wrong => "wrong",
            Answer::Abandon => "abandon",
        }
    }
}

/// How the widget was opened for re-authorisation (`by:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenedBy {
    /// With a re-auth token (connect.js up to 2.0.x, a v2 `mono_url`, the control API).
    Token,
    /// With the account id alone (connect.js 2.1+).
    Account,
}

/// Which surface did it: said in the file next to each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Control,
    Widget,
}

impl Surface {
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Control => "control API",
            Surface::Widget => "widget",
        }
    }
}

/// Where things stood when an action began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Simulated time.
    pub at: Timestamp,
    /// The delivery log's last sequence number.
    pub deliveries: u64,
    /// The request log's last sequence number.
    pub requests: u64,
}

/// An action and where things stood when it began.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub mark: Mark,
    pub surface: Surface,
    pub action: Action,
}

/// An account as the first action that named it found it.
#[derive(Clone, Debug)]
pub struct FirstSeen {
    pub account: Account,
    /// Linked before the recording touched it (a seeded account): the scenario links it
    /// before its first step.
    pub was_linked: bool,
}

/// The actions of one recording, and the accounts they touched.
#[derive(Clone, Debug)]
pub struct Recording {
    /// When the recording began (the simulator's start or its last reset).
    pub began: Mark,
    pub actions: Vec<Recorded>,
    /// In the order first seen, which is the order aliases are given.
    pub accounts: Vec<FirstSeen>,
    /// Actions done past [`MAX_ACTIONS`], not kept.
    pub dropped: usize,
}

/// Records actions; one per simulated Mono.
pub struct Recorder {
    inner: Mutex<Recording>,
}

impl Recorder {
    pub fn new(began: Mark) -> Recorder {
        Recorder {
            inner: Mutex::new(Recording {
                began,
                actions: Vec::new(),
                accounts: Vec::new(),
                dropped: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a new recording (a reset).
    pub fn restart(&self, began: Mark) {
        *self.lock() = Recording {
            began,
            actions: Vec::new(),
            accounts: Vec::new(),
            dropped: 0,
        };
    }

    /// Notes `account` as the recording first sees it, unless it already has: call it
    /// *before* the action changes the account, so the scenario recreates it as it was.
    pub fn saw(&self, account: &Account) {
        self.first_seen(account, account.is_linked());
    }

    /// Notes an account an action just created: the scenario creates it too, unlinked.
    pub fn saw_created(&self, account: &Account) {
        self.first_seen(account, false);
    }

    fn first_seen(&self, account: &Account, was_linked: bool) {
        let mut recording = self.lock();
        if recording
            .accounts
            .iter()
            .any(|s| s.account.id == account.id)
        {
            return;
        }
        if recording.accounts.len() >= MAX_ACTIONS {
            return;
        }
        recording.accounts.push(FirstSeen {
            account: account.clone(),
            was_linked,
        });
    }

    /// Keeps an action that succeeded.
    pub fn record(&self, mark: Mark, surface: Surface, action: Action) {
        let mut recording = self.lock();
        if recording.actions.len() >= MAX_ACTIONS {
            recording.dropped += 1;
            return;
        }
        tracing::debug!(surface = surface.as_str(), ?action, "recorded");
        recording.actions.push(Recorded {
            mark,
            surface,
            action,
        });
    }

    /// A copy of the recording so far.
    pub fn recording(&self) -> Recording {
        self.lock().clone()
    }
}

impl Sim {
    /// Where things stand now: the simulated time and both logs' positions.
    pub fn mark(&self) -> Mark {
        Mark {
            at: self.clock.now(),
            deliveries: self.webhooks.log.last_seq(),
            requests: self.requests.last_seq(),
        }
    }

    /// The recording so far, as a scenario file (`GET /_sim/recording.yaml`).
    pub fn recorded_scenario(&self) -> String {
        let recording = self.recording.recording();
        let deliveries = self
            .webhooks
            .log
            .since(recording.began.deliveries, |_| true);
        let requests = self.requests.since(recording.began.requests, |_| true);
        scenario::render(
            &recording,
            &scenario::Logs {
                deliveries: &deliveries,
                requests: &requests,
                now: self.mark(),
                data_delay: self.data_delay,
            },
        )
    }
}
