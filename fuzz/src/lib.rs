//! The properties monosim's input parsers and webhook payload builder must keep on *any*
//! input, written once and checked two ways: by the coverage-guided libFuzzer targets in
//! `fuzz/libfuzzer/` (`scripts/fuzz`), and by `cargo test`, which replays the committed
//! corpus and every input that once broke a property (`tests/replay.rs`).
//!
//! Each check takes raw bytes, as a fuzzer hands them over, and panics when a property is
//! broken — which is how libFuzzer learns of a failure. The properties:
//!
//! - no parser panics, whatever the bytes;
//! - every parse error says where: a line and column inside the text it was given (and the
//!   excerpt it shows is that line), or for a JSON fault rule, the field;
//! - a webhook body built from any account and sync report the simulator accepts is a JSON
//!   object with the fields Mono documents for that event and dialect, and `path=value`
//!   overrides either apply exactly or are refused with a message, leaving the body as it was.

use std::path::Path;
use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use monosim_harness::config::Config;
use monosim_harness::diagnostic::Diagnostic;
use monosim_harness::scenario::{Known, Scenario};
use monosim_harness::yaml::lines;
use monosim_simulator::clock::{Clock, Timestamp};
use monosim_simulator::echo::Echo;
use monosim_simulator::faults::FaultRule;
use monosim_simulator::webhooks::event::{self, Context, SyncReport};
use monosim_simulator::world::{
    institutions, AccountKind, AccountSpec, Arrival, AuthMethod, DataStatus, Dialect, Mfa,
    ObjectId, World, WorldConfig, WorldFile, WorldFileError,
};
use serde_json::{json, Value};

/// The name the fuzzed scenario is parsed under; `include: self.yaml` includes it again (so
/// include nesting is fuzzed too) and `include: shared.yaml` brings in `SHARED_STEPS`.
pub const SCENARIO_FILE: &str = "s.yaml";
const SHARED_STEPS: &str = "- session_expires: ada\n- wait_idle\n";

/// Scenario text → [`Scenario::parse`]: no panic; an error points into the file it names.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // files are read as UTF-8 before they are parsed
    };
    let source_of = |file: &str| -> Option<&str> {
        match file {
            SCENARIO_FILE | "self.yaml" => Some(text),
            "shared.yaml" => Some(SHARED_STEPS),
            _ => None,
        }
    };
    let load = |_from: &str, path: &str| -> Result<(String, String), String> {
        match source_of(path) {
            Some(source) if path != SCENARIO_FILE => Ok((path.to_string(), source.to_string())),
            _ => Err("no such file".to_string()),
        }
    };
    match Scenario::parse(text, SCENARIO_FILE, &load, &Known::canonical()) {
        Ok(scenario) => {
            for step in &scenario.steps {
                let source = source_of(&step.file)
                    .unwrap_or_else(|| panic!("step in unknown file {:?}", step.file));
                assert!(
                    (1..=lines(source).count()).contains(&step.line),
                    "step {:?} has line {} outside its file",
                    step.kind,
                    step.line
                );
            }
        }
        Err(diagnostic) => {
            let source = source_of(&diagnostic.file)
                .unwrap_or_else(|| panic!("diagnostic names unknown file {:?}", diagnostic.file));
            located(&diagnostic, source);
        }
    }
}

/// Config text → [`Config::parse`]: no panic; an error points into the text.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, "monosim.yaml", Path::new("project")) {
        Ok(config) => {
            // What the runner does next with any config must not panic either.
            let config = config.with_receiver_port(4100);
            assert!(!config.wants_receiver_port());
        }
        Err(diagnostic) => {
            assert_eq!(diagnostic.file, "monosim.yaml");
            located(&diagnostic, text);
        }
    }
}

