//! Corpus test: every file under `shared/corpus/{real,malformed,edge}` must parse to `Ok` or a
//! clear `Err` and never panic; entry lists are compared with Python's `zipfile` (an
//! independent oracle) and, for the real APKs, with `rawzip`; every decompressed entry's CRC-32
//! (computed here) must equal the central directory's. The files of `malformed/NOTES.tsv` get
//! specific assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use unmask_zip::{kind, Archive, Limits, ZipError};

fn corpus_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "SKIPPED: corpus not found at {} (expected ../shared/corpus next to the repository)",
            root.display()
        );
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut items: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
    items.sort();
    for p in items {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Independent bitwise CRC-32 (IEEE) with a 256-entry table.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc = t[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// What Python's zipfile says about one file.
#[derive(Debug)]
enum Oracle {
    /// (raw name bytes, uncompressed size, CRC, method) in central-directory order.
    Entries(Vec<(Vec<u8>, u64, u32, u16)>),
    Error(String),
}

const PY: &str = r#"
import sys, zipfile
for path in sys.stdin.read().split('\0'):
    if not path:
        continue
    try:
        with zipfile.ZipFile(path) as z:
            rows = []
            for i in z.infolist():
                enc = 'utf-8' if i.flag_bits & 0x800 else 'cp437'
                raw = i.orig_filename.encode(enc)
                rows.append('%s:%d:%d:%d' % (raw.hex(), i.file_size, i.CRC, i.compress_type))
        print('OK\t%s\t%s' % (path, ' '.join(rows)))
    except Exception as e:
        print('ERR\t%s\t%s' % (path, type(e).__name__ + ': ' + str(e).replace('\t', ' ').replace('\n', ' ')))
"#;

fn python_oracle(paths: &[PathBuf]) -> Option<HashMap<PathBuf, Oracle>> {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    {
        let mut stdin = child.stdin.take().unwrap();
        for p in paths {
            stdin.write_all(p.to_str().unwrap().as_bytes()).unwrap();
            stdin.write_all(b"\0").unwrap();
        }
    }
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "python3 oracle failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut map = HashMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let (status, path, rest) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
        let o = if status == "OK" {
            let rows = rest
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(|r| {
                    let f: Vec<&str> = r.split(':').collect();
                    let name = (0..f[0].len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&f[0][i..i + 2], 16).unwrap())
                        .collect();
                    (
                        name,
                        f[1].parse().unwrap(),
                        f[2].parse().unwrap(),
                        f[3].parse().unwrap(),
                    )
                })
                .collect();
            Oracle::Entries(rows)
        } else {
            Oracle::Error(rest.to_string())
        };
        map.insert(PathBuf::from(path), o);
    }
    Some(map)
}

/// Per-file result of our reader.
struct Ours {
    files_ok: bool,
    entries_read: usize,
    crc_checked: usize,
    crc_mismatch: Vec<String>,
    read_errors: Vec<String>,
}

fn read_all(a: &Archive<'_>) -> Ours {
    let mut o = Ours {
        files_ok: true,
        entries_read: 0,
        crc_checked: 0,
        crc_mismatch: vec![],
        read_errors: vec![],
    };
    for e in a.entries() {
        match a.read(e) {
            Ok(data) => {
                o.entries_read += 1;
                if e.method == 0 {
                    assert!(
                        matches!(data, Cow::Borrowed(_)),
                        "stored entry {} copied",
                        e.name
                    );
                }
                if e.method == 0 || e.method == 8 {
                    o.crc_checked += 1;
                    if crc32(&data) != e.crc32 {
                        o.crc_mismatch.push(e.name.to_string());
                    }
                }
                // Prefixes must agree with the full read (4 bytes: the sniffing, which skips
                // zlib for deflated entries; 8; 40, past the quick path's 32-byte limit).
                for n in [4, 8, 40] {
                    let p = a.read_prefix(e, n).unwrap();
                    assert_eq!(&*p, &data[..data.len().min(n)], "prefix of {}", e.name);
                }
            }
            Err(err) => {
                let msg = err.to_string();
                assert!(!msg.is_empty());
                o.read_errors.push(format!("{}: {msg}", e.name));
            }
        }
    }
    o
}

fn expect_err(data: &[u8], words: &[&str]) {
    match Archive::parse(data, Limits::default()) {
        Err(ZipError::Malformed(m)) => {
            for w in words {
                assert!(m.contains(w), "error {m:?} lacks {w:?}");
            }
        }
        Err(e) => panic!("expected Malformed, got {e}"),
        Ok(a) => panic!("expected an error, got {} entries", a.entries().len()),
    }
}

fn has(a: &Archive<'_>, kind: &str, entry: Option<&str>) -> bool {
    a.anomalies()
        .iter()
        .any(|x| x.kind == kind && (entry.is_none() || x.entry.as_deref() == entry))
}

