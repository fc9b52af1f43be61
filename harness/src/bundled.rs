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
        "reauth-flow.yaml",
        include_str!("../../scenarios/reauth-flow.yaml"),
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
# Reference: https://github.com/ — see the monosim README, "The harness".
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
  # The bundled scenarios' names → your JSON fields.
  reauth_required: reauthRequired
  reauth_token: reauthCode
  data_status: dataStatus
  linked: linked
  balance: balance
scenarios: scenarios
"#;

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
        let scenarios = crate::runner::load_scenarios(&root)
            .unwrap_or_else(|d| panic!("{}", crate::diagnostic::Diagnostics(d).render(false)));
        assert_eq!(
            scenarios.len(),
            SCENARIOS.iter().filter(|(p, _)| !p.contains('/')).count()
        );
        crate::config::Config::parse(STARTER_CONFIG, "monosim.yaml", std::path::Path::new("."))
            .unwrap();
    }
}
