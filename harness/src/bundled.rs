//! The bundled scenario library, compiled into the binary so `monosim init` can copy it
//! into any project. A test checks that every file in `scenarios/` is listed here.

/// (path under `scenarios/`, contents)
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "account-connected-after-updated.yaml",
        include_str!("../../scenarios/account-connected-after-updated.yaml"),
    ),
    (
        "data-failed.yaml",
        include_str!("../../scenarios/data-failed.yaml"),
    ),
    (
        "data-partial.yaml",
        include_str!("../../scenarios/data-partial.yaml"),
    ),
    (
        "data-processing.yaml",
        include_str!("../../scenarios/data-processing.yaml"),
    ),
    (
        "data-unavailable.yaml",
        include_str!("../../scenarios/data-unavailable.yaml"),
    ),
    (
        "duplicate-delivery.yaml",
        include_str!("../../scenarios/duplicate-delivery.yaml"),
    ),
    (
        "legacy-dialect-reauth.yaml",
        include_str!("../../scenarios/legacy-dialect-reauth.yaml"),
    ),
    (
        "link-data-arrives-later.yaml",
        include_str!("../../scenarios/link-data-arrives-later.yaml"),
    ),
    (
        "link-happy-path.yaml",
        include_str!("../../scenarios/link-happy-path.yaml"),
    ),
    (
        "many-accounts-reauth.yaml",
        include_str!("../../scenarios/many-accounts-reauth.yaml"),
    ),
    (
        "mixed-dialect-payloads.yaml",
        include_str!("../../scenarios/mixed-dialect-payloads.yaml"),
    ),
    (
        "realtime-job-reauth.yaml",
        include_str!("../../scenarios/realtime-job-reauth.yaml"),
    ),
    (
        "reauth-by-account-id.yaml",
        include_str!("../../scenarios/reauth-by-account-id.yaml"),
    ),
    (
        "reauth-flow.yaml",
        include_str!("../../scenarios/reauth-flow.yaml"),
    ),
    (
        "reauth-partial-data.yaml",
        include_str!("../../scenarios/reauth-partial-data.yaml"),
    ),
    (
        "reauthorise-429-then-recovers.yaml",
        include_str!("../../scenarios/reauthorise-429-then-recovers.yaml"),
    ),
    (
        "reauthorise-500-retried.yaml",
        include_str!("../../scenarios/reauthorise-500-retried.yaml"),
    ),
    (
        "reauthorized-after-updated.yaml",
        include_str!("../../scenarios/reauthorized-after-updated.yaml"),
    ),
    (
        "shared/session-expires.yaml",
        include_str!("../../scenarios/shared/session-expires.yaml"),
    ),
    (
        "stale-account-updated.yaml",
        include_str!("../../scenarios/stale-account-updated.yaml"),
    ),
    (
        "sync-error.yaml",
        include_str!("../../scenarios/sync-error.yaml"),
    ),
    (
        "sync-incomplete-statement.yaml",
        include_str!("../../scenarios/sync-incomplete-statement.yaml"),
    ),
    (
        "sync-reauthorisation-required.yaml",
        include_str!("../../scenarios/sync-reauthorisation-required.yaml"),
    ),
    (
        "token-expired-before-reauth.yaml",
        include_str!("../../scenarios/token-expired-before-reauth.yaml"),
    ),
    (
        "unknown-event-types.yaml",
        include_str!("../../scenarios/unknown-event-types.yaml"),
    ),
    (
        "unlink-while-reauth-pending.yaml",
        include_str!("../../scenarios/unlink-while-reauth-pending.yaml"),
    ),
    (
        "webhook-attempt-dropped.yaml",
        include_str!("../../scenarios/webhook-attempt-dropped.yaml"),
    ),
    (
        "widget-abandoned.yaml",
        include_str!("../../scenarios/widget-abandoned.yaml"),
    ),
    (
        "wrong-otp-then-correct.yaml",
        include_str!("../../scenarios/wrong-otp-then-correct.yaml"),
    ),
    (
        "wrong-webhook-secret.yaml",
        include_str!("../../scenarios/wrong-webhook-secret.yaml"),
    ),
];

/// The starter `monosim.yaml` that `monosim init` writes.
pub const STARTER_CONFIG: &str = r#"# monosim: run the bundled scenarios against your webhook receiver.
# Reference: docs/config.md (this file) and docs/scenarios.md (scenarios) in monosim's repository.
receiver:
  # How monosim starts your receiver (remove to test one that is already running).
  command: npm start
  env:
    PORT: "{receiver.port}"             # a free port monosim picks
    MONO_BASE_URL: "{sim.url}"          # point your Mono client here instead of api.withmono.com
    MONO_SECRET_KEY: "{sim.secret_key}"
    MONO_WEBHOOK_SEC: "{sim.webhook_secret}"
  ready: "http://127.0.0.1:{receiver.port}/health"
