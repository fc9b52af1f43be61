//! Process groups: the receiver monosim starts and every state-probe command run in a group
//! of their own, so that stopping one stops everything it started — `npm start` and the
//! node process it forks, `sh -c` and the `sqlite3` it runs — not only the `sh` monosim
//! knows the pid of.
//!
//! Stopping a group is what `docker stop` and systemd do: SIGTERM to the whole group, a
//! grace period for it to finish what it is doing, then SIGKILL to whatever is left. The
//! grace ends as soon as no member is alive, so a receiver that exits on SIGTERM costs no
//! wait at all.

use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

/// How often a stopping group is looked at: there is no notification for "a process group
/// became empty" (its members are not all our children), so it is polled, with a deadline.
const POLL: Duration = Duration::from_millis(20);

/// How long to wait for SIGKILL to take effect before giving up on a group (a process in
/// uninterruptible sleep, say): a bound, so stopping never hangs.
const AFTER_KILL: Duration = Duration::from_secs(2);

/// Whether any process of group `pgid` is still alive.
///
/// A zombie (exited, not yet reaped) does not count: it holds no port and runs no code.
/// Where the parent of an orphan is a PID 1 that never reaps (some containers), zombies
/// stay forever, and `kill(-pgid, 0)` keeps succeeding because of them; so on Linux the
/// members are read from `/proc`. Elsewhere the signal test is the answer.
pub fn group_alive(pgid: u32) -> bool {
    let Some(pid) = group(pgid) else {
        return false;
    };
    match rustix::process::test_kill_process_group(pid) {
        Err(e) if e == rustix::io::Errno::SRCH => return false,
        // Alive (or not ours to signal, which still means alive).
        _ => {}
    }
    live_members(pgid).is_none_or(|n| n > 0)
}

/// `pgid` as a group to signal. Never 0 (the caller's own group) nor 1 (`kill(-1, …)` signals
/// every process the user may signal): no group monosim starts has either id.
fn group(pgid: u32) -> Option<Pid> {
    if pgid <= 1 {
        return None;
    }
    Pid::from_raw(i32::try_from(pgid).ok()?)
}

/// How many members of group `pgid` are neither zombies nor dead, from `/proc`; `None`
/// where there is no `/proc` to read.
fn live_members(pgid: u32) -> Option<usize> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let wanted = pgid.to_string();
    let mut live = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        // Gone between the listing and the read: not alive.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`: the command name may hold spaces and parentheses,
        // so the fields are read after its last `)`.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1);
        if pgrp == Some(wanted.as_str()) && !matches!(state, Some("Z" | "X" | "x")) {
            live += 1;
        }
    }
    Some(live)
}

/// Sends `signal` to every process of group `pgid`; a group already gone is not an error.
pub fn signal_group(pgid: u32, signal: Signal) {
    if let Some(pid) = group(pgid) {
        let _ = rustix::process::kill_process_group(pid, signal);
    }
}

/// How a group ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It was gone already, or left within the grace period after SIGTERM.
    Gracefully,
    /// Something in it outlived the grace period and was sent SIGKILL.
    Killed,
    /// Even SIGKILL did not empty it in time (a process stuck in the kernel): reported,
    /// never waited on forever.
    Lingering,
}

/// Stops group `pgid`: SIGTERM, up to `grace` for every member to exit, then SIGKILL. A zero
/// grace sends SIGKILL at once (a state probe has nothing to save). `reap` is called on each
/// look, so the caller can collect its own child (the group's leader) as soon as it exits.
///
/// Blocking: call it from a thread that may wait (`spawn_blocking`, a `Drop`).
pub fn stop_group(pgid: u32, grace: Duration, mut reap: impl FnMut()) -> Stopped {
    reap();
    if !group_alive(pgid) {
        return Stopped::Gracefully;
    }
    if !grace.is_zero() {
        signal_group(pgid, Signal::TERM);
        if wait_gone(pgid, grace, &mut reap) {
            return Stopped::Gracefully;
        }
    }
    signal_group(pgid, Signal::KILL);
    if wait_gone(pgid, AFTER_KILL, &mut reap) {
        Stopped::Killed
    } else {
        Stopped::Lingering
    }
}

/// Waits up to `limit` for group `pgid` to be empty; whether it is.
fn wait_gone(pgid: u32, limit: Duration, reap: &mut impl FnMut()) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        reap();
        if !group_alive(pgid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// A group whose leader exits on SIGTERM while a member ignores it: the group is
    /// stopped only once that member is, by SIGKILL after the grace period.
    #[test]
    fn a_member_that_ignores_sigterm_is_killed_after_the_grace_period() {
        let mut leader = Command::new("sh");
        leader
            // The member says its pid only once it ignores SIGTERM (the disposition
            // survives `exec`): printing `$!` from the leader raced the trap under load.
            .args([
                "-c",
                "sh -c \"trap '' TERM; echo \\$\\$; exec sleep 100000\" & wait",
            ])
            .stdout(Stdio::piped())
            .stdin(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut leader, 0);
        let mut leader = leader.spawn().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(leader.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let member: u32 = line.trim().parse().unwrap();
        let pgid = leader.id();
        assert!(group_alive(pgid));
        let began = Instant::now();
        let stopped = stop_group(pgid, Duration::from_millis(300), || {
            let _ = leader.try_wait();
        });
        assert_eq!(stopped, Stopped::Killed);
        assert!(began.elapsed() >= Duration::from_millis(300));
        assert!(!group_alive(pgid));
        // The process table agrees: the member is gone (or a zombie nobody reaps).
        let state = std::fs::read_to_string(format!("/proc/{member}/stat")).unwrap_or_default();
        assert!(
            state.is_empty()
                || state
                    .rsplit_once(')')
                    .unwrap()
                    .1
                    .trim_start()
                    .starts_with('Z'),
            "{state}"
        );
    }

    #[test]
    fn a_group_that_exits_on_sigterm_costs_no_grace() {
        let mut leader = Command::new("sh");
        leader
            .args(["-c", "sleep 100000 & wait"])
            .stdin(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut leader, 0);
        let mut leader = leader.spawn().unwrap();
        let began = Instant::now();
        let stopped = stop_group(leader.id(), Duration::from_secs(30), || {
            let _ = leader.try_wait();
        });
        assert_eq!(stopped, Stopped::Gracefully);
        assert!(began.elapsed() < Duration::from_secs(10));
    }
}
