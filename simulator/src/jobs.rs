//! Realtime jobs: what Mono does when an app asks for fresh data with `x-realtime: true`.
//!
//! What Mono documents (<https://docs.mono.co/docs/financial-data/realtime-data>, Sept 2024):
//! the app adds `x-realtime: true` to the balance and transactions endpoints; the answer
//! carries `x-has-new-data: true|false`, `x-job-id` and `x-job-status:
//! finished|processing|failed`; when the job completes Mono sends
//! `mono.accounts.jobs.update` with the job's status, and an `account_updated` with the sync
//! status; an account that needs re-authorisation is reported as `failed`, in the headers
//! and in `jobs.update`, and the business then starts re-authentication through the
//! re-authorisation endpoint. The April 2024 version of the page showed
//! `x-reauth-required: true|false` instead. Mono's docs also spell the request header
//! `x-real-time`; both are honoured. The `jobs.update` payload is `mono-api.md`'s:
//! `{account, business, app, id, name, status}`, `name` being `jobs.accounts.sync_balance`
//! or `jobs.accounts.sync_statement`.
//!
//! ```text
//!  request ──▶ processing ──(data_delay [+ realtime_slow], virtual time)──▶ finished
//!                 │               jobs.update {finished}, account_updated {SUCCESSFUL}
//!                 └──(session expired, or realtime_fails)──▶ failed
//!                     jobs.update {failed}, account_updated {REAUTHORISATION_REQUIRED},
//!                     reauthorisation_required (MFA accounts)
//! ```
//!
//! Choices where Mono's pages are silent, each `[inferred]`:
//!
//! - Every realtime request starts its own job with a new id: the app that asks twice is
//!   told about two jobs, and the receiver gets two `jobs.update`s it can tell apart.
//! - A job takes the simulator's `data_delay` (Mono: 0.5 s to 5 min to fetch from the bank),
//!   so on a frozen clock the answer says `processing` and the job ends when time moves.
//!   With a `data_delay` of zero it ends within the request and the answer says how.
//! - While `processing` the answer has no `x-has-new-data` (nothing is known yet); once the
//!   job has ended it has, `false` for a failed job.
//! - When Mono already knows the bank session has expired, the job fails at once: the answer
//!   says `failed` with `x-reauth-required: true`, and the webhooks fire straight away.
//!   `x-reauth-required` is sent only when `true`.
//! - A job that ends `finished` is a retrieval: it brings the account's transactions up to
//!   now and takes over a balance changed at the bank, exactly as a successful sync does;
//!   `x-has-new-data`, and `has_new_data` in the `account_updated`, say whether anything
//!   changed.
//! - A job that fails on an MFA account marks the session expired and fires
//!   `reauthorisation_required` last, as a manual sync answering `REAUTHORISATION_REQUIRED`
//!   does (documented for sync): the docs say the business must re-authorise, and that
//!   webhook is how every guide-following receiver hears it. A failure on an account without
//!   MFA (only by fault) reports `sync_status: FAILED` and needs no re-authorisation.
//! - The answer is HTTP 200 with the data Mono holds in every state: the job's outcome is
//!   in the headers and the webhooks, not in the status code (as with sync codes).

use crate::lifecycle::{Emit, LifecycleError};
use crate::scheduler::Task;
use crate::sim::Sim;
use crate::webhooks::event::{self, SyncReport};
use crate::world::{Job, JobKind, JobStatus, ObjectId, RealtimeData};

/// Why a realtime job could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("no account {0}")]
    NoSuchAccount(ObjectId),
    #[error("account {0} is not linked")]
    NotLinked(ObjectId),
    /// A webhook the job's end fires could not be built.
    #[error("{0}")]
    Lifecycle(#[from] LifecycleError),
}

