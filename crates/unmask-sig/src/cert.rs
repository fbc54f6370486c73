//! Certificate facts: fingerprints over the original bytes, fields through `x509-parser`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;

use crate::{ber, Certificate, SigError};

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_DSA: &str = "1.2.840.10040.4.1";
const DEBUG_SUBJECT: &str = "CN=Android Debug, O=Android, C=US";

/// Fingerprints of `bytes`: (sha256, sha1, md5), lowercase hex.
fn fingerprints(bytes: &[u8]) -> (String, String, String) {
    (
        hex::encode(Sha256::digest(bytes)),
        hex::encode(Sha1::digest(bytes)),
        hex::encode(Md5::digest(bytes)),
    )
}

/// Full description; the fields come from `x509-parser`, retried on a DER re-encoding when the
/// original is BER (as apksig does), while the fingerprints always cover the original bytes.
pub(crate) fn describe(der: &[u8]) -> Result<Certificate, SigError> {
    let first_err = match X509Certificate::from_der(der) {
        Ok((_, cert)) => return Ok(from_parsed(der, &cert)),
        Err(e) => e.to_string(),
    };
    let reencoded = ber::parse(der).and_then(|(tlv, _)| {
        let mut out = Vec::new();
        ber::to_der(&tlv, &mut out)?;
        Ok(out)
    });
    if let Ok(normalized) = reencoded {
        if let Ok((_, cert)) = X509Certificate::from_der(&normalized) {
            return Ok(from_parsed(der, &cert));
        }
    }
    Err(SigError::Malformed(format!(
        "certificate ({} bytes) does not parse as X.509: {first_err}",
        der.len()
    )))
}

/// Like [`describe`], but never fails: an unparsable certificate keeps its fingerprints, empty
/// fields and key algorithm "unknown"; the error comes back as an anomaly.
pub(crate) fn describe_lenient(der: &[u8]) -> (Certificate, Option<String>) {
    match describe(der) {
        Ok(c) => (c, None),
        Err(e) => {
            let (sha256, sha1, md5) = fingerprints(der);
            (
                Certificate {
                    subject: String::new(),
                    issuer: String::new(),
                    serial: String::new(),
                    not_before: String::new(),
                    not_after: String::new(),
                    sha256,
                    sha1,
                    md5,
                    key_algorithm: "unknown".into(),
                    key_size: None,
                    is_android_debug: false,
                },
                Some(e.to_string()),
            )
        }
    }
}

fn from_parsed(original: &[u8], cert: &X509Certificate<'_>) -> Certificate {
    let (sha256, sha1, md5) = fingerprints(original);
    let subject = rfc4514(cert.subject());
    let (key_algorithm, key_size) = key_facts(cert);
    Certificate {
        is_android_debug: is_debug_subject(&subject),
        subject,
        issuer: rfc4514(cert.issuer()),
        serial: format!("{:x}", cert.serial),
        not_before: rfc3339(&cert.validity().not_before),
        not_after: rfc3339(&cert.validity().not_after),
        sha256,
        sha1,
        md5,
        key_algorithm,
        key_size,
    }
}

/// The Android debug certificate's subject has exactly the attributes CN=Android Debug,
/// O=Android, C=US; some tools encode them in the reverse order, so order is ignored.
fn is_debug_subject(subject: &str) -> bool {
    let mut got: Vec<&str> = subject.split(", ").collect();
    let mut want: Vec<&str> = DEBUG_SUBJECT.split(", ").collect();
    got.sort_unstable();
    want.sort_unstable();
    got == want
}

/// RFC 4514 order (most specific RDN first), x509-parser's attribute formatting.
fn rfc4514(name: &X509Name<'_>) -> String {
    let mut reversed: Vec<_> = name.iter().cloned().collect();
    reversed.reverse();
    X509Name::new(reversed, name.as_raw()).to_string()
}

fn rfc3339(t: &x509_parser::time::ASN1Time) -> String {
    let d = t.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Number of significant bits of a big-endian unsigned integer.
fn bit_len(bytes: &[u8]) -> u32 {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let rest = bytes.get(skip..).unwrap_or(&[]);
    match rest.first() {
        None => 0,
        Some(first) => {
            let full = u32::try_from(rest.len().saturating_sub(1))
                .unwrap_or(u32::MAX / 16)
                .saturating_mul(8);
            full.saturating_add(8u32.saturating_sub(first.leading_zeros()))
        }
    }
}

fn key_facts(cert: &X509Certificate<'_>) -> (String, Option<u32>) {
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        OID_RSA => {
            let size = match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => Some(bit_len(rsa.modulus)),
                _ => None,
            };
            ("RSA".into(), size)
        }
        OID_EC => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let size = match curve.as_deref() {
                Some("1.2.840.10045.3.1.1") => Some(192),
                Some("1.3.132.0.33") => Some(224),
                Some("1.2.840.10045.3.1.7") => Some(256),
                Some("1.3.132.0.34") => Some(384),
                Some("1.3.132.0.35") => Some(521),
                Some("1.3.132.0.10") => Some(256),
                _ => match spki.parsed() {
                    Ok(k) => u32::try_from(k.key_size()).ok().filter(|s| *s > 0),
                    Err(_) => None,
                },
            };
            ("EC".into(), size)
        }
        OID_DSA => {
            // Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER }
            let size = spki.algorithm.parameters.as_ref().and_then(|p| {
                let (first, _) = ber::parse(p.data).ok()?;
                (first.tag == 0x02).then(|| bit_len(first.content))
            });
            ("DSA".into(), size)
        }
        _ => (oid, None),
    }
}

/// The raw issuer Name encoding and serial INTEGER contents of a certificate, read with the BER
/// walker (so BER certificates work too). Used to find a PKCS#7 signer's certificate.
pub(crate) fn issuer_and_serial(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let (outer, _) = ber::parse(cert).ok()?;
    let tbs = outer.children().next()?.ok()?;
    let mut fields = tbs.children();
    let mut first = fields.next()?.ok()?;
    if first.tag == 0xa0 {
        // [0] EXPLICIT version
        first = fields.next()?.ok()?;
    }
    let _signature_alg = fields.next()?.ok()?;
    let issuer = fields.next()?.ok()?;
    (first.tag == 0x02).then_some((issuer.raw, first.content))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
    }

    #[test]
    fn garbage_is_error_and_lenient_keeps_hashes() {
        assert!(describe(b"not a certificate").is_err());
        let (c, e) = describe_lenient(b"x");
        assert!(e.is_some());
        assert_eq!(
            c.sha256,
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
    }
}

#[cfg(test)]
mod debug_subject_tests {
    use super::is_debug_subject;

    #[test]
    fn debug_subject_in_either_order() {
        assert!(is_debug_subject("CN=Android Debug, O=Android, C=US"));
        assert!(is_debug_subject("C=US, O=Android, CN=Android Debug"));
        assert!(!is_debug_subject("CN=Android Debug, O=Android"));
        assert!(!is_debug_subject("CN=Android Debug, O=Android, C=US, OU=x"));
        assert!(!is_debug_subject("CN=Android Debugger, O=Android, C=US"));
    }
}
