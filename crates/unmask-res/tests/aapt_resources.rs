//! Differential test of the resource table against `aapt dump resources`: every
//! (configuration, resource id) entry aapt lists must be ours too, with the same name, the
//! same `Res_value` type and data (or both a bag), and no extra entries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;

use common::*;
use unmask_res::{EntryValue, ResourceTable};

type Key = (String, u32);

fn aapt_entries(out: &str) -> BTreeMap<Key, String> {
    let mut m = BTreeMap::new();
    let mut config = String::new();
    for l in out.lines() {
        let t = l.trim_start();
        if let Some(c) = t.strip_prefix("config ") {
            config = c.trim_end_matches(':').to_string();
            // aapt appends " flags=0x.." for type chunks with flags it does not know.
            if let Some((c, _)) = config.split_once(" flags=") {
                config = c.to_string();
            }
            if config == "(default)" {
                config.clear();
            }
        } else if let Some(r) = t.strip_prefix("INVALID RESOURCE 0x") {
            // This aapt predates FLAG_OFFSET16 / FLAG_COMPACT and calls such entries invalid,
            // while still printing the raw type/data it read.
            let (id, val) = r.split_once(": ").unwrap();
            let id = u32::from_str_radix(id, 16).unwrap();
            let v = val.split(" (").next().unwrap();
            m.insert((config.clone(), id), format!("<invalid> {v}"));
        } else if let Some(r) = t.strip_prefix("resource 0x") {
            if l.trim_start() != t || !l.starts_with("        ") {
                continue; // "spec resource" lines are indented less
            }
            let (id, rest) = r.split_once(' ').unwrap();
            let id = u32::from_str_radix(id, 16).unwrap();
            let (name, val) = rest.split_once(": ").unwrap();
            let name = name.split_once(':').map(|(_, n)| n).unwrap_or(name);
            let v = if val.starts_with("<bag>") {
                "<bag>".to_string()
            } else {
                val.split(" (").next().unwrap().to_string()
            };
            m.insert((config.clone(), id), format!("{name} {v}"));
        }
    }
    m
}

fn our_entries(t: &ResourceTable<'_>) -> BTreeMap<Key, String> {
    let mut m = BTreeMap::new();
    for id in t.ids() {
        let name = t.name_of(id).unwrap_or_default();
        for e in t.entries(id) {
            let v = match (&e.value, e.raw) {
                (EntryValue::Bag { .. }, _) => "<bag>".to_string(),
                (_, Some((dt, d))) => format!("t=0x{dt:02x} d=0x{d:08x}"),
                _ => "?".to_string(),
            };
            m.insert((e.config.qualifiers.clone(), id), format!("{name} {v}"));
        }
    }
    m
}

#[test]
fn tables_match_aapt_dump_resources() {
    let Some(corpus) = corpus() else { return };
    if !have_aapt() {
        return;
    }
    let mut apks = files(&corpus.join("real"), "apk");
    apks.push(corpus.join("malformed/compact-entry.apk"));
    apks.extend(
        files(&corpus.join("droidbench"), "apk")
            .into_iter()
            .step_by(10),
    );
    let (mut n_apk, mut n_entries, mut n_configs) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut aapt_faults = Vec::new();
    for apk in &apks {
        let Some(arsc) = unzip(apk, "resources.arsc") else {
            continue;
        };
        let Some(out) = aapt(&["dump", "resources", apk.to_str().unwrap()]) else {
            failures.push(format!("{}: aapt failed", apk.display()));
            continue;
        };
        let t = ResourceTable::parse(&arsc).unwrap();
        let theirs = aapt_entries(&out);
        let ours = our_entries(&t);
        let mut diffs = Vec::new();
        for (k, v) in &theirs {
            if let (Some(raw), Some(o)) = (v.strip_prefix("<invalid> "), ours.get(k)) {
                if o.ends_with(raw) {
                    aapt_faults.push(format!(
                        "{} {k:?}: aapt calls the compact/offset16 entry invalid; raw values agree ({raw})",
                        apk.display()
                    ));
                    continue;
                }
            }
            match ours.get(k) {
                Some(o) if o == v => {}
                o => diffs.push(format!("{k:?}: ours {o:?}, aapt {v:?}")),
            }
        }
        for k in ours.keys().filter(|k| !theirs.contains_key(*k)) {
            diffs.push(format!("{k:?}: only ours {:?}", ours[k]));
        }
        if !diffs.is_empty() {
            failures.push(format!(
                "{}: {} differences, first: {}",
                apk.display(),
                diffs.len(),
                diffs[..diffs.len().min(5)].join("; ")
            ));
            continue;
        }
        n_apk += 1;
        n_entries += theirs.len();
        n_configs += t.configs().len();
    }
    eprintln!(
        "aapt dump resources: {n_apk} tables matched, {n_entries} (config, id) entries, {n_configs} configs; {} mismatching tables; aapt-fault exceptions: {aapt_faults:?}",
        failures.len()
    );
    assert!(n_apk >= 10, "too few tables compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
