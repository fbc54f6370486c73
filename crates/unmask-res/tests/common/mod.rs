//! Shared helpers for the differential tests against AOSP `aapt`.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use unmask_res::{Element, Value, XmlDocument};

/// The shared corpus, or None (with a loud SKIPPED message) when absent.
pub fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: corpus not found at {}", p.display());
        None
    }
}

/// True when `aapt` runs; prints a loud SKIPPED message otherwise.
pub fn have_aapt() -> bool {
    let ok = Command::new("aapt")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: aapt not available on PATH");
    }
    ok
}

/// Every file with extension `ext` under `dir`, recursively, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A zip entry's bytes via `unzip -p` (independent of the project's zip reader).
pub fn unzip(apk: &Path, entry: &str) -> Option<Vec<u8>> {
    let o = Command::new("unzip")
        .arg("-p")
        .arg(apk)
        .arg(entry)
        .output()
        .ok()?;
    if o.status.success() && !o.stdout.is_empty() {
        Some(o.stdout)
    } else {
        None
    }
}

/// stdout of `aapt args...`, if it succeeded.
pub fn aapt(args: &[&str]) -> Option<String> {
    let o = Command::new("aapt").args(args).output().ok()?;
    if !o.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// `ResTable::normalizeForOutput` plus C-string truncation at NUL.
pub fn norm(s: &str) -> String {
    let s = s.split('\0').next().unwrap_or("");
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '"' => o.push_str("\\\""),
            c => o.push(c),
        }
    }
    o
}

/// Normalised lines of `aapt dump xmltree` output: `E<depth> name (line=N)` and
/// `A<depth> text`, namespace (`N:`) and text (`C:`/`CR:`) lines dropped, depth = number of
/// enclosing elements.
pub fn aapt_lines(out: &str) -> Vec<String> {
    let mut res = Vec::new();
    // (indent, is element): namespace lines indent what follows them too.
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut cur_depth = 0usize;
    for l in out.lines() {
        let indent = l.len() - l.trim_start().len();
        let t = l.trim_start();
        if t.starts_with("N: ") {
            while stack.last().is_some_and(|&(i, _)| i >= indent) {
                stack.pop();
            }
            stack.push((indent, false));
        } else if let Some(rest) = t.strip_prefix("E: ") {
            while stack.last().is_some_and(|&(i, _)| i >= indent) {
                stack.pop();
            }
            cur_depth = stack.iter().filter(|e| e.1).count();
            stack.push((indent, true));
            res.push(format!("E{cur_depth} {rest}"));
        } else if let Some(rest) = t.strip_prefix("A: ") {
            res.push(format!("A{cur_depth} {rest}"));
        }
    }
    res
}

fn prefix(doc: &XmlDocument, ns: Option<&str>) -> String {
    match ns {
        None => String::new(),
        Some(uri) => {
            let p = doc
                .namespaces
                .iter()
                .find(|n| n.uri == uri)
                .map(|n| n.prefix.clone())
                .unwrap_or_else(|| uri.to_string());
            format!("{p}:")
        }
    }
}

fn walk(doc: &XmlDocument, e: &Element, depth: usize, out: &mut Vec<String>) {
    out.push(format!(
        "E{depth} {}{} (line={})",
        prefix(doc, e.namespace.as_deref()),
        e.name,
        e.line
    ));
    for a in &e.attributes {
        let mut s = format!(
            "A{depth} {}{}",
            prefix(doc, a.namespace.as_deref()),
            a.pool_name
        );
        if let Some(id) = a.resource_id {
            s.push_str(&format!("(0x{id:08x})"));
        }
        match &a.value {
            Value::Null(_) if a.data_type == 0 => s.push_str("=(null)"),
            Value::Reference(r) => s.push_str(&format!("=@0x{r:08x}")),
            Value::Attribute(r) => s.push_str(&format!("=?0x{r:08x}")),
            Value::String(v) => s.push_str(&format!("=\"{}\"", norm(v))),
            _ => s.push_str(&format!("=(type 0x{:x})0x{:x}", a.data_type, a.data)),
        }
        if let Some(raw) = &a.raw_value {
            s.push_str(&format!(" (Raw: \"{}\")", norm(raw)));
        }
        out.push(s);
    }
    for c in &e.children {
        walk(doc, c, depth + 1, out);
    }
}

/// Our document rendered in the same normalised form as [`aapt_lines`].
pub fn our_lines(doc: &XmlDocument) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = &doc.root {
        walk(doc, r, 0, &mut out);
    }
    out
}

/// First difference between two line lists, if any.
pub fn first_diff(ours: &[String], theirs: &[String]) -> Option<String> {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        if a != b {
            return Some(format!("line {i}: ours  {a}\n        aapt  {b}"));
        }
    }
    if ours.len() != theirs.len() {
        return Some(format!(
            "length differs: ours {} lines, aapt {} lines; next ours {:?}, next aapt {:?}",
            ours.len(),
            theirs.len(),
            ours.get(theirs.len()),
            theirs.get(ours.len())
        ));
    }
    None
}
