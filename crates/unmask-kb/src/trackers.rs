//! Tracker SDK signatures (`trackers/exodus-trackers.tsv`), applied the way exodus-core does.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::error::KbError;
use crate::lazy::{FxHashSet, Lazy};
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
    /// Whether exodus-core would use the code signature (longer than 3 characters).
    pub code_signature_used: bool,
    #[serde(skip)]
    code_regex: OnceLock<Option<Regex>>,
    #[serde(skip)]
    network_regex: OnceLock<Option<Regex>>,
}

impl Tracker {
    /// The compiled code signature, if it is one exodus-core uses (longer than 3 characters).
    /// Compiled on first use; `None` also if it cannot be compiled (see
    /// [`TrackerTable::compile_all`]).
    pub fn code_regex(&self) -> Option<&Regex> {
        self.code_regex
            .get_or_init(|| {
                self.code_signature
                    .as_deref()
                    .filter(|_| self.code_signature_used)
                    .and_then(|s| Regex::new(s).ok())
            })
            .as_ref()
    }

    /// The compiled network signature, if any (compiled on first use).
    pub fn network_regex(&self) -> Option<&Regex> {
        self.network_regex
            .get_or_init(|| {
                self.network_signature
                    .as_deref()
                    .and_then(|s| Regex::new(s).ok())
            })
            .as_ref()
    }

    /// Whether the code signature matches one class name (unanchored search, like Python's
    /// `re.search`). Pass names as produced by [`exodus_class_name`].
    pub fn matches_class(&self, class: &str) -> bool {
        self.code_regex().is_some_and(|r| r.is_match(class))
    }

    /// Whether the network signature matches a host name (unanchored search).
    pub fn matches_host(&self, host: &str) -> bool {
        self.network_regex().is_some_and(|r| r.is_match(host))
    }
}

/// The signatures of some trackers, matched with a literal prefilter.
///
/// Exodus signatures are alternations of literal text where `.` is the regex wildcard (and
/// `\\.` an escaped dot). For each alternative, the longest run of literal text between dots
/// must occur in any text it matches; an Aho-Corasick automaton over those runs picks the
/// candidate signatures of a text, and only their regexes run (each compiled on first use).
/// A signature with any other regex syntax, or an alternative without literal text, is a
/// candidate for every text. The result is exactly what running every regex would give,
/// at a fraction of the cost of compiling and running a `RegexSet` of hundreds of patterns.
/// Everything is built on first use.
#[derive(Debug, Clone, Default)]
struct SignatureSet {
    /// Which signature of the trackers: the network one (else the code one).
    network: bool,
    /// The tracker of each signature.
    owner: Vec<usize>,
    prefilter: OnceLock<Prefilter>,
}

/// One alternative of a plain signature: `Some(byte)` must be that byte, `None` is any
/// character but a line break (the regex `.`).
type PlainAlt = Vec<Option<u8>>;

/// A plain signature as one token list per alternative, or `None` for any other syntax.
///
/// Plain means: alternatives separated by `|`, each made of ASCII letters, digits and
/// `_ / : -`, the wildcard `.` and the escaped `\\.` and `\\-`, optionally starting or ending
/// with `.*` (dropped: an unanchored search gives the same answer without it). Every such
/// text is a valid regex with this meaning, in Python's `re` as in the `regex` crate.
fn plain_tokens(pattern: &str) -> Option<Vec<PlainAlt>> {
    pattern.split('|').map(plain_alt).collect()
}

/// One alternative of a plain signature as tokens (see [`plain_tokens`]).
fn plain_alt(alt: &str) -> Option<PlainAlt> {
    let alt = alt.strip_prefix(".*").unwrap_or(alt);
    // `\\.*` (any number of dots) is not a trailing `.*`; it fails below on `\\`.
    let alt = alt.strip_suffix(".*").unwrap_or(alt);
    let mut toks = Vec::with_capacity(alt.len());
    let mut bytes = alt.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'.' => toks.push(None),
            b'\\' => match bytes.next() {
                Some(e @ (b'.' | b'-')) => toks.push(Some(e)),
                _ => return None,
            },
            b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b':' | b'-') => {
                toks.push(Some(b))
            }
            _ => return None,
        }
    }
    Some(toks)
}

