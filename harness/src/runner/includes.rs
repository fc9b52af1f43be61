//! Which files a scenario may read: itself and its `include:`s, inside the project.
//!
//! `monosim.yaml` is trusted — it runs `receiver.command` — but scenario files are data that
//! travels: shared between teams, copied from a library, reviewed less than code. Unchecked,
//! `include: ../../../../etc/passwd` read any file the user can, and the syntax error that
//! followed printed its first line. So every scenario file and every include must resolve,
//! symlinks followed, inside the *project*: the folder holding `monosim.yaml`, or the
//! `scenarios:` folder it names (which may lie elsewhere, as `../../scenarios` does for the
//! reference receivers sharing the bundled library). Bundled scenarios are no exception:
//! `monosim init` copies them into the project. `monosim run --allow-outside-includes` lifts
//! the rule for a run that needs it, visibly, on its command line.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::scenario::PROJECT_HELP;

/// Where scenario files and their includes may be.
#[derive(Clone, Debug)]
pub enum Includes {
    /// Inside one of these folders (as given, and resolved).
    Within(Vec<(PathBuf, Option<PathBuf>)>),
    /// Anywhere (`--allow-outside-includes`).
    Anywhere,
}

impl Includes {
    /// Inside `folders`.
    pub fn within(folders: impl IntoIterator<Item = PathBuf>) -> Includes {
        Includes::Within(
            folders
                .into_iter()
                .map(|folder| {
                    let real = std::fs::canonicalize(&folder).ok();
                    (folder, real)
                })
                .collect(),
        )
    }

    /// The project of `config`: the folder holding it and its `scenarios:` folder.
    pub fn project(config: &Config) -> Includes {
        Includes::within([config.base.clone(), config.scenarios.clone()])
    }

    /// Reads `path` if the rule allows it, else says why not. Only regular files are read:
    /// a FIFO or `/dev/zero` would never end.
    pub fn read(&self, path: &Path) -> Result<String, String> {
        let real = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
        if let Includes::Within(folders) = self {
            let inside = folders
                .iter()
                .filter_map(|(_, real)| real.as_deref())
                .any(|folder| real.starts_with(folder));
            if !inside {
                let names: Vec<String> = folders
                    .iter()
                    .map(|(folder, _)| format!("`{}`", folder.display()))
                    .collect();
                return Err(format!(
                    "it resolves to {}, outside the project ({})",
                    real.display(),
                    names.join(" and ")
                ));
            }
        }
        let metadata = std::fs::metadata(&real).map_err(|e| e.to_string())?;
        if !metadata.is_file() {
            return Err(format!("{} is not a regular file", real.display()));
        }
        std::fs::read_to_string(&real).map_err(|e| e.to_string())
    }

    /// What to do when a scenario file is refused.
    pub fn help(&self) -> &'static str {
        match self {
            Includes::Within(_) => PROJECT_HELP,
            Includes::Anywhere => "check that the file exists and is readable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::load_scenarios;
    use crate::scenario::Known;

    fn project(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("monosim-includes-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("project/scenarios/shared")).unwrap();
        std::fs::write(
            dir.join("secret.yaml"),
            "the first line of a file outside the project\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("project/scenarios/shared/ok.yaml"),
            "- wait_idle\n",
        )
        .unwrap();
        dir
    }

    fn load(dir: &Path, includes: &Includes) -> Result<usize, String> {
        load_scenarios(
            &dir.join("project/scenarios"),
            &Known::canonical(),
            includes,
        )
        .map(|s| s.len())
        .map_err(|d| crate::diagnostic::Diagnostics(d).render(false))
    }

    /// `include: ../../secret.yaml` read the file and printed its first line.
    #[test]
    fn an_include_outside_the_project_is_refused_unread() {
        let dir = project("outside");
        std::fs::write(
            dir.join("project/scenarios/a.yaml"),
            "name: a\nsteps:\n  - include: shared/ok.yaml\n  - include: ../../secret.yaml\n",
        )
        .unwrap();
        let rule = Includes::within([dir.join("project")]);
        let error = load(&dir, &rule).unwrap_err();
        assert!(
            error.contains("cannot include `../../secret.yaml`: it resolves to"),
            "{error}"
        );
        assert!(error.contains("outside the project"), "{error}");
        assert!(error.contains("help: include paths are relative to the scenario file; scenario files and their includes must lie inside the project"), "{error}");
        assert!(error.contains("--allow-outside-includes"), "{error}");
        assert!(!error.contains("the first line"), "{error}");
        // Allowed, the file is read (and, not being steps, refused for what it says).
        let error = load(&dir, &Includes::Anywhere).unwrap_err();
        assert!(error.contains("the first line"), "{error}");
    }

    #[test]
    fn a_symlink_is_judged_by_where_it_leads() {
        let dir = project("symlink");
        std::os::unix::fs::symlink(
            dir.join("secret.yaml"),
            dir.join("project/scenarios/shared/link.yaml"),
        )
        .unwrap();
        std::fs::write(
            dir.join("project/scenarios/a.yaml"),
            "name: a\nsteps:\n  - include: shared/link.yaml\n",
        )
        .unwrap();
        let error = load(&dir, &Includes::within([dir.join("project")])).unwrap_err();
        assert!(error.contains("outside the project"), "{error}");
        // A scenario file that is itself such a link is refused the same way.
        std::fs::remove_file(dir.join("project/scenarios/a.yaml")).unwrap();
        std::os::unix::fs::symlink(
            dir.join("secret.yaml"),
            dir.join("project/scenarios/b.yaml"),
        )
        .unwrap();
        let error = load(&dir, &Includes::within([dir.join("project")])).unwrap_err();
        assert!(error.contains("outside the project"), "{error}");
        assert!(!error.contains("the first line"), "{error}");
    }

    #[test]
    fn includes_inside_the_project_and_the_scenarios_folder_are_read() {
        let dir = project("inside");
        std::fs::write(
            dir.join("project/scenarios/a.yaml"),
            "name: a\nsteps:\n  - include: shared/ok.yaml\n  - include: ../scenarios/shared/ok.yaml\n",
        )
        .unwrap();
        assert_eq!(load(&dir, &Includes::within([dir.join("project")])), Ok(1));
        // A `scenarios:` folder outside the config's folder is part of the project too.
        let config = crate::config::Config::parse(
            "webhook_url: http://127.0.0.1:9/webhook\nstate: { command: \"echo null\" }\nscenarios: ../project/scenarios\n",
            "monosim.yaml",
            &dir.join("elsewhere"),
        )
        .unwrap();
        assert_eq!(load(&dir, &Includes::project(&config)), Ok(1));
    }
}
