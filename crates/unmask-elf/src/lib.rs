//! Reader for Android native libraries (`lib/<abi>/*.so`, and ELF files hidden in assets).
//!
//! unmask reports what a native library depends on, what it exports to Java, the strings it
//! carries (URLs, hosts, IPs are searched in them by the analysis layer) and the traces
//! packers and protectors leave. Input is hostile: nothing here panics, every count and
//! offset read from the file is checked against the bytes that remain, and every result
//! borrows from the input slice.
//!
//! ```no_run
//! # fn main() -> Result<(), unmask_elf::Error> {
//! # let bytes: Vec<u8> = Vec::new();
//! use unmask_elf::{Elf, StringOptions};
//! let elf = Elf::parse(&bytes)?;                       // fails only on an unusable ELF header
//! let facts = elf.facts();                             // serde::Serialize
//! println!("{:?} {:?} needs {:?}", facts.machine_name, facts.kind, facts.needed);
//! for jni in &facts.jni {
//!     println!("{} -> {:?}.{:?}", jni.symbol, jni.class, jni.method);
//! }
//! for s in elf.strings(&StringOptions::default()).items {
//!     println!("{:#x} {} x{} {}", s.offset, s.region.name, s.count, s.text);
//! }
//! # Ok(()) }
//! ```
//!
//! # What it reads
//!
//! - ELF32 and ELF64, little and big endian: the header ([`Header`]; [`machine_name`] names
//!   ARM, AArch64, x86, x86-64, RISC-V and MIPS), section headers ([`Section`]: name, type,
//!   flags, offset, size), program headers ([`Segment`], with the byte entropy of each
//!   `PT_LOAD`).
//! - The dynamic table: `DT_NEEDED`, `DT_SONAME`, and the dynamic symbols ([`Symbol`]):
//!   defined ones are exports, undefined ones imports ([`Facts::exports`],
//!   [`Facts::imports`]).
//! - JNI entry points among the exports ([`JniExport`]): `JNI_OnLoad`, `JNI_OnUnload` (and the
//!   `_<lib>` forms of statically linked libraries), `Java_*` native methods decoded into
//!   class, method and, for the overloaded form, argument descriptor by [`demangle_jni`]
//!   (`_1` = `_`, `_2` = `;`, `_3` = `[`, `_0xxxx` = UTF-16 unit, `__` = signature separator).
//! - Printable strings of the data regions ([`Elf::strings`]).
//!
//! # The loader's view first
//!
//! The Android linker never reads section headers: it maps `PT_LOAD` segments and reads the
//! dynamic table through `PT_DYNAMIC`, whose addresses (`DT_STRTAB`, `DT_SYMTAB`, `DT_HASH`,
//! `DT_GNU_HASH`) it resolves in the loaded image. Packers exploit this by stripping,
//! truncating or forging the section table. So this crate reads `DT_NEEDED`, `DT_SONAME` and
//! the dynamic symbols the same way: through `PT_DYNAMIC`, mapping addresses to file offsets
//! through the `PT_LOAD` segments, counting symbols with `DT_HASH` (`nchain`) or
//! `DT_GNU_HASH` (end of the last chain). The section table (`SHT_DYNAMIC`, `SHT_DYNSYM`) is
//! used only when there is no `PT_DYNAMIC` or no usable `DT_SYMTAB`; when both exist and
//! disagree, the segment wins (unless it yields no symbol at all) and the disagreement is an
//! anomaly ([`Elf::dynamic_source`], [`Elf::symbol_source`] say which was used). When neither
//! hash table helps, the symbol count is taken from a `.dynsym` at the same offset, else from
//! the gap up to `DT_STRTAB` (`symbol_count_guessed`).
//!
//! # Anomalies
//!
//! Parsing never stops for these; each is an [`Anomaly`] with a stable [`kind`] (at most 32
//! listed per kind, the rest counted in `anomalies_truncated`):
//!
//! | situation | what is done | `kind` |
//! |---|---|---|
//! | `EI_VERSION` ≠ 1 | read anyway | `bad_ident_version` |
//! | `e_type` not REL/EXEC/DYN/CORE | read anyway | `unknown_file_type` |
//! | no section table but a `PT_DYNAMIC` (stripped, as `sstrip` and packers do) | dynamic segment read; strings from the segments | `no_section_headers` |
//! | section table outside the file, or more than 65,536 entries | table not read | `section_headers_out_of_bounds` |
//! | `e_shentsize` ≠ the header size of the class (Android refuses these since API 26) | table not read | `bad_section_header_size` |
//! | `e_shstrndx` 0, out of range, or its section outside the file (or not `SHT_STRTAB`: names still read) | sections unnamed | `bad_shstrndx` |
//! | a section's offset + size past the end of the file (bogus size) | kept, its bytes not used | `section_out_of_bounds` |
//! | program header table cut off, or bad `e_phentsize` | what fits is read | `bad_program_headers` |
//! | `PT_LOAD`/`PT_DYNAMIC` past the end of the file | kept, marked `in_file = false` | `segment_out_of_bounds` |
//! | `PT_LOAD` segments overlapping in memory / not in address order | kept | `overlapping_segments`, `unordered_segments` |
//! | a writable and executable `PT_LOAD` | kept | `writable_executable_segment` |
//! | `p_filesz` > `p_memsz` | kept | `segment_filesz_gt_memsz` |
//! | several `PT_DYNAMIC` | the first is used | `multiple_dynamic` |
//! | `.dynamic` section elsewhere than `PT_DYNAMIC` | the segment is used | `dynamic_section_mismatch` |
//! | dynamic table cut off, without `DT_NULL`, `DT_STRSZ` past the end, > 4,096 `DT_NEEDED` | what fits is read | `bad_dynamic` |
//! | `DT_STRTAB`/`DT_SYMTAB` in no `PT_LOAD` | not used | `dynamic_address_unmapped` |
//! | a needed/soname/symbol name outside the string table | skipped / empty name | `bad_dynamic_string` |
//! | no usable hash table | count guessed (above) | `symbol_count_guessed` |
//! | more symbols than the file holds, or than 2^20 | truncated | `symbols_truncated` |
//! | `.dynsym` and `DT_SYMTAB` disagree (offset or count) | segment used | `dynsym_mismatch` |
//! | `DT_TEXTREL` / `DF_TEXTREL` | — | `text_relocations` |
//! | executable `PT_LOAD` (≥ 8 KiB) with entropy ≥ 7.5 bits/byte, data one ≥ 7.95 | — | `high_entropy_segment` |
//! | `UPX!` in the first 4 KiB or the last 64 bytes | — | `upx_signature` |
//! | more than 4 KiB after the last byte any header describes (appended payload) | — | `trailing_data` |
//!
//! Only a file without the `\x7fELF` magic, with an unknown `EI_CLASS`/`EI_DATA`, or shorter
//! than its ELF header is an [`Error`].
//!
//! # Strings
//!
//! [`Elf::strings`] scans, in file order:
//! - the sections that hold data: `.dynstr` and every `SHT_PROGBITS` section without
//!   `SHF_EXECINSTR` (`.rodata*`, `.data`, `.data.rel.ro`, `.comment`, …); executable ones
//!   too with [`StringOptions::include_executable`];
//! - the bytes of `PT_LOAD` segments that no section covers: everything when the section table
//!   is missing or unusable (then executable segments as well, because GNU ld puts `.rodata`
//!   in the R+X segment and nothing else tells it from code), and whatever a forged table
//!   leaves out otherwise (non-executable segments only).
//!
//! Overlapping regions are clipped, so no byte is scanned twice and the work is linear in the
//! file size whatever the tables claim. A string is a run of at least
//! [`StringOptions::min_len`] (default 6) bytes of printable ASCII (space to `~`, and tab, as
//! binutils `strings`) and, unless [`StringOptions::utf8`] is off, UTF-8 characters that are
//! not controls. Runs never cross a region boundary. Each distinct text is reported once
//! ([`FoundString`]) with the file offset and region of its first occurrence and a count;
//! texts borrow from the input. Caps: [`StringOptions::max_strings`] (100,000),
//! [`StringOptions::max_total_bytes`] (16 MiB of distinct text) stop the scan and set
//! [`Strings::truncated`]; runs longer than [`StringOptions::max_string_len`] (4,096) are cut
//! at a character boundary and marked `clipped`. The scan splits the data at NULs with
//! `memchr` and skips a window of `min_len` bytes at a time while the window holds a NUL, so
//! zero-filled data costs one look per `min_len` bytes.
//!
//! # Invariants
//!
//! - No `unsafe`, no panic, no unchecked indexing or arithmetic on values from the file.
//! - Zero-copy: names are `Cow::Borrowed` unless they are not UTF-8 (then lossy copies);
//!   string texts and section bytes are always borrowed.
//! - Allocation is bounded by the input, never by a count it claims: section headers (≤
//!   65,536), program headers (≤ 65,536), dynamic entries (≤ 65,536), `DT_NEEDED` (≤ 4,096)
//!   and dynamic symbols (≤ 2^20) are read only as far as their tables lie in the file; the
//!   entropy pass reads at most 256 MiB; strings are capped as above.
//! - Deterministic: same input, same output (tables in file order).
//!
//! # Why `object`, and where our own code
//!
//! The raw, zero-copy structures come from the `object` crate (`read_core` + `elf`, no
//! default features): the header, section and program header, dynamic-entry and symbol
//! types with their endian-aware accessors (one generic walk serves ELF32/ELF64 × LE/BE), and
//! its `HashTable`/`GnuHashTable` for the symbol count. Its higher-level `ElfFile` is not
//! used: it rejects a whole file when the section table is out of bounds or `e_shstrndx` is
//! bad (exactly what packers do), takes dynamic symbols only from the section table (not
//! from `PT_DYNAMIC` as the loader does), and records nothing about what it skipped. The
//! tolerant walk, the address mapping through `PT_LOAD`, the anomaly checks, JNI decoding and
//! the string scan (`memchr`-based) are our own.
//!
//! # Testing
//!
//! - `tests/readelf.rs` (needs Debian's `binutils`): every ELF in the APKs of
//!   `../shared/corpus`, the repo fixture `fixtures/apk/hidden-payloads.apk`, a sorted sample
//!   of 200 x86-64 system libraries, and the ARM, AArch64, big-endian MIPS, RISC-V and i386
//!   libraries of the `libc6-*-cross` packages when installed, compared with
//!   `readelf -W -h -l -S -d --dyn-syms`: class, data, machine, type, every program header
//!   (type, offset, address, sizes, flags), every section (name, type, offset, size),
//!   `DT_NEEDED`, `DT_SONAME`, every dynamic symbol (name, type, defined).
//!   Each library with both tables is also checked with its section table stripped (against
//!   `readelf -D`) and with `PT_DYNAMIC` turned into `PT_NULL`. Strings are compared with
//!   `strings -n 6 -d -t d` (differences explained in the test). On 2026-11-25: 313 ELF files
//!   (12 corpus, 4 fixture, 297 system: 27 AArch64, 28 ARM, 201 x86-64, 19 i386, 19 MIPS,
//!   19 RISC-V), 2,682 program headers, 8,426 sections, 175,438 dynamic symbol comparisons,
//!   1,852 `DT_NEEDED`, 307 stripped and 307 no-`PT_DYNAMIC` variants, 201,176 binutils
//!   strings all found and 183,415 of ours all confirmed; no difference. The corpus holds
//!   few native libraries (droidbench's `Native` and `SelfModification` apps; `edge`'s
//!   `lib/armeabi/fake.so` is text, refused by both); the cross libraries give the breadth.
//! - `tests/malformed.rs`: every prefix up to 4 KiB and a stride of the rest (19,272
//!   prefixes), 12,000 deterministic byte mutations focused on the headers and the dynamic
//!   table of real AArch64, ARM, MIPS-BE and x86-64 libraries and the fixture ELF files, each
//!   through parse, facts, JSON and strings with invariant checks (every string equals the
//!   input at its offset; caps hold) and a 2 s bound (slowest about 30 ms in a debug build);
//!   hand-made packer tricks (section table past the end, bad `e_shstrndx`/`e_shentsize`,
//!   bogus section size, overlapping and RWX segments, program headers past the end,
//!   appended payload, encrypted code, UPX marker) each give their anomaly.
//! - `tests/jni_dexdump.rs` (needs AOSP `dexdump`): every method an APK's dex declares
//!   `native` must be among the decoded `Java_*` exports of its libraries (corpus: 9 APKs,
//!   34 exports decoded, all 10 native methods found).
//! - Unit tests in `src/jni.rs`: the JNI specification's examples and the escapes.
//!
//! `cargo test -p unmask-elf`; the throughput example:
//! `cargo run --release -p unmask-elf --example elf_dump -- [-q] [--json] [--strings] FILE...`.
//!
//! # Throughput
//!
//! `elf_dump -q` (release, best of 5 passes, 2026-11-25, shared 2-core machine under a load
//! average of about 5, so these are pessimistic): `librustc_driver` (154 MB, x86-64, the
//! biggest library here; the corpus' biggest `.so` is only 67 KB) parse 62 ms (most of it the
//! entropy pass over 154 MB of segments), facts 0.4 ms, strings 100 ms for 26 MB of data
//! sections (42,825 distinct strings): about 260 MB/s of scanned data, 950 MB/s of file;
//! AArch64 `libstdc++.so.6` (2.2 MB) 0.9 + 2.8 ms (7,010 strings); AArch64 `libc.so.6`
//! (1.7 MB) 0.6 + 1.4 ms; the corpus' `libmyjni.so` (67 KB) 28 µs + 55 µs. `libLLVM-15`
//! (117 MB) reaches the 100,000-string cap after 4.8 MB of data (45 ms). In a profile the
//! string scan splits between the byte loop, `memchr`/`memrchr`, UTF-8 validation and the
//! (keyed, collision-resistant) SipHash of the dedup map.
//!
//! # Fuzzing
//!
//! A cargo-fuzz target `elf` (in `crates/unmask-elf/fuzz`, its own workspace) parses any
//! input, takes the facts, serializes them, and extracts strings with the default options and
//! with tiny caps, checking that every string is the input's bytes at its offset and that the
//! caps hold. Run on stable from `crates/unmask-elf/fuzz`:
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo fuzz run elf -- -max_total_time=300 -max_len=131072 -timeout=10
//! ```
//!
//! Runs so far (2026-11-25, ASan, stable 1.95 with `RUSTC_BOOTSTRAP=1`, seeded with 19 small
//! libraries: the corpus' ARM and AArch64 JNI libraries, the fixture ELF files, a stripped
//! copy, and small ARM/MIPS/RISC-V/i386 libraries of the cross packages; 2 shared cores):
//! 300 s, 197,371 executions; 300 s with the entropy and UPX checks, 235,024 executions;
//! 180 s on the final code, 132,153 executions (about 564,000 in all, ~2,600 coverage
//! points): no crash, no timeout, no leak. `fuzz/corpus` and `fuzz/artifacts` are gitignored.
#![forbid(unsafe_code)]

