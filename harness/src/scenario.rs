//! Scenario files: the accounts a scenario plays with and the steps it takes. Parsing does
//! no I/O: `include` goes through a loader the caller provides.
//!
//! ```yaml
//! name: MFA account is re-authorised through the widget
//! description: The bank session expires; the receiver must fetch a token and clear the flag.
//! accounts:
//!   ada: { institution: gtbank, mfa: otp }
//! steps:
//!   - link: ada
//!   - session_expires: ada
//!   - expect_request: POST /accounts/{ada}/reauthorise
//!   - expect_state: { ada: { reauth_required: true, reauth_token: "{ada.token}" } }
//!   - widget_reauth: { account: ada, mfa: correct }
//!   - expect_state: { ada: { reauth_required: false } }
//!   - snapshot: reauthorised
//! ```

use serde_json::Value as Json;

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::read::Reader;
use crate::yaml::Node;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// The file, as the user would name it.
    pub file: String,
    pub accounts: Vec<AccountDecl>,
    pub steps: Vec<Step>,
}

/// An account the scenario plays with, by alias.
#[derive(Clone, Debug)]
pub struct AccountDecl {
    pub alias: String,
    pub institution: Option<String>,
    pub mfa: Option<String>,
    pub auth_method: Option<String>,
    /// The data status once linked (`AVAILABLE` by default).
    pub data_status: Option<String>,
    pub dialect: Option<String>,
    pub balance: Option<i64>,
    pub transactions: Option<u32>,
    pub name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub kind: StepKind,
    /// Where the step is written (an included file's steps point into that file).
    pub file: String,
    pub line: usize,
    /// The step's first line as written, for reports.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Link {
        account: String,
        data_status: Option<String>,
        data_delay: Option<i64>,
    },
    SessionExpires {
        account: String,
    },
    Fire {
        event: String,
        account: String,
        set: Vec<(String, Json)>,
        delay: Option<i64>,
    },
    WidgetReauth {
        account: String,
        mfa: String,
    },
    Sync {
        account: String,
        code: Option<String>,
    },
    Unlink {
        account: String,
    },
    Advance {
        by: i64,
    },
    Fault {
        rule: Json,
    },
    WaitIdle,
    ExpectRequest {
        method: String,
        path: String,
        within: Option<i64>,
        times: Option<usize>,
    },
    ExpectDelivery {
        event: String,
        account: String,
        status: Option<u16>,
        outcome: Option<String>,
    },
    ExpectState {
        accounts: Vec<(String, Vec<(String, Matcher)>)>,
    },
    Snapshot {
        name: String,
    },
}

/// How an expected field is compared.
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    Equals(Json),
    Not(Json),
    OneOf(Vec<Json>),
    /// The field exists and is not null (`true`), or is absent or null (`false`).
    Present(bool),
    Greater(f64),
    Less(f64),
}

pub const STEPS: &[&str] = &[
    "link",
    "session_expires",
    "fire",
    "widget_reauth",
    "sync",
    "unlink",
    "advance",
    "fault",
    "wait_idle",
    "expect_request",
    "expect_no_request",
    "expect_delivery",
    "expect_state",
    "snapshot",
    "include",
];

/// The ways an expected field can be compared, besides plain equality.
const MATCHERS: &[&str] = &["not", "one_of", "present", "gt", "lt", "equals"];

pub const MFA_OUTCOMES: &[&str] = &["correct", "wrong", "expired", "reused", "abandon"];
const DATA_STATUSES: &[&str] = &[
    "AVAILABLE",
    "PARTIAL",
    "UNAVAILABLE",
    "FAILED",
    "PROCESSING",
];
const SYNC_CODES: &[&str] = &[
    "SYNC_SUCCESSFUL",
    "SYNC_ERROR",
    "INCOMPLETE_STATEMENT_ERROR",
];

/// Loads an included file: given the including file's name and the path as written
/// (relative to the including file), returns (the included file's name for diagnostics,
/// its text), or why it cannot.
pub type Loader<'a> = dyn Fn(&str, &str) -> Result<(String, String), String> + 'a;

