//! The unmask knowledge base: versioned data files (in the repository's `kb/` folder, each
//! folder with a `PROVENANCE.md`), embedded in the binary and validated when loaded.
//!
//! [`Kb::embedded`] gives the copy compiled into the binary (works offline; each table is
//! parsed on first use, see [Cost](#cost)); [`Kb::from_dir`] loads a directory with the same
//! layout (`unmask --kb DIR`). [`Kb::from_dir`] and [`Kb::embedded_checked`] check every file
//! and fail with a [`KbError`] naming the file, the line and what is wrong: unknown
//! categories, permissions or enum values, missing or extra columns, empty fields, duplicate
//! rows, invalid regular expressions, malformed class descriptors or URIs.
//!
//! ```
//! let kb = unmask_kb::Kb::embedded()?;
//! let tm = "Landroid/telephony/TelephonyManager;";
//! let row = kb.apis.lookup_method(tm, "getDeviceId", "()Ljava/lang/String;").next();
//! assert_eq!(row.map(|r| r.subcategory.as_str()), Some("device_id.imei"));
//! let uri = kb.content_uris.match_uri("content://sms/inbox");
//! assert_eq!(uri.map(|r| r.category), Some(unmask_kb::Category::Sms));
//! let firebase = kb.trackers.match_class("com/google/firebase/analytics/FirebaseAnalytics");
//! assert!(firebase.iter().any(|t| t.name == "Google Firebase Analytics"));
//! assert!(kb.watched_apps.get("org.thoughtcrime.securesms").is_some());
//! # Ok::<(), unmask_kb::KbError>(())
//! ```
//!
//! # Layout and formats
//!
//! Every file is UTF-8, tab-separated. Lines that are empty or start with `#` are comments;
//! the first other line is the header and must list exactly the columns below, in order.
//! Every field is non-empty: `-` means "none". Classes are DEX descriptors
//! (`Landroid/telephony/TelephonyManager;`), method prototypes DEX prototypes
//! (`(Ljava/lang/String;)V`). Permission columns hold groups separated by `;` (all needed) of
//! alternatives separated by `|` (any one suffices), see [`PermissionReq`]; every name must
//! be a platform permission (`android/permissions-api29.tsv`, `android/permissions-added.tsv`)
//! or be listed in `api/permissions-extra.tsv`.
//!
//! | file | columns | table |
//! |---|---|---|
//! | `api/apis.tsv` | kind (`method`/`field`), class, member, descriptor (`*` = any overload; `-` for fields), category, subcategory, permissions, condition (`-`, `callback`, `context`, `arg:N=V1\|V2`, see [`Condition`]), origin (`framework`/`library`), note | [`ApiTable`] |
//! | `api/content-uris.tsv` | kind (`uri`/`authority`/`field`/`method`), value (`content://...` prefix, authority, or `Lclass;->member`), category, subcategory, permissions, note | [`ContentUriTable`] |
//! | `api/sinks.tsv` | kind, class, member, descriptor, sink (`network`/`sms`/`files`/`logs`/`ipc`/`clipboard`), subkind (`<sink>.<word>`), origin, note | [`SinkTable`] |
//! | `api/permissions-extra.tsv` | name, origin, note | [`PermissionNames`] |
//! | `trackers/exodus-trackers.tsv` | id, name, website, categories (`;`-separated), code_signature, network_signature, creation_date | [`TrackerTable`] |
//! | `packers/packers.tsv` | id, name, kind (`packer`/`protector`/`obfuscator`), evidence (`native_lib`/`asset`/`class`/`dex_feature`), match (`exact`/`prefix`/`regex`), pattern, source, note | [`PackerTable`] |
//! | `apps/watched-apps.tsv` | package, name, category (`messenger`/`social`/`email`/`vpn`/`tor`/`browser`/`security`) | [`WatchedApps`] |
//! | `android/permissions-*.tsv` | name, protection_level, ... (owned by `unmask-apk`; read for validation only) | [`PermissionNames`] |
//!
//! # Data categories
//!
//! `location.precise`, `location.coarse`, `contacts`, `sms`, `call_log`, `phone_calls`,
//! `device_id`, `phone_number`, `accounts`, `installed_apps`, `calendar`, `microphone`,
//! `camera`, `media`, `files`, `clipboard`, `wifi`, `cell_info`, `bluetooth`,
//! `browser_history`, `notifications`, `screen_content`, `sensors`, `biometrics`,
//! `credentials` (password fields, autofill; see
//! [`Category`]), plus the meta-category `content_provider` for `ContentResolver` calls whose
//! category follows the URI argument (resolve it with [`ContentUriTable::match_uri`] or
//! [`ContentUriTable::by_member`]). A subcategory is the category itself or the category
//! followed by `.word` (`device_id.imei`, `device_id.android_id`, `wifi.scan`, ...).
//!
//! Some rows depend on an argument or on context; the `condition` column says so in a form
//! the analysis can check ([`Condition`]): `Settings$Secure.getString` is the Android ID only
//! with `arg:1=android_id` (`Settings.Secure.ANDROID_ID` is a compile-time constant, so it
//! appears as a `const-string`, not a field reference); callbacks (`callback`) match methods
//! the app overrides; `context` rows (password fields, file walks, sensors) need extra
//! evidence before being reported.
//! `LocationManager` rows are listed under `location.precise` with
//! `ACCESS_FINE_LOCATION|ACCESS_COARSE_LOCATION` and again under `location.coarse`: an app
//! that holds only the coarse permission gets coarse location.
//!
//! # Tracker signatures: reproducing exodus-core
//!
//! The signatures are Exodus Privacy's, kept verbatim. exodus-core
//! (`exodus_core/analysis/static_analysis.py`) applies them like this, and
//! [`TrackerTable`] does the same:
//!
//! 1. Class list: `dexdump` over every zip entry matching `classes.*\.dex`, and from each output
//!    line group 1 of the first match of the Perl regex `[A-Z]+((?:\w+\/)+\w+)`, then
//!    `sort | uniq`. So names are slash-separated (`com/google/firebase/analytics/Foo`), cut at
//!    the first non-`[A-Za-z0-9_]` character (inner classes become their outer class), and the
//!    list contains every type dexdump prints — defined classes, but also superclasses,
//!    interfaces, field types and the first class of each method prototype. Use
//!    [`exodus_class_name`] on each such descriptor.
//! 2. Each tracker's `code_signature` is compiled on its own with Python `re.compile` (not
//!    joined with the others) and a tracker is detected when `re.search` (unanchored) matches
//!    any class of the list. Trackers whose signature has 3 characters or fewer (empty) are
//!    skipped ([`EXODUS_MIN_SIGNATURE_LEN`]). [`TrackerTable::match_class`] gives the same
//!    per-tracker answer for all of them at once: an index of the text each signature's
//!    alternatives require (by their first bytes) picks the candidates, whose alternatives
//!    are then matched as plain text (literal characters and `.` wildcards) or, for other
//!    syntax, with the regex (tests check it against every regex on thousands of probes).
//! 3. The signatures use `.` (any character) as the package separator and contain no `\.` or
//!    `/` (checked by the tests), so matching the dot form of a name (`com.google.firebase...`)
//!    gives the same result as the slash form.
//!
//! exodus-core's static analysis does not use `network_signature`; [`TrackerTable::match_host`]
//! applies it as an unanchored search over a host name.
//!
//! # Cost
//!
//! Every `unmask scan` process loads the knowledge base, so [`Kb::embedded`] parses nothing:
//! each table is parsed the first time it is used (once per process, by the analysis thread
//! that needs it, while the other analyses run), packer regexes are compiled and the tracker
//! signature indexes built on first use, and a scan never parses what it does not use (sinks, the
//! permission list). Lookups allocate nothing: the indexes are vectors of (Fx hash of the
//! key, row) sorted for a binary search, and the keys are compared with the rows' own.
//! [`Kb::from_dir`] and [`Kb::embedded_checked`] still check and compile everything at
//! load time (tens of milliseconds: every tracker regex is compiled).
//!
//! Measured on the 2-core development machine (shared, loaded), release build,
//! `examples/kb_load.rs`: `Kb::embedded` took 5.1 ms in a fresh process before (median of 9
//! processes, 4.6 to 8.8 ms; 3.2 ms when repeated in one process) and takes about 3 µs now
//! (50 ns repeated). Parsing every table afterwards costs 1.3 ms (1.6 ms in a fresh process),
//! of which a scan pays about 1.1 ms, spread over its analysis threads
//! (`UNMASK_KB_TIMING=1 unmask scan ...` prints each table's time). The first
//! [`TrackerTable::match_host`] went from 2.6 ms to 1.7 ms (16 network signatures needed
//! their whole regex; now 3 pieces of 2 signatures do). A whole `unmask scan --format json`
//! of DroidBench's `Merge1.apk` went from 43.6 to 40.0 ms of CPU, `Button1.apk` from 24.7 to
//! 20.7 ms (medians of 21 runs, the rest of the tree unchanged).
//!
//! First-use costs that small apps pay, cut next (same machine and method, A/B runs
//! alternated, medians; `UNMASK_ANALYSIS_TIMING=1 UNMASK_KB_TIMING=1 unmask scan`):
//! - Tracker signatures: the Aho-Corasick prefilter automata (about 1 ms to build for the
//!   code signatures, 1.7 ms for the network ones in a fresh process) gave way to an index
//!   of required literals with no automaton (about 0.4 ms in a fresh process, and faster
//!   to search on a large app, see [`TrackerTable::match_class`]). The first 4 host names
//!   are matched by reading the network signatures in place (about 65 µs each in a fresh
//!   process): an app with a handful of hosts builds nothing. In `examples/kb_load.rs`
//!   (fresh process) the first `match_host` went from 1.7 ms to about 70 µs, the first
//!   `match_class` to about 400 µs.
//! - exodus class names ([`TrackerTable::exodus_class_names`]) are taken from ASCII
//!   descriptors without the regex engine (no regex compiled; no backtracker per
//!   descriptor); tests check the result against the regex on every string of up to 7
//!   characters over an alphabet covering its branches and on random ones.
//! - `api/apis.tsv` is parsed in about half the time (470 µs to 240 µs in a loop, 0.59 to
//!   0.31 ms on first use in a scan): fields are split with byte loops instead of the
//!   `char` searcher, the class descriptor is checked in one pass, the embedded table is not
//!   hashed for duplicate rows (the tests check it with [`Kb::embedded_checked`]), and the
//!   row indexes compare keys only when their hashes are equal.
//!
//! | `unmask scan --format json` | before | after |
//! |---|---|---|
//! | `Merge1.apk`: CPU (41 runs) | 31.9 ms | 27.2 ms |
//! | `Merge1.apk`: task trackers / task endpoints | 3.09 / 2.24 ms | 0.89 / 0.78 ms |
//! | `Button1.apk`: CPU (31 runs) | 15.9 ms | 12.8 ms |
//! | `Button1.apk`: task trackers / task endpoints | 2.04 / 2.13 ms | 0.95 / 0.63 ms |
//! | appium uiautomator2 server 10.6.6: CPU (21 runs) | 312.6 ms | 289.6 ms |
//! | appium: task trackers / task endpoints | 18.2 / 9.3 ms | 6.3 / 8.5 ms |
//!
//! The JSON reports of all 245 APKs of the shared corpus are byte-identical before and after.
#![forbid(unsafe_code)]

