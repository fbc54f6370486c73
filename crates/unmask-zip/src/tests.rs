//! Unit tests: every trick is built byte by byte with a test-only ZIP builder.

use super::*;
use std::io::Write;

// ---------------------------------------------------------------- test-only ZIP builder

/// Independent bitwise CRC-32 (IEEE), so tests do not trust the code under test.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[derive(Clone)]
struct E {
    name: Vec<u8>,
    /// Bytes as stored in the file (compressed for deflate).
    payload: Vec<u8>,
    method: u16,
    flags: u16,
    crc: u32,
    csize: u32,
    usize_: u32,
    cd_extra: Vec<u8>,
    lfh_extra: Vec<u8>,
    lfh_name: Option<Vec<u8>>,
    lfh_method: Option<u16>,
    lfh_flags: Option<u16>,
    lfh_sizes: Option<(u32, u32)>,
    lfh_crc: Option<u32>,
    /// Override the CD local-header offset.
    lho: Option<u32>,
    /// Omit the local header + data entirely (CD only).
    cd_only: bool,
}

impl E {
    fn stored(name: &str, content: &[u8]) -> E {
        E {
            name: name.as_bytes().to_vec(),
            payload: content.to_vec(),
            method: 0,
            flags: 0,
            crc: crc32(content),
            csize: content.len() as u32,
            usize_: content.len() as u32,
            cd_extra: vec![],
            lfh_extra: vec![],
            lfh_name: None,
            lfh_method: None,
            lfh_flags: None,
            lfh_sizes: None,
            lfh_crc: None,
            lho: None,
            cd_only: false,
        }
    }
    fn deflated(name: &str, content: &[u8]) -> E {
        let c = deflate(content);
        E {
            csize: c.len() as u32,
            payload: c,
            method: 8,
            ..E::stored(name, content)
        }
    }
}

#[derive(Default)]
struct Z {
    entries: Vec<E>,
    prefix: Vec<u8>,
    /// Offsets relative to the ZIP start instead of the file start (self-extractor).
    relative: bool,
    eocd_count: Option<u16>,
    gap_before_eocd: Vec<u8>,
    comment: Vec<u8>,
    trailing: Vec<u8>,
    cd_size_delta: i64,
}

fn p16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn p32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl Z {
    fn with(entries: Vec<E>) -> Z {
        Z {
            entries,
            ..Z::default()
        }
    }
    fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.relative { self.prefix.len() } else { 0 };
        let mut lhos = Vec::new();
        for e in &self.entries {
            lhos.push((out.len() - base) as u32);
            if e.cd_only {
                continue;
            }
            let name = e.lfh_name.clone().unwrap_or_else(|| e.name.clone());
            let (cs, us) = e.lfh_sizes.unwrap_or((e.csize, e.usize_));
            p32(&mut out, 0x0403_4b50);
            p16(&mut out, 20);
            p16(&mut out, e.lfh_flags.unwrap_or(e.flags));
            p16(&mut out, e.lfh_method.unwrap_or(e.method));
            p32(&mut out, 0x2121_0821); // time/date
            p32(&mut out, e.lfh_crc.unwrap_or(e.crc));
            p32(&mut out, cs);
            p32(&mut out, us);
            p16(&mut out, name.len() as u16);
            p16(&mut out, e.lfh_extra.len() as u16);
            out.extend_from_slice(&name);
            out.extend_from_slice(&e.lfh_extra);
            out.extend_from_slice(&e.payload);
        }
        let cd_start = out.len();
        for (e, &lho) in self.entries.iter().zip(&lhos) {
            p32(&mut out, 0x0201_4b50);
            p16(&mut out, 20);
            p16(&mut out, 20);
            p16(&mut out, e.flags);
            p16(&mut out, e.method);
            p32(&mut out, 0x2121_0821);
            p32(&mut out, e.crc);
            p32(&mut out, e.csize);
            p32(&mut out, e.usize_);
            p16(&mut out, e.name.len() as u16);
            p16(&mut out, e.cd_extra.len() as u16);
            p16(&mut out, 0); // comment
            p16(&mut out, 0); // disk
            p16(&mut out, 0); // internal
            p32(&mut out, 0); // external
            p32(&mut out, e.lho.unwrap_or(lho));
            out.extend_from_slice(&e.name);
            out.extend_from_slice(&e.cd_extra);
        }
        let cd_size = (out.len() - cd_start) as i64 + self.cd_size_delta;
        out.extend_from_slice(&self.gap_before_eocd);
        let n = self.eocd_count.unwrap_or(self.entries.len() as u16);
        p32(&mut out, 0x0605_4b50);
        p16(&mut out, 0);
        p16(&mut out, 0);
        p16(&mut out, n);
        p16(&mut out, n);
        p32(&mut out, cd_size as u32);
        p32(&mut out, (cd_start - base) as u32);
        p16(&mut out, self.comment.len() as u16);
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}

