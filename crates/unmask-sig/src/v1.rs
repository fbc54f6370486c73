//! v1 (JAR) signature block files: PKCS#7 SignedData, DER or BER.

use crate::{ber, cert, note, SigError, Signer, MAX_CERTS};

/// 1.2.840.113549.1.7.2 (signedData), DER contents of the OID.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

fn err(msg: impl Into<String>) -> SigError {
    SigError::Malformed(msg.into())
}

pub(crate) fn read(name: &str, pkcs7: &[u8]) -> Result<Signer, SigError> {
    let mut anomalies = Vec::new();
    let (content_info, trailing) =
        ber::parse(pkcs7).map_err(|e| err(format!("{name}: PKCS#7 ContentInfo: {e}")))?;
    if !trailing.is_empty() {
        note(
            &mut anomalies,
            format!("{} bytes after the PKCS#7 ContentInfo", trailing.len()),
        );
    }
    if content_info.tag != 0x30 {
        return Err(err(format!(
            "{name}: ContentInfo is not a SEQUENCE (tag {:#04x})",
            content_info.tag
        )));
    }
    let mut ci = content_info.children();
    let oid = ci
        .next()
        .ok_or_else(|| err(format!("{name}: empty ContentInfo")))?
        .map_err(|e| err(format!("{name}: {e}")))?;
    if oid.tag != 0x06 || oid.content != OID_SIGNED_DATA {
        return Err(err(format!(
            "{name}: content type is not PKCS#7 signedData"
        )));
    }
    let explicit = ci
        .next()
        .ok_or_else(|| err(format!("{name}: signedData has no content")))?
        .map_err(|e| err(format!("{name}: {e}")))?;
    if explicit.tag != 0xa0 {
        return Err(err(format!(
            "{name}: signedData content is not [0] EXPLICIT (tag {:#04x})",
            explicit.tag
        )));
    }
    let signed_data = explicit
        .children()
        .next()
        .ok_or_else(|| err(format!("{name}: empty [0] content")))?
        .map_err(|e| err(format!("{name}: {e}")))?;
    if signed_data.tag != 0x30 {
        return Err(err(format!("{name}: SignedData is not a SEQUENCE")));
    }

    // SignedData: version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL,
    // [1] crls OPTIONAL, signerInfos.
    let mut raw_certs: Vec<&[u8]> = Vec::new();
    let mut signer_ids: Vec<(&[u8], &[u8])> = Vec::new();
    let mut saw_signer_infos = false;
    for (i, field) in signed_data.children().enumerate() {
        let field = match field {
            Ok(f) => f,
            Err(e) => {
                note(&mut anomalies, format!("SignedData field #{i}: {e}"));
                break;
            }
        };
        match (i, field.tag) {
            (0..=2, _) => {}
            (_, 0xa0) => {
                for c in field.children() {
                    match c {
                        Ok(_) if raw_certs.len() >= MAX_CERTS => {
                            note(
                                &mut anomalies,
                                format!("more than {MAX_CERTS} certificates; the rest is ignored"),
                            );
                            break;
                        }
                        Ok(c) if c.tag == 0x30 => raw_certs.push(c.raw),
                        Ok(c) => note(
                            &mut anomalies,
                            format!("non-X.509 entry (tag {:#04x}) in certificates", c.tag),
                        ),
                        Err(e) => {
                            note(&mut anomalies, format!("certificates: {e}"));
                            break;
                        }
                    }
                }
            }
            (_, 0xa1) => {}
            (_, 0x31) => {
                saw_signer_infos = true;
                // Only the first few SignerInfos are used to pick the signing certificate.
                for si in field.children().take(8) {
                    let Ok(si) = si else { break };
                    if let Some(id) = issuer_serial_of_signer_info(&si) {
                        signer_ids.push(id);
                    }
                }
            }
            (_, tag) => note(
                &mut anomalies,
                format!("unexpected SignedData field tag {tag:#04x}"),
            ),
        }
    }
    if !saw_signer_infos {
        note(&mut anomalies, "no SignerInfos".into());
    }
    if raw_certs.is_empty() {
        note(&mut anomalies, "no certificates".into());
    }

    // Put the certificate of the first matched SignerInfo first.
    let position = signer_ids.iter().find_map(|(issuer, serial)| {
        let with_serial: Vec<usize> = raw_certs
            .iter()
            .enumerate()
            .filter(|(_, c)| cert::issuer_and_serial(c).is_some_and(|(_, s)| s == *serial))
            .map(|(i, _)| i)
            .collect();
        with_serial
            .iter()
            .copied()
            .find(|i| {
                raw_certs
                    .get(*i)
                    .and_then(|c| cert::issuer_and_serial(c))
                    .is_some_and(|(is, _)| is == *issuer)
            })
            .or_else(|| with_serial.first().copied())
    });
    match position {
        Some(p) if p > 0 => {
            let c = raw_certs.remove(p);
            raw_certs.insert(0, c);
        }
        Some(_) => {}
        None if !raw_certs.is_empty() => note(
            &mut anomalies,
            "no certificate matches the SignerInfo issuer and serial".into(),
        ),
        None => {}
    }

    let mut certificates = Vec::with_capacity(raw_certs.len());
    for (i, raw) in raw_certs.iter().enumerate() {
        let (c, e) = cert::describe_lenient(raw);
        if let Some(e) = e {
            note(
                &mut anomalies,
                format!("certificate #{}: {e}", i.saturating_add(1)),
            );
        }
        certificates.push(c);
    }
    Ok(Signer {
        scheme: "v1",
        certificates,
        sdk_range: None,
        source: Some(name.to_string()),
        lineage: Vec::new(),
        anomalies,
    })
}

/// SignerInfo ::= SEQUENCE { version, sid IssuerAndSerialNumber | [0] SubjectKeyIdentifier, ... }
fn issuer_serial_of_signer_info<'a>(si: &ber::Tlv<'a>) -> Option<(&'a [u8], &'a [u8])> {
    let mut f = si.children();
    let _version = f.next()?.ok()?;
    let sid = f.next()?.ok()?;
    if sid.tag != 0x30 {
        return None;
    }
    let mut s = sid.children();
    let issuer = s.next()?.ok()?;
    let serial = s.next()?.ok()?;
    (serial.tag == 0x02).then_some((issuer.raw, serial.content))
}
