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

fn table() -> &'static HashMap<&'static str, PlatformPermission> {
    static TABLE: OnceLock<HashMap<&'static str, PlatformPermission>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for line in API29.lines().skip(1) {
            let mut cols = line.split('\t');
            if let (Some(name), Some(level)) = (cols.next(), cols.next()) {
                map.insert(
                    name,
                    PlatformPermission {
                        protection_level: level,
                        added_in_api: None,
                    },
                );
            }
        }
        for line in ADDED.lines().skip(1) {
            let mut cols = line.split('\t');
            if let (Some(name), Some(level), api) = (cols.next(), cols.next(), cols.next()) {
                map.entry(name).or_insert(PlatformPermission {
                    protection_level: level,
                    added_in_api: api.and_then(|a| a.trim().parse().ok()),
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
