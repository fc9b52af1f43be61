//! Snapshot files: what a scenario's `snapshot` step saw, stored as insta `.snap` files
//! in the project's snapshot folder (`snapshots:` in monosim.yaml, `scenarios/snapshots/` by
//! default): `<scenario file>__<name>.snap`.
//!
//! Why not insta's assertion macros: they assume `cargo test` — they panic on mismatch,
//! find the workspace from Cargo's environment variables and read `INSTA_*` settings —
//! while `monosim run` is a long-running CLI checking many snapshots concurrently in any
//! project. So the harness uses insta's *file format* and insta's own reader
//! ([`insta::Snapshot::from_file`]) to load accepted snapshots, and writes new ones in the
//! same format: `.snap` for accepted, `.snap.new` for pending, exactly where
//! `cargo insta review` and editor plugins look for them. Mismatches are returned, never
//! panicked, so one scenario's snapshot cannot end the run.
//!
//! Snapshots belong to the project that runs the scenarios, never to the scenarios: the
//! bundled library ships none. Under CI (`CI=true`) nothing is written: a snapshot that
//! differs from the accepted one fails, and one that was never accepted is *reported* —
//! "not recorded; run `monosim run --accept` locally and commit it" — rather than failed,
//! so a project's first CI run judges the receiver, not the absence of files.

use std::path::{Path, PathBuf};

/// What happened to one snapshot.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Check {
    /// Identical to the accepted one.
    Matched,
    /// Written as accepted (`--accept`, or new under `--accept`).
    Accepted { path: PathBuf },
    /// No accepted snapshot yet: written as pending.
    New { path: PathBuf },
    /// No accepted snapshot at `path`, and nothing written (CI).
    Unrecorded { path: PathBuf },
    /// Differs from the accepted one: the new one written as pending at `path` (locally),
    /// or not written at all (CI; `path` is then the accepted snapshot's).
    Changed {
        path: PathBuf,
        old: String,
        new: String,
    },
}

pub struct Store {
    pub dir: PathBuf,
    /// Write `.snap` directly instead of `.snap.new`.
    pub accept: bool,
    /// Under CI nothing is written: a changed snapshot fails, a missing one is reported.
    pub ci: bool,
}

impl Store {
    pub fn path(&self, scenario_file: &Path, name: &str) -> PathBuf {
        let stem = scenario_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        self.dir.join(format!("{stem}__{name}.snap"))
    }

    /// Compares `contents` with the accepted snapshot and writes what the mode says.
    pub fn check(
        &self,
        scenario_file: &Path,
        source: &str,
        description: &str,
        name: &str,
        contents: &str,
    ) -> Result<Check, String> {
        let path = self.path(scenario_file, name);
        let pending = pending_path(&path);
        let old = if path.exists() {
            let snapshot = insta::Snapshot::from_file(&path)
                .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
            Some(
                snapshot
                    .contents()
                    .as_text()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            )
        } else {
            None
        };
        let new = contents.trim_end().to_string();
        if old.as_deref().map(str::trim_end) == Some(new.as_str()) {
            if !self.ci {
                let _ = std::fs::remove_file(&pending);
            }
            return Ok(Check::Matched);
        }
        let file = serialize(source, description, name, &new);
        if self.accept {
            write(&path, &file)?;
            let _ = std::fs::remove_file(&pending);
            return Ok(Check::Accepted { path });
        }
        if self.ci {
            return Ok(match old {
                None => Check::Unrecorded { path },
                Some(old) => Check::Changed { path, old, new },
            });
        }
        write(&pending, &file)?;
        Ok(match old {
            None => Check::New { path: pending },
            Some(old) => Check::Changed {
                path: pending,
                old,
                new,
            },
        })
    }
}

/// `x.snap` → `x.snap.new`, where insta keeps pending snapshots.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// insta's `.snap` layout: a YAML header between `---` lines, then the contents.
fn serialize(source: &str, description: &str, name: &str, contents: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "---\nsource: {}\ndescription: {}\nexpression: {}\n---\n{contents}\n",
        quote(source),
        quote(description),
        quote(name)
    )
}

/// Pending snapshots under `dir`, for `monosim review`.
pub fn pending(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".snap.new"))
        .collect();
    found.sort();
    found
}

/// The contents of a snapshot file (accepted or pending), through insta's reader.
pub fn read_contents(path: &Path) -> Result<String, String> {
    let snapshot = insta::Snapshot::from_file(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(snapshot
        .contents()
        .as_text()
        .map(|t| t.to_string())
        .unwrap_or_default())
}

/// A line diff of two texts (`-` old, `+` new, ` ` both), for reports and review.
pub fn diff(old: &str, new: &str) -> Vec<(char, String)> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table; snapshots are small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push((' ', a[i].to_string()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(('-', a[i].to_string()));
            i += 1;
        } else {
            out.push(('+', b[j].to_string()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| ('-', l.to_string())));
    out.extend(b[j..].iter().map(|l| ('+', l.to_string())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "monosim-snap-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn new_then_accepted_then_matched_then_changed() {
        let dir = temp();
        let file = Path::new("scenarios/reauth.yaml");
        let mut store = Store {
            dir: dir.clone(),
            accept: false,
            ci: false,
        };
        let check = store
            .check(file, "scenarios/reauth.yaml", "d", "after", "a: 1\n")
            .unwrap();
        assert_eq!(
            check,
            Check::New {
                path: dir.join("reauth__after.snap.new")
            }
        );
        assert_eq!(pending(&dir), [dir.join("reauth__after.snap.new")]);
        assert_eq!(
            read_contents(&dir.join("reauth__after.snap.new")).unwrap(),
            "a: 1"
        );

        store.accept = true;
        assert!(matches!(
            store.check(file, "s", "d", "after", "a: 1\n").unwrap(),
            Check::Accepted { .. }
        ));
        assert!(pending(&dir).is_empty());
        store.accept = false;
        assert_eq!(
            store.check(file, "s", "d", "after", "a: 1").unwrap(),
            Check::Matched
        );
        let Check::Changed { old, new, .. } = store.check(file, "s", "d", "after", "a: 2").unwrap()
        else {
            panic!()
        };
        assert_eq!((old.as_str(), new.as_str()), ("a: 1", "a: 2"));

        store.ci = true;
        let _ = std::fs::remove_file(dir.join("reauth__after.snap.new"));
        assert!(matches!(
            store.check(file, "s", "d", "after", "a: 3").unwrap(),
            Check::Changed { .. }
        ));
        assert_eq!(
            store.check(file, "s", "d", "never", "a: 3").unwrap(),
            Check::Unrecorded {
                path: dir.join("reauth__never.snap")
            }
        );
        assert!(pending(&dir).is_empty(), "nothing is written under CI");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn diffs_show_what_changed() {
        let d = diff("a\nb\nc", "a\nx\nc");
        assert_eq!(
            d,
            vec![
                (' ', "a".into()),
                ('-', "b".into()),
                ('+', "x".into()),
                (' ', "c".into())
            ]
        );
    }
}
