//! Indicators of compromise: STIX 2.1 bundles (the format Amnesty's
//! [MVT](https://github.com/mvt-project/mvt) reads) and matching against the facts of an app.
//!
//! ```no_run
//! use unmask_ioc::{AppFacts, IocSet};
//! let mut set = IocSet::load_embedded()?;          // Amnesty + Echap bundles from kb/iocs
//! set.add_file("extra.stix2".as_ref())?;            // a user feed (`--iocs FILE`)
//! let facts = AppFacts { package_names: vec!["com.example".into()], ..AppFacts::default() };
//! for m in set.match_app(&facts) {
//!     println!("{} ({:?}) from {}", m.pattern, m.family(), m.source);
//! }
//! # Ok::<(), unmask_ioc::IocError>(())
//! ```
//!
//! # What is read
//!
//! A file is a STIX 2.1 `bundle`. Of its objects, `indicator`, `malware`, `report` and
//! `relationship` are read with serde; every other object type is ignored. Unknown properties
//! are ignored. An indicator's family is the `malware` it `indicates` (through a `relationship`,
//! in either direction, as MVT reads them); failing that, the only `malware` of the bundle.
//! Reports that list an indicator in `object_refs` are kept too.
//!
//! Patterns (module [`pattern`]) are parsed with the full STIX 2.1 patterning grammar. The
//! matcher evaluates equality (`=`) and `IN ( … )` comparisons, joined by `AND`/`OR` inside an
//! observation and by `AND`/`OR`/`FOLLOWEDBY` between observations, on these paths:
//!
//! | path | matched against |
//! |---|---|
//! | `app:id` | package names |
//! | `app:cert.sha1`, `app:cert.sha256`, `x509-certificate:hashes.'SHA-1'`/`'SHA-256'` | signing-certificate fingerprints |
//! | `file:hashes.sha256`/`'SHA-256'`/`sha1`/`'SHA-1'`/`md5`/`MD5` | file hashes |
//! | `domain-name:value` | domains, URL hosts and IPs (the domain and all its subdomains, case-insensitive); a value that is a URL with a path matches that URL only |
//! | `url:value` | URLs (scheme and host case-insensitive, trailing `/` ignored) |
//! | `ipv4-addr:value` (address or CIDR), `ipv6-addr:value` | IPs, domains and URL hosts that are IP literals |
//! | `email-addr:value`, `file:name`, `process:name`, `android-property:name` | the matching facts |
//!
//! Other paths (`file:path`, `configuration-profile:id`, iOS-only facts) are valid and kept but
//! never match an app. Qualifiers (`WITHIN`, `START … STOP`, `REPEATS`) and `FOLLOWEDBY` order
//! are parsed and ignored, with a note on the indicator and on each match. Negation, `!=`,
//! ordering operators, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET` and `EXISTS` on a matchable
//! path are not evaluated: the comparison is taken as false and a [`LoadWarning`] says so.
//!
//! Errors name the file and the entry: a file that is not JSON or not a bundle, an object
//! without `type`/`id`, a malformed indicator/malware/report/relationship, and a pattern with a
//! syntax error (with its text and the byte position) are [`IocError`]s. A valid pattern that
//! cannot be evaluated, or a non-STIX `pattern_type`, is a warning, so one odd indicator does not
//! lose a feed.
//!
//! # The built-in sets cost nothing to load
//!
//! `build.rs` resolves the bundles of `kb/iocs` (with the same code as a user feed: families,
//! reports) into a compact length-prefixed text (module `blob`) that is embedded instead of
//! the JSON, and indexes each indicator of the common form `[type:path = 'value']` (all of the
//! current ones) by its normalised value, with the library's own normalisation (module `norm`,
//! included by the build script). The index is compiled in as static tables (module
//! `builtin`): per slot (package name, host, URL…), the (value, indicator number) pairs sorted
//! by value with an open-addressing hash table over them (a tag byte per bucket, like a
//! run-time hash map), the IPv4 networks, the longest host, and each indicator's record. So
//! [`IocSet::load_embedded`] builds no map: it reads the six source headers, and parses only
//! the indicators of another form (none today). Matching looks a fact's value up in the
//! static tables, then in the run-time map that holds user feeds ([`IocSet::add_file`]). An
//! indicator is built, its pattern parsed, only when a fact hits it or [`IocSet::indicators`]
//! is called. The tests read the JSON bundles with full validation and check that the
//! indicators, warnings, index and matches are the same, and that the static tables equal the
//! index that the previous run-time load built (kept in the tests as the oracle).
//!
//! ## Cost
//!
//! `examples/load_time.rs` (release, 2 shared cores, medians of 200 loads in 3 runs each,
//! 2026-11-25): `load_embedded` of the 10,113 built-in indicators takes **0.3 µs** (first call
//! in a process, pages of the source headers not yet touched: 0.02–0.03 ms), where building
//! the run-time index took **3.4–3.6 ms** (and parsing the 8 MB of JSON, before that, 90–200
//! ms and 35 MB). Matching costs the same as with the run-time map: a large synthetic app
//! (5,000 hosts, 2,000 URLs, 500 IPs, 400 names and hashes) 1.03–1.07 ms before and after.
//! The tables are about 0.7 MB of read-only data (keys 0.34 MB, entries, record offsets, hash
//! tables; the example binary grows by 0.5 MB), paged in only where a lookup lands.
//!
//! # Why hand-written
//!
//! The Rust STIX crates are either STIX 2.0, dormant, or unproven single releases; MVT itself
//! only splits `[type:path='value']` on `=`. The subset needed here is small (about the size of
//! one of those crates) and can be bounded for hostile input: patterns are limited to
//! [`pattern::MAX_PATTERN_LEN`] bytes and [`pattern::MAX_DEPTH`] levels of nesting.
//!
//! # Fuzzing
//!
//! Two cargo-fuzz targets, runnable on stable Rust: `pattern` (the pattern parser, then loading
//! and matching a one-indicator bundle made of every pattern that parses) and `bundle` (whole
//! bundles through [`IocSet::add_bundle_str`] and [`IocSet::match_app`]):
//!
//! ```sh
//! cd crates/unmask-ioc/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run pattern -- -max_total_time=60
//! cd crates/unmask-ioc/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run bundle -- -max_total_time=60 -max_len=4096
//! ```
//!
//! Runs so far (2026-11-25, ASan, stable 1.95 with `RUSTC_BOOTSTRAP=1`): `pattern` 2.3 M
//! executions (60 s + 400 s), `bundle` 3.2 M executions (200 s) plus a seeded run; no crash,
//! leak or timeout found.
//!
//! The parser's recursion is bounded by [`pattern::MAX_DEPTH`]; the host-suffix walk of a
//! domain fact is bounded by the longest indicator host, so a hostile megabyte-long "domain"
//! costs one pass.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod blob;
mod builtin;
mod norm;
pub mod pattern;
mod resolve;
pub mod stix;
#[cfg(test)]
mod tables;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use norm::{index_key, lower, norm_domain, norm_hex, norm_ip, norm_url, url_host, IndexKey, Slot};
use pattern::{Comparison, ComparisonExpr, Literal, ObservationExpr, Operator, PatternError};

