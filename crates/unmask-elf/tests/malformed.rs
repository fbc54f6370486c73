//! Hostile input: truncation sweeps, deterministic byte mutations and hand-made packer tricks
//! on real libraries. Nothing may panic, every call must return quickly, and what is returned
//! must point into the input (every string is the bytes at its offset).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use unmask_elf::{kind, Class, Elf, RegionKind, Source, StringOptions};

/// Real libraries to damage: the corpus' AArch64 and ARM JNI libraries when the corpus is
/// there, a big-endian MIPS and an x86-64 library of this machine when installed.
fn bases() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if let Some(dir) = common::corpus_dir() {
        for (apk, entry) in [
            (
                "droidbench/SelfModification/BytecodeTamper1.apk",
                "lib/arm64-v8a/libmyjni.so",
            ),
            (
                "droidbench/Native/JavaIDFunction.apk",
                "lib/armeabi/libndkmod.so",
            ),
        ] {
            for (name, bytes) in common::apk_native_entries(&dir.join(apk)) {
                if name == entry {
                    out.push((format!("{apk}!{entry}"), bytes));
                }
            }
        }
    } else {
        println!("SKIPPED: ../shared/corpus not found; corpus libraries not mutated");
    }
    for p in [
        "/usr/mips-linux-gnu/lib/libdl.so.2",
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
    ] {
        if let Ok(bytes) = std::fs::read(p) {
            out.push((p.to_string(), bytes));
        }
    }
    for (name, bytes) in common::apk_native_entries(&common::fixture_apk()) {
        if bytes.starts_with(b"\x7fELF") {
            out.push((format!("fixture!{name}"), bytes));
        }
    }
    out
}

/// Everything the crate offers, with invariants checked; returns the time it took.
fn exercise(data: &[u8]) -> Duration {
    let t = Instant::now();
    let Ok(elf) = Elf::parse(data) else {
        return t.elapsed();
    };
    let len = data.len() as u64;
    for s in elf.sections() {
        if s.in_file {
            assert_eq!(elf.section_data(s).map(<[u8]>::len), Some(s.size as usize));
        }
    }
    let facts = elf.facts();
    assert!(facts.exports.len() + facts.imports.len() <= elf.symbols().len());
    assert!(elf.symbols().len() as u64 <= len / 16 + 1);
    assert!(facts.anomalies.len() <= 64 * 40);
    let _ = serde_json::to_string(&facts).unwrap();
    for opts in [
        StringOptions::default(),
        StringOptions {
            min_len: 1,
            max_strings: 50,
            max_total_bytes: 512,
            max_string_len: 7,
            include_executable: true,
            ..StringOptions::default()
        },
    ] {
        let strings = elf.strings(&opts);
        assert!(strings.items.len() <= opts.max_strings);
        assert!(strings.scanned_bytes <= len);
        let total: usize = strings.items.iter().map(|s| s.text.len()).sum();
        assert!(total <= opts.max_total_bytes);
        for s in &strings.items {
            assert!(s.text.len() >= opts.min_len.min(opts.max_string_len) || s.clipped);
            assert!(s.text.len() <= opts.max_string_len);
            let at = s.offset as usize;
            assert_eq!(&data[at..at + s.text.len()], s.text.as_bytes());
            assert!(s.count >= 1);
        }
    }
    t.elapsed()
}

/// xorshift64*: deterministic mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SLOW: Duration = Duration::from_secs(2);

#[test]
fn truncation_sweep() {
    let bases = bases();
    assert!(!bases.is_empty(), "no library to damage");
    let mut runs = 0;
    let mut worst = Duration::ZERO;
    for (name, data) in &bases {
        // Every prefix up to 4 KiB (headers, tables), then a stride through the rest.
        let mut cuts: Vec<usize> = (0..=data.len().min(4096)).collect();
        cuts.extend((4096..data.len()).step_by(data.len() / 400 + 1));
        for cut in cuts {
            let took = exercise(&data[..cut]);
            assert!(took < SLOW, "{name} cut at {cut}: {took:?}");
            worst = worst.max(took);
            runs += 1;
        }
    }
    println!(
        "truncation: {runs} prefixes of {} libraries, slowest {worst:?}",
        bases.len()
    );
}

