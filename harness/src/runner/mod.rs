//! Running scenarios: one simulator for the run, the receiver started (or found), then every
//! scenario on its own simulated Mono — its own accounts and its own frozen clock, served
//! on the simulator's one port (see `monosim_simulator::tenants`) — several at a time.
//!
//! Design: every wait is bounded. A step waits at most `timeouts.step` (the dispatcher
//! settling, a state probe, an expected request); a webhook attempt at most
//! `timeouts.delivery`; a scenario at most `timeouts.scenario`. A receiver that refuses,
//! hangs, resets or answers garbage therefore fails the step that needed it, with the
//! delivery log saying what happened, and the run goes on.

mod capture;
mod evidence;
mod expect;
pub mod guard;
mod includes;
mod play;
mod ports;
pub mod probe;
mod problem;
pub mod process;
pub mod receiver;
mod redact;

use std::collections::HashMap;
use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use monosim_simulator::webhooks::RetryPolicy;
use monosim_simulator::{Simulator, SimulatorConfig, Timestamp, DEFAULT_SECRET_KEY};
use serde::Serialize;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::scenario::{Known, Profile, Scenario};
use crate::snapshot::{Check, Store};
use guard::Guardian;
pub use includes::Includes;

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only scenarios whose name or file contains this.
    pub filter: Option<String>,
    /// `(k, n)`: the k-th of n shards (1-based), for splitting a suite across CI machines.
    pub partition: Option<(usize, usize)>,
    pub seed: u64,
    pub jobs: usize,
    /// Write snapshots as accepted.
    pub accept: bool,
    /// Running in CI: nothing is written; a changed snapshot fails, one never accepted is
    /// reported.
    pub ci: bool,
    /// Which expectations run: the contract only, or `strict` ones too.
    pub profile: Profile,
    /// Stop at the first failed scenario: start no more, cancel those running.
    pub fail_fast: bool,
    /// The program and arguments that start a guardian (`monosim guard`), which stops the
    /// receiver and probe commands should monosim be killed ([`guard`]); `None` runs
    /// without one.
    pub guardian: Option<Vec<OsString>>,
}

/// Why a run could not happen at all.
#[derive(Debug)]
pub enum RunError {
    /// The receiver or the environment could not be reached (exit 3).
    Unreachable(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub file: String,
    pub description: Option<String>,
    pub status: Status,
    pub failure: Option<Failure>,
    pub snapshots: Vec<SnapshotResult>,
    pub duration_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Passed, with new snapshots waiting for review.
    Pending,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotResult {
    pub name: String,
    #[serde(flatten)]
    pub check: Check,
}

/// What failed, where, and the evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// 1-based step number.
    pub step: usize,
    /// The step as written.
    pub step_text: String,
    /// `file:line` of the step.
    pub location: String,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Lines from the delivery and request logs that explain it.
    pub context: Vec<String>,
    /// Why the expectation holds: the step's `why`, else the scenario's.
    pub why: Option<String>,
}

pub struct Outcome {
    pub results: Vec<ScenarioResult>,
    /// Scenarios not run, or cancelled: because one failed (`--fail-fast`), or because the
    /// run was interrupted.
    pub not_run: usize,
    pub duration: Duration,
    /// Set when a signal stopped the run before every scenario had finished: `results`
    /// then holds those that had, as pytest reports a run stopped by Ctrl-C.
    pub interrupted: Option<Interrupted>,
}

/// How a run was cut short.
#[derive(Clone, Debug, Serialize)]
pub struct Interrupted {
    /// What stopped it: `SIGINT`, `SIGTERM`.
    pub by: String,
    /// The scenarios that were running, stopped before they finished.
    pub unfinished: Vec<Unfinished>,
    /// How many were never started.
    pub not_started: usize,
}

/// A scenario stopped before it finished.
#[derive(Clone, Debug, Serialize)]
pub struct Unfinished {
    pub name: String,
    pub file: String,
}

/// The instant every scenario's clock starts at: fixed, so snapshots are stable.
pub fn scenario_start() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-15T09:00:00Z").expect("a valid constant")
}

