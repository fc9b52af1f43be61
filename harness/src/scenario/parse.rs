//! Reading a scenario's YAML tree into the typed model, once: every name, value list and
//! fault rule is checked here, located, with a suggestion, so the runner never re-parses.
//! The checks (`expect_*`, their matchers and counts) are read in [`checks`].

mod checks;

use monosim_simulator::faults::{FaultRule, SyncCode};
use monosim_simulator::webhooks::event;
use monosim_simulator::world::RealtimeData;
use monosim_simulator::world::{institutions, AccountSpec, AuthMethod, DataStatus, Dialect, Mfa};

use super::{
    AccountDecl, Known, Profile, ReauthBy, Scenario, Step, StepKind, WidgetOutcome, STEPS,
};
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::read::Reader;
use crate::yaml::{Node, Value};

/// Loads an included file: given the including file's name and the path as written
/// (relative to the including file), returns (the included file's name for diagnostics,
/// its text), or why it cannot.
pub type Loader<'a> = dyn Fn(&str, &str) -> Result<(String, String), String> + 'a;

/// Keys `expect_state` keeps for itself, so no account alias may take them.
const STATE_KEYS: &[&str] = &["why", "within"];

/// The longest single `advance`: the control API's limit too.
const MAX_ADVANCE: i64 = 366 * monosim_simulator::clock::DAY;

pub(super) fn scenario(
    text: &str,
    file: &str,
    load: &Loader,
    known: &Known,
) -> Result<Scenario, Diagnostic> {
    let r = Reader { file, source: text };
    let root = r.parse()?;
    let top = r.map(&root, "a scenario")?;
    r.known_keys(
        top,
        "a scenario",
        &["name", "description", "why", "accounts", "steps"],
    )?;
    let name = r.string(r.required(&root, "name", "a scenario")?, "name")?;
    let text_of = |key: &str| root.get(key).map(|n| r.string(n, key)).transpose();
    let description = text_of("description")?;
    let why = text_of("why")?;
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
        known,
        depth: 0,
        snapshots: Vec::new(),
        custom_events: Vec::new(),
    };
    parser.steps(&r, steps_node, Profile::Contract, &mut steps)?;
    Ok(Scenario {
        name,
        description,
        why,
        file: file.to_string(),
        accounts,
        steps,
    })
}

/// One of `all`, by its name, with a suggestion when it is a near miss.
fn pick<T: Copy>(
    r: &Reader,
    node: &Node,
    what: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, Diagnostic> {
    let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
    let chosen = r.choice(node, what, &names)?;
    Ok(all[names.iter().position(|n| *n == chosen).unwrap_or(0)])
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
    if STATE_KEYS.contains(&name.as_str()) || name == "sim" {
        return Err(r
            .error(
                alias.at,
                format!("`{name}` is a reserved word, not an alias"),
            )
            .label("reserved")
            .help("give the account another name, e.g. `ada`"));
    }
    let mut out = AccountDecl {
        alias: name,
        spec: AccountSpec::default(),
        data_status: None,
    };
    if matches!(decl.value, Value::Null) {
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
        let Some(index) = institutions::find(&text) else {
            let slugs = institutions::slugs();
            return Err(r
                .error(n.at, format!("unknown institution `{text}`"))
                .label("not in the catalogue")
                .help(match did_you_mean(&text, &slugs) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("expected one of: {}", slugs.join(", ")),
                }));
        };
        out.spec.institution = Some(index);
    }
    if let Some(n) = decl.get("mfa") {
        out.spec.mfa = Some(pick(r, n, "MFA type", &Mfa::ALL, Mfa::as_str)?);
    }
    if let Some(n) = decl.get("auth_method") {
        out.spec.auth_method = Some(pick(
            r,
            n,
            "auth method",
            &AuthMethod::ALL,
            AuthMethod::as_str,
        )?);
    }
    if let Some(n) = decl.get("data_status") {
        out.data_status = Some(pick(
            r,
            n,
            "data status",
            &DataStatus::ALL,
            DataStatus::as_str,
        )?);
    }
    if let Some(n) = decl.get("dialect") {
        out.spec.dialect = Some(pick(r, n, "dialect", &Dialect::ALL, Dialect::as_str)?);
    }
    if let Some(n) = decl.get("balance") {
        out.spec.balance = Some(balance(r, n)?);
    }
    if let Some(n) = decl.get("transactions") {
        out.spec.transactions = Some(r.number(n, "transactions", 0, 20_000)? as u32);
    }
    if let Some(n) = decl.get("name") {
        out.spec.name = Some(r.string(n, "name")?);
    }
    Ok(out)
}

