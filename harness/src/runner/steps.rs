//! One scenario, step by step, on its own simulated Mono.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use monosim_simulator::faults::{FaultRule, SyncCode};
use monosim_simulator::lifecycle::{Emit, LinkOptions, MfaAnswer, ReauthOutcome};
use monosim_simulator::sim::Sim;
use monosim_simulator::world::{institutions, AccountSpec, DataStatus, Dialect, ObjectId};
use serde_json::{json, Value};

use super::redact::Redactions;
use super::{probe, Context, Failure, ScenarioResult, SnapshotResult, Status};
use crate::scenario::{Matcher, Scenario, Step, StepKind};
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
    let sim = match context
        .simulator
        .add_tenant(seed, context.id_salt, super::scenario_start())
    {
        Ok(sim) => sim,
        Err(e) => {
            result.status = Status::Failed;
            result.failure = Some(Failure {
                step: 0,
                step_text: String::new(),
                location: scenario.file.clone(),
                message: format!("cannot create the scenario's simulator: {e}"),
                expected: None,
                actual: None,
                context: Vec::new(),
            });
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
            result.failure = Some(Failure {
                step: 0,
                step_text: String::new(),
                location: scenario.file.clone(),
                message: format!(
                    "the scenario did not finish within {:?} (timeouts.scenario)",
                    context.config.scenario_timeout
                ),
                expected: None,
                actual: None,
                context: Vec::new(),
            });
        }
    }
    if result.status == Status::Passed
        && result
            .snapshots
            .iter()
            .any(|s| matches!(s.check, Check::New { .. }))
    {
        result.status = if context.store.ci {
            Status::Failed
        } else {
            Status::Pending
        };
        if context.store.ci {
            let names: Vec<&str> = result
                .snapshots
                .iter()
                .filter(|s| matches!(s.check, Check::New { .. }))
                .map(|s| s.name.as_str())
                .collect();
            result.failure = Some(Failure {
                step: 0,
                step_text: String::new(),
                location: scenario.file.clone(),
                message: format!(
                    "snapshot(s) {} have never been accepted; run `monosim run --accept` (or `monosim review`) locally and commit them",
                    names.join(", ")
                ),
                expected: None,
                actual: None,
                context: Vec::new(),
            });
        }
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

struct Run<'a> {
    context: &'a Context,
    sim: Arc<Sim>,
    scenario: &'a Scenario,
    path: &'a Path,
    ids: HashMap<String, ObjectId>,
    /// Delivery log position at the last snapshot.
    deliveries_seen: u64,
    requests_seen: u64,
    snapshots: Vec<SnapshotResult>,
}

/// A failure in progress: the step fills in where.
struct Problem {
    message: String,
    expected: Option<String>,
    actual: Option<String>,
    context: Vec<String>,
}

impl Problem {
    fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            expected: None,
            actual: None,
            context: Vec::new(),
        }
    }
}

