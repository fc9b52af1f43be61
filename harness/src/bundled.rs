//! The bundled scenario library, compiled into the binary so `monosim init` can copy it
//! into any project. A test checks that every file in `scenarios/` is listed here.

/// (path under `scenarios/`, contents)
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "duplicate-delivery.yaml",
        include_str!("../../scenarios/duplicate-delivery.yaml"),
    ),
    (
        "link-happy-path.yaml",
        include_str!("../../scenarios/link-happy-path.yaml"),
    ),
    (
        "reauth-flow.yaml",
        include_str!("../../scenarios/reauth-flow.yaml"),
    ),
    (
        "shared/session-expires.yaml",
        include_str!("../../scenarios/shared/session-expires.yaml"),
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
