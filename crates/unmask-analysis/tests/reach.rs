//! Reachability (`unmask_analysis::reach`).
//!
//! - On `tests/fixtures/reach/reach.dex` (smali sources and `build.sh` there) with manifests
//!   built here: dead code, an activity's calls with their path, a listener callback, a
//!   virtual call dispatched to an override, reflection by constant names (also loaded in
//!   another basic block), a class initialiser, computed reflection. Offsets are read from
//!   AOSP `dexdump -d` (an independent disassembler).
//! - On the real apps of the shared corpus: every manifest component defined in the code is
//!   reached, and the hop into every reached method is checked against the index's use sites.
//! - On DroidBench: every source call site the analyses report in the app's own code, in an
//!   app whose ground truth lists a leak, is reachable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_analysis::reach::{self, How, Reach};
use unmask_analysis::Code;
use unmask_apk::manifest::{Component, ComponentKind};
use unmask_apk::model::Report;
use unmask_dex::{DexFile, Index};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reach")
}

/// An input's report (manifest, contents) and its dex files.
struct App {
    report: Report,
    names: Vec<String>,
    files: Vec<Vec<u8>>,
}

fn load(path: &Path) -> App {
    let opts = unmask_apk::Options {
        code: false,
        ..Default::default()
    };
    let report = unmask_apk::analyze_file(path, &opts).expect("report");
    let files = unmask_apk::dex_files(path, &unmask_apk::Options::default()).expect("dex");
    App {
        report,
        names: files.iter().map(|f| f.0.clone()).collect(),
        files: files.into_iter().map(|f| f.2).collect(),
    }
}

fn with_code<T>(app: &App, f: impl FnOnce(&Code<'_, '_>) -> T) -> T {
    let dexes: Vec<DexFile<'_>> = app
        .files
        .iter()
        .filter_map(|b| DexFile::parse(b).ok())
        .collect();
    let index = Index::build(&dexes);
    let code = Code {
        names: &app.names,
        dexes: &dexes,
        index: &index,
    };
    f(&code)
}

// ---------------------------------------------------------------------------------------
// The smali fixture.

const P: &str = "com.example.reach.";
const ON_CREATE: &str = "Lcom/example/reach/Main;->onCreate(Landroid/os/Bundle;)V";

fn component(kind: ComponentKind, class: &str, line: u32) -> Component {
    Component {
        kind,
        name: class.to_string(),
        declared_name: class.to_string(),
        exported: false,
        exported_explicit: None,
        exported_reason: String::new(),
        enabled: None,
        permission: None,
        read_permission: None,
        write_permission: None,
        authorities: Vec::new(),
        grant_uri_permissions: None,
        target_activity: None,
        process: None,
        intent_filters: Vec::new(),
        meta_data: Vec::new(),
        line,
    }
}

/// A report whose manifest declares exactly `activities` (class names), no application class
/// and no native code.
fn report_with(activities: &[&str]) -> Report {
    let apk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apk/minimal.apk");
    let mut report = unmask_apk::analyze_file(
        &apk,
        &unmask_apk::Options {
            code: false,
            ..Default::default()
        },
    )
    .expect("minimal.apk");
    let a = &mut report.apks[0];
    a.contents.native_libs.clear();
    a.contents.hidden.clear();
    let m = a.manifest.as_mut().expect("manifest");
    m.application.class_name = None;
    m.components = activities
        .iter()
        .enumerate()
        .map(|(i, c)| component(ComponentKind::Activity, c, 10 + i as u32))
        .collect();
    report
}

fn fixture_reach(activities: &[&str]) -> Reach {
    fixture_reach_report(&report_with(activities))
}

fn fixture_reach_report(report: &Report) -> Reach {
    let bytes = std::fs::read(fixture_dir().join("reach.dex")).expect("reach.dex");
    let dexes = vec![DexFile::parse(&bytes).expect("parse")];
    let index = Index::build(&dexes);
    let names = vec!["classes.dex".to_string()];
    let code = Code {
        names: &names,
        dexes: &dexes,
        index: &index,
    };
    reach::compute(report, &code)
}

fn main_only() -> Reach {
    fixture_reach(&[&format!("{P}Main")])
}

/// Offset of the first instruction of `method` (dexdump's `pkg.Class.name:(proto)R` header)
/// whose text contains `needle`, from `dexdump -d`.
fn dexdump_offset(method: &str, needle: &str) -> u32 {
    let out = std::process::Command::new("dexdump")
        .arg("-d")
        .arg(fixture_dir().join("reach.dex"))
        .output()
        .expect("dexdump (AOSP, Debian package dexdump) is needed for this test");
    let text = String::from_utf8_lossy(&out.stdout);
    let header = format!("] {method}");
    let mut inside = false;
    for line in text.lines() {
        if line.contains(&header) {
            inside = true;
            continue;
        }
        if inside {
            let Some((_, insn)) = line.split_once('|') else {
                break;
            };
            if insn.contains(needle) {
                let hex = insn.split(':').next().unwrap();
                return u32::from_str_radix(hex, 16).unwrap();
            }
        }
    }
    panic!("{needle} not found in {method}");
}

