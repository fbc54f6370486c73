//! Apps that surveillance apps look for (`apps/watched-apps.tsv`).

use serde::Serialize;

use crate::error::KbError;
use crate::lazy::{FxHashSet, HashIndex, Lazy};
use crate::tsv;

/// Kind of a watched app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppCategory {
    /// Messengers and calling apps.
    Messenger,
    /// Social networks.
    Social,
    /// E-mail clients.
    Email,
    /// VPNs and censorship-circumvention proxies.
    Vpn,
    /// Tor clients and browsers.
    Tor,
    /// Web browsers.
    Browser,
    /// Anti-malware and security apps.
    Security,
}

impl AppCategory {
    /// Every category.
    pub const ALL: &'static [AppCategory] = &[
        AppCategory::Messenger,
        AppCategory::Social,
        AppCategory::Email,
        AppCategory::Vpn,
        AppCategory::Tor,
        AppCategory::Browser,
        AppCategory::Security,
    ];

    /// Name used in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            AppCategory::Messenger => "messenger",
            AppCategory::Social => "social",
            AppCategory::Email => "email",
            AppCategory::Vpn => "vpn",
            AppCategory::Tor => "tor",
            AppCategory::Browser => "browser",
            AppCategory::Security => "security",
        }
    }

    /// Parses a name used in the data file.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

/// One watched app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchedApp {
    /// Android package name.
    pub package: String,
    /// App name.
    pub name: String,
    /// Kind of app.
    pub category: AppCategory,
    /// Line in the source file.
    pub line: usize,
}

/// Watched apps indexed by package name.
#[derive(Debug, Clone, Default)]
pub struct WatchedApps {
    data: Lazy<AppsData>,
}

#[derive(Debug, Clone, Default)]
struct AppsData {
    apps: Vec<WatchedApp>,
    by_package: HashIndex,
}

fn package_key(a: &WatchedApp) -> Option<&str> {
    Some(&a.package)
}

/// Whether `s` is a syntactically valid Android package name (`a.b`, segments of
/// `[A-Za-z][A-Za-z0-9_]*`).
pub fn is_package_name(s: &str) -> bool {
    let mut parts = 0;
    for seg in s.split('.') {
        let mut bytes = seg.bytes();
        match bytes.next() {
            Some(b) if b.is_ascii_alphabetic() => {}
            _ => return false,
        }
        if !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

impl WatchedApps {
    /// Column names of `apps/watched-apps.tsv`.
    pub const HEADER: &'static [&'static str] = &["package", "name", "category"];

    /// Parses the table now.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        Ok(WatchedApps {
            data: Lazy::ready(Self::parse_data(file, text)?),
        })
    }

    /// The table of an embedded text, parsed on first use.
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        WatchedApps {
            data: Lazy::deferred(file, text, |f, t| {
                Self::parse_data(f, t).unwrap_or_default()
            }),
        }
    }

    fn parse_data(file: &str, text: &str) -> Result<AppsData, KbError> {
        let mut apps = Vec::new();
        let mut seen = FxHashSet::default();
        for row in tsv::parse(file, text, Self::HEADER)? {
            let row = row?;
            let package = row.req("package")?;
            if !is_package_name(package) {
                return Err(row.error(format!("column package: invalid package name {package:?}")));
            }
            let cat = row.req("category")?;
            let category = AppCategory::parse(cat).ok_or_else(|| {
                let known: Vec<&str> = AppCategory::ALL.iter().map(|c| c.as_str()).collect();
                row.error(format!(
                    "column category: unknown app category {cat:?} (known: {})",
                    known.join(", ")
                ))
            })?;
            if !seen.insert(package) {
                return Err(row.error(format!("duplicate package {package}")));
            }
            apps.push(WatchedApp {
                package: package.to_string(),
                name: row.req("name")?.to_string(),
                category,
                line: row.line,
            });
        }
        Ok(AppsData {
            by_package: HashIndex::build(&apps, package_key),
            apps,
        })
    }

    /// All apps, in file order.
    pub fn apps(&self) -> &[WatchedApp] {
        &self.data.get().apps
    }

    /// Number of apps.
    pub fn len(&self) -> usize {
        self.apps().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.apps().is_empty()
    }

    /// Watched apps whose package name occurs in `text` as a whole token (delimited by
    /// characters that cannot be part of a package name), each once, in order of first
    /// occurrence. Use it on asset or resource text; for dex strings use [`WatchedApps::get`].
    pub fn find_in<'a>(&'a self, text: &str) -> Vec<&'a WatchedApp> {
        let mut found: Vec<&WatchedApp> = Vec::new();
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
            let token = token.trim_matches('.');
            // Every package name has a dot (checked when loading).
            if !token.contains('.') {
                continue;
            }
            if let Some(app) = self.get(token) {
                if !found.iter().any(|a| a.package == app.package) {
                    found.push(app);
                }
            }
        }
        found
    }

    /// The app with exactly this package name.
    pub fn get(&self, package: &str) -> Option<&WatchedApp> {
        let d = self.data.get();
        let i = d.by_package.find(&d.apps, package_key, package).next()?;
        d.apps.get(i)
    }
}
