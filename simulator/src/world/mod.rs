//! The world: every institution, customer, account and job the fake Mono knows about.
//!
//! A world is a pure function of its seed, its "as of" instant and the sequence of accounts
//! created in it. Account `k` (in creation order) draws everything from its own seeded
//! stream, so declaring one account in a world file never reshuffles the others, and the
//! same seed answers the same request sequence with the same bytes on any machine.

mod account;
mod file;
mod holder;
mod ids;
pub mod institutions;
mod random;
mod recent;
mod registry;
mod transactions;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::RngExt;

pub use account::{Account, AccountKind, DataStatus, ReauthToken, Stage, TOKEN_LIFETIME};
pub use file::{WorldFile, WorldFileError};
pub use holder::{masked_bvn, Gender, Holder, Summary};
pub use ids::{alphanumeric, InvalidObjectId, ObjectId};
pub use institutions::{AuthMethod, Institution, InstitutionType, Mfa};
pub use recent::Recent;
pub use transactions::{Direction, Timeline, Transaction, Window};

use crate::clock::{Clock, Timestamp, DAY};
use crate::echo::Echo;
use random::{salt, stream};
use registry::{Drawn, Origin, Registry};

/// Which generation of Mono's payload shapes to speak (see `mono-api.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// The 2021 shapes of Mono's data-sync guide.
    Legacy,
    /// The 2025–26 shapes: `event_id` + `timestamp` on webhooks, `PARTIAL` / `UNAVAILABLE`.
    #[default]
    Current,
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "legacy" => Ok(Dialect::Legacy),
            "current" => Ok(Dialect::Current),
            other => Err(format!(
                "unknown dialect `{}`: expected `legacy` or `current`",
                Echo(other)
            )),
        }
    }
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Legacy, Dialect::Current];

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Legacy => "legacy",
            Dialect::Current => "current",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to put in a new account; anything left `None` is drawn from the account's stream.
#[derive(Clone, Debug, Default)]
pub struct AccountSpec {
    pub id: Option<ObjectId>,
    pub institution: Option<usize>,
    pub auth_method: Option<AuthMethod>,
    pub mfa: Option<Mfa>,
    pub kind: Option<AccountKind>,
    pub data_status: Option<DataStatus>,
    pub balance: Option<i64>,
    pub transactions: Option<u32>,
    pub name: Option<String>,
    pub code: Option<String>,
    pub reference: Option<String>,
    /// Hours between automatic syncs (24, 12 or 6).
    pub sync_every_hours: Option<u8>,
    /// Webhook payload shapes for this account (the world's when absent).
    pub dialect: Option<Dialect>,
}

/// How a new account enters the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Linked long ago, data in (seeded accounts).
    Seeded,
    /// Created through the control API, not linked yet.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    #[error("account id {0} is already taken")]
    DuplicateId(ObjectId),
    #[error("exchange code `{}` is already taken", Echo(.0))]
    DuplicateCode(String),
    #[error("institution {institution} does not offer {auth_method}")]
    UnsupportedAuthMethod {
        institution: &'static str,
        auth_method: &'static str,
    },
    #[error("data status {0} needs the `current` dialect (it did not exist in the legacy API)")]
    StatusNeedsCurrentDialect(&'static str),
    #[error("automatic syncs run every 24, 12 or 6 hours, not every {0}")]
    SyncInterval(u8),
    #[error("a balance of {0} kobo is beyond what the simulator models (at most ±10^15 kobo)")]
    Balance(i64),
    #[error("{0} transactions is more than the {MAX_TRANSACTIONS} an account may have")]
    Transactions(u32),
    #[error(
        "a {} cannot hold a negative balance ({balance} kobo); only a CURRENT_ACCOUNT can be overdrawn",
        kind.as_str()
    )]
    NegativeBalance { kind: AccountKind, balance: i64 },
}

