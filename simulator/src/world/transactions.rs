//! Transaction histories, generated lazily.
//!
//! An account stores only how many transactions it has and its current balance. Transaction
//! `j` (0 = oldest) is drawn from (account profile, `j`, the world's "as of" instant), so
//! histories cost nothing until someone asks for them and a 100k-account world stays small.
//!
//! A history must be one a bank could have produced: each transaction's `balance` is the one
//! before it moved by its amount, the newest is the account's balance, and the balance never
//! drops below [`floor`] — zero, since a savings account cannot be overdrawn and a current
//! account without an overdraft cannot either. Running balances are derived backwards from
//! the current balance; walking back, a credit takes money away, so a credit larger than the
//! balance after it would mean a negative balance before it. Such a credit cannot have
//! happened: that transaction is drawn as a debit instead (same id and date, from the debit
//! table). Draws alone ignore balances, and Mono's documented figures (salaries of ₦180k to
//! ₦900k, most days a small debit) drift upwards, so without this rule a savings account
//! holding ₦250,000 showed −₦1.2m a year earlier (issue 12).
//!
//! Which draw a transaction takes depends on the balance after it, which appending newer
//! transactions does not change ([`World::retrieve_data`](super::World::retrieve_data) moves
//! the balance by exactly their amounts), so syncs add transactions without rewriting older
//! ones — except when a new debit would overdraw the account on the way ([`balance_after`]).
//! A balance changed at the bank re-derives the whole history. Reading a history stays one
//! pass over it, as before.

use rand::RngExt;

use super::ids::ObjectId;
use super::random::{salt, stream};
use crate::clock::{Timestamp, DAY};

/// How far back a history reaches from the world's "as of" instant: Mono fetches a year.
pub const HISTORY_DAYS: i64 = 365;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Debit,
    Credit,
}

impl Transaction {
    /// The amount as it moves the balance: credits up, debits down.
    pub fn signed_amount(&self) -> i64 {
        match self.direction {
            Direction::Credit => self.amount,
            Direction::Debit => -self.amount,
        }
    }
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Debit => "debit",
            Direction::Credit => "credit",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Transaction {
    pub id: ObjectId,
    pub direction: Direction,
    /// Kobo, always positive; `direction` says which way it moved.
    pub amount: i64,
    pub narration: String,
    pub date: Timestamp,
    /// Balance after this transaction, kobo.
    pub balance: i64,
    pub category: &'static str,
}

/// What fills the `{}` of a narration template.
#[derive(Clone, Copy)]
enum Detail {
    Merchant,
    Person,
    Place,
    Phone,
    Reference,
}

/// (narration template, detail, category, smallest and largest amount in naira).
const DEBITS: &[(&str, Detail, &str, i64, i64)] = &[
    (
        "POS PURCHASE {}",
        Detail::Merchant,
        "shopping",
        1_500,
        85_000,
    ),
    (
        "NIP TRANSFER TO {}",
        Detail::Person,
        "transfer",
        2_000,
        250_000,
    ),
    ("AIRTIME MTN {}", Detail::Phone, "airtime", 100, 5_000),
    (
        "IKEDC PREPAID TOKEN {}",
        Detail::Reference,
        "utilities",
        5_000,
        40_000,
    ),
    (
        "DSTV SUBSCRIPTION {}",
        Detail::Reference,
        "entertainment",
        4_000,
        29_500,
    ),
    (
        "ATM WDL {}",
        Detail::Place,
        "cash_withdrawal",
        2_000,
        40_000,
    ),
    (
        "SMS ALERT CHARGES {}",
        Detail::Reference,
        "bank_charges",
        4,
        60,
    ),
    (
        "WEB PURCHASE {}",
        Detail::Merchant,
        "online_transactions",
        1_200,
        60_000,
    ),
];

const CREDITS: &[(&str, Detail, &str, i64, i64)] = &[
    ("SALARY {}", Detail::Reference, "salary", 180_000, 900_000),
    (
        "NIP TRANSFER FROM {}",
        Detail::Person,
        "transfer",
        5_000,
        300_000,
    ),
    ("REVERSAL {}", Detail::Reference, "reversal", 500, 20_000),
    (
        "INTEREST CREDIT {}",
        Detail::Reference,
        "interest",
        10,
        2_000,
    ),
];

const MERCHANTS: &[&str] = &[
    "SHOPRITE LEKKI",
    "CHICKEN REPUBLIC",
    "JUMIA",
    "SPAR IKEJA",
    "FILMHOUSE",
    "BOLT",
    "JUMIA FOOD",
    "ERISCO FOODS",
    "PAYSTACK/KONGA",
];
const PEOPLE: &[&str] = &[
    "ADEBAYO O.",
    "OKAFOR C.",
    "BELLO A.",
    "NWOSU I.",
    "AKANDE T.",
    "GARBA M.",
    "EZE N.",
];
const PLACES: &[&str] = &[
    "IKEJA CITY MALL",
    "ALLEN AVENUE",
    "WUSE II",
    "VICTORIA ISLAND",
    "YABA",
    "GRA PH",
];

/// When an account's transactions happen: transaction `j` falls somewhere in the slot
/// `[start + j·spacing, start + (j+1)·spacing)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub start: Timestamp,
    pub spacing: i64,
}

impl Timeline {
    /// `count` transactions spread over the year before `as_of`.
    pub fn ending_at(as_of: Timestamp, count: u32) -> Timeline {
        let span = HISTORY_DAYS * DAY;
        Timeline {
            start: as_of.plus(-span),
            spacing: (span / i64::from(count.max(1))).max(1),
        }
    }

