//! What a request carries — query parameters and JSON bodies — read strictly: a value that
//! is present but wrong is a 400 that names it and says what would be right. Never a silent
//! default, never a 500.

use std::convert::Infallible;
use std::ops::Range;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Uri;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::clock::Date;
use crate::echo::{quoted, Echo};
use crate::http::ApiError;
use crate::world::Direction;

/// Reads a JSON body, naming what is wrong with it.
pub fn json_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("Invalid request body: {}", quoted(&e.to_string())))
    })
}

/// The query string as ordered pairs. Order is kept so the links built from it
/// (`paging.next`) are byte-for-byte reproducible.
///
/// The decoded names and values are kept end to end in one string: read after every
/// webhook, a page's `?page=2&limit=20` had cost five allocations and a search per piece,
/// 1,250 instructions, more than the rest of reading the page's parameters
/// (bench/RESULTS.md).
pub struct Params {
    text: String,
    /// Each pair's name and value, as ranges of `text`.
    pairs: Vec<(Range<usize>, Range<usize>)>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params::of(&parts.uri))
    }
}

impl Params {
    /// The query string of `uri`, decoded as a form is (`+` is a space, `%XX` a byte, bytes
    /// that are not UTF-8 become U+FFFD), which is what axum's `Query` did through serde:
    /// any query string reads.
    pub fn of(uri: &Uri) -> Params {
        let query = uri.query().unwrap_or_default();
        // Room for a page's usual parameters (`page`, `limit`, a filter or two) at once.
        let room = if query.is_empty() { 0 } else { 4 };
        let mut params = Params {
            text: String::with_capacity(query.len()),
            pairs: Vec::with_capacity(room),
        };
        // One pass over the query finds each pair's end, its first `=` and whether it has
        // anything to decode.
        let (mut start, mut equals, mut encoded) = (0, None, false);
        let end = std::iter::once((query.len(), b'&'));
        for (at, byte) in query.bytes().enumerate().chain(end) {
            match byte {
                b'&' => {
                    params.push(&query[start..at], equals.map(|e| e - start), encoded);
                    (start, equals, encoded) = (at + 1, None, false);
                }
                b'=' if equals.is_none() => equals = Some(at),
                b'%' | b'+' => encoded = true,
                _ => {}
            }
        }
        params
    }

    /// One `name=value` of a query string, its first `=` at `equals`, decoded as
    /// [`Params::of`] says. Most pairs (`page=2`) have nothing to decode and are copied as
    /// they are.
    fn push(&mut self, pair: &str, equals: Option<usize>, encoded: bool) {
        let text = &mut self.text;
        let mut add = |piece: &str| {
            text.push_str(piece);
            text.len() - piece.len()..text.len()
        };
        let (name, value) = if encoded {
            let decoded = form_urlencoded::parse(pair.as_bytes()).next();
            let (name, value) = decoded.unwrap_or_default();
            (add(&name), add(&value))
        } else {
            match equals {
                Some(at) => (add(&pair[..at]), add(&pair[at + 1..])),
                None => (add(pair), add("")),
            }
        };
        // Clients such as mono-node leave empty pairs (`?type=credit&&paginate=true&`).
        if !name.is_empty() {
            self.pairs.push((name, value));
        }
    }

    /// The pairs, in the query's order.
    fn pairs(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + Clone {
        let text = &self.text;
        self.pairs
            .iter()
            .map(|(name, value)| (&text[name.clone()], &text[value.clone()]))
    }

    /// The last value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs().rev().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name).map(|v| boolean(name, v)).transpose()
    }

    /// The last value given for each of `names`, in one pass: what [`Params::get`] finds
    /// for each, for a reader of several parameters.
    fn last_of<const N: usize>(&self, names: [&str; N]) -> [Option<&str>; N] {
        let mut found = [None; N];
        for (name, value) in self.pairs() {
            if let Some(at) = names.iter().position(|wanted| *wanted == name) {
                found[at] = Some(value);
            }
        }
        found
    }

    /// Links to the pages of the listing at the URL `path` (its parts end to end), keeping
    /// every other parameter: the parameters are encoded once for both of a page's links.
    pub fn page_link(&self, path: &[&str]) -> PageLink {
        let pairs = self.pairs().filter(|(name, _)| *name != "page");
        let length: usize = path.iter().map(|part| part.len()).sum::<usize>()
            + pairs
                .clone()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>();
        let mut link = String::with_capacity(length + 8);
        for part in path {
            link.push_str(part);
        }
        link.push('?');
        for (name, value) in pairs {
            percent_encode(&mut link, name);
            link.push('=');
            percent_encode(&mut link, value);
            link.push('&');
        }
        link.push_str("page=");
        PageLink(link)
    }
}

