//! The `snapshot` step: what the receiver shows, captured so that two correct receivers
//! capture the same thing — its canonical fields (never its raw JSON), the deliveries and
//! its answers, and its calls to Mono by intent (never their paths). Volatile values read
//! as names: ids `{ada}`, tokens `[token:ada#1]`, the simulator `{sim.url}`.

use serde_json::{json, Value};

use super::play::Run;
use super::problem::Problem;
use super::redact::Redactions;
use super::SnapshotResult;
use crate::snapshot::Check;

impl Run<'_> {
    /// The names volatile values of this run read as.
    pub(super) fn redactions(&self) -> Redactions {
        let mut redactions = Redactions::new(&self.context.config.redact);
        redactions.add(&self.context.sim_url, "{sim.url}".into());
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
        redactions
    }

    pub(super) async fn snapshot(&mut self, name: &str) -> Result<(), Problem> {
        self.settle().await?;
        let redactions = self.redactions();
        let mut aliases: Vec<&String> = self.ids.keys().collect();
        aliases.sort();
        let mut accounts = serde_json::Map::new();
        for alias in aliases {
            let state = self.probe(alias).await?;
            let mut fields = serde_json::Map::new();
            for (field, source) in &self.context.config.fields {
                let value = source.read(&state).unwrap_or(Value::Null);
                let value = if redactions.hides(field) {
                    Value::String("[redacted]".into())
                } else {
                    redactions.value(&value)
                };
                fields.insert(field.clone(), value);
            }
            accounts.insert(alias.clone(), Value::Object(fields));
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
                        .unwrap_or_else(|| d.outcome.as_str().to_string())
                ))
            })
            .collect();
        // Calls by intent, each (intent, account, status) once in the order first seen: one
        // receiver reads an account's details, another its balance and transactions, and
        // both have read its data.
        let mut calls: Vec<Value> = Vec::new();
        for r in self.sim.requests.since(self.requests_seen, |_| true) {
            let Some(intent) = r.intent else { continue };
            let line = json!(format!(
                "{} {} → {}",
                intent.as_str(),
                redactions.text(&r.account.map(|a| a.to_string()).unwrap_or_default()),
                r.status
            ));
            if !calls.contains(&line) {
                calls.push(line);
            }
        }
        self.deliveries_seen = self.sim.webhooks.log.last_seq();
        self.requests_seen = self.sim.requests.last_seq();
        let document = json!({ "accounts": accounts, "webhooks": deliveries, "calls": calls });
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
}
