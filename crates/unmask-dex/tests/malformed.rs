//! Malformed inputs built by mutating a valid dex: every case must give errors (or a
//! partial result), never a panic, a hang or unbounded memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};
use unmask_dex::{DexError, DexFile, Index};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/smali")
            .join(name),
    )
    .unwrap()
}

fn u32_at(d: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(d[o..o + 4].try_into().unwrap())
}

fn put32(d: &mut [u8], o: usize, v: u32) {
    d[o..o + 4].copy_from_slice(&v.to_le_bytes());
}

/// Parses and walks everything; returns the number of errors met (parse failure counts as 1).
fn exercise(data: &[u8]) -> u64 {
    let start = Instant::now();
    let n = match DexFile::parse(data) {
        Ok(dex) => {
            let s = dex.scan();
            let _ = dex.checksums();
            let idx = Index::build(std::slice::from_ref(&dex));
            for id in 0..idx.hierarchy.len() as u32 {
                let _ = idx.hierarchy.superclasses(id);
            }
            for m in 0..dex.method_count().min(64) {
                let _ = unmask_dex::disassemble(&dex, m);
            }
            s.error_count + idx.errors.len() as u64
        }
        Err(_) => 1,
    };
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    n
}

#[test]
fn every_truncation() {
    for name in ["formats.dex", "modern.dex", "strings.dex", "annotated.dex"] {
        let data = fixture(name);
        assert_eq!(exercise(&data), 0, "{name} should walk cleanly");
        for len in 0..data.len() {
            exercise(&data[..len]);
        }
    }
}

#[test]
fn random_mutations() {
    let base = fixture("formats.dex");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut errors = 0;
    for _ in 0..4000 {
        let mut d = base.clone();
        for _ in 0..1 + next() % 4 {
            let pos = (next() as usize) % d.len();
            d[pos] = match next() % 3 {
                0 => next() as u8,
                1 => 0xff,
                _ => 0,
            };
        }
        errors += exercise(&d);
    }
    assert!(errors > 0);
}

#[test]
fn huge_counts_are_rejected() {
    let base = fixture("formats.dex");
    // Each id table's size field in the header.
    for off in [56, 64, 72, 80, 88, 96] {
        let mut d = base.clone();
        put32(&mut d, off, 0xffff_ffff);
        assert!(
            matches!(DexFile::parse(&d), Err(DexError::OutOfBounds { .. })),
            "header +{off}"
        );
    }
    // A class_data header claiming 2^32-1 static fields.
    let mut d = base.clone();
    let cd = u32_at(&d, u32_at(&d, 100) as usize + 24) as usize;
    d[cd..cd + 5].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    let dex = DexFile::parse(&d).unwrap();
    let def = dex.class_def(0).unwrap();
    assert!(matches!(dex.class_data(&def), Err(DexError::Limit { .. })));
    assert!(exercise(&d) > 0);
    // A map list with a huge size.
    let mut d = base.clone();
    let map = u32_at(&d, 52) as usize;
    put32(&mut d, map, 0x4000_0000);
    let dex = DexFile::parse(&d).unwrap();
    assert!(!dex.anomalies().is_empty());
    // insns_size of every code item set huge.
    let mut d = base.clone();
    let dex = DexFile::parse(&base).unwrap();
    let offs: Vec<u32> = dex
        .class_data(&dex.class_def(0).unwrap())
        .unwrap()
        .methods
        .iter()
        .map(|m| m.code_off)
        .collect();
    for o in offs {
        put32(&mut d, o as usize + 12, 0x7fff_ffff);
    }
    let dex = DexFile::parse(&d).unwrap();
    assert!(dex.scan().error_count > 0);
}

#[test]
fn overlapping_sections() {
    let base = fixture("formats.dex");
    // type_ids and proto_ids pointed at the string_ids table; class_defs at the header.
    let mut d = base.clone();
    let s_off = u32_at(&d, 60);
    put32(&mut d, 68, s_off);
    put32(&mut d, 76, s_off);
    put32(&mut d, 100, 0);
    exercise(&d);
    // class_data and code pointed at the header.
    let mut d = base.clone();
    let cdef = u32_at(&d, 100) as usize;
    put32(&mut d, cdef + 24, 0x10);
    exercise(&d);
    // map_off = 1 (the complexity DoS that hit another crate).
    let mut d = base.clone();
    put32(&mut d, 52, 1);
    exercise(&d);
}