mod anomaly;
mod jni;
mod names;
mod parse;
mod strings;

use std::borrow::Cow;

use serde::Serialize;

pub use anomaly::{kind, Anomaly};
pub use jni::{demangle_jni, JniName};
pub use names::{file_type, machine_name, section_type, segment_type};
pub use strings::{FoundString, Region, RegionKind, StringOptions, Strings};

/// Why a file could not be read as ELF at all. Everything short of this is an [`Anomaly`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file does not start with `\x7fELF`.
    #[error("not an ELF file (no \\x7fELF magic)")]
    NotElf,
    /// The file is shorter than the ELF header of its class.
    #[error("ELF header cut off: {len} bytes, the header needs {need}")]
    Truncated {
        /// File length.
        len: usize,
        /// Header size of the class.
        need: usize,
    },
    /// `EI_CLASS` is neither 1 (32-bit) nor 2 (64-bit).
    #[error("unsupported ELF class {0} (EI_CLASS)")]
    UnsupportedClass(u8),
    /// `EI_DATA` is neither 1 (little endian) nor 2 (big endian).
    #[error("unsupported ELF data encoding {0} (EI_DATA)")]
    UnsupportedEndian(u8),
}

/// True when `data` starts with the ELF magic `\x7fELF`.
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// ELF class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Class {
    /// `ELFCLASS32`.
    #[serde(rename = "ELF32")]
    Elf32,
    /// `ELFCLASS64`.
    #[serde(rename = "ELF64")]
    Elf64,
}

