//! # unmask-analysis
//!
//! The analyses that turn a decoded app (the `unmask-apk` report plus its parsed dex files and
//! the `unmask-dex` [`Index`]) into [`Findings`]: what personal data the app collects, where it
//! sends it, who is inside, its surveillance traits and indicator-of-compromise matches. Every
//! [`Finding`] says why it was raised (`reason`) and carries [`Evidence`] a reviewer can check
//! by hand: for code, the dex entry, class, method, bytecode offset in code units (as
//! `unmask dex APK --method METHOD` prints it), the source line when the debug info has one
//! and the API, field or string involved; otherwise the manifest element or archive entry.
//!
//! Entry points: [`analyze_path`] (reads an input like `unmask scan`) and [`analyze`] (on a
//! report and dex files the caller already has).
//!
//! ## The analyses
//!
//! 1. **Data collected** ([`Section::DataCollected`]): every invoked method and accessed field
//!    in the index is looked up in the knowledge base's `apis` table. `condition` is honoured:
//!    `-` raises on any call site; `arg:N=V` raises only when the register passed as declared
//!    parameter `N` holds one of the constants, found by a backward scan **within the same
//!    basic block** (a forward walk that remembers the last `const-string`/`const*` loaded into
//!    each register and forgets everything at branch targets and after branches, switches,
//!    returns and throws) — a constant loaded in another block, passed through a field or
//!    computed is missed; rows of the meta-category `content_provider` (`ContentResolver`
//!    calls, whose category depends on the URI object passed) are not raised: the URI
//!    strings and fields below say which provider is read; `callback` raises when the app defines a method with the row's name
//!    (and prototype, unless `*`) in a class that extends or implements the row's class
//!    (transitively, through the index's hierarchy); `context` rows are never raised alone.
//!    Content URIs: `const-string`s matching a row of `content_uris` (`match_uri`), and
//!    static fields / methods of the table (`by_member`, e.g. `CallLog$Calls.CONTENT_URI`).
//!    [`Section::Permissions`]: requested permissions whose categories show no finding
//!    (`permission.unused`) and API findings whose permission requirement the manifest does
//!    not satisfy (`permission.missing`). Every finding whose evidence is the app's code
//!    carries `reachability` ([`reach`]): whether any of that code can run, starting from a
//!    component the manifest declares (conservative: dead code may be called reachable, code
//!    that can run is never called unreachable), with one path of methods as evidence. It
//!    is computed in parallel with the other analyses (`Options::reachability`).
//! 2. **Where it goes** ([`Findings::endpoints`], [`Section::Network`]): URLs (`http`, `https`,
//!    `ws`, `wss`, `ftp`) and IPv4 addresses (whole strings, optionally with a port) in every
//!    dex string, deduplicated, with the code sites that load the string (else the dex
//!    string); IPv6 literals inside URLs. Cleartext (`http://`, `ws://`) URLs and hosts that
//!    match a tracker's network signature are also findings; URLs that are well-known
//!    identifiers rather than endpoints (XML namespaces and parser features of w3.org,
//!    xml.org, apache.org/xml, java.sun.com/xml, `javax.xml.*`, schemas.android.com, ...)
//!    are kept as endpoints with `identifier: true` but raise no cleartext finding. Strings
//!    outside the dex files are scanned too ([`sources`]): the resource table's and binary
//!    XML resources' string pools, printable runs of assets and raw resources (a ZIP among
//!    them is opened one level deep), and the data-section strings of native libraries
//!    (`unmask-elf`); their evidence is the entry and where in it (`Evidence::Entry`). In
//!    those, IPv4 addresses count only as whole tokens, and strings that are mostly numbers
//!    (vector path data) give none. The network policy: cleartext allowed by the manifest
//!    (`usesCleartextTraffic`, or its default below target SDK 28) or by the network security
//!    config (`network.cleartext_allowed`, per domain or `*`), user-installed CAs trusted
//!    (`network.user_ca_trusted`; `debug-overrides` only when the app is debuggable) and
//!    certificate pinning (`network.pinning`). Bare host names (a whole string such as
//!    `api.example.com`: lowercase, a common top-level domain, not shaped like a Java package)
//!    are endpoints of kind `host`.
//! 3. **Who is inside** ([`Section::Inside`]): trackers by code signature, applied like
//!    exodus-core (see `unmask_kb` docs): the class list is every type of every dex
//!    (`type_ids`, a superset of what `dexdump` prints without `-d`) mapped through
//!    [`unmask_kb::exodus_class_name`], each tracker's regex searched over each name;
//!    packers from native library names, asset names and defined class names; dynamic code
//!    loading (`DexClassLoader`, `InMemoryDexClassLoader`, `PathClassLoader`,
//!    `BaseDexClassLoader`, `DelegateLastClassLoader`, `dalvik.system.DexFile`), reflection
//!    (`Class.forName`, `getMethod`/`getDeclaredMethod`, `Method.invoke`), reflection whose
//!    string arguments in the same method name a class and member of the `apis` table, native
//!    code loading (`System`/`Runtime` `load`/`loadLibrary`) and hidden dex/APK/ZIP/ELF entries.
//! 4. **Surveillance traits** ([`Section::Traits`]): from the manifest, accessibility
//!    services, device-admin receivers, notification listeners, SMS/call/boot receivers
//!    (also receivers registered at run time: an SMS/call/boot action string loaded by code
//!    in an app that calls `registerReceiver`; the permissions those broadcasts need are
//!    never called unused); from
//!    the code, screen capture (MediaProjection), call recording (`MediaRecorder.setAudioSource`
//!    with a constant 2/3/4), launcher icon hidden at run time
//!    (`setComponentEnabledSetting` with constant 2 = DISABLED, while a launcher activity is
//!    declared), reading the installed apps, watched apps (package names of the kb's
//!    `watched_apps` as dex strings, or as tokens of strings in resources, assets and native
//!    libraries), a shipped hash list (`trait.hash_list`: 20 or more distinct MD5/SHA-1/SHA-256
//!    hex digests in one asset or resource, or among one dex file's strings) and bulk file scanning with hashing (`File.listFiles` or
//!    `Files.walk` plus `MessageDigest` in the same class).
//! 5. **IOC matches** ([`Section::Iocs`]): package name, signing-certificate SHA-1/SHA-256, APK
//!    hashes, hidden entry names, URLs, hosts and IPs from 2. against the [`IocSet`].
//!
//! ## JSON
//!
//! ```text
//! {
//!   "categories": { "device_id": { "permissions_requested": ["android.permission.READ_PHONE_STATE"],
//!                                  "subcategories": ["device_id.imei"], "findings": 1 } },
//!   "findings": [
//!     { "section": "data_collected", "kind": "data.api", "category": "device_id",
//!       "subcategory": "device_id.imei",
//!       "subject": "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;",
//!       "reason": "calls ..., which reads device_id.imei (device_id)",
//!       "permissions": ["android.permission.READ_PHONE_STATE", "android.permission.READ_PRIVILEGED_PHONE_STATE"],
//!       "evidence": [ { "kind": "code", "dex": "classes.dex", "class": "Lcom/example/full/Tracker;",
//!                       "method": "Lcom/example/full/Tracker;->collect(Landroid/content/Context;)Ljava/lang/String;",
//!                       "offset": 8, "item": "Landroid/telephony/...getDeviceId()Ljava/lang/String;" } ],
//!       "evidence_total": 1 },
//!     { "section": "traits", "kind": "trait.boot_receiver", "subject": "boot_receiver", "reason": "...",
//!       "evidence": [ { "kind": "manifest", "element": "receiver", "name": "com.example.full.BootReceiver",
//!                       "line": 98, "detail": "intent-filter action android.intent.action.BOOT_COMPLETED" } ],
//!       "evidence_total": 1 }
//!   ],
//!   "endpoints": [ { "kind": "url", "value": "https://tracker.example.com/collect", "host": "tracker.example.com",
//!                    "cleartext": false, "identifier": false, "found_in": [ { "kind": "code", ... "offset": 17 } ] } ],
//!   "errors": []
//! }
//! ```
//!
//! `section` is one of `data_collected`, `permissions`, `network`, `inside`, `traits`, `iocs`
//! (findings are sorted in that order); evidence `kind` is one of `code`, `method`,
//! `dex_string`, `class`, `manifest`, `entry`, `ioc` (see [`Evidence`]); `line` and
//! `category`/`subcategory`/`permissions` are omitted when absent or empty. `permissions`
//! lists every permission name of the kb requirement (alternatives and conjunctions
//! flattened; the reason text of `permission.missing` says "A or B").
//!
//! ## Testing
//!
//! - `tests/fixtures.rs`: `full.apk` raises `device_id.imei` at
//!   `Tracker.collect` offset `0x8` and the URL `https://tracker.example.com/collect` at
//!   offset `0x11`, boot and SMS receivers, unused permissions; `hidden-payloads.apk` raises
//!   `DexClassLoader` in `classes2.dex` and the hidden dex/APK/ELF entries; `minimal.apk`
//!   raises nothing (negative).
//! - `tests/smali_fixture.rs` on `tests/fixtures/spy.dex` (smali sources and `build.sh`
//!   there): `getDeviceId` hidden behind `Class.forName`/`getMethod` strings,
//!   `Settings.Secure.getString` raised only with the `"android_id"` key (and its `.line`),
//!   a `LocationListener` callback, call recording, watched apps, file scanning with hashing,
//!   native loading with the library name, a cleartext IP URL with port, `content://sms`,
//!   a Firebase tracker by class and by host, a Jiagu stub class.
//! - `tests/traits.rs` on the analysis fixtures (`fixtures/src/{datacat,traits,tricks,perms,
//!   lookalike,empty}`, see fixtures/README.md): every data category, trait and code trick
//!   as an exact list of findings, each code evidence offset and line taken from `dexdump -d`
//!   and each manifest line from `aapt dump xmltree` (independent oracles); the look-alike and
//!   empty apps must raise nothing. Reflection on an `arg:N=` row (e.g.
//!   `SystemProperties.get`) counts only when one of the row's constants is also a string of
//!   the method, and the evidence names it.
//! - `tests/droidbench.rs`: for every DroidBench app whose ground truth lists a leak, the
//!   source's category (from the description) is among the data findings: 148/160 (the two
//!   DynamicLoading apps are found through the APK they carry in their assets); the 12
//!   misses are listed with their reason (password fields, sources in native code or in a dex
//!   fetched at run time, reflection on computed names, data coming from other apps) and the
//!   test fails on any other miss.
//! - `tests/real.rs`: the benign real apps raise no IOC match and no cleartext finding for
//!   XML namespace URLs.
//!
//! `examples/findings.rs` prints the JSON and times `analyze_path`, `Index::build` alone and
//! the analyses alone (release, shared 2-core machine): the analyses take about 1–2× the
//! time of `Index::build` (appium server 10.6.6: 0.11 s vs 0.10 s; ApiDemos 0.06 s vs
//! 0.05 s; Settings 0.07–0.17 s vs 0.04–0.06 s).
//!
//! Evidence lists are capped per finding ([`Options::max_evidence`]); `evidence_total` keeps
//! the full count. Output is deterministic (sorted, no timestamps).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod code;
pub mod model;
mod network;
pub mod reach;
pub mod sources;

