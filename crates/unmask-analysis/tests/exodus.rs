//! Differential test of the `tracker` findings against exodus-core 1.3.15, the tool whose
//! tracker list (`kb/trackers`) and matching rules unmask reproduces.
//!
//! The oracle is exodus-core's own static analysis (`exodus_oracle.py`, run with the venv made
//! by `ci/exodus-venv.sh`): it unzips each `classes*.dex`, runs AOSP `dexdump`, extracts class
//! names with its regex and searches every code signature with Python's `re`. It is given the
//! signature document Exodus publishes (`shared/kb-sources/exodus-trackers/exodus_trackers.json`,
//! the file `kb/trackers/exodus-trackers.tsv` was made from) instead of downloading it; the
//! test first checks that exodus loaded exactly unmask's list (ids, names, code signatures, in
//! order).
//!
//! - `trackers_match_exodus`: every input of `shared/corpus/{real,droidbench,edge/APK}`, of
//!   `fixtures/apk`, `tests/fixtures/*.dex` (a bare dex is given to exodus as the only
//!   `classes.dex` of a zip) and synthetic inputs built here (APKs with PlayStore2's code
//!   nested or hidden, and a dex from smali when `smali` is installed); per input, the set of
//!   tracker ids of unmask's `tracker` findings must equal exodus's, except for the
//!   differences listed in [`EXPLAINED`], each with its reason, whose mechanism the test
//!   re-checks; a listed difference that no longer occurs fails too. It also counts the class
//!   names exodus extracts that unmask does not have (written to
//!   `target/tmp/exodus-synthetic/exodus-only-names.tsv`).
//! - `signatures_match_exodus`: the regex step alone, on names made from every signature
//!   (each `|` alternative in dot and slash form, extended, prefixed, cut short): the trackers
//!   of `TrackerTable::match_class` (one `RegexSet`, used by the analysis) and of
//!   `Tracker::matches_class` must be those of exodus's `detect_trackers_in_list([name])`.
//! - `class_names_match_exodus`: the class-name step alone, on descriptors built around every
//!   BMP character: `TrackerTable::exodus_class_names` must give what exodus's `re.findall`
//!   gives, except for letters newer than Python's Unicode database.
//!
//! Each prints `SKIPPED` and returns when the venv or `dexdump` is missing, the first also when
//! the corpus is. Runtime: about 1.5 minutes on 2 busy cores (debug build), most of it unmask
//! analysing the corpus while two exodus processes run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;
use unmask_analysis::{analyze_path, Evidence, Options};

/// Which side reports a tracker the other does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    UnmaskOnly,
    ExodusOnly,
}

/// The mechanism behind an explained difference; the test checks that it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// unmask matches the name of every `type_id` of every dex, so also classes the code only
    /// refers to (`const-class`, `new-instance`, `invoke-*` on a class the app does not
    /// define); dexdump without `-d` prints no code, so exodus sees only defined classes, their
    /// superclasses and interfaces, field types, method prototypes and local variable types.
    /// Checked: none of unmask's evidence classes is in exodus's class list.
    CodeOnlyReference,
    /// exodus's regex also takes class names out of the generic signatures of local variables
    /// that dexdump prints from debug info (`reg=1 l Ljava/util/List; Ljava/util/List<Lx/Y;>;`);
    /// a type argument is a string, not a `type_id`, so unmask never sees it. Checked: exodus's
    /// class is no type name (exact extraction) of any dex unmask reads.
    LocalVariableSignature,
    /// dexdump prints the initial value of every static field, strings included
    /// (`value : "Lcom/adjust/sdk/Adjust;"`), and exodus's regex takes class names out of
    /// them; unmask matches types, not strings. Checked: exodus's class is no type name (exact
    /// extraction) of any dex unmask reads.
    StaticStringValue,
    /// unmask reads dex files found by content under any entry name (`assets/data.bin`);
    /// exodus only entries whose name matches `classes.*\.dex`. Checked: every dex of unmask's
    /// evidence has a name exodus skips.
    DexUnderOtherName,
}

/// One difference between unmask and exodus-core that is understood.
struct Explained {
    /// Input, relative to the repository root (`../shared/corpus/...` for the corpus,
    /// `synthetic/...` for the inputs this test builds).
    input: &'static str,
    /// Exodus tracker ids.
    trackers: &'static [u32],
    side: Side,
    why: Why,
    reason: &'static str,
}

