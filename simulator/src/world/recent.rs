//! The last few results of a pure function, kept to skip drawing them again.
//!
//! A world keeps 80 bytes per account and draws everything else from the account's seed
//! when asked (`registry.rs`): a million accounts fit in about 100 MiB. But an account
//! that is read is usually read again soon — an integrator fetches its details, balance
//! and transactions after each webhook — and the draws (ChaCha streams, formatted codes and
//! names) were a fifth of a `GET /v2/accounts/:id` (bench/RESULTS.md). So the last results
//! are kept here, a fixed number of them: the memory stays bounded, and a result is never
//! stale because it depends on its key alone.
//!
//! Each thread reads and fills a set of slots of its own (nearly: [`SETS`] sets, handed
//! out in turn), unless the values are too large for that ([`Recent::shared`]). One set
//! shared by every worker cost more than the draws it saved once two workers read the same
//! account: the slot's lock and the reference counts of its strings were written by both
//! on every read, and a cache line written from two cores passes between them each time
//! (bench/RESULTS.md).

use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How many results a set keeps: slots are chosen by the key's hash, and a new key takes
/// its slot from whatever was there.
const SLOTS: usize = 256;

/// How many sets of slots there are; threads beyond that share them, which costs time,
/// never correctness.
const SETS: usize = 8;

/// The set of slots the calling thread uses.
fn own_set() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SET: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SETS;
    }
    SET.with(|set| *set)
}

/// One kept result: its key and value, or nothing yet.
type Slot<K, V> = Mutex<Option<(K, V)>>;

pub struct Recent<K, V> {
    slots: Box<[Slot<K, V>]>,
    /// How many sets of [`SLOTS`] slots: [`SETS`], or one.
    sets: usize,
    hasher: BuildHasherDefault<Mix>,
}

impl<K: Hash + Eq + Copy, V: Clone> Recent<K, V> {
    /// Kept per thread (see the module doc).
    pub fn new() -> Recent<K, V> {
        Recent::with_sets(SETS)
    }

    /// Kept once, for every thread: for values too large to keep [`SETS`] times over,
    /// such as written pages.
    pub fn shared() -> Recent<K, V> {
        Recent::with_sets(1)
    }

    fn with_sets(sets: usize) -> Recent<K, V> {
        Recent {
            slots: (0..SLOTS * sets).map(|_| Mutex::new(None)).collect(),
            sets,
            hasher: BuildHasherDefault::default(),
        }
    }

    /// The calling thread's slot for `key`.
    fn slot(&self, key: K) -> usize {
        let set = if self.sets == 1 { 0 } else { own_set() };
        set * SLOTS + self.hasher.hash_one(key) as usize % SLOTS
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
    fn threads_keep_their_results_in_sets_of_their_own() {
        let recent = std::sync::Arc::new(Recent::<u64, u64>::new());
        // Threads one after another take the sets in turn (other tests' threads may take a
        // turn between them, so only "not all in one set" is certain).
        let slots: std::collections::HashSet<usize> = (0..super::SETS)
            .map(|_| {
                let recent = recent.clone();
                std::thread::spawn(move || {
                    assert_eq!(recent.get(7, || 49), 49);
                    recent.slot(7)
                })
                .join()
                .unwrap()
            })
            .collect();
        assert!(slots.len() > 1, "every thread used slot {slots:?}");
        // Whichever set a thread uses, the key's slot within it is the same.
        let within: std::collections::HashSet<usize> =
            slots.iter().map(|slot| slot % super::SLOTS).collect();
        assert_eq!(within.len(), 1);
        // A shared one has one set.
        let shared = Recent::<u64, u64>::shared();
        assert_eq!(shared.slots.len(), super::SLOTS);
        assert_eq!(shared.slot(7), slots.iter().next().unwrap() % super::SLOTS);
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
