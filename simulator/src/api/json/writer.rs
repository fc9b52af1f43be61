//! A compact JSON writer for Mono's answers: serde_json's compact output, byte for byte,
//! without its cost on strings.
//!
//! serde_json checks a string for characters to escape one byte at a time and writes every
//! token through `io::Write`. Mono's answers are mostly strings — ids, names, narrations,
//! timestamps, and the keys themselves — and that scan was the largest single cost of
//! answering `GET /v2/accounts/:id` (bench/RESULTS.md). Here a string is checked in one
//! pass the compiler vectorises and copied whole when, as almost always, nothing needs
//! escaping; every token is pushed straight onto a `Vec`.
//!
//! Integers are written as serde_json writes them (`itoa`); floats by serde_json itself. Anything this writer does not take — a map key that is not a
//! string, a number or a unit variant — is an error, and [`super::Json`] then writes the
//! value with serde_json itself; debug builds compare every answer with serde_json's.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

/// Why the writer gave up on a value (serde_json then writes it, see the module doc).
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Error {
        Error(message.to_string())
    }
}

/// `value` as compact JSON, appended to `out`.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(Writer { out })
}

/// Whether a byte must be escaped inside a JSON string: controls, `"` and `\`.
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether no byte of `bytes` needs escaping, eight bytes at a time: the whole words, then
/// the last eight bytes again (overlapping). Mono's strings are short — keys, ids, names,
/// codes — so one of four to seven bytes is read as two overlapping halves of a word, and
/// only one of under four bytes a byte at a time. A false alarm only sends the string
/// down the careful path, which is always right.
fn plain(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n < 4 {
        return bytes.iter().all(|&byte| !needs_escape(byte));
    }
    if n < 8 {
        let half = |at: usize| {
            let mut four = [0; 4];
            four.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(four))
        };
        return clean(half(0) | half(n - 4) << 32);
    }
    let mut words = bytes.chunks_exact(8);
    let whole = words.all(|word| clean(load(word)));
    whole && clean(load(&bytes[n - 8..]))
}

/// Eight bytes as a word; `bytes` holds at least eight.
fn load(bytes: &[u8]) -> u64 {
    let mut eight = [0; 8];
    eight.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(eight)
}

/// Whether no byte of `word` needs escaping (Mycroft's zero-byte test, on the bytes under
/// 0x20 and on those equal to `"` or `\`); it may answer no for a word that is clean.
fn clean(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    !(control
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\'))))
}

/// A JSON string, escaped as serde_json escapes it.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if plain(bytes) {
        write_plain(out, bytes);
    } else {
        out.push(b'"');
        write_escaped(out, bytes);
        out.push(b'"');
    }
}

/// Whether `text` goes into a JSON string as it is. It may say no of text with nothing to
/// escape (see [`plain`]): writing it by [`write_str`] then finds nothing to escape.
pub fn is_plain(text: &str) -> bool {
    plain(text.as_bytes())
}

/// A JSON array of strings.
pub fn write_strs(out: &mut Vec<u8>, texts: &[&str]) {
    out.push(b'[');
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, text);
    }
    out.push(b']');
}

/// A string with nothing to escape, quoted: a struct's keys go straight here.
fn write_plain(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    out.extend_from_slice(bytes);
    out.push(b'"');
}

/// A field's or a unit variant's name, or one of monosim's own fixed texts (an answer's
/// `message`): nothing to escape in any of them (debug builds check, and compare every
/// answer with serde_json's besides), so not checked.
pub fn write_name(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(plain(name.as_bytes()), "a name to escape: {name}");
    write_plain(out, name.as_bytes());
}

