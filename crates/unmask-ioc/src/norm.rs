//! Normalisation of indicator and fact values, and the index key of an indicator value.
//!
//! Pure functions, shared by the library and by `build.rs` (included there with `#[path]`),
//! which indexes the embedded indicators at build time with exactly the code that indexes a
//! user feed at run time.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// What an indicator's comparison is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservableKind {
    /// `app:id`.
    PackageName,
    /// `app:cert.sha1`, `x509-certificate:hashes.'SHA-1'`.
    CertSha1,
    /// `app:cert.sha256`, `x509-certificate:hashes.'SHA-256'`.
    CertSha256,
    /// `file:hashes.sha256`.
    FileSha256,
    /// `file:hashes.sha1`.
    FileSha1,
    /// `file:hashes.md5`.
    FileMd5,
    /// `domain-name:value`.
    Domain,
    /// `url:value`.
    Url,
    /// `ipv4-addr:value`, `ipv6-addr:value`.
    Ip,
    /// `email-addr:value`.
    Email,
    /// `file:name`.
    FileName,
    /// `process:name`.
    ProcessName,
    /// `android-property:name`.
    AndroidProperty,
    /// Any other path: valid, never matches an app.
    Other,
}

impl ObservableKind {
    /// Classifies an object path written as `type:a.b` (the [`crate::pattern::ObjectPath::key`] form).
    pub(crate) fn of_key(key: &str) -> ObservableKind {
        let (ty, prop) = key.split_once(':').unwrap_or((key, ""));
        let lower = lower(prop);
        let hash = |h: &str| match h {
            "sha256" | "sha-256" => Some(0),
            "sha1" | "sha-1" => Some(1),
            "md5" => Some(2),
            _ => None,
        };
        match (ty, &*lower) {
            ("app", "id") => ObservableKind::PackageName,
            ("app", "cert.sha1") => ObservableKind::CertSha1,
            ("app", "cert.sha256") => ObservableKind::CertSha256,
            ("domain-name", "value") => ObservableKind::Domain,
            ("url", "value") => ObservableKind::Url,
            ("ipv4-addr" | "ipv6-addr", "value") => ObservableKind::Ip,
            ("email-addr", "value") => ObservableKind::Email,
            ("file", "name") => ObservableKind::FileName,
            ("process", "name") => ObservableKind::ProcessName,
            ("android-property", "name") => ObservableKind::AndroidProperty,
            ("x509-certificate", p) => match p.strip_prefix("hashes.").and_then(hash) {
                Some(0) => ObservableKind::CertSha256,
                Some(1) => ObservableKind::CertSha1,
                _ => ObservableKind::Other,
            },
            ("file", p) => match p.strip_prefix("hashes.").and_then(hash) {
                Some(0) => ObservableKind::FileSha256,
                Some(1) => ObservableKind::FileSha1,
                Some(2) => ObservableKind::FileMd5,
                _ => ObservableKind::Other,
            },
            _ => ObservableKind::Other,
        }
    }
}

/// Which table of the index a normalised value goes to (and which facts are looked up in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Slot {
    PackageName,
    CertSha1,
    CertSha256,
    FileSha256,
    FileSha1,
    FileMd5,
    Host,
    Ip,
    Url,
    Email,
    FileName,
    ProcessName,
    AndroidProperty,
}

impl Slot {
    /// Every slot, in declaration order: `Slot::ALL[s as usize] == s` (the build-time tables
    /// are numbered so).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) const ALL: [Slot; 13] = [
        Slot::PackageName,
        Slot::CertSha1,
        Slot::CertSha256,
        Slot::FileSha256,
        Slot::FileSha1,
        Slot::FileMd5,
        Slot::Host,
        Slot::Ip,
        Slot::Url,
        Slot::Email,
        Slot::FileName,
        Slot::ProcessName,
        Slot::AndroidProperty,
    ];
}

/// Where an indicator value goes in the index.
pub(crate) enum IndexKey<'a> {
    /// A normalised value in a table.
    Plain(Slot, Cow<'a, str>),
    /// An IPv4 network and mask.
    Cidr(u32, u32),
}

