//! Anomaly collection with a per-kind cap.

use serde::Serialize;
use std::collections::BTreeMap;

/// Stable anomaly kinds (the `kind` field of [`Anomaly`]). See the crate docs for what each
/// one says about a library.
pub mod kind {
    /// `EI_VERSION` in `e_ident` is not 1 (`EV_CURRENT`); the file is read anyway.
    pub const BAD_IDENT_VERSION: &str = "bad_ident_version";
    /// `e_type` is not `ET_DYN`/`ET_EXEC`/`ET_REL`/`ET_CORE`.
    pub const UNKNOWN_FILE_TYPE: &str = "unknown_file_type";
    /// No section header table (`e_shoff` or `e_shnum` is 0) although the file has a
    /// dynamic segment: the section table was stripped (packers and `sstrip` do this).
    pub const NO_SECTION_HEADERS: &str = "no_section_headers";
    /// The section header table does not lie inside the file (or its count is absurd).
    pub const SECTION_HEADERS_OUT_OF_BOUNDS: &str = "section_headers_out_of_bounds";
    /// `e_shentsize` differs from the size of a section header of this class.
    pub const BAD_SECTION_HEADER_SIZE: &str = "bad_section_header_size";
    /// `e_shstrndx` is 0, out of range, or names a section that is not a usable string table.
    pub const BAD_SHSTRNDX: &str = "bad_shstrndx";
    /// A section's file range (offset + size) runs past the end of the file.
    pub const SECTION_OUT_OF_BOUNDS: &str = "section_out_of_bounds";
    /// The program header table is missing, cut off, or has a bad entry size.
    pub const BAD_PROGRAM_HEADERS: &str = "bad_program_headers";
    /// A segment's file range (offset + filesz) runs past the end of the file.
    pub const SEGMENT_OUT_OF_BOUNDS: &str = "segment_out_of_bounds";
    /// Two `PT_LOAD` segments overlap in memory.
    pub const OVERLAPPING_SEGMENTS: &str = "overlapping_segments";
    /// `PT_LOAD` segments are not in ascending address order.
    pub const UNORDERED_SEGMENTS: &str = "unordered_segments";
    /// A `PT_LOAD` segment is writable and executable (self-modifying or unpacking code).
    pub const WRITABLE_EXECUTABLE_SEGMENT: &str = "writable_executable_segment";
    /// A segment's `p_filesz` is larger than its `p_memsz`.
    pub const SEGMENT_FILESZ_GT_MEMSZ: &str = "segment_filesz_gt_memsz";
    /// More than one `PT_DYNAMIC` segment.
    pub const MULTIPLE_DYNAMIC: &str = "multiple_dynamic";
    /// The `.dynamic` section and the `PT_DYNAMIC` segment disagree (the segment is used).
    pub const DYNAMIC_SECTION_MISMATCH: &str = "dynamic_section_mismatch";
    /// The dynamic table is cut off, has no `DT_NULL`, or too many entries.
    pub const BAD_DYNAMIC: &str = "bad_dynamic";
    /// A dynamic-table address (`DT_STRTAB`, `DT_SYMTAB`, hash) is not in any loaded segment.
    pub const DYNAMIC_ADDRESS_UNMAPPED: &str = "dynamic_address_unmapped";
    /// A dynamic string (`DT_NEEDED`, `DT_SONAME`, a symbol name) cannot be read.
    pub const BAD_DYNAMIC_STRING: &str = "bad_dynamic_string";
    /// The dynamic symbol count could not be taken from a hash table and was guessed.
    pub const SYMBOL_COUNT_GUESSED: &str = "symbol_count_guessed";
    /// The dynamic symbol table runs past the end of the file or exceeds the cap.
    pub const SYMBOLS_TRUNCATED: &str = "symbols_truncated";
    /// `.dynsym` (section table) and `DT_SYMTAB` (dynamic segment) disagree.
    pub const DYNSYM_MISMATCH: &str = "dynsym_mismatch";
    /// `DT_TEXTREL` or `DF_TEXTREL`: the loader must write to code pages.
    pub const TEXT_RELOCATIONS: &str = "text_relocations";
    /// A `PT_LOAD` segment of at least 8 KiB whose bytes look compressed or encrypted:
    /// Shannon entropy ≥ 7.5 bits per byte for an executable segment (machine code stays
    /// below 7.3), ≥ 7.95 for a data segment (tables of ordinary libraries stay below 7.93).
    pub const HIGH_ENTROPY_SEGMENT: &str = "high_entropy_segment";
    /// The `UPX!` marker of the UPX packer near the start or at the end of the file.
    pub const UPX_SIGNATURE: &str = "upx_signature";
    /// Bytes after everything the headers describe (an appended payload).
    pub const TRAILING_DATA: &str = "trailing_data";
    /// More anomalies of one kind than are listed; the rest were counted.
    pub const ANOMALIES_TRUNCATED: &str = "anomalies_truncated";
}

/// Something in the file that a well-formed library does not have. Anomalies never stop
/// parsing; many are traces left by packers and protectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// Stable machine-readable kind, snake_case; see [`kind`].
    pub kind: &'static str,
    /// Human-readable explanation with the offsets and values concerned.
    pub detail: String,
}

/// At most this many anomalies of one kind are listed.
const MAX_PER_KIND: usize = 32;

#[derive(Default)]
pub(crate) struct Anomalies {
    list: Vec<Anomaly>,
    counts: BTreeMap<&'static str, usize>,
}

impl Anomalies {
    pub(crate) fn push(&mut self, kind: &'static str, detail: impl FnOnce() -> String) {
        let count = self.counts.entry(kind).or_insert(0);
        *count = count.saturating_add(1);
        if *count <= MAX_PER_KIND {
            self.list.push(Anomaly {
                kind,
                detail: detail(),
            });
        }
    }

    pub(crate) fn has(&self, kind: &str) -> bool {
        self.counts.contains_key(kind)
    }

    pub(crate) fn finish(mut self) -> Vec<Anomaly> {
        for (kind, count) in &self.counts {
            if *count > MAX_PER_KIND {
                self.list.push(Anomaly {
                    kind: kind::ANOMALIES_TRUNCATED,
                    detail: format!(
                        "{kind}: {} more not listed ({count} in all)",
                        count - MAX_PER_KIND
                    ),
                });
            }
        }
        self.list
    }
}