fn hows(r: &Reach, key: &str) -> Vec<(String, How)> {
    r.path_to(key)
        .unwrap_or_else(|| panic!("no path to {key}"))
        .into_iter()
        .map(|h| (h.method, h.how))
        .collect()
}

#[test]
fn dead_code_is_unreachable() {
    let r = main_only();
    assert!(r.everything().is_none(), "{:?}", r.everything());
    for key in [
        "Lcom/example/reach/Dead;->run()V",
        "Lcom/example/reach/Helper;->onlyFromDead()V",
        "Lcom/example/reach/Helper;->neverCalled()V",
        "Lcom/example/reach/UnusedListener;->onClick(Landroid/view/View;)V",
        "Lcom/example/reach/Helper;->fromUnusedListener()V",
        "Lcom/example/reach/Unrelated;->work()V",
        "Lcom/example/reach/Helper;->fromOtherOverride()V",
        "Lcom/example/reach/LoaderActivity;->onCreate(Landroid/os/Bundle;)V",
    ] {
        assert_eq!(r.method_reachable(key), Some(false), "{key}");
        assert!(r.path_to(key).is_none(), "{key}");
    }
    // Not defined by the app.
    assert_eq!(
        r.method_reachable("Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V"),
        None
    );
    assert_eq!(r.method_reachable("Lcom/example/reach/Nope;->x()V"), None);
    assert!(r.methods_reached() < r.methods_total());
    assert_eq!(r.methods_reachable(), r.methods_reached());
}

#[test]
fn activity_call_has_a_path() {
    let r = main_only();
    let p = hows(&r, "Lcom/example/reach/Helper;->used()V");
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(p[0].0, ON_CREATE);
    match &p[0].1 {
        How::Entry { reason } => {
            assert!(
                reason.contains("activity com.example.reach.Main"),
                "{reason}"
            );
            assert!(reason.contains("manifest line 10"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let off = dexdump_offset(
        "com.example.reach.Main.onCreate:(Landroid/os/Bundle;)V",
        "Helper;.used:",
    );
    assert_eq!(
        p[1].1,
        How::Call {
            dex: "classes.dex".into(),
            offset: off
        }
    );
    // The framework calls the activity's constructor and the methods it may override, not
    // a private helper nobody calls.
    assert!(r.entry_points().iter().any(|e| e.method == ON_CREATE));
    assert!(r
        .entry_points()
        .iter()
        .any(|e| e.method == "Lcom/example/reach/Main;-><init>()V"));
    let helper = "Lcom/example/reach/Main;->helperOfActivity()V";
    assert_eq!(r.method_reachable(helper), Some(false));
}

#[test]
fn path_as_json() {
    let r = main_only();
    let p = r
        .path_to("Lcom/example/reach/Helper;->fromCallback()V")
        .unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v[0]["method"], ON_CREATE);
    assert_eq!(v[0]["kind"], "entry");
    assert_eq!(v[1]["kind"], "callback");
    assert_eq!(v[1]["class"], "Lcom/example/reach/ClickListener;");
    assert_eq!(v[2]["kind"], "call");
    assert_eq!(v[2]["dex"], "classes.dex");
    assert!(v[2]["offset"].is_u64());
}

#[test]
fn listener_callback_is_reachable() {
    let r = main_only();
    let on_click = "Lcom/example/reach/ClickListener;->onClick(Landroid/view/View;)V";
    let p = hows(&r, on_click);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(p[0].0, ON_CREATE);
    let off = dexdump_offset(
        "com.example.reach.Main.onCreate:(Landroid/os/Bundle;)V",
        "new-instance v0, Lcom/example/reach/ClickListener;",
    );
    assert_eq!(
        p[1].1,
        How::Callback {
            dex: "classes.dex".into(),
            offset: off,
            class: "Lcom/example/reach/ClickListener;".into()
        }
    );
    let p = hows(&r, "Lcom/example/reach/Helper;->fromCallback()V");
    assert_eq!(p.len(), 3);
    assert_eq!(p[1].0, on_click);
    let off = dexdump_offset(
        "com.example.reach.ClickListener.onClick:(Landroid/view/View;)V",
        "Helper;.fromCallback:",
    );
    assert_eq!(
        p[2].1,
        How::Call {
            dex: "classes.dex".into(),
            offset: off
        }
    );
}

#[test]
fn virtual_call_reaches_the_override() {
    let r = main_only();
    let p = hows(&r, "Lcom/example/reach/Sub;->work()V");
    assert_eq!(p.len(), 2, "{p:#?}");
    let off = dexdump_offset(
        "com.example.reach.Main.onCreate:(Landroid/os/Bundle;)V",
        "invoke-virtual {v1}, Lcom/example/reach/Base;.work:",
    );
    assert_eq!(
        p[1].1,
        How::Call {
            dex: "classes.dex".into(),
            offset: off
        }
    );
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Base;->work()V"),
        Some(true)
    );
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Helper;->fromOverride()V"),
        Some(true)
    );
}

#[test]
fn reflection_with_constant_names() {
    let r = main_only();
    let p = hows(&r, "Lcom/example/reach/Reflected;->hidden()V");
    let off = dexdump_offset(
        "com.example.reach.Main.onCreate:(Landroid/os/Bundle;)V",
        "\"com.example.reach.Reflected\"",
    );
    assert_eq!(
        p.last().unwrap().1,
        How::Reflection {
            dex: "classes.dex".into(),
            offset: off,
            class: "Lcom/example/reach/Reflected;".into()
        }
    );
    // The second name is loaded in another basic block, into a register written once: the
    // forName call is not "computed", so not everything is reachable.
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Reflected2;->hidden2()V"),
        Some(true)
    );
    assert!(r.everything().is_none());
}

