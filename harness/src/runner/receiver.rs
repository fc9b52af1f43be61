//! The integrator's receiver: started by monosim (`receiver.command`) or already running,
//! and in both cases waited for until it answers — with a deadline, never a hang.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::guard::Guardian;
use super::process::{stop_group, Stopped};
use crate::config::Config;

/// Why the receiver could not be brought up; the run ends with exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

/// How many of the receiver's last output lines are kept for error messages.
const TAIL_LINES: usize = 40;

/// The longest output line kept, in bytes: the rest of a longer line is dropped as it is
/// read, so a receiver that prints a 200 MB line costs no memory and no screenful.
pub const MAX_LINE: usize = 1000;

/// A receiver process monosim started, in its own process group; the whole group is
/// stopped by [`Started::stop`], or on drop.
pub struct Started {
    child: Child,
    /// The group's id: the `sh` leader's pid.
    pgid: u32,
    /// How long the group has between SIGTERM and SIGKILL (`receiver.stop_timeout`).
    stop_timeout: Duration,
    /// Told of the group, so it is stopped even if monosim is killed.
    guardian: Option<Arc<Guardian>>,
    stopped: bool,
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

    /// Stops the receiver's whole process group — `npm start` and the node process it
    /// forks alike — as `docker stop` does: SIGTERM, up to `receiver.stop_timeout` for every
    /// member to exit, then SIGKILL. Returns once no member is alive (or, for a process stuck
    /// in the kernel, after a bound). Waiting only for the `sh` leader is not enough: a
    /// member that ignores SIGTERM outlives it, still listening on its port.
    ///
    /// Blocking; a second call does nothing.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let child = &mut self.child;
        // The leader is reaped as soon as it exits, so that its zombie is not mistaken for
        // a member still running.
        let how = stop_group(self.pgid, self.stop_timeout, || {
            let _ = child.try_wait();
        });
        match how {
            Stopped::Gracefully => tracing::debug!(pgid = self.pgid, "receiver stopped"),
            Stopped::Killed => tracing::warn!(
                "the receiver (process group {}) was still running {:?} after SIGTERM: stopped it with SIGKILL (raise `receiver.stop_timeout` if it needs longer to shut down)",
                self.pgid,
                self.stop_timeout
            ),
            Stopped::Lingering => tracing::warn!(
                "the receiver (process group {}) did not exit even after SIGKILL (a process stuck in the kernel?)",
                self.pgid
            ),
        }
        if how != Stopped::Lingering {
            // Gone: the guardian has nothing left to do for it.
            if let Some(guardian) = &self.guardian {
                guardian.forget(self.pgid);
            }
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.try_wait();
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Copies `stream` line by line into `each`, keeping at most [`MAX_LINE`] bytes of a line
/// (the rest is read and dropped, and the line says how much was cut).
fn read_lines_bounded(stream: impl Read, mut each: impl FnMut(String)) {
    let mut reader = BufReader::new(stream);
    let mut line: Vec<u8> = Vec::new();
    let mut cut = 0usize;
    let finish = |line: &mut Vec<u8>, cut: &mut usize| {
        let mut text = String::from_utf8_lossy(line)
            .trim_end_matches('\r')
            .to_string();
        if *cut > 0 {
            text.push_str(&format!("… ({} more bytes not shown)", *cut));
        }
        line.clear();
        *cut = 0;
        text
    };
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if buffer.is_empty() {
            if !line.is_empty() || cut > 0 {
                each(finish(&mut line, &mut cut));
            }
            break;
        }
        let end = buffer.iter().position(|&b| b == b'\n');
        let part = &buffer[..end.unwrap_or(buffer.len())];
        let room = MAX_LINE.saturating_sub(line.len());
        let kept = part.len().min(room);
        line.extend_from_slice(&part[..kept]);
        cut += part.len() - kept;
        let used = part.len() + usize::from(end.is_some());
        reader.consume(used);
        if end.is_some() {
            each(finish(&mut line, &mut cut));
        }
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
    guardian: Option<Arc<Guardian>>,
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
    // The group's id is its leader's pid.
    let pgid = child.id();
    if let Some(guardian) = &guardian {
        guardian.watch(pgid, config.receiver.stop_timeout, "the receiver");
    }
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
            read_lines_bounded(stream, |line| {
                let mut lines = output.lock().unwrap_or_else(|p| p.into_inner());
                if lines.len() == TAIL_LINES {
                    lines.pop_front();
                }
                lines.push_back(line);
            })
        }));
    }
    tracing::info!(command = %written, "receiver started");
    Ok(Some(Started {
        child,
        pgid,
        stop_timeout: config.receiver.stop_timeout,
        guardian,
        stopped: false,
        output,
        readers,
    }))
}

