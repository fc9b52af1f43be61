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

use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicU64, Ordering};
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
///
/// Every request reads the clock, on every worker thread, and it is changed only by the
/// control API: readers take no lock (see [`Published`]); writers take turns.
#[derive(Debug)]
pub struct Clock {
    /// Taken by writers only, one at a time.
    writing: Mutex<()>,
    published: Published,
    /// What `since` is counted from.
    origin: Instant,
}

/// One reading's worth of the clock's state.
#[derive(Clone, Copy, Debug)]
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

/// The clock's state, published as a sequence lock. A writer makes `version` odd, stores
/// the fields, and makes it even again; a reader reads `version`, the fields, then
/// `version` again, and reads once more if it saw a write under way or finished. A mutex
/// here cost each request three lock-and-unlock pairs on a line of memory both workers
/// write (bench/RESULTS.md).
///
/// A reader works out its reading inside that window, and a writer re-bases only once
/// `version` is odd: a reading taken while the clock is being frozen is taken again, so
/// no reading can be later than the instant the clock then stands still at.
#[derive(Debug, Default)]
struct Published {
    version: AtomicU64,
    at: AtomicI64,
    /// Nanoseconds from the clock's origin to `since`.
    since: AtomicU64,
    frozen: AtomicBool,
    /// The scale's bits (`f64::to_bits`).
    scale: AtomicU64,
}

impl Published {
    /// `reading` of a state no writer touched while it was read.
    fn read<T>(&self, origin: Instant, reading: impl Fn(&ClockState) -> T) -> T {
        loop {
            let before = self.version.load(Ordering::Acquire);
            let result = reading(&self.fields(origin));
            fence(Ordering::Acquire);
            if before % 2 == 0 && self.version.load(Ordering::Relaxed) == before {
                return result;
            }
            std::hint::spin_loop();
        }
    }

    /// The fields as they are, consistent only if no write is under way (or the caller is
    /// the writer).
    fn fields(&self, origin: Instant) -> ClockState {
        let since = std::time::Duration::from_nanos(self.since.load(Ordering::Relaxed));
        ClockState {
            at: Timestamp(self.at.load(Ordering::Relaxed)),
            since: origin + since,
            frozen: self.frozen.load(Ordering::Relaxed),
            scale: f64::from_bits(self.scale.load(Ordering::Relaxed)),
        }
    }

    /// Changes the state by `change`; the caller holds the clock's `writing` lock (or, in
    /// [`Clock::starting_at`], the only reference to the clock).
    fn write<T>(&self, origin: Instant, change: impl FnOnce(&mut ClockState) -> T) -> T {
        let version = self.version.load(Ordering::Relaxed);
        self.version.store(version + 1, Ordering::Relaxed);
        // Ends the write however `change` returns: were `change` to panic, an odd version
        // left behind would keep every reader waiting for good.
        let _ending = EndOfWrite {
            version: &self.version,
            next: version + 2,
        };
        fence(Ordering::Release);
        let mut state = self.fields(origin);
        let result = change(&mut state);
        let since = state.since.saturating_duration_since(origin).as_nanos();
        self.at.store(state.at.millis(), Ordering::Relaxed);
        self.since
            .store(u64::try_from(since).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.frozen.store(state.frozen, Ordering::Relaxed);
        self.scale.store(state.scale.to_bits(), Ordering::Relaxed);
        result
    }
}

/// Makes the version even again when a write ends, publishing what it stored.
struct EndOfWrite<'a> {
    version: &'a AtomicU64,
    next: u64,
}

impl Drop for EndOfWrite<'_> {
    fn drop(&mut self) {
        self.version.store(self.next, Ordering::Release);
    }
}

impl Clock {
    /// Follows wall time.
    pub fn wall() -> Clock {
        Clock::starting_at(Timestamp::wall(), false)
    }

    /// Starts at `at`; runs in step with wall time unless `frozen`.
    pub fn starting_at(at: Timestamp, frozen: bool) -> Clock {
        let clock = Clock {
            writing: Mutex::new(()),
            published: Published::default(),
            origin: Instant::now(),
        };
        clock.published.write(clock.origin, |state| {
            *state = ClockState {
                at,
                since: clock.origin,
                frozen,
                scale: 1.0,
            }
        });
        clock
    }

