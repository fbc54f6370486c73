//! Tracker SDK signatures (`trackers/exodus-trackers.tsv`), applied the way exodus-core does.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::error::KbError;
use crate::lazy::{FxBuild, FxHashSet, Lazy};
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

/// The signatures of some trackers, matched through an index of the text they require.
///
/// Exodus signatures are alternations of literal text where `.` is the regex wildcard (and
/// `\\.` an escaped dot). A signature whose top-level `|` can be found by splitting its text
/// (see [`splits_at_bars`]) is matched piece by piece: a plain piece (literal characters and
/// wildcards, see [`plain_tokens`]) without the regex engine, any other piece with its own
/// small regex (compiled on first use). Each piece with a run of two or more literal bytes
/// (text that every match of the piece contains: for a plain piece its rarest run between
/// wildcards, see [`Index::build`]; for another piece see [`regex_literal`]) is filed under
/// the first 4 bytes of that run (2 for runs of 2 or 3 bytes), in a table of buckets with a
/// 64 Kibit filter in front. Each position of a text looks up the grams that start there
/// (one filter bit, most of the time nothing more); a plain piece is then compared only
/// where its run would start (a few byte comparisons), a regex piece run only when its
/// literal is there. Pieces without such a run, and signatures that cannot be split, are
/// tried on every text (none in the embedded list). On non-ASCII text the candidates' whole
/// regexes decide. The result is exactly what running every regex would give (the tests
/// check it on thousands of probes).
///
/// The index is built on first use, with no automaton: about 250 µs for the code
/// signatures, 200 µs for the network ones (400 µs in a fresh process), where the
/// Aho-Corasick prefilter it replaces took 620 and 800 µs (1 to 1.7 ms in a fresh process).
/// Over the 6,222 class names of a large app (appium uiautomator2 server) the 429 code
/// signatures take 2.0 ms, the 261 network signatures 1.9 ms (2.8 and 5.7 ms with the
/// automaton; best of 20 rounds in one process). The first host names of an app do not
/// even build it ([`SignatureSet::direct_matches`], [`SignatureSet::DIRECT_LOOKUPS`]).
#[derive(Debug, Clone, Default)]
struct SignatureSet {
    /// Which signature of the trackers: the network one (else the code one).
    network: bool,
    /// The tracker of each signature.
    owner: Vec<usize>,
    index: OnceLock<Index>,
    /// Look-ups so far (see [`SignatureSet::DIRECT_LOOKUPS`]).
    lookups: Counter,
}

/// A count shared by the threads that look up a set.
#[derive(Debug, Default)]
struct Counter(std::sync::atomic::AtomicUsize);

impl Counter {
    /// Adds one, giving the count before.
    fn bump(&self) -> usize {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

impl Clone for Counter {
    fn clone(&self) -> Self {
        Counter(std::sync::atomic::AtomicUsize::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

/// The set of bytes of a text, as 256 bits.
#[derive(Debug, Clone, Copy, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn of(text: &[u8]) -> Self {
        let mut set = ByteSet::default();
        for b in text {
            if let Some(w) = set.0.get_mut(usize::from(*b) / 64) {
                *w |= 1 << (b % 64);
            }
        }
        set
    }

    fn has(&self, b: u8) -> bool {
        self.0
            .get(usize::from(b) / 64)
            .is_some_and(|w| w & (1 << (b % 64)) != 0)
    }
}

/// Unanchored search of a plain piece given as text (see [`plain_alt`]) in ASCII `text`
/// (whose bytes are `present`), reading the piece in place (nothing is built); `None` when
/// the piece is not plain. A piece with a literal byte the text lacks is not searched.
fn plain_piece_search(piece: &str, text: &[u8], present: &ByteSet) -> Option<bool> {
    let piece = piece.strip_prefix(".*").unwrap_or(piece);
    let piece = piece.strip_suffix(".*").unwrap_or(piece).as_bytes();
    let mut tokens = 0usize;
    let mut missing = false;
    let mut bytes = piece.iter();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => match bytes.next() {
                Some(e @ (b'.' | b'-')) => missing |= !present.has(*e),
                _ => return None,
            },
            b'.' => {}
            b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b':' | b'-') => {
                missing |= !present.has(*b);
            }
            _ => return None,
        }
        tokens = tokens.saturating_add(1);
    }
    if missing {
        return Some(false);
    }
    // From `start`, each token against one byte of the text.
    let at = |start: &[u8]| {
        let mut text = start.iter();
        let mut bytes = piece.iter();
        while let Some(b) = bytes.next() {
            let Some(c) = text.next() else {
                return false;
            };
            let ok = match b {
                b'.' => *c != b'\n',
                b'\\' => bytes.next() == Some(c),
                b => b == c,
            };
            if !ok {
                return false;
            }
        }
        true
    };
    Some(
        tokens == 0
            || (tokens <= text.len()
                && (0..=text.len().saturating_sub(tokens)).any(|i| text.get(i..).is_some_and(at))),
    )
}

