//! Reading the receiver's state for one account: GET a URL, or run a command, and parse JSON.
//!
//! Both are bounded, as the simulator's webhook dispatcher bounds a receiver's answers: at
//! most [`MAX_STATE`] bytes are read (streamed, and reading stops there), redirects are not
//! followed, and a command runs in a process group of its own that is killed when it
//! overruns `state.timeout` — with whatever it started.

use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::guard::Guardian;
use super::process::signal_group;
use crate::config::Probe;

/// The most of one account's state monosim reads: 1 MiB. The dispatcher reads 64 KiB of a
/// webhook answer and throws it away; a state is parsed and compared, and a receiver may
/// keep a few thousand transactions in it, so it gets the higher end of that range. An
/// answer over it is a mistake (the probe returns every account, or a loop), not a state.
pub const MAX_STATE: usize = 1024 * 1024;

/// How much of a failing command's stderr is kept for the message (the rest is read and
/// dropped, so the command never blocks on a full pipe).
const MAX_STDERR: usize = 16 * 1024;

/// Reads the state of `account_id`. A list (as `sqlite3 -json` prints) yields its first
/// row, an empty one `null`. `guardian`, when there is one, is told of a command's process
/// group while it runs.
pub async fn read(
    probe: &Probe,
    client: &reqwest::Client,
    account_id: &str,
    guardian: Option<&Guardian>,
) -> Result<Value, String> {
    let value = match probe {
        Probe::Http { url, timeout } => {
            let url = url.replace("{account_id}", account_id);
            let mut response = client
                .get(&url)
                .timeout(*timeout)
                .send()
                .await
                .map_err(|e| format!("state probe GET {url} failed: {}", describe(&e)))?;
            let status = response.status();
            if status.as_u16() == 404 {
                return Ok(Value::Null);
            }
            if status.is_redirection() {
                return Err(format!(
                    "state probe GET {url} answered {status}{}; monosim does not follow redirects: set `state.http` to the URL that answers the account's JSON itself",
                    super::receiver::location(&response)
                ));
            }
            let too_big = || {
                format!(
                    "state probe GET {url} answered more than {} of JSON; monosim stopped reading there: answer with one account's record, not a list of them all",
                    size(MAX_STATE)
                )
            };
            if response
                .content_length()
                .is_some_and(|n| n > MAX_STATE as u64)
            {
                return Err(too_big());
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("state probe GET {url}: answer cut off: {}", describe(&e)))?
            {
                if body.len() + chunk.len() > MAX_STATE {
                    return Err(too_big());
                }
                body.extend_from_slice(&chunk);
            }
            let body = String::from_utf8_lossy(&body);
            if !status.is_success() {
                return Err(format!(
                    "state probe GET {url} answered {status}: {}",
                    excerpt(&body)
                ));
            }
            serde_json::from_str(&body).map_err(|e| {
                format!(
                    "state probe GET {url} answered something that is not JSON ({e}): {}",
                    excerpt(&body)
                )
            })?
        }
        Probe::Command { command, timeout } => {
            let command = command.replace("{account_id}", account_id);
            let output = tokio::time::timeout(*timeout, run(&command, guardian))
                .await
                .map_err(|_| {
                    format!("state probe `{command}` did not finish within {timeout:?}")
                })??;
            if !output.status.success() {
                return Err(format!(
                    "state probe `{command}` failed ({}): {}",
                    output.status,
                    excerpt(&String::from_utf8_lossy(&output.stderr))
                ));
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            if stdout.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&stdout).map_err(|e| {
                    format!(
                        "state probe `{command}` printed something that is not JSON ({e}): {}",
                        excerpt(&stdout)
                    )
                })?
            }
        }
    };
    Ok(match value {
        Value::Array(mut rows) => {
            if rows.is_empty() {
                Value::Null
            } else {
                rows.swap_remove(0)
            }
        }
        other => other,
    })
}

/// What a probe command left: its status, its stdout (at most [`MAX_STATE`]) and the start
/// of its stderr.
struct Output {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// The process group of a running probe command: killed (SIGKILL: a query has nothing to
/// save) when the probe ends however it ends — finished, over its cap, timed out, or its
/// scenario cancelled — so a `sleep` or a stuck `sqlite3` it started never outlives it.
struct ProbeGroup<'a> {
    pgid: u32,
    guardian: Option<&'a Guardian>,
}

impl Drop for ProbeGroup<'_> {
    fn drop(&mut self) {
        signal_group(self.pgid, rustix::process::Signal::KILL);
        if let Some(guardian) = self.guardian {
            guardian.forget(self.pgid);
        }
    }
}

