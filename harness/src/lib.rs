//! monosim's harness: runs scenario files against an integrator's webhook receiver and
//! snapshot-asserts the receiver's resulting account state.
//!
//! Not built yet: the scenario model, runner, probes, snapshots and reporters arrive with
//! the harness issue (see `../shared/design/architecture.md`). The crate exists now so the
//! workspace has its final shape and the CLI can depend on it from the start.
