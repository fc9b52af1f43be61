//! JSON Schemas of `monosim.yaml` and of scenario files, for editors to autocomplete and
//! check them (`monosim schema`; point the YAML language server at the output). Every value
//! list comes from the type the parser reads it into, so the schema cannot drift from it.

use monosim_simulator::faults::{Endpoint, SyncCode, KINDS};
use monosim_simulator::request_log::Intent;
use monosim_simulator::webhooks::{event, Outcome};
use monosim_simulator::world::RealtimeData;
use monosim_simulator::world::{AuthMethod, DataStatus, Dialect, Mfa};
use serde_json::{json, Value};

use crate::scenario::{ReauthBy, Since, WidgetOutcome, CANONICAL_FIELDS, MATCHERS};

/// The names of `all`, for an `enum`.
fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|t| name(*t)).collect()
}

use monosim_simulator::clock::DURATION_PATTERN;

fn duration() -> Value {
    json!({ "type": "string", "pattern": DURATION_PATTERN, "examples": ["500ms", "30s", "10m", "1m30s", "4h"] })
}

fn account_ref() -> Value {
    json!({ "type": "string", "description": "An account alias declared under `accounts:`" })
}

fn event_name() -> Value {
    json!({ "type": "string", "examples": event::ALL, "description": "One of Mono's events (a `fire` with `custom: true` may send any name)" })
}

fn why() -> Value {
    json!({ "type": "string", "description": "Why the expectation holds: what Mono documents, or what every correct receiver shares" })
}

pub fn config() -> Value {
    let field = json!({ "oneOf": [
        { "type": "string", "description": "The dotted path of the field in the state JSON" },
        { "type": "object", "additionalProperties": false, "required": ["path"], "properties": {
            "path": { "type": "string" },
            "values": { "type": "object", "description": "The receiver's own values → the canonical ones" },
            "is_set": { "const": true, "description": "true when the value at the path is present and not null, false, 0 or \"\"" } } },
        { "type": "object", "additionalProperties": false, "required": ["exists"], "properties": {
            "exists": { "const": true, "description": "true while the state probe finds a record" } } }
    ] });
    let canonical: serde_json::Map<String, Value> = CANONICAL_FIELDS
        .iter()
        .map(|(name, meaning)| {
            let mut schema = field.clone();
            schema["description"] = json!(meaning);
            (name.to_string(), schema)
        })
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "monosim.yaml",
        "type": "object",
        "additionalProperties": false,
        "required": ["webhook_url", "state"],
        "properties": {
            "receiver": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "command": { "type": "string", "description": "Shell command that starts the receiver; monosim stops it at the end" },
                    "cwd": { "type": "string" },
                    "env": { "type": "object", "additionalProperties": { "type": "string" }, "description": "May use {sim.url}, {sim.secret_key}, {sim.webhook_secret}, {receiver.port}" },
                    "ready": { "type": "string", "format": "uri", "description": "Polled until it answers 2xx" },
                    "ready_timeout": duration(),
                    "stop_timeout": duration()
                }
            },
            "webhook_url": { "type": "string", "format": "uri" },
            "webhook_secret": { "type": "string" },
            "simulator": { "type": "object", "additionalProperties": false, "properties": { "port": { "type": "integer", "minimum": 0, "maximum": 65535 } } },
            "state": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "http": { "type": "string", "description": "URL template with {account_id}; answers JSON" },
                    "command": { "type": "string", "description": "Shell command with {account_id}; prints JSON" },
                    "timeout": duration()
                },
                "oneOf": [{ "required": ["http"] }, { "required": ["command"] }]
            },
            "fields": { "type": "object", "properties": canonical, "additionalProperties": field, "description": "Canonical field name → where the receiver's state keeps it" },
            "redact": { "type": "array", "items": { "type": "string" } },
            "scenarios": { "type": "string" },
            "snapshots": { "type": "string", "description": "Where accepted snapshots live (default: <scenarios>/snapshots)" },
            "timeouts": { "type": "object", "additionalProperties": false, "properties": { "step": duration(), "scenario": duration(), "delivery": duration(), "state": duration() } }
        }
    })
}