/// The longest run of literal bytes of a plain alternative (text that any match contains),
/// if not empty.
fn alt_literal(alt: &[Option<u8>]) -> Option<Vec<u8>> {
    let best = alt
        .split(Option::is_none)
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())?;
    Some(best.iter().flatten().copied().collect())
}

/// The required literal of each alternative of a plain signature, or `None` when the
/// signature is not plain or an alternative has none.
#[cfg(test)]
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    plain_tokens(pattern)?
        .iter()
        .map(|alt| alt_literal(alt))
        .collect()
}

/// Unanchored search of a plain alternative in ASCII text (one byte per character).
fn plain_search(toks: &[Option<u8>], text: &[u8]) -> bool {
    if toks.is_empty() {
        return true;
    }
    if toks.len() > text.len() {
        return false;
    }
    text.windows(toks.len()).any(|w| {
        w.iter()
            .zip(toks)
            .all(|(c, t)| t.map_or(*c != b'\n', |t| t == *c))
    })
}

/// The literal prefilter of a [`SignatureSet`].
#[derive(Debug, Clone, Default)]
struct Prefilter {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Signature index of each literal of the automaton.
    literal_owner: Vec<usize>,
    /// Signatures that are candidates for every text.
    always: Vec<usize>,
    /// Each signature's alternatives, matched one by one on ASCII text; `None` when the
    /// signature cannot be split at its `|` (groups, classes), so its whole regex runs.
    alts: Vec<Option<Vec<Alt>>>,
}

/// One alternative of a signature.
#[derive(Debug, Clone)]
enum Alt {
    /// Plain: matched without the regex engine.
    Plain(PlainAlt),
    /// Other syntax: its own regex, compiled on first use (`None` if it does not compile).
    Regex(String, OnceLock<Option<Regex>>),
}

impl Alt {
    /// Whether the alternative matches ASCII `text` (unanchored).
    fn is_match(&self, text: &str) -> bool {
        match self {
            Alt::Plain(toks) => plain_search(toks, text.as_bytes()),
            Alt::Regex(p, re) => re
                .get_or_init(|| Regex::new(p).ok())
                .as_ref()
                .is_some_and(|r| r.is_match(text)),
        }
    }
}

/// Whether a signature's top-level `|` can be found by splitting its text: no group, no
/// escaped bar, no bar in a class, no nested class nor `]` first in a class (conservative).
/// Then the signature matches a text exactly when one of the pieces, each taken as a regex,
/// does.
fn splits_at_bars(pattern: &str) -> bool {
    let mut in_class = false;
    let mut bytes = pattern.bytes().peekable();
    while let Some(b) = bytes.next() {
        match b {
            // An escape: the escaped byte is skipped (consumed by the guard) unless a bar.
            b'\\' if bytes.next() == Some(b'|') => return false,
            b'\\' => {}
            b'(' | b')' => return false,
            b'[' if in_class => return false,
            b'[' => {
                in_class = true;
                if bytes.peek() == Some(&b'^') {
                    bytes.next();
                }
                if bytes.peek() == Some(&b']') {
                    return false;
                }
            }
            b']' => in_class = false,
            b'|' if in_class => return false,
            _ => {}
        }
    }
    !in_class
}

impl SignatureSet {
    fn new(network: bool) -> Self {
        SignatureSet {
            network,
            ..SignatureSet::default()
        }
    }

    fn push(&mut self, owner: usize) {
        self.owner.push(owner);
    }