/// A listing's URL and query string up to the page number (`…?limit=5&page=`), which a
/// link to one of its pages then ends with.
pub struct PageLink(String);

impl PageLink {
    /// The link to `page`.
    pub fn to(&self, page: u32) -> String {
        [self.prefix(), itoa::Buffer::new().format(page)].concat()
    }

    /// Every link's text before the page number.
    pub fn prefix(&self) -> &str {
        &self.0
    }
}

/// Mono's transaction filters (`mono-api.md`), as read from the query string; the
/// document describes the query parameters from these fields.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionFilter {
    /// First day, inclusive, `dd-mm-yyyy`.
    #[param(
        value_type = Option<String>,
        pattern = "^(0[1-9]|1[0-9]|2[0-8])-(0[1-9]|1[0-2])-(19|20)[0-9]{2}$",
        example = "01-10-2025"
    )]
    pub start: Option<Date>,
    /// Last day, inclusive, `dd-mm-yyyy`; not before `start`.
    #[param(
        value_type = Option<String>,
        pattern = "^(0[1-9]|1[0-9]|2[0-8])-(0[1-9]|1[0-2])-(19|20)[0-9]{2}$",
        example = "31-12-2025"
    )]
    pub end: Option<Date>,
    /// Case-insensitive substring of the narration.
    pub narration: Option<String>,
    #[param(rename = "type", inline)]
    pub direction: Option<Direction>,
    /// Page through the history (default `true`).
    #[param(value_type = Option<bool>)]
    pub paginate: bool,
    /// Page size (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: u32,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 2_147_483_647)]
    pub page: u32,
}

/// [inferred] Mono documents no default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// [inferred] Upper bound on `limit`, so one request cannot ask for a million rows.
pub const MAX_PAGE_SIZE: u32 = 1000;

impl TransactionFilter {
    pub fn from_params(params: &Params) -> Result<TransactionFilter, ApiError> {
        let [kind, start, end, narration, paginate, limit, page] = params.last_of([
            "type",
            "start",
            "end",
            "narration",
            "paginate",
            "limit",
            "page",
        ]);
        let direction = match kind {
            None | Some("") => None,
            Some("debit") => Some(Direction::Debit),
            Some("credit") => Some(Direction::Credit),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid `type`: `{}`; use `debit` or `credit`",
                    Echo(other)
                )))
            }
        };
        let start = start.map(|v| date("start", v)).transpose()?;
        let end = end.map(|v| date("end", v)).transpose()?;
        if let (Some(start), Some(end)) = (start, end) {
            if start > end {
                return Err(ApiError::bad_request(format!(
                    "Invalid `start`: {start} is after `end` {end}"
                )));
            }
        }
        Ok(TransactionFilter {
            start,
            end,
            narration: narration.filter(|n| !n.is_empty()).map(str::to_lowercase),
            direction,
            paginate: paginate
                .map(|v| boolean("paginate", v))
                .transpose()?
                .unwrap_or(true),
            limit: limit
                .map(|v| number("limit", v, 1, MAX_PAGE_SIZE))
                .transpose()?
                .unwrap_or(DEFAULT_PAGE_SIZE),
            // Bounded as the document states it (a 32-bit signed integer): no history has
            // two billion pages, and a bigger number is a mistake worth naming.
            page: page
                .map(|v| number("page", v, 1, i32::MAX as u32))
                .transpose()?
                .unwrap_or(1),
        })
    }
}

/// Parameter `name`'s value `v` as a boolean.
fn boolean(name: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ApiError::bad_request(format!(
            "Invalid `{name}`: `{}` is not a boolean; use `true` or `false`",
            Echo(other)
        ))),
    }
}

/// Parameter `name`'s value `v` as a whole number from `min` to `max`.
fn number(name: &str, v: &str, min: u32, max: u32) -> Result<u32, ApiError> {
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "Invalid `{name}`: `{}` is not a whole number from {min} to {max}",
            Echo(v)
        ))),
    }
}

/// Parameter `name`'s value `v` as a day, `dd-mm-yyyy`.
fn date(name: &str, v: &str) -> Result<Date, ApiError> {
    Date::parse_dmy(v).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid `{name}`: `{}` is not a date in dd-mm-yyyy format (e.g. 01-10-2020)",
            Echo(v)
        ))
    })
}

