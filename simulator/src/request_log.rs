//! The request log: every call the Mono API received, so a test (or the harness) can check
//! what the integrator's code asked for — "did it fetch a re-auth token?". The log is a
//! `Journal` (`journal.rs`), like the webhook delivery log; the HTTP layer fills it
//! (`api/record.rs`).

use serde::Serialize;

use crate::clock::Timestamp;
use crate::journal::{Journal, Numbered};
use crate::world::ObjectId;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RequestRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The account the call is about: the one its path names, or (for `initiate`) its body.
    pub account: Option<ObjectId>,
    /// What the call was for, whatever API version and path it used.
    pub intent: Option<Intent>,
    pub status: u16,
    pub latency_ms: f64,
}

/// What an integrator's call to Mono was for. Two correct integrations may reach the same
/// end by different routes — a re-auth token from v1's `/reauthorise` or from v2's
/// `initiate`, an account's data from its details, its balance or its transactions — so the
/// harness judges calls by intent, not by path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A re-authorisation token: `POST /accounts/:id/reauthorise`, or
    /// `POST /v2/accounts/initiate` with `scope: "reauth"`.
    Token,
    /// The account's data: any `GET` under `/accounts/:id` or `/v2/accounts/:id` (details,
    /// balance, transactions, identity, statements, income, jobs; realtime or not).
    Data,
    /// A manual sync: `POST /accounts/:id/sync`.
    Sync,
    /// Unlinking: `POST /accounts/:id/unlink`, `POST /v2/accounts/:id/unlink`.
    Unlink,
    /// Linking: exchanging a Connect code (`/account/auth`, `/v2/accounts/auth`), or
    /// `POST /v2/accounts/initiate` with `scope: "auth"`.
    Link,
}

impl Intent {
    pub const ALL: [Intent; 5] = [
        Intent::Token,
        Intent::Data,
        Intent::Sync,
        Intent::Unlink,
        Intent::Link,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Token => "token",
            Intent::Data => "data",
            Intent::Sync => "sync",
            Intent::Unlink => "unlink",
            Intent::Link => "link",
        }
    }
}

/// Every call the Mono API received; bounded (see `journal.rs`).
pub type RequestLog = Journal<RequestRecord>;

impl Numbered for RequestRecord {
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}
