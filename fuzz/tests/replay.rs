//! Replays every committed fuzz input through its property under `cargo test`, so an input
//! that once broke a property stays fixed without the fuzzer: the seed corpus
//! (`fuzz/corpus/<target>/`), inputs the fuzzer found (`fuzz/regressions/<target>/`), and
//! the project's own files of each kind (bundled scenarios, example configs and world).
//! Also runs the payload property over a fixed-seed stream of inputs.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/ is inside the repository")
        .to_path_buf()
}

/// The files directly in `dir` (none if it does not exist).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every committed input of `target` and on `extra`; returns how many.
fn replay(target: &str, extra: Vec<PathBuf>, check: fn(&[u8])) -> usize {
    let fuzz = root().join("fuzz");
    let mut inputs = files_in(&fuzz.join("corpus").join(target));
    inputs.extend(files_in(&fuzz.join("regressions").join(target)));
    inputs.extend(extra);
    for input in &inputs {
        let data = fs::read(input).expect("readable input");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} breaks its property (see the panic above)",
            input.display()
        );
    }
    inputs.len()
}

#[test]
fn scenario_inputs_keep_their_properties() {
    let scenarios = root().join("scenarios");
    let mut extra = files_in(&scenarios);
    extra.extend(files_in(&scenarios.join("shared")));
    let bundled = extra.len();
    assert!(bundled >= 20, "the bundled scenarios are seeds: {bundled}");
    assert!(replay("scenario", extra, monosim_fuzz::scenario) > bundled);
}

#[test]
fn config_inputs_keep_their_properties() {
    let mut extra = vec![root().join("monosim.yaml")];
    for example in ["rust-receiver", "node-receiver", "python-receiver"] {
        extra.push(root().join("examples").join(example).join("monosim.yaml"));
    }
    assert!(replay("config", extra, monosim_fuzz::config) > 4);
}

#[test]
fn world_file_inputs_keep_their_properties() {
    let extra = vec![root().join("examples/world.yaml")];
    assert!(replay("world_file", extra, monosim_fuzz::world_file) > 1);
}

#[test]
fn fault_rule_inputs_keep_their_properties() {
    assert!(replay("fault_rule", Vec::new(), monosim_fuzz::fault_rule) > 1);
}

#[test]
fn webhook_payload_inputs_keep_their_properties() {
    replay("webhook_payload", Vec::new(), monosim_fuzz::webhook_payload);
}

/// 2,000 payload inputs from a fixed seed (xorshift64*): a cheap, deterministic stand-in
/// for the fuzzer under `cargo test`.
#[test]
fn webhook_payloads_from_a_fixed_seed_keep_their_properties() {
    let mut state: u64 = 0x5eed_0fc0_ffee;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for _ in 0..2_000 {
        let len = (next() % 256) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        monosim_fuzz::webhook_payload(&data);
    }
}
