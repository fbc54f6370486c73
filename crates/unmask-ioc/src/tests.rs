//! The cheap load of the embedded bundles against the full one, on the private state that
//! matching uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

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
    // The index: every normalised value with its (indicator, comparison) numbers.
    assert_eq!(fast.index.len(), full.index.len());
    for (slot, postings) in &full.index {
        let mine = &fast.index[slot];
        assert_eq!(mine.len(), postings.len(), "{slot:?}");
        for (k, v) in postings {
            assert_eq!(mine.get(k), Some(v), "{slot:?} {k}");
        }
    }
    assert_eq!(fast.cidrs, full.cidrs);
    assert_eq!(fast.max_host_len, full.max_host_len);
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
    let fam = vec!["F;1:~".to_string(), String::new()];
    w.indicator("id:1", Some("ünï ~ 3:x"), "[a:b = '~']", None, &fam, &[]);
    w.indicator("id2", None, "", Some("yara"), &[], &["r".to_string()]);
    let text = w.finish();
    let (mut r, n) = blob::Reader::new(&text).unwrap();
    assert_eq!(n, 1);
    assert_eq!(r.source(), Some(("a\nb", None, 2)));
    let at = r.pos();
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