    /// Transactions `from..to` (oldest first), as a sync fetches them.
    pub fn between(self, profile: u64, from: u32, to: u32) -> Vec<Transaction> {
        (i64::from(from)..i64::from(to))
            .map(|j| {
                generate(
                    profile,
                    j as u64,
                    self.start.plus(j * self.spacing),
                    self.spacing,
                    None,
                )
            })
            .collect()
    }

    /// All `count` transactions of an account holding `balance` kobo now, newest first (the
    /// order Mono lists them in), none taking the balance below [`floor`].
    pub fn transactions(self, profile: u64, count: u32, balance: i64) -> Vec<Transaction> {
        history(profile, count, balance, self)
    }
}

/// The lowest balance a history may show: zero, or the account's own balance when that is
/// already below zero (an overdrawn current account declared in a world file; savings
/// accounts cannot be declared so, see [`super::WorldError::NegativeSavings`]).
pub fn floor(balance: i64) -> i64 {
    balance.min(0)
}

/// The balance after appending `added` (oldest first) to a history ending at `balance`:
/// moved by exactly their amounts, but never below [`floor`]. When the balance stays at or
/// above the floor all the way through the new transactions, the walk back from the result
/// meets every older transaction at the balance it had, so none is rewritten. When a new
/// debit overdraws the account on the way (a savings account holding less than an incoming
/// draw), the walk back draws that stretch differently and the older balances move with it:
/// the history still adds up, it just is not the one the account showed before.
pub fn balance_after(balance: i64, added: &[Transaction]) -> i64 {
    let moved = added.iter().map(Transaction::signed_amount).sum::<i64>();
    balance.saturating_add(moved).max(floor(balance))
}

fn history(profile: u64, count: u32, balance: i64, timeline: Timeline) -> Vec<Transaction> {
    let floor = floor(balance);
    let mut running = balance;
    let mut newest_first = Vec::with_capacity(count as usize);
    for j in (0..i64::from(count)).rev() {
        let slot = timeline.start.plus(j * timeline.spacing);
        let mut tx = generate(profile, j as u64, slot, timeline.spacing, None);
        if tx.direction == Direction::Credit && running.saturating_sub(tx.amount) < floor {
            tx = generate(
                profile,
                j as u64,
                slot,
                timeline.spacing,
                Some(Direction::Debit),
            );
        }
        tx.balance = running;
        running = running.saturating_sub(tx.signed_amount());
        newest_first.push(tx);
    }
    newest_first
}

/// Transaction `index`, drawn from its own stream; `direction` forces a debit or a credit
/// (from that direction's table) instead of the drawn one.
fn generate(
    profile: u64,
    index: u64,
    slot_start: Timestamp,
    spacing: i64,
    direction: Option<Direction>,
) -> Transaction {
    let mut rng = stream(profile, salt::TRANSACTION, index);
    let date = slot_start.plus(rng.random_range(0..spacing));
    let drawn = if rng.random_bool(0.3) {
        Direction::Credit
    } else {
        Direction::Debit
    };
    let (direction, table) = match direction.unwrap_or(drawn) {
        Direction::Credit => (Direction::Credit, CREDITS),
        Direction::Debit => (Direction::Debit, DEBITS),
    };
    let (template, detail, category, low, high) = table[rng.random_range(0..table.len())];
    let mut pick = |list: &[&str]| list[rng.random_range(0..list.len())].to_string();
    let detail = match detail {
        Detail::Merchant => pick(MERCHANTS),
        Detail::Person => pick(PEOPLE),
        Detail::Place => pick(PLACES),
        Detail::Phone => format!("0803{:07}", rng.random_range(0..10_000_000)),
        Detail::Reference => format!("REF{:08}", rng.random_range(0..100_000_000)),
    };
    Transaction {
        id: ObjectId::generate(date.seconds(), &mut rng),
        direction,
        amount: rng.random_range(low..=high) * 100,
        narration: template.replace("{}", &detail),
        date,
        balance: 0,
        category,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> Timestamp {
        Timestamp::parse_rfc3339("2026-01-15T00:00:00Z").unwrap()
    }

    #[test]
    fn histories_are_newest_first_and_inside_the_year() {
        let txs = Timeline::ending_at(as_of(), 120).transactions(42, 120, 5_000_000);
        assert_eq!(txs.len(), 120);
        assert!(txs.windows(2).all(|w| w[0].date >= w[1].date));
        assert!(txs
            .iter()
            .all(|t| t.date <= as_of() && t.date >= as_of().plus(-HISTORY_DAYS * DAY)));
    }

    #[test]
    fn running_balances_end_at_the_account_balance() {
        let txs = Timeline::ending_at(as_of(), 50).transactions(9, 50, 1_234_500);
        assert_eq!(txs[0].balance, 1_234_500);
        for pair in txs.windows(2) {
            let (newer, older) = (&pair[0], &pair[1]);
            let delta = match newer.direction {
                Direction::Credit => newer.amount,
                Direction::Debit => -newer.amount,
            };
            assert_eq!(older.balance + delta, newer.balance);
        }
    }

    #[test]
    fn a_transaction_does_not_depend_on_how_many_follow_it() {
        // Lazily generated items must be stable: transaction j is the same however the
        // history is sliced, which is what lets later syncs append without rewriting.
        let a = generate(5, 3, as_of(), DAY, None);
        let b = generate(5, 3, as_of(), DAY, None);
        assert_eq!(a.id, b.id);
        assert_eq!(a.narration, b.narration);
    }
}