/// Largest user feed read, in bytes.
pub const MAX_FEED_BYTES: u64 = 256 * 1024 * 1024;
/// Most pieces of evidence kept per matched comparison.
const MAX_EVIDENCE_PER_ATOM: usize = 8;

/// The bundles of `kb/iocs`, resolved by `build.rs` into the compact form of [`blob`].
static EMBEDDED_BLOB: &str = include_str!(concat!(env!("OUT_DIR"), "/embedded_iocs.txt"));

/// The names of the embedded bundles (files of `kb/iocs`).
pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    blob::EMBEDDED_FILES.iter().copied()
}

/// A fatal error loading a feed. Every variant names the source (file name or given name).
#[derive(Debug, thiserror::Error)]
pub enum IocError {
    /// The file could not be read.
    #[error("{source_name}: cannot read: {error}")]
    Io {
        /// File path.
        source_name: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The file is larger than [`MAX_FEED_BYTES`].
    #[error("{source_name}: {size} bytes is larger than the {MAX_FEED_BYTES}-byte limit")]
    TooLarge {
        /// File path.
        source_name: String,
        /// Its size.
        size: u64,
    },
    /// Not JSON.
    #[error("{source_name}: not valid JSON: {message}")]
    Json {
        /// File or bundle name.
        source_name: String,
        /// serde_json's message, with line and column.
        message: String,
    },
    /// JSON, but not a STIX bundle.
    #[error("{source_name}: not a STIX 2.1 bundle: {message}")]
    NotBundle {
        /// File or bundle name.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// A malformed object.
    #[error("{source_name}: object {object}: {message}")]
    Object {
        /// File or bundle name.
        source_name: String,
        /// The object id, or `#n` (its index in `objects`) when it has no id.
        object: String,
        /// What is wrong.
        message: String,
    },
    /// An indicator whose pattern has a syntax error.
    #[error("{source_name}: indicator {object}: invalid STIX pattern {error}\n    {pattern}\n    {caret}", caret = caret(pattern, error.position))]
    Pattern {
        /// File or bundle name.
        source_name: String,
        /// The indicator id.
        object: String,
        /// The pattern text.
        pattern: String,
        /// The error and its byte position in `pattern`.
        error: PatternError,
    },
}

fn caret(pattern: &str, pos: usize) -> String {
    let chars = pattern.get(..pos).map_or(pos, |s| s.chars().count());
    format!("{}^", " ".repeat(chars))
}

/// A non-fatal problem: an indicator that is kept (or skipped) but cannot be fully evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadWarning {
    /// File or bundle name.
    pub source: String,
    /// The object id.
    pub object: String,
    /// The pattern, for indicators.
    pub pattern: Option<String>,
    /// What is not supported.
    pub message: String,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.object, self.message)?;
        if let Some(p) = &self.pattern {
            write!(f, " in {p:?}")?;
        }
        Ok(())
    }
}

