//! Accounts as the world stores them: one fixed-size [`Record`] per account, and on the
//! side the few facts only some accounts have (a chosen name, a re-auth token, a manual
//! sync, an identifier that differs from its seeded draw).
//!
//! Why not a `Vec<Account>`: a world of a million accounts must stay well under 200 MiB.
//! What an account's seed gives again — its customer id, Connect code and reference — is
//! not stored unless it differs from the seeded draw (a code chosen in a world file, an
//! account created through the control API, whose customer id carries its creation time).
//! The id and code indexes hold record numbers only and read their keys from the records
//! (drawing codes again), so a slot costs 5 bytes instead of a copy of every key.
//!
//! [`Account`] stays the one view of an account everybody else works with: reads build it
//! from the record, and [`Registry::set`] folds a changed one back.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use rand::{Rng as _, RngExt};

use super::account::{Account, AccountKind, DataStatus, ReauthToken, Stage};
use super::ids::{alphanumeric, ObjectId};
use super::institutions::{AuthMethod, Mfa, CATALOGUE};
use super::random::{salt, stream};
use super::recent::Recent;
use super::transactions::Timeline;
use super::Dialect;
use crate::clock::{Timestamp, DAY};

/// What an account's seeded draws depend on besides its own profile.
#[derive(Clone, Copy, Debug)]
pub(super) struct Origin {
    /// The world's "as of" instant, which seeded links are counted back from.
    pub as_of: Timestamp,
    /// Mixed into identifier streams (see `WorldConfig::id_salt`).
    pub id_salt: u64,
}

/// The identifiers an account gets from its seed when it is seeded and its spec chooses
/// neither institution nor auth method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Drawn {
    pub customer: ObjectId,
    pub code: Arc<str>,
    pub reference: Arc<str>,
}

impl Origin {
    /// The draws of [`super::World::create_account`] on its default path, replayed: the
    /// same streams, the same draws in the same order.
    pub fn drawn(self, profile: u64) -> Drawn {
        let mut rng = stream(profile, salt::WORLD, 0);
        let institution = &CATALOGUE[rng.random_range(0..CATALOGUE.len())];
        let _auth_method = rng.random_range(0..institution.auth_methods.len());
        let days_ago: i64 = rng.random_range(1..=180);
        let linked_at = self.as_of.plus(-days_ago * DAY);
        let mut ids = self.ids(profile);
        let _id = ObjectId::generate(linked_at.seconds(), &mut ids);
        let customer = ObjectId::generate(linked_at.seconds() - 60, &mut ids);
        let code = format!("code_{}", alphanumeric(20, &mut ids));
        let reference = alphanumeric(12, &mut rng).to_lowercase();
        Drawn {
            customer,
            code: code.into(),
            reference: reference.into(),
        }
    }

    /// The seeded Connect code alone (what a code lookup compares), which does not depend on
    /// the spec: the id stream draws the id and the customer id whether or not they are used.
    fn code(self, profile: u64) -> String {
        let mut ids = self.ids(profile);
        let _id = ids.next_u64();
        let _customer = ids.next_u64();
        format!("code_{}", alphanumeric(20, &mut ids))
    }

    /// The stream identifiers are drawn from.
    pub fn ids(self, profile: u64) -> super::random::Stream {
        stream(profile ^ self.id_salt, salt::IDS, 0)
    }
}

/// An account's facts, at a fixed 80 bytes (see the assertion below).
#[derive(Clone, Debug)]
struct Record {
    id: ObjectId,
    profile: u64,
    balance: i64,
    linked_at: Timestamp,
    data_ready_at: Timestamp,
    history: Timeline,
    transaction_count: u32,
    institution: u16,
    auth_method: AuthMethod,
    mfa: Mfa,
    kind: AccountKind,
    data_status: DataStatus,
    stage: Stage,
    session_expired: bool,
    sync_every_hours: u8,
    dialect: Dialect,
    /// Whether [`Registry::extras`] has an entry for this account: most have none, and
    /// this spares them the lookup.
    has_extras: bool,
}

const _: () = assert!(std::mem::size_of::<Record>() <= 80);

/// What only some accounts have; `None` everywhere is never stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    customer: Option<ObjectId>,
    code: Option<Arc<str>>,
    reference: Option<Arc<str>>,
    name: Option<Arc<str>>,
    token: Option<Box<ReauthToken>>,
    last_manual_sync: Option<Timestamp>,
    bank_balance: Option<i64>,
}