/// Runs `command` with `sh -c` in its own process group, reading its stdout up to the cap.
async fn run(command: &str, guardian: Option<&Guardian>) -> Result<Output, String> {
    let mut process = tokio::process::Command::new("sh");
    process
        .args(["-c", command])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let mut child = process
        .spawn()
        .map_err(|e| format!("state probe `{command}` could not run: {e}"))?;
    let Some(pgid) = child.id() else {
        return Err(format!(
            "state probe `{command}` exited before it could be watched"
        ));
    };
    if let Some(guardian) = guardian {
        guardian.watch(pgid, std::time::Duration::ZERO, "a state probe command");
    }
    // Declared after `child`, so dropped before it: the group is killed while its leader is
    // not yet reaped, and its id cannot have been reused.
    let _group = ProbeGroup { pgid, guardian };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(format!("state probe `{command}`: no pipes to read"));
    };
    // stderr is drained all along, so the command never blocks on a full pipe; stdout is read
    // until its end or the cap, whichever comes first.
    let out = read_capped(stdout, MAX_STATE, true);
    let err = read_capped(stderr, MAX_STDERR, false);
    tokio::pin!(out, err);
    let mut err_read = None;
    let stdout = loop {
        tokio::select! {
            read = &mut out => break read,
            read = &mut err, if err_read.is_none() => err_read = Some(read),
        }
    };
    let stdout = match stdout {
        Ok((bytes, false)) => bytes,
        Ok((_, true)) => {
            return Err(format!(
                "state probe `{command}` printed more than {}; monosim stopped reading there and stopped the command: print one account's record, e.g. `select … where id = '{{account_id}}'`",
                size(MAX_STATE)
            ))
        }
        Err(e) => return Err(format!("state probe `{command}`: cannot read its output: {e}")),
    };
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            read = &mut err, if err_read.is_none() => err_read = Some(read),
        }
    }
    .map_err(|e| format!("state probe `{command}`: {e}"))?;
    // Whatever it left running in its group goes now, before stderr is read to its end
    // (a leftover could hold it open).
    signal_group(pgid, rustix::process::Signal::KILL);
    let stderr = match err_read {
        Some(read) => read,
        None => err.await,
    }
    .map(|(bytes, _)| bytes)
    .unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Reads `stream` to its end, keeping at most `cap` bytes; `true` when there was more. With
/// `stop`, reading ends at the cap (the output is refused whole); without, the rest is read
/// and dropped.
async fn read_capped(
    mut stream: impl tokio::io::AsyncRead + Unpin,
    cap: usize,
    stop: bool,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    let mut over = false;
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Ok((kept, over));
        }
        let room = cap - kept.len();
        kept.extend_from_slice(&buffer[..n.min(room)]);
        if n > room {
            over = true;
            if stop {
                return Ok((kept, true));
            }
        }
    }
}

/// `1 MiB`, `64 KiB`.
fn size(bytes: usize) -> String {
    if bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".to_string();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    /// A server on a free loopback port that answers every request with `head`, then (with
    /// `endless`) chunks of JSON whitespace forever. Returns its base URL.
    async fn server(head: String, endless: bool) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let head = head.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    if socket.write_all(head.as_bytes()).await.is_err() || !endless {
                        return;
                    }
                    let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
                    while socket.write_all(chunk.as_bytes()).await.is_ok() {}
                });
            }
        });
        url
    }

    fn http(url: String) -> Probe {
        Probe::Http {
            url,
            timeout: Duration::from_secs(60),
        }
    }

    /// A 302 to a link-local address was followed.
    #[tokio::test]
    async fn a_redirect_is_reported_not_followed() {
        let target = server(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"followed\":true}".to_string(),
            false,
        )
        .await;
        let redirect = server(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {target}/elsewhere\r\nContent-Length: 0\r\n\r\n"
            ),
            false,
        )
        .await;
        let client = super::super::receiver::direct_client().unwrap();
        let error = read(
            &http(format!("{redirect}/state/{{account_id}}")),
            &client,
            "abc",
            None,
        )
        .await
        .unwrap_err();
        assert!(error.contains("answered 302 Found pointing to"), "{error}");
        assert!(error.contains(&format!("{target}/elsewhere")), "{error}");
        assert!(error.contains("does not follow redirects"), "{error}");
    }

    /// A 200 MB answer took the harness to 214 MB: it was read whole before anything else.
    #[tokio::test]
    async fn an_endless_answer_is_cut_at_the_cap() {
        let url = server(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".into(),
            true,
        )
        .await;
        let client = super::super::receiver::direct_client().unwrap();
        let error = tokio::time::timeout(
            Duration::from_secs(20),
            read(&http(format!("{url}/{{account_id}}")), &client, "abc", None),
        )
        .await
        .expect("the probe stops reading at the cap, long before its timeout")
        .unwrap_err();
        assert!(
            error.contains("answered more than 1 MiB of JSON; monosim stopped reading there"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_answer_announced_over_the_cap_is_not_read() {
        let url = server(
            "HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\n\r\n".into(),
            true,
        )
        .await;
        let client = super::super::receiver::direct_client().unwrap();
        let error = read(&http(format!("{url}/{{account_id}}")), &client, "abc", None)
            .await
            .unwrap_err();
        assert!(error.contains("more than 1 MiB"), "{error}");
    }

    /// A command's stdout was buffered whole (`output()`), however much it printed.
    #[tokio::test]
    async fn a_command_printing_endlessly_is_cut_at_the_cap() {
        let probe = Probe::Command {
            command: "yes '{}'".into(),
            timeout: Duration::from_secs(60),
        };
        let error = tokio::time::timeout(
            Duration::from_secs(20),
            read(&probe, &reqwest::Client::new(), "abc", None),
        )
        .await
        .expect("the probe stops reading at the cap, long before its timeout")
        .unwrap_err();
        assert!(
            error.contains("printed more than 1 MiB; monosim stopped reading there"),
            "{error}"
        );
    }

    /// Whether process `pid` is gone from the process table (a zombie nobody reaps counts
    /// as gone: it runs nothing).
    fn gone(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    /// A command that timed out was killed, but not what it started: `sleep 100000` ran on.
    #[tokio::test]
    async fn a_command_that_times_out_leaves_nothing_running() {
        let file = std::env::temp_dir().join(format!("monosim-probe-{}.pid", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let probe = Probe::Command {
            command: format!("sleep 100000 & echo $! > {}; wait", file.display()),
            timeout: Duration::from_millis(500),
        };
        let error = read(&probe, &reqwest::Client::new(), "abc", None)
            .await
            .unwrap_err();
        assert!(error.contains("did not finish within 500ms"), "{error}");
        let pid: u32 = std::fs::read_to_string(&file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !gone(pid) {
            assert!(
                std::time::Instant::now() < deadline,
                "the probe's `sleep` ({pid}) outlived it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
