//! APK Signing Block walker and v2/v3/v3.1 signer decoding.

use crate::{
    cert, note, BlockEntry, Certificate, SigError, Signer, SigningBlock, MAX_CERTS, MAX_SIGNERS,
};

/// Footer magic "APK Sig Block 42".
pub(crate) const MAGIC: &[u8; 16] = b"APK Sig Block 42";

/// APK Signature Scheme v2 block id.
pub const ID_V2: u32 = 0x7109_871a;
/// APK Signature Scheme v3 block id.
pub const ID_V3: u32 = 0xf053_68c0;
/// APK Signature Scheme v3.1 block id.
pub const ID_V31: u32 = 0x1b93_ad61;
/// Verity padding block id.
pub const ID_VERITY_PADDING: u32 = 0x4272_6577;
/// Proof-of-rotation (signing certificate lineage) attribute id inside v3 signed data.
pub const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;

/// Known ID-value pair names.
pub fn block_id_name(id: u32) -> Option<&'static str> {
    Some(match id {
        ID_V2 => "APK Signature Scheme v2",
        ID_V3 => "APK Signature Scheme v3",
        ID_V31 => "APK Signature Scheme v3.1",
        ID_VERITY_PADDING => "verity padding",
        0x2b09_189e => "source stamp v1",
        0x6dff_800d => "source stamp v2",
        0x504b_4453 => "dependency info",
        0x2146_444e => "Google Play frosting",
        0x7177_7777 => "Meituan channel (Walle)",
        0x8811_55ff => "VasDolly channel",
        0x0101_0101 => "VasDolly channel (v1 marker)",
        0x4e50_4c4b => "Android ZIP alignment padding",
        _ => return None,
    })
}

/// Little-endian cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    fn remaining(&self) -> usize {
        self.buf.len()
    }
    fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.buf.get(..n)?;
        self.buf = self.buf.get(n..)?;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        let b: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Option<u64> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(u64::from_le_bytes(b))
    }
    /// A u32-length-prefixed slice; `what` names it in the error.
    fn lp(&mut self, what: &str) -> Result<&'a [u8], String> {
        let avail = self.remaining();
        let len = self
            .u32()
            .ok_or_else(|| format!("{what}: {avail} bytes left, too short for a length prefix"))?;
        let rest = self.remaining();
        usize::try_from(len)
            .ok()
            .and_then(|n| self.take(n))
            .ok_or_else(|| format!("{what}: length {len} exceeds the {rest} bytes available"))
    }
}

fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

pub(crate) fn read(apk: &[u8], cd_offset: u64) -> Result<Option<SigningBlock>, SigError> {
    let cd = usize::try_from(cd_offset)
        .ok()
        .filter(|cd| *cd <= apk.len())
        .ok_or_else(|| {
            SigError::Malformed(format!(
                "central directory offset {cd_offset} is beyond the end of the file ({} bytes)",
                apk.len()
            ))
        })?;
    let Some(footer_start) = cd.checked_sub(24) else {
        return Ok(None);
    };
    let Some(footer) = apk.get(footer_start..cd) else {
        return Ok(None);
    };
    if footer.get(8..) != Some(&MAGIC[..]) {
        return Ok(None);
    }
    let size = Reader::new(footer).u64().unwrap_or(0);
    if size < 24 {
        return Err(SigError::Malformed(format!(
            "APK Signing Block footer size {size} is smaller than the 24-byte footer"
        )));
    }
    // The size counts everything after the leading size field: pairs and footer.
    let start = size
        .checked_add(8)
        .and_then(|total| cd_offset.checked_sub(total))
        .and_then(|s| usize::try_from(s).ok())
        .ok_or_else(|| {
            SigError::Malformed(format!(
                "APK Signing Block size {size} reaches before the start of the file \
                 (central directory at {cd_offset})"
            ))
        })?;
    let mut out = SigningBlock::default();
    let header = apk
        .get(start..)
        .and_then(|b| Reader::new(b).u64())
        .unwrap_or(0);
    if header != size {
        note(
            &mut out.anomalies,
            format!(
                "size mismatch: APK Signing Block header says {header}, footer says {size} \
             (Android rejects this; pairs read using the footer size)"
            ),
        );
    }
    let pairs_start = start.saturating_add(8);
    let pairs = apk.get(pairs_start..footer_start).unwrap_or(&[]);
    walk_pairs(pairs, u64_of(pairs_start), &mut out);
    Ok(Some(out))
}