    /// The tracker of signature `i`.
    fn tracker<'t>(&self, trackers: &'t [Tracker], i: usize) -> Option<&'t Tracker> {
        self.owner.get(i).and_then(|t| trackers.get(*t))
    }

    /// Signature `i` as written.
    fn pattern<'t>(&self, trackers: &'t [Tracker], i: usize) -> Option<&'t str> {
        let t = self.tracker(trackers, i)?;
        if self.network {
            t.network_signature.as_deref()
        } else {
            t.code_signature.as_deref()
        }
    }

    /// The compiled regex of signature `i` (compiled on first use, kept by its tracker).
    fn regex<'t>(&self, trackers: &'t [Tracker], i: usize) -> Option<&'t Regex> {
        let t = self.tracker(trackers, i)?;
        if self.network {
            t.network_regex()
        } else {
            t.code_regex()
        }
    }

    fn prefilter(&self, trackers: &[Tracker]) -> &Prefilter {
        self.prefilter.get_or_init(|| {
            let mut literals = Vec::new();
            let mut literal_owner = Vec::new();
            let mut always = Vec::new();
            let mut alts = Vec::with_capacity(self.owner.len());
            for i in 0..self.owner.len() {
                let p = self.pattern(trackers, i).unwrap_or_default();
                if !splits_at_bars(p) {
                    always.push(i);
                    alts.push(None);
                    continue;
                }
                let mut pieces = Vec::new();
                let mut everywhere = false;
                for alt in p.split('|') {
                    match plain_alt(alt) {
                        Some(toks) => {
                            match alt_literal(&toks) {
                                Some(l) => {
                                    literals.push(l);
                                    literal_owner.push(i);
                                }
                                None => everywhere = true,
                            }
                            pieces.push(Alt::Plain(toks));
                        }
                        None => {
                            everywhere = true;
                            pieces.push(Alt::Regex(alt.to_string(), OnceLock::new()));
                        }
                    }
                }
                if everywhere {
                    always.push(i);
                }
                alts.push(Some(pieces));
            }
            let automaton = aho_corasick::AhoCorasick::new(&literals).ok();
            if automaton.is_none() {
                // Cannot happen for literal strings; stay exact by trying every pattern.
                always = (0..self.owner.len()).collect();
            }
            Prefilter {
                automaton,
                literal_owner,
                always,
                alts,
            }
        })
    }

    fn matches<'t>(&self, trackers: &'t [Tracker], text: &str) -> Vec<&'t Tracker> {
        let pre = self.prefilter(trackers);
        let mut candidates: Vec<usize> = pre.always.clone();
        if let Some(ac) = &pre.automaton {
            for m in ac.find_overlapping_iter(text) {
                if let Some(i) = pre.literal_owner.get(m.pattern().as_usize()) {
                    candidates.push(*i);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let ascii = text.is_ascii();
        candidates
            .into_iter()
            .filter(|i| match pre.alts.get(*i) {
                Some(Some(alts)) if ascii => alts.iter().any(|a| a.is_match(text)),
                _ => self.regex(trackers, *i).is_some_and(|r| r.is_match(text)),
            })
            .filter_map(|i| self.tracker(trackers, i))
            .collect()
    }
}

/// The tracker table. Signatures are compiled on first use (once), so loading stays cheap;
/// [`TrackerTable::compile_all`] compiles everything up front and reports any failure.
#[derive(Debug, Clone, Default)]
pub struct TrackerTable {
    data: Lazy<TrackerData>,
}

#[derive(Debug, Clone, Default)]
struct TrackerData {
    file: String,
    trackers: Vec<Tracker>,
    code: SignatureSet,
    network: SignatureSet,
}

/// Checks a signature with the parser of the `regex` crate (no compilation).
fn check_syntax(pattern: &str) -> Result<(), String> {
    regex_syntax::Parser::new()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| e.to_string())
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

    /// Parses the table now, checking the syntax of every signature.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        Ok(TrackerTable {
            data: Lazy::ready(TrackerData::parse(file, text, true)?),
        })
    }

    /// The table of an embedded text, parsed on first use.
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        TrackerTable {
            data: Lazy::deferred(file, text, |f, t| {
                TrackerData::parse(f, t, false).unwrap_or_default()
            }),
        }
    }

    fn data(&self) -> &TrackerData {
        self.data.get()
    }

    /// Compiles every signature and both signature sets now; an error names the file, the
    /// tracker's line and the regex problem.
    pub fn compile_all(&self) -> Result<(), KbError> {
        let d = self.data();
        for t in &d.trackers {
            for (column, sig, used) in [
                ("code_signature", &t.code_signature, t.code_signature_used),
                ("network_signature", &t.network_signature, true),
            ] {
                if let (Some(s), true) = (sig, used) {
                    Regex::new(s).map_err(|e| {
                        KbError::invalid(
                            &d.file,
                            t.line,
                            format!("column {column}: tracker {} ({}): {e}", t.id, t.name),
                        )
                    })?;
                }
            }
            let _ = (t.code_regex(), t.network_regex());
        }
        let _ = (
            d.code.prefilter(&d.trackers),
            d.network.prefilter(&d.trackers),
        );
        Ok(())
    }

    /// All trackers, in file order.
    pub fn trackers(&self) -> &[Tracker] {
        &self.data().trackers
    }

    /// Number of trackers.
    pub fn len(&self) -> usize {
        self.trackers().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.trackers().is_empty()
    }

    /// A tracker by its Exodus id.
    pub fn by_id(&self, id: u32) -> Option<&Tracker> {
        self.trackers().iter().find(|t| t.id == id)
    }

    /// Trackers whose code signature matches one class name, in one pass over all
    /// signatures. Feed it the names given by [`exodus_class_name`] to reproduce exodus-core.
    pub fn match_class(&self, class: &str) -> Vec<&Tracker> {
        let d = self.data();
        d.code.matches(&d.trackers, class)
    }

    /// Trackers whose network signature matches a host name (unanchored search).
    pub fn match_host(&self, host: &str) -> Vec<&Tracker> {
        let d = self.data();
        d.network.matches(&d.trackers, host)
    }

    /// Every class name exodus-core 1.3.15 takes from a DEX type descriptor, in order; match
    /// each with [`TrackerTable::match_class`] to reproduce exodus-core.
    ///
    /// exodus-core (`StaticAnalysis._get_embedded_classes`) runs `dexdump` on each
    /// `classes*.dex`, decodes its output as UTF-8 with `errors='ignore'`, and keeps every match
    /// of Python's `re.findall(r'[A-Z]+((?:\w+\/)+\w+)', text)`. For one descriptor that is:
    /// - `\w` is Python 3's Unicode word class (letters, numbers and `_`:
    ///   `[\p{L}\p{N}_]`), so `Lcom/café/X;` gives `com/café/X`; `[A-Z]` is ASCII;
    /// - every match, not only the first: `Lcom/a$Bcd/e/F;` gives `com/a` and `cd/e/F`;
    /// - dexdump prints the MUTF-8 bytes of the name, and the UTF-8 decoder drops what MUTF-8
    ///   encodes differently from UTF-8: U+0000 (`C0 80`) and characters above U+FFFF
    ///   (surrogate pairs); they are removed before matching, so the text around them joins.
    ///
    /// Classes in the default package give nothing; inner classes collapse to the outer class
    /// (`$` is not a word character). Names are in slash form.
    pub fn exodus_class_names(descriptor: &str) -> Vec<Cow<'_, str>> {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        // On ASCII text the Unicode classes are exactly `[A-Za-z0-9_]`: the ASCII regex
        // gives the same matches and compiles in a fraction of the time.
        static ASCII: OnceLock<Option<Regex>> = OnceLock::new();
        let (cell, pattern) = if descriptor.is_ascii() {
            (&ASCII, r"(?-u)[A-Z]+((?:[A-Za-z0-9_]+/)+[A-Za-z0-9_]+)")
        } else {
            (&RE, r"[A-Z]+((?:[\p{L}\p{N}_]+/)+[\p{L}\p{N}_]+)")
        };
        let Some(re) = cell.get_or_init(|| Regex::new(pattern).ok()).as_ref() else {
            return Vec::new();
        };
        let dropped = |c: char| c == '\0' || u32::from(c) > 0xFFFF;
        if descriptor.contains(dropped) {
            let text: String = descriptor.chars().filter(|c| !dropped(*c)).collect();
            re.captures_iter(&text)
                .filter_map(|c| c.get(1))
                .map(|m| Cow::Owned(m.as_str().to_string()))
                .collect()
        } else {
            re.captures_iter(descriptor)
                .filter_map(|c| c.get(1))
                .map(|m| Cow::Borrowed(m.as_str()))
                .collect()
        }
    }
}

