//! Network endpoints from dex strings: URLs and IP addresses.

use crate::code::Code;
use crate::model::{Endpoint, Evidence};
use crate::sources::TextString;
use std::collections::BTreeMap;
use unmask_kb::Kb;

const SCHEMES: &[(&str, bool)] = &[
    ("https://", false),
    ("http://", true),
    ("wss://", false),
    ("ws://", true),
    ("ftp://", true),
];

/// Longest string scanned for endpoints (bytes).
const MAX_SCAN: usize = 1 << 16;

/// URL prefixes (after the scheme) that name XML namespaces, parser features and other
/// identifiers rather than endpoints.
const IDENTIFIER_PREFIXES: &[&str] = &[
    "www.w3.org/",
    "w3.org/",
    "xml.org/sax/",
    "apache.org/xml/",
    "xml.apache.org/",
    "java.sun.com/xml/",
    "java.sun.com/jaxp/",
    "javax.xml.",
    "xmlpull.org/",
    "relaxng.org/ns/",
    "schemas.android.com/",
    "schemas.xmlsoap.org/",
    "schemas.microsoft.com/",
    "ns.adobe.com/",
    "purl.org/",
    "www.slf4j.org/codes",
];

/// Whether a URL is a well-known identifier (see [`IDENTIFIER_PREFIXES`]).
pub(crate) fn is_identifier(url: &str) -> bool {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .to_ascii_lowercase();
    IDENTIFIER_PREFIXES.iter().any(|p| rest.starts_with(p))
        || (rest.starts_with("javax.") && !rest.contains('/'))
}

/// Parses a dotted-quad IPv4 address.
pub(crate) fn parse_ipv4(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for slot in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// Host and port of a URL's authority.
fn host_port(url: &str, scheme_len: usize) -> Option<(String, Option<u16>)> {
    let rest = url.get(scheme_len..)?;
    let auth = rest.split(['/', '?', '#']).next()?;
    let auth = auth.rsplit('@').next()?;
    let (host, port) = if let Some(v6) = auth.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (
            h.to_string(),
            after.strip_prefix(':').and_then(|p| p.parse().ok()),
        )
    } else {
        match auth.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
                (h.to_string(), p.parse().ok())
            }
            _ => (auth.to_string(), None),
        }
    };
    let host = host.to_ascii_lowercase();
    let valid = !host.is_empty()
        && (host.contains(':')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'))
        && (host.contains('.') || host.contains(':') || host == "localhost");
    valid.then_some((host, port))
}

/// Top-level domains a bare host name must end with to count (common generic and country
/// domains). Left out: those that are also file extensions (`so`, `py`, `sh`, `md`) or common
/// words and field names (`id`, `in`, `it`, `no`, `be`, `at`: `gtm.id`, `sign.in`).
const HOST_TLDS: &[&str] = &[
    "com", "net", "org", "io", "co", "me", "info", "biz", "app", "dev", "xyz", "top", "site",
    "online", "tech", "ai", "cloud", "ru", "cn", "de", "uk", "fr", "jp", "kr", "br", "es", "nl",
    "pl", "tr", "ir", "us", "eu", "tv", "cc", "vn", "tw", "hk", "sg", "au", "ca", "ch", "se", "fi",
    "dk", "cz", "ua", "kz", "by", "il", "mx", "ar", "za",
];

/// First labels of reverse-DNS names (Java packages, Android actions) that are not hosts.
const PACKAGE_ROOTS: &[&str] = &[
    "com",
    "org",
    "net",
    "io",
    "android",
    "androidx",
    "java",
    "javax",
    "kotlin",
    "kotlinx",
    "dalvik",
    "sun",
    "junit",
    "okhttp3",
    "retrofit2",
    "me",
    "co",
    "dev",
    "app",
];

/// A whole string that is a bare host name (`api.example.com`): lowercase letters, digits, dots
/// and hyphens, at least two labels, ending with a common top-level domain and not starting
/// like a Java package (`com.`, `org.`, `android.`...).
pub(crate) fn bare_host(s: &str) -> Option<Found> {
    let s = s.trim();
    if s.len() < 4 || s.len() > 253 {
        return None;
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return None;
    }
    let labels: Vec<&str> = s.split('.').collect();
    let (first, last) = (labels.first()?, labels.last()?);
    let ok_label =
        |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-');
    if labels.len() < 2
        || !labels.iter().all(ok_label)
        || !HOST_TLDS.contains(last)
        || PACKAGE_ROOTS.contains(first)
        || parse_ipv4(s).is_some()
    {
        return None;
    }
    Some(("host", s.to_string(), Some(s.to_string()), None, false))
}

