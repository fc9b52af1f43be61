//! The last few results of a pure function, kept to skip drawing them again.
//!
//! A world keeps 80 bytes per account and draws everything else from the account's seed
//! when asked (`registry.rs`): a million accounts fit in about 100 MiB. But an account
//! that is read is usually read again soon — an integrator fetches its details, balance
//! and transactions after each webhook — and the draws (ChaCha streams, formatted codes and
//! names) were a fifth of a `GET /v2/accounts/:id` (bench/RESULTS.md). So the last results
//! are kept here, a fixed number of them: the memory stays bounded, and a result is never
//! stale because it depends on its key alone.

use std::hash::{BuildHasher, Hash};
use std::sync::Mutex;

/// How many results are kept: slots are chosen by the key's hash, and a new key takes its
/// slot from whatever was there.
const SLOTS: usize = 256;

/// One kept result: its key and value, or nothing yet.
type Slot<K, V> = Mutex<Option<(K, V)>>;

pub struct Recent<K, V> {
    slots: Box<[Slot<K, V>]>,
    hasher: std::hash::RandomState,
}

impl<K: Hash + Eq + Copy, V: Clone> Recent<K, V> {
    pub fn new() -> Recent<K, V> {
        Recent {
            slots: (0..SLOTS).map(|_| Mutex::new(None)).collect(),
            hasher: std::hash::RandomState::new(),
        }
    }

    /// The value for `key`: kept, or computed by `compute` (which must depend on `key`
    /// alone) and kept.
    pub fn get(&self, key: K, compute: impl FnOnce() -> V) -> V {
        let slot = &self.slots[self.hasher.hash_one(key) as usize % SLOTS];
        if let Some((kept, value)) = &*slot.lock().unwrap_or_else(|p| p.into_inner()) {
            if *kept == key {
                return value.clone();
            }
        }
        // Computed outside the lock: two readers of one key may both compute, which costs
        // time but never correctness.
        let value = compute();
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, value.clone()));
        value
    }
}

impl<K: Hash + Eq + Copy, V: Clone> Default for Recent<K, V> {
    fn default() -> Self {
        Recent::new()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::Recent;

    #[test]
    fn a_kept_result_is_returned_and_others_are_computed() {
        let recent = Recent::new();
        let calls = Cell::new(0);
        let square = |n: u64| {
            calls.set(calls.get() + 1);
            n * n
        };
        assert_eq!(recent.get(7, || square(7)), 49);
        assert_eq!(recent.get(7, || square(7)), 49);
        assert_eq!(calls.get(), 1, "the second read is kept");
        // Many more keys than slots: each still gets its own value.
        for n in 0..2_000 {
            assert_eq!(recent.get(n, || square(n)), n * n);
        }
        assert_eq!(recent.get(7, || square(7)), 49);
    }
}
