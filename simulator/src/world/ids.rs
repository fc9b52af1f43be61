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
        let mut bytes = [0u8; 12];
        for (i, pair) in text.chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or(InvalidObjectId)?;
            let lo = hex_value(pair[1]).ok_or(InvalidObjectId)?;
            bytes[i] = hi << 4 | lo;
        }
        Ok(ObjectId(bytes))
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

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
    }

    #[test]
    fn malformed_object_ids_are_refused() {
        for bad in [
            "",
            "5f171a53",
            "5f171a530295e231abca115g",
            "5f171a530295e231abca11534",
        ] {
            assert_eq!(bad.parse::<ObjectId>(), Err(InvalidObjectId), "{bad}");
        }
    }
}
