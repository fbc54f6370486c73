//! Code facts: every dex file of the APK parsed, every method decoded and the cross-reference
//! indexes built (`unmask-dex`), summarised for the report. Dex files hidden under other names
//! are decoded too and reported as hidden.

use crate::model::{CodeFacts, DexSummary, IndexStats, Report};
use unmask_dex::{DexFile, Index};

/// One dex file's bytes and where it was found.
pub struct DexInput<'a> {
    /// Entry name (or the input path for a bare dex).
    pub name: String,
    /// True when found by magic bytes under a name that does not say dex.
    pub hidden: bool,
    /// The bytes.
    pub data: std::borrow::Cow<'a, [u8]>,
}

fn summary<'a>(name: &str, hidden: bool, data: &'a [u8]) -> (DexSummary, Option<DexFile<'a>>) {
    match DexFile::parse(data) {
        Ok(dex) => (parsed_summary(name, hidden, &dex), Some(dex)),
        Err(e) => {
            let mut s = empty_summary(name, hidden, data.len() as u64);
            s.error = Some(e.to_string());
            (s, None)
        }
    }
}

fn empty_summary(name: &str, hidden: bool, size: u64) -> DexSummary {
    DexSummary {
        name: name.to_string(),
        hidden,
        size,
        version: None,
        adler32_ok: None,
        sha1_ok: None,
        strings: 0,
        types: 0,
        fields: 0,
        methods: 0,
        classes: 0,
        decode_errors: 0,
        first_errors: Vec::new(),
        anomalies: Vec::new(),
        error: None,
    }
}

/// Summary of a parsed dex file (checksums recomputed, anomalies listed; nothing decoded).
pub fn parsed_summary(name: &str, hidden: bool, dex: &DexFile<'_>) -> DexSummary {
    let mut s = empty_summary(name, hidden, dex.data().len() as u64);
    let sums = dex.checksums();
    s.version = Some(dex.version());
    s.adler32_ok = Some(sums.adler32_ok);
    s.sha1_ok = Some(sums.sha1_ok);
    s.strings = dex.string_count();
    s.types = dex.type_count();
    s.fields = dex.field_count();
    s.methods = dex.method_count();
    s.classes = dex.class_count();
    s.anomalies = dex.anomalies().iter().map(|a| format!("{a:?}")).collect();
    if !sums.adler32_ok {
        s.anomalies
            .push("header Adler-32 checksum does not match the data".to_string());
    }
    if !sums.sha1_ok {
        s.anomalies
            .push("header SHA-1 signature does not match the data".to_string());
    }
    s
}

/// Size of the DEX header fields read without decoding (`header_item` up to `data_off`).
pub const DEX_HEADER_SIZE: usize = 0x70;

/// Summary from the header alone (`--no-code`): version and table sizes as stored, nothing
/// checked or decoded.
pub fn header_summary(name: &str, hidden: bool, size: u64, prefix: &[u8]) -> DexSummary {
    let u32_at = |off: usize| {
        prefix
            .get(off..off.saturating_add(4))
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    };
    let version = prefix
        .get(4..7)
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.parse().ok());
    DexSummary {
        name: name.to_string(),
        hidden,
        size,
        version,
        adler32_ok: None,
        sha1_ok: None,
        strings: u32_at(0x38),
        types: u32_at(0x40),
        fields: u32_at(0x50),
        methods: u32_at(0x58),
        classes: u32_at(0x60),
        decode_errors: 0,
        first_errors: Vec::new(),
        anomalies: Vec::new(),
        error: (!prefix.starts_with(b"dex\n") || prefix.len() < DEX_HEADER_SIZE)
            .then(|| "not a complete DEX header".to_string()),
    }
}

/// Maximum decode error messages kept per dex file.
const MAX_ERRORS_KEPT: usize = 20;

