//! Differential test against `apksigner verify --print-certs -v`.
//!
//! For every APK of the shared corpus (real, droidbench, edge/APK recursively) we read the APK
//! Signing Block (central directory offset from a small EOCD finder below) and the v1 signature
//! block files (extracted with python3 zipfile), and compare signer certificate fingerprints
//! (SHA-256, SHA-1, MD5) with what apksigner prints, for every APK apksigner verifies:
//! - default run: apksigner prints the signers of the highest scheme it verified; they must equal
//!   the first certificates of our signers of that scheme;
//! - v1 run (`--min-sdk-version 1 --max-sdk-version 23`, only for APKs where we found v1 signers
//!   and the default run did not check v1): compares v1 signers.
//!
//! Schemes apksigner says it verified must be present in our output (the reverse is not checked:
//! we don't verify).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Fp = (String, String, String);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("apk")) {
            out.push(p);
        }
    }
}

/// Central directory offset from the (ZIP64) end of central directory record.
fn cd_offset(data: &[u8]) -> Option<u64> {
    let lo = data.len().saturating_sub(22 + 65535);
    let mut i = data.len().checked_sub(22)?;
    loop {
        if data[i..i + 4] == [0x50, 0x4b, 0x05, 0x06] {
            let off = u32::from_le_bytes(data[i + 16..i + 20].try_into().unwrap());
            if off != 0xffff_ffff {
                return Some(u64::from(off));
            }
            // ZIP64 locator right before the EOCD.
            let loc = i.checked_sub(20)?;
            if data[loc..loc + 4] != [0x50, 0x4b, 0x06, 0x07] {
                return None;
            }
            let z = u64::from_le_bytes(data[loc + 8..loc + 16].try_into().unwrap()) as usize;
            let rec = data.get(z..z + 56)?;
            return Some(u64::from_le_bytes(rec[48..56].try_into().unwrap()));
        }
        if i == lo {
            return None;
        }
        i -= 1;
    }
}

const EXTRACT: &str = r#"
import sys, zipfile, re, struct, zlib
pat = re.compile(r'^META-INF/[^/]+\.(RSA|DSA|EC|SF)$', re.I)
def read(f, z, info):
    try:
        return z.read(info)
    except NotImplementedError:
        # Android inflates every entry whose method is not STORED.
        f.seek(info.header_offset)
        h = f.read(30)
        n, m = struct.unpack('<HH', h[26:30])
        f.seek(info.header_offset + 30 + n + m)
        return zlib.decompressobj(-15).decompress(f.read(info.compress_size))
for path in sys.stdin.read().splitlines():
    print('APK\t' + path)
    try:
        with open(path, 'rb') as f, zipfile.ZipFile(f) as z:
            for info in z.infolist():
                if pat.match(info.filename):
                    if info.filename.upper().endswith('.SF'):
                        print('SF\t' + info.filename)
                        continue
                    try:
                        print('ENT\t' + info.filename + '\t' + read(f, z, info).hex())
                    except Exception as e:
                        print('ERR\t' + repr(e))
    except Exception as e:
        print('ERR\t' + repr(e))
"#;

/// apk path -> META-INF signature block files (None when python could not read the ZIP).
/// Signature block files of one APK: (name, bytes); None when python could not read the ZIP.
type V1Files = Option<Vec<(String, Vec<u8>)>>;

fn extract_v1(apks: &[PathBuf]) -> Option<BTreeMap<PathBuf, V1Files>> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", EXTRACT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let list: String = apks.iter().map(|p| format!("{}\n", p.display())).collect();
    child.stdin.take()?.write_all(list.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let mut map = BTreeMap::new();
    let mut sfs: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut cur: Option<PathBuf> = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.splitn(3, '\t').collect();
        match parts[0] {
            "APK" => {
                let p = PathBuf::from(parts[1]);
                map.insert(p.clone(), Some(Vec::new()));
                cur = Some(p);
            }
            "SF" => {
                if let Some(c) = &cur {
                    let stem = parts[1].rsplit_once('.').map_or(parts[1], |x| x.0);
                    sfs.entry(c.clone())
                        .or_default()
                        .insert(stem.to_ascii_uppercase());
                }
            }
            "ENT" => {
                let bytes = hex::decode(parts[2]).unwrap();
                if let Some(Some(v)) = cur.as_ref().and_then(|c| map.get_mut(c)) {
                    v.push((parts[1].to_string(), bytes));
                }
            }
            _ => {
                if let Some(c) = &cur {
                    map.insert(c.clone(), None);
                }
            }
        }
    }
    // Like apksig, ignore a signature block file without its .SF ("partial JAR signature"):
    // the reader is given bytes only, pairing files is the caller's job.
    for (apk, files) in map.iter_mut() {
        if let Some(files) = files {
            let stems = sfs.get(apk).cloned().unwrap_or_default();
            files.retain(|(name, _)| {
                let stem = name.rsplit_once('.').map_or(name.as_str(), |x| x.0);
                let keep = stems.contains(&stem.to_ascii_uppercase());
                if !keep {
                    eprintln!(
                        "  exception: {}: {name} has no .SF; ignored as apksig does",
                        apk.display()
                    );
                }
                keep
            });
        }
    }
    Some(map)
}