/// World-file text → [`WorldFile::parse`]: no panic; an error has a line and column in the
/// text.
pub fn world_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match WorldFile::parse(text, "world.yaml") {
        Ok(_) => {}
        Err(WorldFileError::Invalid {
            path,
            line,
            column,
            message,
        }) => {
            assert_eq!(path, "world.yaml");
            assert!(
                !message.trim().is_empty(),
                "empty message at {line}:{column}"
            );
            let lines = lines(text).count().max(1) as u64;
            assert!(
                line >= 1 && line <= lines + 1 && column >= 1,
                "world-file error at {line}:{column}, outside the {lines}-line text: {message}"
            );
        }
        Err(other) => panic!("parsing text did I/O: {other}"),
    }
}

/// Fault-rule JSON → [`FaultRule::from_json`] (what `POST /_sim/faults` and a scenario's
/// `fault` step do): no panic; an accepted rule is valid and reads back from its own JSON;
/// a refusal names the field at fault.
pub fn fault_rule(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match FaultRule::from_json(value.clone()) {
        Ok(rule) => {
            assert!(rule.count >= 1);
            rule.validate().expect("an accepted rule is valid");
            // The control API lists rules as JSON; what it lists must be accepted again.
            let mut listed = serde_json::to_value(&rule).expect("a rule serialises");
            listed
                .as_object_mut()
                .expect("a rule is an object")
                .remove("id");
            let again = FaultRule::from_json(listed.clone())
                .unwrap_or_else(|e| panic!("listed rule {listed} is refused: {e}"));
            assert_eq!(again.kind, rule.kind);
            assert_eq!(
                (again.account, again.event, again.endpoint, again.count),
                (rule.account, rule.event, rule.endpoint, rule.count)
            );
        }
        Err(message) => {
            let Some(object) = value.as_object() else {
                assert_eq!(message, "a fault is a JSON object");
                return;
            };
            let names_a_field = object
                .keys()
                .map(String::as_str)
                .chain(["kind", "by", "for", "status", "code", "endpoint", "count"])
                .any(|key| message.contains(&format!("`{}`", Echo(key))));
            assert!(
                names_a_field,
                "refusal of {value} names no field: {message}"
            );
        }
    }
}

/// Checks a diagnostic points at a real place in `source` and renders it.
fn located(diagnostic: &Diagnostic, source: &str) {
    let at = diagnostic.at;
    let lines: Vec<&str> = lines(source).collect();
    assert!(
        at.line >= 1 && at.column >= 1,
        "no location ({}:{}) for: {}",
        at.line,
        at.column,
        diagnostic.message
    );
    // The end of the text is a place too (an unclosed bracket is found there).
    assert!(
        at.line <= lines.len() + 1,
        "line {} is past the end ({} lines) for: {}",
        at.line,
        lines.len(),
        diagnostic.message
    );
    let line = lines.get(at.line - 1).copied().unwrap_or_default();
    assert_eq!(
        diagnostic.source_line, line,
        "the excerpt is not line {}",
        at.line
    );
    assert!(
        at.column <= line.chars().count() + 1,
        "column {} is past the end of line {} ({:?}) for: {}",
        at.column,
        at.line,
        line,
        diagnostic.message
    );
    assert!(!diagnostic.message.trim().is_empty(), "empty message");
    let rendered = diagnostic.render(false);
    let place = format!("{}:{}:{}", diagnostic.file, at.line, at.column);
    assert!(
        rendered.contains(&place),
        "{rendered} does not show {place}"
    );
}

/// Everything a webhook body is built from, drawn by the fuzzer.
#[derive(Debug, Arbitrary)]
pub struct PayloadInput {
    institution: u8,
    auth_method: Option<bool>,
    mfa: Option<u8>,
    kind: Option<u8>,
    account_status: Option<u8>,
    account_legacy: Option<bool>,
    balance: Option<i64>,
    transactions: Option<u16>,
    name: Option<String>,
    reference: Option<String>,
    seed: u64,
    /// Seconds since the epoch the clock starts at.
    start: u32,
    event: EventName,
    legacy: bool,
    reported_status: u8,
    sync_status: Option<u8>,
    job_id: Option<String>,
    has_new_data: bool,
    overrides: Vec<(String, String)>,
}

#[derive(Debug, Arbitrary)]
pub enum EventName {
    Known(u8),
    Other(String),
}

