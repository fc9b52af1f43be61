//! `monosim.yaml`: how to reach (or start) the integrator's receiver, how to read its state,
//! and how its fields are named. Parsing does no I/O beyond the text it is given.
//!
//! ```yaml
//! receiver:
//!   command: npm start                  # optional: monosim starts it and stops it
//!   cwd: examples/node-receiver         # optional, relative to this file
//!   env: { MONO_BASE_URL: "{sim.url}", MONO_SECRET_KEY: "{sim.secret_key}", MONO_WEBHOOK_SEC: "{sim.webhook_secret}" }
//!   ready: http://127.0.0.1:3000/health # polled until it answers 2xx
//!   ready_timeout: 30s
//! webhook_url: http://127.0.0.1:3000/webhook
//! state:
//!   http: http://127.0.0.1:3000/test/accounts/{account_id}
//!   # or command: "sqlite3 -json app.db \"select * from accounts where mono_id='{account_id}'\""
//! fields: { reauth_required: reauthRequired, reauth_token: reauthCode }
//! redact: [updatedAt]
//! scenarios: scenarios
//! ```
//!
//! `{receiver.port}` anywhere in the receiver's command, env, URLs or probe is replaced by
//! a free port monosim picks, so a receiver started by monosim never collides with another.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::read::Reader;
use crate::yaml::Node;

#[derive(Clone, Debug)]
pub struct Config {
    /// The folder the config file is in; relative paths are resolved from it.
    pub base: PathBuf,
    pub receiver: Receiver,
    pub webhook_url: String,
    pub webhook_secret: String,
    /// Port for the simulator; 0 picks a free one (fine when monosim starts the receiver
    /// and hands it `{sim.url}`).
    pub simulator_port: u16,
    pub state: Probe,
    /// Canonical field name → the receiver's own JSON path (dotted).
    pub fields: Vec<(String, String)>,
    /// Dotted paths in the probed state replaced by `[redacted]` in snapshots.
    pub redact: Vec<String>,
    pub scenarios: PathBuf,
    /// Longest wait of any one step (wall time).
    pub step_timeout: Duration,
    /// Longest a whole scenario may take (wall time).
    pub scenario_timeout: Duration,
    /// Longest one webhook delivery attempt may take before it counts as failed.
    pub delivery_timeout: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct Receiver {
    pub command: Option<String>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub ready: Option<String>,
    pub ready_timeout: Duration,
}

#[derive(Clone, Debug)]
pub enum Probe {
    /// GET this URL (with `{account_id}`), expect JSON.
    Http { url: String, timeout: Duration },
    /// Run this shell command (with `{account_id}`), expect JSON on stdout.
    Command { command: String, timeout: Duration },
}

const TOP: &[&str] = &[
    "receiver",
    "webhook_url",
    "webhook_secret",
    "simulator",
    "state",
    "fields",
    "redact",
    "scenarios",
    "timeouts",
];

impl Config {
    /// Parses config text; `file` names it in diagnostics, `base` resolves relative paths.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Config, Diagnostic> {
        let r = Reader { file, source: text };
        let root = r.parse()?;
        let top = r.map(&root, "monosim.yaml")?;
        r.known_keys(top, "monosim.yaml", TOP)?;