impl IndexKey<'_> {
    pub(crate) fn into_static(self) -> IndexKey<'static> {
        match self {
            IndexKey::Plain(slot, k) => IndexKey::Plain(slot, Cow::Owned(k.into_owned())),
            IndexKey::Cidr(n, m) => IndexKey::Cidr(n, m),
        }
    }
}

/// The index entry of an atom's value (`None` for paths that never match an app).
pub(crate) fn index_key(kind: ObservableKind, v: &str) -> Option<IndexKey<'_>> {
    let plain = |slot, k| Some(IndexKey::Plain(slot, k));
    match kind {
        ObservableKind::PackageName => plain(Slot::PackageName, Cow::Borrowed(v.trim())),
        ObservableKind::CertSha1 => plain(Slot::CertSha1, norm_hex(v)),
        ObservableKind::CertSha256 => plain(Slot::CertSha256, norm_hex(v)),
        ObservableKind::FileSha256 => plain(Slot::FileSha256, norm_hex(v)),
        ObservableKind::FileSha1 => plain(Slot::FileSha1, norm_hex(v)),
        ObservableKind::FileMd5 => plain(Slot::FileMd5, norm_hex(v)),
        // Some feeds put a whole URL in a domain-name indicator (e.g. a repository page on
        // a code-hosting site): matching its host alone would flag every app that mentions
        // that site, so such an indicator matches the URL itself.
        ObservableKind::Domain if url_has_path(v) => plain(Slot::Url, Cow::Owned(norm_url(v))),
        ObservableKind::Domain => match norm_ip(v) {
            Some(ip) => plain(Slot::Ip, Cow::Owned(ip)),
            None => plain(Slot::Host, norm_domain(v)),
        },
        ObservableKind::Ip => match parse_cidr(v) {
            Some((net, mask)) => Some(IndexKey::Cidr(net, mask)),
            None => plain(
                Slot::Ip,
                norm_ip(v).map_or_else(|| lower(v.trim()), Cow::Owned),
            ),
        },
        ObservableKind::Url => plain(Slot::Url, Cow::Owned(norm_url(v))),
        ObservableKind::Email => plain(Slot::Email, lower(v.trim())),
        ObservableKind::FileName => plain(Slot::FileName, Cow::Borrowed(v)),
        ObservableKind::ProcessName => plain(Slot::ProcessName, Cow::Borrowed(v.trim())),
        ObservableKind::AndroidProperty => plain(Slot::AndroidProperty, Cow::Borrowed(v.trim())),
        ObservableKind::Other => None,
    }
}

