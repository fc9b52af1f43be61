//! The fake Mono's moving parts, wired together: the world, the clock, the scheduler and its
//! driver, the webhook dispatcher, faults, and the request log. The HTTP APIs (Mono's and
//! the control API) and the lifecycle operations all work on one shared [`Sim`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::clock::{Clock, Timestamp, HOUR};
use crate::faults::Faults;
use crate::recording::Recorder;
use crate::request_log::RequestLog;
use crate::scheduler::{Scheduler, Task};
use crate::webhooks::{Dispatcher, EventLog, RetryPolicy, Targets};
use crate::world::{ObjectId, World};

/// Settings of the moving parts.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub secret_key: String,
    pub targets: Targets,
    pub retry: RetryPolicy,
    /// Simulated milliseconds between a link or re-authorisation and its data being in
    /// (when `account_updated` fires). Mono: 0.5 s to 5 min.
    pub data_delay: i64,
    pub request_log: usize,
    pub delivery_log: usize,
}

pub struct Sim {
    pub world: Arc<World>,
    pub clock: Arc<Clock>,
    pub scheduler: Arc<Scheduler>,
    pub faults: Arc<Faults>,
    pub webhooks: Dispatcher,
    pub requests: RequestLog,
    /// Every event fired, with its payload (the console shows it and resends from it).
    pub events: EventLog,
    pub secret_key: String,
    pub data_delay: i64,
    /// Every state-changing action since the start or the last reset (`recording/`).
    pub recording: Recorder,
    commands: mpsc::UnboundedSender<Command>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    /// Set by [`Sim::stop`]: the driver starts nothing more and ends.
    stopping: std::sync::atomic::AtomicBool,
}

/// Events whose payloads are kept: a few megabytes at most, and far more than a console
/// session or a scenario fires. Delivery attempts of older events stay in the delivery log.
const EVENT_LOG: usize = 5_000;

enum Command {
    /// Step the clock to `to`, running everything due on the way, then answer.
    Advance {
        to: Timestamp,
        done: oneshot::Sender<Timestamp>,
    },
}

impl Sim {
    pub fn new(world: World, config: SimConfig) -> Arc<Sim> {
        let clock = world.clock().clone();
        let scheduler = Arc::new(Scheduler::default());
        let faults = Arc::new(Faults::default());
        let webhooks = Dispatcher::new(
            config.retry,
            config.targets,
            clock.clone(),
            scheduler.clone(),
            faults.clone(),
            config.delivery_log,
        );
        let (commands, receiver) = mpsc::unbounded_channel();
        let began = crate::recording::Mark {
            at: clock.now(),
            deliveries: 0,
            requests: 0,
        };
        let sim = Arc::new(Sim {
            world: Arc::new(world),
            clock,
            scheduler,
            faults,
            webhooks,
            requests: RequestLog::new(config.request_log),
            events: EventLog::new(EVENT_LOG),
            secret_key: config.secret_key,
            data_delay: config.data_delay,
            recording: Recorder::new(began),
            commands,
            receiver: Mutex::new(Some(receiver)),
            stopping: std::sync::atomic::AtomicBool::new(false),
        });
        sim.schedule_auto_syncs();
        sim
    }

    /// Starts the driver on the current tokio runtime, once; later calls do nothing.
    pub fn start(self: &Arc<Self>) {
        let receiver = self
            .receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(receiver) = receiver {
            tokio::spawn(drive(self.clone(), receiver));
        }
    }

    /// Schedules every linked account's next automatic sync. Runs of consecutive accounts
    /// linked before now and due at the same instant (all the seeded accounts on one
    /// interval, usually) share one [`Task::AutoSyncs`] entry.
    fn schedule_auto_syncs(&self) {
        let now = self.clock.now();
        let mut entries: Vec<(Timestamp, Task)> = Vec::new();
        self.world.for_each_linked(|index, id, linked_at, hours| {
            let due = next_auto_sync(linked_at, hours, now);
            if linked_at >= now {
                entries.push((due, Task::AutoSync(id, linked_at)));
                return;
            }
            if let Some((at, Task::AutoSyncs { first, count, .. })) = entries.last_mut() {
                if *at == due && *first + *count == index {
                    *count += 1;
                    return;
                }
            }
            let run = Task::AutoSyncs {
                first: index,
                count: 1,
                before: now,
            };
            entries.push((due, run));
        });
        for (at, task) in entries {
            self.scheduler.schedule(at, task);
        }
    }

    /// Schedules the first automatic sync of `id` after `after`, on its cycle from `since`.
    pub fn schedule_auto_sync(&self, id: &ObjectId, since: Timestamp, hours: u8, after: Timestamp) {
        self.scheduler.schedule(
            next_auto_sync(since, hours, after),
            Task::AutoSync(*id, since),
        );
    }