/// Data encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endian {
    /// `ELFDATA2LSB`.
    Little,
    /// `ELFDATA2MSB`.
    Big,
}

/// Where the dynamic table or the dynamic symbols were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The `PT_DYNAMIC` segment and the addresses in it, as the Android linker reads them.
    Segment,
    /// The section table (`SHT_DYNAMIC`, `SHT_DYNSYM`).
    Section,
    /// Neither exists.
    None,
}

/// The ELF header fields, widened to 64 bits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// 32 or 64 bit.
    pub class: Class,
    /// Byte order.
    pub endian: Endian,
    /// `e_ident[EI_VERSION]` (1 in a well-formed file).
    pub ident_version: u8,
    /// `e_ident[EI_OSABI]`.
    pub os_abi: u8,
    /// `e_type` (3 = shared object); see [`file_type`].
    pub e_type: u16,
    /// `e_machine`; see [`machine_name`].
    pub machine: u16,
    /// `e_version`.
    pub version: u32,
    /// `e_entry`.
    pub entry: u64,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_shoff`.
    pub shoff: u64,
    /// `e_flags`.
    pub flags: u32,
    /// `e_ehsize`.
    pub ehsize: u16,
    /// `e_phentsize`.
    pub phentsize: u16,
    /// `e_phnum` as stored (`0xffff` means the count is in section 0).
    pub phnum: u16,
    /// `e_shentsize`.
    pub shentsize: u16,
    /// `e_shnum` as stored (0 with a table means the count is in section 0).
    pub shnum: u16,
    /// `e_shstrndx` as stored (`0xffff` means the index is in section 0).
    pub shstrndx: u16,
}

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section<'a> {
    /// Index in the section table.
    pub index: u32,
    /// Name from the section-name string table (lossy UTF-8; empty when it cannot be read).
    pub name: Cow<'a, str>,
    /// `sh_type`.
    pub sh_type: u32,
    /// Name of `sh_type` (`PROGBITS`, …; `unknown` for others); see [`section_type`].
    pub type_name: &'static str,
    /// `sh_flags` (`SHF_WRITE` 1, `SHF_ALLOC` 2, `SHF_EXECINSTR` 4, …).
    pub flags: u64,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_entsize`.
    pub entsize: u64,
    /// The section has file bytes (not `NOBITS`/`NULL`) and they lie inside the file.
    pub in_file: bool,
}