/// Google Analytics, Google Firebase Analytics, Google Tag Manager, Google AdMob: the trackers
/// of DroidBench's `EmulatorDetection/PlayStore2.apk`, the donor of the synthetic APKs.
const PLAYSTORE2: &[u32] = &[48, 49, 105, 312];

const EXPLAINED: &[Explained] = &[
    Explained {
        input: "crates/unmask-analysis/tests/fixtures/spy.dex",
        trackers: &[49],
        side: Side::UnmaskOnly,
        why: Why::CodeOnlyReference,
        reason: "Scanner.smali does `const-class Lcom/google/firebase/analytics/FirebaseAnalytics$Event;` \
                 and defines no Firebase class",
    },
    Explained {
        input: "synthetic/synthetic.dex",
        trackers: &[118],
        side: Side::UnmaskOnly,
        why: Why::CodeOnlyReference,
        reason: "`const-class Lcom/mixpanel/android/mpmetrics/MixpanelAPI;` only",
    },
    Explained {
        input: "synthetic/synthetic.dex",
        trackers: &[12],
        side: Side::ExodusOnly,
        why: Why::LocalVariableSignature,
        reason: "`.local p0, \"l\":Ljava/util/List;, \"Ljava/util/List<Lcom/appsflyer/AppsFlyerLib;>;\"`",
    },
    Explained {
        input: "synthetic/synthetic.dex",
        trackers: &[52],
        side: Side::ExodusOnly,
        why: Why::StaticStringValue,
        reason: "`.field public static final S:Ljava/lang/String; = \"Lcom/adjust/sdk/Adjust;\"`",
    },
    Explained {
        input: "synthetic/hidden-dex.apk",
        trackers: PLAYSTORE2,
        side: Side::UnmaskOnly,
        why: Why::DexUnderOtherName,
        reason: "PlayStore2's classes.dex stored as assets/data.bin",
    },
];

/// smali source of `synthetic/synthetic.dex` (built when Debian's `smali` is installed).
const SYNTHETIC_SMALI: &[(&str, &str)] = &[
    (
        "Main.smali",
        ".class public Lcom/example/synth/Main;
.super Ljava/lang/Object;

.field public static final S:Ljava/lang/String; = \"Lcom/adjust/sdk/Adjust;\"

.method public static run(Ljava/util/List;)V
    .registers 2
    .local p0, \"l\":Ljava/util/List;, \"Ljava/util/List<Lcom/appsflyer/AppsFlyerLib;>;\"
    const-class v0, Lcom/mixpanel/android/mpmetrics/MixpanelAPI;
    return-void
.end method
",
    ),
    (
        "Dollar.smali",
        ".class public Lcom/example$Xcom/onesignal/Y;
.super Ljava/lang/Object;
",
    ),
    (
        "Unicode.smali",
        ".class public Lcom/flurry/\u{c4};
.super Ljava/lang/Object;
",
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The venv's python, or why the test cannot run.
fn oracle_python() -> Result<PathBuf, String> {
    let venv = match std::env::var_os("UNMASK_EXODUS_VENV") {
        Some(v) => PathBuf::from(v),
        None => match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".cache/unmask/exodus-venv"),
            None => return Err("HOME is not set and UNMASK_EXODUS_VENV is not either".into()),
        },
    };
    let py = venv.join("bin/python");
    if !py.exists() {
        return Err(format!(
            "no exodus-core venv at {} (run ci/exodus-venv.sh)",
            venv.display()
        ));
    }
    if Command::new("dexdump")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        return Err("dexdump not on PATH (Debian: apt-get install dexdump)".into());
    }
    Ok(py)
}

fn oracle_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/exodus_oracle.py")
}

/// The signature document given to exodus: the one Exodus publishes, or, without the shared
/// sources, unmask's own table written in the same shape.
fn signature_json() -> PathBuf {
    let original = shared().join("kb-sources/exodus-trackers/exodus_trackers.json");
    if original.exists() {
        return original;
    }
    eprintln!(
        "note: {} not found; exodus is given unmask's kb/trackers table written as JSON",
        original.display()
    );
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let mut trackers = serde_json::Map::new();
    for t in kb.trackers.trackers() {
        trackers.insert(
            t.id.to_string(),
            serde_json::json!({
                "id": t.id,
                "name": t.name,
                "code_signature": t.code_signature.clone().unwrap_or_default(),
                "network_signature": t.network_signature.clone().unwrap_or_default(),
            }),
        );
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exodus_trackers_from_kb.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&serde_json::json!({ "trackers": trackers })).unwrap(),
    )
    .unwrap();
    path
}

