//! Account statements: JSON inline, or PDF built by a job and downloaded from a URL on the
//! simulator — the same three steps a client of the real API goes through.

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Value};

use crate::clock::{Timestamp, DAY};
use crate::http::{ApiError, Tenant};
use crate::world::{Account, Job, JobKind, Transaction};

/// The statement lines of the last `months` months before `now`, newest first.
pub fn lines(account: &Account, months: u32, now: Timestamp) -> Vec<Transaction> {
    let since = now.plus(-i64::from(months) * 30 * DAY);
    account
        .transactions()
        .into_iter()
        .filter(|t| t.date >= since)
        .collect()
}

/// The `data` of a JSON statement, as in Mono's statement guide: `count`,
/// `requested_length` and `available_length` (days), `statement[]`.
pub fn json_body(account: &Account, months: u32, now: Timestamp) -> Value {
    let lines = lines(account, months, now);
    let available_days = lines
        .last()
        .map(|oldest| (now.millis() - oldest.date.millis()).div_euclid(DAY) + 1)
        .unwrap_or(0);
    let statement: Vec<Value> = lines
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "type": t.direction.as_str(),
                "amount": t.amount,
                "balance": t.balance,
                "date": t.date,
                "narration": t.narration,
                "currency": "NGN",
            })
        })
        .collect();
    json!({
        "count": statement.len(),
        "requested_length": i64::from(months) * 30,
        "available_length": available_days,
        "statement": statement,
    })
}

/// `{"id","status","path"}` for a PDF statement job. A new job reports `BUILDING` with no
/// path [inferred]; from its first poll on it is `BUILT` (the status third parties report)
/// with a `path` on the simulator.
pub fn job_body(job: &Job, base_url: &str) -> Value {
    if job.polls == 0 {
        json!({ "id": job.id, "status": "BUILDING", "path": null })
    } else {
        json!({ "id": job.id, "status": "BUILT", "path": format!("{base_url}/statements/{}.pdf", job.id) })
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
pub async fn download(
    Tenant(state): Tenant,
    Path(file): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let not_found = || ApiError::not_found(format!("No statement {file}"));
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