fn walk_pairs(pairs: &[u8], base: u64, out: &mut SigningBlock) {
    let mut r = Reader::new(pairs);
    let mut index = 0usize;
    let mut seen_schemes: Vec<u32> = Vec::new();
    while !r.is_empty() {
        let offset = base.saturating_add(u64_of(pairs.len().saturating_sub(r.remaining())));
        let avail = r.remaining();
        let Some(len) = r.u64() else {
            note(&mut out.anomalies, format!(
                "truncated pair #{index} at offset {offset}: {avail} trailing bytes, too short for a length"
            ));
            break;
        };
        let rest = r.remaining();
        if len < 4 {
            note(
                &mut out.anomalies,
                format!(
                "bogus pair #{index} at offset {offset}: length {len} is shorter than its 4-byte id"
            ),
            );
            break;
        }
        let Some(pair) = usize::try_from(len).ok().and_then(|n| r.take(n)) else {
            note(&mut out.anomalies, format!(
                "truncated pair #{index} at offset {offset}: length {len} exceeds the {rest} bytes left in the block"
            ));
            break;
        };
        let mut p = Reader::new(pair);
        let id = p.u32().unwrap_or(0);
        let value = p.buf;
        let name = block_id_name(id);
        out.entries.push(BlockEntry {
            id,
            name,
            len: u64_of(value.len()),
            offset: offset.saturating_add(12),
        });
        if name.is_none() {
            note(
                &mut out.anomalies,
                format!("unknown block id {id:#010x} ({} bytes)", value.len()),
            );
        }
        let scheme = match id {
            ID_V2 => Some("v2"),
            ID_V3 => Some("v3"),
            ID_V31 => Some("v3.1"),
            _ => None,
        };
        if let Some(scheme) = scheme {
            if seen_schemes.contains(&id) {
                note(&mut out.anomalies, format!(
                    "duplicate {scheme} block (pair #{index}); only the first is decoded, as Android does"
                ));
            } else {
                seen_schemes.push(id);
                decode_scheme(scheme, value, out);
            }
        }
        index = index.saturating_add(1);
    }
}

fn decode_scheme(scheme: &'static str, value: &[u8], out: &mut SigningBlock) {
    let mut r = Reader::new(value);
    let signers = match r.lp("signer sequence") {
        Ok(s) => s,
        Err(e) => {
            note(&mut out.anomalies, format!("{scheme}: {e}"));
            return;
        }
    };
    if !r.is_empty() {
        note(
            &mut out.anomalies,
            format!(
                "{scheme}: {} bytes after the signer sequence",
                r.remaining()
            ),
        );
    }
    let mut sr = Reader::new(signers);
    let mut index = 1usize;
    while !sr.is_empty() {
        if index > MAX_SIGNERS {
            note(
                &mut out.anomalies,
                format!("{scheme}: more than {MAX_SIGNERS} signers; the rest is not decoded"),
            );
            break;
        }
        match sr.lp("signer") {
            Ok(bytes) => match decode_signer(scheme, bytes) {
                Ok(signer) => {
                    for a in &signer.anomalies {
                        note(&mut out.anomalies, format!("{scheme} signer #{index}: {a}"));
                    }
                    out.signers.push(signer);
                }
                Err(e) => note(
                    &mut out.anomalies,
                    format!("{scheme} signer #{index} undecodable: {e}"),
                ),
            },
            Err(e) => {
                note(&mut out.anomalies, format!("{scheme} signer #{index}: {e}"));
                break;
            }
        }
        index = index.saturating_add(1);
    }
    if index == 1 {
        note(&mut out.anomalies, format!("{scheme}: no signers"));
    }
}

fn certificates(seq: &[u8], anomalies: &mut Vec<String>, what: &str) -> Vec<Certificate> {
    let mut certs = Vec::new();
    let mut r = Reader::new(seq);
    let mut index = 1usize;
    while !r.is_empty() {
        if index > MAX_CERTS {
            note(
                anomalies,
                format!("more than {MAX_CERTS} certificates; the rest is ignored"),
            );
            break;
        }
        match r.lp(what) {
            Ok(der) => {
                let (c, err) = cert::describe_lenient(der);
                if let Some(e) = err {
                    note(anomalies, format!("{what} #{index}: {e}"));
                }
                certs.push(c);
            }
            Err(e) => {
                note(anomalies, e);
                break;
            }
        }
        index = index.saturating_add(1);
    }
    certs
}

