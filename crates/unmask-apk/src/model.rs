//! The report data model: what `unmask scan` knows about one input. Serialised as the JSON schema
//! in `schema/scan-report.schema.json` (field meanings in `docs/json-report.md`).

use serde::Serialize;
use std::collections::BTreeMap;
use unmask_sig::{BlockEntry, Signer};
use unmask_zip::Anomaly;

/// Version of the JSON report schema. Bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1.2.0";

/// The report for one input file given on the command line.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Schema version of this document.
    pub schema_version: &'static str,
    /// The unmask version that produced it.
    pub tool_version: &'static str,
    /// The input file.
    pub input: InputFacts,
    /// One entry per APK analysed: one for an APK, several for a split bundle, none for a bare DEX.
    pub apks: Vec<ApkReport>,
    /// For a bare DEX input: its code facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeFacts>,
    /// For a split bundle: the bundle's own metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleFacts>,
}

/// What kind of file an input is, by content (not by extension).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A single APK (a ZIP archive).
    Apk,
    /// A bundle of split APKs (`.apks`, `.xapk`, `.apkm`): a ZIP holding APKs.
    SplitBundle,
    /// A bare DEX file.
    Dex,
}

/// Size and hashes of a file.
#[derive(Debug, Clone, Serialize)]
pub struct InputFacts {
    /// Path as given.
    pub path: String,
    /// Detected kind.
    pub kind: InputKind,
    /// Size in bytes.
    pub size: u64,
    /// Hashes of the file.
    #[serde(flatten)]
    pub hashes: Hashes,
}

/// MD5, SHA-1 and SHA-256 of some bytes, lowercase hex; null when hashing was turned off.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Hashes {
    /// MD5.
    pub md5: Option<String>,
    /// SHA-1.
    pub sha1: Option<String>,
    /// SHA-256.
    pub sha256: Option<String>,
}

/// Metadata of a split bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundleFacts {
    /// `apks`, `xapk` or `apkm` when recognisable, else `zip-of-apks`.
    pub format: String,
    /// Names of the APK entries inside, in archive order.
    pub apk_entries: Vec<String>,
    /// Container anomalies of the bundle itself.
    pub container_anomalies: Vec<Anomaly>,
}

/// Everything read from one APK.
#[derive(Debug, Clone, Serialize)]
pub struct ApkReport {
    /// The APK's name: the input path, or the entry name inside a bundle.
    pub name: String,
    /// Size of this APK (for a bundle member, of the member's bytes).
    pub size: u64,
    /// Hashes of this APK's bytes.
    #[serde(flatten)]
    pub hashes: Hashes,
    /// ZIP container facts.
    pub container: ContainerFacts,
    /// The manifest, when it could be decoded.
    pub manifest: Option<crate::manifest::Manifest>,
    /// Signature facts.
    pub signatures: SignatureFacts,
    /// Contents of the archive.
    pub contents: Contents,
    /// The code: every dex file parsed and decoded.
    pub code: CodeFacts,
    /// Parts of the APK that could not be read, each naming the part and what is wrong.
    pub errors: Vec<String>,
}

/// ZIP container facts.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerFacts {
    /// Number of central-directory entries.
    pub entries: usize,
    /// Divergences from a well-formed archive (evidence of evasion).
    pub anomalies: Vec<Anomaly>,
    /// True when Android's installer would refuse this archive (see the anomalies with `android_rejects`).
    pub android_would_reject: bool,
}

/// One file inside the archive.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRef {
    /// Entry name (never used as a path).
    pub name: String,
    /// Uncompressed size from the central directory.
    pub size: u64,
}

/// An entry whose content is code or an archive, found by magic bytes where a normal listing would not show it.
#[derive(Debug, Clone, Serialize)]
pub struct HiddenEntry {
    /// Entry name.
    pub name: String,
    /// `apk`, `zip`, `dex` or `elf`, from the magic bytes.
    pub kind: &'static str,
    /// Uncompressed size.
    pub size: u64,
    /// Why it is reported: its content does not match where it sits.
    pub reason: String,
}

/// What the archive holds.
#[derive(Debug, Clone, Serialize)]
pub struct Contents {
    /// `classes*.dex` at the root, in the order the runtime loads them.
    pub dex: Vec<EntryRef>,
    /// Native libraries by ABI (`lib/<abi>/*.so`).
    pub native_libs: BTreeMap<String, Vec<EntryRef>>,
    /// Entries under `assets/`.
    pub assets: Vec<EntryRef>,
    /// Code or archives hidden under other names (nested APK/DEX/ZIP/ELF by magic bytes).
    pub hidden: Vec<HiddenEntry>,
    /// Entries whose names are unsafe as paths (`..`, absolute, NUL, backslash).
    pub unsafe_names: Vec<String>,
}

/// Signature facts. Signatures are located and described, NOT verified.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureFacts {
    /// Always false in this version: signatures are not cryptographically verified.
    pub verified: bool,
    /// Schemes present (`v1`, `v2`, `v3`, `v3.1`).
    pub schemes: Vec<&'static str>,
    /// Signers by scheme.
    pub signers: Vec<Signer>,
    /// The ID-value pairs of the APK Signing Block.
    pub signing_block: Vec<BlockEntry>,
    /// True when any signer uses the Android debug certificate.
    pub debug_certificate: bool,
    /// Oddities in the signature data.
    pub anomalies: Vec<String>,
}

/// The app's code, as decoded.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CodeFacts {
    /// False when decoding was turned off (`--no-code`): only headers were read.
    pub decoded: bool,
    /// Every dex file: the `classes*.dex` the runtime loads, then dex files hidden under other
    /// names (decoded separately, since the app has to load them itself).
    pub dex: Vec<DexSummary>,
    /// The cross-reference index over the loaded dex files.
    pub index: Option<IndexStats>,
}

/// One dex file.
#[derive(Debug, Clone, Serialize)]
pub struct DexSummary {
    /// Entry name.
    pub name: String,
    /// Found by magic bytes under a name that does not say dex (loaded by the app itself).
    pub hidden: bool,
    /// Size in bytes.
    pub size: u64,
    /// DEX format version (35..41).
    pub version: Option<u32>,
    /// Whether the header's Adler-32 checksum matches (reported, never enforced).
    pub adler32_ok: Option<bool>,
    /// Whether the header's SHA-1 signature matches (reported, never enforced).
    pub sha1_ok: Option<bool>,
    /// Number of string ids.
    pub strings: u32,
    /// Number of type ids.
    pub types: u32,
    /// Number of field ids.
    pub fields: u32,
    /// Number of method ids.
    pub methods: u32,
    /// Number of class definitions.
    pub classes: u32,
    /// Errors met while decoding methods (truncated or unknown instructions, bad offsets).
    pub decode_errors: u64,
    /// The first decode errors, each with its location.
    pub first_errors: Vec<String>,
    /// Format quirks.
    pub anomalies: Vec<String>,
    /// Why the file could not be parsed at all.
    pub error: Option<String>,
}

/// Size of the cross-reference index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// Instructions decoded.
    pub instructions: u64,
    /// Distinct methods invoked.
    pub methods_referenced: u64,
    /// Invoke sites.
    pub method_call_sites: u64,
    /// Distinct fields accessed.
    pub fields_referenced: u64,
    /// Distinct strings loaded by code.
    pub strings_referenced: u64,
    /// Distinct types referenced.
    pub types_referenced: u64,
    /// Classes in the hierarchy (defined and external).
    pub classes_in_hierarchy: u64,
}
