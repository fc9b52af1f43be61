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
//! A balance changed at the bank re-derives the whole history.
//!
//! Reading a page must not cost the whole history (a 10,000-transaction account served
//! 723 pages/s when every page walked it all). Which draw a transaction takes depends on
//! the running balance after it, so the walk itself cannot be skipped; but it is a pure
//! function of (profile, count, balance, timeline), so it is done once and every
//! [`CHECKPOINT_STRIDE`]-th running balance kept ([`Checkpoints`], a small bounded cache).
//! A page then starts its walk at the checkpoint just above it: at most a stride plus the
//! page's own transactions are drawn, however long the history. A date filter finds its
//! positions by bisection, since dates only fall as positions rise.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rand::RngExt;

use super::ids::ObjectId;
use super::random::{salt, stream};
use crate::clock::{Date, Timestamp, DAY};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    let mut newest_first = Vec::with_capacity(count as usize);
    walk(profile, count, balance, timeline, 0, balance, |tx| {
        newest_first.push(tx);
        true
    });
    newest_first
}

/// Walks the history newest first from position `from` (0 = newest), where the running
/// balance is `running`, handing each transaction to `visit` until it returns false.
fn walk(
    profile: u64,
    count: u32,
    balance: i64,
    timeline: Timeline,
    from: u32,
    mut running: i64,
    mut visit: impl FnMut(Transaction) -> bool,
) {
    let floor = floor(balance);
    for position in from..count {
        let j = i64::from(count - 1 - position);
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
        if !visit(tx) {
            return;
        }
    }
}

/// Every this-many positions of a walked history, its running balance is kept. A page of
/// 20 deep in a history draws at most this many transactions besides its own: at 64 that
/// was up to 84 draws for 20 answered; at 16, at most 36.
pub const CHECKPOINT_STRIDE: u32 = 16;

/// How many histories' checkpoints are kept; the oldest entry goes first. At 10,000
/// transactions a history's checkpoints take 5 KB, so this bounds the cache near 5 MB for
/// the longest histories served.
const CHECKPOINT_HISTORIES: usize = 1024;

/// What a history's walk depends on: nothing else, so a cached walk never goes stale — a
/// sync or a balance change makes a different key.
type HistoryKey = (u64, u32, i64, Timeline);

/// The running balance at positions 0, stride, 2·stride … of walked histories.
#[derive(Default)]
struct Checkpoints {
    by_history: HashMap<HistoryKey, Arc<[i64]>>,
    order: VecDeque<HistoryKey>,
}

/// Shared by every world in the process: the entries are pure functions of their keys.
fn checkpoints(key: HistoryKey) -> Arc<[i64]> {
    static CACHE: OnceLock<Mutex<Checkpoints>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .by_history
        .get(&key)
    {
        return found.clone();
    }
    let (profile, count, balance, timeline) = key;
    let mut marks = Vec::with_capacity((count / CHECKPOINT_STRIDE) as usize + 1);
    let mut position = 0;
    walk(profile, count, balance, timeline, 0, balance, |tx| {
        if position % CHECKPOINT_STRIDE == 0 {
            marks.push(tx.balance);
        }
        position += 1;
        true
    });
    let marks: Arc<[i64]> = marks.into();
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if cache.by_history.insert(key, marks.clone()).is_none() {
        cache.order.push_back(key);
        while cache.order.len() > CHECKPOINT_HISTORIES {
            if let Some(oldest) = cache.order.pop_front() {
                cache.by_history.remove(&oldest);
            }
        }
    }
    marks
}

/// Which transactions a page shows, with everything they are drawn from: a window's
/// transactions are a function of its fields alone. So a window is also the key a page's
/// drawn or written transactions can be kept under, and a kept page is never stale: an
/// account whose balance, history or data status changes asks for another window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    timeline: Timeline,
    profile: u64,
    /// The transactions shown (none until they are retrieved).
    count: u32,
    balance: i64,
    /// Newest-first positions `first..end`, within `count`.
    first: u32,
    end: u32,
}

impl Window {
    pub fn new(
        timeline: Timeline,
        profile: u64,
        count: u32,
        balance: i64,
        positions: Range<u32>,
    ) -> Window {
        let end = positions.end.min(count);
        Window {
            timeline,
            profile,
            count,
            balance,
            first: positions.start.min(end),
            end,
        }
    }

    /// How many transactions the window holds.
    pub fn len(&self) -> usize {
        (self.end - self.first) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.first == self.end
    }

    /// The window's transactions, newest first.
    pub fn draw(&self) -> Vec<Transaction> {
        self.timeline
            .window(self.profile, self.count, self.balance, self.first..self.end)
    }
}

impl Timeline {
    /// The transactions at newest-first `positions` of [`Timeline::transactions`], drawing
    /// at most [`CHECKPOINT_STRIDE`] others (after the history's first walk, see the module
    /// docs).
    pub fn window(
        self,
        profile: u64,
        count: u32,
        balance: i64,
        positions: Range<u32>,
    ) -> Vec<Transaction> {
        let positions = positions.start.min(count)..positions.end.min(count);
        if positions.is_empty() {
            return Vec::new();
        }
        let marks = checkpoints((profile, count, balance, self));
        let mark = positions.start / CHECKPOINT_STRIDE;
        let from = mark * CHECKPOINT_STRIDE;
        let mut page = Vec::with_capacity(positions.len());
        let mut position = from;
        walk(
            profile,
            count,
            balance,
            self,
            from,
            marks[mark as usize],
            |tx| {
                if position >= positions.start {
                    page.push(tx);
                }
                position += 1;
                position < positions.end
            },
        );
        page
    }

