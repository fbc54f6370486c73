//! STIX 2.1 bundle objects: the few this crate reads, with serde.
//!
//! Strict about what matters (a bundle has `type: "bundle"` and `objects`; every object has a
//! `type` and an `id`; an indicator has a string `pattern`), tolerant of the rest (unknown
//! properties and unknown object types are ignored; `pattern_type` defaults to `stix`).

use serde::Deserialize;
use serde_json::Value;

/// A STIX bundle with its objects kept as raw JSON until dispatched by type.
#[derive(Debug, Deserialize)]
pub struct Bundle {
    /// Must be `"bundle"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The bundle id (`bundle--…`); missing in some hand-made feeds.
    #[serde(default)]
    pub id: Option<String>,
    /// The objects.
    #[serde(default)]
    pub objects: Vec<Value>,
}

/// An `indicator` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Indicator {
    /// `indicator--…`.
    pub id: String,
    /// Optional name.
    #[serde(default)]
    pub name: Option<String>,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// The pattern text.
    pub pattern: String,
    /// `stix` (the default when absent), `snort`, `yara`, …
    #[serde(default)]
    pub pattern_type: Option<String>,
    /// STIX 2.0 style labels (MVT reads them as a fallback family name).
    #[serde(default)]
    pub labels: Vec<String>,
    /// STIX 2.1 indicator types.
    #[serde(default)]
    pub indicator_types: Vec<String>,
}

/// A `malware` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Malware {
    /// `malware--…`.
    pub id: String,
    /// The family or instance name.
    #[serde(default)]
    pub name: Option<String>,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// Other names.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A `report` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    /// `report--…`.
    pub id: String,
    /// The report name.
    #[serde(default)]
    pub name: Option<String>,
    /// Objects the report covers.
    #[serde(default)]
    pub object_refs: Vec<String>,
}

/// A `relationship` object.
#[derive(Debug, Clone, Deserialize)]
pub struct Relationship {
    /// `relationship--…`.
    pub id: String,
    /// `indicates`, `uses`, …
    pub relationship_type: String,
    /// Source object id.
    pub source_ref: String,
    /// Target object id.
    pub target_ref: String,
}