mod api;
mod apps;
mod category;
mod error;
mod lazy;
mod packers;
mod permissions;
mod trackers;
mod tsv;

use std::path::Path;
use std::sync::OnceLock;

pub use api::{
    ApiRow, ApiTable, Condition, ContentUriRow, ContentUriTable, MemberKind, Origin, SinkKind,
    SinkRow, SinkTable, UriPattern,
};
pub use apps::{is_package_name, AppCategory, WatchedApp, WatchedApps};
pub use category::Category;
pub use error::KbError;
pub use packers::{Evidence, Matcher, PackerKind, PackerRule, PackerTable, DEX_FEATURES};
pub use permissions::{PermissionNames, PermissionReq};
pub use trackers::{exodus_class_name, Tracker, TrackerTable, EXODUS_MIN_SIGNATURE_LEN};

/// Files of a knowledge-base directory, relative to its root, in load order.
pub const FILES: &[&str] = &[
    PERMS_API29,
    PERMS_ADDED,
    PERMS_EXTRA,
    APIS,
    CONTENT_URIS,
    SINKS,
    TRACKERS,
    PACKERS,
    WATCHED_APPS,
];

const PERMS_API29: &str = "android/permissions-api29.tsv";
const PERMS_ADDED: &str = "android/permissions-added.tsv";
const PERMS_EXTRA: &str = "api/permissions-extra.tsv";
const APIS: &str = "api/apis.tsv";
const CONTENT_URIS: &str = "api/content-uris.tsv";
const SINKS: &str = "api/sinks.tsv";
const TRACKERS: &str = "trackers/exodus-trackers.tsv";
const PACKERS: &str = "packers/packers.tsv";
const WATCHED_APPS: &str = "apps/watched-apps.tsv";

