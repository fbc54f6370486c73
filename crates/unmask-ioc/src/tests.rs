//! The cheap load of the embedded bundles against the full one, on the private state that
//! matching uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::Ipv4Addr;

use super::*;
use crate::norm::*;

fn kb_text(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kb/iocs")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The embedded bundles read from their JSON with full validation, as a user feed is.
fn full_load() -> IocSet {
    let mut set = IocSet::new();
    for name in embedded_names() {
        set.add_bundle_inner(name, &kb_text(name), true).unwrap();
    }
    set
}

#[test]
fn cheap_load_equals_full_validation() {
    let fast = IocSet::load_embedded().unwrap();
    let full = full_load();
    assert!(full.embedded.is_empty() && fast.indicators.is_empty());
    assert_eq!(fast.len(), full.len());
    assert_eq!(
        fast.len(),
        10_113,
        "indicators in kb/iocs (bundles changed?)"
    );
    assert_eq!(fast.sources, full.sources);
    assert_eq!(fast.warnings, full.warnings);
    // The index (build-time tables and run-time map together): every normalised value with
    // its (indicator, comparison) numbers, the networks and the longest host.
    assert!(fast.builtin && !full.builtin);
    assert_eq!(index_view(&fast), index_view(&full));
    // Each embedded indicator built on demand (as a match builds it) equals the one parsed
    // from the JSON: id, name, pattern, families, reports, source, notes, condition, atoms.
    for (i, want) in full.indicators().iter().enumerate() {
        let got = fast.indicator(i).unwrap();
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "indicator {i}");
    }
    assert!(fast.all.get().is_none(), "matching does not build them all");
    let all = fast.indicators();
    assert_eq!(all.len(), full.indicators().len());
    assert_eq!(format!("{all:?}"), format!("{:?}", full.indicators()));
}

#[test]
fn compact_form_round_trips() {
    let mut w = blob::Writer::new(1);
    w.source("a\nb", None, 2);
    let w_at = w.pos();
    let fam = vec!["F;1:~".to_string(), String::new()];
    w.indicator("id:1", Some("ünï ~ 3:x"), "[a:b = '~']", None, &fam, &[]);
    w.indicator("id2", None, "", Some("yara"), &[], &["r".to_string()]);
    let text = w.finish();
    let (mut r, n) = blob::Reader::new(&text).unwrap();
    assert_eq!(n, 1);
    assert_eq!(r.source(), Some(("a\nb", None, 2)));
    let at = r.pos();
    assert_eq!(at, w_at);
    let one = r.indicator().unwrap();
    assert_eq!(one.id, "id:1");
    assert_eq!(one.name, Some("ünï ~ 3:x"));
    assert_eq!(one.pattern, "[a:b = '~']");
    assert_eq!(one.families, vec!["F;1:~", ""]);
    assert_eq!(
        blob::Reader::at(&text, at).indicator_head(),
        Some(("id:1", "[a:b = '~']", None))
    );
    let two = r.indicator().unwrap();
    assert_eq!((two.pattern, two.pattern_type), ("", Some("yara")));
    assert_eq!(two.reports, vec!["r"]);
    assert_eq!(r.pos(), text.len());
    // Truncated or altered text is refused, never read past.
    for cut in 0..text.len() {
        if let Some(t) = text.get(..cut) {
            if let Some((mut r, _)) = blob::Reader::new(t) {
                let ok = r.source().is_some() && r.indicator().is_some() && r.indicator().is_some();
                assert!(!ok, "truncated at {cut} still reads");
            }
        }
    }
    assert!(blob::Reader::new("unmask-ioc-embedded 0\n1;").is_none());
    assert!(blob::Reader::at("99999999999999999999999:", 0)
        .str()
        .is_none());
    assert!(blob::Reader::at("5:abc", 0).str().is_none());
}

/// Whenever the shortcut reads a pattern, the full parser reads it as one `=` comparison with
/// the same path and value.
fn check_simple(p: &str) -> bool {
    let Some((path, value)) = simple_pattern(p) else {
        return false;
    };
    let parsed =
        pattern::parse(p).unwrap_or_else(|e| panic!("{p:?}: shortcut read it, parser: {e}"));
    match &parsed.expr {
        ObservationExpr::Observation(ComparisonExpr::Test(c)) => {
            assert_eq!(c.op, Operator::Eq, "{p:?}");
            assert!(!c.negated, "{p:?}");
            assert_eq!(c.path.key(), path, "{p:?}");
            assert_eq!(c.value, Literal::Str(value.to_string()), "{p:?}");
            assert!(parsed.notes.is_empty(), "{p:?}");
        }
        other => panic!("{p:?}: shortcut read it, parser gives {other:?}"),
    }
    true
}