#[test]
fn static_field_read_runs_the_class_initialiser() {
    let r = main_only();
    let p = hows(&r, "Lcom/example/reach/Helper;->fromClinit()V");
    assert_eq!(p.len(), 3, "{p:#?}");
    assert_eq!(p[1].0, "Lcom/example/reach/Config;-><clinit>()V");
    let off = dexdump_offset(
        "com.example.reach.Main.onCreate:(Landroid/os/Bundle;)V",
        "sget-boolean",
    );
    assert_eq!(
        p[1].1,
        How::ClassInit {
            dex: Some("classes.dex".into()),
            offset: Some(off)
        }
    );
}

#[test]
fn computed_reflection_makes_every_class_live() {
    let r = fixture_reach(&[&format!("{P}Main"), &format!("{P}LoaderActivity")]);
    assert!(r.everything().is_none(), "{:?}", r.everything());
    let e = r.all_classes_live().expect("all-classes-live flag");
    assert!(e.reason.contains("computed name"), "{e:?}");
    assert_eq!(
        e.method.as_deref(),
        Some("Lcom/example/reach/LoaderActivity;->onCreate(Landroid/os/Bundle;)V")
    );
    let off = dexdump_offset(
        "com.example.reach.LoaderActivity.onCreate:(Landroid/os/Bundle;)V",
        "Class;.forName:",
    );
    assert_eq!(e.offset, Some(off));
    // Any class may now have instances: the framework may call the unused listener.
    let p = hows(&r, "Lcom/example/reach/Helper;->fromUnusedListener()V");
    assert_eq!(p.len(), 3, "{p:#?}");
    assert_eq!(
        p[1].1,
        How::ReflectiveLookup {
            dex: "classes.dex".into(),
            offset: off
        }
    );
    // But nothing calls a static method of a class by reflection: it stays dead.
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Dead;->run()V"),
        Some(false)
    );
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Helper;->onlyFromDead()V"),
        Some(false)
    );
    // Without that activity the flag is off.
    assert!(main_only().all_classes_live().is_none());
}

