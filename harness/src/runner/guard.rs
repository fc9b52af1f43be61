//! The guardian: stops the process groups monosim started (the receiver, state-probe
//! commands) when monosim itself dies without stopping them — killed with SIGKILL, by the
//! OOM killer, or crashing.
//!
//! monosim stops its groups itself on every path it controls: the end of a run, an error,
//! Ctrl-C and SIGTERM ([`super::process::stop_group`]). SIGKILL leaves it no say, so the
//! cleanup has to live in another process. The guardian is a second `monosim` process
//! (`monosim guard`, hidden), started before anything it watches, in a process group of its
//! own (Ctrl-C at the terminal does not reach it) and ignoring SIGINT, SIGTERM and SIGHUP.
//! monosim tells it on its stdin which groups to watch (`watch <pgid> <grace ms> <what>`)
//! and which it has stopped (`forget <pgid>`). When its stdin reaches end of file — which
//! the kernel makes happen however monosim ends, since monosim holds the only write end —
//! it stops every group still watched: SIGTERM, the group's grace period, SIGKILL. After
//! a normal run nothing is left to watch and it exits at once.
//!
//! Why not the alternatives:
//! - `PR_SET_PDEATHSIG` (Linux) must be set in the child between fork and exec, which takes
//!   `pre_exec` and so `unsafe` code (forbidden in this workspace); crates that wrap it
//!   (`ur-taking-me-with-you`, `nix`, `prctl`) still need the call made in the child. It is
//!   also the wrong tool twice over: the signal fires when the *thread* that spawned the
//!   child exits (tokio's blocking threads come and go, which would kill a healthy
//!   receiver), and it reaches only that one child, not the node process `npm start`
//!   forks.
//! - `setpriv --pdeathsig` is the same mechanism from util-linux: Linux only, absent from
//!   macOS and many minimal images, with the same thread and one-process limits.
//! - Wrapping the receiver's command in a shell that watches a pipe would change what
//!   monosim's child is, and with it the exit status and output monosim reports when a
//!   receiver fails to start.
//!
//! A pipe and a second process work on every Unix, need no privileges and no `unsafe`.
//! Limits, by construction: a guardian killed together with monosim (`pkill -9 monosim`
//! matches both) cannot act; and a group started in the instant between `spawn` returning
//! and its `watch` line being written is not yet known to it.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::process::{group_alive, signal_group};

/// The link from monosim to its guardian.
pub struct Guardian {
    input: Mutex<Option<ChildStdin>>,
    child: Mutex<Option<Child>>,
}

impl Guardian {
    /// Starts the guardian: `command` is the program and its arguments (`monosim guard`).
    pub fn start(command: &[OsString]) -> std::io::Result<Guardian> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| std::io::Error::other("no guardian command"))?;
        let mut process = Command::new(program);
        process
            .args(args)
            .stdin(Stdio::piped())
            // Its messages go where monosim's do; it never writes to stdout, and holding
            // monosim's stdout open would keep a reader of it waiting.
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut process, 0);
        let mut child = process.spawn()?;
        let input = child.stdin.take();
        Ok(Guardian {
            input: Mutex::new(input),
            child: Mutex::new(Some(child)),
        })
    }

    /// Asks the guardian to stop group `pgid` should monosim die: SIGTERM, `grace`, SIGKILL
    /// (SIGKILL at once for a zero grace). `what` names it in the guardian's message.
    pub fn watch(&self, pgid: u32, grace: Duration, what: &str) {
        let what: String = what
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.send(&format!("watch {pgid} {} {what}\n", grace.as_millis()));
    }

    /// Tells the guardian that monosim stopped group `pgid` itself.
    pub fn forget(&self, pgid: u32) {
        self.send(&format!("forget {pgid}\n"));
    }

    fn send(&self, line: &str) {
        let mut input = self.input.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(pipe) = input.as_mut() {
            if let Err(e) = pipe.write_all(line.as_bytes()) {
                tracing::warn!(
                    "the guardian that stops the receiver should monosim be killed is gone ({e}); \
                     monosim still stops it on any other exit"
                );
                *input = None;
            }
        }
    }

    /// Closes the pipe and waits (briefly) for the guardian to exit: with nothing left to
    /// watch, it exits at once.
    pub fn finish(&self) {
        drop(self.input.lock().unwrap_or_else(|p| p.into_inner()).take());
        let Some(mut child) = self.child.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match child.try_wait() {
                Ok(None) if Instant::now() < deadline => {
                    // Waiting for a process to exit has nothing to block on with a deadline.
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    tracing::warn!("the guardian did not exit when monosim finished; leaving it to end on its own");
                    return;
                }
                _ => return,
            }
        }
    }
}

