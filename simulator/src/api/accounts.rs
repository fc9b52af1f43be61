//! The account a Mono API call is about, or the error Mono gives.

use crate::http::{ApiError, ApiState};
use crate::world::{Account, ObjectId};

impl ApiState {
    /// The linked account with this id, or the error Mono gives.
    ///
    /// Malformed ids are a 400 naming the value; unknown and unlinked accounts a 404
    /// (Mono deletes "every data and authorisation associated" with an unlinked account).
    pub fn linked_account(&self, id: &str) -> Result<Account, ApiError> {
        let parsed: ObjectId = id
            .parse()
            .map_err(|e| ApiError::bad_request(format!("Invalid account id `{id}`: {e}")))?;
        // [inferred] wording; the only public sample is a third-party mock's.
        let missing = || ApiError::not_found("This account does not exist.");
        let account = self.world.account(&parsed).ok_or_else(missing)?;
        if !account.is_linked() {
            return Err(missing());
        }
        Ok(account)
    }
}