        let webhook_url = r.string(
            r.required(&root, "webhook_url", "monosim.yaml")?,
            "webhook_url",
        )?;
        check_url(&r, root.get("webhook_url").unwrap_or(&root), &webhook_url)?;
        let webhook_secret = match root.get("webhook_secret") {
            Some(node) => r.string(node, "webhook_secret")?,
            None => monosim_simulator::DEFAULT_WEBHOOK_SECRET.to_string(),
        };
        let receiver = match root.get("receiver") {
            Some(node) => receiver(&r, node, base)?,
            None => Receiver {
                ready_timeout: Duration::from_secs(30),
                ..Receiver::default()
            },
        };
        let simulator_port = match root.get("simulator") {
            Some(node) => {
                let entries = r.map(node, "simulator")?;
                r.known_keys(entries, "simulator", &["port"])?;
                match node.get("port") {
                    Some(port) => r.number(port, "simulator.port", 0, 65_535)? as u16,
                    None => 0,
                }
            }
            None => 0,
        };
        let state = probe(&r, r.required(&root, "state", "monosim.yaml")?)?;
        let mut fields = Vec::new();
        if let Some(node) = root.get("fields") {
            for (key, value) in r.map(node, "fields")? {
                fields.push((key.scalar_text(), r.string(value, "a field path")?));
            }
        }
        let mut redact = Vec::new();
        if let Some(node) = root.get("redact") {
            for item in r.seq(node, "redact")? {
                redact.push(
                    r.string(item, "a redacted path")?
                        .trim_start_matches('.')
                        .to_string(),
                );
            }
        }
        let scenarios = match root.get("scenarios") {
            Some(node) => resolve(base, &r.string(node, "scenarios")?),
            None => resolve(base, "scenarios"),
        };
        let (mut step, mut scenario, mut delivery) = (10_000, 120_000, 5_000);
        if let Some(node) = root.get("timeouts") {
            let entries = r.map(node, "timeouts")?;
            r.known_keys(entries, "timeouts", &["step", "scenario", "delivery"])?;
            if let Some(n) = node.get("step") {
                step = r.duration(n, "timeouts.step")?;
            }
            if let Some(n) = node.get("scenario") {
                scenario = r.duration(n, "timeouts.scenario")?;
            }
            if let Some(n) = node.get("delivery") {
                delivery = r.duration(n, "timeouts.delivery")?;
            }
        }
        Ok(Config {
            base: base.to_path_buf(),
            receiver,
            webhook_url,
            webhook_secret,
            simulator_port,
            state,
            fields,
            redact,
            scenarios,
            step_timeout: millis(step),
            scenario_timeout: millis(scenario),
            delivery_timeout: millis(delivery),
        })
    }

    /// Replaces `{receiver.port}` everywhere it may appear (command, env, URLs), for a
    /// receiver that takes its port from monosim so parallel runs never collide.
    pub fn with_receiver_port(mut self, port: u16) -> Config {
        let fill = |text: &mut String| *text = text.replace("{receiver.port}", &port.to_string());
        if let Some(command) = self.receiver.command.as_mut() {
            fill(command);
        }
        for (_, value) in &mut self.receiver.env {
            fill(value);
        }
        if let Some(ready) = self.receiver.ready.as_mut() {
            fill(ready);
        }
        fill(&mut self.webhook_url);
        match &mut self.state {
            Probe::Http { url, .. } => fill(url),
            Probe::Command { command, .. } => fill(command),
        }
        self
    }

    /// Whether `{receiver.port}` is used anywhere.
    pub fn wants_receiver_port(&self) -> bool {
        let mut texts = vec![self.webhook_url.as_str()];
        texts.extend(self.receiver.command.as_deref());
        texts.extend(self.receiver.ready.as_deref());
        texts.extend(self.receiver.env.iter().map(|(_, v)| v.as_str()));
        texts.push(match &self.state {
            Probe::Http { url, .. } => url,
            Probe::Command { command, .. } => command,
        });
        texts.iter().any(|t| t.contains("{receiver.port}"))
    }

    /// The receiver's JSON path for a canonical field (the name itself when unmapped).
    pub fn field_path<'a>(&'a self, canonical: &'a str) -> &'a str {
        self.fields
            .iter()
            .find(|(name, _)| name == canonical)
            .map(|(_, path)| path.as_str())
            .unwrap_or(canonical)
    }
}

/// `rel` under `base`, tidied lexically (`a/b/../c` → `a/c`, no leading `./`), so paths in
/// reports and snapshot headers read the same however the config was reached.
fn resolve(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in base.join(rel).components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(1) as u64)
}

fn check_url(r: &Reader, node: &Node, url: &str) -> Result<(), Diagnostic> {
    let url = &url.replace("{receiver.port}", "1");
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && reqwest::Url::parse(url).is_ok();
    if ok {
        Ok(())
    } else {
        Err(r
            .error(node.at, format!("`{url}` is not an http(s) URL"))
            .label("not a URL")
            .help("write it like http://127.0.0.1:3000/webhook"))
    }
}