/// One endpoint in a string: `(kind, value, host, port, cleartext)`.
pub(crate) type Found = (&'static str, String, Option<String>, Option<u16>, bool);

/// URLs and IPs found in one string: `(kind, value, host, port, cleartext)`.
pub(crate) fn extract(s: &str) -> Vec<Found> {
    let mut out = Vec::new();
    if s.len() > MAX_SCAN {
        return out;
    }
    // Every scheme ends with "://": without it (most strings) there is no URL to look for.
    let lower = if s.contains("://") {
        s.to_ascii_lowercase()
    } else {
        String::new()
    };
    for (scheme, clear) in SCHEMES.iter().filter(|_| !lower.is_empty()) {
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|t| t.find(scheme)) {
            let start = from + pos;
            // Skip "https://" matched as "ttps://"-like overlaps: require a boundary.
            let prev = lower.get(..start).and_then(|p| p.chars().last());
            let tail = s.get(start..).unwrap_or("");
            let end = tail.find(|c: char| !url_char(c)).unwrap_or(tail.len());
            let url = tail
                .get(..end)
                .unwrap_or("")
                .trim_end_matches(['.', ',', ')', ';', '\'']);
            from = start + scheme.len();
            if prev.is_some_and(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if let Some((host, port)) = host_port(url, scheme.len()) {
                out.push(("url", url.to_string(), Some(host), port, *clear));
            }
        }
    }
    if out.is_empty() {
        let t = s.trim();
        let (ip, port) = match t.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (h, p.parse().ok())
            }
            _ => (t, None),
        };
        if let Some(o) = parse_ipv4(ip) {
            // Version-like strings (1.0.0.0) are excluded when the first octet is 0-2 and
            // the rest are 0, which real endpoints are not.
            if o != [0, 0, 0, 0] && !(o[0] <= 2 && o[1] == 0 && o[2] == 0 && o[3] == 0) {
                out.push(("ip", t.to_string(), Some(ip.to_string()), port, false));
            }
        }
    }
    out
}

/// The endpoint for `value`, created on first sight (tracker hosts matched once).
fn slot<'m>(map: &'m mut BTreeMap<String, Endpoint>, kb: &Kb, found: Found) -> &'m mut Endpoint {
    let (kind, value, host, port, cleartext) = found;
    map.entry(value.clone()).or_insert_with(|| Endpoint {
        kind,
        trackers: host
            .as_deref()
            .map(|h| {
                kb.trackers
                    .match_host(h)
                    .iter()
                    .map(|t| t.name.clone())
                    .collect()
            })
            .unwrap_or_default(),
        identifier: kind == "url" && is_identifier(&value),
        value,
        host,
        port,
        cleartext,
        found_in: Vec::new(),
    })
}

