//! The tracker table equals the Exodus source list and matches like exodus-core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use unmask_kb::{exodus_class_name, Kb};

const EXODUS_JSON: &str = "/work/shared/kb-sources/exodus-trackers/exodus_trackers.json";

fn exodus() -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(EXODUS_JSON).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

fn s(v: &serde_json::Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

#[test]
fn same_trackers_and_signatures_as_exodus_json() {
    let Some(json) = exodus() else {
        eprintln!("skipped: {EXODUS_JSON} not available");
        return;
    };
    let src = json["trackers"].as_object().unwrap();
    let kb = Kb::embedded().unwrap();
    assert_eq!(
        kb.trackers.len(),
        src.len(),
        "tracker count differs from the Exodus JSON"
    );
    for (key, t) in src {
        let id = t["id"].as_u64().unwrap() as u32;
        assert_eq!(key, &id.to_string());
        let ours = kb
            .trackers
            .by_id(id)
            .unwrap_or_else(|| panic!("tracker {id} missing"));
        assert_eq!(ours.name, t["name"].as_str().unwrap(), "name of {id}");
        assert_eq!(
            ours.code_signature,
            s(&t["code_signature"]),
            "code signature of {id}"
        );
        assert_eq!(
            ours.network_signature,
            s(&t["network_signature"]),
            "network signature of {id}"
        );
        assert_eq!(ours.website, s(&t["website"]), "website of {id}");
        let cats: Vec<String> = t["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ours.categories, cats, "categories of {id}");
        // exodus-core uses a code signature only when it is longer than 3 characters.
        let used = t["code_signature"].as_str().unwrap().len() > 3;
        assert_eq!(
            ours.code_regex().is_some(),
            used,
            "usable code signature of {id}"
        );
    }
    // Descriptions are deliberately not copied.
    let raw = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../kb/trackers/exodus-trackers.tsv"),
    )
    .unwrap();
    for t in src.values() {
        if let Some(d) = t["description"].as_str().filter(|d| d.len() > 40) {
            assert!(!raw.contains(d), "description text copied");
        }
    }
}

#[test]
fn every_embedded_signature_compiles() {
    let kb = Kb::embedded().unwrap();
    kb.trackers.compile_all().unwrap();
    let used = kb
        .trackers
        .trackers()
        .iter()
        .filter(|t| t.code_signature_used)
        .count();
    assert_eq!(
        used,
        kb.trackers
            .trackers()
            .iter()
            .filter(|t| t.code_regex().is_some())
            .count()
    );
}

/// Dot form and slash form give the same answers because no signature escapes a dot or
/// contains a slash.
#[test]
fn signatures_are_separator_agnostic() {
    let kb = Kb::embedded().unwrap();
    for t in kb.trackers.trackers() {
        if let Some(sig) = &t.code_signature {
            assert!(
                !sig.contains('\\') && !sig.contains('/'),
                "tracker {}: {sig}",
                t.id
            );
        }
    }
}

#[test]
fn class_matching_like_exodus_core() {
    let kb = Kb::embedded().unwrap();
    let firebase = kb
        .trackers
        .trackers()
        .iter()
        .find(|t| t.name == "Google Firebase Analytics")
        .expect("Firebase Analytics in the list");
    let class = exodus_class_name("Lcom/google/firebase/analytics/FirebaseAnalytics;").unwrap();
    assert_eq!(class, "com/google/firebase/analytics/FirebaseAnalytics");
    let hits = kb.trackers.match_class(class);
    assert!(hits.iter().any(|t| t.id == firebase.id), "{hits:?}");
    // Same answer in dot form.
    let dot = kb
        .trackers
        .match_class("com.google.firebase.analytics.FirebaseAnalytics");
    assert_eq!(
        hits.iter().map(|t| t.id).collect::<Vec<_>>(),
        dot.iter().map(|t| t.id).collect::<Vec<_>>()
    );
    // The signature index gives the same answer as each tracker on its own.
    for c in [
        class,
        "com/facebook/ads/AdView",
        "com/example/app/Main",
        "io/branch/referral/Branch",
    ] {
        let set: Vec<u32> = kb.trackers.match_class(c).iter().map(|t| t.id).collect();
        let one: Vec<u32> = kb
            .trackers
            .trackers()
            .iter()
            .filter(|t| t.matches_class(c))
            .map(|t| t.id)
            .collect();
        assert_eq!(set, one, "{c}");
    }
    assert!(kb.trackers.match_class("com/example/app/Main").is_empty());
    // Trackers with an empty signature never match.
    for t in kb
        .trackers
        .trackers()
        .iter()
        .filter(|t| t.code_signature.is_none())
    {
        assert!(!t.matches_class("anything/at/All"));
    }
    // Network signatures.
    let hosts = kb.trackers.match_host("www.firebase.com");
    assert!(hosts.iter().any(|t| t.id == firebase.id), "{hosts:?}");
    assert!(kb.trackers.match_host("example.org").is_empty());
}

#[test]
fn exodus_class_name_mirrors_the_perl_extraction() {
    assert_eq!(exodus_class_name("Lcom/foo/Bar;"), Some("com/foo/Bar"));
    assert_eq!(
        exodus_class_name("Lcom/foo/Bar$Inner;"),
        Some("com/foo/Bar")
    );
    assert_eq!(exodus_class_name("[Lcom/foo/Bar;"), Some("com/foo/Bar"));
    assert_eq!(exodus_class_name("LFoo;"), None);
    assert_eq!(exodus_class_name("LAB/cd/Ef;"), Some("B/cd/Ef"));
    assert_eq!(
        exodus_class_name("(ILjava/lang/String;)V"),
        Some("java/lang/String")
    );
    assert_eq!(exodus_class_name("Lcom/café/X;"), Some("com/caf"));
    assert_eq!(exodus_class_name("Lcom/a1_b/C2;"), Some("com/a1_b/C2"));
}

/// The literal prefilter of `match_class` / `match_host` gives exactly what running every
/// tracker's own regex gives, on probes made from every signature (each alternative with its
/// wildcards as `/`, `.` and `x`, cut and embedded in other text) and on plain names.
#[test]
fn prefilter_is_exact() {
    let kb = unmask_kb::Kb::embedded().unwrap();
    let t = &kb.trackers;
    let mut probes: Vec<String> = vec![
        "com/example/App".into(),
        "www.google.com".into(),
        "a".into(),
        String::new(),
        // Network signatures with other regex syntax than dots and escaped dots.
        "mst12.is.autonavi.com".into(),
        "mt3.google.cn".into(),
        "data.\u{7}altbeacon.org".into(),
        "beacons.estimote.com".into(),
        "usw-lax.adsrvr.org".into(),
        "54.243.73.253:8080/SilverPush/".into(),
        "adservice.google.fr".into(),
    ];
    for tr in t.trackers() {
        for sig in [&tr.code_signature, &tr.network_signature]
            .into_iter()
            .flatten()
        {
            for alt in sig.split('|') {
                let plain = alt.replace("\\.", ".").replace("\\-", "-");
                for wild in ["/", ".", "x"] {
                    let p = plain.replace(".*", "zz").replace('.', wild);
                    probes.push(p.clone());
                    probes.push(format!("prefix/{p}/Suffix"));
                    let half: String = p.chars().take(p.chars().count() / 2).collect();
                    probes.push(half);
                }
            }
        }
    }
    let mut hits = 0;
    for p in &probes {
        let brute: Vec<u32> = t
            .trackers()
            .iter()
            .filter(|x| x.code_signature_used && x.matches_class(p))
            .map(|x| x.id)
            .collect();
        let fast: Vec<u32> = t.match_class(p).iter().map(|x| x.id).collect();
        assert_eq!(fast, brute, "class {p:?}");
        let brute: Vec<u32> = t
            .trackers()
            .iter()
            .filter(|x| x.matches_host(p))
            .map(|x| x.id)
            .collect();
        let fast: Vec<u32> = t.match_host(p).iter().map(|x| x.id).collect();
        assert_eq!(fast, brute, "host {p:?}");
        hits += fast.len();
    }
    assert!(hits > 1000, "probes should hit: {hits}");
    for host in [
        "mst12.is.autonavi.com",
        "beacons.estimote.com",
        "usw-lax.adsrvr.org",
        "adservice.google.fr",
        "54.243.73.253:8080/SilverPush/",
    ] {
        assert!(!t.match_host(host).is_empty(), "{host} should match");
    }
    eprintln!(
        "{} probes, {hits} host matches: prefilter equals brute force",
        probes.len()
    );
}
