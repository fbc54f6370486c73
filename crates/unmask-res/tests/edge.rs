//! The edge corpus: every trick file parses (Ok or a clear Err, never a panic), each trick is
//! reported, and wherever `aapt dump xmltree` can read the file (wrapped into a zip with the
//! `zip` tool) our tree must match aapt's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use unmask_res::{attr, parse_xml};

/// (file name, anomaly substring the file is known to trigger).
const EXPECTED: &[(&str, &str)] = &[
    ("AndroidManifestWrongFilesize.xml", "declares size"),
    (
        "AndroidManifestDoubleNamespace.xml",
        "declared more than once",
    ),
    (
        "AndroidManifestExtraNamespace.xml",
        "declared more than once",
    ),
    (
        "AndroidManifestMaskingNamespace.xml",
        "declared more than once",
    ),
    ("AndroidManifest-xmlns.xml", "extra namespace"),
    ("AndroidManifestLiapp.xml", "fake attribute name"),
    ("AndroidManifestLiapp.xml", "outside the android namespace"),
    (
        "AndroidManifest_NamespaceInAttributeName.xml",
        "empty attribute name",
    ),
    (
        "AndroidManifest_NamespaceInAttributeName2.xml",
        "empty attribute name",
    ),
    (
        "AndroidManifest_StringNotTerminated.xml",
        "not NUL-terminated",
    ),
    ("AndroidManifestNullbytes.xml", "NUL character"),
    ("AndroidManifestNonZeroStyle.xml", "stylesStart"),
    ("AndroidManifestTextChunksXML.xml", "CDATA"),
    ("AndroidManifestWithComment.xml", "comment"),
    ("AndroidManifest_WrongChunkStart.xml", "not RES_XML_TYPE"),
];

/// Files aapt cannot read at all, with the reason (so no comparison is possible).
const AAPT_REJECTS: &[(&str, &str)] = &[
    (
        "AndroidManifestWrongFilesize.xml",
        "aapt refuses a header size field larger than the file; Android's installer would too, analysers must not",
    ),
    (
        "AndroidManifest_StringNotTerminated.xml",
        "libandroidfw rejects strings without NUL terminator (\"Bad string block\"); we decode them and flag it",
    ),
];

fn zip_one(dir: &Path, name: &str, data: &[u8]) -> Option<std::path::PathBuf> {
    let w = dir.join(name);
    std::fs::create_dir_all(&w).ok()?;
    std::fs::write(w.join("AndroidManifest.xml"), data).ok()?;
    let z = dir.join(format!("{name}.zip"));
    let _ = std::fs::remove_file(&z);
    let ok = Command::new("zip")
        .arg("-q")
        .arg(&z)
        .arg("AndroidManifest.xml")
        .current_dir(&w)
        .status()
        .ok()?
        .success();
    ok.then_some(z)
}

#[test]
fn edge_axml_files() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("edge/AXML");
    let tmp = std::env::temp_dir().join(format!("unmask-res-edge-{}", std::process::id()));
    let aapt_ok = have_aapt();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let (mut parsed, mut compared) = (0usize, 0usize);
    let mut failures = Vec::new();
    for p in &entries {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let data = if name.ends_with(".apk") {
            match unzip(p, "AndroidManifest.xml") {
                Some(d) => d,
                None => continue,
            }
        } else {
            std::fs::read(p).unwrap()
        };
        let doc = match parse_xml(&data) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{name}: Err {e}");
                assert!(!e.to_string().is_empty());
                continue;
            }
        };
        parsed += 1;
        for (f, want) in EXPECTED.iter().filter(|(f, _)| *f == name) {
            if !doc.anomalies.iter().any(|a| a.contains(want)) {
                failures.push(format!(
                    "{f}: expected anomaly {want:?}, got {:?}",
                    doc.anomalies
                ));
            }
        }
        if !name.ends_with(".xml") || !aapt_ok {
            continue;
        }
        let Some(z) = zip_one(&tmp, &name, &data) else {
            eprintln!("SKIPPED aapt comparison for {name}: zip tool failed");
            continue;
        };
        let out = aapt(&[
            "dump",
            "xmltree",
            z.to_str().unwrap(),
            "AndroidManifest.xml",
        ]);
        match out {
            None => {
                if let Some((_, why)) = AAPT_REJECTS.iter().find(|(f, _)| *f == name) {
                    eprintln!("{name}: aapt cannot read it ({why}); we parse it");
                } else {
                    failures.push(format!("{name}: aapt failed unexpectedly"));
                }
            }
            Some(out) => {
                compared += 1;
                if let Some(d) = first_diff(&our_lines(&doc), &aapt_lines(&out)) {
                    failures.push(format!("{name}: differs from aapt: {d}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "edge/AXML: {parsed} parsed, {compared} compared with aapt, {} failures",
        failures.len()
    );
    assert!(parsed >= 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fake_names_resolve_by_resource_id() {
    let Some(corpus) = corpus() else { return };
    for f in [
        "AndroidManifestLiapp.xml",
        "AndroidManifest_NamespaceInAttributeName2.xml",
    ] {
        let doc = parse_xml(&std::fs::read(corpus.join("edge/AXML").join(f)).unwrap()).unwrap();
        let app = doc
            .root
            .as_ref()
            .unwrap()
            .children_named("application")
            .next()
            .unwrap();
        let a = app.attr(attr::LABEL, "label").unwrap();
        assert_eq!(a.name, "label", "{f}");
        assert_ne!(
            a.pool_name, "label",
            "{f}: the pool name is the obfuscated one"
        );
        assert!(app.attr(attr::NAME, "name").is_some(), "{f}");
    }
}

#[test]
fn edge_apk_manifests_never_panic() {
    let Some(corpus) = corpus() else { return };
    let mut apks = files(&corpus.join("edge/APK"), "apk");
    apks.extend(files(&corpus.join("malformed"), "apk"));
    let (mut ok, mut err, mut none) = (0, 0, 0);
    for apk in &apks {
        let Some(data) = unzip(apk, "AndroidManifest.xml") else {
            none += 1;
            continue;
        };
        match parse_xml(&data) {
            Ok(d) => {
                ok += 1;
                assert!(d.root.is_some(), "{}", apk.display());
            }
            Err(e) => {
                err += 1;
                eprintln!("{}: Err {e}", apk.display());
            }
        }
    }
    eprintln!(
        "edge APKs: {} files, {ok} Ok, {err} Err, {none} without readable manifest",
        apks.len()
    );
    assert!(ok > 100);
}

#[test]
fn compact_entry_apk_label() {
    let Some(corpus) = corpus() else { return };
    let apk = corpus.join("malformed/compact-entry.apk");
    let (Some(man), Some(arsc)) = (
        unzip(&apk, "AndroidManifest.xml"),
        unzip(&apk, "resources.arsc"),
    ) else {
        eprintln!("SKIPPED: compact-entry.apk not readable with unzip");
        return;
    };
    let doc = parse_xml(&man).unwrap();
    let app = doc
        .root
        .as_ref()
        .unwrap()
        .children_named("application")
        .next()
        .unwrap();
    let id = app
        .attr(attr::LABEL, "label")
        .unwrap()
        .value
        .as_reference()
        .unwrap();
    let t = unmask_res::ResourceTable::parse(&arsc).unwrap();
    let labels = t.resolve_string(id);
    assert!(
        labels
            .iter()
            .any(|(c, s)| c.qualifiers.is_empty() && s == "erev0s.com-CompactEntry"),
        "{labels:?}"
    );
    assert_eq!(t.name_of(id).as_deref(), Some("string/app_name"));
}