/// Behaviour chosen for each file of malformed/NOTES.tsv.
fn check_noted(file: &str, data: &[u8]) {
    let lim = Limits::default();
    match file {
        "v2-only-truncated-cd.apk" => expect_err(data, &["central directory", "4112", "4111"]),
        "v1v2v3-with-rsa-2048-lineage-3-signers-invalid-zip.apk" => {
            expect_err(data, &["central directory", "16771", "16769"])
        }
        "v2-only-garbage-between-cd-and-eocd.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            let an = a
                .anomalies()
                .iter()
                .find(|x| x.kind == kind::DATA_BEFORE_EOCD)
                .unwrap();
            assert!(
                an.detail.starts_with("7 bytes") && an.detail.contains("4112"),
                "{an:?}"
            );
            assert_eq!(a.anomalies().len(), 1);
            assert_eq!(a.central_directory_offset() + 186, 4112);
            assert!(read_all(&a).read_errors.is_empty());
        }
        "v1-only-max-sized-eocd-comment.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            assert_eq!(a.comment().len(), 65535);
            assert_eq!(a.eocd_offset() as usize, data.len() - 22 - 65535);
            assert!(a.anomalies().is_empty(), "{:?}", a.anomalies());
            assert!(read_all(&a).read_errors.is_empty());
        }
        "mismatched-compression-method.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            assert!(has(
                &a,
                kind::LOCAL_METHOD_MISMATCH,
                Some("META-INF/CERT.RSA")
            ));
            assert!(!a.android_rejects());
            let e = a.find("META-INF/CERT.RSA").unwrap();
            assert_eq!(e.method, 8);
            let d = a.read(e).unwrap();
            assert_eq!(crc32(&d), e.crc32);
        }
        "weird-compression-method.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            assert!(has(
                &a,
                kind::UNKNOWN_COMPRESSION_METHOD,
                Some("META-INF/CERT.RSA")
            ));
            let e = a.find("META-INF/CERT.RSA").unwrap();
            assert_eq!(e.method, 21);
            // Read as stored (libandroidfw): uncompressed_size bytes straight from the file.
            let d = a.read(e).unwrap();
            assert!(matches!(d, Cow::Borrowed(_)));
            assert_eq!(d.len() as u64, e.uncompressed_size);
            let off = e.data_offset.unwrap() as usize;
            assert_eq!(&*d, &data[off..off + d.len()]);
            // Every other entry reads normally.
            for o in a.entries().iter().filter(|o| o.method == 8) {
                assert_eq!(crc32(&a.read(o).unwrap()), o.crc32);
            }
        }
        "v1-only-with-nul-in-entry-name.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            let e = a
                .entries()
                .iter()
                .find(|e| e.raw_name == b"test.txt\0")
                .unwrap();
            assert!(e.unsafe_name);
            assert!(a.find("test.txt").is_none());
            let an = a
                .anomalies()
                .iter()
                .find(|x| x.kind == kind::UNSAFE_NAME)
                .unwrap();
            assert!(an.android_rejects && an.detail.contains("NUL"));
            assert_eq!(crc32(&a.read(e).unwrap()), e.crc32);
        }
        "empty-unsigned.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            assert!(a.entries().is_empty());
            assert_eq!(a.eocd_offset(), 0);
            assert!(has(&a, kind::EMPTY_ARCHIVE, None));
        }
        "multidex.apk" => {
            let a = Archive::parse(data, lim).unwrap();
            assert!(a.anomalies().is_empty(), "{:?}", a.anomalies());
            assert_eq!(a.entries().len(), 3);
            assert!(a.entries().iter().all(|e| e.flags & 8 != 0));
            assert!(a.find("AndroidManifest.xml").is_none());
            let r = read_all(&a);
            assert!(r.crc_mismatch.is_empty() && r.read_errors.is_empty());
        }
        "urzip-unicode-name.apk"
        | "Invalid.apk"
        | "compact-entry.apk"
        | "duplicate.permisssions_9999999.apk"
        | "AndroidManifest_ShortName.apk"
        | "v2-only-apk-sig-block-size-mismatch.apk" => {
            // Oddities live above the ZIP layer: a clean archive here.
            let a = Archive::parse(data, lim).unwrap();
            assert!(a.anomalies().is_empty(), "{file}: {:?}", a.anomalies());
            let r = read_all(&a);
            assert!(
                r.crc_mismatch.is_empty() && r.read_errors.is_empty(),
                "{file}"
            );
            if file == "AndroidManifest_ShortName.apk" {
                assert_eq!(a.entries().len(), 1);
            }
        }
        other => panic!("malformed/NOTES.tsv lists {other}, which has no expectation in this test"),
    }
}