/// One program header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Index in the program header table.
    pub index: u32,
    /// `p_type`.
    pub p_type: u32,
    /// Name of `p_type` (`LOAD`, `DYNAMIC`, …); see [`segment_type`].
    pub type_name: &'static str,
    /// `p_flags` (`PF_X` 1, `PF_W` 2, `PF_R` 4).
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_align`.
    pub align: u64,
    /// `offset + filesz` lies inside the file.
    pub in_file: bool,
    /// Shannon entropy of the file bytes (bits per byte, 0–8) of a `PT_LOAD` segment;
    /// near 8 means compressed or encrypted. `None` for other segments.
    pub entropy: Option<f64>,
}

/// Symbol type (`STT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolKind {
    /// `STT_NOTYPE`.
    NoType,
    /// `STT_OBJECT`: data.
    Object,
    /// `STT_FUNC`: code.
    Function,
    /// `STT_SECTION`.
    Section,
    /// `STT_FILE`.
    File,
    /// `STT_COMMON`.
    Common,
    /// `STT_TLS`: thread-local data.
    Tls,
    /// `STT_GNU_IFUNC`: indirect function.
    Ifunc,
    /// Any other value.
    Other(u8),
}

impl SymbolKind {
    fn from_raw(t: u8) -> Self {
        match t {
            0 => SymbolKind::NoType,
            1 => SymbolKind::Object,
            2 => SymbolKind::Function,
            3 => SymbolKind::Section,
            4 => SymbolKind::File,
            5 => SymbolKind::Common,
            6 => SymbolKind::Tls,
            10 => SymbolKind::Ifunc,
            other => SymbolKind::Other(other),
        }
    }
}

