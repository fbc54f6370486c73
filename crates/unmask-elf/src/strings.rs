//! Printable-string extraction from the data regions of a library.

use std::collections::HashMap;

use serde::Serialize;

use crate::parse::{slice, PF_X, PT_LOAD};
use crate::Elf;

const SHT_PROGBITS: u32 = 1;
const SHF_EXECINSTR: u64 = 4;

/// What [`Elf::strings`] extracts and its caps.
#[derive(Debug, Clone, Copy)]
pub struct StringOptions {
    /// Shortest run kept, in bytes (default 6, as `strings -n 6`).
    pub min_len: usize,
    /// Most distinct strings kept (default 100,000).
    pub max_strings: usize,
    /// Most bytes of distinct string text kept (default 16 MiB).
    pub max_total_bytes: usize,
    /// Longer runs are cut to this many bytes (at a character boundary) and marked
    /// [`FoundString::clipped`] (default 4096).
    pub max_string_len: usize,
    /// Accept UTF-8 multi-byte characters (not C1 controls) inside runs (default true);
    /// false gives 7-bit ASCII runs like binutils `strings`.
    pub utf8: bool,
    /// Also scan executable sections and segments (default false). Without a usable section
    /// table executable `PT_LOAD` segments are scanned anyway: GNU ld puts `.rodata` in the
    /// R+X segment, and nothing else tells it from code.
    pub include_executable: bool,
}

impl Default for StringOptions {
    fn default() -> Self {
        StringOptions {
            min_len: 6,
            max_strings: 100_000,
            max_total_bytes: 16 << 20,
            max_string_len: 4096,
            utf8: true,
            include_executable: false,
        }
    }
}

/// Whether a [`Region`] is a section or a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// A section from the section table.
    Section,
    /// The part of a `PT_LOAD` segment that no section covers (see [`StringOptions`]).
    Segment,
}

/// Where a string was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region<'a> {
    /// Section or segment.
    pub kind: RegionKind,
    /// Section index, or program header index.
    pub index: u32,
    /// Section name (empty when unnamed or not valid UTF-8), or `"PT_LOAD"`.
    pub name: &'a str,
}

/// One distinct string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundString<'a> {
    /// The text, borrowed from the input.
    pub text: &'a str,
    /// File offset of its first occurrence.
    pub offset: u64,
    /// Where the first occurrence is.
    pub region: Region<'a>,
    /// How many times it occurs in the scanned regions (until a cap stopped the scan).
    pub count: u32,
    /// The run was longer than [`StringOptions::max_string_len`] and was cut.
    pub clipped: bool,
}

/// The result of [`Elf::strings`].
#[derive(Debug, Clone, Serialize)]
pub struct Strings<'a> {
    /// Distinct strings in file-offset order of first occurrence.
    pub items: Vec<FoundString<'a>>,
    /// A cap ([`StringOptions::max_strings`] or `max_total_bytes`) stopped the scan.
    pub truncated: bool,
    /// Bytes scanned (up to the chunk where a cap stopped the scan).
    pub scanned_bytes: u64,
}

/// A file range to scan.
struct Span<'a> {
    start: u64,
    end: u64,
    region: Region<'a>,
}

/// The regions to scan, in file order, with no byte in two of them.
fn spans<'a>(elf: &Elf<'a>, opts: &StringOptions) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for s in elf.sections.iter().filter(|s| s.in_file && s.size > 0) {
        let executable = s.flags & SHF_EXECINSTR != 0;
        let wanted = s.name == ".dynstr"
            || (s.sh_type == SHT_PROGBITS && (!executable || opts.include_executable));
        if wanted {
            spans.push(Span {
                start: s.offset,
                end: s.offset.saturating_add(s.size),
                region: Region {
                    kind: RegionKind::Section,
                    index: s.index,
                    // Borrowed from the input, so the result outlives the `Elf`.
                    name: match &s.name {
                        std::borrow::Cow::Borrowed(name) => name,
                        std::borrow::Cow::Owned(_) => "",
                    },
                },
            });
        }
    }
    // Bytes of loadable data segments that no section describes (no section table, or one that
    // lies about where the data is).
    let mut covered: Vec<(u64, u64)> = elf
        .sections
        .iter()
        .filter(|s| s.in_file && s.size > 0)
        .map(|s| (s.offset, s.offset.saturating_add(s.size)))
        .collect();
    covered.sort_unstable();
    // Without a usable section table nothing tells `.rodata` from `.text`, and GNU ld puts
    // both in the R+X segment: executable segments are scanned too.
    let no_sections = covered.is_empty();
    let len = elf.data.len() as u64;
    for seg in elf.segments.iter().filter(|s| s.p_type == PT_LOAD) {
        if seg.flags & PF_X != 0 && !opts.include_executable && !no_sections {
            continue;
        }
        let seg_end = seg.offset.saturating_add(seg.filesz).min(len);
        let mut at = seg.offset;
        for &(start, end) in &covered {
            if at >= seg_end {
                break;
            }
            if end <= at {
                continue;
            }
            if start > at {
                spans.push(Span {
                    start: at,
                    end: start.min(seg_end),
                    region: Region {
                        kind: RegionKind::Segment,
                        index: seg.index,
                        name: "PT_LOAD",
                    },
                });
            }
            at = at.max(end);
        }
        if at < seg_end {
            spans.push(Span {
                start: at,
                end: seg_end,
                region: Region {
                    kind: RegionKind::Segment,
                    index: seg.index,
                    name: "PT_LOAD",
                },
            });
        }
    }
    // File order; overlapping regions (bogus tables) are clipped so no byte is scanned twice.
    spans.sort_by_key(|s| (s.start, s.end));
    let mut reach = 0u64;
    let mut out = Vec::with_capacity(spans.len());
    for mut s in spans {
        s.start = s.start.max(reach);
        if s.start < s.end {
            reach = s.end;
            out.push(s);
        }
    }
    out
}