impl Scenario {
    pub fn parse(text: &str, file: &str, load: &Loader) -> Result<Scenario, Diagnostic> {
        let r = Reader { file, source: text };
        let root = r.parse()?;
        let top = r.map(&root, "a scenario")?;
        r.known_keys(
            top,
            "a scenario",
            &["name", "description", "accounts", "steps"],
        )?;
        let name = r.string(r.required(&root, "name", "a scenario")?, "name")?;
        let description = root
            .get("description")
            .map(|d| r.string(d, "description"))
            .transpose()?;
        let mut accounts = Vec::new();
        if let Some(node) = root.get("accounts") {
            for (alias, decl) in r.map(node, "accounts")? {
                accounts.push(account(&r, alias, decl)?);
            }
        }
        let aliases: Vec<String> = accounts.iter().map(|a| a.alias.clone()).collect();
        let steps_node = r.required(&root, "steps", "a scenario")?;
        let mut steps = Vec::new();
        let mut parser = StepParser {
            aliases: &aliases,
            load,
            depth: 0,
            snapshots: Vec::new(),
        };
        parser.steps(&r, steps_node, &mut steps)?;
        Ok(Scenario {
            name,
            description,
            file: file.to_string(),
            accounts,
            steps,
        })
    }
}

fn account(r: &Reader, alias: &Node, decl: &Node) -> Result<AccountDecl, Diagnostic> {
    let name = alias.scalar_text();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(r
            .error(
                alias.at,
                format!("account alias `{name}` must be letters, digits and _"),
            )
            .label("bad alias"));
    }
    let mut out = AccountDecl {
        alias: name,
        institution: None,
        mfa: None,
        auth_method: None,
        data_status: None,
        dialect: None,
        balance: None,
        transactions: None,
        name: None,
    };
    if matches!(decl.value, crate::yaml::Value::Null) {
        return Ok(out);
    }
    let entries = r.map(decl, "an account")?;
    r.known_keys(
        entries,
        "an account",
        &[
            "institution",
            "mfa",
            "auth_method",
            "data_status",
            "dialect",
            "balance",
            "transactions",
            "name",
        ],
    )?;
    if let Some(n) = decl.get("institution") {
        let text = r.string(n, "institution")?;
        if monosim_simulator::world::institutions::find(&text).is_none() {
            let slugs = monosim_simulator::world::institutions::slugs();
            return Err(r
                .error(n.at, format!("unknown institution `{text}`"))
                .label("not in the catalogue")
                .help(match did_you_mean(&text, &slugs) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("expected one of: {}", slugs.join(", ")),
                }));
        }
        out.institution = Some(text);
    }
    if let Some(n) = decl.get("mfa") {
        out.mfa = Some(r.choice(
            n,
            "MFA type",
            &["none", "otp", "security_question", "token"],
        )?);
    }
    if let Some(n) = decl.get("auth_method") {
        out.auth_method =
            Some(r.choice(n, "auth method", &["internet_banking", "mobile_banking"])?);
    }
    if let Some(n) = decl.get("data_status") {
        out.data_status = Some(r.choice(n, "data status", DATA_STATUSES)?);
    }
    if let Some(n) = decl.get("dialect") {
        out.dialect = Some(r.choice(n, "dialect", &["legacy", "current"])?);
    }
    if let Some(n) = decl.get("balance") {
        out.balance =
            Some(r.number(n, "balance", -1_000_000_000_000_000, 1_000_000_000_000_000)?);
    }
    if let Some(n) = decl.get("transactions") {
        out.transactions = Some(r.number(n, "transactions", 0, 20_000)? as u32);
    }
    if let Some(n) = decl.get("name") {
        out.name = Some(r.string(n, "name")?);
    }
    Ok(out)
}

struct StepParser<'a> {
    aliases: &'a [String],
    load: &'a Loader<'a>,
    depth: usize,
    /// Snapshot names so far: each names one file, so each may appear once.
    snapshots: Vec<String>,
}