impl TrackerData {
    /// Parses the table; `check` checks the syntax of the signatures that are not plain.
    fn parse(file: &str, text: &str, check: bool) -> Result<Self, KbError> {
        let mut table = TrackerData {
            file: file.to_string(),
            code: SignatureSet::new(false),
            network: SignatureSet::new(true),
            trackers: Vec::new(),
        };
        let mut ids = FxHashSet::default();
        let mut names = FxHashSet::default();
        for row in tsv::parse(file, text, TrackerTable::HEADER)? {
            let row = row?;
            let id_text = row.req("id")?;
            let id: u32 = id_text
                .parse()
                .map_err(|_| row.error(format!("column id: {id_text:?} is not a number")))?;
            if !ids.insert(id) {
                return Err(row.error(format!("duplicate tracker id {id}")));
            }
            let name = row.req("name")?;
            if !names.insert(name) {
                return Err(row.error(format!("duplicate tracker name {name:?}")));
            }
            let code_signature = row.opt("code_signature")?;
            let network_signature = row.opt("network_signature")?;
            for (column, sig) in [
                ("code_signature", code_signature),
                ("network_signature", network_signature),
            ] {
                // Plain signatures (literal text, dots, escaped dots, alternatives) are valid
                // regexes by construction; only the others need the parser.
                if let Some(s) = sig.filter(|s| check && plain_tokens(s).is_none()) {
                    check_syntax(s).map_err(|e| {
                        row.error(format!(
                            "column {column}: tracker {id} ({name}): invalid regex {s:?}: {e}"
                        ))
                    })?;
                }
            }
            // exodus-core skips signatures of 3 characters or fewer.
            let code_signature_used =
                code_signature.is_some_and(|s| s.chars().count() >= EXODUS_MIN_SIGNATURE_LEN);
            let idx = table.trackers.len();
            if code_signature_used {
                table.code.push(idx);
            }
            if network_signature.is_some() {
                table.network.push(idx);
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
                code_signature_used,
                code_regex: OnceLock::new(),
                network_regex: OnceLock::new(),
            });
        }
        Ok(table)
    }
}

