//! Matching app facts against indicators.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::OnceLock;
use std::time::Instant;

use unmask_ioc::{AppFacts, Fact, FactKind, IocError, IocSet, ObservableKind};

fn embedded() -> &'static IocSet {
    static SET: OnceLock<IocSet> = OnceLock::new();
    SET.get_or_init(|| IocSet::load_embedded().unwrap())
}

fn facts() -> AppFacts {
    AppFacts::default()
}

#[test]
fn stalkerware_package_name_matches_family() {
    // `com.thetruth` is a TheTruthSpy package in Echap's ioc.yaml.
    let app = AppFacts {
        package_names: vec!["com.thetruth".into()],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].family(), Some("TheTruthSpy"));
    assert_eq!(m[0].source, "echap-stalkerware.stix2");
    assert!(m[0].embedded);
    assert_eq!(m[0].pattern, "[app:id = 'com.thetruth']");
    let ev = &m[0].evidence[0];
    assert_eq!(ev.fact, FactKind::PackageName);
    assert_eq!(ev.fact.label(), "package name");
    assert_eq!(ev.observable, ObservableKind::PackageName);
    assert_eq!(ev.matched_value, "com.thetruth");
    // Package names are case-sensitive on Android: no match.
    let app = AppFacts {
        package_names: vec!["com.TheTruth".into()],
        ..facts()
    };
    assert!(embedded().match_app(&app).is_empty());
}

#[test]
fn certificate_sha1_in_any_notation() {
    // TheTruthSpy signing certificate, written with colons and in lower case.
    let app = AppFacts {
        cert_sha1s: vec![Fact::at(
            "31:a6:ec:ec:d9:7c:f3:9b:c4:12:6b:87:45:cd:94:a7:c3:0b:f8:1c",
            "v2 signer",
        )],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(m[0].family(), Some("TheTruthSpy"));
    assert_eq!(m[0].evidence[0].fact.label(), "signing certificate SHA-1");
    assert_eq!(m[0].evidence[0].origin.as_deref(), Some("v2 signer"));
    // NoviSpy certificate SHA-256 (MVT's app:cert.sha256).
    let app = AppFacts {
        cert_sha256s: vec![
            "3AC97735164824657B683E805133B1274B2DEDABF9FDD6AA9ACA31089D501E64".into(),
        ],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].family(), Some("NoviSpy"));
}

