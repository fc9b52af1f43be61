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

/// The longest source line shown whole, in characters. A longer one (a minified or
/// generated file, a 200 KB line) is shown as a window of `WINDOW` characters around the
/// error, with `…` where it is cut, and a note saying so.
pub const MAX_LINE: usize = 120;
/// The width of that window.
const WINDOW: usize = 100;
/// The longest message, label or help printed, in characters: they may quote what the file
/// says (an unknown key, a value), and the file may say a lot.
pub const MAX_TEXT: usize = 300;

/// `text`, cut to at most `max` characters with a note of how much was left out: for
/// anything monosim echoes that a file, a receiver or a command wrote.
pub fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… ({} more characters)", count - max)
}

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
        let message = shorten(&self.message, MAX_TEXT);
        let help = self.help.as_deref().map(|h| shorten(h, MAX_TEXT));
        let label = shorten(&self.label, MAX_TEXT);
        if self.at.line == 0 {
            // No place in the file (it could not be read): the message and help alone.
            let mut out = format!("{}: {}\n", paint("1;31", "error"), paint("1", &message));
            let _ = writeln!(out, " {} {}", paint("1;34", "-->"), self.file);
            if let Some(help) = &help {
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
        let _ = writeln!(out, "{}: {}", paint("1;31", "error"), paint("1", &message));
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            paint("1;34", "-->"),
            self.file,
            self.at.line,
            self.at.column
        );
        let _ = writeln!(out, "{pad} {gutter}");
        let excerpt = Excerpt::new(&self.source_line, self.at);
        let _ = writeln!(out, "{} {gutter} {}", paint("1;34", &line_no), excerpt.text);
        let carets = "^".repeat(excerpt.carets);
        let underline = if label.is_empty() {
            carets
        } else {
            format!("{carets} {label}")
        };
        let _ = writeln!(
            out,
            "{pad} {gutter} {}{}",
            excerpt.indent,
            paint("1;31", &underline)
        );
        if let Some((length, from, to)) = excerpt.cut {
            let _ = writeln!(out, "{pad} {gutter}");
            let _ = writeln!(
                out,
                "{pad} {} {}: line {} is {length} characters long, over the {MAX_LINE} shown whole: only columns {from}–{to} are shown",
                paint("1;34", "="),
                paint("1", "note"),
                self.at.line
            );
        }
        if let Some(help) = &help {
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

/// The part of a source line a diagnostic shows, and where its underline goes.
struct Excerpt {
    text: String,
    /// Whitespace up to the error's column (tabs kept, so the caret lines up).
    indent: String,
    carets: usize,
    /// `(line length, first column shown, last column shown)` when the line was cut.
    cut: Option<(usize, usize, usize)>,
}

impl Excerpt {
    fn new(line: &str, at: Pos) -> Excerpt {
        let chars: Vec<char> = line.chars().collect();
        let column = at.column.saturating_sub(1);
        let blank = |c: &char| if *c == '\t' { '\t' } else { ' ' };
        if chars.len() <= MAX_LINE {
            return Excerpt {
                text: line.to_string(),
                indent: chars.iter().take(column).map(blank).collect(),
                carets: at.len.max(1),
                cut: None,
            };
        }
        // A third of the window before the error, the rest from it on.
        let start = column.saturating_sub(WINDOW / 3).min(chars.len() - WINDOW);
        let end = start + WINDOW;
        let column = column.min(end);
        let mut text: String = if start > 0 {
            "…".into()
        } else {
            String::new()
        };
        text.extend(&chars[start..end]);
        if end < chars.len() {
            text.push('…');
        }
        let mut indent: String = if start > 0 { " ".into() } else { String::new() };
        indent.extend(chars[start..column].iter().map(blank));
        Excerpt {
            text,
            indent,
            carets: at.len.min(end - column).max(1),
            cut: Some((chars.len(), start + 1, end)),
        }
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
    let length = word.chars().count();
    let limit = (length / 3).max(2);
    candidates
        .iter()
        // Two words further apart in length than the limit cannot be within it: skipping
        // them keeps a 200 KB "key" from costing an edit distance against every candidate.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
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

    /// A 200 KB line used to be printed whole, underline and all.
    #[test]
    fn a_long_line_is_shown_around_the_error_and_says_it_was_cut() {
        let mut source = "a".repeat(100_000);
        source.push_str("bad_key: 1");
        source.push_str(&"b".repeat(100_000));
        let d = Diagnostic::new(
            "scenarios/huge.yaml",
            &source,
            Pos {
                line: 1,
                column: 100_001,
                len: 7,
            },
            format!("unknown key `{}`", "k".repeat(50_000)),
        )
        .label("unknown key");
        let text = d.render(false);
        assert!(text.len() < 2_000, "{} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("… (49714 more characters)"),
            "{}",
            lines[0]
        );
        let shown = lines[3].strip_prefix("1 | ").unwrap();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("bad_key: 1"), "{shown}");
        // The underline still points at the key.
        let caret = lines[4].chars().position(|c| c == '^').unwrap();
        let under: String = lines[3].chars().skip(caret).take(7).collect();
        assert_eq!(under, "bad_key");
        assert!(
            text.contains(
                "= note: line 1 is 200010 characters long, over the 120 shown whole: only columns 99968–100067 are shown"
            ),
            "{text}"
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
        assert_eq!(did_you_mean(&"x".repeat(200_000), &steps), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
