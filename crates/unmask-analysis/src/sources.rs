//! Text outside the dex files: strings of the resource table and of binary XML resources,
//! printable runs in assets and raw resources, and strings of native libraries (ELF data
//! sections, via `unmask-elf`), each with where it was found. Only strings the caller wants
//! are kept (those that may hold an endpoint — a `://` or a dotted quad — or name a watched
//! app), so memory stays proportional to what matters.

use crate::model::Evidence;

/// A string found outside the dex files.
#[derive(Debug, Clone)]
pub struct TextString {
    /// Archive entry (`member.apk!entry` inside a bundle).
    pub entry: String,
    /// Where in the entry: `resource table string`, `binary XML string`,
    /// `bytes at offset 0x..`, `string at offset 0x.. in .rodata`.
    pub detail: String,
    /// The text.
    pub text: String,
}

impl TextString {
    /// The evidence pointing at this string.
    pub fn evidence(&self) -> Evidence {
        Evidence::Entry {
            name: self.entry.clone(),
            detail: format!("{}: {:?}", self.detail, clip(&self.text)),
        }
    }
}

fn clip(s: &str) -> String {
    s.chars().take(512).collect()
}

/// Largest entry read for strings (bytes, after inflating).
pub const MAX_ENTRY: usize = 64 << 20;
/// Most bytes inflated for strings per input; further entries are skipped and named.
pub const MAX_TOTAL: usize = 512 << 20;
/// Most strings kept per input.
pub const MAX_KEPT: usize = 100_000;
/// Shortest printable run taken from assets.
const MIN_RUN: usize = 8;

/// Whether a string may hold a URL or an IPv4 address.
pub fn may_hold_endpoint(s: &str) -> bool {
    s.contains("://") || s.bytes().filter(|b| *b == b'.').count() >= 3
}

/// Which entries are read: the resource table, XML resources, raw resources, assets and
/// native libraries (and any other `.so`); dex files are analysed as code instead.
fn wanted(name: &str) -> bool {
    let base = name.rsplit('!').next().unwrap_or(name);
    base == "resources.arsc"
        || (base.starts_with("res/") && (base.ends_with(".xml") || base.starts_with("res/raw")))
        || base.starts_with("assets/")
        || base.starts_with("lib/")
        || base.ends_with(".so")
}

/// Collects the strings that `keep` accepts from every wanted entry of an input. Returns the
/// strings and lines naming what was skipped (over a cap, unreadable).
pub fn collect(
    path: &std::path::Path,
    opts: &unmask_apk::Options,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(Vec<TextString>, Vec<String>), unmask_apk::AnalyzeError> {
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut skipped_budget = Vec::new();
    let mut skipped = unmask_apk::visit_entries(path, opts, MAX_ENTRY, wanted, |name, data| {
        if out.len() >= MAX_KEPT {
            return;
        }
        total = total.saturating_add(data.len());
        if total > MAX_TOTAL {
            skipped_budget.push(format!(
                "{name}: not scanned for strings: over the {MAX_TOTAL}-byte budget per input"
            ));
            return;
        }
        strings_of(name, data, 1, keep, &mut out);
    })?;
    out.truncate(MAX_KEPT);
    skipped.append(&mut skipped_budget);
    Ok((out, skipped))
}

/// The strings of one entry, by what its bytes are; a ZIP inside is opened `depth` levels
/// deep (its entries named `entry!inner`).
pub fn strings_of(
    name: &str,
    data: &[u8],
    depth: u32,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<TextString>,
) {
    if depth > 0 && data.starts_with(b"PK\x03\x04") {
        if let Ok(inner) = unmask_zip::Archive::parse(data, unmask_zip::Limits::default()) {
            let mut budget = MAX_ENTRY;
            for e in inner.entries() {
                if e.uncompressed_size > budget as u64 {
                    continue;
                }
                if let Ok(bytes) = unmask_apk::facts::read_capped(&inner, e, budget) {
                    budget = budget.saturating_sub(bytes.len());
                    strings_of(&format!("{name}!{}", e.name), &bytes, depth - 1, keep, out);
                }
            }
            return;
        }
    }
    let mut push = |detail: String, text: String| {
        if out.len() < MAX_KEPT {
            out.push(TextString {
                entry: name.to_string(),
                detail,
                text,
            });
        }
    };
    if data.starts_with(&[2, 0]) || data.starts_with(&[3, 0]) {
        let what = if data.starts_with(&[2, 0]) {
            "resource table string"
        } else {
            "binary XML string"
        };
        let strings = unmask_res::pool_strings(data, MAX_KEPT, 1 << 16);
        if !strings.is_empty() {
            for s in strings {
                if keep(&s) {
                    push(what.to_string(), s);
                }
            }
            return;
        }
    }
    if unmask_elf::is_elf(data) {
        if let Ok(elf) = unmask_elf::Elf::parse(data) {
            let found = elf.strings(&unmask_elf::StringOptions::default());
            for s in &found.items {
                if keep(s.text) {
                    push(
                        format!("string at offset {:#x} in {}", s.offset, s.region.name),
                        s.text.to_string(),
                    );
                }
            }
            return;
        }
    }
    // Anything else: printable ASCII runs, like `strings`.
    let mut start = None;
    for (i, b) in data
        .iter()
        .enumerate()
        .chain(std::iter::once((data.len(), &0u8)))
    {
        let printable = (0x20..0x7f).contains(b) || *b == b'\t';
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                if i.saturating_sub(s) >= MIN_RUN {
                    let run = data.get(s..i).and_then(|r| std::str::from_utf8(r).ok());
                    if let Some(run) = run.filter(|r| keep(r)) {
                        push(format!("bytes at offset {s:#x}"), run.to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn printable_runs_with_offsets() {
        let mut out = Vec::new();
        strings_of(
            "assets/cfg.bin",
            b"\x00\x01url=http://c2.example.net/x\x00short\x0010.1.2.3:80 tail",
            1,
            &|s: &str| may_hold_endpoint(s),
            &mut out,
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|s| (s.detail.as_str(), s.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("bytes at offset 0x2", "url=http://c2.example.net/x"),
                ("bytes at offset 0x24", "10.1.2.3:80 tail"),
            ]
        );
        assert!(wanted("assets/a/b.txt"));
        assert!(wanted("base.apk!lib/arm64-v8a/libx.so"));
        assert!(wanted("res/xml/config.xml"));
        assert!(!wanted("res/drawable/icon.png"));
        assert!(!wanted("classes.dex"));
    }
}
