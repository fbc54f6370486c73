//! Android's platform permission list, embedded from the knowledge base (`kb/android/`).

use std::collections::HashMap;
use std::sync::OnceLock;

const API29: &str = include_str!("../../../kb/android/permissions-api29.tsv");
const ADDED: &str = include_str!("../../../kb/android/permissions-added.tsv");

/// What the platform says about one of its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformPermission {
    /// Protection level with flags, e.g. `dangerous` or `signature|privileged`.
    pub protection_level: &'static str,
    /// API level that added it when known to be later than 29.
    pub added_in_api: Option<u32>,
}

/// The first three tab-separated columns of every row after the header line (missing
/// columns are empty). A plain byte scan: the table is read once per process, on its path.
fn rows(text: &'static str) -> impl Iterator<Item = [&'static str; 3]> {
    text.split_terminator('\n').skip(1).map(|line| {
        let mut cols = [""; 3];
        let (mut k, mut start) = (0usize, 0usize);
        for (i, b) in line.bytes().enumerate() {
            if b == b'\t' {
                if let Some(c) = cols.get_mut(k) {
                    *c = line.get(start..i).unwrap_or("");
                }
                k = k.saturating_add(1);
                start = i.saturating_add(1);
            }
        }
        if let Some(c) = cols.get_mut(k) {
            *c = line.get(start..).unwrap_or("").trim_end_matches('\r');
        }
        cols
    })
}

fn table() -> &'static HashMap<&'static str, PlatformPermission> {
    static TABLE: OnceLock<HashMap<&'static str, PlatformPermission>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Sized once for both files (a map grown step by step costs several times more).
        let lines = |t: &str| t.bytes().filter(|&b| b == b'\n').count();
        let mut map = HashMap::with_capacity(lines(API29) + lines(ADDED));
        for [name, level, _group] in rows(API29) {
            if !name.is_empty() && !level.is_empty() {
                map.insert(
                    name,
                    PlatformPermission {
                        protection_level: level,
                        added_in_api: None,
                    },
                );
            }
        }
        for [name, level, api] in rows(ADDED) {
            if !name.is_empty() && !level.is_empty() {
                map.entry(name).or_insert(PlatformPermission {
                    protection_level: level,
                    added_in_api: api.trim().parse().ok(),
                });
            }
        }
        map
    })
}

/// Looks up a platform permission by its full name.
pub fn platform_permission(name: &str) -> Option<&'static PlatformPermission> {
    table().get(name)
}

/// Number of platform permissions known.
pub fn platform_permission_count() -> usize {
    table().len()
}

/// Base protection level of a `protection_level` string (`signature|privileged` -> `signature`).
pub fn base_level(level: &str) -> &str {
    level.split('|').next().unwrap_or(level)
}

/// Decodes an `android:protectionLevel` integer into the platform's `base|flag|...` text.
pub fn decode_protection_level(value: u32) -> String {
    let base = match value & 0xf {
        0 => "normal",
        1 => "dangerous",
        2 => "signature",
        3 => "signatureOrSystem",
        4 => "internal",
        _ => "unknown",
    };
    const FLAGS: &[(u32, &str)] = &[
        (0x10, "privileged"),
        (0x20, "development"),
        (0x40, "appop"),
        (0x80, "pre23"),
        (0x100, "installer"),
        (0x200, "verifier"),
        (0x400, "preinstalled"),
        (0x800, "setup"),
        (0x1000, "instant"),
        (0x2000, "runtime"),
        (0x4000, "oem"),
        (0x8000, "vendorPrivileged"),
        (0x10000, "textClassifier"),
        (0x20000, "wellbeing"),
        (0x40000, "documenter"),
        (0x80000, "configurator"),
        (0x100000, "incidentReportApprover"),
        (0x200000, "appPredictor"),
    ];
    let mut out = String::from(base);
    let mut known = 0xf;
    for (bit, name) in FLAGS {
        known |= bit;
        if value & bit != 0 {
            out.push('|');
            out.push_str(name);
        }
    }
    if value & !known != 0 {
        out.push_str(&format!("|0x{:x}", value & !known));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_equals_a_plain_reading_of_the_files() {
        // The files read with the standard line and field splitters, API 29 winning.
        let mut expected = std::collections::BTreeMap::new();
        for (text, api29) in [(API29, true), (ADDED, false)] {
            for line in text.lines().skip(1) {
                let cols: Vec<&str> = line.split('\t').collect();
                if let [name, level, rest @ ..] = cols.as_slice() {
                    let added = if api29 {
                        None
                    } else {
                        rest.first().and_then(|a| a.trim().parse::<u32>().ok())
                    };
                    expected.entry(*name).or_insert((*level, added));
                }
            }
        }
        assert_eq!(expected.len(), platform_permission_count());
        for (name, (level, added)) in expected {
            let Some(p) = platform_permission(name) else {
                panic!("{name} missing from the table");
            };
            assert_eq!(
                (p.protection_level, p.added_in_api),
                (level, added),
                "{name}"
            );
        }
    }

    #[test]
    fn table_has_all_rows_of_both_files() {
        let rows29 = API29.lines().skip(1).filter(|l| !l.is_empty()).count();
        assert_eq!(rows29, 533);
        assert!(platform_permission_count() > rows29);
        assert_eq!(
            platform_permission("android.permission.READ_SMS").map(|p| p.protection_level),
            Some("dangerous")
        );
        assert_eq!(
            platform_permission("android.permission.POST_NOTIFICATIONS")
                .and_then(|p| p.added_in_api),
            Some(33)
        );
        assert!(platform_permission("com.example.NOPE").is_none());
    }

    #[test]
    fn protection_level_decoding() {
        assert_eq!(decode_protection_level(0), "normal");
        assert_eq!(decode_protection_level(1), "dangerous");
        assert_eq!(decode_protection_level(0x12), "signature|privileged");
        assert_eq!(base_level("signature|privileged"), "signature");
    }
}