/// Checks the oracle's first line: exodus loaded unmask's list, in order.
fn check_signatures(line: &str) {
    let v: Value = serde_json::from_str(line).expect("oracle header");
    let got: Vec<(u64, String, String)> = v["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| {
            (
                s[0].as_u64().expect("id"),
                s[1].as_str().expect("name").to_string(),
                s[2].as_str().expect("code_signature").to_string(),
            )
        })
        .collect();
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let want: Vec<(u64, String, String)> = kb
        .trackers
        .trackers()
        .iter()
        .map(|t| {
            (
                u64::from(t.id),
                t.name.clone(),
                t.code_signature.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got.len(), want.len(), "tracker count: exodus vs kb");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "exodus's signature list differs from kb/trackers");
    }
}

fn spawn_oracle(py: &Path, sigs: &Path, extra: &[&str], inputs: &[PathBuf]) -> Child {
    Command::new(py)
        .arg(oracle_script())
        .args(extra)
        .arg(sigs)
        .args(inputs)
        .stdin(if extra.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run exodus_oracle.py")
}

/// Reads an oracle's output: checks the signature header, returns the other lines.
fn finish_oracle(child: Child) -> Vec<Value> {
    let out = child.wait_with_output().expect("oracle output");
    assert!(
        out.status.success(),
        "exodus_oracle.py failed: {}",
        out.status
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines();
    check_signatures(lines.next().expect("oracle printed nothing"));
    lines
        .map(|l| serde_json::from_str(l).expect("oracle line"))
        .collect()
}

/// What exodus reported for one input.
struct ExodusResult {
    /// Tracker id -> the first class (sorted) its signature matches.
    trackers: BTreeMap<u32, String>,
    /// Every class name exodus extracted.
    classes: BTreeSet<String>,
}

/// What unmask reported for one input.
struct UnmaskResult {
    /// Tracker id -> (dex entry, class) of the finding's evidence.
    trackers: BTreeMap<u32, Vec<(String, String)>>,
    /// The exodus-style names of every type of every dex unmask reads (what its tracker
    /// matching searches).
    names: BTreeSet<String>,
    /// The same with the exact extraction, `TrackerTable::exodus_class_names`.
    exact_names: BTreeSet<String>,
}

fn unmask_result(
    p: &Path,
    kb: &unmask_kb::Kb,
    iocs: &unmask_ioc::IocSet,
) -> Result<UnmaskResult, String> {
    let (_, f) = analyze_path(p, kb, iocs, &Options::default()).map_err(|e| e.to_string())?;
    let mut trackers = BTreeMap::new();
    for x in f.of_kind("tracker") {
        let t = kb
            .trackers
            .trackers()
            .iter()
            .find(|t| t.name == x.subject)
            .unwrap_or_else(|| panic!("{}: unknown tracker {:?}", key(p), x.subject));
        let ev: Vec<(String, String)> = x
            .evidence
            .iter()
            .filter_map(|e| match e {
                Evidence::Class { dex, class } => Some((dex.clone(), class.clone())),
                _ => None,
            })
            .collect();
        assert!(!ev.is_empty(), "{}: no class evidence: {x:?}", key(p));
        trackers.insert(t.id, ev);
    }
    let (mut names, mut exact_names) = (BTreeSet::new(), BTreeSet::new());
    let files = unmask_apk::dex_files(p, &unmask_apk::Options::default()).unwrap_or_default();
    for (_, _, bytes) in &files {
        let Ok(d) = unmask_dex::DexFile::parse(bytes) else {
            continue;
        };
        for t in 0..d.type_count() {
            let Ok(desc) = d.type_name(t) else {
                continue;
            };
            if let Some(n) = unmask_kb::exodus_class_name(&desc) {
                names.insert(n.to_string());
            }
            for n in unmask_kb::TrackerTable::exodus_class_names(&desc) {
                exact_names.insert(n.into_owned());
            }
        }
    }
    Ok(UnmaskResult {
        trackers,
        names,
        exact_names,
    })
}

fn synthetic_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("exodus-synthetic")
}

/// Builds the synthetic inputs (see [`EXPLAINED`]): the APKs made by the oracle's `--synth`
/// from `fixtures/apk/minimal.apk` and DroidBench's PlayStore2.apk, and `synthetic.dex` from
/// [`SYNTHETIC_SMALI`] when `smali` is installed.
fn synthetic_inputs(py: &Path) -> Vec<PathBuf> {
    let dir = synthetic_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = Vec::new();
    let base = repo().join("fixtures/apk/minimal.apk");
    let donor = shared().join("corpus/droidbench/EmulatorDetection/PlayStore2.apk");
    if base.exists() && donor.exists() {
        let o = Command::new(py)
            .arg(oracle_script())
            .arg("--synth")
            .args([&dir, &base, &donor])
            .stderr(Stdio::inherit())
            .output()
            .expect("exodus_oracle.py --synth");
        assert!(o.status.success(), "exodus_oracle.py --synth failed");
        out.extend(
            String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(PathBuf::from),
        );
    } else {
        eprintln!(
            "SKIPPED: synthetic APKs: {} or {} missing",
            base.display(),
            donor.display()
        );
    }
    let src = dir.join("smali");
    std::fs::create_dir_all(&src).unwrap();
    for (name, text) in SYNTHETIC_SMALI {
        std::fs::write(src.join(name), text).unwrap();
    }
    let dex = dir.join("synthetic.dex");
    match Command::new("smali")
        .args(["a", "--api", "21", "-o"])
        .arg(&dex)
        .args(SYNTHETIC_SMALI.iter().map(|(n, _)| src.join(n)))
        .output()
    {
        Ok(o) if o.status.success() => out.push(dex),
        Ok(o) => panic!("smali failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("SKIPPED: synthetic.dex: smali not runnable ({e}; apt-get install smali)")
        }
    }
    out
}

fn collect_inputs() -> (Vec<PathBuf>, Vec<String>) {
    fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, keep, out);
            } else if keep(&p) {
                out.push(p);
            }
        }
    }
    let ext = |exts: &'static [&'static str]| {
        move |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        }
    };
    let corpus = shared().join("corpus");
    let mut inputs = Vec::new();
    let mut missing = Vec::new();
    for (dir, keep) in [
        (corpus.join("real"), ext(&["apk"])),
        (corpus.join("droidbench"), ext(&["apk"])),
        (corpus.join("edge/APK"), ext(&["apk", "dex"])),
        (
            repo().join("fixtures/apk"),
            ext(&["apk", "apks", "xapk", "dex"]),
        ),
        (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            ext(&["dex"]),
        ),
    ] {
        let before = inputs.len();
        walk(&dir, &keep, &mut inputs);
        if inputs.len() == before {
            missing.push(dir.display().to_string());
        }
    }
    inputs.sort();
    (inputs, missing)
}

