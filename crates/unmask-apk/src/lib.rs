//! The app model of unmask: opens an input (APK, split bundle, bare DEX) and builds what it
//! declares — manifest, resources, signatures and file facts — from the format crates
//! (`unmask-zip`, `unmask-res`, `unmask-sig`).
//!
//! Invariants:
//! - Nothing here panics on input; every failure is either a fatal [`AnalyzeError`] naming the
//!   file (the input cannot be read at all) or a line in [`model::ApkReport::errors`] naming the
//!   part of the APK that could not be read, with everything else still reported.
//! - Entry names are data, never paths: nothing is written to disk.
//! - The output is deterministic for the same input.
#![forbid(unsafe_code)]

pub mod code;
pub mod facts;
pub mod manifest;
pub mod model;
pub mod permissions;

use manifest::Resolver;
use model::*;
use std::path::Path;
use unmask_res::{ResourceTable, Value};
use unmask_zip::{Archive, Limits};

/// Options for an analysis.
#[derive(Debug, Clone)]
pub struct Options {
    /// Caps for the ZIP reader (zip bombs, huge archives).
    pub limits: Limits,
    /// Compute MD5/SHA-1/SHA-256 of inputs and bundle members (on by default).
    pub hashes: bool,
    /// Decode every method of every dex file and build the cross-reference index (on by
    /// default); when off, only dex headers are read.
    pub code: bool,
    /// Memory-map input files of 1 MiB or more (on by default); off reads them into memory,
    /// for inputs that may change while they are scanned (see `unmask-io`).
    pub mmap: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            hashes: true,
            code: true,
            mmap: true,
        }
    }
}

/// An input that could not be analysed at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AnalyzeError {
    /// The input path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Largest input file read (bytes).
pub const MAX_INPUT_SIZE: u64 = 4 << 30;

/// Reads and analyses one file.
pub fn analyze_file(path: &Path, opts: &Options) -> Result<Report, AnalyzeError> {
    let shown = path.display().to_string();
    let err = |message: String| AnalyzeError {
        path: shown.clone(),
        message,
    };
    let data = if opts.mmap {
        unmask_io::Input::open(path, MAX_INPUT_SIZE)
    } else {
        unmask_io::Input::read(path, MAX_INPUT_SIZE)
    }
    .map_err(|e| err(format!("cannot read: {e}")))?;
    analyze_bytes(&shown, &data, opts)
}

/// Analyses one input held in memory; `path` is only used for display.
pub fn analyze_bytes(path: &str, data: &[u8], opts: &Options) -> Result<Report, AnalyzeError> {
    let err = |message: String| AnalyzeError {
        path: path.to_string(),
        message,
    };
    if data.starts_with(b"dex\n") {
        let hashes = facts::hashes(data, opts.hashes);
        let code = code::analyze(
            &[code::DexInput {
                name: path.to_string(),
                hidden: false,
                data: std::borrow::Cow::Borrowed(data),
            }],
            opts.code,
        );
        if let Some(e) = code.dex.first().and_then(|d| d.error.as_ref()) {
            return Err(err(format!("not a readable DEX file: {e}")));
        }
        return Ok(Report {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            input: InputFacts {
                path: path.to_string(),
                kind: InputKind::Dex,
                size: data.len() as u64,
                hashes,
            },
            apks: Vec::new(),
            code: Some(code),
            bundle: None,
        });
    }
    std::thread::scope(|s| {
        // Hash on another thread while the structure is parsed (no thread when not hashing).
        let hashing = opts.hashes.then(|| s.spawn(|| facts::hashes(data, true)));
        let result = analyze_zip(path, data, opts);
        let hashes = match hashing {
            Some(h) => h.join().unwrap_or_else(|_| facts::hashes(data, true)),
            None => Hashes::default(),
        };
        let (kind, mut apks, bundle) = result?;
        if let (InputKind::Apk, Some(apk)) = (kind, apks.first_mut()) {
            apk.hashes.clone_from(&hashes);
        }
        Ok(Report {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION"),
            input: InputFacts {
                path: path.to_string(),
                kind,
                size: data.len() as u64,
                hashes,
            },
            apks,
            code: None,
            bundle,
        })
    })
}

