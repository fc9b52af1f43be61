//! Account statements: JSON inline, or PDF built by a job and downloaded from a URL on the
//! simulator — the same three steps a client of the real API goes through. v1 and v2 serve
//! the same statement; only the wrapping differs.

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::accounts::require_data;
use super::params::Params;
use crate::clock::{Timestamp, DAY};
use crate::echo::Echo;
use crate::http::{ApiError, ApiState, Tenant};
use crate::world::{Account, Direction, Job, JobKind, ObjectId, Transaction};

/// The statement's period and format.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// `last1month` to `last12months` (default `last12months`).
    #[param(
        rename = "period",
        value_type = Option<String>,
        pattern = "^last([1-9]|1[0-2])months?$",
        example = "last3months"
    )]
    months: u32,
    #[param(value_type = Option<StatementOutput>, inline)]
    output: StatementOutput,
}

#[derive(Clone, Copy, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatementOutput {
    Json,
    Pdf,
}

impl StatementQuery {
    /// `period` (`last1month` … `last12months`, both number forms accepted) and `output`.
    fn read(params: &Params) -> Result<StatementQuery, ApiError> {
        let months = match params.get("period") {
            None => 12,
            Some(period) => period
                .strip_prefix("last")
                .and_then(|rest| {
                    rest.strip_suffix("months")
                        .or_else(|| rest.strip_suffix("month"))
                })
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=12).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid `period`: `{}`; use last1month to last12months (e.g. last6months)",
                        Echo(period)
                    ))
                })?,
        };
        let output = match params.get("output").unwrap_or("json") {
            "json" => StatementOutput::Json,
            "pdf" => StatementOutput::Pdf,
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid `output`: `{}`; use `json` or `pdf`",
                    Echo(other)
                )))
            }
        };
        Ok(StatementQuery { months, output })
    }
}

/// What a statement request gives: the lines (`output=json`), or a PDF job to poll.
pub enum Statement {
    Lines(StatementData),
    Job(StatementJob),
}

/// The statement `params` ask for; shared by v1 and v2.
pub fn statement(
    state: &ApiState,
    account: &Account,
    params: &Params,
) -> Result<Statement, ApiError> {
    let StatementQuery { months, output } = StatementQuery::read(params)?;
    require_data(account, "transactions")?;
    Ok(match output {
        StatementOutput::Json => {
            Statement::Lines(StatementData::new(account, months, state.world.now()))
        }
        StatementOutput::Pdf => {
            let job = state
                .world
                .start_job(account.id, JobKind::Statement { months });
            Statement::Job(StatementJob::new(&job, &state.base_url))
        }
    })
}

/// Polls a PDF statement job of the account; shared by v1 and v2.
pub fn poll(state: &ApiState, id: &str, job_id: &str) -> Result<StatementJob, ApiError> {
    let account = state.linked_account(id)?;
    let job = state
        .world
        .poll_job(&account.id, job_id)
        .filter(|j| matches!(j.kind, JobKind::Statement { .. }))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No statement job `{}` for this account",
                Echo(job_id)
            ))
        })?;
    Ok(StatementJob::new(&job, &state.base_url))
}

/// The statement lines of the last `months` months before `now`, newest first.
fn lines(account: &Account, months: u32, now: Timestamp) -> Vec<Transaction> {
    let since = now.plus(-i64::from(months) * 30 * DAY);
    account
        .transactions()
        .into_iter()
        .filter(|t| t.date >= since)
        .collect()
}

