//! The tolerant walk over `object`'s raw ELF structures: header, program headers, section
//! headers, dynamic table, dynamic symbols. Every count and offset read from the file is
//! checked against the bytes that remain before anything is read or allocated.

use std::borrow::Cow;
use std::mem::size_of;

use object::read::elf::{
    Dyn as _, FileHeader, GnuHashTable, HashTable, ProgramHeader as _, SectionHeader as _, Sym as _,
};
use object::{Endianness, ReadRef};

use crate::anomaly::{kind, Anomalies};
use crate::{
    Binding, Class, Elf, Endian, Error, Header, Section, Segment, Source, Symbol, SymbolKind,
};

/// Most section headers read (the extended `e_shnum` can claim 2^64).
pub(crate) const MAX_SECTIONS: u64 = 65_536;
/// Most program headers read (the extended `e_phnum` can claim 2^32).
pub(crate) const MAX_SEGMENTS: u64 = 65_536;
/// Most dynamic entries walked.
pub(crate) const MAX_DYNAMIC: u64 = 65_536;
/// Most `DT_NEEDED` entries kept.
pub(crate) const MAX_NEEDED: usize = 4_096;
/// Most dynamic symbols read.
pub(crate) const MAX_SYMBOLS: u64 = 1 << 20;

const SHN_UNDEF: u16 = 0;
const SHN_XINDEX: u16 = 0xffff;
const PN_XNUM: u16 = 0xffff;

const SHT_STRTAB: u32 = 3;
const SHT_DYNAMIC: u32 = 6;
const SHT_NOBITS: u32 = 8;
const SHT_DYNSYM: u32 = 11;
const SHF_ALLOC: u64 = 2;

pub(crate) const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
pub(crate) const PF_X: u32 = 1;
pub(crate) const PF_W: u32 = 2;

const DT_NULL: i64 = 0;
const DT_NEEDED: i64 = 1;
const DT_HASH: i64 = 4;
const DT_STRTAB: i64 = 5;
const DT_SYMTAB: i64 = 6;
const DT_STRSZ: i64 = 10;
const DT_SONAME: i64 = 14;
const DT_TEXTREL: i64 = 22;
const DT_FLAGS: i64 = 30;
const DF_TEXTREL: u64 = 4;
const DT_GNU_HASH: i64 = 0x6fff_fef5;

/// `end` of `offset + size`, when that range lies inside a file of `len` bytes.
fn in_file(offset: u64, size: u64, len: u64) -> Option<u64> {
    let end = offset.checked_add(size)?;
    (end <= len).then_some(end)
}

/// The bytes `[start, end)` of `data`, when they exist.
pub(crate) fn slice(data: &[u8], start: u64, end: u64) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let end = usize::try_from(end).ok()?;
    data.get(start..end)
}

/// The NUL-terminated string at `offset` in a string table (without its NUL).
fn cstr(table: &[u8], offset: u64) -> Option<&[u8]> {
    let rest = table.get(usize::try_from(offset).ok()?..)?;
    let end = memchr::memchr(0, rest)?;
    rest.get(..end)
}

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A file range `[start, end)` of a string or symbol table.
#[derive(Clone, Copy)]
struct Range {
    start: u64,
    end: u64,
}

/// What the dynamic table says, before its strings are resolved.
#[derive(Default)]
struct DynamicInfo {
    needed: Vec<u64>,
    needed_dropped: usize,
    soname: Option<u64>,
    strtab: Option<u64>,
    strsz: Option<u64>,
    symtab: Option<u64>,
    hash: Option<u64>,
    gnu_hash: Option<u64>,
    textrel: bool,
}

