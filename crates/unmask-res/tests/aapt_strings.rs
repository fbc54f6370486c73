//! `pool_strings` (the resource table's global string pool, used to scan resources for
//! endpoints) against `aapt dump strings` on every APK of the corpus and the fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;
use std::path::Path;

/// Splits `aapt dump strings` output into its strings (they may span lines: a string ends
/// where the line `String #<next>: ` begins).
fn aapt_strings(out: &str) -> Vec<String> {
    let mut strings: Vec<String> = Vec::new();
    for line in out.lines().skip(1) {
        let next = format!("String #{}: ", strings.len());
        if let Some(rest) = line.strip_prefix(&next) {
            strings.push(rest.to_string());
        } else if let Some(last) = strings.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    strings
}

#[test]
fn global_string_pool_equals_aapt_dump_strings() {
    if !have_aapt() {
        return;
    }
    let mut apks = files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apk"),
        "apk",
    );
    if let Some(c) = corpus() {
        apks.extend(files(&c.join("real"), "apk"));
        apks.extend(files(&c.join("droidbench"), "apk"));
    }
    let (mut compared, mut strings) = (0, 0);
    for apk in &apks {
        let Some(arsc) = unzip(apk, "resources.arsc") else {
            continue;
        };
        let Some(out) = aapt(&["dump", "strings", apk.to_str().unwrap()]) else {
            continue;
        };
        if !out.starts_with("String pool of") {
            continue;
        }
        let theirs = aapt_strings(&out);
        let ours: Vec<String> = unmask_res::pool_strings(&arsc, usize::MAX, usize::MAX)
            .into_iter()
            // aapt prints a string's lines as they are; trailing line breaks vanish in `lines()`.
            .map(|s| s.trim_end_matches('\n').to_string())
            .collect();
        let theirs: Vec<String> = theirs
            .into_iter()
            .map(|s| s.trim_end_matches('\n').to_string())
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{}: string count", apk.display());
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a, b, "{}: string #{i}", apk.display());
        }
        compared += 1;
        strings += ours.len();
    }
    eprintln!("pool_strings equals `aapt dump strings`: {compared} APKs, {strings} strings");
    assert!(compared >= 5, "too few APKs compared ({compared})");
}