/// The embedded copies, as `(relative path, content)`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        PERMS_API29,
        include_str!("../../../kb/android/permissions-api29.tsv"),
    ),
    (
        PERMS_ADDED,
        include_str!("../../../kb/android/permissions-added.tsv"),
    ),
    (
        PERMS_EXTRA,
        include_str!("../../../kb/api/permissions-extra.tsv"),
    ),
    (APIS, include_str!("../../../kb/api/apis.tsv")),
    (
        CONTENT_URIS,
        include_str!("../../../kb/api/content-uris.tsv"),
    ),
    (SINKS, include_str!("../../../kb/api/sinks.tsv")),
    (
        TRACKERS,
        include_str!("../../../kb/trackers/exodus-trackers.tsv"),
    ),
    (PACKERS, include_str!("../../../kb/packers/packers.tsv")),
    (
        WATCHED_APPS,
        include_str!("../../../kb/apps/watched-apps.tsv"),
    ),
];

fn embedded_text(file: &str) -> &'static str {
    EMBEDDED
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
        .unwrap_or_default()
}

/// The loaded, validated knowledge base.
#[derive(Debug, Clone)]
pub struct Kb {
    /// Where it was loaded from: `embedded` or the directory given to [`Kb::from_dir`].
    pub source: String,
    /// Permission names known (platform plus `api/permissions-extra.tsv`).
    pub permissions: PermissionNames,
    /// Sensitive APIs.
    pub apis: ApiTable,
    /// Sensitive content URIs.
    pub content_uris: ContentUriTable,
    /// Sinks.
    pub sinks: SinkTable,
    /// Tracker signatures.
    pub trackers: TrackerTable,
    /// Packer, protector and obfuscator rules.
    pub packers: PackerTable,
    /// Apps that surveillance apps look for.
    pub watched_apps: WatchedApps,
}

