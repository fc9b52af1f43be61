//! The account a Mono API call is about — named by its path, or by the Connect code in its
//! body — or the error Mono gives.

use std::sync::Arc;

use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::json_body;
use crate::echo::Echo;
use crate::http::{ApiError, ApiState};
use crate::sim::Sim;
use crate::world::{Account, ObjectId};

impl ApiState {
    /// The linked account with this id, or the error Mono gives.
    ///
    /// Malformed ids are a 400 naming the value; unknown and unlinked accounts a 404
    /// (Mono deletes "every data and authorisation associated" with an unlinked account).
    pub fn linked_account(&self, id: &str) -> Result<Account, ApiError> {
        let parsed: ObjectId = id.parse().map_err(|e| {
            ApiError::bad_request(format!("Invalid account id `{}`: {e}", Echo(id)))
        })?;
        // [inferred] wording; the only public sample is a third-party mock's.
        let missing = || ApiError::not_found("This account does not exist.");
        let account = self.world.account(&parsed).ok_or_else(missing)?;
        if !account.is_linked() {
            return Err(missing());
        }
        Ok(account)
    }
}

/// A job of an account: the `{id}` and `{job_id}` of `…/accounts/{id}/…/jobs/{job_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct JobPath {
    /// The account id.
    #[param(pattern = "^[0-9a-fA-F]{24}$", example = "5f171a530295e231abca1153")]
    pub id: String,
    /// The job id.
    #[param(example = "8EWRZ2vV1C3tmms8NBXy")]
    pub job_id: String,
}

/// Refuses data Mono did not retrieve, rather than inventing it [inferred wording].
pub fn require_data(account: &Account, data: &str) -> Result<(), ApiError> {
    if account.data_status.has(data) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "No {data} data is available for this account (data_status {})",
            account.data_status.as_str()
        )))
    }
}

/// The Connect code the widget handed the integrator's front end.
#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    #[schema(min_length = 1, example = "code_ada")]
    code: String,
}

/// `{"id"}`: the account a Connect code was issued for.
#[derive(Serialize, ToSchema)]
pub struct AccountIdBody {
    pub id: ObjectId,
}

/// The account a Connect code was issued for, and the simulated Mono that has it. Codes
/// stay valid while the account is linked [inferred: Mono documents neither a lifetime nor
/// single use for them].
pub fn account_for_code(state: &ApiState, body: &Bytes) -> Result<(Arc<Sim>, Account), ApiError> {
    let CodeRequest { code } = json_body(body)?;
    if code.is_empty() {
        return Err(ApiError::bad_request(
            "Invalid request body: `code` is empty",
        ));
    }
    let sim = state.tenants.for_code(&code);
    sim.as_ref()
        .and_then(|sim| sim.world.account_for_code(&code))
        .filter(|a| a.is_linked())
        .and_then(|a| sim.map(|sim| (sim, a)))
        .ok_or_else(|| ApiError::bad_request(format!("Invalid or expired code `{}`", Echo(&code))))
}
