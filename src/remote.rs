//! `monosim fire`, `monosim reauth`, `monosim logs`, `monosim record`: thin clients of a
//! running simulator's control API (`/_sim/`).

use serde_json::{json, Value};

use crate::cli::{FireArgs, LogsArgs, MfaChoice, ReauthArgs, RecordArgs};
use crate::exit;
use crate::output::{errln, outln};

/// What went wrong talking to the simulator, already phrased for the terminal.
struct Failure(u8, String);

fn run(work: impl std::future::Future<Output = Result<(), Failure>>) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            errln!("error: cannot start the async runtime: {error}");
            return exit::ENVIRONMENT;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => exit::SUCCESS,
        Err(Failure(code, message)) => {
            errln!("error: {message}");
            code
        }
    }
}

/// Sends one request to the control API: its status and body, or why it never answered.
async fn send(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<(reqwest::StatusCode, String), Failure> {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method, url)
        .timeout(std::time::Duration::from_secs(30));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| {
        Failure(
            exit::ENVIRONMENT,
            format!("cannot reach the simulator at {url}: {e}\n  hint: is `monosim serve` running? Pass --url or set MONOSIM_URL"),
        )
    })?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Ok((status, text))
}

/// A refusal in the simulator's words (its error body's `message`).
fn refused(status: reqwest::StatusCode, text: &str) -> Failure {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.to_string());
    Failure(
        exit::USAGE,
        format!("the simulator refused ({status}): {message}"),
    )
}

async fn call(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<Value, Failure> {
    let (status, text) = send(method, url, token, body).await?;
    let value: Value = serde_json::from_str(&text).map_err(|_| {
        Failure(
            exit::ENVIRONMENT,
            format!("{url} answered {status} with something that is not JSON: {text}"),
        )
    })?;
    if !status.is_success() {
        return Err(refused(status, &text));
    }
    Ok(value)
}

pub fn fire(args: FireArgs) -> u8 {
    run(async move {
        let mut set = serde_json::Map::new();
        for pair in &args.set {
            let (path, value) = pair.split_once('=').ok_or_else(|| {
                Failure(
                    exit::USAGE,
                    format!("--set `{pair}` is not PATH=VALUE (e.g. data.meta.data_status=FAILED)"),
                )
            })?;
            let value = serde_json::from_str(value).unwrap_or_else(|_| json!(value));
            set.insert(path.to_string(), value);
        }
        let url = format!("{}/_sim/events", args.remote.url.trim_end_matches('/'));
        let answer = call(
            reqwest::Method::POST,
            &url,
            args.remote.control_token.as_deref(),
            Some(json!({ "event": args.event, "account": args.account, "set": set })),
        )
        .await?;
        outln!(
            "fired {} event_id {}",
            args.event,
            answer["event_id"].as_str().unwrap_or("?")
        );
        Ok(())
    })
}

pub fn reauth(args: ReauthArgs) -> u8 {
    run(async move {
        let mfa = match args.mfa {
            MfaChoice::Correct => "correct",
            MfaChoice::Wrong => "wrong",
            MfaChoice::Expired => "expired",
            MfaChoice::Abandon => "abandon",
        };
        let url = format!(
            "{}/_sim/accounts/{}/reauth",
            args.remote.url.trim_end_matches('/'),
            args.account
        );
        let answer = call(
            reqwest::Method::POST,
            &url,
            args.remote.control_token.as_deref(),
            Some(json!({ "mfa": mfa, "token": args.token })),
        )
        .await;
        // `--mfa expired` asks for exactly this refusal: it is the outcome, not an error.
        let answer = match answer {
            Err(Failure(_, message))
                if args.mfa == MfaChoice::Expired && message.contains("has expired") =>
            {
                outln!("expired: the token was refused, no webhook fired ({message})");
                return Ok(());
            }
            other => other?,
        };
        let outcome = &answer["result"];
        match outcome["outcome"].as_str() {
            Some("reauthorised") => outln!(
                "re-authorised {}: fired {}",
                args.account,
                outcome["events"].as_array().map(|e| e.len()).unwrap_or(0)
            ),
            Some(other) => outln!("{other}: no webhook fired"),
            None => outln!("{outcome}"),
        }
        Ok(())
    })
}

pub fn logs(args: LogsArgs) -> u8 {
    run(async move {
        let mut url = format!("{}/_sim/deliveries", args.remote.url.trim_end_matches('/'));
        if let Some(account) = &args.account {
            url.push_str(&format!("?account={account}"));
        }
        let answer = call(
            reqwest::Method::GET,
            &url,
            args.remote.control_token.as_deref(),
            None,
        )
        .await?;
        let records = answer["deliveries"].as_array().cloned().unwrap_or_default();
        if args.json {
            for record in &records {
                outln!("{record}");
            }
            return Ok(());
        }
        outln!(
            "{:>5}  {:<24}  {:<42}  {:>3}  {:<9}  {:>6}  ACCOUNT / ERROR",
            "SEQ",
            "SENT",
            "EVENT",
            "TRY",
            "OUTCOME",
            "STATUS"
        );
        for r in &records {
            let status = r["status"]
                .as_u64()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            let tail = match r["error"].as_str() {
                Some(error) => format!("{}  {error}", r["account"].as_str().unwrap_or("-")),
                None => r["account"].as_str().unwrap_or("-").to_string(),
            };
            outln!(
                "{:>5}  {:<24}  {:<42}  {:>3}  {:<9}  {:>6}  {}",
                r["seq"].as_u64().unwrap_or(0),
                r["sent_at"].as_str().unwrap_or(""),
                r["event"].as_str().unwrap_or(""),
                r["attempt"].as_u64().unwrap_or(0),
                r["outcome"].as_str().unwrap_or(""),
                status,
                tail
            );
        }
        if records.is_empty() {
            outln!("(no deliveries yet)");
        }
        Ok(())
    })
}

/// `monosim record --out FILE`: what was done to the simulator since it started (or was
/// reset), as a scenario file — `GET /_sim/recording.yaml`, written to FILE (`-`: stdout).
pub fn record(args: RecordArgs) -> u8 {
    run(async move {
        let url = format!(
            "{}/_sim/recording.yaml",
            args.remote.url.trim_end_matches('/')
        );
        let (status, text) = send(
            reqwest::Method::GET,
            &url,
            args.remote.control_token.as_deref(),
            None,
        )
        .await?;
        if !status.is_success() {
            return Err(refused(status, &text));
        }
        let steps = text.lines().filter(|line| line.starts_with("  - ")).count();
        if args.out.as_os_str() == "-" {
            outln!("{}", text.trim_end());
            return Ok(());
        }
        std::fs::write(&args.out, &text).map_err(|e| {
            Failure(
                exit::ENVIRONMENT,
                format!(
                    "cannot write the scenario to {}: {e}\n  hint: pass --out a file in a folder that exists and you may write to (or - for stdout)",
                    args.out.display()
                ),
            )
        })?;
        outln!(
            "recorded {steps} step(s) to {}; replay them with `monosim run` (the file belongs in your scenarios folder)",
            args.out.display()
        );
        Ok(())
    })
}