#[derive(Debug, Default)]
struct ApksignerOut {
    verifies: bool,
    schemes: BTreeSet<String>,
    signers: BTreeSet<Fp>,
    /// SHA-256 -> (key algorithm, key size, DN) as apksigner prints them.
    facts: BTreeMap<String, (String, String, String)>,
    first_error: String,
}

fn apksigner(apk: &Path, extra: &[&str]) -> ApksignerOut {
    let out = Command::new("apksigner")
        .arg("verify")
        .args(extra)
        .args(["--print-certs", "-v"])
        .arg(apk)
        .output()
        .expect("run apksigner");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = ApksignerOut {
        verifies: out.status.success() && text.lines().any(|l| l == "Verifies"),
        ..Default::default()
    };
    let mut by_signer: BTreeMap<String, [String; 6]> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Verified using ") {
            if rest.ends_with(": true") {
                r.schemes
                    .insert(rest.split(' ').next().unwrap_or("").to_string());
            }
        } else if let Some(rest) = line.strip_prefix("Signer #") {
            let (num, rest) = rest.split_once(' ').unwrap_or(("", ""));
            let slot = if let Some(v) = rest.strip_prefix("certificate SHA-256 digest: ") {
                Some((0, v))
            } else if let Some(v) = rest.strip_prefix("certificate SHA-1 digest: ") {
                Some((1, v))
            } else if let Some(v) = rest.strip_prefix("certificate MD5 digest: ") {
                Some((2, v))
            } else if let Some(v) = rest.strip_prefix("key algorithm: ") {
                Some((3, v))
            } else if let Some(v) = rest.strip_prefix("key size (bits): ") {
                Some((4, v))
            } else {
                rest.strip_prefix("certificate DN: ").map(|v| (5, v))
            };
            if let Some((i, v)) = slot {
                by_signer.entry(num.to_string()).or_default()[i] = v.trim().to_string();
            }
        } else if (line.starts_with("ERROR") || line.contains("Exception"))
            && r.first_error.is_empty()
        {
            r.first_error = line.to_string();
        }
    }
    for [a, b, c, algo, size, dn] in by_signer.into_values() {
        r.facts.insert(a.clone(), (algo, size, dn));
        r.signers.insert((a, b, c));
    }
    r
}

/// SHA-256 of every certificate `openssl pkcs7 -print_certs` finds (OpenSSL keeps the original
/// encoding of a parsed certificate, so these are over the original bytes for DER certificates).
/// None when openssl is missing or rejects the input.
fn openssl_certs(pkcs7: &[u8]) -> Option<BTreeSet<String>> {
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["pkcs7", "-inform", "DER", "-print_certs"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(pkcs7).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut set = BTreeSet::new();
    let mut b64 = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE") {
            inside = true;
            b64.clear();
        } else if line.starts_with("-----END CERTIFICATE") {
            inside = false;
            set.insert(hex::encode(Sha256::digest(base64_decode(&b64))));
        } else if inside {
            b64.push_str(line.trim());
        }
    }
    Some(set)
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[derive(Debug, Default)]
struct Ours {
    by_scheme: BTreeMap<&'static str, BTreeSet<Fp>>,
    /// SHA-256 -> (key algorithm, key size, subject) of every signing certificate.
    facts: BTreeMap<String, (String, String, String)>,
    /// v1 file name -> SHA-256 of all its certificates.
    v1_all: BTreeMap<String, BTreeSet<String>>,
    elapsed: Duration,
    note: String,
}

