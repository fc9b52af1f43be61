//! Reading the checks — `expect_request`, `expect_no_request`, `expect_delivery`,
//! `expect_state` — with their matchers, counts and reasons.

use monosim_simulator::request_log::Intent;
use monosim_simulator::webhooks::Outcome;

use super::{pick, StepParser};
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::read::Reader;
use crate::scenario::{
    AccountExpectation, CallPattern, Count, DeliveryExpectation, FieldExpectation, Issued, Matcher,
    RequestExpectation, Since, StateExpectation, StatusMatch, StepKind, CANONICAL_FIELDS, MATCHERS,
};
use crate::yaml::{Node, Value};

impl StepParser<'_> {
    /// An expectation, and its `why`.
    pub(super) fn expectation(
        &self,
        r: &Reader,
        kind: &str,
        node: &Node,
    ) -> Result<(StepKind, Option<String>), Diagnostic> {
        let step = match kind {
            "expect_request" | "expect_no_request" => {
                StepKind::ExpectRequest(self.request(r, kind, node)?)
            }
            "expect_delivery" => {
                r.known_keys(
                    r.map(node, "expect_delivery")?,
                    "`expect_delivery`",
                    &["event", "account", "status", "outcome", "why"],
                )?;
                let expectation = DeliveryExpectation {
                    event: self.event(r, r.required(node, "event", "`expect_delivery`")?)?,
                    account: self.alias(r, r.required(node, "account", "`expect_delivery`")?)?,
                    status: node.get("status").map(|n| status_match(r, n)).transpose()?,
                    outcome: node
                        .get("outcome")
                        .map(|n| pick(r, n, "delivery outcome", &Outcome::ALL, Outcome::as_str))
                        .transpose()?,
                };
                StepKind::ExpectDelivery(expectation)
            }
            "expect_state" => {
                let mut accounts = Vec::new();
                let mut within = None;
                for (alias, fields) in r.map(node, "expect_state")? {
                    match alias.scalar_text().as_str() {
                        "why" => continue,
                        "within" => {
                            within = Some(r.duration(fields, "within")?);
                            continue;
                        }
                        _ => {}
                    }
                    let alias = self.alias(r, alias)?;
                    let mut expected = Vec::new();
                    for (field, value) in r.map(fields, "the expected fields")? {
                        expected.push(FieldExpectation {
                            field: self.field(r, field)?,
                            matcher: self.matcher(r, value)?,
                        });
                    }
                    accounts.push(AccountExpectation {
                        alias,
                        fields: expected,
                    });
                }
                if accounts.is_empty() {
                    return Err(r
                        .error(node.at, "`expect_state` names no account")
                        .label("nothing to check")
                        .help("write it like `expect_state: { ada: { reauth_required: true } }`"));
                }
                StepKind::ExpectState(StateExpectation { accounts, within })
            }
            other => unreachable!("`{other}` is not an expectation"),
        };
        let why = node.get("why").map(|n| r.string(n, "why")).transpose()?;
        Ok((step, why))
    }

    /// A field name the receiver's config maps.
    fn field(&self, r: &Reader, node: &Node) -> Result<String, Diagnostic> {
        let name = node.scalar_text();
        if self.known.fields.contains(&name) {
            return Ok(name);
        }
        let canonical = CANONICAL_FIELDS.iter().any(|(c, _)| *c == name);
        if canonical {
            return Err(r
                .error(node.at, format!("monosim.yaml does not map the field `{name}`"))
                .label("not in `fields`")
                .help(format!(
                    "`{name}` is one of the canonical fields; add `{name}: <its path in your state JSON>` under `fields:` in monosim.yaml"
                )));
        }
        let mut candidates: Vec<&str> = self.known.fields.iter().map(String::as_str).collect();
        candidates.extend(CANONICAL_FIELDS.iter().map(|(c, _)| *c));
        Err(r
            .error(node.at, format!("unknown field `{name}`"))
            .label("not a mapped field")
            .help(match did_you_mean(&name, &candidates) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "the fields monosim.yaml maps are: {}; to check another, map it under `fields:` first",
                    self.known.fields.join(", ")
                ),
            }))
    }

    fn request(
        &self,
        r: &Reader,
        kind: &str,
        node: &Node,
    ) -> Result<RequestExpectation, Diagnostic> {
        let never = kind == "expect_no_request";
        let what = format!("`{kind}`");
        let mut expectation = RequestExpectation {
            call: CallPattern::Intent(Intent::Token),
            account: None,
            count: if never {
                Count {
                    at_least: 0,
                    at_most: Some(0),
                }
            } else {
                Count {
                    at_least: 1,
                    at_most: None,
                }
            },
            since: Since::Start,
            within: None,
        };
        let call_node = match &node.value {
            Value::Map(entries) => {
                let mut keys = vec!["kind", "call", "account", "since", "within", "why"];
                if !never {
                    keys.extend(["times", "at_least", "at_most"]);
                }
                r.known_keys(entries, &what, &keys)?;
                expectation.account = node.get("account").map(|a| self.alias(r, a)).transpose()?;
                if let Some(since) = node.get("since") {
                    expectation.since = pick(r, since, "`since`", &Since::ALL, Since::as_str)?;
                }
                expectation.within = node
                    .get("within")
                    .map(|n| r.duration(n, "within"))
                    .transpose()?;
                let count = |key: &str| {
                    node.get(key)
                        .map(|n| r.number(n, key, 0, 1000).map(|v| v as usize))
                        .transpose()
                };
                match (count("times")?, count("at_least")?, count("at_most")?) {
                    (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                        return Err(r
                            .error(
                                node.at,
                                "`times` says the count exactly: leave out `at_least` / `at_most`",
                            )
                            .label("conflicting counts"))
                    }
                    (Some(n), None, None) => {
                        expectation.count = Count {
                            at_least: n,
                            at_most: Some(n),
                        }
                    }
                    (None, least, most) if least.is_some() || most.is_some() => {
                        let least = least.unwrap_or(0);
                        if most.is_some_and(|m| m < least) {
                            return Err(r
                                .error(node.at, "`at_most` is below `at_least`")
                                .label("no count fits"));
                        }
                        expectation.count = Count {
                            at_least: least,
                            at_most: most,
                        };
                    }
                    _ => {}
                }
                match (node.get("kind"), node.get("call")) {
                    (Some(intent), None) => {
                        expectation.call = CallPattern::Intent(pick(
                            r,
                            intent,
                            "call kind",
                            &Intent::ALL,
                            Intent::as_str,
                        )?);
                        return Ok(expectation);
                    }
                    (None, Some(call)) => call.clone(),
                    _ => {
                        return Err(r
                            .error(node.at, format!("{what} needs exactly one of `kind` or `call`"))
                            .label("which calls?")
                            .help("`kind: token` (or data, sync, unlink, link) judges calls by what they are for; `call: \"POST /accounts/{ada}/reauthorise\"` by route"))
                    }
                }
            }
            _ => node.clone(),
        };
        let call = r.string(&call_node, "call")?;
        let example = "expected e.g. POST /accounts/{ada}/reauthorise, or `kind: token`";
        let (method, path) = call.trim().split_once(' ').ok_or_else(|| {
            r.error(call_node.at, format!("`{call}` is not `METHOD /path`"))
                .label(example)
        })?;
        let method = method.to_uppercase();
        let path = path.trim();
        if !["GET", "POST", "PUT", "DELETE", "PATCH", "*"].contains(&method.as_str())
            || !path.starts_with('/')
        {
            return Err(r
                .error(call_node.at, format!("`{call}` is not `METHOD /path`"))
                .label(example));
        }
        self.placeholders(r, &call_node, path)?;
        expectation.call = CallPattern::Route {
            method,
            path: path.to_string(),
        };
        Ok(expectation)
    }

    fn matcher(&self, r: &Reader, node: &Node) -> Result<Matcher, Diagnostic> {
        self.placeholders_within(r, node)?;
        let Some(entries) = node.as_map().filter(|e| e.len() == 1) else {
            return Ok(Matcher::Equals(node.to_json()));
        };
        let (key, value) = &entries[0];
        let name = key.scalar_text();
        let number = |n: &Node| match n.to_json().as_f64() {
            Some(x) => Ok(x),
            None => Err(r
                .error(n.at, format!("`{name}` compares with a number"))
                .label("not a number")),
        };
        Ok(match name.as_str() {
            "not" => Matcher::Not(value.to_json()),
            "one_of" => Matcher::OneOf(r.seq(value, "one_of")?.iter().map(Node::to_json).collect()),
            "present" => Matcher::Present(r.boolean(value, "present")?),
            "gt" => Matcher::Greater(number(value)?),
            "lt" => Matcher::Less(number(value)?),
            "equals" => Matcher::Equals(value.to_json()),
            "contains" => Matcher::Contains(r.string(value, "contains")?),
            "matches" => {
                let pattern = r.string(value, "matches")?;
                Matcher::Matches(regex::Regex::new(&pattern).map_err(|e| {
                    r.error(
                        value.at,
                        format!("`{pattern}` is not a regular expression: {e}"),
                    )
                    .label("bad pattern")
                    .help("the syntax is Rust's regex crate's, close to PCRE without look-around")
                })?)
            }
            "issued" => Matcher::Issued(
                match r
                    .choice(value, "issued token", &["latest", "any"])?
                    .as_str()
                {
                    "latest" => Issued::Latest,
                    _ => Issued::Any,
                },
            ),
            // A one-key map that is almost a matcher is a typo, not a value to compare with.
            other => match did_you_mean(other, MATCHERS) {
                Some(close) => {
                    return Err(r
                        .error(key.at, format!("unknown matcher `{other}`"))
                        .label("not a matcher")
                        .help(format!(
                        "did you mean `{close}`? (to compare with a map, write `equals: {{ … }}`)"
                    )))
                }
                None => Matcher::Equals(node.to_json()),
            },
        })
    }
}

/// `status: 401` or `status: 2xx`.
fn status_match(r: &Reader, node: &Node) -> Result<StatusMatch, Diagnostic> {
    if let Value::Int(_) = node.value {
        return Ok(StatusMatch::Exactly(
            r.number(node, "status", 100, 599)? as u16
        ));
    }
    let text = r.string(node, "status")?;
    match text.as_bytes() {
        [d @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => Ok(StatusMatch::Class(u16::from(d - b'0'))),
        _ => Err(r
            .error(
                node.at,
                format!("status `{text}` is neither a status nor a class"),
            )
            .label("not a status")
            .help("write a status like 401, or a class like 2xx or 4xx")),
    }
}
