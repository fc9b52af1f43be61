//! The account lifecycle — link, data in, bank session expiry, re-auth token, the user
//! re-authenticating, syncs, unlink — and the webhooks each step fires.
//!
//! ```text
//!  pending ──link──▶ linked (PROCESSING) ──data_delay──▶ linked (AVAILABLE | PARTIAL | …)
//!                      account_connected                  account_updated
//!  linked ──session expires (MFA only)──▶ reauth required          reauthorisation_required
//!         ──POST /reauthorise──▶ token issued (10 min, single use, newest only)
//!         ──user answers MFA right (with the token, or by account id)──▶ reauthorised ──data_delay──▶ synced
//!                                     account_reauthorized         account_updated
//!         (wrong answer: nothing fires, the token stays usable; expired / reused /
//!          superseded token: refused, nothing fires; user gives up: nothing fires)
//!  any ──unlink──▶ unlinked                                        account_unlinked
//! ```

use serde::Serialize;

use crate::clock::{Timestamp, MINUTE};
use crate::echo::Echo;
use crate::faults::{FaultKind, SyncCode};
use crate::sim::Sim;
use crate::webhooks::event::{self, Context, OverrideError, SyncReport};
use crate::webhooks::{FiredEvent, Outgoing, SecretMode};
use crate::world::{
    check_status, Account, AccountSpec, Arrival, DataStatus, Dialect, ObjectId, ReauthToken, Stage,
    WorldError,
};

/// Mono: a manual sync at most once per account every 2 minutes.
pub const MANUAL_SYNC_INTERVAL: i64 = 2 * MINUTE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("no account {0}")]
    NoSuchAccount(ObjectId),
    /// The widget was opened with an `account` that is not an ObjectId at all.
    #[error("`{}` is not an account id (Mono's ids are 24 hex digits)", Echo(.0))]
    NotAnAccountId(String),
    #[error("account {0} is not linked")]
    NotLinked(ObjectId),
    #[error("account {0} is already linked")]
    AlreadyLinked(ObjectId),
    #[error("account {0} has no MFA, so its bank session does not expire")]
    NoMfa(ObjectId),
    /// Mono's own words for an account that cannot be re-authorised.
    #[error("This account can not be re-authorised.")]
    CannotReauthorise,
    #[error("no re-auth token `{}` was ever issued", Echo(.0))]
    UnknownToken(String),
    #[error("re-auth token `{}` was replaced by a newer one; use the latest token", Echo(.0))]
    SupersededToken(String),
    #[error(
        "re-auth token `{}` was already used; fetch a new one with POST /accounts/:id/reauthorise",
        Echo(.0)
    )]
    UsedToken(String),
    #[error(
        "re-auth token `{}` has expired (tokens last 10 minutes); fetch a new one",
        Echo(.0)
    )]
    ExpiredToken(String),
    #[error("no re-auth token has been issued for account {0}: the integrator must call POST /accounts/:id/reauthorise first")]
    NoToken(ObjectId),
    /// A widget opened by account id (connect.js 2.1+) holds no token; its session can
    /// still time out before the user answers.
    #[error("the re-authorisation session for account {0} timed out before the answer; open the widget again")]
    ReauthSessionExpired(ObjectId),
    #[error("manual sync of this account is allowed once every 2 minutes; try again in {0} s")]
    SyncTooSoon(i64),
    #[error("{0}")]
    World(#[from] WorldError),
    #[error("{0}")]
    BadOverride(#[from] OverrideError),
}

/// What the user does in the widget when asked for the MFA answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MfaAnswer {
    Correct,
    Wrong,
    /// The user comes back after the token's 10 minutes (or the session timed out).
    Expired,
    /// The user closes the widget.
    Abandon,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ReauthOutcome {
    /// `account_reauthorized` fired, `account_updated` follows once the data is in.
    Reauthorised { events: Vec<String> },
    /// The bank rejected the answer; the token may be used again.
    WrongAnswer,
    /// The user gave up; nothing changed.
    Abandoned,
}

/// The answer to `POST /accounts/:id/sync`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SyncResult {
    pub status: &'static str,
    #[serde(rename = "hasNewData")]
    pub has_new_data: bool,
    pub code: &'static str,
    pub message: Option<String>,
}

/// Options of a link.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// The data status once the data is in (`AVAILABLE` by default).
    pub data_status: Option<DataStatus>,
    /// Simulated milliseconds until then (the simulator's `data_delay` by default).
    pub data_delay: Option<i64>,
}