fn receiver(r: &Reader, node: &Node, base: &Path) -> Result<Receiver, Diagnostic> {
    let entries = r.map(node, "receiver")?;
    r.known_keys(
        entries,
        "receiver",
        &["command", "cwd", "env", "ready", "ready_timeout"],
    )?;
    let mut env = Vec::new();
    if let Some(vars) = node.get("env") {
        for (key, value) in r.map(vars, "receiver.env")? {
            env.push((key.scalar_text(), r.string(value, "an environment value")?));
        }
    }
    let ready = match node.get("ready") {
        Some(n) => {
            let url = r.string(n, "receiver.ready")?;
            check_url(r, n, &url)?;
            Some(url)
        }
        None => None,
    };
    Ok(Receiver {
        command: node
            .get("command")
            .map(|n| r.string(n, "receiver.command"))
            .transpose()?,
        cwd: node
            .get("cwd")
            .map(|n| r.string(n, "receiver.cwd").map(|c| resolve(base, &c)))
            .transpose()?,
        env,
        ready,
        ready_timeout: millis(match node.get("ready_timeout") {
            Some(n) => r.duration(n, "receiver.ready_timeout")?,
            None => 30_000,
        }),
    })
}

fn probe(r: &Reader, node: &Node) -> Result<Probe, Diagnostic> {
    let entries = r.map(node, "state")?;
    r.known_keys(entries, "state", &["http", "command", "timeout"])?;
    let timeout = millis(match node.get("timeout") {
        Some(n) => r.duration(n, "state.timeout")?,
        None => 5_000,
    });
    match (node.get("http"), node.get("command")) {
        (Some(url), None) => {
            let text = r.string(url, "state.http")?;
            check_url(r, url, &text.replace("{account_id}", "x"))?;
            Ok(Probe::Http { url: text, timeout })
        }
        (None, Some(command)) => Ok(Probe::Command {
            command: r.string(command, "state.command")?,
            timeout,
        }),
        _ => Err(r
            .error(node.at, "state needs exactly one of `http` or `command`")
            .label("how is the receiver's state read?")
            .help("`http: http://127.0.0.1:3000/test/accounts/{account_id}` or `command: sqlite3 -json app.db \"…'{account_id}'\"`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostic> {
        Config::parse(text, "monosim.yaml", Path::new("/project"))
    }

    #[test]
    fn a_full_config_reads() {
        let config = parse(
            "receiver:\n  command: npm start\n  env: { MONO_BASE_URL: \"{sim.url}\" }\n  ready: http://127.0.0.1:3000/health\nwebhook_url: http://127.0.0.1:3000/webhook\nstate:\n  http: http://127.0.0.1:3000/test/accounts/{account_id}\nfields: { reauth_required: reauthRequired }\nredact: [.updatedAt]\n",
        )
        .unwrap();
        assert_eq!(config.receiver.command.as_deref(), Some("npm start"));
        assert_eq!(config.field_path("reauth_required"), "reauthRequired");
        assert_eq!(config.field_path("balance"), "balance");
        assert_eq!(config.redact, ["updatedAt"]);
        assert_eq!(config.scenarios, Path::new("/project/scenarios"));
        assert_eq!(
            resolve(Path::new("examples/rust"), "../../scenarios"),
            Path::new("scenarios")
        );
        assert_eq!(resolve(Path::new("."), "scenarios"), Path::new("scenarios"));
        assert_eq!(resolve(Path::new(".."), "x"), Path::new("../x"));
    }

    #[test]
    fn mistakes_point_at_themselves() {
        let error = parse("webhook_url: http://x/webhook\nstate: { htp: http://x }\n").unwrap_err();
        assert_eq!(error.at.line, 2);
        assert_eq!(error.help.as_deref(), Some("did you mean `http`?"));
        let error =
            parse("webhook_url: localhost:3000\nstate: { http: \"http://x/{account_id}\" }\n")
                .unwrap_err();
        assert!(error.message.contains("is not an http(s) URL"), "{error:?}");
        let error = parse("state: { http: \"http://x/{account_id}\" }\n").unwrap_err();
        assert_eq!(error.message, "monosim.yaml needs `webhook_url`");
    }
}