/// Waits until the receiver answers: its `ready` URL with a 2xx, or (without one) a TCP
/// connection to the webhook URL's host and port.
pub async fn wait_ready(config: &Config, started: &mut Option<Started>) -> Result<(), Unreachable> {
    let deadline = Instant::now() + config.receiver.ready_timeout;
    let client =
        direct_client().map_err(|e| Unreachable(format!("cannot build the HTTP client: {e}")))?;
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
                Ok(response) if response.status().is_redirection() => {
                    last_problem = format!(
                        "{url} answered {}{}; monosim does not follow redirects: set `receiver.ready` to the URL that answers 2xx",
                        response.status(),
                        location(&response)
                    );
                    false
                }
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

/// The client for the receiver's own URLs (readiness, state): no redirects — a `302` to
/// another host, a link-local address say, is reported, never followed — and no proxy from
/// the environment, since the receiver is reached directly.
pub fn direct_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
}

/// ` pointing to <Location>` for a redirect (cut short: the receiver wrote it), or nothing.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|l| {
            format!(
                " pointing to {}",
                crate::diagnostic::shorten(&String::from_utf8_lossy(l.as_bytes()), 200)
            )
        })
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every request with `answer`; its base URL.
    async fn server(answer: String) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    let _ = socket.read(&mut buffer).await;
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        url
    }

    fn config(text: &str) -> Config {
        Config::parse(text, "monosim.yaml", std::path::Path::new(".")).unwrap()
    }

    /// The readiness check followed redirects: a `ready` URL answering 302 to a healthy one
    /// counted as ready.
    #[tokio::test]
    async fn a_ready_url_that_redirects_is_not_ready() {
        let healthy = server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into()).await;
        let redirect = server(format!(
            "HTTP/1.1 302 Found\r\nLocation: {healthy}/health\r\nContent-Length: 0\r\n\r\n"
        ))
        .await;
        let config = config(&format!(
            "receiver: {{ ready: \"{redirect}/health\", ready_timeout: 300ms }}\nwebhook_url: {redirect}/webhook\nstate: {{ command: \"echo null\" }}\n"
        ));
        let error = wait_ready(&config, &mut None).await.unwrap_err().0;
        assert!(
            error.contains(&format!("answered 302 Found pointing to {healthy}/health; monosim does not follow redirects")),
            "{error}"
        );
    }

    /// A receiver printing a 5 MB line had it kept whole, and printed whole in the error.
    #[tokio::test]
    async fn a_huge_output_line_is_kept_short() {
        let config = config(
            "receiver: { command: \"head -c 5000000 /dev/zero | tr '\\\\0' a; echo; echo done; exit 3\" }\nwebhook_url: http://127.0.0.1:9/webhook\nstate: { command: \"echo null\" }\n",
        );
        let mut started = start(&config, "http://127.0.0.1:1", "key", None)
            .unwrap()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while started.running() {
            assert!(Instant::now() < deadline, "the command did not end");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let tail = started.output_tail();
        assert!(tail.len() < 2 * MAX_LINE, "{} bytes", tail.len());
        assert!(tail.ends_with("\ndone"), "{tail}");
        assert!(
            tail.contains("… (4999000 more bytes not shown)"),
            "{}",
            &tail[tail.len() - 100..]
        );
    }
}