impl Extras {
    fn is_empty(&self) -> bool {
        *self == Extras::default()
    }
}

/// Every account of a world, in creation order, found by id or by Connect code.
pub(super) struct Registry {
    origin: Origin,
    records: Vec<Record>,
    extras: HashMap<u32, Extras, RandomState>,
    by_id: HashTable<u32>,
    by_code: HashTable<u32>,
    /// foldhash rather than std's SipHash: every read looks an account up by id, and
    /// SipHash of an id cost a read more than the lookup itself (bench/RESULTS.md). Still
    /// seeded per process, so no one can choose codes that collide.
    hasher: RandomState,
    /// What the last accounts read drew from their seeds (see `recent.rs`).
    drawn: Recent<u64, Drawn>,
}

impl Registry {
    pub fn new(origin: Origin) -> Registry {
        Registry {
            origin,
            records: Vec::new(),
            extras: HashMap::default(),
            by_id: HashTable::new(),
            by_code: HashTable::new(),
            hasher: RandomState::default(),
            drawn: Recent::new(),
        }
    }

    /// Makes room for `additional` more accounts up front, so seeding a big world neither
    /// leaves half-empty buffers behind nor rehashes (which draws every code again).
    pub fn reserve(&mut self, additional: usize) {
        self.records.reserve_exact(additional);
        let Registry {
            origin,
            records,
            extras,
            by_id,
            by_code,
            hasher,
            ..
        } = self;
        by_id.reserve(additional, |&i| hasher.hash_one(records[i as usize].id));
        by_code.reserve(additional, |&i| {
            hasher.hash_one(code_of(*origin, records, extras, i).as_ref())
        });
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    pub fn index_of(&self, id: &ObjectId) -> Option<u32> {
        let records = &self.records;
        self.by_id
            .find(self.hasher.hash_one(id), |&i| records[i as usize].id == *id)
            .copied()
    }

    pub fn index_of_code(&self, code: &str) -> Option<u32> {
        let (origin, records, extras) = (self.origin, &self.records, &self.extras);
        self.by_code
            .find(self.hasher.hash_one(code), |&i| {
                code_of(origin, records, extras, i).as_ref() == code
            })
            .copied()
    }

    /// Adds `account` as the next record. `drawn` is what its seed gives (see
    /// [`Origin::drawn`]); identifiers that differ from it are kept on the side. The caller
    /// has checked that the id and code are free.
    pub fn push(&mut self, account: Account, drawn: &Drawn) -> u32 {
        let index = u32::try_from(self.records.len()).expect("fewer than 2^32 accounts");
        let id_hash = self.hasher.hash_one(account.id);
        let code_hash = self.hasher.hash_one(account.code.as_ref());
        let (record, extras) = split(account, drawn);
        self.records.push(record);
        self.store_extras(index, extras);
        let Registry {
            origin,
            records,
            extras,
            by_id,
            by_code,
            hasher,
            ..
        } = self;
        by_id.insert_unique(id_hash, index, |&i| hasher.hash_one(records[i as usize].id));
        by_code.insert_unique(code_hash, index, |&i| {
            hasher.hash_one(code_of(*origin, records, extras, i).as_ref())
        });
        index
    }

    /// The account as stored (its data status not yet resolved against the clock).
    pub fn get(&self, index: u32) -> Account {
        let record = &self.records[index as usize];
        let extras = self.extras_of(index).cloned().unwrap_or_default();
        let all_stored =
            extras.customer.is_some() && extras.code.is_some() && extras.reference.is_some();
        let drawn = (!all_stored).then(|| {
            let (origin, profile) = (self.origin, record.profile);
            self.drawn.get(profile, || origin.drawn(profile))
        });
        join(record, extras, drawn)
    }

    /// The id at `index`, without building the account.
    pub fn id(&self, index: u32) -> ObjectId {
        self.records[index as usize].id
    }

    /// Stage and link instant at `index`, without building the account.
    pub fn link(&self, index: u32) -> (Stage, Timestamp, u8) {
        let record = &self.records[index as usize];
        (record.stage, record.linked_at, record.sync_every_hours)
    }

    /// Folds a changed account back into its record. The id and code indexes are not
    /// touched: nothing changes an account's id or code once it exists.
    pub fn set(&mut self, index: u32, account: Account) {
        let (origin, profile) = (self.origin, account.profile);
        let drawn = self.drawn.get(profile, || origin.drawn(profile));
        let (record, extras) = split(account, &drawn);
        self.records[index as usize] = record;
        self.store_extras(index, extras);
    }

    /// Transaction state alone, for syncs (which run for every account, so skip the rest).
    pub fn transactions_mut(&mut self, index: u32) -> (u64, Timeline, &mut u32, &mut i64) {
        let record = &mut self.records[index as usize];
        (
            record.profile,
            record.history,
            &mut record.transaction_count,
            &mut record.balance,
        )
    }

    /// Takes the pending bank balance of the account at `index`, if it has one, without
    /// building the account (every automatic sync asks).
    pub fn take_bank_balance(&mut self, index: u32) -> Option<i64> {
        if !self.records[index as usize].has_extras {
            return None;
        }
        let extras = self.extras.get_mut(&index)?;
        let balance = extras.bank_balance.take()?;
        if extras.is_empty() {
            self.store_extras(index, Extras::default());
        }
        Some(balance)
    }

    /// Sets the current re-auth token of the account at `index`.
    pub fn set_token(&mut self, index: u32, token: ReauthToken) {
        self.records[index as usize].has_extras = true;
        self.extras.entry(index).or_default().token = Some(Box::new(token));
    }

    fn extras_of(&self, index: u32) -> Option<&Extras> {
        if self.records[index as usize].has_extras {
            self.extras.get(&index)
        } else {
            None
        }
    }

    fn store_extras(&mut self, index: u32, extras: Extras) {
        let empty = extras.is_empty();
        self.records[index as usize].has_extras = !empty;
        if empty {
            self.extras.remove(&index);
        } else {
            self.extras.insert(index, extras);
        }
    }
}

/// The Connect code of the account at `index`: chosen, or drawn again from its seed.
fn code_of(
    origin: Origin,
    records: &[Record],
    extras: &HashMap<u32, Extras, RandomState>,
    index: u32,
) -> Arc<str> {
    let record = &records[index as usize];
    let chosen = record
        .has_extras
        .then(|| extras.get(&index).and_then(|e| e.code.clone()))
        .flatten();
    chosen.unwrap_or_else(|| origin.code(record.profile).into())
}

fn split(account: Account, drawn: &Drawn) -> (Record, Extras) {
    let Account {
        id,
        customer,
        institution,
        auth_method,
        mfa,
        kind,
        data_status,
        stage,
        data_ready_at,
        session_expired,
        token,
        last_manual_sync,
        sync_every_hours,
        dialect,
        balance,
        transaction_count,
        history,
        linked_at,
        profile,
        code,
        reference,
        name,
        bank_balance,
    } = account;
    let record = Record {
        id,
        profile,
        balance,
        linked_at,
        data_ready_at,
        history,
        transaction_count,
        institution,
        auth_method,
        mfa,
        kind,
        data_status,
        stage,
        session_expired,
        sync_every_hours,
        dialect,
        has_extras: false,
    };
    let extras = Extras {
        customer: (customer != drawn.customer).then_some(customer),
        code: (*code != *drawn.code).then_some(code),
        reference: (*reference != *drawn.reference).then_some(reference),
        name,
        token,
        last_manual_sync,
        bank_balance,
    };
    (record, extras)
}

fn join(record: &Record, extras: Extras, drawn: Option<Drawn>) -> Account {
    let drawn = drawn.unwrap_or(Drawn {
        // Not drawn because all three are stored: these are never used.
        customer: ObjectId([0; 12]),
        code: "".into(),
        reference: "".into(),
    });
    Account {
        id: record.id,
        customer: extras.customer.unwrap_or(drawn.customer),
        institution: record.institution,
        auth_method: record.auth_method,
        mfa: record.mfa,
        kind: record.kind,
        data_status: record.data_status,
        stage: record.stage,
        data_ready_at: record.data_ready_at,
        session_expired: record.session_expired,
        token: extras.token,
        last_manual_sync: extras.last_manual_sync,
        sync_every_hours: record.sync_every_hours,
        dialect: record.dialect,
        balance: record.balance,
        transaction_count: record.transaction_count,
        history: record.history,
        linked_at: record.linked_at,
        profile: record.profile,
        code: extras.code.unwrap_or(drawn.code),
        reference: extras.reference.unwrap_or(drawn.reference),
        name: extras.name,
        bank_balance: extras.bank_balance,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{AccountSpec, Arrival, World, WorldConfig};
    use crate::clock::{Clock, Timestamp};

    fn world(id_salt: u64, random_accounts: usize) -> World {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let config = WorldConfig {
            seed: 5,
            id_salt,
            dialect: Default::default(),
            random_accounts,
            file: None,
        };
        World::new(config, Arc::new(Clock::starting_at(start, true))).unwrap()
    }

    #[test]
    fn every_account_is_found_by_its_id_and_by_its_drawn_code() {
        let world = world(0, 2_000);
        let accounts = world.accounts(usize::MAX);
        assert_eq!(accounts.len(), 2_000);
        for account in &accounts {
            let by_id = world.account(&account.id).unwrap();
            assert_eq!(by_id.code, account.code);
            assert_eq!(by_id.customer, account.customer);
            assert_eq!(by_id.reference, account.reference);
            assert_eq!(
                world.account_for_code(&account.code).unwrap().id,
                account.id
            );
        }
        assert!(world.account_for_code("code_nobody").is_none());
    }

    #[test]
    fn identifiers_that_are_not_drawn_the_default_way_are_kept() {
        let world = world(0, 3);
        let seeded = world.accounts(3);
        // A chosen institution shifts the draws after it; a pending account's customer id
        // carries its creation time; chosen code, reference and name are kept as given.
        let chosen = world
            .create_account(
                AccountSpec {
                    institution: Some(2),
                    code: Some("code_ada".into()),
                    reference: Some("ref-ada".into()),
                    name: Some("Ada Okafor".into()),
                    ..AccountSpec::default()
                },
                Arrival::Pending,
            )
            .unwrap();
        let plain = world
            .create_account(AccountSpec::default(), Arrival::Pending)
            .unwrap();
        let ada = world.account(&chosen).unwrap();
        assert_eq!(&*ada.code, "code_ada");
        assert_eq!(&*ada.reference, "ref-ada");
        assert_eq!(ada.name.as_deref(), Some("Ada Okafor"));
        assert_eq!(world.account_for_code("code_ada").unwrap().id, chosen);
        let plain = world.account(&plain).unwrap();
        let created = (world.now().seconds() - 60) as u32;
        assert_eq!(plain.customer.0[..4], created.to_be_bytes());
        assert_eq!(world.account_for_code(&plain.code).unwrap().id, plain.id);
        // Creating accounts changed nothing about the earlier ones.
        for account in seeded {
            let now = world.account(&account.id).unwrap();
            assert_eq!(
                (now.customer, now.code, now.reference),
                (account.customer, account.code, account.reference)
            );
        }
    }

    #[test]
    fn updates_keep_what_they_do_not_change_and_tokens_come_and_go() {
        let world = world(0, 2);
        let id = world.ids()[0];
        let before = world.account(&id).unwrap();
        let token = world.issue_token(&id).unwrap();
        world.update(&id, |a| a.last_manual_sync = Some(world_now()));
        let after = world.account(&id).unwrap();
        assert_eq!(after.token.as_deref(), Some(&token));
        assert_eq!(after.last_manual_sync, Some(world_now()));
        assert_eq!(
            (&after.code, &after.reference, after.customer),
            (&before.code, &before.reference, before.customer)
        );
        assert_eq!(world.account_for_token(&token.value).unwrap().id, id);
        world.update(&id, |a| {
            a.token = None;
            a.last_manual_sync = None;
        });
        let cleared = world.account(&id).unwrap();
        assert!(cleared.token.is_none() && cleared.last_manual_sync.is_none());
        assert_eq!(format!("{cleared:?}"), format!("{before:?}"));
    }

    fn world_now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()
    }

    #[test]
    fn ids_are_salted_and_data_is_not() {
        let (a, b) = (world(0, 5), world(99, 5));
        for (x, y) in a.accounts(5).iter().zip(b.accounts(5)) {
            assert_ne!(x.id, y.id);
            assert_ne!(x.code, y.code);
            assert_eq!(x.reference, y.reference);
            assert_eq!(x.balance, y.balance);
        }
    }
}
