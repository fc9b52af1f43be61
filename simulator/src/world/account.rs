//! A connected account as the simulator stores it: a few dozen bytes of facts, with the
//! holder and transaction history regenerated on demand from `profile`.

use serde::{Deserialize, Serialize};

use super::holder::{Holder, Summary};
use super::ids::ObjectId;
use super::institutions::{AuthMethod, Institution, Mfa, CATALOGUE};
use super::transactions::{self, Transaction};
use crate::clock::Timestamp;

/// `meta.data_status`. `PARTIAL` and `UNAVAILABLE` exist from the September 2025 API on
/// (the `current` dialect); the legacy dialect knows only the other three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DataStatus {
    Available,
    Processing,
    Partial,
    Unavailable,
    Failed,
}

impl DataStatus {
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
}

/// `account.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountKind {
    SavingsAccount,
    CurrentAccount,
    DigitalSavingsAccount,
}

impl AccountKind {
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
    /// False once unlinked: the account then answers as Mono does for unlinked accounts.
    pub linked: bool,
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
    pub code: Box<str>,
    /// `meta.ref`: the integrator's reference passed to the widget.
    pub reference: Box<str>,
    /// A holder name chosen in the world file, replacing the generated one.
    pub name: Option<Box<str>>,
}

impl Account {
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
        let mut summary = Summary::generate(self.profile);
        if let Some(name) = &self.name {
            summary.full_name = name.to_string();
        }
        summary
    }

    /// The full history, newest first; empty unless transactions were retrieved.
    pub fn transactions(&self) -> Vec<Transaction> {
        if !self.data_status.has("transactions") {
            return Vec::new();
        }
        self.history
            .transactions(self.profile, self.transaction_count, self.balance)
    }
}