/// Parses a file whose class and data encoding have been checked.
pub(crate) fn parse<'a, H>(data: &'a [u8], class: Class, endian: Endian) -> Result<Elf<'a>, Error>
where
    H: FileHeader<Endian = Endianness>,
{
    let e = match endian {
        Endian::Little => Endianness::Little,
        Endian::Big => Endianness::Big,
    };
    let need = size_of::<H>();
    let h: &H = data.read_at::<H>(0).map_err(|()| Error::Truncated {
        len: data.len(),
        need,
    })?;
    let len = data.len() as u64;
    let mut anomalies = Anomalies::default();
    let ident = h.e_ident();
    let header = Header {
        class,
        endian,
        ident_version: ident.version.0,
        os_abi: ident.os_abi.0,
        e_type: h.e_type(e).0,
        machine: h.e_machine(e).0,
        version: h.e_version(e),
        entry: h.e_entry(e).into(),
        phoff: h.e_phoff(e).into(),
        shoff: h.e_shoff(e).into(),
        flags: h.e_flags(e).0,
        ehsize: h.e_ehsize(e),
        phentsize: h.e_phentsize(e),
        phnum: h.e_phnum(e),
        shentsize: h.e_shentsize(e),
        shnum: h.e_shnum(e),
        shstrndx: h.e_shstrndx(e).0,
    };
    if header.ident_version != 1 {
        anomalies.push(kind::BAD_IDENT_VERSION, || {
            format!("e_ident[EI_VERSION] is {}", header.ident_version)
        });
    }
    if header.e_type > 4 {
        anomalies.push(kind::UNKNOWN_FILE_TYPE, || {
            format!("e_type is {:#x}", header.e_type)
        });
    }

    // Section 0 holds the extended counts (e_shnum = 0, e_phnum = PN_XNUM, e_shstrndx =
    // SHN_XINDEX) when the table exists.
    let shdr_size = size_of::<H::SectionHeader>();
    let shentsize_ok = usize::from(header.shentsize) == shdr_size;
    let section0 = if header.shoff != 0 && shentsize_ok {
        data.read_at::<H::SectionHeader>(header.shoff).ok()
    } else {
        None
    };

    // Program headers: what fits is read (the loader needs them; a cut-off table is noted).
    let mut segments = Vec::new();
    let phnum: u64 = if header.phnum == PN_XNUM {
        section0.map_or(u64::from(PN_XNUM), |s| u64::from(s.sh_info(e)))
    } else {
        u64::from(header.phnum)
    };
    if header.phoff != 0 && phnum != 0 {
        let phdr_size = size_of::<H::ProgramHeader>();
        if usize::from(header.phentsize) != phdr_size {
            anomalies.push(kind::BAD_PROGRAM_HEADERS, || {
                format!(
                    "e_phentsize is {}, a program header is {phdr_size} bytes: table not read",
                    header.phentsize
                )
            });
        } else {
            let fits = len.saturating_sub(header.phoff) / phdr_size as u64;
            let count = phnum.min(fits).min(MAX_SEGMENTS);
            if count < phnum {
                anomalies.push(kind::BAD_PROGRAM_HEADERS, || {
                    format!(
                        "{phnum} program headers at {:#x}: only {count} read (file end or cap)",
                        header.phoff
                    )
                });
            }
            let phdrs: &[H::ProgramHeader] = usize::try_from(count)
                .ok()
                .and_then(|n| data.read_slice_at(header.phoff, n).ok())
                .unwrap_or(&[]);
            for (i, p) in phdrs.iter().enumerate() {
                let offset: u64 = p.p_offset(e).into();
                let filesz: u64 = p.p_filesz(e).into();
                segments.push(Segment {
                    index: i as u32,
                    p_type: p.p_type(e).0,
                    type_name: crate::names::segment_type(p.p_type(e).0, header.machine),
                    flags: p.p_flags(e).0,
                    offset,
                    vaddr: p.p_vaddr(e).into(),
                    filesz,
                    memsz: p.p_memsz(e).into(),
                    align: p.p_align(e).into(),
                    in_file: in_file(offset, filesz, len).is_some(),
                    entropy: None,
                });
            }
        }
    }
    check_segments(&segments, len, &mut anomalies);
    measure_entropy(data, &mut segments, &mut anomalies);
    if let Some(at) = find_upx(data) {
        anomalies.push(kind::UPX_SIGNATURE, || format!("\"UPX!\" at {at:#x}"));
    }

    // Section headers: all or nothing (a table that overruns the file is bogus).
    let mut sections = Vec::new();
    let shnum: u64 = if header.shoff == 0 {
        0
    } else if header.shnum == 0 {
        section0.map_or(0, |s| s.sh_size(e).into())
    } else {
        u64::from(header.shnum)
    };
    let has_dynamic_segment = segments.iter().any(|s| s.p_type == PT_DYNAMIC);
    if shnum == 0 {
        if has_dynamic_segment {
            anomalies.push(kind::NO_SECTION_HEADERS, || {
                format!(
                    "e_shoff {:#x}, e_shnum {}: no section table; the dynamic segment is read",
                    header.shoff, header.shnum
                )
            });
        }
    } else if !shentsize_ok {
        anomalies.push(kind::BAD_SECTION_HEADER_SIZE, || {
            format!(
                "e_shentsize is {}, a section header is {shdr_size} bytes: table not read",
                header.shentsize
            )
        });
    } else {
        let table_end = shnum
            .checked_mul(shdr_size as u64)
            .and_then(|size| in_file(header.shoff, size, len));
        let shdrs: Option<&[H::SectionHeader]> = match table_end {
            Some(_) if shnum <= MAX_SECTIONS => usize::try_from(shnum)
                .ok()
                .and_then(|n| data.read_slice_at(header.shoff, n).ok()),
            _ => None,
        };
        match shdrs {
            None => anomalies.push(kind::SECTION_HEADERS_OUT_OF_BOUNDS, || {
                format!(
                    "{shnum} section headers at {:#x} do not fit in the {len}-byte file: table not read",
                    header.shoff
                )
            }),
            Some(shdrs) => {
                sections = read_sections::<H>(data, e, &header, section0, shdrs, &mut anomalies);
            }
        }
    }

    // Dynamic table: the PT_DYNAMIC segment, as the Android linker reads it; the SHT_DYNAMIC
    // section only when there is no such segment.
    let mut dynamic_source = Source::None;
    let mut dyn_range: Option<(u64, u64)> = None;
    let dyn_segments: Vec<&Segment> = segments.iter().filter(|s| s.p_type == PT_DYNAMIC).collect();
    if dyn_segments.len() > 1 {
        anomalies.push(kind::MULTIPLE_DYNAMIC, || {
            format!(
                "{} PT_DYNAMIC segments; the first is used",
                dyn_segments.len()
            )
        });
    }
    let dyn_section = sections.iter().find(|s| s.sh_type == SHT_DYNAMIC);
    if let Some(seg) = dyn_segments.first() {
        dynamic_source = Source::Segment;
        dyn_range = Some((seg.offset, seg.filesz));
        if let Some(sec) = dyn_section {
            if sec.offset != seg.offset {
                anomalies.push(kind::DYNAMIC_SECTION_MISMATCH, || {
                    format!(
                        "section {} is at {:#x}, PT_DYNAMIC at {:#x}: the segment is used",
                        sec.name, sec.offset, seg.offset
                    )
                });
            }
        }
    } else if let Some(sec) = dyn_section {
        dynamic_source = Source::Section;
        dyn_range = Some((sec.offset, sec.size));
    }
    let mut info = DynamicInfo::default();
    if let Some((offset, size)) = dyn_range {
        info = read_dynamic::<H>(data, e, offset, size, &mut anomalies);
    }
    if info.textrel {
        anomalies.push(kind::TEXT_RELOCATIONS, || {
            "DT_TEXTREL/DF_TEXTREL: relocations patch code pages".to_string()
        });
    }

    // The dynamic string table.
    let strtab = info.strtab.and_then(|addr| {
        let mapped = map_address(&segments, &sections, addr, len);
        if mapped.is_none() {
            anomalies.push(kind::DYNAMIC_ADDRESS_UNMAPPED, || {
                format!("DT_STRTAB {addr:#x} is in no loaded segment")
            });
        }
        let (start, mapped_end) = mapped?;
        let end = match info.strsz {
            Some(size) => match start.checked_add(size) {
                Some(end) if end <= len => end,
                _ => {
                    anomalies.push(kind::BAD_DYNAMIC, || {
                        format!("DT_STRSZ {size:#x} at {start:#x} runs past the file end")
                    });
                    len
                }
            },
            None => mapped_end,
        };
        Some(Range { start, end })
    });
    // Without a usable DT_STRTAB, the dynamic section's linked string table.
    let strtab = strtab.or_else(|| {
        if dynamic_source != Source::Section {
            return None;
        }
        let sec = dyn_section?;
        let link = sections.get(sec.link as usize)?;
        link.in_file.then_some(Range {
            start: link.offset,
            end: link.offset.saturating_add(link.size),
        })
    });
    let strtab_bytes = strtab
        .and_then(|r| slice(data, r.start, r.end))
        .unwrap_or(&[]);
    let string = |offset: u64, what: &str, anomalies: &mut Anomalies| -> Option<Cow<'a, str>> {
        match cstr(strtab_bytes, offset) {
            Some(s) => Some(lossy(s)),
            None => {
                anomalies.push(kind::BAD_DYNAMIC_STRING, || {
                    format!("{what} string at {offset:#x} is not in the dynamic string table")
                });
                None
            }
        }
    };
    let mut needed = Vec::new();
    for &offset in &info.needed {
        if let Some(name) = string(offset, "DT_NEEDED", &mut anomalies) {
            needed.push(name);
        }
    }
    if info.needed_dropped > 0 {
        anomalies.push(kind::BAD_DYNAMIC, || {
            format!(
                "{} DT_NEEDED entries beyond {MAX_NEEDED} not kept",
                info.needed_dropped
            )
        });
    }
    let soname = info
        .soname
        .and_then(|offset| string(offset, "DT_SONAME", &mut anomalies));

    // Dynamic symbols.
    let (symbols, symbol_source) = read_symbols::<H>(
        data,
        e,
        &info,
        strtab,
        dynamic_source,
        &segments,
        &sections,
        &mut anomalies,
    );

    check_trailing_data(
        &header,
        &sections,
        &segments,
        shdr_size,
        len,
        &mut anomalies,
    );

    Ok(Elf {
        data,
        header,
        sections,
        segments,
        needed,
        soname,
        symbols,
        dynamic_source,
        symbol_source,
        anomalies: anomalies.finish(),
    })
}

