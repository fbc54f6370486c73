//! The findings model: what the analyses report, each finding with why it was raised and
//! evidence a reviewer can check by hand.

use serde::Serialize;
use std::collections::BTreeMap;

/// Everything the analyses found in one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings {
    /// Per data category: the permissions requested for it and how many findings show it is
    /// collected (keys are category names such as `device_id`, `location.precise`).
    pub categories: BTreeMap<String, CategorySummary>,
    /// Every finding, grouped by section in the order of [`Section`], then by discovery order.
    pub findings: Vec<Finding>,
    /// Network endpoints (URLs, IP addresses) found in the code, deduplicated.
    pub endpoints: Vec<Endpoint>,
    /// Parts that could not be analysed (each names the part and what is wrong).
    pub errors: Vec<String>,
}

impl Findings {
    /// Findings of one section.
    pub fn section(&self, section: Section) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.section == section)
    }

    /// Findings of one kind (`data.api`, `code.dynamic_loading`, ...).
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// Data categories (top level, e.g. `device_id`, `location`) shown by data findings.
    pub fn collected_categories(&self) -> std::collections::BTreeSet<String> {
        self.section(Section::DataCollected)
            .filter_map(|f| f.category.clone())
            .collect()
    }
}

/// Summary of one data category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategorySummary {
    /// Permissions the manifest requests that give access to this category.
    pub permissions_requested: Vec<String>,
    /// Subcategories seen (`device_id.imei`, ...).
    pub subcategories: Vec<String>,
    /// Number of data findings of this category.
    pub findings: usize,
}

/// Sections of the report, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// What personal data the app collects (API call sites, content URIs, callbacks).
    DataCollected,
    /// Requested permissions never used, APIs used without their permission.
    Permissions,
    /// Where data goes: cleartext URLs, tracker hosts.
    Network,
    /// Tracker SDKs, packers, dynamic code, reflection, native code, hidden payloads.
    Inside,
    /// Surveillance traits from the manifest and the code.
    Traits,
    /// Indicator-of-compromise matches.
    Iocs,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Section.
    pub section: Section,
    /// Machine-readable kind: `data.api`, `data.callback`, `data.content_uri`,
    /// `permission.unused`, `permission.missing`, `network.cleartext`, `network.tracker_host`,
    /// `tracker`, `packer`, `code.dynamic_loading`, `code.reflection`,
    /// `code.reflection_sensitive`, `code.native_loading`, `code.hidden_payload`,
    /// `trait.<name>`, `ioc`.
    pub kind: String,
    /// Top-level data category (`device_id`, `location`, ...) when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Finer category from the knowledge base (`device_id.imei`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subcategory: Option<String>,
    /// What the finding is about: an API descriptor, a URL, a tracker name, a permission...
    pub subject: String,
    /// Why it was raised, in words.
    pub reason: String,
    /// Permissions involved (required by the API, or the permission in question).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Evidence (capped at [`crate::Options::max_evidence`]).
    pub evidence: Vec<Evidence>,
    /// Number of pieces of evidence before capping.
    pub evidence_total: usize,
    /// For findings whose evidence is code: whether that code can run, starting from a
    /// component the manifest declares ([`crate::reach`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<Reachability>,
}

/// Whether the code of a finding is reachable from the app's declared components.
///
/// Conservative: "reachable" may be said of code that never runs (the analysis
/// over-approximates callbacks, reflection and dynamic loading), "not reachable" only of code
/// no entry point, callback, reflection by name or loaded code can get to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reachability {
    /// True when at least one piece of code evidence is reachable.
    pub reachable: bool,
    /// For a reachable finding: one chain of methods from an entry point (a manifest
    /// component, a callback, a class instantiated by the framework) to the evidence's method.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// Why everything was taken as reachable, when a blanket assumption was made (dynamic code
    /// loading, reflection on computed names, no manifest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<String>,
}

/// A piece of evidence a reviewer can check by hand.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// An instruction in a method (see it with `unmask dex APK --method METHOD`).
    Code {
        /// Dex entry name (`classes2.dex`, `assets/x.png` for a hidden one).
        dex: String,
        /// Class descriptor of the containing class.
        class: String,
        /// Method descriptor of the containing method.
        method: String,
        /// Offset of the instruction in code units.
        offset: u32,
        /// Source line from the debug info, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// The API, field, type or string involved.
        item: String,
    },
    /// A method the app defines (a callback it overrides).
    Method {
        /// Dex entry name.
        dex: String,
        /// Class descriptor.
        class: String,
        /// Method descriptor.
        method: String,
        /// What it overrides or implements.
        overrides: String,
    },
    /// A string in a dex file's string table not loaded by any instruction.
    DexString {
        /// Dex entry name.
        dex: String,
        /// The string (capped at 512 characters).
        string: String,
    },
    /// A class name (or a type referenced in a dex).
    Class {
        /// Dex entry name.
        dex: String,
        /// Class name as matched (slash form for trackers, dot form for packers).
        class: String,
    },
    /// A manifest element.
    Manifest {
        /// Element (`service`, `receiver`, `uses-permission`, ...).
        element: String,
        /// Its `android:name`.
        name: String,
        /// Line in the decoded manifest, if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// What in the element matters (permission, intent action).
        detail: String,
    },
    /// An archive entry.
    Entry {
        /// Entry name.
        name: String,
        /// What about it matters.
        detail: String,
    },
    /// An indicator of compromise that matched a fact of the app.
    Ioc {
        /// Indicator id.
        indicator: String,
        /// Pattern text.
        pattern: String,
        /// The app's value that matched.
        matched_value: String,
        /// Where the value was found.
        #[serde(skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
        /// The file or bundle the indicator came from.
        source: String,
    },
}

/// A network endpoint found in the app.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    /// `url`, `ip` or `host` (a bare host name).
    pub kind: &'static str,
    /// The URL or address as found.
    pub value: String,
    /// Host (for URLs), lowercase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Explicit port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// True for `http://`, `ws://` and `ftp://` URLs.
    pub cleartext: bool,
    /// True when the URL is a well-known identifier (XML namespace, parser feature), not a
    /// place data is sent to.
    pub identifier: bool,
    /// Trackers whose network signature matches the host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trackers: Vec<String>,
    /// Where it was found: code sites that load the string, else the dex string itself.
    pub found_in: Vec<Evidence>,
}
