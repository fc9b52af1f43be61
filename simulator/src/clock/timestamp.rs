//! Instants and dates as Mono writes them: milliseconds since the epoch in UTC, shown as
//! `2026-01-15T09:30:00.000Z`; civil dates for statements and transaction filters.

use std::borrow::Cow;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

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
        match self.text() {
            Some(text) => f.write_str(text.as_str()),
            None => self.fmt_slow(f),
        }
    }
}

/// A timestamp written out, on the stack: what serialising one costs on the hot routes (a
/// page of transactions holds forty), where going through `fmt` took a quarter of the
/// request (bench/RESULTS.md).
pub struct TimestampText([u8; 24]);

impl TimestampText {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written (see `Timestamp::text`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Timestamp {
    /// The timestamp as Mono writes it, for years 0–9999 (every other one goes through
    /// `fmt`, which writes a sign or a fifth digit).
    pub fn text(self) -> Option<TimestampText> {
        let date = self.date();
        if !(0..=9999).contains(&date.year) {
            return None;
        }
        let in_day = self.0.rem_euclid(DAY);
        let mut out = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut value: i64| {
            for i in (at..at + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, date.year);
        put(5, 2, i64::from(date.month));
        put(8, 2, i64::from(date.day));
        put(11, 2, in_day / HOUR);
        put(14, 2, in_day % HOUR / MINUTE);
        put(17, 2, in_day % MINUTE / SECOND);
        put(20, 3, in_day % SECOND);
        Some(TimestampText(out))
    }

    fn fmt_slow(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        match self.text() {
            Some(text) => serializer.serialize_str(text.as_str()),
            None => serializer.collect_str(self),
        }
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

/// Simulated time, RFC 3339 in UTC with milliseconds (`2026-01-15T09:00:00.000Z`).
impl PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples([Value::from("2026-01-15T09:00:00.000Z")])
            .into()
    }
}

impl ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        "Timestamp".into()
    }
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
    fn the_fast_text_matches_fmt_and_years_beyond_four_digits_still_format() {
        let mut t = Timestamp(-86_400_000 * 2);
        while t.0 < 4_102_444_800_000 {
            let mut slow = String::new();
            fmt::write(&mut slow, format_args!("{}", Fmt(t))).unwrap();
            assert_eq!(t.text().unwrap().as_str(), slow);
            t = t.plus(7 * DAY + 3 * HOUR + 17 * MINUTE + 29 * SECOND + 311);
        }
        assert_eq!(
            Timestamp(-62_167_219_200_000).to_string(),
            "0000-01-01T00:00:00.000Z"
        );
        assert!(Timestamp(-62_167_219_200_001).text().is_none());
        let before_year_zero = Timestamp(-62_167_219_200_001).to_string();
        assert!(before_year_zero.starts_with('-'), "{before_year_zero}");
        assert!(
            before_year_zero.ends_with("-12-31T23:59:59.999Z"),
            "{before_year_zero}"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp(253_402_300_800_000)).unwrap(),
            "\"10000-01-01T00:00:00.000Z\""
        );
    }

    /// Formats through `fmt` only, to compare the fast text with.
    struct Fmt(Timestamp);

    impl fmt::Display for Fmt {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt_slow(f)
        }
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
}