/// Printable ASCII (space to tilde) and tab, as binutils `strings`.
fn is_printable_ascii(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\t'
}

/// Length of the UTF-8 character starting at `bytes[0]`, when it is a valid multi-byte
/// sequence for a non-control character.
fn utf8_char_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.first()?;
    let width = match first {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(bytes.get(..width)?).ok()?;
    let c = s.chars().next()?;
    (!c.is_control()).then_some(width)
}

struct Collector<'a, 'o> {
    opts: &'o StringOptions,
    items: Vec<FoundString<'a>>,
    seen: HashMap<&'a str, usize>,
    total: usize,
    truncated: bool,
}

impl<'a> Collector<'a, '_> {
    /// Records one run; false when a cap stops the scan.
    fn add(&mut self, run: &'a [u8], offset: u64, region: Region<'a>) -> bool {
        let (run, clipped) = if run.len() > self.opts.max_string_len {
            // Cut at a character boundary.
            let mut cut = self.opts.max_string_len;
            while cut > 0 && run.get(cut).is_some_and(|b| (0x80..0xc0).contains(b)) {
                cut -= 1;
            }
            (run.get(..cut).unwrap_or(run), true)
        } else {
            (run, false)
        };
        let Ok(text) = std::str::from_utf8(run) else {
            return true;
        };
        if let Some(&i) = self.seen.get(text) {
            if let Some(item) = self.items.get_mut(i) {
                item.count = item.count.saturating_add(1);
            }
            return true;
        }
        if self.items.len() >= self.opts.max_strings
            || self.total.saturating_add(text.len()) > self.opts.max_total_bytes
        {
            self.truncated = true;
            return false;
        }
        self.total = self.total.saturating_add(text.len());
        self.seen.insert(text, self.items.len());
        self.items.push(FoundString {
            text,
            offset,
            region,
            count: 1,
            clipped,
        });
        true
    }

    /// Scans a NUL-free chunk for runs; false when a cap stops the scan.
    fn scan_chunk(&mut self, chunk: &'a [u8], base: u64, region: Region<'a>) -> bool {
        let min = self.opts.min_len.max(1);
        let mut start = 0usize;
        let mut i = 0usize;
        while let Some(&b) = chunk.get(i) {
            if is_printable_ascii(b) {
                i += 1;
                continue;
            }
            if self.opts.utf8 && b >= 0x80 {
                if let Some(w) = chunk.get(i..).and_then(utf8_char_len) {
                    i += w;
                    continue;
                }
            }
            if i - start >= min {
                if let Some(run) = chunk.get(start..i) {
                    if !self.add(run, base.saturating_add(start as u64), region) {
                        return false;
                    }
                }
            }
            i += 1;
            start = i;
        }
        if chunk.len().saturating_sub(start) >= min {
            if let Some(run) = chunk.get(start..) {
                return self.add(run, base.saturating_add(start as u64), region);
            }
        }
        true
    }
}

pub(crate) fn extract<'a>(elf: &Elf<'a>, opts: &StringOptions) -> Strings<'a> {
    let min = opts.min_len.max(1);
    let mut c = Collector {
        opts,
        items: Vec::new(),
        seen: HashMap::new(),
        total: 0,
        truncated: false,
    };
    let mut scanned = 0u64;
    'regions: for span in spans(elf, opts) {
        let Some(bytes) = slice(elf.data, span.start, span.end) else {
            continue;
        };
        // NUL splits the data into chunks, and a run needs `min` bytes without one. If the
        // window [pos, pos + min) holds a NUL, no run starts before it: jump past the last
        // one (in zero-filled data that skips `min` bytes per look). Otherwise the chunk
        // ends at the next NUL (memchr) and is scanned for runs.
        let len = bytes.len();
        let mut pos = 0usize;
        while pos.saturating_add(min) <= len {
            let window = bytes.get(pos..pos + min).unwrap_or(&[]);
            if let Some(j) = memchr::memrchr(0, window) {
                pos += j + 1;
                continue;
            }
            let from = pos + min;
            let end = memchr::memchr(0, bytes.get(from..).unwrap_or(&[])).map_or(len, |n| from + n);
            if let Some(chunk) = bytes.get(pos..end) {
                if !c.scan_chunk(chunk, span.start.saturating_add(pos as u64), span.region) {
                    scanned = scanned.saturating_add(end as u64);
                    break 'regions;
                }
            }
            pos = end.saturating_add(1);
        }
        scanned = scanned.saturating_add(len as u64);
    }
    Strings {
        items: c.items,
        truncated: c.truncated,
        scanned_bytes: scanned,
    }
}
