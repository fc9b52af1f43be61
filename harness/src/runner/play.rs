//! One scenario, step by step, on its own simulated Mono: the dispatch of each step to the
//! simulator (actions) or to a check ([`super::expect`], [`super::capture`]).
//!
//! Steps read in order because every step that sends something waits for the dispatcher to
//! settle before the next begins; time moves only when a step moves it (the scenario's
//! clock is frozen), so a 48-hour retry schedule takes milliseconds.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use monosim_simulator::lifecycle::{Emit, LinkOptions, MfaAnswer, ReauthOutcome};
use monosim_simulator::sim::Sim;
use monosim_simulator::world::ObjectId;
use serde_json::Value;

use super::problem::Problem;
use super::{Context, Failure, ScenarioResult, SnapshotResult, Status};
use crate::scenario::{ReauthBy, Scenario, Step, StepKind, WidgetOutcome};
use crate::snapshot::Check;

pub(super) async fn run_scenario(
    context: &Context,
    path: &Path,
    scenario: &Scenario,
    seed: u64,
) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        file: scenario.file.clone(),
        description: scenario.description.clone(),
        status: Status::Passed,
        failure: None,
        snapshots: Vec::new(),
        duration_ms: 0,
    };
    let whole = |message: String| Failure {
        step: 0,
        step_text: String::new(),
        location: scenario.file.clone(),
        message,
        expected: None,
        actual: None,
        context: Vec::new(),
        why: None,
    };
    let sim = match context
        .simulator
        .add_tenant(seed, context.id_salt, super::scenario_start())
    {
        Ok(sim) => sim,
        Err(e) => {
            result.status = Status::Failed;
            result.failure = Some(whole(format!(
                "cannot create the scenario's simulator: {e}"
            )));
            return result;
        }
    };
    let mut run = Run {
        context,
        sim: sim.clone(),
        scenario,
        path,
        ids: HashMap::new(),
        deliveries_seen: 0,
        requests_seen: 0,
        snapshots: Vec::new(),
        current: None,
        previous_step_began: 0,
        step_began: 0,
    };
    let outcome = tokio::time::timeout(context.config.scenario_timeout, run.all_steps()).await;
    context.simulator.tenants().remove(&sim);
    result.snapshots = std::mem::take(&mut run.snapshots);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => {
            result.status = Status::Failed;
            result.failure = Some(*failure);
        }
        Err(_) => {
            result.status = Status::Failed;
            let message = format!(
                "the scenario did not finish within {:?} (timeouts.scenario)",
                context.config.scenario_timeout
            );
            // Name the step that was running when time ran out.
            result.failure = Some(match run.current {
                Some(i) => run.failure(i, Problem::new(message)),
                None => whole(message),
            });
        }
    }
    if result.status == Status::Passed
        && result
            .snapshots
            .iter()
            .any(|s| matches!(s.check, Check::New { .. }))
    {
        // Passed, with snapshots to review (local runs only: under CI nothing is written,
        // and a snapshot never accepted is reported, not failed — see `crate::snapshot`).
        result.status = Status::Pending;
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

/// A scenario being played.
pub(super) struct Run<'a> {
    pub context: &'a Context,
    pub sim: Arc<Sim>,
    pub scenario: &'a Scenario,
    pub path: &'a Path,
    /// Alias → the account id this run gave it.
    pub ids: HashMap<String, ObjectId>,
    /// Delivery and request log positions at the last snapshot.
    pub deliveries_seen: u64,
    pub requests_seen: u64,
    pub snapshots: Vec<SnapshotResult>,
    /// The step running now (index into the scenario's steps).
    pub current: Option<usize>,
    /// The request log's position when the step before the running one began
    /// (`since: previous_step`), and when the running one began.
    pub previous_step_began: u64,
    pub step_began: u64,
}