const EVENTS: &[&str] = &[
    event::ACCOUNT_CONNECTED,
    event::ACCOUNT_UPDATED,
    event::REAUTHORISATION_REQUIRED,
    event::ACCOUNT_REAUTHORIZED,
    event::SYNC_FAILED,
    event::ACCOUNT_UNLINKED,
    event::JOBS_UPDATE,
];

const STATUSES: &[DataStatus] = &[
    DataStatus::Available,
    DataStatus::Processing,
    DataStatus::Partial,
    DataStatus::Unavailable,
    DataStatus::Failed,
];

fn pick<T: Copy>(items: &[T], n: u8) -> T {
    items[usize::from(n) % items.len()]
}

/// Builds a body from fuzzer-drawn inputs and checks it against Mono's documented shapes,
/// then applies the drawn overrides.
pub fn webhook_payload(data: &[u8]) {
    let Ok(input) = PayloadInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    webhook_payload_from(&input);
}

pub fn webhook_payload_from(input: &PayloadInput) {
    let clock = Arc::new(Clock::starting_at(
        Timestamp(i64::from(input.start) * 1000),
        true,
    ));
    let world = World::new(
        WorldConfig {
            seed: input.seed,
            id_salt: input.seed.rotate_left(17),
            dialect: Dialect::Current,
            random_accounts: 0,
            file: None,
        },
        clock.clone(),
    )
    .expect("an empty world builds");
    let spec = AccountSpec {
        institution: Some(usize::from(input.institution) % institutions::CATALOGUE.len()),
        auth_method: input.auth_method.map(|mobile| {
            if mobile {
                AuthMethod::MobileBanking
            } else {
                AuthMethod::InternetBanking
            }
        }),
        mfa: input
            .mfa
            .map(|n| pick(&[Mfa::None, Mfa::Otp, Mfa::SecurityQuestion, Mfa::Token], n)),
        kind: input.kind.map(|n| {
            pick(
                &[
                    AccountKind::SavingsAccount,
                    AccountKind::CurrentAccount,
                    AccountKind::DigitalSavingsAccount,
                ],
                n,
            )
        }),
        data_status: input.account_status.map(|n| pick(STATUSES, n)),
        balance: input.balance,
        transactions: input.transactions.map(u32::from),
        name: input.name.clone(),
        reference: input.reference.clone(),
        dialect: input.account_legacy.map(|legacy| {
            if legacy {
                Dialect::Legacy
            } else {
                Dialect::Current
            }
        }),
        ..AccountSpec::default()
    };
    // Specs the world refuses (a balance beyond its range, say) are not "valid inputs".
    let Ok(id) = world.create_account(spec, Arrival::Seeded) else {
        return;
    };
    let account = world.account(&id).expect("a created account exists");
    let name = match &input.event {
        EventName::Known(n) => pick(EVENTS, *n).to_string(),
        EventName::Other(name) => name.clone(),
    };
    let dialect = if input.legacy {
        Dialect::Legacy
    } else {
        Dialect::Current
    };
    let ctx = Context {
        event_id: world.new_event_id(),
        now: clock.now(),
        app: world.app(),
        business: world.business(),
        data_status: pick(STATUSES, input.reported_status),
        sync: SyncReport {
            sync_status: input
                .sync_status
                .map(|n| pick(&["SUCCESSFUL", "FAILED", "REAUTHORISATION_REQUIRED"], n)),
            job_id: input.job_id.clone(),
            has_new_data: input.has_new_data,
            job: None,
        },
    };
    let mut body = event::body(&name, &account, dialect, &ctx);
    check_body(&body, &name, &account.id, dialect, &ctx);
    round_trips(&body);

    for (path, value) in &input.overrides {
        let before = body.clone();
        match event::apply_override(&mut body, path, value) {
            Ok(()) => {
                let expected: Value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
                let at = path
                    .split('.')
                    .try_fold(&body, |node, key| node.get(key))
                    .unwrap_or_else(|| panic!("override {path}={value} applied but not found"));
                assert_eq!(at, &expected, "override {path}={value}");
            }
            Err(error) => {
                assert_eq!(body, before, "refused override {path} changed the body");
                let message = error.to_string();
                assert!(
                    message.contains(&format!("`{}`", Echo(path))),
                    "refusal does not name the path: {message}"
                );
            }
        }
    }
    round_trips(&body);
}

