//! Container tricks (fixtures made by `fixtures/tricks.py`): each is reported as the anomaly it
//! is, the app is still read where Android would read it, and what cannot be read is refused
//! with a clear error. Expected behaviour per file is documented in `fixtures/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use unmask_apk::model::ApkReport;

fn scan(name: &str) -> ApkReport {
    let r = unmask_apk::analyze_file(&common::fixtures().join(name), &Default::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(r.apks.len(), 1, "{name}");
    r.apks.into_iter().next().unwrap()
}

fn kinds(a: &ApkReport) -> Vec<(&'static str, bool)> {
    a.container
        .anomalies
        .iter()
        .map(|x| (x.kind, x.android_rejects))
        .collect()
}

fn package(a: &ApkReport) -> &str {
    a.manifest
        .as_ref()
        .and_then(|m| m.package.as_deref())
        .unwrap_or("")
}

#[test]
fn each_trick_is_reported_and_the_app_still_read() {
    // (file, anomaly kind expected, Android refuses the archive, package still decoded)
    let cases = [
        (
            "trick-lfh-mismatch.apk",
            "local_size_mismatch",
            true,
            "com.example.minimal",
        ),
        (
            "trick-lfh-mismatch.apk",
            "local_method_mismatch",
            false,
            "com.example.minimal",
        ),
        (
            "trick-fake-encryption.apk",
            "encrypted_flag",
            false,
            "com.example.minimal",
        ),
        (
            "trick-bogus-extra.apk",
            "malformed_extra_field",
            false,
            "com.example.minimal",
        ),
        (
            "trick-duplicate.apk",
            "duplicate_entry",
            true,
            "com.example.minimal",
        ),
        (
            "trick-prepended.apk",
            "prepended_data",
            true,
            "com.example.minimal",
        ),
        (
            "trick-trailing.apk",
            "trailing_data",
            true,
            "com.example.minimal",
        ),
        (
            "trick-unknown-method.apk",
            "unknown_compression_method",
            false,
            "com.example.minimal",
        ),
        (
            "trick-bad-names.apk",
            "unsafe_name",
            true,
            "com.example.minimal",
        ),
        (
            "trick-eocd-count.apk",
            "entry_count_mismatch",
            false,
            "com.example.full",
        ),
        (
            "trick-fake-eocd-comment.apk",
            "fake_eocd",
            true,
            "com.example.minimal",
        ),
    ];
    for (file, kind, rejects, pkg) in cases {
        let a = scan(file);
        let k = kinds(&a);
        assert!(
            k.iter().any(|&(x, r)| x == kind && r == rejects),
            "{file}: expected {kind} (android_rejects={rejects}), got {k:?}"
        );
        assert_eq!(
            a.container.android_would_reject,
            k.iter().any(|&(_, r)| r),
            "{file}"
        );
        assert_eq!(package(&a), pkg, "{file}: {:?}", a.errors);
        assert!(
            a.errors.is_empty(),
            "{file}: parts unreadable: {:?}",
            a.errors
        );
    }
}

#[test]
fn duplicate_entries_take_the_first_like_android() {
    // The second AndroidManifest.xml (full.apk's) is ignored: the first one wins.
    let a = scan("trick-duplicate.apk");
    assert_eq!(package(&a), "com.example.minimal");
    let dup = a
        .container
        .anomalies
        .iter()
        .find(|x| x.kind == "duplicate_entry")
        .unwrap();
    assert_eq!(dup.entry.as_deref(), Some("AndroidManifest.xml"));
}

#[test]
fn hostile_names_are_listed_never_used() {
    let a = scan("trick-bad-names.apk");
    let names = &a.contents.unsafe_names;
    assert!(names.iter().any(|n| n == "../../evil.so"), "{names:?}");
    assert!(names.iter().any(|n| n == "/abs/path"), "{names:?}");
    assert!(names.iter().any(|n| n == "assets\\win.txt"), "{names:?}");
    assert!(names.iter().any(|n| n.contains('\0')), "{names:?}");
    assert_eq!(names.len(), 4);
}

#[test]
fn stored_and_deflated_entries_read_the_same() {
    let a = scan("trick-deflate-stored.apk");
    let b = scan("full.apk");
    let (ma, mb) = (a.manifest.unwrap(), b.manifest.unwrap());
    assert_eq!(
        serde_json::to_value(&ma).unwrap(),
        serde_json::to_value(&mb).unwrap()
    );
    assert!(
        a.container.anomalies.is_empty(),
        "{:?}",
        a.container.anomalies
    );
}

#[test]
fn zip_bomb_is_capped_not_inflated() {
    let a = scan("trick-bomb.apk");
    assert_eq!(package(&a), "com.example.minimal");
    let bomb = a
        .container
        .anomalies
        .iter()
        .find(|x| x.kind == "decompression_bomb")
        .expect("bomb reported from the central directory");
    assert_eq!(bomb.entry.as_deref(), Some("assets/zeros.bin"));
    assert!(bomb.detail.contains("1073741824"), "{}", bomb.detail);
    // Nothing else in the fixture looks like a bomb.
    assert_eq!(kinds(&scan("minimal.apk")), vec![]);
    // Reading the 1 GiB entry through the archive must stop at the cap with a clear error.
    let data = std::fs::read(common::fixtures().join("trick-bomb.apk")).unwrap();
    let archive = unmask_zip::Archive::parse(&data, Default::default()).unwrap();
    let e = archive.find("assets/zeros.bin").unwrap();
    assert_eq!(e.uncompressed_size, 1 << 30);
    let err = archive.read(e).unwrap_err().to_string();
    assert!(err.contains("assets/zeros.bin"), "{err}");
}

#[test]
fn no_end_record_is_refused_clearly() {
    let err = unmask_apk::analyze_file(
        &common::fixtures().join("trick-no-eocd.bin"),
        &Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("trick-no-eocd.bin"), "{err}");
    assert!(err.message.contains("end-of-central-directory"), "{err}");
}

/// Archives inside archives are opened for their dex files within a budget: an APK carrying
/// 8 ZIPs, each carrying 8 ZIPs, each carrying 8 ZIPs with a dex (512 dex files at depth 3,
/// built with python's zipfile) yields at most 64 nested archives' worth, never all 585.
#[test]
fn nested_archives_are_opened_within_a_budget() {
    let dir = std::env::temp_dir().join(format!("unmask-nested-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("nested.apk");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apk");
    let script = r#"
import io, shutil, sys, zipfile
minimal, dex, out = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
def zip_of(members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)
    return b.getvalue()
leaf = zip_of([('classes.dex', dex)])
mid = zip_of([('l%d.zip' % i, leaf) for i in range(8)])
top = zip_of([('m%d.zip' % i, mid) for i in range(8)])
shutil.copy(minimal, out)
with zipfile.ZipFile(out, 'a') as z:
    for i in range(8):
        z.writestr('assets/t%d.zip' % i, top)
"#;
    let ok = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(fixtures.join("minimal.apk"))
        .arg(fixtures.join("bare.dex"))
        .arg(&out)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED: python3 not available");
        return;
    }
    let files = unmask_apk::dex_files(&out, &Default::default()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let nested = files.iter().filter(|(n, _, _)| n.contains(".zip!")).count();
    assert!(nested > 0, "nested dex files are read");
    assert!(
        nested <= 64,
        "{nested} nested dex files: the budget did not hold"
    );
    assert_eq!(files.first().map(|f| f.0.as_str()), Some("classes.dex"));
}
