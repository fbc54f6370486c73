//! Hand-built signing blocks and PKCS#7 structures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use sha2::{Digest, Sha256};
use unmask_sig::{describe_certificate, read_signing_block, read_v1_signature};

const EC: &[u8] = include_bytes!("data/ec-p256.der");
const RSA: &[u8] = include_bytes!("data/rsa-2048.der");
const DSA: &[u8] = include_bytes!("data/dsa-2048.der");
const DEBUG: &[u8] = include_bytes!("data/android-debug.der");

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn lp(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn signer_v2(certs: &[&[u8]]) -> Vec<u8> {
    let certs = cat(&certs.iter().map(|c| lp(c)).collect::<Vec<_>>());
    let signed = cat(&[lp(b"digests"), lp(&certs), lp(&[])]);
    cat(&[lp(&signed), lp(b"sigs"), lp(b"pubkey")])
}

fn signer_v3(certs: &[&[u8]], min: u32, max: u32, attrs: &[u8]) -> Vec<u8> {
    let certs = cat(&certs.iter().map(|c| lp(c)).collect::<Vec<_>>());
    let signed = cat(&[
        lp(b"digests"),
        lp(&certs),
        min.to_le_bytes().to_vec(),
        max.to_le_bytes().to_vec(),
        lp(attrs),
    ]);
    cat(&[
        lp(&signed),
        min.to_le_bytes().to_vec(),
        max.to_le_bytes().to_vec(),
        lp(b"sigs"),
        lp(b"pubkey"),
    ])
}

fn scheme(signers: &[Vec<u8>]) -> Vec<u8> {
    lp(&cat(&signers.iter().map(|s| lp(s)).collect::<Vec<_>>()))
}

fn pair(id: u32, value: &[u8]) -> Vec<u8> {
    let mut v = ((value.len() + 4) as u64).to_le_bytes().to_vec();
    v.extend_from_slice(&id.to_le_bytes());
    v.extend_from_slice(value);
    v
}

/// Local "file data", the block, then a fake central directory. Returns (apk, cd_offset).
fn apk_with(pairs: &[u8], header_size: Option<u64>) -> (Vec<u8>, u64) {
    let size = (pairs.len() + 24) as u64;
    let mut apk = b"PK\x03\x04 local file data".to_vec();
    apk.extend_from_slice(&header_size.unwrap_or(size).to_le_bytes());
    apk.extend_from_slice(pairs);
    apk.extend_from_slice(&size.to_le_bytes());
    apk.extend_from_slice(b"APK Sig Block 42");
    let cd = apk.len() as u64;
    apk.extend_from_slice(b"PK\x01\x02 central directory");
    (apk, cd)
}

#[test]
fn no_block() {
    let apk = b"PK\x03\x04 nothing here at all, really nothing; PK\x01\x02".to_vec();
    assert!(read_signing_block(&apk, 40).unwrap().is_none());
    assert!(read_signing_block(&apk, 3).unwrap().is_none());
    assert!(read_signing_block(&apk, 0).unwrap().is_none());
    assert!(read_signing_block(&apk, 10_000).is_err());
    assert!(read_signing_block(&apk, u64::MAX).is_err());
}

#[test]
fn v2_two_signers_and_padding() {
    let pairs = cat(&[
        pair(
            0x7109_871a,
            &scheme(&[signer_v2(&[RSA]), signer_v2(&[EC, RSA])]),
        ),
        pair(0x4272_6577, &[0; 100]),
    ]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(b.anomalies.is_empty(), "{:?}", b.anomalies);
    assert_eq!(b.entries.len(), 2);
    assert_eq!(b.entries[0].name, Some("APK Signature Scheme v2"));
    assert_eq!(b.entries[1].len, 100);
    assert_eq!(&apk[b.entries[1].offset as usize..][..100], &[0u8; 100][..]);
    assert_eq!(b.signers.len(), 2);
    assert_eq!(b.signers[0].scheme, "v2");
    assert_eq!(b.signers[0].certificates[0].sha256, sha(RSA));
    assert_eq!(
        b.signers[0].certificates[0].sha256,
        "fb5dbd3c669af9fc236c6991e6387b7f11ff0590997f22d0f5c74ff40e04fca8"
    );
    assert_eq!(b.signers[1].certificates.len(), 2);
    assert_eq!(b.signers[1].certificates[0].sha256, sha(EC));
}

#[test]
fn size_mismatch_is_anomaly_and_still_read() {
    let pairs = pair(0x7109_871a, &scheme(&[signer_v2(&[RSA])]));
    let (apk, cd) = apk_with(&pairs, Some(12345));
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(
        b.anomalies.iter().any(|a| a.starts_with("size mismatch")),
        "{:?}",
        b.anomalies
    );
    assert_eq!(b.signers.len(), 1);
}

#[test]
fn impossible_footer_size_is_error() {
    let pairs = pair(0x7109_871a, &scheme(&[signer_v2(&[RSA])]));
    let (mut apk, cd) = apk_with(&pairs, None);
    let f = cd as usize - 24;
    apk[f..f + 8].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
    assert!(read_signing_block(&apk, cd).is_err());
    apk[f..f + 8].copy_from_slice(&10u64.to_le_bytes());
    assert!(read_signing_block(&apk, cd).is_err());
    apk[f..f + 8].copy_from_slice(&(cd + 1).to_le_bytes());
    assert!(read_signing_block(&apk, cd).is_err());
}

#[test]
fn truncated_and_bogus_pairs() {
    // A pair whose length runs past the block.
    let mut pairs = pair(0x4272_6577, &[0; 8]);
    pairs.extend_from_slice(&1000u64.to_le_bytes());
    pairs.extend_from_slice(&[1, 2, 3, 4]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.entries.len(), 1);
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("truncated pair #1")));

    // Length shorter than the id.
    let mut pairs = pair(0x4272_6577, &[]);
    pairs.extend_from_slice(&2u64.to_le_bytes());
    pairs.extend_from_slice(&[0, 0]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(b.anomalies.iter().any(|a| a.starts_with("bogus pair #1")));

    // Trailing bytes too short for a length.
    let mut pairs = pair(0x4272_6577, &[]);
    pairs.extend_from_slice(&[7, 7, 7]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("truncated pair #1")));
}