/// Finds and parses the scenarios: `*.yaml` / `*.yml` directly in the scenarios folder
/// (subfolders hold shared steps for `include` and the snapshots), sorted by path. `known`
/// says which fields they may name (the config's `fields`); `includes` where the files they
/// read may be ([`Includes`]).
pub fn load_scenarios(
    dir: &Path,
    known: &Known,
    includes: &Includes,
) -> Result<Vec<(PathBuf, Scenario)>, Vec<Diagnostic>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            })
            .collect(),
        Err(e) => {
            return Err(vec![Diagnostic::new(
                &dir.display().to_string(),
                "",
                Default::default(),
                format!("cannot read the scenarios folder: {e}"),
            )
            .help(
                "set `scenarios:` in monosim.yaml, or create the folder (monosim init does)",
            )])
        }
    };
    files.sort();
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let name = path.display().to_string();
        // A scenario file is held to the same rule as an include: a symlink in the folder
        // may not lead out of the project.
        let text = match includes.read(&path) {
            Ok(text) => text,
            Err(why) => {
                errors.push(
                    Diagnostic::new(&name, "", Default::default(), format!("cannot read: {why}"))
                        .help(includes.help()),
                );
                continue;
            }
        };
        // Includes are relative to the file that includes them (which may be included).
        let load = |from: &str, include: &str| -> Result<(String, String), String> {
            let target = Path::new(from).parent().unwrap_or(dir).join(include);
            includes
                .read(&target)
                .map(|text| (target.display().to_string(), text))
        };
        match Scenario::parse(&text, &name, &load, known) {
            Ok(scenario) => scenarios.push((path, scenario)),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// Applies `--filter` and `--partition`.
pub fn select(scenarios: Vec<(PathBuf, Scenario)>, options: &Options) -> Vec<(PathBuf, Scenario)> {
    scenarios
        .into_iter()
        .filter(|(path, s)| {
            options
                .filter
                .as_deref()
                .is_none_or(|f| s.name.contains(f) || path.to_string_lossy().contains(f))
        })
        .enumerate()
        .filter(|(i, _)| options.partition.is_none_or(|(k, n)| i % n == k - 1))
        .map(|(_, s)| s)
        .collect()
}

/// How many ports a receiver that reports its port taken is started on before the run
/// gives up (see `ports`).
const PORT_ATTEMPTS: u32 = 3;

/// Everything a scenario run needs from the run around it.
pub(crate) struct Context {
    pub config: Config,
    pub simulator: Arc<Simulator>,
    pub client: reqwest::Client,
    pub store: Store,
    /// The simulator's base URL (`{sim.url}`).
    pub sim_url: String,
    pub profile: Profile,
    /// Salts every identifier of this run (see `WorldConfig::id_salt`): a receiver whose
    /// database outlives a run must not meet the same account or event ids again.
    pub id_salt: u64,
    /// Told of each state-probe command's process group while it runs.
    pub guardian: Option<Arc<Guardian>>,
}

/// Runs `scenarios` (already selected); `done` is told of each result as it comes.
///
/// `stop` completes (with what stopped it, `SIGINT` say) when the run must end early: no
/// more scenarios start, those running are cancelled and listed as unfinished, the receiver
/// is stopped, and the outcome holds what finished, marked [`Interrupted`].
pub async fn run(
    config: &Config,
    scenarios: Vec<(PathBuf, Scenario)>,
    options: &Options,
    done: &(dyn Fn(&ScenarioResult) + Sync),
    stop: impl Future<Output = String>,
) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let mut stop = std::pin::pin!(stop);
    let template = config;
    let choose_port = template.wants_receiver_port();
    let with_free_port = || {
        ports::free_port()
            .map(|port| template.clone().with_receiver_port(port))
            .map_err(|e| {
                RunError::Unreachable(format!("cannot find a free port for the receiver: {e}"))
            })
    };
    let mut config = if choose_port {
        with_free_port()?
    } else {
        template.clone()
    };
    let simulator = Arc::new(
        Simulator::new(SimulatorConfig {
            seed: options.seed,
            random_accounts: 0,
            start: Some(scenario_start()),
            frozen: true,
            webhook_urls: vec![config.webhook_url.clone()],
            webhook_secret: config.webhook_secret.clone(),
            retry: RetryPolicy {
                timeout: config.delivery_timeout,
                ..RetryPolicy::default()
            },
            ..SimulatorConfig::default()
        })
        .map_err(|e| RunError::Unreachable(format!("cannot build the simulator: {e}")))?,
    );
    let address = format!("127.0.0.1:{}", config.simulator_port);
    let listener = tokio::net::TcpListener::bind(&address).await.map_err(|e| {
        RunError::Unreachable(format!("cannot listen on {address} for the simulator: {e}"))
    })?;
    let sim_url = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|e| RunError::Unreachable(e.to_string()))?
    );
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = simulator.clone();
    let server = tokio::spawn(async move {
        let _ = serving
            .serve(listener, async {
                let _ = server_stopped.await;
            })
            .await;
    });

    // Started before anything it watches, and only when there is something to watch: a
    // receiver monosim starts, or probe commands.
    let processes = config.receiver.command.is_some()
        || matches!(config.state, crate::config::Probe::Command { .. });
    let guardian = options.guardian.as_ref().filter(|_| processes).and_then(|command| {
        Guardian::start(command)
            .map(Arc::new)
            .map_err(|e| {
                tracing::warn!(
                    "cannot start the guardian that stops the receiver should monosim be killed ({e}); running without it"
                )
            })
            .ok()
    });
    let mut attempt = 1;
    let process = loop {
        let mut process = receiver::start(&config, &sim_url, DEFAULT_SECRET_KEY, guardian.clone())
            .map_err(|e| RunError::Unreachable(e.0))?;
        let ready = tokio::select! {
            ready = receiver::wait_ready(&config, &mut process) => Ok(ready),
            by = &mut stop => Err(by),
        };
        match ready {
            Ok(Ok(())) => break process,
            Ok(Err(e)) => {
                // Another program took the port between monosim choosing it and the
                // receiver binding it (see `ports`): choose another and start again.
                let lost_port = process
                    .as_mut()
                    .is_some_and(|p| ports::lost_its_port(&p.output_tail()));
                if choose_port && lost_port && attempt < PORT_ATTEMPTS {
                    attempt += 1;
                    tracing::warn!("the receiver's port was taken before it could listen on it; starting it again on another port");
                    if let Some(mut dead) = process {
                        let _ = tokio::task::spawn_blocking(move || dead.stop()).await;
                    }
                    config = with_free_port()?;
                    let mut targets = simulator.sim().webhooks.targets();
                    targets.urls = vec![config.webhook_url.clone()];
                    simulator.sim().webhooks.set_targets(targets);
                    continue;
                }
                finish(process, guardian, stop_server, server).await;
                return Err(RunError::Unreachable(e.0));
            }
            Err(by) => {
                finish(process, guardian, stop_server, server).await;
                return Ok(Outcome {
                    results: Vec::new(),
                    not_run: scenarios.len(),
                    duration: started.elapsed(),
                    interrupted: Some(Interrupted {
                        by,
                        unfinished: Vec::new(),
                        not_started: scenarios.len(),
                    }),
                });
            }
        }
    };
    let config = &config;

    let client = receiver::direct_client()
        .map_err(|e| RunError::Unreachable(format!("cannot build the HTTP client: {e}")))?;
    let context = Arc::new(Context {
        config: config.clone(),
        simulator: simulator.clone(),
        client,
        store: Store {
            dir: config.snapshots.clone(),
            accept: options.accept,
            ci: options.ci,
        },
        sim_url: sim_url.clone(),
        profile: options.profile,
        id_salt: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
        guardian: guardian.clone(),
    });
    // At most `jobs` scenarios at once, started in file order: a new one starts as one
    // ends, so `--jobs 1` runs the files one after another, in order.
    let mut queue = scenarios.into_iter().enumerate();
    let mut running = tokio::task::JoinSet::new();
    // The scenarios running now, by task: to name those an interruption cuts short.
    let mut in_flight: HashMap<tokio::task::Id, Unfinished> = HashMap::new();
    let mut start_next =
        |running: &mut tokio::task::JoinSet<_>,
         in_flight: &mut HashMap<tokio::task::Id, Unfinished>| {
            if let Some((index, (path, scenario))) = queue.next() {
                let context = context.clone();
                let seed = scenario_seed(options.seed, &path, &scenario.name);
                let what = Unfinished {
                    name: scenario.name.clone(),
                    file: scenario.file.clone(),
                };
                let task = running.spawn(async move {
                    let result = play::run_scenario(&context, &path, &scenario, seed).await;
                    (index, result)
                });
                in_flight.insert(task.id(), what);
            }
        };
    for _ in 0..options.jobs.max(1) {
        start_next(&mut running, &mut in_flight);
    }
    let mut results = Vec::new();
    let mut crashed = 0;
    let mut failed = false;
    let mut cancelled = 0;
    let mut interrupted = None;
    loop {
        let joined = tokio::select! {
            joined = running.join_next_with_id() => match joined {
                Some(joined) => joined,
                None => break,
            },
            by = &mut stop, if interrupted.is_none() => {
                interrupted = Some(by);
                break;
            }
        };
        match &joined {
            Ok((id, _)) => in_flight.remove(id),
            Err(e) => in_flight.remove(&e.id()),
        };
        if matches!(&joined, Err(e) if e.is_cancelled()) {
            continue;
        }
        failed |=
            matches!(&joined, Ok((_, (_, r))) if r.status == Status::Failed) || joined.is_err();
        if failed && options.fail_fast {
            // Stop now: scenarios still running are cancelled (their tenants go with the
            // run) and counted as not run, like those never started.
            cancelled += running.len();
            running.abort_all();
        } else {
            start_next(&mut running, &mut in_flight);
        }
        match joined {
            Ok((_, (index, result))) => {
                done(&result);
                results.push((index, result));
            }
            Err(error) => {
                // A bug in monosim, not in the receiver: report it rather than lose it.
                crashed += 1;
                let result = ScenarioResult {
                    name: format!("(a scenario crashed: {error})"),
                    file: String::new(),
                    description: None,
                    status: Status::Failed,
                    failure: None,
                    snapshots: Vec::new(),
                    duration_ms: 0,
                };
                done(&result);
                results.push((usize::MAX - crashed, result));
            }
        }
    }
    let interrupted = interrupted.map(|by| {
        let mut unfinished: Vec<Unfinished> = in_flight.into_values().collect();
        unfinished.sort_by(|a, b| a.file.cmp(&b.file));
        Interrupted {
            by,
            unfinished,
            not_started: queue.len(),
        }
    });
    // Cancelled scenarios let go of what they hold (a probe command's process group, their
    // tenant) when their tasks are dropped: wait for that, briefly, before the receiver goes.
    running.abort_all();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while running.join_next().await.is_some() {}
    })
    .await;
    results.sort_by_key(|(i, _)| *i);
    let not_run = queue.len() + cancelled + interrupted.as_ref().map_or(0, |i| i.unfinished.len());
    drop(context);
    finish(process, guardian, stop_server, server).await;
    Ok(Outcome {
        results: results.into_iter().map(|(_, r)| r).collect(),
        not_run,
        duration: started.elapsed(),
        interrupted,
    })
}

/// The end of every run, however it ends: the receiver's process group stopped (SIGTERM,
/// its grace, SIGKILL — waited for off the async threads), the guardian told there is
/// nothing left to watch, the simulator stopped.
async fn finish(
    process: Option<receiver::Started>,
    guardian: Option<Arc<Guardian>>,
    stop_server: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
) {
    if let Some(mut process) = process {
        // Should the blocking pool refuse the task, dropping it stops the receiver all the
        // same (`Started`'s `Drop`).
        let _ = tokio::task::spawn_blocking(move || process.stop()).await;
    }
    if let Some(guardian) = guardian {
        let _ = tokio::task::spawn_blocking(move || guardian.finish()).await;
    }
    let _ = stop_server.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
}

/// A scenario's seed: the run's, mixed with which scenario it is (its file name and name —
/// not the path, which depends on where monosim was started), so scenarios differ from one
/// another but each is the same in every run.
fn scenario_seed(seed: u64, path: &Path, name: &str) -> u64 {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in file.bytes().chain(name.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
    }
    hash
}