/// `p` with `.` and `..` resolved lexically (files may be rebuilt meanwhile by others, so no
/// `canonicalize`).
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The input's name in messages and in [`EXPLAINED`]: relative to the repository root
/// (`../shared/corpus/...` for the corpus), `synthetic/NAME` for the inputs built here.
fn key(p: &Path) -> String {
    let (p, root, synth) = (lexical(p), lexical(&repo()), lexical(&synthetic_dir()));
    if let Ok(rest) = p.strip_prefix(&synth) {
        return Path::new("synthetic").join(rest).display().to_string();
    }
    if let Ok(rest) = p.strip_prefix(&root) {
        return rest.display().to_string();
    }
    if let Some(rest) = root.parent().and_then(|up| p.strip_prefix(up).ok()) {
        return Path::new("..").join(rest).display().to_string();
    }
    p.display().to_string()
}

/// Whether exodus-core looks at a zip entry of this name for dex code:
/// `re.compile(r'classes.*\.dex').search(name)`.
fn exodus_reads_entry(name: &str) -> bool {
    name.find("classes").is_some_and(|i| {
        name.get(i + "classes".len()..)
            .is_some_and(|r| r.contains(".dex"))
    })
}

/// Checks that the mechanism an [`Explained`] entry names is what happens on this input.
fn check_mechanism(k: &str, id: u32, why: Why, side: Side, ex: &ExodusResult, um: &UnmaskResult) {
    let want_side = match why {
        Why::CodeOnlyReference | Why::DexUnderOtherName => Side::UnmaskOnly,
        Why::LocalVariableSignature | Why::StaticStringValue => Side::ExodusOnly,
    };
    assert_eq!(
        side, want_side,
        "{k}: tracker {id}: {why:?} explains the other side"
    );
    match why {
        Why::CodeOnlyReference => {
            for (_, c) in &um.trackers[&id] {
                assert!(
                    !ex.classes.contains(c),
                    "{k}: tracker {id}: {c} is in dexdump's listing: not a code-only reference"
                );
            }
        }
        Why::DexUnderOtherName => {
            for (dex, _) in &um.trackers[&id] {
                assert!(
                    !exodus_reads_entry(dex),
                    "{k}: tracker {id}: exodus reads {dex} too"
                );
            }
        }
        Why::LocalVariableSignature | Why::StaticStringValue => {
            let c = &ex.trackers[&id];
            assert!(
                !um.names.contains(c) && !um.exact_names.contains(c),
                "{k}: tracker {id}: {c} is a type name in a dex unmask reads: {why:?} does not \
                 explain it"
            );
        }
    }
}