fn ours(apk: &Path, v1_files: Option<&Vec<(String, Vec<u8>)>>) -> Ours {
    let data = std::fs::read(apk).unwrap();
    let start = Instant::now();
    let mut o = Ours::default();
    let mut signers = Vec::new();
    match cd_offset(&data) {
        Some(cd) => match unmask_sig::read_signing_block(&data, cd) {
            Ok(Some(b)) => signers.extend(b.signers),
            Ok(None) => {}
            Err(e) => o.note = format!("block error: {e}"),
        },
        None => o.note = "no EOCD".into(),
    }
    for (name, bytes) in v1_files.into_iter().flatten() {
        match unmask_sig::read_v1_signature(name, bytes) {
            Ok(s) => signers.push(s),
            Err(e) => o.note = format!("{name}: {e}"),
        }
    }
    o.elapsed = start.elapsed();
    for s in signers {
        if let Some(name) = &s.source {
            o.v1_all.insert(
                name.clone(),
                s.certificates.iter().map(|c| c.sha256.clone()).collect(),
            );
        }
        if let Some(c) = s.certificates.first() {
            o.facts.insert(
                c.sha256.clone(),
                (
                    c.key_algorithm.clone(),
                    c.key_size.map(|k| k.to_string()).unwrap_or_default(),
                    c.subject.clone(),
                ),
            );
            o.by_scheme.entry(s.scheme).or_default().insert((
                c.sha256.clone(),
                c.sha1.clone(),
                c.md5.clone(),
            ));
        }
    }
    o
}

fn highest(schemes: &BTreeSet<String>) -> Option<&'static str> {
    ["v3.1", "v3", "v2", "v1"]
        .into_iter()
        .find(|s| schemes.contains(*s))
}

