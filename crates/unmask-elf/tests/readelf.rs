//! Differential test against binutils (`readelf`, `strings`; Debian package `binutils`).
//!
//! Inputs: every native-code entry (`*.so`, `lib/**`, `assets/**` starting with `\x7fELF`) of
//! every APK under `../shared/corpus` (real, droidbench, edge, malformed), the repo fixture
//! `fixtures/apk/hidden-payloads.apk`, and libraries of this machine (a sorted sample of
//! x86-64 libraries plus the ARM, AArch64, MIPS (32-bit big endian), RISC-V and i386 cross
//! libraries when their Debian packages are installed).
//!
//! For each file, `readelf -W -h -l -S -d --dyn-syms` must agree with [`Elf`] on class, data
//! encoding, machine, type, every program header (type, offset, address, sizes, flags), every
//! section (name, type, offset, size), `DT_NEEDED`, `DT_SONAME` and every dynamic symbol
//! (name, type, defined or undefined). Two derived files are checked
//! too: the section table stripped (`e_shoff = e_shnum = e_shstrndx = 0`: everything must come
//! from `PT_DYNAMIC`, compared with `readelf -D`) and `PT_DYNAMIC` turned into `PT_NULL`
//! (everything must come from the section table).
//!
//! Strings are compared with `strings -n 6 -d -t d` (binutils: allocated sections with
//! contents, 7-bit ASCII plus tab). Systematic differences, handled here: `strings -d` also
//! scans code and binary tables (`.text`, `.dynsym`, `.rela.*`, `.eh_frame_hdr` …) that we do
//! not, so only its strings at offsets inside the sections we scan are required from us; and
//! it reads non-allocated sections (`.comment`) not at all, so only our strings from allocated
//! sections are required to be among its output. With [`StringOptions::utf8`] off the two
//! must agree exactly on those sets; with it on (the default), an ASCII run of binutils may
//! instead be part of a longer string of ours that holds non-ASCII characters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use unmask_elf::{Class, Elf, Endian, RegionKind, Source, StringOptions, SymbolKind};