pub use norm::ObservableKind;

impl ObservableKind {
    /// Classifies an object path (`ObjectPath::key()` form).
    fn of(path: &pattern::ObjectPath) -> ObservableKind {
        ObservableKind::of_key(&path.key())
    }
}

/// Which fact of the app a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactKind {
    /// [`AppFacts::package_names`].
    PackageName,
    /// [`AppFacts::cert_sha1s`].
    CertSha1,
    /// [`AppFacts::cert_sha256s`].
    CertSha256,
    /// [`AppFacts::file_sha256s`].
    FileSha256,
    /// [`AppFacts::file_sha1s`].
    FileSha1,
    /// [`AppFacts::file_md5s`].
    FileMd5,
    /// [`AppFacts::domains`].
    Domain,
    /// [`AppFacts::urls`].
    Url,
    /// [`AppFacts::ips`].
    Ip,
    /// [`AppFacts::emails`].
    Email,
    /// [`AppFacts::file_names`].
    FileName,
    /// [`AppFacts::process_names`].
    ProcessName,
    /// [`AppFacts::android_properties`].
    AndroidProperty,
}

impl FactKind {
    /// A human label ("package name", "signing certificate SHA-1", …).
    pub fn label(self) -> &'static str {
        match self {
            FactKind::PackageName => "package name",
            FactKind::CertSha1 => "signing certificate SHA-1",
            FactKind::CertSha256 => "signing certificate SHA-256",
            FactKind::FileSha256 => "file SHA-256",
            FactKind::FileSha1 => "file SHA-1",
            FactKind::FileMd5 => "file MD5",
            FactKind::Domain => "domain",
            FactKind::Url => "URL",
            FactKind::Ip => "IP address",
            FactKind::Email => "email address",
            FactKind::FileName => "file name",
            FactKind::ProcessName => "process name",
            FactKind::AndroidProperty => "Android system property",
        }
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One fact value, with where in the app it was found (e.g. `"in code"`, `"manifest"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The value (a package name, a hex hash, a domain, …).
    pub value: String,
    /// Where it was found, free text, reported with a match.
    pub origin: Option<String>,
}

impl Fact {
    /// A fact found at `origin`.
    pub fn at(value: impl Into<String>, origin: impl Into<String>) -> Fact {
        Fact {
            value: value.into(),
            origin: Some(origin.into()),
        }
    }
}

impl From<&str> for Fact {
    fn from(v: &str) -> Fact {
        Fact {
            value: v.to_string(),
            origin: None,
        }
    }
}

impl From<String> for Fact {
    fn from(value: String) -> Fact {
        Fact {
            value,
            origin: None,
        }
    }
}

/// What an app is made of, as far as indicators care. Any field can be empty. Hashes are hex
/// (any case, colons allowed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppFacts {
    /// The package name(s) (base and splits).
    pub package_names: Vec<Fact>,
    /// Signing certificate SHA-1 fingerprints.
    pub cert_sha1s: Vec<Fact>,
    /// Signing certificate SHA-256 fingerprints.
    pub cert_sha256s: Vec<Fact>,
    /// SHA-256 of the APK and of files inside it.
    pub file_sha256s: Vec<Fact>,
    /// SHA-1 of files.
    pub file_sha1s: Vec<Fact>,
    /// MD5 of files.
    pub file_md5s: Vec<Fact>,
    /// Host names (from code, resources, network security config…).
    pub domains: Vec<Fact>,
    /// URLs (their host is matched against domain and IP indicators too).
    pub urls: Vec<Fact>,
    /// IP addresses.
    pub ips: Vec<Fact>,
    /// Email addresses.
    pub emails: Vec<Fact>,
    /// File names (entry names' last component, or as the caller sees fit).
    pub file_names: Vec<Fact>,
    /// Process names (`android:process`).
    pub process_names: Vec<Fact>,
    /// Android system property names referenced.
    pub android_properties: Vec<Fact>,
}

/// Why one comparison of an indicator matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What the comparison is about.
    pub observable: ObservableKind,
    /// The object path as written, normalised (`domain-name:value`).
    pub path: String,
    /// The indicator's value.
    pub indicator_value: String,
    /// The fact of the app that matched.
    pub fact: FactKind,
    /// The app's value that matched (e.g. `sub.evil.com` for indicator `evil.com`).
    pub matched_value: String,
    /// Where the app's value was found ([`Fact::origin`]).
    pub origin: Option<String>,
}

/// A matched indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IocMatch {
    /// The indicator id.
    pub indicator_id: String,
    /// The indicator name, if any.
    pub indicator_name: Option<String>,
    /// The pattern text.
    pub pattern: String,
    /// The malware families it indicates (malware names).
    pub families: Vec<String>,
    /// Names of reports that list it.
    pub reports: Vec<String>,
    /// The file or bundle name it was loaded from.
    pub source: String,
    /// The bundle id.
    pub bundle_id: Option<String>,
    /// Whether it comes from the embedded knowledge base.
    pub embedded: bool,
    /// The comparisons that matched, with the app facts (at least one).
    pub evidence: Vec<Evidence>,
    /// Parts of the pattern that were ignored (qualifiers).
    pub notes: Vec<String>,
}

impl IocMatch {
    /// The first family, if any.
    pub fn family(&self) -> Option<&str> {
        self.families.first().map(String::as_str)
    }
}

/// Where indicators came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// File name (user feeds: the path as given) or bundle name.
    pub name: String,
    /// The bundle id.
    pub bundle_id: Option<String>,
    /// Embedded from `kb/iocs`.
    pub embedded: bool,
}

#[derive(Debug, Clone)]
enum Cond {
    False,
    Atom(usize),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    fn eval(&self, hit: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Cond::False => false,
            Cond::Atom(a) => hit(*a),
            Cond::And(v) => v.iter().all(|c| c.eval(hit)),
            Cond::Or(v) => v.iter().any(|c| c.eval(hit)),
        }
    }
}

#[derive(Debug, Clone)]
struct Atom {
    kind: ObservableKind,
    path: String,
    value: String,
}

/// A loaded indicator.
#[derive(Debug, Clone)]
pub struct LoadedIndicator {
    /// The indicator id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// The pattern text.
    pub pattern: String,
    /// Families (names of the `malware` objects it indicates).
    pub families: Vec<String>,
    /// Names of reports listing it.
    pub reports: Vec<String>,
    /// Index into [`IocSet::sources`].
    pub source: usize,
    /// Parts of the pattern ignored when matching.
    pub notes: Vec<String>,
    /// Whether some comparison can match an app (false for iOS-only paths and the like).
    pub matchable: bool,
    /// Object paths of comparisons that never match an app (`file:path`,
    /// `configuration-profile:id`, unknown types).
    pub inert_paths: Vec<String>,
    cond: Cond,
    atoms: Vec<Atom>,
}

impl LoadedIndicator {
    /// The observable kinds its comparisons use.
    pub fn kinds(&self) -> BTreeSet<ObservableKind> {
        self.atoms.iter().map(|a| a.kind).collect()
    }
}

type Hits<'f> = BTreeMap<u32, BTreeMap<u32, Vec<(FactKind, &'f Fact)>>>;
/// Normalised value → (indicator number, atom number).
type Postings = HashMap<Cow<'static, str>, PostingList, FxBuild>;

/// The (indicator number, atom number) pairs of one value: nearly always one, kept inline.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PostingList {
    One((u32, u32)),
    Many(Vec<(u32, u32)>),
}

impl PostingList {
    fn push(&mut self, p: (u32, u32)) {
        match self {
            PostingList::One(first) => *self = PostingList::Many(vec![*first, p]),
            PostingList::Many(v) => v.push(p),
        }
    }

    fn as_slice(&self) -> &[(u32, u32)] {
        match self {
            PostingList::One(p) => std::slice::from_ref(p),
            PostingList::Many(v) => v,
        }
    }
}
type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// The Fx hash (as in rustc): a few times faster than SipHash on short keys. The index holds
/// indicator values (built-in, or a feed the user chose), never values from the app, so no
/// one hostile can fill it with colliding keys; an app's facts are only looked up.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, b) in w.iter_mut().zip(rest) {
                *d = *b;
            }
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits: fold the well-mixed high bits down.
        self.hash.rotate_left(26)
    }
}

/// An embedded indicator, not built: where its record starts in [`EMBEDDED_BLOB`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EmbeddedRef {
    offset: u32,
    source: u32,
}

/// A set of indicators, indexed for matching.
///
/// The embedded indicators are kept in their compact build-time form and indexed by value;
/// one is built (its pattern parsed) only when a fact hits it or when [`IocSet::indicators`]
/// is called. User feeds are parsed and validated in full when added.
#[derive(Debug, Default)]
pub struct IocSet {
    sources: Vec<Source>,
    /// The embedded indicators: numbers `0..embedded.len()` (the build-time table, borrowed).
    embedded: Cow<'static, [EmbeddedRef]>,
    /// The other indicators: numbers from `embedded.len()` on.
    indicators: Vec<LoadedIndicator>,
    /// All indicators built, for [`IocSet::indicators`] when some are embedded.
    all: OnceLock<Vec<LoadedIndicator>>,
    /// Whether the build-time index of the embedded indicators ([`builtin`]) is searched too.
    builtin: bool,
    /// The index of what the build-time one does not hold (user feeds, embedded patterns not
    /// of the simple form).
    index: HashMap<Slot, Postings, FxBuild>,
    cidrs: Vec<(u32, u32, u32, u32)>,
    /// Longest indexed host: longer suffixes of a fact are not looked up.
    max_host_len: usize,
    warnings: Vec<LoadWarning>,
}

struct BundleCtx<'a> {
    source_name: &'a str,
    warnings: Vec<LoadWarning>,
    atoms: Vec<Atom>,
    inert: Vec<String>,
}

impl<'a> BundleCtx<'a> {
    fn new(source_name: &'a str) -> BundleCtx<'a> {
        BundleCtx {
            source_name,
            warnings: Vec::new(),
            atoms: Vec::new(),
            inert: Vec::new(),
        }
    }

    fn warn(&mut self, object: &str, pattern: &str, message: String) {
        self.warnings.push(LoadWarning {
            source: self.source_name.to_string(),
            object: object.to_string(),
            pattern: Some(pattern.to_string()),
            message,
        });
    }

    fn observation(&mut self, id: &str, pat: &str, e: &ObservationExpr) -> Cond {
        match e {
            ObservationExpr::Observation(c) => self.comparison(id, pat, c),
            ObservationExpr::And(v) | ObservationExpr::FollowedBy(v) => {
                Cond::And(v.iter().map(|x| self.observation(id, pat, x)).collect())
            }
            ObservationExpr::Or(v) => {
                Cond::Or(v.iter().map(|x| self.observation(id, pat, x)).collect())
            }
            ObservationExpr::Qualified(inner, _) => self.observation(id, pat, inner),
        }
    }

    fn comparison(&mut self, id: &str, pat: &str, e: &ComparisonExpr) -> Cond {
        match e {
            ComparisonExpr::And(v) => {
                Cond::And(v.iter().map(|x| self.comparison(id, pat, x)).collect())
            }
            ComparisonExpr::Or(v) => {
                Cond::Or(v.iter().map(|x| self.comparison(id, pat, x)).collect())
            }
            ComparisonExpr::Test(t) => self.test(id, pat, t),
        }
    }

    fn test(&mut self, id: &str, pat: &str, t: &Comparison) -> Cond {
        let kind = ObservableKind::of(&t.path);
        if kind == ObservableKind::Other {
            let key = t.path.key();
            if !self.inert.contains(&key) {
                self.inert.push(key);
            }
            return Cond::False;
        }
        let path = t.path.key();
        let values: Vec<&Literal> = match (&t.op, &t.value) {
            (Operator::Eq, v) if !t.negated => vec![v],
            (Operator::In, Literal::Set(v)) if !t.negated => v.iter().collect(),
            _ => {
                self.warn(
                    id,
                    pat,
                    format!(
                        "{}{:?} on {path} is not evaluated (only = and IN are); this comparison never matches",
                        if t.negated { "NOT " } else { "" },
                        t.op
                    ),
                );
                return Cond::False;
            }
        };
        let mut alts = Vec::new();
        for v in values {
            match v.as_str() {
                Some(s) if !s.trim().is_empty() => {
                    alts.push(Cond::Atom(self.atoms.len()));
                    self.atoms.push(Atom {
                        kind,
                        path: path.clone(),
                        value: s.to_string(),
                    });
                }
                _ => self.warn(
                    id,
                    pat,
                    format!("{path} compared with {v:?}, not a non-empty string; never matches"),
                ),
            }
        }
        match alts.len() {
            0 => Cond::False,
            1 => alts.pop().unwrap_or(Cond::False),
            _ => Cond::Or(alts),
        }
    }
}

/// Parses an indicator's pattern and builds it; warnings go to `ctx`.
#[allow(clippy::too_many_arguments)]
fn build_indicator(
    ctx: &mut BundleCtx<'_>,
    id: &str,
    name: Option<&str>,
    pattern_text: &str,
    families: Vec<String>,
    reports: Vec<String>,
    source: usize,
) -> Result<LoadedIndicator, PatternError> {
    let parsed = pattern::parse(pattern_text)?;
    let cond = ctx.observation(id, pattern_text, &parsed.expr);
    let atoms = std::mem::take(&mut ctx.atoms);
    let inert_paths = std::mem::take(&mut ctx.inert);
    let matchable = atoms.iter().any(|a| a.kind != ObservableKind::Other);
    Ok(LoadedIndicator {
        id: id.to_string(),
        name: name.map(str::to_string),
        pattern: pattern_text.to_string(),
        families,
        reports,
        source,
        notes: parsed.notes,
        matchable,
        inert_paths,
        cond,
        atoms,
    })
}

fn unsupported_type(source: &str, id: &str, pattern: &str, ptype: &str) -> LoadWarning {
    LoadWarning {
        source: source.to_string(),
        object: id.to_string(),
        pattern: Some(pattern.to_string()),
        message: format!("pattern_type {ptype:?} is not supported; indicator skipped"),
    }
}

/// The source headers of `blob` at byte offsets `offsets`.
fn read_sources(blob: &str, offsets: &[u32]) -> Result<Vec<Source>, IocError> {
    offsets
        .iter()
        .map(|&at| {
            let (name, bundle_id, _) = blob::Reader::at(blob, at as usize)
                .source()
                .ok_or_else(corrupt_embedded)?;
            Ok(Source {
                name: name.to_string(),
                bundle_id: bundle_id.map(str::to_string),
                embedded: true,
            })
        })
        .collect()
}

fn corrupt_embedded() -> IocError {
    IocError::NotBundle {
        source_name: "built-in indicators".to_string(),
        message: "the build-time form is corrupt (rebuild unmask)".to_string(),
    }
}

impl IocSet {
    /// An empty set.
    pub fn new() -> IocSet {
        IocSet::default()
    }

    /// The embedded knowledge base (`kb/iocs`: Echap stalkerware, Amnesty investigations).
    ///
    /// Nearly free (about a microsecond): the bundles were resolved and the indicators of the
    /// common form `[type:path = 'value']` indexed by value at build time (`build.rs`), into
    /// tables compiled in; here only the source list is read, and the other indicators (none
    /// in the current bundles) are parsed and indexed. An indicator is built in full when a
    /// fact hits it. The embedded bundles are validated in full by the tests (the same as
    /// [`IocSet::add_bundle_str`]), and give the same indicators, warnings and matches.
    pub fn load_embedded() -> Result<IocSet, IocError> {
        let mut set = IocSet {
            embedded: Cow::Borrowed(builtin::refs()),
            builtin: true,
            max_host_len: builtin::max_host_len(),
            ..IocSet::default()
        };
        let (_, n_sources) = blob::Reader::new(EMBEDDED_BLOB).ok_or_else(corrupt_embedded)?;
        if n_sources != builtin::source_offsets().len() {
            return Err(corrupt_embedded());
        }
        set.sources = read_sources(EMBEDDED_BLOB, builtin::source_offsets())?;
        set.apply_load_work(EMBEDDED_BLOB, builtin::load_work())?;
        Ok(set)
    }

    /// Reads the records of `blob` that the build-time index leaves to the load (none in the
    /// current bundles): `(offset, source, number)` in blob order, as [`builtin::load_work`]
    /// lists them. A pattern not of the simple form is parsed and indexed under `number`;
    /// another pattern type gives a warning.
    fn apply_load_work(&mut self, blob: &str, work: &[(u32, u32, u32)]) -> Result<(), IocError> {
        for &(offset, source, i) in work {
            let (id, pattern_text, ptype) = blob::Reader::at(blob, offset as usize)
                .indicator_head()
                .ok_or_else(corrupt_embedded)?;
            let name = self
                .sources
                .get(source as usize)
                .ok_or_else(corrupt_embedded)?
                .name
                .clone();
            let ptype = ptype.unwrap_or("stix");
            if !ptype.eq_ignore_ascii_case("stix") {
                self.warnings
                    .push(unsupported_type(&name, id, pattern_text, ptype));
                continue;
            }
            let mut ctx = BundleCtx::new(&name);
            let ind = build_indicator(
                &mut ctx,
                id,
                None,
                pattern_text,
                Vec::new(),
                Vec::new(),
                source as usize,
            )
            .map_err(|error| IocError::Pattern {
                source_name: name.clone(),
                object: id.to_string(),
                pattern: pattern_text.to_string(),
                error,
            })?;
            self.warnings.append(&mut ctx.warnings);
            self.index_atoms(i, &ind.atoms);
        }
        Ok(())
    }

    /// The embedded indicator `r`, built.
    fn build_embedded(&self, r: &EmbeddedRef) -> Option<LoadedIndicator> {
        let rec = blob::Reader::at(EMBEDDED_BLOB, r.offset as usize).indicator()?;
        let source = r.source as usize;
        let mut ctx = BundleCtx::new(self.sources.get(source).map_or("", |s| s.name.as_str()));
        build_indicator(
            &mut ctx,
            rec.id,
            rec.name,
            rec.pattern,
            rec.families.iter().map(|s| s.to_string()).collect(),
            rec.reports.iter().map(|s| s.to_string()).collect(),
            source,
        )
        .ok()
    }

    /// Indicator number `i`, built if it is embedded.
    fn indicator(&self, i: usize) -> Option<Cow<'_, LoadedIndicator>> {
        // (The built list is used only when complete: numbers must not shift.)
        if let Some(all) = self.all.get().filter(|a| a.len() == self.len()) {
            return all.get(i).map(Cow::Borrowed);
        }
        match i.checked_sub(self.embedded.len()) {
            Some(k) => self.indicators.get(k).map(Cow::Borrowed),
            None => self
                .embedded
                .get(i)
                .and_then(|r| self.build_embedded(r))
                .map(Cow::Owned),
        }
    }

    /// Adds a user feed file (`--iocs FILE`). On error nothing from this file is added.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, IocError> {
        let name = path.display().to_string();
        let size = std::fs::metadata(path)
            .map_err(|error| IocError::Io {
                source_name: name.clone(),
                error,
            })?
            .len();
        if size > MAX_FEED_BYTES {
            return Err(IocError::TooLarge {
                source_name: name,
                size,
            });
        }
        let bytes = std::fs::read(path).map_err(|error| IocError::Io {
            source_name: name.clone(),
            error,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| IocError::Json {
            source_name: name.clone(),
            message: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })?;
        self.add_bundle_inner(&name, &text, false)
    }

    /// Adds a bundle from text; `name` identifies it in matches, warnings and errors. Returns
    /// how many indicators were added. On error nothing from this bundle is added.
    pub fn add_bundle_str(&mut self, name: &str, text: &str) -> Result<usize, IocError> {
        self.add_bundle_inner(name, text, false)
    }

    fn add_bundle_inner(
        &mut self,
        name: &str,
        text: &str,
        embedded: bool,
    ) -> Result<usize, IocError> {
        let bundle = resolve::resolve(text).map_err(|e| match e {
            resolve::ResolveError::Json(message) => IocError::Json {
                source_name: name.to_string(),
                message,
            },
            resolve::ResolveError::NotBundle(message) => IocError::NotBundle {
                source_name: name.to_string(),
                message,
            },
            resolve::ResolveError::Object { object, message } => IocError::Object {
                source_name: name.to_string(),
                object,
                message,
            },
        })?;
        let source = self.sources.len();
        let mut ctx = BundleCtx::new(name);
        let mut loaded = Vec::new();
        for ind in bundle.indicators {
            let ptype = ind.pattern_type.as_deref().unwrap_or("stix");
            if !ptype.eq_ignore_ascii_case("stix") {
                ctx.warnings
                    .push(unsupported_type(name, &ind.id, &ind.pattern, ptype));
                continue;
            }
            let built = build_indicator(
                &mut ctx,
                &ind.id,
                ind.name.as_deref(),
                &ind.pattern,
                ind.families,
                ind.reports,
                source,
            )
            .map_err(|error| IocError::Pattern {
                source_name: name.to_string(),
                object: ind.id.clone(),
                pattern: ind.pattern.clone(),
                error,
            })?;
            loaded.push(built);
        }
        // Commit: nothing above touched `self`.
        self.all = OnceLock::new();
        self.warnings.append(&mut ctx.warnings);
        self.sources.push(Source {
            name: name.to_string(),
            bundle_id: bundle.bundle_id,
            embedded,
        });
        let added = loaded.len();
        for ind in loaded {
            let Some(i) = self
                .embedded
                .len()
                .checked_add(self.indicators.len())
                .and_then(|n| u32::try_from(n).ok())
            else {
                break;
            };
            self.index_atoms(i, &ind.atoms);
            self.indicators.push(ind);
        }
        Ok(added)
    }

    fn index_atoms(&mut self, i: u32, atoms: &[Atom]) {
        for (a, atom) in atoms.iter().enumerate() {
            let a = u32::try_from(a).unwrap_or(u32::MAX);
            if let Some(key) = index_key(atom.kind, &atom.value) {
                self.insert_key(key.into_static(), i, a);
            }
        }
    }

    fn insert_key(&mut self, key: IndexKey<'static>, i: u32, a: u32) {
        match key {
            IndexKey::Cidr(net, mask) => self.cidrs.push((net, mask, i, a)),
            IndexKey::Plain(slot, key) => {
                if slot == Slot::Host {
                    self.max_host_len = self.max_host_len.max(key.len());
                }
                self.index
                    .entry(slot)
                    .or_default()
                    .entry(key)
                    .and_modify(|l| l.push((i, a)))
                    .or_insert(PostingList::One((i, a)));
            }
        }
    }

    /// The sources loaded, in order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The indicators loaded, in order. Embedded indicators are built on the first call (a
    /// few tens of milliseconds for the built-in sets); matching does not need this.
    pub fn indicators(&self) -> &[LoadedIndicator] {
        if self.embedded.is_empty() {
            return &self.indicators;
        }
        self.all.get_or_init(|| {
            self.embedded
                .iter()
                .filter_map(|r| self.build_embedded(r))
                .chain(self.indicators.iter().cloned())
                .collect()
        })
    }

    /// Warnings collected while loading (unsupported but valid patterns).
    pub fn warnings(&self) -> &[LoadWarning] {
        &self.warnings
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.embedded.len().saturating_add(self.indicators.len())
    }

    /// No indicators.
    pub fn is_empty(&self) -> bool {
        self.embedded.is_empty() && self.indicators.is_empty()
    }

    /// Matches an app's facts. Deterministic: matches in load order, evidence in fact order.
    pub fn match_app(&self, facts: &AppFacts) -> Vec<IocMatch> {
        let mut hits: Hits = BTreeMap::new();
        let plain: [(&Vec<Fact>, Slot, FactKind); 10] = [
            (
                &facts.package_names,
                Slot::PackageName,
                FactKind::PackageName,
            ),
            (&facts.cert_sha1s, Slot::CertSha1, FactKind::CertSha1),
            (&facts.cert_sha256s, Slot::CertSha256, FactKind::CertSha256),
            (&facts.file_sha256s, Slot::FileSha256, FactKind::FileSha256),
            (&facts.file_sha1s, Slot::FileSha1, FactKind::FileSha1),
            (&facts.file_md5s, Slot::FileMd5, FactKind::FileMd5),
            (&facts.emails, Slot::Email, FactKind::Email),
            (&facts.file_names, Slot::FileName, FactKind::FileName),
            (
                &facts.process_names,
                Slot::ProcessName,
                FactKind::ProcessName,
            ),
            (
                &facts.android_properties,
                Slot::AndroidProperty,
                FactKind::AndroidProperty,
            ),
        ];
        for (list, slot, kind) in plain {
            for f in list {
                let key = match slot {
                    Slot::CertSha1
                    | Slot::CertSha256
                    | Slot::FileSha256
                    | Slot::FileSha1
                    | Slot::FileMd5 => norm_hex(&f.value),
                    Slot::Email => lower(f.value.trim()),
                    Slot::FileName => Cow::Borrowed(f.value.as_str()),
                    _ => Cow::Borrowed(f.value.trim()),
                };
                self.lookup(&mut hits, slot, &key, kind, f);
            }
        }
        let hosts = facts
            .domains
            .iter()
            .map(|f| (f, f.value.as_str(), FactKind::Domain))
            .chain(
                facts
                    .ips
                    .iter()
                    .map(|f| (f, f.value.as_str(), FactKind::Ip)),
            )
            .chain(
                facts
                    .urls
                    .iter()
                    .filter_map(|f| url_host(f.value.trim()).map(|h| (f, h, FactKind::Url))),
            );
        for (f, host, kind) in hosts {
            if let Some(ip) = norm_ip(host) {
                self.lookup(&mut hits, Slot::Ip, &ip, kind, f);
                if let Ok(IpAddr::V4(v4)) = ip.parse::<IpAddr>() {
                    let x = u32::from(v4);
                    let builtin = builtin::cidrs().iter().filter(|_| self.builtin);
                    let cidrs = builtin
                        .map(|&(n, m, i)| (n, m, i, 0))
                        .chain(self.cidrs.iter().copied());
                    for (net, mask, i, a) in cidrs {
                        if x & mask == net {
                            add_hit(&mut hits, i, a, kind, f);
                        }
                    }
                }
                continue;
            }
            let d = norm_domain(host);
            let mut rest: &str = &d;
            loop {
                if !rest.is_empty() && rest.len() <= self.max_host_len {
                    self.lookup(&mut hits, Slot::Host, rest, kind, f);
                }
                match rest.split_once('.') {
                    Some((_, r)) => rest = r,
                    None => break,
                }
            }
        }
        for f in &facts.urls {
            self.lookup(&mut hits, Slot::Url, &norm_url(&f.value), FactKind::Url, f);
        }

        let mut out = Vec::new();
        for (i, atoms) in hits {
            let Some(ind) = self.indicator(i as usize) else {
                continue;
            };
            let ok = ind
                .cond
                .eval(&|a| u32::try_from(a).is_ok_and(|a| atoms.contains_key(&a)));
            if !ok {
                continue;
            }
            let source = self.sources.get(ind.source);
            let mut evidence = Vec::new();
            for (a, facts) in atoms {
                let Some(atom) = ind.atoms.get(a as usize) else {
                    continue;
                };
                evidence.extend(facts.into_iter().map(|(fact, f)| Evidence {
                    observable: atom.kind,
                    path: atom.path.clone(),
                    indicator_value: atom.value.clone(),
                    fact,
                    matched_value: f.value.clone(),
                    origin: f.origin.clone(),
                }));
            }
            out.push(IocMatch {
                indicator_id: ind.id.clone(),
                indicator_name: ind.name.clone(),
                pattern: ind.pattern.clone(),
                families: ind.families.clone(),
                reports: ind.reports.clone(),
                source: source.map(|s| s.name.clone()).unwrap_or_default(),
                bundle_id: source.and_then(|s| s.bundle_id.clone()),
                embedded: source.is_some_and(|s| s.embedded),
                evidence,
                notes: ind.notes.clone(),
            });
        }
        out
    }

    fn lookup<'f>(&self, hits: &mut Hits<'f>, slot: Slot, key: &str, fact: FactKind, f: &'f Fact) {
        if self.builtin {
            // The embedded simple indicators: one comparison each, atom 0.
            for i in builtin::postings(slot, key) {
                add_hit(hits, i, 0, fact, f);
            }
        }
        let Some(list) = self.index.get(&slot).and_then(|m| m.get(key)) else {
            return;
        };
        for &(i, a) in list.as_slice() {
            add_hit(hits, i, a, fact, f);
        }
    }
}

/// Records that fact `f` hit atom `a` of indicator `i` (at most [`MAX_EVIDENCE_PER_ATOM`]
/// distinct values per atom).
fn add_hit<'f>(hits: &mut Hits<'f>, i: u32, a: u32, fact: FactKind, f: &'f Fact) {
    let ev = hits.entry(i).or_default().entry(a).or_default();
    if ev.len() >= MAX_EVIDENCE_PER_ATOM || ev.iter().any(|(k, g)| g.value == f.value && *k == fact)
    {
        return;
    }
    ev.push((fact, f));
}
