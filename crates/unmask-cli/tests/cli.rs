//! End-to-end tests of the `unmask` binary: every hostile input of the shared corpus gives a
//! result or a clear error (never a panic, a hang or more than 1 GiB), and a batch with bad
//! files still reports the good ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_unmask")
}

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("UNMASK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: corpus not found at {}", p.display());
        None
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/apk")
        .join(name)
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Runs unmask under a 1 GiB address-space cap and a 60 s wall-clock cap.
fn run_capped(args: &[&str], files: &[PathBuf]) -> Output {
    Command::new("timeout")
        .arg("60")
        .arg("prlimit")
        .arg(format!("--as={}", 1u64 << 30))
        .arg(bin())
        .args(args)
        .args(files)
        .output()
        .expect("run unmask")
}

#[test]
fn every_edge_and_malformed_file_gives_a_result_or_a_clear_error() {
    let Some(corpus) = corpus() else { return };
    let mut files = all_files(&corpus.join("edge"));
    files.extend(all_files(&corpus.join("malformed")));
    files.retain(|p| !p.extension().is_some_and(|e| e == "md" || e == "tsv"));
    assert!(
        files.len() > 300,
        "expected the edge corpus, found {}",
        files.len()
    );
    let mut ok = 0;
    let mut errors = 0;
    for chunk in files.chunks(40) {
        let out = run_capped(&["scan", "--format", "json"], chunk);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "unmask died (status {:?}: timeout=124, killed/abort=signal) on one of {:?}\n{stderr}",
            out.status,
            chunk
        );
        assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
        assert!(
            !stderr.contains("internal error"),
            "panic caught:\n{stderr}"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let docs: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(docs.len(), chunk.len(), "one JSON document per input");
        for (doc, path) in docs.iter().zip(chunk) {
            assert_eq!(doc["input"]["path"], path.display().to_string());
            if let Some(e) = doc.get("error") {
                errors += 1;
                let e = e.as_str().unwrap();
                assert!(e.len() > 10, "error too terse for {}: {e}", path.display());
                assert!(
                    stderr.contains(&format!("{}: {e}", path.display())),
                    "stderr names the file and the problem"
                );
            } else {
                ok += 1;
            }
        }
    }
    eprintln!(
        "edge corpus: {} files, {ok} analysed, {errors} clear errors",
        files.len()
    );
}