#[test]
fn simple_pattern_shortcut_agrees_with_the_parser() {
    for p in [
        "[app:id = 'com.example']",
        "[app:id='com.example']",
        "[domain-name:value= 'a.b']",
        "[file:hashes.sha256 ='AB:cd']",
        "[x509-certificate:hashes.SHA-1 = 'ab']",
        "[_a-b:c_d.e-f = ' ü ']",
        "[a:b = 'x]']",
        "[a:b = '=']",
    ] {
        assert!(check_simple(p), "{p:?} should take the shortcut");
    }
    // Everything else goes to the full parser.
    for p in [
        "[app:id = 'it\\'s']",
        "[a:b = 'x' AND a:c = 'y']",
        "[app:id = 'a\\\\b']",
        "[app:id = '']",
        "[app:id = '  ']",
        "[app:id == 'x']",
        "[app:id  = 'x']",
        "[app:id != 'x']",
        "[ app:id = 'x']",
        "[app:id = 'x'] ",
        "[app:id = 'x'] WITHIN 5 SECONDS",
        "[app:id = 'x'] OR [app:id = 'y']",
        "[NOT:x = 'y']",
        "[EXISTS:x = 'y']",
        "[file:hashes.'SHA-256' = 'ab']",
        "[file:x[0] = 'ab']",
        "[1a:b = 'x']",
        "[a:.b = 'x']",
        "[a:b. = 'x']",
        "[a: b = 'x']",
        "[a:b = x']",
        "[a = 'x']",
        "[a:b IN ('x')]",
        "[a:b = 'x'",
        "a:b = 'x']",
    ] {
        assert!(
            simple_pattern(p).is_none(),
            "{p:?} should not take the shortcut"
        );
    }
    let long = format!("[a:b = '{}']", "x".repeat(pattern::MAX_PATTERN_LEN));
    assert!(simple_pattern(&long).is_none());

    let mut n = 0;
    for name in embedded_names() {
        let v: serde_json::Value = serde_json::from_str(&kb_text(name)).unwrap();
        for o in v["objects"].as_array().unwrap() {
            if o["type"] == "indicator" {
                n += usize::from(check_simple(o["pattern"].as_str().unwrap()));
            }
        }
    }
    println!("{n} embedded patterns take the shortcut");
    assert!(n > 10_000);
    // The fuzzers' pattern corpus, when present (not committed).
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/pattern");
    match std::fs::read_dir(&corpus) {
        Ok(dir) => {
            let (mut seen, mut simple) = (0, 0);
            for e in dir.flatten() {
                if let Ok(p) = std::fs::read_to_string(e.path()) {
                    seen += 1;
                    simple += usize::from(check_simple(&p));
                }
            }
            println!("fuzz corpus: {seen} patterns, {simple} take the shortcut");
        }
        Err(_) => println!("fuzz corpus absent: only the fixed and embedded patterns checked"),
    }
}

#[test]
fn index_keys_borrow_when_already_normalised() {
    assert!(matches!(norm_hex("ab01"), Cow::Borrowed("ab01")));
    assert_eq!(norm_hex("AB:01 \u{0B}c\u{a0}d"), "ab01cd");
    assert!(matches!(norm_domain("Evil.COM."), Cow::Owned(_)));
    assert_eq!(norm_domain(" *.Evil.COM. "), "evil.com");
    assert!(matches!(norm_domain("evil.com"), Cow::Borrowed("evil.com")));
    assert_eq!(scheme_sep("a:/b://c://"), Some(4));
    for (ip, want) in [
        (" [::1] ", Some("::1")),
        ("FE80::0001", Some("fe80::1")),
        ("10.0.0.1", Some("10.0.0.1")),
        ("::ffff:1.2.3.4", Some("::ffff:1.2.3.4")),
        ("a.b", None),
        ("1.2.3", None),
        ("[fe80::1%eth0]", None),
    ] {
        assert_eq!(norm_ip(ip).as_deref(), want, "{ip}");
    }
    assert_eq!(scheme_sep("ab"), None);
}

/// The index as one sorted map, whichever part holds it: (slot, normalised value) → sorted
/// (indicator, comparison) numbers; the IPv4 networks, sorted; the longest host.
type IndexView = (
    BTreeMap<(Slot, String), Vec<(u32, u32)>>,
    Vec<(u32, u32, u32, u32)>,
    usize,
);