#[test]
fn bad_uleb128() {
    let base = fixture("formats.dex");
    let mut d = base.clone();
    let cd = u32_at(&d, u32_at(&d, 100) as usize + 24) as usize;
    d[cd..cd + 6].copy_from_slice(&[0xff; 6]);
    let dex = DexFile::parse(&d).unwrap();
    assert!(matches!(
        dex.class_data(&dex.class_def(0).unwrap()),
        Err(DexError::BadLeb128(_))
    ));
    // uleb128 running off the end of the file.
    let mut d = base.clone();
    let n = d.len();
    d[n - 3..].copy_from_slice(&[0x80; 3]);
    let cdef = u32_at(&d, 100) as usize;
    put32(&mut d, cdef + 24, (n - 3) as u32);
    let dex = DexFile::parse(&d).unwrap();
    assert!(dex.class_data(&dex.class_def(0).unwrap()).is_err());
}

#[test]
fn cyclic_class_hierarchy() {
    let base = fixture("formats.dex");
    let mut d = base.clone();
    let cdef = u32_at(&d, 100) as usize;
    let me = u32_at(&d, cdef);
    put32(&mut d, cdef + 8, me); // superclass = itself
    let dex = DexFile::parse(&d).unwrap();
    let idx = Index::build(std::slice::from_ref(&dex));
    let id = idx.hierarchy.id("Lfix/Formats;").unwrap();
    let (chain, cycle) = idx.hierarchy.superclasses(id);
    assert!(cycle);
    assert!(chain.len() <= 1);
    let obj = idx.hierarchy.id("Ljava/lang/Runnable;").unwrap();
    assert!(idx.hierarchy.is_subtype_of(id, obj));
    assert!(idx
        .hierarchy
        .id("Ljava/lang/Object;")
        .is_none_or(|o| !idx.hierarchy.is_subtype_of(id, o)));
    // The same class defined in two dex files: the first definition wins, the cycle stays bounded.
    let dexes = vec![DexFile::parse(&d).unwrap(), DexFile::parse(&base).unwrap()];
    let idx = Index::build(&dexes);
    let id = idx.hierarchy.id("Lfix/Formats;").unwrap();
    assert_eq!(idx.hierarchy.node(id).unwrap().duplicate_definitions, 1);
    assert!(idx.hierarchy.superclasses(id).1);
}

#[test]
fn non_dex_inputs_are_named() {
    assert!(matches!(DexFile::parse(b""), Err(DexError::NotDex(_))));
    assert!(matches!(
        DexFile::parse(b"cdex001\0 plus some more bytes"),
        Err(DexError::CompactDex)
    ));
    let e = DexFile::parse(b"PK\x03\x04 an apk, not a dex").unwrap_err();
    assert!(e.to_string().contains("ZIP"), "{e}");
    assert!(matches!(
        DexFile::parse(b"dex\n099\0aaaaaaaaaaaa"),
        Err(DexError::UnsupportedVersion(_))
    ));
    assert!(matches!(
        DexFile::parse(b"\x7fELF\x02\x01\x01\0"),
        Err(DexError::NotDex(_))
    ));
    // A valid magic with a short header.
    assert!(matches!(
        DexFile::parse(b"dex\n035\0short"),
        Err(DexError::OutOfBounds { .. })
    ));
    // Checksum tampering is reported, not fatal.
    let mut d = fixture("formats.dex");
    d[8] ^= 1;
    let dex = DexFile::parse(&d).unwrap();
    let c = dex.checksums();
    assert!(!c.adler32_ok && c.sha1_ok);
    assert_eq!(dex.scan().error_count, 0);
}

