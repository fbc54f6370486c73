//! Parses any input and reads every entry (full and prefix) with small limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unmask_zip::{Archive, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entry_size: 1 << 20,
        max_total_size: 4 << 20,
        max_ratio: 100,
        max_entries: 4096,
    };
    let Ok(archive) = Archive::parse(data, limits) else {
        return;
    };
    for anomaly in archive.anomalies() {
        assert!(!anomaly.kind.is_empty());
    }
    for entry in archive.entries() {
        let full = archive.read(entry);
        if let Ok(bytes) = &full {
            assert!(bytes.len() as u64 <= limits.max_entry_size);
        }
        if let Ok(prefix) = archive.read_prefix(entry, 16) {
            assert!(prefix.len() <= 16);
            if let Ok(bytes) = &full {
                assert_eq!(&prefix[..], &bytes[..bytes.len().min(16)]);
            }
        }
        let _ = archive.find(&entry.name);
    }
    assert!(archive.inflated_total() <= limits.max_total_size.saturating_add(1 << 21));
});