    /// `reading` of the clock as it stands.
    fn read<T>(&self, reading: impl Fn(&ClockState) -> T) -> T {
        self.published.read(self.origin, reading)
    }

    /// Re-bases, then changes the state by `change`, one writer at a time; returns what
    /// `change` returns.
    fn change<T>(&self, change: impl FnOnce(&mut ClockState) -> T) -> T {
        let _turn = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        self.published.write(self.origin, |state| {
            state.rebase();
            change(state)
        })
    }

    pub fn now(&self) -> Timestamp {
        self.read(ClockState::now)
    }

    pub fn is_frozen(&self) -> bool {
        self.read(|state| state.frozen)
    }

    pub fn scale(&self) -> f64 {
        self.read(|state| state.scale)
    }

    /// Runs `scale` simulated milliseconds per wall millisecond (1.0 = real time).
    pub fn set_scale(&self, scale: f64) {
        self.change(|state| {
            state.scale = if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            };
        });
    }

    /// Stops the clock where it is.
    pub fn freeze(&self) -> Timestamp {
        self.change(|state| {
            state.frozen = true;
            state.at
        })
    }

    /// Lets a frozen clock run again from where it stands.
    pub fn resume(&self) -> Timestamp {
        self.change(|state| {
            state.frozen = false;
            state.at
        })
    }

    /// Moves simulated time forward by `millis` (frozen or not).
    pub fn advance(&self, millis: i64) -> Timestamp {
        self.change(|state| {
            state.at = state.at.plus(millis.max(0));
            state.at
        })
    }

    /// Moves simulated time forward to `to`; an instant already past is ignored.
    pub fn advance_to(&self, to: Timestamp) -> Timestamp {
        self.change(|state| {
            state.at = state.at.max(to);
            state.at
        })
    }

    /// How much wall time it takes this clock to reach `at` (zero if frozen or already
    /// there: a frozen clock reaches it only by being advanced).
    pub fn wall_time_until(&self, at: Timestamp) -> Option<std::time::Duration> {
        self.read(|state| {
            if state.frozen {
                return None;
            }
            let ahead = (at.millis() - state.now().millis()).max(0) as f64 / state.scale;
            Some(std::time::Duration::from_micros((ahead * 1_000.0) as u64))
        })
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

    /// A write that panics half way still ends: the clock reads as it was, and can be
    /// changed again.
    #[test]
    fn a_write_that_panics_leaves_the_clock_readable() {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let clock = Clock::starting_at(start, true);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            clock.change(|_| panic!("a change that fails"))
        }));
        assert!(panicked.is_err());
        // Checked before reading: an odd version would keep `now` waiting for good.
        assert_eq!(clock.published.version.load(Ordering::Relaxed) % 2, 0);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(SECOND), start.plus(SECOND));
    }

    /// Readers take no lock: a reading taken while the clock is frozen, advanced, resumed
    /// or sped up must still be whole, and never earlier than one taken before it. At a
    /// thousand simulated milliseconds per wall millisecond, a torn reading (one write's
    /// `at` with another's `since`) shows as time going backwards: without the version
    /// check, this fails within a few thousand readings.
    #[test]
    fn readings_never_go_backwards_while_the_clock_is_changed() {
        let start = Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").unwrap();
        let clock = Clock::starting_at(start, false);
        clock.set_scale(1_000.0);
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        let (mut last, mut readings) = (clock.now(), 0u64);
                        while !done.load(Ordering::Relaxed) || readings < 10_000 {
                            let now = clock.now();
                            assert!(now >= last, "{now:?} read after {last:?}");
                            (last, readings) = (now, readings + 1);
                        }
                        readings
                    })
                })
                .collect();
            for round in 0..2_000 {
                match round % 4 {
                    0 => drop(clock.freeze()),
                    1 => drop(clock.advance(SECOND)),
                    2 => drop(clock.resume()),
                    _ => clock.set_scale(if round % 8 == 3 { 1_000.0 } else { 2_000.0 }),
                }
            }
            done.store(true, Ordering::Relaxed);
            for reader in readers {
                assert!(reader.join().unwrap() >= 10_000);
            }
        });
        assert!(
            clock.now() > start.plus(500 * SECOND),
            "every advance counted"
        );
    }
}
