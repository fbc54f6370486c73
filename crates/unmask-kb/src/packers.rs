//! Packers, protectors and obfuscators (`packers/packers.tsv`).

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::error::KbError;
use crate::lazy::{FxHashSet, Lazy};
use crate::tsv;

/// What kind of tool a rule recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackerKind {
    /// Encrypts/hides the original dex and unpacks it at run time.
    Packer,
    /// Commercial app protection (anti-tamper, anti-debug, RASP), may also pack.
    Protector,
    /// Renames or encrypts code and strings.
    Obfuscator,
}

/// Which part of the APK a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// File name (no directory) of a native library under `lib/<abi>/`.
    NativeLib,
    /// Path of an entry under `assets/`, without the `assets/` prefix.
    Asset,
    /// Class name in dot form (`com.stub.StubApp`), inner classes with `$`.
    Class,
    /// A named dex feature that the analysis computes (see [`DEX_FEATURES`]).
    DexFeature,
}

/// Dex feature ids a rule may name (evidence `dex_feature`), and what each means:
/// - `short_names`: most classes of the app's own packages have one- or two-letter simple
///   names (ProGuard/R8 renaming) — a heuristic flag, not proof;
/// - `unicode_names`: class or member names outside printable ASCII (DexGuard-style renaming);
/// - `allatori_demo_string`: the string `ALLATORIxDEMO` is present in the dex strings;
/// - `arxan_guards`: Arxan guard-code patterns in bytecode (no name marker; needs a code
///   analysis that unmask may not implement yet).
pub const DEX_FEATURES: &[&str] = &[
    "short_names",
    "unicode_names",
    "allatori_demo_string",
    "arxan_guards",
];

/// How a rule's pattern is compared.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Whole-string equality.
    Exact(String),
    /// String starts with the pattern.
    Prefix(String),
    /// Unanchored regex search (anchor with `^...$` in the file when needed).
    Regex(Regex),
}

impl Matcher {
    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Exact(p) => text == p,
            Matcher::Prefix(p) => text.starts_with(p.as_str()),
            Matcher::Regex(r) => r.is_match(text),
        }
    }
}

/// One rule of `packers/packers.tsv`.
#[derive(Debug, Clone, Serialize)]
pub struct PackerRule {
    /// Stable id of the tool (several rules share it), e.g. `jiagu`.
    pub id: String,
    /// Display name, e.g. `Jiagu (Qihoo 360)`.
    pub name: String,
    /// Packer, protector or obfuscator.
    pub kind: PackerKind,
    /// What is looked at.
    pub evidence: Evidence,
    /// `exact`, `prefix` or `regex`.
    pub match_type: String,
    /// The pattern as written in the file.
    pub pattern: String,
    /// Where the fact comes from (e.g. an APKiD rule name).
    pub source: String,
    /// Short note, if any.
    pub note: Option<String>,
    /// Line in the source file.
    pub line: usize,
    /// Compiled on first use (at load time by [`crate::Kb::from_dir`]); `None` if the regex
    /// does not compile.
    #[serde(skip)]
    matcher: OnceLock<Option<Matcher>>,
}

/// Builds the matcher of a rule.
fn compile(match_type: &str, pattern: &str) -> Result<Matcher, String> {
    match match_type {
        "exact" => Ok(Matcher::Exact(pattern.to_string())),
        "prefix" => Ok(Matcher::Prefix(pattern.to_string())),
        "regex" => Regex::new(pattern)
            .map(Matcher::Regex)
            .map_err(|e| format!("column pattern: invalid regex {pattern:?}: {e}")),
        other => Err(format!(
            "column match: unknown value {other:?} (expected exact, prefix or regex)"
        )),
    }
}

impl PackerRule {
    fn compiled(&self) -> Option<&Matcher> {
        self.matcher
            .get_or_init(|| compile(&self.match_type, &self.pattern).ok())
            .as_ref()
    }

    /// The compiled matcher (compiled on first use). A rule whose regex does not compile
    /// never matches; [`crate::Kb::from_dir`] and [`crate::Kb::embedded_checked`] report it
    /// instead, and the tests check the embedded rules, so this cannot happen with them.
    pub fn matcher(&self) -> &Matcher {
        /// The matcher shown for a rule whose regex does not compile.
        static NONE: Matcher = Matcher::Exact(String::new());
        self.compiled().unwrap_or(&NONE)
    }

    /// Whether the rule matches `text` (which must be the kind of string its
    /// [`PackerRule::evidence`] says).
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled().is_some_and(|m| m.is_match(text))
    }
}

/// The packer rules. The regexes are compiled on first use, each on its own, so a scan
/// compiles only those of the evidence it has (native libraries, assets, classes).
#[derive(Debug, Clone, Default)]
pub struct PackerTable {
    data: Lazy<Vec<PackerRule>>,
}

