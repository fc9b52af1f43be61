//! Benchmarks the webhook dispatcher. Driven by `bench/webhooks.sh`, which compares it with
//! `wrk` POSTing the same body to the same receiver.
//!
//! ```text
//! webhook_bench receiver PORT_FILE          a trivial receiver (1 worker thread); writes its URL
//! webhook_bench fanout URL EVENTS ACCOUNTS  EVENTS account_updated over ACCOUNTS lanes, timed
//! webhook_bench replay                      one event against a receiver that always says 500
//! ```
//!
//! `fanout` writes the body of one representative event to `$BODY_FILE` if set. It is built
//! by the simulator's own payload code (`webhooks::event::body`) for one of the benchmark's
//! accounts, with the same context `Sim::emit` uses, so it has the shape and size of the
//! events delivered (only the `event_id` differs).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use monosim_simulator::clock::{HOUR, MINUTE, SECOND};
use monosim_simulator::lifecycle::{Emit, LinkOptions};
use monosim_simulator::sim::Sim;
use monosim_simulator::webhooks::event::{self, Context, SyncReport};
use monosim_simulator::webhooks::{AttemptRecord, Outcome, Targets};
use monosim_simulator::world::AccountSpec;
use monosim_simulator::{Simulator, SimulatorConfig, Timestamp};

type Error = Box<dyn std::error::Error>;

/// The allocator the monosim binary serves and delivers with (`src/main.rs`), so that the
/// dispatcher is measured as it ships: under glibc's, a fifth of the benchmark's
/// instructions were `malloc`, `free` and `realloc` (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: webhook_bench receiver PORT_FILE | fanout URL EVENTS ACCOUNTS | replay";
/// Every run draws the same world.
const SEED: u64 = 42;
/// The delivery log keeps this many attempts (see `Simulator::new`).
const LOG_CAPACITY: usize = 100_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["receiver", port_file] => receiver(port_file),
        ["fanout", url, events, accounts] => match (events.parse(), accounts.parse()) {
            (Ok(events), Ok(accounts)) if events > 0 && accounts > 0 => {
                fanout(url, events, accounts)
            }
            _ => Err(format!("EVENTS and ACCOUNTS must be positive integers\n{USAGE}").into()),
        },
        ["replay"] => replay(),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("webhook_bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A receiver as a simple integrator app would write it: reads the body, answers `status`.
fn receiver_app(status: StatusCode) -> Router {
    Router::new().route("/webhook", post(move |_body: Bytes| async move { status }))
}

/// Binds a receiver on 127.0.0.1:0 on the current runtime; returns its webhook URL.
async fn spawn_receiver(status: StatusCode) -> Result<String, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhook", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, receiver_app(status)).await {
            eprintln!("webhook_bench: receiver stopped: {error}");
        }
    });
    Ok(url)
}

fn receiver(port_file: &str) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let url = spawn_receiver(StatusCode::OK).await?;
        // Written whole, then renamed: a reader polling for the file never sees half a URL.
        let partial = format!("{port_file}.partial");
        std::fs::write(&partial, format!("{url}\n"))?;
        std::fs::rename(&partial, port_file)?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

/// The highest sequence number in the delivery log so far (0 if empty).
fn last_seq(sim: &Sim) -> u64 {
    sim.webhooks
        .log
        .since(0, |_| true)
        .last()
        .map_or(0, |r| r.seq)
}

/// CPU time this process has used so far, in nanoseconds, over all its threads (Linux).
fn cpu_ns() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// CPU microseconds per item between two `cpu_ns` readings, as text.
fn cpu_per(before: Option<u64>, after: Option<u64>, items: usize) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!("{:.1} µs", (a - b) as f64 / 1_000.0 / items as f64),
        _ => "?".to_string(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank]
}