/// Row counts of each table (for `--version`-like output and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KbCounts {
    /// Rows of `api/apis.tsv`.
    pub apis: usize,
    /// Rows of `api/content-uris.tsv`.
    pub content_uris: usize,
    /// Rows of `api/sinks.tsv`.
    pub sinks: usize,
    /// Trackers.
    pub trackers: usize,
    /// Packer rules.
    pub packers: usize,
    /// Watched apps.
    pub watched_apps: usize,
    /// Known permission names.
    pub permissions: usize,
}

impl Kb {
    /// The knowledge base embedded in the binary.
    ///
    /// Cheap: each table is parsed on first use (once, by whichever thread needs it first),
    /// and regexes are compiled on first use, so a process pays only for what its analyses
    /// use. The embedded files are fixed at build time; [`Kb::embedded_checked`] loads them
    /// with every check of [`Kb::from_dir`], and the tests run it, so the tables built here
    /// hold exactly what it reports. (Were an embedded file invalid anyway, its table would
    /// be empty.) The `Result` is kept for compatibility: this never fails.
    pub fn embedded() -> Result<Kb, KbError> {
        Ok(Kb {
            source: "embedded".to_string(),
            permissions: PermissionNames::deferred(PERMS_EXTRA, |_, _| {
                permissions::Names::lenient(
                    &[
                        (PERMS_API29, embedded_text(PERMS_API29)),
                        (PERMS_ADDED, embedded_text(PERMS_ADDED)),
                    ],
                    (PERMS_EXTRA, embedded_text(PERMS_EXTRA)),
                )
            }),
            apis: ApiTable::deferred(APIS, embedded_text(APIS)),
            content_uris: ContentUriTable::deferred(CONTENT_URIS, embedded_text(CONTENT_URIS)),
            sinks: SinkTable::deferred(SINKS, embedded_text(SINKS)),
            trackers: TrackerTable::deferred(TRACKERS, embedded_text(TRACKERS)),
            packers: PackerTable::deferred(PACKERS, embedded_text(PACKERS)),
            watched_apps: WatchedApps::deferred(WATCHED_APPS, embedded_text(WATCHED_APPS)),
        })
    }

    /// The embedded knowledge base loaded with every check of [`Kb::from_dir`] (every file
    /// parsed, every permission name, regex and tracker signature checked and compiled).
    /// This is what the tests run; a scan uses the cheap [`Kb::embedded`].
    pub fn embedded_checked() -> Result<Kb, KbError> {
        let kb = Self::load("embedded".to_string(), |f| Ok(embedded_text(f).to_string()))?;
        kb.trackers.compile_all()?;
        Ok(kb)
    }

