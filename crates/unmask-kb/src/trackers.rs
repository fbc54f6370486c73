//! Tracker SDK signatures (`trackers/exodus-trackers.tsv`), applied the way exodus-core does.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::Serialize;

use crate::error::KbError;
use crate::tsv;

/// exodus-core ignores code signatures of 3 characters or fewer (`len(code_signature) > 3`).
pub const EXODUS_MIN_SIGNATURE_LEN: usize = 4;

/// One tracker of the Exodus Privacy list.
#[derive(Debug, Clone, Serialize)]
pub struct Tracker {
    /// Exodus tracker id.
    pub id: u32,
    /// Tracker name.
    pub name: String,
    /// Vendor website, if any.
    pub website: Option<String>,
    /// Exodus categories (`Analytics`, `Advertisement`, `Crash reporting`, ...).
    pub categories: Vec<String>,
    /// Code signature exactly as Exodus writes it: a Python regular expression, usually
    /// class-name prefixes joined with `|` (`com.google.firebase.analytics.|...`).
    pub code_signature: Option<String>,
    /// Network signature exactly as Exodus writes it: a regular expression over host names.
    pub network_signature: Option<String>,
    /// Date Exodus added the tracker.
    pub creation_date: Option<String>,
    /// Line in the source file.
    pub line: usize,
    #[serde(skip)]
    code_regex: Option<Regex>,
    #[serde(skip)]
    network_regex: Option<Regex>,
}

impl Tracker {
    /// The compiled code signature, if it is one exodus-core uses (longer than 3 characters).
    pub fn code_regex(&self) -> Option<&Regex> {
        self.code_regex.as_ref()
    }

    /// The compiled network signature, if any.
    pub fn network_regex(&self) -> Option<&Regex> {
        self.network_regex.as_ref()
    }

    /// Whether the code signature matches one class name (unanchored search, like Python's
    /// `re.search`). Pass names as produced by [`exodus_class_name`].
    pub fn matches_class(&self, class: &str) -> bool {
        self.code_regex.as_ref().is_some_and(|r| r.is_match(class))
    }

    /// Whether the network signature matches a host name (unanchored search).
    pub fn matches_host(&self, host: &str) -> bool {
        self.network_regex
            .as_ref()
            .is_some_and(|r| r.is_match(host))
    }
}

/// The tracker table with all signatures compiled once.
#[derive(Debug, Clone, Default)]
pub struct TrackerTable {
    trackers: Vec<Tracker>,
    /// Code signatures of the trackers in `code_owner`, as one set.
    code_set: Option<RegexSet>,
    code_owner: Vec<usize>,
    network_set: Option<RegexSet>,
    network_owner: Vec<usize>,
}

