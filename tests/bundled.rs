//! The main job, as the README runs it: the bundled scenarios against the bundled Python
//! reference receiver (started and stopped by monosim), in CI mode — every snapshot must
//! match the committed one.

mod support;

use support::monosim;

#[test]
fn the_bundled_scenarios_pass_against_the_reference_receiver() {
    let output = monosim()
        .args(["run", "--junit"])
        .arg(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bundled-junit.xml"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CI", "true")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scenarios =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "yaml")
            })
            .count();
    assert!(
        stdout.contains(&format!("{scenarios} passed, 0 failed")),
        "{stdout}"
    );
}