webhook_url: "http://127.0.0.1:{receiver.port}/webhook"
state:
  # How monosim reads what your receiver stored for one account (JSON).
  http: "http://127.0.0.1:{receiver.port}/test/accounts/{account_id}"
  # or: command: "sqlite3 -json app.db \"select * from accounts where mono_id='{account_id}'\""
fields:
  # The canonical fields the bundled scenarios check → where your state keeps them: a dotted
  # path, or { path: status, values: { ready: AVAILABLE } } to translate your own words,
  # { path: reauthCode, is_set: true } for a flag told by a value being set, or
  # { exists: true } for `linked` if your receiver deletes unlinked accounts.
  reauth_required: reauthRequired     # the data-sync guide's reauthRequired
  reauth_token: reauthCode            # its reauthCode: the token, or the v2 mono_url
  data_status: dataStatus             # the data_status Mono last reported
  linked: linked                      # false once the account is unlinked
  balance: balance                    # kobo
scenarios: scenarios
# snapshots: scenarios/snapshots      # where accepted snapshots live (commit them)
"#;

/// The table of every assertion of a library (docs/library.md): each scenario's reason,
/// then every expectation with the profile it runs in and its own reason.
pub fn assertion_table(scenarios: &[(std::path::PathBuf, crate::scenario::Scenario)]) -> String {
    use std::fmt::Write as _;
    let cell = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace('|', "\\|")
    };
    let file = |path: &std::path::Path| {
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut out = String::from("| scenario | what it relies on |\n| --- | --- |\n");
    for (path, scenario) in scenarios {
        let _ = writeln!(
            out,
            "| [{}](../scenarios/{}) | {} |",
            cell(&scenario.name),
            file(path),
            cell(scenario.why.as_deref().unwrap_or("—"))
        );
    }
    out.push_str(
        "\n| scenario | step | profile | asserts | why |\n| --- | --- | --- | --- | --- |\n",
    );
    for (path, scenario) in scenarios {
        for step in scenario.expectations() {
            let at = format!(
                "{}:{}",
                std::path::Path::new(&step.file)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                step.line
            );
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                file(path).trim_end_matches(".yaml"),
                at,
                step.profile.as_str(),
                cell(&step.kind.describe().unwrap_or_default()),
                cell(step.why.as_deref().unwrap_or("the scenario's"))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_scenario_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut on_disk = Vec::new();
        for dir in [root.clone(), root.join("shared")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    on_disk.push(
                        path.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        on_disk.sort();
        let embedded: Vec<String> = SCENARIOS.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn the_bundled_scenarios_and_starter_config_parse() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let scenarios = crate::runner::load_scenarios(
            &root,
            &crate::scenario::Known::canonical(),
            &crate::runner::Includes::within([root.clone()]),
        )
        .unwrap_or_else(|d| panic!("{}", crate::diagnostic::Diagnostics(d).render(false)));
        assert_eq!(
            scenarios.len(),
            SCENARIOS.iter().filter(|(p, _)| !p.contains('/')).count()
        );
        crate::config::Config::parse(STARTER_CONFIG, "monosim.yaml", std::path::Path::new("."))
            .unwrap();
        for (path, scenario) in &scenarios {
            assert!(
                scenario.why.is_some(),
                "{}: every bundled scenario says what it relies on (`why:`)",
                path.display()
            );
        }
    }

    /// docs/library.md lists every assertion of the library; `UPDATE_DOCS=1 cargo test -p
    /// monosim-harness` rewrites the table after the scenarios change.
    #[test]
    fn the_library_docs_list_every_assertion_and_its_reason() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scenarios = crate::runner::load_scenarios(
            &root.join("scenarios"),
            &crate::scenario::Known::canonical(),
            &crate::runner::Includes::within([root.join("scenarios")]),
        )
        .unwrap_or_else(|d| panic!("{}", crate::diagnostic::Diagnostics(d).render(false)));
        let table = assertion_table(&scenarios);
        let docs_path = root.join("docs/library.md");
        let docs = std::fs::read_to_string(&docs_path).unwrap();
        let (start, end) = ("<!-- assertions:start -->\n", "<!-- assertions:end -->");
        let from = docs.find(start).expect("the start marker") + start.len();
        let to = docs.find(end).expect("the end marker");
        if docs[from..to] == table {
            return;
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{table}{}", &docs[..from], &docs[to..]);
            std::fs::write(&docs_path, updated).unwrap();
            return;
        }
        panic!(
            "docs/library.md's table is out of date: run `UPDATE_DOCS=1 cargo test -p monosim-harness library_docs` and read the diff"
        );
    }
}