/// The dex files of an input, owned, in load order: for an APK its `classes*.dex`, then the dex
/// files hidden under other names, then those of APK/JAR/ZIP files inside it (named
/// `assets/plugin.apk!classes.dex`, up to 3 levels deep); for a bundle the same for each APK
/// inside (named `member.apk!classes.dex`); for a bare dex the file itself. `bool` is true for
/// hidden ones (everything but the top level's `classes*.dex`).
pub fn dex_files(
    path: &Path,
    opts: &Options,
) -> Result<Vec<(String, bool, Vec<u8>)>, AnalyzeError> {
    let mut out = Vec::new();
    let mut budget = NestedBudget {
        archives: MAX_NESTED_ARCHIVES,
        bytes: MAX_NESTED_BYTES,
    };
    walk_apks(path, opts, |unit| match unit {
        Unit::Apk(prefix, archive) => nested_dex(&mut out, prefix, archive, opts, 0, &mut budget),
        Unit::Dex(name, data) => out.push((name.to_string(), false, data.to_vec())),
    })?;
    Ok(out)
}

/// How deep archives inside archives are opened for their dex files.
const MAX_NESTING: u32 = 3;
/// Most archives inside archives opened per input (a ZIP holding thousands of ZIPs, or one
/// that holds itself, must not multiply the work).
const MAX_NESTED_ARCHIVES: u32 = 64;
/// Most bytes of nested archives inflated per input.
const MAX_NESTED_BYTES: usize = 512 << 20;

/// What is left of the per-input allowance for nested archives.
struct NestedBudget {
    archives: u32,
    bytes: usize,
}

