//! Mono's identifiers: 24-hex MongoDB ObjectIds for accounts, customers, transactions and
//! jobs; short alphanumeric strings for exchange codes, references and tokens.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::echo::Echo;

/// A 12-byte MongoDB ObjectId, written as 24 lowercase hex digits.
///
/// Like a real ObjectId its first four bytes are the creation time in seconds, so ids sort by
/// creation and look like Mono's (`5f171a530295e231abca1153`); the other eight come from the
/// world's seeded RNG.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub [u8; 12]);

impl ObjectId {
    pub fn generate(created_secs: i64, rng: &mut impl Rng) -> ObjectId {
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&(created_secs as u32).to_be_bytes());
        bytes[4..].copy_from_slice(&rng.next_u64().to_be_bytes());
        ObjectId(bytes)
    }
}

/// Why a string is not an ObjectId; phrased for an API error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 24 hexadecimal characters")]
pub struct InvalidObjectId;

impl FromStr for ObjectId {
    type Err = InvalidObjectId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.as_bytes();
        if text.len() != 24 {
            return Err(InvalidObjectId);
        }
        // Every call naming an account parses its id, twice (route and request log): a
        // table and one check at the end cost half of a `match` per digit with an early
        // return.
        let mut bytes = [0u8; 12];
        let mut invalid = 0;
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let (hi, lo) = (
                HEX_VALUES[usize::from(pair[0])],
                HEX_VALUES[usize::from(pair[1])],
            );
            invalid |= (hi | lo) & NOT_HEX;
            *byte = hi << 4 | lo;
        }
        if invalid != 0 {
            return Err(InvalidObjectId);
        }
        Ok(ObjectId(bytes))
    }
}

/// What [`HEX_VALUES`] holds for a byte that is not a hexadecimal digit.
const NOT_HEX: u8 = 0x10;

/// Each byte's value as a hexadecimal digit (either case), or [`NOT_HEX`].
const HEX_VALUES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

impl ObjectId {
    /// The 24 lowercase hex digits, without `fmt`: ids are written into every webhook and
    /// most answers, and `{:02x}` a byte at a time was a visible share of both.
    pub fn hex(&self) -> [u8; 24] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 24];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(byte >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(byte & 0x0f)];
        }
        out
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        f.pad(std::str::from_utf8(&hex).expect("hex digits are ASCII"))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

impl serde::Serialize for ObjectId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex();
        serializer.serialize_str(std::str::from_utf8(&hex).expect("hex digits are ASCII"))
    }
}

impl<'de> serde::Deserialize<'de> for ObjectId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| {
            serde::de::Error::custom(format!(
                "`{}` is not an ObjectId: expected 24 hexadecimal characters",
                Echo(&text)
            ))
        })
    }
}

/// A 24-hex-digit MongoDB-style id, as Mono's ids are.
impl PartialSchema for ObjectId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9a-fA-F]{24}$"))
            .examples([Value::from("5f171a530295e231abca1153")])
            .into()
    }
}

impl ToSchema for ObjectId {
    fn name() -> Cow<'static, str> {
        "ObjectId".into()
    }
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` random letters and digits, the alphabet of Mono's codes (`code_IjyfZzzMML1ZXc8tTpYG`)
/// and re-auth tokens (`VwxcfeLRZvq1UlD5WiuN`).
pub fn alphanumeric(len: usize, rng: &mut impl Rng) -> String {
    (0..len)
        .map(|_| ALPHANUMERIC[(rng.next_u32() % ALPHANUMERIC.len() as u32) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_round_trip_through_hex() {
        let text = "5f171a530295e231abca1153";
        let id: ObjectId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!("5F171A530295E231ABCA1153".parse::<ObjectId>().unwrap(), id);
        for byte in 0..=255 {
            let id = ObjectId([byte; 12]);
            assert_eq!(id.to_string().parse::<ObjectId>(), Ok(id));
        }
    }

    #[test]
    fn malformed_object_ids_are_refused() {
        for bad in [
            "",
            "5f171a53",
            "5f171a530295e231abca115g",
            "5f171a530295e231abca11534",
            // Every neighbour of a digit range, first and second digit of a byte.
            "/f171a530295e231abca1153",
            "5:171a530295e231abca1153",
            "@f171a530295e231abca1153",
            "5G171a530295e231abca1153",
            "`f171a530295e231abca1153",
            "5g171a530295e231abca1153",
            "5f171a530295e231abca11\u{e9}",
        ] {
            assert_eq!(bad.parse::<ObjectId>(), Err(InvalidObjectId), "{bad}");
        }
    }
}
