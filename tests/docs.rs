//! The documentation's own links: every relative link in `README.md`, `docs/*.md` and
//! `examples/README.md` must lead somewhere — to a file or folder that exists, and, with a
//! `#anchor`, to a heading of that Markdown file (GitHub's slugs). Links to the web
//! (`http(s)://`, `mailto:`) are not followed: CI must not depend on other people's sites.
//!
//! A small reader rather than a Markdown crate: links are `[text](target)` (images too) and
//! reference definitions `[label]: target`, outside fenced code blocks and inline code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files whose links are checked.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("examples/README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("docs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// A link as written: its 1-based line and its target.
#[derive(Debug, PartialEq)]
struct Link {
    line: usize,
    target: String,
}

/// The lines of a Markdown text that are prose, with their 1-based numbers: fenced code
/// blocks (``` or ~~~) are left out.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => out.push((i + 1, line)),
            _ => {}
        }
    }
    out
}

/// A line without its inline code spans (`` `like this` ``), which hold no links.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// Every link of a Markdown text.
fn links(text: &str) -> Vec<Link> {
    let mut found = Vec::new();
    for (line, raw) in prose_lines(text) {
        let prose = without_code(raw);
        // A reference definition: `[label]: target`.
        if let Some(rest) = prose.trim_start().strip_prefix('[') {
            let label_end = rest.find(']').unwrap_or(rest.len());
            if let Some(definition) = rest[label_end..].strip_prefix("]:") {
                if let Some(target) = definition.split_whitespace().next() {
                    found.push(Link {
                        line,
                        target: target.to_string(),
                    });
                }
                continue;
            }
        }
        // Inline links: `](target)`, the target ending at its `)` or at a title.
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            if let Some(target) = rest[..end].split_whitespace().next() {
                found.push(Link {
                    line,
                    target: target.trim_matches(['<', '>']).to_string(),
                });
            }
            rest = &rest[end..];
        }
    }
    found
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped except `-` and `_`,
/// each space a `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings; a repeated heading gets `-1`, `-2`, … as on
/// GitHub.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let title = &line[hashes..];
        if !(1..=6).contains(&hashes) || !title.starts_with(' ') {
            continue;
        }
        let base = slug(title.trim_end_matches('#'));
        let repeats = seen.entry(base.clone()).or_insert(0);
        out.push(match *repeats {
            0 => base,
            n => format!("{base}-{n}"),
        });
        *repeats += 1;
    }
    out
}

/// What is wrong with one relative link of `document`, if anything.
fn problem(document: &Path, target: &str) -> Option<String> {
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        document.to_path_buf()
    } else {
        document.parent().unwrap_or(root()).join(path)
    };
    let shown = file
        .strip_prefix(root())
        .unwrap_or(&file)
        .display()
        .to_string();
    if !file.exists() {
        return Some(format!("{shown} does not exist"));
    }
    let anchor = anchor?;
    if file.extension().is_none_or(|ext| ext != "md") {
        return None;
    }
    let text = std::fs::read_to_string(&file).expect("a Markdown file is readable");
    if anchors(&text).iter().any(|a| a == anchor) {
        return None;
    }
    Some(format!("no heading of {shown} has the anchor #{anchor}"))
}

fn is_relative(target: &str) -> bool {
    !(target.starts_with("http://")
        || target.starts_with("https://")
        || target.starts_with("mailto:"))
}

#[test]
fn every_relative_link_in_the_docs_leads_to_a_file_and_heading_that_exist() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in documents() {
        let text = std::fs::read_to_string(&document).expect("a document is readable");
        let shown = document
            .strip_prefix(root())
            .unwrap_or(&document)
            .display()
            .to_string();
        for link in links(&text).into_iter().filter(|l| is_relative(&l.target)) {
            checked += 1;
            if let Some(why) = problem(&document, &link.target) {
                broken.push(format!("{shown}:{}: ({}) — {why}", link.line, link.target));
            }
        }
    }
    assert!(
        checked > 0,
        "no relative link found: is the link reader broken?"
    );
    assert!(
        broken.is_empty(),
        "{} broken link(s):\n  {}",
        broken.len(),
        broken.join("\n  ")
    );
}