    /// The date of the transaction at newest-first `position`, drawing only that.
    fn date_at(self, profile: u64, count: u32, position: u32) -> Timestamp {
        let j = i64::from(count - 1 - position);
        let mut rng = stream(profile, salt::TRANSACTION, j as u64);
        draw_date(&mut rng, self.start.plus(j * self.spacing), self.spacing)
    }

    /// The newest-first positions of the transactions dated `first_day` to `last_day`
    /// (each inclusive, either open), found by bisection: dates only fall as positions rise.
    pub fn positions_between(
        self,
        profile: u64,
        count: u32,
        first_day: Option<Date>,
        last_day: Option<Date>,
    ) -> Range<u32> {
        let day = |position| self.date_at(profile, count, position).date();
        let first = partition(count, |p| last_day.is_some_and(|last| day(p) > last));
        let end = partition(count, |p| first_day.is_none_or(|first| day(p) >= first));
        first..end.max(first)
    }
}

/// The first position in `0..count` where `holds` stops being true (`holds` must be true on
/// a prefix and false after it).
fn partition(count: u32, holds: impl Fn(u32) -> bool) -> u32 {
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if holds(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// `template` with its `{}` replaced by `detail`: one allocation, no substring search (a
/// page of transactions builds twenty narrations).
fn fill(template: &str, detail: &str) -> String {
    match template.split_once("{}") {
        Some((before, after)) => {
            let mut narration = String::with_capacity(template.len() + detail.len());
            narration.push_str(before);
            narration.push_str(detail);
            narration.push_str(after);
            narration
        }
        None => template.to_string(),
    }
}

/// A transaction's date: the first draw of its stream, somewhere in its slot.
fn draw_date(rng: &mut super::random::Stream, slot_start: Timestamp, spacing: i64) -> Timestamp {
    slot_start.plus(rng.random_range(0..spacing))
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
    let date = draw_date(&mut rng, slot_start, spacing);
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
    let mut pick = |list: &[&'static str]| Cow::Borrowed(list[rng.random_range(0..list.len())]);
    let detail: Cow<'static, str> = match detail {
        Detail::Merchant => pick(MERCHANTS),
        Detail::Person => pick(PEOPLE),
        Detail::Place => pick(PLACES),
        Detail::Phone => format!("0803{:07}", rng.random_range(0..10_000_000)).into(),
        Detail::Reference => format!("REF{:08}", rng.random_range(0..100_000_000)).into(),
    };
    Transaction {
        id: ObjectId::generate(date.seconds(), &mut rng),
        direction,
        amount: rng.random_range(low..=high) * 100,
        narration: fill(template, &detail),
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
    fn narrations_are_their_templates_filled_in() {
        for (template, ..) in CREDITS.iter().chain(DEBITS) {
            assert_eq!(fill(template, "SPAR"), template.replace("{}", "SPAR"));
        }
        assert_eq!(fill("NO SLOT", "SPAR"), "NO SLOT");
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

    /// The same fields, balance included (`Transaction` has no `PartialEq`: ids and
    /// narrations are what a reader compares).
    fn same(a: &[Transaction], b: &[Transaction]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(a, b)| {
                (
                    a.id,
                    a.direction,
                    a.amount,
                    &a.narration,
                    a.date,
                    a.balance,
                    a.category,
                ) == (
                    b.id,
                    b.direction,
                    b.amount,
                    &b.narration,
                    b.date,
                    b.balance,
                    b.category,
                )
            })
    }

    #[test]
    fn a_window_is_the_same_slice_of_the_whole_history() {
        // A small balance makes many drawn credits impossible (they become debits): the
        // window must take the same turns as the full walk, from any checkpoint.
        for (count, balance) in [(1, 0), (5, 10_000), (300, 5_000), (1_000, 50_000_000)] {
            let timeline = Timeline::ending_at(as_of(), count);
            let whole = timeline.transactions(7, count, balance);
            let edges = [0, 1, 63, 64, 65, 127, 128, 200, count - 1, count, count + 5];
            for &from in &edges {
                for &to in &edges {
                    let window = timeline.window(7, count, balance, from..to);
                    let (a, b) = (from.min(count) as usize, to.min(count) as usize);
                    let expected = if a < b { &whole[a..b] } else { &[][..] };
                    assert!(same(&window, expected), "{count} tx, {from}..{to}");
                }
            }
        }
    }

    #[test]
    fn dated_positions_are_those_a_filter_over_the_whole_history_keeps() {
        let count = 500;
        let timeline = Timeline::ending_at(as_of(), count);
        let whole = timeline.transactions(3, count, 9_000_000);
        let days = [
            None,
            Some(as_of().plus(-400 * DAY).date()),
            Some(as_of().plus(-200 * DAY).date()),
            Some(whole[17].date.date()),
            Some(as_of().plus(-DAY).date()),
            Some(as_of().plus(30 * DAY).date()),
        ];
        for first in days {
            for last in days {
                let kept: Vec<usize> = (0..whole.len())
                    .filter(|&p| {
                        let day = whole[p].date.date();
                        first.is_none_or(|f| day >= f) && last.is_none_or(|l| day <= l)
                    })
                    .collect();
                let range = timeline.positions_between(3, count, first, last);
                let expected = kept.first().map_or(0..0, |&a| a..kept.last().unwrap() + 1);
                assert_eq!(kept.len(), expected.len(), "kept positions are one run");
                let range = range.start as usize..range.end as usize;
                assert!(
                    range == expected || (range.is_empty() && expected.is_empty()),
                    "{first:?}..{last:?}: {range:?} vs {expected:?}"
                );
            }
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