/// Parses every dex, decodes every method of the dex files the runtime loads (one shared index
/// across them) and of each hidden dex (its own index), and summarises.
pub fn analyze(inputs: &[DexInput<'_>], decode: bool) -> CodeFacts {
    let mut dex = Vec::new();
    let mut loaded = Vec::new();
    let mut hidden = Vec::new();
    for input in inputs {
        let (s, parsed) = summary(&input.name, input.hidden, &input.data);
        let slot = dex.len();
        dex.push(s);
        if let Some(p) = parsed {
            if input.hidden {
                hidden.push((slot, p));
            } else {
                loaded.push((slot, p));
            }
        }
    }
    let mut index = None;
    if decode {
        let record = |group: &[(usize, DexFile<'_>)], summaries: &mut Vec<DexSummary>| {
            let files: Vec<DexFile<'_>> = group.iter().map(|(_, d)| d.clone()).collect();
            let built = Index::build(&files);
            for (pos, (slot, _)) in group.iter().enumerate() {
                if let Some(s) = summaries.get_mut(*slot) {
                    (s.decode_errors, s.first_errors) = decode_errors(&built, pos);
                }
            }
            built
        };
        if !loaded.is_empty() {
            index = Some(index_stats(&record(&loaded, &mut dex)));
        }
        for (slot, d) in &hidden {
            record(&[(*slot, d.clone())], &mut dex);
        }
    }
    CodeFacts {
        decoded: decode,
        dex,
        index,
    }
}

/// Size statistics of a built index.
pub fn index_stats(built: &Index) -> IndexStats {
    IndexStats {
        instructions: built.instructions,
        methods_referenced: built.methods.len() as u64,
        method_call_sites: built.methods.site_count() as u64,
        fields_referenced: built.fields.len() as u64,
        strings_referenced: built.strings.len() as u64,
        types_referenced: built.types.len() as u64,
        classes_in_hierarchy: built.hierarchy.len() as u64,
    }
}

/// Decode errors of the dex file at `pos` of an index: their count and the first few.
fn decode_errors(built: &Index, pos: usize) -> (u64, Vec<String>) {
    let errs: Vec<&String> = built
        .errors
        .iter()
        .filter(|(d, _)| *d as usize == pos)
        .map(|(_, m)| m)
        .collect();
    let first = errs
        .iter()
        .take(MAX_ERRORS_KEPT)
        .map(|m| m.to_string())
        .collect();
    (errs.len() as u64, first)
}

/// Turns header-only code facts (read with `Options::code` off) into decoded ones, from the
/// dex files and the one index a caller built over every dex file of the input (loaded and
/// hidden together), named as [`crate::dex_files`] names them (in that order). Each summary
/// whose name is found is replaced by the parsed summary with its decode errors; the index
/// statistics go to the first APK that has dex files (for a bare dex, to its code facts).
/// `failed` names the dex files that could not be parsed, with why.
pub fn record_decoding(
    report: &mut Report,
    names: &[String],
    dexes: &[DexFile<'_>],
    index: &Index,
    failed: &[(String, String)],
) {
    let bundle = report.bundle.is_some();
    let mut stats = Some(index_stats(index));
    let mut upgrade = |prefix: &str, facts: &mut CodeFacts| {
        facts.decoded = true;
        for s in facts.dex.iter_mut() {
            let full = format!("{prefix}{}", s.name);
            if let Some((_, why)) = failed.iter().find(|(n, _)| *n == full) {
                s.error = Some(why.clone());
                continue;
            }
            let Some(pos) = names.iter().position(|n| *n == full) else {
                continue;
            };
            let Some(dex) = dexes.get(pos) else {
                continue;
            };
            let mut parsed = parsed_summary(&s.name, s.hidden, dex);
            (parsed.decode_errors, parsed.first_errors) = decode_errors(index, pos);
            *s = parsed;
        }
        if !facts.dex.is_empty() && facts.index.is_none() {
            facts.index = stats.take();
        }
    };
    if let Some(code) = report.code.as_mut() {
        upgrade("", code);
    }
    for apk in report.apks.iter_mut() {
        let prefix = if bundle {
            format!("{}!", apk.name)
        } else {
            String::new()
        };
        upgrade(&prefix, &mut apk.code);
    }
}
