//! Keeping volatile values out of snapshots: account ids become their alias (`{ada}`),
//! tokens `[token:ada#1]`, codes `{ada.code}`, the simulator's URL `{sim.url}`, timestamps
//! `[timestamp]`, and the canonical fields the config's `redact` names `[redacted]`.

use serde_json::Value;

/// The replacements known for one scenario run.
#[derive(Default)]
pub struct Redactions {
    /// (value, replacement), longest values first so ids inside URLs are found whole.
    pairs: Vec<(String, String)>,
    /// Canonical fields shown as `[redacted]` whatever their value.
    hidden: Vec<String>,
}

impl Redactions {
    pub fn new(hidden: &[String]) -> Redactions {
        Redactions {
            pairs: Vec::new(),
            hidden: hidden.to_vec(),
        }
    }

    pub fn add(&mut self, value: &str, replacement: String) {
        if !value.is_empty() && !self.pairs.iter().any(|(v, _)| v == value) {
            self.pairs.push((value.to_string(), replacement));
            self.pairs
                .sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        }
    }

    /// Whether the config's `redact` list names this (canonical) field.
    pub fn hides(&self, field: &str) -> bool {
        self.hidden.iter().any(|h| h == field)
    }

    pub fn text(&self, text: &str) -> String {
        if looks_like_timestamp(text) {
            return "[timestamp]".to_string();
        }
        let mut out = text.to_string();
        for (value, replacement) in &self.pairs {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), replacement);
            }
        }
        out
    }

    /// `value` with every volatile text in it named.
    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => items.iter().map(|v| self.value(v)).collect(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (self.text(k), self.value(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            other => other.clone(),
        }
    }
}

/// ISO 8601 / RFC 3339 date-times, and SQLite's `2026-01-15 09:00:00`.
fn looks_like_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volatile_values_become_names() {
        let mut r = Redactions::new(&["balance".to_string()]);
        r.add("5f171a530295e231abca1153", "{ada}".into());
        r.add("VwxcfeLRZvq1UlD5WiuN", "[token:ada#1]".into());
        r.add("http://127.0.0.1:41234", "{sim.url}".into());
        let value = json!({
            "id": "5f171a530295e231abca1153",
            "url": "http://127.0.0.1:41234/link/VwxcfeLRZvq1UlD5WiuN?redirect_url=x",
            "code": "VwxcfeLRZvq1UlD5WiuN",
            "at": "2026-01-15T09:00:00.000Z",
            "meta": { "keep": 1 }
        });
        assert_eq!(
            r.value(&value),
            json!({
                "id": "{ada}",
                "url": "{sim.url}/link/[token:ada#1]?redirect_url=x",
                "code": "[token:ada#1]",
                "at": "[timestamp]",
                "meta": { "keep": 1 }
            })
        );
        assert!(r.hides("balance") && !r.hides("linked"));
    }
}