/// One alternative of a plain signature: each byte must be that byte, but [`WILD`] is any
/// character but a line break (the regex `.`).
type PlainAlt = Vec<u8>;

/// The wildcard `.` in a [`PlainAlt`] (literal bytes are never 0).
const WILD: u8 = 0;

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
            b'.' => toks.push(WILD),
            b'\\' => match bytes.next() {
                Some(e @ (b'.' | b'-')) => toks.push(e),
                _ => return None,
            },
            b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b':' | b'-') => {
                toks.push(b)
            }
            _ => return None,
        }
    }
    Some(toks)
}

/// The longest run of literal bytes of a plain alternative (text that any match contains),
/// if not empty (the first of equally long runs).
#[cfg(test)]
fn alt_literal(alt: &[u8]) -> Option<Vec<u8>> {
    alt.split(|t| *t == WILD)
        .rev()
        .max_by_key(|run| run.len())
        .filter(|run| !run.is_empty())
        .map(<[u8]>::to_vec)
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
fn plain_search(toks: &[u8], text: &[u8]) -> bool {
    if toks.is_empty() {
        return true;
    }
    if toks.len() > text.len() {
        return false;
    }
    text.windows(toks.len()).any(|w| plain_at(toks, w))
}

/// Whether a plain alternative matches ASCII `text` from its start (`text` may be longer).
fn plain_at(toks: &[u8], text: &[u8]) -> bool {
    toks.len() <= text.len()
        && text
            .iter()
            .zip(toks)
            .all(|(c, t)| if *t == WILD { *c != b'\n' } else { t == c })
}

/// The longest run of ASCII literal text that every match of a regex piece (no `|`, no
/// group) contains, if any. Conservative: literal characters are ASCII letters, digits,
/// `_ / : -` and the escaped `\\.` and `\\-`; a quantifier takes back the character before
/// it; a class, `.`, an anchor, a one-letter escape (`\\d`, `\\a`, ...) or any other
/// character ends a run; a counted repetition, a longer escape (`\\x41`, `\\p{L}`), a group
/// or a bar ends the scan.
fn regex_literal(piece: &str) -> Option<Vec<u8>> {
    let mut best: Vec<u8> = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    let end_run = |run: &mut Vec<u8>, best: &mut Vec<u8>| {
        if run.len() > best.len() {
            *best = std::mem::take(run);
        } else {
            run.clear();
        }
    };
    let mut chars = piece.chars().peekable();
    'scan: while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('.') => run.push(b'.'),
                Some('-') => run.push(b'-'),
                Some(
                    'a' | 'f' | 't' | 'n' | 'r' | 'v' | 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'b'
                    | 'B' | 'A' | 'z',
                ) => end_run(&mut run, &mut best),
                _ => break 'scan,
            },
            '*' | '+' | '?' => {
                run.pop();
                end_run(&mut run, &mut best);
            }
            '{' => {
                run.pop();
                break 'scan;
            }
            '[' => {
                end_run(&mut run, &mut best);
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    break 'scan;
                }
                loop {
                    match chars.next() {
                        Some('\\') => {
                            chars.next();
                        }
                        Some(']') => break,
                        None | Some('[') => break 'scan,
                        Some(_) => {}
                    }
                }
            }
            '(' | ')' | '|' => break 'scan,
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | ':' | '-') => {
                // ASCII by the guard.
                run.push(u8::try_from(c).unwrap_or_default());
            }
            _ => end_run(&mut run, &mut best),
        }
    }
    end_run(&mut run, &mut best);
    Some(best).filter(|b| !b.is_empty())
}

/// Bits of a bucket number of a [`Grams`] table.
const BUCKET_BITS: u32 = 12;
/// Number of buckets of a [`Grams`] table.
const BUCKETS: usize = 1 << BUCKET_BITS;
/// Bits of the filter of a [`Grams`] table.
const FILTER_BITS: u32 = 16;

