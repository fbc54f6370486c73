//! APK signature readers. Signatures are located and certificates described; they are NOT verified.
//!
//! CONTRACT (stub; the implementation replaces the bodies, keeps the signatures; it may add items).
#![forbid(unsafe_code)]

use serde::Serialize;

/// Why signature data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SigError {
    /// Structural failure, with a human-readable explanation.
    #[error("{0}")]
    Malformed(String),
}

/// Facts about one X.509 certificate, computed over its original encoded bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Certificate {
    /// Subject DN, RFC 4514 style as x509-parser prints it.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// SHA-256 of the DER bytes, lowercase hex.
    pub sha256: String,
    /// SHA-1 of the DER bytes, lowercase hex.
    pub sha1: String,
    /// MD5 of the DER bytes, lowercase hex.
    pub md5: String,
    /// "RSA", "EC", "DSA", or the OID.
    pub key_algorithm: String,
    /// Key size in bits, when known.
    pub key_size: Option<u32>,
    /// True for the Android debug certificate (subject "CN=Android Debug, O=Android, C=US").
    pub is_android_debug: bool,
}

/// One signer as a scheme sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    /// "v1", "v2", "v3", "v3.1".
    pub scheme: &'static str,
    /// The signer's certificate chain; the first is the signing certificate.
    pub certificates: Vec<Certificate>,
    /// For v3/v3.1: min and max SDK the signer applies to.
    pub sdk_range: Option<(u32, u32)>,
    /// For v1: name of the signature block file (META-INF/CERT.RSA).
    pub source: Option<String>,
}

/// One ID-value pair of the APK Signing Block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockEntry {
    /// The pair id (0x7109871a = v2, 0xf05368c0 = v3, 0x1b93ad61 = v3.1, ...).
    pub id: u32,
    /// Known name of the id, if any.
    pub name: Option<&'static str>,
    /// Length of the value.
    pub len: u64,
}

/// Everything found in the APK Signing Block.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SigningBlock {
    /// All ID-value pairs in order.
    pub entries: Vec<BlockEntry>,
    /// v2/v3/v3.1 signers decoded from the block.
    pub signers: Vec<Signer>,
    /// Oddities (size mismatch, unknown ids, undecodable signer).
    pub anomalies: Vec<String>,
}

/// Reads the APK Signing Block that ends at `cd_offset` (start of the ZIP central directory).
/// Ok(None) when there is no block.
pub fn read_signing_block(apk: &[u8], cd_offset: u64) -> Result<Option<SigningBlock>, SigError> {
    let _ = (apk, cd_offset);
    Err(SigError::Malformed("not implemented".into()))
}

/// Extracts the certificates of a v1 signature block file (PKCS#7 SignedData, DER or BER).
pub fn read_v1_signature(name: &str, pkcs7: &[u8]) -> Result<Signer, SigError> {
    let _ = (name, pkcs7);
    Err(SigError::Malformed("not implemented".into()))
}

/// Describes one DER certificate.
pub fn describe_certificate(der: &[u8]) -> Result<Certificate, SigError> {
    let _ = der;
    Err(SigError::Malformed("not implemented".into()))
}