/// Details of one webhook to fire.
#[derive(Clone, Debug, Default)]
pub struct Emit {
    pub data_status: Option<DataStatus>,
    pub sync: SyncReport,
    /// Simulated milliseconds to wait before it is sent.
    pub delay: i64,
    /// `path=value` overrides of the body.
    pub overrides: Vec<(String, String)>,
}

impl Sim {
    fn linked(&self, id: &ObjectId) -> Result<Account, LifecycleError> {
        let account = self
            .world
            .account(id)
            .ok_or(LifecycleError::NoSuchAccount(*id))?;
        if !account.is_linked() {
            return Err(LifecycleError::NotLinked(*id));
        }
        Ok(account)
    }

    /// Creates an account; with `link`, links it at once.
    pub fn create_account(
        &self,
        spec: AccountSpec,
        link: Option<LinkOptions>,
    ) -> Result<ObjectId, LifecycleError> {
        let id = self.world.create_account(spec, Arrival::Pending)?;
        if let Some(options) = link {
            self.link(&id, options)?;
        }
        Ok(id)
    }

    /// The user links the account in the widget: `account_connected` now, and
    /// `account_updated` when the data is in.
    pub fn link(&self, id: &ObjectId, options: LinkOptions) -> Result<(), LifecycleError> {
        let account = self
            .world
            .account(id)
            .ok_or(LifecycleError::NoSuchAccount(*id))?;
        match account.stage {
            Stage::Linked => return Err(LifecycleError::AlreadyLinked(*id)),
            Stage::Pending | Stage::Unlinked => {}
        }
        let status = options.data_status.unwrap_or(DataStatus::Available);
        check_status(status, account.dialect)?;
        let now = self.clock.now();
        let delay = options.data_delay.unwrap_or(self.data_delay).max(0);
        self.world.update(id, |a| {
            a.stage = Stage::Linked;
            a.linked_at = now;
            a.data_status = status;
            a.data_ready_at = now.plus(delay);
            a.session_expired = false;
        });
        let account = self.linked(id)?;
        self.emit(event::ACCOUNT_CONNECTED, &account, Emit::default())?;
        self.emit(
            event::ACCOUNT_UPDATED,
            &account,
            Emit {
                data_status: Some(status),
                delay,
                ..Emit::default()
            },
        )?;
        self.schedule_auto_sync(id, now, account.sync_every_hours, now);
        Ok(())
    }

    /// The bank session of an MFA account expires: `reauthorisation_required`.
    pub fn expire_session(&self, id: &ObjectId) -> Result<String, LifecycleError> {
        let account = self.linked(id)?;
        if !account.has_mfa() {
            return Err(LifecycleError::NoMfa(*id));
        }
        self.world.update(id, |a| a.session_expired = true);
        self.emit(event::REAUTHORISATION_REQUIRED, &account, Emit::default())
    }

    /// `POST /accounts/:id/reauthorise`: a fresh token, replacing any earlier one.
    pub fn issue_token(&self, id: &ObjectId) -> Result<ReauthToken, LifecycleError> {
        self.check_account(id)?;
        self.world
            .issue_token(id)
            .ok_or(LifecycleError::CannotReauthorise)
    }

    /// The latest token issued for the account.
    pub fn latest_token(&self, id: &ObjectId) -> Result<String, LifecycleError> {
        let account = self
            .world
            .account(id)
            .ok_or(LifecycleError::NoSuchAccount(*id))?;
        account
            .token
            .map(|t| t.value)
            .ok_or(LifecycleError::NoToken(*id))
    }

    /// The account a re-auth token would re-authorise, if the token can still be used:
    /// what the Connect widget checks when it is opened with `reauth_token`. Uses nothing up.
    pub fn check_token(&self, token: &str) -> Result<Account, LifecycleError> {
        let account = self
            .world
            .account_for_token(token)
            .ok_or_else(|| LifecycleError::UnknownToken(token.to_string()))?;
        usable_token(&account, token, self.clock.now())?;
        Ok(account)
    }

    /// The user re-authenticates in the widget with `token` and answers the MFA challenge.
    pub fn reauthorise(
        &self,
        token: &str,
        answer: MfaAnswer,
    ) -> Result<ReauthOutcome, LifecycleError> {
        self.reauthorise_with(token, answer, None)
    }