/// Refuses a data status the dialect's API did not have.
pub fn check_status(status: DataStatus, dialect: Dialect) -> Result<(), WorldError> {
    if dialect == Dialect::Legacy && matches!(status, DataStatus::Partial | DataStatus::Unavailable)
    {
        return Err(WorldError::StatusNeedsCurrentDialect(status.as_str()));
    }
    Ok(())
}

/// A background job: a PDF statement being built, or a realtime data fetch.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub account: ObjectId,
    pub kind: JobKind,
    pub created_at: Timestamp,
    /// How many times the job was polled; PDF statements report `BUILDING` until polled once.
    pub polls: u32,
    /// Where a realtime job is: `processing` until `ends_at`, then `finished` or `failed`
    /// (see [`crate::jobs`]). PDF statements keep `Processing` and use `polls` instead.
    pub status: JobStatus,
    /// When a realtime job ends (simulated time).
    pub ends_at: Timestamp,
    /// Set when a realtime job finished: whether the bank had data Mono had not retrieved.
    pub has_new_data: bool,
    /// Set when a realtime job failed because the bank asked the user to log in again.
    pub reauth_required: bool,
}

/// The states of a realtime job, as Mono spells them in `x-job-status` and in
/// `mono.accounts.jobs.update`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Processing,
    Finished,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Processing => "processing",
            JobStatus::Finished => "finished",
            JobStatus::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// A PDF statement of the last `months` months.
    Statement { months: u32 },
    /// A realtime fetch (`x-realtime: true`) of `data`.
    Realtime { data: RealtimeData },
}

/// What a realtime request asks the bank for: the two v2 routes that take `x-realtime`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RealtimeData {
    Balance,
    Transactions,
}

impl RealtimeData {
    pub const ALL: [RealtimeData; 2] = [RealtimeData::Balance, RealtimeData::Transactions];

    pub fn as_str(self) -> &'static str {
        match self {
            RealtimeData::Balance => "balance",
            RealtimeData::Transactions => "transactions",
        }
    }

    /// The job's `name` in `mono.accounts.jobs.update` and the job endpoint: Mono's two
    /// job names, `sync_balance` for the balance and `sync_statement` for transactions.
    pub fn job_name(self) -> &'static str {
        match self {
            RealtimeData::Balance => "jobs.accounts.sync_balance",
            RealtimeData::Transactions => "jobs.accounts.sync_statement",
        }
    }
}

pub struct WorldConfig {
    pub seed: u64,
    /// Mixed into identifiers only (account, customer, event and job ids, codes, tokens),
    /// not into data (names, balances, transactions). The harness salts each run, so a
    /// receiver whose database outlives a run never meets the same ids twice, while
    /// snapshots — which show data, with ids redacted — stay identical.
    pub id_salt: u64,
    pub dialect: Dialect,
    /// Random accounts to seed after the world file's.
    pub random_accounts: usize,
    pub file: Option<WorldFile>,
}

pub struct World {
    seed: u64,
    id_salt: u64,
    dialect: Dialect,
    clock: Arc<Clock>,
    /// The instant seeded data was last synced: the end of every seeded history. Midnight
    /// of the clock's starting day, so restarting `serve` on the same day gives the same ids.
    as_of: Timestamp,
    app: ObjectId,
    business: ObjectId,
    /// What the world was built from, for [`World::reset`].
    initial: (Vec<AccountSpec>, usize),
    inner: RwLock<Inner>,
}

/// A ceiling on any one account's history, so listings and a clock advanced by years
/// stay cheap.
pub const MAX_TRANSACTIONS: u32 = 20_000;

/// Balances stay far from `i64` limits, so running balances never overflow.
const MAX_BALANCE: u64 = 1_000_000_000_000_000;

struct Inner {
    accounts: Registry,
    /// Every re-auth token ever issued, so a superseded one is recognised as such.
    by_token: HashMap<Box<str>, u32>,
    /// The same tokens in the order they were issued, with their account.
    issued: Vec<(Box<str>, u32)>,
    tokens_issued: u64,
    events_created: u64,
    jobs: HashMap<String, Job>,
    /// Accounts ever created: keys the next account's stream.
    created: u64,
    /// Jobs ever created: keys the next job id.
    jobs_created: u64,
}

