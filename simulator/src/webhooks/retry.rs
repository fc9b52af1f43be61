//! When a failed delivery is tried again.
//!
//! Mono publishes (on its Direct Debit page, the only place it does): first retry after
//! 30 s, doubling, capped at 4 h between attempts, 25 attempts within 48 h, the same
//! `event_id` every time. Those numbers do not fit together: 30 s doubling with a 4 h cap
//! needs 64 h for 25 attempts. We keep what integrators rely on — 30 s doubling, 25
//! attempts, about two days — by capping the gap at 3 h, which puts the 25th attempt at
//! 49 h 15 m. `--retry-cap 4h` gives Mono's literal cap instead.

use std::time::Duration;

use crate::clock::{HOUR, SECOND};

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Gap after the first failed attempt, in simulated milliseconds.
    pub first_delay: i64,
    /// Longest gap between two attempts.
    pub cap: i64,
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// How long one attempt may take, in wall time, before it counts as failed.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: 30 * SECOND,
            cap: 3 * HOUR,
            attempts: 25,
            // Mono documents no delivery timeout [inferred: 10 s].
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The gap after failed attempt number `attempt` (1-based).
    pub fn delay_after(&self, attempt: u32) -> i64 {
        let doublings = attempt.saturating_sub(1).min(40);
        self.first_delay
            .saturating_mul(1i64 << doublings)
            .min(self.cap)
    }

    /// When each attempt happens, relative to the first, if every one fails.
    pub fn schedule(&self) -> Vec<i64> {
        let mut at = 0;
        (1..=self.attempts)
            .map(|n| {
                let this = at;
                at += self.delay_after(n);
                this
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::MINUTE;

    #[test]
    fn gaps_start_at_30_seconds_and_double_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_after(1), 30 * SECOND);
        assert_eq!(policy.delay_after(2), MINUTE);
        assert_eq!(policy.delay_after(3), 2 * MINUTE);
        assert_eq!(policy.delay_after(9), 7_680 * SECOND);
        assert_eq!(policy.delay_after(10), 3 * HOUR);
        assert_eq!(policy.delay_after(24), 3 * HOUR);
    }

    #[test]
    fn twenty_five_attempts_span_about_two_days() {
        let schedule = RetryPolicy::default().schedule();
        assert_eq!(schedule.len(), 25);
        let last = *schedule.last().unwrap();
        assert_eq!(last, 15_330 * SECOND + 15 * 3 * HOUR);
        assert!(last > 48 * HOUR && last < 50 * HOUR, "{last}");
    }
}
