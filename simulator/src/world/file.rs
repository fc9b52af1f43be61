//! World files: accounts declared by hand (`serve --world world.yaml`), YAML or JSON.
//!
//! ```yaml
//! accounts:
//!   - institution: gtbank          # slug, name or CBN code
//!     mfa: otp                     # none | otp | security_question | token
//!     name: Ada Okafor
//!     balance: 25000000            # kobo
//!     transactions: 120
//!     data_status: AVAILABLE
//!   - id: 5f171a530295e231abca1153 # a fixed id survives restarts and seed changes
//!     institution: kuda
//!     code: code_ada               # the Connect code /account/auth exchanges for this id
//! ```
//!
//! Parsing goes through serde-saphyr, which never panics on malformed input and reports a
//! line and column for every error; unknown keys are errors (a typo must not be ignored).

use std::path::Path;

use serde::Deserialize;

use super::account::{AccountKind, DataStatus};
use super::ids::ObjectId;
use super::institutions::{self, AuthMethod, Mfa};
use super::{AccountSpec, Dialect};
use crate::echo::{quoted, Echo};

#[derive(Debug, Default)]
pub struct WorldFile {
    pub accounts: Vec<AccountSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum WorldFileError {
    #[error("cannot read world file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: u64,
        column: u64,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    accounts: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Option<ObjectId>,
    institution: Option<InstitutionName>,
    auth_method: Option<AuthMethod>,
    mfa: Option<Mfa>,
    #[serde(rename = "type")]
    kind: Option<AccountKind>,
    data_status: Option<DataStatus>,
    balance: Option<i64>,
    transactions: Option<u32>,
    name: Option<String>,
    code: Option<String>,
    reference: Option<String>,
    sync_every_hours: Option<u8>,
    dialect: Option<DialectName>,
}

/// `legacy` or `current`.
struct DialectName(Dialect);

impl<'de> Deserialize<'de> for DialectName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse()
            .map(DialectName)
            .map_err(serde::de::Error::custom)
    }
}

/// An institution named by slug, name or bank code, resolved while parsing so an unknown
/// one is reported at its line and column.
struct InstitutionName(usize);

impl<'de> Deserialize<'de> for InstitutionName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        institutions::find(&name)
            .map(InstitutionName)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown institution `{}`; expected one of: {}",
                    Echo(&name),
                    institutions::slugs().join(", ")
                ))
            })
    }
}

impl WorldFile {
    pub fn load(path: &Path) -> Result<WorldFile, WorldFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorldFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        WorldFile::parse(&text, &path.display().to_string())
    }

    /// Parses world-file text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<WorldFile, WorldFileError> {
        let document: Document = serde_saphyr::from_str(text).map_err(|error| {
            let (line, column) = error
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            WorldFileError::Invalid {
                path: origin.to_string(),
                line,
                column,
                message: quoted(&first_line(&error.to_string())).into_owned(),
            }
        })?;
        let accounts = document
            .accounts
            .into_iter()
            .map(|e| AccountSpec {
                id: e.id,
                institution: e.institution.map(|i| i.0),
                auth_method: e.auth_method,
                mfa: e.mfa,
                kind: e.kind,
                data_status: e.data_status,
                balance: e.balance,
                transactions: e.transactions,
                name: e.name,
                code: e.code,
                reference: e.reference,
                sync_every_hours: e.sync_every_hours,
                dialect: e.dialect.map(|d| d.0),
            })
            .collect();
        Ok(WorldFile { accounts })
    }
}

/// serde-saphyr renders a source snippet under its message; the CLI prints its own
/// location, so keep only the message.
fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_world_file_declares_accounts() {
        let file = WorldFile::parse(
            "accounts:\n  - institution: gtbank\n    mfa: otp\n    balance: 100\n  - id: 5f171a530295e231abca1153\n",
            "w.yaml",
        )
        .unwrap();
        assert_eq!(file.accounts.len(), 2);
        assert_eq!(file.accounts[0].mfa, Some(Mfa::Otp));
        assert_eq!(
            file.accounts[1].id.unwrap().to_string(),
            "5f171a530295e231abca1153"
        );
    }

    #[test]
    fn json_is_accepted_too() {
        let file = WorldFile::parse(r#"{"accounts":[{"institution":"kuda"}]}"#, "w.json").unwrap();
        assert_eq!(file.accounts.len(), 1);
    }

    fn error_of(text: &str) -> String {
        WorldFile::parse(text, "w.yaml").unwrap_err().to_string()
    }

    #[test]
    fn an_unknown_institution_is_reported_where_it_is() {
        let error = error_of("accounts:\n  - institution: narnia\n");
        assert!(error.starts_with("w.yaml:2:"), "{error}");
        assert!(
            error.contains("unknown institution `narnia`; expected one of: gtbank"),
            "{error}"
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_not_ignored() {
        let error = error_of("accounts:\n  - institution: gtbank\n    balanse: 5\n");
        assert!(error.starts_with("w.yaml:3:"), "{error}");
        assert!(error.contains("balanse"), "{error}");
    }

    /// Issue 12: nothing a world file nests may exhaust the stack. serde-saphyr's budget
    /// stops at 64 levels, and says where.
    #[test]
    fn deeply_nested_world_files_are_refused_not_a_crash() {
        let deep = 100_000;
        for text in [
            format!("accounts:\n  - name: {}", "[".repeat(deep)),
            format!(
                "accounts:\n  - name: {}1{}",
                "[".repeat(deep),
                "]".repeat(deep)
            ),
            format!(
                "{{\"accounts\": [{{\"name\": {}}}]}}",
                "{\"a\": ".repeat(deep)
            ),
            format!("accounts:\n{}", "  - ".repeat(deep)),
        ] {
            let error = error_of(&text);
            assert!(error.starts_with("w.yaml:"), "{error}");
            assert!(error.len() < 1_000, "{error}");
        }
    }

    #[test]
    fn a_long_unknown_value_is_not_echoed_whole() {
        let error = error_of(&format!(
            "accounts:\n  - institution: {}\n",
            "x".repeat(60_000)
        ));
        assert!(
            error.contains("(60000 characters; shown up to 100)"),
            "{error}"
        );
        assert!(error.len() < 1_000, "{error}");
    }

    #[test]
    fn a_bad_id_or_status_is_reported() {
        assert!(error_of("accounts:\n  - id: xyz\n").contains("24 hexadecimal"));
        assert!(error_of("accounts:\n  - data_status: DONE\n").contains("DONE"));
    }
}
