//! Reports: for people (progress, then each failure with its step, the expected and actual
//! values as a coloured diff, and the log lines that explain it), for CI test tabs (JUnit
//! XML) and for machines (JSON).

use std::fmt::Write as _;

use crate::runner::{Outcome, ScenarioResult, Status};
use crate::snapshot::{diff, Check};

/// Colours only when asked (a TTY without `NO_COLOR`).
pub struct Style {
    pub colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// One line per finished scenario.
pub fn line(result: &ScenarioResult, style: &Style) -> String {
    let mark = match result.status {
        Status::Passed => style.paint("32", "ok     "),
        Status::Pending => style.paint("33", "pending"),
        Status::Failed => style.paint("31", "FAILED "),
    };
    format!(
        "{mark} {} ({} ms) {}",
        result.name,
        result.duration_ms,
        style.paint("2", &result.file)
    )
}

/// The summary after the run: every failure in full, pending snapshots, the counts.
pub fn summary(outcome: &Outcome, style: &Style) -> String {
    let mut out = String::new();
    for result in outcome
        .results
        .iter()
        .filter(|r| r.status == Status::Failed)
    {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.paint("1;31", "FAILED"),
            style.paint("1", &result.name)
        );
        if let Some(f) = &result.failure {
            if f.step > 0 {
                let _ = writeln!(
                    out,
                    "  step {} at {}: {}",
                    f.step,
                    f.location,
                    style.paint("1", &f.step_text)
                );
            } else {
                let _ = writeln!(out, "  at {}", f.location);
            }
            let _ = writeln!(out, "  {}", f.message);
            if let Some(why) = &f.why {
                let _ = writeln!(out, "  {} {}", style.paint("1", "why:"), one_line(why));
            }
            if let (Some(expected), Some(actual)) = (&f.expected, &f.actual) {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    style.paint("31", "- expected"),
                    style.paint("32", "+ actual")
                );
                for (sign, text) in diff(expected, actual) {
                    let text = format!("  {sign} {text}");
                    let _ = writeln!(
                        out,
                        "{}",
                        match sign {
                            '-' => style.paint("31", &text),
                            '+' => style.paint("32", &text),
                            _ => text,
                        }
                    );
                }
            }
            if !f.context.is_empty() {
                let _ = writeln!(out, "  {}", style.paint("2", "what happened:"));
                for line in &f.context {
                    let _ = writeln!(out, "    {}", style.paint("2", line));
                }
            }
        }
    }
    let snapshots = || outcome.results.iter().flat_map(|r| r.snapshots.iter());
    list(
        &mut out,
        "pending review (`monosim review`, or `monosim run --accept`):",
        snapshots().filter_map(|s| match &s.check {
            Check::New { path } => Some(path),
            Check::Changed { path, .. } if path.to_string_lossy().ends_with(".new") => Some(path),
            _ => None,
        }),
    );
    list(
        &mut out,
        "not recorded yet: under CI nothing is written. To check them from now on, run `monosim run --accept` on your machine and commit these files:",
        snapshots().filter_map(|s| match &s.check {
            Check::Unrecorded { path } => Some(path),
            _ => None,
        }),
    );
    let count = |status| {
        outcome
            .results
            .iter()
            .filter(|r| r.status == status)
            .count()
    };
    let (passed, failed, pending) = (
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Pending),
    );
    if let Some(interrupted) = &outcome.interrupted {
        let _ = writeln!(
            out,
            "\n{} by {}: the results below are of the scenarios that finished",
            style.paint("1;33", "interrupted"),
            interrupted.by
        );
        for u in &interrupted.unfinished {
            let _ = writeln!(
                out,
                "  unfinished  {} {}",
                u.name,
                style.paint("2", &u.file)
            );
        }
        if interrupted.not_started > 0 {
            let _ = writeln!(out, "  {} not started", interrupted.not_started);
        }
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed{}{} in {:.2} s",
        passed + pending,
        failed,
        if pending > 0 {
            format!(" ({pending} with pending snapshots)")
        } else {
            String::new()
        },
        if outcome.not_run > 0 {
            format!(
                ", {} not run ({})",
                outcome.not_run,
                match &outcome.interrupted {
                    Some(interrupted) => format!("interrupted by {}", interrupted.by),
                    None => "--fail-fast".into(),
                }
            )
        } else {
            String::new()
        },
        outcome.duration.as_secs_f64()
    );
    out
}

/// "N snapshot(s) <what>", then each path, when there are any.
fn list<'a>(out: &mut String, what: &str, paths: impl Iterator<Item = &'a std::path::PathBuf>) {
    let paths: Vec<String> = paths.map(|p| p.display().to_string()).collect();
    if paths.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{} snapshot(s) {what}", paths.len());
    for path in paths {
        let _ = writeln!(out, "  {path}");
    }
}

/// A reason on one line, however the YAML folded it.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// JUnit XML, as GitHub and GitLab test tabs read it.
pub fn junit(outcome: &Outcome) -> String {
    let failures = outcome
        .results
        .iter()
        .filter(|r| r.status == Status::Failed)
        .count();
    // A run stopped by a signal lists the scenarios it cut short as skipped, and says so in
    // a property: a test tab then shows what finished, what did not, and why.
    let unfinished = outcome
        .interrupted
        .as_ref()
        .map_or(&[][..], |i| &i.unfinished[..]);
    let tests = outcome.results.len() + unfinished.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"monosim\" tests=\"{tests}\" failures=\"{failures}\" time=\"{:.3}\">",
        outcome.duration.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"monosim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">",
        unfinished.len(),
        outcome.duration.as_secs_f64()
    );
    if let Some(interrupted) = &outcome.interrupted {
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"interrupted\" value=\"{}\" />\n      <property name=\"not_started\" value=\"{}\" />\n    </properties>",
            xml(&interrupted.by),
            interrupted.not_started
        );
    }
    for r in &outcome.results {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            xml(&r.file),
            xml(&r.name),
            r.duration_ms as f64 / 1000.0
        );
        match (&r.status, &r.failure) {
            (Status::Failed, Some(f)) => {
                let mut body = format!(
                    "step {} at {}: {}\n{}\n",
                    f.step, f.location, f.step_text, f.message
                );
                if let Some(why) = &f.why {
                    let _ = writeln!(body, "why: {}", one_line(why));
                }
                if let (Some(e), Some(a)) = (&f.expected, &f.actual) {
                    let _ = write!(body, "expected:\n{e}\nactual:\n{a}\n");
                }
                for line in &f.context {
                    let _ = writeln!(body, "  {line}");
                }
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml(&f.message),
                    if f.step > 0 { "step" } else { "scenario" },
                    xml(&body)
                );
            }
            _ => out.push_str(" />\n"),
        }
    }
    if let Some(interrupted) = &outcome.interrupted {
        for u in &interrupted.unfinished {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"interrupted by {} before it finished\" />\n    </testcase>",
                xml(&u.file),
                xml(&u.name),
                xml(&interrupted.by)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The results as JSON.
pub fn json(outcome: &Outcome) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "duration_ms": outcome.duration.as_millis() as u64,
        "scenarios": outcome.results,
        "not_run": outcome.not_run,
        "interrupted": outcome.interrupted,
    }))
    .unwrap_or_default()
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}