/// Appends `text` to `out`, percent-encoding everything but RFC 3986's unreserved
/// characters. Text is taken in runs: a run of unreserved characters is copied whole, a
/// run of the others is encoded byte by byte. Both kinds of run end before an unreserved
/// character, which is ASCII, so each run is whole characters.
fn percent_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |byte: u8| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
    let mut rest = text;
    while !rest.is_empty() {
        let copied = rest
            .bytes()
            .position(|b| !unreserved(b))
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(copied);
        out.push_str(run);
        let encoded = tail.bytes().position(unreserved).unwrap_or(tail.len());
        let (run, tail) = tail.split_at(encoded);
        for byte in run.bytes() {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        rest = tail;
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Uri;

    use super::Params;

    #[test]
    fn links_keep_the_other_parameters_percent_encoded() {
        let uri: Uri = "/t?narration=caf%C3%A9%20%C3%A9%26co+x&type=debit&page=3&limit=2"
            .parse()
            .unwrap();
        assert_eq!(
            Params::of(&uri).page_link(&["http://h", "/t"]).to(4),
            "http://h/t?narration=caf%C3%A9%20%C3%A9%26co%20x&type=debit&limit=2&page=4"
        );
        let uri: Uri = "/t?%C3%A9=%C3%A9%C3%A9&a-b._~=".parse().unwrap();
        assert_eq!(
            Params::of(&uri).page_link(&["/t"]).to(1),
            "/t?%C3%A9=%C3%A9%C3%A9&a-b._~=&page=1"
        );
        let link = Params::of(&"/t?page=2".parse().unwrap()).page_link(&["/t"]);
        assert_eq!(
            (link.prefix(), link.to(3)),
            ("/t?page=", "/t?page=3".to_string())
        );
    }

    #[test]
    fn encoding_by_runs_encodes_every_byte_but_the_unreserved() {
        let one_at_a_time = |text: &str| {
            text.bytes()
                .map(|byte| match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        char::from(byte).to_string()
                    }
                    _ => format!("%{byte:02X}"),
                })
                .collect::<String>()
        };
        let ascii: String = (0u8..0x80).map(char::from).collect();
        for text in [
            "",
            "a",
            "%",
            "abc",
            " a b ",
            "café",
            "éé",
            "a&b=c~d",
            "😀x😀",
            &ascii,
        ] {
            let mut ours = String::new();
            super::percent_encode(&mut ours, text);
            assert_eq!(ours, one_at_a_time(text), "{text:?}");
        }
    }

    #[test]
    fn a_filter_reads_the_last_value_of_each_parameter() {
        let filter = |query: &str| {
            let uri: Uri = format!("/t?{query}").parse().unwrap();
            super::TransactionFilter::from_params(&Params::of(&uri))
        };
        let read = filter("page=9&limit=3&x=1&page=2&type=credit&type=&narration=Ab&LIMIT=7")
            .expect("a good filter");
        assert_eq!((read.page, read.limit, read.direction), (2, 3, None));
        assert_eq!(read.narration.as_deref(), Some("ab"));
        assert!(read.paginate && read.start.is_none() && read.end.is_none());
        let read = filter("").expect("no filter");
        assert_eq!((read.page, read.limit, read.paginate), (1, 20, true));
        // The first wrong parameter is named, in the order Mono's filters are listed.
        for (query, named) in [
            ("page=0&type=both", "`type`"),
            ("limit=0&start=1-1-2026", "`start`"),
            ("page=x&paginate=no", "`paginate`"),
            ("page=x&limit=1001", "`limit`"),
            ("page=2&page=2147483648", "`page`"),
        ] {
            let error = filter(query).err().expect(query);
            assert!(format!("{error:?}").contains(named), "{query}: {error:?}");
        }
    }

    #[test]
    fn a_query_reads_as_a_form_does() {
        for query in [
            "",
            "page=2",
            "page=2&limit=5",
            "a=%20b+c&&page=2&limit=2&",
            "&&=x&=&a&b=&c==d&e=f=g",
            "n=%C3%A9%ff%2&m=%&+=+&k%3D=v%26w",
            "x=1&x=2&X=3",
            "a=b=c&&&",
            "==&=&&a==",
            "&",
            "%",
            "+",
            "caf%C3%A9=%E2%82%A6+5,000&page=1",
        ] {
            let uri: Uri = format!("/t?{query}").parse().unwrap();
            let form: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            let params = Params::of(&uri);
            let ours: Vec<(String, String)> = params
                .pairs()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            assert_eq!(ours, form, "{query}");
        }
    }
}