fn kinds(a: &Archive<'_>) -> Vec<&'static str> {
    a.anomalies().iter().map(|x| x.kind).collect()
}

fn anomaly<'x>(a: &'x Archive<'_>, kind: &str) -> &'x Anomaly {
    a.anomalies()
        .iter()
        .find(|x| x.kind == kind)
        .unwrap_or_else(|| panic!("no anomaly {kind}; got {:?}", a.anomalies()))
}

fn read_named(a: &Archive<'_>, name: &str) -> Vec<u8> {
    a.read(a.find(name).unwrap()).unwrap().into_owned()
}

fn malformed(r: Result<Archive<'_>, ZipError>) -> String {
    match r {
        Err(ZipError::Malformed(m)) => m,
        Err(e) => panic!("expected Malformed, got {e:?}"),
        Ok(a) => panic!("expected an error, parsed {} entries", a.entries().len()),
    }
}

const MANIFEST: &[u8] = b"<manifest package=\"com.example\">hello hello hello hello</manifest>";

// ---------------------------------------------------------------- well-formed

#[test]
fn well_formed_roundtrip_stored_and_deflated() {
    let big: Vec<u8> = (0..100_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let z = Z::with(vec![
        E::deflated("AndroidManifest.xml", MANIFEST),
        E::stored("resources.arsc", b"ARSC-DATA"),
        E::deflated("classes.dex", &big),
    ]);
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(a.anomalies().is_empty(), "{:?}", a.anomalies());
    assert!(!a.android_rejects());
    assert!(Archive::is_zip(&bytes));
    assert_eq!(a.entries().len(), 3);
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    assert_eq!(read_named(&a, "classes.dex"), big);
    let arsc = a.find("resources.arsc").unwrap();
    assert!(matches!(a.read(arsc).unwrap(), Cow::Borrowed(b"ARSC-DATA")));
    // EOCD is the last 22 bytes; the CD ends at it.
    assert_eq!(a.eocd_offset(), (bytes.len() - 22) as u64);
    let cd = a.central_directory_offset() as usize;
    assert_eq!(&bytes[cd..cd + 4], b"PK\x01\x02");
    for e in a.entries() {
        assert_eq!(crc32(&a.read(e).unwrap()), e.crc32);
        assert!(!e.unsafe_name);
    }
    // Each deflated entry was read twice.
    assert_eq!(a.inflated_total(), 2 * (MANIFEST.len() + big.len()) as u64);
}

#[test]
fn read_prefix_is_cheap_and_correct() {
    let big = vec![7u8; 4 << 20];
    let z = Z::with(vec![
        E::deflated("big", &big),
        E::stored("s", b"0123456789"),
    ]);
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let p = a.read_prefix(a.find("big").unwrap(), 16).unwrap();
    assert_eq!(&*p, &[7u8; 16]);
    assert!(a.inflated_total() < 1 << 20, "{}", a.inflated_total());
    let s = a.read_prefix(a.find("s").unwrap(), 4).unwrap();
    assert!(matches!(s, Cow::Borrowed(b"0123")));
    let s = a.read_prefix(a.find("s").unwrap(), 100).unwrap();
    assert_eq!(&*s, b"0123456789");
}

#[test]
fn empty_archive_is_parsed_and_flagged() {
    let bytes = Z::default().build();
    assert_eq!(bytes.len(), 22);
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(a.entries().is_empty());
    assert!(anomaly(&a, kind::EMPTY_ARCHIVE).android_rejects);
    assert!(Archive::is_zip(&bytes));
}

// ---------------------------------------------------------------- local header vs CD

#[test]
fn badpack_junk_local_method_is_ignored() {
    let mut e = E::deflated("AndroidManifest.xml", MANIFEST);
    e.lfh_method = Some(0xBEEF);
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    let an = anomaly(&a, kind::LOCAL_METHOD_MISMATCH);
    assert!(!an.android_rejects);
    assert_eq!(an.entry.as_deref(), Some("AndroidManifest.xml"));
    assert!(an.detail.contains("48879"), "{}", an.detail);
}

#[test]
fn cd_deflate_local_stored_reads_with_cd_method() {
    let mut e = E::deflated("a.xml", MANIFEST);
    e.lfh_method = Some(0);
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a.xml"), MANIFEST);
    assert_eq!(kinds(&a), vec![kind::LOCAL_METHOD_MISMATCH]);
}

#[test]
fn local_sizes_zero_without_descriptor_flag_is_flagged_but_read() {
    let mut e = E::deflated("a.xml", MANIFEST);
    e.lfh_sizes = Some((0, 0));
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a.xml"), MANIFEST);
    assert!(anomaly(&a, kind::LOCAL_SIZE_MISMATCH).android_rejects);
}

#[test]
fn local_sizes_zero_with_data_descriptor_flag_is_normal() {
    let mut e = E::deflated("a.xml", MANIFEST);
    e.flags = 1 << 3;
    e.lfh_sizes = Some((0, 0));
    e.lfh_crc = Some(0);
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a.xml"), MANIFEST);
    assert!(a.anomalies().is_empty(), "{:?}", a.anomalies());
}

#[test]
fn local_crc_and_flags_mismatch() {
    let mut e = E::stored("a", b"abc");
    e.lfh_crc = Some(0x1234_5678);
    let mut f = E::stored("b", b"def");
    f.lfh_flags = Some(0x0800);
    let bytes = Z::with(vec![e, f]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a"), b"abc");
    assert_eq!(read_named(&a, "b"), b"def");
    assert!(anomaly(&a, kind::LOCAL_CRC_MISMATCH)
        .detail
        .contains("0x12345678"));
    let fl = anomaly(&a, kind::LOCAL_FLAGS_MISMATCH);
    assert_eq!(fl.entry.as_deref(), Some("b"));
    assert!(!fl.android_rejects);
}

#[test]
fn bad_crc_is_not_checked() {
    let mut e = E::deflated("a.xml", MANIFEST);
    e.crc = 0xDEAD_BEEF;
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a.xml"), MANIFEST);
    assert!(a.anomalies().is_empty());
}

#[test]
fn local_name_mismatch_uses_cd_name() {
    let mut e = E::stored("AndroidManifest.xml", b"xml");
    e.lfh_name = Some(b"Evil.xml".to_vec());
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    // Data is located with the LFH name length, which differs from the CD's.
    assert_eq!(read_named(&a, "AndroidManifest.xml"), b"xml");
    let an = anomaly(&a, kind::LOCAL_NAME_MISMATCH);
    assert!(an.android_rejects);
    assert!(an.detail.contains("Evil.xml"));
}

#[test]
fn encryption_bit_is_ignored() {
    let mut e = E::deflated("AndroidManifest.xml", MANIFEST);
    e.flags = 1;
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    assert_eq!(kinds(&a), vec![kind::ENCRYPTED_FLAG]);
    assert!(!a.android_rejects());
}

#[test]
fn bogus_extra_fields_are_tolerated() {
    let mut e = E::deflated("a.xml", MANIFEST);
    // Declares 0xFFFF bytes but only 3 follow.
    e.cd_extra = vec![0x34, 0x12, 0xFF, 0xFF, 1, 2, 3];
    e.lfh_extra = vec![0xCA, 0xFE, 0x40, 0x00, 9, 9];
    let mut big = E::stored("b", b"payload");
    big.lfh_extra = vec![0u8; 20_000];
    let bytes = Z::with(vec![e, big]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a.xml"), MANIFEST);
    assert_eq!(read_named(&a, "b"), b"payload");
    let m: Vec<_> = a
        .anomalies()
        .iter()
        .filter(|x| x.kind == kind::MALFORMED_EXTRA_FIELD)
        .collect();
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(
        anomaly(&a, kind::OVERSIZED_EXTRA_FIELD).entry.as_deref(),
        Some("b")
    );
}

#[test]
fn zipalign_padding_in_extra_is_not_an_anomaly() {
    let mut e = E::stored("lib/x.so", b"ELF");
    e.lfh_extra = vec![0x35, 0xD9, 0x02, 0x00, 0x00, 0x10, 0, 0, 0];
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(a.anomalies().is_empty(), "{:?}", a.anomalies());
    assert_eq!(read_named(&a, "lib/x.so"), b"ELF");
}

#[test]
fn missing_local_header_fails_only_that_entry() {
    let mut e = E::stored("ghost", b"boo");
    e.lho = Some(3); // not a header
    let bytes = Z::with(vec![E::stored("ok", b"fine"), e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "ok"), b"fine");
    let ghost = a.find("ghost").unwrap();
    assert_eq!(ghost.data_offset, None);
    let err = a.read(ghost).unwrap_err().to_string();
    assert!(err.contains("ghost") && err.contains("offset 3"), "{err}");
    assert!(anomaly(&a, kind::LOCAL_HEADER_INVALID).android_rejects);
}

#[test]
fn overlapping_entries_are_flagged() {
    let mut alias = E::stored("alias", b"shared");
    alias.lho = Some(0);
    alias.cd_only = true;
    let bytes = Z::with(vec![E::stored("orig", b"shared"), alias]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "alias"), b"shared");
    assert!(kinds(&a).contains(&kind::OVERLAPPING_ENTRIES));
    assert!(kinds(&a).contains(&kind::LOCAL_NAME_MISMATCH));
}

/// An entry whose declared size runs over the next local header, with the central directory
/// in file order (checked as listed) and in reverse (checked after sorting).
#[test]
fn overlap_found_in_either_directory_order() {
    let mut long = E::stored("long", b"0123456789");
    long.csize = 40;
    long.usize_ = 40;
    let tail = E::stored("tail", b"abc");
    let bytes = Z::with(vec![long, tail]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let o = anomaly(&a, kind::OVERLAPPING_ENTRIES);
    assert_eq!(o.entry.as_deref(), Some("tail"));
    // "long" starts at 0: 30-byte header, 4-byte name, 40 declared bytes.
    assert_eq!(
        o.detail,
        "entry #1 (local header at 44) lies inside entry #0, which extends to 74"
    );
    // The same file with the two (equally long) central-directory records swapped.
    let mut swapped = bytes.clone();
    let eocd = swapped.len() - 22;
    let cd = u32::from_le_bytes(swapped[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let (first, second) = swapped[cd..cd + 100].split_at_mut(50);
    first.swap_with_slice(second);
    let a = Archive::parse(&swapped, Limits::default()).unwrap();
    assert_eq!(a.entries()[0].name, "tail");
    let o = anomaly(&a, kind::OVERLAPPING_ENTRIES);
    assert_eq!(o.entry.as_deref(), Some("tail"));
    assert_eq!(
        o.detail,
        "entry #0 (local header at 44) lies inside entry #1, which extends to 74"
    );
}

// ---------------------------------------------------------------- methods

#[test]
fn unknown_method_is_read_as_stored() {
    let mut e = E::stored("AndroidManifest.xml", MANIFEST);
    e.method = 99;
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let ent = a.find("AndroidManifest.xml").unwrap();
    assert!(matches!(a.read(ent).unwrap(), Cow::Borrowed(x) if x == MANIFEST));
    let an = anomaly(&a, kind::UNKNOWN_COMPRESSION_METHOD);
    assert!(an.detail.contains("99"));
    assert!(!an.android_rejects);
}

#[test]
fn truncated_deflate_stream_is_a_clear_error() {
    let mut e = E::deflated("a", &vec![1u8; 100_000]);
    // Keep only half the compressed bytes, sizes consistent.
    let half = e.payload.len() / 2;
    e.payload.truncate(half);
    e.csize = half as u32;
    let mut garbage = E::stored("b", b"x");
    garbage.payload = vec![];
    garbage.csize = 0;
    garbage.usize_ = 0;
    let mut junk = E::deflated("c", b"hello");
    junk.payload = vec![0xFF; 8];
    junk.csize = 8;
    let bytes = Z::with(vec![e, garbage, junk]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let err = a.read(a.find("a").unwrap()).unwrap_err();
    assert!(
        matches!(&err, ZipError::Malformed(m) if m.contains("truncated")),
        "{err}"
    );
    let err = a.read(a.find("c").unwrap()).unwrap_err();
    assert!(
        matches!(&err, ZipError::Malformed(m) if m.contains("corrupt")),
        "{err}"
    );
    assert_eq!(&*a.read(a.find("b").unwrap()).unwrap(), b"");
}

// ---------------------------------------------------------------- names

#[test]
fn unsafe_names_are_flagged() {
    let cases: &[(&[u8], bool)] = &[
        (b"../../etc/passwd", true),
        (b"assets/../../x", true),
        (b"/abs/path", true),
        (b"lib\\arm\\x.so", true),
        (b"C:evil", true),
        (b"test.txt\0.so", true),
        (b"assets/..hidden", false),
        (b"res/layout/main.xml", false),
        (b"a/b..", false),
    ];
    for (name, want) in cases {
        let mut e = E::stored("x", b"d");
        e.name = name.to_vec();
        let bytes = Z::with(vec![e]).build();
        let a = Archive::parse(&bytes, Limits::default()).unwrap();
        let ent = &a.entries()[0];
        assert_eq!(
            ent.unsafe_name,
            *want,
            "{:?}",
            String::from_utf8_lossy(name)
        );
        assert_eq!(kinds(&a).contains(&kind::UNSAFE_NAME), *want);
        assert_eq!(ent.raw_name, *name);
        assert_eq!(&*a.read(ent).unwrap(), b"d");
    }
}

/// The quick screen that skips the name checks must never skip a name they would flag:
/// every name of up to 3 bytes over an alphabet of the characters that matter, and longer
/// names with them at each position.
#[test]
fn plain_names_have_nothing_to_flag() {
    let alphabet: &[u8] = b"a./\\:C\x00\x01\x1f\x7f \xff";
    let mut names: Vec<Vec<u8>> = vec![vec![]];
    for len in 1..=3 {
        let mut next = Vec::new();
        for n in names.iter().filter(|n| n.len() == len - 1) {
            for &b in alphabet {
                let mut m = n.clone();
                m.push(b);
                next.push(m);
            }
        }
        names.extend(next);
    }
    for &b in alphabet {
        for at in 0..6 {
            let mut m = b"res/x.png".to_vec();
            m.insert(at, b);
            names.push(m.clone());
            m.insert(at, b);
            names.push(m);
        }
    }
    let mut plain = 0;
    for n in &names {
        if names::is_plain(n) {
            plain += 1;
            assert!(names::unsafe_reasons(n).is_empty(), "{n:?}");
            assert!(!names::has_control_chars(n), "{n:?}");
        }
    }
    assert!(plain > 100, "{plain} plain names");
    assert!(names::is_plain(b"res/layout/main.xml"));
    assert!(names::is_plain(b"assets/.hidden/a.b.c"));
}

/// The name index against a `HashMap` of first occurrences: every repeat reported with its
/// first entry, every name found at its first entry, absent names not found.
#[test]
fn name_index_finds_first_occurrences() {
    let mut rng = Rng(77);
    for n in [0usize, 1, 2, 15, 16, 17, 1000, 5000] {
        let names: Vec<Vec<u8>> = (0..n)
            .map(|_| {
                let len = (rng.next() % 6) as usize;
                (0..len)
                    .map(|_| b"ab/\xff"[(rng.next() % 4) as usize])
                    .collect()
            })
            .collect();
        let keys = std::hash::RandomState::new();
        let hashes: Vec<u64> = names
            .iter()
            .map(|r| names::NameIndex::hash(&keys, r))
            .collect();
        let mut index = names::NameIndex::new(keys, n);
        let raw_of = |i: usize| names.get(i).map(|v| v.as_slice());
        let repeats = index.insert_all(&hashes, raw_of);
        let mut first: std::collections::HashMap<&[u8], usize> = Default::default();
        let mut want = Vec::new();
        for (i, r) in names.iter().enumerate() {
            match first.get(r.as_slice()) {
                Some(&f) => want.push((i, f)),
                None => {
                    first.insert(r, i);
                }
            }
        }
        assert_eq!(repeats, want, "n {n}");
        for (r, &i) in &first {
            assert_eq!(index.find(r, raw_of), Some(i));
        }
        assert_eq!(index.find(b"not there at all", raw_of), None);
    }
}

/// Archives of many entries are walked in two halves at once: the entries and the anomalies
/// (their order, the per-kind cap across the halves) must be those of one walk (a pool of
/// one thread walks in one go).
#[test]
fn halves_give_the_same_archive_as_one_walk() {
    let mut entries = Vec::new();
    for i in 0..1500 {
        let mut e = E::stored(&format!("f/{i}"), format!("data {i}").as_bytes());
        if i % 3 == 0 {
            e.lfh_method = Some(8); // local_method_mismatch: 500 of them, over the cap
        }
        if i % 100 == 7 {
            e.name = format!("f/\x01{i}").into_bytes(); // control character
        }
        if i == 700 || i == 1400 {
            e.lfh_name = Some(b"other".to_vec());
        }
        if i == 800 {
            e.name = b"f/10".to_vec(); // duplicate of entry 10
        }
        if i > 1000 && i % 50 == 0 {
            e.cd_extra = vec![0x34, 0x12, 0x09, 0x00, 1]; // record longer than the field
        }
        entries.push(e);
    }
    let bytes = Z::with(entries).build();
    let parse_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let a = Archive::parse(&bytes, Limits::default()).unwrap();
            let entries: Vec<String> = a.entries().iter().map(|e| format!("{e:?}")).collect();
            (entries, a.anomalies().to_vec())
        })
    };
    let (one_entries, one_anomalies) = parse_with(1);
    let (two_entries, two_anomalies) = parse_with(2);
    assert_eq!(one_entries.len(), 1500);
    assert_eq!(one_entries, two_entries);
    assert_eq!(one_anomalies, two_anomalies);
    // And what they hold, from the builder's side: the first 64 method mismatches listed in
    // entry order, the other 436 counted; every other kind in full.
    let listed: Vec<&str> = two_anomalies
        .iter()
        .filter(|a| a.kind == kind::LOCAL_METHOD_MISMATCH)
        .map(|a| a.entry.as_deref().unwrap())
        .collect();
    let want: Vec<String> = (0..192).step_by(3).map(|i| format!("f/{i}")).collect();
    assert_eq!(listed, want);
    let summary = two_anomalies
        .iter()
        .find(|a| a.kind == kind::ANOMALIES_TRUNCATED)
        .unwrap();
    assert!(summary
        .detail
        .starts_with("500 anomalies of kind `local_method_mismatch`"));
    let count = |k: &str| two_anomalies.iter().filter(|a| a.kind == k).count();
    assert_eq!(count(kind::CONTROL_CHARACTER_IN_NAME), 15);
    assert_eq!(count(kind::LOCAL_NAME_MISMATCH), 2);
    assert_eq!(count(kind::DUPLICATE_ENTRY), 1);
    assert_eq!(count(kind::MALFORMED_EXTRA_FIELD), 9);
    let names: Vec<&str> = two_anomalies
        .iter()
        .filter(|a| a.kind == kind::LOCAL_NAME_MISMATCH || a.kind == kind::MALFORMED_EXTRA_FIELD)
        .map(|a| a.entry.as_deref().unwrap())
        .collect();
    assert_eq!(names[0], "f/700");
    assert_eq!(names[1], "f/1050");
    assert_eq!(names.last(), Some(&"f/1450"));
}

#[test]
fn nul_in_name_is_rejected_by_android() {
    let mut e = E::stored("x", b"d");
    e.name = b"test.txt\0".to_vec();
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(anomaly(&a, kind::UNSAFE_NAME).android_rejects);
    assert!(a.find("test.txt").is_none());
    assert!(a.find("test.txt\0").is_some());
}

#[test]
fn non_utf8_name_is_lossy_and_flagged() {
    let mut e = E::stored("x", b"d");
    e.name = b"caf\xe9.txt".to_vec();
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let ent = &a.entries()[0];
    assert_eq!(ent.name, "caf\u{FFFD}.txt");
    assert_eq!(ent.raw_name, b"caf\xe9.txt");
    assert!(anomaly(&a, kind::NON_UTF8_NAME).android_rejects);
    assert_eq!(&*a.read(ent).unwrap(), b"d");
}

#[test]
fn control_chars_and_empty_names() {
    let mut e = E::stored("x", b"d");
    e.name = b"a\r\n".to_vec();
    let mut f = E::stored("y", b"e");
    f.name = vec![];
    let bytes = Z::with(vec![e, f]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(kinds(&a).contains(&kind::CONTROL_CHARACTER_IN_NAME));
    assert!(kinds(&a).contains(&kind::EMPTY_NAME));
    assert!(!a.entries()[0].unsafe_name);
}

#[test]
fn duplicate_names_first_wins() {
    let bytes = Z::with(vec![
        E::stored("AndroidManifest.xml", b"first"),
        E::stored("classes.dex", b"dex"),
        E::deflated("AndroidManifest.xml", b"second"),
    ])
    .build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(a.entries().len(), 3);
    assert_eq!(read_named(&a, "AndroidManifest.xml"), b"first");
    assert_eq!(&*a.read(&a.entries()[2]).unwrap(), b"second");
    let shadowed: Vec<bool> = a.entries().iter().map(|e| e.shadowed).collect();
    assert_eq!(shadowed, [false, false, true]);
    let an = anomaly(&a, kind::DUPLICATE_ENTRY);
    assert!(an.android_rejects);
    assert!(
        an.detail.contains("#2") && an.detail.contains("#0"),
        "{}",
        an.detail
    );
}

#[test]
fn anomaly_list_is_capped_per_kind() {
    let entries: Vec<E> = (0..200).map(|_| E::stored("same", b"x")).collect();
    let bytes = Z::with(entries).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let dups = kinds(&a)
        .iter()
        .filter(|k| **k == kind::DUPLICATE_ENTRY)
        .count();
    assert_eq!(dups, 64);
    let t = anomaly(&a, kind::ANOMALIES_TRUNCATED);
    assert!(t.detail.contains("199"), "{}", t.detail);
    assert!(t.android_rejects);
}

// ---------------------------------------------------------------- archive framing

#[test]
fn prepended_data_with_absolute_offsets() {
    let z = Z {
        prefix: vec![0xAA; 4096],
        ..Z::with(vec![E::deflated("AndroidManifest.xml", MANIFEST)])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(!Archive::is_zip(&bytes));
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    let an = anomaly(&a, kind::PREPENDED_DATA);
    assert!(an.android_rejects);
    assert!(an.detail.contains("4096"), "{}", an.detail);
}

#[test]
fn prepended_data_with_relative_offsets_is_rebased() {
    let z = Z {
        prefix: b"#!/bin/sh\nexit 0\n".to_vec(),
        relative: true,
        ..Z::with(vec![
            E::deflated("AndroidManifest.xml", MANIFEST),
            E::stored("b", b"bee"),
        ])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    assert_eq!(read_named(&a, "b"), b"bee");
    assert!(anomaly(&a, kind::PREPENDED_DATA)
        .detail
        .contains("17 bytes"));
    assert!(!kinds(&a).contains(&kind::LOCAL_HEADER_INVALID));
}

#[test]
fn trailing_data_is_flagged() {
    let z = Z {
        trailing: vec![0x55; 100],
        ..Z::with(vec![E::stored("a", b"A")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a"), b"A");
    let an = anomaly(&a, kind::TRAILING_DATA);
    assert!(an.android_rejects);
    assert!(an.detail.starts_with("100 extraneous"), "{}", an.detail);
}

#[test]
fn comment_length_past_eof_is_flagged() {
    let mut bytes = Z::with(vec![E::stored("a", b"A")]).build();
    let n = bytes.len();
    bytes[n - 2..].copy_from_slice(&50u16.to_le_bytes());
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(anomaly(&a, kind::EOCD_COMMENT_TRUNCATED).android_rejects);
    assert_eq!(read_named(&a, "a"), b"A");
}

#[test]
fn data_between_cd_and_eocd() {
    let z = Z {
        gap_before_eocd: b"garbage".to_vec(),
        ..Z::with(vec![E::stored("a", b"A")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(anomaly(&a, kind::DATA_BEFORE_EOCD)
        .detail
        .starts_with("7 bytes"));
    assert_eq!(read_named(&a, "a"), b"A");
}

#[test]
fn eocd_count_too_small_exposes_hidden_entries() {
    let z = Z {
        eocd_count: Some(1),
        ..Z::with(vec![E::stored("a", b"A"), E::stored("hidden.dex", b"H")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(a.entries().len(), 2);
    assert_eq!(read_named(&a, "hidden.dex"), b"H");
    let an = anomaly(&a, kind::ENTRY_COUNT_MISMATCH);
    assert!(!an.android_rejects);
    assert!(an.detail.contains("declares 1") && an.detail.contains("holds 2"));
}

#[test]
fn eocd_count_too_large_is_rejected_by_android() {
    let z = Z {
        eocd_count: Some(5),
        ..Z::with(vec![E::stored("a", b"A")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(a.entries().len(), 1);
    assert!(anomaly(&a, kind::ENTRY_COUNT_MISMATCH).android_rejects);
}

#[test]
fn cd_size_mismatch() {
    let z = Z {
        cd_size_delta: -10,
        ..Z::with(vec![E::stored("a", b"A"), E::stored("b", b"B")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(a.entries().len(), 2);
    assert!(anomaly(&a, kind::CENTRAL_DIRECTORY_SIZE_MISMATCH).android_rejects);
}

#[test]
fn fake_eocd_in_comment_retries_the_real_one() {
    // A fake EOCD in the comment points at a CD that does not exist.
    let mut fake = Vec::new();
    p32(&mut fake, 0x0605_4b50);
    p16(&mut fake, 0);
    p16(&mut fake, 0);
    p16(&mut fake, 3);
    p16(&mut fake, 3);
    p32(&mut fake, 500);
    p32(&mut fake, 0x0100_0000);
    p16(&mut fake, 0);
    let mut comment = vec![b' '; 60_000];
    comment.extend_from_slice(&fake);
    comment.extend_from_slice(b"tail");
    let z = Z {
        comment,
        ..Z::with(vec![E::deflated("AndroidManifest.xml", MANIFEST)])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "AndroidManifest.xml"), MANIFEST);
    let an = anomaly(&a, kind::FAKE_EOCD);
    assert!(an.android_rejects);
    assert!(!kinds(&a).contains(&kind::TRAILING_DATA));
    assert_eq!(a.comment().len(), 60_000 + 22 + 4);
    let real = bytes.len() - (60_000 + 22 + 4) - 22;
    assert_eq!(a.eocd_offset(), real as u64);
}

#[test]
fn eocd_beyond_search_window_is_found() {
    let z = Z {
        trailing: vec![0u8; 70_000],
        ..Z::with(vec![E::stored("a", b"A")])
    };
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a"), b"A");
    assert!(kinds(&a).contains(&kind::EOCD_OUTSIDE_SEARCH_WINDOW));
    assert!(kinds(&a).contains(&kind::TRAILING_DATA));
}

// ---------------------------------------------------------------- refusals

#[test]
fn no_eocd_is_malformed() {
    let m = malformed(Archive::parse(
        b"PK\x03\x04 this is not really a zip file at all",
        Limits::default(),
    ));
    assert!(m.contains("no end-of-central-directory record"), "{m}");
    let m = malformed(Archive::parse(b"PK", Limits::default()));
    assert!(m.contains("too short"), "{m}");
    let m = malformed(Archive::parse(b"", Limits::default()));
    assert!(m.contains("0 bytes"), "{m}");
}

#[test]
fn cd_overlapping_eocd_is_malformed() {
    let z = Z {
        cd_size_delta: 1,
        ..Z::with(vec![E::stored("a", b"A")])
    };
    let bytes = z.build();
    let m = malformed(Archive::parse(&bytes, Limits::default()));
    assert!(
        m.contains("central directory") && m.contains("overlaps"),
        "{m}"
    );
    let eocd = bytes.len() - 22;
    assert!(m.contains(&eocd.to_string()), "{m}");
}

#[test]
fn cd_outside_file_is_malformed() {
    let mut bytes = Z::with(vec![E::stored("a", b"A")]).build();
    let n = bytes.len();
    bytes[n - 6..n - 2].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
    let m = malformed(Archive::parse(&bytes, Limits::default()));
    assert!(m.contains("central directory"), "{m}");
}

#[test]
fn cd_offset_without_cd_signature_is_malformed() {
    let mut bytes = Z::with(vec![E::stored("a", b"A"), E::stored("b", b"B")]).build();
    let n = bytes.len();
    // Point the CD at offset 0 (a local header, not a CD header), keep the size.
    bytes[n - 6..n - 2].copy_from_slice(&1u32.to_le_bytes());
    let m = malformed(Archive::parse(&bytes, Limits::default()));
    assert!(m.contains("no central directory header signature"), "{m}");
}

#[test]
fn too_many_entries_is_limit_exceeded() {
    let entries: Vec<E> = (0..10).map(|i| E::stored(&format!("f{i}"), b"x")).collect();
    let bytes = Z::with(entries).build();
    let lim = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    match Archive::parse(&bytes, lim) {
        Err(ZipError::LimitExceeded(m)) => assert!(m.contains("max_entries"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- bombs

fn limit_msg<T: std::fmt::Debug>(r: Result<T, ZipError>) -> String {
    match r {
        Err(ZipError::LimitExceeded(m)) => m,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn honest_bomb_hits_entry_cap() {
    let zeros = vec![0u8; 8 << 20];
    let bytes = Z::with(vec![E::deflated("bomb", &zeros)]).build();
    let lim = Limits {
        max_entry_size: 1 << 20,
        max_ratio: 100_000,
        ..Limits::default()
    };
    let a = Archive::parse(&bytes, lim).unwrap();
    let m = limit_msg(a.read(a.find("bomb").unwrap()));
    assert!(
        m.contains("\"bomb\"") && m.contains("max_entry_size") && m.contains("1048576"),
        "{m}"
    );
    // Bounded work: at most one growth step past the cap was produced.
    assert!(
        a.inflated_total() <= (1 << 20) + 1,
        "{}",
        a.inflated_total()
    );
}

#[test]
fn lying_bomb_declared_small_hits_cap() {
    let zeros = vec![0u8; 8 << 20];
    let mut e = E::deflated("liar", &zeros);
    e.usize_ = 4096;
    let bytes = Z::with(vec![e]).build();
    let lim = Limits {
        max_entry_size: 2 << 20,
        max_ratio: 100_000,
        ..Limits::default()
    };
    let a = Archive::parse(&bytes, lim).unwrap();
    let m = limit_msg(a.read(a.find("liar").unwrap()));
    assert!(
        m.contains("max_entry_size") && m.contains("declared size 4096"),
        "{m}"
    );
}

#[test]
fn huge_declared_size_is_not_trusted() {
    let mut e = E::deflated("small", b"tiny content");
    e.usize_ = 0xFFFF_FFF0; // would be 4 GiB if trusted
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let out = a.read(a.find("small").unwrap()).unwrap();
    assert_eq!(&*out, b"tiny content");
    assert!(out.len() < 1 << 20);
}

#[test]
fn ratio_cap() {
    let zeros = vec![0u8; 16 << 20];
    let bytes = Z::with(vec![E::deflated("z", &zeros)]).build();
    let lim = Limits {
        max_ratio: 100,
        ..Limits::default()
    };
    let a = Archive::parse(&bytes, lim).unwrap();
    let m = limit_msg(a.read(a.find("z").unwrap()));
    assert!(m.contains("max_ratio"), "{m}");
}

#[test]
fn total_cap_across_reads() {
    let data = vec![3u8; 600 << 10];
    let bytes = Z::with(vec![E::deflated("one", &data), E::deflated("two", &data)]).build();
    let lim = Limits {
        max_total_size: 1 << 20,
        ..Limits::default()
    };
    let a = Archive::parse(&bytes, lim).unwrap();
    assert_eq!(read_named(&a, "one"), data);
    let m = limit_msg(a.read(a.find("two").unwrap()));
    assert!(m.contains("\"two\"") && m.contains("max_total_size"), "{m}");
}

#[test]
fn stored_entry_over_entry_cap() {
    let bytes = Z::with(vec![E::stored("s", &[1u8; 5000])]).build();
    let lim = Limits {
        max_entry_size: 4096,
        ..Limits::default()
    };
    let a = Archive::parse(&bytes, lim).unwrap();
    let m = limit_msg(a.read(a.find("s").unwrap()));
    assert!(m.contains("max_entry_size"), "{m}");
    // A prefix is still available.
    assert_eq!(a.read_prefix(a.find("s").unwrap(), 4).unwrap().len(), 4);
}

// ---------------------------------------------------------------- zip64

#[test]
fn zip64_records_are_followed() {
    // Build a normal ZIP, then rewrite it as zip64: CD fields 0xFFFFFFFF + extra 0x0001,
    // zip64 EOCD record + locator, EOCD fields saturated.
    let content = b"zip64 content here";
    let mut e = E::stored("z.txt", content);
    let mut ex = Vec::new();
    p16(&mut ex, 1);
    p16(&mut ex, 24);
    ex.extend_from_slice(&(content.len() as u64).to_le_bytes());
    ex.extend_from_slice(&(content.len() as u64).to_le_bytes());
    ex.extend_from_slice(&0u64.to_le_bytes());
    e.cd_extra = ex;
    e.csize = 0xFFFF_FFFF;
    e.usize_ = 0xFFFF_FFFF;
    e.lho = Some(0xFFFF_FFFF);
    e.lfh_sizes = Some((content.len() as u32, content.len() as u32));
    let mut bytes = Z::with(vec![e]).build();
    let eocd = bytes.len() - 22;
    let cd_offset = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as u64;
    let cd_size = u32::from_le_bytes(bytes[eocd + 12..eocd + 16].try_into().unwrap()) as u64;
    bytes.truncate(eocd);
    let rec = bytes.len() as u64;
    p32(&mut bytes, 0x0606_4b50);
    bytes.extend_from_slice(&44u64.to_le_bytes());
    p16(&mut bytes, 45);
    p16(&mut bytes, 45);
    p32(&mut bytes, 0);
    p32(&mut bytes, 0);
    bytes.extend_from_slice(&1u64.to_le_bytes());
    bytes.extend_from_slice(&1u64.to_le_bytes());
    bytes.extend_from_slice(&cd_size.to_le_bytes());
    bytes.extend_from_slice(&cd_offset.to_le_bytes());
    p32(&mut bytes, 0x0706_4b50);
    p32(&mut bytes, 0);
    bytes.extend_from_slice(&rec.to_le_bytes());
    p32(&mut bytes, 1);
    p32(&mut bytes, 0x0605_4b50);
    p16(&mut bytes, 0);
    p16(&mut bytes, 0);
    p16(&mut bytes, 0xFFFF);
    p16(&mut bytes, 0xFFFF);
    p32(&mut bytes, 0xFFFF_FFFF);
    p32(&mut bytes, 0xFFFF_FFFF);
    p16(&mut bytes, 0);
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let ent = a.find("z.txt").unwrap();
    assert_eq!(ent.uncompressed_size, content.len() as u64);
    assert_eq!(ent.local_header_offset, 0);
    assert_eq!(&*a.read(ent).unwrap(), content);
    assert!(kinds(&a).contains(&kind::ZIP64));
    assert!(
        !kinds(&a).contains(&kind::ENTRY_COUNT_MISMATCH),
        "{:?}",
        a.anomalies()
    );
    assert!(
        !kinds(&a).contains(&kind::DATA_BEFORE_EOCD),
        "{:?}",
        a.anomalies()
    );
    assert_eq!(a.central_directory_offset(), cd_offset);
}

// ---------------------------------------------------------------- robustness

#[test]
fn every_truncation_and_byte_flip_is_handled() {
    let bytes = Z::with(vec![
        E::deflated("AndroidManifest.xml", MANIFEST),
        E::stored("b", b"bee"),
    ])
    .build();
    let lim = Limits {
        max_entry_size: 1 << 16,
        max_total_size: 1 << 18,
        ..Limits::default()
    };
    let mut parsed = 0;
    for cut in 0..bytes.len() {
        if let Ok(a) = Archive::parse(&bytes[..cut], lim) {
            parsed += 1;
            for e in a.entries() {
                let _ = a.read(e);
            }
        }
    }
    for i in 0..bytes.len() {
        for v in [0u8, 0xFF, 0x80] {
            let mut m = bytes.clone();
            m[i] = v;
            if let Ok(a) = Archive::parse(&m, lim) {
                parsed += 1;
                for e in a.entries() {
                    let _ = a.read(e);
                    let _ = a.read_prefix(e, 8);
                }
            }
        }
    }
    assert!(parsed > 0);
}

#[test]
fn archive_is_send_sync_and_debug_is_short() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Archive<'static>>();
    let bytes = Z::with(vec![E::stored("a", &[0u8; 10_000])]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert!(format!("{a:?}").len() < 500);
}

#[test]
fn decoy_eocd_in_comment_is_used_like_android_and_flagged() {
    // The real archive holds the payload; a decoy archive (its own LFH, CD and EOCD) sits
    // in the comment, and its EOCD is last in the file, so Android uses it.
    let real = Z::with(vec![E::stored("classes.dex", b"MALICIOUS")]);
    let mut real_bytes = real.build();
    let decoy_start = real_bytes.len();
    let decoy = Z::with(vec![E::stored("AndroidManifest.xml", b"benign")]);
    let decoy_bytes = decoy.build();
    // Rebase the decoy's offsets onto its position in the file.
    let mut d = decoy_bytes.clone();
    let n = d.len();
    let cd_off = u32::from_le_bytes(d[n - 6..n - 2].try_into().unwrap()) as usize;
    d[n - 6..n - 2].copy_from_slice(&((cd_off + decoy_start) as u32).to_le_bytes());
    d[cd_off + 42..cd_off + 46].copy_from_slice(&(decoy_start as u32).to_le_bytes());
    let clen = real_bytes.len() - 2;
    real_bytes[clen..].copy_from_slice(&(d.len() as u16).to_le_bytes());
    real_bytes.extend_from_slice(&d);
    let a = Archive::parse(&real_bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "AndroidManifest.xml"), b"benign");
    assert!(a.find("classes.dex").is_none());
    let an = anomaly(&a, kind::MULTIPLE_EOCD);
    assert!(an.detail.contains("1 entries"), "{}", an.detail);
}

#[test]
fn stored_size_mismatch_reads_uncompressed_size() {
    let mut e = E::stored("a", b"abcdef");
    e.usize_ = 3;
    let bytes = Z::with(vec![e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "a"), b"abc");
    assert!(anomaly(&a, kind::STORED_SIZE_MISMATCH)
        .detail
        .contains("3 bytes are read"));
}

#[test]
fn entry_data_past_eof_is_flagged_and_read_fails_clearly() {
    let mut e = E::stored("big", b"abc");
    e.usize_ = 100_000;
    e.csize = 100_000;
    e.lfh_sizes = Some((100_000, 100_000));
    let bytes = Z::with(vec![e, E::stored("ok", b"fine")]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    assert_eq!(read_named(&a, "ok"), b"fine");
    let err = a.read(a.find("big").unwrap()).unwrap_err();
    assert!(
        matches!(&err, ZipError::Malformed(m) if m.contains("past the end")),
        "{err}"
    );
    assert!(kinds(&a).contains(&kind::ENTRY_DATA_OUT_OF_BOUNDS));
    // A prefix of what is there is still refused rather than silently short.
    assert!(a.read_prefix(a.find("big").unwrap(), 2).is_err());
}

#[test]
fn local_header_offset_inside_cd_is_flagged() {
    let bytes0 = Z::with(vec![E::stored("a", b"A")]).build();
    let cd = bytes0.len() - 22 - (46 + 1);
    let mut e = E::stored("b", b"B");
    e.cd_only = true;
    e.lho = Some(cd as u32 + 100);
    let bytes = Z::with(vec![E::stored("a", b"A"), e]).build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    let an = anomaly(&a, kind::LOCAL_HEADER_INVALID);
    assert!(an.android_rejects);
    assert!(a.read(a.find("b").unwrap()).is_err());
    assert_eq!(read_named(&a, "a"), b"A");
}

// ---------------------------------------------------------------- quick prefixes (prefix.rs)

/// Deterministic xorshift, so the generated streams are the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Raw deflate streams of many shapes: stored, fixed and dynamic blocks, several blocks
/// (sync flushes), empty input, the magic bytes the sniffing looks for.
fn sample_streams() -> Vec<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut payloads: Vec<Vec<u8>> = vec![
        vec![],
        b"a".to_vec(),
        b"ab".to_vec(),
        b"abc".to_vec(),
        b"dex\n035\0".to_vec(),
        b"\x7fELF\x02\x01\x01".to_vec(),
        b"PK\x03\x04\x14\x00".to_vec(),
        b"PK\x05\x06".to_vec(),
        b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
        b"abababababababababababababababababababababababab".to_vec(),
        MANIFEST_LIKE.to_vec(),
    ];
    for len in [5usize, 17, 100, 1000, 5000, 70_000] {
        payloads.push((0..len).map(|_| rng.next() as u8).collect());
        payloads.push(
            (0..len)
                .map(|_| b"abcdefgh"[(rng.next() % 8) as usize])
                .collect(),
        );
        let mut dex = b"dex\n035\0".to_vec();
        dex.extend((0..len).map(|i| (i % 7) as u8));
        payloads.push(dex);
    }
    let mut streams = Vec::new();
    for p in &payloads {
        for level in [0, 1, 6, 9] {
            let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), Compression::new(level));
            enc.write_all(p).unwrap();
            streams.push(enc.finish().unwrap());
        }
        // Several blocks: sync flushes after 1, 2 and 3 bytes, then the rest.
        let mut c = Compress::new(Compression::default(), false);
        let mut out = Vec::with_capacity(p.len() * 2 + 1024);
        let cuts = [1usize, 2, 3, p.len()];
        let mut at = 0;
        for (i, &cut) in cuts.iter().enumerate() {
            let cut = cut.clamp(at, p.len());
            let flush = if i + 1 == cuts.len() {
                FlushCompress::Finish
            } else {
                FlushCompress::Sync
            };
            c.compress_vec(&p[at..cut], &mut out, flush).unwrap();
            at = cut;
        }
        streams.push(out);
    }
    streams
}

const MANIFEST_LIKE: &[u8] = b"\x03\x00\x08\x00\x9c\x12\x00\x00\x01\x00\x1c\x00<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"com.example\">";

/// The quick prefix decoder against zlib: whenever it answers, zlib must give the same bytes,
/// no error, and the same number of inflated bytes; it must answer for intact streams.
#[test]
fn quick_prefix_agrees_with_zlib() {
    let mut rng = Rng(12345);
    let streams = sample_streams();
    let (mut intact, mut intact_answered, mut mutated, mut mutated_answered) = (0, 0, 0, 0);
    let mut check = |s: &[u8], is_intact: bool, rng: &mut Rng| {
        for n in [1usize, 4, 8, 16] {
            for declared in [n as u64, n as u64 + 1, 1 << 20] {
                let space = declared.min(n as u64 + 1) as usize;
                let quick = prefix::inflate_prefix(s, space);
                let mut produced = 0u64;
                let zlib = inflate::inflate(s, declared, 1 << 30, Some(n), &mut produced);
                if is_intact {
                    intact += 1;
                    intact_answered += usize::from(quick.is_some());
                } else {
                    mutated += 1;
                    mutated_answered += usize::from(quick.is_some());
                }
                if let Some(q) = quick {
                    let Ok(z) = zlib else {
                        panic!(
                            "quick answered {q:?} where zlib fails, stream {:02x?}, n {n}, declared {declared}",
                            &s[..s.len().min(48)]
                        );
                    };
                    assert_eq!(
                        &q[..q.len().min(n)],
                        &z[..],
                        "stream {:02x?}",
                        &s[..s.len().min(48)]
                    );
                    assert_eq!(q.len() as u64, produced, "inflated-byte accounting");
                }
            }
        }
        let _ = rng;
    };
    for s in &streams {
        check(s, true, &mut rng);
        // Truncations and single-bit flips near the start, where the block header lives.
        for cut in 0..s.len().min(40) {
            check(&s[..cut], false, &mut rng);
        }
        for _ in 0..60 {
            let mut m = s.clone();
            if m.is_empty() {
                break;
            }
            let bit = (rng.next() as usize) % (m.len().min(64) * 8);
            m[bit / 8] ^= 1 << (bit % 8);
            check(&m, false, &mut rng);
        }
        // Random garbage of the same length.
        let g: Vec<u8> = (0..s.len().min(200)).map(|_| rng.next() as u8).collect();
        check(&g, false, &mut rng);
    }
    eprintln!("quick prefix: {intact_answered}/{intact} intact, {mutated_answered}/{mutated} corrupted answered");
    // The quick path must actually be taken: every intact stream here is one it handles,
    // except where a block boundary falls right at the end of the room.
    assert!(
        intact_answered * 100 >= intact * 90,
        "quick path answered {intact_answered} of {intact} intact cases"
    );
    assert!(mutated_answered > 0 && mutated > mutated_answered);
}

#[test]
fn read_prefix_quick_path_counts_and_matches_read() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut dex = b"dex\n035\0".to_vec();
    dex.extend_from_slice(&big);
    let z = Z::with(vec![E::deflated("big", &big), E::deflated("d", &dex)]);
    let bytes = z.build();
    let a = Archive::parse(&bytes, Limits::default()).unwrap();
    for name in ["big", "d"] {
        let e = a.find(name).unwrap();
        let full = a.read(e).unwrap();
        let before = a.inflated_total();
        let p = a.read_prefix(e, 4).unwrap();
        assert_eq!(&*p, &full[..4]);
        // Five bytes of room, as zlib is given: the declared size caps it at n + 1.
        assert_eq!(a.inflated_total() - before, 5);
    }
}

/// LSB-first bit writer for hand-built deflate streams.
#[derive(Default)]
struct BitW {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}
impl BitW {
    fn put(&mut self, v: u32, bits: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code, sent most significant bit first.
    fn code(&mut self, (code, len): (u32, u32)) {
        assert!(len > 0, "symbol without a code");
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Canonical codes of RFC 1951 §3.2.2: (code, length) per symbol.
fn canonical(lens: &[u8]) -> Vec<(u32, u32)> {
    let mut count = [0u32; 16];
    for &l in lens {
        count[l as usize] += 1;
    }
    count[0] = 0;
    let mut next = [0u32; 16];
    let mut code = 0;
    for len in 1..16 {
        code = (code + count[len - 1]) << 1;
        next[len] = code;
    }
    lens.iter()
        .map(|&l| {
            if l == 0 {
                return (0, 0);
            }
            let c = next[l as usize];
            next[l as usize] += 1;
            (c, u32::from(l))
        })
        .collect()
}

/// One final dynamic block: header counts `nlen`/`ndist` (which may lie on purpose), code
/// lengths sent as `lead` (raw code-length symbols with extra bits) then `lens` one by one,
/// then the data `(is_distance, symbol, extra value, extra bits)` with the codes of
/// `lit_lens`/`dist_lens`.
fn dynamic_block(
    nlen: u32,
    ndist: u32,
    lead: &[(usize, u32, u32)],
    lens: &[u8],
    lit_lens: &[u8],
    dist_lens: &[u8],
    data: &[(bool, usize, u32, u32)],
) -> Vec<u8> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let mut cl = [4u8; 19];
    cl[13..].fill(5);
    let clc = canonical(&cl);
    let (lc, dc) = (canonical(lit_lens), canonical(dist_lens));
    let mut w = BitW::default();
    w.put(1, 1);
    w.put(2, 2);
    w.put(nlen - 257, 5);
    w.put(ndist - 1, 5);
    w.put(19 - 4, 4);
    for i in ORDER {
        w.put(u32::from(cl[i]), 3);
    }
    for &(sym, extra, bits) in lead {
        w.code(clc[sym]);
        w.put(extra, bits);
    }
    for &l in lens {
        w.code(clc[l as usize]);
    }
    for &(is_dist, sym, extra, bits) in data {
        w.code(if is_dist { dc[sym] } else { lc[sym] });
        w.put(extra, bits);
    }
    w.finish()
}

/// The header rules zlib's `inflate_table` and `inflate` apply, one hand-built stream each:
/// the quick decoder must give way exactly where zlib fails, and answer where zlib succeeds.
#[test]
fn quick_prefix_follows_zlib_header_rules() {
    // Complete literal/length code over 286 symbols: 226 of 8 bits, 60 of 9.
    let lit286: Vec<u8> = (0..286).map(|s| if s < 226 { 8 } else { 9 }).collect();
    // Complete distance code over 30 symbols: 2 of 4 bits, 28 of 5.
    let dist30: Vec<u8> = (0..30).map(|s| if s < 2 { 4 } else { 5 }).collect();
    let lit = |s: u8| (false, usize::from(s), 0, 0);
    // "dex\n", a 3-byte match at distance 1 ("\n\n\n"), "!", end of block.
    let data = [
        lit(b'd'),
        lit(b'e'),
        lit(b'x'),
        lit(b'\n'),
        (false, 257, 0, 0),
        (true, 0, 0, 0),
        lit(b'!'),
        (false, 256, 0, 0),
    ];
    let all = |l: &[u8], d: &[u8]| [l, d].concat();
    let valid = dynamic_block(
        286,
        30,
        &[],
        &all(&lit286, &dist30),
        &lit286,
        &dist30,
        &data,
    );

    let lit288: Vec<u8> = (0..288).map(|s| if s < 224 { 8 } else { 9 }).collect();
    let too_many_lit = dynamic_block(
        288,
        30,
        &[],
        &all(&lit288, &dist30),
        &lit288,
        &dist30,
        &data,
    );
    let dist32 = vec![5u8; 32];
    let too_many_dist = dynamic_block(
        286,
        32,
        &[],
        &all(&lit286, &dist32),
        &lit286,
        &dist32,
        &data,
    );
    // Complete without symbol 256: 227 of 8 bits, 58 of 9.
    let no_eob: Vec<u8> = (0..286)
        .map(|s| match s {
            256 => 0,
            0..=226 => 8,
            _ => 9,
        })
        .collect();
    let missing_eob = dynamic_block(
        286,
        30,
        &[],
        &all(&no_eob, &dist30),
        &no_eob,
        &dist30,
        &data[..4],
    );
    let over = vec![8u8; 286];
    let oversubscribed = dynamic_block(286, 30, &[], &all(&over, &dist30), &lit286, &dist30, &data);
    let mut inc = lit286.clone();
    inc[285] = 0;
    let incomplete = dynamic_block(286, 30, &[], &all(&inc, &dist30), &lit286, &dist30, &data);
    // A single one-bit distance code is the one incomplete code zlib accepts.
    let one_dist = dynamic_block(286, 1, &[], &all(&lit286, &[1]), &lit286, &[1], &data);
    let mut inc_dist = dist30.clone();
    inc_dist[29] = 0;
    let incomplete_dist = dynamic_block(
        286,
        30,
        &[],
        &all(&lit286, &inc_dist),
        &lit286,
        &dist30,
        &data,
    );
    // Code 16 (repeat the previous length) with no previous length.
    let repeat_first = dynamic_block(
        286,
        30,
        &[(16, 0, 2)],
        &all(&lit286, &dist30)[3..],
        &lit286,
        &dist30,
        &data,
    );
    // Code 18 (11-138 zeros) running past the declared number of lengths.
    let repeat_past = dynamic_block(
        257,
        1,
        &[(18, 127, 7), (18, 127, 7)],
        &[],
        &lit286,
        &dist30,
        &data,
    );
    // A distance beyond the start of the output.
    let far = dynamic_block(
        286,
        30,
        &[],
        &all(&lit286, &dist30),
        &lit286,
        &dist30,
        &[
            lit(b'd'),
            (false, 257, 0, 0),
            (true, 3, 0, 0),
            (false, 256, 0, 0),
        ],
    );

    // Fixed-code blocks: "dex\n" then end; then the never-valid symbols 286 and distance 30.
    let fixed_lit: Vec<u8> = (0..288)
        .map(|s| match s {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        })
        .collect();
    let (flc, fdc) = (canonical(&fixed_lit), canonical(&[5u8; 32]));
    let fixed = |syms: &[(bool, usize)]| {
        let mut w = BitW::default();
        w.put(1, 1);
        w.put(1, 2);
        for &(d, s) in syms {
            w.code(if d { fdc[s] } else { flc[s] });
        }
        w.finish()
    };
    let l = |b: u8| (false, usize::from(b));
    let fixed_ok = fixed(&[l(b'd'), l(b'e'), l(b'x'), l(b'\n'), l(b'0'), (false, 256)]);
    let fixed_286 = fixed(&[l(b'd'), (false, 286), (false, 256)]);
    let fixed_d30 = fixed(&[l(b'd'), l(b'e'), (false, 257), (true, 30), (false, 256)]);
    // Stored block whose NLEN is not the complement of LEN.
    let bad_stored = vec![0x01, 0x04, 0x00, 0xfa, 0xff, b'd', b'e', b'x', b'\n'];
    let stored_ok = vec![0x01, 0x05, 0x00, 0xfa, 0xff, b'd', b'e', b'x', b'\n', b'0'];

    let cases: &[(&str, &[u8], bool)] = &[
        ("valid dynamic", &valid, true),
        ("288 literal/length codes", &too_many_lit, false),
        ("32 distance codes", &too_many_dist, false),
        ("no end-of-block code", &missing_eob, false),
        ("over-subscribed", &oversubscribed, false),
        ("incomplete", &incomplete, false),
        ("single distance code", &one_dist, true),
        ("incomplete distance code", &incomplete_dist, false),
        ("repeat with nothing before", &repeat_first, false),
        ("repeat past the end", &repeat_past, false),
        ("distance too far back", &far, false),
        ("fixed", &fixed_ok, true),
        ("fixed symbol 286", &fixed_286, false),
        ("fixed distance 30", &fixed_d30, false),
        ("stored, bad NLEN", &bad_stored, false),
        ("stored", &stored_ok, true),
    ];
    for &(what, s, ok) in cases {
        for n in [1usize, 4, 5, 8] {
            let quick = prefix::inflate_prefix(s, n + 1);
            let mut produced = 0;
            let zlib = inflate::inflate(s, 1 << 20, 1 << 30, Some(n), &mut produced);
            assert_eq!(zlib.is_ok(), ok, "{what}, n {n}: zlib result");
            if ok {
                let (q, z) = (quick.unwrap(), zlib.ok().unwrap());
                assert_eq!(&q[..q.len().min(n)], &z[..], "{what}, n {n}");
                assert_eq!(q.len() as u64, produced, "{what}, n {n}");
            } else {
                assert!(quick.is_none(), "{what}, n {n}: answered {quick:?}");
            }
        }
    }
}
