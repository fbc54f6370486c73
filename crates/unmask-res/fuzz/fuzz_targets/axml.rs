#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = unmask_res::parse_xml(data) {
        // Exercise the lookups and serialisation too.
        if let Some(root) = &doc.root {
            let _ = root.attr(unmask_res::attr::NAME, "name");
            let _ = root.attr_int(unmask_res::attr::VERSION_CODE, "versionCode");
            for c in &root.children {
                let _ = c.attr_bool(unmask_res::attr::EXPORTED, "exported");
                let _ = c.attr_str(unmask_res::attr::LABEL, "label");
            }
        }
        let _ = format!("{doc:?}");
    }
});
