//! The JSON output validates against `schema/scan-report.schema.json`, which forbids unknown
//! fields: a field added to the report without a schema update fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A validator for the subset of JSON Schema draft 7 the schema uses.
fn validate(schema: &Value, defs: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        return validate(&defs[name], defs, v, at, errs);
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let mut best: Option<Vec<String>> = None;
        let mut passes = 0;
        for s in one {
            let mut e = Vec::new();
            validate(s, defs, v, at, &mut e);
            if e.is_empty() {
                passes += 1;
            } else if best.as_ref().is_none_or(|b| e.len() < b.len()) {
                best = Some(e);
            }
        }
        if passes != 1 {
            errs.push(format!("{at}: matches {passes} of oneOf"));
            errs.extend(best.unwrap_or_default());
        }
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            "number" => v.is_number(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{at}: {v} is not of type {types:?}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errs.push(format!("{at}: {v} != {c}"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64()) {
        if n < min {
            errs.push(format!("{at}: {n} < {min}"));
        }
    }
    if let Value::Object(map) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let k = req.as_str().unwrap();
            if !map.contains_key(k) {
                errs.push(format!("{at}: missing required {k}"));
            }
        }
        for (k, val) in map {
            let path = format!("{at}.{k}");
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => validate(s, defs, val, &path, errs),
                (None, Some(Value::Bool(false))) => errs.push(format!("{path}: not in the schema")),
                (None, Some(s)) if s.is_object() => validate(s, defs, val, &path, errs),
                _ => {}
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, it) in items.iter().enumerate() {
            validate(s, defs, it, &format!("{at}[{i}]"), errs);
        }
    }
}

#[test]
fn json_output_follows_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/scan-report.schema.json")).unwrap(),
    )
    .unwrap();
    let defs = &schema["definitions"];
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/apk"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    inputs.sort();
    inputs.push(root().join("README.md")); // an error document
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        for f in [
            "real/ApiDemos-debug.apk",
            "real/settings_apk-debug.apk",
            "malformed/compact-entry.apk",
        ] {
            inputs.push(corpus.join(f));
        }
    } else {
        eprintln!("SKIPPED (part): corpus not found at {}", corpus.display());
    }
    assert!(inputs.len() > 5, "fixtures missing");
    let out = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["scan", "--format", "json"])
        .args(&inputs)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut errs = Vec::new();
    let mut n = 0;
    for line in stdout.lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        validate(
            &schema,
            defs,
            &doc,
            &doc["input"]["path"].to_string(),
            &mut errs,
        );
        n += 1;
    }
    assert_eq!(n, inputs.len());
    assert!(errs.is_empty(), "schema violations:\n{}", errs.join("\n"));
    // The validator itself rejects what it should.
    let mut e = Vec::new();
    validate(
        &schema,
        defs,
        &serde_json::json!({"schema_version": "1", "surprise": 1}),
        "$",
        &mut e,
    );
    assert!(!e.is_empty());
}