// The `data` of a JSON statement, as in Mono's statement guide.
#[derive(Serialize, ToSchema)]
pub struct StatementData {
    #[schema(value_type = u64)]
    count: usize,
    /// Days asked for.
    #[schema(value_type = u64)]
    requested_length: i64,
    /// Days the lines cover.
    #[schema(value_type = u64)]
    available_length: i64,
    statement: Vec<StatementLine>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementLine {
    id: ObjectId,
    #[serde(rename = "type")]
    direction: Direction,
    amount: i64,
    balance: i64,
    date: Timestamp,
    narration: String,
    #[schema(value_type = String)]
    currency: &'static str,
}

impl StatementData {
    pub fn new(account: &Account, months: u32, now: Timestamp) -> StatementData {
        let lines = lines(account, months, now);
        let available_length = lines
            .last()
            .map(|oldest| (now.millis() - oldest.date.millis()).div_euclid(DAY) + 1)
            .unwrap_or(0);
        let statement: Vec<StatementLine> = lines
            .into_iter()
            .map(|t| StatementLine {
                id: t.id,
                direction: t.direction,
                amount: t.amount,
                balance: t.balance,
                date: t.date,
                narration: t.narration,
                currency: "NGN",
            })
            .collect();
        StatementData {
            count: statement.len(),
            requested_length: i64::from(months) * 30,
            available_length,
            statement,
        }
    }
}

/// A PDF statement job: `BUILDING` with no path when new, `BUILT` with the PDF's URL from
/// its first poll on.
#[derive(Serialize, ToSchema)]
pub struct StatementJob {
    id: String,
    status: StatementJobStatus,
    path: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum StatementJobStatus {
    Building,
    Built,
}

impl StatementJob {
    /// A new job reports `BUILDING` with no path [inferred]; from its first poll on it is
    /// `BUILT` (the status third parties report) with a `path` on the simulator.
    fn new(job: &Job, base_url: &str) -> StatementJob {
        if job.polls == 0 {
            StatementJob {
                id: job.id.clone(),
                status: StatementJobStatus::Building,
                path: None,
            }
        } else {
            StatementJob {
                id: job.id.clone(),
                status: StatementJobStatus::Built,
                path: Some(format!("{base_url}/statements/{}.pdf", job.id)),
            }
        }
    }
}

/// `GET /statements/{job}.pdf`: the built statement. Unauthenticated, like the storage URL
/// Mono hands out.
#[utoipa::path(
    get,
    path = "/statements/{file}",
    tag = "statements",
    operation_id = "statement_pdf",
    summary = "Download a built PDF statement (no key needed, like Mono's storage URL)",
    params(("file" = String, Path, description = "`{job id}.pdf`, as in the job's `path`", example = "8EWRZ2vV1C3tmms8NBXy.pdf")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>))
)]
pub(super) async fn download(
    Tenant(state): Tenant,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let not_found = || ApiError::not_found(format!("No statement {}", Echo(&file)));
    let job_id = file.strip_suffix(".pdf").ok_or_else(not_found)?;
    let sim = state.tenants.for_job(job_id).ok_or_else(not_found)?;
    let job = sim.world.job(job_id).ok_or_else(not_found)?;
    let JobKind::Statement { months } = job.kind else {
        return Err(not_found());
    };
    let account = sim
        .world
        .account(&job.account)
        .filter(|a| a.is_linked())
        .ok_or_else(not_found)?;
    let pdf = render_pdf(&account, months, job.created_at);
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf))
}

const LINES_PER_PAGE: usize = 48;

/// A plain, valid PDF: a header, then one line per transaction, 48 to a page.
fn render_pdf(account: &Account, months: u32, at: Timestamp) -> Vec<u8> {
    let holder = account.holder();
    let mut text: Vec<String> = vec![
        format!("Mono statement - {}", account.institution().name),
        format!(
            "{}  account {}  last {months} month(s) to {}",
            holder.account_name(),
            holder.account_number,
            at.date()
        ),
        String::new(),
        format!(
            "{:<12}{:<44}{:>8}{:>16}{:>16}",
            "DATE", "NARRATION", "TYPE", "AMOUNT", "BALANCE"
        ),
    ];
    for t in lines(account, months, at) {
        let narration: String = t.narration.chars().take(42).collect();
        text.push(format!(
            "{:<12}{:<44}{:>8}{:>16}{:>16}",
            t.date.date().to_string(),
            narration,
            t.direction.as_str(),
            naira(t.amount),
            naira(t.balance)
        ));
    }
    let pages: Vec<&[String]> = text.chunks(LINES_PER_PAGE).collect();

    // Objects: 1 catalog, 2 page tree, 3 font, then (page, contents) pairs.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        String::new(), // the page tree, once the page numbers are known
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>".to_string(),
    ];
    let mut kids = Vec::new();
    for page in &pages {
        let page_number = objects.len() + 1;
        kids.push(format!("{page_number} 0 R"));
        let mut stream = String::from("BT /F1 8 Tf 11 TL 30 800 Td\n");
        for line in *page {
            stream.push_str(&format!("({}) Tj T*\n", pdf_escape(line)));
        }
        stream.push_str("ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            page_number + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    );

    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

fn pdf_escape(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '(' | ')' | '\\' => format!("\\{c}"),
            c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
            _ => "?".to_string(),
        })
        .collect()
}

/// `1234567` kobo → `12,345.67`.
fn naira(kobo: i64) -> String {
    let sign = if kobo < 0 { "-" } else { "" };
    let kobo = kobo.unsigned_abs();
    let naira = (kobo / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in naira.chars().enumerate() {
        if i > 0 && (naira.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", kobo % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naira_amounts_are_grouped() {
        assert_eq!(naira(123_456_789), "1,234,567.89");
        assert_eq!(naira(5), "0.05");
        assert_eq!(naira(-100_000), "-1,000.00");
    }
}
