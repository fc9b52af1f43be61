//! The bundled library against a receiver we did not design around: `tests/outsider/`
//! acknowledges first and works from a queue, speaks v2 (`initiate`'s `mono_url`), reads the
//! account's details when `account_connected` comes (keeping the balance shown then, though
//! the data is still PROCESSING), takes later balances from the webhook payload, keeps its
//! state in its own words with no re-auth flag, and deletes unlinked accounts. Only its `monosim.yaml` field mapping tells monosim
//! how to read it — and that is all it takes to pass.

mod support;

use std::path::Path;
use std::process::Output;

use support::monosim;

fn run(args: &[&str]) -> (Output, String) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/outsider/monosim.yaml");
    let output = monosim()
        .args(["run", "--jobs", "8", "--config"])
        .arg(config)
        .args(args)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn a_receiver_of_another_design_passes_the_library_with_only_its_field_mapping() {
    let (output, report) = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{report}");
    let scenarios = support::bundled_scenario_count();
    assert!(
        report.contains(&format!("{scenarios} passed, 0 failed")),
        "{report}"
    );
    // Its project has no snapshots yet: under CI that is said, not failed.
    assert!(
        report.contains("snapshot(s) not recorded yet: under CI nothing is written"),
        "{report}"
    );
}

#[test]
fn the_strict_profile_names_each_place_that_design_differs_from_the_reference() {
    let (output, report) = run(&["--profile", "strict"]);
    assert_eq!(output.status.code(), Some(1), "{report}");
    // Each scenario with the step that must name it (`|` between acceptable steps).
    for (scenario, step) in [
        // It reads the account's details when the account connects, so it keeps the
        // balance Mono's account object already shows, before the data is AVAILABLE.
        (
            "A new account shows no balance until its data is in",
            "expect_state:",
        ),
        (
            "An account_updated still saying PROCESSING is not data available",
            "expect_state:",
        ),
        // When the data never comes, whether that read sees a balance depends on whether it
        // lands before the link's data delay has passed (PROCESSING shows the balance) or
        // after (FAILED and UNAVAILABLE show none): either way the strict block names it,
        // through the balance or through the read itself.
        (
            "Data retrieval FAILED is not data available",
            "data-failed.yaml:27: expect_state:|data-failed.yaml:30: expect_no_request: { kind: data",
        ),
        (
            "Data UNAVAILABLE is not data available",
            "data-unavailable.yaml:28: expect_state:|data-unavailable.yaml:31: expect_no_request: { kind: data",
        ),
        // It acknowledges the webhook and retries the token request itself.
        (
            "A failed token fetch is not lost, and Mono's retry completes it",
            "status: 500 }",
        ),
        // It answers a wrong secret 200, and ignores it.
        (
            "Webhooks with a wrong or missing secret change nothing",
            "status: 401 }",
        ),
    ] {
        let failed = report
            .lines()
            .skip_while(|l| *l != format!("FAILED {scenario}"))
            .nth(1)
            .unwrap_or_default();
        assert!(
            step.split('|').any(|step| failed.contains(step)),
            "{scenario}: {failed:?}\n{report}"
        );
    }
    // And nowhere else: every other difference would be a scenario judging a design.
    let scenarios = support::bundled_scenario_count();
    assert!(
        report.contains(&format!("{} passed, 6 failed", scenarios - 6)),
        "{report}"
    );
}
