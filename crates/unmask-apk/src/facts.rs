//! File facts: hashes, and what the archive holds (dex, native libraries, assets, hidden payloads).

use crate::model::{Contents, EntryRef, Hashes, HiddenEntry};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use unmask_zip::Archive;

/// MD5, SHA-1 and SHA-256 of `data` (large inputs on two threads); all null when `enabled` is false.
pub fn hashes(data: &[u8], enabled: bool) -> Hashes {
    if !enabled {
        return Hashes::default();
    }
    let md5 = || hex::encode(Md5::digest(data));
    let (md5, sha1, sha256) = if data.len() < (1 << 20) {
        // Small inputs are not worth a thread.
        (
            md5(),
            hex::encode(Sha1::digest(data)),
            hex::encode(Sha256::digest(data)),
        )
    } else {
        std::thread::scope(|s| {
            let md5_thread = s.spawn(md5);
            let sha256 = hex::encode(Sha256::digest(data));
            let sha1 = hex::encode(Sha1::digest(data));
            (md5_thread.join().unwrap_or_else(|_| md5()), sha1, sha256)
        })
    };
    Hashes {
        md5: Some(md5),
        sha1: Some(sha1),
        sha256: Some(sha256),
    }
}

/// Names of the dex entries to decode, in load order: the `classes*.dex` the runtime loads, then
/// the dex files hidden under other names (`true`).
pub fn dex_entry_names(contents: &Contents) -> impl Iterator<Item = (&str, bool)> {
    contents.dex.iter().map(|d| (d.name.as_str(), false)).chain(
        contents
            .hidden
            .iter()
            .filter(|h| h.kind == "dex")
            .map(|h| (h.name.as_str(), true)),
    )
}

/// Entries whose declared sizes would exceed the decompression caps: zip-bomb candidates,
/// reported from the central directory without inflating anything.
pub fn bomb_candidates(
    archive: &Archive<'_>,
    limits: &unmask_zip::Limits,
) -> Vec<unmask_zip::Anomaly> {
    archive
        .entries()
        .iter()
        .filter(|e| e.is_deflated())
        .filter_map(|e| {
            // The ratio (a division) only for entries over 1 MiB: every entry is checked.
            let compressed = e.compressed_size.max(1);
            let ratio = || e.uncompressed_size / compressed;
            let why = if e.uncompressed_size > limits.max_entry_size {
                format!(
                    "declares {} bytes uncompressed, over the {}-byte cap",
                    e.uncompressed_size, limits.max_entry_size
                )
            } else if e.uncompressed_size > (1 << 20) && ratio() > limits.max_ratio {
                let ratio = ratio();
                format!(
                    "declares {} bytes from {} compressed (ratio {ratio}:1, cap {}:1)",
                    e.uncompressed_size, e.compressed_size, limits.max_ratio
                )
            } else {
                return None;
            };
            Some(unmask_zip::Anomaly {
                kind: "decompression_bomb",
                entry: Some(e.name.to_string()),
                detail: format!(
                    "entry {:?} {why}: a zip bomb; it is not inflated beyond the cap",
                    e.name
                ),
                android_rejects: false,
            })
        })
        .collect()
}

/// Kind of payload recognised from its first bytes.
pub fn sniff(prefix: &[u8]) -> Option<&'static str> {
    if prefix.starts_with(b"dex\n") {
        Some("dex")
    } else if prefix.starts_with(b"\x7fELF") {
        Some("elf")
    } else if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        Some("zip")
    } else {
        None
    }
}

/// Largest binary XML file read (manifest, network security config): real ones are far smaller.
pub const MAX_XML_SIZE: usize = 32 << 20;
/// Largest v1 signature block file read.
pub const MAX_SIGNATURE_FILE_SIZE: usize = 16 << 20;
/// Largest nested archive opened to tell an APK from a plain ZIP.
pub const MAX_NESTED_SIZE: usize = 64 << 20;

/// Reads an entry, refusing (without inflating further) output larger than `cap` bytes, on top
/// of the archive's own limits.
pub fn read_capped<'a>(
    archive: &Archive<'a>,
    e: &unmask_zip::Entry<'a>,
    cap: usize,
) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    let too_big = || {
        format!(
            "{} bytes or more, over the {cap}-byte cap for this kind of entry",
            cap.saturating_add(1)
        )
    };
    if e.uncompressed_size > cap as u64 {
        return Err(too_big());
    }
    let bytes = archive
        .read_prefix(e, cap.saturating_add(1))
        .map_err(|err| err.to_string())?;
    if bytes.len() > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