#[test]
fn raw_code_streams() {
    use unmask_dex::insn::{InsnErrorKind, Instructions};
    // unused opcode, then nop; then a const-wide truncated.
    let code = [0x3e, 0x00, 0x00, 0x00, 0x18, 0x01, 0x00];
    let v: Vec<_> = Instructions::new(&code).collect();
    assert!(matches!(v[0], Err(e) if e.kind == InsnErrorKind::UnusedOpcode(0x3e)));
    assert!(matches!(v[1], Ok((1, _))));
    assert!(matches!(v[2], Err(e) if matches!(e.kind, InsnErrorKind::Truncated { .. })));
    assert_eq!(v.len(), 3);
    // A fill-array-data payload claiming 2^32-1 elements of width 0xffff.
    let code = [0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let v: Vec<_> = Instructions::new(&code).collect();
    assert!(matches!(v[0], Err(e) if matches!(e.kind, InsnErrorKind::Truncated { .. })));
}

/// Builds `formats.dex` plus `n` extra string ids all pointing at one long NUL-free region
/// that declares a huge UTF-16 length.
fn shared_long_strings(n: u32, region: usize) -> Vec<u8> {
    let mut d = fixture("formats.dex");
    let data_off = d.len() as u32;
    d.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x07]);
    d.extend(std::iter::repeat_n(b'a', region));
    let table = d.len() as u32;
    for _ in 0..n {
        d.extend_from_slice(&data_off.to_le_bytes());
    }
    put32(&mut d, 56, n);
    put32(&mut d, 60, table);
    d
}