fn fanout(url: &str, events: usize, accounts: usize) -> Result<(), Error> {
    if events + 2 * accounts > LOG_CAPACITY {
        return Err(format!(
            "EVENTS + 2 x ACCOUNTS must stay within the delivery log's {LOG_CAPACITY} records"
        )
        .into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let simulator = Simulator::new(SimulatorConfig {
            seed: SEED,
            random_accounts: 0,
            webhook_urls: vec![url.to_string()],
            ..SimulatorConfig::default()
        })?;
        let sim = simulator.sim().clone();
        sim.start();

        // Link the accounts; their account_connected / account_updated also warm the
        // connection pool. They are left out of the measurement.
        let mut linked = Vec::with_capacity(accounts);
        for _ in 0..accounts {
            let link = LinkOptions {
                data_delay: Some(0),
                ..LinkOptions::default()
            };
            let id = sim.create_account(AccountSpec::default(), Some(link))?;
            linked.push(sim.world.account(&id).ok_or("a created account exists")?);
        }
        if !sim.wait_idle(Duration::from_secs(60)).await {
            return Err("the link events were not delivered within 60 s".into());
        }
        let before = last_seq(&sim);
        let warmup = sim.webhooks.log.since(0, |_| true);
        if warmup.len() != 2 * accounts || warmup.iter().any(|r| r.outcome != Outcome::Delivered)
        {
            return Err(format!(
                "link events: expected {} delivered attempts, the log has {} ({} delivered)",
                2 * accounts,
                warmup.len(),
                warmup
                    .iter()
                    .filter(|r| r.outcome == Outcome::Delivered)
                    .count()
            )
            .into());
        }

        let emit = || Emit {
            sync: SyncReport {
                sync_status: Some("SUCCESSFUL"),
                job_id: None,
                has_new_data: false,
                job: None,
            },
            ..Emit::default()
        };
        let cpu_before = cpu_ns();
        let started = Instant::now();
        for i in 0..events {
            sim.emit(event::ACCOUNT_UPDATED, &linked[i % accounts], emit())?;
        }
        let emitted = started.elapsed();
        let idle = sim.wait_idle(Duration::from_secs(600)).await;
        let elapsed = started.elapsed();
        let cpu_after = cpu_ns();

        let records: Vec<AttemptRecord> = sim.webhooks.log.since(before, |_| true);
        let delivered = records
            .iter()
            .filter(|r| {
                r.outcome == Outcome::Delivered && r.attempt == 1 && &*r.event == event::ACCOUNT_UPDATED
            })
            .count();
        let all_delivered = idle && records.len() == events && delivered == events;
        let ms = elapsed.as_secs_f64() * 1_000.0;
        println!(
            "deliveries/s: {:.0}  ({events} events over {accounts} accounts in {ms:.0} ms, all delivered: {all_delivered})",
            events as f64 / elapsed.as_secs_f64()
        );
        let mut latencies: Vec<f64> = records.iter().map(|r| r.latency_ms).collect();
        latencies.sort_by(f64::total_cmp);
        eprintln!(
            "fanout detail: emit to delivered: CPU {} per event; emitting took {:.0} ms; attempt latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} attempts logged",
            cpu_per(cpu_before, cpu_after, events),
            emitted.as_secs_f64() * 1_000.0,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0.0),
            records.len()
        );

        // The same load once more with emitting out of the window: the clock is frozen, every
        // event is queued 1 ms ahead, and the clock is let go. Shows the dispatcher alone.
        sim.webhooks.log.clear();
        sim.clock.freeze();
        let ahead = Emit {
            delay: 1,
            ..emit()
        };
        let cpu_emit = cpu_ns();
        for i in 0..events {
            sim.emit(event::ACCOUNT_UPDATED, &linked[i % accounts], ahead.clone())?;
        }
        let cpu_before = cpu_ns();
        let started = Instant::now();
        sim.clock.resume();
        sim.clock_changed();
        // Idle means "nothing due now", which holds for the first millisecond: wait until
        // the dispatcher has nothing left.
        let mut idle_again = false;
        while started.elapsed() < Duration::from_secs(600) {
            idle_again = sim.wait_idle(Duration::from_secs(600)).await;
            if sim.webhooks.unfinished() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let alone = started.elapsed();
        let cpu_after = cpu_ns();
        let again = sim.webhooks.log.since(0, |_| true);
        let again_ok = idle_again
            && again.len() == events
            && again.iter().all(|r| r.outcome == Outcome::Delivered);
        let mut latencies: Vec<f64> = again.iter().map(|r| r.latency_ms).collect();
        latencies.sort_by(f64::total_cmp);
        eprintln!(
            "fanout detail: dispatch alone (all {events} queued first, emitting cost {} CPU per event): {:.0} deliveries/s in {:.0} ms, CPU {} per delivery, all delivered: {again_ok}; attempt latency p50 {:.2} ms, p99 {:.2} ms",
            cpu_per(cpu_emit, cpu_before, events),
            events as f64 / alone.as_secs_f64(),
            alone.as_secs_f64() * 1_000.0,
            cpu_per(cpu_before, cpu_after, events),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
        );

        if let Ok(path) = std::env::var("BODY_FILE") {
            let account = &linked[0];
            let ctx = Context {
                event_id: sim.world.new_event_id(),
                now: sim.clock.now(),
                app: sim.world.app(),
                business: sim.world.business(),
                data_status: account.data_status,
                sync: emit().sync,
            };
            let body = event::body(event::ACCOUNT_UPDATED, account, account.dialect, &ctx);
            std::fs::write(path, body.to_string())?;
        }
        if !all_delivered || !again_ok {
            return Err(format!(
                "not all delivered: {} attempts logged, {delivered} delivered first time, idle: {idle}; dispatch alone: {} attempts, idle: {idle_again}",
                records.len(),
                again.len()
            )
            .into());
        }
        Ok(())
    })
}