/// The hash of a gram: its top [`FILTER_BITS`] bits pick the filter bit, the top
/// [`BUCKET_BITS`] the bucket.
fn gram_hash(key: u32) -> u32 {
    key.wrapping_mul(0x9E37_79B1)
}

/// The gram of `width` bytes at the start of `bytes`, packed (`None` if too short).
fn gram(bytes: &[u8], width: usize) -> Option<u32> {
    let g = bytes.get(..width)?;
    Some(g.iter().rev().fold(0u32, |k, b| (k << 8) | u32::from(*b)))
}

/// Pieces filed under the first `width` bytes of their literal run.
#[derive(Debug, Clone, Default)]
struct Grams {
    /// Gram width: 4, or 2 for shorter literals.
    width: usize,
    /// A bit per hash of the grams that start a literal (most grams of a text miss).
    filter: Vec<u64>,
    /// The entries of bucket `b` are `entries[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    entries: Vec<Entry>,
}

impl Grams {
    /// A table of `width`-byte grams over `filed` (each entry with its gram).
    fn new(width: usize, filed: Vec<Entry>) -> Self {
        let mut filter = vec![0u64; (1 << FILTER_BITS) / 64];
        for e in &filed {
            let bit = (gram_hash(e.gram) >> (32 - FILTER_BITS)) as usize;
            if let Some(w) = filter.get_mut(bit / 64) {
                *w |= 1 << (bit % 64);
            }
        }
        // A counting sort by bucket.
        let bucket = |e: &Entry| (gram_hash(e.gram) >> (32 - BUCKET_BITS)) as usize;
        let mut starts = vec![0usize; BUCKETS.saturating_add(1)];
        for e in &filed {
            if let Some(n) = starts.get_mut(bucket(e).saturating_add(1)) {
                *n = n.saturating_add(1);
            }
        }
        for b in 1..starts.len() {
            let before = starts.get(b.saturating_sub(1)).copied().unwrap_or_default();
            if let Some(n) = starts.get_mut(b) {
                *n = n.saturating_add(before);
            }
        }
        let mut next = starts.clone();
        let mut entries = filed.clone();
        for e in filed {
            if let Some(slot) = next.get_mut(bucket(&e)) {
                if let Some(place) = entries.get_mut(*slot) {
                    *place = e;
                }
                *slot = slot.saturating_add(1);
            }
        }
        Grams {
            width,
            filter,
            starts,
            entries,
        }
    }

    /// The entries whose literal may start at the start of `bytes`, with that gram.
    #[inline]
    fn candidates(&self, bytes: &[u8]) -> (u32, &[Entry]) {
        let Some(key) = gram(bytes, self.width) else {
            return (0, &[]);
        };
        let h = gram_hash(key);
        let bit = (h >> (32 - FILTER_BITS)) as usize;
        if self
            .filter
            .get(bit / 64)
            .is_none_or(|w| w & (1 << (bit % 64)) == 0)
        {
            return (key, &[]);
        }
        let b = (h >> (32 - BUCKET_BITS)) as usize;
        let (Some(&lo), Some(&hi)) = (self.starts.get(b), self.starts.get(b.saturating_add(1)))
        else {
            return (key, &[]);
        };
        (key, self.entries.get(lo..hi).unwrap_or_default())
    }
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

/// The index of a [`SignatureSet`].
#[derive(Debug, Clone, Default)]
struct Index {
    /// Pieces whose literal has 4 bytes or more, by its first 4.
    long: Grams,
    /// Pieces whose literal has 2 or 3 bytes, by its first 2.
    short: Grams,
    /// The literal runs of the entries, one after the other.
    literals: Vec<u8>,
    /// Pieces without a literal run of two bytes, tried on every text: (signature, piece).
    everywhere: Vec<(usize, usize)>,
    /// Signatures that cannot be split at their bars: their whole regex runs on every text.
    whole: Vec<usize>,
    /// Each signature's pieces; `None` when it cannot be split.
    pieces: Vec<Option<Vec<Alt>>>,
}

/// A piece filed under the first bytes of its literal run.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The first bytes of the literal (as many as its table's width), packed.
    gram: u32,
    /// Signature.
    sig: usize,
    /// Piece of the signature.
    piece: usize,
    /// Start of the literal in [`Index::literals`].
    lit: usize,
    /// Length of the literal (2 or more).
    len: usize,
    /// For a plain piece, the token offset of the literal in the piece.
    at: usize,
}

/// Which signatures of a set matched, as bits.
struct Found(Vec<u64>);

