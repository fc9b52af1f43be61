//! A recording, translated into a scenario file of the harness's language — the one place
//! where recorded actions become steps.
//!
//! The simulator cannot depend on the harness (the harness depends on it), so this writes
//! YAML text; `tests/recording.rs` parses every file it writes with the harness's parser
//! and plays it against reference receivers, so the two cannot drift apart unseen.
//!
//! # What the file asserts
//!
//! The file must pass against *any* correct receiver, not only the one it was recorded
//! against, so it asserts what the recorded receiver showed *and* every correct receiver
//! shares — the bundled library's rule ([`crate::webhooks::event::ALL`] are Mono's events):
//!
//! * `expect_delivery: … status: 2xx` for each webhook the receiver acknowledged: Mono
//!   documents a 2xx as the receipt of every webhook.
//! * `expect_state` in the canonical fields, from the lifecycle Mono documents:
//!   `linked: true` once `account_connected` / `account_updated` were acknowledged,
//!   `reauth_required: true` after `reauthorisation_required`, `false` after
//!   `account_reauthorized` (the data-sync guide), `linked: false` after
//!   `account_unlinked`; `reauth_token: { issued: latest }` (with the `expect_request`
//!   for it) only where the receiver did fetch a token. Nothing about an account whose
//!   webhooks in that stretch were not all acknowledged at the first attempt (its order of
//!   arrival is then the receiver's business), nor after an event fired by hand (its
//!   body may say anything).
//!
//! # Time
//!
//! A scenario's clock is frozen and moves only when a step moves it; the recorded
//! simulator's may have been running. So the translator keeps the replay's clock beside the
//! recorded one — a `link` or a right widget answer waits out the data delay, an `advance`
//! moves it — and writes an `advance` wherever the recording's clock got more than a second
//! ahead: retries and syncs due on the way run in the replay too. Each stretch's
//! expectations come after that `advance`, where the replay has caught up.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use serde_json::Value;

use super::{Action, Answer, Mark, OpenedBy, Recorded, Recording};
use crate::clock::{format_duration, DAY, SECOND};
use crate::request_log::{Intent, RequestRecord};
use crate::webhooks::event;
use crate::webhooks::{AttemptRecord, Outcome};
use crate::world::{Account, ObjectId};

/// The data delay of `monosim run`'s simulator: how long its `link` and right widget
/// answers wait.
pub const REPLAY_DATA_DELAY: i64 = SECOND;

/// The longest `advance` one step may take (the scenario language's limit).
const MAX_ADVANCE: i64 = 366 * DAY;

/// What the translator reads besides the recording.
pub struct Logs<'a> {
    /// The delivery log since the recording began.
    pub deliveries: &'a [AttemptRecord],
    /// The request log since the recording began.
    pub requests: &'a [RequestRecord],
    /// Where things stand now: the end of the last stretch.
    pub now: Mark,
    /// The recorded simulator's data delay (a `link` that did not choose one waited this).
    pub data_delay: i64,
}

const WHY_DELIVERY: &str = "every webhook is acknowledged with 2xx";
const WHY_LINKED: &str = "account_connected and account_updated tell that the account is connected";
const WHY_FLAGGED: &str =
    "the data-sync guide: on reauthorisation_required, store a re-auth code and set reauthRequired";
const WHY_CLEARED: &str =
    "the data-sync guide: once the user has re-authenticated, reset reauthRequired to false";
const WHY_UNLINKED: &str = "account_unlinked tells that the account is no longer connected";
const WHY_TOKEN: &str =
    "the receiver fetched a re-auth token here when recorded: on reauthorisation_required, retrieve a re-auth code";

