//! The simulator's one clock, the timestamps it tells, and durations.
//!
//! Everything that depends on time — the `timestamp` of v2 envelopes, when a seeded world was
//! linked, how far back transaction histories reach, and (later) token expiry, sync schedules
//! and webhook retries — reads [`Clock::now`]. Nothing calls `SystemTime::now()` directly, so
//! a test can start the clock at a fixed instant and freeze it, and two runs with the same seed
//! answer byte for byte the same.
//!
//! Time is kept as whole milliseconds since the Unix epoch in UTC: Mono speaks ISO 8601 with
//! a `Z`, and kobo-precision banking needs no leap seconds or time zones.
//!
//! `timestamp.rs` has [`Timestamp`] and [`Date`], read and written as Mono does;
//! `duration.rs` durations as people write them (`30s`, `1m30s`) and their schemas; this
//! file the [`Clock`] itself.

mod duration;
mod timestamp;

use std::sync::Mutex;
use std::time::Instant;

pub use duration::{format_duration, parse_duration, Duration, DurationText, DURATION_PATTERN};
pub use timestamp::{Date, Timestamp, DAY, HOUR, MINUTE, SECOND};

/// The simulator's notion of "now".
///
/// Wall time by default; it may run faster than wall time (`scale`, for `serve
/// --time-scale`), start at a chosen instant, or be frozen so it moves only when advanced
/// (tests and the harness, which replay a 48-hour retry schedule in milliseconds). Running
/// time is measured with a monotonic [`Instant`], so a system clock adjustment never sends
/// the simulator backwards. Time never goes backwards through this API either.
#[derive(Debug)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug)]
struct ClockState {
    /// Simulated time at `since`.
    at: Timestamp,
    since: Instant,
    frozen: bool,
    /// Simulated milliseconds per wall millisecond while running.
    scale: f64,
}

impl ClockState {
    fn now(&self) -> Timestamp {
        if self.frozen {
            self.at
        } else {
            let elapsed = self.since.elapsed().as_secs_f64() * 1_000.0 * self.scale;
            self.at.plus(elapsed as i64)
        }
    }

    /// Re-bases so `at` is now, keeping the current reading.
    fn rebase(&mut self) {
        self.at = self.now();
        self.since = Instant::now();
    }
}

impl Clock {
    /// Follows wall time.
    pub fn wall() -> Clock {
        Clock::starting_at(Timestamp::wall(), false)
    }

    /// Starts at `at`; runs in step with wall time unless `frozen`.
    pub fn starting_at(at: Timestamp, frozen: bool) -> Clock {
        Clock {
            state: Mutex::new(ClockState {
                at,
                since: Instant::now(),
                frozen,
                scale: 1.0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self) -> Timestamp {
        self.state().now()
    }

    pub fn is_frozen(&self) -> bool {
        self.state().frozen
    }

    pub fn scale(&self) -> f64 {
        self.state().scale
    }

    /// Runs `scale` simulated milliseconds per wall millisecond (1.0 = real time).
    pub fn set_scale(&self, scale: f64) {
        let mut state = self.state();
        state.rebase();
        state.scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
    }

    /// Stops the clock where it is.
    pub fn freeze(&self) -> Timestamp {
        let mut state = self.state();
        state.rebase();
        state.frozen = true;
        state.at
    }

    /// Lets a frozen clock run again from where it stands.
    pub fn resume(&self) -> Timestamp {
        let mut state = self.state();
        state.rebase();
        state.frozen = false;
        state.at
    }

    /// Moves simulated time forward by `millis` (frozen or not).
    pub fn advance(&self, millis: i64) -> Timestamp {
        let mut state = self.state();
        state.rebase();
        state.at = state.at.plus(millis.max(0));
        state.at
    }

    /// Moves simulated time forward to `to`; an instant already past is ignored.
    pub fn advance_to(&self, to: Timestamp) -> Timestamp {
        let mut state = self.state();
        state.rebase();
        state.at = state.at.max(to);
        state.at
    }

    /// How much wall time it takes this clock to reach `at` (zero if frozen or already
    /// there: a frozen clock reaches it only by being advanced).
    pub fn wall_time_until(&self, at: Timestamp) -> Option<std::time::Duration> {
        let state = self.state();
        if state.frozen {
            return None;
        }
        let ahead = (at.millis() - state.now().millis()).max(0) as f64 / state.scale;
        Some(std::time::Duration::from_micros((ahead * 1_000.0) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let clock = Clock::starting_at(start, true);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(10 * MINUTE), start.plus(10 * MINUTE));
        assert_eq!(clock.now(), start.plus(10 * MINUTE));
        assert_eq!(
            clock.advance_to(start),
            start.plus(10 * MINUTE),
            "never backwards"
        );
        assert_eq!(clock.wall_time_until(start.plus(HOUR)), None);
    }
}