/// A nested zip is an APK when it holds an `AndroidManifest.xml` (read within the archive's caps).
fn is_nested_apk(archive: &Archive<'_>, e: &unmask_zip::Entry<'_>) -> bool {
    read_capped(archive, e, MAX_NESTED_SIZE)
        .ok()
        .and_then(|bytes| {
            Archive::parse(&bytes, unmask_zip::Limits::default())
                .ok()
                .map(|inner| inner.find("AndroidManifest.xml").is_some())
        })
        .unwrap_or(false)
}

/// True when the entry's extension announces its content kind.
fn name_says(name: &str, kind: &str) -> bool {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match kind {
        "apk" => matches!(ext.as_str(), "apk" | "apks" | "xapk"),
        "zip" => matches!(ext.as_str(), "zip" | "jar" | "apk" | "aar"),
        "dex" => matches!(ext.as_str(), "dex" | "odex"),
        "elf" => ext == "so" || name.contains(".so."),
        _ => false,
    }
}

fn is_root_dex(name: &str) -> bool {
    name.strip_prefix("classes")
        .and_then(|r| r.strip_suffix(".dex"))
        .is_some_and(|n| {
            n.is_empty()
                || (n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0') && n != "1")
        })
}

fn dex_order(name: &str) -> u32 {
    name.strip_prefix("classes")
        .and_then(|r| r.strip_suffix(".dex"))
        .map(|n| {
            if n.is_empty() {
                1
            } else {
                n.parse().unwrap_or(u32::MAX)
            }
        })
        .unwrap_or(u32::MAX)
}

/// The kind of content the platform expects in an entry, from its name: `classes*.dex` the
/// runtime loads, `lib/<abi>/*.so` native libraries.
fn expected_kind(name: &str) -> Option<&'static str> {
    if is_root_dex(name) {
        return Some("dex");
    }
    let rest = name.strip_prefix("lib/")?;
    let mut parts = rest.splitn(2, '/');
    match (parts.next(), parts.next()) {
        (Some(_abi), Some(file)) if !file.contains('/') && file.ends_with(".so") => Some("elf"),
        _ => None,
    }
}

/// Lists the archive's dex files, native libraries and assets, and sniffs every other entry for
/// code or archives hidden under another name.
pub fn contents(archive: &Archive<'_>, errors: &mut Vec<String>) -> Contents {
    use rayon::prelude::*;
    let entries = archive.entries();
    // Duplicates: Android uses the first entry of a name. The archive marks later entries
    // with the same raw name; two different raw names read the same only when one is not
    // UTF-8, so both names hold U+FFFD: only those are compared here, as text.
    let mut seen_lossy = std::collections::HashSet::new();
    let lossy_repeats: std::collections::HashSet<usize> = entries
        .iter()
        .filter(|e| !e.shadowed && e.name.contains('\u{FFFD}'))
        .filter(|e| !seen_lossy.insert(&*e.name))
        .map(|e| e.index)
        .collect();
    let listed = |e: &unmask_zip::Entry<'_>| {
        !e.shadowed && !e.name.ends_with('/') && !lossy_repeats.contains(&e.index)
    };
    // Every listed entry of 4 bytes or more is sniffed, in parallel (archives with thousands
    // of entries spend most of their time here) and while the lists are made: the names
    // found in order, the bytes where the platform does not expect this kind of content.
    let (mut c, sniffed) = rayon::join(
        || {
            let mut c = Contents {
                dex: Vec::new(),
                native_libs: Default::default(),
                assets: Vec::new(),
                hidden: Vec::new(),
                unsafe_names: Vec::new(),
            };
            for e in entries {
                if e.unsafe_name {
                    c.unsafe_names.push(e.name.to_string());
                }
                if !listed(e) {
                    continue;
                }
                let r = || EntryRef {
                    name: e.name.to_string(),
                    size: e.uncompressed_size,
                };
                match expected_kind(&e.name) {
                    Some("dex") => c.dex.push(r()),
                    Some(_) => {
                        let abi = e.name.split('/').nth(1).unwrap_or_default();
                        c.native_libs.entry(abi.to_string()).or_default().push(r());
                    }
                    None if e.name.starts_with("assets/") => c.assets.push(r()),
                    None => {}
                }
            }
            c.dex.sort_by_key(|d| dex_order(&d.name));
            c
        },
        || {
            entries
                .par_iter()
                .with_min_len(256)
                .filter(|e| e.uncompressed_size >= 4 && listed(e))
                .filter_map(|e| sniff_entry(archive, e, expected_kind(&e.name)).transpose())
                .collect::<Vec<Result<HiddenEntry, String>>>()
        },
    );
    for s in sniffed {
        match s {
            Ok(h) => c.hidden.push(h),
            Err(err) => errors.push(err),
        }
    }
    c
}