impl Run<'_> {
    async fn all_steps(&mut self) -> Result<(), Box<Failure>> {
        for (i, step) in self.scenario.steps.iter().enumerate() {
            if let Err(problem) = self.step(step).await {
                return Err(Box::new(Failure {
                    step: i + 1,
                    step_text: step.text.clone(),
                    location: format!("{}:{}", step.file, step.line),
                    message: problem.message,
                    expected: problem.expected,
                    actual: problem.actual,
                    context: problem.context,
                }));
            }
        }
        Ok(())
    }

    fn id(&self, alias: &str) -> Result<ObjectId, Problem> {
        self.ids.get(alias).copied().ok_or_else(|| {
            Problem::new(format!(
                "account `{alias}` is not linked yet: add `- link: {alias}` before this step"
            ))
        })
    }

    /// `{ada}` → id, `{ada.token}` → latest token, `{ada.code}` → Connect code.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (alias, id) in &self.ids {
            let account = self.sim.world.account(id);
            let token = account
                .as_ref()
                .and_then(|a| a.token.as_ref().map(|t| t.value.clone()));
            out = out.replace(
                &format!("{{{alias}.token}}"),
                token.as_deref().unwrap_or("(no token issued)"),
            );
            if let Some(account) = &account {
                out = out.replace(&format!("{{{alias}.code}}"), &account.code);
            }
            out = out.replace(&format!("{{{alias}}}"), &id.to_string());
        }
        out
    }

    fn fill_json(&self, value: &Value) -> Value {
        match value {
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
    async fn settle(&self) -> Result<(), Problem> {
        if self.sim.wait_idle(self.context.config.step_timeout).await {
            return Ok(());
        }
        let mut problem = Problem::new(format!(
            "webhooks were still being delivered after {:?} (timeouts.step): the receiver is not answering",
            self.context.config.step_timeout
        ));
        problem.context = self.delivery_lines(0, None);
        Err(problem)
    }

    async fn advance(&self, by: i64) -> Result<(), Problem> {
        self.settle().await?;
        let to = self.sim.clock.now().plus(by);
        let advance = self.sim.advance_to(to);
        // An advance runs every retry on the way; each attempt is bounded by the delivery
        // timeout, the whole by the scenario timeout around us.
        advance.await;
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
                    .expect("checked when parsed");
                let status = data_status.as_deref().or(decl.data_status.as_deref());
                let spec =
                    AccountSpec {
                        institution: decl.institution.as_deref().and_then(institutions::find),
                        mfa: decl.mfa.as_deref().map(|m| {
                            serde_json::from_value(json!(m)).expect("checked when parsed")
                        }),
                        auth_method: decl.auth_method.as_deref().map(|m| {
                            serde_json::from_value(json!(m)).expect("checked when parsed")
                        }),
                        dialect: decl
                            .dialect
                            .as_deref()
                            .map(|d| d.parse::<Dialect>().expect("checked when parsed")),
                        balance: decl.balance,
                        transactions: decl.transactions,
                        name: decl.name.clone(),
                        ..AccountSpec::default()
                    };
                let status: Option<DataStatus> =
                    status.map(|s| serde_json::from_value(json!(s)).expect("checked when parsed"));
                let delay = data_delay.unwrap_or(self.sim.data_delay);
                let id = if let Some(id) = self.ids.get(account) {
                    let id = *id;
                    self.sim
                        .link(
                            &id,
                            LinkOptions {
                                data_status: status,
                                data_delay: Some(delay),
                            },
                        )
                        .map_err(refused)?;
                    id
                } else {
                    self.sim
                        .create_account(
                            spec,
                            Some(LinkOptions {
                                data_status: status,
                                data_delay: Some(delay),
                            }),
                        )
                        .map_err(refused)?
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
                let snapshot = self.sim.world.account(&id).expect("linked accounts exist");
                let overrides = set
                    .iter()
                    .map(|(path, value)| {
                        let value = self.fill_json(value);
                        (path.clone(), value.to_string())
                    })
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
            StepKind::WidgetReauth { account, mfa } => self.widget(account, mfa).await,
            StepKind::Sync { account, code } => {
                let id = self.id(account)?;
                if let Some(code) = code {
                    let code: SyncCode =
                        serde_json::from_value(json!(code)).expect("checked when parsed");
                    self.sim.faults.add(
                        FaultRule::from_json(
                            json!({"kind": "sync_code", "code": code, "account": id}),
                        )
                        .expect("a valid rule"),
                    );
                }
                self.sim.auto_sync_now(&id).map_err(refused)?;
                self.settle().await
            }
            StepKind::Unlink { account } => {
                self.sim.unlink(&self.id(account)?).map_err(refused)?;
                self.settle().await
            }
            StepKind::Advance { by } => self.advance(*by).await,
            StepKind::Fault { rule } => {
                let mut rule = rule.clone();
                if let Some(alias) = rule
                    .get("account")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                {
                    rule["account"] = json!(self.id(&alias)?.to_string());
                }
                let rule = FaultRule::from_json(rule)
                    .map_err(|e| Problem::new(format!("bad fault: {e}")))?;
                self.sim.faults.add(rule);
                Ok(())
            }
            StepKind::WaitIdle => self.settle().await,
            StepKind::ExpectRequest {
                method,
                path,
                within,
                times,
            } => self.expect_request(method, path, *within, *times).await,
            StepKind::ExpectDelivery {
                event,
                account,
                status,
                outcome,
            } => self.expect_delivery(event, account, *status, outcome.as_deref()),
            StepKind::ExpectState { accounts } => self.expect_state(accounts).await,
            StepKind::Snapshot { name } => self.snapshot(name).await,
        }
    }

    async fn widget(&mut self, account: &str, mfa: &str) -> Result<(), Problem> {
        let id = self.id(account)?;
        let state = self.sim.world.account(&id).expect("linked accounts exist");
        let Some(token) = state.token.as_deref().cloned() else {
            let mut problem = Problem::new(format!(
                "the user cannot re-authenticate `{account}`: no re-auth token was ever issued for it — the receiver never called POST /accounts/{id}/reauthorise (or /v2/accounts/initiate)"
            ));
            problem.context = self.request_lines(0);
            return Err(problem);
        };
        let answer = match mfa {
            "correct" | "reused" => MfaAnswer::Correct,
            "wrong" => MfaAnswer::Wrong,
            "abandon" => MfaAnswer::Abandon,
            _ => MfaAnswer::Correct,
        };
        if mfa == "expired" {
            // The user comes back after the token's 10 minutes.
            self.advance(monosim_simulator::world::TOKEN_LIFETIME)
                .await?;
        }
        if mfa == "reused" && !token.used {
            return Err(Problem::new(format!(
                "`reused` replays a token the user already used, but `{account}`'s latest token is unused: re-authorise first"
            )));
        }
        let result = self.sim.reauthorise(&token.value, answer);
        match (mfa, result) {
            ("correct", Ok(ReauthOutcome::Reauthorised { .. })) => self.advance(self.sim.data_delay).await,
            ("correct", Err(e)) => Err(Problem::new(format!(
                "the widget refused `{account}`'s latest token: {e}. The receiver should hold a fresh token when the user re-authenticates"
            ))),
            ("wrong", Ok(ReauthOutcome::WrongAnswer)) | ("abandon", Ok(ReauthOutcome::Abandoned)) => self.settle().await,
            ("expired" | "reused", Err(_)) => self.settle().await,
            (_, outcome) => Err(Problem::new(format!("unexpected widget outcome for `{mfa}`: {outcome:?}"))),
        }
    }

    async fn expect_request(
        &self,
        method: &str,
        path: &str,
        within: Option<i64>,
        times: Option<usize>,
    ) -> Result<(), Problem> {
        self.settle().await?;
        let path = self.fill(path);
        let count = || {
            self.sim
                .requests
                .since(0, |r| r.method == method && r.path == path)
                .len()
        };
        // "At least once" succeeds as soon as the call is seen (default window 2 s). An exact
        // count — including "never" — can only be judged once the window is over, since a
        // receiver may call after answering its webhook (default window 200 ms).
        let exact = times.is_some();
        let wait =
            Duration::from_millis(within.unwrap_or(if exact { 200 } else { 2_000 }).max(0) as u64);
        let deadline = Instant::now() + wait;
        let ok = |n: usize| match times {
            Some(expected) => n == expected,
            None => n >= 1,
        };
        let mut seen = count();
        while (exact || !ok(seen)) && Instant::now() < deadline {
            // Polling the log: the receiver's calls come in on its own schedule.
            tokio::time::sleep(Duration::from_millis(10)).await;
            seen = count();
        }
        if ok(seen) {
            return Ok(());
        }
        let wanted = match times {
            Some(0) => format!("no {method} {path}"),
            Some(n) => format!("{method} {path} exactly {n} time(s)"),
            None => format!("{method} {path} at least once within {wait:?}"),
        };
        let mut problem = Problem::new(match times {
            Some(0) => format!("the receiver called {method} {path}, which it must not"),
            _ => format!("the receiver did not call {method} {path} as expected"),
        });
        problem.expected = Some(wanted);
        problem.actual = Some(format!("{seen} call(s)"));
        // What the receiver was sent explains what it did (or did not) call.
        problem.context = self.delivery_lines(0, None);
        problem.context.extend(self.request_lines(0));
        Err(problem)
    }

    fn expect_delivery(
        &self,
        event: &str,
        account: &str,
        status: Option<u16>,
        outcome: Option<&str>,
    ) -> Result<(), Problem> {
        let id = self.id(account)?;
        let attempts = self
            .sim
            .webhooks
            .log
            .since(0, |r| &*r.event == event && r.account == Some(id));
        let Some(last) = attempts.last() else {
            let mut problem = Problem::new(format!("no {event} was delivered for `{account}`"));
            problem.context = self.delivery_lines(0, None);
            return Err(problem);
        };
        let actual_outcome = serde_json::to_value(last.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let status_ok = status.is_none_or(|s| last.status == Some(s));
        let outcome_ok = outcome.is_none_or(|o| o == actual_outcome);
        if status_ok && outcome_ok {
            return Ok(());
        }
        let mut problem = Problem::new(format!(
            "the receiver's answer to {event} for `{account}` differs"
        ));
        problem.expected = Some(format!(
            "status {}{}",
            status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "any".into()),
            outcome.map(|o| format!(", {o}")).unwrap_or_default()
        ));
        problem.actual = Some(format!(
            "status {}, {actual_outcome}{}",
            last.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none".into()),
            last.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
        problem.context = self.delivery_lines(0, Some(id));
        Err(problem)
    }

    async fn probe(&self, alias: &str) -> Result<Value, Problem> {
        let id = self.id(alias)?;
        probe::read(
            &self.context.config.state,
            &self.context.client,
            &id.to_string(),
        )
        .await
        .map_err(|e| {
            let mut problem = Problem::new(e);
            problem.context = self.delivery_lines(0, Some(id));
            problem
        })
    }

    async fn expect_state(
        &self,
        accounts: &[(String, Vec<(String, Matcher)>)],
    ) -> Result<(), Problem> {
        self.settle().await?;
        let mut expected_lines = Vec::new();
        let mut actual_lines = Vec::new();
        let mut wrong = Vec::new();
        for (alias, fields) in accounts {
            let state = self.probe(alias).await?;
            for (field, matcher) in fields {
                let path = self.context.config.field_path(field);
                let actual = probe::at_path(&state, path).cloned();
                let (ok, description) = self.matches(matcher, actual.as_ref());
                let shown = actual
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_else(|| "(absent)".into());
                let label = if path == field {
                    field.clone()
                } else {
                    format!("{field} ({path})")
                };
                // A field that matched shows the same on both sides, so the diff marks
                // only what differs.
                let actual_line = format!("{alias}.{label}: {shown}");
                if ok {
                    expected_lines.push(actual_line.clone());
                } else {
                    expected_lines.push(format!("{alias}.{label}: {description}"));
                    wrong.push(format!("{alias}.{label}"));
                }
                actual_lines.push(actual_line);
            }
            if !wrong.is_empty() && state.is_null() {
                actual_lines.push(format!("(the state probe found no record for `{alias}`)"));
            }
        }
        if wrong.is_empty() {
            return Ok(());
        }
        let mut problem = Problem::new(format!(
            "the receiver's state differs: {}",
            wrong.join(", ")
        ));
        problem.expected = Some(expected_lines.join("\n"));
        problem.actual = Some(actual_lines.join("\n"));
        problem.context = self.delivery_lines(0, None);
        Err(problem)
    }

    /// Whether `actual` satisfies `matcher`, and the expectation in words.
    fn matches(&self, matcher: &Matcher, actual: Option<&Value>) -> (bool, String) {
        let loose_eq = |want: &Value, got: Option<&Value>| -> bool {
            let want = self.fill_json(want);
            match (got, &want) {
                (None, Value::Null) => true,
                (Some(got), want) if got == want => true,
                // SQLite stores booleans as 0/1: accept them for true/false.
                (Some(Value::Number(n)), Value::Bool(b)) => n.as_i64() == Some(i64::from(*b)),
                (Some(Value::String(s)), Value::Number(n)) => s == &n.to_string(),
                (Some(Value::Number(n)), Value::String(s)) => s == &n.to_string(),
                _ => false,
            }
        };
        match matcher {
            Matcher::Equals(want) => (loose_eq(want, actual), self.fill_json(want).to_string()),
            Matcher::Not(want) => (
                !loose_eq(want, actual),
                format!("not {}", self.fill_json(want)),
            ),
            Matcher::OneOf(options) => (
                options.iter().any(|o| loose_eq(o, actual)),
                format!(
                    "one of {}",
                    Value::Array(options.iter().map(|o| self.fill_json(o)).collect())
                ),
            ),
            Matcher::Present(true) => (actual.is_some_and(|v| !v.is_null()), "present".into()),
            Matcher::Present(false) => (actual.is_none_or(Value::is_null), "absent or null".into()),
            Matcher::Greater(x) => (
                number(actual).is_some_and(|n| n > *x),
                format!("greater than {x}"),
            ),
            Matcher::Less(x) => (
                number(actual).is_some_and(|n| n < *x),
                format!("less than {x}"),
            ),
        }
    }

    async fn snapshot(&mut self, name: &str) -> Result<(), Problem> {
        self.settle().await?;
        let mut redactions = Redactions::new(&self.context.config.redact);
        for (alias, id) in &self.ids {
            redactions.add(&id.to_string(), format!("{{{alias}}}"));
            if let Some(account) = self.sim.world.account(id) {
                redactions.add(&account.code, format!("{{{alias}.code}}"));
                redactions.add(
                    &account.customer.to_string(),
                    format!("{{{alias}.customer}}"),
                );
            }
            for (n, token) in self.sim.world.tokens_of(id).iter().enumerate() {
                redactions.add(token, format!("[token:{alias}#{}]", n + 1));
            }
        }
        let mut aliases: Vec<&String> = self.ids.keys().collect();
        aliases.sort();
        let mut accounts = serde_json::Map::new();
        for alias in aliases {
            accounts.insert(alias.clone(), redactions.value(&self.probe(alias).await?));
        }
        let deliveries: Vec<Value> = self
            .sim
            .webhooks
            .log
            .since(self.deliveries_seen, |_| true)
            .iter()
            .map(|d| {
                json!(format!(
                    "{} {} attempt {} → {}",
                    d.event,
                    redactions.text(&d.account.map(|a| a.to_string()).unwrap_or_default()),
                    d.attempt,
                    d.status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| serde_json::to_value(d.outcome)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default())
                ))
            })
            .collect();
        let requests: Vec<Value> = self
            .sim
            .requests
            .since(self.requests_seen, |_| true)
            .iter()
            .map(|r| {
                json!(format!(
                    "{} {} → {}",
                    r.method,
                    redactions.text(&r.path),
                    r.status
                ))
            })
            .collect();
        self.deliveries_seen = self.sim.webhooks.log.last_seq();
        self.requests_seen = self.sim.requests.last_seq();
        let document = json!({ "accounts": accounts, "webhooks": deliveries, "calls": requests });
        let text = serde_saphyr::to_string(&document)
            .map_err(|e| Problem::new(format!("cannot write the snapshot: {e}")))?;
        let check = self
            .context
            .store
            .check(
                self.path,
                &self.scenario.file,
                &self.scenario.name,
                name,
                &text,
            )
            .map_err(Problem::new)?;
        let changed = match &check {
            Check::Changed { old, new, .. } => Some((old.clone(), new.clone())),
            _ => None,
        };
        self.snapshots.push(SnapshotResult {
            name: name.to_string(),
            check,
        });
        if let Some((old, new)) = changed {
            let mut problem = Problem::new(format!(
                "snapshot `{name}` changed{}",
                if self.context.store.ci {
                    ""
                } else {
                    "; the new one is pending: accept it with `monosim review` or `monosim run --accept`"
                }
            ));
            problem.expected = Some(old);
            problem.actual = Some(new);
            return Err(problem);
        }
        Ok(())
    }

    /// The delivery log, as lines, optionally for one account.
    fn delivery_lines(&self, after: u64, account: Option<ObjectId>) -> Vec<String> {
        let alias_of = |id: Option<ObjectId>| {
            id.and_then(|id| {
                self.ids
                    .iter()
                    .find(|(_, v)| **v == id)
                    .map(|(a, _)| a.clone())
            })
            .unwrap_or_else(|| "-".into())
        };
        let mut lines: Vec<String> = self
            .sim
            .webhooks
            .log
            .since(after, |r| account.is_none_or(|a| r.account == Some(a)))
            .iter()
            .map(|d| {
                format!(
                    "webhook {} for {} attempt {}: {}{}",
                    d.event,
                    alias_of(d.account),
                    d.attempt,
                    d.status
                        .map(|s| format!("HTTP {s}"))
                        .unwrap_or_else(|| "no answer".into()),
                    d.error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if lines.len() > 12 {
            lines.drain(..lines.len() - 12);
        }
        if lines.is_empty() {
            lines.push("no webhook was delivered yet".into());
        }
        lines
    }

    fn request_lines(&self, after: u64) -> Vec<String> {
        let mut lines: Vec<String> = self
            .sim
            .requests
            .since(after, |_| true)
            .iter()
            .map(|r| {
                // Ids read as the scenario's aliases: `/accounts/{ada}/reauthorise`.
                let path = self.ids.iter().fold(r.path.clone(), |path, (alias, id)| {
                    path.replace(&id.to_string(), &format!("{{{alias}}}"))
                });
                format!("the receiver called {} {path} → {}", r.method, r.status)
            })
            .collect();
        if lines.len() > 12 {
            lines.drain(..lines.len() - 12);
        }
        if lines.is_empty() {
            lines.push("the receiver made no call to the simulator".into());
        }
        lines
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
