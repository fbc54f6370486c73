//! Inputs shared by the integration tests: ELF files from the shared corpus APKs, the repo's
//! fixture APK, and the machine's own libraries.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/corpus` relative to the repo root, when present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    dir.is_dir().then_some(dir)
}

/// The repo's fixture APK with small ELF files (`lib/*/*.so`, `assets/lib.dat`).
pub fn fixture_apk() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/apk/hidden-payloads.apk"
    ))
}

/// Every `*.apk` under `dir`, sorted.
pub fn apks_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "apk") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Entries of an APK that may be native code: `*.so`, anything under `lib/` or `assets/`, read
/// with `unzip -p`. Returns (entry name, bytes) for those that are non-empty.
pub fn apk_native_entries(apk: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(list) = Command::new("unzip").arg("-Z1").arg(apk).output() else {
        return Vec::new();
    };
    let names = String::from_utf8_lossy(&list.stdout).into_owned();
    let mut out = Vec::new();
    for name in names.lines() {
        let wanted = name.ends_with(".so")
            || ((name.starts_with("lib/") || name.starts_with("assets/")) && !name.ends_with('/'));
        if !wanted {
            continue;
        }
        // unzip treats names as wildcard patterns; escape the metacharacters.
        let mut pattern = String::new();
        for c in name.chars() {
            if matches!(c, '[' | ']' | '*' | '?' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        let Ok(o) = Command::new("unzip")
            .arg("-p")
            .arg(apk)
            .arg(&pattern)
            .output()
        else {
            continue;
        };
        if !o.stdout.is_empty() {
            out.push((name.to_string(), o.stdout));
        }
    }
    out
}

/// ELF files of this machine: a sorted, bounded sample of x86-64 libraries and every library
/// of the cross-compilation packages (`libc6-arm64-cross`, `libc6-armhf-cross`,
/// `libc6-mips-cross`, `libc6-riscv64-cross`, `libc6-i386-cross`, `libstdc++6-arm64-cross`)
/// that is installed. Files larger than `max_size` are left out.
pub fn system_elves(sample: usize, max_size: u64) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut add_dir = |dir: &str, limit: usize| {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains(".so"))
            })
            .filter(|p| {
                std::fs::symlink_metadata(p)
                    .is_ok_and(|m| m.file_type().is_file() && m.len() <= max_size)
            })
            .collect();
        files.sort();
        let mut taken = 0;
        for p in files {
            if taken >= limit {
                break;
            }
            let is_elf = std::fs::read(&p).is_ok_and(|d| d.starts_with(b"\x7fELF"));
            if is_elf {
                out.push(p);
                taken += 1;
            }
        }
    };
    add_dir("/usr/lib/x86_64-linux-gnu", sample);
    for cross in [
        "/usr/aarch64-linux-gnu/lib",
        "/usr/arm-linux-gnueabihf/lib",
        "/usr/mips-linux-gnu/lib",
        "/usr/riscv64-linux-gnu/lib",
        "/usr/i686-linux-gnu/lib",
    ] {
        add_dir(cross, usize::MAX);
    }
    out
}

/// A fresh scratch directory for this test process.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unmask-elf-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// True when `tool` runs.
pub fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}