#[derive(Debug, Default)]
struct ReadelfView {
    class: String,
    data: String,
    machine: String,
    file_type: String,
    /// (index, name, type, offset, size)
    sections: Vec<(usize, String, String, u64, u64)>,
    needed: Vec<String>,
    soname: Option<String>,
    /// (name, type, defined)
    dynsyms: Vec<(String, String, bool)>,
    /// (type, offset, vaddr, filesz, memsz, flags as "RWE" letters)
    segments: Vec<(String, u64, u64, u64, u64, String)>,
    dynsym_tables: usize,
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

fn bracketed(line: &str) -> Option<String> {
    let a = line.find('[')?;
    let b = line.rfind(']')?;
    (b > a).then(|| line[a + 1..b].to_string())
}

fn parse_readelf(out: &str) -> ReadelfView {
    let mut v = ReadelfView::default();
    let mut in_sections = false;
    let mut in_syms = false;
    let mut in_phdrs = false;
    for line in out.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Class:") {
            v.class = rest.trim().to_string();
        } else if let Some(rest) = t.strip_prefix("Data:") {
            v.data = rest.trim().to_string();
        } else if let Some(rest) = t.strip_prefix("Machine:") {
            v.machine = rest.trim().to_string();
        } else if let Some(rest) = t.strip_prefix("Type:") {
            v.file_type = rest.trim().to_string();
        }
        if t.starts_with("Section Headers:") {
            in_sections = true;
            continue;
        }
        if t.starts_with("Key to Flags:") {
            in_sections = false;
        }
        if in_sections && t.starts_with('[') && !t.starts_with("[Nr]") {
            let close = t.find(']').unwrap();
            let index: usize = t[1..close].trim().parse().unwrap();
            let tokens: Vec<&str> = t[close + 1..].split_whitespace().collect();
            // Address (8 or 16 hex digits), offset and size (6+ hex digits) follow the type.
            let is_hex =
                |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_hexdigit());
            let k = (1..tokens.len().saturating_sub(2))
                .find(|&k| {
                    (tokens[k].len() == 8 || tokens[k].len() == 16)
                        && is_hex(tokens[k], 8)
                        && is_hex(tokens[k + 1], 6)
                        && is_hex(tokens[k + 2], 6)
                })
                .unwrap_or_else(|| panic!("section line {t:?}"));
            let name = tokens[..k - 1].join(" ");
            v.sections.push((
                index,
                name,
                tokens[k - 1].to_string(),
                hex(tokens[k + 1]).unwrap(),
                hex(tokens[k + 2]).unwrap(),
            ));
        }
        if t.starts_with("Program Headers:") {
            in_phdrs = true;
            continue;
        }
        if in_phdrs {
            if t.is_empty() {
                in_phdrs = false;
            } else if !t.starts_with("Type") && !t.starts_with('[') {
                // Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg… Align ("R E" has a space).
                let tokens: Vec<&str> = t.split_whitespace().collect();
                assert!(tokens.len() >= 7, "program header line {t:?}");
                let flags = tokens[6..tokens.len() - 1].concat();
                v.segments.push((
                    tokens[0].to_string(),
                    hex(tokens[1]).unwrap(),
                    hex(tokens[2]).unwrap(),
                    hex(tokens[4]).unwrap(),
                    hex(tokens[5]).unwrap(),
                    flags,
                ));
            }
            continue;
        }
        if t.contains("(NEEDED)") {
            v.needed.push(bracketed(t).unwrap_or_default());
        }
        if t.contains("(SONAME)") {
            v.soname = bracketed(t);
        }
        if t.starts_with("Symbol table '") || t.starts_with("Symbol table for image") {
            in_syms = true;
            v.dynsym_tables += 1;
            continue;
        }
        if in_syms {
            if t.is_empty() {
                in_syms = false;
                continue;
            }
            if t.starts_with("Num:") {
                continue;
            }
            // N: Value Size Type Bind Vis [other…] Ndx [Name]; unnamed types and bindings are
            // printed as "<OS specific>: 10" (STB_GNU_UNIQUE) and the like.
            let joined = t
                .replace("<OS specific>: ", "<os>")
                .replace("<processor specific>: ", "<proc>")
                .replace("<unknown>: ", "<unknown>");
            let tokens: Vec<&str> = joined.split_whitespace().collect();
            if tokens.len() < 7 || !tokens[0].ends_with(':') {
                continue;
            }
            let typ = tokens[3].to_string();
            let mut i = 6;
            if tokens[i].starts_with('[') {
                while i < tokens.len() && !tokens[i].ends_with(']') {
                    i += 1;
                }
                i += 1;
            }
            let ndx = tokens.get(i).copied().unwrap_or("");
            let name = tokens.get(i + 1).copied().unwrap_or("");
            let name = name.split('@').next().unwrap_or("").to_string();
            v.dynsyms.push((name, typ, ndx != "UND"));
        }
    }
    v
}

fn readelf(path: &Path, args: &[&str]) -> Option<String> {
    let o = Command::new("readelf")
        .arg("-W")
        .args(args)
        .arg(path)
        .output()
        .expect("readelf runs (Debian package binutils)");
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn machine_code(readelf_name: &str) -> Option<u16> {
    Some(match readelf_name {
        "ARM" => 40,
        "AArch64" => 183,
        "Intel 80386" => 3,
        "Advanced Micro Devices X86-64" => 62,
        "RISC-V" => 243,
        "MIPS R3000" => 8,
        _ => return None,
    })
}

fn kind_name(k: SymbolKind) -> Option<&'static str> {
    Some(match k {
        SymbolKind::NoType => "NOTYPE",
        SymbolKind::Object => "OBJECT",
        SymbolKind::Function => "FUNC",
        SymbolKind::Section => "SECTION",
        SymbolKind::File => "FILE",
        SymbolKind::Common => "COMMON",
        SymbolKind::Tls => "TLS",
        SymbolKind::Ifunc => "IFUNC",
        SymbolKind::Other(_) => return None,
    })
}

#[derive(Default)]
struct Counts {
    files: usize,
    by_origin: BTreeMap<String, usize>,
    machines: BTreeMap<String, usize>,
    sections: usize,
    segments: usize,
    symbols: usize,
    needed: usize,
    stripped_variants: usize,
    no_dynamic_variants: usize,
    strings_oracle: usize,
    strings_ours: usize,
    strings_utf8_longer: usize,
}