#[test]
fn a_batch_with_bad_files_still_reports_the_good_ones() {
    let dir = std::env::temp_dir().join(format!("unmask-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.apk");
    std::fs::write(&garbage, b"this is not an apk at all, just text").unwrap();
    let missing = dir.join("missing.apk");
    let good = fixture("minimal.apk");
    let files = vec![garbage.clone(), good.clone(), missing.clone()];
    let out = run_capped(&["scan", "--format", "json"], &files);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code says something failed"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&garbage.display().to_string()), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    let docs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 3);
    assert!(docs[0]["error"]
        .as_str()
        .unwrap()
        .contains("neither an APK"));
    assert!(docs[1].get("error").is_none());
    assert!(docs[1]["apks"][0]["manifest"]["package"].is_string());
    assert!(docs[2]["error"].as_str().unwrap().contains("cannot read"));
    // Text output too.
    let out = run_capped(&["scan"], &files);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ERROR"), "{text}");
    assert!(text.contains("package"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help_documents_every_option() {
    let out = Command::new(bin())
        .args(["scan", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--format",
        "json",
        "text",
        "--pretty",
        "--jobs",
        "Exit status",
        "bundle",
    ] {
        assert!(help.contains(needle), "scan --help lacks {needle}:\n{help}");
    }
    let out = Command::new(bin()).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("scan"));
    let out = Command::new(bin()).arg("scan").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "usage error");
}

#[test]
fn dex_method_disassembly_shows_the_evidence() {
    // fixtures/src/full/smali/com/example/full/Tracker.smali: collect() asks for the
    // TelephonyManager, reads the device id and builds the tracker URL.
    let out = Command::new(bin())
        .args(["dex"])
        .arg(fixture("full.apk"))
        .args([
            "--method",
            "Lcom/example/full/Tracker;->collect(Landroid/content/Context;)Ljava/lang/String;",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# classes.dex\n"), "{text}");
    assert!(
        text.contains(
            ": invoke-virtual {v0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
        ),
        "{text}"
    );
    assert!(
        text.contains("const-string v0, \"https://tracker.example.com/collect\""),
        "{text}"
    );
    // Every instruction line carries its bytecode offset.
    assert!(
        text.lines()
            .filter(|l| l.trim_start().starts_with("0"))
            .count()
            >= 10
    );

    let out = Command::new(bin())
        .args(["dex"])
        .arg(fixture("full.apk"))
        .args(["--method", "Lcom/example/Nope;->x()V"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not defined in any dex"));

    let out = Command::new(bin())
        .args(["dex"])
        .arg(fixture("hidden-payloads.apk"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("assets/x.png (hidden)"), "{text}");
    assert!(text.contains("decoded "), "{text}");
}

#[test]
fn jobs_bound_the_inputs_in_flight_and_keep_input_order() {
    // Good and bad inputs mixed, more of them than any --jobs below: every setting gives the
    // same documents in input order (the lanes path and the all-at-once path agree).
    let dir = std::env::temp_dir().join(format!("unmask-cli-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.apk");
    std::fs::write(&garbage, b"not an apk").unwrap();
    let files = vec![
        fixture("minimal.apk"),
        garbage.clone(),
        fixture("full.apk"),
        fixture("hidden-payloads.apk"),
        dir.join("missing.apk"),
        fixture("bundle.apks"),
        fixture("bare.dex"),
        fixture("perms.apk"),
    ];
    let run = |jobs: &[&str]| {
        let out = Command::new(bin())
            .args(["scan", "--format", "json", "--no-hash"])
            .args(jobs)
            .args(&files)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "two inputs fail");
        out.stdout
    };
    let all_at_once = run(&["-j", "64"]);
    let docs: Vec<serde_json::Value> = String::from_utf8(all_at_once.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), files.len());
    let failed: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].get("error").is_some())
        .collect();
    assert_eq!(failed, [1, 4], "only the garbage and the missing file fail");
    for (doc, file) in docs.iter().zip(&files) {
        assert_eq!(
            doc["input"]["path"].as_str(),
            Some(file.display().to_string().as_str())
        );
    }
    for j in ["1", "2", "3"] {
        assert_eq!(run(&["-j", j]), all_at_once, "-j {j}");
    }
    assert_eq!(run(&[]), all_at_once, "default --jobs");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn text_summary_names_the_classes_the_platform_runs_first() {
    let Some(corpus) = corpus() else { return };
    // ApiDemos declares an Application class, androidx's component factory and an
    // instrumentation (aapt dump xmltree shows the same; crates/unmask-apk/tests/aapt_badging.rs).
    let out = Command::new(bin())
        .args(["scan", "--no-code", "--no-hash"])
        .arg(corpus.join("real/ApiDemos-debug.apk"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("   classes     application io.appium.android.apis.ApiDemosApplication, component factory androidx.core.app.CoreComponentFactory\n"),
        "{text}"
    );
    assert!(
        text.contains("   instruments io.appium.android.apis.app.LocalSampleInstrumentation (target io.appium.android.apis)\n"),
        "{text}"
    );
}

#[test]
fn same_input_same_output_mapped_or_read() {
    let Some(corpus) = corpus() else { return };
    // ApiDemos is over 1 MiB, so the default run maps it and --no-mmap reads it.
    let apk = corpus.join("real/ApiDemos-debug.apk");
    let run = |extra: &[&str]| {
        let out = Command::new(bin())
            .args(["scan", "--format", "json"])
            .args(extra)
            .arg(&apk)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let mapped = run(&[]);
    assert_eq!(mapped, run(&[]), "deterministic");
    assert_eq!(
        mapped,
        run(&["--no-mmap"]),
        "mapping does not change the result"
    );
}

/// A copy of the repository's `kb/` in a temp dir.
fn kb_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb");
    for f in all_files(&src) {
        let rel = f.strip_prefix(&src).unwrap();
        let dst = dir.path().join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&f, dst).unwrap();
    }
    dir
}

fn scan_json(extra: &[&str], file: &Path) -> (Output, Option<serde_json::Value>) {
    let out = Command::new(bin())
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(file)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).ok();
    (out, doc)
}

#[test]
fn scan_reports_findings_with_evidence() {
    let (out, doc) = scan_json(&[], &fixture("full.apk"));
    assert!(out.status.success());
    let doc = doc.unwrap();
    let findings = doc["analysis"]["findings"].as_array().unwrap();
    let imei = findings
        .iter()
        .find(|f| f["subcategory"] == "device_id.imei")
        .expect("IMEI finding");
    assert_eq!(imei["kind"], "data.api");
    assert_eq!(imei["evidence"][0]["class"], "Lcom/example/full/Tracker;");
    // The code facts come from the analysis's decoding (one pass), not headers only.
    assert_eq!(doc["apks"][0]["code"]["decoded"], true);
    assert!(
        doc["apks"][0]["code"]["index"]["instructions"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Without code: no data findings and no permission called unused.
    let (_, doc) = scan_json(&["--no-code"], &fixture("full.apk"));
    let findings = doc.unwrap()["analysis"]["findings"].clone();
    let kinds: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k.starts_with("data.") || *k == "permission.unused"),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"trait.boot_receiver"), "{kinds:?}");
    // --no-analysis: the app model only, no findings, same facts.
    let (out, doc) = scan_json(&["--no-analysis", "--no-code"], &fixture("full.apk"));
    assert!(out.status.success());
    let doc = doc.unwrap();
    assert!(doc.get("analysis").is_none());
    let (_, with) = scan_json(&["--no-code"], &fixture("full.apk"));
    assert_eq!(doc["apks"], with.unwrap()["apks"]);
}

#[test]
fn user_indicators_match_and_name_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("my-feed.stix2");
    std::fs::write(
        &feed,
        r#"{"type": "bundle", "id": "bundle--1", "objects": [
  {"type": "malware", "id": "malware--1", "name": "TestFamily", "is_family": true},
  {"type": "indicator", "id": "indicator--1", "pattern": "[app:id = 'com.example.full']", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"},
  {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates", "source_ref": "indicator--1", "target_ref": "malware--1"}
]}"#,
    )
    .unwrap();
    let (out, doc) = scan_json(
        &["--iocs", feed.to_str().unwrap(), "--no-builtin-iocs"],
        &fixture("full.apk"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = doc.unwrap();
    let iocs: Vec<&serde_json::Value> = doc["analysis"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "ioc")
        .collect();
    assert_eq!(iocs.len(), 1, "{iocs:?}");
    let text = iocs[0].to_string();
    assert!(text.contains("TestFamily"), "{text}");
    assert!(text.contains("indicator--1"), "{text}");
    assert!(text.contains("my-feed.stix2"), "{text}");
    // The same app against the built-in sets only: no match.
    let (_, doc) = scan_json(&[], &fixture("full.apk"));
    assert!(!doc.unwrap()["analysis"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "ioc"));
}

#[test]
fn malformed_indicator_and_kb_files_stop_with_the_file_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("broken.stix2");
    std::fs::write(
        &feed,
        r#"{"type": "bundle", "id": "bundle--1", "objects": [
  {"type": "indicator", "id": "indicator--bad", "pattern": "[app:id = 'unterminated]", "pattern_type": "stix"}
]}"#,
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["scan", "--iocs"])
        .arg(&feed)
        .arg(fixture("minimal.apk"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.stix2") && err.contains("indicator--bad"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let kb = kb_copy();
    let apis = kb.path().join("api/apis.tsv");
    let mut text = std::fs::read_to_string(&apis).unwrap();
    let line = text.lines().count() + 1;
    text.push_str("method\tLx/Y;\tz\t*\tno_such_category\t-\t-\t-\tframework\t-\n");
    std::fs::write(&apis, text).unwrap();
    let out = Command::new(bin())
        .args(["scan", "--kb"])
        .arg(kb.path())
        .arg(fixture("minimal.apk"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("apis.tsv")
            && err.contains(&line.to_string())
            && err.contains("no_such_category"),
        "{err}"
    );
    // The unmodified copy loads and gives the same findings as the built-in knowledge base.
    let good = kb_copy();
    let (_, a) = scan_json(
        &["--kb", good.path().to_str().unwrap()],
        &fixture("full.apk"),
    );
    let (_, b) = scan_json(&[], &fixture("full.apk"));
    assert_eq!(a.unwrap()["analysis"], b.unwrap()["analysis"]);
}
