//! The embedded knowledge base: every bundle loads, counts agree with an independent walk of
//! the JSON, and every pattern is either evaluated or listed as a warning.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use unmask_ioc::{IocSet, ObservableKind};

fn kb_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb/iocs")
}

/// Counts by object type, walking the JSON (no use of the crate's structs).
fn oracle_counts(text: &str) -> BTreeMap<String, usize> {
    let v: Value = serde_json::from_str(text).unwrap();
    let mut m = BTreeMap::new();
    for o in v["objects"].as_array().unwrap() {
        *m.entry(o["type"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    m
}

#[test]
fn every_bundle_loads_with_independent_counts() {
    let mut total = 0;
    let names: Vec<&str> = unmask_ioc::embedded_names().collect();
    assert_eq!(names.len(), 6);
    for name in &names {
        let text = std::fs::read_to_string(kb_dir().join(name)).unwrap();
        let oracle = oracle_counts(&text);
        let mut set = IocSet::new();
        let n = set.add_bundle_str(name, &text).unwrap();
        let want = oracle.get("indicator").copied().unwrap_or(0);
        assert_eq!(n, want, "{name}: indicators");
        assert_eq!(set.len(), want);
        // Every indicator is attributed to a family: each of these bundles links all of them.
        let with_family = set
            .indicators()
            .iter()
            .filter(|i| !i.families.is_empty())
            .count();
        assert_eq!(with_family, want, "{name}: indicators with a family");
        // Relationships: every `indicates` edge of the JSON shows up as a family link.
        let v: Value = serde_json::from_str(&text).unwrap();
        let malware: BTreeMap<&str, &str> = v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["type"] == "malware")
            .map(|o| (o["id"].as_str().unwrap(), o["name"].as_str().unwrap()))
            .collect();
        for o in v["objects"].as_array().unwrap() {
            if o["type"] == "relationship" && o["relationship_type"] == "indicates" {
                let src = o["source_ref"].as_str().unwrap();
                let fam = malware[o["target_ref"].as_str().unwrap()];
                if let Some(ind) = set.indicators().iter().find(|i| i.id == src) {
                    assert!(ind.families.iter().any(|f| f == fam), "{name}: {src}");
                }
            }
        }
        let mut kinds: BTreeMap<ObservableKind, usize> = BTreeMap::new();
        for i in set.indicators() {
            for k in i.kinds() {
                *kinds.entry(k).or_insert(0) += 1;
            }
        }
        let matchable = set.indicators().iter().filter(|i| i.matchable).count();
        println!(
            "{name}: {oracle:?}; loaded {n} indicators, {matchable} matchable against an app, {} warnings; kinds {kinds:?}",
            set.warnings().len()
        );
        for w in set.warnings() {
            println!("  warning: {w}");
        }
        // Every indicator is either evaluated (matchable, or only about paths an app does not
        // have, listed) or warned about.
        let mut inert: BTreeMap<&str, usize> = BTreeMap::new();
        for i in set.indicators() {
            for p in &i.inert_paths {
                *inert.entry(p.as_str()).or_insert(0) += 1;
            }
            assert!(
                i.matchable
                    || !i.inert_paths.is_empty()
                    || set.warnings().iter().any(|w| w.object == i.id),
                "{name}: {} neither evaluated nor warned",
                i.pattern
            );
        }
        if !inert.is_empty() {
            println!("  not matchable against an app: {inert:?}");
        }
        total += n;
    }
    let all = IocSet::load_embedded().unwrap();
    assert_eq!(all.len(), total);
    assert_eq!(all.sources().len(), 6);
    assert!(all.sources().iter().all(|s| s.embedded));
    println!("embedded total: {total} indicators");
}

#[test]
fn echap_bundle_matches_its_sources() {
    // Independent count from the Echap sources when they are present beside the repository.
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/kb-sources/echap-stalkerware/samples.csv");
    let Ok(samples) = std::fs::read_to_string(&src) else {
        println!("SKIPPED: {} not found", src.display());
        return;
    };
    let distinct: std::collections::BTreeSet<&str> = samples
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    let text = std::fs::read_to_string(kb_dir().join("echap-stalkerware.stix2")).unwrap();
    let mut set = IocSet::new();
    set.add_bundle_str("echap", &text).unwrap();
    let hashes = set
        .indicators()
        .iter()
        .filter(|i| i.kinds().contains(&ObservableKind::FileSha256))
        .count();
    // Hashes are per family; a hash is in one family only.
    assert_eq!(hashes, distinct.len());
    let families: std::collections::BTreeSet<&str> = set
        .indicators()
        .iter()
        .flat_map(|i| i.families.iter().map(String::as_str))
        .collect();
    println!(
        "echap: {} families with indicators, {hashes} sample hashes",
        families.len()
    );
    assert!(families.len() > 100);
}

#[test]
fn echap_conversion_is_reproducible() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let src = root.join("../shared/kb-sources/echap-stalkerware");
    let yaml_ok = std::process::Command::new("python3")
        .args(["-c", "import yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !src.is_dir() || !yaml_ok {
        println!("SKIPPED: Echap sources or python3 with PyYAML not available");
        return;
    }
    let out = std::env::temp_dir().join(format!("echap-{}.stix2", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(root.join("kb/iocs/convert-echap.py"))
        .arg(&src)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let fresh = std::fs::read(&out).unwrap();
    let committed = std::fs::read(kb_dir().join("echap-stalkerware.stix2")).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        fresh == committed,
        "kb/iocs/echap-stalkerware.stix2 differs from a fresh conversion"
    );
}