impl StepParser<'_> {
    fn steps(&mut self, r: &Reader, node: &Node, out: &mut Vec<Step>) -> Result<(), Diagnostic> {
        for item in r.seq(node, "steps")? {
            let (key, args) = match &item.value {
                crate::yaml::Value::Str(_) => (item, None),
                crate::yaml::Value::Map(entries) if entries.len() == 1 => {
                    (&entries[0].0, Some(&entries[0].1))
                }
                _ => return Err(r
                    .error(
                        item.at,
                        "a step is one `kind: arguments` pair (or a bare kind like `wait_idle`)",
                    )
                    .label("not a step")
                    .help(format!("steps are: {}", STEPS.join(", ")))),
            };
            let kind = r
                .choice(key, "step", STEPS)
                .map_err(|d| d.label("not a step"))?;
            if kind == "include" {
                self.include(r, key, args, out)?;
                continue;
            }
            let step = self.step(r, &kind, key, args)?;
            if let StepKind::Snapshot { name } = &step {
                if self.snapshots.contains(name) {
                    return Err(r
                        .error(
                            key.at,
                            format!("snapshot `{name}` is taken twice in this scenario"),
                        )
                        .label("duplicate name")
                        .help("each snapshot is its own file: give this one another name"));
                }
                self.snapshots.push(name.clone());
            }
            out.push(Step {
                kind: step,
                file: r.file.to_string(),
                line: key.at.line,
                text: crate::yaml::line(r.source, key.at.line)
                    .unwrap_or_default()
                    .trim()
                    .trim_start_matches("- ")
                    .to_string(),
            });
        }
        Ok(())
    }

    fn include(
        &mut self,
        r: &Reader,
        key: &Node,
        args: Option<&Node>,
        out: &mut Vec<Step>,
    ) -> Result<(), Diagnostic> {
        let path_node = args.ok_or_else(|| {
            r.error(key.at, "`include` needs a file")
                .label("which file?")
        })?;
        let path = r.string(path_node, "include")?;
        if self.depth >= 8 {
            return Err(r
                .error(
                    path_node.at,
                    "includes nest more than 8 deep (is a file including itself?)",
                )
                .label("here"));
        }
        let (name, text) = (self.load)(r.file, &path).map_err(|why| {
            r.error(path_node.at, format!("cannot include `{path}`: {why}"))
                .label("cannot read this file")
                .help("include paths are relative to the scenario file")
        })?;
        let inner = Reader {
            file: &name,
            source: &text,
        };
        let root = inner.parse()?;
        let steps = match root.get("steps") {
            Some(steps) => steps.clone(),
            None => root,
        };
        self.depth += 1;
        let result = self.steps(&inner, &steps, out);
        self.depth -= 1;
        result
    }

    fn alias(&self, r: &Reader, node: &Node) -> Result<String, Diagnostic> {
        let alias = r.string(node, "an account alias")?;
        if self.aliases.contains(&alias) {
            return Ok(alias);
        }
        let known: Vec<&str> = self.aliases.iter().map(String::as_str).collect();
        Err(r
            .error(node.at, format!("no account `{alias}` in this scenario"))
            .label("unknown alias")
            .help(match did_you_mean(&alias, &known) {
                Some(close) => format!("did you mean `{close}`?"),
                None if known.is_empty() => "declare it under `accounts:` first".to_string(),
                None => format!("declared accounts: {}", known.join(", ")),
            }))
    }

    /// Checks `{alias}` / `{alias.token}` placeholders in a text.
    fn placeholders(&self, r: &Reader, node: &Node, text: &str) -> Result<(), Diagnostic> {
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let inside = &rest[open + 1..open + close];
            let (alias, field) = inside.split_once('.').unwrap_or((inside, ""));
            if !self.aliases.iter().any(|a| a == alias) {
                return Err(r
                    .error(
                        node.at,
                        format!("placeholder `{{{inside}}}` names no account of this scenario"),
                    )
                    .label("unknown placeholder")
                    .help(format!(
                        "placeholders are {{alias}}, {{alias.token}}, {{alias.code}}; accounts: {}",
                        self.aliases.join(", ")
                    )));
            }
            if !matches!(field, "" | "token" | "code") {
                return Err(r
                    .error(
                        node.at,
                        format!(
                            "`{{{inside}}}`: accounts have `.token` and `.code`, not `.{field}`"
                        ),
                    )
                    .label("unknown placeholder"));
            }
            rest = &rest[open + close + 1..];
        }
        Ok(())
    }

    fn account_arg(
        &self,
        r: &Reader,
        key: &Node,
        args: Option<&Node>,
        what: &str,
    ) -> Result<(String, Option<Node>), Diagnostic> {
        let args = args.ok_or_else(|| {
            r.error(key.at, format!("`{what}` needs an account"))
                .label("which account?")
        })?;
        match &args.value {
            crate::yaml::Value::Map(_) => {
                let account = self.alias(r, r.required(args, "account", &format!("`{what}`"))?)?;
                Ok((account, Some(args.clone())))
            }
            _ => Ok((self.alias(r, args)?, None)),
        }
    }

    fn step(
        &self,
        r: &Reader,
        kind: &str,
        key: &Node,
        args: Option<&Node>,
    ) -> Result<StepKind, Diagnostic> {
        let need = |what: &str| -> Result<&Node, Diagnostic> {
            args.ok_or_else(|| {
                r.error(key.at, format!("`{kind}` needs {what}"))
                    .label("missing argument")
            })
        };
        Ok(match kind {
            "link" => {
                let (account, map) = self.account_arg(r, key, args, kind)?;
                let (mut data_status, mut data_delay) = (None, None);
                if let Some(map) = map {
                    r.known_keys(
                        r.map(&map, "link")?,
                        "`link`",
                        &["account", "data_status", "data_delay"],
                    )?;
                    data_status = map
                        .get("data_status")
                        .map(|n| r.choice(n, "data status", DATA_STATUSES))
                        .transpose()?;
                    data_delay = map
                        .get("data_delay")
                        .map(|n| r.duration(n, "data_delay"))
                        .transpose()?;
                }
                StepKind::Link {
                    account,
                    data_status,
                    data_delay,
                }
            }
            "session_expires" => StepKind::SessionExpires {
                account: self.account_arg(r, key, args, kind)?.0,
            },
            "unlink" => StepKind::Unlink {
                account: self.account_arg(r, key, args, kind)?.0,
            },
            "widget_reauth" => {
                let (account, map) = self.account_arg(r, key, args, kind)?;
                let mut mfa = "correct".to_string();
                if let Some(map) = map {
                    r.known_keys(
                        r.map(&map, "widget_reauth")?,
                        "`widget_reauth`",
                        &["account", "mfa"],
                    )?;
                    if let Some(n) = map.get("mfa") {
                        mfa = r.choice(n, "widget outcome", MFA_OUTCOMES)?;
                    }
                }
                StepKind::WidgetReauth { account, mfa }
            }
            "sync" => {
                let (account, map) = self.account_arg(r, key, args, kind)?;
                let mut code = None;
                if let Some(map) = map {
                    r.known_keys(r.map(&map, "sync")?, "`sync`", &["account", "code"])?;
                    code = map
                        .get("code")
                        .map(|n| r.choice(n, "sync code", SYNC_CODES))
                        .transpose()?;
                }
                StepKind::Sync {
                    account,
                    code: code.filter(|c| c != "SYNC_SUCCESSFUL"),
                }
            }
            "fire" => {
                let node = need("an event and an account")?;
                r.known_keys(
                    r.map(node, "fire")?,
                    "`fire`",
                    &["event", "account", "set", "delay"],
                )?;
                let event = r.string(r.required(node, "event", "`fire`")?, "event")?;
                let account = self.alias(r, r.required(node, "account", "`fire`")?)?;
                let mut set = Vec::new();
                if let Some(fields) = node.get("set") {
                    for (path, value) in r.map(fields, "set")? {
                        self.placeholders_within(r, value)?;
                        set.push((path.scalar_text(), value.to_json()));
                    }
                }
                let delay = node
                    .get("delay")
                    .map(|n| r.duration(n, "delay"))
                    .transpose()?;
                StepKind::Fire {
                    event,
                    account,
                    set,
                    delay,
                }
            }
            "advance" => StepKind::Advance {
                by: r.duration(need("a duration like 30s")?, "advance")?,
            },
            "wait_idle" => StepKind::WaitIdle,
            "snapshot" => {
                let node = need("a name")?;
                let name = r.string(node, "snapshot name")?;
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(r
                        .error(
                            node.at,
                            format!("snapshot name `{name}` must be letters, digits, _ and -"),
                        )
                        .label("bad name"));
                }
                StepKind::Snapshot { name }
            }
            "fault" => {
                let node = need("a fault rule")?;
                let entries = r.map(node, "fault")?;
                r.known_keys(
                    entries,
                    "`fault`",
                    &[
                        "kind", "account", "event", "endpoint", "count", "by", "for", "status",
                        "code",
                    ],
                )?;
                r.required(node, "kind", "`fault`")?;
                if let Some(a) = node.get("account") {
                    self.alias(r, a)?;
                }
                // Check the rest with the simulator's own reader, at the step.
                let mut rule = node.to_json();
                if rule.get("account").is_some() {
                    rule["account"] = Json::String("5f171a530295e231abca1153".into());
                }
                if let Err(why) = monosim_simulator::faults::FaultRule::from_json(rule) {
                    return Err(r
                        .error(key.at, format!("bad fault: {why}"))
                        .label("this fault"));
                }
                StepKind::Fault {
                    rule: node.to_json(),
                }
            }
            "expect_request" | "expect_no_request" => {
                let node = need("a call like `POST /accounts/{ada}/reauthorise`")?;
                let (call_node, within, times) = match &node.value {
                    crate::yaml::Value::Map(entries) => {
                        r.known_keys(entries, &format!("`{kind}`"), &["call", "within", "times"])?;
                        let within = node
                            .get("within")
                            .map(|n| r.duration(n, "within"))
                            .transpose()?;
                        let times = node
                            .get("times")
                            .map(|n| r.number(n, "times", 0, 1000))
                            .transpose()?;
                        (
                            r.required(node, "call", &format!("`{kind}`"))?.clone(),
                            within,
                            times,
                        )
                    }
                    _ => (node.clone(), None, None),
                };
                let call = r.string(&call_node, "call")?;
                let (method, path) = call.split_once(' ').ok_or_else(|| {
                    r.error(call_node.at, format!("`{call}` is not `METHOD /path`"))
                        .label("expected e.g. POST /accounts/{ada}/reauthorise")
                })?;
                let method = method.to_uppercase();
                if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method.as_str())
                    || !path.starts_with('/')
                {
                    return Err(r
                        .error(call_node.at, format!("`{call}` is not `METHOD /path`"))
                        .label("expected e.g. POST /accounts/{ada}/reauthorise"));
                }
                self.placeholders(r, &call_node, path)?;
                let times = if kind == "expect_no_request" {
                    Some(0)
                } else {
                    times.map(|t| t as usize)
                };
                StepKind::ExpectRequest {
                    method,
                    path: path.trim().to_string(),
                    within,
                    times,
                }
            }
            "expect_delivery" => {
                let node = need("an event and an account")?;
                r.known_keys(
                    r.map(node, "expect_delivery")?,
                    "`expect_delivery`",
                    &["event", "account", "status", "outcome"],
                )?;
                StepKind::ExpectDelivery {
                    event: r.string(r.required(node, "event", "`expect_delivery`")?, "event")?,
                    account: self.alias(r, r.required(node, "account", "`expect_delivery`")?)?,
                    status: node
                        .get("status")
                        .map(|n| r.number(n, "status", 100, 599).map(|s| s as u16))
                        .transpose()?,
                    outcome: node
                        .get("outcome")
                        .map(|n| {
                            r.choice(
                                n,
                                "delivery outcome",
                                &["delivered", "failed", "dropped", "gave_up"],
                            )
                        })
                        .transpose()?,
                }
            }
            "expect_state" => {
                let node = need("accounts and their expected fields")?;
                let mut accounts = Vec::new();
                for (alias, fields) in r.map(node, "expect_state")? {
                    let alias = self.alias(r, alias)?;
                    let mut expected = Vec::new();
                    for (field, value) in r.map(fields, "the expected fields")? {
                        expected.push((field.scalar_text(), self.matcher(r, value)?));
                    }
                    accounts.push((alias, expected));
                }
                StepKind::ExpectState { accounts }
            }
            other => unreachable!("`{other}` is in STEPS but has no parser"),
        })
    }

    /// Checks the placeholders of every string inside `node`.
    fn placeholders_within(&self, r: &Reader, node: &Node) -> Result<(), Diagnostic> {
        match &node.value {
            crate::yaml::Value::Str(text) => self.placeholders(r, node, text),
            crate::yaml::Value::Seq(items) => items
                .iter()
                .try_for_each(|n| self.placeholders_within(r, n)),
            crate::yaml::Value::Map(entries) => entries
                .iter()
                .try_for_each(|(_, n)| self.placeholders_within(r, n)),
            _ => Ok(()),
        }
    }

    fn matcher(&self, r: &Reader, node: &Node) -> Result<Matcher, Diagnostic> {
        self.placeholders_within(r, node)?;
        let Some(entries) = node.as_map().filter(|e| e.len() == 1) else {
            return Ok(Matcher::Equals(node.to_json()));
        };
        let (key, value) = &entries[0];
        let name = key.scalar_text();
        let number = |n: &Node| match n.to_json().as_f64() {
            Some(x) => Ok(x),
            None => Err(r
                .error(n.at, format!("`{name}` compares with a number"))
                .label("not a number")),
        };
        Ok(match name.as_str() {
            "not" => Matcher::Not(value.to_json()),
            "one_of" => Matcher::OneOf(r.seq(value, "one_of")?.iter().map(Node::to_json).collect()),
            "present" => Matcher::Present(r.boolean(value, "present")?),
            "gt" => Matcher::Greater(number(value)?),
            "lt" => Matcher::Less(number(value)?),
            "equals" => Matcher::Equals(value.to_json()),
            // A one-key map that is almost a matcher is a typo, not a value to compare with.
            other => match did_you_mean(other, MATCHERS) {
                Some(close) => {
                    return Err(r
                        .error(key.at, format!("unknown matcher `{other}`"))
                        .label("not a matcher")
                        .help(format!(
                        "did you mean `{close}`? (to compare with a map, write `equals: {{ … }}`)"
                    )))
                }
                None => Matcher::Equals(node.to_json()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_includes(_: &str, _: &str) -> Result<(String, String), String> {
        Err("no includes here".into())
    }

    fn parse(text: &str) -> Result<Scenario, Diagnostic> {
        Scenario::parse(text, "s.yaml", &no_includes)
    }

    const GOOD: &str = "name: reauth\naccounts:\n  ada: { institution: gtbank, mfa: otp }\nsteps:\n  - link: ada\n  - session_expires: ada\n  - expect_request: POST /accounts/{ada}/reauthorise\n  - expect_state: { ada: { reauth_required: true, reauth_token: \"{ada.token}\", balance: { gt: 0 } } }\n  - widget_reauth: { account: ada, mfa: wrong }\n  - wait_idle\n  - snapshot: after\n";

    #[test]
    fn a_scenario_reads_into_steps() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.accounts[0].alias, "ada");
        assert_eq!(s.steps.len(), 7);
        assert_eq!(
            s.steps[2].kind,
            StepKind::ExpectRequest {
                method: "POST".into(),
                path: "/accounts/{ada}/reauthorise".into(),
                within: None,
                times: None
            }
        );
        assert_eq!(s.steps[2].line, 7);
        assert_eq!(
            s.steps[4].kind,
            StepKind::WidgetReauth {
                account: "ada".into(),
                mfa: "wrong".into()
            }
        );
        assert_eq!(s.steps[5].kind, StepKind::WaitIdle);
        let StepKind::ExpectState { accounts } = &s.steps[3].kind else {
            panic!()
        };
        assert_eq!(accounts[0].1[2], ("balance".into(), Matcher::Greater(0.0)));
    }

    #[test]
    fn unknown_steps_and_aliases_get_suggestions() {
        let error =
            parse("name: x\naccounts: { ada: {} }\nsteps:\n  - sesion_expires: ada\n").unwrap_err();
        assert_eq!(
            error.help.as_deref(),
            Some("did you mean `session_expires`?")
        );
        assert_eq!((error.at.line, error.at.column), (4, 5));
        let error = parse("name: x\naccounts: { ada: {} }\nsteps:\n  - link: adaa\n").unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `ada`?"));
        let error = parse("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { t: { presnt: false } } }\n").unwrap_err();
        assert_eq!(error.message, "unknown matcher `presnt`");
        let error =
            parse("name: x\naccounts: { ada: {} }\nsteps:\n  - snapshot: a\n  - snapshot: a\n")
                .unwrap_err();
        assert!(error.message.contains("taken twice"), "{error:?}");
        let error = parse("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { t: { not: \"{ada.tokn}\" } } }\n").unwrap_err();
        assert!(error.message.contains("`.tokn`"), "{error:?}");
        let error = parse("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { t: \"{bola.token}\" } }\n").unwrap_err();
        assert!(error.message.contains("names no account"), "{error:?}");
    }

    #[test]
    fn includes_bring_in_steps_from_another_file() {
        let load = |from: &str, path: &str| -> Result<(String, String), String> {
            assert_eq!((from, path), ("s.yaml", "shared/expire.yaml"));
            Ok((
                "scenarios/shared/expire.yaml".into(),
                "- session_expires: ada\n- wait_idle\n".into(),
            ))
        };
        let s = Scenario::parse("name: x\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - include: shared/expire.yaml\n", "s.yaml", &load).unwrap();
        assert_eq!(s.steps.len(), 3);
        assert_eq!(s.steps[1].file, "scenarios/shared/expire.yaml");
        assert_eq!(s.steps[1].line, 1);
    }
}
