//! Expectations in words, for the library's docs (`docs/library.md`'s table of every
//! assertion) and anyone listing what a scenario checks.

use serde_json::Value as Json;

use super::{CallPattern, Issued, Matcher, StepKind};

impl StepKind {
    /// What an expectation checks, in a line; `None` for steps that check nothing.
    pub fn describe(&self) -> Option<String> {
        Some(match self {
            StepKind::ExpectRequest(e) => {
                let call = match &e.call {
                    CallPattern::Intent(intent) => format!("{} request", intent.as_str()),
                    CallPattern::Route { method, path } => format!("`{method} {path}`"),
                };
                let about = e
                    .account
                    .as_deref()
                    .map(|a| format!(" for {a}"))
                    .unwrap_or_default();
                format!(
                    "{call}{about}{}: {}",
                    e.since.describe(),
                    e.count.describe()
                )
            }
            StepKind::ExpectDelivery(e) => {
                let mut answer = Vec::new();
                if let Some(status) = e.status {
                    answer.push(format!("status {}", status.describe()));
                }
                if let Some(outcome) = e.outcome {
                    answer.push(outcome.as_str().to_string());
                }
                format!(
                    "answer to `{}` for {}: {}",
                    e.event,
                    e.account,
                    answer.join(", ")
                )
            }
            StepKind::ExpectState(e) => e
                .accounts
                .iter()
                .map(|account| {
                    let fields: Vec<String> = account
                        .fields
                        .iter()
                        .map(|f| format!("{} {}", f.field, f.matcher.describe()))
                        .collect();
                    format!("{}: {}", account.alias, fields.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => return None,
        })
    }
}

impl Matcher {
    /// `= true`, `≠ AVAILABLE`, `is the latest token issued`, …
    pub fn describe(&self) -> String {
        let shown = |v: &Json| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        match self {
            Matcher::Equals(v) => format!("= {}", shown(v)),
            Matcher::Not(v) => format!("≠ {}", shown(v)),
            Matcher::OneOf(vs) => format!(
                "∈ {{{}}}",
                vs.iter().map(shown).collect::<Vec<_>>().join(", ")
            ),
            Matcher::Present(true) => "is set".into(),
            Matcher::Present(false) => "is absent or null".into(),
            Matcher::Greater(x) => format!("> {x}"),
            Matcher::Less(x) => format!("< {x}"),
            Matcher::Contains(t) => format!("contains {t:?}"),
            Matcher::Matches(r) => format!("matches /{}/", r.as_str()),
            Matcher::Issued(Issued::Latest) => "is the latest token issued".into(),
            Matcher::Issued(Issued::Any) => "is a token issued".into(),
        }
    }
}