#[test]
fn bogus_signer_lengths_keep_other_signers() {
    // Signer #2 has a signed-data length larger than itself; signer #1 must still decode.
    let mut bad = signer_v2(&[EC]);
    bad[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    let value = scheme(&[signer_v2(&[RSA]), bad, signer_v2(&[EC])]);
    let (apk, cd) = apk_with(&pair(0x7109_871a, &value), None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.signers.len(), 2, "{:?}", b.anomalies);
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("v2 signer #2 undecodable: signed data: length 4294967295")));

    // Signer sequence length lying about its size.
    let mut value = scheme(&[signer_v2(&[RSA])]);
    value[0..4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let (apk, cd) = apk_with(&pair(0x7109_871a, &value), None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(b.signers.is_empty());
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("v2: signer sequence")));

    // A certificate that is not X.509 keeps its fingerprint and is reported.
    let value = scheme(&[signer_v2(&[b"garbage"])]);
    let (apk, cd) = apk_with(&pair(0x7109_871a, &value), None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.signers[0].certificates[0].sha256, sha(b"garbage"));
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("v2 signer #1: certificate #1")));
}

#[test]
fn unknown_and_duplicate_ids() {
    let pairs = cat(&[
        pair(0x1234_5678, b"whatever"),
        pair(0x7109_871a, &scheme(&[signer_v2(&[RSA])])),
        pair(0x7109_871a, &scheme(&[signer_v2(&[EC])])),
        pair(0x7177_7777, b"{\"channel\":\"x\"}"),
    ]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.entries.len(), 4);
    assert_eq!(b.entries[0].name, None);
    assert_eq!(b.entries[3].name, Some("Meituan channel (Walle)"));
    assert!(b
        .anomalies
        .contains(&"unknown block id 0x12345678 (8 bytes)".to_string()));
    assert!(b
        .anomalies
        .iter()
        .any(|a| a.starts_with("duplicate v2 block")));
    assert_eq!(b.signers.len(), 1);
    assert_eq!(b.signers[0].certificates[0].sha256, sha(RSA));
}