/// ASCII lower case, borrowed when already lower case.
pub(crate) fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Hex without colons or white space, in lower case.
pub(crate) fn norm_hex(s: &str) -> Cow<'_, str> {
    // Bytes for speed: any non-ASCII byte takes the char-wise path.
    let dirty = |b: &u8| matches!(b, b':' | b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'A'..=b'Z' | 0x80..);
    if s.as_bytes().iter().any(dirty) {
        Cow::Owned(
            s.chars()
                .filter(|c| *c != ':' && !c.is_whitespace())
                .map(|c| c.to_ascii_lowercase())
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

pub(crate) fn norm_domain(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    let s = url_host(s).unwrap_or(s);
    let s = s.trim_end_matches('.');
    let s = s.strip_prefix("*.").unwrap_or(s);
    lower(s)
}

pub(crate) fn norm_ip(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(t);
    // An IPv4 address starts with a digit and an IPv6 one has a colon: skip the parser for
    // the host names that nearly all values are.
    if !(t.starts_with(|c: char| c.is_ascii_digit()) || t.contains(':')) {
        return None;
    }
    t.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

/// The path and value of a pattern of the form `[type:prop(.prop)* = 'value']` (spaces around
/// `=` optional, no escape in the value, a non-empty value): a subset that the full parser reads
/// as one `=` comparison with exactly this path key and value. `None` for anything else.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn simple_pattern(p: &str) -> Option<(&str, &str)> {
    if p.len() > crate::pattern::MAX_PATTERN_LEN {
        return None;
    }
    let inner = p.strip_prefix('[')?.strip_suffix("']")?;
    let q = inner.bytes().position(|b| b == b'\'')?;
    let lhs = inner.get(..q)?;
    let value = inner.get(q.checked_add(1)?..)?;
    if value.contains(['\'', '\\']) || value.trim().is_empty() {
        return None;
    }
    let lhs = lhs.strip_suffix(' ').unwrap_or(lhs);
    let lhs = lhs.strip_suffix('=')?;
    let path = lhs.strip_suffix(' ').unwrap_or(lhs);
    let colon = path.bytes().position(|b| b == b':')?;
    let ty = path.get(..colon)?;
    let props = path.get(colon.checked_add(1)?..)?;
    let ident = |w: &str| {
        let mut b = w.bytes();
        b.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    };
    if !ident(ty) || matches!(ty, "NOT" | "EXISTS") || !props.split('.').all(ident) {
        return None;
    }
    Some((path, value))
}

/// The byte offset of the first `://` (as `str::find("://")`, without its searcher set-up,
/// which dominates on short values).
pub(crate) fn scheme_sep(s: &str) -> Option<usize> {
    s.as_bytes().windows(3).position(|w| w == b"://")
}

/// Lower-cases the scheme and host of a URL and drops a trailing `/`.
pub(crate) fn norm_url(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_suffix('/').unwrap_or(s);
    match scheme_sep(s) {
        Some(i) => {
            let rest_start = i + 3;
            let rest = s.get(rest_start..).unwrap_or("");
            let host_end = rest
                .find(['/', '?', '#'])
                .map_or(s.len(), |j| rest_start + j);
            let head = s.get(..host_end).unwrap_or(s).to_ascii_lowercase();
            format!("{head}{}", s.get(host_end..).unwrap_or(""))
        }
        None => s.to_string(),
    }
}

/// True for `scheme://host/path…` with a non-empty path, query or fragment.
pub(crate) fn url_has_path(s: &str) -> bool {
    let s = s.trim();
    scheme_sep(s)
        .and_then(|i| s.get(i + 3..))
        .and_then(|rest| rest.find(['/', '?', '#']).and_then(|j| rest.get(j..)))
        .is_some_and(|tail| !tail.trim_end_matches('/').is_empty())
}

/// The host of `scheme://[user@]host[:port]/…`.
pub(crate) fn url_host(s: &str) -> Option<&str> {
    let i = scheme_sep(s)?;
    let rest = s.get(i + 3..)?;
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = rest.get(..auth_end)?;
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let host = if let Some(r) = auth.strip_prefix('[') {
        r.split_once(']').map_or(r, |(h, _)| h)
    } else {
        auth.split_once(':').map_or(auth, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

pub(crate) fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (a, n) = s.trim().split_once('/')?;
    let ip: std::net::Ipv4Addr = a.parse().ok()?;
    let n: u32 = n.parse().ok()?;
    if n > 32 {
        return None;
    }
    let mask = if n == 0 { 0 } else { u32::MAX << (32 - n) };
    Some((u32::from(ip) & mask, mask))
}

/// The hash of an index key, for the tables that `build.rs` writes: the same on every
/// platform (bytes read little-endian, no seed). Fx-style rounds over 8-byte words, then the
/// length, then a 64-bit finaliser (MurmurHash3's `fmix64`) so that every bit is mixed.
pub(crate) fn key_hash(key: &str) -> u64 {
    let round = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    let mut h = 0u64;
    let mut chunks = key.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = round(h, u64::from_le_bytes(w));
    }
    // The last 0 to 7 bytes, little-endian, built in a register (a copy through memory
    // stalls the load that follows).
    let tail = chunks
        .remainder()
        .iter()
        .rev()
        .fold(0u64, |w, &b| (w << 8) | u64::from(b));
    h = round(h, tail);
    h = round(h, key.len() as u64);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
