//! `monosim.yaml`: how to reach (or start) the integrator's receiver, how to read its state,
//! and how its fields are named. Parsing does no I/O beyond the text it is given.
//!
//! ```yaml
//! receiver:
//!   command: npm start                  # optional: monosim starts it and stops it
//!   cwd: examples/node-receiver         # optional, relative to this file (default: its folder)
//!   env: { MONO_BASE_URL: "{sim.url}", MONO_SECRET_KEY: "{sim.secret_key}", MONO_WEBHOOK_SEC: "{sim.webhook_secret}" }
//!   ready: http://127.0.0.1:3000/health # polled until it answers 2xx
//!   ready_timeout: 30s
//! webhook_url: http://127.0.0.1:3000/webhook
//! state:
//!   http: http://127.0.0.1:3000/test/accounts/{account_id}
//!   # or command: "sqlite3 -json app.db \"select * from accounts where mono_id='{account_id}'\""
//! fields:                             # the canonical names scenarios use → your state
//!   reauth_required: reauthRequired     # a dotted path in the state JSON
//!   reauth_token: { path: reauth.code } # the same, spelt out
//!   data_status: { path: status, values: { ready: AVAILABLE, pending: PROCESSING } }
//!   linked: { exists: true }            # true while the probe finds a record
//! redact: [balance]                   # canonical fields snapshots show as [redacted]
//! scenarios: scenarios
//! snapshots: scenarios/snapshots        # where accepted snapshots live (the default)
//! ```
//!
//! Why the field forms beyond a path: receivers are written by people who never saw monosim.
//! One deletes the record on unlink (`exists`), one keeps its own status words (`values`),
//! one has no flag column and tells re-auth by the code being set (`is_set`). Each is a
//! correct design; the mapping lets the bundled scenarios read all of them unchanged.
//!
//! `{receiver.port}` anywhere in the receiver's command, env, URLs or probe is replaced by
//! a free port monosim picks, so a receiver started by monosim never collides with another.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::read::Reader;
use crate::yaml::{Node, Value};

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
    /// Canonical field name → where the receiver's state keeps it.
    pub fields: Vec<(String, FieldSource)>,
    /// Canonical fields (keys of `fields`) whose values snapshots show as `[redacted]`:
    /// what changes run to run in the receiver's own state.
    pub redact: Vec<String>,
    pub scenarios: PathBuf,
    /// Where accepted snapshots live (`<scenarios>/snapshots` by default).
    pub snapshots: PathBuf,
    /// Longest wait of any one step (wall time).
    pub step_timeout: Duration,
    /// How long `expect_state` waits for the state to get there (wall time): a receiver may
    /// answer a webhook first and do the work after.
    pub state_timeout: Duration,
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
    /// How long a receiver monosim started has, after SIGTERM, before its process group is
    /// sent SIGKILL: what `docker stop -t` and systemd's `TimeoutStopSec` set.
    pub stop_timeout: Duration,
}

/// `receiver.stop_timeout` when not given: long enough for a server to finish its requests
/// and close its database, short enough that a receiver ignoring SIGTERM does not hold up
/// the end of a run for long (`docker stop` waits 10 s).
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a receiver's state keeps one canonical field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldSource {
    /// The value at a dotted path (`account.reauthRequired`, `rows.0.flag`), its values
    /// translated through `values` (those not listed pass through).
    Path {
        path: String,
        values: Vec<(Json, Json)>,
    },
    /// Whether the value at the path is set: present, and not null, `false`, 0 or "".
    IsSet(String),
    /// Whether the state probe found a record for the account at all.
    Exists,
}

impl FieldSource {
    /// The field's value in `state` (the probe's answer; `null` when it found no record).
    pub fn read(&self, state: &Json) -> Option<Json> {
        match self {
            FieldSource::Path { path, values } => {
                let value = at_path(state, path)?;
                Some(
                    values
                        .iter()
                        .find(|(from, _)| from == value)
                        .map(|(_, to)| to.clone())
                        .unwrap_or_else(|| value.clone()),
                )
            }
            FieldSource::IsSet(path) => Some(Json::Bool(match at_path(state, path) {
                None | Some(Json::Null) | Some(Json::Bool(false)) => false,
                Some(Json::String(s)) => !s.is_empty(),
                Some(Json::Number(n)) => n.as_f64() != Some(0.0),
                Some(_) => true,
            })),
            FieldSource::Exists => Some(Json::Bool(!state.is_null())),
        }
    }

    /// How the mapping reads, for reports: `reauthRequired`, `status (translated)`, ….
    pub fn describe(&self) -> String {
        match self {
            FieldSource::Path { path, values } if values.is_empty() => path.clone(),
            FieldSource::Path { path, .. } => format!("{path}, translated"),
            FieldSource::IsSet(path) => format!("{path} is set"),
            FieldSource::Exists => "a record exists".into(),
        }
    }
}

