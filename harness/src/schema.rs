//! JSON Schemas of `monosim.yaml` and of scenario files, for editors to autocomplete and
//! check them (`monosim schema`; point the YAML language server at the output).

use serde_json::{json, Value};

use crate::scenario::MFA_OUTCOMES;

fn duration() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+ ?(ms|s|m|min|h|d)?$", "examples": ["500ms", "30s", "10m", "4h"] })
}

fn account_ref() -> Value {
    json!({ "type": "string", "description": "An account alias declared under `accounts:`" })
}

pub fn config() -> Value {
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
                    "env": { "type": "object", "additionalProperties": { "type": "string" }, "description": "May use {sim.url}, {sim.secret_key}, {sim.webhook_secret}" },
                    "ready": { "type": "string", "format": "uri", "description": "Polled until it answers 2xx" },
                    "ready_timeout": duration()
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
            "fields": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Canonical name → the receiver's dotted JSON path" },
            "redact": { "type": "array", "items": { "type": "string" } },
            "scenarios": { "type": "string" },
            "timeouts": { "type": "object", "additionalProperties": false, "properties": { "step": duration(), "scenario": duration(), "delivery": duration() } }
        }
    })
}

pub fn scenario() -> Value {
    let account_or = |extra: Value| json!({ "oneOf": [account_ref(), extra] });
    let step = |name: &str, args: Value| json!({ "type": "object", "additionalProperties": false, "required": [name], "properties": { name: args } });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "monosim scenario",
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "steps"],
        "properties": {
            "name": { "type": "string" },
            "description": { "type": "string" },
            "accounts": {
                "type": "object",
                "additionalProperties": {
                    "type": ["object", "null"],
                    "additionalProperties": false,
                    "properties": {
                        "institution": { "type": "string" },
                        "mfa": { "enum": ["none", "otp", "security_question", "token"] },
                        "auth_method": { "enum": ["internet_banking", "mobile_banking"] },
                        "data_status": { "enum": ["AVAILABLE", "PARTIAL", "UNAVAILABLE", "FAILED", "PROCESSING"] },
                        "dialect": { "enum": ["legacy", "current"] },
                        "balance": { "type": "integer" },
                        "transactions": { "type": "integer", "minimum": 0, "maximum": 20000 },
                        "name": { "type": "string" }
                    }
                }
            },
            "steps": {
                "type": "array",
                "items": {
                    "oneOf": [
                        { "enum": ["wait_idle"] },
                        step("link", account_or(json!({ "type": "object", "properties": { "account": account_ref(), "data_status": { "type": "string" }, "data_delay": duration() }, "required": ["account"] }))),
                        step("session_expires", account_or(json!({ "type": "object", "required": ["account"], "properties": { "account": account_ref() } }))),
                        step("fire", json!({ "type": "object", "required": ["event", "account"], "properties": { "event": { "type": "string" }, "account": account_ref(), "set": { "type": "object" }, "delay": duration() } })),
                        step("widget_reauth", account_or(json!({ "type": "object", "required": ["account"], "properties": { "account": account_ref(), "mfa": { "enum": MFA_OUTCOMES } } }))),
                        step("sync", account_or(json!({ "type": "object", "required": ["account"], "properties": { "account": account_ref(), "code": { "enum": ["SYNC_SUCCESSFUL", "SYNC_ERROR", "INCOMPLETE_STATEMENT_ERROR"] } } }))),
                        step("unlink", account_or(json!({ "type": "object", "required": ["account"], "properties": { "account": account_ref() } }))),
                        step("advance", duration()),
                        step("fault", json!({ "type": "object", "required": ["kind"], "properties": {
                            "kind": { "enum": ["duplicate", "reorder", "delay", "drop_attempt", "wrong_secret", "missing_secret", "other_dialect", "status", "hang", "sync_code"] },
                            "account": account_ref(), "event": { "type": "string" }, "endpoint": { "enum": ["reauthorise", "sync"] },
                            "count": { "type": "integer", "minimum": 1 }, "by": duration(), "for": duration(), "status": { "type": "integer" }, "code": { "type": "string" } } })),
                        step("wait_idle", json!({ "type": ["object", "null"] })),
                        step("expect_request", json!({ "oneOf": [{ "type": "string", "description": "METHOD /path, e.g. POST /accounts/{ada}/reauthorise" }, { "type": "object", "required": ["call"], "properties": { "call": { "type": "string" }, "within": duration(), "times": { "type": "integer", "minimum": 0 } } }] })),
                        step("expect_no_request", json!({ "oneOf": [{ "type": "string" }, { "type": "object", "required": ["call"], "properties": { "call": { "type": "string" }, "within": duration() } }] })),
                        step("expect_delivery", json!({ "type": "object", "required": ["event", "account"], "properties": { "event": { "type": "string" }, "account": account_ref(), "status": { "type": "integer" }, "outcome": { "enum": ["delivered", "failed", "dropped", "gave_up"] } } })),
                        step("expect_state", json!({ "type": "object", "additionalProperties": { "type": "object" }, "description": "alias → field → value or {not|one_of|present|gt|lt|equals}" })),
                        step("snapshot", json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]+$" })),
                        step("include", json!({ "type": "string", "description": "A YAML list of steps, relative to this file" }))
                    ]
                }
            }
        }
    })
}