/// Compares one file with readelf's view; pushes every disagreement to `bad`.
fn compare_headers(
    name: &str,
    elf: &Elf<'_>,
    v: &ReadelfView,
    c: &mut Counts,
    bad: &mut Vec<String>,
) {
    let h = elf.header();
    let class = match h.class {
        Class::Elf32 => "ELF32",
        Class::Elf64 => "ELF64",
    };
    if v.class != class {
        bad.push(format!("{name}: class {class} vs readelf {}", v.class));
    }
    let endian = match h.endian {
        Endian::Little => "little endian",
        Endian::Big => "big endian",
    };
    if !v.data.contains(endian) {
        bad.push(format!("{name}: {endian} vs readelf {}", v.data));
    }
    if let Some(m) = machine_code(&v.machine) {
        if m != h.machine {
            bad.push(format!(
                "{name}: machine {} vs readelf {}",
                h.machine, v.machine
            ));
        }
    }
    *c.machines.entry(v.machine.clone()).or_default() += 1;
    let t = match h.e_type {
        1 => "REL",
        2 => "EXEC",
        3 => "DYN",
        4 => "CORE",
        _ => "?",
    };
    if !v.file_type.starts_with(t) {
        bad.push(format!(
            "{name}: e_type {} vs readelf {}",
            h.e_type, v.file_type
        ));
    }
    let segs = elf.segments();
    if segs.len() != v.segments.len() {
        bad.push(format!(
            "{name}: {} program headers vs readelf {}",
            segs.len(),
            v.segments.len()
        ));
    }
    for (s, (rtype, roff, rvaddr, rfilesz, rmemsz, rflags)) in segs.iter().zip(&v.segments) {
        c.segments += 1;
        let mut flags = String::new();
        for (bit, letter) in [(4, 'R'), (2, 'W'), (1, 'E')] {
            if s.flags & bit != 0 {
                flags.push(letter);
            }
        }
        if (s.type_name != "unknown" && s.type_name != rtype)
            || s.offset != *roff
            || s.vaddr != *rvaddr
            || s.filesz != *rfilesz
            || s.memsz != *rmemsz
            || (s.flags & !7 == 0 && flags != *rflags)
        {
            bad.push(format!(
                "{name}: segment [{}] {} {:#x} {:#x} {:#x} {:#x} {flags} vs readelf {rtype} {roff:#x} {rvaddr:#x} {rfilesz:#x} {rmemsz:#x} {rflags}",
                s.index, s.type_name, s.offset, s.vaddr, s.filesz, s.memsz
            ));
        }
    }
    let ours = elf.sections();
    if ours.len() != v.sections.len() {
        bad.push(format!(
            "{name}: {} sections vs readelf {}",
            ours.len(),
            v.sections.len()
        ));
    }
    for (s, (index, rname, rtype, roff, rsize)) in ours.iter().zip(&v.sections) {
        c.sections += 1;
        let printable = rname.chars().all(|ch| !ch.is_control()) && !rname.contains('^');
        if s.index as usize != *index
            || (printable && s.name != rname.as_str())
            || s.offset != *roff
            || s.size != *rsize
            || (s.type_name != "unknown" && s.type_name != rtype)
        {
            bad.push(format!(
                "{name}: section [{}] {:?} {} {:#x}+{:#x} vs readelf [{index}] {rname:?} {rtype} {roff:#x}+{rsize:#x}",
                s.index, s.name, s.type_name, s.offset, s.size
            ));
        }
    }
}

fn compare_dynamic(
    name: &str,
    elf: &Elf<'_>,
    v: &ReadelfView,
    c: &mut Counts,
    bad: &mut Vec<String>,
) {
    let needed: Vec<&str> = elf.needed().iter().map(|s| s.as_ref()).collect();
    if needed != v.needed {
        bad.push(format!(
            "{name}: DT_NEEDED {needed:?} vs readelf {:?}",
            v.needed
        ));
    }
    c.needed += needed.len();
    if elf.soname() != v.soname.as_deref() {
        bad.push(format!(
            "{name}: DT_SONAME {:?} vs readelf {:?}",
            elf.soname(),
            v.soname
        ));
    }
    let syms = elf.symbols();
    if syms.len() != v.dynsyms.len() {
        bad.push(format!(
            "{name}: {} dynamic symbols ({:?}) vs readelf {}",
            syms.len(),
            elf.symbol_source(),
            v.dynsyms.len()
        ));
    }
    for (s, (rname, rtype, rdefined)) in syms.iter().zip(&v.dynsyms) {
        c.symbols += 1;
        let name_ok =
            s.kind == SymbolKind::Section || rname.contains('^') || s.name == rname.as_str();
        let type_ok = kind_name(s.kind).is_none_or(|k| k == rtype);
        if !name_ok || !type_ok || s.defined != *rdefined {
            bad.push(format!(
                "{name}: symbol [{}] {:?} {:?} defined={} vs readelf {rname:?} {rtype} defined={rdefined}",
                s.index, s.name, s.kind, s.defined
            ));
        }
    }
}