    /// The embedded knowledge base, loaded once per process.
    pub fn shared_embedded() -> Result<&'static Kb, &'static KbError> {
        static KB: OnceLock<Result<Kb, KbError>> = OnceLock::new();
        KB.get_or_init(Kb::embedded).as_ref()
    }

    /// Loads a knowledge-base directory with the same layout as the repository's `kb/`
    /// (see [`FILES`]). The platform permission lists (`android/*.tsv`) are taken from the
    /// embedded copy when the directory has none; every other file must exist. Unlike
    /// [`Kb::embedded`] (whose tables are built on first use and checked by the tests), every
    /// file is parsed and every regex and tracker signature compiled here, so a problem is
    /// reported at load time.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Kb, KbError> {
        let dir = dir.as_ref();
        let kb = Self::load_dir(dir)?;
        kb.trackers.compile_all()?;
        Ok(kb)
    }

    fn load_dir(dir: &Path) -> Result<Kb, KbError> {
        Self::load(dir.display().to_string(), |f| {
            let path = dir.join(f);
            if f.starts_with("android/") && !path.exists() {
                return Ok(embedded_text(f).to_string());
            }
            std::fs::read_to_string(&path).map_err(|source| KbError::Io {
                file: f.to_string(),
                source,
            })
        })
    }

    fn load(source: String, read: impl Fn(&str) -> Result<String, KbError>) -> Result<Kb, KbError> {
        let timing = std::env::var_os("UNMASK_KB_TIMING").is_some();
        let t0 = std::time::Instant::now();
        let lap = |what: &str| {
            if timing {
                eprintln!("  kb {what}: {:.2} ms", t0.elapsed().as_secs_f64() * 1000.0);
            }
        };
        let permissions = PermissionNames::parse(
            &[
                (PERMS_API29, &read(PERMS_API29)?),
                (PERMS_ADDED, &read(PERMS_ADDED)?),
            ],
            (PERMS_EXTRA, &read(PERMS_EXTRA)?),
        )?;
        lap("permissions");
        let apis = ApiTable::parse(APIS, &read(APIS)?, Some(&permissions))?;
        let content_uris =
            ContentUriTable::parse(CONTENT_URIS, &read(CONTENT_URIS)?, Some(&permissions))?;
        lap("apis, content uris");
        let sinks = SinkTable::parse(SINKS, &read(SINKS)?)?;
        let trackers = TrackerTable::parse(TRACKERS, &read(TRACKERS)?)?;
        lap("sinks, trackers");
        let packers = PackerTable::parse(PACKERS, &read(PACKERS)?)?;
        lap("packers");
        let watched_apps = WatchedApps::parse(WATCHED_APPS, &read(WATCHED_APPS)?)?;
        lap("watched apps");
        Ok(Kb {
            source,
            permissions,
            apis,
            content_uris,
            sinks,
            trackers,
            packers,
            watched_apps,
        })
    }

    /// Row counts of every table.
    pub fn counts(&self) -> KbCounts {
        KbCounts {
            apis: self.apis.len(),
            content_uris: self.content_uris.len(),
            sinks: self.sinks.len(),
            trackers: self.trackers.len(),
            packers: self.packers.len(),
            watched_apps: self.watched_apps.len(),
            permissions: self.permissions.len(),
        }
    }

    /// Data categories whose API or content-URI rows name `permission` (full name) among
    /// their requirements: what a requested permission can give access to.
    pub fn categories_for_permission(
        &self,
        permission: &str,
    ) -> std::collections::BTreeSet<Category> {
        self.apis
            .rows()
            .iter()
            .filter(|r| r.permissions.names().any(|p| p == permission))
            .map(|r| r.category)
            .chain(
                self.content_uris
                    .rows()
                    .iter()
                    .filter(|r| r.permissions.names().any(|p| p == permission))
                    .map(|r| r.category),
            )
            .collect()
    }

    /// Categories with at least one API or content-URI row.
    pub fn covered_categories(&self) -> std::collections::BTreeSet<Category> {
        self.apis
            .rows()
            .iter()
            .map(|r| r.category)
            .chain(self.content_uris.rows().iter().map(|r| r.category))
            .collect()
    }
}
