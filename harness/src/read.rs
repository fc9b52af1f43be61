//! Reading a located YAML tree into typed values, turning every surprise into a
//! [`Diagnostic`] that points at the node.

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::yaml::{Node, Pos};

/// One file being read.
pub struct Reader<'a> {
    pub file: &'a str,
    pub source: &'a str,
}

impl<'a> Reader<'a> {
    pub fn error(&self, at: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file, self.source, at, message)
    }

    /// Parses the text, reporting a syntax error with its place.
    pub fn parse(&self) -> Result<Node, Diagnostic> {
        crate::yaml::parse(self.source).map_err(|e| {
            if let Some(help) = &e.help {
                return self.error(e.at, &e.message).label("here").help(help);
            }
            let help = if e.message.contains("flow mapping") || e.message.contains("flow sequence") {
                "inside `{ … }` or `[ … ]`, quote values that contain braces, colons or commas, e.g. call: \"POST /accounts/{ada}/reauthorise\""
            } else {
                "check the indentation and that every `key: value` has a space after the colon"
            };
            self.error(e.at, format!("this is not valid YAML: {}", e.message))
                .label("here")
                .help(help)
        })
    }

    pub fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [(Node, Node)], Diagnostic> {
        node.as_map().ok_or_else(|| {
            self.error(
                node.at,
                format!("{what} must be a map of `key: value`, not {}", node.kind()),
            )
            .label("expected a map")
        })
    }

    pub fn seq<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], Diagnostic> {
        node.as_seq().ok_or_else(|| {
            self.error(
                node.at,
                format!(
                    "{what} must be a list (`- item` lines), not {}",
                    node.kind()
                ),
            )
            .label("expected a list")
        })
    }

    pub fn string(&self, node: &Node, what: &str) -> Result<String, Diagnostic> {
        match &node.value {
            crate::yaml::Value::Str(s) => Ok(s.clone()),
            crate::yaml::Value::Int(_)
            | crate::yaml::Value::Float(_)
            | crate::yaml::Value::Bool(_) => Ok(node.scalar_text()),
            _ => Err(self
                .error(node.at, format!("{what} must be text, not {}", node.kind()))
                .label("expected text")),
        }
    }

    pub fn number(&self, node: &Node, what: &str, min: i64, max: i64) -> Result<i64, Diagnostic> {
        match node.value {
            crate::yaml::Value::Int(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(self
                .error(
                    node.at,
                    format!("{what} must be a whole number from {min} to {max}"),
                )
                .label("not a valid number")),
        }
    }

    pub fn boolean(&self, node: &Node, what: &str) -> Result<bool, Diagnostic> {
        match node.value {
            crate::yaml::Value::Bool(b) => Ok(b),
            _ => Err(self
                .error(node.at, format!("{what} must be `true` or `false`"))
                .label("expected a boolean")),
        }
    }

    /// A duration: `500ms`, `30s`, `10m`, `4h`, `2d`. Returns milliseconds.
    pub fn duration(&self, node: &Node, what: &str) -> Result<i64, Diagnostic> {
        let text = self.string(node, what)?;
        monosim_simulator::clock::parse_duration(&text).ok_or_else(|| {
            self.error(node.at, format!("{what} `{text}` is not a duration"))
                .label("not a duration")
                .help("write it like 500ms, 30s, 10m, 1m30s, 4h or 2d (no spaces)")
        })
    }

    /// One of `choices`, with a suggestion when it is a near miss.
    pub fn choice(&self, node: &Node, what: &str, choices: &[&str]) -> Result<String, Diagnostic> {
        let text = self.string(node, what)?;
        if choices.contains(&text.as_str()) {
            return Ok(text);
        }
        let help = match did_you_mean(&text, choices) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("expected one of: {}", choices.join(", ")),
        };
        Err(self
            .error(node.at, format!("unknown {what} `{text}`"))
            .label(format!("not a {what}"))
            .help(help))
    }

    /// Refuses keys outside `allowed`, suggesting the likely intended one.
    pub fn known_keys(
        &self,
        entries: &[(Node, Node)],
        what: &str,
        allowed: &[&str],
    ) -> Result<(), Diagnostic> {
        for (key, _) in entries {
            let name = key.scalar_text();
            if !allowed.contains(&name.as_str()) {
                let help = match did_you_mean(&name, allowed) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("{what} takes: {}", allowed.join(", ")),
                };
                return Err(self
                    .error(key.at, format!("unknown key `{name}` in {what}"))
                    .label("unknown key")
                    .help(help));
            }
        }
        Ok(())
    }

    /// The value of a required key.
    pub fn required<'n>(
        &self,
        node: &'n Node,
        key: &str,
        what: &str,
    ) -> Result<&'n Node, Diagnostic> {
        node.get(key).ok_or_else(|| {
            self.error(node.at, format!("{what} needs `{key}`"))
                .label(format!("`{key}` missing here"))
        })
    }
}
