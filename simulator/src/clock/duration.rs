//! Durations as people write them in config, scenarios and the control API (`30s`, `4h`,
//! `1m30s`, or whole milliseconds), and as the simulator writes them back.

use std::borrow::Cow;

use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::timestamp::{DAY, HOUR, MINUTE, SECOND};

/// Parses a duration as people write them in config and scenarios: `500ms`, `30s`, `10m`,
/// `4h`, `2d`, or a bare number of milliseconds; also sums like `1m30s`, which is how
/// [`format_duration`] writes them, so a duration the simulator shows (a listed fault
/// rule, say) can be sent back as it is. No spaces: one grammar everywhere, the one
/// [`DURATION_PATTERN`] states for the OpenAPI document and the scenario schemas. Returns
/// milliseconds.
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

/// The grammar [`parse_duration`] reads, as the OpenAPI document and the scenario and
/// config schemas state it: a bare number of milliseconds, or one or more
/// `<number><unit>` (numbers kept to nine digits, as no duration needs more).
pub const DURATION_PATTERN: &str = "^([0-9]{1,9}|([0-9]{1,9}(ms|s|min|m|h|d))+)$";

/// A duration in a JSON body: `500ms`, `30s`, `10m`, `4h`, `2d`, `1m30s`, or whole
/// milliseconds. A schema only: such fields are read into milliseconds (`i64`).
pub struct Duration;

impl PartialSchema for Duration {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(DURATION_PATTERN))
                    .examples([Value::from("30s")]),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(2_592_000_000u64)),
            )
            .into()
    }
}

impl ToSchema for Duration {
    fn name() -> Cow<'static, str> {
        "Duration".into()
    }
}

/// A duration written out: `500ms`, `30s`, `10m`, `4h`, `2d`, `1m30s` (a bare number is
/// milliseconds). A schema only: such fields are strings read with [`parse_duration`].
pub struct DurationText;

impl PartialSchema for DurationText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(DURATION_PATTERN))
            .examples([Value::from("30s")])
            .into()
    }
}

impl ToSchema for DurationText {
    fn name() -> Cow<'static, str> {
        "DurationText".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