pub use code::Code;
pub use model::{CategorySummary, Endpoint, Evidence, Finding, Findings, Reachability, Section};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use unmask_apk::model::{ApkReport, Report};
use unmask_dex::{DexFile, Index, Site};
use unmask_ioc::{AppFacts, Fact, IocSet};
use unmask_kb::{Category, Condition, Kb, MemberKind};

/// Options of the analyses.
#[derive(Debug, Clone)]
pub struct Options {
    /// Most evidence items kept per finding (the total is still counted).
    pub max_evidence: usize,
    /// Compute whether the code of each finding is reachable from the manifest's components
    /// (on by default).
    pub reachability: bool,
    /// Options for reading the input (used by [`analyze_path`]); its `code` flag says whether
    /// the code is decoded and analysed. Without code, only the manifest, signature, file and
    /// indicator analyses run, and no permission is called unused.
    pub apk: unmask_apk::Options,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_evidence: 50,
            reachability: true,
            apk: unmask_apk::Options::default(),
        }
    }
}

/// Reads one input (APK, split bundle or bare dex) and runs every analysis: the report is
/// read with dex headers only, then (unless `opts.apk.code` is off) every dex file is parsed,
/// one index is built over all of them (loaded and hidden) and the report's code facts are
/// upgraded from it ([`unmask_apk::code::record_decoding`]), so the code is decoded once.
pub fn analyze_path(
    path: &Path,
    kb: &Kb,
    iocs: &IocSet,
    opts: &Options,
) -> Result<(Report, Findings), unmask_apk::AnalyzeError> {
    analyze_path_deferred(path, &|| Some((kb, iocs)), opts)
}

/// [`analyze_path`] with knowledge that may still be loading: `knowledge` is called (from a
/// worker thread, possibly blocking until the knowledge base and indicators are loaded) only
/// once the input has been read and its dex files parsed, so a caller can load them while the
/// first input is read. `None` (the knowledge could not be loaded; the caller reports why)
/// fails this input.
pub fn analyze_path_deferred<'k>(
    path: &Path,
    knowledge: &(dyn Fn() -> Option<(&'k Kb, &'k IocSet)> + Sync),
    opts: &Options,
) -> Result<(Report, Findings), unmask_apk::AnalyzeError> {
    let mut lap = laps();
    let mut apk_opts = opts.apk.clone();
    apk_opts.code = false;
    // The report and the dex bytes are read at the same time (each reads the input itself).
    let (report, files) = rayon::join(
        || unmask_apk::analyze_file(path, &apk_opts),
        || {
            if opts.apk.code {
                unmask_apk::dex_files(path, &opts.apk)
            } else {
                Ok(Vec::new())
            }
        },
    );
    let (mut report, files) = (report?, files?);
    lap("report + dex read");
    let mut names = Vec::new();
    let mut dexes = Vec::new();
    let mut failed = Vec::new();
    let mut errors = Vec::new();
    for (name, _hidden, bytes) in &files {
        match DexFile::parse(bytes) {
            Ok(d) => {
                names.push(name.clone());
                dexes.push(d);
            }
            Err(e) => {
                errors.push(format!("{name}: not analysed: {e}"));
                failed.push((name.clone(), e.to_string()));
            }
        }
    }
    lap("dex parse");
    // The strings outside the dex files are gathered while the index is built (once the
    // knowledge base, which says which strings to keep, is there).
    let no_knowledge = || unmask_apk::AnalyzeError {
        path: path.display().to_string(),
        message: "the knowledge base or the indicators could not be loaded".into(),
    };
    let (index, texts) = rayon::join(
        || timed("index", || Index::build(&dexes)),
        || {
            let t = std::time::Instant::now();
            let (kb, iocs) = knowledge().ok_or_else(no_knowledge)?;
            timed_since("waiting for the knowledge", t);
            let t = std::time::Instant::now();
            let keep = |s: &str| {
                sources::may_hold_endpoint(s)
                    || network::bare_host(s).is_some()
                    || hex_digests(s).next().is_some()
                    || (s.contains('.') && !kb.watched_apps.find_in(s).is_empty())
            };
            let texts = sources::collect(path, &opts.apk, &keep);
            timed_since("strings outside dex", t);
            texts.map(|t| (t, kb, iocs))
        },
    );
    let ((texts, mut skipped), kb, iocs) = texts?;
    lap("index + strings outside dex");
    if opts.apk.code {
        unmask_apk::code::record_decoding(&mut report, &names, &dexes, &index, &failed);
    }
    let code = Code {
        names: &names,
        dexes: &dexes,
        index: &index,
    };
    errors.append(&mut skipped);
    let mut findings = analyze_with_texts(&report, &code, &texts, kb, iocs, opts);
    errors.append(&mut findings.errors);
    findings.errors = errors;
    Ok((report, findings))
}

/// Runs every analysis on a report and its code.
pub fn analyze(
    report: &Report,
    code: &Code<'_, '_>,
    kb: &Kb,
    iocs: &IocSet,
    opts: &Options,
) -> Findings {
    analyze_with_texts(report, code, &[], kb, iocs, opts)
}

/// Runs every analysis on a report, its code and the strings found outside the dex files
/// ([`sources::collect`]).
pub fn analyze_with_texts(
    report: &Report,
    code: &Code<'_, '_>,
    texts: &[sources::TextString],
    kb: &Kb,
    iocs: &IocSet,
    opts: &Options,
) -> Findings {
    let mut lap = laps();
    let want_reach = opts.reachability && !code.dexes.is_empty();
    // Reachability, the longest single task, runs on one core while the other analyses share
    // the rest; each analysis writes into its own list and the lists are joined in a fixed
    // order, so the output does not depend on scheduling.
    let (reach, (mut out, endpoints)) = rayon::join(
        || {
            timed("reachability", || {
                want_reach.then(|| reach::compute(report, code))
            })
        },
        || {
            use rayon::prelude::*;
            let t = std::time::Instant::now();
            // Only the methods an analysis can ask about are rendered (see `wanted_method`).
            let method_keys: Vec<(String, u32)> = (0..code.index.methods.len() as u32)
                .into_par_iter()
                .filter(|&id| wanted_method(code, kb, id))
                .filter_map(|id| Some((code.index.methods.key(code.dexes, id).ok()?, id)))
                .collect();
            timed_since("method keys", t);
            let fork = || Analysis {
                report,
                texts,
                apk: report
                    .apks
                    .iter()
                    .find(|a| a.manifest.as_ref().is_some_and(|m| m.split.is_none()))
                    .or_else(|| report.apks.first()),
                code,
                kb,
                opts,
                out: Vec::new(),
                method_keys: &method_keys,
            };
            let (mut a, mut tr, mut rest) = (fork(), fork(), fork());
            let (((), endpoints), ((), ())) = rayon::join(
                || {
                    rayon::join(
                        || timed("data collected", || a.data_collected()),
                        || {
                            timed("endpoints", || {
                                network::endpoints(code, texts, kb, opts.max_evidence)
                            })
                        },
                    )
                },
                || {
                    rayon::join(
                        || timed("trackers", || tr.trackers()),
                        || {
                            timed("packers", || rest.packers());
                            timed("code tricks", || rest.code_tricks());
                            timed("manifest traits", || rest.manifest_traits());
                            timed("code traits", || rest.code_traits());
                        },
                    )
                },
            );
            a.permissions();
            a.network(&endpoints);
            a.network_config();
            a.out.append(&mut tr.out);
            a.out.append(&mut rest.out);
            timed("indicators", || a.iocs(iocs, &endpoints));
            (a.out, endpoints)
        },
    );
    lap("analyses, reachability, indicators");
    out.sort_by_key(|f| f.section);
    if let Some(reach) = &reach {
        for f in &mut out {
            f.reachability = reachability(reach, &f.evidence);
        }
    }
    let categories = summarize(&out, report, kb);
    let errors = code
        .index
        .errors
        .iter()
        .take(100)
        .map(|(d, e)| format!("{}: {e}", code.dex_name(*d)))
        .collect();
    Findings {
        categories,
        findings: out,
        endpoints,
        errors,
    }
}