impl PackerTable {
    /// Column names of `packers/packers.tsv`.
    pub const HEADER: &'static [&'static str] = &[
        "id", "name", "kind", "evidence", "match", "pattern", "source", "note",
    ];

    /// Parses the table now, compiling every regex.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Self, KbError> {
        Ok(PackerTable {
            data: Lazy::ready(Self::parse_rules(file, text, true)?),
        })
    }

    /// The table of an embedded text, parsed on first use (regexes compiled on first use).
    pub(crate) fn deferred(file: &'static str, text: &'static str) -> Self {
        PackerTable {
            data: Lazy::deferred(file, text, |f, t| {
                Self::parse_rules(f, t, false).unwrap_or_default()
            }),
        }
    }

    /// Parses the rules; `compile_now` compiles each matcher (and reports a bad regex).
    fn parse_rules(file: &str, text: &str, compile_now: bool) -> Result<Vec<PackerRule>, KbError> {
        let mut rules = Vec::new();
        let mut seen = FxHashSet::default();
        for row in tsv::parse(file, text, Self::HEADER)? {
            let row = row?;
            let id = row.req("id")?;
            if !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(row.error(format!("column id: {id:?} must be lowercase_snake_case")));
            }
            let kind = match row.req("kind")? {
                "packer" => PackerKind::Packer,
                "protector" => PackerKind::Protector,
                "obfuscator" => PackerKind::Obfuscator,
                other => {
                    return Err(row.error(format!(
                        "column kind: unknown value {other:?} (expected packer, protector or obfuscator)"
                    )))
                }
            };
            let evidence = match row.req("evidence")? {
                "native_lib" => Evidence::NativeLib,
                "asset" => Evidence::Asset,
                "class" => Evidence::Class,
                "dex_feature" => Evidence::DexFeature,
                other => {
                    return Err(row.error(format!(
                        "column evidence: unknown value {other:?} (expected native_lib, asset, class or dex_feature)"
                    )))
                }
            };
            let match_type = row.req("match")?;
            let pattern = row.req("pattern")?;
            let matcher = OnceLock::new();
            if !matches!(match_type, "exact" | "prefix" | "regex") || compile_now {
                let m = compile(match_type, pattern).map_err(|e| row.error(e))?;
                let _ = matcher.set(Some(m));
            }
            if evidence == Evidence::DexFeature
                && (match_type != "exact" || !DEX_FEATURES.contains(&pattern))
            {
                return Err(row.error(format!(
                    "column pattern: dex_feature rules need match exact and one of [{}], found {match_type} {pattern:?}",
                    DEX_FEATURES.join(", ")
                )));
            }
            if !seen.insert((id, evidence, pattern)) {
                return Err(row.error(format!(
                    "duplicate rule: {id} already has {} pattern {pattern:?}",
                    row.req("evidence")?
                )));
            }
            rules.push(PackerRule {
                id: id.to_string(),
                name: row.req("name")?.to_string(),
                kind,
                evidence,
                match_type: match_type.to_string(),
                pattern: pattern.to_string(),
                source: row.req("source")?.to_string(),
                note: row.opt("note")?.map(str::to_string),
                line: row.line,
                matcher,
            });
        }
        Ok(rules)
    }

    /// All rules, in file order.
    pub fn rules(&self) -> &[PackerRule] {
        self.data.get()
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules().len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rules().is_empty()
    }

    /// Rules of one evidence type matching `text`.
    pub fn matching<'a>(
        &'a self,
        evidence: Evidence,
        text: &'a str,
    ) -> impl Iterator<Item = &'a PackerRule> + 'a {
        self.rules()
            .iter()
            .filter(move |r| r.evidence == evidence && r.is_match(text))
    }

    fn collect(&self, evidence: Evidence, text: &str) -> Vec<&PackerRule> {
        self.rules()
            .iter()
            .filter(|r| r.evidence == evidence && r.is_match(text))
            .collect()
    }

    /// Rules matching a native library file name (`libjiagu.so`).
    pub fn match_native_lib(&self, file_name: &str) -> Vec<&PackerRule> {
        self.collect(Evidence::NativeLib, file_name)
    }

    /// Rules matching an asset path relative to `assets/`.
    pub fn match_asset(&self, path: &str) -> Vec<&PackerRule> {
        self.collect(Evidence::Asset, path)
    }

    /// Rules matching a class name in dot form.
    pub fn match_class(&self, dot_name: &str) -> Vec<&PackerRule> {
        self.collect(Evidence::Class, dot_name)
    }

    /// Rules tied to a dex feature id (see [`DEX_FEATURES`]).
    pub fn for_dex_feature(&self, feature: &str) -> Vec<&PackerRule> {
        self.collect(Evidence::DexFeature, feature)
    }
}