    /// [`Sim::reauthorise`], with the data status the data fetched afterwards ends in (and
    /// its `account_updated` reports): the bank may let the user back in yet return only
    /// part of the data, or none (`AVAILABLE` data stays as it was when `None`).
    pub fn reauthorise_with(
        &self,
        token: &str,
        answer: MfaAnswer,
        data_status: Option<DataStatus>,
    ) -> Result<ReauthOutcome, LifecycleError> {
        if let Some(status) = data_status {
            let account = self
                .world
                .account_for_token(token)
                .ok_or_else(|| LifecycleError::UnknownToken(token.to_string()))?;
            check_status(status, account.dialect)?;
        }
        let unknown = || LifecycleError::UnknownToken(token.to_string());
        let id = self.world.account_for_token(token).ok_or_else(unknown)?.id;
        let now = self.clock.now();
        // Checked and used up under one lock, so two answers racing for one token cannot
        // both succeed, and a token issued meanwhile is not the one burned.
        let refused = self
            .world
            .update(&id, |a| {
                usable_token(a, token, now)?;
                match answer {
                    MfaAnswer::Expired => Err(LifecycleError::ExpiredToken(token.to_string())),
                    MfaAnswer::Wrong => Ok(Some(ReauthOutcome::WrongAnswer)),
                    MfaAnswer::Abandon => Ok(Some(ReauthOutcome::Abandoned)),
                    MfaAnswer::Correct => {
                        if let Some(current) = a.token.as_deref_mut() {
                            current.used = true;
                        }
                        a.session_expired = false;
                        Ok(None)
                    }
                }
            })
            .ok_or_else(unknown)??;
        if let Some(outcome) = refused {
            return Ok(outcome);
        }
        self.reauthorised(&id, data_status)
    }

    /// The account connect.js 2.1+ may open the widget for with `reauthorise(accountId)`:
    /// the same accounts `POST /accounts/:id/reauthorise` issues a token for (linked, with
    /// MFA), refused with the same words otherwise. [inferred]: Mono documents neither an
    /// unknown id nor an account that needs no re-authorisation; as with a token, an MFA
    /// account whose session has not expired may still sign in again.
    pub fn check_account(&self, id: &ObjectId) -> Result<Account, LifecycleError> {
        let account = self
            .world
            .account(id)
            .ok_or(LifecycleError::NoSuchAccount(*id))?;
        if !account.is_linked() || !account.has_mfa() {
            return Err(LifecycleError::CannotReauthorise);
        }
        Ok(account)
    }

    /// The user re-authenticates in a widget opened with the account id (connect.js 2.1+,
    /// Mono's `reauthorise(accountId)`): no token is involved, so none is issued, checked or
    /// used up; what follows a right answer is the token flow's, event for event.
    pub fn reauthorise_account(
        &self,
        id: &ObjectId,
        answer: MfaAnswer,
        data_status: Option<DataStatus>,
    ) -> Result<ReauthOutcome, LifecycleError> {
        let account = self.check_account(id)?;
        if let Some(status) = data_status {
            check_status(status, account.dialect)?;
        }
        match answer {
            MfaAnswer::Expired => return Err(LifecycleError::ReauthSessionExpired(*id)),
            MfaAnswer::Wrong => return Ok(ReauthOutcome::WrongAnswer),
            MfaAnswer::Abandon => return Ok(ReauthOutcome::Abandoned),
            MfaAnswer::Correct => {}
        }
        // Checked again under the lock: an unlink racing the answer wins.
        self.world
            .update(id, |a| {
                if a.is_linked() {
                    a.session_expired = false;
                    Ok(())
                } else {
                    Err(LifecycleError::CannotReauthorise)
                }
            })
            .ok_or(LifecycleError::NoSuchAccount(*id))??;
        self.reauthorised(id, data_status)
    }

    /// What follows a right answer, by token or by account id: `account_reauthorized` now,
    /// the data fetched again and `account_updated` once it is in.
    fn reauthorised(
        &self,
        id: &ObjectId,
        data_status: Option<DataStatus>,
    ) -> Result<ReauthOutcome, LifecycleError> {
        let account = self.linked(id)?;
        let reauthorized = self.emit(event::ACCOUNT_REAUTHORIZED, &account, Emit::default())?;
        if let Some(status) = data_status {
            self.world.update(id, |a| a.data_status = status);
        }
        let (updated, _) = self.synced(id, self.data_delay)?;
        Ok(ReauthOutcome::Reauthorised {
            events: vec![reauthorized, updated],
        })
    }