/// `bytes` escaped, without quotes.
#[cold]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 8);
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn write_integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// The ten integer methods of a `Serializer`, each handing its value to `$write`.
macro_rules! integers {
    ($write:ident) => {
        integers!($write: serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    ($write:ident: $($method:ident $type:ty),*) => {
        $(fn $method(self, v: $type) -> Result<(), Error> {
            self.$write(v)
        })*
    };
}

impl<'a> Writer<'a> {
    fn write_integer_to_out(self, value: impl itoa::Integer) -> Result<(), Error> {
        write_integer(self.out, value);
        Ok(())
    }

    /// Opens `{"variant":` for the variant forms serde_json writes as one-key objects.
    fn open_variant(self, variant: &str) -> &'a mut Vec<u8> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        self.out
    }
}

/// The name serde_json gives the one-field struct a `RawValue` serialises as: JSON text to
/// copy as it is. [`super::Spliced`] serialises that way too, so this writer and serde_json
/// both splice text written before (serde_json with its `raw_value` feature).
pub const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// An array or object being written: whether a comma comes before the next element, and
/// what closes it (`]`, `}`, or `]}` / `}}` for a variant's). A [`RAW_VALUE`] is a
/// compound too, whose one field is the text to copy.
pub struct Compound<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    close: &'static [u8],
    raw: bool,
}

impl<'a> Compound<'a> {
    fn open(out: &'a mut Vec<u8>, open: u8, close: &'static [u8]) -> Compound<'a> {
        out.push(open);
        Compound {
            out,
            first: true,
            close,
            raw: false,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(Writer { out: self.out })
    }

    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        if self.raw {
            return value.serialize(MapKey {
                out: self.out,
                raw: true,
            });
        }
        self.comma();
        write_name(self.out, key);
        self.out.push(b':');
        value.serialize(Writer { out: self.out })
    }

    fn close(self) -> Result<(), Error> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    integers!(write_integer_to_out);

    // Floats are rare in Mono's answers, and serde_json's spelling of them (`1e+300`)
    // is its own: it writes them.
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        serde_json::to_writer(self.out, &v).map_err(|e| Error(e.to_string()))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        serde_json::to_writer(self.out, &v).map_err(|e| Error(e.to_string()))
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut array = Compound::open(self.out, b'[', b"]");
        for byte in v {
            array.element(byte)?;
        }
        array.close()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        write_name(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let out = self.open_variant(variant);
        value.serialize(Writer { out: &mut *out })?;
        out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, b'[', b"]"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, b'[', b"]"))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, b'[', b"]"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        let out = self.open_variant(variant);
        Ok(Compound::open(out, b'[', b"]}"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, b'{', b"}"))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        if name == RAW_VALUE {
            return Ok(Compound {
                out: self.out,
                first: true,
                close: b"",
                raw: true,
            });
        }
        Ok(Compound::open(self.out, b'{', b"}"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        let out = self.open_variant(variant);
        Ok(Compound::open(out, b'{', b"}}"))
    }
}

/// The array-like parts of serde's data model, all written as `[…]`.
macro_rules! arrays {
    ($($trait:ident $method:ident),*) => {
        $(impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        })*
    };
}

arrays!(
    SerializeSeq serialize_element,
    SerializeTuple serialize_element,
    SerializeTupleStruct serialize_field,
    SerializeTupleVariant serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(MapKey {
            out: self.out,
            raw: false,
        })
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.out.push(b':');
        value.serialize(Writer { out: self.out })
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// The struct-like parts of serde's data model, written as `{"field":…}`.
macro_rules! objects {
    ($($trait:ident),*) => {
        $(impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;

            #[inline(always)]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), Error> {
                self.close()
            }
        })*
    };
}

objects!(SerializeStruct, SerializeStructVariant);

/// A map key: a string, or what serde_json quotes into one (a character, an integer, a
/// unit variant, a newtype around any of these). Anything else is an [`Error`].
///
/// Or, `raw`, a [`RAW_VALUE`]'s text: a string copied as it is, and nothing else.
struct MapKey<'a> {
    out: &'a mut Vec<u8>,
    raw: bool,
}

