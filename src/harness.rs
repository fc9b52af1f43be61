//! `monosim run`, `review`, `schema`, `init`: the harness from the command line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use monosim_harness::config::Config;
use monosim_harness::diagnostic::Diagnostics;
use monosim_harness::report::{self, Style};
use monosim_harness::runner::{self, Includes, Options, RunError, ScenarioResult, Status};
use monosim_harness::{bundled, schema as schemas, snapshot, starter};

use crate::cli::{InitArgs, ReviewArgs, RunArgs};
use crate::exit;
use crate::output::{err, errln, out, outln};

/// Reads and parses the config, or explains (exit 2) what is wrong with it.
fn load_config(path: &Path, colour: bool) -> Result<Config, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        errln!(
            "error: cannot read {}: {e}\n  hint: run `monosim init` to write a starter monosim.yaml, or pass --config",
            path.display()
        );
        exit::USAGE
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Config::parse(&text, &path.display().to_string(), base).map_err(|d| {
        err!("{}", d.render(colour));
        exit::USAGE
    })
}

pub fn run(args: RunArgs) -> u8 {
    let stderr_colour = args.terminal.colour(std::io::stderr().is_terminal());
    let stdout_colour = args.terminal.colour(std::io::stdout().is_terminal());
    let config = match load_config(&args.config, stderr_colour) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let includes = if args.allow_outside_includes {
        Includes::Anywhere
    } else {
        Includes::project(&config)
    };
    let scenarios = match runner::load_scenarios(&config.scenarios, &config.known(), &includes) {
        Ok(scenarios) => scenarios,
        Err(diagnostics) => {
            err!("{}", Diagnostics(diagnostics).render(stderr_colour));
            return exit::USAGE;
        }
    };
    let options = Options {
        filter: args.filter.clone(),
        partition: args.partition,
        seed: args.seed,
        jobs: args.jobs.unwrap_or_else(default_jobs),
        accept: args.accept,
        ci: args.terminal.in_ci(),
        profile: args.profile,
        fail_fast: args.fail_fast,
        guardian: guardian_command(),
    };
    let selected = runner::select(scenarios, &options);
    if selected.is_empty() && args.partition.is_some() && args.filter.is_none() {
        // More shards than scenarios: this shard has nothing to do, which is not an error.
        outln!("no scenario in shard {:?} of this suite", args.partition);
        return exit::SUCCESS;
    }
    if selected.is_empty() {
        errln!(
            "error: no scenario to run in {}{}",
            config.scenarios.display(),
            args.filter
                .as_deref()
                .map(|f| format!(" matching `{f}`"))
                .unwrap_or_default()
        );
        return exit::USAGE;
    }
    let total = selected.len();
    let style = Style {
        colour: stdout_colour,
    };
    let progress = std::io::stderr().is_terminal();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let print = |result: &ScenarioResult| {
        let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if progress {
            err!("\r\x1b[K");
        }
        outln!("{}", report::line(result, &style));
        if progress && n < total {
            let width = 30;
            let done = width * n / total;
            err!(
                "[{}{}] {n}/{total}",
                "=".repeat(done),
                " ".repeat(width - done)
            );
            let _ = std::io::stderr().flush();
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return exit::ENVIRONMENT;
        }
    };
    // Listening from now on: a signal that came before would end monosim before it started
    // anything that needs stopping.
    let signals = {
        let _context = runtime.enter();
        Signals::listen()
    };
    // Ctrl-C or SIGTERM stops the run: what finished is reported, the rest is marked
    // unfinished, and the receiver (its whole process group) is stopped before monosim
    // exits.
    let outcome = runtime.block_on(runner::run(
        &config,
        selected,
        &options,
        &print,
        signals.first(),
    ));
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(RunError::Unreachable(message)) => {
            errln!("error: {message}");
            return exit::ENVIRONMENT;
        }
    };
    out!("{}", report::summary(&outcome, &style));
    for (path, text) in [
        (
            &args.junit,
            args.junit.as_ref().map(|_| report::junit(&outcome)),
        ),
        (
            &args.json,
            args.json.as_ref().map(|_| report::json(&outcome)),
        ),
    ] {
        if let (Some(path), Some(text)) = (path, text) {
            if let Err(e) = std::fs::write(path, text) {
                errln!("error: cannot write {}: {e}", path.display());
                return exit::ENVIRONMENT;
            }
        }
    }
    if let Some(interrupted) = &outcome.interrupted {
        return exit_code_for(&interrupted.by);
    }
    if outcome.results.iter().any(|r| r.status == Status::Failed) {
        exit::FAILED
    } else {
        exit::SUCCESS
    }
}

/// The exit code of a run stopped by `signal`: 128 + its number, as shells report it.
fn exit_code_for(signal: &str) -> u8 {
    if signal == "SIGTERM" {
        exit::TERMINATED
    } else {
        exit::INTERRUPTED
    }
}

/// SIGINT and SIGTERM, listened for.
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening; must run inside the runtime.
    fn listen() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind)
                .map_err(|e| {
                    tracing::warn!(
                        "cannot listen for {name} ({e}): it will stop monosim without a report"
                    )
                })
                .ok()
        };
        Signals {
            interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            terminate: listen(SignalKind::terminate(), "SIGTERM"),
        }
    }

    /// The next signal's name.
    async fn next(&mut self) -> &'static str {
        async fn on(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = on(&mut self.interrupt) => "SIGINT",
            _ = on(&mut self.terminate) => "SIGTERM",
        }
    }

    /// Completes with the first signal's name. A second signal means "now": monosim exits at
    /// once, without reports, and the guardian stops the receiver.
    async fn first(mut self) -> String {
        let first = self.next().await;
        errln!(
            "\n{first}: stopping; the scenarios still running are cut short, the receiver is stopped and the reports are written (send it again to exit at once)"
        );
        tokio::spawn(async move {
            let again = self.next().await;
            errln!("{again} again: exiting at once; the receiver is stopped in the background");
            std::process::exit(i32::from(exit_code_for(first)));
        });
        first.to_string()
    }
}