    /// Moves simulated time forward to `to`, running every task due on the way at its own
    /// instant, and returns once all of them are done.
    pub async fn advance_to(self: &Arc<Self>, to: Timestamp) -> Timestamp {
        self.start();
        let (done, answer) = oneshot::channel();
        if self.commands.send(Command::Advance { to, done }).is_err() {
            return self.clock.advance_to(to);
        }
        answer.await.unwrap_or_else(|_| self.clock.now())
    }

    /// Waits until nothing is in flight or due now, or `limit` of wall time passes. Returns
    /// whether it became idle.
    pub async fn wait_idle(&self, limit: Duration) -> bool {
        let now = tokio::time::Instant::now();
        let deadline = now.checked_add(limit).unwrap_or(now);
        loop {
            let change = self.scheduler.next_change();
            tokio::pin!(change);
            change.as_mut().enable();
            if self.scheduler.is_idle(self.clock.now()) {
                return true;
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return false;
            }
            // Wake when due tasks are taken or the last one in flight ends — not before:
            // looping at once would spin while a due task waits for the driver — or re-check
            // shortly, since on a running clock a task falls due without anyone saying so.
            let _ = tokio::time::timeout(remaining.min(Duration::from_millis(20)), change).await;
        }
    }

    /// Back to the starting world: no deliveries, faults, logs or tokens.
    pub fn reset(&self) {
        self.scheduler.clear();
        self.webhooks.clear();
        self.webhooks.log.clear();
        self.requests.clear();
        self.events.clear();
        self.faults.clear();
        self.world.reset();
        self.schedule_auto_syncs();
        // A reset starts a new recording: what was done before it is undone.
        self.recording.restart(self.mark());
    }

    async fn run(self: &Arc<Self>, due: Timestamp, task: Task) {
        match task {
            Task::Attempt(id) => self.webhooks.attempt(id, due).await,
            Task::AutoSync(id, linked_at) => self.auto_sync(&id, linked_at, due),
            Task::AutoSyncs {
                first,
                count,
                before,
            } => {
                for index in first..first.saturating_add(count) {
                    if let Some((id, linked_at)) = self.world.linked_before(index, before) {
                        self.auto_sync(&id, linked_at, due);
                    }
                }
            }
            Task::JobEnds(id) => self.end_job(&id),
        }
    }

    /// Stops the driver: nothing scheduled runs any more (attempts in flight finish). A
    /// tenant is stopped when its scenario ends, so a timed-out scenario stops sending.
    pub fn stop(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.scheduler.changed.notify_one();
    }

    /// Notes a clock change that may make tasks due sooner (resume, time scale).
    pub fn clock_changed(&self) {
        self.scheduler.changed.notify_one();
    }
}

/// The first automatic sync after `after` on a cycle of `hours` from `since`.
fn next_auto_sync(since: Timestamp, hours: u8, after: Timestamp) -> Timestamp {
    let period = i64::from(hours.max(1)) * HOUR;
    let cycles = (after.millis() - since.millis()).div_euclid(period) + 1;
    since.plus(cycles.max(1) * period)
}

/// Marks a task done even if it panicked.
struct Done(Arc<Scheduler>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.done();
    }
}

/// The driver: starts due tasks, sleeps until the next one, and steps through time when the
/// clock is advanced. See [`crate::scheduler`] for the design.
async fn drive(sim: Arc<Sim>, mut commands: mpsc::UnboundedReceiver<Command>) {
    loop {
        if sim.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        for (due, task) in sim.scheduler.take_due(sim.clock.now()) {
            let sim = sim.clone();
            tokio::spawn(async move {
                let _done = Done(sim.scheduler.clone());
                sim.run(due, task).await;
            });
        }
        let changed = sim.scheduler.changed.notified();
        let wait = sim
            .scheduler
            .next_due()
            .and_then(|at| sim.clock.wall_time_until(at))
            .unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            _ = changed => {}
            _ = tokio::time::sleep(wait) => {}
            command = commands.recv() => match command {
                Some(Command::Advance { to, done }) => {
                    let reached = step(&sim, to).await;
                    let _ = done.send(reached);
                }
                None => return,
            },
        }
    }
}

async fn step(sim: &Arc<Sim>, to: Timestamp) -> Timestamp {
    sim.scheduler.settled().await;
    while let Some((at, tasks)) = sim.scheduler.take_next_batch(to) {
        sim.clock.advance_to(at);
        let mut running = tokio::task::JoinSet::new();
        for task in tasks {
            let sim = sim.clone();
            running.spawn(async move {
                let _done = Done(sim.scheduler.clone());
                sim.run(at, task).await;
            });
        }
        while running.join_next().await.is_some() {}
    }
    sim.clock.advance_to(to)
}
