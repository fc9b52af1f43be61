//! The path parameter Mono's API and the control API share: the account a route is about.

use serde::Deserialize;
use utoipa::IntoParams;

/// The account a route is about: the `{id}` of `/accounts/{id}/…` and `/v2/accounts/{id}/…`.
/// Read as it is; the handler parses it, so a malformed id gets the route's own refusal.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AccountPath {
    /// The account id.
    #[param(pattern = "^[0-9a-fA-F]{24}$", example = "5f171a530295e231abca1153")]
    pub id: String,
}