pub fn scenario() -> Value {
    let account_or = |extra: Value| json!({ "oneOf": [account_ref(), extra] });
    let step = |name: &str, args: Value| json!({ "type": "object", "additionalProperties": false, "required": [name], "properties": { name: args } });
    let data_status = json!({ "enum": names(&DataStatus::ALL, DataStatus::as_str) });
    let count = json!({ "type": "integer", "minimum": 0, "maximum": 1000 });
    let request = |counts: bool| {
        let mut properties = json!({
            "kind": { "enum": names(&Intent::ALL, Intent::as_str), "description": "What the call is for, whatever its path" },
            "call": { "type": "string", "description": "METHOD /path; `*` within a segment, `**` across" },
            "account": account_ref(), "within": duration(), "why": why(),
            "since": { "enum": names(&Since::ALL, Since::as_str), "description": "Count every call of the scenario (start), or only those since the previous step began" }
        });
        if counts {
            properties["times"] = count.clone();
            properties["at_least"] = count.clone();
            properties["at_most"] = count.clone();
        }
        json!({ "oneOf": [
            { "type": "string", "description": "METHOD /path, e.g. POST /accounts/{ada}/reauthorise" },
            { "type": "object", "additionalProperties": false, "properties": properties, "oneOf": [{ "required": ["kind"] }, { "required": ["call"] }] }
        ] })
    };
    let mut sync_codes = vec!["SYNC_SUCCESSFUL"];
    sync_codes.extend(names(&SyncCode::ALL, SyncCode::as_str));
    let state = json!({
        "type": "object",
        "properties": { "why": why(), "within": duration() },
        "additionalProperties": { "type": "object", "description": format!("canonical field → a value, or one of {{{}}}", MATCHERS.join("|")) },
        "description": "alias → canonical field → expected value"
    });
    let checks = vec![
        step("expect_request", request(true)),
        step("expect_no_request", request(false)),
        step(
            "expect_delivery",
            json!({ "type": "object", "additionalProperties": false, "required": ["event", "account"], "properties": { "event": event_name(), "account": account_ref(), "status": { "oneOf": [{ "type": "integer" }, { "type": "string", "pattern": "^[1-5]xx$" }] }, "outcome": { "enum": names(&Outcome::ALL, Outcome::as_str) }, "why": why() } }),
        ),
        step("expect_state", state),
        step(
            "snapshot",
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]+$" }),
        ),
    ];
    let mut steps = vec![
        json!({ "enum": ["wait_idle"] }),
        step(
            "link",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "properties": { "account": account_ref(), "data_status": data_status, "data_delay": duration() }, "required": ["account"] }),
            ),
        ),
        step(
            "session_expires",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "required": ["account"], "properties": { "account": account_ref() } }),
            ),
        ),
        step(
            "fire",
            json!({ "type": "object", "additionalProperties": false, "required": ["event", "account"], "properties": { "event": event_name(), "account": account_ref(), "set": { "type": "object" }, "delay": duration(), "custom": { "type": "boolean" } } }),
        ),
        step(
            "widget_reauth",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "required": ["account"], "properties": { "account": account_ref(), "mfa": { "enum": names(&WidgetOutcome::ALL, WidgetOutcome::as_str) }, "by": { "enum": names(&ReauthBy::ALL, ReauthBy::as_str) }, "data_status": data_status } }),
            ),
        ),
        step(
            "sync",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "required": ["account"], "properties": { "account": account_ref(), "code": { "enum": sync_codes } } }),
            ),
        ),
        step(
            "unlink",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "required": ["account"], "properties": { "account": account_ref() } }),
            ),
        ),
        step(
            "realtime",
            account_or(
                json!({ "type": "object", "additionalProperties": false, "required": ["account"], "properties": { "account": account_ref(), "data": { "enum": names(&RealtimeData::ALL, RealtimeData::as_str) } } }),
            ),
        ),
        step(
            "bank_balance",
            json!({ "type": "object", "additionalProperties": false, "required": ["account", "balance"], "properties": { "account": account_ref(), "balance": { "type": "integer", "description": "kobo" } } }),
        ),
        step("advance", duration()),
        step(
            "fault",
            json!({ "type": "object", "additionalProperties": false, "required": ["kind"], "properties": {
            "kind": { "enum": KINDS },
            "account": account_ref(), "event": event_name(), "endpoint": { "enum": names(&Endpoint::ALL, Endpoint::as_str) },
            "count": { "type": "integer", "minimum": 1 }, "by": duration(), "for": duration(), "status": { "type": "integer" },
            "code": { "enum": names(&SyncCode::ALL, SyncCode::as_str) } } }),
        ),
        step(
            "wait_idle",
            json!({ "type": ["object", "null"], "additionalProperties": false, "properties": { "quiet": duration() } }),
        ),
        step(
            "strict",
            json!({ "description": "Checks that run only with --profile strict", "oneOf": [{ "type": "array", "items": { "oneOf": checks.clone() } }, { "oneOf": checks.clone() }] }),
        ),
        step(
            "include",
            json!({ "type": "string", "description": "A YAML list of steps, relative to this file" }),
        ),
    ];
    steps.extend(checks);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "monosim scenario",
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "steps"],
        "properties": {
            "name": { "type": "string" },
            "description": { "type": "string" },
            "why": { "type": "string", "description": "What the scenario relies on: the behaviour Mono documents, with where" },
            "accounts": {
                "type": "object",
                "additionalProperties": {
                    "type": ["object", "null"],
                    "additionalProperties": false,
                    "properties": {
                        "institution": { "type": "string", "examples": monosim_simulator::world::institutions::slugs() },
                        "mfa": { "enum": names(&Mfa::ALL, Mfa::as_str) },
                        "auth_method": { "enum": names(&AuthMethod::ALL, AuthMethod::as_str) },
                        "data_status": data_status,
                        "dialect": { "enum": names(&Dialect::ALL, Dialect::as_str) },
                        "balance": { "type": "integer" },
                        "transactions": { "type": "integer", "minimum": 0, "maximum": 20000 },
                        "name": { "type": "string" }
                    }
                }
            },
            "steps": { "type": "array", "items": { "oneOf": steps } }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn validator(schema: Value) -> jsonschema::Validator {
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    }

    fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// The files monosim reads, as an editor sees them through the schema.
    fn yaml(path: &Path) -> Value {
        let text = std::fs::read_to_string(path).unwrap();
        crate::yaml::parse(&text).unwrap().to_json()
    }

    #[test]
    fn every_bundled_scenario_and_example_config_is_valid_against_the_schemas() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scenario = validator(scenario());
        for entry in std::fs::read_dir(root.join("scenarios")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let found = errors(&scenario, &yaml(&path));
                assert!(found.is_empty(), "{}: {found:#?}", path.display());
            }
        }
        let config = validator(config());
        for path in [
            root.join("monosim.yaml"),
            root.join("examples/rust-receiver/monosim.yaml"),
            root.join("examples/node-receiver/monosim.yaml"),
            root.join("examples/python-receiver/monosim.yaml"),
            root.join("tests/outsider/monosim.yaml"),
        ] {
            let found = errors(&config, &yaml(&path));
            assert!(found.is_empty(), "{}: {found:#?}", path.display());
        }
        let starters = [crate::bundled::STARTER_CONFIG]
            .into_iter()
            .chain(crate::starter::Stack::ALL.map(|s| s.config()));
        for text in starters {
            let starter = crate::yaml::parse(text).unwrap().to_json();
            let found = errors(&config, &starter);
            assert!(found.is_empty(), "{text}\n{found:#?}");
        }
    }

    #[test]
    fn the_schemas_refuse_what_the_parsers_refuse() {
        let scenario = validator(scenario());
        let bad = serde_json::json!({ "name": "x", "steps": [{ "sesion_expires": "ada" }] });
        assert!(!errors(&scenario, &bad).is_empty());
        let bad = serde_json::json!({ "name": "x", "steps": [{ "widget_reauth": { "account": "ada", "mfa": "maybe" } }] });
        assert!(!errors(&scenario, &bad).is_empty());
    }

    #[test]
    fn durations_the_simulator_writes_match_the_pattern_and_read_back() {
        let pattern = regex::Regex::new(DURATION_PATTERN).unwrap();
        for millis in [
            1,
            500,
            1_000,
            90_000,
            3_600_000,
            86_400_000 + 61_001,
            30 * 86_400_000,
        ] {
            let text = monosim_simulator::clock::format_duration(millis);
            assert!(pattern.is_match(&text), "{text}");
            assert_eq!(
                monosim_simulator::clock::parse_duration(&text),
                Some(millis)
            );
        }
        for text in ["30 s", "1m 30s", "", "s", "1x"] {
            assert!(!pattern.is_match(text), "{text:?}");
        }
    }
}