fn index_view(set: &IocSet) -> IndexView {
    let mut map: BTreeMap<(Slot, String), Vec<(u32, u32)>> = BTreeMap::new();
    let mut cidrs = set.cidrs.clone();
    if set.builtin {
        for slot in Slot::ALL {
            for (k, i) in builtin::entries(slot) {
                map.entry((slot, k.to_string())).or_default().push((i, 0));
            }
        }
        cidrs.extend(builtin::cidrs().iter().map(|&(n, m, i)| (n, m, i, 0)));
    }
    for (slot, postings) in &set.index {
        for (k, list) in postings {
            map.entry((*slot, k.to_string()))
                .or_default()
                .extend_from_slice(list.as_slice());
        }
    }
    for list in map.values_mut() {
        list.sort_unstable();
    }
    cidrs.sort_unstable();
    (map, cidrs, set.max_host_len)
}

/// `load_embedded` as it was before the build-time index, on a compact form `blob`: walks it,
/// indexes every indicator into the run-time map and lists their records. The oracle for the
/// tables that `build.rs` writes.
fn load_runtime(blob: &str) -> Result<IocSet, IocError> {
    let mut set = IocSet::new();
    let mut embedded = Vec::new();
    let mut keys: Vec<(IndexKey<'static>, u32)> = Vec::new();
    let (mut r, n_sources) = blob::Reader::new(blob).ok_or_else(corrupt_embedded)?;
    for _ in 0..n_sources {
        let (name, bundle_id, n) = r.source().ok_or_else(corrupt_embedded)?;
        let source = set.sources.len();
        let source32 = u32::try_from(source).map_err(|_| corrupt_embedded())?;
        for _ in 0..n {
            let offset = u32::try_from(r.pos()).map_err(|_| corrupt_embedded())?;
            let (id, pattern_text, ptype) = r.indicator_head().ok_or_else(corrupt_embedded)?;
            let ptype = ptype.unwrap_or("stix");
            if !ptype.eq_ignore_ascii_case("stix") {
                set.warnings
                    .push(unsupported_type(name, id, pattern_text, ptype));
                continue;
            }
            let i = u32::try_from(embedded.len()).unwrap();
            let simple = simple_pattern(pattern_text)
                .map(|(path, value)| (ObservableKind::of_key(path), value))
                .filter(|(kind, _)| *kind != ObservableKind::Other);
            if let Some((kind, value)) = simple {
                keys.extend(index_key(kind, value).map(|k| (k.into_static(), i)));
            } else {
                let mut ctx = BundleCtx::new(name);
                let ind = build_indicator(
                    &mut ctx,
                    id,
                    None,
                    pattern_text,
                    Vec::new(),
                    Vec::new(),
                    source,
                )
                .map_err(|error| IocError::Pattern {
                    source_name: name.to_string(),
                    object: id.to_string(),
                    pattern: pattern_text.to_string(),
                    error,
                })?;
                set.warnings.append(&mut ctx.warnings);
                set.index_atoms(i, &ind.atoms);
            }
            embedded.push(EmbeddedRef {
                offset,
                source: source32,
            });
        }
        set.sources.push(Source {
            name: name.to_string(),
            bundle_id: bundle_id.map(str::to_string),
            embedded: true,
        });
    }
    set.embedded = Cow::Owned(embedded);
    for (k, i) in keys {
        set.insert_key(k, i, 0);
    }
    Ok(set)
}

#[test]
fn build_time_tables_are_sorted_and_numbered() {
    for (n, slot) in Slot::ALL.into_iter().enumerate() {
        assert_eq!(slot as usize, n);
        let entries: Vec<(&str, u32)> = builtin::entries(slot).collect();
        assert!(
            entries.windows(2).all(|w| w[0] < w[1]),
            "{slot:?}: not sorted by (key, indicator) or a duplicate"
        );
        // Binary search finds every entry, and all of a key's indicators.
        for (k, i) in &entries {
            let got: Vec<u32> = builtin::postings(slot, k).collect();
            assert!(got.contains(i), "{slot:?} {k:?}");
            let first = entries.partition_point(|e| e.0 < *k);
            let want: Vec<u32> = entries[first..]
                .iter()
                .take_while(|e| e.0 == *k)
                .map(|e| e.1)
                .collect();
            assert_eq!(got, want, "{slot:?} {k:?}");
        }
        assert_eq!(builtin::postings(slot, "\u{10ffff}").count(), 0);
    }
}

/// A fact for every key of an index view, where `match_app` looks that slot up.
fn facts_of(view: &IndexView) -> AppFacts {
    let mut app = AppFacts::default();
    for (slot, key) in view.0.keys() {
        let list = match slot {
            Slot::PackageName => &mut app.package_names,
            Slot::CertSha1 => &mut app.cert_sha1s,
            Slot::CertSha256 => &mut app.cert_sha256s,
            Slot::FileSha256 => &mut app.file_sha256s,
            Slot::FileSha1 => &mut app.file_sha1s,
            Slot::FileMd5 => &mut app.file_md5s,
            Slot::Host => &mut app.domains,
            Slot::Ip => &mut app.ips,
            Slot::Url => &mut app.urls,
            Slot::Email => &mut app.emails,
            Slot::FileName => &mut app.file_names,
            Slot::ProcessName => &mut app.process_names,
            Slot::AndroidProperty => &mut app.android_properties,
        };
        list.push(Fact::at(key.as_str(), format!("{slot:?}")));
    }
    for &(net, _, _, _) in &view.1 {
        app.ips.push(Ipv4Addr::from(net).to_string().into());
    }
    app
}

#[test]
fn build_time_index_equals_run_time_index() {
    let old = load_runtime(EMBEDDED_BLOB).unwrap();
    let new = IocSet::load_embedded().unwrap();
    assert!(!old.builtin && old.index.values().map(|p| p.len()).sum::<usize>() > 10_000);
    // Nothing left for the load to index in the current bundles: all of it is in the tables.
    assert!(new.index.is_empty() && new.cidrs.is_empty());
    assert_eq!(new.embedded, old.embedded, "record offsets and sources");
    assert_eq!(new.sources, old.sources);
    assert_eq!(new.warnings, old.warnings);
    let (old_view, new_view) = (index_view(&old), index_view(&new));
    assert_eq!(old_view.0.len(), new_view.0.len());
    for (k, v) in &old_view.0 {
        assert_eq!(new_view.0.get(k), Some(v), "{k:?}");
    }
    assert_eq!(old_view.1, new_view.1, "networks");
    assert_eq!(old_view.2, new_view.2, "longest host");

    // Matching a fact made of every indexed value hits the same indicators, with the same
    // evidence, both ways.
    let app = facts_of(&old_view);
    let (want, got) = (old.match_app(&app), new.match_app(&app));
    let ids = |v: &[IocMatch]| v.iter().map(|m| m.indicator_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&got), ids(&want));
    assert_eq!(got, want);
    // Not vacuous: every indexed indicator is among the matches (its own value hits it).
    let indexed: BTreeSet<u32> = old_view
        .0
        .values()
        .flatten()
        .map(|p| p.0)
        .chain(old_view.1.iter().map(|c| c.2))
        .collect();
    let all = new.indicators();
    let matched: BTreeSet<&str> = got.iter().map(|m| m.indicator_id.as_str()).collect();
    let missed: Vec<&str> = indexed
        .iter()
        .map(|&i| &all[i as usize])
        .filter(|ind| !matched.contains(ind.id.as_str()))
        .map(|ind| ind.pattern.as_str())
        .collect();
    println!(
        "{} indexed values, {} indicators indexed, {} matched, missed: {missed:?}",
        old_view.0.len(),
        indexed.len(),
        got.len()
    );
    assert!(missed.is_empty());
    assert!(got.len() > 10_000);
}

