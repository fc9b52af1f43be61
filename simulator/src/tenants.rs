//! Several simulated Monos behind one port.
//!
//! `serve` has one world. The harness runs many scenarios at once against one receiver,
//! which knows one `MONO_BASE_URL`, yet each scenario needs its own accounts and its own
//! virtual clock (one scenario's "advance 48 h" must not expire another's tokens). So the
//! server holds a *main* [`Sim`] plus any number of *tenants*, each a complete `Sim`, and
//! routes every API request to the one that owns the account it names (or the code or job
//! it carries). Ids come from per-tenant seeds, so they do not collide.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use crate::sim::Sim;
use crate::world::ObjectId;

pub struct Tenants {
    main: Arc<Sim>,
    others: RwLock<Vec<Arc<Sim>>>,
    /// How many `others` there are, kept beside them so that a request, in the usual case
    /// of none, reads one word instead of taking the lock: a read lock writes to the lock,
    /// and every worker's every request took it (bench/RESULTS.md).
    counted: AtomicUsize,
}

impl Tenants {
    pub fn new(main: Arc<Sim>) -> Tenants {
        Tenants {
            main,
            others: RwLock::new(Vec::new()),
            counted: AtomicUsize::new(0),
        }
    }

    pub fn main(&self) -> &Arc<Sim> {
        &self.main
    }

    /// Serves `sim`'s accounts from now on (and starts its driver).
    pub fn add(&self, sim: Arc<Sim>) {
        sim.start();
        let mut others = self.others.write().unwrap_or_else(|p| p.into_inner());
        others.push(sim);
        self.counted.store(others.len(), Ordering::Release);
    }

    /// Stops serving `sim`'s accounts, and stops its driver.
    pub fn remove(&self, sim: &Arc<Sim>) {
        sim.stop();
        let mut others = self.others.write().unwrap_or_else(|p| p.into_inner());
        others.retain(|s| !Arc::ptr_eq(s, sim));
        self.counted.store(others.len(), Ordering::Release);
    }

    fn find(&self, owns: impl Fn(&Sim) -> bool) -> Option<Arc<Sim>> {
        let others = self.others.read().unwrap_or_else(|p| p.into_inner());
        others
            .iter()
            .find(|s| owns(s))
            .cloned()
            .or_else(|| owns(&self.main).then(|| self.main.clone()))
    }

    /// The simulator owning `account`; the main one when nobody does (it then answers 404).
    pub fn for_account(&self, account: &ObjectId) -> Arc<Sim> {
        self.find(|s| s.world.account(account).is_some())
            .unwrap_or_else(|| self.main.clone())
    }

    pub fn for_code(&self, code: &str) -> Option<Arc<Sim>> {
        self.find(|s| s.world.account_for_code(code).is_some())
    }

    /// The simulator that issued re-auth token `token` (the widget is opened with one).
    pub fn for_token(&self, token: &str) -> Option<Arc<Sim>> {
        self.find(|s| s.world.account_for_token(token).is_some())
    }

    pub fn for_job(&self, job: &str) -> Option<Arc<Sim>> {
        self.find(|s| s.world.job(job).is_some())
    }

    /// The other simulated Mono a request path is about, owning the account in
    /// `/accounts/{id}/…` or `/v2/accounts/{id}/…`; `None` means the main one. With no other
    /// simulated Mono (the usual case) the path is not even read, and nothing is cloned.
    pub fn other_for_path(&self, path: &str) -> Option<Arc<Sim>> {
        if self.counted.load(Ordering::Acquire) == 0 {
            return None;
        }
        let id = account_in(path)?;
        let others = self.others.read().unwrap_or_else(|p| p.into_inner());
        others
            .iter()
            .find(|s| s.world.account(&id).is_some())
            .cloned()
    }
}

/// The account id in `/accounts/{id}/…` or `/v2/accounts/{id}/…`, if well-formed.
pub fn account_in(path: &str) -> Option<ObjectId> {
    let rest = path
        .strip_prefix("/v2/accounts/")
        .or_else(|| path.strip_prefix("/accounts/"))?;
    // The id is the segment's first 24 bytes: no need to search for its end.
    let (id, after) = rest.split_at_checked(24)?;
    if !(after.is_empty() || after.starts_with('/')) {
        return None;
    }
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::account_in;

    #[test]
    fn the_account_a_path_names_is_its_whole_id_segment() {
        let id = "5f171a530295e231abca1153";
        for path in [
            format!("/accounts/{id}"),
            format!("/v2/accounts/{id}"),
            format!("/v2/accounts/{id}/"),
            format!("/accounts/{id}/reauthorise"),
        ] {
            assert_eq!(account_in(&path), Some(id.parse().unwrap()), "{path}");
        }
        for path in [
            "/accounts/".to_string(),
            "/v2/accounts/auth".to_string(),
            format!("/v2/accounts/{id}0"),
            format!("/v2/accounts/{id}x/transactions"),
            format!("/v2/accounts/{}/transactions", &id[1..]),
            format!("/v2/accounts/{}\u{e9}", &id[1..]),
            format!("/v3/accounts/{id}"),
        ] {
            assert_eq!(account_in(&path), None, "{path}");
        }
    }
}