#[test]
fn domains_match_subdomains_case_insensitively() {
    // copy9.com: TheTruthSpy vendor website (and C2 domain).
    let app = AppFacts {
        domains: vec![Fact::at("API.Copy9.COM.", "in code")],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert!(!m.is_empty());
    assert!(
        m.iter().all(|x| x.family() == Some("TheTruthSpy")),
        "{m:#?}"
    );
    assert_eq!(m[0].evidence[0].matched_value, "API.Copy9.COM.");
    assert_eq!(m[0].evidence[0].indicator_value, "copy9.com");
    assert_eq!(m[0].evidence[0].origin.as_deref(), Some("in code"));
    // Not a subdomain: a different registrable name, or the indicator as a prefix.
    for d in ["notcopy9.com", "copy9.com.example.net", "copy9", "com"] {
        let app = AppFacts {
            domains: vec![d.into()],
            ..facts()
        };
        assert!(embedded().match_app(&app).is_empty(), "{d}");
    }
    // A URL's host is matched as a domain.
    let app = AppFacts {
        urls: vec!["https://user@www.Copy9.com:8443/path?q=1".into()],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert!(!m.is_empty());
    assert_eq!(m[0].evidence[0].fact, FactKind::Url);
}

#[test]
fn ip_written_as_domain_matches_ip_facts() {
    // NoviSpy lists C2 IPs as domain-name:value.
    let app = AppFacts {
        ips: vec!["176.223.111.131".into()],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].family(), Some("NoviSpy"));
    assert_eq!(m[0].evidence[0].fact, FactKind::Ip);
    let app = AppFacts {
        urls: vec!["http://176.223.111.131:8080/upload".into()],
        ..facts()
    };
    assert_eq!(embedded().match_app(&app).len(), 1);
    // 23.111.131 is not a "parent domain" of an IP.
    let app = AppFacts {
        ips: vec!["1.176.223.111".into()],
        domains: vec!["223.111.131".into()],
        ..facts()
    };
    assert!(embedded().match_app(&app).is_empty());
}

#[test]
fn negative_app_matches_nothing() {
    let app = AppFacts {
        package_names: vec!["org.unmask.harmless".into()],
        cert_sha1s: vec!["0000000000000000000000000000000000000000".into()],
        cert_sha256s: vec!["00".repeat(32).into()],
        file_sha256s: vec!["11".repeat(32).into()],
        file_sha1s: vec!["22".repeat(20).into()],
        file_md5s: vec!["33".repeat(16).into()],
        domains: vec!["unmask-test.invalid".into(), "localhost".into()],
        urls: vec!["https://unmask-test.invalid/x".into()],
        ips: vec!["192.0.2.1".into(), "::1".into()],
        emails: vec!["someone@unmask-test.invalid".into()],
        file_names: vec!["classes.dex".into()],
        process_names: vec![":remote".into()],
        android_properties: vec!["ro.build.version.sdk".into()],
    };
    let m = embedded().match_app(&app);
    assert!(m.is_empty(), "{m:#?}");
}

const USER_FEED: &str = r#"{
  "type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
  "objects": [
    {"type": "malware", "id": "malware--a", "name": "TestSpy", "is_family": true},
    {"type": "malware", "id": "malware--b", "name": "OtherSpy", "is_family": true},
    {"type": "identity", "id": "identity--x", "name": "ignored"},
    {"type": "indicator", "id": "indicator--1", "pattern": "[app:id = 'org.test.evil' AND app:cert.sha1 = 'ab:cd']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--2", "pattern": "[app:id = 'org.test.two'] AND [domain-name:value = 'evil.test'] WITHIN 60 SECONDS", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--3", "pattern": "[ipv4-addr:value = '198.51.100.0/24'] OR [url:value IN ('http://Example.com/Foo', 'http://x.test/')]", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--4", "pattern": "[domain-name:value LIKE '%.evil.test']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--5", "pattern": "rule x { condition: true }", "pattern_type": "yara"},
    {"type": "indicator", "id": "indicator--6", "name": "from a report", "pattern": "[file:hashes.'SHA-256' = 'AA' OR file:hashes.MD5 = 'bb' OR x509-certificate:hashes.'SHA-1' = 'cc']"},
    {"type": "report", "id": "report--r", "name": "Test report", "object_refs": ["indicator--6"]},
    {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates", "source_ref": "indicator--1", "target_ref": "malware--a"},
    {"type": "relationship", "id": "relationship--2", "relationship_type": "indicates", "source_ref": "malware--b", "target_ref": "indicator--2"},
    {"type": "relationship", "id": "relationship--3", "relationship_type": "indicates", "source_ref": "indicator--3", "target_ref": "malware--a"}
  ]
}"#;

fn user_set() -> (IocSet, String) {
    let dir = std::env::temp_dir().join(format!("unmask-ioc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("user-feed.stix2");
    std::fs::write(&path, USER_FEED).unwrap();
    let mut set = IocSet::new();
    let n = set.add_file(&path).unwrap();
    assert_eq!(n, 5, "the yara indicator is skipped");
    (set, path.display().to_string())
}

#[test]
fn user_feed_matches_and_names_its_file() {
    let (set, path) = user_set();
    // Compound within one observation: both comparisons needed.
    let one = AppFacts {
        package_names: vec!["org.test.evil".into()],
        ..facts()
    };
    assert!(set.match_app(&one).is_empty());
    let both = AppFacts {
        package_names: vec!["org.test.evil".into()],
        cert_sha1s: vec!["ABCD".into()],
        ..facts()
    };
    let m = set.match_app(&both);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].source, path);
    assert!(!m[0].embedded);
    assert_eq!(m[0].indicator_id, "indicator--1");
    assert_eq!(m[0].family(), Some("TestSpy"));
    assert_eq!(m[0].evidence.len(), 2);
    assert_eq!(
        m[0].bundle_id.as_deref(),
        Some("bundle--00000000-0000-4000-8000-000000000001")
    );
    // Two observations joined by AND, with a qualifier noted; relationship written malware->indicator.
    let app = AppFacts {
        package_names: vec!["org.test.two".into()],
        ..facts()
    };
    assert!(set.match_app(&app).is_empty());
    let app = AppFacts {
        package_names: vec!["org.test.two".into()],
        domains: vec!["cdn.EVIL.test".into()],
        ..facts()
    };
    let m = set.match_app(&app);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].family(), Some("OtherSpy"));
    assert!(m[0].notes[0].contains("WITHIN"), "{:?}", m[0].notes);
    // CIDR and URL IN set.
    for app in [
        AppFacts {
            ips: vec!["198.51.100.200".into()],
            ..facts()
        },
        AppFacts {
            urls: vec!["HTTP://example.COM/Foo/".into()],
            ..facts()
        },
    ] {
        let m = set.match_app(&app);
        assert_eq!(m.len(), 1, "{app:?}");
        assert_eq!(m[0].indicator_id, "indicator--3");
    }
    let app = AppFacts {
        urls: vec!["http://example.com/foo".into()],
        ips: vec!["198.51.101.1".into()],
        ..facts()
    };
    assert!(
        set.match_app(&app).is_empty(),
        "URL paths are case-sensitive"
    );
    // OR of hashes; family from the report, none from malware.
    let app = AppFacts {
        file_md5s: vec!["BB".into()],
        ..facts()
    };
    let m = set.match_app(&app);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].reports, vec!["Test report".to_string()]);
    assert!(m[0].families.is_empty());
    assert_eq!(m[0].indicator_name.as_deref(), Some("from a report"));
    let app = AppFacts {
        cert_sha1s: vec!["cc".into()],
        ..facts()
    };
    assert_eq!(set.match_app(&app).len(), 1);
    // Warnings: LIKE is not evaluated, yara is skipped; both name the file and the object.
    let w = set.warnings();
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(w.iter().all(|w| w.source == path));
    assert_eq!(w[0].object, "indicator--4");
    assert!(w[0].message.contains("Like"), "{}", w[0]);
    assert_eq!(w[1].object, "indicator--5");
}

