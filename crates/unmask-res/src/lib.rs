//! Android binary resource formats: binary XML (AXML) and the resource table (resources.arsc).
//!
//! # Why hand-written
//!
//! APKs are hostile input built to break analysers. The existing Rust crates either panic or
//! abort on mutated input (axmldecoder, abxml), or flatten typed values into a string DOM and
//! look attributes up by their (forgeable) local name (apk-info-axml); none can reproduce
//! `aapt dump xmltree`. This crate follows libandroidfw (`ResourceTypes.cpp`) instead: chunks
//! are walked with every size validated, attributes keep their resource id and typed
//! `Res_value`, lookups go by resource id, and every trick noticed is reported as an anomaly
//! rather than an error. The resource table is zero-copy and lazy: [`ResourceTable::parse`]
//! only indexes chunks; entries are decoded when asked for.
//!
//! No `unsafe`, no panics on input: every read is bounds-checked and no allocation is sized by
//! an attacker-declared count before it is checked against the bytes actually present.
//! String text decoded per document / per lookup is budgeted ([`STRING_BUDGET_MIN`],
//! [`VALUE_STRING_BUDGET`]) so that thousands of references to one huge string stay cheap,
//! element nesting is capped at [`MAX_DEPTH`] and reference chains at [`MAX_REFERENCE_DEPTH`].
//!
//! # Testing
//!
//! `tests/aapt_xmltree.rs` and `tests/aapt_resources.rs` compare against AOSP `aapt`
//! (`dump xmltree`, `dump badging`, `dump resources`) over the shared corpus; `tests/edge.rs`
//! runs the trick files (wrapped in a zip for aapt where aapt can read them);
//! `tests/mutations.rs` is a deterministic mutation smoke test. Tests print `SKIPPED: ...` and
//! pass when the corpus or aapt is missing.
//!
//! # Obfuscated attribute names
//!
//! Packers rename or blank the string-pool names of `android:` attributes (Android ignores the
//! names and goes by the resource ids of the resource map). [`Attribute::name`] is therefore
//! the framework name belonging to the id whenever [`android_attr_name`] knows it, the pool's
//! text stays in [`Attribute::pool_name`], and [`Element::attr`] looks up by id first.
//!
//! # Anomalies
//!
//! [`XmlDocument::anomalies`] and [`ResourceTable::anomalies`] are short English strings,
//! deduplicated and capped at 256. Repeated per-attribute findings are summarised as
//! `"<kind>: N time(s), first: <example>"`. Kinds reported include:
//!
//! - file level: `file chunk type 0x.... is not RES_XML_TYPE (0x0003)`,
//!   `file header size N (expected 8)`, `file header declares size N but the file has M bytes`,
//!   `N byte(s) after the declared end of the document ignored`,
//!   `chunk walk stopped: <chunk type, offset and sizes>`, `unknown chunk type 0x.... at offset ...`;
//! - string pools: `string pool declares N strings but has room for M offsets`,
//!   `string pool stylesStart ... set although styleCount is 0`,
//!   `string pool has N style span entries`, `multiple string pools; only the first is used`,
//!   `string pool after the first XML node ignored`, `string not NUL-terminated (libandroidfw
//!   rejects it)`, `string contains NUL character(s)`, `string index N out of range ...`;
//! - namespaces: `namespace "<uri>" declared more than once`, `extra namespace p="<uri>" declared`,
//!   `end namespace without a start namespace`;
//! - elements: `end element without a matching start element`, `end element </a> closes <b>`,
//!   `N element(s) never closed`, `more than one root element; only the first is kept`,
//!   `elements nested deeper than 256 dropped`, `text (CDATA) chunk present`,
//!   `XML comment(s) present`, `XML node header size N (expected 16)`,
//!   `element <x> attributeStart/attributeSize ...`;
//! - attributes: `fake attribute name contradicts its resource id, named from the id`,
//!   `empty attribute name, named from its resource id`,
//!   `framework attribute outside the android namespace`,
//!   `android-namespace attribute without resource id (ignored by Android)`,
//!   `attribute name contains a namespace prefix`, `attribute Res_value size is not 8`;
//! - resource tables: `table header declares N package(s), found M`,
//!   `package P: type T (...) declares N entries but only M fit`,
//!   `package P: type/key strings not at the declared offset`, `package P has typeIdOffset N`,
//!   `package P: unknown chunk type ...`.
//!
//! # Fuzzing
//!
//! Two cargo-fuzz targets live in `crates/unmask-res/fuzz` (`axml`, `arsc`). Smoke run on a
//! stable toolchain:
//!
//! ```text
//! cd crates/unmask-res
//! RUSTC_BOOTSTRAP=1 cargo fuzz run axml -- -max_total_time=60
//! RUSTC_BOOTSTRAP=1 cargo fuzz run arsc -- -max_total_time=60
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use serde::Serialize;

mod arsc;
pub mod attr;
mod axml;
pub mod chunk;
mod config;
pub mod string_pool;
mod text;
pub mod value;

pub use arsc::{Entry, EntryValue, Package};
pub use attr::android_attr_name;
pub use axml::{ANDROID_NS, MAX_DEPTH, STRING_BUDGET_FACTOR, STRING_BUDGET_MIN, STRING_CUT};
pub use string_pool::pool_strings;
pub use text::SharedStr;