impl MapKey<'_> {
    fn quoted(self, value: impl itoa::Integer) -> Result<(), Error> {
        if self.raw {
            return Err(not_raw());
        }
        self.out.push(b'"');
        write_integer(self.out, value);
        self.out.push(b'"');
        Ok(())
    }
}

fn not_a_key() -> Error {
    Error("a map key that is not a string".to_string())
}

fn not_raw() -> Error {
    Error("a raw JSON value that is not a string".to_string())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if self.raw {
            self.out.extend_from_slice(v.as_bytes());
        } else {
            write_str(self.out, v);
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        if self.raw {
            return Err(not_raw());
        }
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        if self.raw {
            return Err(not_raw());
        }
        write_str(self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    integers!(quoted);

    // serde_json quotes these too in some versions and refuses them in others: left to it.
    fn serialize_bool(self, _: bool) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_key())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_key())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_key())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_key())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    fn ours<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        super::write(&mut out, value).expect("the writer takes it");
        String::from_utf8(out).expect("UTF-8")
    }

    fn same_as_serde_json<T: Serialize>(value: &T) {
        assert_eq!(ours(value), serde_json::to_string(value).unwrap());
    }

    #[derive(Serialize)]
    enum Kind {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { a: Option<bool>, b: f64 },
    }

    #[derive(Serialize)]
    struct Everything {
        text: String,
        #[serde(rename = "type")]
        kind: Vec<Kind>,
        nothing: Option<i64>,
        unit: (),
        tuple: (u8, char, &'static str),
        bytes: &'static [u8],
        floats: [f64; 7],
        small: f32,
        wide: (i128, u128),
        keys: BTreeMap<u32, &'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte = String::new();
        for c in (0u8..=0x7f).map(char::from) {
            every_byte.push(c);
        }
        for text in [
            "",
            "plain",
            "Uchenna Usman",
            "quote \" and backslash \\ and slash /",
            "\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}",
            "naïve café — ₦5,000 😀",
            &every_byte,
        ] {
            same_as_serde_json(&text);
            same_as_serde_json(&json!({ text: text }));
        }
    }

    #[test]
    fn every_shape_comes_out_as_serde_jsons() {
        same_as_serde_json(&Everything {
            text: "line\nbreak".to_string(),
            kind: vec![
                Kind::Unit,
                Kind::Newtype(7),
                Kind::Tuple(-3, "x".to_string()),
                Kind::Struct { a: None, b: 0.1 },
                Kind::Struct {
                    a: Some(true),
                    b: -1e300,
                },
            ],
            nothing: None,
            unit: (),
            tuple: (255, '"', "t"),
            bytes: b"\x00\xff",
            floats: [
                0.0,
                -0.0,
                1.0,
                1.5e-7,
                f64::NAN,
                f64::INFINITY,
                123456789.125,
            ],
            small: 0.3,
            wide: (i128::MIN, u128::MAX),
            keys: BTreeMap::from([(1, "one"), (20, "twenty")]),
            skipped: None,
        });
        same_as_serde_json(&json!({
            "status": "successful",
            "data": [1, -2, 3.5, null, true, {"nested": []}, {}],
            "ref": "6xdmii8todns",
        }));
        same_as_serde_json(&Vec::<u8>::new());
        same_as_serde_json(&(i64::MIN, i64::MAX, u64::MAX));
    }

    #[test]
    fn the_word_at_a_time_check_finds_every_byte_that_needs_escaping() {
        for length in 1..=25 {
            for byte in 0u8..=255 {
                for at in 0..length {
                    let mut bytes = vec![b'a'; length];
                    bytes[at] = byte;
                    assert_eq!(
                        super::plain(&bytes),
                        !super::needs_escape(byte),
                        "byte {byte:#04x} at {at} of {length}"
                    );
                }
            }
        }
        assert!(super::plain(b""));
    }

    #[test]
    fn a_key_it_does_not_take_is_an_error_not_a_guess() {
        let map = BTreeMap::from([((1, 2), "tuple key")]);
        assert!(super::write(&mut Vec::new(), &map).is_err());
    }
}
