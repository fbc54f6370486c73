//! From a bundle's text to its indicators, each with its families and reports.
//!
//! Shared by the library (user feeds, [`crate::IocSet::add_bundle_str`]) and by the build
//! script, which resolves the embedded bundles of `kb/iocs` once at build time (so a bundle the
//! library rejects also fails the build).

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::stix;

/// A bundle's indicators, in order, resolved against its malware, relationships and reports.
pub(crate) struct Resolved {
    /// The bundle id.
    pub bundle_id: Option<String>,
    /// The indicators, in bundle order.
    pub indicators: Vec<RawIndicator>,
}

/// An indicator as read, before its pattern is parsed.
pub(crate) struct RawIndicator {
    /// `indicator--…`.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// The pattern text.
    pub pattern: String,
    /// `pattern_type` as written (`None`: absent, read as `stix`).
    pub pattern_type: Option<String>,
    /// Names of the malware it indicates (or the bundle's only malware).
    pub families: Vec<String>,
    /// Names of the reports listing it.
    pub reports: Vec<String>,
}

/// Why a bundle was rejected; the caller adds the source name.
pub(crate) enum ResolveError {
    /// Not JSON.
    Json(String),
    /// JSON, but not a bundle.
    NotBundle(String),
    /// A malformed object: its id (or `#n`) and what is wrong.
    Object { object: String, message: String },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Json(m) => write!(f, "not valid JSON: {m}"),
            ResolveError::NotBundle(m) => write!(f, "not a STIX 2.1 bundle: {m}"),
            ResolveError::Object { object, message } => write!(f, "object {object}: {message}"),
        }
    }
}

fn obj_err(object: &str, message: impl Into<String>) -> ResolveError {
    ResolveError::Object {
        object: object.to_string(),
        message: message.into(),
    }
}

/// Reads a bundle: `indicator`, `malware`, `report` and `relationship` objects with serde,
/// every other type ignored. An indicator's families are the malware it `indicates` (through a
/// relationship in either direction), failing that the bundle's only malware.
pub(crate) fn resolve(text: &str) -> Result<Resolved, ResolveError> {
    let bundle: stix::Bundle = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            ResolveError::NotBundle(e.to_string())
        } else {
            ResolveError::Json(e.to_string())
        }
    })?;
    if bundle.kind != "bundle" {
        return Err(ResolveError::NotBundle(format!(
            "top-level type is {:?}, expected \"bundle\"",
            bundle.kind
        )));
    }
    let mut indicators = Vec::new();
    let mut malware: HashMap<String, String> = HashMap::new();
    let mut malware_order = Vec::new();
    let mut reports = Vec::new();
    let mut rels = Vec::new();
    for (i, obj) in bundle.objects.iter().enumerate() {
        let idx = format!("#{i}");
        let Some(map) = obj.as_object() else {
            return Err(obj_err(&idx, "not a JSON object"));
        };
        let kind = map.get("type").and_then(Value::as_str);
        let id = map.get("id").and_then(Value::as_str);
        let (Some(kind), Some(id)) = (kind, id) else {
            return Err(obj_err(&idx, "missing string \"type\" or \"id\""));
        };
        let what = |e: serde_json::Error| obj_err(id, format!("invalid {kind}: {e}"));
        match kind {
            "indicator" => indicators.push(stix::Indicator::deserialize(obj).map_err(what)?),
            "malware" => {
                let m = stix::Malware::deserialize(obj).map_err(what)?;
                malware_order.push(m.id.clone());
                malware.insert(m.id.clone(), m.name.unwrap_or(m.id));
            }
            "report" => reports.push(stix::Report::deserialize(obj).map_err(what)?),
            "relationship" => rels.push(stix::Relationship::deserialize(obj).map_err(what)?),
            _ => {}
        }
    }
    let mut families: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &rels {
        if r.relationship_type != "indicates" {
            continue;
        }
        let pair = if let Some(m) = malware.get(&r.target_ref) {
            Some((r.source_ref.as_str(), m.as_str()))
        } else {
            malware
                .get(&r.source_ref)
                .map(|m| (r.target_ref.as_str(), m.as_str()))
        };
        if let Some((ind, m)) = pair {
            let v = families.entry(ind).or_default();
            if !v.contains(&m) {
                v.push(m);
            }
        }
    }
    let sole = match malware_order.as_slice() {
        [only] => malware.get(only).map(String::as_str),
        _ => None,
    };
    let mut report_names: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &reports {
        let rn = r.name.as_deref().unwrap_or(r.id.as_str());
        for o in &r.object_refs {
            report_names.entry(o.as_str()).or_default().push(rn);
        }
    }
    let out = indicators
        .iter()
        .map(|ind| RawIndicator {
            id: ind.id.clone(),
            name: ind.name.clone(),
            pattern: ind.pattern.clone(),
            pattern_type: ind.pattern_type.clone(),
            families: match families.get(ind.id.as_str()) {
                Some(v) => v.iter().map(|s| s.to_string()).collect(),
                None => sole.map(str::to_string).into_iter().collect(),
            },
            reports: report_names
                .get(ind.id.as_str())
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
        })
        .collect();
    Ok(Resolved {
        bundle_id: bundle.id,
        indicators: out,
    })
}
