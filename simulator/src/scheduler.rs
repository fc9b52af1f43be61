//! Tasks due at simulated times — webhook attempts (first tries, retries, events held back
//! by a fault), automatic syncs and the ends of realtime jobs. ("Task", not "job": jobs are
//! Mono's, `world::Job`.)
//!
//! Design: one time-ordered queue, drained by one driver task (see [`crate::sim`]). On a
//! running clock the driver sleeps until the next task is due — in wall time, scaled — and
//! starts due tasks concurrently without waiting for them. When the clock is advanced through
//! the control API the driver instead *steps*: it moves the clock to the next due instant,
//! runs every task due then to completion, and repeats until the target instant, so a 48-hour
//! retry schedule replays in order, with each attempt stamped at its own simulated time, in
//! milliseconds of wall time.
//!
//! Jobs taken from the queue count as in flight until they report [`Scheduler::done`]; the
//! simulator is *idle* when nothing is in flight and nothing is due now. Both are kept under
//! one lock so there is no moment where a task is neither queued nor in flight.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::clock::Timestamp;
use crate::world::ObjectId;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Task {
    /// The next attempt of webhook delivery `id`.
    Attempt(u64),
    /// An automatic sync of the account, in the cycle of the link made at `linked_at`: a
    /// task left over from an earlier link (unlink, then link again) is stale and skipped.
    AutoSync(ObjectId, Timestamp),
    /// The automatic syncs of the accounts at `first..first + count` (creation order), all
    /// due at this task's instant: one entry standing for that many `AutoSync` tasks
    /// scheduled one after the other, run in that order, so a world of a million seeded
    /// accounts does not start with a million entries. A member is still in the cycle the
    /// entry was made for if it is linked by a link made before `before`, the instant the
    /// entry was made: links are stamped with the clock, which never goes back, so a member
    /// unlinked and linked again since then is out (its new link has its own cycle).
    AutoSyncs {
        first: u32,
        count: u32,
        before: Timestamp,
    },
    /// The end of realtime job `id` (see [`crate::jobs`]).
    JobEnds(String),
}

#[derive(Default)]
struct Queue {
    /// (due, order of scheduling, task): ties run in the order they were scheduled.
    heap: BinaryHeap<Reverse<(Timestamp, u64, Task)>>,
    scheduled: u64,
    in_flight: usize,
}

#[derive(Default)]
pub struct Scheduler {
    queue: Mutex<Queue>,
    /// Something was scheduled: the driver may need to wake earlier.
    pub changed: Notify,
    /// The last task in flight finished, or due tasks were taken: what a wait for the
    /// simulator to be idle must look at again.
    settled: Notify,
}

/// A snapshot for the control API and idle checks.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Pending {
    pub in_flight: usize,
    pub scheduled: usize,
    pub next_due: Option<Timestamp>,
}

impl Scheduler {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn schedule(&self, at: Timestamp, task: Task) {
        let mut queue = self.queue();
        queue.scheduled += 1;
        let order = queue.scheduled;
        queue.heap.push(Reverse((at, order, task)));
        drop(queue);
        self.changed.notify_one();
    }

    /// Takes every task due at or before `now`, marking them in flight.
    pub fn take_due(&self, now: Timestamp) -> Vec<(Timestamp, Task)> {
        let mut queue = self.queue();
        let mut due = Vec::new();
        while queue
            .heap
            .peek()
            .is_some_and(|Reverse((at, _, _))| *at <= now)
        {
            let Reverse((at, _, task)) = queue.heap.pop().expect("peeked");
            due.push((at, task));
        }
        queue.in_flight += due.len();
        drop(queue);
        if !due.is_empty() {
            self.settled.notify_waiters();
        }
        due
    }

    /// Takes the tasks due at the earliest instant, if it is not after `limit`.
    pub fn take_next_batch(&self, limit: Timestamp) -> Option<(Timestamp, Vec<Task>)> {
        let mut queue = self.queue();
        let first = queue.heap.peek().map(|Reverse((at, _, _))| *at)?;
        if first > limit {
            return None;
        }
        let mut tasks = Vec::new();
        while queue
            .heap
            .peek()
            .is_some_and(|Reverse((at, _, _))| *at == first)
        {
            let Reverse((_, _, task)) = queue.heap.pop().expect("peeked");
            tasks.push(task);
        }
        queue.in_flight += tasks.len();
        drop(queue);
        self.settled.notify_waiters();
        Some((first, tasks))
    }

    /// A task taken from the queue has finished.
    pub fn done(&self) {
        let mut queue = self.queue();
        queue.in_flight = queue.in_flight.saturating_sub(1);
        let settled = queue.in_flight == 0;
        drop(queue);
        if settled {
            self.settled.notify_waiters();
        }
    }

    pub fn next_due(&self) -> Option<Timestamp> {
        self.queue().heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Nothing in flight and nothing due at `now`.
    pub fn is_idle(&self, now: Timestamp) -> bool {
        let queue = self.queue();
        queue.in_flight == 0
            && queue
                .heap
                .peek()
                .is_none_or(|Reverse((at, _, _))| *at > now)
    }

    /// Scheduled tasks that are webhook attempts (automatic syncs are always scheduled).
    pub fn pending(&self) -> Pending {
        let queue = self.queue();
        let attempts = queue
            .heap
            .iter()
            .filter(|Reverse((_, _, task))| matches!(task, Task::Attempt(_)));
        Pending {
            in_flight: queue.in_flight,
            scheduled: attempts.clone().count(),
            next_due: attempts.map(|Reverse((at, _, _))| *at).min(),
        }
    }

    /// Resolves at the next change that can end a wait for idleness: tasks taken from the
    /// queue, or the last one in flight finished. Enable it (`Notified::enable`) before
    /// looking at the state, so a change in between is not missed.
    pub fn next_change(&self) -> tokio::sync::futures::Notified<'_> {
        self.settled.notified()
    }

    /// Waits until nothing is in flight.
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.queue().in_flight == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Forgets every scheduled task (tasks in flight finish on their own).
    pub fn clear(&self) {
        self.queue().heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    #[test]
    fn jobs_come_out_in_time_order_and_count_as_in_flight() {
        let s = Scheduler::default();
        s.schedule(t(20), Task::Attempt(2));
        s.schedule(t(10), Task::Attempt(1));
        s.schedule(t(20), Task::Attempt(3));
        assert!(!s.is_idle(t(10)));
        assert_eq!(s.take_due(t(10)), vec![(t(10), Task::Attempt(1))]);
        assert!(!s.is_idle(t(15)), "one in flight");
        s.done();
        assert!(s.is_idle(t(15)));
        assert_eq!(
            s.take_next_batch(t(100)),
            Some((t(20), vec![Task::Attempt(2), Task::Attempt(3)]))
        );
        assert_eq!(s.take_next_batch(t(100)), None);
    }
}
