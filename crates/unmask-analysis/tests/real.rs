//! The real apps of `shared/corpus/real` (benign: an API demo, the Settings app, appium's
//! server): every analysis runs, nothing matches an indicator of compromise, XML namespace
//! URLs are not reported as cleartext endpoints, and the findings serialise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use unmask_analysis::{analyze_path, Options};

#[test]
fn real_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: real corpus not found at {}", dir.display());
        return;
    };
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let mut apks: Vec<_> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
        .collect();
    apks.sort();
    assert!(!apks.is_empty());
    for p in apks {
        let (_, f) = analyze_path(&p, kb, &iocs, &Options::default()).expect("analyze");
        let name = p.display();
        assert!(
            f.of_kind("ioc").next().is_none(),
            "{name}: {:#?}",
            f.of_kind("ioc").collect::<Vec<_>>()
        );
        for c in f.of_kind("network.cleartext") {
            assert!(
                !c.subject.contains("w3.org/") && !c.subject.contains("xml.org/sax"),
                "{name}: {}",
                c.subject
            );
        }
        for x in &f.findings {
            assert!(!x.reason.is_empty());
            assert!(x.evidence_total >= x.evidence.len());
        }
        serde_json::to_string(&f).expect("json");
        eprintln!(
            "{name}: {} findings, {} endpoints",
            f.findings.len(),
            f.endpoints.len()
        );
    }
}
