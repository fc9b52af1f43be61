//! The last few results of a pure function, kept to skip drawing them again.
//!
//! A world keeps 80 bytes per account and draws everything else from the account's seed
//! when asked (`registry.rs`): a million accounts fit in about 100 MiB. But an account
//! that is read is usually read again soon — an integrator fetches its details, balance
//! and transactions after each webhook — and the draws (ChaCha streams, formatted codes and
//! names) were a fifth of a `GET /v2/accounts/:id` (bench/RESULTS.md). So the last results
//! are kept here, a fixed number of them: the memory stays bounded, and a result is never
//! stale because it depends on its key alone.

use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::Mutex;

/// How many results are kept: slots are chosen by the key's hash, and a new key takes its
/// slot from whatever was there.
const SLOTS: usize = 256;

/// One kept result: its key and value, or nothing yet.
type Slot<K, V> = Mutex<Option<(K, V)>>;

pub struct Recent<K, V> {
    slots: Box<[Slot<K, V>]>,
    hasher: BuildHasherDefault<Mix>,
}

impl<K: Hash + Eq + Copy, V: Clone> Recent<K, V> {
    pub fn new() -> Recent<K, V> {
        Recent {
            slots: (0..SLOTS).map(|_| Mutex::new(None)).collect(),
            hasher: BuildHasherDefault::default(),
        }
    }

    fn slot(&self, key: K) -> usize {
        self.hasher.hash_one(key) as usize % SLOTS
    }

    /// The value for `key`: kept, or computed by `compute` (which must depend on `key`
    /// alone) and kept.
    pub fn get(&self, key: K, compute: impl FnOnce() -> V) -> V {
        let slot = &self.slots[self.slot(key)];
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

/// Which slot a key takes. Keys here are drawn values — profiles, windows of a history —
/// and two keys sharing a slot only cost a recomputation, so a multiply-and-shift mix does
/// where SipHash (std's default, made to resist chosen keys) cost more than the rest of a
/// lookup.
#[derive(Default)]
struct Mix(u64);

impl Mix {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// The high bits, folded down: the multiply leaves the low ones weak.
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29) ^ (self.0 >> 47)
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

    #[test]
    fn neighbouring_keys_spread_over_the_slots() {
        // Pages of one history differ in a position or two; they must not share a slot.
        let recent = Recent::<(u64, u32, u32), ()>::new();
        let slots: std::collections::HashSet<usize> = (0..128u32)
            .map(|page| recent.slot((42, page * 20, page * 20 + 20)))
            .collect();
        // Spread at random, 128 keys would take about 101 of 256 slots.
        assert!(
            slots.len() > 85,
            "128 pages took only {} slots",
            slots.len()
        );
    }
}