impl Found {
    fn new(n: usize) -> Self {
        Found(vec![0; n.div_ceil(64)])
    }

    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// The signatures found, in increasing order.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, w)| {
            let mut w = *w;
            std::iter::from_fn(move || {
                let bit = w.trailing_zeros();
                if bit >= 64 {
                    return None;
                }
                w &= w.wrapping_sub(1);
                Some(k.saturating_mul(64).saturating_add(bit as usize))
            })
        })
    }
}

/// The literal runs of two bytes or more of a plain piece, as (token offset, length).
fn literal_runs(toks: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0usize;
    toks.split(|t| *t == WILD).filter_map(move |run| {
        let at = start;
        start = start.saturating_add(run.len()).saturating_add(1);
        (run.len() >= 2).then_some((at, run.len()))
    })
}

impl Index {
    /// Builds the index of `patterns` (signature `i` is the `i`-th).
    ///
    /// A plain piece is filed under its rarest literal run of two bytes or more (the run
    /// that the fewest pieces of the set contain, the longest of those): runs such as `com`
    /// or `android`, in many signatures and in most class names, would make many pieces
    /// candidates for most texts.
    fn build<'p>(patterns: impl Iterator<Item = &'p str>) -> Self {
        let mut ix = Index::default();
        for p in patterns {
            ix.pieces.push(splits_at_bars(p).then(|| {
                p.split('|')
                    .map(|text| match plain_alt(text) {
                        Some(toks) => Alt::Plain(toks),
                        None => Alt::Regex(text.to_string(), OnceLock::new()),
                    })
                    .collect()
            }));
        }
        let mut count: std::collections::HashMap<&[u8], usize, FxBuild> =
            std::collections::HashMap::with_capacity_and_hasher(
                ix.pieces.len().saturating_mul(4),
                FxBuild::default(),
            );
        for alt in ix.pieces.iter().flatten().flatten() {
            if let Alt::Plain(toks) = alt {
                for (at, len) in literal_runs(toks) {
                    if let Some(run) = toks.get(at..at.saturating_add(len)) {
                        *count.entry(run).or_default() += 1;
                    }
                }
            }
        }
        let (mut long, mut short) = (Vec::new(), Vec::new());
        let mut literals = Vec::new();
        for (sig, pieces) in ix.pieces.iter().enumerate() {
            let Some(pieces) = pieces else {
                ix.whole.push(sig);
                continue;
            };
            for (piece, alt) in pieces.iter().enumerate() {
                let owned;
                let literal: Option<(&[u8], usize)> = match alt {
                    Alt::Plain(toks) => literal_runs(toks)
                        .filter_map(|(at, len)| {
                            let run = toks.get(at..at.saturating_add(len))?;
                            let n = count.get(run).copied().unwrap_or_default();
                            Some((n, std::cmp::Reverse(len), at, run))
                        })
                        .min()
                        .map(|(_, _, at, run)| (run, at)),
                    Alt::Regex(text, _) => {
                        owned = regex_literal(text);
                        owned.as_deref().map(|l| (l, 0))
                    }
                };
                let Some((lit, at)) = literal.filter(|(l, _)| l.len() >= 2) else {
                    ix.everywhere.push((sig, piece));
                    continue;
                };
                let (table, width) = if lit.len() >= 4 {
                    (&mut long, 4)
                } else {
                    (&mut short, 2)
                };
                table.push(Entry {
                    gram: gram(lit, width).unwrap_or_default(),
                    sig,
                    piece,
                    lit: literals.len(),
                    len: lit.len(),
                    at,
                });
                literals.extend_from_slice(lit);
            }
        }
        ix.long = Grams::new(4, long);
        ix.short = Grams::new(2, short);
        ix.literals = literals;
        ix
    }

    /// The literal of an entry.
    fn literal(&self, e: &Entry) -> &[u8] {
        self.literals
            .get(e.lit..e.lit.saturating_add(e.len))
            .unwrap_or_default()
    }

    /// Piece `piece` of signature `sig`.
    fn piece(&self, sig: usize, piece: usize) -> Option<&Alt> {
        self.pieces.get(sig)?.as_ref()?.get(piece)
    }
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

    fn index(&self, trackers: &[Tracker]) -> &Index {
        self.index.get_or_init(|| {
            Index::build((0..self.owner.len()).map(|i| self.pattern(trackers, i).unwrap_or("")))
        })
    }

    /// Whether signature `sig` matches `text`, by its whole regex.
    fn whole_match(&self, trackers: &[Tracker], sig: usize, text: &str) -> bool {
        self.regex(trackers, sig).is_some_and(|r| r.is_match(text))
    }

    /// Look-ups answered by [`SignatureSet::direct_matches`] before the index is built.
    /// Reading the 261 network signatures in place costs about 65 µs per host name in a
    /// fresh process (25 µs warm), building the index about 400 µs (250 µs warm), then a
    /// look-up a few µs: an app with up to 4 host names (most small apps have one or two)
    /// never builds it, one with more pays at most 4 direct look-ups extra. Class names
    /// come by hundreds, so the code signatures build their index at once.
    const DIRECT_LOOKUPS: usize = 4;

    /// Longest text that [`SignatureSet::direct_matches`] takes (host names are shorter).
    const DIRECT_MAX_LEN: usize = 255;

    fn matches<'t>(&self, trackers: &'t [Tracker], text: &str) -> Vec<&'t Tracker> {
        let direct = if self.network {
            Self::DIRECT_LOOKUPS
        } else {
            0
        };
        if self.index.get().is_none() && self.lookups.bump() < direct {
            if let Some(found) = self.direct_matches(trackers, text) {
                return found;
            }
        }
        self.indexed_matches(trackers, text)
    }

    /// The signatures matching `text`, each read in place (nothing built), when that is
    /// cheap: `None` for non-ASCII or long text, and when a signature cannot be split at its
    /// bars or has a regex piece whose literal is in the text (those need their regex).
    fn direct_matches<'t>(&self, trackers: &'t [Tracker], text: &str) -> Option<Vec<&'t Tracker>> {
        // A long text goes to the index: the search here is quadratic.
        if !text.is_ascii() || text.len() > Self::DIRECT_MAX_LEN {
            return None;
        }
        let bytes = text.as_bytes();
        let present = ByteSet::of(bytes);
        let mut found = Vec::new();
        for sig in 0..self.owner.len() {
            let p = self.pattern(trackers, sig).unwrap_or("");
            // Without groups, classes and escaped bars a signature splits at its bars; the
            // full check is for the others.
            let simple =
                !p.as_bytes().iter().any(|b| matches!(b, b'(' | b')' | b'[')) && !p.contains("\\|");
            if !simple && !splits_at_bars(p) {
                return None;
            }
            for piece in p.split('|') {
                let hit = match plain_piece_search(piece, bytes, &present) {
                    Some(hit) => hit,
                    None => match regex_literal(piece).filter(|l| l.len() >= 2) {
                        Some(l) if !bytes.windows(l.len()).any(|w| w == l) => false,
                        _ => return None,
                    },
                };
                if hit {
                    found.extend(self.tracker(trackers, sig));
                    break;
                }
            }
        }
        Some(found)
    }

    /// The signatures matching `text`, through the index (built on first use).
    fn indexed_matches<'t>(&self, trackers: &'t [Tracker], text: &str) -> Vec<&'t Tracker> {
        let ix = self.index(trackers);
        let mut found = Found::new(self.owner.len());
        let bytes = text.as_bytes();
        let ascii = text.is_ascii();
        for &sig in &ix.whole {
            if self.whole_match(trackers, sig, text) {
                found.set(sig);
            }
        }
        for &(sig, piece) in &ix.everywhere {
            if found.has(sig) {
                continue;
            }
            let hit = match ix.piece(sig, piece) {
                Some(alt) if ascii => alt.is_match(text),
                _ => self.whole_match(trackers, sig, text),
            };
            if hit {
                found.set(sig);
            }
        }
        let check_short = !ix.short.entries.is_empty();
        for pos in 0..bytes.len() {
            let rest = bytes.get(pos..).unwrap_or_default();
            let (long_key, long) = ix.long.candidates(rest);
            let (short_key, short) = if check_short {
                ix.short.candidates(rest)
            } else {
                (0, &[][..])
            };
            let keyed = long
                .iter()
                .map(|e| (e, long_key))
                .chain(short.iter().map(|e| (e, short_key)));
            for (e, key) in keyed {
                if e.gram != key || found.has(e.sig) {
                    continue;
                }
                // The first bytes are equal; a loop is cheaper than `memcmp` for the rest.
                let lit = ix.literal(e);
                let same = rest.len() >= lit.len() && rest.iter().zip(lit).all(|(x, y)| x == y);
                if !same {
                    continue;
                }
                let hit = match ix.piece(e.sig, e.piece) {
                    Some(Alt::Plain(toks)) if ascii => pos
                        .checked_sub(e.at)
                        .and_then(|start| bytes.get(start..))
                        .is_some_and(|from| plain_at(toks, from)),
                    Some(alt @ Alt::Regex(..)) if ascii => alt.is_match(text),
                    _ => self.whole_match(trackers, e.sig, text),
                };
                if hit {
                    found.set(e.sig);
                }
            }
        }
        found
            .iter()
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
        let _ = (d.code.index(&d.trackers), d.network.index(&d.trackers));
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
        let dropped = |c: char| c == '\0' || u32::from(c) > 0xFFFF;
        if descriptor.contains(dropped) {
            let text: String = descriptor.chars().filter(|c| !dropped(*c)).collect();
            class_name_spans(&text)
                .into_iter()
                .filter_map(|(a, b)| text.get(a..b))
                .map(|n| Cow::Owned(n.to_string()))
                .collect()
        } else {
            class_name_spans(descriptor)
                .into_iter()
                .filter_map(|(a, b)| descriptor.get(a..b))
                .map(Cow::Borrowed)
                .collect()
        }
    }
}