fn decode_signer(scheme: &'static str, bytes: &[u8]) -> Result<Signer, String> {
    let v3 = scheme != "v2";
    let mut anomalies = Vec::new();
    let mut r = Reader::new(bytes);
    let signed = r.lp("signed data")?;
    let outer_range = if v3 {
        let min = r.u32().ok_or("minSdk missing after signed data")?;
        let max = r.u32().ok_or("maxSdk missing after signed data")?;
        Some((min, max))
    } else {
        None
    };
    let signatures = r.lp("signatures")?;
    if signatures.is_empty() {
        note(&mut anomalies, "no signatures".to_string());
    }
    let public_key = r.lp("public key")?;
    if public_key.is_empty() {
        note(&mut anomalies, "empty public key".to_string());
    }
    if !r.is_empty() {
        note(
            &mut anomalies,
            format!("{} trailing bytes after the public key", r.remaining()),
        );
    }

    let mut s = Reader::new(signed);
    let _digests = s.lp("digests")?;
    let certs_seq = s.lp("certificates")?;
    let signed_range = if v3 {
        let min = s.u32().ok_or("minSdk missing in signed data")?;
        let max = s.u32().ok_or("maxSdk missing in signed data")?;
        Some((min, max))
    } else {
        None
    };
    let attrs = if s.is_empty() {
        &[][..]
    } else {
        s.lp("additional attributes")?
    };
    let certificates = certificates(certs_seq, &mut anomalies, "certificate");
    if certificates.is_empty() {
        note(&mut anomalies, "no certificates".to_string());
    }
    if outer_range != signed_range {
        note(
            &mut anomalies,
            format!(
            "SDK range outside signed data {outer_range:?} differs from signed {signed_range:?}"
        ),
        );
    }
    let mut lineage = Vec::new();
    let mut a = Reader::new(attrs);
    while !a.is_empty() {
        let attr = match a.lp("attribute") {
            Ok(x) => x,
            Err(e) => {
                note(&mut anomalies, e);
                break;
            }
        };
        let mut ar = Reader::new(attr);
        let Some(id) = ar.u32() else {
            note(
                &mut anomalies,
                format!("attribute of {} bytes has no id", attr.len()),
            );
            continue;
        };
        if v3 && id == ATTR_PROOF_OF_ROTATION && lineage.is_empty() {
            lineage = read_lineage(ar.buf, &mut anomalies);
        }
    }
    Ok(Signer {
        scheme,
        certificates,
        sdk_range: signed_range,
        source: None,
        lineage,
        anomalies,
    })
}

/// Proof-of-rotation: u32 version, then length-prefixed nodes, each
/// { lp signed data { lp certificate, u32 sigalg }, u32 flags, u32 sigalg, lp signature }.
fn read_lineage(value: &[u8], anomalies: &mut Vec<String>) -> Vec<Certificate> {
    let mut certs = Vec::new();
    let mut r = Reader::new(value);
    if r.u32().is_none() {
        note(
            anomalies,
            "proof-of-rotation attribute without version".into(),
        );
        return certs;
    }
    let mut index = 1usize;
    while !r.is_empty() {
        if index > MAX_CERTS {
            note(
                anomalies,
                format!("more than {MAX_CERTS} proof-of-rotation nodes; the rest is ignored"),
            );
            break;
        }
        let node = r
            .lp("proof-of-rotation node")
            .and_then(|n| Reader::new(n).lp("proof-of-rotation signed data"))
            .and_then(|sd| Reader::new(sd).lp("proof-of-rotation certificate"));
        match node {
            Ok(der) => {
                let (c, err) = cert::describe_lenient(der);
                if let Some(e) = err {
                    note(
                        anomalies,
                        format!("proof-of-rotation certificate #{index}: {e}"),
                    );
                }
                certs.push(c);
            }
            Err(e) => {
                note(anomalies, e);
                break;
            }
        }
        index = index.saturating_add(1);
    }
    certs
}
