//! Shared helpers for the integration tests: corpus discovery and dex extraction.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

/// The shared corpus, if present.
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    p.is_dir().then_some(p)
}

/// Every file under `dir`, recursively, in sorted order (appended to `out`).
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// `classes.dex`, `classes2.dex`, ...: the names the runtime loads.
pub fn is_classes_dex(name: &str) -> bool {
    let Some(mid) = name
        .strip_prefix("classes")
        .and_then(|s| s.strip_suffix(".dex"))
    else {
        return false;
    };
    mid.chars().all(|c| c.is_ascii_digit())
}

/// Every dex of the corpus: `(label, bytes)`; the `classes*.dex` of every APK under `real/`,
/// `droidbench/` and `edge/`, plus raw `.dex` files under `edge/`. Identical dex files are
/// kept once.
pub fn corpus_dexes(root: &Path, folders: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for f in folders {
        walk(&root.join(f), &mut files);
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in files {
        let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        let Ok(data) = std::fs::read(&p) else {
            continue;
        };
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "dex" {
            if seen.insert(data.clone()) {
                out.push((rel, data));
            }
        } else if ext == "apk" {
            let Ok(ar) = unmask_zip::Archive::parse(&data, unmask_zip::Limits::default()) else {
                continue;
            };
            for e in ar.entries() {
                if !is_classes_dex(&e.name) {
                    continue;
                }
                let Ok(bytes) = ar.read(e) else { continue };
                let bytes = bytes.into_owned();
                if seen.insert(bytes.clone()) {
                    out.push((format!("{rel}!{}", e.name), bytes));
                }
            }
        }
    }
    out
}
