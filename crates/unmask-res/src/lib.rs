//! Android binary resource formats: binary XML (AXML) and the resource table (resources.arsc).
//!
//! CONTRACT (stub; the implementation replaces the bodies, keeps the signatures; it may add items).
#![forbid(unsafe_code)]

use serde::Serialize;

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
    String(String),
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
    /// Any other data type, raw.
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
    pub namespace: Option<String>,
    /// Name from the string pool (may be empty or fake in obfuscated files).
    pub name: String,
    /// Resource id of the attribute name from the resource map (e.g. 0x01010003 for android:name).
    pub resource_id: Option<u32>,
    /// Raw string value, if present.
    pub raw_value: Option<String>,
    /// Typed value.
    pub value: Value,
}

/// One XML element.
#[derive(Debug, Clone, Serialize)]
pub struct Element {
    /// Namespace URI, if any.
    pub namespace: Option<String>,
    /// Element name.
    pub name: String,
    /// Attributes, in file order.
    pub attributes: Vec<Attribute>,
    /// Child elements, in file order.
    pub children: Vec<Element>,
    /// Source line number recorded in the chunk.
    pub line: u32,
}

/// A decoded binary XML document.
#[derive(Debug, Clone, Serialize)]
pub struct XmlDocument {
    /// The root element (None for an empty document).
    pub root: Option<Element>,
    /// Tricks and oddities seen while parsing (chunk-size tricks, fake names, ...).
    pub anomalies: Vec<String>,
}

/// Parses binary XML. Tolerant like libandroidfw; errors only when nothing sensible can be read.
pub fn parse_xml(data: &[u8]) -> Result<XmlDocument, ResError> {
    let _ = data;
    Err(ResError::Malformed("not implemented".into()))
}

/// Framework attribute ids (from AOSP `public.xml`) used by manifests. `android:name` = 0x01010003.
pub mod attr {
    /// android:name
    pub const NAME: u32 = 0x0101_0003;
}

/// Resource configuration (`ResTable_config`), the parts needed for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// e.g. "" for default, "fr", "zh-rCN", "en-rUS-v21", as aapt prints qualifiers.
    pub qualifiers: String,
}

/// A resource table over borrowed bytes.
#[derive(Debug)]
pub struct ResourceTable<'a> {
    _data: &'a [u8],
}

impl<'a> ResourceTable<'a> {
    /// Parses the table structure lazily (string pools and chunk index, no entries decoded).
    pub fn parse(data: &'a [u8]) -> Result<ResourceTable<'a>, ResError> {
        let _ = data;
        Err(ResError::Malformed("not implemented".into()))
    }
    /// Every configuration's value for resource `id`.
    pub fn values(&self, id: u32) -> Vec<(Config, Value)> {
        let _ = id;
        Vec::new()
    }
    /// `type/name` of a resource id, e.g. "string/app_name".
    pub fn name_of(&self, id: u32) -> Option<String> {
        let _ = id;
        None
    }
    /// Anomalies seen while parsing.
    pub fn anomalies(&self) -> &[String] {
        &[]
    }
}
