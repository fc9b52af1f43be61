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
mod transactions;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::RngExt;

pub use account::{Account, AccountKind, DataStatus};
pub use file::{WorldFile, WorldFileError};
pub use holder::{Gender, Holder, Summary};
pub use ids::{alphanumeric, InvalidObjectId, ObjectId};
pub use institutions::{AuthMethod, Institution, InstitutionType, Mfa};
pub use transactions::{Direction, Timeline, Transaction};

use crate::clock::{Clock, Timestamp, DAY};
use random::{salt, stream};

/// Which generation of Mono's payload shapes to speak (see `mono-api.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
                "unknown dialect `{other}`: expected `legacy` or `current`"
            )),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Legacy => "legacy",
            Dialect::Current => "current",
        })
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorldError {
    #[error("account id {0} is already taken")]
    DuplicateId(ObjectId),
    #[error("exchange code `{0}` is already taken")]
    DuplicateCode(String),
    #[error("institution {institution} does not offer {auth_method}")]
    UnsupportedAuthMethod {
        institution: &'static str,
        auth_method: &'static str,
    },
    #[error("data status {0} needs the `current` dialect (it did not exist in the legacy API)")]
    StatusNeedsCurrentDialect(&'static str),
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// A PDF statement of the last `months` months.
    Statement { months: u32 },
    /// A realtime fetch (`x-realtime: true`) of `data` ("transactions" or "balance").
    Realtime { data: &'static str },
}

pub struct WorldConfig {
    pub seed: u64,
    pub dialect: Dialect,
    /// Random accounts to seed after the world file's.
    pub random_accounts: usize,
    pub file: Option<WorldFile>,
}

pub struct World {
    seed: u64,
    dialect: Dialect,
    clock: Arc<Clock>,
    /// The instant seeded data was last synced: the end of every seeded history. Midnight
    /// of the clock's starting day, so restarting `serve` on the same day gives the same ids.
    as_of: Timestamp,
    app: ObjectId,
    business: ObjectId,
    inner: RwLock<Inner>,
}

/// Mono's realtime rate window: one session per account per 5 minutes.
const REALTIME_WINDOW: i64 = 5 * crate::clock::MINUTE;

#[derive(Default)]
struct Inner {
    accounts: Vec<Account>,
    by_id: HashMap<ObjectId, u32>,
    by_code: HashMap<Box<str>, u32>,
    jobs: HashMap<String, Job>,
    /// The latest realtime job per (account, data).
    last_realtime: HashMap<(ObjectId, &'static str), String>,
    /// Accounts ever created: keys the next account's stream.
    created: u64,
    /// Jobs ever created: keys the next job id.
    jobs_created: u64,
}

impl World {
    pub fn new(config: WorldConfig, clock: Arc<Clock>) -> Result<World, WorldError> {
        let as_of = clock.now().start_of_day();
        let mut rng = stream(config.seed, salt::WORLD, 0);
        let world = World {
            seed: config.seed,
            dialect: config.dialect,
            clock,
            as_of,
            app: ObjectId::generate(as_of.seconds() - 400 * DAY / 1000, &mut rng),
            business: ObjectId::generate(as_of.seconds() - 400 * DAY / 1000, &mut rng),
            inner: RwLock::new(Inner::default()),
        };
        for spec in config.file.into_iter().flat_map(|f| f.accounts) {
            world.create_account(spec)?;
        }
        for _ in 0..config.random_accounts {
            world.create_account(AccountSpec::default())?;
        }
        Ok(world)
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
    pub fn create_account(&self, spec: AccountSpec) -> Result<ObjectId, WorldError> {
        let mut inner = self.write();
        let k = inner.created;
        let profile = random::mix(self.seed ^ salt::ACCOUNT ^ random::mix(k));
        let mut rng = stream(profile, salt::WORLD, 0);

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
        if self.dialect == Dialect::Legacy
            && matches!(data_status, DataStatus::Partial | DataStatus::Unavailable)
        {
            return Err(WorldError::StatusNeedsCurrentDialect(data_status.as_str()));
        }
        let linked_at = self.as_of.plus(-rng.random_range(1..=180) * DAY);
        let generated_id = ObjectId::generate(linked_at.seconds(), &mut rng);
        let id = spec.id.unwrap_or(generated_id);
        let customer = ObjectId::generate(linked_at.seconds() - 60, &mut rng);
        let generated_code = format!("code_{}", alphanumeric(20, &mut rng));
        let code = spec.code.unwrap_or(generated_code);
        let generated_reference = alphanumeric(12, &mut rng).to_lowercase();
        let reference = spec.reference.unwrap_or(generated_reference);
        let kind = spec.kind.unwrap_or(
            [
                AccountKind::SavingsAccount,
                AccountKind::CurrentAccount,
                AccountKind::DigitalSavingsAccount,
            ][rng.random_range(0..3)],
        );
        let balance = spec
            .balance
            .unwrap_or_else(|| rng.random_range(5_000..5_000_000i64) * 100);
        let transaction_count = spec
            .transactions
            .unwrap_or_else(|| rng.random_range(40..=160));

        if inner.by_id.contains_key(&id) {
            return Err(WorldError::DuplicateId(id));
        }
        if inner.by_code.contains_key(code.as_str()) {
            return Err(WorldError::DuplicateCode(code));
        }
        let account = Account {
            id,
            customer,
            institution: institution as u16,
            auth_method,
            mfa: spec.mfa.unwrap_or(catalogue_entry.mfa),
            kind,
            data_status,
            linked: true,
            balance,
            transaction_count,
            history: Timeline::ending_at(self.as_of, transaction_count),
            linked_at,
            profile,
            code: code.into(),
            reference: reference.into(),
            name: spec.name.map(Into::into),
        };
        let index = inner.accounts.len() as u32;
        inner.by_id.insert(id, index);
        inner.by_code.insert(account.code.clone(), index);
        inner.accounts.push(account);
        inner.created += 1;
        Ok(id)
    }

    pub fn account(&self, id: &ObjectId) -> Option<Account> {
        let inner = self.read();
        inner
            .by_id
            .get(id)
            .map(|&i| inner.accounts[i as usize].clone())
    }

    /// The account a Connect `code` was issued for.
    pub fn account_for_code(&self, code: &str) -> Option<Account> {
        let inner = self.read();
        inner
            .by_code
            .get(code)
            .map(|&i| inner.accounts[i as usize].clone())
    }

    /// The first `limit` accounts, in creation order.
    pub fn accounts(&self, limit: usize) -> Vec<Account> {
        self.read().accounts.iter().take(limit).cloned().collect()
    }

    pub fn account_count(&self) -> usize {
        self.read().accounts.len()
    }

    /// Marks an account unlinked. Returns `false` if there is no such account.
    pub fn unlink(&self, id: &ObjectId) -> bool {
        let mut inner = self.write();
        match inner.by_id.get(id).copied() {
            Some(i) => {
                inner.accounts[i as usize].linked = false;
                true
            }
            None => false,
        }
    }

    /// Starts a job for `account` and returns it.
    pub fn start_job(&self, account: ObjectId, kind: JobKind) -> Job {
        let mut inner = self.write();
        let mut rng = stream(self.seed, salt::JOB, inner.jobs_created);
        inner.jobs_created += 1;
        let job = Job {
            id: alphanumeric(20, &mut rng),
            account,
            kind,
            created_at: self.clock.now(),
            polls: 0,
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

    /// The realtime job for `data` of `account`. Mono runs at most one realtime session per
    /// account every 5 minutes; inside that window it answers with the last job unchanged.
    pub fn realtime_job(&self, account: ObjectId, data: &'static str) -> Job {
        let now = self.clock.now();
        {
            let inner = self.read();
            let recent = inner
                .last_realtime
                .get(&(account, data))
                .and_then(|id| inner.jobs.get(id))
                .filter(|job| now.millis() - job.created_at.millis() < REALTIME_WINDOW);
            if let Some(job) = recent {
                return job.clone();
            }
        }
        let job = self.start_job(account, JobKind::Realtime { data });
        self.write()
            .last_realtime
            .insert((account, data), job.id.clone());
        job
    }

    /// The integrator's app and business as Mono names them in job payloads.
    pub fn app(&self) -> ObjectId {
        self.app
    }

    pub fn business(&self) -> ObjectId {
        self.business
    }
}