fn read_sections<'a, H>(
    data: &'a [u8],
    e: Endianness,
    header: &Header,
    section0: Option<&'a H::SectionHeader>,
    shdrs: &'a [H::SectionHeader],
    anomalies: &mut Anomalies,
) -> Vec<Section<'a>>
where
    H: FileHeader<Endian = Endianness>,
{
    let len = data.len() as u64;
    let shstrndx: u64 = if header.shstrndx == SHN_XINDEX {
        section0.map_or(0, |s| u64::from(s.sh_link(e)))
    } else {
        u64::from(header.shstrndx)
    };
    let names: &[u8] = if shstrndx == u64::from(SHN_UNDEF) {
        anomalies.push(kind::BAD_SHSTRNDX, || {
            "e_shstrndx is 0 (SHN_UNDEF): sections have no names".to_string()
        });
        &[]
    } else {
        match usize::try_from(shstrndx).ok().and_then(|i| shdrs.get(i)) {
            None => {
                anomalies.push(kind::BAD_SHSTRNDX, || {
                    format!(
                        "e_shstrndx {shstrndx} is out of range ({} sections)",
                        shdrs.len()
                    )
                });
                &[]
            }
            Some(s) => {
                let offset: u64 = s.sh_offset(e).into();
                let size: u64 = s.sh_size(e).into();
                let typ = s.sh_type(e).0;
                match in_file(offset, size, len).and_then(|end| slice(data, offset, end)) {
                    Some(bytes) => {
                        // Used whatever its type, as readelf does; a wrong type is noted.
                        if typ != SHT_STRTAB {
                            anomalies.push(kind::BAD_SHSTRNDX, || {
                                format!(
                                    "e_shstrndx {shstrndx} is section type {typ:#x}, not STRTAB"
                                )
                            });
                        }
                        bytes
                    }
                    None => {
                        anomalies.push(kind::BAD_SHSTRNDX, || {
                            format!(
                                "e_shstrndx {shstrndx}: section at {offset:#x}+{size:#x} is not inside the file"
                            )
                        });
                        &[]
                    }
                }
            }
        }
    };
    let mut sections = Vec::with_capacity(shdrs.len());
    for (i, s) in shdrs.iter().enumerate() {
        let sh_type = s.sh_type(e).0;
        let offset: u64 = s.sh_offset(e).into();
        let size: u64 = s.sh_size(e).into();
        let name = cstr(names, u64::from(s.sh_name(e)))
            .map(lossy)
            .unwrap_or(Cow::Borrowed(""));
        let has_bytes = sh_type != SHT_NOBITS && sh_type != 0;
        let fits = in_file(offset, size, len).is_some();
        if has_bytes && !fits {
            anomalies.push(kind::SECTION_OUT_OF_BOUNDS, || {
                format!(
                    "section [{i}] {name:?} at {offset:#x} with size {size:#x} runs past the file end ({len:#x})"
                )
            });
        }
        sections.push(Section {
            index: i as u32,
            name,
            sh_type,
            type_name: crate::names::section_type(sh_type, header.machine),
            flags: s.sh_flags(e).0,
            addr: s.sh_addr(e).into(),
            offset,
            size,
            link: s.sh_link(e),
            entsize: s.sh_entsize(e).into(),
            in_file: has_bytes && fits,
        });
    }
    sections
}