impl TrackerTable {
    /// Column names of `trackers/exodus-trackers.tsv`.
    pub const HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "website",
        "categories",
        "code_signature",
        "network_signature",
        "creation_date",
    ];

    pub(crate) fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        let mut table = TrackerTable::default();
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        let mut code_patterns = Vec::new();
        let mut network_patterns = Vec::new();
        for row in tsv::parse(file, text, Self::HEADER)? {
            let id_text = row.req("id")?;
            let id: u32 = id_text
                .parse()
                .map_err(|_| row.error(format!("column id: {id_text:?} is not a number")))?;
            if !ids.insert(id) {
                return Err(row.error(format!("duplicate tracker id {id}")));
            }
            let name = row.req("name")?;
            if !names.insert(name.to_string()) {
                return Err(row.error(format!("duplicate tracker name {name:?}")));
            }
            let compile = |column: &str, sig: Option<&str>| -> Result<Option<Regex>, KbError> {
                sig.map(|s| {
                    Regex::new(s).map_err(|e| {
                        row.error(format!(
                            "column {column}: tracker {id} ({name}): invalid regex {s:?}: {e}"
                        ))
                    })
                })
                .transpose()
            };
            let code_signature = row.opt("code_signature")?;
            let network_signature = row.opt("network_signature")?;
            let code_regex = compile("code_signature", code_signature)?;
            let network_regex = compile("network_signature", network_signature)?;
            // exodus-core skips signatures of 3 characters or fewer.
            let code_regex = code_regex.filter(|_| {
                code_signature.is_some_and(|s| s.chars().count() >= EXODUS_MIN_SIGNATURE_LEN)
            });
            let idx = table.trackers.len();
            if let (Some(_), Some(s)) = (&code_regex, code_signature) {
                code_patterns.push(s.to_string());
                table.code_owner.push(idx);
            }
            if let (Some(_), Some(s)) = (&network_regex, network_signature) {
                network_patterns.push(s.to_string());
                table.network_owner.push(idx);
            }
            let categories = row
                .opt("categories")?
                .map(|c| c.split(';').map(str::to_string).collect())
                .unwrap_or_default();
            table.trackers.push(Tracker {
                id,
                name: name.to_string(),
                website: row.opt("website")?.map(str::to_string),
                categories,
                code_signature: code_signature.map(str::to_string),
                network_signature: network_signature.map(str::to_string),
                creation_date: row.opt("creation_date")?.map(str::to_string),
                line: row.line,
                code_regex,
                network_regex,
            });
        }
        let set = |patterns: &[String], what: &str| -> Result<Option<RegexSet>, KbError> {
            if patterns.is_empty() {
                return Ok(None);
            }
            regex::RegexSetBuilder::new(patterns)
                .size_limit(256 << 20)
                .build()
                .map(Some)
                .map_err(|e| {
                    KbError::invalid(file, 0, format!("cannot combine {what} signatures: {e}"))
                })
        };
        table.code_set = set(&code_patterns, "code")?;
        table.network_set = set(&network_patterns, "network")?;
        Ok(table)
    }

    /// All trackers, in file order.
    pub fn trackers(&self) -> &[Tracker] {
        &self.trackers
    }

    /// Number of trackers.
    pub fn len(&self) -> usize {
        self.trackers.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.trackers.is_empty()
    }

    /// A tracker by its Exodus id.
    pub fn by_id(&self, id: u32) -> Option<&Tracker> {
        self.trackers.iter().find(|t| t.id == id)
    }

    /// Trackers whose code signature matches one class name, in one pass over all
    /// signatures. Feed it the names given by [`exodus_class_name`] to reproduce exodus-core.
    pub fn match_class(&self, class: &str) -> Vec<&Tracker> {
        Self::matches(
            self.code_set.as_ref(),
            &self.code_owner,
            &self.trackers,
            class,
        )
    }

    /// Trackers whose network signature matches a host name (unanchored search).
    pub fn match_host(&self, host: &str) -> Vec<&Tracker> {
        Self::matches(
            self.network_set.as_ref(),
            &self.network_owner,
            &self.trackers,
            host,
        )
    }

    fn matches<'t>(
        set: Option<&RegexSet>,
        owner: &[usize],
        trackers: &'t [Tracker],
        text: &str,
    ) -> Vec<&'t Tracker> {
        let Some(set) = set else { return Vec::new() };
        set.matches(text)
            .iter()
            .filter_map(|i| owner.get(i).and_then(|t| trackers.get(*t)))
            .collect()
    }
}

/// The class name exodus-core would see for a DEX type descriptor, or `None` when it would
/// see none.
///
/// exodus-core (`StaticAnalysis.get_embedded_classes`) runs `dexdump` on every `classes*.dex`
/// and keeps, from each output line, group 1 of the first match of the Perl regex
/// `[A-Z]+((?:\w+\/)+\w+)` (ASCII `\w`). For a descriptor such as `Lcom/foo/Bar$Baz;` that is
/// `com/foo/Bar`: slash-separated, cut at the first character outside `[A-Za-z0-9_]` (so
/// inner classes collapse to their outer class), and absent for classes in the default
/// package. A package that starts with capitals loses all but the last of them
/// (`LAB/c/D;` gives `B/c/D`), exactly like the Perl regex.
pub fn exodus_class_name(descriptor: &str) -> Option<&str> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"(?-u)[A-Z]+((?:\w+/)+\w+)").ok())
        .as_ref()?;
    re.captures(descriptor)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}
