//! The integrator's receiver: started by monosim (`receiver.command`) or already running,
//! and in both cases waited for until it answers — with a deadline, never a hang.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;

/// Why the receiver could not be brought up; the run ends with exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// A receiver process monosim started; stopped (with its children) on drop.
pub struct Started {
    child: Child,
    /// The last lines it printed, for error messages.
    output: Arc<Mutex<VecDeque<String>>>,
    /// The threads copying its stdout and stderr into `output`.
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Started {
    pub fn output_tail(&mut self) -> String {
        // Once it has exited, its last words may still be in the pipes: let the readers
        // finish (they end at end of file; a child it left behind may hold a pipe, hence the
        // bound).
        if !self.running() {
            let deadline = Instant::now() + Duration::from_secs(1);
            while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let lines = self.output.lock().unwrap_or_else(|p| p.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// How it ended, once it has: `exit status 1`, `killed by signal 9`.
    pub fn exit(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok()??;
        #[cfg(unix)]
        if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
            return Some(format!("killed by signal {signal}"));
        }
        Some(match status.code() {
            Some(code) => format!("exit status {code}"),
            None => status.to_string(),
        })
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // The command runs in its own process group, so `npm start` and the node process
        // it spawns both go: TERM first, KILL if it lingers.
        let group = rustix::process::Pid::from_raw(self.child.id() as i32);
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if !self.running() {
                return;
            }
            // Waiting for a process to exit has nothing to block on in std.
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replaces `{sim.url}`, `{sim.secret_key}`, `{sim.webhook_secret}`.
pub fn fill(text: &str, sim_url: &str, secret_key: &str, webhook_secret: &str) -> String {
    text.replace("{sim.url}", sim_url)
        .replace("{sim.secret_key}", secret_key)
        .replace("{sim.webhook_secret}", webhook_secret)
}

/// Starts the configured command, if any, in its own process group.
pub fn start(
    config: &Config,
    sim_url: &str,
    secret_key: &str,
) -> Result<Option<Started>, Unreachable> {
    let Some(command) = &config.receiver.command else {
        return Ok(None);
    };
    // `written` is what the user wrote, for messages and logs; `command` has the secrets
    // filled in and is only run, never printed.
    let written = command;
    let command = fill(command, sim_url, secret_key, &config.webhook_secret);
    let mut process = Command::new("sh");
    process
        .args(["-c", &command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut process, 0);
    if let Some(cwd) = &config.receiver.cwd {
        process.current_dir(cwd);
    }
    for (name, value) in &config.receiver.env {
        process.env(
            name,
            fill(value, sim_url, secret_key, &config.webhook_secret),
        );
    }
    let mut child = process
        .spawn()
        .map_err(|e| Unreachable(format!("cannot start the receiver (`{written}`): {e}")))?;
    let output: Arc<Mutex<VecDeque<String>>> = Arc::default();
    let mut readers = Vec::new();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let output = output.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut lines = output.lock().unwrap_or_else(|p| p.into_inner());
                if lines.len() == 40 {
                    lines.pop_front();
                }
                lines.push_back(line);
            }
        }));
    }
    tracing::info!(command = %written, "receiver started");
    Ok(Some(Started {
        child,
        output,
        readers,
    }))
}

/// Waits until the receiver answers: its `ready` URL with a 2xx, or (without one) a TCP
/// connection to the webhook URL's host and port.
pub async fn wait_ready(config: &Config, started: &mut Option<Started>) -> Result<(), Unreachable> {
    let deadline = Instant::now() + config.receiver.ready_timeout;
    let client = reqwest::Client::new();
    let target = config.receiver.ready.clone();
    let address = webhook_address(&config.webhook_url);
    let mut last_problem = String::from("no answer yet");
    loop {
        if let Some(process) = started.as_mut() {
            if let Some(how) = process.exit() {
                return Err(Unreachable(format!(
                    "the receiver exited before it was ready ({how}); its last output:\n{}",
                    indent(&process.output_tail())
                )));
            }
        }
        let answered = match &target {
            Some(url) => match client.get(url).timeout(Duration::from_secs(2)).send().await {
                Ok(response) if response.status().is_success() => true,
                Ok(response) => {
                    last_problem = format!("{url} answered {}", response.status());
                    false
                }
                Err(e) => {
                    last_problem = format!("{url}: {e}");
                    false
                }
            },
            None => match &address {
                Some(address) => {
                    match tokio::time::timeout(
                        Duration::from_secs(2),
                        tokio::net::TcpStream::connect(address),
                    )
                    .await
                    {
                        Ok(Ok(_)) => true,
                        Ok(Err(e)) => {
                            last_problem = format!("{address}: {e}");
                            false
                        }
                        Err(_) => {
                            last_problem = format!("{address}: connection timed out");
                            false
                        }
                    }
                }
                None => true,
            },
        };
        if answered {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let mut message = format!(
                "the receiver was not ready within {:?} ({last_problem})",
                config.receiver.ready_timeout
            );
            if let Some(process) = started.as_mut() {
                message.push_str(&format!(
                    "; its last output:\n{}",
                    indent(&process.output_tail())
                ));
            } else {
                message.push_str(
                    "\n  hint: start it first, or give `receiver.command` so monosim starts it",
                );
            }
            return Err(Unreachable(message));
        }
        // Polling an external process for readiness: there is nothing to subscribe to.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn webhook_address(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}:{}",
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (nothing)".to_string();
    }
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