fn span(millis: i64) -> String {
    format!(
        "{}h{:02}m{:02}s",
        millis / HOUR,
        millis % HOUR / MINUTE,
        millis % MINUTE / SECOND
    )
}

fn replay() -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let url = spawn_receiver(StatusCode::INTERNAL_SERVER_ERROR).await?;
        let simulator = Simulator::new(SimulatorConfig {
            seed: SEED,
            random_accounts: 0,
            // 2026-01-01T00:00:00Z, standing still unless advanced.
            start: Some(Timestamp(1_767_225_600_000)),
            frozen: true,
            ..SimulatorConfig::default()
        })?;
        let sim: Arc<Sim> = simulator.sim().clone();
        sim.start();

        // Link with no target yet, so the link's own events go nowhere; drop the account's
        // automatic syncs (due at +24 h and +48 h), which would fire account_updated events
        // of their own inside the 50 hours. What is left is the one event under test.
        let link = LinkOptions {
            data_delay: Some(0),
            ..LinkOptions::default()
        };
        let id = sim.create_account(AccountSpec::default(), Some(link))?;
        if !sim.wait_idle(Duration::from_secs(10)).await {
            return Err("the simulator did not settle after the link".into());
        }
        sim.scheduler.clear();
        sim.webhooks.set_targets(Targets {
            urls: vec![url],
            ..sim.webhooks.targets()
        });
        let account = sim.world.account(&id).ok_or("a created account exists")?;

        let started = Instant::now();
        let event_id = sim.emit(event::ACCOUNT_UPDATED, &account, Emit::default())?;
        let target = sim.clock.now().plus(50 * HOUR);
        sim.advance_to(target).await;
        let wall = started.elapsed();

        let records = sim.webhooks.log.since(0, |_| true);
        let ours = records.iter().filter(|r| *r.event_id == *event_id).count();
        let (first, last) = match (records.first(), records.last()) {
            (Some(first), Some(last)) => (first, last),
            _ => return Err("the delivery log is empty".into()),
        };
        let simulated = last.sent_at.millis() - first.sent_at.millis();
        println!(
            "replay attempts: {}  (of event {event_id}: {ours}; first {:?}, last {:?})",
            records.len(),
            first.outcome,
            last.outcome
        );
        println!(
            "replay simulated span: {} ({simulated} ms, first {} -> last {})",
            span(simulated),
            first.sent_at,
            last.sent_at
        );
        println!("replay wall time: {:.1} ms", wall.as_secs_f64() * 1_000.0);
        if records.len() != 25 || ours != 25 || last.outcome != Outcome::GaveUp {
            return Err(format!(
                "expected 25 attempts of one event ending in gave_up, got {} ({ours} of it)",
                records.len()
            )
            .into());
        }
        Ok(())
    })
}