fn sniff_entry(
    archive: &Archive<'_>,
    e: &unmask_zip::Entry<'_>,
    expected: Option<&'static str>,
) -> Result<Option<HiddenEntry>, String> {
    let name = &*e.name;
    let prefix = archive
        .read_prefix(e, 4)
        .map_err(|err| format!("entry {name}: {err}"))?;
    let Some(kind) = sniff(&prefix) else {
        return Ok(None);
    };
    if expected == Some(kind) {
        return Ok(None);
    }
    let kind = if kind == "zip" && is_nested_apk(archive, e) {
        "apk"
    } else {
        kind
    };
    let reason = match expected {
        Some(exp) => format!("content is {kind} where {exp} is expected"),
        None if name.starts_with("META-INF/") && kind == "zip" => {
            "archive inside META-INF".to_string()
        }
        None if name_says(name, kind) => format!("nested {kind} file"),
        None => format!("{kind} content under a name that does not say so"),
    };
    Ok(Some(HiddenEntry {
        name: e.name.to_string(),
        kind,
        size: e.uncompressed_size,
        reason,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn root_dex_names() {
        assert!(is_root_dex("classes.dex"));
        assert!(is_root_dex("classes2.dex"));
        assert!(is_root_dex("classes12.dex"));
        assert!(!is_root_dex("classes1.dex"));
        assert!(!is_root_dex("classes02.dex"));
        assert!(!is_root_dex("assets/classes.dex"));
        assert!(!is_root_dex("classesX.dex"));
        assert_eq!(dex_order("classes.dex"), 1);
        assert_eq!(dex_order("classes10.dex"), 10);
    }

    /// A stored-only ZIP with the given raw names (CRCs left at zero: they are not checked).
    fn zip(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let (mut out, mut cd) = (Vec::new(), Vec::new());
        for (name, data) in entries {
            let offset = out.len() as u32;
            let (n, d) = (name.len() as u16, data.len() as u32);
            out.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&d.to_le_bytes());
            out.extend_from_slice(&d.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(data);
            cd.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
            cd.extend_from_slice(&[0; 4]);
            cd.extend_from_slice(&d.to_le_bytes());
            cd.extend_from_slice(&d.to_le_bytes());
            cd.extend_from_slice(&n.to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&offset.to_le_bytes());
            cd.extend_from_slice(name);
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        let count = entries.len() as u16;
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn duplicates_are_listed_once_by_name_as_shown() {
        let bytes = zip(&[
            (b"assets/a", b"first"),
            (b"assets/a", b"dex\n035\0"), // raw duplicate: Android uses the first
            (b"assets/b\xef\xbf\xbd", b"x"), // valid UTF-8 U+FFFD
            (b"assets/b\xff", b"dex\n035\0"), // not UTF-8: shown as the name above
            (b"assets/c\xfe", b"PK\x03\x04"),
        ]);
        let archive = Archive::parse(&bytes, unmask_zip::Limits::default()).unwrap();
        let mut errors = Vec::new();
        let c = contents(&archive, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = c.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["assets/a", "assets/b\u{FFFD}", "assets/c\u{FFFD}"]);
        // The later duplicates (both hiding a dex) are not sniffed; the zip under c is.
        let hidden: Vec<(&str, &str)> =
            c.hidden.iter().map(|h| (h.name.as_str(), h.kind)).collect();
        assert_eq!(hidden, [("assets/c\u{FFFD}", "zip")]);
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(b"dex\n035\0"), Some("dex"));
        assert_eq!(sniff(b"\x7fELF\x02"), Some("elf"));
        assert_eq!(sniff(b"PK\x03\x04"), Some("zip"));
        assert_eq!(sniff(b"\x89PNG"), None);
    }
}
