//! The control API's conventions, shared by its routes: a request body is JSON, where an
//! empty body or `null` means `{}` and `2.0` is the integer 2; a wrong value is a 400 that
//! names its field; a lifecycle refusal says what state the account is in and how to get it
//! where the request needs it.

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::echo::{quoted, Echo};
use crate::http::ApiError;
use crate::lifecycle::LifecycleError;
use crate::world::{ObjectId, WorldError};

/// Reads a JSON body (an empty body or `null` reads as `{}`), naming what is wrong with it.
pub fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let invalid = |e: serde_json::Error| {
        ApiError::bad_request(format!("Invalid request body: {}", quoted(&e.to_string())))
    };
    let mut value: Value = serde_json::from_slice(bytes).map_err(invalid)?;
    // `null` is "no body", as the document's optional bodies allow.
    if value.is_null() {
        value = Value::Object(Default::default());
    }
    whole_numbers(&mut value);
    T::deserialize(value).map_err(invalid)
}

/// JSON (and the JSON Schema of the OpenAPI document) counts `2.0` as the integer 2; serde
/// does not. Whole numbers written with a fraction are read as the integers they are, so a
/// client whose JSON library writes `60.0` for a count is not refused.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: larger floats are not exact
            if let Some(float) = number.as_f64() {
                if float.fract() == 0.0 && float.abs() < EXACT {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A lifecycle refusal in the control API's words: unlike Mono's API (which says "This
/// account does not exist." for an unlinked account), it says what state the account is in
/// and how to get it where the request needs it.
pub fn refused(error: LifecycleError) -> ApiError {
    match error {
        LifecycleError::NoSuchAccount(id) => ApiError::not_found(format!("No account {id}")),
        LifecycleError::NotLinked(id) => ApiError::new(
            StatusCode::CONFLICT,
            format!("Account {id} is not linked; link it with POST /_sim/accounts/{id}/link"),
        ),
        // An id or code another account has, or a negative balance on an account type that
        // cannot be overdrawn: each value is fine, the world disagrees.
        error @ LifecycleError::World(
            WorldError::DuplicateId(_)
            | WorldError::DuplicateCode(_)
            | WorldError::NegativeBalance { .. },
        ) => ApiError::new(StatusCode::CONFLICT, error.to_string()),
        other => other.into(),
    }
}

pub fn account_id(id: &str) -> Result<ObjectId, ApiError> {
    id.parse()
        .map_err(|e| ApiError::bad_request(format!("Invalid account id `{}`: {e}", Echo(id))))
}

pub fn duration(field: &str, text: &str) -> Result<i64, ApiError> {
    crate::clock::parse_duration(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid `{field}`: `{}` is not a duration like 500ms, 30s, 10m or 4h",
            Echo(text)
        ))
    })
}