/// The body is valid JSON: it serialises and reads back as itself.
fn round_trips(body: &Value) {
    let text = body.to_string();
    let back: Value = serde_json::from_str(&text).expect("a body is valid JSON");
    assert_eq!(&back, body);
}

/// The fields `mono-api.md` (from Mono's docs) says each event carries.
fn check_body(body: &Value, name: &str, id: &ObjectId, dialect: Dialect, ctx: &Context) {
    let top = body.as_object().expect("a body is a JSON object");
    assert_eq!(body["event"], json!(name));
    let data = body["data"].as_object().expect("`data` is an object");
    if dialect == Dialect::Current {
        assert_eq!(body["event_id"], json!(ctx.event_id.to_string()));
        let timestamp = body["timestamp"].as_str().expect("`timestamp` is text");
        assert_eq!(Timestamp::parse_rfc3339(timestamp), Some(ctx.now));
        assert_eq!(
            top.len(),
            4,
            "current bodies are event, event_id, timestamp, data"
        );
    } else {
        assert_eq!(top.len(), 2, "legacy bodies are event and data: {body}");
    }
    let id = json!(id.to_string());
    let has = |value: &Value, keys: &[&str]| {
        for key in keys {
            assert!(value.get(key).is_some(), "{name}: no `{key}` in {value}");
        }
    };
    let current = dialect == Dialect::Current;
    match name {
        event::ACCOUNT_CONNECTED => {
            assert_eq!(data["id"], id);
            if current {
                has(&body["data"], &["customer", "meta", "app", "business"]);
                assert_eq!(data["meta"]["data_status"], "PROCESSING");
                has(&data["meta"], &["auth_method", "ref"]);
            } else {
                assert_eq!(data.len(), 1, "legacy account_connected is {{id}}");
            }
        }
        event::ACCOUNT_UPDATED => {
            let meta = &data["meta"];
            assert_eq!(meta["data_status"], ctx.data_status.as_str());
            has(meta, &["auth_method"]);
            let account = &data["account"];
            assert_eq!(account["_id"], id);
            has(
                account,
                &[
                    "name",
                    "accountNumber",
                    "currency",
                    "balance",
                    "type",
                    "bvn",
                    "liveMode",
                    "institution",
                    "scope",
                    "accessType",
                    "created_at",
                    "updated_at",
                ],
            );
            has(&account["institution"], &["name", "bankCode", "type"]);
            if current {
                has(meta, &["ref", "retrieved_data"]);
                assert_eq!(account["authMethod"], meta["auth_method"]);
                assert!(meta["retrieved_data"].is_array());
                assert_eq!(
                    meta.get("sync_status").and_then(Value::as_str),
                    ctx.sync.sync_status
                );
                // Mono sends `has_new_data` only when it is true.
                assert_eq!(
                    meta.get("has_new_data"),
                    ctx.sync.has_new_data.then_some(&json!(true))
                );
            } else {
                assert!(meta.get("sync_status").is_none() && meta.get("ref").is_none());
            }
        }
        event::ACCOUNT_UNLINKED => {
            assert_eq!(data["account"]["id"], id);
            assert_eq!(data["account"]["_id"], id);
        }
        event::JOBS_UPDATE => {
            assert_eq!(data["account"], id);
            has(&body["data"], &["business", "app", "id", "name", "status"]);
            let status = data["status"].as_str().expect("a job status is text");
            assert!(["processing", "finished", "failed"].contains(&status));
        }
        _ => {
            // reauthorisation_required, account_reauthorized, sync_failed and any event
            // Mono may add: `{"account":{"_id"}}`.
            assert_eq!(data["account"]["_id"], id);
            if name == event::ACCOUNT_REAUTHORIZED && current {
                has(&body["data"], &["app", "business"]);
            }
        }
    }
}