fn check_segments(segments: &[Segment], len: u64, anomalies: &mut Anomalies) {
    let mut loads: Vec<&Segment> = Vec::new();
    for s in segments {
        if (s.p_type == PT_LOAD || s.p_type == PT_DYNAMIC) && !s.in_file {
            anomalies.push(kind::SEGMENT_OUT_OF_BOUNDS, || {
                format!(
                    "segment [{}] {} at {:#x} with filesz {:#x} runs past the file end ({len:#x})",
                    s.index, s.type_name, s.offset, s.filesz
                )
            });
        }
        if s.p_type != PT_LOAD {
            continue;
        }
        if s.flags & PF_W != 0 && s.flags & PF_X != 0 {
            anomalies.push(kind::WRITABLE_EXECUTABLE_SEGMENT, || {
                format!(
                    "PT_LOAD [{}] at vaddr {:#x} is writable and executable",
                    s.index, s.vaddr
                )
            });
        }
        if s.filesz > s.memsz {
            anomalies.push(kind::SEGMENT_FILESZ_GT_MEMSZ, || {
                format!(
                    "PT_LOAD [{}] filesz {:#x} > memsz {:#x}",
                    s.index, s.filesz, s.memsz
                )
            });
        }
        if let Some(prev) = loads.last() {
            if s.vaddr < prev.vaddr {
                anomalies.push(kind::UNORDERED_SEGMENTS, || {
                    format!(
                        "PT_LOAD [{}] at vaddr {:#x} follows PT_LOAD [{}] at {:#x}",
                        s.index, s.vaddr, prev.index, prev.vaddr
                    )
                });
            }
        }
        loads.push(s);
    }
    loads.sort_by_key(|s| (s.vaddr, s.index));
    let mut reach: Option<(u64, u32)> = None;
    for s in loads {
        if s.memsz == 0 {
            continue;
        }
        if let Some((end, index)) = reach {
            if s.vaddr < end {
                anomalies.push(kind::OVERLAPPING_SEGMENTS, || {
                    format!(
                        "PT_LOAD [{}] at vaddr {:#x} overlaps PT_LOAD [{index}] (ends at {end:#x})",
                        s.index, s.vaddr
                    )
                });
            }
        }
        let end = s.vaddr.saturating_add(s.memsz);
        if reach.is_none_or(|(e, _)| end > e) {
            reach = Some((end, s.index));
        }
    }
}