/// Symbol binding (`STB_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// `STB_LOCAL`.
    Local,
    /// `STB_GLOBAL`.
    Global,
    /// `STB_WEAK`.
    Weak,
    /// `STB_GNU_UNIQUE`.
    Unique,
    /// Any other value.
    Other(u8),
}

impl Binding {
    fn from_raw(b: u8) -> Self {
        match b {
            0 => Binding::Local,
            1 => Binding::Global,
            2 => Binding::Weak,
            10 => Binding::Unique,
            other => Binding::Other(other),
        }
    }
}

/// One dynamic symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Symbol<'a> {
    /// Index in the dynamic symbol table.
    pub index: u32,
    /// Name (lossy UTF-8; empty when unnamed or unreadable). No version suffix.
    pub name: Cow<'a, str>,
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// Type.
    pub kind: SymbolKind,
    /// Binding.
    pub binding: Binding,
    /// `st_shndx` (0 = undefined).
    pub shndx: u16,
    /// Defined here (`st_shndx != SHN_UNDEF`); false for imports.
    pub defined: bool,
}

impl Symbol<'_> {
    /// A named, non-local function/object/other symbol (not a section or file symbol).
    fn is_linkable(&self) -> bool {
        !self.name.is_empty()
            && self.binding != Binding::Local
            && !matches!(self.kind, SymbolKind::Section | SymbolKind::File)
    }
}