/// Framework classes whose methods the code analyses look up by descriptor prefix
/// ([`Analysis::methods_where`]), besides the classes of the knowledge base's API and
/// content-URI tables. A prefix whose class is not listed still works (every method is then
/// rendered for that lookup); listing it only saves that time.
const CODE_CLASSES: &[&str] = &[
    "Ldalvik/system/DexClassLoader;",
    "Ldalvik/system/InMemoryDexClassLoader;",
    "Ldalvik/system/PathClassLoader;",
    "Ldalvik/system/BaseDexClassLoader;",
    "Ldalvik/system/DelegateLastClassLoader;",
    "Ldalvik/system/DexFile;",
    "Ljava/lang/ClassLoader;",
    "Ljava/net/URLClassLoader;",
    "Ljava/lang/Class;",
    "Ljava/lang/reflect/Method;",
    "Ljava/lang/System;",
    "Ljava/lang/Runtime;",
    "Landroid/media/projection/MediaProjectionManager;",
    "Landroid/media/projection/MediaProjection;",
    "Landroid/media/MediaRecorder;",
    "Landroid/content/pm/PackageManager;",
    "Ljava/io/File;",
    "Ljava/nio/file/Files;",
    "Ljava/security/MessageDigest;",
];

/// The class descriptor and name of a referenced method (`field` false) or field, decoded from
/// its representative without rendering its key: `Err(true)` when its ids are unreadable (kept:
/// rendering fails the same way), `Err(false)` when it has no representative.
fn member_names<'a>(
    code: &Code<'_, 'a>,
    field: bool,
    id: u32,
) -> Result<(std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>), bool> {
    let table = if field {
        &code.index.fields
    } else {
        &code.index.methods
    };
    let (d, local) = table.representative(id).ok_or(false)?;
    let dex = code.dexes.get(d as usize).ok_or(false)?;
    let (class_idx, name_idx) = if field {
        dex.field_id(local).map(|f| (f.class_idx, f.name_idx))
    } else {
        dex.method_id(local).map(|m| (m.class_idx, m.name_idx))
    }
    .map_err(|_| true)?;
    let class = dex.type_name(u32::from(class_idx)).map_err(|_| true)?;
    let name = dex.string(name_idx).map_err(|_| true)?;
    Ok((class, name))
}

/// Whether method `id` of the index can matter to an analysis: its class is in the API or
/// content-URI tables or in [`CODE_CLASSES`], or it is a `registerReceiver` (called on any
/// `Context` subclass). Decides on the class and name alone, before the key is rendered.
fn wanted_method(code: &Code<'_, '_>, kb: &Kb, id: u32) -> bool {
    match member_names(code, false, id) {
        Err(keep) => keep,
        Ok((class, name)) => {
            name == "registerReceiver"
                || CODE_CLASSES.contains(&class.as_ref())
                || kb.apis.has_class(&class)
                || kb.content_uris.by_member(&class, &name).is_some()
        }
    }
}

/// Whether field `id` of the index can be in the API or content-URI tables, decided on its
/// class and name before the key is rendered.
fn wanted_field(code: &Code<'_, '_>, kb: &Kb, id: u32) -> bool {
    match member_names(code, true, id) {
        Err(keep) => keep,
        Ok((class, name)) => {
            kb.apis.has_class(&class) || kb.content_uris.by_member(&class, &name).is_some()
        }
    }
}

/// Broadcasts that reveal personal data or keep an app running, with the permissions an app
/// needs to receive them.
const WATCHED_BROADCASTS: &[(&str, &[&str])] = &[
    (
        "android.provider.Telephony.SMS_RECEIVED",
        &["android.permission.RECEIVE_SMS"],
    ),
    (
        "android.provider.Telephony.SMS_DELIVER",
        &["android.permission.RECEIVE_SMS"],
    ),
    (
        "android.provider.Telephony.WAP_PUSH_RECEIVED",
        &[
            "android.permission.RECEIVE_MMS",
            "android.permission.RECEIVE_WAP_PUSH",
        ],
    ),
    (
        "android.provider.Telephony.WAP_PUSH_DELIVER",
        &[
            "android.permission.RECEIVE_MMS",
            "android.permission.RECEIVE_WAP_PUSH",
        ],
    ),
    (
        "android.intent.action.PHONE_STATE",
        &["android.permission.READ_PHONE_STATE"],
    ),
    (
        "android.intent.action.NEW_OUTGOING_CALL",
        &["android.permission.PROCESS_OUTGOING_CALLS"],
    ),
    (
        "android.intent.action.BOOT_COMPLETED",
        &["android.permission.RECEIVE_BOOT_COMPLETED"],
    ),
    (
        "android.intent.action.LOCKED_BOOT_COMPLETED",
        &["android.permission.RECEIVE_BOOT_COMPLETED"],
    ),
];

/// A function that, when `UNMASK_ANALYSIS_TIMING` is set, prints the time since its last call
/// (or its creation) with a label, on stderr.
fn laps() -> impl FnMut(&str) {
    let timing = std::env::var_os("UNMASK_ANALYSIS_TIMING").is_some();
    let mut t = std::time::Instant::now();
    move |what: &str| {
        if timing {
            eprintln!("  {what}: {:.3}s", t.elapsed().as_secs_f64());
        }
        t = std::time::Instant::now();
    }
}

/// Runs `f`; when `UNMASK_ANALYSIS_TIMING` is set, prints how long it took (one task of the
/// parallel analyses).
fn timed<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let t = std::time::Instant::now();
    let r = f();
    timed_since(what, t);
    r
}

