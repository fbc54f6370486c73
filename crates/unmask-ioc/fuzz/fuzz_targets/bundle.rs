#![no_main]
//! Fuzzes loading a whole STIX bundle.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = unmask_ioc::IocSet::new();
    let _ = set.add_bundle_str("fuzz", text);
    let facts = unmask_ioc::AppFacts {
        domains: vec!["a.example.com".into()],
        ..Default::default()
    };
    let _ = set.match_app(&facts);
});
