//! Echoing what a client sent back in an error message, bounded.
//!
//! A refusal that quotes the offending value ("Invalid account id `xyz`") tells the client
//! what was wrong, but a client can send a 60 KB id, a 1 MiB field or a path of 20,000
//! dots, and an error that repeats it whole is a 60 KB answer, a 60 KB log line and a
//! terminal full of noise. Every place the simulator echoes input goes through [`Echo`]:
//! up to [`ECHO_LIMIT`] characters as they are, then an ellipsis and what was cut, e.g.
//! `aaaa… (60000 characters; shown up to 100)`, so the message still says what limit was
//! hit and how long the value really was.
//!
//! Messages that come from a parser (serde's "unknown variant `…`" or "invalid type:
//! string \"…\"") quote input themselves; [`quoted`] applies the same rule to each quoted
//! span of such a message.

use std::borrow::Cow;
use std::fmt;

/// How many characters of a client's value an error message repeats.
pub const ECHO_LIMIT: usize = 100;

/// Displays a client's value, cut at [`ECHO_LIMIT`] characters with a note saying so.
#[derive(Clone, Copy, Debug)]
pub struct Echo<'a>(pub &'a str);

impl fmt::Display for Echo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(ECHO_LIMIT) {
            None => f.write_str(self.0),
            Some((cut, _)) => write!(
                f,
                "{}… ({} characters; shown up to {ECHO_LIMIT})",
                &self.0[..cut],
                self.0.chars().count()
            ),
        }
    }
}

/// [`Echo`] as a string, borrowed when nothing needed cutting.
pub fn echo(text: &str) -> Cow<'_, str> {
    if text.chars().nth(ECHO_LIMIT).is_none() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(Echo(text).to_string())
    }
}

/// A parser's message with every quoted span (between backticks or double quotes) longer
/// than [`ECHO_LIMIT`] cut as [`Echo`] cuts it; the parser's own words around the spans are
/// kept, and a span [`Echo`] already cut is left as it is.
pub fn quoted(message: &str) -> Cow<'_, str> {
    if message.chars().nth(ECHO_LIMIT).is_none() {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len().min(8 * ECHO_LIMIT));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        let inside = &rest[open + 1..];
        out.push_str(&rest[..=open]);
        let (span, after) = match inside.find(quote) {
            Some(close) => (&inside[..close], Some(&inside[close + 1..])),
            // An unclosed quote: the rest of the message is the span.
            None => (inside, None),
        };
        if span.ends_with(&format!(" characters; shown up to {ECHO_LIMIT})")) {
            out.push_str(span);
        } else {
            out.push_str(&echo(span));
        }
        match after {
            Some(after) => {
                out.push(quote);
                rest = after;
            }
            None => rest = "",
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_shown_whole() {
        assert_eq!(echo("5f171a530295e231abca1153"), "5f171a530295e231abca1153");
        assert_eq!(echo(&"é".repeat(ECHO_LIMIT)), "é".repeat(ECHO_LIMIT));
        assert!(matches!(echo("short"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_values_are_cut_with_the_limit_and_the_real_length() {
        let shown = echo(&"a".repeat(60_000)).into_owned();
        assert_eq!(
            shown,
            format!("{}… (60000 characters; shown up to 100)", "a".repeat(100))
        );
        // Characters, not bytes: a multi-byte value is never cut inside a character.
        let shown = Echo(&"é".repeat(101)).to_string();
        assert!(shown.starts_with(&"é".repeat(100)), "{shown}");
        assert!(
            shown.ends_with("… (101 characters; shown up to 100)"),
            "{shown}"
        );
    }

    #[test]
    fn parser_messages_keep_their_words_and_lose_the_bulk() {
        let long = "x".repeat(5_000);
        let message = format!("unknown variant `{long}`, expected `correct` or `wrong`");
        let shown = quoted(&message);
        assert!(shown.starts_with("unknown variant `xxxx"), "{shown}");
        assert!(
            shown.ends_with("… (5000 characters; shown up to 100)`, expected `correct` or `wrong`"),
            "{shown}"
        );
        let message = format!("invalid type: string \"{long}\", expected u32 at line 1");
        let shown = quoted(&message);
        assert!(shown.len() < 300, "{shown}");
        assert!(shown.ends_with("\", expected u32 at line 1"), "{shown}");
        let unclosed = format!("bad `{long}");
        assert!(quoted(&unclosed).len() < 200);
        assert_eq!(quoted("no quotes here"), "no quotes here");
        // Already cut: not cut again (which would misreport the length).
        let once = format!(
            "unknown `{}`; expected one of: {}",
            Echo(&long),
            "a, ".repeat(60)
        );
        assert_eq!(quoted(&once), once);
    }
}