#[test]
fn the_docs_pages_are_all_reachable_from_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md is readable");
    let targets: Vec<String> = links(&readme).into_iter().map(|l| l.target).collect();
    let unlinked: Vec<String> = documents()
        .into_iter()
        .filter(|d| d.parent() == Some(&root().join("docs")))
        .filter_map(|d| {
            d.file_name()
                .map(|n| format!("docs/{}", n.to_string_lossy()))
        })
        .filter(|page| {
            !targets
                .iter()
                .any(|t| t.split('#').next() == Some(page.as_str()))
        })
        .collect();
    assert!(
        unlinked.is_empty(),
        "docs pages the README's map does not link: {unlinked:?}"
    );
}

/// The test names docs/fidelity.md cites, written `` `file.rs::name` ``: a bare file name is
/// under `simulator/tests/`, a path is from the repository root.
fn cited_tests(text: &str) -> Vec<(String, String)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| code.split_once(".rs::"))
        .filter(|(file, name)| {
            !file.is_empty()
                && !name.is_empty()
                && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        })
        .map(|(file, name)| (format!("{file}.rs"), name.to_string()))
        .collect()
}

/// Issue 13's "done when": every row of docs/fidelity.md is backed by a test, so every test
/// it names must exist — a renamed or deleted test fails here, not silently in the docs.
#[test]
fn every_test_the_fidelity_page_names_exists() {
    let page = std::fs::read_to_string(root().join("docs/fidelity.md"))
        .expect("docs/fidelity.md is readable");
    let cited = cited_tests(&page);
    assert!(cited.len() >= 20, "the page cites its tests: {cited:?}");
    let missing: Vec<String> = cited
        .iter()
        .filter(|(file, name)| {
            let path = if file.contains('/') {
                root().join(file)
            } else {
                root().join("simulator/tests").join(file)
            };
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            !source.contains(&format!("fn {name}("))
        })
        .map(|(file, name)| format!("{file}::{name}"))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/fidelity.md names tests that do not exist: {missing:?}"
    );
}

#[test]
fn cited_tests_are_read_from_inline_code() {
    let text = "see `api_v1.rs::identity`, `fuzz/tests/replay.rs::a_b` and `x.rs` or `y.rs::`";
    assert_eq!(
        cited_tests(text),
        [
            ("api_v1.rs".to_string(), "identity".to_string()),
            ("fuzz/tests/replay.rs".to_string(), "a_b".to_string()),
        ]
    );
}

#[test]
fn links_are_read_from_prose_but_not_from_code() {
    let text = "See [a](docs/a.md#x) and ![b](b.png \"title\").\n\
                `[not](a link)` here\n\
                ```sh\n[nor](this)\n```\n\
                [ref]: docs/c.md\n";
    assert_eq!(
        links(text),
        vec![
            Link {
                line: 1,
                target: "docs/a.md#x".into()
            },
            Link {
                line: 1,
                target: "b.png".into()
            },
            Link {
                line: 6,
                target: "docs/c.md".into()
            },
        ]
    );
}

#[test]
fn headings_become_github_anchors() {
    assert_eq!(
        slug("`monosim.yaml` and `monosim run`"),
        "monosimyaml-and-monosim-run"
    );
    assert_eq!(
        slug("Webhooks — delivery, retries"),
        "webhooks--delivery-retries"
    );
    assert_eq!(
        slug("snake_case and kebab-case"),
        "snake_case-and-kebab-case"
    );
    assert_eq!(
        anchors("# Top\n## Faults\n```\n# not a heading\n```\n## Faults\n#nope\n"),
        ["top", "faults", "faults-1"]
    );
}
