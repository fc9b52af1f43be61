//! The simulator's one clock, and the timestamps it tells.
//!
//! Everything that depends on time — the `timestamp` of v2 envelopes, when a seeded world was
//! linked, how far back transaction histories reach, and (later) token expiry, sync schedules
//! and webhook retries — reads [`Clock::now`]. Nothing calls `SystemTime::now()` directly, so
//! a test can start the clock at a fixed instant and freeze it, and two runs with the same seed
//! answer byte for byte the same.
//!
//! Time is kept as whole milliseconds since the Unix epoch in UTC: Mono speaks ISO 8601 with
//! a `Z`, and kobo-precision banking needs no leap seconds or time zones.

use std::fmt;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

impl Timestamp {
    /// Wall time, as the operating system tells it.
    pub fn wall() -> Timestamp {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since.as_millis() as i64)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn seconds(self) -> i64 {
        self.0.div_euclid(SECOND)
    }

    pub fn plus(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    /// Midnight UTC of this instant's day.
    pub fn start_of_day(self) -> Timestamp {
        Timestamp(self.0 - self.0.rem_euclid(DAY))
    }

    /// The civil date (year, month 1–12, day 1–31) of this instant in UTC.
    pub fn date(self) -> Date {
        Date::from_days(self.0.div_euclid(DAY))
    }

    /// Parses RFC 3339 as Mono writes it (`2026-01-15T09:30:00.000Z`, fraction optional,
    /// `Z` or `+00:00`). Other offsets are refused rather than silently misread.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let (date, rest) = text.split_once(['T', 't', ' '])?;
        let date = Date::parse_iso(date)?;
        let rest = rest
            .strip_suffix(['Z', 'z'])
            .or_else(|| rest.strip_suffix("+00:00"))?;
        let (hms, fraction) = match rest.split_once('.') {
            Some((hms, fraction)) => (hms, Some(fraction)),
            None => (rest, None),
        };
        let mut parts = hms.split(':');
        let hour: i64 = parse_digits(parts.next()?, 2)?;
        let minute: i64 = parse_digits(parts.next()?, 2)?;
        let second: i64 = parse_digits(parts.next()?, 2)?;
        if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let millis = match fraction {
            Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
                let padded = format!("{f:0<3}");
                padded[..3].parse::<i64>().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        Some(Timestamp(
            date.days() * DAY + hour * HOUR + minute * MINUTE + second * SECOND + millis,
        ))
    }
}

/// Formats as Mono does: `2026-01-15T09:30:00.000Z`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.date();
        let in_day = self.0.rem_euclid(DAY);
        write!(
            f,
            "{date}T{:02}:{:02}:{:02}.{:03}Z",
            in_day / HOUR,
            in_day % HOUR / MINUTE,
            in_day % MINUTE / SECOND,
            in_day % SECOND
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A civil date in the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Days since 1970-01-01 → date (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    /// Date → days since 1970-01-01 (`days_from_civil`).
    pub fn days(self) -> i64 {
        let year = self.year - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn start(self) -> Timestamp {
        Timestamp(self.days() * DAY)
    }

    /// `yyyy-mm-dd`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year = parse_digits(parts.next()?, 4)?;
        let month = parse_digits(parts.next()?, 2)? as u32;
        let day = parse_digits(parts.next()?, 2)? as u32;
        if parts.next().is_some() {
            return None;
        }
        Date::checked(year, month, day)
    }

    /// `dd-mm-yyyy`, the format of Mono's `start` / `end` transaction filters.
    pub fn parse_dmy(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let day = parse_digits(parts.next()?, 2)? as u32;
        let month = parse_digits(parts.next()?, 2)? as u32;
        let year = parse_digits(parts.next()?, 4)?;
        if parts.next().is_some() {
            return None;
        }
        Date::checked(year, month, day)
    }

    fn checked(year: i64, month: u32, day: u32) -> Option<Date> {
        let date = Date { year, month, day };
        // A date is real when it survives the round trip through day numbers.
        ((1..=12).contains(&month) && day >= 1 && Date::from_days(date.days()) == date)
            .then_some(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn parse_digits(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

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

/// The durations [`parse_duration`] reads, as a regular expression for JSON Schemas and the
/// OpenAPI document: one or more `<number><unit>`, or a bare number of milliseconds.
pub const DURATION_PATTERN: &str = "^([0-9]+(ms|s|m|min|h|d))+$|^[0-9]+$";

/// Parses a duration as people write them in config and scenarios: `500ms`, `30s`, `10m`,
/// `4h`, `2d`, or a bare number of milliseconds; also sums like `1m30s`, which is how
/// [`format_duration`] writes them, so a duration the simulator shows (a listed fault
/// rule, say) can be sent back as it is. No spaces: one grammar everywhere, the one
/// [`DURATION_PATTERN`] states for schemas. Returns milliseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut rest = text;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    let mut total: i64 = 0;
    let mut first = true;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let number: i64 = number.parse().ok()?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let unit_ms = match unit {
            // A bare number is milliseconds, but only on its own: `1m30` is a typo.
            "" if first && next.is_empty() => 1,
            "ms" => 1,
            "s" => SECOND,
            "m" | "min" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(unit_ms)?)?;
        rest = next;
        first = false;
    }
    Some(total)
}

/// The inverse of [`parse_duration`], for messages and logs: `90000` → `1m30s`.
pub fn format_duration(millis: i64) -> String {
    if millis == 0 {
        return "0s".to_string();
    }
    let mut rest = millis;
    let mut out = String::new();
    for (unit, size) in [
        ("d", DAY),
        ("h", HOUR),
        ("m", MINUTE),
        ("s", SECOND),
        ("ms", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_like_mono() {
        let t = Timestamp::parse_rfc3339("2026-01-15T09:30:05.123Z").unwrap();
        assert_eq!(t.to_string(), "2026-01-15T09:30:05.123Z");
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2024-02-29T23:59:59Z")
                .unwrap()
                .to_string(),
            "2024-02-29T23:59:59.000Z"
        );
    }

    #[test]
    fn rfc3339_with_other_offsets_or_junk_is_refused() {
        for bad in [
            "2026-01-15T09:30:00+01:00",
            "2026-01-15",
            "2026-13-01T00:00:00Z",
            "2026-01-15T24:00:00Z",
            "2026-01-15T09:30:00.Z",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn day_numbers_round_trip_over_four_centuries() {
        for days in (-146_097..146_097).step_by(7) {
            assert_eq!(Date::from_days(days).days(), days);
        }
    }

    #[test]
    fn mono_filter_dates_are_day_month_year() {
        assert_eq!(
            Date::parse_dmy("05-03-2026"),
            Some(Date {
                year: 2026,
                month: 3,
                day: 5
            })
        );
        assert_eq!(Date::parse_dmy("31-02-2026"), None);
        assert_eq!(Date::parse_dmy("2026-03-05"), None);
        assert_eq!(Date::parse_dmy("5-3-2026"), None);
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30s"), Some(30 * SECOND));
        assert_eq!(parse_duration("4h"), Some(4 * HOUR));
        assert_eq!(parse_duration("250"), Some(250));
        assert_eq!(parse_duration("10 m"), None, "no spaces");
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5y"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("1m30"), None);
        assert_eq!(parse_duration("1m30s"), Some(90 * SECOND));
        assert_eq!(parse_duration("1h 5m"), None);
        assert_eq!(parse_duration(" 5m"), None);
    }

    #[test]
    fn formatted_durations_read_back() {
        for millis in [0, 1, 999, 90_000, 30 * DAY - 1, 366 * DAY + 5] {
            assert_eq!(
                parse_duration(&format_duration(millis)),
                Some(millis),
                "{millis}"
            );
        }
        assert_eq!(format_duration(90 * SECOND), "1m30s");
        assert_eq!(format_duration(2 * DAY + 5), "2d5ms");
        assert_eq!(parse_duration("1m30s"), Some(90 * SECOND));
        assert_eq!(parse_duration("1m 30s"), None, "one grammar: no spaces");
        assert_eq!(parse_duration("1m30"), None);
        assert_eq!(parse_duration("30s1"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("-5s"), None);
        assert_eq!(parse_duration("106751991168d"), None, "overflow is refused");
    }

    /// Found by fuzzing fault rules: `GET /_sim/faults` lists a 90 s hang as `1m30s`, and
    /// posting that listed rule back was refused.
    #[test]
    fn every_formatted_duration_parses_back() {
        for millis in [
            0,
            1,
            999,
            90 * SECOND,
            2 * DAY + 5,
            3 * HOUR + 4 * MINUTE + 5 * SECOND + 6,
            i64::MAX,
        ] {
            assert_eq!(
                parse_duration(&format_duration(millis)),
                Some(millis),
                "{millis}"
            );
        }
    }

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