/// The scenario file of `recording`.
pub fn render(recording: &Recording, logs: &Logs) -> String {
    let mut out = String::new();
    let aliases = aliases(recording);
    let count = recording.actions.len() + recording.dropped;
    let _ = writeln!(
        out,
        "# Recorded by monosim: {count} action(s) since {}. Replay it with `monosim run`\n# (put it in your scenarios folder). Expectations are what the receiver showed then\n# that every correct receiver shares; see docs/recording.md.",
        recording.began.at
    );
    if recording.dropped > 0 {
        let _ = writeln!(
            out,
            "# Only the first {} actions were kept; {} later one(s) are missing.",
            recording.actions.len(),
            recording.dropped
        );
    }
    let _ = writeln!(
        out,
        "name: {}",
        quoted(&format!("Recorded session from {}", recording.began.at))
    );
    out.push_str(
        "description: >\n  Actions done to a running monosim (control API, CLI, widget), recorded and\n  replayed step by step, with what the receiver showed that every correct receiver shares.\n",
    );
    out.push_str("why: >\n  Mono documents a 2xx as the receipt of every webhook; the data-sync guide sets\n  reauthRequired on reauthorisation_required and resets it once the user re-authenticated.\n  https://docs.mono.co/docs/webhooks ;\n  https://mono.co/blog/understanding-data-sync-and-re-authorisation-part-2\n");
    out.push_str("accounts:\n");
    if recording.accounts.is_empty() {
        out.push_str("  {}\n");
    }
    for seen in &recording.accounts {
        let _ = writeln!(
            out,
            "  {}: {}",
            aliases[&seen.account.id],
            declaration(&seen.account, seen.was_linked)
        );
    }
    out.push_str("steps:\n");
    let mut steps = Steps {
        out: Vec::new(),
        aliases: &aliases,
        recording,
        logs,
        linked: HashSet::new(),
        clock: None,
        fired: recording
            .actions
            .iter()
            .filter_map(|r| match &r.action {
                Action::Fire { event_id, .. } => Some(event_id.as_str()),
                _ => None,
            })
            .collect(),
        custom: recording
            .actions
            .iter()
            .filter_map(|r| match &r.action {
                Action::Fire { event, .. } if !event::ALL.contains(&event.as_str()) => {
                    Some(event.as_str())
                }
                _ => None,
            })
            .collect(),
        model: HashMap::new(),
    };
    for (i, recorded) in recording.actions.iter().enumerate() {
        steps.catch_up(
            recorded.mark.at,
            matches!(recorded.action, Action::Advance { .. }),
        );
        if i > 0 {
            steps.expectations(&recording.actions[i - 1].mark, &recorded.mark);
        }
        steps.action(recorded);
    }
    if let Some(last) = recording.actions.last() {
        steps.catch_up(logs.now.at, false);
        steps.expectations(&last.mark, &logs.now);
    }
    if steps.out.is_empty() {
        // A scenario needs a step; with nothing recorded, this one only waits.
        steps
            .out
            .push("# nothing was recorded: no state-changing action since the start".into());
        steps.out.push("- wait_idle".into());
    }
    for line in steps.out {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// Aliases in the order accounts were first seen: the holder's first name, in lower case
/// (`ada`), numbered when two share one (`ada_2`).
fn aliases(recording: &Recording) -> HashMap<ObjectId, String> {
    let mut taken: HashSet<String> = ["why", "within", "sim"]
        .into_iter()
        .map(String::from)
        .collect();
    let mut aliases = HashMap::new();
    for (n, seen) in recording.accounts.iter().enumerate() {
        let first: String = seen
            .account
            .holder()
            .first_name
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let base = if first.is_empty() || first.starts_with(|c: char| c.is_ascii_digit()) {
            format!("account_{}", n + 1)
        } else {
            first
        };
        let mut alias = base.clone();
        let mut k = 2;
        while taken.contains(&alias) {
            alias = format!("{base}_{k}");
            k += 1;
        }
        taken.insert(alias.clone());
        aliases.insert(seen.account.id, alias);
    }
    aliases
}

/// An account's `accounts:` entry: what recreates it as first seen.
fn declaration(account: &Account, was_linked: bool) -> String {
    let holder = account.holder();
    let mut fields = vec![
        format!("institution: {}", account.institution().slug),
        format!("mfa: {}", account.mfa.as_str()),
        format!("auth_method: {}", account.auth_method.as_str()),
        format!("balance: {}", account.balance),
        format!("transactions: {}", account.transaction_count),
        format!("name: {}", quoted(&holder.full_name())),
    ];
    if account.dialect != crate::world::Dialect::Current {
        fields.push(format!("dialect: {}", account.dialect.as_str()));
    }
    if was_linked {
        fields.push(format!("data_status: {}", account.data_status.as_str()));
    }
    format!("{{ {} }}", fields.join(", "))
}

/// What the receiver is known to hold for an account, as far as the file has asserted.
#[derive(Clone, Copy, Default)]
struct Model {
    linked: Option<bool>,
    reauth_required: Option<bool>,
}

struct Steps<'a> {
    out: Vec<String>,
    aliases: &'a HashMap<ObjectId, String>,
    recording: &'a Recording,
    logs: &'a Logs<'a>,
    /// Accounts the replay has linked (created) so far.
    linked: HashSet<ObjectId>,
    /// The replay's simulated time, on the recording's scale; `None` before the first step.
    clock: Option<i64>,
    /// Ids of events fired by hand: acknowledged, but not read as lifecycle.
    fired: HashSet<&'a str>,
    /// Event names fired with `custom: true`, which `expect_delivery` may then name.
    custom: HashSet<&'a str>,
    model: HashMap<ObjectId, Model>,
}

impl Steps<'_> {
    fn push(&mut self, line: String) {
        self.out.push(line);
    }

    fn alias(&self, id: &ObjectId) -> &str {
        self.aliases.get(id).map_or("unknown", String::as_str)
    }

    /// Moves the replay's clock to where the recording's was at `at`, by a whole number of
    /// seconds, when it is more than a second behind (an explicit `advance` says itself).
    fn catch_up(&mut self, at: crate::clock::Timestamp, explicit: bool) {
        let at = at.millis();
        let Some(clock) = self.clock else {
            self.clock = Some(at);
            return;
        };
        let behind = at - clock;
        if explicit || behind < SECOND {
            return;
        }
        let by = behind - behind % SECOND;
        self.push("# the recorded clock moved on meanwhile".into());
        self.advance(by);
    }

    fn advance(&mut self, by: i64) {
        let mut left = by;
        while left > 0 {
            let step = left.min(MAX_ADVANCE);
            self.push(format!("- advance: {}", format_duration(step)));
            left -= step;
        }
        if let Some(clock) = self.clock.as_mut() {
            *clock += by;
        }
    }

    fn wait(&mut self, by: i64) {
        if let Some(clock) = self.clock.as_mut() {
            *clock += by;
        }
    }

    /// The account's `link` step before its first action, when it was linked before the
    /// recording began (a seeded account): the scenario must create it.
    fn ensure_linked(&mut self, id: &ObjectId) {
        if self.linked.contains(id) {
            return;
        }
        let seen = self.recording.accounts.iter().find(|s| s.account.id == *id);
        if seen.is_some_and(|s| s.was_linked) {
            let alias = self.alias(id).to_string();
            self.push(format!(
                "- link: {alias}    # linked before the recording began"
            ));
            self.linked.insert(*id);
            self.wait(REPLAY_DATA_DELAY);
        }
    }

    fn action(&mut self, recorded: &Recorded) {
        let action = &recorded.action;
        if let Some(id) = action.account().filter(|id| !self.aliases.contains_key(id)) {
            // Only an account this simulator never held (past the recorder's bound).
            self.push(format!(
                "# not replayed: an action on account {id}, which the recording does not know"
            ));
            return;
        }
        let link_first = !matches!(action, Action::Link { .. } | Action::Created { .. });
        if let (true, Some(id)) = (link_first, action.account()) {
            self.ensure_linked(&id);
        }
        let via = recorded.surface.as_str();
        match action {
            Action::Link {
                account,
                data_status,
                data_delay,
            } => {
                let alias = self.alias(account).to_string();
                // Wait as long as the recording did.
                let delay = data_delay.unwrap_or(self.logs.data_delay);
                let mut fields = Vec::new();
                if let Some(status) = data_status {
                    fields.push(format!("data_status: {}", status.as_str()));
                }
                if delay != REPLAY_DATA_DELAY {
                    fields.push(format!("data_delay: {}", format_duration(delay.max(0))));
                }
                if fields.is_empty() {
                    self.push(format!("- link: {alias}    # {via}"));
                } else {
                    self.push(format!(
                        "- link: {{ account: {alias}, {} }}    # {via}",
                        fields.join(", ")
                    ));
                }
                self.linked.insert(*account);
                self.wait(delay.max(0));
            }
            Action::Created { account } => {
                let alias = self.alias(account).to_string();
                self.push(format!(
                    "# {alias} was created, not linked ({via}): a later `link` creates it"
                ));
            }
            Action::ExpireSession { account } => {
                let alias = self.alias(account).to_string();
                self.push(format!("- session_expires: {alias}    # {via}"));
            }
            Action::Reauth {
                account,
                answer,
                by,
                data_status,
            } => {
                let alias = self.alias(account).to_string();
                let mut fields = vec![
                    format!("account: {alias}"),
                    format!("mfa: {}", answer.as_str()),
                ];
                if *by == OpenedBy::Account {
                    fields.push("by: account".into());
                }
                if let (Answer::Correct, Some(status)) = (answer, data_status) {
                    fields.push(format!("data_status: {}", status.as_str()));
                }
                self.push(format!(
                    "- widget_reauth: {{ {} }}    # {via}",
                    fields.join(", ")
                ));
                if *answer == Answer::Correct {
                    self.wait(REPLAY_DATA_DELAY);
                }
            }
            Action::BankBalance { account, balance } => {
                let alias = self.alias(account).to_string();
                self.push(format!(
                    "- bank_balance: {{ account: {alias}, balance: {balance} }}    # {via}"
                ));
            }
            Action::Sync { account } => {
                let alias = self.alias(account).to_string();
                self.push(format!("- sync: {alias}    # {via}"));
            }
            Action::Unlink { account } => {
                let alias = self.alias(account).to_string();
                self.push(format!("- unlink: {alias}    # {via}"));
            }
            Action::Fire {
                event,
                account,
                set,
                delay,
                ..
            } => {
                let alias = self.alias(account).to_string();
                let mut fields = vec![
                    format!("event: {}", quoted(event)),
                    format!("account: {alias}"),
                ];
                if !set.is_empty() {
                    let pairs: Vec<String> = set
                        .iter()
                        .map(|(path, value)| format!("{}: {}", quoted(path), flow(value)))
                        .collect();
                    fields.push(format!("set: {{ {} }}", pairs.join(", ")));
                }
                if let Some(delay) = delay {
                    fields.push(format!("delay: {}", format_duration((*delay).max(0))));
                }
                if !event::ALL.contains(&event.as_str()) {
                    fields.push("custom: true".into());
                }
                self.push(format!("- fire: {{ {} }}    # {via}", fields.join(", ")));
            }
            Action::Advance { to } => {
                let asked = to.millis() - recorded.mark.at.millis();
                let clock = self.clock.unwrap_or(to.millis());
                let by = to.millis() - clock;
                if by > 0 {
                    let mut note = format!(
                        "# the clock was advanced by {} ({via})",
                        format_duration(asked)
                    );
                    if by != asked {
                        note.push_str(", less what the steps above already waited");
                    }
                    self.push(note);
                    self.advance(by);
                }
            }
            Action::Fault { rule } => {
                let mut value = serde_json::to_value(rule).unwrap_or(Value::Null);
                let mut fields = Vec::new();
                if let Value::Object(map) = &mut value {
                    map.remove("id");
                    let account = map.remove("account");
                    if let Some(kind) = map.remove("kind") {
                        fields.push(format!("kind: {}", flow(&kind)));
                    }
                    for (key, value) in map.iter() {
                        if !value.is_null() {
                            fields.push(format!("{key}: {}", flow(value)));
                        }
                    }
                    if let Some(Value::String(id)) = account {
                        if let Ok(id) = id.parse::<ObjectId>() {
                            fields.push(format!("account: {}", self.alias(&id)));
                        }
                    }
                }
                self.push(format!("- fault: {{ {} }}    # {via}", fields.join(", ")));
            }
            Action::Unreplayable { what } => {
                self.push(format!(
                    "# not replayed, the scenario language has no step for it: {what} ({via})"
                ));
            }
        }
    }

    /// The expectations of one stretch, between the marks `from` and `to`: what the
    /// receiver acknowledged and asked for, and the state every correct receiver then holds.
    fn expectations(&mut self, from: &Mark, to: &Mark) {
        let deliveries = self.logs.deliveries;
        let in_stretch = |seq: u64| seq > from.deliveries && seq <= to.deliveries;
        // The last attempt of each event (and target) so far, to know what is unfinished.
        let mut last: HashMap<(&str, u64), &AttemptRecord> = HashMap::new();
        for attempt in deliveries.iter().filter(|a| a.seq <= to.deliveries) {
            last.insert((&attempt.event_id, attempt.delivery), attempt);
        }
        let acknowledged: Vec<&AttemptRecord> = deliveries
            .iter()
            .filter(|a| in_stretch(a.seq) && a.outcome == Outcome::Delivered)
            .filter(|a| a.account.is_some_and(|id| self.linked.contains(&id)))
            .collect();
        // Accounts whose state this stretch cannot tell: something unacknowledged, retried,
        // or fired by hand.
        let mut unsure: HashSet<ObjectId> = HashSet::new();
        for attempt in deliveries.iter().filter(|a| in_stretch(a.seq)) {
            let Some(id) = attempt.account else { continue };
            if attempt.outcome != Outcome::Delivered
                || attempt.attempt > 1
                || self.fired.contains(&*attempt.event_id)
            {
                unsure.insert(id);
            }
        }
        for attempt in last.values() {
            if let (Some(id), false) = (attempt.account, attempt.outcome == Outcome::Delivered) {
                if attempt.outcome != Outcome::GaveUp {
                    unsure.insert(id);
                }
            }
        }
        // One expect_delivery per event and account: the last attempt is what it checks.
        let mut said: Vec<(&str, ObjectId)> = Vec::new();
        for attempt in &acknowledged {
            let Some(id) = attempt.account else { continue };
            let event: &str = &attempt.event;
            let nameable = event::ALL.contains(&event) || self.custom.contains(event);
            if nameable && !said.contains(&(event, id)) {
                said.push((event, id));
            }
        }
        for (event, id) in &said {
            let alias = self.alias(id).to_string();
            self.push(format!(
                "- expect_delivery: {{ event: {event}, account: {alias}, status: 2xx, why: {} }}",
                quoted(WHY_DELIVERY)
            ));
        }
        // The lifecycle, account by account, in the order the receiver acknowledged it.
        let mut order: Vec<ObjectId> = Vec::new();
        let mut changed: HashMap<ObjectId, (Model, Model)> = HashMap::new();
        for attempt in &acknowledged {
            let Some(id) = attempt.account else { continue };
            if self.fired.contains(&*attempt.event_id) {
                continue;
            }
            let before = self.model.get(&id).copied().unwrap_or_default();
            let entry = changed.entry(id).or_insert_with(|| {
                order.push(id);
                (before, before)
            });
            let now = &mut entry.1;
            match &*attempt.event {
                event::ACCOUNT_CONNECTED | event::ACCOUNT_UPDATED => now.linked = Some(true),
                event::REAUTHORISATION_REQUIRED => now.reauth_required = Some(true),
                event::ACCOUNT_REAUTHORIZED => now.reauth_required = Some(false),
                event::ACCOUNT_UNLINKED => now.linked = Some(false),
                _ => {}
            }
        }
        for id in order {
            let (before, after) = changed[&id];
            if unsure.contains(&id) {
                // What this receiver holds now is its own business; later stretches start
                // from not knowing.
                self.model.insert(id, Model::default());
                continue;
            }
            self.model.insert(id, after);
            let alias = self.alias(&id).to_string();
            let mut fields = Vec::new();
            let mut why = Vec::new();
            if after.linked != before.linked {
                if let Some(linked) = after.linked {
                    fields.push(format!("linked: {linked}"));
                    why.push(if linked { WHY_LINKED } else { WHY_UNLINKED });
                }
            }
            if after.reauth_required != before.reauth_required {
                if let Some(flag) = after.reauth_required {
                    fields.push(format!("reauth_required: {flag}"));
                    why.push(if flag { WHY_FLAGGED } else { WHY_CLEARED });
                }
            }
            if after.reauth_required == Some(true)
                && after.linked != Some(false)
                && self.fetched_token(&id, from, to)
            {
                self.push(format!(
                    "- expect_request: {{ kind: token, account: {alias}, why: {} }}",
                    quoted(WHY_TOKEN)
                ));
                fields.push("reauth_token: { issued: latest }".into());
            }
            if fields.is_empty() {
                continue;
            }
            self.push("- expect_state:".into());
            self.push(format!("    {alias}: {{ {} }}", fields.join(", ")));
            self.push(format!("    why: {}", quoted(&why.join("; "))));
        }
    }

    /// Whether the receiver asked Mono for a re-auth token for `id` in the stretch.
    fn fetched_token(&self, id: &ObjectId, from: &Mark, to: &Mark) -> bool {
        self.logs.requests.iter().any(|r| {
            r.seq > from.requests
                && r.seq <= to.requests
                && r.account == Some(*id)
                && r.intent == Some(Intent::Token)
                && (200..300).contains(&r.status)
        })
    }
}

/// A YAML double-quoted scalar: JSON's string syntax is YAML's.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A JSON value in YAML flow style (`{ "a": 1 }`, spaced so every YAML reader takes it).
fn flow(value: &Value) -> String {
    match value {
        Value::String(s) => quoted(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let pairs: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", quoted(k), flow(v)))
                .collect();
            format!("{{ {} }}", pairs.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