/// Why a resource file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ResError {
    /// Structural failure, with a human-readable explanation (chunk type and offset where possible).
    #[error("{0}")]
    Malformed(String),
}

/// A typed value (`Res_value`), kept as typed as libandroidfw keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Value {
    /// TYPE_NULL (data 0 = undefined, 1 = empty).
    Null(u32),
    /// TYPE_REFERENCE `@0x7f...`.
    Reference(u32),
    /// TYPE_ATTRIBUTE `?0x...`.
    Attribute(u32),
    /// TYPE_STRING, resolved from the string pool.
    String(SharedStr),
    /// TYPE_FLOAT.
    Float(f32),
    /// TYPE_DIMENSION (raw complex data).
    Dimension(u32),
    /// TYPE_FRACTION (raw complex data).
    Fraction(u32),
    /// TYPE_DYNAMIC_REFERENCE.
    DynamicReference(u32),
    /// TYPE_INT_DEC.
    IntDec(i32),
    /// TYPE_INT_HEX.
    IntHex(u32),
    /// TYPE_INT_BOOLEAN (non-zero = true).
    Bool(bool),
    /// TYPE_INT_COLOR_* (ARGB raw).
    Color(u32),
    /// Any other data type, raw. Also a TYPE_STRING whose index is outside the pool, and
    /// (in resource tables) a complex/bag entry, as `data_type` [`value::TYPE_BAG`] with
    /// the parent id in `data`.
    Other {
        /// `dataType` byte.
        data_type: u8,
        /// raw `data`.
        data: u32,
    },
}

/// One XML attribute.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// Namespace URI, if any.
    pub namespace: Option<SharedStr>,
    /// Attribute name. For a framework attribute (resource id known to [`android_attr_name`])
    /// this is the name belonging to the id, even when the string pool says something else
    /// (an obfuscation; the pool's text is in `pool_name` and an anomaly is recorded).
    pub name: SharedStr,
    /// Name exactly as the string pool has it (may be empty or fake in obfuscated files).
    pub pool_name: SharedStr,
    /// Resource id of the attribute name from the resource map (e.g. 0x01010003 for android:name).
    pub resource_id: Option<u32>,
    /// Raw string value, if present.
    pub raw_value: Option<SharedStr>,
    /// Typed value.
    pub value: Value,
    /// `Res_value::dataType` as stored.
    pub data_type: u8,
    /// `Res_value::data` as stored.
    pub data: u32,
}

/// One XML element.
#[derive(Debug, Clone, Serialize)]
pub struct Element {
    /// Namespace URI, if any.
    pub namespace: Option<SharedStr>,
    /// Element name.
    pub name: SharedStr,
    /// Attributes, in file order.
    pub attributes: Vec<Attribute>,
    /// Child elements, in file order.
    pub children: Vec<Element>,
    /// Source line number recorded in the chunk.
    pub line: u32,
    /// Text content (CDATA chunks directly inside this element, concatenated; at most
    /// [`MAX_ELEMENT_TEXT`] bytes), e.g. the domain in `<domain>example.com</domain>`.
    pub text: String,
}

/// Largest text content kept per element, in bytes.
pub const MAX_ELEMENT_TEXT: usize = 64 << 10;

/// A namespace declaration (`xmlns:prefix="uri"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Namespace {
    /// Prefix, e.g. `android`.
    pub prefix: String,
    /// URI.
    pub uri: String,
}

/// A decoded binary XML document.
#[derive(Debug, Clone, Serialize)]
pub struct XmlDocument {
    /// The root element (None for an empty document).
    pub root: Option<Element>,
    /// Namespace declarations in document order.
    pub namespaces: Vec<Namespace>,
    /// Tricks and oddities seen while parsing (chunk-size tricks, fake names, ...).
    pub anomalies: Vec<String>,
}

/// Parses binary XML. Tolerant like libandroidfw; errors only when nothing sensible can be read.
pub fn parse_xml(data: &[u8]) -> Result<XmlDocument, ResError> {
    axml::parse(data)
}

/// Resource configuration (`ResTable_config`), the parts needed for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Config {
    /// e.g. "" for default, "fr", "zh-rCN", "en-rUS-v21", as aapt prints qualifiers.
    pub qualifiers: String,
}

impl Config {
    /// The BCP-47 style locale of these qualifiers as `aapt dump badging` prints it
    /// (`fr`, `en-GB`, `sr-Latn`), or "" when the configuration has no locale.
    pub fn locale(&self) -> String {
        arsc::locale_of_qualifiers(&self.qualifiers)
    }
}

pub use arsc::{ResourceTable, MAX_REFERENCE_DEPTH, VALUE_STRING_BUDGET};

/// Deduplicating, capped anomaly list.
#[derive(Debug, Default)]
pub(crate) struct Anomalies {
    list: Vec<String>,
    seen: std::collections::HashSet<String>,
    dropped: usize,
}

impl Anomalies {
    const CAP: usize = 256;

    pub(crate) fn push(&mut self, s: String) {
        if self.seen.contains(&s) {
            return;
        }
        if self.list.len() >= Self::CAP {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        self.seen.insert(s.clone());
        self.list.push(s);
    }

    pub(crate) fn into_vec(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("{} further anomalies not listed", self.dropped));
        }
        self.list
    }
}
