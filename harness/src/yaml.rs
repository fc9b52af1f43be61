//! YAML read into a tree that remembers where every node came from, so any error found
//! while interpreting a scenario or config — not only syntax errors — can point at its
//! line and column. Parsing is serde-saphyr's (maintained, never panics on bad input).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// Where a node is: 1-based line and column, and its length in characters on that line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub at: Pos,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// What kind of node this is, for "expected a map, found a list" messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// The node as JSON (locations dropped).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(Into::into)
                .unwrap_or_default(),
            Value::Str(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.scalar_text(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// A scalar as text (a key, say), whatever its YAML type.
    pub fn scalar_text(&self) -> String {
        match &self.value {
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Null => "null".into(),
            Value::Seq(_) | Value::Map(_) => self.to_json().to_string(),
        }
    }
}

/// The lines of `text` as YAML counts them — a line ends at `\r\n`, `\n` or a lone `\r` —
/// so line `n` of a location is `lines(text).nth(n - 1)`. (`str::lines` does not split at a
/// lone `\r`, and a file with old Mac line ends then had errors "past its end"; found by
/// fuzzing.)
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(end) => {
                let skip = if current[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[end + skip..]).filter(|r| !r.is_empty());
                Some(&current[..end])
            }
            None => {
                rest = None;
                Some(current).filter(|c| !c.is_empty())
            }
        }
    })
}

/// Line `number` (1-based) of `text`, as YAML counts lines.
pub fn line(text: &str, number: usize) -> Option<&str> {
    lines(text).nth(number.checked_sub(1)?)
}

/// A YAML syntax error, with where it is.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub at: Pos,
    /// What to do about it, when the parser's error says more than "this is not valid"
    /// (a file over the parser's budget is valid YAML, only too big).
    pub help: Option<String>,
}

/// The message and help for a file over one of the parser's budgets: the limits
/// serde-saphyr keeps so that a runaway or hostile file cannot exhaust memory or stack. The
/// file is not malformed, so "check the indentation" would send its author the wrong way.
fn over_budget(breach: &serde_saphyr::budget::BudgetBreach) -> (String, String) {
    use serde_saphyr::budget::{Budget, BudgetBreach};
    let limits = Budget::default();
    let split = "split it into several files (steps they share go in a file that `include:` brings in); a file this size is likely generated, so generate smaller ones";
    match breach {
        BudgetBreach::Nodes { .. } => (
            format!(
                "this file exceeds monosim's budget of {} YAML nodes (values, lists and maps) for one file",
                limits.max_nodes
            ),
            format!("a scenario is usually a few hundred nodes: {split}"),
        ),
        BudgetBreach::Depth { .. } => (
            format!(
                "this file nests lists and maps more than {} deep, monosim's budget for one file",
                limits.max_depth
            ),
            "no scenario needs that depth: it is likely generated by a tool gone wrong, or not a scenario at all".into(),
        ),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. }
        | BudgetBreach::MergeKeys { .. } => (
            format!("this file exceeds monosim's budget for YAML anchors and aliases (`&name`, `*name`): {breach:?}"),
            "write the repeated steps out, or put them in a file and `include:` it".into(),
        ),
        other => (
            format!("this file exceeds monosim's budget for one YAML file: {other:?}"),
            split.into(),
        ),
    }
}

/// Parses one YAML document into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let raw: Spanned<Raw> = serde_saphyr::from_str(text).map_err(|e| {
        if let serde_saphyr::Error::Budget { breach, .. } = e.without_snippet() {
            let (message, help) = over_budget(breach);
            return SyntaxError {
                message,
                // A budget is the whole file's: it has no better place than its start.
                at: Pos {
                    line: 1,
                    column: 1,
                    len: 1,
                },
                help: Some(help),
            };
        }
        let at = e
            .location()
            .map(|l| Pos {
                line: l.line() as usize,
                column: l.column() as usize,
                len: 1,
            })
            .unwrap_or(Pos {
                line: 1,
                column: 1,
                len: 1,
            });
        let first = e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .trim()
            .to_string();
        // The parser says where ("… line N column M: …"); the diagnostic shows the place
        // itself, so keep only what follows.
        let message = first
            .find(" column ")
            .and_then(|at| {
                first[at..]
                    .find(": ")
                    .map(|colon| first[at + colon + 2..].to_string())
            })
            .unwrap_or(first);
        SyntaxError {
            message,
            at,
            help: None,
        }
    })?;
    // Measured once: a scalar's underline needs its line, and looking lines up from the
    // start for each one made a long scenario quadratic.
    let lines: Vec<&str> = lines(text).collect();
    Ok(convert(raw, &lines))
}

enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

fn convert(spanned: Spanned<Raw>, lines: &[&str]) -> Node {
    let location = spanned.referenced;
    let line = location.line() as usize;
    let column = location.column() as usize;
    let value = match spanned.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|n| convert(n, lines)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (convert(k, lines), convert(v, lines)))
                .collect(),
        ),
    };
    let len = match &value {
        // Underline what is written: the scalar's text as it stands on its line.
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            token_len(lines, line, column)
        }
        _ => 1,
    };
    Node {
        value,
        at: Pos { line, column, len },
    }
}

/// The length of the plain or quoted scalar starting at (line, column).
fn token_len(lines: &[&str], line: usize, column: usize) -> usize {
    let Some(source) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return 1;
    };
    let rest: String = source.chars().skip(column.saturating_sub(1)).collect();
    let mut chars = rest.chars();
    let len = match chars.next() {
        Some(q @ ('"' | '\'')) => chars
            .position(|c| c == q)
            .map(|p| p + 2)
            .unwrap_or(rest.chars().count()),
        Some(_) => {
            let end = rest
                .char_indices()
                .find(|&(i, c)| {
                    (c == ':' && (i + 1 == rest.len() || rest[i + 1..].starts_with([' ', '\t'])))
                        || c == ','
                        || c == '}'
                        || c == ']'
                        || (c == '#' && rest[..i].ends_with(' '))
                })
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            rest[..end].trim_end().chars().count()
        }
        None => 1,
    };
    len.max(1)
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(i64::try_from(v)
            .map(Raw::Int)
            .unwrap_or(Raw::Float(v as f64)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Spanned<Raw>, Spanned<Raw>>()? {
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_knows_where_it_is() {
        let text = "name: demo\nsteps:\n  - link: ada\n  - sesion_expires: ada\n";
        let root = parse(text).unwrap();
        let steps = root.get("steps").unwrap().as_seq().unwrap();
        let (key, value) = &steps[1].as_map().unwrap()[0];
        assert_eq!(key.as_str(), Some("sesion_expires"));
        assert_eq!(
            key.at,
            Pos {
                line: 4,
                column: 5,
                len: 14
            }
        );
        assert_eq!(
            value.at,
            Pos {
                line: 4,
                column: 21,
                len: 3
            }
        );
    }

    #[test]
    fn flow_maps_and_quoted_strings_are_measured_right() {
        let text = "ada: { institution: gtbank, mfa: \"otp\" }\n";
        let root = parse(text).unwrap();
        let ada = root.get("ada").unwrap();
        assert_eq!(
            ada.get("institution").unwrap().at,
            Pos {
                line: 1,
                column: 21,
                len: 6
            }
        );
        assert_eq!(ada.get("mfa").unwrap().at.len, 5);
    }

    #[test]
    fn lines_end_where_yaml_says() {
        let text = "a\r\nb\rc\n\nd";
        assert_eq!(lines(text).collect::<Vec<_>>(), ["a", "b", "c", "", "d"]);
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(line(text, 3), Some("c"));
        assert_eq!(line(text, 0), None);
    }

    /// Found by fuzzing: with lone `\r` line ends, errors pointed past the last line.
    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = "name: x\rsteps:\r  - link: [ada\r";
        let error = parse(text).unwrap_err();
        assert!(line(text, error.at.line).is_some(), "{error:?}");
        let root = parse("name: x\rsteps: [a]\r").unwrap();
        assert_eq!(root.get("steps").unwrap().at.line, 2);
        assert_eq!(root.get("name").unwrap().at.len, 1);
    }

    /// A generated file over the node budget was told to "check the indentation".
    #[test]
    fn a_file_over_the_node_budget_says_so_and_how_to_fix_it() {
        let text = format!("steps: [{}]\n", vec!["wait_idle"; 260_000].join(","));
        let error = parse(&text).unwrap_err();
        assert_eq!(
            error.message,
            "this file exceeds monosim's budget of 250000 YAML nodes (values, lists and maps) for one file"
        );
        let help = error.help.unwrap();
        assert!(help.contains("split it into several files"), "{help}");
        assert!(help.contains("likely generated"), "{help}");
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let error = parse("steps:\n  - link: [ada\n").unwrap_err();
        assert!(error.at.line >= 2, "{error:?}");
    }
}