/// The dex files of one archive (its `classes*.dex`, then dex files hidden under other
/// names), then those of the archives inside it (APK, JAR or ZIP by magic bytes or name, as
/// an app's own loader would open them), named `prefix` + `entry!classes.dex`; all but the
/// top level's `classes*.dex` count as hidden.
fn nested_dex(
    out: &mut Vec<(String, bool, Vec<u8>)>,
    prefix: &str,
    archive: &Archive<'_>,
    opts: &Options,
    depth: u32,
    budget: &mut NestedBudget,
) {
    let mut errors = Vec::new();
    let contents = facts::contents(archive, &mut errors);
    for (name, hidden) in facts::dex_entry_names(&contents) {
        if let Some(bytes) = archive.find(name).and_then(|e| archive.read(e).ok()) {
            out.push((
                format!("{prefix}{name}"),
                hidden || depth > 0,
                bytes.into_owned(),
            ));
        }
    }
    if depth >= MAX_NESTING {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let by_magic = contents
        .hidden
        .iter()
        .filter(|h| h.kind == "apk" || h.kind == "zip")
        .map(|h| h.name.as_str());
    let by_name = archive
        .entries()
        .iter()
        .filter(|e| !e.unsafe_name && [".apk", ".jar", ".zip"].iter().any(|x| e.name.ends_with(x)))
        .map(|e| &*e.name);
    for name in by_magic.chain(by_name) {
        if !seen.insert(name) {
            continue;
        }
        let Some(e) = archive.find(name) else {
            continue;
        };
        if budget.archives == 0 || e.uncompressed_size > budget.bytes as u64 {
            return;
        }
        budget.archives -= 1;
        let cap = facts::MAX_NESTED_SIZE.min(budget.bytes);
        let Ok(bytes) = facts::read_capped(archive, e, cap) else {
            continue;
        };
        budget.bytes = budget.bytes.saturating_sub(bytes.len());
        if let Ok(inner) = Archive::parse(&bytes, opts.limits) {
            nested_dex(
                out,
                &format!("{prefix}{name}!"),
                &inner,
                opts,
                depth + 1,
                budget,
            );
        }
    }
}

/// Calls `visit` with the name and inflated bytes of every entry of the input whose name
/// `want` accepts (for a bundle, of every APK inside, named `member.apk!entry`), in central
/// directory order. Entries with unsafe names (see `unmask-zip`) are offered too: names are
/// data, never paths. Each entry is read within `cap` bytes; entries over the cap or that
/// cannot be inflated are skipped with a line in the returned list. A bare dex input has no
/// entries.
pub fn visit_entries(
    path: &Path,
    opts: &Options,
    cap: usize,
    want: impl Fn(&str) -> bool,
    mut visit: impl FnMut(&str, &[u8]),
) -> Result<Vec<String>, AnalyzeError> {
    let mut skipped = Vec::new();
    walk_apks(path, opts, |unit| {
        if let Unit::Apk(prefix, archive) = unit {
            let mut seen = std::collections::HashSet::new();
            for e in archive.entries() {
                if !want(&e.name) || !seen.insert(&*e.name) {
                    continue;
                }
                match facts::read_capped(archive, e, cap) {
                    Ok(bytes) => visit(&format!("{prefix}{}", e.name), &bytes),
                    Err(err) => skipped.push(format!("{prefix}{}: not read: {err}", e.name)),
                }
            }
        }
    })?;
    Ok(skipped)
}

/// One unit of an input for [`walk_apks`].
enum Unit<'p, 'a, 'd> {
    /// An APK: the prefix of its entry names (`""`, or `member.apk!` inside a bundle).
    Apk(&'p str, &'a Archive<'d>),
    /// A bare dex input: its path and bytes.
    Dex(&'p str, &'a [u8]),
}

/// Opens an input and calls `f` with the APK it is, every APK inside a bundle, or the bare dex.
fn walk_apks(
    path: &Path,
    opts: &Options,
    mut f: impl FnMut(Unit<'_, '_, '_>),
) -> Result<(), AnalyzeError> {
    let shown = path.display().to_string();
    let err = |message: String| AnalyzeError {
        path: shown.clone(),
        message,
    };
    let data = if opts.mmap {
        unmask_io::Input::open(path, MAX_INPUT_SIZE)
    } else {
        unmask_io::Input::read(path, MAX_INPUT_SIZE)
    }
    .map_err(|e| err(format!("cannot read: {e}")))?;
    if data.starts_with(b"dex\n") {
        f(Unit::Dex(&shown, &data));
        return Ok(());
    }
    let archive = Archive::parse(&data, opts.limits)
        .map_err(|e| err(format!("neither an APK (ZIP) nor a DEX file: {e}")))?;
    let inner: Vec<_> = archive
        .entries()
        .iter()
        .filter(|e| e.name.ends_with(".apk") && !e.unsafe_name)
        .collect();
    if archive.find("AndroidManifest.xml").is_some() || inner.is_empty() {
        f(Unit::Apk("", &archive));
        return Ok(());
    }
    let mut seen = std::collections::HashSet::new();
    for e in inner {
        if !seen.insert(&*e.name) {
            continue;
        }
        if let Ok(bytes) = archive.read(e) {
            if let Ok(nested) = Archive::parse(&bytes, opts.limits) {
                f(Unit::Apk(&format!("{}!", e.name), &nested));
            }
        }
    }
    Ok(())
}

type ZipResult = (InputKind, Vec<ApkReport>, Option<BundleFacts>);

fn analyze_zip(path: &str, data: &[u8], opts: &Options) -> Result<ZipResult, AnalyzeError> {
    let archive = Archive::parse(data, opts.limits).map_err(|e| AnalyzeError {
        path: path.to_string(),
        message: if data.starts_with(b"PK") {
            format!("not a readable ZIP/APK: {e}")
        } else {
            format!("neither an APK (ZIP) nor a DEX file: {e}")
        },
    })?;
    let has_manifest = archive.find("AndroidManifest.xml").is_some();
    let inner_apks: Vec<_> = archive
        .entries()
        .iter()
        .filter(|e| e.name.ends_with(".apk") && !e.unsafe_name)
        .collect();
    if has_manifest || inner_apks.is_empty() {
        let apk = analyze_apk(path, data, &archive, opts);
        return Ok((InputKind::Apk, vec![apk], None));
    }
    let format = if archive.find("manifest.json").is_some() {
        "xapk"
    } else if archive.find("toc.pb").is_some() {
        "apks"
    } else if archive.find("info.json").is_some() {
        "apkm"
    } else {
        "zip-of-apks"
    };
    let mut apks = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in &inner_apks {
        if !seen.insert(&*e.name) {
            continue;
        }
        match archive.read(e) {
            Ok(bytes) => match Archive::parse(&bytes, opts.limits) {
                Ok(inner) => {
                    let mut apk = analyze_apk(&e.name, &bytes, &inner, opts);
                    apk.hashes = facts::hashes(&bytes, opts.hashes);
                    apks.push(apk);
                }
                Err(err) => apks.push(failed_apk(
                    &e.name,
                    &bytes,
                    format!("not a readable APK: {err}"),
                    opts.hashes,
                )),
            },
            Err(err) => apks.push(failed_apk(
                &e.name,
                &[],
                format!("cannot extract: {err}"),
                opts.hashes,
            )),
        }
    }
    Ok((
        InputKind::SplitBundle,
        apks,
        Some(BundleFacts {
            format: format.to_string(),
            apk_entries: inner_apks.iter().map(|e| e.name.to_string()).collect(),
            container_anomalies: archive.anomalies().to_vec(),
        }),
    ))
}

fn failed_apk(name: &str, bytes: &[u8], error: String, hash: bool) -> ApkReport {
    ApkReport {
        name: name.to_string(),
        size: bytes.len() as u64,
        hashes: facts::hashes(bytes, hash),
        container: ContainerFacts {
            entries: 0,
            anomalies: Vec::new(),
            android_would_reject: true,
        },
        manifest: None,
        signatures: empty_signatures(),
        contents: Contents {
            dex: Vec::new(),
            native_libs: Default::default(),
            assets: Vec::new(),
            hidden: Vec::new(),
            unsafe_names: Vec::new(),
        },
        code: CodeFacts::default(),
        errors: vec![error],
    }
}

fn empty_signatures() -> SignatureFacts {
    SignatureFacts {
        verified: false,
        schemes: Vec::new(),
        signers: Vec::new(),
        signing_block: Vec::new(),
        debug_certificate: false,
        anomalies: Vec::new(),
    }
}

/// Analyses one APK whose archive is already parsed. Hashes are left empty for the caller.
fn analyze_apk(name: &str, data: &[u8], archive: &Archive<'_>, opts: &Options) -> ApkReport {
    let limits = &opts.limits;
    let mut errors = Vec::new();
    let mut anomalies = archive.anomalies().to_vec();
    anomalies.extend(facts::bomb_candidates(archive, limits));
    let android_would_reject = anomalies.iter().any(|a| a.android_rejects);

    // The entries are sniffed while the manifest, resources and signatures are read.
    let mut sniff_errors = Vec::new();
    let (contents, (manifest, signatures)) = rayon::join(
        || facts::contents(archive, &mut sniff_errors),
        || {
            // Resources first: the manifest's references resolve through them.
            let arsc_bytes = match archive.find("resources.arsc") {
                Some(e) => match archive.read(e) {
                    Ok(b) => Some(b),
                    Err(err) => {
                        errors.push(format!("resources.arsc: cannot extract: {err}"));
                        None
                    }
                },
                None => None,
            };
            let table = match arsc_bytes.as_deref().map(ResourceTable::parse) {
                Some(Ok(t)) => Some(t),
                Some(Err(err)) => {
                    errors.push(format!("resources.arsc: {err}"));
                    None
                }
                None => None,
            };
            let resolver = Resolver {
                table: table.as_ref(),
            };
            let manifest = match archive.find("AndroidManifest.xml") {
                None => {
                    errors.push("AndroidManifest.xml: missing from the archive".to_string());
                    None
                }
                Some(e) => match facts::read_capped(archive, e, facts::MAX_XML_SIZE) {
                    Err(err) => {
                        errors.push(format!("AndroidManifest.xml: cannot extract: {err}"));
                        None
                    }
                    Ok(bytes) => match unmask_res::parse_xml(&bytes) {
                        Err(err) => {
                            errors.push(format!("AndroidManifest.xml: {err}"));
                            None
                        }
                        Ok(doc) => match manifest::build(&doc, &resolver) {
                            Ok(m) => Some(m),
                            Err(err) => {
                                errors.push(format!("AndroidManifest.xml: {err}"));
                                None
                            }
                        },
                    },
                },
            };
            let manifest = manifest.map(|mut m| {
                attach_nsc(&mut m, archive, &resolver, &mut errors);
                m
            });
            let signatures = read_signatures(data, archive, &mut errors);
            (manifest, signatures)
        },
    );
    errors.extend(sniff_errors);
    let code = read_code(archive, &contents, opts.code, &mut errors);
    ApkReport {
        name: name.to_string(),
        size: data.len() as u64,
        hashes: Hashes::default(),
        container: ContainerFacts {
            entries: archive.entries().len(),
            anomalies,
            android_would_reject,
        },
        manifest,
        signatures,
        contents,
        code,
        errors,
    }
}

/// Reads every dex the runtime loads, then the dex files hidden under other names, and decodes them.
fn read_code(
    archive: &Archive<'_>,
    contents: &Contents,
    decode: bool,
    errors: &mut Vec<String>,
) -> CodeFacts {
    let names = facts::dex_entry_names(contents);
    let mut inputs = Vec::new();
    let mut headers = Vec::new();
    for (name, hidden) in names {
        let Some(e) = archive.find(name) else {
            continue;
        };
        if !decode {
            // Headers only: the first 0x70 bytes say the version and the table sizes.
            match archive.read_prefix(e, code::DEX_HEADER_SIZE) {
                Ok(prefix) => headers.push(code::header_summary(
                    name,
                    hidden,
                    e.uncompressed_size,
                    &prefix,
                )),
                Err(err) => errors.push(format!("{name}: cannot extract: {err}")),
            }
            continue;
        }
        match archive.read(e) {
            Ok(data) => inputs.push(code::DexInput {
                name: name.to_string(),
                hidden,
                data,
            }),
            Err(err) => errors.push(format!("{name}: cannot extract: {err}")),
        }
    }
    if !decode {
        return CodeFacts {
            decoded: false,
            dex: headers,
            index: None,
        };
    }
    code::analyze(&inputs, decode)
}

fn attach_nsc(
    m: &mut manifest::Manifest,
    archive: &Archive<'_>,
    resolver: &Resolver<'_, '_>,
    errors: &mut Vec<String>,
) {
    let Some(reference) = m.application.network_security_config_ref.as_deref() else {
        return;
    };
    let file = match reference
        .strip_prefix("@0x")
        .and_then(|h| u32::from_str_radix(h, 16).ok())
    {
        Some(id) => match resolver.resolve(&Value::Reference(id)) {
            Value::String(path) => path.into(),
            _ => {
                errors.push(format!(
                    "network security config {reference}: does not resolve to a file"
                ));
                return;
            }
        },
        None => reference.to_string(),
    };
    let Some(entry) = archive.find(&file) else {
        errors.push(format!(
            "network security config {file}: missing from the archive"
        ));
        return;
    };
    match facts::read_capped(archive, entry, facts::MAX_XML_SIZE)
        .and_then(|b| unmask_res::parse_xml(&b).map_err(|e| e.to_string()))
    {
        Ok(doc) => {
            m.application.network_security_config = Some(manifest::read_nsc(&file, &doc, resolver))
        }
        Err(e) => errors.push(format!("network security config {file}: {e}")),
    }
}

fn is_v1_signature_file(name: &str) -> bool {
    let Some(file) = name.strip_prefix("META-INF/") else {
        return false;
    };
    if file.contains('/') {
        return false;
    }
    let upper = file.to_ascii_uppercase();
    upper.ends_with(".RSA") || upper.ends_with(".DSA") || upper.ends_with(".EC")
}

fn read_signatures(data: &[u8], archive: &Archive<'_>, errors: &mut Vec<String>) -> SignatureFacts {
    let mut s = empty_signatures();
    let mut seen = std::collections::HashSet::new();
    for e in archive
        .entries()
        .iter()
        .filter(|e| is_v1_signature_file(&e.name))
    {
        if !seen.insert(&*e.name) {
            continue;
        }
        match facts::read_capped(archive, e, facts::MAX_SIGNATURE_FILE_SIZE) {
            Ok(bytes) => match unmask_sig::read_v1_signature(&e.name, &bytes) {
                Ok(signer) => s.signers.push(signer),
                Err(err) => s.anomalies.push(format!("v1 signature {}: {err}", e.name)),
            },
            Err(err) => errors.push(format!("{}: cannot extract: {err}", e.name)),
        }
    }
    if s.signers.iter().any(|x| x.scheme == "v1") {
        s.schemes.push("v1");
    }
    match unmask_sig::read_signing_block(data, archive.central_directory_offset()) {
        Ok(Some(block)) => {
            for scheme in ["v2", "v3", "v3.1"] {
                if block.signers.iter().any(|x| x.scheme == scheme) {
                    s.schemes.push(scheme);
                }
            }
            s.signers.extend(block.signers);
            s.signing_block = block.entries;
            s.anomalies.extend(block.anomalies);
        }
        Ok(None) => {}
        Err(err) => s.anomalies.push(format!("APK Signing Block: {err}")),
    }
    s.debug_certificate = s
        .signers
        .iter()
        .flat_map(|x| x.certificates.iter())
        .any(|c| c.is_android_debug);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_signature_file_names() {
        assert!(is_v1_signature_file("META-INF/CERT.RSA"));
        assert!(is_v1_signature_file("META-INF/x.ec"));
        assert!(!is_v1_signature_file("META-INF/sub/CERT.RSA"));
        assert!(!is_v1_signature_file("CERT.RSA"));
        assert!(!is_v1_signature_file("META-INF/MANIFEST.MF"));
    }
}