/// Oracle strings: (offset, text) from `strings -n 6 -d -t d`.
fn gnu_strings(path: &Path) -> Vec<(u64, String)> {
    let o = Command::new("strings")
        .args(["-n", "6", "-d", "-t", "d"])
        .arg(path)
        .output()
        .expect("strings runs (Debian package binutils)");
    let mut out = Vec::new();
    // Lines are "%7d %s"; a string may itself hold a tab, never a newline.
    for line in o.stdout.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let t = line.trim_start_matches(' ');
        let Some(sp) = t.find(' ') else { continue };
        if let Ok(off) = t[..sp].parse::<u64>() {
            out.push((off, t[sp + 1..].to_string()));
        }
    }
    out
}

fn compare_strings(name: &str, path: &Path, elf: &Elf<'_>, c: &mut Counts, bad: &mut Vec<String>) {
    // Only meaningful with a sane section table: binutils works from sections.
    if elf.sections().is_empty() || !elf.anomalies().is_empty() {
        return;
    }
    let opts = StringOptions {
        max_strings: usize::MAX,
        max_total_bytes: usize::MAX,
        max_string_len: usize::MAX,
        utf8: false,
        ..StringOptions::default()
    };
    let ascii = elf.strings(&opts);
    assert!(!ascii.truncated);
    // Our scanned sections (allocated ones are what binutils -d reads).
    let scanned: HashSet<u32> = ascii
        .items
        .iter()
        .filter(|s| s.region.kind == RegionKind::Section)
        .map(|s| s.region.index)
        .collect();
    let sections = elf.sections();
    let selected: Vec<(u64, u64)> = sections
        .iter()
        .filter(|s| {
            s.in_file
                && s.flags & 2 != 0
                && (s.name == ".dynstr" || (s.sh_type == 1 && s.flags & 4 == 0))
        })
        .map(|s| (s.offset, s.offset + s.size))
        .collect();
    let oracle = gnu_strings(path);
    let oracle_all: HashSet<&str> = oracle.iter().map(|(_, t)| t.as_str()).collect();
    let ours_all: HashSet<&str> = ascii.items.iter().map(|s| s.text).collect();
    for (off, text) in &oracle {
        if selected.iter().any(|&(a, b)| *off >= a && *off < b) {
            c.strings_oracle += 1;
            if !ours_all.contains(text.as_str()) {
                bad.push(format!(
                    "{name}: strings found {text:?} at {off} which we miss"
                ));
            }
        }
    }
    for s in &ascii.items {
        if s.region.kind == RegionKind::Segment {
            bad.push(format!(
                "{name}: string {:?} at {:#x} outside every section of a well-formed file",
                s.text, s.offset
            ));
            continue;
        }
        let alloc = sections
            .get(s.region.index as usize)
            .is_some_and(|sec| sec.flags & 2 != 0);
        if alloc {
            c.strings_ours += 1;
            if !oracle_all.contains(s.text) {
                bad.push(format!(
                    "{name}: we found {:?} at {:#x} which strings does not",
                    s.text, s.offset
                ));
            }
        }
    }
    let _ = scanned;
    // UTF-8 mode: every ASCII string is still there, or inside a longer non-ASCII one.
    let utf8 = elf.strings(&StringOptions { utf8: true, ..opts });
    let utf8_all: HashSet<&str> = utf8.items.iter().map(|s| s.text).collect();
    let non_ascii: Vec<&str> = utf8
        .items
        .iter()
        .map(|s| s.text)
        .filter(|t| !t.is_ascii())
        .collect();
    for s in &ascii.items {
        if utf8_all.contains(s.text) {
            continue;
        }
        if non_ascii.iter().any(|t| t.contains(s.text)) {
            c.strings_utf8_longer += 1;
        } else {
            bad.push(format!(
                "{name}: ASCII string {:?} lost in UTF-8 mode",
                s.text
            ));
        }
    }
}