#[test]
fn corpus() {
    let Some(root) = corpus_root() else {
        return;
    };
    let mut files = Vec::new();
    for sub in ["real", "malformed", "edge"] {
        walk(&root.join(sub), &mut files);
    }
    assert!(!files.is_empty());
    let zipish: Vec<PathBuf> = files
        .iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "apk" || e == "zip" || e == "jar")
        })
        .cloned()
        .collect();
    let oracle = python_oracle(&zipish);
    if oracle.is_none() {
        eprintln!("WARNING: python3 not available; oracle comparison skipped");
    }

    let (mut parsed, mut refused, mut compared_files, mut compared_entries) = (0, 0, 0, 0);
    let (mut entries_read, mut crc_checked, mut both_refused) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut crc_bad = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        let is_real = rel.starts_with("real/") && rel.ends_with(".apk");
        match Archive::parse(&data, Limits::default()) {
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
                assert!(!is_real, "{rel}: real APK refused: {e}");
                match oracle.as_ref().and_then(|o| o.get(path)) {
                    // Where python's zipfile reads the archive we must too.
                    Some(Oracle::Entries(rows)) => {
                        panic!(
                            "{rel}: refused ({e}) but python zipfile lists {} entries",
                            rows.len()
                        )
                    }
                    Some(Oracle::Error(py)) => {
                        both_refused += 1;
                        eprintln!("  both refuse {rel}: ours: {e} | python: {py}");
                    }
                    None => {}
                }
            }
            Ok(a) => {
                parsed += 1;
                let r = read_all(&a);
                entries_read += r.entries_read;
                crc_checked += r.crc_checked;
                if is_real {
                    assert!(r.read_errors.is_empty(), "{rel}: {:?}", r.read_errors);
                    assert!(r.crc_mismatch.is_empty(), "{rel}: {:?}", r.crc_mismatch);
                    assert!(r.files_ok);
                }
                for m in r.crc_mismatch {
                    crc_bad.push(format!("{rel}: {m}"));
                }
                if let Some(Oracle::Entries(rows)) = oracle.as_ref().and_then(|o| o.get(path)) {
                    compared_files += 1;
                    let ours: Vec<(Vec<u8>, u64, u32, u16)> = a
                        .entries()
                        .iter()
                        .map(|e| (e.raw_name.to_vec(), e.uncompressed_size, e.crc32, e.method))
                        .collect();
                    if &ours != rows {
                        disagreements.push(rel.clone());
                    } else {
                        compared_entries += ours.len();
                    }
                } else if is_real {
                    if let Some(o) = oracle.as_ref() {
                        panic!(
                            "{rel}: python zipfile did not list a real APK: {:?}",
                            o.get(path)
                        );
                    }
                }
                if is_real {
                    compare_rawzip(&rel, &data, &a);
                }
            }
        }
    }
    eprintln!(
        "corpus: {} files ({parsed} parsed, {refused} refused with an error); \
         python zipfile oracle agreed on {compared_files} archives / {compared_entries} entries \
         (names, sizes, CRC, method); {both_refused} ZIP-named files refused by both; \
         {entries_read} entries read, {crc_checked} CRCs verified",
        files.len()
    );
    assert!(
        disagreements.is_empty(),
        "entry lists differ from python zipfile: {disagreements:?}"
    );
    assert!(
        crc_bad.is_empty(),
        "decompressed CRC differs from the CD: {crc_bad:?}"
    );
    if oracle.is_some() {
        assert!(
            compared_files >= 5,
            "too few oracle comparisons: {compared_files}"
        );
    }

    // Specific expectations for the curated malformed set.
    let notes = std::fs::read_to_string(root.join("malformed/NOTES.tsv")).unwrap();
    let mut noted = 0;
    for line in notes.lines().skip(1) {
        let Some(file) = line.split('\t').next().filter(|f| !f.is_empty()) else {
            continue;
        };
        let data = std::fs::read(root.join("malformed").join(file)).unwrap();
        check_noted(file, &data);
        noted += 1;
    }
    eprintln!(
        "corpus: {noted} files of malformed/NOTES.tsv checked against their expected behaviour"
    );
    assert!(noted >= 15);
}

/// Second oracle for the real APKs: rawzip's central-directory walk.
fn compare_rawzip(rel: &str, data: &[u8], a: &Archive<'_>) {
    let z = rawzip::ZipArchive::from_slice(data).unwrap();
    let mut it = z.entries();
    let mut theirs = Vec::new();
    while let Some(e) = it.next_entry().unwrap() {
        theirs.push((
            e.file_path().as_bytes().to_vec(),
            e.uncompressed_size_hint(),
            e.compressed_size_hint(),
            e.local_header_offset(),
        ));
    }
    let ours: Vec<_> = a
        .entries()
        .iter()
        .map(|e| {
            (
                e.raw_name.to_vec(),
                e.uncompressed_size,
                e.compressed_size,
                e.local_header_offset,
            )
        })
        .collect();
    assert_eq!(ours, theirs, "{rel}: rawzip disagrees");
    assert_eq!(a.central_directory_offset(), z.directory_offset(), "{rel}");
    assert_eq!(a.eocd_offset(), z.eocd_offset(), "{rel}");
}
