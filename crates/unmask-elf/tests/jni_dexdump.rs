//! JNI exports against the app's own code: every method that an APK's dex declares `native`
//! (read with AOSP `dexdump`, an independent oracle) must be found, by class and method name,
//! among the decoded `Java_*` exports of that APK's native libraries. (An app could bind
//! natives with `RegisterNatives` instead, which leaves no export; the corpus apps do not.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use unmask_elf::{Elf, JniKind};

/// (class as `a.b.C`, method) of every native method in a dex, from `dexdump`'s listing.
fn dex_natives(dex: &[u8], scratch: &std::path::Path) -> BTreeSet<(String, String)> {
    let path = scratch.join("classes.dex");
    std::fs::write(&path, dex).unwrap();
    let out = Command::new("dexdump")
        .arg(&path)
        .output()
        .expect("dexdump runs (Debian package dexdump)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut natives = BTreeSet::new();
    let mut class = String::new();
    let mut method = String::new();
    for line in text.lines() {
        let t = line.trim();
        let quoted = || {
            let a = t.find('\'')?;
            let b = t.rfind('\'')?;
            (b > a).then(|| t[a + 1..b].to_string())
        };
        if t.starts_with("Class descriptor") {
            let d = quoted().unwrap_or_default();
            class = d
                .trim_start_matches('L')
                .trim_end_matches(';')
                .replace('/', ".");
        } else if t.starts_with("name ") {
            method = quoted().unwrap_or_default();
        } else if t.starts_with("access ") && t.contains("NATIVE") {
            natives.insert((class.clone(), method.clone()));
        }
    }
    natives
}

#[test]
fn dex_natives_have_jni_exports() {
    let Some(dir) = common::corpus_dir() else {
        println!("SKIPPED: ../shared/corpus not found");
        return;
    };
    let scratch = common::scratch("jni");
    let mut apks_with_code = 0;
    let mut natives_checked = 0;
    let mut exports_decoded = 0;
    let mut missing = Vec::new();
    for sub in ["real", "droidbench", "edge"] {
        for apk in common::apks_under(&dir.join(sub)) {
            let mut decoded = BTreeSet::new();
            for (_, bytes) in common::apk_native_entries(&apk) {
                let Ok(elf) = Elf::parse(&bytes) else {
                    continue;
                };
                for j in elf.jni_exports() {
                    if j.kind == JniKind::NativeMethod {
                        exports_decoded += 1;
                        if let (Some(c), Some(m)) = (j.class, j.method) {
                            decoded.insert((c, m));
                        }
                    }
                }
            }
            if decoded.is_empty() {
                continue;
            }
            apks_with_code += 1;
            let list = Command::new("unzip").arg("-Z1").arg(&apk).output().unwrap();
            for name in String::from_utf8_lossy(&list.stdout).lines() {
                if !(name.starts_with("classes") && name.ends_with(".dex")) {
                    continue;
                }
                let dex = Command::new("unzip")
                    .arg("-p")
                    .arg(&apk)
                    .arg(name)
                    .output()
                    .unwrap();
                for native in dex_natives(&dex.stdout, &scratch) {
                    natives_checked += 1;
                    if !decoded.contains(&native) {
                        missing.push(format!("{}: {}.{}", apk.display(), native.0, native.1));
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "jni: {apks_with_code} APKs with Java_* exports, {exports_decoded} exports decoded, {natives_checked} dex native methods all found: {}",
        missing.is_empty()
    );
    assert!(
        missing.is_empty(),
        "native methods without export: {missing:#?}"
    );
    assert!(natives_checked > 0, "no native method checked");
}