/// Zeroes `len` bytes at `at`.
fn zero(data: &mut [u8], at: u64, len: usize) {
    let at = at as usize;
    data[at..at + len].fill(0);
}

fn check_file(name: &str, path: &Path, c: &mut Counts, bad: &mut Vec<String>, scratch: &Path) {
    let data = std::fs::read(path).unwrap();
    let parsed = Elf::parse(&data);
    let out = readelf(path, &["-h", "-l", "-S", "-d", "--dyn-syms"]);
    let (elf, out) = match (parsed, out) {
        (Ok(elf), Some(out)) => (elf, out),
        (Err(e), None) => {
            // Both refuse it (not ELF, unsupported class...).
            let _ = e;
            return;
        }
        (Ok(_), None) => {
            bad.push(format!("{name}: we parse it, readelf fails"));
            return;
        }
        (Err(e), Some(_)) => {
            bad.push(format!("{name}: readelf parses it, we fail: {e}"));
            return;
        }
    };
    c.files += 1;
    let v = parse_readelf(&out);
    compare_headers(name, &elf, &v, c, bad);
    if v.dynsym_tables <= 1 {
        compare_dynamic(name, &elf, &v, c, bad);
    }
    compare_strings(name, path, &elf, c, bad);

    let has_dynamic = elf.segments().iter().any(|s| s.p_type == 2);
    if !has_dynamic || elf.sections().is_empty() || !elf.anomalies().is_empty() {
        return;
    }
    let is64 = elf.header().class == Class::Elf64;

    // Variant 1: section table stripped. Everything must come from PT_DYNAMIC, and equal both
    // the original facts and readelf -D on the stripped file.
    let mut stripped = data.clone();
    if is64 {
        zero(&mut stripped, 0x28, 8);
        zero(&mut stripped, 0x3c, 4);
    } else {
        zero(&mut stripped, 0x20, 4);
        zero(&mut stripped, 0x30, 4);
    }
    let sp = scratch.join("stripped");
    std::fs::write(&sp, &stripped).unwrap();
    let s_elf = Elf::parse(&stripped).unwrap();
    if s_elf.dynamic_source() != Source::Segment || s_elf.symbol_source() != Source::Segment {
        bad.push(format!(
            "{name} (stripped): sources {:?}/{:?}",
            s_elf.dynamic_source(),
            s_elf.symbol_source()
        ));
    }
    if s_elf.needed() != elf.needed()
        || s_elf.soname() != elf.soname()
        || s_elf.symbols() != elf.symbols()
    {
        bad.push(format!(
            "{name} (stripped): dynamic facts differ from the original"
        ));
    }
    if !s_elf
        .anomalies()
        .iter()
        .any(|a| a.kind == unmask_elf::kind::NO_SECTION_HEADERS)
    {
        bad.push(format!("{name} (stripped): no no_section_headers anomaly"));
    }
    // readelf 2.40 with -D prints dynamic symbols for -s (not --dyn-syms), and none when -d is
    // also given: two runs.
    if let (Some(dynamic), Some(syms)) = (readelf(&sp, &["-D", "-d"]), readelf(&sp, &["-D", "-s"]))
    {
        let sv = parse_readelf(&format!("{dynamic}\n{syms}"));
        compare_dynamic(
            &format!("{name} (stripped, readelf -D)"),
            &s_elf,
            &sv,
            c,
            bad,
        );
    } else {
        bad.push(format!("{name} (stripped): readelf -D fails"));
    }
    // Strings come from the data segments now; what the allocated sections gave must still be
    // found (non-allocated sections such as .comment are in no segment).
    let original = elf.strings(&StringOptions::default());
    let stripped_strings = s_elf.strings(&StringOptions {
        include_executable: true,
        ..StringOptions::default()
    });
    let from_segments: HashSet<&str> = stripped_strings.items.iter().map(|s| s.text).collect();
    // Without section boundaries a string may run on into the next section's bytes: it must
    // then be inside a longer one.
    let lost: Vec<&str> = original
        .items
        .iter()
        .filter(|s| elf.sections()[s.region.index as usize].flags & 2 != 0)
        .map(|s| s.text)
        .filter(|t| !from_segments.contains(t))
        .filter(|t| !stripped_strings.items.iter().any(|s| s.text.contains(t)))
        .take(3)
        .collect();
    if !lost.is_empty() {
        bad.push(format!("{name} (stripped): strings lost, e.g. {lost:?}"));
    }
    c.stripped_variants += 1;

    // Variant 2: PT_DYNAMIC turned into PT_NULL: the section table must give the same.
    let mut no_dyn = data.clone();
    let h = elf.header();
    for seg in elf.segments().iter().filter(|s| s.p_type == 2) {
        zero(
            &mut no_dyn,
            h.phoff + u64::from(seg.index) * u64::from(h.phentsize),
            4,
        );
    }
    let n_elf = Elf::parse(&no_dyn).unwrap();
    if n_elf.dynamic_source() != Source::Section || n_elf.symbol_source() != Source::Section {
        bad.push(format!(
            "{name} (no PT_DYNAMIC): sources {:?}/{:?}",
            n_elf.dynamic_source(),
            n_elf.symbol_source()
        ));
    }
    if n_elf.needed() != elf.needed()
        || n_elf.soname() != elf.soname()
        || n_elf.symbols() != elf.symbols()
    {
        bad.push(format!(
            "{name} (no PT_DYNAMIC): dynamic facts differ from the original"
        ));
    }
    c.no_dynamic_variants += 1;
}