/// The view of an index made of build-time tables (as [`tables::build`] computes them, before
/// they are written as Rust) and of what the load added to `set`.
fn view_with_tables(index: &tables::Index, set: &IocSet) -> IndexView {
    let (mut map, mut cidrs, max_host_len) = index_view(set);
    for (slot, table) in Slot::ALL.into_iter().zip(&index.tables) {
        for (k, list) in table {
            let postings = map.entry((slot, k.clone())).or_default();
            postings.extend(list.iter().map(|&i| (i, 0)));
            postings.sort_unstable();
        }
    }
    cidrs.extend(index.cidrs.iter().map(|&(n, m, i)| (n, m, i, 0)));
    cidrs.sort_unstable();
    (map, cidrs, max_host_len.max(index.max_host_len))
}

/// Made-up bundles with what the current ones lack: patterns that are not of the simple form
/// (parsed at load, some with warnings), other pattern types, inert paths, networks. The
/// build-time index plus the load's work equals the run-time index of the same records.
#[test]
fn build_time_index_leaves_the_rest_to_the_load() {
    let one = r#"{"type":"bundle","id":"bundle--one","objects":[
        {"type":"malware","id":"malware--m","name":"M"},
        {"type":"indicator","id":"indicator--1","pattern":"[app:id = 'com.evil']"},
        {"type":"indicator","id":"indicator--2","pattern":"[app:id = 'com.a'] OR [domain-name:value = 'Evil.COM']"},
        {"type":"indicator","id":"indicator--3","pattern":"rule x { condition: true }","pattern_type":"yara"},
        {"type":"indicator","id":"indicator--4","pattern":"[file:path = '/private/var/x']"},
        {"type":"indicator","id":"indicator--5","pattern":"[app:id != 'com.b']"},
        {"type":"indicator","id":"indicator--6","pattern":"[ipv4-addr:value = '10.1.0.0/16']"},
        {"type":"indicator","id":"indicator--7","pattern":"[domain-name:value = 'a.very.long.host.example']"},
        {"type":"indicator","id":"indicator--8","pattern":"[app:id IN ('com.evil', 'com.c')]"}]}"#;
    let two = r#"{"type":"bundle","objects":[
        {"type":"indicator","id":"indicator--9","pattern":"[ipv4-addr:value = '10.2.0.0/16'] AND [url:value = 'HTTPS://X.ORG/p/']"},
        {"type":"indicator","id":"indicator--10","pattern":"[email-addr:value = 'A@B.C']","pattern_type":"STIX"},
        {"type":"indicator","id":"indicator--11","pattern":"[domain-name:value = 'x.org'] WITHIN 5 SECONDS"},
        {"type":"indicator","id":"indicator--12","pattern":"[x:y = 'z']","pattern_type":"sigma"}]}"#;
    let bundles: Vec<(&str, resolve::Resolved)> = [("one", one), ("two", two)]
        .into_iter()
        .map(|(n, t)| (n, resolve::resolve(t).unwrap_or_else(|e| panic!("{e}"))))
        .collect();
    let (blob, index) = tables::build(&bundles).unwrap();
    // What the tables hold and what is left (source, number): indicators 2, 5, 8, 9 and 11
    // parsed at load (numbers 1, 3, 6, 7, 9), 3 and 12 skipped with a warning (no number;
    // 4, a simple pattern on an inert path, gets number 2 and needs nothing).
    let left: Vec<(u32, u32)> = index.work.iter().map(|&(_, s, i)| (s, i)).collect();
    assert_eq!(
        left,
        vec![(0, 1), (0, 2), (0, 3), (0, 6), (1, 7), (1, 9), (1, 10)]
    );
    assert_eq!(index.refs.len(), 10);
    assert_eq!(index.tables[Slot::PackageName as usize].len(), 1);
    assert_eq!(index.cidrs, vec![(0x0a01_0000, 0xffff_0000, 4)]);

    let old = load_runtime(&blob).unwrap();
    let mut new = IocSet {
        embedded: Cow::Owned(
            index
                .refs
                .iter()
                .map(|&(offset, source)| EmbeddedRef { offset, source })
                .collect(),
        ),
        sources: read_sources(&blob, &index.source_at).unwrap(),
        ..IocSet::default()
    };
    new.apply_load_work(&blob, &index.work).unwrap();
    assert_eq!(new.embedded, old.embedded);
    assert_eq!(new.sources, old.sources);
    assert_eq!(new.sources[1].bundle_id, None);
    assert_eq!(new.warnings, old.warnings);
    let objects: Vec<&str> = new.warnings.iter().map(|w| w.object.as_str()).collect();
    assert_eq!(
        objects,
        ["indicator--3", "indicator--5", "indicator--12"],
        "{:?}",
        new.warnings
    );
    let (want, got) = (index_view(&old), view_with_tables(&index, &new));
    assert_eq!(got, want);
    // Not vacuous: the index has what the patterns say.
    let keys: Vec<String> = want.0.keys().map(|(s, k)| format!("{s:?} {k}")).collect();
    assert_eq!(
        keys,
        [
            "PackageName com.a",
            "PackageName com.c",
            "PackageName com.evil",
            "Host a.very.long.host.example",
            "Host evil.com",
            "Host x.org",
            "Url https://x.org/p",
            "Email a@b.c",
        ]
    );
    assert_eq!(
        want.0[&(Slot::PackageName, "com.evil".into())],
        [(0, 0), (6, 0)]
    );
    assert_eq!(want.1.len(), 2);
    assert_eq!(want.2, "a.very.long.host.example".len());
}