impl Sim {
    /// Starts a realtime job fetching `data` of `account` (an app's `x-realtime: true`
    /// request, or a scenario's `realtime` step acting for the app) and returns it as it is
    /// now: `processing`, or already ended when it takes no time. Uses up the account's next
    /// `realtime_fails` / `realtime_slow` faults
    /// ([`crate::faults::FaultKind::RealtimeFails`], [`crate::faults::FaultKind::RealtimeSlow`]).
    pub fn start_realtime_job(
        &self,
        account: &ObjectId,
        data: RealtimeData,
    ) -> Result<Job, JobError> {
        let found = self
            .world
            .account(account)
            .ok_or(JobError::NoSuchAccount(*account))?;
        if !found.is_linked() {
            return Err(JobError::NotLinked(*account));
        }
        let (fails, slow) = self.faults.take_for_realtime(*account);
        // Mono knows an expired session before it calls the bank: no fetch to wait for.
        let duration = if found.session_expired {
            0
        } else {
            self.data_delay.max(0)
        } + slow;
        let job = self.world.start_job(*account, JobKind::Realtime { data });
        let ends_at = self.clock.now().plus(duration);
        self.world.update_job(&job.id, |j| {
            j.ends_at = ends_at;
            j.reauth_required = fails;
        });
        if duration == 0 {
            self.end_job(&job.id);
        } else {
            self.scheduler
                .schedule(ends_at, Task::JobEnds(job.id.clone()));
        }
        Ok(self.world.job(&job.id).unwrap_or(job))
    }

    /// Ends realtime job `job_id` (due at its `ends_at`): `finished` with the data
    /// retrieved, or `failed` when the bank wants the user to log in again; fires
    /// `mono.accounts.jobs.update`, then `account_updated` with the sync status and the job
    /// id, then `reauthorisation_required` after a failure that needs it. A job that already ended, or whose account was unlinked meanwhile, fires
    /// nothing (Mono sends nothing about unlinked accounts).
    pub fn end_job(&self, job_id: &str) {
        if let Err(error) = self.try_end_job(job_id) {
            tracing::warn!(job = job_id, %error, "realtime job could not fire its webhooks");
        }
    }

    fn try_end_job(&self, job_id: &str) -> Result<(), JobError> {
        let Some(job) = self.world.job(job_id) else {
            return Ok(()); // forgotten by a reset
        };
        let JobKind::Realtime { data } = job.kind else {
            return Ok(());
        };
        if job.status != JobStatus::Processing {
            return Ok(());
        }
        let account = match self.world.account(&job.account) {
            Some(account) if account.is_linked() => account,
            _ => {
                self.world
                    .update_job(job_id, |j| j.status = JobStatus::Failed);
                return Ok(());
            }
        };
        let failed = job.reauth_required || account.session_expired;
        let reauth = failed && account.has_mfa();
        let status = if failed {
            if reauth {
                self.world.update(&account.id, |a| a.session_expired = true);
            }
            self.world.update_job(job_id, |j| {
                j.status = JobStatus::Failed;
                j.reauth_required = reauth;
            });
            JobStatus::Failed
        } else {
            let has_new_data = self.world.retrieve_data(&account.id);
            self.world.update_job(job_id, |j| {
                j.status = JobStatus::Finished;
                j.has_new_data = has_new_data;
            });
            JobStatus::Finished
        };
        let account = self.world.account(&account.id).unwrap_or(account);
        let report = SyncReport {
            job_id: Some(job_id.to_string()),
            job: Some((data.job_name(), status.as_str())),
            ..SyncReport::default()
        };
        self.emit(
            event::JOBS_UPDATE,
            &account,
            Emit {
                sync: report,
                ..Emit::default()
            },
        )?;
        let sync_status = match (status, reauth) {
            (JobStatus::Finished, _) => "SUCCESSFUL",
            (_, true) => "REAUTHORISATION_REQUIRED",
            _ => "FAILED",
        };
        let has_new_data = self.world.job(job_id).is_some_and(|j| j.has_new_data);
        self.emit(
            event::ACCOUNT_UPDATED,
            &account,
            Emit {
                sync: SyncReport {
                    sync_status: Some(sync_status),
                    job_id: Some(job_id.to_string()),
                    has_new_data,
                    job: None,
                },
                ..Emit::default()
            },
        )?;
        if reauth {
            self.emit(event::REAUTHORISATION_REQUIRED, &account, Emit::default())?;
        }
        Ok(())
    }
}