#[test]
fn readelf_agrees() {
    assert!(
        common::have("readelf") && common::have("strings"),
        "binutils (readelf, strings) is required: apt-get install binutils"
    );
    let scratch = common::scratch("readelf");
    let mut inputs: Vec<(String, String, PathBuf)> = Vec::new(); // (origin, name, path)
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut n = 0usize;
    let mut add_apk = |origin: &str, apk: &Path, inputs: &mut Vec<(String, String, PathBuf)>| {
        for (entry, bytes) in common::apk_native_entries(apk) {
            // ELF files, and every `.so` whatever it holds (readelf must refuse it too).
            if !bytes.starts_with(b"\x7fELF") && !entry.ends_with(".so") {
                continue;
            }
            if !seen.insert(bytes.clone()) {
                continue;
            }
            n += 1;
            let p = scratch.join(format!("{n}.bin"));
            std::fs::write(&p, &bytes).unwrap();
            inputs.push((origin.to_string(), format!("{}!{entry}", apk.display()), p));
        }
    };
    match common::corpus_dir() {
        Some(dir) => {
            for sub in ["real", "droidbench", "edge", "malformed"] {
                for apk in common::apks_under(&dir.join(sub)) {
                    add_apk(sub, &apk, &mut inputs);
                }
            }
        }
        None => println!("SKIPPED: ../shared/corpus not found; corpus APKs not compared"),
    }
    add_apk("fixture", &common::fixture_apk(), &mut inputs);
    for p in common::system_elves(200, 16 << 20) {
        inputs.push(("system".into(), p.display().to_string(), p));
    }

    let mut c = Counts::default();
    let mut bad = Vec::new();
    for (origin, name, path) in &inputs {
        let before = c.files;
        check_file(name, path, &mut c, &mut bad, &scratch);
        if c.files > before {
            *c.by_origin.entry(origin.clone()).or_default() += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "readelf: {} ELF files compared ({:?}); machines {:?}; {} sections, {} program headers, {} dynamic symbols, {} DT_NEEDED; {} stripped-section-table and {} no-PT_DYNAMIC variants",
        c.files, c.by_origin, c.machines, c.sections, c.segments, c.symbols, c.needed, c.stripped_variants, c.no_dynamic_variants
    );
    println!(
        "strings: {} binutils strings in our sections found by us; {} of ours in allocated sections found by binutils; {} ASCII strings inside longer UTF-8 ones",
        c.strings_oracle, c.strings_ours, c.strings_utf8_longer
    );
    for b in bad.iter().take(60) {
        println!("MISMATCH {b}");
    }
    assert!(bad.is_empty(), "{} mismatches with binutils", bad.len());
    assert!(c.by_origin.get("system").copied().unwrap_or(0) > 0 || c.files > 0);
}