/// The byte ranges of group 1 of every match of `[A-Z]+((?:\w+/)+\w+)` (Unicode `\w`) in
/// `text`, left to right, as Python's `re.findall` gives them.
fn class_name_spans(text: &str) -> Vec<(usize, usize)> {
    if text.is_ascii() {
        return ascii_class_name_spans(text.as_bytes());
    }
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| Regex::new(r"[A-Z]+((?:[\p{L}\p{N}_]+/)+[\p{L}\p{N}_]+)").ok())
        .as_ref()
    else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// [`class_name_spans`] on ASCII text, without the regex engine (on ASCII text `\w` is
/// `[A-Za-z0-9_]`).
///
/// A match starts at an upper-case letter `p`. Let the word run from `p` end at `e` and its
/// upper-case prefix end at `u`; the path is that run, then as long as a `/` is followed by a
/// word character, the `/` and the word run after it. The regex matches at `p` exactly when
/// the path has two runs or more and `e - p >= 2`; the group then starts at `min(u, e - 1)`
/// (the greedy `[A-Z]+` gives back only what the first `\w+` needs) and ends with the path.
/// Otherwise no position of the same word run matches (same path), and the scan goes on
/// after it.
fn ascii_class_name_spans(s: &[u8]) -> Vec<(usize, usize)> {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let run = |from: usize, f: &dyn Fn(&u8) -> bool| {
        from.saturating_add(
            s.get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| f(b))
                .count(),
        )
    };
    let mut out = Vec::new();
    let mut p = 0;
    while let Some(c) = s.get(p) {
        if !c.is_ascii_uppercase() {
            p = p.saturating_add(1);
            continue;
        }
        let e = run(p, &word);
        let u = run(p, &|b: &u8| b.is_ascii_uppercase());
        let mut end = e;
        let mut runs = 1usize;
        while s.get(end) == Some(&b'/') && s.get(end.saturating_add(1)).is_some_and(word) {
            end = run(end.saturating_add(1), &word);
            runs = runs.saturating_add(1);
        }
        if runs >= 2 && e.saturating_sub(p) >= 2 {
            out.push((u.min(e.saturating_sub(1)), end));
            p = end;
        } else {
            p = e.max(p.saturating_add(1));
        }
    }
    out
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

    /// The literal taken from a regex piece is in every text the piece matches.
    #[test]
    fn regex_literals_are_required() {
        for (piece, want) in [
            (r"mst[0-9]*\.is\.autonavi\.com", Some(".is.autonavi.com")),
            (r"mt[0-9]*\.google\.cn", Some(".google.cn")),
            (r"data.\altbeacon\.org", Some("ltbeacon.org")),
            ("abc+de", Some("ab")),
            ("abcd?e", Some("abc")),
            ("ab*?cd", Some("cd")),
            (r"abc\x41defgh", Some("abc")),
            (r"abc\p{L}defgh", Some("abc")),
            ("ab{2}cdefg", Some("a")),
            ("[a-z]+x-y_z/1:2", Some("x-y_z/1:2")),
            ("[^]x]yyy", None),
            ("[a[b]]yyy", None),
            (r"\d\d", None),
            ("^ads$", Some("ads")),
            ("é", None),
        ] {
            let got = regex_literal(piece);
            assert_eq!(
                got.as_deref(),
                want.map(str::as_bytes),
                "{piece}: {:?}",
                got.as_ref().map(|g| String::from_utf8_lossy(g).to_string())
            );
        }
        let texts = [
            "mst.is.autonavi.com",
            "mst12.is.autonavi.com",
            "mt3.google.cn",
            "data.\u{7}altbeacon.org",
            "abcccde",
            "abde",
            "abcde",
            "abce",
            "acd",
            "abbbcd",
            "abcAdefgh",
            "abcédefgh",
            "abbcdefg",
            "qqx-y_z/1:2",
            "x-y_z/1:2",
            "ads",
            "42",
            "é",
        ];
        let pieces = [
            r"mst[0-9]*\.is\.autonavi\.com",
            r"mt[0-9]*\.google\.cn",
            r"data.\altbeacon\.org",
            "abc+de",
            "abcd?e",
            "ab*?cd",
            r"abc\x41defgh",
            r"abc\p{L}defgh",
            "ab{2}cdefg",
            "[a-z]+x-y_z/1:2",
            "^ads$",
        ];
        let mut hits = 0;
        for piece in pieces {
            let re = Regex::new(piece).unwrap();
            let lit = regex_literal(piece).unwrap();
            for t in texts {
                if re.is_match(t) {
                    hits += 1;
                    assert!(
                        t.as_bytes().windows(lit.len()).any(|w| w == lit),
                        "{piece} matches {t:?} without its literal"
                    );
                }
            }
        }
        assert!(hits >= pieces.len(), "{hits}");
    }

    /// The hand-written class-name extraction gives what the regex gives (exodus-core's
    /// pattern with Unicode `\w`, leftmost-first like Python's `re.findall`), on every string
    /// of up to 7 characters over an alphabet that exercises each of its branches, and on
    /// random longer ones.
    #[test]
    fn ascii_class_names_equal_the_regex() {
        let re = Regex::new(r"[A-Z]+((?:[\p{L}\p{N}_]+/)+[\p{L}\p{N}_]+)").unwrap();
        let by_regex = |t: &str| -> Vec<(usize, usize)> {
            re.captures_iter(t)
                .filter_map(|c| c.get(1))
                .map(|m| (m.start(), m.end()))
                .collect()
        };
        let alphabet = [b'A', b'Z', b'a', b'0', b'_', b'/', b'$', b';'];
        let mut checked = 0;
        let mut matched = 0;
        for len in 0..=7u32 {
            for mut code in 0..8usize.pow(len) {
                let mut t = Vec::new();
                for _ in 0..len {
                    t.push(alphabet[code % 8]);
                    code /= 8;
                }
                let t = String::from_utf8(t).unwrap();
                let want = by_regex(&t);
                assert_eq!(ascii_class_name_spans(t.as_bytes()), want, "{t:?}");
                checked += 1;
                matched += usize::from(!want.is_empty());
            }
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let wide = b"ABLXab0z_/$;[()<>-. ";
        for _ in 0..20_000 {
            let mut t = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for k in 0..(x % 40) {
                t.push(char::from(
                    wide[((x >> (k % 50)) as usize ^ k as usize) % wide.len()],
                ));
            }
            assert_eq!(ascii_class_name_spans(t.as_bytes()), by_regex(&t), "{t:?}");
        }
        assert!(matched > 10_000, "{matched} of {checked}");
        for (d, want) in [
            ("Lcom/foo/Bar$Baz;", vec!["com/foo/Bar"]),
            ("LAB/c/D;", vec!["B/c/D"]),
            ("Lcom/a$Bcd/e/F;", vec!["com/a", "cd/e/F"]),
            ("LFoo;", vec![]),
            ("LA/b/c;", vec!["A/b/c"]),
            ("A/b/c", vec![]),
            ("[Lx/y;", vec!["x/y"]),
            ("[LA;", vec![]),
            ("Lcom/caf\u{e9}/X;", vec!["com/caf\u{e9}/X"]),
            ("Lcom/a\u{0}b/C;", vec!["com/ab/C"]),
        ] {
            let got = TrackerTable::exodus_class_names(d);
            assert_eq!(got, want, "{d:?}");
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
            "ab.cd|xyz|pq",
            r"abc+de|\d\d|x[0-9]*\.yz",
            r"abc\x41defgh|abc\p{L}defgh",
            "com.pgl|com.pure.internal.|com.tapr.internal.",
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
            "xab.cdx",
            "ab\ncd",
            "xyz",
            "pq",
            "p",
            "abcccde",
            "42",
            "x.yz",
            "x12.yz",
            "x12.y",
            "abcAdefgh",
            "abcédefgh",
            "com/pgl/X",
            "com/pure/internal/X",
            "com/pure/internalX",
            "xcom.tapr.internal.",
            "com/tapr/Internal/",
            "pgl",
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
                let indexed: Vec<u32> = set
                    .indexed_matches(&table.trackers, t)
                    .iter()
                    .map(|x| x.id)
                    .collect();
                assert_eq!(indexed, slow, "indexed {t:?}");
                if let Some(direct) = set.direct_matches(&table.trackers, t) {
                    let direct: Vec<u32> = direct.iter().map(|x| x.id).collect();
                    assert_eq!(direct, slow, "direct {t:?}");
                }
            }
        }
        // Without the signatures that cannot be split or have a regex piece without a
        // literal, the direct path answers for most probes (not for non-ASCII ones, nor when
        // a regex piece's literal is there).
        let mut text = String::from(
            "id\tname\twebsite\tcategories\tcode_signature\tnetwork_signature\tcreation_date\n",
        );
        let direct_ok = |s: &str| {
            splits_at_bars(s)
                && s.split('|').all(|p| {
                    plain_alt(p).is_some() || regex_literal(p).is_some_and(|l| l.len() >= 2)
                })
        };
        for (i, sig) in sigs.iter().enumerate().filter(|(_, s)| direct_ok(s)) {
            text.push_str(&format!("{i}\tT{i}\t-\t-\t{sig}\t{sig}\t-\n"));
        }
        let table = TrackerData::parse("t.tsv", &text, true).unwrap();
        let mut direct_answers = 0;
        for set in [&table.code, &table.network] {
            for t in probes {
                let slow: Vec<u32> = table
                    .trackers
                    .iter()
                    .filter(|x| set.network || x.code_signature_used)
                    .filter(|x| {
                        if set.network {
                            x.matches_host(t)
                        } else {
                            x.matches_class(t)
                        }
                    })
                    .map(|x| x.id)
                    .collect();
                if let Some(direct) = set.direct_matches(&table.trackers, t) {
                    let direct: Vec<u32> = direct.iter().map(|x| x.id).collect();
                    assert_eq!(direct, slow, "direct {t:?}");
                    direct_answers += 1;
                }
                let indexed: Vec<u32> = set
                    .indexed_matches(&table.trackers, t)
                    .iter()
                    .map(|x| x.id)
                    .collect();
                assert_eq!(indexed, slow, "indexed {t:?}");
            }
        }
        assert!(direct_answers > probes.len(), "{direct_answers}");
    }

    /// On the embedded signatures, the direct path (signatures read in place, used for the
    /// first host names) gives what the index gives, on probes made from every signature.
    #[test]
    fn direct_path_equals_index_path() {
        let d = TrackerData::parse(
            "t",
            crate::embedded_text("trackers/exodus-trackers.tsv"),
            true,
        )
        .unwrap();
        let mut probes: Vec<String> = vec![
            "com/example/App".into(),
            "www.google.com".into(),
            String::new(),
            "mst12.is.autonavi.com".into(),
            "mt3.google.cn".into(),
            "data.\u{7}altbeacon.org".into(),
            "beacons.estimote.com".into(),
            "adservice.google.fr".into(),
            "54.243.73.253:8080/SilverPush/".into(),
        ];
        for tr in &d.trackers {
            for sig in [&tr.code_signature, &tr.network_signature]
                .into_iter()
                .flatten()
            {
                for alt in sig.split('|') {
                    let plain = alt.replace("\\.", ".").replace("\\-", "-");
                    for wild in ["/", ".", "x"] {
                        let p = plain.replace(".*", "zz").replace('.', wild);
                        probes.push(format!("prefix/{p}/Suffix"));
                        let half: String = p.chars().take(p.chars().count() / 2).collect();
                        probes.push(half);
                        probes.push(p);
                    }
                }
            }
        }
        let (mut answers, mut hits) = (0, 0);
        for set in [&d.code, &d.network] {
            for p in &probes {
                let indexed: Vec<u32> = set
                    .indexed_matches(&d.trackers, p)
                    .iter()
                    .map(|x| x.id)
                    .collect();
                if let Some(direct) = set.direct_matches(&d.trackers, p) {
                    let direct: Vec<u32> = direct.iter().map(|x| x.id).collect();
                    assert_eq!(direct, indexed, "{p:?} (network {})", set.network);
                    answers += 1;
                    hits += direct.len();
                }
            }
        }
        assert!(answers > probes.len(), "{answers} direct answers");
        assert!(hits > 1000, "{hits} direct hits");
    }
}