    /// `POST /accounts/:id/sync`: Mono's manual sync, with its codes and its 2-minute limit.
    pub fn manual_sync(
        &self,
        id: &ObjectId,
        allow_incomplete: bool,
    ) -> Result<SyncResult, LifecycleError> {
        let account = self.linked(id)?;
        let now = self.clock.now();
        // Checked and recorded under one lock: of two racing calls, one is refused.
        self.world
            .update(id, |a| match a.last_manual_sync {
                Some(last) if last.millis() + MANUAL_SYNC_INTERVAL > now.millis() => {
                    let wait = last.millis() + MANUAL_SYNC_INTERVAL - now.millis();
                    Err(LifecycleError::SyncTooSoon((wait + 999) / 1000))
                }
                _ => {
                    a.last_manual_sync = Some(now);
                    Ok(())
                }
            })
            .ok_or(LifecycleError::NoSuchAccount(*id))??;
        self.sync(&account, allow_incomplete, false)
    }

    /// The scheduled automatic sync of the link made at `linked_at`, due at `due`;
    /// schedules the next one.
    pub fn auto_sync(&self, id: &ObjectId, linked_at: Timestamp, due: Timestamp) {
        let Ok(account) = self.linked(id) else {
            return; // unlinked (or reset) since it was scheduled: the cycle ends
        };
        if account.linked_at != linked_at {
            return; // unlinked and linked again: that link has its own cycle
        }
        if let Err(error) = self.sync(&account, false, true) {
            tracing::warn!(account = %id, %error, "automatic sync could not fire its webhook");
        }
        self.schedule_auto_sync(id, account.linked_at, account.sync_every_hours, due);
    }

    /// An automatic sync now, outside the schedule (control API).
    pub fn auto_sync_now(&self, id: &ObjectId) -> Result<SyncResult, LifecycleError> {
        let account = self.linked(id)?;
        self.sync(&account, false, true)
    }

    fn sync(
        &self,
        account: &Account,
        allow_incomplete: bool,
        automatic: bool,
    ) -> Result<SyncResult, LifecycleError> {
        let failed = |code, message: &str| SyncResult {
            status: "failed",
            has_new_data: false,
            code,
            message: Some(message.to_string()),
        };
        if account.session_expired {
            self.emit(event::REAUTHORISATION_REQUIRED, account, Emit::default())?;
            return Ok(failed(
                "REAUTHORISATION_REQUIRED",
                "The bank session of this account has expired; it needs re-authorisation",
            ));
        }
        let failure = match self.faults.take_sync_code(account.id) {
            Some(SyncCode::SyncError) => Some(failed(
                "SYNC_ERROR",
                "The bank could not be reached; try again later",
            )),
            Some(SyncCode::IncompleteStatementError) if !allow_incomplete => Some(failed(
                "INCOMPLETE_STATEMENT_ERROR",
                "The bank returned fewer transactions than before; retry with allow_incomplete_statement=true to accept them",
            )),
            _ => None,
        };
        if let Some(failure) = failure {
            if automatic {
                self.emit(event::SYNC_FAILED, account, Emit::default())?;
            }
            return Ok(failure);
        }
        // Data left PROCESSING (a link or re-authorisation told so) is in once a sync runs.
        self.world.update(&account.id, |a| {
            if a.data_status == DataStatus::Processing {
                a.data_status = DataStatus::Available;
            }
        });
        let (_, has_new_data) = self.synced(&account.id, 0)?;
        Ok(SyncResult {
            status: "successful",
            has_new_data,
            code: "SYNC_SUCCESSFUL",
            message: None,
        })
    }

    /// A successful sync: fetches the transactions due by now and fires `account_updated`
    /// (`sync_status: SUCCESSFUL`) after `delay`. Returns its event id and whether there
    /// was new data.
    fn synced(&self, id: &ObjectId, delay: i64) -> Result<(String, bool), LifecycleError> {
        let has_new_data = self.world.retrieve_data(id);
        let account = self.linked(id)?;
        let sync = SyncReport {
            sync_status: Some("SUCCESSFUL"),
            job_id: None,
            has_new_data,
            job: None,
        };
        let event_id = self.emit(
            event::ACCOUNT_UPDATED,
            &account,
            Emit {
                sync,
                delay,
                ..Emit::default()
            },
        )?;
        Ok((event_id, has_new_data))
    }

