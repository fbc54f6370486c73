//! Permission names known to the knowledge base and permission requirements.

use serde::Serialize;

use crate::error::KbError;
use crate::lazy::{FxHashSet, Lazy};
use crate::tsv::{self, Row};

/// The set of permission names a knowledge base may mention: Android's platform permissions
/// (`android/permissions-api29.tsv`, `android/permissions-added.tsv`) plus the non-platform
/// ones listed in `api/permissions-extra.tsv` (Google Play services, browser providers...).
#[derive(Debug, Clone, Default)]
pub struct PermissionNames {
    names: Lazy<Names>,
}

/// The set behind [`PermissionNames`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Names(FxHashSet<String>);

impl PermissionNames {
    /// Whether `name` (full name, e.g. `android.permission.READ_SMS`) is known.
    pub fn contains(&self, name: &str) -> bool {
        self.names.get().0.contains(name)
    }

    /// Number of known names.
    pub fn len(&self) -> usize {
        self.names.get().0.len()
    }

    /// Whether no name is known.
    pub fn is_empty(&self) -> bool {
        self.names.get().0.is_empty()
    }

    /// Reads the platform permission files (`(file, content)`, first column `name`) and
    /// `api/permissions-extra.tsv`.
    pub(crate) fn parse(platform: &[(&str, &str)], extra: (&str, &str)) -> Result<Self, KbError> {
        Ok(PermissionNames {
            names: Lazy::ready(Names::parse(platform, extra)?),
        })
    }

    /// The names of embedded texts, read on first use: `read` gives the arguments of
    /// [`PermissionNames::parse`] (`file` is only used in messages).
    pub(crate) fn deferred(
        file: &'static str,
        read: fn(&'static str, &'static str) -> Names,
    ) -> Self {
        PermissionNames {
            names: Lazy::deferred(file, "", read),
        }
    }
}

impl Names {
    /// See [`PermissionNames::parse`].
    fn parse(platform: &[(&str, &str)], extra: (&str, &str)) -> Result<Self, KbError> {
        let mut names = Names::default();
        for (file, text) in platform {
            names.add_platform(file, text)?;
        }
        names.add_extra(extra.0, extra.1)?;
        Ok(names)
    }

    /// [`Names::parse`], empty on error (for the embedded texts, checked by the tests).
    pub(crate) fn lenient(platform: &[(&str, &str)], extra: (&str, &str)) -> Names {
        Self::parse(platform, extra).unwrap_or_default()
    }

    /// Adds the first column of a platform permission file (`name<TAB>...` with a header).
    fn add_platform(&mut self, file: &str, text: &str) -> Result<(), KbError> {
        let mut header_seen = false;
        for (idx, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let name = line.split('\t').next().unwrap_or_default();
            if !header_seen {
                if name != "name" {
                    return Err(KbError::invalid(
                        file,
                        idx + 1,
                        "header must start with the column `name`",
                    ));
                }
                header_seen = true;
                continue;
            }
            if !valid_permission_name(name) {
                return Err(KbError::invalid(
                    file,
                    idx + 1,
                    format!("invalid permission name {name:?}"),
                ));
            }
            self.0.insert(name.to_string());
        }
        Ok(())
    }

    /// Adds `api/permissions-extra.tsv` (columns `name`, `origin`, `note`).
    fn add_extra(&mut self, file: &str, text: &str) -> Result<(), KbError> {
        for row in tsv::parse(file, text, &["name", "origin", "note"])? {
            let row = row?;
            let name = row.req("name")?;
            if !valid_permission_name(name) {
                return Err(row.error(format!("invalid permission name {name:?}")));
            }
            if !self.0.insert(name.to_string()) {
                return Err(row.error(format!(
                    "duplicate permission {name} (already a platform permission or listed above)"
                )));
            }
        }
        Ok(())
    }
}

fn valid_permission_name(name: &str) -> bool {
    name.contains('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

/// Permissions required by an API or URI, in conjunctive normal form.
///
/// Written in the data files as groups separated by `;` (all groups are needed), each group
/// being alternatives separated by `|` (any one of them suffices); `-` means none. Example:
/// `android.permission.ACCESS_WIFI_STATE;android.permission.ACCESS_FINE_LOCATION|android.permission.ACCESS_COARSE_LOCATION`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PermissionReq {
    /// All of these groups are required; within a group any one permission suffices.
    pub all_of: Vec<Vec<String>>,
}

impl PermissionReq {
    /// Whether no permission is required.
    pub fn is_empty(&self) -> bool {
        self.all_of.is_empty()
    }

    /// Every permission name mentioned.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.all_of.iter().flatten().map(String::as_str)
    }

    /// Whether a set of granted/requested permissions satisfies the requirement.
    pub fn satisfied_by(&self, has: impl Fn(&str) -> bool) -> bool {
        self.all_of.iter().all(|g| g.iter().any(|p| has(p)))
    }

    /// Parses column `column` of `row`, checking every name against `known` when given.
    pub(crate) fn parse(
        row: &Row<'_>,
        column: &str,
        known: Option<&PermissionNames>,
    ) -> Result<Self, KbError> {
        let Some(text) = row.opt(column)? else {
            return Ok(Self::default());
        };
        let mut all_of = Vec::new();
        for group in text.split(';') {
            let mut any = Vec::new();
            for name in group.split('|') {
                if name.is_empty() {
                    return Err(row.error(format!("column {column}: empty permission in {text:?}")));
                }
                if known.is_some_and(|k| !k.contains(name)) {
                    return Err(row.error(format!(
                        "column {column}: unknown permission {name:?} (not in android/permissions-*.tsv nor api/permissions-extra.tsv)"
                    )));
                }
                any.push(name.to_string());
            }
            all_of.push(any);
        }
        Ok(Self { all_of })
    }
}

impl std::fmt::Display for PermissionReq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.all_of.is_empty() {
            return f.write_str("-");
        }
        let groups: Vec<String> = self.all_of.iter().map(|g| g.join("|")).collect();
        f.write_str(&groups.join(";"))
    }
}
