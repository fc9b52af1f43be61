use monosim_simulator::request_log::Intent;
use monosim_simulator::world::{DataStatus, Mfa};

use super::*;
use crate::diagnostic::Diagnostic;

fn no_includes(_: &str, _: &str) -> Result<(String, String), String> {
    Err("no includes here".into())
}

fn parse(text: &str) -> Result<Scenario, Diagnostic> {
    Scenario::parse(text, "s.yaml", &no_includes, &Known::canonical())
}

fn error(text: &str) -> Diagnostic {
    parse(text).expect_err("should be refused")
}

const GOOD: &str = "name: reauth
why: the guide
accounts:
  ada: { institution: gtbank, mfa: otp }
steps:
  - link: ada
  - session_expires: ada
  - expect_request: { kind: token, account: ada, why: the guide says so }
  - expect_state: { ada: { reauth_required: true, reauth_token: { issued: latest }, balance: { gt: 0 } } }
  - widget_reauth: { account: ada, mfa: wrong }
  - wait_idle
  - snapshot: after
  - strict:
      - expect_request: { call: \"POST /accounts/{ada}/reauthorise\", times: 1 }
";

#[test]
fn a_scenario_reads_into_typed_steps() {
    let s = parse(GOOD).unwrap();
    assert_eq!(s.accounts[0].alias, "ada");
    assert_eq!(s.accounts[0].spec.mfa, Some(Mfa::Otp));
    assert_eq!(s.why.as_deref(), Some("the guide"));
    assert_eq!(s.steps.len(), 8);
    let StepKind::ExpectRequest(token) = &s.steps[2].kind else {
        panic!("{:?}", s.steps[2])
    };
    assert_eq!(token.call, CallPattern::Intent(Intent::Token));
    assert_eq!(token.account.as_deref(), Some("ada"));
    assert!(token.count.admits(1) && token.count.admits(3) && !token.count.admits(0));
    assert_eq!(s.steps[2].why.as_deref(), Some("the guide says so"));
    assert_eq!(s.steps[2].line, 8);
    assert!(matches!(
        s.steps[4].kind,
        StepKind::WidgetReauth {
            outcome: WidgetOutcome::Wrong,
            data_status: None,
            ..
        }
    ));
    assert!(matches!(
        s.steps[5].kind,
        StepKind::WaitIdle { quiet: None }
    ));
    let quiet = parse("name: x\nsteps:\n  - wait_idle: { quiet: 300ms }\n").unwrap();
    assert!(matches!(
        quiet.steps[0].kind,
        StepKind::WaitIdle { quiet: Some(300) }
    ));
    let StepKind::ExpectState(state) = &s.steps[3].kind else {
        panic!()
    };
    assert_eq!(
        state.accounts[0].fields[1].matcher,
        Matcher::Issued(Issued::Latest)
    );
    assert_eq!(state.accounts[0].fields[2].matcher, Matcher::Greater(0.0));
    let strict = &s.steps[7];
    assert_eq!(strict.profile, Profile::Strict);
    let StepKind::ExpectRequest(route) = &strict.kind else {
        panic!()
    };
    assert_eq!(
        route.call,
        CallPattern::Route {
            method: "POST".into(),
            path: "/accounts/{ada}/reauthorise".into()
        }
    );
    assert_eq!(
        route.count,
        Count {
            at_least: 1,
            at_most: Some(1)
        }
    );
    assert!(s.steps[..7].iter().all(|s| s.profile == Profile::Contract));
}

#[test]
fn values_are_parsed_once_into_the_simulators_types() {
    let s = parse(
        "name: x
accounts:
  ada: { institution: uba, mfa: token, data_status: PARTIAL, dialect: legacy, balance: 5 }
steps:
  - link: { account: ada, data_status: FAILED, data_delay: 1m30s }
  - sync: { account: ada, code: SYNC_ERROR }
  - widget_reauth: { account: ada, data_status: UNAVAILABLE }
  - fault: { kind: reorder, account: ada, event: mono.events.account_updated, by: 5s }
  - bank_balance: { account: ada, balance: 700 }
  - expect_delivery: { event: mono.events.sync_failed, account: ada, status: 2xx, outcome: delivered }
  - fire: { event: mono.events.statement_ready, account: ada, custom: true }
  - expect_delivery: { event: mono.events.statement_ready, account: ada, status: 200 }
  - expect_no_request: { kind: data, account: ada }
  - expect_request: { call: \"GET /v2/accounts/*/balance\", at_least: 1, at_most: 2 }
  - expect_no_request: { kind: data, account: ada, since: previous_step }
",
    )
    .unwrap();
    assert_eq!(s.accounts[0].data_status, Some(DataStatus::Partial));
    assert!(matches!(
        s.steps[0].kind,
        StepKind::Link {
            data_status: Some(DataStatus::Failed),
            data_delay: Some(90_000),
            ..
        }
    ));
    assert!(matches!(
        s.steps[1].kind,
        StepKind::Sync {
            failure: Some(monosim_simulator::faults::SyncCode::SyncError),
            ..
        }
    ));
    let StepKind::Fault { rule, account } = &s.steps[3].kind else {
        panic!()
    };
    assert_eq!(account.as_deref(), Some("ada"));
    assert_eq!(rule.account, None, "filled in when the step runs");
    assert!(matches!(
        s.steps[4].kind,
        StepKind::BankBalance { balance: 700, .. }
    ));
    let StepKind::ExpectDelivery(delivery) = &s.steps[5].kind else {
        panic!()
    };
    assert_eq!(delivery.status, Some(StatusMatch::Class(2)));
    let StepKind::ExpectRequest(never) = &s.steps[8].kind else {
        panic!()
    };
    assert_eq!(never.count.describe(), "never");
    let StepKind::ExpectRequest(bounded) = &s.steps[9].kind else {
        panic!()
    };
    assert_eq!(bounded.count.describe(), "1 to 2 times");
    assert_eq!(bounded.since, Since::Start);
    let StepKind::ExpectRequest(answered) = &s.steps[10].kind else {
        panic!()
    };
    assert_eq!(answered.since, Since::PreviousStep);
    assert_eq!(
        s.steps[10].kind.describe().as_deref(),
        Some("data request for ada since the previous step began: never")
    );
}

#[test]
fn unknown_steps_aliases_fields_and_events_get_suggestions() {
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - sesion_expires: ada\n");
    assert_eq!(e.help.as_deref(), Some("did you mean `session_expires`?"));
    assert_eq!((e.at.line, e.at.column), (4, 5));
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - link: adaa\n");
    assert_eq!(e.help.as_deref(), Some("did you mean `ada`?"));
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { reauth_tokn: { present: false } } }\n");
    assert_eq!(e.message, "unknown field `reauth_tokn`");
    assert_eq!(e.help.as_deref(), Some("did you mean `reauth_token`?"));
    assert_eq!((e.at.line, e.at.column), (4, 28));
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { t: { presnt: false } } }\n");
    assert_eq!(e.message, "unknown field `t`", "fields are checked first");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { linked: { presnt: false } } }\n");
    assert_eq!(e.message, "unknown matcher `presnt`");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - fire: { event: mono.events.acount_updated, account: ada }\n");
    assert_eq!(
        e.message,
        "`mono.events.acount_updated` is not an event Mono sends"
    );
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `mono.events.account_updated`?")
    );
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_delivery: { event: mono.events.reauthorization_required, account: ada }\n");
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `mono.events.reauthorisation_required`?"),
        "British s"
    );
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - snapshot: a\n  - snapshot: a\n");
    assert!(e.message.contains("taken twice"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { linked: { not: \"{ada.tokn}\" } } }\n");
    assert!(e.message.contains("`.tokn`"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { linked: \"{bola.token}\" } }\n");
    assert!(e.message.contains("names no account"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_request: { kind: tokn, account: ada }\n");
    assert_eq!(e.help.as_deref(), Some("did you mean `token`?"));
}

#[test]
fn a_field_the_config_does_not_map_is_named_with_the_fix() {
    let known = Known {
        fields: vec!["reauth_required".into(), "flag_set_at".into()],
    };
    let parse = |text: &str| Scenario::parse(text, "s.yaml", &no_includes, &known);
    let e = parse(
        "name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { balance: 5 } }\n",
    )
    .unwrap_err();
    assert_eq!(e.message, "monosim.yaml does not map the field `balance`");
    assert!(e
        .help
        .unwrap()
        .contains("add `balance: <its path in your state JSON>`"));
    assert!(parse("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { flag_set_at: { present: true } } }\n").is_ok());
}

#[test]
fn strict_blocks_hold_only_checks() {
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - strict:\n      - link: ada\n");
    assert_eq!(
        e.message,
        "`link` changes the scenario, so it cannot be strict"
    );
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - strict: { strict: [] }\n");
    assert!(
        e.message.contains("cannot be inside a `strict` block"),
        "{e:?}"
    );
    let s = parse("name: x\naccounts: { ada: {} }\nsteps:\n  - strict: { expect_state: { ada: { linked: true } } }\n").unwrap();
    assert_eq!(s.steps[0].profile, Profile::Strict);
    assert!(Profile::Contract.runs(Profile::Contract));
    assert!(!Profile::Contract.runs(Profile::Strict));
    assert!(Profile::Strict.runs(Profile::Contract));
}

#[test]
fn bad_values_are_refused_where_they_are_written() {
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - advance: 999999999h\n");
    assert!(e.message.contains("at most 366 days"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_state: { ada: { reauth_token: { matches: \"([\" } } }\n");
    assert!(e.message.contains("is not a regular expression"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_request: { kind: token, times: 1, at_least: 1 }\n");
    assert!(
        e.message.contains("`times` says the count exactly"),
        "{e:?}"
    );
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_no_request: { kind: token, since: previous_stp }\n");
    assert_eq!(e.help.as_deref(), Some("did you mean `previous_step`?"));
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_no_request: { kind: token, times: 2 }\n");
    assert_eq!(e.message, "unknown key `times` in `expect_no_request`");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - expect_delivery: { event: mono.events.account_updated, account: ada, status: 2x }\n");
    assert!(e.message.contains("neither a status nor a class"), "{e:?}");
    let e = error(
        "name: x\naccounts: { ada: {} }\nsteps:\n  - fault: { kind: dupliate, account: ada }\n",
    );
    assert!(e.message.starts_with("bad fault: `kind`"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - fire: { event: mono.events.account_updated, account: ada, custom: true }\n");
    assert_eq!(
        e.message,
        "`mono.events.account_updated` is one of Mono's events"
    );
    let e = error("name: x\naccounts: { why: {} }\nsteps: []\n");
    assert!(e.message.contains("reserved"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - widget_reauth: { account: ada, mfa: wrong, data_status: PARTIAL }\n");
    assert_eq!(e.message, "`data_status` needs `mfa: correct`");
}

#[test]
fn widget_reauth_opens_by_token_unless_told_by_account() {
    let s = parse(
        "name: x
accounts: { ada: {} }
steps:
  - widget_reauth: ada
  - widget_reauth: { account: ada, by: token, mfa: reused }
  - widget_reauth: { account: ada, by: account, mfa: wrong }
  - widget_reauth: { account: ada, by: account, data_status: PARTIAL }
",
    )
    .unwrap();
    let by: Vec<(ReauthBy, WidgetOutcome)> = s
        .steps
        .iter()
        .map(|step| match step.kind {
            StepKind::WidgetReauth { by, outcome, .. } => (by, outcome),
            _ => panic!("{step:?}"),
        })
        .collect();
    assert_eq!(
        by,
        [
            (ReauthBy::Token, WidgetOutcome::Correct),
            (ReauthBy::Token, WidgetOutcome::Reused),
            (ReauthBy::Account, WidgetOutcome::Wrong),
            (ReauthBy::Account, WidgetOutcome::Correct),
        ]
    );
}

#[test]
fn widget_reauth_by_account_refuses_what_only_a_token_can_do() {
    for outcome in ["expired", "reused"] {
        let e = error(&format!(
            "name: x\naccounts: {{ ada: {{}} }}\nsteps:\n  - widget_reauth: {{ account: ada, by: account, mfa: {outcome} }}\n"
        ));
        assert_eq!(
            e.message,
            format!("`mfa: {outcome}` needs `by: token`"),
            "{e:?}"
        );
        assert_eq!(e.at.line, 4, "{e:?}");
    }
    let e = error(
        "name: x\naccounts: { ada: {} }\nsteps:\n  - widget_reauth: { account: ada, by: acount }\n",
    );
    assert!(e.message.contains("re-auth by"), "{e:?}");
    assert!(format!("{e:?}").contains("account"), "did you mean: {e:?}");
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
    let s = Scenario::parse(
        "name: x\naccounts: { ada: {} }\nsteps:\n  - link: ada\n  - include: shared/expire.yaml\n",
        "s.yaml",
        &load,
        &Known::canonical(),
    )
    .unwrap();
    assert_eq!(s.steps.len(), 3);
    assert_eq!(s.steps[1].file, "scenarios/shared/expire.yaml");
    assert_eq!(s.steps[1].line, 1);
}

#[test]
fn value_lists_spell_what_the_simulator_reads() {
    // The names a scenario may write are the simulator's own spellings (its serde names).
    for status in DataStatus::ALL {
        assert_eq!(serde_json::json!(status), status.as_str());
    }
    for mfa in Mfa::ALL {
        assert_eq!(serde_json::json!(mfa), mfa.as_str());
    }
    for method in monosim_simulator::world::AuthMethod::ALL {
        assert_eq!(serde_json::json!(method), method.as_str());
    }
    for code in monosim_simulator::faults::SyncCode::ALL {
        assert_eq!(serde_json::json!(code), code.as_str());
    }
    for outcome in monosim_simulator::webhooks::Outcome::ALL {
        assert_eq!(serde_json::json!(outcome), outcome.as_str());
    }
    for intent in Intent::ALL {
        assert_eq!(serde_json::json!(intent), intent.as_str());
    }
    for kind in monosim_simulator::faults::KINDS {
        let refused =
            monosim_simulator::faults::FaultRule::from_json(serde_json::json!({ "kind": kind }))
                .err()
                .unwrap_or_default();
        assert!(!refused.contains("unknown variant"), "{kind}: {refused}");
    }
}

/// Issue 12, item 1: a `set` path of 20,000 keys overflowed the simulator's stack when the
/// step ran (`monosim run` exited 134 and left the receiver running). It is a file error
/// now, at the path, before anything starts; a path as deep as a body may be still parses.
/// (200 keys: YAML keys written without `?` stop at 1,024 characters.)
#[test]
fn a_set_path_deeper_than_a_body_may_nest_is_a_file_error() {
    let deep = vec!["a"; 200].join(".");
    let e = error(&format!(
        "name: x\naccounts: {{ ada: {{}} }}\nsteps:\n  - fire: {{ event: mono.events.account_updated, account: ada, set: {{ {deep}: 1 }} }}\n"
    ));
    assert!(e.message.contains("may nest at most 127 levels"), "{e:?}");
    assert_eq!(e.at.line, 4, "{e:?}");
    let fits = vec!["a"; 127].join(".");
    parse(&format!(
        "name: x\naccounts: {{ ada: {{}} }}\nsteps:\n  - fire: {{ event: mono.events.account_updated, account: ada, set: {{ {fits}: 1 }} }}\n"
    ))
    .unwrap();
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - fire: { event: mono.events.account_updated, account: ada, set: { \"data..x\": 1 } }\n");
    assert!(e.message.contains("is not a dotted path"), "{e:?}");
}

/// Issue 13, item 1: the app's realtime request, and the faults that shape its job.
#[test]
fn the_realtime_step_names_an_account_and_what_to_fetch() {
    use monosim_simulator::faults::FaultKind;
    use monosim_simulator::world::RealtimeData;
    let s = parse(
        "name: x
accounts: { ada: { mfa: otp } }
steps:
  - fault: { kind: realtime_fails, account: ada }
  - fault: { kind: realtime_slow, by: 10m, count: 2 }
  - realtime: ada
  - realtime: { account: ada, data: transactions }
  - realtime: { account: ada, data: balance }
  - expect_delivery: { event: mono.accounts.jobs.update, account: ada, status: 2xx }
",
    )
    .unwrap();
    let StepKind::Fault { rule, .. } = &s.steps[0].kind else {
        panic!()
    };
    assert_eq!(rule.kind, FaultKind::RealtimeFails);
    let StepKind::Fault { rule, .. } = &s.steps[1].kind else {
        panic!()
    };
    assert_eq!(rule.kind, FaultKind::RealtimeSlow { by: 600_000 });
    let data: Vec<RealtimeData> = s.steps[2..5]
        .iter()
        .map(|step| match &step.kind {
            StepKind::Realtime { account, data } if account == "ada" => *data,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        data,
        [
            RealtimeData::Balance,
            RealtimeData::Transactions,
            RealtimeData::Balance
        ]
    );

    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - realtime: { account: ada, data: transaction }\n");
    assert!(e.message.contains("transaction"), "{e:?}");
    assert_eq!(e.at.line, 4, "{e:?}");
    assert!(
        format!("{e:?}").contains("did you mean `transactions`"),
        "{e:?}"
    );
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - realtime: { account: bola }\n");
    assert!(e.message.contains("bola"), "{e:?}");
    let e = error(
        "name: x\naccounts: { ada: {} }\nsteps:\n  - realtime: { account: ada, when: now }\n",
    );
    assert!(e.message.contains("when"), "{e:?}");
    let e = error("name: x\naccounts: { ada: {} }\nsteps:\n  - fault: { kind: realtime_fails, endpoint: sync }\n");
    assert!(e.message.contains("realtime"), "{e:?}");
}
