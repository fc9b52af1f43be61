//! A connected account as the simulator stores it: a few dozen bytes of facts, with the
//! holder and transaction history regenerated on demand from `profile`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::holder::{Holder, Summary};
use super::ids::ObjectId;
use super::institutions::{AuthMethod, Institution, Mfa, CATALOGUE};
use super::transactions::{self, Transaction, Window};
use crate::clock::{Date, Timestamp};
use crate::world::Dialect;

/// `meta.data_status`. `PARTIAL` and `UNAVAILABLE` exist from the September 2025 API on
/// (the `current` dialect); the legacy dialect knows only the other three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataStatus {
    Available,
    Processing,
    Partial,
    Unavailable,
    Failed,
}

impl DataStatus {
    /// Every status, for value lists (scenario schemas, diagnostics).
    pub const ALL: [DataStatus; 5] = [
        DataStatus::Available,
        DataStatus::Partial,
        DataStatus::Unavailable,
        DataStatus::Failed,
        DataStatus::Processing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataStatus::Available => "AVAILABLE",
            DataStatus::Processing => "PROCESSING",
            DataStatus::Partial => "PARTIAL",
            DataStatus::Unavailable => "UNAVAILABLE",
            DataStatus::Failed => "FAILED",
        }
    }

    /// `meta.retrieved_data`: what Mono managed to fetch from the bank. Endpoints serve
    /// only data that was retrieved, so no client can mistake missing data for available.
    pub fn retrieved_data(self) -> &'static [&'static str] {
        match self {
            DataStatus::Available => &["identity", "balance", "transactions"],
            DataStatus::Partial => &["identity", "balance"],
            DataStatus::Processing | DataStatus::Unavailable | DataStatus::Failed => &[],
        }
    }

    pub fn has(self, data: &str) -> bool {
        self.retrieved_data().contains(&data)
    }

    /// Whether the account object shows a balance. Mono reads the balance when the user
    /// logs in, so it is there while the statement is still `PROCESSING` [inferred]; Mono's
    /// docs still say to wait for `AVAILABLE` before using the data, and a receiver that
    /// stores this early balance is the one that treats `PROCESSING` as data available —
    /// which is why the simulator shows it: that mistake becomes visible in the
    /// receiver's state. `FAILED` and `UNAVAILABLE` accounts show none.
    pub fn shows_balance(self) -> bool {
        matches!(
            self,
            DataStatus::Available | DataStatus::Partial | DataStatus::Processing
        )
    }
}

/// `account.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountKind {
    SavingsAccount,
    CurrentAccount,
    DigitalSavingsAccount,
}

impl AccountKind {
    /// Whether the balance may go below zero: a current account can have an overdraft; a
    /// savings account, digital or not, cannot.
    pub fn can_be_overdrawn(self) -> bool {
        self == AccountKind::CurrentAccount
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::SavingsAccount => "SAVINGS_ACCOUNT",
            AccountKind::CurrentAccount => "CURRENT_ACCOUNT",
            AccountKind::DigitalSavingsAccount => "DIGITAL_SAVINGS_ACCOUNT",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: ObjectId,
    pub customer: ObjectId,
    /// Index into the institution [`CATALOGUE`].
    pub institution: u16,
    pub auth_method: AuthMethod,
    /// The challenge this account's bank puts up at login (the institution's, unless the
    /// world file chose another).
    pub mfa: Mfa,
    pub kind: AccountKind,
    pub data_status: DataStatus,
    /// Where the account is in its life: only linked accounts are served by the API.
    pub stage: Stage,
    /// When the data being fetched since linking (or re-authorising) is in. Before then the
    /// account reads as `PROCESSING`; [`World::account`](super::World::account) resolves it.
    pub data_ready_at: Timestamp,
    /// The bank session of an MFA account has expired: syncs fail with
    /// `REAUTHORISATION_REQUIRED` until the user re-authorises.
    pub session_expired: bool,
    /// The latest re-auth token issued for this account; earlier ones no longer work.
    pub token: Option<Box<ReauthToken>>,
    /// The last manual sync, for Mono's one-per-2-minutes limit.
    pub last_manual_sync: Option<Timestamp>,
    /// Hours between automatic syncs: 24 by default, 12 or 6 on request.
    pub sync_every_hours: u8,
    /// The payload shapes this account's webhooks use.
    pub dialect: Dialect,
    /// Current balance in kobo; the newest transaction's running balance.
    pub balance: i64,
    pub transaction_count: u32,
    /// Where the transaction timeline starts and how far apart its slots are; fixed at
    /// creation so appending transactions later never moves the earlier ones.
    pub history: transactions::Timeline,
    pub linked_at: Timestamp,
    /// Seed of everything regenerated on demand (holder, transactions).
    pub profile: u64,
    /// The one-time code the Connect widget handed the integrator's frontend, exchanged at
    /// `/account/auth` for this account's id.
    pub code: Arc<str>,
    /// `meta.ref`: the integrator's reference passed to the widget.
    pub reference: Arc<str>,
    /// A holder name chosen in the world file, replacing the generated one.
    pub name: Option<Arc<str>>,
    /// The balance at the bank when it changed after Mono last retrieved the data (a
    /// scenario's `bank_balance` step): Mono serves it from its next retrieval on — the
    /// next successful sync, or the data fetched after a re-authorisation.
    pub bank_balance: Option<i64>,
}

/// The stages of an account's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Created through the control API but not linked yet: invisible to the Mono API.
    Pending,
    Linked,
    /// Unlinked: Mono deletes the account's data and authorisation.
    Unlinked,
}

