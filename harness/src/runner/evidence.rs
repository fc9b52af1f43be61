//! What a failure says besides "expected / actual": the deliveries the receiver was sent
//! and the calls it made, in the scenario's own words (aliases, not ids) — the evidence a
//! developer reads first, as wiremock prints every request it received.

use monosim_simulator::world::ObjectId;

use super::play::Run;

/// At most this many log lines in a failure: the latest are the relevant ones.
const MAX_LINES: usize = 12;

/// The most of a request's path a failure shows, in characters.
const MAX_PATH: usize = 200;

impl Run<'_> {
    /// The alias of an account id, or `-`.
    pub(super) fn alias_of(&self, id: Option<ObjectId>) -> String {
        id.and_then(|id| {
            self.ids
                .iter()
                .find(|(_, v)| **v == id)
                .map(|(a, _)| a.clone())
        })
        .unwrap_or_else(|| "-".into())
    }

    /// The delivery log, as lines, optionally for one account.
    pub(super) fn delivery_lines(&self, account: Option<ObjectId>) -> Vec<String> {
        let mut lines: Vec<String> = self
            .sim
            .webhooks
            .log
            .since(0, |r| account.is_none_or(|a| r.account == Some(a)))
            .iter()
            .map(|d| {
                format!(
                    "webhook {} for {} attempt {}: {}{}",
                    d.event,
                    self.alias_of(d.account),
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
        keep_last(&mut lines);
        if lines.is_empty() {
            lines.push("no webhook was delivered yet".into());
        }
        lines
    }

    /// The receiver's calls to the simulator, with their intent.
    pub(super) fn request_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .sim
            .requests
            .since(0, |_| true)
            .iter()
            .map(|r| {
                // Ids read as the scenario's aliases: `/accounts/{ada}/reauthorise`.
                let path = self.ids.iter().fold(r.path.clone(), |path, (alias, id)| {
                    path.replace(&id.to_string(), &format!("{{{alias}}}"))
                });
                // The receiver chose the path, and may have chosen a long one.
                let path = crate::diagnostic::shorten(&path, MAX_PATH);
                let intent = r
                    .intent
                    .map(|i| format!(" ({} for {})", i.as_str(), self.alias_of(r.account)))
                    .unwrap_or_default();
                format!(
                    "the receiver called {} {path} → {}{intent}",
                    r.method, r.status
                )
            })
            .collect();
        keep_last(&mut lines);
        if lines.is_empty() {
            lines.push("the receiver made no call to the simulator".into());
        }
        lines
    }
}

fn keep_last(lines: &mut Vec<String>) {
    if lines.len() > MAX_LINES {
        lines.drain(..lines.len() - MAX_LINES);
    }
}