#[test]
fn shared_string_data_is_not_quadratic() {
    let d = shared_long_strings(20_000, 1 << 20);
    let dex = DexFile::parse(&d).unwrap();
    let t = Instant::now();
    let errors = (0..dex.string_count())
        .filter(|&i| dex.string(i).is_err())
        .count();
    assert_eq!(errors, 20_000);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let t = Instant::now();
    let _ = dex.scan();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn shared_code_items_are_bounded() {
    // One class whose class_data lists 100k virtual methods, all sharing one large code item.
    let mut d = fixture("formats.dex");
    let code_off = d.len() as u32;
    let insns: u32 = 200_000;
    d.extend_from_slice(&[1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    put32(&mut d, code_off as usize + 12, insns);
    for _ in 0..insns {
        d.extend_from_slice(&[0x12, 0x00]); // const/4 v0, 0
    }
    let cd = d.len() as u32;
    let methods: u32 = 100_000;
    d.extend_from_slice(&[0, 0, 0]);
    let uleb = |mut v: u32, out: &mut Vec<u8>| loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    };
    uleb(methods, &mut d);
    for i in 0..methods {
        uleb(u32::from(i == 0), &mut d); // method_idx 1 then deltas 0
        uleb(1, &mut d);
        uleb(code_off, &mut d);
    }
    let cdef = u32_at(&d, 100) as usize;
    put32(&mut d, cdef + 24, cd);
    let dex = DexFile::parse(&d).unwrap();
    let t = Instant::now();
    let s = dex.scan();
    assert!(
        s.errors.iter().any(|e| e.contains("work budget exhausted")),
        "{:?}",
        s.errors
    );
    let idx = Index::build(std::slice::from_ref(&dex));
    assert!(idx
        .errors
        .iter()
        .any(|e| e.1.contains("work budget exhausted")));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn out_of_range_instruction_indexes() {
    // const-string/jumbo v5, string@0x13 (1b05 1300 0000) -> string@0xffffffff; and a
    // const-string with an index past the table. The index must not size anything by them.
    let mut d = fixture("formats.dex");
    let at = d
        .windows(6)
        .position(|w| w == [0x1b, 0x05, 0x13, 0x00, 0x00, 0x00])
        .unwrap();
    d[at + 2..at + 6].copy_from_slice(&[0xff; 4]);
    let at = d
        .windows(4)
        .position(|w| w == [0x1a, 0x05, 0x11, 0x00])
        .unwrap();
    d[at + 2..at + 4].copy_from_slice(&[0xfe, 0xff]);
    let dex = DexFile::parse(&d).unwrap();
    let t = Instant::now();
    let idx = Index::build(std::slice::from_ref(&dex));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(
        idx.errors.iter().any(|e| e.1.contains("unresolvable")),
        "{:?}",
        idx.errors
    );
    let m = dex.find_method("Lfix/Formats;->all(I[I)I").unwrap();
    let s = unmask_dex::disassemble(&dex, m).unwrap();
    assert!(s.contains("<bad String 4294967295>"), "{s}");
}

/// A minimal v041 header: no ids, `header_size` 0x78, in a container of `container` bytes.
fn v41_header(container: u32, header_offset: u32) -> Vec<u8> {
    let mut h = vec![0u8; 0x78];
    h[..8].copy_from_slice(b"dex\n041\0");
    put32(&mut h, 32, 0x78);
    put32(&mut h, 36, 0x78);
    put32(&mut h, 40, 0x1234_5678);
    put32(&mut h, 0x70, container);
    put32(&mut h, 0x74, header_offset);
    h
}

#[test]
fn v041_container() {
    let mut c = v41_header(0xf0, 0);
    c.extend(v41_header(0xf0, 0x78));
    let dexes = DexFile::parse_container(&c).unwrap();
    assert_eq!(dexes.len(), 2);
    assert!(dexes
        .iter()
        .all(|d| d.version() == 41 && d.class_count() == 0));
    assert_eq!(dexes[1].header().container, Some((0xf0, 0x78)));
    assert!(dexes[0]
        .anomalies()
        .contains(&unmask_dex::Anomaly::ContainerHasMore));
    // A truncated second header is an error, not a panic.
    assert!(DexFile::parse_container(&c[..0x78 + 0x20]).is_err());
}

#[test]
fn overlapping_catch_handlers_are_bounded() {
    // One method whose code item has 16k tries, each pointing at a different (overlapping)
    // offset of a 64 KiB handler list in which every even offset starts an 8127-clause handler.
    let mut d = fixture("formats.dex");
    while d.len() & 3 != 0 {
        d.push(0);
    }
    let code_off = d.len() as u32;
    let tries: u16 = 16_000;
    let mut code = vec![1u8, 0, 1, 0, 0, 0];
    code.extend_from_slice(&tries.to_le_bytes());
    code.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0]); // debug_info_off, insns_size = 1
    code.extend_from_slice(&[0x0e, 0x00, 0, 0]); // return-void, padding
    for i in 0..tries {
        code.extend_from_slice(&[0, 0, 0, 0, 1, 0]);
        code.extend_from_slice(&(i * 2).to_le_bytes());
    }
    for _ in 0..32_768 {
        code.extend_from_slice(&[0xbf, 0x3f]);
    }
    d.extend(code);
    let cd = d.len() as u32;
    d.extend_from_slice(&[0, 0, 1, 0, 1, 1]); // 0 fields, 1 direct method: idx 1, flags 1
    let mut off = code_off;
    loop {
        let b = (off & 0x7f) as u8;
        off >>= 7;
        if off == 0 {
            d.push(b);
            break;
        }
        d.push(b | 0x80);
    }
    let cdef = u32_at(&d, 100) as usize;
    put32(&mut d, cdef + 24, cd);
    let dex = DexFile::parse(&d).unwrap();
    let t = Instant::now();
    let s = dex.scan();
    assert!(
        s.errors
            .iter()
            .any(|e| e.contains("catch handler work budget")),
        "{:?}",
        s.errors
    );
    let _ = unmask_dex::disassemble(&dex, 1);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn shared_interface_lists_and_class_data_are_bounded() {
    // 20k class defs copying class 0, all sharing one 30k-entry interface list, one class data
    // and one annotations directory.
    let mut d = fixture("formats.dex");
    while d.len() & 3 != 0 {
        d.push(0);
    }
    let list = d.len() as u32;
    let n_if: u32 = 30_000;
    d.extend_from_slice(&n_if.to_le_bytes());
    for _ in 0..n_if {
        d.extend_from_slice(&[0, 0]);
    }
    while d.len() & 3 != 0 {
        d.push(0);
    }
    let cdef = u32_at(&d, 100) as usize;
    let mut def = d[cdef..cdef + 32].to_vec();
    put32(&mut def, 12, list);
    let table = d.len() as u32;
    let n: u32 = 20_000;
    for _ in 0..n {
        d.extend_from_slice(&def);
    }
    put32(&mut d, 96, n);
    put32(&mut d, 100, table);
    let dex = DexFile::parse(&d).unwrap();
    let t = Instant::now();
    let s = dex.scan();
    assert!(
        s.errors.iter().any(|e| e.contains("budget")),
        "{:?}",
        s.errors
    );
    let idx = Index::build(std::slice::from_ref(&dex));
    assert!(!idx.errors.is_empty());
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}