impl Drop for Guardian {
    fn drop(&mut self) {
        self.finish();
    }
}

/// One group the guardian watches.
struct Watched {
    grace: Duration,
    what: String,
}

/// The guardian's side (`monosim guard`): reads `watch` / `forget` lines until end of input,
/// then stops every group still watched. Returns how many it had to stop.
pub fn guard(input: impl BufRead) -> usize {
    let mut watched: BTreeMap<u32, Watched> = BTreeMap::new();
    for line in input.lines() {
        let Ok(line) = line else { break };
        let mut words = line.splitn(4, ' ');
        match (
            words.next(),
            words.next().and_then(|p| p.parse::<u32>().ok()),
        ) {
            (Some("watch"), Some(pgid)) if pgid > 1 => {
                let grace = words
                    .next()
                    .and_then(|ms| ms.parse().ok())
                    .map(Duration::from_millis)
                    .unwrap_or(Duration::from_secs(5));
                let what = words.next().unwrap_or("a process group").to_string();
                watched.insert(pgid, Watched { grace, what });
            }
            (Some("forget"), Some(pgid)) => {
                watched.remove(&pgid);
            }
            _ => tracing::debug!(line, "the guardian ignores a line it does not understand"),
        }
    }
    let left: Vec<(u32, Watched)> = watched
        .into_iter()
        .filter(|(pgid, _)| group_alive(*pgid))
        .collect();
    if left.is_empty() {
        return 0;
    }
    // All at once: each gets its own grace, none waits for another's.
    let started = Instant::now();
    for (pgid, w) in &left {
        tracing::warn!(
            "monosim ended without stopping {} (process group {pgid}): stopping it",
            w.what
        );
        signal_group(
            *pgid,
            if w.grace.is_zero() {
                Signal::KILL
            } else {
                Signal::TERM
            },
        );
    }
    let mut killed = vec![false; left.len()];
    let last = left.iter().map(|(_, w)| w.grace).max().unwrap_or_default() + Duration::from_secs(2);
    loop {
        let mut any = false;
        for (i, (pgid, w)) in left.iter().enumerate() {
            if !group_alive(*pgid) {
                continue;
            }
            any = true;
            if !killed[i] && started.elapsed() >= w.grace {
                tracing::warn!(
                    "{} (process group {pgid}) outlived SIGTERM by {:?}: sending SIGKILL",
                    w.what,
                    w.grace
                );
                signal_group(*pgid, Signal::KILL);
                killed[i] = true;
            }
        }
        if !any || started.elapsed() >= last {
            break;
        }
        // Nothing to subscribe to for "a process group became empty".
        std::thread::sleep(Duration::from_millis(20));
    }
    left.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_forgotten_are_left_alone_and_the_rest_stopped_at_end_of_input() {
        let mut survivor = Command::new("sleep");
        survivor.arg("100000").stdin(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut survivor, 0);
        let mut survivor = survivor.spawn().unwrap();
        let mut victim = Command::new("sleep");
        victim.arg("100000").stdin(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut victim, 0);
        let mut victim = victim.spawn().unwrap();
        let input = format!(
            "watch {s} 100 the survivor\nwatch {v} 100 the victim\nnonsense\nforget {s}\n",
            s = survivor.id(),
            v = victim.id()
        );
        assert_eq!(guard(input.as_bytes()), 1);
        // The victim got SIGTERM (sleep dies of it); the forgotten survivor runs on.
        let status = victim.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(15)
        );
        assert!(survivor.try_wait().unwrap().is_none());
        let _ = survivor.kill();
        let _ = survivor.wait();
    }
}