impl Inner {
    fn new(origin: Origin) -> Inner {
        Inner {
            accounts: Registry::new(origin),
            by_token: HashMap::new(),
            issued: Vec::new(),
            tokens_issued: 0,
            events_created: 0,
            jobs: HashMap::new(),
            created: 0,
            jobs_created: 0,
        }
    }
}

impl World {
    pub fn new(config: WorldConfig, clock: Arc<Clock>) -> Result<World, WorldError> {
        let as_of = clock.now().start_of_day();
        let mut rng = stream(config.seed, salt::WORLD, 0);
        let world = World {
            seed: config.seed,
            id_salt: config.id_salt,
            dialect: config.dialect,
            clock,
            as_of,
            app: ObjectId::generate(as_of.seconds() - 400 * DAY / 1000, &mut rng),
            business: ObjectId::generate(as_of.seconds() - 400 * DAY / 1000, &mut rng),
            initial: (
                config.file.map(|f| f.accounts).unwrap_or_default(),
                config.random_accounts,
            ),
            inner: RwLock::new(Inner::new(Origin {
                as_of,
                id_salt: config.id_salt,
            })),
        };
        world.seed_accounts()?;
        Ok(world)
    }

    fn seed_accounts(&self) -> Result<(), WorldError> {
        self.write()
            .accounts
            .reserve(self.initial.0.len() + self.initial.1);
        for spec in &self.initial.0 {
            self.create_account(spec.clone(), Arrival::Seeded)?;
        }
        for _ in 0..self.initial.1 {
            self.create_account(AccountSpec::default(), Arrival::Seeded)?;
        }
        Ok(())
    }

    /// Back to the world as it was built: the same seeded accounts, nothing created since,
    /// no jobs or tokens.
    pub fn reset(&self) {
        {
            let mut inner = self.write();
            let origin = inner.accounts.origin();
            *inner = Inner::new(origin);
        }
        // The seeded accounts were valid when the world was built; they still are.
        let _ = self.seed_accounts();
    }

