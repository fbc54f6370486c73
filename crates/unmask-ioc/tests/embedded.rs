//! `IocSet::load_embedded` (the compact build-time form, patterns parsed only on a hit) gives
//! the same matches as reading the JSON bundles of `kb/iocs` with full validation, the way a
//! user feed is read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use unmask_ioc::pattern::{self, ComparisonExpr, Literal, ObservationExpr};
use unmask_ioc::{AppFacts, Fact, IocMatch, IocSet};

fn full_validation() -> IocSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb/iocs");
    let mut set = IocSet::new();
    for name in unmask_ioc::embedded_names() {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        set.add_bundle_str(name, &text).unwrap();
    }
    set
}

/// Every (object path, string value) of a pattern, read with the crate's parser.
fn comparisons(p: &str) -> Vec<(String, String)> {
    fn cmp(e: &ComparisonExpr, out: &mut Vec<(String, String)>) {
        match e {
            ComparisonExpr::And(v) | ComparisonExpr::Or(v) => v.iter().for_each(|x| cmp(x, out)),
            ComparisonExpr::Test(t) => {
                let vals = match &t.value {
                    Literal::Set(v) => v.iter().collect(),
                    v => vec![v],
                };
                for v in vals {
                    if let Some(s) = v.as_str() {
                        out.push((t.path.key(), s.to_string()));
                    }
                }
            }
        }
    }
    fn obs(e: &ObservationExpr, out: &mut Vec<(String, String)>) {
        match e {
            ObservationExpr::Observation(c) => cmp(c, out),
            ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
                v.iter().for_each(|x| obs(x, out))
            }
            ObservationExpr::Qualified(x, _) => obs(x, out),
        }
    }
    let mut out = Vec::new();
    obs(&pattern::parse(p).unwrap().expr, &mut out);
    out
}

/// App facts made of the values of every 50th indicator, each put where its path says and,
/// for host-like values, also as a subdomain, an upper-case variant and a URL.
fn sample_facts(set: &IocSet) -> (AppFacts, Vec<String>) {
    let mut app = AppFacts::default();
    let mut sampled = Vec::new();
    for (n, ind) in set.indicators().iter().enumerate().step_by(50) {
        sampled.push(ind.id.clone());
        for (path, v) in comparisons(&ind.pattern) {
            let f = |s: &str| Fact::at(s, format!("sample {n}"));
            let list = match path.to_ascii_lowercase().as_str() {
                "app:id" => &mut app.package_names,
                "app:cert.sha1" => &mut app.cert_sha1s,
                "app:cert.sha256" => &mut app.cert_sha256s,
                "file:hashes.sha256" | "file:hashes.sha-256" => &mut app.file_sha256s,
                "file:hashes.sha1" => &mut app.file_sha1s,
                "file:hashes.md5" => &mut app.file_md5s,
                "email-addr:value" => &mut app.emails,
                "file:name" => &mut app.file_names,
                "process:name" => &mut app.process_names,
                "android-property:name" => &mut app.android_properties,
                "url:value" => &mut app.urls,
                "ipv4-addr:value" | "ipv6-addr:value" => &mut app.ips,
                "domain-name:value" => {
                    app.domains
                        .push(f(&format!("sub.{}", v.to_ascii_uppercase())));
                    app.urls.push(f(&format!("https://{v}/index.html")));
                    app.ips.push(f(&v));
                    &mut app.domains
                }
                _ => &mut app.file_names,
            };
            list.push(f(&v));
        }
    }
    (app, sampled)
}

#[test]
fn cheap_load_matches_like_full_validation() {
    let full = full_validation();
    let (app, sampled) = sample_facts(&full);
    let mut want = full.match_app(&app);
    // The only difference: the full load read them as user bundles.
    for m in &mut want {
        assert!(!m.embedded);
        m.embedded = true;
    }
    let fast = IocSet::load_embedded().unwrap();
    let got = fast.match_app(&app);
    let ids = |v: &[IocMatch]| v.iter().map(|m| m.indicator_id.clone()).collect::<Vec<_>>();
    println!(
        "{} indicators sampled, {} facts, {} matches",
        sampled.len(),
        app.package_names.len()
            + app.cert_sha1s.len()
            + app.file_sha256s.len()
            + app.domains.len()
            + app.urls.len()
            + app.ips.len()
            + app.emails.len()
            + app.process_names.len(),
        got.len()
    );
    assert_eq!(ids(&got), ids(&want));
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    // Not vacuous: every sampled indicator that can match an app is among the matches.
    let matched = ids(&got);
    let mut missing = Vec::new();
    for id in &sampled {
        let ind = full.indicators().iter().find(|i| &i.id == id).unwrap();
        if ind.matchable && !matched.contains(id) {
            missing.push(ind.pattern.clone());
        }
    }
    assert!(missing.is_empty(), "sampled but not matched: {missing:?}");
    assert!(sampled.len() > 200 && got.len() >= sampled.len() - 10);
}

#[test]
fn cheap_load_then_user_feed_numbers_and_matches_as_full() {
    let feed = r#"{"type":"bundle","id":"bundle--u","objects":[
        {"type":"malware","id":"malware--m","name":"Mine"},
        {"type":"indicator","id":"indicator--u1","pattern":"[app:id = 'com.thetruth'] OR [domain-name:value = 'weather4free.com']"},
        {"type":"indicator","id":"indicator--u2","pattern":"[ipv4-addr:value = '10.1.0.0/16']"}]}"#;
    let mut fast = IocSet::load_embedded().unwrap();
    fast.add_bundle_str("mine", feed).unwrap();
    let mut full = full_validation();
    full.add_bundle_str("mine", feed).unwrap();
    assert_eq!(fast.len(), full.len());
    let app = AppFacts {
        package_names: vec!["com.thetruth".into()],
        domains: vec!["a.weather4free.com".into()],
        ips: vec!["10.1.2.3".into()],
        ..AppFacts::default()
    };
    let got = fast.match_app(&app);
    let mut want = full.match_app(&app);
    for m in want.iter_mut().filter(|m| m.source != "mine") {
        m.embedded = true;
    }
    assert_eq!(got, want);
    let sources: Vec<&str> = got.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(sources.last(), Some(&"mine"));
    assert_eq!(got.iter().filter(|m| m.source == "mine").count(), 2);
    // The list of indicators, once built, ends with the user's.
    let last = fast.indicators().last().unwrap();
    assert_eq!(last.id, "indicator--u2");
    assert_eq!(fast.indicators().len(), fast.len());
}
