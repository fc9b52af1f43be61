//! What a request carries — query parameters and JSON bodies — read strictly: a value that
//! is present but wrong is a 400 that names it and says what would be right. Never a silent
//! default, never a 500.

use std::convert::Infallible;

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
pub struct Params(Vec<(String, String)>);

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
        Params(
            query
                .split('&')
                .map(decode_pair)
                // Clients such as mono-node leave empty pairs (`?type=credit&&paginate=true&`).
                .filter(|(name, _)| !name.is_empty())
                .collect(),
        )
    }

    /// The last value given for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|v| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(ApiError::bad_request(format!(
                    "Invalid `{name}`: `{}` is not a boolean; use `true` or `false`",
                    Echo(other)
                ))),
            })
            .transpose()
    }

    pub fn number(&self, name: &str, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
        self.get(name)
            .map(|v| match v.parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(format!(
                    "Invalid `{name}`: `{}` is not a whole number from {min} to {max}",
                    Echo(v)
                ))),
            })
            .transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<Date>, ApiError> {
        self.get(name)
            .map(|v| {
                Date::parse_dmy(v).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid `{name}`: `{}` is not a date in dd-mm-yyyy format (e.g. 01-10-2020)",
                        Echo(v)
                    ))
                })
            })
            .transpose()
    }

    /// A link to `page` of the listing at `path`, keeping every other parameter.
    pub fn link(&self, path: &str, page: u32) -> String {
        let pairs = self.0.iter().filter(|(name, _)| name != "page");
        let length: usize = pairs.clone().map(|(n, v)| n.len() + v.len() + 2).sum();
        let mut link = String::with_capacity(path.len() + length + 16);
        link.push_str(path);
        link.push('?');
        for (name, value) in pairs {
            percent_encode(&mut link, name);
            link.push('=');
            percent_encode(&mut link, value);
            link.push('&');
        }
        link.push_str("page=");
        link.push_str(itoa::Buffer::new().format(page));
        link
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
        let direction = match params.get("type") {
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
        let start = params.date("start")?;
        let end = params.date("end")?;
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
            narration: params
                .get("narration")
                .filter(|n| !n.is_empty())
                .map(str::to_lowercase),
            direction,
            paginate: params.bool("paginate")?.unwrap_or(true),
            limit: params
                .number("limit", 1, MAX_PAGE_SIZE)?
                .unwrap_or(DEFAULT_PAGE_SIZE),
            // Bounded as the document states it (a 32-bit signed integer): no history has
            // two billion pages, and a bigger number is a mistake worth naming.
            page: params.number("page", 1, i32::MAX as u32)?.unwrap_or(1),
        })
    }
}

/// One `name=value` of a query string, decoded as [`Params::of`] says. Most pairs
/// (`page=2`) have nothing to decode and are taken as they are: decoding every pair cost
/// more than the rest of reading a page's parameters (bench/RESULTS.md).
fn decode_pair(pair: &str) -> (String, String) {
    if pair.bytes().any(|byte| byte == b'%' || byte == b'+') {
        let decoded = form_urlencoded::parse(pair.as_bytes()).next();
        let (name, value) = decoded.unwrap_or_default();
        return (name.into_owned(), value.into_owned());
    }
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    (name.to_owned(), value.to_owned())
}

/// Appends `text` to `out`, percent-encoding everything but RFC 3986's unreserved
/// characters.
fn percent_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
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
            Params::of(&uri).link("http://h/t", 4),
            "http://h/t?narration=caf%C3%A9%20%C3%A9%26co%20x&type=debit&limit=2&page=4"
        );
        let uri: Uri = "/t?%C3%A9=%C3%A9%C3%A9&a-b._~=".parse().unwrap();
        assert_eq!(
            Params::of(&uri).link("/t", 1),
            "/t?%C3%A9=%C3%A9%C3%A9&a-b._~=&page=1"
        );
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
        ] {
            let uri: Uri = format!("/t?{query}").parse().unwrap();
            let form: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            assert_eq!(Params::of(&uri).0, form, "{query}");
        }
    }
}
