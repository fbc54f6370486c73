//! APK signature readers for unmask. Signatures are located and certificates described; they
//! are **NOT verified**: no digest is recomputed and no signature is checked. Everything reported
//! here (who signed, with which certificate, for which SDK range) is what the file *claims*.
//!
//! - [`read_signing_block`] walks the APK Signing Block (v2 `0x7109871a`, v3 `0xf05368c0`,
//!   v3.1 `0x1b93ad61`, plus named non-signature pairs such as verity padding, source stamps,
//!   dependency info, Play frosting and channel blocks) that sits immediately before the ZIP
//!   central directory, and decodes every signer of each scheme.
//! - [`read_v1_signature`] extracts the certificates of a JAR signature block file
//!   (`META-INF/*.RSA|DSA|EC`, PKCS#7 SignedData), DER or BER.
//! - [`describe_certificate`] turns one certificate into [`Certificate`] facts.
//!
//! # Why the walkers are hand-written
//! APKs are hostile input. The signing block is a simple length-prefixed format, and a
//! ~200-line walker that bounds-checks every length (and turns a malformed signer into an
//! anomaly while the other signers still decode) is easier to audit than a generic parser.
//! For PKCS#7, typed DER crates (`cms`, `der`) reject BER with indefinite lengths, which Android
//! accepts and which real signing tools emit, and BER-capable crates re-encode certificates so
//! fingerprints would no longer be over the original bytes. So a small BER TLV walker (depth
//! limit 32, no allocation sized by a declared length) locates the certificates, their
//! **original** bytes are hashed (as apksig's `GuaranteedEncodedFormX509Certificate` does), and
//! `x509-parser` reads the fields, retried on a DER re-encoding when a certificate is itself BER.
//!
//! # Anomalies
//! [`SigningBlock::anomalies`] and [`Signer::anomalies`] are human-readable strings. Block level:
//! `size mismatch: ...` (header and footer sizes differ; Android rejects the APK, pairs are read
//! using the footer size), `truncated pair #N ...`, `bogus pair #N ...`, `unknown block id
//! 0x........`, `duplicate vN block ...`, `vN: signer sequence: length ... exceeds ...`,
//! `vN signer #N undecodable: ...`, `vN: no signers`; signer-level messages are copied to the block
//! prefixed with `vN signer #N: ` (no certificates, unparsable certificate, SDK range outside the
//! signed data differs, malformed proof-of-rotation ...). Fatal problems (central directory
//! offset past the end, footer size too small or reaching before the file start, PKCS#7 that is
//! not SignedData) are [`SigError::Malformed`].
//!
//! # Bounds
//! Every length is checked against the bytes present before use; nothing is allocated from a
//! declared length. Output is capped so that hostile input cannot amplify a few bytes per item
//! into large output: at most [`MAX_SIGNERS`] signers per scheme, [`MAX_CERTS`] certificates per
//! list and [`MAX_ANOMALIES`] anomalies per list (then "further anomalies suppressed"), each cap
//! reported as an anomaly; the BER walker stops at depth 32. v1: only the first 8 SignerInfos are
//! consulted to pick the signing certificate.
//!
//! # Fuzzing
//! `crates/unmask-sig/fuzz` has two cargo-fuzz targets: `sigblock` (bytes, with the central
//! directory offset at the end of the data or taken from the first bytes) and `pkcs7`. Smoke run:
//! `cd crates/unmask-sig/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run sigblock -- -max_total_time=60`.
//! Smoke runs (2026-11-25, stable toolchain with `RUSTC_BOOTSTRAP=1`, seeded with 40 signing
//! blocks and 40 `META-INF/*.RSA` files from the corpus, on a shared 2-core machine, `-timeout=5`
//! for the 180 s runs): `sigblock` 60 s (~272,000 runs) then 180 s (~1.4 million runs): no
//! crash, no timeout, no leak; `pkcs7` 60 s (~55,000 runs) then 180 s (~693,000 runs): no finding.
//! `fuzz/corpus` and `fuzz/artifacts` are gitignored.
//!
//! # Testing
//! `tests/apksigner.rs` compares signer certificate fingerprints with `apksigner verify
//! --print-certs -v` over the shared corpus (and with `openssl pkcs7 -print_certs` for the v1
//! files of APKs apksigner rejects); `tests/blocks.rs` has hand-built blocks and PKCS#7
//! structures. `cargo run -p unmask-sig --example sigdump -- APK...` prints what is read.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ber;
mod block;
mod cert;
mod v1;

/// Most anomalies kept per list; one more says that the rest were dropped.
pub const MAX_ANOMALIES: usize = 64;
/// Most signers decoded per scheme block.
pub const MAX_SIGNERS: usize = 64;
/// Most certificates kept per list (signer chain, lineage, PKCS#7 certificates).
pub const MAX_CERTS: usize = 256;

/// Records an anomaly, keeping at most [`MAX_ANOMALIES`] (hostile input could otherwise turn a
/// few bytes per malformed item into a long message each).
pub(crate) fn note(list: &mut Vec<String>, msg: String) {
    match list.len() {
        n if n < MAX_ANOMALIES => list.push(msg),
        n if n == MAX_ANOMALIES => list.push("further anomalies suppressed".into()),
        _ => {}
    }
}

pub use block::{block_id_name, ATTR_PROOF_OF_ROTATION, ID_V2, ID_V3, ID_V31, ID_VERITY_PADDING};

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
    /// For v3/v3.1: certificates of the proof-of-rotation lineage (attribute 0x3ba06f8c), oldest
    /// first, when present. Empty otherwise.
    pub lineage: Vec<Certificate>,
    /// Oddities in this signer (unparsable certificate, trailing bytes, no SignerInfo match ...).
    pub anomalies: Vec<String>,
}

/// One ID-value pair of the APK Signing Block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockEntry {
    /// The pair id (0x7109871a = v2, 0xf05368c0 = v3, 0x1b93ad61 = v3.1, ...).
    pub id: u32,
    /// Known name of the id, if any.
    pub name: Option<&'static str>,
    /// Length of the value (the pair length minus the 4-byte id).
    pub len: u64,
    /// File offset of the value.
    pub offset: u64,
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
/// Ok(None) when there is no block (no "APK Sig Block 42" footer right before the central
/// directory). Errors when the offset is past the end of `apk` or the footer size is impossible;
/// lesser problems (size mismatch, truncated pairs, malformed signers) become anomalies.
pub fn read_signing_block(apk: &[u8], cd_offset: u64) -> Result<Option<SigningBlock>, SigError> {
    block::read(apk, cd_offset)
}

/// Extracts the certificates of a v1 signature block file (PKCS#7 SignedData, DER or BER).
/// The certificate matching the first SignerInfo's issuer and serial comes first; each
/// certificate is fingerprinted over its original encoded bytes.
pub fn read_v1_signature(name: &str, pkcs7: &[u8]) -> Result<Signer, SigError> {
    v1::read(name, pkcs7)
}

/// Describes one certificate (DER, or BER re-encoded to DER for field parsing); fingerprints are
/// over `der` exactly as given.
pub fn describe_certificate(der: &[u8]) -> Result<Certificate, SigError> {
    cert::describe(der)
}