/// A symbol in [`Facts::exports`] or [`Facts::imports`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolRef<'a> {
    /// Symbol name.
    pub name: Cow<'a, str>,
    /// Type (`function`, `object`, …).
    pub kind: SymbolKind,
}

/// Which JNI entry point an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JniKind {
    /// `JNI_OnLoad`, or `JNI_OnLoad_<lib>` of a statically linked library.
    OnLoad,
    /// `JNI_OnUnload`, or `JNI_OnUnload_<lib>`.
    OnUnload,
    /// `Java_*`: a native method bound by name.
    NativeMethod,
}

/// An exported JNI entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JniExport<'a> {
    /// The exported symbol.
    pub symbol: Cow<'a, str>,
    /// Which entry point.
    pub kind: JniKind,
    /// Java class (binary name, `.`-separated) of a `Java_*` export that decodes.
    pub class: Option<String>,
    /// Java method name of a `Java_*` export that decodes.
    pub method: Option<String>,
    /// Argument descriptor of an overloaded `Java_*` export (`__` form).
    pub signature: Option<String>,
}

/// The report-level summary of a library ([`Elf::facts`]).
#[derive(Debug, Clone, Serialize)]
pub struct Facts<'a> {
    /// 32 or 64 bit.
    pub class: Class,
    /// Byte order.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `ARM`, `AArch64`, `x86`, `x86-64`, `RISC-V`, `MIPS`; `None` for other machines.
    pub machine_name: Option<&'static str>,
    /// `shared_object`, `executable`, `relocatable`, `core`, `none` or `unknown`.
    pub kind: &'static str,
    /// `DT_NEEDED` libraries, in order.
    pub needed: Vec<Cow<'a, str>>,
    /// `DT_SONAME`.
    pub soname: Option<Cow<'a, str>>,
    /// Defined non-local dynamic symbols.
    pub exports: Vec<SymbolRef<'a>>,
    /// Undefined non-local dynamic symbols.
    pub imports: Vec<SymbolRef<'a>>,
    /// JNI entry points among the exports.
    pub jni: Vec<JniExport<'a>>,
    /// Where the dynamic table was read.
    pub dynamic_source: Source,
    /// Where the dynamic symbols were read.
    pub symbol_source: Source,
    /// Number of section headers read.
    pub section_count: usize,
    /// Number of program headers read.
    pub segment_count: usize,
    /// Highest entropy of a `PT_LOAD` segment (bits per byte); see [`Segment::entropy`].
    pub max_load_entropy: Option<f64>,
    /// Everything unusual, in the order found.
    pub anomalies: Vec<Anomaly>,
}

/// A parsed ELF file, borrowing the input.
#[derive(Debug, Clone)]
pub struct Elf<'a> {
    data: &'a [u8],
    header: Header,
    sections: Vec<Section<'a>>,
    segments: Vec<Segment>,
    needed: Vec<Cow<'a, str>>,
    soname: Option<Cow<'a, str>>,
    symbols: Vec<Symbol<'a>>,
    dynamic_source: Source,
    symbol_source: Source,
    anomalies: Vec<Anomaly>,
}