#[test]
fn byte_mutations() {
    let bases = bases();
    assert!(!bases.is_empty(), "no library to damage");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut runs = 0;
    let mut parsed = 0;
    let mut worst = Duration::ZERO;
    for (name, data) in &bases {
        let elf = Elf::parse(data).unwrap();
        // Where the structure is: header, program headers, section headers, dynamic table.
        let h = elf.header().clone();
        let mut hot: Vec<(usize, usize)> = vec![(0, 64)];
        hot.push((
            h.phoff as usize,
            usize::from(h.phnum) * usize::from(h.phentsize),
        ));
        hot.push((
            h.shoff as usize,
            usize::from(h.shnum) * usize::from(h.shentsize),
        ));
        for s in elf.segments().iter().filter(|s| s.p_type == 2) {
            hot.push((s.offset as usize, s.filesz as usize));
        }
        hot.retain(|&(a, n)| n > 0 && a + n <= data.len());
        let per_base = if data.len() > 200_000 { 400 } else { 1500 };
        for _ in 0..per_base {
            let mut m = data.clone();
            let edits = 1 + rng.below(8);
            for _ in 0..edits {
                let at = if rng.below(4) == 0 {
                    rng.below(m.len())
                } else {
                    let (a, n) = hot[rng.below(hot.len())];
                    a + rng.below(n)
                };
                m[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xff,
                    2 => m[at] ^ (1 << rng.below(8)),
                    _ => rng.next() as u8,
                };
            }
            let took = exercise(&m);
            assert!(took < SLOW, "{name} mutant {runs}: {took:?}");
            worst = worst.max(took);
            parsed += usize::from(Elf::parse(&m).is_ok());
            runs += 1;
        }
    }
    println!("mutations: {runs} mutants ({parsed} still parse), slowest {worst:?}");
}

// Field offsets in the ELF header: (32-bit, 64-bit).
const E_PHOFF: (usize, usize) = (0x1c, 0x20);
const E_SHOFF: (usize, usize) = (0x20, 0x28);
const E_SHENTSIZE: (usize, usize) = (0x2e, 0x3a);
const E_SHNUM: (usize, usize) = (0x30, 0x3c);
const E_SHSTRNDX: (usize, usize) = (0x32, 0x3e);

fn field(elf: &Elf<'_>, f: (usize, usize)) -> usize {
    match elf.header().class {
        Class::Elf32 => f.0,
        Class::Elf64 => f.1,
    }
}

fn put(data: &mut [u8], at: usize, value: u64, size: usize, big: bool) {
    for i in 0..size {
        let shift = if big { 8 * (size - 1 - i) } else { 8 * i };
        data[at + i] = (value >> shift) as u8;
    }
}

fn kinds(data: &[u8]) -> Vec<&'static str> {
    Elf::parse(data)
        .unwrap()
        .anomalies()
        .iter()
        .map(|a| a.kind)
        .collect()
}