    /// Unlinks the account (through the API or the control API): `account_unlinked`.
    pub fn unlink(&self, id: &ObjectId) -> Result<String, LifecycleError> {
        let account = self.linked(id)?;
        self.world.update(id, |a| {
            a.stage = Stage::Unlinked;
            a.token = None;
        });
        self.emit(event::ACCOUNT_UNLINKED, &account, Emit::default())
    }

    /// Fires `event` about `account` through the dispatcher, applying any webhook faults
    /// set for it. Returns the `event_id`.
    pub fn emit(
        &self,
        event: &str,
        account: &Account,
        emit: Emit,
    ) -> Result<String, LifecycleError> {
        let event_id = self.world.new_event_id();
        let ctx = Context {
            event_id,
            now: self.clock.now(),
            app: self.world.app(),
            business: self.world.business(),
            data_status: emit.data_status.unwrap_or(account.data_status),
            sync: emit.sync,
        };
        // Straight into bytes: `to_string` goes through `fmt` a token at a time, which cost
        // more than building the payload (bench/RESULTS.md, the dispatcher's profile). A body
        // with nothing to override is written from its fields, never built as a `Value`.
        let build = |dialect: Dialect| -> Result<Vec<u8>, LifecycleError> {
            if emit.overrides.is_empty() {
                let body = event::Body::new(event, account, dialect, &ctx);
                return Ok(serde_json::to_vec(&body).expect("a webhook body always serialises"));
            }
            let mut body = event::body(event, account, dialect, &ctx);
            for (path, value) in &emit.overrides {
                event::apply_override(&mut body, path, value)?;
            }
            Ok(serde_json::to_vec(&body).expect("a JSON value always serialises"))
        };
        // Build once first, so a bad override is refused before any fault is used up.
        let body = build(account.dialect)?;
        let faults = self.faults.take_for_event(Some(account.id), event);
        let mut dialect = account.dialect;
        let mut outgoing = Outgoing {
            event_id: event_id.to_string(),
            event: event.to_string(),
            account: Some(account.id),
            body: body.into(),
            dialect,
            secret: SecretMode::Correct,
            delay: emit.delay,
            reorder: None,
            copies: 1,
        };
        for fault in faults {
            match fault {
                FaultKind::Duplicate => outgoing.copies += 1,
                FaultKind::Reorder { by } => outgoing.reorder = Some(emit.delay + by),
                FaultKind::Delay { by } => outgoing.delay += by,
                FaultKind::WrongSecret => outgoing.secret = SecretMode::Wrong,
                FaultKind::MissingSecret => outgoing.secret = SecretMode::Missing,
                FaultKind::OtherDialect => {
                    dialect = match dialect {
                        Dialect::Legacy => Dialect::Current,
                        Dialect::Current => Dialect::Legacy,
                    };
                    outgoing.body = build(dialect)?.into();
                    outgoing.dialect = dialect;
                }
                FaultKind::DropAttempt
                | FaultKind::Status { .. }
                | FaultKind::Hang { .. }
                | FaultKind::SyncCode { .. }
                | FaultKind::RealtimeFails
                | FaultKind::RealtimeSlow { .. } => {}
            }
        }
        self.events.push(FiredEvent {
            seq: 0,
            event_id: outgoing.event_id.as_str().into(),
            event: event.into(),
            account: Some(account.id),
            fired_at: ctx.now,
            dialect: outgoing.dialect,
            payload: outgoing.body.clone(),
        });
        let queued = self.webhooks.enqueue(outgoing);
        tracing::debug!(event, account = %account.id, queued, "event fired");
        Ok(event_id.to_string())
    }
}

/// Whether `token` can re-authorise `account` at `now`: linked, the newest token issued,
/// not used, not past its 10 minutes. Mono's reasons, in the order it would give them.
fn usable_token(account: &Account, token: &str, now: Timestamp) -> Result<(), LifecycleError> {
    if !account.is_linked() {
        return Err(LifecycleError::CannotReauthorise);
    }
    let current = account
        .token
        .as_deref()
        .filter(|t| t.value == token)
        .ok_or_else(|| LifecycleError::SupersededToken(token.to_string()))?;
    if current.used {
        return Err(LifecycleError::UsedToken(token.to_string()));
    }
    if current.expired_at(now) {
        return Err(LifecycleError::ExpiredToken(token.to_string()));
    }
    Ok(())
}