/// Endpoints in a string found outside the dex files: URLs anywhere in it, IPv4 addresses
/// (with an optional port) as whole tokens that start the string or follow a space, quote,
/// `=`, `/`, `@`, `(`, `[`, `>` or `,`. Strings that are mostly numbers (vector path data,
/// number tables) give no addresses: their dotted runs are numbers, not hosts.
fn extract_text(s: &str) -> Vec<Found> {
    let mut out: Vec<Found> = extract(s).into_iter().filter(|f| f.0 == "url").collect();
    let numeric = s
        .chars()
        .filter(|c| c.is_ascii_digit() || ".,- ".contains(*c))
        .count();
    if s.len() > 32 && numeric.saturating_mul(10) > s.len().saturating_mul(6) {
        return out;
    }
    let bytes = s.as_bytes();
    let is_part = |b: u8| b.is_ascii_digit() || b == b'.' || b == b':';
    let mut i = 0;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        if !is_part(b) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|b| is_part(*b)) {
            i += 1;
        }
        let boundary = start == 0
            || bytes
                .get(start - 1)
                .is_some_and(|p| p.is_ascii_whitespace() || b"\"'=/@([>,".contains(p));
        let token = s.get(start..i).unwrap_or("").trim_matches(['.', ':']);
        if boundary && token.len() >= 7 && token.bytes().filter(|b| *b == b'.').count() == 3 {
            for f in extract(token) {
                if f.0 == "ip" && !out.iter().any(|u| u.2 == f.2) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// Endpoints from every dex string and from the strings found outside the dex files
/// (resources, assets, native libraries), deduplicated, with where each was found.
pub(crate) fn endpoints(
    code: &Code<'_, '_>,
    texts: &[TextString],
    kb: &Kb,
    max_evidence: usize,
) -> Vec<Endpoint> {
    let mut map: BTreeMap<String, Endpoint> = BTreeMap::new();
    for (d, dex) in code.dexes.iter().enumerate() {
        for i in 0..dex.string_count() {
            let Ok(raw) = dex.string_raw(i) else { continue };
            if raw.len() > MAX_SCAN
                || !(memchr_any(raw, b"://") || memchr::memchr(b'.', raw).is_some())
            {
                continue;
            }
            let s = dex.string_lossy(i);
            let mut found_here = extract(&s);
            if found_here.is_empty() {
                found_here.extend(bare_host(&s));
            }
            for found in found_here {
                let e = slot(&mut map, kb, found);
                if e.found_in.len() >= max_evidence {
                    continue;
                }
                let sites = code.index.strings.get(code.dexes, &s);
                let here: Vec<_> = sites.iter().filter(|x| x.dex == d as u32).collect();
                if here.is_empty() {
                    e.found_in.push(Evidence::DexString {
                        dex: code.dex_name(d as u32),
                        string: s.chars().take(512).collect(),
                    });
                } else {
                    for site in here.into_iter().take(max_evidence) {
                        e.found_in.push(code.site_evidence(site, &s));
                    }
                }
            }
        }
    }
    for t in texts {
        let mut found_here = extract_text(&t.text);
        if found_here.is_empty() {
            found_here.extend(bare_host(&t.text));
        }
        for found in found_here {
            let e = slot(&mut map, kb, found);
            if e.found_in.len() < max_evidence {
                e.found_in.push(t.evidence());
            }
        }
    }
    map.into_values().collect()
}

fn memchr_any(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_ips() {
        let v = extract("see https://Tracker.example.com:8443/collect?x=1, and http://10.0.0.1/a");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].1, "https://Tracker.example.com:8443/collect?x=1");
        assert_eq!(v[0].2.as_deref(), Some("tracker.example.com"));
        assert_eq!(v[0].3, Some(8443));
        assert!(!v[0].4);
        assert_eq!(v[1].2.as_deref(), Some("10.0.0.1"));
        assert!(v[1].4);
        let v = extract("192.168.1.20:4444");
        assert_eq!(v[0].0, "ip");
        assert_eq!(v[0].3, Some(4444));
        assert!(extract("1.0.0.0").is_empty());
        assert!(extract("256.1.1.1").is_empty());
        assert!(extract("http://").is_empty());
        let v = extract("ws://[2001:db8::1]:80/x");
        assert_eq!(v[0].2.as_deref(), Some("2001:db8::1"));
        assert!(extract("xhttps://a.b").is_empty());
        assert!(is_identifier("http://www.w3.org/2001/XMLSchema"));
        assert!(is_identifier("http://xml.org/sax/features/namespaces"));
        assert!(is_identifier(
            "http://javax.xml.transform.dom.DOMSource/feature"
        ));
        assert!(!is_identifier("http://tracker.example.com/w3.org/"));
        let v = extract_text("server=10.1.2.3:8080, see https://a.example.org/x and 192.168.0.1");
        let values: Vec<&str> = v.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(
            values,
            ["https://a.example.org/x", "10.1.2.3:8080", "192.168.0.1"]
        );
        assert!(extract_text("version 1.0.0.0 build").is_empty());
        // Vector path data and digits glued to letters are not addresses.
        assert!(extract_text("M17.81 4.47c-.08 0,-.16,-.02,-.23,-.06C15.66 3.42 14 3 12.01 3c-1.98 0,-3.86.47,-5.57 1.41").is_empty());
        assert!(extract_text("c2.54.71.24").is_empty());
        // Bare host names, not packages, file names or versions.
        assert_eq!(
            bare_host("api.tracker-x.com").map(|f| f.1),
            Some("api.tracker-x.com".into())
        );
        assert_eq!(bare_host("c2.example.net").map(|f| f.0), Some("host"));
        for not in [
            "com.whatsapp",
            "android.intent.action.MAIN",
            "libc.so",
            "index.html",
            "Foo.Bar.com",
            "1.2.3.4",
            "org.json.com",
            "a..com",
            "-a.com",
            "x.y",
        ] {
            assert!(bare_host(not).is_none(), "{not}");
        }
    }
}