/// A re-authorisation token: valid 10 minutes, single use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReauthToken {
    pub value: String,
    pub issued_at: Timestamp,
    pub used: bool,
}

/// Mono: "this Reauth code/token expires in 10mins".
pub const TOKEN_LIFETIME: i64 = 10 * crate::clock::MINUTE;

impl ReauthToken {
    pub fn expired_at(&self, now: Timestamp) -> bool {
        now.millis() - self.issued_at.millis() >= TOKEN_LIFETIME
    }
}

impl Account {
    pub fn is_linked(&self) -> bool {
        self.stage == Stage::Linked
    }

    /// Whether the bank asks for a second factor, which is what makes sessions expire.
    pub fn has_mfa(&self) -> bool {
        self.mfa != Mfa::None
    }

    pub fn institution(&self) -> &'static Institution {
        &CATALOGUE[usize::from(self.institution)]
    }

    pub fn holder(&self) -> Holder {
        let holder = Holder::generate(self.profile);
        match &self.name {
            Some(name) => holder.renamed(name),
            None => holder,
        }
    }

    /// Name, account number and BVN: what account details need, cheaper than [`Self::holder`].
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::of(self.profile);
        if let Some(name) = &self.name {
            summary.full_name = name.clone();
        }
        summary
    }

    /// The balance as the account object shows it (see [`DataStatus::shows_balance`]).
    pub fn shown_balance(&self) -> Option<i64> {
        self.data_status.shows_balance().then_some(self.balance)
    }

    /// The full history, newest first; empty unless transactions were retrieved.
    pub fn transactions(&self) -> Vec<Transaction> {
        if !self.data_status.has("transactions") {
            return Vec::new();
        }
        self.history
            .transactions(self.profile, self.transaction_count, self.balance)
    }

    /// How many transactions [`Self::transactions`] lists.
    pub fn shown_transaction_count(&self) -> u32 {
        if self.data_status.has("transactions") {
            self.transaction_count
        } else {
            0
        }
    }

    /// The transactions at newest-first `positions` of [`Self::transactions`]: drawn with
    /// [`Window::draw`], without drawing the whole history (see `transactions`' module docs).
    pub fn transaction_window(&self, positions: std::ops::Range<u32>) -> Window {
        Window::new(
            self.history,
            self.profile,
            self.shown_transaction_count(),
            self.balance,
            positions,
        )
    }

    /// The newest-first positions of the transactions dated `first_day` to `last_day`
    /// (inclusive; `None` leaves that end open).
    pub fn transaction_positions(
        &self,
        first_day: Option<Date>,
        last_day: Option<Date>,
    ) -> std::ops::Range<u32> {
        self.history.positions_between(
            self.profile,
            self.shown_transaction_count(),
            first_day,
            last_day,
        )
    }
}