fn balance(r: &Reader, node: &Node) -> Result<i64, Diagnostic> {
    r.number(
        node,
        "balance (kobo)",
        -1_000_000_000_000_000,
        1_000_000_000_000_000,
    )
}

struct StepParser<'a> {
    aliases: &'a [String],
    load: &'a Loader<'a>,
    known: &'a Known,
    depth: usize,
    /// Snapshot names so far: each names one file, so each may appear once.
    snapshots: Vec<String>,
    /// Event names fired with `custom: true`, which `expect_delivery` may then name.
    custom_events: Vec<String>,
}

impl StepParser<'_> {
    fn steps(
        &mut self,
        r: &Reader,
        node: &Node,
        profile: Profile,
        out: &mut Vec<Step>,
    ) -> Result<(), Diagnostic> {
        for item in r.seq(node, "steps")? {
            self.item(r, item, profile, out)?;
        }
        Ok(())
    }

    /// One list item: a step, an `include`, or a `strict` block.
    fn item(
        &mut self,
        r: &Reader,
        item: &Node,
        profile: Profile,
        out: &mut Vec<Step>,
    ) -> Result<(), Diagnostic> {
        let (key, args) =
            match &item.value {
                Value::Str(_) => (item, None),
                Value::Map(entries) if entries.len() == 1 => (&entries[0].0, Some(&entries[0].1)),
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
        match kind.as_str() {
            "include" if profile == Profile::Contract => return self.include(r, key, args, out),
            "include" | "strict" if profile == Profile::Strict => {
                return Err(r
                    .error(
                        key.at,
                        format!("`{kind}` cannot be inside a `strict` block"),
                    )
                    .label("not here")
                    .help("a strict block holds expectations and snapshots only"))
            }
            "strict" => {
                let body = args.ok_or_else(|| {
                    r.error(key.at, "`strict` needs the expectations it holds")
                        .label("missing steps")
                })?;
                return match &body.value {
                    Value::Seq(_) => self.steps(r, body, Profile::Strict, out),
                    _ => self.item(r, body, Profile::Strict, out),
                };
            }
            _ => {}
        }
        let (step, why) = self.step(r, &kind, key, args)?;
        if profile == Profile::Strict && !step.only_checks() {
            return Err(r
                .error(key.at, format!("`{kind}` changes the scenario, so it cannot be strict"))
                .label("not an expectation")
                .help("a strict block holds expectations and snapshots only, so every profile plays the same scenario"));
        }
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
            profile,
            why,
        });
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
                .help(format!(
                    "include paths are relative to the scenario file; {}",
                    super::PROJECT_HELP
                ))
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
        let result = self.steps(&inner, &steps, Profile::Contract, out);
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

    /// Checks the `{…}` placeholders of a text: `{alias}`, `{alias.token}`,
    /// `{alias.code}`, `{alias.balance}`, `{sim.url}`.
    fn placeholders(&self, r: &Reader, node: &Node, text: &str) -> Result<(), Diagnostic> {
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let inside = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            if inside == "sim.url" {
                continue;
            }
            let (alias, field) = inside.split_once('.').unwrap_or((inside, ""));
            if !self.aliases.iter().any(|a| a == alias) {
                return Err(r
                    .error(
                        node.at,
                        format!("placeholder `{{{inside}}}` names no account of this scenario"),
                    )
                    .label("unknown placeholder")
                    .help(format!(
                        "placeholders are {{alias}}, {{alias.token}}, {{alias.code}}, {{alias.balance}} and {{sim.url}}; accounts: {}",
                        self.aliases.join(", ")
                    )));
            }
            if !matches!(field, "" | "token" | "code" | "balance") {
                return Err(r
                    .error(
                        node.at,
                        format!(
                            "`{{{inside}}}`: accounts have `.token`, `.code` and `.balance`, not `.{field}`"
                        ),
                    )
                    .label("unknown placeholder"));
            }
        }
        Ok(())
    }

    /// Checks the placeholders of every string inside `node`.
    fn placeholders_within(&self, r: &Reader, node: &Node) -> Result<(), Diagnostic> {
        match &node.value {
            Value::Str(text) => self.placeholders(r, node, text),
            Value::Seq(items) => items
                .iter()
                .try_for_each(|n| self.placeholders_within(r, n)),
            Value::Map(entries) => entries
                .iter()
                .try_for_each(|(_, n)| self.placeholders_within(r, n)),
            _ => Ok(()),
        }
    }

    /// An event name Mono documents, or one this scenario fired as `custom`.
    fn event(&self, r: &Reader, node: &Node) -> Result<String, Diagnostic> {
        let name = r.string(node, "event")?;
        if event::ALL.contains(&name.as_str()) || self.custom_events.contains(&name) {
            return Ok(name);
        }
        let mut candidates: Vec<&str> = event::ALL.to_vec();
        candidates.extend(self.custom_events.iter().map(String::as_str));
        Err(r
            .error(node.at, format!("`{name}` is not an event Mono sends"))
            .label("unknown event")
            .help(match did_you_mean(&name, &candidates) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "Mono's events are {}; to send an event type Mono may add later, `fire` it with `custom: true`",
                    event::ALL.join(", ")
                ),
            }))
    }

    fn account_arg(
        &self,
        r: &Reader,
        key: &Node,
        args: Option<&Node>,
        what: &str,
        keys: &[&str],
    ) -> Result<(String, Option<Node>), Diagnostic> {
        let args = args.ok_or_else(|| {
            r.error(key.at, format!("`{what}` needs an account"))
                .label("which account?")
        })?;
        match &args.value {
            Value::Map(entries) => {
                r.known_keys(entries, &format!("`{what}`"), keys)?;
                let account = self.alias(r, r.required(args, "account", &format!("`{what}`"))?)?;
                Ok((account, Some(args.clone())))
            }
            _ => Ok((self.alias(r, args)?, None)),
        }
    }

    /// One step, and its `why` (expectations only).
    fn step(
        &mut self,
        r: &Reader,
        kind: &str,
        key: &Node,
        args: Option<&Node>,
    ) -> Result<(StepKind, Option<String>), Diagnostic> {
        let need = |what: &str| -> Result<&Node, Diagnostic> {
            args.ok_or_else(|| {
                r.error(key.at, format!("`{kind}` needs {what}"))
                    .label("missing argument")
            })
        };
        let status = |map: &Option<Node>, key: &str| -> Result<Option<DataStatus>, Diagnostic> {
            map.as_ref()
                .and_then(|m| m.get(key))
                .map(|n| pick(r, n, "data status", &DataStatus::ALL, DataStatus::as_str))
                .transpose()
        };
        let step = match kind {
            "link" => {
                let (account, map) = self.account_arg(
                    r,
                    key,
                    args,
                    kind,
                    &["account", "data_status", "data_delay"],
                )?;
                StepKind::Link {
                    account,
                    data_status: status(&map, "data_status")?,
                    data_delay: map
                        .as_ref()
                        .and_then(|m| m.get("data_delay"))
                        .map(|n| r.duration(n, "data_delay"))
                        .transpose()?,
                }
            }
            "session_expires" => StepKind::SessionExpires {
                account: self.account_arg(r, key, args, kind, &["account"])?.0,
            },
            "unlink" => StepKind::Unlink {
                account: self.account_arg(r, key, args, kind, &["account"])?.0,
            },
            "widget_reauth" => {
                let (account, map) =
                    self.account_arg(r, key, args, kind, &["account", "mfa", "data_status", "by"])?;
                let outcome = match map.as_ref().and_then(|m| m.get("mfa")) {
                    Some(n) => pick(
                        r,
                        n,
                        "widget outcome",
                        &WidgetOutcome::ALL,
                        WidgetOutcome::as_str,
                    )?,
                    None => WidgetOutcome::Correct,
                };
                let by = match map.as_ref().and_then(|m| m.get("by")) {
                    Some(n) => pick(r, n, "re-auth by", &ReauthBy::ALL, ReauthBy::as_str)?,
                    None => ReauthBy::Token,
                };
                if by == ReauthBy::Account
                    && matches!(outcome, WidgetOutcome::Expired | WidgetOutcome::Reused)
                {
                    let at = map
                        .as_ref()
                        .and_then(|m| m.get("mfa"))
                        .map_or(key.at, |n| n.at);
                    return Err(r
                        .error(at, format!("`mfa: {}` needs `by: token`", outcome.as_str()))
                        .label("a widget opened by account id holds no token")
                        .help("`expired` and `reused` are about the re-auth token; by account id the user may answer `correct`, `wrong` or `abandon`"));
                }
                let data_status = status(&map, "data_status")?;
                if data_status.is_some() && outcome != WidgetOutcome::Correct {
                    return Err(r
                        .error(key.at, "`data_status` needs `mfa: correct`")
                        .label("no data is fetched")
                        .help("only a successful re-authorisation fetches data (and sends account_updated)"));
                }
                StepKind::WidgetReauth {
                    account,
                    outcome,
                    by,
                    data_status,
                }
            }
            "sync" => {
                let (account, map) = self.account_arg(r, key, args, kind, &["account", "code"])?;
                let failure = match map.as_ref().and_then(|m| m.get("code")) {
                    Some(n) => {
                        let mut codes = vec!["SYNC_SUCCESSFUL"];
                        codes.extend(SyncCode::ALL.iter().map(|c| c.as_str()));
                        let code = r.choice(n, "sync code", &codes)?;
                        SyncCode::ALL.into_iter().find(|c| c.as_str() == code)
                    }
                    None => None,
                };
                StepKind::Sync { account, failure }
            }
            "realtime" => {
                let (account, map) = self.account_arg(r, key, args, kind, &["account", "data"])?;
                let data = match map.as_ref().and_then(|m| m.get("data")) {
                    Some(n) => {
                        let names: Vec<&str> =
                            RealtimeData::ALL.iter().map(|d| d.as_str()).collect();
                        let name = r.choice(n, "realtime data", &names)?;
                        RealtimeData::ALL
                            .into_iter()
                            .find(|d| d.as_str() == name)
                            .unwrap_or(RealtimeData::Balance)
                    }
                    None => RealtimeData::Balance,
                };
                StepKind::Realtime { account, data }
            }
            "bank_balance" => {
                let node =
                    need("an account and a balance, e.g. { account: ada, balance: 5000000 }")?;
                r.known_keys(
                    r.map(node, "bank_balance")?,
                    "`bank_balance`",
                    &["account", "balance"],
                )?;
                StepKind::BankBalance {
                    account: self.alias(r, r.required(node, "account", "`bank_balance`")?)?,
                    balance: balance(r, r.required(node, "balance", "`bank_balance`")?)?,
                }
            }
            "fire" => {
                let node = need("an event and an account")?;
                r.known_keys(
                    r.map(node, "fire")?,
                    "`fire`",
                    &["event", "account", "set", "delay", "custom"],
                )?;
                let event_node = r.required(node, "event", "`fire`")?;
                let custom = node
                    .get("custom")
                    .map(|n| r.boolean(n, "custom"))
                    .transpose()?
                    .unwrap_or(false);
                let event = if custom {
                    let name = r.string(event_node, "event")?;
                    if event::ALL.contains(&name.as_str()) {
                        return Err(r
                            .error(event_node.at, format!("`{name}` is one of Mono's events"))
                            .label("not custom")
                            .help("remove `custom: true`: it is for event types Mono does not send today"));
                    }
                    self.custom_events.push(name.clone());
                    name
                } else {
                    self.event(r, event_node)?
                };
                let account = self.alias(r, r.required(node, "account", "`fire`")?)?;
                let mut set = Vec::new();
                if let Some(fields) = node.get("set") {
                    for (path, value) in r.map(fields, "set")? {
                        self.placeholders_within(r, value)?;
                        // Checked here, on an empty body, so a path too deep (or not a
                        // path) is a file error at its line, not a step failing later.
                        let (text, json) = (path.scalar_text(), value.to_json());
                        event::apply_override(&mut serde_json::json!({}), &text, &json.to_string())
                            .map_err(|e| r.error(path.at, e.to_string()).label("cannot be set"))?;
                        set.push((text, json));
                    }
                }
                StepKind::Fire {
                    event,
                    account,
                    set,
                    delay: node
                        .get("delay")
                        .map(|n| r.duration(n, "delay"))
                        .transpose()?,
                }
            }
            "advance" => {
                let node = need("a duration like 30s")?;
                let by = r.duration(node, "advance")?;
                if by > MAX_ADVANCE {
                    return Err(r
                        .error(
                            node.at,
                            "one `advance` may move the clock by at most 366 days",
                        )
                        .label("too far")
                        .help("split it into several steps if you really mean it"));
                }
                StepKind::Advance { by }
            }
            "wait_idle" => {
                let mut quiet = None;
                if let Some(node) = args.filter(|n| !matches!(n.value, Value::Null)) {
                    r.known_keys(r.map(node, "wait_idle")?, "`wait_idle`", &["quiet"])?;
                    quiet = node
                        .get("quiet")
                        .map(|n| r.duration(n, "quiet"))
                        .transpose()?;
                }
                StepKind::WaitIdle { quiet }
            }
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
            "fault" => self.fault(r, key, need("a fault rule")?)?,
            "expect_request" | "expect_no_request" | "expect_delivery" | "expect_state" => {
                let node = need("what to expect")?;
                return self.expectation(r, kind, node);
            }
            other => unreachable!("`{other}` is in STEPS but has no parser"),
        };
        Ok((step, None))
    }

    fn fault(&self, r: &Reader, key: &Node, node: &Node) -> Result<StepKind, Diagnostic> {
        let entries = r.map(node, "fault")?;
        r.known_keys(
            entries,
            "`fault`",
            &[
                "kind", "account", "event", "endpoint", "count", "by", "for", "status", "code",
            ],
        )?;
        r.required(node, "kind", "`fault`")?;
        let account = node.get("account").map(|a| self.alias(r, a)).transpose()?;
        if let Some(event) = node.get("event") {
            self.event(r, event)?;
        }
        // The simulator's own reader checks the rest; the account is filled in at the step.
        let mut rule = node.to_json();
        if let Some(object) = rule.as_object_mut() {
            object.remove("account");
        }
        let rule = FaultRule::from_json(rule).map_err(|why| {
            let error = r
                .error(key.at, format!("bad fault: {why}"))
                .label("this fault");
            if why.contains("`kind`") {
                error.help(format!(
                    "fault kinds are: {}",
                    monosim_simulator::faults::KINDS.join(", ")
                ))
            } else {
                error
            }
        })?;
        Ok(StepKind::Fault { rule, account })
    }
}