/// Most bytes whose entropy is measured per file (segments past it get none).
const MAX_ENTROPY_BYTES: u64 = 256 << 20;
/// Segments smaller than this are not flagged (too few bytes for a meaningful measure).
const MIN_ENTROPY_FLAG_SIZE: u64 = 8 << 10;
/// Entropy from which an executable segment is flagged (machine code stays below 7.3:
/// x86-64 about 6.5, AArch64 about 6, Thumb-2 up to 7.2 on the libraries tested).
const HIGH_ENTROPY_CODE: f64 = 7.5;
/// Entropy from which a data segment is flagged: crypto and compression tables of ordinary
/// libraries reach 7.92 (glibc's `gconv/GB18030.so`); 8 KiB of random bytes measure 7.97.
const HIGH_ENTROPY_DATA: f64 = 7.95;

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    // Four interleaved histograms: consecutive equal bytes do not wait on one counter.
    let mut tables = [[0u64; 256]; 4];
    let mut quads = bytes.chunks_exact(4);
    for q in &mut quads {
        for (table, &b) in tables.iter_mut().zip(q) {
            if let Some(c) = table.get_mut(usize::from(b)) {
                *c += 1;
            }
        }
    }
    if let Some(table) = tables.first_mut() {
        for &b in quads.remainder() {
            if let Some(c) = table.get_mut(usize::from(b)) {
                *c += 1;
            }
        }
    }
    let mut counts = [0u64; 256];
    for table in &tables {
        for (c, t) in counts.iter_mut().zip(table) {
            *c += t;
        }
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn measure_entropy(data: &[u8], segments: &mut [Segment], anomalies: &mut Anomalies) {
    let mut budget = MAX_ENTROPY_BYTES;
    for s in segments.iter_mut() {
        if s.p_type != PT_LOAD || !s.in_file || s.filesz == 0 || s.filesz > budget {
            continue;
        }
        budget -= s.filesz;
        let Some(bytes) = slice(data, s.offset, s.offset.saturating_add(s.filesz)) else {
            continue;
        };
        let h = entropy(bytes);
        s.entropy = Some(h);
        let limit = if s.flags & PF_X != 0 {
            HIGH_ENTROPY_CODE
        } else {
            HIGH_ENTROPY_DATA
        };
        if h >= limit && s.filesz >= MIN_ENTROPY_FLAG_SIZE {
            anomalies.push(kind::HIGH_ENTROPY_SEGMENT, || {
                format!(
                    "PT_LOAD [{}] ({} bytes at {:#x}) has entropy {h:.2} bits/byte",
                    s.index, s.filesz, s.offset
                )
            });
        }
    }
}

/// Offset of UPX's `UPX!` marker in the first 4 KiB or the last 64 bytes.
fn find_upx(data: &[u8]) -> Option<usize> {
    let head = data.get(..data.len().min(4096)).unwrap_or(data);
    if let Some(at) = memchr::memmem::find(head, b"UPX!") {
        return Some(at);
    }
    let tail_start = data.len().saturating_sub(64);
    let tail = data.get(tail_start..).unwrap_or(&[]);
    memchr::memmem::find(tail, b"UPX!").map(|at| tail_start + at)
}

fn read_dynamic<H>(
    data: &[u8],
    e: Endianness,
    offset: u64,
    size: u64,
    anomalies: &mut Anomalies,
) -> DynamicInfo
where
    H: FileHeader<Endian = Endianness>,
{
    let mut info = DynamicInfo::default();
    let len = data.len() as u64;
    let dyn_size = size_of::<H::Dyn>() as u64;
    let declared = size / dyn_size;
    let fits = len.saturating_sub(offset) / dyn_size;
    let count = declared.min(fits).min(MAX_DYNAMIC);
    if count < declared {
        anomalies.push(kind::BAD_DYNAMIC, || {
            format!(
                "dynamic table at {offset:#x} declares {declared} entries, {count} read (file end or cap)"
            )
        });
    }
    let entries: &[H::Dyn] = usize::try_from(count)
        .ok()
        .and_then(|n| data.read_slice_at(offset, n).ok())
        .unwrap_or(&[]);
    let mut terminated = false;
    for d in entries {
        let tag = d.d_tag(e).0;
        let val: u64 = d.d_val(e).into();
        match tag {
            DT_NULL => {
                terminated = true;
                break;
            }
            DT_NEEDED => {
                if info.needed.len() < MAX_NEEDED {
                    info.needed.push(val);
                } else {
                    info.needed_dropped = info.needed_dropped.saturating_add(1);
                }
            }
            DT_SONAME => info.soname = info.soname.or(Some(val)),
            DT_STRTAB => info.strtab = info.strtab.or(Some(val)),
            DT_STRSZ => info.strsz = info.strsz.or(Some(val)),
            DT_SYMTAB => info.symtab = info.symtab.or(Some(val)),
            DT_HASH => info.hash = info.hash.or(Some(val)),
            DT_GNU_HASH => info.gnu_hash = info.gnu_hash.or(Some(val)),
            DT_TEXTREL => info.textrel = true,
            DT_FLAGS if val & DF_TEXTREL != 0 => info.textrel = true,
            _ => {}
        }
    }
    if !terminated && !entries.is_empty() {
        anomalies.push(kind::BAD_DYNAMIC, || {
            format!("dynamic table at {offset:#x} has no DT_NULL in its {count} entries")
        });
    }
    info
}

/// File offset of a virtual address, and the end of the file bytes that back it: through the
/// `PT_LOAD` segments as the loader maps them, else through the allocated sections.
fn map_address(
    segments: &[Segment],
    sections: &[Section<'_>],
    addr: u64,
    len: u64,
) -> Option<(u64, u64)> {
    let via_segment = segments.iter().find_map(|s| {
        if s.p_type != PT_LOAD || addr < s.vaddr {
            return None;
        }
        let delta = addr - s.vaddr;
        if delta >= s.filesz {
            return None;
        }
        let offset = s.offset.checked_add(delta)?;
        let end = s.offset.checked_add(s.filesz)?.min(len);
        (offset < end).then_some((offset, end))
    });
    if via_segment.is_some() || segments.iter().any(|s| s.p_type == PT_LOAD) {
        return via_segment;
    }
    sections.iter().find_map(|s| {
        if s.flags & SHF_ALLOC == 0 || !s.in_file || addr < s.addr {
            return None;
        }
        let delta = addr - s.addr;
        if delta >= s.size {
            return None;
        }
        let offset = s.offset.checked_add(delta)?;
        Some((offset, s.offset.checked_add(s.size)?.min(len)))
    })
}

/// Where the dynamic symbols are: file offset, count, string table.
struct SymbolTable {
    start: u64,
    count: u64,
    strtab: Option<Range>,
}

#[allow(clippy::too_many_arguments)]
fn read_symbols<'a, H>(
    data: &'a [u8],
    e: Endianness,
    info: &DynamicInfo,
    strtab: Option<Range>,
    dynamic_source: Source,
    segments: &[Segment],
    sections: &[Section<'a>],
    anomalies: &mut Anomalies,
) -> (Vec<Symbol<'a>>, Source)
where
    H: FileHeader<Endian = Endianness>,
{
    let len = data.len() as u64;
    let sym_size = size_of::<H::Sym>() as u64;

    // The section view: SHT_DYNSYM and its linked string table.
    let section_table = sections
        .iter()
        .find(|s| s.sh_type == SHT_DYNSYM && s.in_file)
        .map(|s| SymbolTable {
            start: s.offset,
            count: s.size / sym_size,
            strtab: sections.get(s.link as usize).and_then(|t| {
                t.in_file.then_some(Range {
                    start: t.offset,
                    end: t.offset.saturating_add(t.size),
                })
            }),
        });

    // The loader's view: DT_SYMTAB, counted through DT_HASH or DT_GNU_HASH.
    let dynamic_table = info.symtab.and_then(|addr| {
        let Some((start, _)) = map_address(segments, sections, addr, len) else {
            anomalies.push(kind::DYNAMIC_ADDRESS_UNMAPPED, || {
                format!("DT_SYMTAB {addr:#x} is in no loaded segment")
            });
            return None;
        };
        let rest = |addr: u64| {
            map_address(segments, sections, addr, len)
                .and_then(|(offset, _)| slice(data, offset, len))
        };
        let from_hash = info.hash.and_then(rest).and_then(|bytes| {
            HashTable::<H>::parse(e, bytes)
                .ok()
                .map(|t| u64::from(t.symbol_table_length()))
        });
        let from_gnu_hash = || {
            info.gnu_hash.and_then(rest).and_then(|bytes| {
                let table = GnuHashTable::<H>::parse(e, bytes).ok()?;
                Some(u64::from(
                    table
                        .symbol_table_length(e)
                        .unwrap_or_else(|| table.symbol_base()),
                ))
            })
        };
        let count = match from_hash.or_else(from_gnu_hash) {
            Some(count) => count,
            None => {
                // The section's size if it describes the same table, else the gap up to the
                // string table (where linkers put it).
                let guess = match &section_table {
                    Some(t) if t.start == start => t.count,
                    _ => strtab
                        .filter(|s| s.start > start)
                        .map_or(0, |s| (s.start - start) / sym_size),
                };
                anomalies.push(kind::SYMBOL_COUNT_GUESSED, || {
                    format!("no usable DT_HASH/DT_GNU_HASH: {guess} symbols assumed at {start:#x}")
                });
                guess
            }
        };
        Some(SymbolTable {
            start,
            count,
            strtab,
        })
    });

    let (table, source) = match (dynamic_table, section_table) {
        (Some(d), Some(s)) => {
            if d.start != s.start || d.count != s.count {
                anomalies.push(kind::DYNSYM_MISMATCH, || {
                    format!(
                        "DT_SYMTAB: {} symbols at {:#x}; .dynsym section: {} at {:#x}",
                        d.count, d.start, s.count, s.start
                    )
                });
            }
            // A loader view that yields nothing (count guessed as 0) is no better than the
            // section's.
            if d.count == 0 && s.count > 0 {
                (s, Source::Section)
            } else {
                (d, dynamic_source)
            }
        }
        (Some(d), None) => (d, dynamic_source),
        (None, Some(s)) => (s, Source::Section),
        (None, None) => return (Vec::new(), Source::None),
    };

    let fits = len.saturating_sub(table.start) / sym_size;
    let count = table.count.min(fits).min(MAX_SYMBOLS);
    if count < table.count {
        anomalies.push(kind::SYMBOLS_TRUNCATED, || {
            format!(
                "{} dynamic symbols at {:#x}: {count} read (file end or cap)",
                table.count, table.start
            )
        });
    }
    let syms: &[H::Sym] = usize::try_from(count)
        .ok()
        .and_then(|n| data.read_slice_at(table.start, n).ok())
        .unwrap_or(&[]);
    let names = table
        .strtab
        .and_then(|r| slice(data, r.start, r.end.min(len)))
        .unwrap_or(&[]);
    let mut symbols = Vec::with_capacity(syms.len());
    for (i, s) in syms.iter().enumerate() {
        let st_name = s.st_name(e);
        let name = match cstr(names, u64::from(st_name)) {
            Some(n) => lossy(n),
            None => {
                anomalies.push(kind::BAD_DYNAMIC_STRING, || {
                    format!("symbol [{i}] name at {st_name:#x} is not in the string table")
                });
                Cow::Borrowed("")
            }
        };
        let shndx = s.st_shndx(e).0;
        symbols.push(Symbol {
            index: i as u32,
            name,
            value: s.st_value(e).into(),
            size: s.st_size(e).into(),
            kind: SymbolKind::from_raw(s.st_type().0),
            binding: Binding::from_raw(s.st_bind().0),
            shndx,
            defined: shndx != SHN_UNDEF,
        });
    }
    (symbols, source)
}

fn check_trailing_data(
    header: &Header,
    sections: &[Section<'_>],
    segments: &[Segment],
    shdr_size: usize,
    len: u64,
    anomalies: &mut Anomalies,
) {
    let mut end: u64 = u64::from(header.ehsize);
    let ph_end = header
        .phoff
        .saturating_add(u64::from(header.phnum).saturating_mul(u64::from(header.phentsize)));
    if header.phoff != 0 {
        end = end.max(ph_end);
    }
    if !sections.is_empty() {
        end = end.max(
            header
                .shoff
                .saturating_add((sections.len() as u64).saturating_mul(shdr_size as u64)),
        );
    }
    for s in sections.iter().filter(|s| s.in_file) {
        end = end.max(s.offset.saturating_add(s.size));
    }
    for s in segments.iter().filter(|s| s.in_file) {
        end = end.max(s.offset.saturating_add(s.filesz));
    }
    if end < len && !anomalies.has(kind::SECTION_HEADERS_OUT_OF_BOUNDS) {
        // Sections may also be padded up to a page; only report what exceeds that.
        let extra = len - end;
        if extra > 4096 || (sections.is_empty() && segments.is_empty()) {
            anomalies.push(kind::TRAILING_DATA, || {
                format!("{extra} bytes after the last byte described by the headers ({end:#x})")
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::entropy;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[7; 1000]), 0.0);
        let all: Vec<u8> = (0..=255).cycle().take(256 * 5 + 3).collect();
        assert!((entropy(&all) - 8.0).abs() < 0.001);
        // Two equally frequent values: one bit.
        let two: Vec<u8> = [0u8, 1].iter().cycle().take(1001).copied().collect();
        assert!((entropy(&two) - 1.0).abs() < 0.001);
    }
}