impl<'a> Elf<'a> {
    /// Parses `data`. Fails only when the ELF identification or header is unusable; every
    /// other problem is recorded as an [`Anomaly`] and parsing goes on.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, Error> {
        if !is_elf(data) {
            return Err(Error::NotElf);
        }
        let class = match data.get(4) {
            Some(1) => Class::Elf32,
            Some(2) => Class::Elf64,
            Some(&c) => return Err(Error::UnsupportedClass(c)),
            None => {
                return Err(Error::Truncated {
                    len: data.len(),
                    need: 16,
                })
            }
        };
        let endian = match data.get(5) {
            Some(1) => Endian::Little,
            Some(2) => Endian::Big,
            Some(&d) => return Err(Error::UnsupportedEndian(d)),
            None => {
                return Err(Error::Truncated {
                    len: data.len(),
                    need: 16,
                })
            }
        };
        match class {
            Class::Elf32 => {
                parse::parse::<object::elf::FileHeader32<object::Endianness>>(data, class, endian)
            }
            Class::Elf64 => {
                parse::parse::<object::elf::FileHeader64<object::Endianness>>(data, class, endian)
            }
        }
    }

    /// The input bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The ELF header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The section headers (empty when the table is absent or unusable).
    pub fn sections(&self) -> &[Section<'a>] {
        &self.sections
    }

    /// The bytes of a section, when it has bytes inside the file.
    pub fn section_data(&self, section: &Section<'_>) -> Option<&'a [u8]> {
        if !section.in_file {
            return None;
        }
        parse::slice(
            self.data,
            section.offset,
            section.offset.saturating_add(section.size),
        )
    }

    /// The program headers.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// `DT_NEEDED` libraries, in order.
    pub fn needed(&self) -> &[Cow<'a, str>] {
        &self.needed
    }

    /// `DT_SONAME`.
    pub fn soname(&self) -> Option<&str> {
        self.soname.as_deref()
    }

    /// All dynamic symbols, including index 0 and local ones, in table order.
    pub fn symbols(&self) -> &[Symbol<'a>] {
        &self.symbols
    }

    /// Where the dynamic table was read.
    pub fn dynamic_source(&self) -> Source {
        self.dynamic_source
    }

    /// Where the dynamic symbols were read.
    pub fn symbol_source(&self) -> Source {
        self.symbol_source
    }

    /// Everything unusual found while parsing.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// JNI entry points among the defined dynamic symbols.
    pub fn jni_exports(&self) -> Vec<JniExport<'a>> {
        let mut out = Vec::new();
        for s in self.symbols.iter().filter(|s| s.defined && s.is_linkable()) {
            let name: &str = &s.name;
            let kind = if name == "JNI_OnLoad" || name.starts_with("JNI_OnLoad_") {
                JniKind::OnLoad
            } else if name == "JNI_OnUnload" || name.starts_with("JNI_OnUnload_") {
                JniKind::OnUnload
            } else if name.starts_with("Java_") {
                JniKind::NativeMethod
            } else {
                continue;
            };
            let decoded = (kind == JniKind::NativeMethod)
                .then(|| demangle_jni(name))
                .flatten();
            let (class, method, signature) = match decoded {
                Some(d) => (Some(d.class), Some(d.method), d.signature),
                None => (None, None, None),
            };
            out.push(JniExport {
                symbol: s.name.clone(),
                kind,
                class,
                method,
                signature,
            });
        }
        out
    }

    /// The report-level summary.
    pub fn facts(&self) -> Facts<'a> {
        let linkable = || self.symbols.iter().filter(|s| s.is_linkable());
        let to_ref = |s: &Symbol<'a>| SymbolRef {
            name: s.name.clone(),
            kind: s.kind,
        };
        Facts {
            class: self.header.class,
            endian: self.header.endian,
            machine: self.header.machine,
            machine_name: machine_name(self.header.machine),
            kind: file_type(self.header.e_type),
            needed: self.needed.clone(),
            soname: self.soname.clone(),
            exports: linkable().filter(|s| s.defined).map(to_ref).collect(),
            imports: linkable().filter(|s| !s.defined).map(to_ref).collect(),
            jni: self.jni_exports(),
            dynamic_source: self.dynamic_source,
            symbol_source: self.symbol_source,
            section_count: self.sections.len(),
            segment_count: self.segments.len(),
            max_load_entropy: self
                .segments
                .iter()
                .filter_map(|s| s.entropy)
                .reduce(f64::max),
            anomalies: self.anomalies.clone(),
        }
    }

    /// Printable strings of the data regions; see [`StringOptions`] and the crate docs.
    /// The result borrows the input, not the `Elf`.
    pub fn strings(&self, options: &StringOptions) -> Strings<'a> {
        strings::extract(self, options)
    }
}