#[test]
fn user_feed_adds_to_embedded() {
    let mut set = IocSet::load_embedded().unwrap();
    let before = set.len();
    set.add_bundle_str("mine", USER_FEED).unwrap();
    assert_eq!(set.len(), before + 5);
    let app = AppFacts {
        package_names: vec!["com.thetruth".into(), "org.test.two".into()],
        domains: vec!["evil.test".into()],
        ..facts()
    };
    let m = set.match_app(&app);
    let sources: Vec<&str> = m.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(sources, vec!["echap-stalkerware.stix2", "mine"]);
}

fn write_tmp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unmask-ioc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn malformed_user_files_name_file_and_object() {
    let bad_pattern = r#"{"type":"bundle","id":"bundle--1","objects":[
        {"type":"indicator","id":"indicator--ok","pattern":"[app:id = 'a']","pattern_type":"stix"},
        {"type":"indicator","id":"indicator--bad","pattern":"[app:id = 'x'","pattern_type":"stix"}]}"#;
    let p = write_tmp("bad-pattern.stix2", bad_pattern);
    let mut set = IocSet::new();
    let e = set.add_file(&p).unwrap_err();
    let msg = e.to_string();
    println!("{msg}");
    assert!(msg.contains("bad-pattern.stix2"), "{msg}");
    assert!(msg.contains("indicator--bad"), "{msg}");
    assert!(msg.contains("at byte 13"), "{msg}");
    assert!(matches!(&e, IocError::Pattern { error, .. } if error.position == 13));
    assert!(set.is_empty(), "nothing from a failed file is added");
    assert!(set.sources().is_empty());

    let no_pattern = r#"{"type":"bundle","id":"bundle--1","objects":[
        {"type":"indicator","id":"indicator--nopat","pattern_type":"stix"}]}"#;
    let p = write_tmp("no-pattern.stix2", no_pattern);
    let msg = set.add_file(&p).unwrap_err().to_string();
    assert!(
        msg.contains("no-pattern.stix2")
            && msg.contains("indicator--nopat")
            && msg.contains("pattern"),
        "{msg}"
    );

    let no_id = r#"{"type":"bundle","objects":[{"type":"indicator","pattern":"[a:b = 'c']"}]}"#;
    let msg = set.add_bundle_str("noid", no_id).unwrap_err().to_string();
    assert!(msg.contains("noid: object #0"), "{msg}");

    let bad_rel = r#"{"type":"bundle","objects":[{"type":"relationship","id":"relationship--r","relationship_type":"indicates"}]}"#;
    let msg = set.add_bundle_str("rel", bad_rel).unwrap_err().to_string();
    assert!(
        msg.contains("relationship--r") && msg.contains("source_ref"),
        "{msg}"
    );

    let not_json = write_tmp("not-json.stix2", "{\"type\": \"bundle\", \"objects\": [");
    let e = set.add_file(&not_json).unwrap_err();
    assert!(matches!(e, IocError::Json { .. }), "{e}");
    assert!(e.to_string().contains("not-json.stix2"));

    let not_bundle = r#"{"type":"indicator","id":"indicator--1","pattern":"[a:b = 'c']"}"#;
    let e = set.add_bundle_str("single", not_bundle).unwrap_err();
    assert!(matches!(e, IocError::NotBundle { .. }), "{e}");
    let e = set.add_bundle_str("array", "[1, 2]").unwrap_err();
    assert!(matches!(e, IocError::NotBundle { .. }), "{e}");

    let missing = std::path::Path::new("/nonexistent/feed.stix2");
    let e = set.add_file(missing).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/feed.stix2: cannot read"),
        "{e}"
    );
    assert!(set.is_empty());
}