#[test]
fn packer_tricks() {
    let bases = bases();
    let mut checked = 0;
    for (name, data) in bases.iter().filter(|(_, d)| {
        Elf::parse(d)
            .is_ok_and(|e| e.segments().iter().any(|s| s.p_type == 2) && !e.sections().is_empty())
    }) {
        let elf = Elf::parse(data).unwrap();
        assert!(elf.anomalies().is_empty(), "{name}: {:?}", elf.anomalies());
        let big = elf.header().endian == unmask_elf::Endian::Big;
        let word = if elf.header().class == Class::Elf64 {
            8
        } else {
            4
        };
        let base_strings = elf.strings(&StringOptions::default()).items.len();

        // Section header table pointing past the end: segments still give the dynamic facts
        // and strings.
        let mut m = data.clone();
        put(
            &mut m,
            field(&elf, E_SHOFF),
            data.len() as u64 + 4096,
            word,
            big,
        );
        assert!(
            kinds(&m).contains(&kind::SECTION_HEADERS_OUT_OF_BOUNDS),
            "{name}"
        );
        let e = Elf::parse(&m).unwrap();
        assert_eq!(e.needed(), elf.needed(), "{name}");
        assert_eq!(e.symbols(), elf.symbols(), "{name}");
        assert_eq!(e.symbol_source(), Source::Segment);
        let seg = e.strings(&StringOptions::default());
        assert!(seg
            .items
            .iter()
            .all(|s| s.region.kind == RegionKind::Segment));
        assert!(!seg.items.is_empty() || base_strings == 0, "{name}");

        // e_shstrndx out of range; a wrong e_shentsize.
        let mut m = data.clone();
        put(&mut m, field(&elf, E_SHSTRNDX), 0xfff0, 2, big);
        assert!(kinds(&m).contains(&kind::BAD_SHSTRNDX), "{name}");
        let mut m = data.clone();
        put(&mut m, field(&elf, E_SHENTSIZE), 12, 2, big);
        assert!(kinds(&m).contains(&kind::BAD_SECTION_HEADER_SIZE), "{name}");
        // An absurd extended section count.
        let mut m = data.clone();
        put(&mut m, field(&elf, E_SHNUM), 0, 2, big);
        exercise(&m);

        // A section whose size runs past the file.
        let mut m = data.clone();
        let shoff = elf.header().shoff as usize;
        let shentsize = usize::from(elf.header().shentsize);
        let last = elf.sections().len() - 1;
        let size_at = shoff + last * shentsize + if word == 8 { 0x20 } else { 0x14 };
        put(&mut m, size_at, 0x7fff_ffff, word, big);
        let k = kinds(&m);
        assert!(
            k.contains(&kind::SECTION_OUT_OF_BOUNDS) || elf.sections()[last].sh_type == 8,
            "{name}: {k:?}"
        );

        // Two PT_LOAD segments at the same address; a writable+executable one.
        let loads: Vec<u32> = elf
            .segments()
            .iter()
            .filter(|s| s.p_type == 1)
            .map(|s| s.index)
            .collect();
        let phoff = elf.header().phoff as usize;
        let phentsize = usize::from(elf.header().phentsize);
        if loads.len() >= 2 {
            let (vaddr_at, flags_at) = if word == 8 { (0x10, 0x4) } else { (0x8, 0x18) };
            let mut m = data.clone();
            let first = elf.segments()[loads[0] as usize].vaddr;
            put(
                &mut m,
                phoff + loads[1] as usize * phentsize + vaddr_at,
                first,
                word,
                big,
            );
            assert!(kinds(&m).contains(&kind::OVERLAPPING_SEGMENTS), "{name}");
            let mut m = data.clone();
            put(
                &mut m,
                phoff + loads[0] as usize * phentsize + flags_at,
                7,
                4,
                big,
            );
            assert!(
                kinds(&m).contains(&kind::WRITABLE_EXECUTABLE_SEGMENT),
                "{name}"
            );
        }

        // Program headers that point past the end.
        let mut m = data.clone();
        put(
            &mut m,
            field(&elf, E_PHOFF),
            data.len() as u64 - 8,
            word,
            big,
        );
        assert!(kinds(&m).contains(&kind::BAD_PROGRAM_HEADERS), "{name}");

        // An appended payload.
        let mut m = data.clone();
        m.extend(std::iter::repeat_n(0x5a, 64 << 10));
        assert!(kinds(&m).contains(&kind::TRAILING_DATA), "{name}");

        // Encrypted code: the executable segment (past the headers) filled with random bytes.
        if let Some(code) = elf
            .segments()
            .iter()
            .find(|s| s.p_type == 1 && s.flags & 1 != 0 && s.filesz >= 16 << 10)
        {
            let mut m = data.clone();
            let mut rng = Rng(0x1234_5678_9abc_def1);
            let start = (code.offset as usize).max(4096);
            for b in &mut m[start..(code.offset + code.filesz) as usize] {
                *b = rng.next() as u8;
            }
            assert!(kinds(&m).contains(&kind::HIGH_ENTROPY_SEGMENT), "{name}");
            assert!(!kinds(data).contains(&kind::HIGH_ENTROPY_SEGMENT), "{name}");
        }
        // UPX's marker after the program headers.
        let mut m = data.clone();
        let at = (elf.header().phoff
            + u64::from(elf.header().phnum) * u64::from(elf.header().phentsize))
            as usize;
        m[at..at + 4].copy_from_slice(b"UPX!");
        assert!(kinds(&m).contains(&kind::UPX_SIGNATURE), "{name}");

        // String caps.
        let capped = elf.strings(&StringOptions {
            max_strings: 5,
            ..StringOptions::default()
        });
        assert_eq!(capped.items.len(), 5.min(base_strings), "{name}");
        assert_eq!(capped.truncated, base_strings > 5, "{name}");
        checked += 1;
    }
    println!("packer tricks: {checked} libraries");
    assert!(checked > 0);
}

#[test]
fn not_elf() {
    assert!(matches!(Elf::parse(b""), Err(unmask_elf::Error::NotElf)));
    assert!(matches!(
        Elf::parse(b"Hello\n"),
        Err(unmask_elf::Error::NotElf)
    ));
    assert!(matches!(
        Elf::parse(b"\x7fELF\x03\x01\x01"),
        Err(unmask_elf::Error::UnsupportedClass(3))
    ));
    assert!(matches!(
        Elf::parse(b"\x7fELF\x02\x03\x01"),
        Err(unmask_elf::Error::UnsupportedEndian(3))
    ));
    let mut short = b"\x7fELF\x02\x01\x01".to_vec();
    short.resize(16, 0);
    assert_eq!(
        Elf::parse(&short).err(),
        Some(unmask_elf::Error::Truncated { len: 16, need: 64 })
    );
}