#[test]
fn matches_apksigner() {
    let root = corpus();
    if !root.is_dir() {
        eprintln!("SKIPPED: corpus not found at {}", root.display());
        return;
    }
    if Command::new("apksigner").arg("version").output().is_err() {
        eprintln!("SKIPPED: apksigner not installed");
        return;
    }
    let mut apks = Vec::new();
    for sub in ["real", "droidbench", "edge/APK"] {
        collect(&root.join(sub), &mut apks);
    }
    apks.sort();
    assert!(!apks.is_empty(), "no APKs in corpus");
    let Some(v1) = extract_v1(&apks) else {
        eprintln!("SKIPPED: python3 not available to extract META-INF entries");
        return;
    };

    let next = Mutex::new(0usize);
    let results: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let stats = Mutex::new((
        0usize,
        0usize,
        0usize,
        0usize,
        Duration::ZERO,
        0usize,
        0usize,
        0usize,
        0usize,
        0usize,
        0usize,
        Vec::new(),
    ));
    let exceptions: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(apk) = apks.get(i) else { break };
                let files = v1.get(apk).and_then(|f| f.as_ref());
                let o = ours(apk, files);
                let mut a = apksigner(apk, &[]);
                let mut note = String::new();
                if !a.verifies && a.first_error.contains("Missing AndroidManifest.xml") {
                    // apksigner needs the manifest only to learn minSdkVersion.
                    a = apksigner(apk, &["--min-sdk-version", "1"]);
                    note = " (retried with --min-sdk-version 1: no AndroidManifest.xml)".into();
                }
                let name = apk.strip_prefix(&root).unwrap_or(apk).display().to_string();
                let mut failures = Vec::new();
                let mut compared = 0usize;
                let mut v1_too = 0usize;
                let mut openssl_matched = 0usize;
                let mut keys_matched = 0usize;
                let mut dn_matched = 0usize;
                let mut dn_differ = Vec::new();
                let mut openssl_files = 0usize;
                let mut matched = 0usize;
                if a.verifies {
                    for s in &a.schemes {
                        if ["v1", "v2", "v3"].contains(&s.as_str())
                            && !o.by_scheme.contains_key(s.as_str())
                        {
                            failures.push(format!("apksigner verified {s}, we found no {s} signer"));
                        }
                    }
                    if let Some(h) = highest(&a.schemes) {
                        let mine = o.by_scheme.get(h).cloned().unwrap_or_default();
                        compared += 1;
                        for (sha, (algo, size, dn)) in &a.facts {
                            let Some((oa, os, od)) = o.facts.get(sha) else { continue };
                            if (oa, os) != (algo, size) {
                                failures.push(format!(
                                    "key of {sha}: ours {oa} {os}, apksigner {algo} {size}"
                                ));
                            } else {
                                keys_matched += 1;
                            }
                            if od == dn {
                                dn_matched += 1;
                            } else {
                                dn_differ.push(format!("{name}: ours {od:?}, apksigner {dn:?}"));
                            }
                        }
                        if mine == a.signers {
                            matched += a.signers.len();
                        } else {
                            failures.push(format!(
                                "{h} certificates differ: ours {mine:?}, apksigner {:?}",
                                a.signers
                            ));
                        }
                        // apksig requires v1 signers to equal v2 signers when both verify.
                        if h == "v2" && a.schemes.contains("v1") {
                            let mine = o.by_scheme.get("v1").cloned().unwrap_or_default();
                            if mine == a.signers {
                                matched += a.signers.len();
                                v1_too += 1;
                            } else {
                                failures.push(format!(
                                    "v1 certificates differ from v2/apksigner: ours {mine:?}, apksigner {:?}",
                                    a.signers
                                ));
                            }
                        }
                    }
                } else {
                    // apksigner won't print certificates of an APK it rejects; compare the v1
                    // certificate sets with openssl instead.
                    for (file, bytes) in files.into_iter().flatten() {
                        let Some(mine) = o.v1_all.get(file) else { continue };
                        match openssl_certs(bytes) {
                            Some(theirs) if theirs == *mine => {
                                openssl_matched += mine.len();
                                openssl_files += 1;
                            }
                            Some(theirs) => failures.push(format!(
                                "{file}: certificates differ from openssl: ours {mine:?}, openssl {theirs:?}"
                            )),
                            None => {}
                        }
                    }
                    exceptions
                        .lock()
                        .unwrap()
                        .push(format!("{name}: apksigner: {}{note}", a.first_error));
                }
                // v1 run where the default run did not look at v1.
                let mut v1_compared = 0usize;
                if let Some(mine) = o.by_scheme.get("v1") {
                    if a.verifies && !a.schemes.contains("v1") {
                        let b = apksigner(apk, &["--min-sdk-version", "1", "--max-sdk-version", "23"]);
                        if b.verifies && b.schemes.contains("v1") {
                            v1_compared = 1;
                            if *mine == b.signers {
                                matched += b.signers.len();
                            } else {
                                failures.push(format!(
                                    "v1 certificates differ: ours {mine:?}, apksigner {:?}",
                                    b.signers
                                ));
                            }
                        }
                    }
                }
                let mut st = stats.lock().unwrap();
                st.0 += 1;
                st.1 += compared;
                st.2 += matched;
                st.3 += v1_compared;
                st.6 += v1_too;
                st.7 += openssl_matched;
                st.8 += openssl_files;
                st.9 += keys_matched;
                st.10 += dn_matched;
                st.11.extend(dn_differ);
                st.4 += o.elapsed;
                if !o.note.is_empty() {
                    st.5 += 1;
                }
                drop(st);
                for f in failures {
                    results.lock().unwrap().push(format!("{name}: {f}"));
                }
            });
        }
    });
    let (
        total,
        compared,
        matched,
        v1_compared,
        elapsed,
        notes,
        v1_too,
        ossl_certs,
        ossl_files,
        keys_matched,
        dn_matched,
        dn_differ,
    ) = stats.into_inner().unwrap();
    let exceptions = exceptions.into_inner().unwrap();
    eprintln!(
        "apksigner differential: {total} APKs read, {compared} compared on apksigner's \
         highest verified scheme (plus v1 on {v1_too} v1+v2 APKs), {v1_compared} more compared \
         with a v1-only rerun (--max-sdk-version 23), {matched} certificates \
         matched, {} not verified by apksigner (their v1 files checked with openssl instead: \
         {ossl_files} files, {ossl_certs} certificates matched), {notes} with read errors; \
         our time {:.1} µs/APK",
        exceptions.len(),
        elapsed.as_secs_f64() * 1e6 / total.max(1) as f64
    );
    eprintln!(
        "key algorithm and size equal for {keys_matched} signing certificates; subject DN text \
         equal for {dn_matched}, different for {} (informational: Java and x509-parser format \
         some attributes differently)",
        dn_differ.len()
    );
    for d in &dn_differ {
        eprintln!("  DN differs: {d}");
    }
    for e in &exceptions {
        eprintln!("  not compared (apksigner does not verify): {e}");
    }
    let failures = results.into_inner().unwrap();
    for f in &failures {
        eprintln!("  MISMATCH {f}");
    }
    assert!(compared > 100, "too few APKs compared: {compared}");
    assert!(failures.is_empty(), "{} mismatches", failures.len());
}