#[test]
fn trackers_match_exodus() {
    let start = Instant::now();
    let py = match oracle_python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED: exodus differential test: {why}");
            return;
        }
    };
    if !shared().join("corpus").exists() {
        eprintln!(
            "SKIPPED: exodus differential test: corpus not found under {}",
            shared().display()
        );
        return;
    }
    let (mut inputs, missing) = collect_inputs();
    for m in &missing {
        eprintln!("SKIPPED (part): exodus differential test: no input under {m}");
    }
    let synthetic = synthetic_inputs(&py);
    inputs.extend(synthetic.iter().cloned());
    let sigs = signature_json();

    // Two oracle processes (the machine has 2 cores), the big inputs spread between them.
    let mut by_size: Vec<(u64, PathBuf)> = inputs
        .iter()
        .map(|p| {
            (
                std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
                p.clone(),
            )
        })
        .collect();
    by_size.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut halves: [(u64, Vec<PathBuf>); 2] = [(0, Vec::new()), (0, Vec::new())];
    for (size, p) in by_size {
        let h = usize::from(halves[0].0 > halves[1].0);
        halves[h].0 += size;
        halves[h].1.push(p);
    }
    let children: Vec<Child> = halves
        .iter()
        .map(|(_, part)| spawn_oracle(&py, &sigs, &[], part))
        .collect();

    // unmask meanwhile.
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let unmask: BTreeMap<String, Result<UnmaskResult, String>> = inputs
        .iter()
        .map(|p| (key(p), unmask_result(p, kb, &iocs)))
        .collect();
    let unmask_done = start.elapsed();

    let mut exodus: BTreeMap<String, Result<ExodusResult, String>> = BTreeMap::new();
    for child in children {
        for v in finish_oracle(child) {
            let input = key(Path::new(v["input"].as_str().expect("input")));
            let r = match v.get("error") {
                Some(e) => Err(e.as_str().unwrap_or("?").to_string()),
                None => Ok(ExodusResult {
                    trackers: v["trackers"]
                        .as_array()
                        .expect("trackers")
                        .iter()
                        .map(|t| {
                            (
                                u32::try_from(t["id"].as_u64().expect("id")).unwrap(),
                                t["class"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect(),
                    classes: v["class_list"]
                        .as_array()
                        .expect("class_list")
                        .iter()
                        .map(|c| c.as_str().expect("class").to_string())
                        .collect(),
                }),
            };
            exodus.insert(input, r);
        }
    }
    assert_eq!(exodus.len(), inputs.len(), "one oracle answer per input");

    // Compare.
    let mut compared = 0usize;
    let mut not_compared = Vec::new();
    let (mut n_unmask, mut n_exodus, mut n_both) = (0usize, 0usize, 0usize);
    let (mut names_exodus, mut names_unmask) = (0usize, 0usize);
    let (mut names_exodus_only, mut names_exodus_only_exact) = (0usize, 0usize);
    let mut exodus_only_names = String::new();
    let mut found: BTreeSet<(String, u32, Side)> = BTreeSet::new();
    let mut unexplained = Vec::new();
    let no_result = UnmaskResult {
        trackers: BTreeMap::new(),
        names: BTreeSet::new(),
        exact_names: BTreeSet::new(),
    };
    for p in &inputs {
        let k = key(p);
        let ex = match exodus
            .get(&k)
            .unwrap_or_else(|| panic!("no exodus answer for {k}"))
        {
            Ok(e) => e,
            Err(e) => {
                not_compared.push(format!("{k}: exodus-core fails: {e}"));
                continue;
            }
        };
        let um = match unmask
            .get(&k)
            .unwrap_or_else(|| panic!("no unmask answer for {k}"))
        {
            Ok(m) => m,
            Err(e) => {
                // exodus read it: unmask must not fail where exodus finds code.
                assert!(
                    ex.trackers.is_empty() && ex.classes.is_empty(),
                    "{k}: unmask fails ({e}) where exodus reads {} classes",
                    ex.classes.len()
                );
                eprintln!("note: {k}: unmask fails ({e}); exodus sees no class either");
                &no_result
            }
        };
        compared += 1;
        n_unmask += um.trackers.len();
        n_exodus += ex.trackers.len();
        names_exodus += ex.classes.len();
        names_unmask += um.names.len();
        for n in ex.classes.difference(&um.names) {
            names_exodus_only += 1;
            let exact = if um.exact_names.contains(n) {
                "exact extraction has it"
            } else {
                names_exodus_only_exact += 1;
                "not a type name"
            };
            exodus_only_names.push_str(&format!("{k}\t{n}\t{exact}\n"));
        }
        if !um.trackers.is_empty() || !ex.trackers.is_empty() {
            eprintln!(
                "{k}: unmask {:?}, exodus {:?}",
                um.trackers.keys().collect::<Vec<_>>(),
                ex.trackers.keys().collect::<Vec<_>>()
            );
        }
        let ids: BTreeSet<u32> = um
            .trackers
            .keys()
            .chain(ex.trackers.keys())
            .copied()
            .collect();
        for id in ids {
            let side = match (um.trackers.get(&id), ex.trackers.get(&id)) {
                (Some(_), Some(_)) => {
                    n_both += 1;
                    continue;
                }
                (Some(_), None) => Side::UnmaskOnly,
                (None, Some(_)) => Side::ExodusOnly,
                (None, None) => continue,
            };
            let name = kb.trackers.by_id(id).map_or("?", |t| t.name.as_str());
            let detail = match side {
                Side::UnmaskOnly => {
                    let ev = &um.trackers[&id];
                    format!("unmask only, from {:?} and {} more", ev[0], ev.len() - 1)
                }
                Side::ExodusOnly => format!("exodus only, from {:?}", ex.trackers[&id]),
            };
            found.insert((k.clone(), id, side));
            match EXPLAINED
                .iter()
                .find(|e| e.input == k && e.trackers.contains(&id) && e.side == side)
            {
                Some(e) => {
                    check_mechanism(&k, id, e.why, side, ex, um);
                    eprintln!(
                        "explained: {k}: tracker {id} ({name}), {detail}: {:?}: {}",
                        e.why, e.reason
                    );
                }
                None => unexplained.push(format!("{k}: tracker {id} ({name}): {detail}")),
            }
        }
    }
    for n in &not_compared {
        eprintln!("not compared: {n}");
    }
    let names_file = synthetic_dir().join("exodus-only-names.tsv");
    std::fs::write(&names_file, &exodus_only_names).unwrap();
    // A listed difference must occur, unless its input is a synthetic one that was not built.
    let built: BTreeSet<String> = inputs.iter().map(|p| key(p)).collect();
    let stale: Vec<_> = EXPLAINED
        .iter()
        .flat_map(|e| e.trackers.iter().map(move |id| (e, *id)))
        .filter(|(e, id)| {
            (built.contains(e.input) || !e.input.starts_with("synthetic/"))
                && !found.contains(&(e.input.to_string(), *id, e.side))
        })
        .map(|(e, id)| format!("{} tracker {id} {:?}", e.input, e.side))
        .collect();
    eprintln!(
        "exodus differential: {} inputs, {compared} compared, {} not compared; trackers found: \
         unmask {n_unmask}, exodus {n_exodus}, both {n_both}; {} differences explained, {} \
         unexplained; class names: exodus {names_exodus}, unmask {names_unmask}, exodus's not \
         in unmask's {names_exodus_only}, of which {names_exodus_only_exact} not in the exact \
         extraction's either (listed in {}); unmask {:.1} s, total {:.1} s",
        inputs.len(),
        not_compared.len(),
        found.len() - unexplained.len(),
        unexplained.len(),
        names_file.display(),
        unmask_done.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        unexplained.is_empty(),
        "unexplained differences with exodus-core:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed differences that no longer occur (remove them): {stale:?}"
    );
    // The comparison must have exercised something.
    assert!(compared > 0 && n_both > 0, "nothing to compare");
}

/// Names that exercise every signature: each `|` alternative as written (dot form), in slash
/// form (regex escapes dropped), extended with a class, with a character in front, and cut
/// short by one character; plus a few odd ones.
fn probe_names() -> Vec<String> {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let mut names = BTreeSet::new();
    for t in kb.trackers.trackers() {
        let Some(sig) = &t.code_signature else {
            continue;
        };
        for alt in sig.split('|') {
            let plain: String = alt.chars().filter(|c| *c != '\\').collect();
            let slash = plain.replace('.', "/");
            let trimmed = slash.trim_end_matches('/').to_string();
            names.insert(alt.to_string());
            names.insert(slash.clone());
            names.insert(format!("{trimmed}/Foo"));
            names.insert(format!("x{slash}"));
            names.insert(format!("a/{trimmed}/Bar"));
            let mut short = trimmed.clone();
            short.pop();
            names.insert(short);
        }
    }
    for odd in [
        "",
        "com",
        "com/google/firebase/analytics/FirebaseAnalytics",
        "Com/Google/Firebase/Analytics/X",
        "com/google/firebase/analyticsX",
        "com/google/firebase/analytics/\u{e9}",
        "com/facebook/ads/AdView",
    ] {
        names.insert(odd.to_string());
    }
    names.retain(|n| !n.contains('\n') && !n.contains('\r'));
    names.into_iter().collect()
}

#[test]
fn signatures_match_exodus() {
    let py = match oracle_python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED: exodus signature test: {why}");
            return;
        }
    };
    let sigs = signature_json();
    let names = probe_names();
    let mut child = spawn_oracle(&py, &sigs, &["--match"], &[]);
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        // The oracle answers line by line; a thread feeds it so neither side blocks.
        let feeder = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        check_signatures(&lines.next().expect("header").expect("read"));
        let kb = unmask_kb::Kb::shared_embedded().expect("kb");
        let mut checked = 0usize;
        let mut matches = 0usize;
        let mut hit = BTreeSet::new();
        let mut wrong = Vec::new();
        for (name, line) in names.iter().zip(lines) {
            let v: Value = serde_json::from_str(&line.expect("read")).expect("json");
            assert_eq!(
                v["name"].as_str(),
                Some(name.as_str()),
                "oracle out of step"
            );
            let want: BTreeSet<u32> = v["ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|i| i.as_u64().expect("id") as u32)
                .collect();
            let set: BTreeSet<u32> = kb.trackers.match_class(name).iter().map(|t| t.id).collect();
            let one: BTreeSet<u32> = kb
                .trackers
                .trackers()
                .iter()
                .filter(|t| t.matches_class(name))
                .map(|t| t.id)
                .collect();
            if set != want || one != want {
                wrong.push(format!(
                    "{name:?}: exodus {want:?}, match_class {set:?}, matches_class {one:?}"
                ));
            }
            matches += want.len();
            hit.extend(want);
            checked += 1;
        }
        feeder.join().expect("feeder").expect("write names");
        assert_eq!(checked, names.len(), "oracle answered {checked} names");
        let used = kb
            .trackers
            .trackers()
            .iter()
            .filter(|t| t.code_signature_used)
            .count();
        eprintln!(
            "exodus signatures: {checked} names, {matches} (name, tracker) matches, {} of {used} \
             used signatures matched at least once, {} disagreements",
            hit.len(),
            wrong.len()
        );
        assert!(
            wrong.is_empty(),
            "regex semantics differ:\n{}",
            wrong.join("\n")
        );
        assert_eq!(hit.len(), used, "some signature was never exercised");
    }
    assert!(child.wait().expect("oracle").success());
}

/// Descriptors around every BMP character `c` (surrogates excepted): inside a package, at the
/// start of the first package (after `L`), inside the class name, and before a capital that
/// could start a second match.
fn probe_descriptors() -> Vec<String> {
    let mut out = Vec::new();
    for c in (1u32..=0xFFFF).filter_map(char::from_u32) {
        out.push(format!("Lcom/a{c}b/X;"));
        out.push(format!("L{c}om/x/Y;"));
        out.push(format!("Lcom/x/Y{c}z;"));
        out.push(format!("Lcom/a{c}Bcd/e/F;"));
    }
    out
}

/// What exodus decodes from dexdump's printing of a descriptor: the MUTF-8 bytes decoded as
/// UTF-8 with `errors='ignore'`, which drops U+0000 and every character above U+FFFF.
fn as_exodus_decodes(descriptor: &str) -> String {
    descriptor
        .chars()
        .filter(|c| *c != '\0' && u32::from(*c) <= 0xFFFF)
        .collect()
}

#[test]
fn class_names_match_exodus() {
    let py = match oracle_python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIPPED: exodus class-name test: {why}");
            return;
        }
    };
    let mut descriptors = probe_descriptors();
    for odd in [
        "Lcom/a\0b/X;",
        "Lcom/a\u{1F600}b/X;",
        "Lcom/\u{1D49C}x/Y;",
        "LFoo;",
    ] {
        descriptors.push(odd.to_string());
    }
    let mut child = Command::new(&py)
        .arg(oracle_script())
        .arg("--findall")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("exodus_oracle.py --findall");
    let mut stdin = child.stdin.take().expect("stdin");
    let text: String = descriptors
        .iter()
        .map(|d| serde_json::to_string(&as_exodus_decodes(d)).unwrap() + "\n")
        .collect();
    let feeder = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let header: Value =
        serde_json::from_str(&lines.next().expect("header").expect("read")).unwrap();
    let (mut checked, mut several, mut approx_differs) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    let mut newer = BTreeSet::new();
    for (d, line) in descriptors.iter().zip(lines) {
        let v: Value = serde_json::from_str(&line.expect("read")).expect("json");
        let want: Vec<String> = serde_json::from_value(v["names"].clone()).expect("names");
        let got: Vec<String> = unmask_kb::TrackerTable::exodus_class_names(d)
            .into_iter()
            .map(|n| n.into_owned())
            .collect();
        if got != want {
            // A letter that Python's Unicode database does not know yet (the regex crate's
            // tables are newer) is no word character for exodus.
            if v["unassigned"] == Value::Bool(true) {
                newer.extend(d.chars().filter(|c| !c.is_ascii()));
            } else {
                wrong.push(format!("{d:?}: exodus {want:?}, unmask {got:?}"));
            }
        }
        several += usize::from(want.len() > 1);
        // The first-match ASCII approximation differs only on non-ASCII text, on a NUL, or
        // when exodus takes more than one name.
        let first = unmask_kb::exodus_class_name(d);
        if first != want.first().map(String::as_str) || want.len() > 1 {
            approx_differs += 1;
            assert!(
                !d.is_ascii() || d.contains('\0') || want.len() > 1,
                "{d:?}: exodus {want:?}, exodus_class_name {first:?}"
            );
        }
        checked += 1;
    }
    feeder.join().expect("feeder").expect("write descriptors");
    assert!(child.wait().expect("oracle").success());
    assert_eq!(checked, descriptors.len(), "oracle answered {checked}");
    eprintln!(
        "exodus class names: {checked} descriptors, {several} give exodus several names, \
         exodus_class_names disagrees on {} and on letters newer than Python's Unicode {} \
         ({newer:?}), the first-match ASCII exodus_class_name on {approx_differs}",
        wrong.len(),
        header["unicode"]
    );
    assert!(
        newer.len() < 50,
        "too many characters put down to Unicode versions: {newer:?}"
    );
    let shown: Vec<_> = wrong.iter().take(40).collect();
    assert!(
        wrong.is_empty(),
        "{} descriptors differ, first ones:\n{shown:#?}",
        wrong.len()
    );
}