/// The command that starts this binary as the run's guardian (`monosim guard`).
fn guardian_command() -> Option<Vec<std::ffi::OsString>> {
    match std::env::current_exe() {
        Ok(exe) => Some(vec![exe.into_os_string(), "guard".into()]),
        Err(e) => {
            tracing::warn!("cannot find monosim's own executable to start its guardian ({e}): a receiver monosim starts will outlive monosim if monosim is killed");
            None
        }
    }
}

/// `monosim guard`, started by `monosim run`: see [`runner::guard`]. SIGINT, SIGTERM and
/// SIGHUP are listened for and never acted on, so only the end of its stdin — `monosim run`
/// gone, however it went — ends it.
pub fn guard() -> u8 {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            errln!("error: the guardian cannot start its runtime: {e}");
            return exit::ENVIRONMENT;
        }
    };
    let _ignored: Vec<_> = {
        let _context = runtime.enter();
        [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ]
        .into_iter()
        .filter_map(|kind| signal(kind).ok())
        .collect()
    };
    runner::guard::guard(std::io::stdin().lock());
    exit::SUCCESS
}

/// Walks through pending snapshots; answers come from stdin (`a`, `r`, `s`, `q`).
pub fn review(args: ReviewArgs) -> u8 {
    let colour = args.terminal.colour(std::io::stdout().is_terminal());
    let config = match load_config(&args.config, colour) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let dir = config.snapshots.clone();
    let pending = snapshot::pending(&dir);
    if pending.is_empty() {
        outln!("no pending snapshots in {}", dir.display());
        return exit::SUCCESS;
    }
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut answers = std::io::stdin().lock().lines();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for path in pending {
        let accepted_path = path.with_extension("");
        let new = match snapshot::read_contents(&path) {
            Ok(text) => text,
            Err(e) => {
                errln!("error: {e}");
                return exit::USAGE;
            }
        };
        let old = snapshot::read_contents(&accepted_path).unwrap_or_default();
        outln!("\n{}", paint("1", &accepted_path.display().to_string()));
        outln!(
            "{}",
            if old.is_empty() {
                "new snapshot:"
            } else {
                "changed snapshot (- accepted, + new):"
            }
        );
        for (sign, line) in snapshot::diff(&old, &new) {
            let text = format!("{sign} {line}");
            outln!(
                "{}",
                match sign {
                    '-' => paint("31", &text),
                    '+' => paint("32", &text),
                    _ => text,
                }
            );
        }
        out!("[a]ccept, [r]eject, [s]kip, [q]uit? ");
        let answer = answers
            .next()
            .and_then(Result::ok)
            .unwrap_or_else(|| "q".into());
        match answer.trim() {
            "a" | "accept" => match std::fs::rename(&path, &accepted_path) {
                Ok(()) => accepted += 1,
                Err(e) => {
                    errln!("error: cannot accept {}: {e}", path.display());
                    return exit::ENVIRONMENT;
                }
            },
            "r" | "reject" => {
                let _ = std::fs::remove_file(&path);
                rejected += 1;
            }
            "q" | "quit" => break,
            _ => skipped += 1,
        }
    }
    outln!("\n{accepted} accepted, {rejected} rejected, {skipped} skipped");
    exit::SUCCESS
}

pub fn schema() -> u8 {
    let both = serde_json::json!({ "config": schemas::config(), "scenario": schemas::scenario() });
    outln!(
        "{}",
        serde_json::to_string_pretty(&both).unwrap_or_default()
    );
    exit::SUCCESS
}

pub fn init(args: InitArgs) -> u8 {
    let config = args.dir.join("monosim.yaml");
    let scenarios = args.dir.join("scenarios");
    if !args.force && (config.exists() || scenarios.join(bundled::SCENARIOS[0].0).exists()) {
        errln!(
            "error: {} already has a monosim.yaml or the bundled scenarios\n  hint: pass --force to overwrite them",
            args.dir.display()
        );
        return exit::USAGE;
    }
    let write = |path: &Path, text: &str| -> Result<(), String> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let mut written = vec![config.clone()];
    let mut result = write(&config, starter::config(args.stack));
    for (name, text) in bundled::SCENARIOS {
        if result.is_ok() {
            let path = scenarios.join(name);
            result = write(&path, text);
            written.push(path);
        }
    }
    if let Err(e) = result {
        errln!("error: {e}");
        return exit::ENVIRONMENT;
    }
    for path in written {
        outln!("wrote {}", path.display());
    }
    match args.stack {
        Some(_) => outln!("next: add the test-only state route that monosim.yaml's comments show to your app, check the start command and the webhook URL, then `monosim run`"),
        None => outln!("next: edit monosim.yaml (how to start your receiver, read its state, name its fields), then `monosim run`"),
    }
    exit::SUCCESS
}

/// Scenarios run at once unless `--jobs` says otherwise: the number of cores, but at least
/// four. A scenario spends most of its time waiting — for the receiver, for a `quiet`
/// window, through an `expect_no_request` window — not computing, so on a two-core machine
/// four at once finish the bundled library in about half the time of two (bench/RESULTS.md).
/// The reference receivers and the outsider are tested with eight.
fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(4)
}