impl Run<'_> {
    async fn all_steps(&mut self) -> Result<(), Box<Failure>> {
        for (i, step) in self.scenario.steps.iter().enumerate() {
            if !self.context.profile.runs(step.profile) {
                continue;
            }
            self.current = Some(i);
            self.previous_step_began = self.step_began;
            self.step_began = self.sim.requests.last_seq();
            if let Err(problem) = self.step(step).await {
                return Err(Box::new(self.failure(i, problem)));
            }
        }
        self.current = None;
        Ok(())
    }

    /// A problem at step `i`, located, with the reason the expectation holds.
    fn failure(&self, i: usize, problem: Problem) -> Failure {
        let step = &self.scenario.steps[i];
        Failure {
            step: i + 1,
            step_text: step.text.clone(),
            location: format!("{}:{}", step.file, step.line),
            message: problem.message,
            expected: problem.expected,
            actual: problem.actual,
            context: problem.context,
            why: step.why.clone().or_else(|| {
                let expectation =
                    step.kind.only_checks() && !matches!(step.kind, StepKind::Snapshot { .. });
                expectation.then(|| self.scenario.why.clone()).flatten()
            }),
        }
    }

    pub(super) fn id(&self, alias: &str) -> Result<ObjectId, Problem> {
        self.ids.get(alias).copied().ok_or_else(|| {
            Problem::new(format!(
                "account `{alias}` is not linked yet: add `- link: {alias}` before this step"
            ))
        })
    }

    /// Fills the placeholders of a text: `{ada}` → id, `{ada.token}` → latest token,
    /// `{ada.code}` → Connect code, `{ada.balance}` → the balance Mono serves now,
    /// `{sim.url}` → the simulator's base URL.
    pub(super) fn fill(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_string();
        }
        let mut out = text.replace("{sim.url}", &self.context.sim_url);
        for (alias, id) in &self.ids {
            let account = self.sim.world.account(id);
            if let Some(account) = &account {
                let token = account.token.as_ref().map(|t| t.value.clone());
                out = out
                    .replace(
                        &format!("{{{alias}.token}}"),
                        token.as_deref().unwrap_or("(no token issued)"),
                    )
                    .replace(&format!("{{{alias}.code}}"), &account.code)
                    .replace(
                        &format!("{{{alias}.balance}}"),
                        &account.balance.to_string(),
                    );
            }
            out = out.replace(&format!("{{{alias}}}"), &id.to_string());
        }
        out
    }

    pub(super) fn fill_json(&self, value: &Value) -> Value {
        match value {
            // A placeholder that is the whole value keeps the balance a number.
            Value::String(s) if s.ends_with(".balance}") && s.starts_with('{') => {
                let filled = self.fill(s);
                filled
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(filled))
            }
            Value::String(s) => Value::String(self.fill(s)),
            Value::Array(items) => items.iter().map(|v| self.fill_json(v)).collect(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), self.fill_json(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            other => other.clone(),
        }
    }

    /// Waits until no webhook is in flight or due.
    pub(super) async fn settle(&self) -> Result<(), Problem> {
        if self.sim.wait_idle(self.context.config.step_timeout).await {
            return Ok(());
        }
        let mut problem = Problem::new(format!(
            "webhooks were still being delivered after {:?} (timeouts.step): the receiver is not answering",
            self.context.config.step_timeout
        ));
        problem.context = self.delivery_lines(None);
        Err(problem)
    }

    /// Waits until the receiver has made no call to the simulator for `quiet` (wall time),
    /// at most `timeouts.step`. Watching the request log: a receiver working after it
    /// answered has nothing else to show.
    async fn quiet(&self, quiet: Duration) -> Result<(), Problem> {
        let deadline = Instant::now() + self.context.config.step_timeout;
        let mut seen = self.sim.requests.last_seq();
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            if Instant::now() >= deadline {
                let mut problem = Problem::new(format!(
                    "the receiver kept calling the simulator for {:?} (timeouts.step) without a quiet {quiet:?}",
                    self.context.config.step_timeout
                ));
                problem.context = self.request_lines();
                return Err(problem);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = self.sim.requests.last_seq();
            if now != seen {
                (seen, since) = (now, Instant::now());
            }
        }
        Ok(())
    }

    async fn advance(&self, by: i64) -> Result<(), Problem> {
        self.settle().await?;
        let to = self.sim.clock.now().plus(by);
        // An advance runs every retry on the way; each attempt is bounded by the delivery
        // timeout, the whole by the scenario timeout around us.
        self.sim.advance_to(to).await;
        self.settle().await
    }

    async fn step(&mut self, step: &Step) -> Result<(), Problem> {
        let refused = |e: monosim_simulator::lifecycle::LifecycleError| Problem::new(e.to_string());
        match &step.kind {
            StepKind::Link {
                account,
                data_status,
                data_delay,
            } => {
                let decl = self
                    .scenario
                    .accounts
                    .iter()
                    .find(|a| &a.alias == account)
                    .ok_or_else(|| Problem::new(format!("no account `{account}`")))?;
                let delay = data_delay.unwrap_or(self.sim.data_delay);
                let options = LinkOptions {
                    data_status: data_status.or(decl.data_status),
                    data_delay: Some(delay),
                };
                let id = match self.ids.get(account) {
                    Some(id) => {
                        self.sim.link(id, options).map_err(refused)?;
                        *id
                    }
                    None => self
                        .sim
                        .create_account(decl.spec.clone(), Some(options))
                        .map_err(refused)?,
                };
                self.ids.insert(account.clone(), id);
                self.advance(delay).await
            }
            StepKind::SessionExpires { account } => {
                self.sim
                    .expire_session(&self.id(account)?)
                    .map_err(refused)?;
                self.settle().await
            }
            StepKind::Fire {
                event,
                account,
                set,
                delay,
            } => {
                let id = self.id(account)?;
                let snapshot = self
                    .sim
                    .world
                    .account(&id)
                    .ok_or_else(|| Problem::new(format!("account `{account}` is gone")))?;
                let overrides = set
                    .iter()
                    .map(|(path, value)| (path.clone(), self.fill_json(value).to_string()))
                    .collect();
                self.sim
                    .emit(
                        event,
                        &snapshot,
                        Emit {
                            overrides,
                            delay: delay.unwrap_or(0),
                            ..Emit::default()
                        },
                    )
                    .map_err(refused)?;
                self.settle().await
            }
            StepKind::WidgetReauth {
                account,
                outcome,
                by: ReauthBy::Token,
                data_status,
            } => self.widget(account, *outcome, *data_status).await,
            StepKind::WidgetReauth {
                account,
                outcome,
                by: ReauthBy::Account,
                data_status,
            } => {
                self.widget_by_account(account, *outcome, *data_status)
                    .await
            }
            StepKind::Sync { account, failure } => {
                let id = self.id(account)?;
                if let Some(code) = failure {
                    let mut rule = monosim_simulator::faults::FaultRule::from_json(
                        serde_json::json!({"kind": "sync_code", "code": code}),
                    )
                    .map_err(Problem::new)?;
                    rule.account = Some(id);
                    self.sim.faults.add(rule);
                }
                self.sim.auto_sync_now(&id).map_err(refused)?;
                self.settle().await
            }
            StepKind::Unlink { account } => {
                self.sim.unlink(&self.id(account)?).map_err(refused)?;
                self.settle().await
            }
            StepKind::Realtime { account, data } => {
                // Straight to the simulated Mono, not over HTTP: the app's request is not one
                // of the receiver's, so it must stay out of the request log.
                let job = self
                    .sim
                    .start_realtime_job(&self.id(account)?, *data)
                    .map_err(|e| Problem::new(e.to_string()))?;
                let left = job.ends_at.millis() - self.sim.clock.now().millis();
                if left > 0 {
                    self.advance(left).await
                } else {
                    self.settle().await
                }
            }
            StepKind::BankBalance { account, balance } => {
                self.sim
                    .world
                    .set_bank_balance(&self.id(account)?, *balance)
                    .map_err(|e| Problem::new(e.to_string()))?;
                Ok(())
            }
            StepKind::Advance { by } => self.advance(*by).await,
            StepKind::Fault { rule, account } => {
                let mut rule = rule.clone();
                rule.account = account.as_deref().map(|a| self.id(a)).transpose()?;
                self.sim.faults.add(rule);
                Ok(())
            }
            StepKind::WaitIdle { quiet: None } => self.settle().await,
            StepKind::WaitIdle { quiet: Some(quiet) } => {
                self.settle().await?;
                self.quiet(Duration::from_millis((*quiet).max(0) as u64))
                    .await?;
                self.settle().await
            }
            StepKind::ExpectRequest(expectation) => self.expect_request(expectation).await,
            StepKind::ExpectDelivery(expectation) => self.expect_delivery(expectation),
            StepKind::ExpectState(expectation) => self.expect_state(expectation).await,
            StepKind::Snapshot { name } => self.snapshot(name).await,
        }
    }

    /// The user opens the widget with the account's latest token and does `outcome`.
    async fn widget(
        &mut self,
        account: &str,
        outcome: WidgetOutcome,
        data_status: Option<monosim_simulator::world::DataStatus>,
    ) -> Result<(), Problem> {
        let id = self.id(account)?;
        let token = self.sim.world.account(&id).and_then(|a| a.token);
        let Some(token) = token else {
            let mut problem = Problem::new(format!(
                "the user cannot re-authenticate `{account}`: no re-auth token was ever issued for it — the receiver never asked Mono for one (POST /accounts/:id/reauthorise, or POST /v2/accounts/initiate with scope reauth)"
            ));
            problem.context = self.delivery_lines(Some(id));
            problem.context.extend(self.request_lines());
            return Err(problem);
        };
        let answer = match outcome {
            WidgetOutcome::Correct | WidgetOutcome::Reused => MfaAnswer::Correct,
            WidgetOutcome::Wrong => MfaAnswer::Wrong,
            WidgetOutcome::Abandon => MfaAnswer::Abandon,
            // The user comes back after the token's 10 minutes, and answers right.
            WidgetOutcome::Expired => MfaAnswer::Correct,
        };
        if outcome == WidgetOutcome::Expired {
            self.advance(monosim_simulator::world::TOKEN_LIFETIME)
                .await?;
        }
        if outcome == WidgetOutcome::Reused && !token.used {
            return Err(Problem::new(format!(
                "`reused` replays a token the user already used, but `{account}`'s latest token is unused: re-authorise first"
            )));
        }
        let result = self.sim.reauthorise_with(&token.value, answer, data_status);
        self.widget_done(account, outcome, result).await
    }

    /// The user opens the widget by account id (connect.js 2.1+) and does `outcome`:
    /// nothing is asked of the receiver first, and no token is used.
    async fn widget_by_account(
        &mut self,
        account: &str,
        outcome: WidgetOutcome,
        data_status: Option<monosim_simulator::world::DataStatus>,
    ) -> Result<(), Problem> {
        let id = self.id(account)?;
        let answer = match outcome {
            WidgetOutcome::Correct => MfaAnswer::Correct,
            WidgetOutcome::Wrong => MfaAnswer::Wrong,
            WidgetOutcome::Abandon => MfaAnswer::Abandon,
            // The parser lets only token outcomes name these.
            WidgetOutcome::Expired | WidgetOutcome::Reused => {
                return Err(Problem::new(format!(
                    "`mfa: {}` needs a token; `{account}` was opened by account id",
                    outcome.as_str()
                )))
            }
        };
        tracing::debug!(%account, answer = outcome.as_str(), "widget re-auth by account id");
        match self.sim.reauthorise_account(&id, answer, data_status) {
            Err(e) => {
                let mut problem = Problem::new(format!(
                    "the widget refused to re-authorise `{account}` by account id: {e}"
                ));
                problem.context = self.delivery_lines(Some(id));
                Err(problem)
            }
            result => self.widget_done(account, outcome, result).await,
        }
    }

    /// Waits for what the widget's `result` set going, or says why it was not what the
    /// step expected.
    async fn widget_done(
        &mut self,
        account: &str,
        outcome: WidgetOutcome,
        result: Result<ReauthOutcome, monosim_simulator::lifecycle::LifecycleError>,
    ) -> Result<(), Problem> {
        match (outcome, result) {
            (WidgetOutcome::Correct, Ok(ReauthOutcome::Reauthorised { .. })) => {
                self.advance(self.sim.data_delay).await
            }
            (WidgetOutcome::Correct, Err(e)) => {
                let mut problem = Problem::new(format!(
                    "the widget refused `{account}`'s latest token: {e}. The receiver should hold a fresh token when the user re-authenticates"
                ));
                problem.context = self.request_lines();
                Err(problem)
            }
            (WidgetOutcome::Wrong, Ok(ReauthOutcome::WrongAnswer))
            | (WidgetOutcome::Abandon, Ok(ReauthOutcome::Abandoned))
            | (WidgetOutcome::Expired | WidgetOutcome::Reused, Err(_)) => self.settle().await,
            (_, result) => Err(Problem::new(format!(
                "unexpected widget outcome for `{}`: {result:?}",
                outcome.as_str()
            ))),
        }
    }
}