/// The class name exodus-core would see for a DEX type descriptor, or `None` when it would
/// see none, for ASCII descriptors with one match.
///
/// An approximation kept for its callers: [`TrackerTable::exodus_class_names`] is exact
/// (exodus-core 1.3.15 uses Python's `re`, whose `\w` is Unicode, and keeps every match; the
/// differential test `crates/unmask-analysis/tests/exodus.rs` checks it against exodus).
///
/// It is group 1 of the first match of `[A-Z]+((?:\w+\/)+\w+)` with an ASCII `\w`. For a
/// descriptor such as `Lcom/foo/Bar$Baz;` that is `com/foo/Bar`: slash-separated, cut at the
/// first character outside `[A-Za-z0-9_]` (so inner classes collapse to their outer class),
/// and absent for classes in the default package. A package that starts with capitals loses
/// all but the last of them (`LAB/c/D;` gives `B/c/D`), like exodus. Where exodus differs:
/// `Lcom/café/X;` gives `com/caf` here, `com/café/X` in exodus; `Lcom/a$Bcd/e/F;` gives
/// `com/a` here, `com/a` and `cd/e/F` in exodus.
pub fn exodus_class_name(descriptor: &str) -> Option<&str> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"(?-u)[A-Z]+((?:\w+/)+\w+)").ok())
        .as_ref()?;
    re.captures(descriptor)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// The plain matcher and the required literals agree with the `regex` crate on every
    /// pattern it accepts, and it refuses the syntax it does not handle.
    #[test]
    fn plain_signatures_match_like_regex() {
        let patterns = [
            "com.foo.",
            r".*\.estimote\.com",
            r"a\.b\-c|x-y:8080/z",
            "adservice\\.google\\..*",
            r"\..*",
            "ab..cd|.*e_f.*",
        ];
        let texts = [
            "",
            "com.foo.Bar",
            "comXfooY",
            "com.foo",
            "api.estimote.com",
            "estimote.com",
            "a.b-c",
            "aXb-c",
            "a.b\\-c",
            "x-y:8080/z",
            "adservice.google.",
            "adservice.google.fr",
            ".",
            "ab\ncd",
            "abxycd",
            "e_f",
            "E_F",
        ];
        for p in patterns {
            let alts = plain_tokens(p).unwrap_or_else(|| panic!("{p} is plain"));
            let lits = required_literals(p).unwrap();
            let re = Regex::new(p).unwrap();
            for t in texts {
                let plain = alts.iter().any(|a| plain_search(a, t.as_bytes()));
                assert_eq!(plain, re.is_match(t), "{p} on {t:?}");
                if plain {
                    assert!(
                        lits.iter()
                            .any(|l| t.as_bytes().windows(l.len()).any(|w| w == l)),
                        "{p} on {t:?}: no required literal {lits:?}"
                    );
                }
            }
        }
        for p in [
            r"x\.*",
            "a.*b",
            "mst[0-9]*",
            r"data.\altbeacon",
            "a+",
            "(a)",
            "a|",
            "^a",
        ] {
            assert!(required_literals(p).is_none(), "{p}");
        }
        for p in [
            r"x\.*",
            "a.*b",
            "mst[0-9]*",
            r"data.\altbeacon",
            "a+",
            "(a)",
            "^a",
        ] {
            assert!(plain_tokens(p).is_none(), "{p}");
        }
        for (p, split) in [
            (r"a\.b|mst[0-9]*\.c|d", true),
            ("a|b[x|y]", false),
            ("a|(b|c)", false),
            (r"a\|b", false),
            ("[]|]", false),
            ("[^]|]", false),
            ("[a[b]|c]", false),
            ("[ab]|c", true),
            ("[ab|c", false),
        ] {
            assert_eq!(splits_at_bars(p), split, "{p}");
        }
    }

    /// The prefilter (literals, plain pieces, pieces with their own regex, whole regexes)
    /// gives what each tracker's regex gives, on signatures of every kind.
    #[test]
    fn signature_set_equals_each_regex() {
        let sigs = [
            r"a\.b\-c|mst[0-9]*\.is\.x\.com|.*\.est\.com",
            r"data.\aalt\.org",
            "foo(bar|baz)",
            r"^ads\.|\.ads$",
            "[a|b]x|yy",
            "q..r|s",
            "..",
            "..x.",
        ];
        let mut text = String::from(
            "id\tname\twebsite\tcategories\tcode_signature\tnetwork_signature\tcreation_date\n",
        );
        for (i, sig) in sigs.iter().enumerate() {
            text.push_str(&format!("{i}\tT{i}\t-\t-\t{sig}\t{sig}\t-\n"));
        }
        let table = TrackerData::parse("t.tsv", &text, true).unwrap();
        let probes = [
            "",
            "a.b-c",
            "xa.b-cx",
            "a.b\\-c",
            "mst.is.x.com",
            "mst42.is.x.com",
            "mstx.is.x.com",
            "w.est.com",
            "est.com",
            "data.\u{7}alt.org",
            "data.aalt.org",
            "foobar",
            "foobaz",
            "fooba",
            "ads.x",
            "x.ads",
            "x.ads.y",
            "|x",
            "ax",
            "bx",
            "yy",
            "qxxr",
            "q\nxr",
            "s",
            "é",
            "a.b-cé",
            "ééé",
        ];
        for set in [&table.code, &table.network] {
            for t in probes {
                let fast: Vec<u32> = set
                    .matches(&table.trackers, t)
                    .iter()
                    .map(|x| x.id)
                    .collect();
                let slow: Vec<u32> = table
                    .trackers
                    .iter()
                    // exodus-core skips code signatures of 3 characters or fewer (`..`).
                    .filter(|x| set.network || x.code_signature_used)
                    .filter(|x| {
                        Regex::new(if set.network {
                            x.network_signature.as_deref().unwrap()
                        } else {
                            x.code_signature.as_deref().unwrap()
                        })
                        .unwrap()
                        .is_match(t)
                    })
                    .map(|x| x.id)
                    .collect();
                assert_eq!(fast, slow, "{t:?}");
            }
        }
    }
}
