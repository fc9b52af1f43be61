//! Errors in the files users write, rendered the way rustc (and hurl) render them: what is
//! wrong, where (file:line:column), the line with the offending text underlined, and a hint.
//!
//! ```text
//! error: unknown step `sesion_expires`
//!  --> scenarios/reauth.yaml:4:5
//!   |
//! 4 |   - sesion_expires: ada
//!   |     ^^^^^^^^^^^^^^ not a step
//!   |
//!   = help: did you mean `session_expires`?
//! ```

use std::fmt::Write as _;

use crate::yaml::Pos;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: String,
    pub at: Pos,
    pub message: String,
    /// A few words under the underline.
    pub label: String,
    pub help: Option<String>,
    /// The text of line `at.line`, for the excerpt.
    pub source_line: String,
}

impl Diagnostic {
    pub fn new(file: &str, source: &str, at: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_string(),
            at,
            message: message.into(),
            label: String::new(),
            help: None,
            source_line: crate::yaml::line(source, at.line)
                .unwrap_or_default()
                .to_string(),
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The diagnostic as text; `colour` adds ANSI colours (red error, blue gutter).
    pub fn render(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        if self.at.line == 0 {
            // No place in the file (it could not be read): the message and help alone.
            let mut out = format!(
                "{}: {}\n",
                paint("1;31", "error"),
                paint("1", &self.message)
            );
            let _ = writeln!(out, " {} {}", paint("1;34", "-->"), self.file);
            if let Some(help) = &self.help {
                let _ = writeln!(
                    out,
                    "  {} {}: {help}",
                    paint("1;34", "="),
                    paint("1", "help")
                );
            }
            return out;
        }
        let line_no = self.at.line.to_string();
        let pad = " ".repeat(line_no.len());
        let gutter = paint("1;34", "|");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {}",
            paint("1;31", "error"),
            paint("1", &self.message)
        );
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            paint("1;34", "-->"),
            self.file,
            self.at.line,
            self.at.column
        );
        let _ = writeln!(out, "{pad} {gutter}");
        let _ = writeln!(
            out,
            "{} {gutter} {}",
            paint("1;34", &line_no),
            self.source_line
        );
        let indent: String = self
            .source_line
            .chars()
            .take(self.at.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(self.at.len.max(1));
        let underline = if self.label.is_empty() {
            carets
        } else {
            format!("{carets} {}", self.label)
        };
        let _ = writeln!(out, "{pad} {gutter} {indent}{}", paint("1;31", &underline));
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} {gutter}");
            let _ = writeln!(
                out,
                "{pad} {} {}: {help}",
                paint("1;34", "="),
                paint("1", "help")
            );
        }
        out
    }
}

/// Several diagnostics (a file can have more than one mistake).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn render(&self, colour: bool) -> String {
        self.0
            .iter()
            .map(|d| d.render(colour))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let source = "name: x\nsteps:\n  - link: ada\n  - sesion_expires: ada\n";
        let d = Diagnostic::new(
            "scenarios/reauth.yaml",
            source,
            Pos {
                line: 4,
                column: 5,
                len: 14,
            },
            "unknown step `sesion_expires`",
        )
        .label("not a step")
        .help("did you mean `session_expires`?");
        assert_eq!(
            d.render(false),
            "error: unknown step `sesion_expires`\n --> scenarios/reauth.yaml:4:5\n  |\n4 |   - sesion_expires: ada\n  |     ^^^^^^^^^^^^^^ not a step\n  |\n  = help: did you mean `session_expires`?\n"
        );
    }

    #[test]
    fn a_file_that_could_not_be_read_has_no_excerpt() {
        let d = Diagnostic::new(
            "scenarios",
            "",
            Pos::default(),
            "cannot read the scenarios folder: no such file",
        )
        .help("create it");
        assert_eq!(
            d.render(false),
            "error: cannot read the scenarios folder: no such file\n --> scenarios\n  = help: create it\n"
        );
    }

    #[test]
    fn typos_find_their_word() {
        let steps = ["link", "session_expires", "expect_state", "snapshot"];
        assert_eq!(
            did_you_mean("sesion_expires", &steps),
            Some("session_expires")
        );
        assert_eq!(did_you_mean("expect_stat", &steps), Some("expect_state"));
        assert_eq!(did_you_mean("teleport", &steps), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