#[test]
fn custom_view_is_instantiated_by_name() {
    let r = main_only();
    let on_draw = "Lcom/example/reach/FancyText;->onDraw(Landroid/graphics/Canvas;)V";
    let p = hows(&r, on_draw);
    assert_eq!(p.len(), 1, "{p:#?}");
    match &p[0].1 {
        How::Entry { reason } => {
            assert!(reason.contains("Landroid/widget/TextView;"), "{reason}");
            assert!(reason.contains("by name"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Helper;->fromView()V"),
        Some(true)
    );
}

#[test]
fn jni_classes_only_with_native_code_and_dynamic_loading() {
    let from_native = "Lcom/example/reach/NativeBridge;->fromNative()V";
    let r = main_only();
    assert_eq!(r.method_reachable(from_native), Some(false));
    let mut report = report_with(&[&format!("{P}Main")]);
    report.apks[0].contents.native_libs.insert(
        "arm64-v8a".into(),
        vec![unmask_apk::model::EntryRef {
            name: "lib/arm64-v8a/libbridge.so".into(),
            size: 1,
        }],
    );
    let r = fixture_reach_report(&report);
    let p = hows(&r, from_native);
    match &p[0].1 {
        How::Entry { reason } => assert!(reason.contains("native"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Helper;->fromJni()V"),
        Some(true)
    );
    // fromNative calls Dyn.load, which builds a DexClassLoader: everything is reachable,
    // even code the search did not reach.
    let e = r.everything().expect("everything flag");
    assert!(e.reason.contains("dynamic code loading"), "{e:?}");
    assert!(e.reason.contains("DexClassLoader"), "{e:?}");
    assert_eq!(
        e.method.as_deref(),
        Some("Lcom/example/reach/Dyn;->load()V")
    );
    let off = dexdump_offset("com.example.reach.Dyn.load:()V", "DexClassLoader;.<init>:");
    assert_eq!(e.offset, Some(off));
    let dead = "Lcom/example/reach/Dead;->run()V";
    assert_eq!(r.method_reachable(dead), Some(true));
    assert!(r.path_to(dead).is_none());
    assert_eq!(r.methods_reachable(), r.methods_total());
    assert!(r.methods_reached() < r.methods_total());
}

#[test]
fn no_manifest_makes_everything_reachable() {
    let mut report = report_with(&[]);
    report.apks[0].manifest = None;
    let bytes = std::fs::read(fixture_dir().join("reach.dex")).expect("reach.dex");
    let dexes = vec![DexFile::parse(&bytes).expect("parse")];
    let index = Index::build(&dexes);
    let names = vec!["classes.dex".to_string()];
    let code = Code {
        names: &names,
        dexes: &dexes,
        index: &index,
    };
    let r = reach::compute(&report, &code);
    assert!(r.everything().is_some());
    assert_eq!(
        r.method_reachable("Lcom/example/reach/Dead;->run()V"),
        Some(true)
    );
}

// ---------------------------------------------------------------------------------------
// Checking hops against the index.

/// Use sites by (dex, caller method_idx, offset): which index items are referenced there.
struct SiteMap {
    at: HashMap<(u32, u32, u32), Vec<(u8, u32)>>,
    ids: HashMap<(u32, String), u32>,
}

impl SiteMap {
    fn new(dexes: &[DexFile<'_>], index: &Index) -> Self {
        let mut at: HashMap<(u32, u32, u32), Vec<(u8, u32)>> = HashMap::new();
        for (k, t) in [
            (0u8, &index.methods),
            (1, &index.fields),
            (2, &index.types),
            (3, &index.strings),
        ] {
            for (i, sites) in t.iter() {
                for s in sites {
                    at.entry((s.dex, s.method_idx, s.offset))
                        .or_default()
                        .push((k, i));
                }
            }
        }
        SiteMap {
            at,
            ids: method_ids(dexes),
        }
    }
}

/// Method ids by descriptor, per dex.
fn method_ids(dexes: &[DexFile<'_>]) -> HashMap<(u32, String), u32> {
    let mut out = HashMap::new();
    for (d, dex) in dexes.iter().enumerate() {
        for m in 0..dex.method_count() {
            if let Ok(k) = dex.method_descriptor(m) {
                out.entry((d as u32, k)).or_insert(m);
            }
        }
    }
    out
}

/// Checks the hop into `key` (the last of its path) against the index. Returns an error
/// message if the hop names no matching use site.
fn check_hop(code: &Code<'_, '_>, sites: &SiteMap, r: &Reach, key: &str) -> Result<(), String> {
    let path = r.path_to(key).ok_or("no path")?;
    if !matches!(path[0].how, How::Entry { .. }) {
        return Err(format!("path does not start with an entry: {:?}", path[0]));
    }
    if path.len() < 2 {
        return Ok(());
    }
    let (prev, hop) = (&path[path.len() - 2], &path[path.len() - 1]);
    let dex_no = |name: &str| code.names.iter().position(|n| n == name).map(|d| d as u32);
    let (dex, offset) = match &hop.how {
        How::Call { dex, offset }
        | How::Callback { dex, offset, .. }
        | How::Reflection { dex, offset, .. }
        | How::FieldType { dex, offset, .. }
        | How::ReflectiveLookup { dex, offset } => (dex.clone(), *offset),
        How::ClassInit {
            dex: Some(dex),
            offset: Some(offset),
        } => (dex.clone(), *offset),
        How::ClassInit { .. } => {
            // The previous method runs: the initialiser belongs to its class or an ancestor.
            return if hop.method.ends_with("-><clinit>()V") {
                Ok(())
            } else {
                Err(format!("class init of a non-<clinit>: {hop:?}"))
            };
        }
        How::Entry { .. } => return Err(format!("entry in the middle of a path: {hop:?}")),
    };
    let d = dex_no(&dex).ok_or("unknown dex")?;
    let Some(&m) = sites.ids.get(&(d, prev.method.clone())) else {
        return Err(format!("{} not defined in {dex}", prev.method));
    };
    let refs = sites
        .at
        .get(&(d, m, offset))
        .ok_or_else(|| format!("no use site at {dex} {} +{offset}", prev.method))?;
    let h = &code.index.hierarchy;
    let (cls, sig) = hop.method.split_once("->").unwrap();
    let ok = refs.iter().any(|&(k, i)| {
        let table = [
            &code.index.methods,
            &code.index.fields,
            &code.index.types,
            &code.index.strings,
        ][k as usize];
        let item = table.key(code.dexes, i).unwrap_or_default();
        match &hop.how {
            How::Call { .. } => {
                let Some((rc, rs)) = item.split_once("->") else {
                    return false;
                };
                let (a, b) = (h.id(rc), h.id(cls));
                // The target is the referenced method, an override in a subtype, the
                // definition inherited from a supertype, or one a common subtype inherits
                // (an interface method implemented by a superclass).
                k == 0
                    && rs == sig
                    && (rc == cls
                        || a.zip(b).is_some_and(|(a, b)| {
                            h.is_subtype_of(b, a)
                                || h.is_subtype_of(a, b)
                                || (0..h.len() as u32)
                                    .any(|s| h.is_subtype_of(s, a) && h.is_subtype_of(s, b))
                        }))
            }
            How::ClassInit { .. } => {
                let rc = item.split_once("->").map_or(item.as_str(), |(c, _)| c);
                hop.method.ends_with("-><clinit>()V")
                    && k <= 2
                    && h.id(rc)
                        .zip(h.id(cls))
                        .is_some_and(|(a, b)| h.is_subtype_of(a, b))
            }
            How::Callback { class, .. } => k == 2 && item == *class,
            How::FieldType { holder, .. } => {
                (k == 2 && item == *holder)
                    || (k == 3 && format!("L{};", item.replace('.', "/")) == *holder)
                    || (k == 0 && item.starts_with("Ljava/util/ServiceLoader;->load"))
            }
            How::Reflection { class, .. } => {
                k == 3 && format!("L{};", item.replace('.', "/")) == *class
            }
            How::ReflectiveLookup { .. } => {
                let name = item
                    .split_once("->")
                    .map_or("", |(_, r)| r.split('(').next().unwrap_or(""));
                k == 0
                    && [
                        "getMethod",
                        "getDeclaredMethod",
                        "getMethods",
                        "getDeclaredMethods",
                        "getConstructor",
                        "getDeclaredConstructor",
                        "getConstructors",
                        "getDeclaredConstructors",
                        "newInstance",
                        "findVirtual",
                        "findStatic",
                        "findSpecial",
                        "findConstructor",
                        "addJavascriptInterface",
                        "load",
                        "loadInstalled",
                        "forName",
                        "loadClass",
                        "findClass",
                    ]
                    .contains(&name)
            }
            How::Entry { .. } => false,
        }
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{hop:?} from {}: site refers to {refs:?}",
            prev.method
        ))
    }
}

#[test]
fn fixture_hops_match_the_index() {
    let bytes = std::fs::read(fixture_dir().join("reach.dex")).expect("reach.dex");
    let dexes = vec![DexFile::parse(&bytes).expect("parse")];
    let index = Index::build(&dexes);
    let names = vec!["classes.dex".to_string()];
    let code = Code {
        names: &names,
        dexes: &dexes,
        index: &index,
    };
    let r = reach::compute(&report_with(&[&format!("{P}Main")]), &code);
    let sites = SiteMap::new(&dexes, &index);
    let mut n = 0;
    for (key, reached) in r.methods() {
        if reached {
            check_hop(&code, &sites, &r, &key).unwrap_or_else(|e| panic!("{key}: {e}"));
            n += 1;
        }
    }
    assert!(n >= 15, "{n}");
}

// ---------------------------------------------------------------------------------------
// Real apps.

fn real_apks() -> Option<Vec<PathBuf>> {
    let dir = corpus().join("real");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: real corpus not found at {}", dir.display());
        return None;
    };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
        .collect();
    paths.sort();
    Some(paths)
}

#[test]
fn real_apps_invariants() {
    let Some(paths) = real_apks() else { return };
    for p in paths {
        let app = load(&p);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        with_code(&app, |code| {
            let r = reach::compute(&app.report, code);
            assert!(r.methods_reached() <= r.methods_total(), "{name}");
            assert!(r.methods_reachable() <= r.methods_total(), "{name}");
            // Every method of every manifest component defined in the code is reached by the
            // search (not only through the "everything" flag), from an entry point.
            let mut components = 0;
            let manifest_classes: Vec<String> = app
                .report
                .apks
                .iter()
                .filter_map(|a| a.manifest.as_ref())
                .flat_map(|m| {
                    m.components
                        .iter()
                        .map(|c| c.name.clone())
                        .chain(m.application.class_name.clone())
                })
                .collect();
            let reached: HashMap<String, bool> = r.methods().collect();
            // The constructors and non-static, non-private methods of the component classes
            // (from the dex class data, read here).
            let mut callable: HashMap<String, Vec<String>> = HashMap::new();
            for dex in code.dexes {
                for class in dex.classes().flatten() {
                    let Ok(desc) = class.descriptor() else {
                        continue;
                    };
                    let dotted = desc
                        .trim_start_matches('L')
                        .trim_end_matches(';')
                        .replace('/', ".");
                    if !manifest_classes.contains(&dotted) {
                        continue;
                    }
                    for m in class.methods().into_iter().flatten().flatten() {
                        let flags = m.encoded.access_flags;
                        let ctor = flags & 0x10000 != 0 && flags & 0x8 == 0;
                        if ctor || (!m.encoded.is_direct && flags & 0x8 == 0) {
                            if let Ok(k) = dex.method_descriptor(m.encoded.method_idx) {
                                callable.entry(dotted.clone()).or_default().push(k);
                            }
                        }
                    }
                }
            }
            for (c, methods) in &callable {
                components += 1;
                for k in methods {
                    assert_eq!(
                        reached.get(k),
                        Some(&true),
                        "{name}: {k} of manifest class {c} not reached"
                    );
                    let path = r.path_to(k).unwrap();
                    assert!(matches!(path[0].how, How::Entry { .. }), "{name}: {path:?}");
                }
            }
            // The hop into every reached method is a real use site.
            let sites = SiteMap::new(code.dexes, code.index);
            let mut bad = Vec::new();
            let mut checked = 0;
            for (k, ok) in &reached {
                if *ok {
                    checked += 1;
                    if let Err(e) = check_hop(code, &sites, &r, k) {
                        bad.push(format!("{k}: {e}"));
                    }
                }
            }
            eprintln!(
                "{name}: {} methods, {} reached, {} components with code, {} hops checked, everything: {:?}, all classes live: {:?}",
                r.methods_total(),
                r.methods_reached(),
                components,
                checked,
                r.everything().map(|e| (&e.reason, &e.method)),
                r.all_classes_live().map(|e| (&e.reason, &e.method))
            );
            assert!(
                bad.is_empty(),
                "{name}: {} bad hops, e.g. {:#?}",
                bad.len(),
                &bad[..bad.len().min(5)]
            );
        });
    }
}

#[test]
#[ignore]
fn timing() {
    let Some(paths) = real_apks() else { return };
    for p in &paths {
        let app = load(p);
        let dexes: Vec<DexFile<'_>> = app
            .files
            .iter()
            .filter_map(|b| DexFile::parse(b).ok())
            .collect();
        let mut best = (f64::MAX, f64::MAX);
        let mut last = None;
        for _ in 0..3 {
            let t = Instant::now();
            let index = Index::build(&dexes);
            let ti = t.elapsed().as_secs_f64();
            let code = Code {
                names: &app.names,
                dexes: &dexes,
                index: &index,
            };
            let t = Instant::now();
            let r: Reach = reach::compute(&app.report, &code);
            let tr = t.elapsed().as_secs_f64();
            best = (best.0.min(ti), best.1.min(tr));
            last = Some(r);
        }
        let r = last.unwrap();
        eprintln!(
            "{}: Index::build {:.3}s, reach {:.3}s (best of 3); methods {} reached {} live classes {} entry points {}; everything: {:?}; all classes live: {:?}",
            p.file_name().unwrap().to_string_lossy(),
            best.0,
            best.1,
            r.methods_total(),
            r.methods_reached(),
            r.live_classes(),
            r.entry_points().len(),
            r.everything().map(|e| (&e.reason, &e.method, e.offset)),
            r.all_classes_live().map(|e| (&e.reason, &e.method, e.offset))
        );
    }
}

// ---------------------------------------------------------------------------------------
// DroidBench.

/// Apps whose ground truth lists a leak run their leaking source, so every source call site
/// (or callback) the analyses report in the app's own code must be reachable. (A stricter
/// check than needed: an app with a leak might also hold a dead source call; none does.)
#[test]
fn droidbench_sources_are_reachable() {
    let dir = corpus().join("droidbench");
    let Ok(gt) = std::fs::read_to_string(dir.join("GROUND_TRUTH.tsv")) else {
        eprintln!("SKIPPED: DroidBench corpus not found at {}", dir.display());
        return;
    };
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let opts = unmask_analysis::Options::default();
    let (mut apps, mut sites, mut by_search, mut by_flag) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for line in gt.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[2] == "0" {
            continue;
        }
        let path = dir.join(cols[0]);
        let (_, findings) =
            unmask_analysis::analyze_path(&path, kb, &iocs, &opts).expect("analyze");
        let app = load(&path);
        with_code(&app, |code| {
            let r = reach::compute(&app.report, code);
            apps += 1;
            for f in findings.section(unmask_analysis::Section::DataCollected) {
                for e in &f.evidence {
                    let (class, method) = match e {
                        unmask_analysis::Evidence::Code { class, method, .. }
                        | unmask_analysis::Evidence::Method { class, method, .. } => {
                            (class, method)
                        }
                        _ => continue,
                    };
                    if ["Landroid/", "Landroidx/", "Lcom/google/"]
                        .iter()
                        .any(|p| class.starts_with(p))
                    {
                        continue;
                    }
                    sites += 1;
                    match r.method_reachable(method) {
                        Some(true) if r.path_to(method).is_some() => by_search += 1,
                        Some(true) => by_flag += 1,
                        other => {
                            misses.push(format!("{}: {method} ({}): {other:?}", cols[0], f.kind))
                        }
                    }
                }
            }
        });
    }
    eprintln!(
        "DroidBench: {apps} apps with leaks, {sites} source sites in app code: {by_search} reached by the search, {by_flag} only through a blanket flag, {} missed",
        misses.len()
    );
    assert!(sites > 100, "{sites}");
    assert!(misses.is_empty(), "{misses:#?}");
}

/// A DroidBench app whose source sits in a private method of an activity that nothing calls:
/// the search must not reach it (so the analysis is not "everything is reachable").
#[test]
fn droidbench_dead_sources_are_unreachable() {
    let dir = corpus().join("droidbench");
    if !dir.join("GROUND_TRUTH.tsv").exists() {
        eprintln!("SKIPPED: DroidBench corpus not found at {}", dir.display());
        return;
    }
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let opts = unmask_analysis::Options::default();
    // (apk, method holding the source, read with `dexdump -d`: private, never invoked).
    {
        let (apk, dead) = (
            "GeneralJava/UnreachableCode.apk",
            "Lde/ecspride/UnreachableCode;->unrechable()V",
        );
        let path = dir.join(apk);
        let (_, findings) =
            unmask_analysis::analyze_path(&path, kb, &iocs, &opts).expect("analyze");
        // The analyses do report the source there.
        let reported = findings
            .section(unmask_analysis::Section::DataCollected)
            .flat_map(|f| f.evidence.iter())
            .any(|e| matches!(e, unmask_analysis::Evidence::Code { method, .. } if method == dead));
        assert!(reported, "{apk}: no source reported in {dead}");
        let app = load(&path);
        with_code(&app, |code| {
            let r = reach::compute(&app.report, code);
            assert!(r.everything().is_none(), "{apk}");
            assert_eq!(
                r.method_reachable(dead),
                Some(false),
                "{apk}: {:?}",
                r.path_to(dead)
            );
        });
    }
}

/// Mutated copies of the fixture (bytes flipped after the header, checksums left wrong):
/// no panic, and the counts stay consistent.
#[test]
fn mutated_fixture_does_not_panic() {
    let bytes = std::fs::read(fixture_dir().join("reach.dex")).expect("reach.dex");
    let report = report_with(&[&format!("{P}Main"), &format!("{P}LoaderActivity")]);
    let names = vec!["classes.dex".to_string()];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut analysed = 0;
    for _ in 0..300 {
        let mut m = bytes.clone();
        for _ in 0..1 + next() % 8 {
            let at = 0x70 + (next() as usize) % (m.len() - 0x70);
            m[at] = next() as u8;
        }
        let Ok(dex) = DexFile::parse(&m) else {
            continue;
        };
        let dexes = vec![dex];
        let index = Index::build(&dexes);
        let code = Code {
            names: &names,
            dexes: &dexes,
            index: &index,
        };
        let r = reach::compute(&report, &code);
        assert!(r.methods_reached() <= r.methods_total());
        for (k, reached) in r.methods() {
            if reached {
                let p = r.path_to(&k);
                assert!(
                    p.is_some_and(|p| matches!(p[0].how, How::Entry { .. })),
                    "{k}"
                );
            }
        }
        analysed += 1;
    }
    assert!(analysed > 100, "{analysed}");
}

// ---------------------------------------------------------------------------------------
// Result dumps (to compare two versions of the analysis).

/// Every result of `r` as text: counts, triggers, entry points, every method with whether
/// it was reached, and the path to every `stride`-th reached method.
fn dump(r: &Reach, stride: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "total {} reached {} reachable {} live {}\neverything {:?}\nall_live {:?}",
        r.methods_total(),
        r.methods_reached(),
        r.methods_reachable(),
        r.live_classes(),
        r.everything(),
        r.all_classes_live()
    );
    for e in r.entry_points() {
        let _ = writeln!(out, "entry {} {}", e.method, e.reason);
    }
    let methods: Vec<(String, bool)> = r.methods().collect();
    for (k, ok) in &methods {
        let _ = writeln!(out, "m {k} {ok} {:?}", r.method_reachable(k));
    }
    for (i, (k, _)) in methods.iter().filter(|m| m.1).enumerate() {
        if i % stride.max(1) == 0 {
            let _ = writeln!(out, "path {k} {:?}", r.path_to(k));
        }
    }
    out
}

/// Writes [`dump`] of the fixture (several manifests), the real apps and DroidBench apps to
/// the directory in `REACH_DUMP_DIR`.
#[test]
#[ignore]
fn dump_results() {
    let Some(dir) = std::env::var_os("REACH_DUMP_DIR") else {
        eprintln!("SKIPPED: set REACH_DUMP_DIR");
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fixture-main.txt"), dump(&main_only(), 1)).unwrap();
    std::fs::write(dir.join("fixture-none.txt"), dump(&fixture_reach(&[]), 1)).unwrap();
    let mut paths = real_apks().unwrap_or_default();
    let db = corpus().join("droidbench");
    if let Ok(rd) = std::fs::read_dir(&db) {
        for sub in rd.flatten() {
            if let Ok(rd2) = std::fs::read_dir(sub.path()) {
                paths.extend(
                    rd2.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "apk")),
                );
            }
        }
    }
    paths.sort();
    for p in paths {
        let app = load(&p);
        let name = p
            .strip_prefix(corpus())
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('/', "_");
        let text = with_code(&app, |code| dump(&reach::compute(&app.report, code), 3));
        std::fs::write(dir.join(format!("{name}.txt")), text).unwrap();
    }
}

/// CPU time of this process so far (user + system), from `/proc/self/stat`.
fn process_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU and wall time of `reach::compute` alone (the index built once), `REACH_RUNS` runs
/// (default 10) per real app (those whose path contains `REACH_APP`): `cargo test --release -p unmask-analysis --test reach --
/// --ignored --nocapture cpu_time`.
#[test]
#[ignore]
fn cpu_time() {
    let Some(paths) = real_apks() else { return };
    let runs: u32 = std::env::var("REACH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let only = std::env::var("REACH_APP").unwrap_or_default();
    for p in paths.iter().filter(|p| p.to_string_lossy().contains(&only)) {
        let app = load(p);
        with_code(&app, |code| {
            let (c0, t) = (process_cpu().unwrap_or(0.0), Instant::now());
            for _ in 0..runs {
                std::hint::black_box(reach::compute(&app.report, code));
            }
            let wall = t.elapsed().as_secs_f64() / f64::from(runs);
            let cpu = (process_cpu().unwrap_or(0.0) - c0) / f64::from(runs);
            eprintln!(
                "{}: reach::compute {wall:.4}s wall, {cpu:.4}s CPU per run ({runs} runs)",
                p.file_name().unwrap().to_string_lossy()
            );
        });
    }
}

/// The result's views agree with each other on the fixture and every real app: each method
/// `methods()` lists is found again by its descriptor with the same flag (the descriptor,
/// rendered from interned name and prototype ids, names exactly one defined method, as
/// `dexdump`-style descriptors from the dex class data do), counts match the list, and a
/// sample of paths starts at an entry point, ends at the method asked for and follows
/// methods that are themselves reached.
#[test]
fn views_are_consistent() {
    let check = |name: &str, r: &Reach, dexes: &[DexFile<'_>]| {
        let methods: Vec<(String, bool)> = r.methods().collect();
        assert_eq!(methods.len(), r.methods_total(), "{name}");
        let reached = methods.iter().filter(|m| m.1).count();
        assert_eq!(reached, r.methods_reached(), "{name}");
        let everything = r.everything().is_some();
        let mut distinct = std::collections::HashSet::new();
        for (k, ok) in &methods {
            assert!(distinct.insert(k.as_str()), "{name}: {k} listed twice");
            assert_eq!(
                r.method_reachable(k),
                Some(*ok || everything),
                "{name}: {k}"
            );
        }
        // Every method defined in the class data (rendered by the dex crate, not by the
        // analysis) is listed.
        for dex in dexes {
            for class in dex.classes().flatten() {
                for m in class.methods().into_iter().flatten().flatten() {
                    if let Ok(k) = dex.method_descriptor(m.encoded.method_idx) {
                        assert!(distinct.contains(k.as_str()), "{name}: {k} not listed");
                    }
                }
            }
        }
        for (k, _) in methods.iter().filter(|m| m.1).step_by(97) {
            let path = r.path_to(k).unwrap();
            assert!(matches!(path[0].how, How::Entry { .. }), "{name}: {path:?}");
            assert_eq!(&path.last().unwrap().method, k, "{name}");
            for h in &path {
                assert_eq!(r.method_reachable(&h.method), Some(true), "{name}: {h:?}");
            }
        }
        assert_eq!(r.method_reachable("Lno/such/Class;->m()V"), None);
        assert_eq!(r.method_reachable("garbage"), None);
    };
    let bytes = std::fs::read(fixture_dir().join("reach.dex")).expect("reach.dex");
    let dexes = vec![DexFile::parse(&bytes).expect("parse")];
    check("fixture", &main_only(), &dexes);
    let Some(paths) = real_apks() else { return };
    for p in paths {
        let app = load(&p);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        with_code(&app, |code| {
            check(&name, &reach::compute(&app.report, code), code.dexes)
        });
    }
}