/// The value at a dotted path (`account.reauthRequired`, `rows.0.flag`).
pub fn at_path<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(value, |node, key| match node {
        Json::Object(map) => map.get(key),
        Json::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
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
    "snapshots",
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
            Some(node) => {
                let secret = r.string(node, "webhook_secret")?;
                monosim_simulator::webhooks::check_secret(&secret).map_err(|why| {
                    r.error(node.at, why)
                        .label("not a header value")
                        .help("write it on one line, without control characters")
                })?;
                secret
            }
            None => monosim_simulator::DEFAULT_WEBHOOK_SECRET.to_string(),
        };
        let receiver = match root.get("receiver") {
            Some(node) => receiver(&r, node, base)?,
            None => Receiver {
                ready_timeout: Duration::from_secs(30),
                stop_timeout: DEFAULT_STOP_TIMEOUT,
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
                fields.push((key.scalar_text(), field_source(&r, value)?));
            }
        }
        let mut redact = Vec::new();
        if let Some(node) = root.get("redact") {
            let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
            for item in r.seq(node, "redact")? {
                let name = r.string(item, "a redacted field")?;
                if !names.contains(&name.as_str()) {
                    return Err(r
                        .error(item.at, format!("`redact` names `{name}`, which `fields` does not map"))
                        .label("not a mapped field")
                        .help(match crate::diagnostic::did_you_mean(&name, &names) {
                            Some(close) => format!("did you mean `{close}`? (snapshots hold the canonical fields only)"),
                            None => "snapshots hold the canonical fields only: name one of those mapped under `fields:`".to_string(),
                        }));
                }
                redact.push(name);
            }
        }
        let scenarios = match root.get("scenarios") {
            Some(node) => resolve(base, &r.string(node, "scenarios")?),
            None => resolve(base, "scenarios"),
        };
        let snapshots = match root.get("snapshots") {
            Some(node) => resolve(base, &r.string(node, "snapshots")?),
            None => scenarios.join("snapshots"),
        };
        let (mut step, mut scenario, mut delivery, mut state_wait) =
            (10_000, 120_000, 5_000, 2_000);
        if let Some(node) = root.get("timeouts") {
            let entries = r.map(node, "timeouts")?;
            r.known_keys(
                entries,
                "timeouts",
                &["step", "scenario", "delivery", "state"],
            )?;
            let positive = |n: &Node, what: &str| -> Result<i64, Diagnostic> {
                let ms = r.duration(n, what)?;
                if ms <= 0 {
                    return Err(r
                        .error(n.at, format!("{what} must be longer than 0s"))
                        .label("nothing could finish in no time"));
                }
                Ok(ms)
            };
            if let Some(n) = node.get("step") {
                step = positive(n, "timeouts.step")?;
            }
            if let Some(n) = node.get("state") {
                state_wait = r.duration(n, "timeouts.state")?;
            }
            if let Some(n) = node.get("scenario") {
                scenario = positive(n, "timeouts.scenario")?;
            }
            if let Some(n) = node.get("delivery") {
                delivery = positive(n, "timeouts.delivery")?;
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
            snapshots,
            step_timeout: millis(step),
            state_timeout: Duration::from_millis(state_wait.max(0) as u64),
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

    /// Where the receiver keeps a canonical field.
    pub fn field(&self, canonical: &str) -> Option<&FieldSource> {
        self.fields
            .iter()
            .find(|(name, _)| name == canonical)
            .map(|(_, source)| source)
    }

    /// What scenarios may name: the fields this config maps.
    pub fn known(&self) -> crate::scenario::Known {
        crate::scenario::Known {
            fields: self.fields.iter().map(|(name, _)| name.clone()).collect(),
        }
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
        &[
            "command",
            "cwd",
            "env",
            "ready",
            "ready_timeout",
            "stop_timeout",
        ],
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
        // The command runs where the config is, whichever folder monosim was started in.
        cwd: Some(match node.get("cwd") {
            Some(n) => resolve(base, &r.string(n, "receiver.cwd")?),
            None => resolve(base, "."),
        }),
        env,
        ready,
        ready_timeout: millis(match node.get("ready_timeout") {
            Some(n) => r.duration(n, "receiver.ready_timeout")?,
            None => 30_000,
        }),
        // `0s` is allowed: SIGKILL at once.
        stop_timeout: match node.get("stop_timeout") {
            Some(n) => Duration::from_millis(r.duration(n, "receiver.stop_timeout")?.max(0) as u64),
            None => DEFAULT_STOP_TIMEOUT,
        },
    })
}

/// `reauthRequired`, `{ path, values }`, `{ path, is_set: true }` or `{ exists: true }`.
fn field_source(r: &Reader, node: &Node) -> Result<FieldSource, Diagnostic> {
    let path = |n: &Node| -> Result<String, Diagnostic> {
        let text = r
            .string(n, "a field path")?
            .trim_start_matches('.')
            .to_string();
        if text.is_empty() {
            return Err(r
                .error(n.at, "a field path is empty")
                .label("which field?")
                .help("write the dotted path of the field in your state JSON, e.g. account.reauthRequired"));
        }
        Ok(text)
    };
    let Value::Map(entries) = &node.value else {
        return Ok(FieldSource::Path {
            path: path(node)?,
            values: Vec::new(),
        });
    };
    r.known_keys(entries, "a field", &["path", "values", "is_set", "exists"])?;
    let flag = |key: &str| {
        node.get(key)
            .map(|n| r.boolean(n, key))
            .transpose()
            .map(|b| b.unwrap_or(false))
    };
    match (node.get("path"), flag("exists")?, flag("is_set")?) {
        (None, true, false) if node.get("values").is_none() => Ok(FieldSource::Exists),
        (Some(p), false, true) if node.get("values").is_none() => Ok(FieldSource::IsSet(path(p)?)),
        (Some(p), false, false) => {
            let mut values = Vec::new();
            if let Some(table) = node.get("values") {
                for (from, to) in r.map(table, "values")? {
                    values.push((from.to_json(), to.to_json()));
                }
            }
            Ok(FieldSource::Path {
                path: path(p)?,
                values,
            })
        }
        _ => Err(r
            .error(node.at, "a field is a path, `{ path, values }`, `{ path, is_set: true }` or `{ exists: true }`")
            .label("cannot tell how to read it")
            .help("e.g. `linked: { exists: true }` for a receiver that deletes unlinked accounts")),
    }
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
            "receiver:\n  command: npm start\n  env: { MONO_BASE_URL: \"{sim.url}\" }\n  ready: http://127.0.0.1:3000/health\nwebhook_url: http://127.0.0.1:3000/webhook\nstate:\n  http: http://127.0.0.1:3000/test/accounts/{account_id}\nfields: { reauth_required: reauthRequired }\nredact: [reauth_required]\n",
        )
        .unwrap();
        assert_eq!(config.receiver.command.as_deref(), Some("npm start"));
        assert_eq!(
            config.field("reauth_required"),
            Some(&FieldSource::Path {
                path: "reauthRequired".into(),
                values: Vec::new()
            })
        );
        assert_eq!(config.field("balance"), None);
        assert_eq!(config.snapshots, Path::new("/project/scenarios/snapshots"));
        assert_eq!(config.redact, ["reauth_required"]);
        let error = parse("webhook_url: http://x/webhook\nstate: { http: \"http://x/{account_id}\" }\nfields: { balance: b }\nredact: [updatedAt]\n").unwrap_err();
        assert_eq!(
            error.message,
            "`redact` names `updatedAt`, which `fields` does not map"
        );
        assert_eq!(config.scenarios, Path::new("/project/scenarios"));
        assert_eq!(
            resolve(Path::new("examples/rust"), "../../scenarios"),
            Path::new("scenarios")
        );
        assert_eq!(resolve(Path::new("."), "scenarios"), Path::new("scenarios"));
        assert_eq!(resolve(Path::new(".."), "x"), Path::new("../x"));
    }

    #[test]
    fn fields_read_paths_translations_flags_and_existence() {
        let config = parse(
            "webhook_url: http://x/webhook\nstate: { http: \"http://x/{account_id}\" }\nsnapshots: snaps\nfields:\n  balance: account.balance\n  data_status: { path: status, values: { ready: AVAILABLE } }\n  reauth_required: { path: code, is_set: true }\n  linked: { exists: true }\n",
        )
        .unwrap();
        assert_eq!(config.snapshots, Path::new("/project/snaps"));
        let state =
            serde_json::json!({ "account": { "balance": 5 }, "status": "ready", "code": "" });
        let read = |name: &str, state: &Json| config.field(name).unwrap().read(state);
        assert_eq!(read("balance", &state), Some(serde_json::json!(5)));
        assert_eq!(
            read("data_status", &state),
            Some(serde_json::json!("AVAILABLE"))
        );
        assert_eq!(
            read("data_status", &serde_json::json!({ "status": "odd" })),
            Some(serde_json::json!("odd")),
            "values not listed pass through"
        );
        assert_eq!(
            read("reauth_required", &state),
            Some(serde_json::json!(false))
        );
        assert_eq!(
            read("reauth_required", &serde_json::json!({ "code": "abc" })),
            Some(serde_json::json!(true))
        );
        assert_eq!(read("linked", &state), Some(serde_json::json!(true)));
        assert_eq!(read("linked", &Json::Null), Some(serde_json::json!(false)));
        assert_eq!(read("balance", &Json::Null), None);
        let error = parse("webhook_url: http://x/webhook\nstate: { http: \"http://x/{account_id}\" }\nfields: { linked: { exists: true, path: x } }\n").unwrap_err();
        assert!(error.message.starts_with("a field is a path"), "{error:?}");
        let error = parse("webhook_url: http://x/webhook\nstate: { http: \"http://x/{account_id}\" }\ntimeouts: { step: 0s }\n").unwrap_err();
        assert_eq!(error.message, "timeouts.step must be longer than 0s");
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
        // It is sent as a header: a newline would end it.
        let error = parse("webhook_url: http://x/webhook\nwebhook_secret: \"one\\ntwo\"\nstate: { http: \"http://x/{account_id}\" }\n").unwrap_err();
        assert_eq!(error.at.line, 2);
        assert!(
            error
                .message
                .contains("must not contain control characters"),
            "{error:?}"
        );
    }
}
