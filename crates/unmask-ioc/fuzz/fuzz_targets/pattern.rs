#![no_main]
//! Fuzzes the STIX pattern parser, and matching a bundle made of the pattern.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = unmask_ioc::pattern::parse(text) {
        // A parsed pattern is also loadable and matchable.
        let _ = p.notes.len();
        let bundle = serde_json::json!({
            "type": "bundle",
            "id": "bundle--fuzz",
            "objects": [{"type": "indicator", "id": "indicator--fuzz", "pattern": text, "pattern_type": "stix"}]
        });
        let mut set = unmask_ioc::IocSet::new();
        let loaded = set.add_bundle_str("fuzz", &bundle.to_string());
        assert!(loaded.is_ok(), "parsed pattern failed to load: {loaded:?}");
        let facts = unmask_ioc::AppFacts {
            domains: vec!["a.example.com".into(), "10.0.0.1".into()],
            package_names: vec!["com.example".into()],
            urls: vec!["https://user@[::1]:80/x".into()],
            ..Default::default()
        };
        let _ = set.match_app(&facts);
    } else if let Err(e) = unmask_ioc::pattern::parse(text) {
        assert!(e.position <= text.len(), "error position past the end");
    }
});