/// Prints the time since `t` when `UNMASK_ANALYSIS_TIMING` is set.
fn timed_since(what: &str, t: std::time::Instant) {
    if std::env::var_os("UNMASK_ANALYSIS_TIMING").is_some() {
        eprintln!(
            "    task {what}: {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// Reachability of a finding from its code evidence (`None` when it has none of the app's own
/// methods).
fn reachability(reach: &reach::Reach, evidence: &[Evidence]) -> Option<Reachability> {
    let mut any_defined = false;
    for e in evidence {
        let method = match e {
            Evidence::Code { method, .. } | Evidence::Method { method, .. } => method,
            _ => continue,
        };
        match reach.method_reachable(method) {
            Some(true) => {
                return Some(Reachability {
                    reachable: true,
                    path: reach.method_path(method).unwrap_or_default(),
                    assumed: reach.everything().map(|t| t.reason.clone()),
                })
            }
            Some(false) => any_defined = true,
            None => {}
        }
    }
    any_defined.then_some(Reachability {
        reachable: false,
        path: Vec::new(),
        assumed: None,
    })
}

/// Fewest distinct hex digests in one file that count as a shipped hash list.
const HASH_LIST_MIN: usize = 20;

/// Tokens of `text` that have the length of an MD5, SHA-1 or SHA-256 hex digest and are all
/// hex digits (delimited by anything that is not a letter or digit).
fn hex_digests(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| matches!(t.len(), 32 | 40 | 64) && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Top-level category name: `location.precise` → `location`.
fn top(cat: Category) -> String {
    let s = cat.as_str();
    s.split('.').next().unwrap_or(s).to_string()
}

fn requested(report: &Report) -> BTreeSet<String> {
    report
        .apks
        .iter()
        .filter_map(|a| a.manifest.as_ref())
        .flat_map(|m| m.uses_permissions.iter().map(|p| p.name.clone()))
        .collect()
}

fn summarize(out: &[Finding], report: &Report, kb: &Kb) -> BTreeMap<String, CategorySummary> {
    let mut map: BTreeMap<String, CategorySummary> = BTreeMap::new();
    for p in requested(report) {
        for c in kb.categories_for_permission(&p) {
            let e = map.entry(c.as_str().to_string()).or_default();
            if !e.permissions_requested.contains(&p) {
                e.permissions_requested.push(p.clone());
            }
        }
    }
    for f in out.iter().filter(|f| f.section == Section::DataCollected) {
        let Some(sub) = &f.subcategory else { continue };
        let key = Category::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| sub == c || sub.starts_with(&format!("{c}.")))
            .max_by_key(|c| c.len())
            .unwrap_or(sub.as_str())
            .to_string();
        let e = map.entry(key).or_default();
        e.findings += 1;
        if !e.subcategories.contains(sub) {
            e.subcategories.push(sub.clone());
        }
    }
    map
}

struct Analysis<'r, 'c, 'd, 'a> {
    report: &'r Report,
    /// Strings found outside the dex files.
    texts: &'r [sources::TextString],
    apk: Option<&'r ApkReport>,
    code: &'c Code<'d, 'a>,
    kb: &'r Kb,
    opts: &'r Options,
    out: Vec<Finding>,
    /// Descriptor of every invoked method, with its id in `index.methods` (rendered once).
    method_keys: &'r [(String, u32)],
}

/// Arguments of [`Analysis::push`].
struct New<'s> {
    section: Section,
    kind: &'s str,
    category: Option<String>,
    subcategory: Option<String>,
    subject: String,
    reason: String,
    permissions: Vec<String>,
}

impl New<'_> {
    fn make(
        section: Section,
        kind: &str,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> New<'_> {
        New {
            section,
            kind,
            category: None,
            subcategory: None,
            subject: subject.into(),
            reason: reason.into(),
            permissions: Vec::new(),
        }
    }
}

impl Analysis<'_, '_, '_, '_> {
    fn push(&mut self, n: New<'_>, mut evidence: Vec<Evidence>) {
        evidence.sort();
        evidence.dedup();
        let total = evidence.len();
        evidence.truncate(self.opts.max_evidence);
        self.out.push(Finding {
            section: n.section,
            kind: n.kind.to_string(),
            category: n.category,
            subcategory: n.subcategory,
            subject: n.subject,
            reason: n.reason,
            permissions: n.permissions,
            evidence,
            evidence_total: total,
            reachability: None,
        });
    }

    /// A `data.content_uri` finding for a member of the content-URI table (a `CONTENT_URI`
    /// field, or a method that builds such a URI) used at `sites`: "`verb` `key`, `what`
    /// subcategory".
    fn content_uri_member(
        &self,
        class: &str,
        name: &str,
        key: &str,
        sites: &[Site],
        verb: &str,
        what: &str,
    ) -> Option<(New<'static>, Vec<Evidence>)> {
        let row = self.kb.content_uris.by_member(class, name)?;
        Some((
            data_new(
                "data.content_uri",
                row.category,
                &row.subcategory,
                key.to_string(),
                format!("{verb} {key}, {what} {}", row.subcategory),
                row.permissions.names(),
            ),
            self.sites_evidence(sites, key),
        ))
    }

    fn sites_evidence(&self, sites: &[Site], item: &str) -> Vec<Evidence> {
        sites
            .iter()
            .take(self.opts.max_evidence.saturating_mul(4))
            .map(|s| self.code.site_evidence(s, item))
            .collect()
    }

    /// Every referenced method `(key, sites)` whose key starts with one of `prefixes` (each
    /// `Lclass;->…`). Looked up among the rendered keys when every prefix's class is one
    /// [`wanted_method`] keeps; otherwise every method is rendered for this lookup.
    fn methods_where(&self, prefixes: &[&str]) -> Vec<(String, Vec<Site>)> {
        let c = self.code;
        let want = |k: &str| prefixes.iter().any(|p| k.starts_with(p));
        let covered = prefixes.iter().all(|p| {
            p.split_once(";->").is_some_and(|(class, _)| {
                let class = format!("{class};");
                CODE_CLASSES.contains(&class.as_str()) || self.kb.apis.has_class(&class)
            })
        });
        if !covered {
            return c
                .index
                .methods
                .iter()
                .filter_map(|(id, sites)| {
                    let k = c.index.methods.key(c.dexes, id).ok()?;
                    want(&k).then(|| (k, sites.to_vec()))
                })
                .collect();
        }
        self.method_keys
            .iter()
            .filter(|(k, _)| want(k))
            .map(|(k, id)| (k.clone(), c.index.methods.sites(*id).to_vec()))
            .collect()
    }

    // ---- 1. data collected -------------------------------------------------------------

    fn data_collected(&mut self) {
        let c = self.code;
        let kb = self.kb;
        // Methods.
        let mut found: Vec<(New<'static>, Vec<Evidence>)> = Vec::new();
        for (key, id) in self.method_keys {
            let (key, sites) = (key.as_str(), c.index.methods.sites(*id));
            let Some((class, name, proto)) = code::split_method(key) else {
                continue;
            };
            if !kb.apis.has_class(class) && kb.content_uris.by_member(class, name).is_none() {
                continue;
            }
            for row in kb
                .apis
                .lookup_method(class, name, proto)
                .filter(|r| r.category != Category::ContentProvider)
            {
                let ev: Vec<Evidence> = match &row.condition {
                    Condition::Always => self.sites_evidence(sites, key),
                    Condition::Arg { index, values } => sites
                        .iter()
                        .filter(|s| {
                            c.arg_register(s, proto, usize::from(*index))
                                .and_then(|r| c.const_in(s, r))
                                .is_some_and(|k| k.matches(values))
                        })
                        .take(self.opts.max_evidence.saturating_mul(4))
                        .map(|s| c.site_evidence(s, key))
                        .collect(),
                    Condition::Callback | Condition::Context => Vec::new(),
                };
                if ev.is_empty() {
                    continue;
                }
                let why = match &row.condition {
                    Condition::Arg { index, values } => format!(
                        "calls {key}, which reads {} ({}), with parameter {index} set to a constant among {}",
                        row.subcategory,
                        row.category.as_str(),
                        values.join("|")
                    ),
                    _ => format!("calls {key}, which reads {} ({})", row.subcategory, row.category.as_str()),
                };
                found.push((
                    data_new(
                        "data.api",
                        row.category,
                        &row.subcategory,
                        key.to_string(),
                        why,
                        row.permissions.names(),
                    ),
                    ev,
                ));
            }
            found.extend(self.content_uri_member(
                class,
                name,
                key,
                sites,
                "calls",
                "which yields a content URI of",
            ));
        }
        // Fields.
        for (id, sites) in c.index.fields.iter() {
            if !wanted_field(c, kb, id) {
                continue;
            }
            let Ok(key) = c.index.fields.key(c.dexes, id) else {
                continue;
            };
            let Some((class, name)) = code::split_field(&key) else {
                continue;
            };
            for row in kb.apis.lookup_field(class, name) {
                if !row.condition.is_unconditional() {
                    continue;
                }
                let ev = self.sites_evidence(sites, &key);
                let why = format!(
                    "reads {key}, which holds {} ({})",
                    row.subcategory,
                    row.category.as_str()
                );
                found.push((
                    data_new(
                        "data.api",
                        row.category,
                        &row.subcategory,
                        key.clone(),
                        why,
                        row.permissions.names(),
                    ),
                    ev,
                ));
            }
            found.extend(self.content_uri_member(
                class,
                name,
                &key,
                sites,
                "reads",
                "the content URI of",
            ));
        }
        // Content URI strings.
        for (id, sites) in c.index.strings.iter() {
            // MUTF-8 keeps ASCII as is: the prefix is checked before decoding.
            if !c
                .string_raw(id)
                .is_some_and(|r| r.starts_with(b"content://"))
            {
                continue;
            }
            let Ok(s) = c.index.strings.key(c.dexes, id) else {
                continue;
            };
            if let Some(row) = kb.content_uris.match_uri(&s) {
                let ev = self.sites_evidence(sites, &s);
                let why = format!(
                    "loads the content URI {s:?}, which gives {}",
                    row.subcategory
                );
                found.push((
                    data_new(
                        "data.content_uri",
                        row.category,
                        &row.subcategory,
                        s.clone(),
                        why,
                        row.permissions.names(),
                    ),
                    ev,
                ));
            }
        }
        // Callbacks.
        found.extend(self.callbacks());
        for (n, ev) in found {
            self.push(n, ev);
        }
    }

    fn callbacks(&self) -> Vec<(New<'static>, Vec<Evidence>)> {
        let c = self.code;
        let h = &c.index.hierarchy;
        // Framework class id -> rows.
        let mut by_class: HashMap<u32, Vec<&unmask_kb::ApiRow>> = HashMap::new();
        for row in self.kb.apis.rows() {
            if row.condition == Condition::Callback && row.kind == MemberKind::Method {
                if let Some(id) = h.id(&row.class) {
                    by_class.entry(id).or_default().push(row);
                }
            }
        }
        let mut out: BTreeMap<(String, String), (New<'static>, Vec<Evidence>)> = BTreeMap::new();
        if by_class.is_empty() {
            return Vec::new();
        }
        for (d, dex) in c.dexes.iter().enumerate() {
            for def in dex.class_defs() {
                let Ok(def) = def else { continue };
                let Ok(cls) = dex.type_name(def.class_idx) else {
                    continue;
                };
                let Some(cid) = h.id(&cls) else { continue };
                let rows: Vec<&unmask_kb::ApiRow> = by_class
                    .iter()
                    .filter(|(anc, _)| **anc != cid && h.is_subtype_of(cid, **anc))
                    .flat_map(|(_, r)| r.iter().copied())
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let Ok(data) = dex.class_data(&def) else {
                    continue;
                };
                for m in &data.methods {
                    let Ok(desc) = dex.method_descriptor(m.method_idx) else {
                        continue;
                    };
                    let Some((_, name, proto)) = code::split_method(&desc) else {
                        continue;
                    };
                    for row in rows.iter().filter(|r| {
                        r.member == name && r.descriptor.as_deref().is_none_or(|d| d == proto)
                    }) {
                        let api = format!("{}->{}", row.class, row.member);
                        let ev = Evidence::Method {
                            dex: c.dex_name(d as u32),
                            class: cls.to_string(),
                            method: desc.clone(),
                            overrides: api.clone(),
                        };
                        out.entry((row.subcategory.clone(), api.clone()))
                            .or_insert_with(|| {
                                let why = format!(
                                    "the app implements the callback {api}, which receives {} ({})",
                                    row.subcategory,
                                    row.category.as_str()
                                );
                                (
                                    data_new(
                                        "data.callback",
                                        row.category,
                                        &row.subcategory,
                                        api.clone(),
                                        why,
                                        row.permissions.names(),
                                    ),
                                    Vec::new(),
                                )
                            })
                            .1
                            .push(ev);
                    }
                }
            }
        }
        out.into_values().collect()
    }

    fn permissions(&mut self) {
        let req = requested(self.report);
        let collected: BTreeSet<String> = self
            .out
            .iter()
            .filter(|f| f.section == Section::DataCollected)
            .filter_map(|f| f.subcategory.clone())
            .collect();
        let cat_used = |c: Category| {
            collected
                .iter()
                .any(|s| s == c.as_str() || s.starts_with(&format!("{}.", c.as_str())))
        };
        let mut new = Vec::new();
        // Without the code decoded, nothing can be called unused.
        let code_read = self.opts.apk.code;
        let received = self.broadcast_permissions();
        for p in req.iter().filter(|p| code_read && !received.contains(*p)) {
            let cats = self.kb.categories_for_permission(p);
            if cats.is_empty() || cats.iter().any(|c| cat_used(*c)) {
                continue;
            }
            let names: Vec<&str> = cats.iter().map(|c| c.as_str()).collect();
            let why = format!(
                "{p} is requested, but no API or content URI of its categories ({}) is used in the code",
                names.join(", ")
            );
            let mut n = New::make(Section::Permissions, "permission.unused", p.clone(), why);
            n.permissions = vec![p.clone()];
            new.push((n, self.manifest_permission_evidence(p)));
        }
        // APIs used whose permission is not requested.
        let mut missing: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for f in self
            .out
            .iter()
            .filter(|f| f.section == Section::DataCollected && f.kind != "data.callback")
        {
            let Some(row_perms) = self.row_permissions(f) else {
                continue;
            };
            if row_perms.is_empty() || row_perms.satisfied_by(|p| req.contains(p)) {
                continue;
            }
            let e = missing.entry(f.subject.clone()).or_default();
            e.0 = row_perms.names().map(str::to_string).collect();
            e.1.push(f.subcategory.clone().unwrap_or_default());
        }
        for (api, (perms, subs)) in missing {
            let why = format!(
                "{api} ({}) needs {} but the manifest does not request it",
                subs.join(", "),
                perms.join(" or ")
            );
            let ev = self
                .out
                .iter()
                .filter(|f| f.subject == api)
                .flat_map(|f| f.evidence.iter().take(3).cloned())
                .collect();
            let mut n = New::make(Section::Permissions, "permission.missing", api, why);
            n.permissions = perms;
            new.push((n, ev));
        }
        for (n, ev) in new {
            self.push(n, ev);
        }
    }

    fn row_permissions(&self, f: &Finding) -> Option<unmask_kb::PermissionReq> {
        let kb = self.kb;
        if f.kind == "data.api" {
            if let Some((class, name, proto)) = code::split_method(&f.subject) {
                return kb
                    .apis
                    .lookup_method(class, name, proto)
                    .find(|r| Some(&r.subcategory) == f.subcategory.as_ref())
                    .map(|r| r.permissions.clone());
            }
            if let Some((class, name)) = code::split_field(&f.subject) {
                return kb
                    .apis
                    .lookup_field(class, name)
                    .find(|r| Some(&r.subcategory) == f.subcategory.as_ref())
                    .map(|r| r.permissions.clone());
            }
        }
        None
    }

    fn manifest_permission_evidence(&self, p: &str) -> Vec<Evidence> {
        self.report
            .apks
            .iter()
            .filter_map(|a| a.manifest.as_ref())
            .flat_map(|m| m.uses_permissions.iter())
            .filter(|u| u.name == p)
            .map(|u| Evidence::Manifest {
                element: "uses-permission".into(),
                name: u.name.clone(),
                line: Some(u.line),
                detail: "requested".into(),
            })
            .collect()
    }

    // ---- 2. network --------------------------------------------------------------------

    fn network(&mut self, endpoints: &[Endpoint]) {
        for e in endpoints {
            if e.cleartext && !e.identifier {
                let why = format!(
                    "{} is a cleartext URL: data sent to it can be read and changed on the network",
                    e.value
                );
                self.push(
                    New::make(Section::Network, "network.cleartext", e.value.clone(), why),
                    e.found_in.clone(),
                );
            }
            if !e.trackers.is_empty() {
                let why = format!(
                    "the host {} matches the network signature of {}",
                    e.host.as_deref().unwrap_or(&e.value),
                    e.trackers.join(", ")
                );
                self.push(
                    New::make(
                        Section::Network,
                        "network.tracker_host",
                        e.value.clone(),
                        why,
                    ),
                    e.found_in.clone(),
                );
            }
        }
    }

    /// The app's network policy: cleartext allowed by the manifest or the network security
    /// config, user-installed CAs trusted (traffic can be intercepted), certificate pinning.
    fn network_config(&mut self) {
        let Some(m) = self.apk.and_then(|a| a.manifest.as_ref()) else {
            return;
        };
        let app = &m.application;
        let app_name = app
            .class_name
            .clone()
            .or_else(|| m.package.clone())
            .unwrap_or_default();
        let nsc = app.network_security_config.as_ref();
        let mut new = Vec::new();
        // Cleartext: the NSC base-config decides when present, else the manifest default.
        let base = nsc.and_then(|n| n.base_cleartext_permitted);
        let (allowed, why, evidence) = match (base, nsc) {
            (Some(v), Some(n)) => (
                v,
                format!(
                    "the network security config {} permits cleartext (HTTP) traffic to every host",
                    n.file
                ),
                Evidence::Entry {
                    name: n.file.clone(),
                    detail: format!("base-config cleartextTrafficPermitted={v}"),
                },
            ),
            _ => (
                app.cleartext_default,
                match app.uses_cleartext_traffic {
                    Some(_) => "the manifest sets android:usesCleartextTraffic=true: cleartext (HTTP) traffic is permitted to every host".to_string(),
                    None => "the app targets an SDK below 28 and does not set android:usesCleartextTraffic, so cleartext (HTTP) traffic is permitted by default".to_string(),
                },
                Evidence::Manifest {
                    element: "application".into(),
                    name: app_name.clone(),
                    line: None,
                    detail: match app.uses_cleartext_traffic {
                        Some(v) => format!("android:usesCleartextTraffic={v}"),
                        None => "android:usesCleartextTraffic not set (default below targetSdk 28: true)".into(),
                    },
                },
            ),
        };
        if allowed {
            new.push((
                New::make(
                    Section::Network,
                    "network.cleartext_allowed",
                    "*".to_string(),
                    why,
                ),
                vec![evidence],
            ));
        }
        if let Some(n) = nsc {
            for d in &n.domain_configs {
                let names: Vec<String> = d.domains.iter().map(|x| x.name.clone()).collect();
                if names.is_empty() {
                    continue;
                }
                let subject = names.join(", ");
                if d.cleartext_permitted == Some(true) && base != Some(true) {
                    let why = format!(
                        "the network security config {} permits cleartext (HTTP) traffic to {subject}",
                        n.file
                    );
                    new.push((
                        New::make(
                            Section::Network,
                            "network.cleartext_allowed",
                            subject.clone(),
                            why,
                        ),
                        vec![Evidence::Entry {
                            name: n.file.clone(),
                            detail: format!(
                                "domain-config {subject}: cleartextTrafficPermitted=true"
                            ),
                        }],
                    ));
                }
                if d.trust_anchors.iter().any(|t| t == "user") {
                    let why = format!(
                        "the network security config {} trusts user-installed CA certificates for {subject}: a CA added on the device can read and change this traffic",
                        n.file
                    );
                    new.push((
                        New::make(
                            Section::Network,
                            "network.user_ca_trusted",
                            subject.clone(),
                            why,
                        ),
                        vec![Evidence::Entry {
                            name: n.file.clone(),
                            detail: format!("domain-config {subject}: trust-anchors include user"),
                        }],
                    ));
                }
                if !d.pins.is_empty() {
                    let why = format!(
                        "the network security config {} pins the certificates of {subject} ({} pin(s)): the app refuses other certificates for these hosts",
                        n.file,
                        d.pins.len()
                    );
                    new.push((
                        New::make(Section::Network, "network.pinning", subject.clone(), why),
                        vec![Evidence::Entry {
                            name: n.file.clone(),
                            detail: format!(
                                "domain-config {subject}: pin-set {}",
                                d.pins.join(" ")
                            ),
                        }],
                    ));
                }
            }
            if n.base_trust_anchors.iter().any(|t| t == "user") {
                let why = format!(
                    "the network security config {} trusts user-installed CA certificates for every host: a CA added on the device can read and change the app's traffic",
                    n.file
                );
                new.push((
                    New::make(
                        Section::Network,
                        "network.user_ca_trusted",
                        "*".to_string(),
                        why,
                    ),
                    vec![Evidence::Entry {
                        name: n.file.clone(),
                        detail: "base-config trust-anchors include user".into(),
                    }],
                ));
            }
            if app.debuggable && n.debug_trust_anchors.iter().any(|t| t == "user") {
                let why = format!(
                    "the app is debuggable and the network security config {} has debug-overrides trusting user-installed CA certificates",
                    n.file
                );
                new.push((
                    New::make(
                        Section::Network,
                        "network.user_ca_trusted",
                        "debug-overrides".to_string(),
                        why,
                    ),
                    vec![Evidence::Entry {
                        name: n.file.clone(),
                        detail: "debug-overrides trust-anchors include user".into(),
                    }],
                ));
            }
        }
        for (n, ev) in new {
            self.push(n, ev);
        }
    }

    // ---- 3. who is inside --------------------------------------------------------------

    fn trackers(&mut self) {
        let c = self.code;
        // exodus class names, with the first dex naming them.
        // Hashed (not sorted) while collecting: only the names that match are sorted, so the
        // evidence comes in name order as before.
        let mut names: HashMap<String, u32> = HashMap::new();
        for (d, dex) in c.dexes.iter().enumerate() {
            for t in 0..dex.type_count() {
                let Ok(desc) = dex.type_name(t) else { continue };
                for n in unmask_kb::TrackerTable::exodus_class_names(&desc) {
                    if !names.contains_key(n.as_ref()) {
                        names.insert(n.into_owned(), d as u32);
                    }
                }
            }
        }
        let mut matched: Vec<(&String, u32)> = names
            .iter()
            .filter(|(n, _)| !self.kb.trackers.match_class(n).is_empty())
            .map(|(n, d)| (n, *d))
            .collect();
        matched.sort_unstable();
        let mut hits: BTreeMap<u32, Vec<Evidence>> = BTreeMap::new();
        for (n, d) in matched {
            let d = &d;
            for t in self.kb.trackers.match_class(n) {
                hits.entry(t.id).or_default().push(Evidence::Class {
                    dex: c.dex_name(*d),
                    class: n.clone(),
                });
            }
        }
        for (id, ev) in hits {
            let Some(t) = self.kb.trackers.by_id(id) else {
                continue;
            };
            let why = format!(
                "class names match the code signature of {} (Exodus tracker {}): {}",
                t.name,
                t.id,
                t.code_signature.as_deref().unwrap_or("")
            );
            let mut n = New::make(Section::Inside, "tracker", t.name.clone(), why);
            n.category = Some(t.categories.join(", ")).filter(|s| !s.is_empty());
            self.push(n, ev);
        }
    }

    fn packers(&mut self) {
        let mut hits: BTreeMap<String, (String, String, Vec<Evidence>)> = BTreeMap::new();
        let mut add = |rule: &unmask_kb::PackerRule, ev: Evidence| {
            hits.entry(rule.id.clone())
                .or_insert_with(|| {
                    (
                        rule.name.clone(),
                        format!("{:?}", rule.kind).to_lowercase(),
                        Vec::new(),
                    )
                })
                .2
                .push(ev);
        };
        for apk in &self.report.apks {
            for libs in apk.contents.native_libs.values() {
                for l in libs {
                    let file = l.name.rsplit('/').next().unwrap_or(&l.name);
                    for r in self.kb.packers.match_native_lib(file) {
                        add(
                            r,
                            Evidence::Entry {
                                name: l.name.clone(),
                                detail: format!(
                                    "native library matches {} ({})",
                                    r.pattern, r.source
                                ),
                            },
                        );
                    }
                }
            }
            for a in &apk.contents.assets {
                let rel = a.name.strip_prefix("assets/").unwrap_or(&a.name);
                for r in self.kb.packers.match_asset(rel) {
                    add(
                        r,
                        Evidence::Entry {
                            name: a.name.clone(),
                            detail: format!("asset matches {} ({})", r.pattern, r.source),
                        },
                    );
                }
            }
        }
        let c = self.code;
        for (d, dex) in c.dexes.iter().enumerate() {
            for def in dex.class_defs().flatten() {
                let Ok(desc) = dex.type_name(def.class_idx) else {
                    continue;
                };
                let dot = desc
                    .strip_prefix('L')
                    .and_then(|s| s.strip_suffix(';'))
                    .unwrap_or(&desc)
                    .replace('/', ".");
                for r in self.kb.packers.match_class(&dot) {
                    add(
                        r,
                        Evidence::Class {
                            dex: c.dex_name(d as u32),
                            class: dot.clone(),
                        },
                    );
                }
            }
        }
        for (id, (name, kind, ev)) in hits {
            let why = format!("{name} ({kind}, rule {id}) is recognised by its files or classes");
            self.push(New::make(Section::Inside, "packer", name, why), ev);
        }
    }

    fn code_tricks(&mut self) {
        const LOADERS: &[(&str, &str)] = &[
            (
                "Ldalvik/system/DexClassLoader;-><init>",
                "DexClassLoader loads a dex/jar/apk from a file path",
            ),
            (
                "Ldalvik/system/InMemoryDexClassLoader;-><init>",
                "InMemoryDexClassLoader loads dex bytes from memory",
            ),
            (
                "Ldalvik/system/PathClassLoader;-><init>",
                "PathClassLoader loads code from a path",
            ),
            (
                "Ldalvik/system/BaseDexClassLoader;-><init>",
                "BaseDexClassLoader loads code from a path",
            ),
            (
                "Ldalvik/system/DelegateLastClassLoader;-><init>",
                "DelegateLastClassLoader loads code from a path",
            ),
            (
                "Ldalvik/system/DexFile;->loadDex",
                "dalvik.system.DexFile.loadDex loads a dex file",
            ),
            (
                "Ldalvik/system/DexFile;-><init>",
                "dalvik.system.DexFile opens a dex file",
            ),
            (
                "Ldalvik/system/DexFile;->openInMemoryDexFile",
                "dalvik.system.DexFile opens dex bytes",
            ),
        ];
        for (prefix, what) in LOADERS {
            for (key, sites) in self.methods_where(&[*prefix]) {
                let ev = self.sites_evidence(&sites, &key);
                let why = format!("{what}: code that is not in the APK's classes*.dex can run");
                self.push(
                    New::make(Section::Inside, "code.dynamic_loading", key, why),
                    ev,
                );
            }
        }
        const REFLECT: &[&str] = &[
            "Ljava/lang/Class;->forName(",
            "Ljava/lang/Class;->getMethod(",
            "Ljava/lang/Class;->getDeclaredMethod(",
            "Ljava/lang/reflect/Method;->invoke(",
        ];
        let mut reflective_sites: Vec<Site> = Vec::new();
        for prefix in REFLECT {
            for (key, sites) in self.methods_where(&[*prefix]) {
                reflective_sites.extend(sites.iter().copied());
                let ev = self.sites_evidence(&sites, &key);
                let why = format!("{key}: classes or methods named at run time (reflection), which hides what is called from a plain reading of the code");
                self.push(New::make(Section::Inside, "code.reflection", key, why), ev);
            }
        }
        self.reflection_sensitive(&reflective_sites);
        const NATIVE: &[&str] = &[
            "Ljava/lang/System;->loadLibrary(",
            "Ljava/lang/System;->load(",
            "Ljava/lang/Runtime;->loadLibrary(",
            "Ljava/lang/Runtime;->load(",
            "Ljava/lang/Runtime;->load0(",
            "Ljava/lang/Runtime;->loadLibrary0(",
        ];
        for prefix in NATIVE {
            for (key, sites) in self.methods_where(&[*prefix]) {
                let ev = sites
                    .iter()
                    .take(self.opts.max_evidence * 4)
                    .map(|s| {
                        let lib = self
                            .code
                            .arg_register(s, "(Ljava/lang/String;)V", 0)
                            .and_then(|r| self.code.const_in(s, r));
                        let item = match lib {
                            Some(code::Const::Str(l)) => format!("{key} \"{l}\""),
                            _ => key.clone(),
                        };
                        self.code.site_evidence(s, &item)
                    })
                    .collect();
                let why = format!("{key}: native code is loaded");
                self.push(
                    New::make(Section::Inside, "code.native_loading", key, why),
                    ev,
                );
            }
        }
        // Hidden payloads.
        let mut ev = Vec::new();
        for apk in &self.report.apks {
            for h in &apk.contents.hidden {
                ev.push(Evidence::Entry {
                    name: h.name.clone(),
                    detail: format!("{} ({} bytes): {}", h.kind, h.size, h.reason),
                });
            }
        }
        for e in ev {
            let Evidence::Entry { name, .. } = &e else {
                continue;
            };
            let why = format!("{name} holds code or an archive under a name that does not say so");
            self.push(
                New::make(Section::Inside, "code.hidden_payload", name.clone(), why),
                vec![e],
            );
        }
    }

    fn reflection_sensitive(&mut self, sites: &[Site]) {
        let c = self.code;
        // Methods loading a string that names a class of the apis table (dot form).
        let mut naming: BTreeSet<(u32, u32, u32)> = BTreeSet::new();
        for (id, ss) in c.index.strings.iter() {
            // Most strings are ruled out on their bytes (MUTF-8 keeps ASCII as is), before
            // anything is decoded or allocated.
            let Some(raw) = c.string_raw(id) else {
                continue;
            };
            if raw.len() > 400
                || !raw.contains(&b'.')
                || raw.iter().any(|&b| b == b'/' || b == b' ')
            {
                continue;
            }
            let Ok(k) = c.index.strings.key(c.dexes, id) else {
                continue;
            };
            if k.len() > 200 || !k.contains('.') || k.contains(['/', ' ']) {
                continue;
            }
            if self
                .kb
                .apis
                .has_class(&format!("L{};", k.replace('.', "/")))
            {
                naming.extend(ss.iter().map(|s| (s.dex, s.class_def, s.method_idx)));
            }
        }
        let methods: BTreeSet<(u32, u32, u32)> = sites
            .iter()
            .map(|s| (s.dex, s.class_def, s.method_idx))
            .filter(|m| naming.contains(m))
            .collect();
        let mut found: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
        let mut rows_of: BTreeMap<String, (Category, String, Vec<String>)> = BTreeMap::new();
        for (d, cd, m) in methods.into_iter().take(10_000) {
            let site = Site {
                dex: d,
                class_def: cd,
                method_idx: m,
                offset: 0,
            };
            let strings = c.method_strings(&site);
            let classes: Vec<String> = strings
                .iter()
                .filter(|s| s.contains('.') && !s.contains(' ') && !s.contains('/'))
                .map(|s| format!("L{};", s.replace('.', "/")))
                .filter(|d| self.kb.apis.has_class(d))
                .collect();
            for cls in &classes {
                for name in &strings {
                    // An `arg:N=` row counts only when one of its constants is also a string
                    // of the method (`SystemProperties.get` is the serial number only with
                    // "ro.serialno"; a key passed in a parameter is not).
                    if let Some(row) = self.kb.apis.lookup(cls, name).find(|r| match &r.condition {
                        Condition::Context => false,
                        Condition::Arg { values, .. } => {
                            values.iter().any(|v| strings.iter().any(|s| s == v))
                        }
                        _ => true,
                    }) {
                        let api = format!("{cls}->{name}");
                        rows_of.entry(api.clone()).or_insert((
                            row.category,
                            row.subcategory.clone(),
                            row.permissions.names().map(str::to_string).collect(),
                        ));
                        // Evidence: the instruction that loads the member name (the
                        // method's first instruction if it cannot be found).
                        let at = c
                            .code_of(d, cd, m)
                            .and_then(|code| {
                                let dex = c.dexes.get(d as usize)?;
                                code.instructions().flatten().find_map(|(off, insn)| {
                                    match insn.index() {
                                        Some((unmask_dex::IndexKind::String, idx))
                                            if dex.string(idx).ok().as_deref()
                                                == Some(name.as_str()) =>
                                        {
                                            Some(off)
                                        }
                                        _ => None,
                                    }
                                })
                            })
                            .unwrap_or(0);
                        let dotted = cls
                            .trim_start_matches('L')
                            .trim_end_matches(';')
                            .replace('/', ".");
                        let arg = match &row.condition {
                            Condition::Arg { values, .. } => {
                                values.iter().find(|v| strings.iter().any(|s| s == *v))
                            }
                            _ => None,
                        };
                        let item = match arg {
                            Some(v) => format!("strings \"{dotted}\", \"{name}\" and \"{v}\""),
                            None => format!("strings \"{dotted}\" and \"{name}\""),
                        };
                        let site = Site {
                            dex: d,
                            class_def: cd,
                            method_idx: m,
                            offset: at,
                        };
                        found
                            .entry(api.clone())
                            .or_default()
                            .push(c.site_evidence(&site, &item));
                    }
                }
            }
        }
        for (api, ev) in found {
            let Some((cat, sub, perms)) = rows_of.get(&api).cloned() else {
                continue;
            };
            let why = format!(
                "a method that uses reflection names the class and member of {api} in its strings: it reaches {sub} without a direct call"
            );
            let mut n = New::make(
                Section::Inside,
                "code.reflection_sensitive",
                api.clone(),
                why.clone(),
            );
            n.category = Some(top(cat));
            n.subcategory = Some(sub.clone());
            n.permissions = perms.clone();
            self.push(n, ev.clone());
            // Also counts as data collected.
            let mut d = data_new(
                "data.reflection",
                cat,
                &sub,
                api,
                why,
                perms.iter().map(String::as_str),
            );
            d.kind = "data.reflection";
            self.push(d, ev);
        }
    }

    // ---- 4. traits ---------------------------------------------------------------------

    fn manifest_traits(&mut self) {
        let components: &[unmask_apk::manifest::Component] = self
            .apk
            .and_then(|a| a.manifest.as_ref())
            .map_or(&[], |m| &m.components);
        type Rule = (
            &'static str,
            &'static [&'static str],
            &'static [&'static str],
            &'static str,
        );
        const RULES: &[Rule] = &[
            (
                "trait.accessibility_service",
                &["android.permission.BIND_ACCESSIBILITY_SERVICE"],
                &["android.accessibilityservice.AccessibilityService"],
                "an accessibility service can read the screen content of every app and act on it",
            ),
            (
                "trait.device_admin",
                &["android.permission.BIND_DEVICE_ADMIN"],
                &["android.app.action.DEVICE_ADMIN_ENABLED"],
                "a device-admin receiver can lock or wipe the device and resist uninstall",
            ),
            (
                "trait.notification_listener",
                &["android.permission.BIND_NOTIFICATION_LISTENER_SERVICE"],
                &["android.service.notification.NotificationListenerService"],
                "a notification listener reads every notification (messages, codes)",
            ),
            (
                "trait.sms_receiver",
                &[],
                &[
                    "android.provider.Telephony.SMS_RECEIVED",
                    "android.provider.Telephony.SMS_DELIVER",
                    "android.provider.Telephony.WAP_PUSH_RECEIVED",
                    "android.provider.Telephony.WAP_PUSH_DELIVER",
                ],
                "receives incoming SMS/MMS",
            ),
            (
                "trait.call_receiver",
                &[],
                &[
                    "android.intent.action.PHONE_STATE",
                    "android.intent.action.NEW_OUTGOING_CALL",
                ],
                "is told about incoming and outgoing calls",
            ),
            (
                "trait.boot_receiver",
                &[],
                &[
                    "android.intent.action.BOOT_COMPLETED",
                    "android.intent.action.LOCKED_BOOT_COMPLETED",
                    "android.intent.action.QUICKBOOT_POWERON",
                    "com.htc.intent.action.QUICKBOOT_POWERON",
                ],
                "starts itself when the device boots",
            ),
        ];
        let mut new = Vec::new();
        for (kind, perms, actions, what) in RULES {
            let mut ev = Vec::new();
            for comp in components {
                let by_perm = comp.permission.as_deref().filter(|p| perms.contains(p));
                let action = comp
                    .intent_filters
                    .iter()
                    .flat_map(|f| f.actions.iter())
                    .find(|a| actions.contains(&a.as_str()));
                // Privileged bindings need the permission and the filter; receivers of
                // broadcasts need only the action.
                let hit = if perms.is_empty() {
                    action.is_some()
                } else {
                    by_perm.is_some() && action.is_some()
                        || (by_perm.is_some() && *kind == "trait.device_admin")
                };
                if hit {
                    let mut detail = Vec::new();
                    if let Some(p) = by_perm {
                        detail.push(format!("android:permission={p}"));
                    }
                    if let Some(a) = action {
                        detail.push(format!("intent-filter action {a}"));
                    }
                    ev.push(Evidence::Manifest {
                        element: comp.kind.tag().to_string(),
                        name: comp.name.clone(),
                        line: Some(comp.line),
                        detail: detail.join(", "),
                    });
                }
            }
            let in_manifest = !ev.is_empty();
            // Broadcast receivers registered at run time for the same actions.
            let mut in_code = false;
            if perms.is_empty() {
                for (action, sites) in self.registered_actions() {
                    if actions.contains(&action.as_str()) {
                        in_code = true;
                        ev.extend(sites);
                    }
                }
            }
            if !ev.is_empty() {
                let subject = kind.trim_start_matches("trait.").to_string();
                let why = match (in_manifest, in_code) {
                    (true, true) => format!("the manifest declares a component, and the code registers a receiver at run time, that {what}"),
                    (false, true) => format!("the code registers a receiver at run time that {what}"),
                    _ => format!("the manifest declares a component that {what}"),
                };
                new.push((New::make(Section::Traits, kind, subject, why), ev));
            }
        }
        for (n, ev) in new {
            self.push(n, ev);
        }
    }

    /// Broadcast actions the code registers receivers for at run time: an action string of
    /// [`WATCHED_BROADCASTS`] loaded by an instruction, in an app that calls
    /// `registerReceiver`; the evidence is where the string is loaded.
    fn registered_actions(&self) -> Vec<(String, Vec<Evidence>)> {
        let registers = self
            .method_keys
            .iter()
            .any(|(k, _)| k.contains(";->registerReceiver(Landroid/content/BroadcastReceiver;Landroid/content/IntentFilter;"));
        if !registers {
            return Vec::new();
        }
        let c = self.code;
        WATCHED_BROADCASTS
            .iter()
            .filter_map(|(action, _)| {
                let sites = c.index.strings.get(c.dexes, action);
                (!sites.is_empty())
                    .then(|| (action.to_string(), self.sites_evidence(sites, action)))
            })
            .collect()
    }

    /// Permissions that receiving a declared or registered broadcast needs (so they are used
    /// even when no API of their categories is called).
    fn broadcast_permissions(&self) -> BTreeSet<String> {
        let mut actions: BTreeSet<String> = self
            .apk
            .and_then(|a| a.manifest.as_ref())
            .map(|m| {
                m.components
                    .iter()
                    .flat_map(|c| c.intent_filters.iter())
                    .flat_map(|f| f.actions.iter().cloned())
                    .collect()
            })
            .unwrap_or_default();
        actions.extend(self.registered_actions().into_iter().map(|(a, _)| a));
        WATCHED_BROADCASTS
            .iter()
            .filter(|(a, _)| actions.contains(*a))
            .flat_map(|(_, perms)| perms.iter().map(|p| p.to_string()))
            .collect()
    }

    fn code_traits(&mut self) {
        let c = self.code;
        // Screen capture.
        let ev: Vec<Evidence> = self
            .methods_where(&[
                "Landroid/media/projection/MediaProjectionManager;->createScreenCaptureIntent",
                "Landroid/media/projection/MediaProjectionManager;->getMediaProjection",
                "Landroid/media/projection/MediaProjection;->createVirtualDisplay",
            ])
            .into_iter()
            .flat_map(|(k, s)| self.sites_evidence(&s, &k))
            .collect();
        if !ev.is_empty() {
            self.push(
                New::make(
                    Section::Traits,
                    "trait.screen_capture",
                    "MediaProjection",
                    "uses MediaProjection to capture the screen",
                ),
                ev,
            );
        }
        // Call recording.
        let mut ev = Vec::new();
        for (k, sites) in self.methods_where(&["Landroid/media/MediaRecorder;->setAudioSource("]) {
            for s in &sites {
                let v = c.arg_register(s, "(I)V", 0).and_then(|r| c.const_in(s, r));
                if let Some(code::Const::Int(n @ 2..=4)) = v {
                    let src = match n {
                        2 => "VOICE_UPLINK",
                        3 => "VOICE_DOWNLINK",
                        _ => "VOICE_CALL",
                    };
                    ev.push(c.site_evidence(s, &format!("{k} {src}")));
                }
            }
        }
        if !ev.is_empty() {
            self.push(New::make(Section::Traits, "trait.call_recording", "MediaRecorder.setAudioSource", "records audio with a voice-call source (VOICE_CALL/UPLINK/DOWNLINK): call recording"), ev);
        }
        // Launcher icon hidden.
        let launcher: Vec<String> = self
            .apk
            .and_then(|a| a.manifest.as_ref())
            .map(|m| {
                m.components
                    .iter()
                    .filter(|c| {
                        c.intent_filters.iter().any(|f| {
                            f.actions.iter().any(|a| a == "android.intent.action.MAIN")
                                && f.categories
                                    .iter()
                                    .any(|x| x == "android.intent.category.LAUNCHER")
                        })
                    })
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut ev = Vec::new();
        for (k, sites) in self
            .methods_where(&["Landroid/content/pm/PackageManager;->setComponentEnabledSetting("])
        {
            for s in &sites {
                let v = c
                    .arg_register(s, "(Landroid/content/ComponentName;II)V", 1)
                    .and_then(|r| c.const_in(s, r));
                if v == Some(code::Const::Int(2)) {
                    ev.push(c.site_evidence(s, &format!("{k} COMPONENT_ENABLED_STATE_DISABLED")));
                }
            }
        }
        if !ev.is_empty() && !launcher.is_empty() {
            let why = format!("disables a component at run time (COMPONENT_ENABLED_STATE_DISABLED) while declaring launcher activities ({}): the app icon can disappear", launcher.join(", "));
            self.push(
                New::make(
                    Section::Traits,
                    "trait.hides_launcher_icon",
                    "PackageManager.setComponentEnabledSetting",
                    why,
                ),
                ev,
            );
        }
        // Installed apps.
        let ev: Vec<Evidence> = self
            .methods_where(&[
                "Landroid/content/pm/PackageManager;->getInstalledPackages(",
                "Landroid/content/pm/PackageManager;->getInstalledApplications(",
                "Landroid/content/pm/PackageManager;->queryIntentActivities(",
            ])
            .into_iter()
            .flat_map(|(k, s)| self.sites_evidence(&s, &k))
            .collect();
        if !ev.is_empty() {
            self.push(
                New::make(
                    Section::Traits,
                    "trait.reads_installed_apps",
                    "PackageManager",
                    "lists the apps installed on the device",
                ),
                ev,
            );
        }
        // Watched apps.
        let mut ev = Vec::new();
        let mut seen = BTreeSet::new();
        // Only strings that contain some watched package name are tokenised.
        let names = aho_corasick::AhoCorasick::new(
            self.kb
                .watched_apps
                .apps()
                .iter()
                .map(|a| a.package.as_bytes()),
        )
        .ok();
        for (d, dex) in c.dexes.iter().enumerate() {
            for i in 0..dex.string_count() {
                let Ok(raw) = dex.string_raw(i) else { continue };
                if raw.len() > 200 || names.as_ref().is_some_and(|n| !n.is_match(raw)) {
                    continue;
                }
                let s = dex.string_lossy(i);
                // A content URI of the kb (`content://com.android.browser/history`) names a
                // provider authority, already reported as data collected, not an app looked for.
                if s.starts_with("content://") && self.kb.content_uris.match_uri(&s).is_some() {
                    continue;
                }
                for app in self.kb.watched_apps.find_in(&s) {
                    if seen.insert(app.package.clone()) {
                        let sites = c.index.strings.get(c.dexes, &s);
                        let item =
                            format!("{} ({}, {})", app.package, app.name, app.category.as_str());
                        if let Some(site) = sites.first() {
                            ev.push(c.site_evidence(site, &item));
                        } else {
                            ev.push(Evidence::DexString {
                                dex: c.dex_name(d as u32),
                                string: item,
                            });
                        }
                    }
                }
            }
        }
        // ... and in resources, assets and native libraries.
        for t in self.texts {
            for app in self.kb.watched_apps.find_in(&t.text) {
                if seen.insert(app.package.clone()) {
                    let item = format!("{} ({}, {})", app.package, app.name, app.category.as_str());
                    ev.push(Evidence::Entry {
                        name: t.entry.clone(),
                        detail: format!("{} names {item}", t.detail),
                    });
                }
            }
        }
        if !ev.is_empty() {
            let why = format!("the app names {} other apps (messengers, VPNs, ...) that surveillance apps look for", seen.len());
            self.push(
                New::make(
                    Section::Traits,
                    "trait.watched_apps",
                    seen.iter().cloned().collect::<Vec<_>>().join(", "),
                    why,
                ),
                ev,
            );
        }
        // Bulk file scanning with hashing.
        let walk = self.methods_where(&[
            "Ljava/io/File;->listFiles(",
            "Ljava/nio/file/Files;->walk(",
            "Ljava/nio/file/Files;->walkFileTree(",
            "Ljava/io/File;->list(",
        ]);
        let hash = self.methods_where(&[
            "Ljava/security/MessageDigest;->getInstance(",
            "Ljava/security/MessageDigest;->digest(",
        ]);
        let hash_classes: BTreeSet<(u32, u32)> = hash
            .iter()
            .flat_map(|(_, s)| s.iter().map(|s| (s.dex, s.class_def)))
            .collect();
        let mut ev = Vec::new();
        for (k, sites) in &walk {
            for s in sites
                .iter()
                .filter(|s| hash_classes.contains(&(s.dex, s.class_def)))
            {
                ev.push(c.site_evidence(s, k));
                for (hk, hs) in &hash {
                    if let Some(h) = hs
                        .iter()
                        .find(|h| h.dex == s.dex && h.class_def == s.class_def)
                    {
                        ev.push(c.site_evidence(h, hk));
                    }
                }
            }
        }
        if !ev.is_empty() {
            self.push(New::make(Section::Traits, "trait.file_scan_hashing", "File walk + MessageDigest", "walks directories and hashes with MessageDigest in the same class: bulk file scanning with hashing"), ev);
        }
        self.hash_lists();
    }

    /// A shipped list of file hashes (as BXAQ carried tens of thousands of "suspicious" file
    /// hashes): at least [`HASH_LIST_MIN`] distinct MD5/SHA-1/SHA-256 hex digests in one asset
    /// or resource, or among the strings of one dex file.
    fn hash_lists(&mut self) {
        let mut per_entry: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for t in self.texts {
            for d in hex_digests(&t.text) {
                per_entry.entry(t.entry.as_str()).or_default().insert(d);
            }
        }
        let mut ev = Vec::new();
        let mut total = 0usize;
        for (entry, digests) in &per_entry {
            if digests.len() >= HASH_LIST_MIN {
                total = total.saturating_add(digests.len());
                ev.push(Evidence::Entry {
                    name: entry.to_string(),
                    detail: format!(
                        "{} distinct hex digests (MD5/SHA-1/SHA-256 lengths), e.g. {}",
                        digests.len(),
                        digests.iter().next().copied().unwrap_or_default()
                    ),
                });
            }
        }
        let c = self.code;
        for (d, dex) in c.dexes.iter().enumerate() {
            let mut digests = BTreeSet::new();
            for i in 0..dex.string_count() {
                let Ok(raw) = dex.string_raw(i) else { continue };
                if matches!(raw.len(), 32 | 40 | 64) && raw.iter().all(u8::is_ascii_hexdigit) {
                    digests.insert(raw);
                }
            }
            if digests.len() >= HASH_LIST_MIN {
                total = total.saturating_add(digests.len());
                ev.push(Evidence::DexString {
                    dex: c.dex_name(d as u32),
                    string: format!(
                        "{} distinct hex-digest strings, e.g. {}",
                        digests.len(),
                        digests
                            .iter()
                            .next()
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                            .unwrap_or_default()
                    ),
                });
            }
        }
        if !ev.is_empty() {
            let why = format!("the app ships {total} file-hash-like digests (MD5/SHA-1/SHA-256 hex strings): a list of files to look for");
            self.push(
                New::make(Section::Traits, "trait.hash_list", "hash list", why),
                ev,
            );
        }
    }

    // ---- 5. IOCs -----------------------------------------------------------------------

    fn iocs(&mut self, iocs: &IocSet, endpoints: &[Endpoint]) {
        let mut facts = AppFacts::default();
        let input = &self.report.input;
        if let Some(h) = &input.hashes.sha256 {
            facts
                .file_sha256s
                .push(Fact::at(h.clone(), format!("input {}", input.path)));
        }
        if let Some(h) = &input.hashes.sha1 {
            facts
                .file_sha1s
                .push(Fact::at(h.clone(), format!("input {}", input.path)));
        }
        if let Some(h) = &input.hashes.md5 {
            facts
                .file_md5s
                .push(Fact::at(h.clone(), format!("input {}", input.path)));
        }
        for apk in &self.report.apks {
            if let Some(p) = apk.manifest.as_ref().and_then(|m| m.package.clone()) {
                facts
                    .package_names
                    .push(Fact::at(p, format!("manifest of {}", apk.name)));
            }
            for s in &apk.signatures.signers {
                for cert in &s.certificates {
                    facts.cert_sha1s.push(Fact::at(
                        cert.sha1.clone(),
                        format!("{} signer {}", s.scheme, cert.subject),
                    ));
                    facts.cert_sha256s.push(Fact::at(
                        cert.sha256.clone(),
                        format!("{} signer {}", s.scheme, cert.subject),
                    ));
                }
            }
            if let Some(h) = &apk.hashes.sha256 {
                facts
                    .file_sha256s
                    .push(Fact::at(h.clone(), apk.name.clone()));
            }
            for e in apk.contents.dex.iter().chain(apk.contents.assets.iter()) {
                let file = e.name.rsplit('/').next().unwrap_or(&e.name);
                facts
                    .file_names
                    .push(Fact::at(file.to_string(), e.name.clone()));
            }
        }
        for e in endpoints {
            let origin = "dex string".to_string();
            match e.kind {
                "url" => {
                    facts.urls.push(Fact::at(e.value.clone(), origin.clone()));
                    if let Some(h) = &e.host {
                        if network::parse_ipv4(h).is_some() || h.contains(':') {
                            facts.ips.push(Fact::at(h.clone(), origin));
                        } else {
                            facts.domains.push(Fact::at(h.clone(), origin));
                        }
                    }
                }
                _ => facts.ips.push(Fact::at(
                    e.host.clone().unwrap_or_else(|| e.value.clone()),
                    origin,
                )),
            }
        }
        for mut m in iocs.match_app(&facts) {
            // A domain indicator whose value is a URL with a path (some STIX feeds write
            // distribution pages as `domain-name:value = 'https://github.com/x/y'`) must not
            // match the bare host (`github.com`) or another path on it.
            m.evidence.retain(|e| {
                let v = e.indicator_value.to_ascii_lowercase();
                let path = v.split_once("://").map_or(v.as_str(), |(_, r)| r);
                !path.contains('/') || e.matched_value.to_ascii_lowercase().contains(path)
            });
            if m.evidence.is_empty() {
                continue;
            }
            let family = m.family().unwrap_or("unknown family").to_string();
            let ev = m
                .evidence
                .iter()
                .map(|e| Evidence::Ioc {
                    indicator: m.indicator_id.clone(),
                    pattern: m.pattern.clone(),
                    matched_value: e.matched_value.clone(),
                    origin: e.origin.clone(),
                    source: m.source.clone(),
                })
                .collect();
            let why = format!(
                "indicator {} ({}) of {family} from {} matches: {}",
                m.indicator_id,
                m.indicator_name.as_deref().unwrap_or("unnamed"),
                m.source,
                m.pattern
            );
            let mut n = New::make(Section::Iocs, "ioc", family, why);
            n.category = m.reports.first().cloned();
            self.push(n, ev);
        }
    }
}

fn data_new<'p>(
    kind: &'static str,
    cat: Category,
    sub: &str,
    subject: String,
    reason: String,
    perms: impl Iterator<Item = &'p str>,
) -> New<'static> {
    New {
        section: Section::DataCollected,
        kind,
        category: Some(top(cat)),
        subcategory: Some(sub.to_string()),
        subject,
        reason,
        permissions: perms.map(str::to_string).collect(),
    }
}