#[test]
fn v3_and_v31_with_lineage() {
    // Proof-of-rotation: version, then nodes { lp signed data { lp cert, sigalg }, flags, sigalg, lp sig }.
    let node = |c: &[u8]| {
        lp(&cat(&[
            lp(&cat(&[lp(c), 0x0103u32.to_le_bytes().to_vec()])),
            0u32.to_le_bytes().to_vec(),
            0x0103u32.to_le_bytes().to_vec(),
            lp(b"sig"),
        ]))
    };
    let lineage = cat(&[1u32.to_le_bytes().to_vec(), node(RSA), node(EC)]);
    let attrs = cat(&[
        lp(&cat(&[0x3ba0_6f8cu32.to_le_bytes().to_vec(), lineage])),
        lp(&cat(&[
            0xdead_beefu32.to_le_bytes().to_vec(),
            b"x".to_vec(),
        ])),
    ]);
    let pairs = cat(&[
        pair(0xf053_68c0, &scheme(&[signer_v3(&[EC], 24, 32, &attrs)])),
        pair(
            0x1b93_ad61,
            &scheme(&[signer_v3(&[RSA], 33, 0x7fff_ffff, &[])]),
        ),
    ]);
    let (apk, cd) = apk_with(&pairs, None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert!(b.anomalies.is_empty(), "{:?}", b.anomalies);
    assert_eq!(b.signers.len(), 2);
    let v3 = &b.signers[0];
    assert_eq!(v3.scheme, "v3");
    assert_eq!(v3.sdk_range, Some((24, 32)));
    assert_eq!(v3.lineage.len(), 2);
    assert_eq!(v3.lineage[0].sha256, sha(RSA));
    assert_eq!(b.signers[1].scheme, "v3.1");
    assert_eq!(b.signers[1].sdk_range, Some((33, 0x7fff_ffff)));
}

#[test]
fn certificate_facts() {
    let r = describe_certificate(RSA).unwrap();
    assert_eq!(r.subject, "CN=rsa-2048");
    assert_eq!(r.serial, "8e35306cdd0115f7");
    assert_eq!(r.key_algorithm, "RSA");
    assert_eq!(r.key_size, Some(2048));
    assert!(r.not_before.ends_with('Z') && r.not_before.len() == 20);
    assert!(!r.is_android_debug);
    let e = describe_certificate(EC).unwrap();
    assert_eq!((e.key_algorithm.as_str(), e.key_size), ("EC", Some(256)));
    let d = describe_certificate(DSA).unwrap();
    assert_eq!((d.key_algorithm.as_str(), d.key_size), ("DSA", Some(2048)));
    let dbg = describe_certificate(DEBUG).unwrap();
    assert_eq!(dbg.subject, "CN=Android Debug, O=Android, C=US");
    assert!(dbg.is_android_debug);
    assert!(describe_certificate(&RSA[..100]).is_err());
}

// ---- PKCS#7 -------------------------------------------------------------------------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

fn ber(tag: u8, content: &[u8]) -> Vec<u8> {
    cat(&[vec![tag, 0x80], content.to_vec(), vec![0, 0]])
}

fn issuer_serial(c: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use x509_parser::prelude::FromDer;
    let (_, x) = x509_parser::certificate::X509Certificate::from_der(c).unwrap();
    (x.issuer().as_raw().to_vec(), x.raw_serial().to_vec())
}

fn pkcs7(enc: fn(u8, &[u8]) -> Vec<u8>, certs: &[&[u8]], signer: &[u8]) -> Vec<u8> {
    let oid_signed = der(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
    );
    let oid_data = der(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let (issuer, serial) = issuer_serial(signer);
    let signer_info = enc(
        0x30,
        &cat(&[
            der(0x02, &[1]),
            enc(0x30, &cat(&[issuer, der(0x02, &serial)])),
            der(0x30, &[]),
        ]),
    );
    let signed_data = enc(
        0x30,
        &cat(&[
            der(0x02, &[1]),
            enc(0x31, &[]),
            enc(0x30, &oid_data),
            enc(0xa0, &certs.concat()),
            enc(0x31, &signer_info),
        ]),
    );
    enc(0x30, &cat(&[oid_signed, enc(0xa0, &signed_data)]))
}

#[test]
fn v1_der_and_ber_order_signer_first() {
    for enc in [der as fn(u8, &[u8]) -> Vec<u8>, ber] {
        let p = pkcs7(enc, &[EC, RSA], RSA);
        let s = read_v1_signature("META-INF/CERT.RSA", &p).unwrap();
        assert_eq!(s.scheme, "v1");
        assert_eq!(s.source.as_deref(), Some("META-INF/CERT.RSA"));
        assert_eq!(s.certificates.len(), 2);
        assert_eq!(s.certificates[0].sha256, sha(RSA), "signing cert first");
        assert_eq!(s.certificates[1].sha256, sha(EC));
        assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    }
}

#[test]
fn v1_ber_certificate_hashes_original_bytes() {
    // Re-encode the certificate's outer SEQUENCE with an indefinite length: fingerprints must
    // be over these BER bytes, fields still readable through the DER re-encoding.
    assert_eq!(RSA[1], 0x82); // 30 82 xx xx
    let ber_cert = ber(0x30, &RSA[4..]);
    let p = pkcs7(der, &[&ber_cert], RSA);
    let s = read_v1_signature("META-INF/X.RSA", &p).unwrap();
    assert_eq!(s.certificates[0].sha256, sha(&ber_cert));
    assert_eq!(s.certificates[0].subject, "CN=rsa-2048");
}

#[test]
fn v1_rejects_garbage() {
    assert!(read_v1_signature("a", b"").is_err());
    assert!(read_v1_signature("a", &der(0x30, &der(0x06, &[1, 2, 3]))).is_err());
    assert!(read_v1_signature("a", &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    let mut deep = Vec::new();
    for _ in 0..10_000 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    assert!(read_v1_signature("a", &deep).is_err());
    // Truncated valid structure.
    let p = pkcs7(der, &[RSA], RSA);
    for cut in [10, 100, p.len() - 1] {
        let _ = read_v1_signature("a", &p[..cut]);
    }
}

#[test]
fn amplification_is_capped() {
    // 100,000 empty certificates (4 bytes each) must not become 100,000 Certificate values or
    // 100,000 anomaly strings.
    let certs = vec![0u8; 400_000];
    let signed = cat(&[lp(b"d"), lp(&certs), lp(&[])]);
    let signer = cat(&[lp(&signed), lp(b"s"), lp(b"k")]);
    let (apk, cd) = apk_with(&pair(0x7109_871a, &scheme(&[signer])), None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.signers[0].certificates.len(), unmask_sig::MAX_CERTS);
    assert!(b.anomalies.len() <= unmask_sig::MAX_ANOMALIES + 1);
    assert!(b.signers[0].anomalies.len() <= unmask_sig::MAX_ANOMALIES + 1);

    // Many signers.
    let signers: Vec<Vec<u8>> = (0..1000).map(|_| signer_v2(&[])).collect();
    let (apk, cd) = apk_with(&pair(0x7109_871a, &scheme(&signers)), None);
    let b = read_signing_block(&apk, cd).unwrap().unwrap();
    assert_eq!(b.signers.len(), unmask_sig::MAX_SIGNERS);
    assert_eq!(b.anomalies.last().unwrap(), "further anomalies suppressed");

    // PKCS#7 with 100,000 tiny "certificates".
    let tiny = [0x30u8, 0x00].repeat(100_000);
    let p = pkcs7(der3, &[&tiny], RSA);
    let s = read_v1_signature("a", &p).unwrap();
    assert_eq!(s.certificates.len(), unmask_sig::MAX_CERTS);
    assert!(s.anomalies.len() <= unmask_sig::MAX_ANOMALIES + 1);
}

/// DER with lengths up to 2^24.
fn der3(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut v = vec![tag, 0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    v.extend_from_slice(content);
    v
}
