//! DroidBench (`shared/corpus/droidbench`): for every app whose ground truth lists a leak (or
//! an unknown number), the data category of the leaked source must be among the findings.
//!
//! `GROUND_TRUTH.tsv` gives the number of leaks but not the source, so the expected category
//! is read from the app's description: `password` → `credentials`, location words →
//! `location`, IMEI / device id / subscriber / SIM words → `device_id`. For the other
//! descriptions ("tainted data is created...") the expected answer is "some data category
//! collected by the app's own code" (evidence in a class outside `android/`, `androidx/`,
//! `com/google/`), since DroidBench's sources are almost always `getDeviceId` or location.
//! Misses the analysis cannot see by design are listed in `EXPLAINED` with the reason; any
//! other miss fails the test, and so does an explained miss that starts matching (so the
//! list stays true).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use unmask_analysis::{analyze_path, Evidence, Findings, Options, Section};

/// `(apk, reason, finding kind that must be reported instead, or "")`.
const EXPLAINED: &[(&str, &str, &str)] = &[
    ("AndroidSpecific/PrivateDataLeak1.apk", "source is the text of a password field: needs layout evidence (kb `context` rows are not raised alone)", ""),
    ("AndroidSpecific/PrivateDataLeak2.apk", "source is the text of a password field (context row)", ""),
    ("ImplicitFlows/ImplicitFlow2.apk", "source is the text of a password field (context row)", ""),
    ("ImplicitFlows/ImplicitFlow3.apk", "source is the text of a password field (context row)", ""),
    ("ImplicitFlows/ImplicitFlow4.apk", "source is the text of a password field (context row)", ""),
    ("Native/JavaIDFunction.apk", "source read in native code (ELF not analysed; reported as code.native_loading)", "code.native_loading"),
    ("Native/SourceInNativeCode.apk", "source read in native code (ELF not analysed; reported as code.native_loading)", "code.native_loading"),
    ("Reflection_ICC/OnlyTelephony_Reverse.apk", "getDeviceId called by reflection with its name built by reversing a string (reported as code.reflection)", "code.reflection"),
    ("Reflection_ICC/OnlyTelephony_Substring.apk", "getDeviceId called by reflection with its name built by substring() (reported as code.reflection)", "code.reflection"),
    ("InterComponentCommunication/IntentSource1.apk", "source is data returned by another activity in onActivityResult, no framework source", ""),
    ("InterAppCommunication/Collector/Collector.apk", "receives its data from other apps through intents", ""),
    ("InterAppCommunication/Echoer.apk", "echoes intent data back; no source of its own (ground truth unknown)", ""),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/droidbench")
}

/// Apps whose description names the wrong source; the source was checked in the code with
/// `unmask dex APK --method ...`.
const OVERRIDES: &[(&str, &str)] = &[
    // "location information leakage in attachBaseContext": the method calls getDeviceId.
    ("Callbacks/MethodOverride1.apk", "device_id"),
];

/// True if `word` occurs in `d` at a word start (so "allocation" is not "location").
fn has_word(d: &str, word: &str) -> bool {
    d.match_indices(word).any(|(i, _)| {
        !d[..i]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn expected(apk: &str, desc: &str) -> Option<&'static str> {
    if let Some((_, c)) = OVERRIDES.iter().find(|(a, _)| *a == apk) {
        return Some(c);
    }
    let d = desc.to_ascii_lowercase();
    if d.contains("password") {
        Some("credentials")
    } else if ["location", "gps", "latitude", "longitude"]
        .iter()
        .any(|w| has_word(&d, w))
    {
        Some("location")
    } else if ["imei", "device id", "deviceid", "subscriber", "sim serial"]
        .iter()
        .any(|w| has_word(&d, w))
    {
        Some("device_id")
    } else {
        None
    }
}

fn in_app_code(e: &Evidence) -> bool {
    let class = match e {
        Evidence::Code { class, .. } | Evidence::Method { class, .. } => class,
        _ => return false,
    };
    !["Landroid/", "Landroidx/", "Lcom/google/"]
        .iter()
        .any(|p| class.starts_with(p))
}

fn matches(f: &Findings, want: Option<&str>) -> bool {
    f.section(Section::DataCollected).any(|x| {
        let cat_ok = match want {
            Some(w) => x.category.as_deref() == Some(w),
            None => true,
        };
        cat_ok && x.evidence.iter().any(in_app_code)
    })
}

#[test]
fn droidbench_source_categories() {
    let dir = corpus();
    let Ok(gt) = std::fs::read_to_string(dir.join("GROUND_TRUTH.tsv")) else {
        eprintln!("SKIPPED: DroidBench corpus not found at {}", dir.display());
        return;
    };
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let opts = Options::default();
    let (mut total, mut matched) = (0, 0);
    let mut unexplained = Vec::new();
    let mut explained_misses = Vec::new();
    let mut stale = Vec::new();
    for line in gt.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (apk, leaks, desc) = (cols[0], cols[2], cols.get(4).copied().unwrap_or(""));
        if leaks == "0" {
            continue;
        }
        total += 1;
        let want = expected(apk, desc);
        let (_, f) = analyze_path(&dir.join(apk), kb, &iocs, &opts).expect(apk);
        let ok = matches(&f, want);
        let explained = EXPLAINED.iter().find(|(a, _, _)| *a == apk);
        if let Some((_, _, kind)) = explained.filter(|e| !e.2.is_empty()) {
            assert!(f.of_kind(kind).next().is_some(), "{apk}: {kind} expected");
        }
        let reason = explained.map(|(_, r, _)| *r);
        match (ok, reason) {
            (true, None) => matched += 1,
            (true, Some(_)) => {
                matched += 1;
                stale.push(apk.to_string());
            }
            (false, Some(r)) => explained_misses.push(format!("{apk}: {r}")),
            (false, None) => unexplained.push(format!(
                "{apk}: expected {} in app code; found {:?}",
                want.unwrap_or("any category"),
                f.collected_categories()
            )),
        }
    }
    eprintln!(
        "DroidBench: {matched}/{total} leaking apps have the source's category among the findings"
    );
    for m in &explained_misses {
        eprintln!("  explained miss: {m}");
    }
    assert!(total >= 150, "only {total} leaking apps read");
    assert!(
        unexplained.is_empty(),
        "unexplained misses:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "now matched, remove from EXPLAINED: {stale:?}"
    );
}
