//! A bounded, numbered log. The request log and the webhook delivery log are both one: each
//! record gets the next sequence number (so a reader can ask for "everything after 41"), and
//! the oldest records go once the capacity is reached, so a long-running `serve` under load
//! stays small.

use std::collections::VecDeque;
use std::sync::Mutex;

/// A record that carries its sequence number.
pub trait Numbered {
    fn set_seq(&mut self, seq: u64);
    fn seq(&self) -> u64;
}

pub struct Journal<T> {
    /// The records, and the number of the last one ever pushed.
    records: Mutex<(VecDeque<T>, u64)>,
    capacity: usize,
}

impl<T: Numbered + Clone> Journal<T> {
    pub fn new(capacity: usize) -> Journal<T> {
        Journal {
            records: Mutex::new((VecDeque::new(), 0)),
            capacity,
        }
    }

    pub fn push(&self, record: T) {
        self.push_reusing(|_| record);
    }

    /// Pushes the record `make` makes from the one it evicts, if the journal is full: a
    /// record's strings can be reused rather than freed and allocated again. Under load,
    /// every request's log entry freed memory another worker had allocated, which costs
    /// both (bench/RESULTS.md). `make` runs under the journal's lock: keep it to copying.
    pub fn push_reusing(&self, make: impl FnOnce(Option<T>) -> T) {
        let mut guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        guard.1 += 1;
        let seq = guard.1;
        if self.capacity == 0 {
            return;
        }
        let evicted = if guard.0.len() >= self.capacity {
            guard.0.pop_front()
        } else {
            None
        };
        let mut record = make(evicted);
        record.set_seq(seq);
        guard.0.push_back(record);
    }

    /// The records numbered after `after` that match `keep`.
    pub fn since(&self, after: u64, keep: impl Fn(&T) -> bool) -> Vec<T> {
        let guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .0
            .iter()
            .filter(|r| r.seq() > after && keep(r))
            .cloned()
            .collect()
    }

    /// The number of the last record pushed (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).1
    }

    pub fn clear(&self) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct R(u64);

    impl Numbered for R {
        fn set_seq(&mut self, seq: u64) {
            self.0 = seq;
        }
        fn seq(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn records_are_numbered_and_the_oldest_go_first() {
        let journal = Journal::new(3);
        for _ in 0..5 {
            journal.push(R(0));
        }
        let kept: Vec<u64> = journal.since(0, |_| true).iter().map(|r| r.0).collect();
        assert_eq!(kept, [3, 4, 5]);
        assert_eq!(journal.since(4, |_| true).len(), 1);
        assert_eq!(journal.last_seq(), 5);
    }

    #[test]
    fn a_full_journal_hands_its_oldest_record_over_to_be_reused() {
        let journal = Journal::new(2);
        let mut evicted = Vec::new();
        for _ in 0..4 {
            journal.push_reusing(|oldest| {
                evicted.push(oldest.map(|r: R| r.0));
                R(0)
            });
        }
        assert_eq!(evicted, [None, None, Some(1), Some(2)]);
        let kept: Vec<u64> = journal.since(0, |_| true).iter().map(|r| r.0).collect();
        assert_eq!(kept, [3, 4]);
    }
}