    /// Every account's id, in creation order.
    pub fn ids(&self) -> Vec<ObjectId> {
        let inner = self.read();
        (0..inner.accounts.len() as u32)
            .map(|i| inner.accounts.id(i))
            .collect()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates an account from `spec`, drawing what it leaves open from the account's own
    /// seeded stream.
    pub fn create_account(
        &self,
        spec: AccountSpec,
        arrival: Arrival,
    ) -> Result<ObjectId, WorldError> {
        let mut inner = self.write();
        let k = inner.created;
        let profile = random::mix(self.seed ^ salt::ACCOUNT ^ random::mix(k));
        let mut rng = stream(profile, salt::WORLD, 0);
        // Whether this account draws the way `Origin::drawn` replays.
        let default_path =
            arrival == Arrival::Seeded && spec.institution.is_none() && spec.auth_method.is_none();

        let institution = spec
            .institution
            .unwrap_or_else(|| rng.random_range(0..institutions::CATALOGUE.len()));
        let catalogue_entry = &institutions::CATALOGUE[institution];
        let auth_method = spec.auth_method.unwrap_or_else(|| {
            catalogue_entry.auth_methods[rng.random_range(0..catalogue_entry.auth_methods.len())]
        });
        if !catalogue_entry.auth_methods.contains(&auth_method) {
            return Err(WorldError::UnsupportedAuthMethod {
                institution: catalogue_entry.slug,
                auth_method: auth_method.as_str(),
            });
        }
        let data_status = spec.data_status.unwrap_or(DataStatus::Available);
        let dialect = spec.dialect.unwrap_or(self.dialect);
        check_status(data_status, dialect)?;
        let sync_every_hours = spec.sync_every_hours.unwrap_or(24);
        if ![24, 12, 6].contains(&sync_every_hours) {
            return Err(WorldError::SyncInterval(sync_every_hours));
        }
        let days_ago = rng.random_range(1..=180);
        let linked_at = match arrival {
            Arrival::Seeded => self.as_of.plus(-days_ago * DAY),
            Arrival::Pending => self.clock.now(),
        };
        // Identifiers come from their own stream, salted per run (see `WorldConfig::id_salt`).
        let origin = inner.accounts.origin();
        let mut ids = origin.ids(profile);
        let generated_id = ObjectId::generate(linked_at.seconds(), &mut ids);
        let id = spec.id.unwrap_or(generated_id);
        let customer = ObjectId::generate(linked_at.seconds() - 60, &mut ids);
        let generated_code = format!("code_{}", alphanumeric(20, &mut ids));
        let code = spec.code.unwrap_or_else(|| generated_code.clone());
        let generated_reference = alphanumeric(12, &mut rng).to_lowercase();
        let reference = spec
            .reference
            .unwrap_or_else(|| generated_reference.clone());
        let drawn_kind = [
            AccountKind::SavingsAccount,
            AccountKind::CurrentAccount,
            AccountKind::DigitalSavingsAccount,
        ][rng.random_range(0..3)];
        let balance = spec
            .balance
            .unwrap_or_else(|| rng.random_range(5_000..5_000_000i64) * 100);
        // Only a current account can be overdrawn: an overdrawn account of no declared type
        // is one.
        let kind = match spec.kind {
            Some(kind) => kind,
            None if balance < 0 => AccountKind::CurrentAccount,
            None => drawn_kind,
        };
        if balance < 0 && !kind.can_be_overdrawn() {
            return Err(WorldError::NegativeBalance { kind, balance });
        }
        let transaction_count = spec
            .transactions
            .unwrap_or_else(|| rng.random_range(40..=160));
        if balance.unsigned_abs() > MAX_BALANCE {
            return Err(WorldError::Balance(balance));
        }
        if transaction_count > MAX_TRANSACTIONS {
            return Err(WorldError::Transactions(transaction_count));
        }

        if inner.accounts.index_of(&id).is_some() {
            return Err(WorldError::DuplicateId(id));
        }
        if inner.accounts.index_of_code(&code).is_some() {
            return Err(WorldError::DuplicateCode(code));
        }
        let history = match arrival {
            Arrival::Seeded => Timeline::ending_at(self.as_of, transaction_count),
            Arrival::Pending => Timeline::ending_at(self.clock.now(), transaction_count),
        };
        let account = Account {
            id,
            customer,
            institution: institution as u16,
            auth_method,
            mfa: spec.mfa.unwrap_or(catalogue_entry.mfa),
            kind,
            data_status,
            stage: match arrival {
                Arrival::Seeded => Stage::Linked,
                Arrival::Pending => Stage::Pending,
            },
            data_ready_at: linked_at,
            session_expired: false,
            token: None,
            last_manual_sync: None,
            sync_every_hours,
            dialect,
            balance,
            transaction_count,
            history,
            linked_at,
            profile,
            code: code.into(),
            reference: reference.into(),
            name: spec.name.map(Into::into),
            bank_balance: None,
        };
        // What the account's seed gives again, so the registry stores only what differs. On
        // the default path the values just drawn are those (checked in debug builds).
        let drawn = if default_path {
            let drawn = Drawn {
                customer,
                code: generated_code.into(),
                reference: generated_reference.into(),
            };
            debug_assert_eq!(drawn, origin.drawn(profile));
            drawn
        } else {
            origin.drawn(profile)
        };
        inner.accounts.push(account, &drawn);
        inner.created += 1;
        Ok(id)
    }

    /// The account as it reads now: while its data is still being fetched its
    /// `data_status` is `PROCESSING`.
    pub fn account(&self, id: &ObjectId) -> Option<Account> {
        let inner = self.read();
        inner
            .accounts
            .index_of(id)
            .map(|i| self.as_now(inner.accounts.get(i)))
    }

    fn as_now(&self, mut account: Account) -> Account {
        if self.clock.now() < account.data_ready_at {
            account.data_status = DataStatus::Processing;
        }
        account
    }

    /// The account a Connect `code` was issued for.
    pub fn account_for_code(&self, code: &str) -> Option<Account> {
        let inner = self.read();
        inner
            .accounts
            .index_of_code(code)
            .map(|i| self.as_now(inner.accounts.get(i)))
    }

    /// The account a re-auth token was issued for (current or superseded).
    pub fn account_for_token(&self, token: &str) -> Option<Account> {
        let inner = self.read();
        inner
            .by_token
            .get(token)
            .map(|&i| self.as_now(inner.accounts.get(i)))
    }

    /// Every token ever issued for the account, oldest first.
    pub fn tokens_of(&self, id: &ObjectId) -> Vec<String> {
        let inner = self.read();
        let Some(i) = inner.accounts.index_of(id) else {
            return Vec::new();
        };
        inner
            .issued
            .iter()
            .filter(|(_, a)| *a == i)
            .map(|(t, _)| t.to_string())
            .collect()
    }

    /// Changes an account in place; `None` if there is no such account.
    pub fn update<R>(&self, id: &ObjectId, change: impl FnOnce(&mut Account) -> R) -> Option<R> {
        let mut inner = self.write();
        let i = inner.accounts.index_of(id)?;
        let mut account = inner.accounts.get(i);
        let result = change(&mut account);
        inner.accounts.set(i, account);
        Some(result)
    }

    /// Issues a new re-auth token for the account, replacing any earlier one.
    pub fn issue_token(&self, id: &ObjectId) -> Option<ReauthToken> {
        let now = self.clock.now();
        let mut inner = self.write();
        let i = inner.accounts.index_of(id)?;
        let mut rng = stream(self.seed ^ self.id_salt, salt::TOKEN, inner.tokens_issued);
        inner.tokens_issued += 1;
        let token = ReauthToken {
            value: alphanumeric(20, &mut rng),
            issued_at: now,
            used: false,
        };
        inner.by_token.insert(token.value.clone().into(), i);
        inner.issued.push((token.value.clone().into(), i));
        inner.accounts.set_token(i, token.clone());
        Some(token)
    }

    /// Mono retrieves the account's data again (a successful sync, or the fetch after a
    /// re-authorisation): every slot of its timeline that has fully passed gets its
    /// transaction, the balance moves with them, and a balance changed at the bank since
    /// the last retrieval ([`World::set_bank_balance`]) is taken over. Returns whether
    /// anything changed (Mono's `hasNewData`).
    pub fn retrieve_data(&self, id: &ObjectId) -> bool {
        let now = self.clock.now();
        let mut inner = self.write();
        let Some(i) = inner.accounts.index_of(id) else {
            return false;
        };
        let (profile, timeline, count, balance) = inner.accounts.transactions_mut(i);
        let due = ((now.millis() - timeline.start.millis()) / timeline.spacing).max(0);
        let due = u32::try_from(due).unwrap_or(u32::MAX).min(MAX_TRANSACTIONS);
        let mut changed = false;
        if due > *count {
            let added = timeline.between(profile, *count, due);
            *balance = transactions::balance_after(*balance, &added);
            *count = due;
            changed = !added.is_empty();
        }
        if let Some(at_bank) = inner.accounts.take_bank_balance(i) {
            let (_, _, _, balance) = inner.accounts.transactions_mut(i);
            changed |= *balance != at_bank;
            *balance = at_bank;
        }
        changed
    }

    /// The money in the account changes at the bank. Mono does not see it until its next
    /// retrieval ([`World::retrieve_data`]), so an integrator that ignores the
    /// `account_updated` which follows keeps the old balance — visibly.
    pub fn set_bank_balance(&self, id: &ObjectId, balance: i64) -> Result<(), WorldError> {
        if balance.unsigned_abs() > MAX_BALANCE {
            return Err(WorldError::Balance(balance));
        }
        self.update(id, |a| {
            if balance < 0 && !a.kind.can_be_overdrawn() {
                return Err(WorldError::NegativeBalance {
                    kind: a.kind,
                    balance,
                });
            }
            a.bank_balance = Some(balance);
            Ok(())
        })
        .unwrap_or(Ok(()))
    }

    /// The first `limit` accounts, in creation order.
    pub fn accounts(&self, limit: usize) -> Vec<Account> {
        let inner = self.read();
        let count = inner.accounts.len().min(limit) as u32;
        (0..count).map(|i| inner.accounts.get(i)).collect()
    }

    /// Calls `each` with the index (creation order), id, link instant and sync interval of
    /// every linked account, without building the accounts: scheduling a million accounts'
    /// automatic syncs needs only these.
    pub fn for_each_linked(&self, mut each: impl FnMut(u32, ObjectId, Timestamp, u8)) {
        let inner = self.read();
        for i in 0..inner.accounts.len() as u32 {
            let (stage, linked_at, hours) = inner.accounts.link(i);
            if stage == Stage::Linked {
                each(i, inner.accounts.id(i), linked_at, hours);
            }
        }
    }

    /// The id and link instant of the account at `index` (creation order), if it is linked
    /// by a link made before `before`.
    pub fn linked_before(&self, index: u32, before: Timestamp) -> Option<(ObjectId, Timestamp)> {
        let inner = self.read();
        if index as usize >= inner.accounts.len() {
            return None;
        }
        let (stage, linked_at, _) = inner.accounts.link(index);
        (stage == Stage::Linked && linked_at < before)
            .then(|| (inner.accounts.id(index), linked_at))
    }

    pub fn account_count(&self) -> usize {
        self.read().accounts.len()
    }

    /// Starts a job for `account` and returns it.
    pub fn start_job(&self, account: ObjectId, kind: JobKind) -> Job {
        let mut inner = self.write();
        let mut rng = stream(self.seed ^ self.id_salt, salt::JOB, inner.jobs_created);
        inner.jobs_created += 1;
        let job = Job {
            id: alphanumeric(20, &mut rng),
            account,
            kind,
            created_at: self.clock.now(),
            polls: 0,
            status: JobStatus::Processing,
            ends_at: self.clock.now(),
            has_new_data: false,
            reauth_required: false,
        };
        inner.jobs.insert(job.id.clone(), job.clone());
        job
    }

    /// Looks a job of `account` up, counting the poll.
    pub fn poll_job(&self, account: &ObjectId, job_id: &str) -> Option<Job> {
        let mut inner = self.write();
        let job = inner
            .jobs
            .get_mut(job_id)
            .filter(|j| j.account == *account)?;
        job.polls += 1;
        Some(job.clone())
    }

    pub fn job(&self, job_id: &str) -> Option<Job> {
        self.read().jobs.get(job_id).cloned()
    }

    /// Changes a job in place; `None` when there is no such job.
    pub fn update_job<T>(&self, job_id: &str, change: impl FnOnce(&mut Job) -> T) -> Option<T> {
        self.write().jobs.get_mut(job_id).map(change)
    }

    /// A fresh, seeded webhook `event_id`.
    pub fn new_event_id(&self) -> ObjectId {
        let now = self.clock.now();
        let mut inner = self.write();
        let mut rng = stream(self.seed ^ self.id_salt, salt::EVENT, inner.events_created);
        inner.events_created += 1;
        ObjectId::generate(now.seconds(), &mut rng)
    }

    /// The integrator's app and business as Mono names them in job payloads.
    pub fn app(&self) -> ObjectId {
        self.app
    }

    pub fn business(&self) -> ObjectId {
        self.business
    }
}
