//! Reading the receiver's state for one account: GET a URL, or run a command, and parse JSON.

use serde_json::Value;

use crate::config::Probe;

/// Reads the state of `account_id`. A list (as `sqlite3 -json` prints) yields its first
/// row, an empty one `null`.
pub async fn read(
    probe: &Probe,
    client: &reqwest::Client,
    account_id: &str,
) -> Result<Value, String> {
    let value = match probe {
        Probe::Http { url, timeout } => {
            let url = url.replace("{account_id}", account_id);
            let response = client
                .get(&url)
                .timeout(*timeout)
                .send()
                .await
                .map_err(|e| format!("state probe GET {url} failed: {}", describe(&e)))?;
            let status = response.status();
            let body = response
                .text()
                .await
                .map_err(|e| format!("state probe GET {url}: answer cut off: {e}"))?;
            if status.as_u16() == 404 {
                return Ok(Value::Null);
            }
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
            let run = tokio::process::Command::new("sh")
                .args(["-c", &command])
                .kill_on_drop(true)
                .output();
            let output = tokio::time::timeout(*timeout, run)
                .await
                .map_err(|_| format!("state probe `{command}` did not finish within {timeout:?}"))?
                .map_err(|e| format!("state probe `{command}` could not run: {e}"))?;
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
