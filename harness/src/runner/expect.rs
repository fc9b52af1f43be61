//! The checks: the receiver's calls to Mono (by intent or by route), its answers to
//! deliveries, and its state in canonical fields.
//!
//! Design: every check waits, bounded, for what it expects, because a correct receiver may
//! do its work after answering a webhook. A call expected "at least" is watched until it is
//! seen (2 s by default); a count with an upper bound is judged once its window is over
//! (200 ms by default); a state is probed again until it matches, for `timeouts.state`
//! (2 s by default). A receiver that does its work before answering — most — matches at
//! once, so the waits cost nothing when all is well.

use std::time::{Duration, Instant};

use monosim_simulator::request_log::RequestRecord;
use serde_json::Value;

use super::play::Run;
use super::probe;
use super::problem::Problem;
use crate::diagnostic::shorten;

/// The most of one stored value a failure shows, in characters.
const MAX_SHOWN: usize = 200;
use super::redact::Redactions;
use crate::scenario::{
    CallPattern, DeliveryExpectation, Issued, Matcher, RequestExpectation, Since, StateExpectation,
};

/// How often a check looks again while it waits.
const POLL: Duration = Duration::from_millis(10);

impl Run<'_> {
    pub(super) async fn expect_request(&self, e: &RequestExpectation) -> Result<(), Problem> {
        self.settle().await?;
        let account = e.account.as_deref().map(|a| self.id(a)).transpose()?;
        let route = match &e.call {
            CallPattern::Route { method, path } => Some((method.as_str(), self.fill(path))),
            CallPattern::Intent(_) => None,
        };
        let wanted = |r: &RequestRecord| {
            account.is_none_or(|a| r.account == Some(a))
                && match (&e.call, &route) {
                    (CallPattern::Intent(intent), _) => r.intent == Some(*intent),
                    (CallPattern::Route { .. }, Some((method, path))) => {
                        (*method == "*" || r.method == *method) && glob(path, &r.path)
                    }
                    _ => false,
                }
        };
        let after = match e.since {
            Since::Start => 0,
            Since::PreviousStep => self.previous_step_began,
        };
        let count = || self.sim.requests.since(after, wanted).len();
        // "At least" succeeds as soon as it is met; an upper bound — "never" included — can
        // only be judged once the window is over, since a receiver may call after answering.
        let bounded = e.count.is_bounded();
        let wait = Duration::from_millis(
            e.within.unwrap_or(if bounded { 200 } else { 2_000 }).max(0) as u64,
        );
        let deadline = Instant::now() + wait;
        let mut seen = count();
        while (bounded || !e.count.admits(seen)) && Instant::now() < deadline {
            // Polling the log: the receiver's calls come in on its own schedule.
            tokio::time::sleep(POLL).await;
            seen = count();
        }
        if e.count.admits(seen) {
            return Ok(());
        }
        let what = self.describe_call(e);
        let mut problem = Problem::new(if e.count.at_most == Some(0) {
            format!("the receiver made {what}, which it must not")
        } else if e.count.at_most.is_some_and(|most| seen > most) {
            format!("the receiver made {what} more often than expected")
        } else {
            format!("the receiver did not make {what} as expected")
        });
        problem.expected = Some(format!(
            "{what}{}: {}",
            e.since.describe(),
            e.count.describe()
        ));
        problem.actual = Some(format!("{what}: {seen} time(s) in {wait:?}"));
        // What the receiver was sent explains what it did (or did not) call.
        problem.context = self.delivery_lines(None);
        problem.context.extend(self.request_lines());
        Err(problem)
    }

    fn describe_call(&self, e: &RequestExpectation) -> String {
        let about = e
            .account
            .as_deref()
            .map(|a| format!(" for {a}"))
            .unwrap_or_default();
        match &e.call {
            CallPattern::Intent(intent) => format!(
                "{} request{about} ({})",
                intent.as_str(),
                match intent {
                    monosim_simulator::request_log::Intent::Token =>
                        "POST /accounts/:id/reauthorise, or POST /v2/accounts/initiate with scope reauth",
                    monosim_simulator::request_log::Intent::Data =>
                        "any GET of the account's data, v1 or v2",
                    monosim_simulator::request_log::Intent::Sync => "POST /accounts/:id/sync",
                    monosim_simulator::request_log::Intent::Unlink => "POST …/unlink",
                    monosim_simulator::request_log::Intent::Link =>
                        "a code exchange, or initiate with scope auth",
                }
            ),
            CallPattern::Route { method, path } => format!("the call {method} {path}{about}"),
        }
    }

    pub(super) fn expect_delivery(&self, e: &DeliveryExpectation) -> Result<(), Problem> {
        let id = self.id(&e.account)?;
        let attempts = self
            .sim
            .webhooks
            .log
            .since(0, |r| *r.event == *e.event && r.account == Some(id));
        let Some(last) = attempts.last() else {
            let mut problem =
                Problem::new(format!("no {} was delivered for `{}`", e.event, e.account));
            problem.context = self.delivery_lines(None);
            return Err(problem);
        };
        let status_ok = e.status.is_none_or(|s| s.admits(last.status));
        let outcome_ok = e.outcome.is_none_or(|o| o == last.outcome);
        if status_ok && outcome_ok {
            return Ok(());
        }
        let mut problem = Problem::new(format!(
            "the receiver's answer to {} for `{}` differs",
            e.event, e.account
        ));
        problem.expected = Some(format!(
            "status {}{}",
            e.status
                .map(|s| s.describe())
                .unwrap_or_else(|| "any".into()),
            e.outcome
                .map(|o| format!(", {}", o.as_str()))
                .unwrap_or_default()
        ));
        problem.actual = Some(format!(
            "status {}, {}{}",
            last.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none".into()),
            last.outcome.as_str(),
            last.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
        problem.context = self.delivery_lines(Some(id));
        Err(problem)
    }

    pub(super) async fn probe(&self, alias: &str) -> Result<Value, Problem> {
        let id = self.id(alias)?;
        probe::read(
            &self.context.config.state,
            &self.context.client,
            &id.to_string(),
            self.context.guardian.as_deref(),
        )
        .await
        .map_err(|e| {
            let mut problem = Problem::new(e);
            problem.context = self.delivery_lines(Some(id));
            problem
        })
    }

    pub(super) async fn expect_state(&self, e: &StateExpectation) -> Result<(), Problem> {
        self.settle().await?;
        let wait = e
            .within
            .map(|ms| Duration::from_millis(ms.max(0) as u64))
            .unwrap_or(self.context.config.state_timeout);
        let deadline = Instant::now() + wait;
        loop {
            let Some(mut problem) = self.judge_state(e).await? else {
                return Ok(());
            };
            if Instant::now() >= deadline {
                if !wait.is_zero() {
                    problem
                        .message
                        .push_str(&format!(" (still, after {wait:?})"));
                }
                return Err(problem);
            }
            // Probing again: a receiver may answer first and store after.
            tokio::time::sleep(POLL.max(wait / 40)).await;
        }
    }

    /// Probes every account once: `None` when every field matches, else what differs.
    async fn judge_state(&self, e: &StateExpectation) -> Result<Option<Problem>, Problem> {
        let redactions = self.redactions();
        let mut expected_lines = Vec::new();
        let mut actual_lines = Vec::new();
        let mut wrong = Vec::new();
        for account in &e.accounts {
            let alias = &account.alias;
            let state = self.probe(alias).await?;
            let mut wrong_here = false;
            for expectation in &account.fields {
                let field = &expectation.field;
                let (actual, label) = match self.context.config.field(field) {
                    Some(source) => (
                        source.read(&state),
                        format!("{field} ({})", source.describe()),
                    ),
                    // Scenarios are checked against the config's fields when read; this is
                    // a scenario built in code.
                    None => (
                        crate::config::at_path(&state, field).cloned(),
                        field.clone(),
                    ),
                };
                let (ok, description) =
                    self.matches(&expectation.matcher, actual.as_ref(), alias, &redactions);
                // The receiver wrote it, up to the probe's 1 MiB: cut, as any echo of it is.
                let shown = actual
                    .as_ref()
                    .map(|v| shorten(&redactions.value(v).to_string(), MAX_SHOWN))
                    .unwrap_or_else(|| "(absent)".into());
                // A field that matched shows the same on both sides, so the diff marks only
                // what differs.
                let actual_line = format!("{alias}.{label}: {shown}");
                if ok {
                    expected_lines.push(actual_line.clone());
                } else {
                    expected_lines.push(format!("{alias}.{label}: {description}"));
                    wrong.push(format!("{alias}.{field}"));
                    wrong_here = true;
                }
                actual_lines.push(actual_line);
            }
            if wrong_here && state.is_null() {
                actual_lines.push(format!("(the state probe found no record for `{alias}`)"));
            }
        }
        if wrong.is_empty() {
            return Ok(None);
        }
        let mut problem = Problem::new(format!(
            "the receiver's state differs: {}",
            wrong.join(", ")
        ));
        problem.expected = Some(expected_lines.join("\n"));
        problem.actual = Some(actual_lines.join("\n"));
        problem.context = self.delivery_lines(None);
        Ok(Some(problem))
    }

    /// Whether `actual` satisfies `matcher`, and the expectation in words (ids, tokens and
    /// the simulator's URL by name).
    fn matches(
        &self,
        matcher: &Matcher,
        actual: Option<&Value>,
        alias: &str,
        redactions: &Redactions,
    ) -> (bool, String) {
        let text = actual.and_then(Value::as_str);
        let shown = |value: &Value| redactions.value(value).to_string();
        match matcher {
            Matcher::Equals(want) => {
                let want = self.fill_json(want);
                (loose_eq(&want, actual), shown(&want))
            }
            Matcher::Not(want) => {
                let want = self.fill_json(want);
                (!loose_eq(&want, actual), format!("not {}", shown(&want)))
            }
            Matcher::OneOf(options) => {
                let options: Vec<Value> = options.iter().map(|o| self.fill_json(o)).collect();
                (
                    options.iter().any(|o| loose_eq(o, actual)),
                    format!(
                        "one of {}",
                        options.iter().map(&shown).collect::<Vec<_>>().join(", ")
                    ),
                )
            }
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
            Matcher::Contains(part) => {
                let part = self.fill(part);
                (
                    text.is_some_and(|t| t.contains(&part)),
                    format!("text containing {}", shown(&Value::String(part))),
                )
            }
            Matcher::Matches(pattern) => (
                text.is_some_and(|t| pattern.is_match(t)),
                format!("text matching /{}/", pattern.as_str()),
            ),
            Matcher::Issued(which) => {
                let Some(id) = self.ids.get(alias) else {
                    return (false, "a token (the account is not linked)".into());
                };
                let issued = self.sim.world.tokens_of(id);
                let (candidates, words) = match which {
                    Issued::Latest => (
                        issued.last().into_iter().collect::<Vec<_>>(),
                        "the latest re-auth token issued for",
                    ),
                    Issued::Any => (issued.iter().collect(), "a re-auth token issued for"),
                };
                let ok = text.is_some_and(|t| candidates.iter().any(|token| carries(t, token)));
                let named = match (which, issued.len()) {
                    (_, 0) => " (none was issued)".to_string(),
                    (Issued::Latest, n) => format!(" ([token:{alias}#{n}]), bare or in a mono_url"),
                    (Issued::Any, _) => ", bare or in a mono_url".to_string(),
                };
                (ok, format!("{words} {alias}{named}"))
            }
        }
    }
}

/// Equality as receivers store things: SQLite's 1/0 and `"true"` for booleans, numbers as
/// text, and `false` or `null` for a field that is not there at all (a receiver with no
/// record, or no such column, has not set a flag).
fn loose_eq(want: &Value, got: Option<&Value>) -> bool {
    match (got, want) {
        (None | Some(Value::Null), Value::Null | Value::Bool(false)) => true,
        (Some(got), want) if got == want => true,
        (Some(Value::Number(n)), Value::Bool(b)) => n.as_f64() == Some(f64::from(u8::from(*b))),
        (Some(Value::String(s)), Value::Bool(b)) => {
            s.eq_ignore_ascii_case(if *b { "true" } else { "false" })
        }
        (Some(Value::String(s)), Value::Number(n)) => s == &n.to_string(),
        (Some(Value::Number(n)), Value::String(s)) => s == &n.to_string(),
        (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Whether `text` is `token`, or carries it whole (a `mono_url` like `…/link/<token>?…`):
/// bounded by characters a token never has, so a longer token does not pass for it.
fn carries(text: &str, token: &str) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    text.match_indices(token).any(|(at, _)| {
        boundary(text[..at].chars().next_back())
            && boundary(text[at + token.len()..].chars().next())
    })
}

/// A path pattern: `*` matches within one segment, `**` across segments.
fn glob(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p {
            [] => s.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| go(rest, &s[i..])),
            [b'*', rest @ ..] => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(rest, &s[i..])),
            [c, rest @ ..] => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stored_values_compare_the_way_receivers_store_them() {
        assert!(loose_eq(&json!(true), Some(&json!(1))));
        assert!(loose_eq(&json!(false), Some(&json!(0))));
        assert!(loose_eq(&json!(true), Some(&json!("TRUE"))));
        assert!(loose_eq(&json!(false), None), "no record: not flagged");
        assert!(loose_eq(&json!(null), Some(&json!(null))));
        assert!(loose_eq(&json!(12), Some(&json!("12"))));
        assert!(loose_eq(&json!(12), Some(&json!(12.0))));
        assert!(!loose_eq(&json!(true), None));
        assert!(
            !loose_eq(&json!(0), None),
            "a balance of 0 is not no balance"
        );
        assert!(!loose_eq(&json!("AVAILABLE"), Some(&json!("PROCESSING"))));
    }

    #[test]
    fn a_token_is_found_bare_or_whole_inside_a_url() {
        let token = "VwxcfeLRZvq1UlD5WiuN";
        assert!(carries(token, token));
        assert!(carries(
            &format!("http://127.0.0.1:7410/link/{token}?redirect_url=x"),
            token
        ));
        assert!(!carries(&format!("{token}X"), token), "a longer token");
        assert!(!carries("VwxcfeLRZvq1UlD5Wiu", token));
    }

    #[test]
    fn globs_match_within_or_across_segments() {
        assert!(glob("/v2/accounts/*/balance", "/v2/accounts/abc/balance"));
        assert!(!glob("/v2/accounts/*/balance", "/v2/accounts/a/b/balance"));
        assert!(glob("/accounts/**", "/accounts/abc/statement/jobs/1"));
        assert!(glob("/accounts/abc", "/accounts/abc"));
        assert!(!glob("/accounts/abc", "/accounts/abcd"));
        assert!(glob("**/reauthorise", "/accounts/abc/reauthorise"));
    }
}