#[test]
fn matching_is_fast() {
    let set = embedded();
    assert!(set.len() > 10_000);
    let mut app = AppFacts::default();
    for i in 0..3000 {
        app.domains
            .push(format!("host{i}.sub{i}.unmask-test.invalid").into());
        app.urls
            .push(format!("https://cdn{i}.unmask-test.invalid/a/b").into());
        app.file_sha256s.push(format!("{i:064x}").into());
    }
    app.domains.push("x.weather4free.com".into()); // Pegasus
    let t = Instant::now();
    let m = set.match_app(&app);
    let dt = t.elapsed();
    println!(
        "matched 9001 facts against {} indicators in {dt:?}",
        set.len()
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].family(), Some("Pegasus"));
    assert!(dt.as_millis() < 2000, "{dt:?}");
}

#[test]
fn hostile_long_domain_fact_is_cheap_and_still_matches() {
    // 200k labels: looking up every suffix would be quadratic.
    let long = format!("{}copy9.com", "a.".repeat(200_000));
    let app = AppFacts {
        domains: vec![long.into()],
        ..facts()
    };
    let t = Instant::now();
    let m = embedded().match_app(&app);
    assert!(!m.is_empty());
    assert!(m.iter().all(|x| x.family() == Some("TheTruthSpy")));
    assert!(t.elapsed().as_millis() < 2000, "{:?}", t.elapsed());
}

#[test]
fn set_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<IocSet>();
    assert_send_sync::<unmask_ioc::IocMatch>();
}

#[test]
fn a_url_in_a_domain_indicator_matches_that_url_not_the_whole_site() {
    // Echap's data lists code-hosting pages as "domains", e.g. the AndroRat repository on
    // github.com; the bare host must not match every app that mentions github.com.
    let app = AppFacts {
        domains: vec!["github.com".into()],
        urls: vec!["https://github.com/square/okhttp".into()],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert!(
        m.iter().all(|x| !x.pattern.contains("github.com/")),
        "host-only facts matched URL indicators: {m:#?}"
    );
    let app = AppFacts {
        urls: vec!["https://GitHub.com/karma9874/androrat".into()],
        ..facts()
    };
    let m = embedded().match_app(&app);
    assert!(
        m.iter().any(|x| x.pattern.contains("github.com/karma9874")),
        "the URL itself still matches: {m:#?}"
    );
}
