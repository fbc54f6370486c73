//! Findings on `tests/fixtures/spy.dex` (smali sources and `build.sh` next to it): an API
//! hidden behind reflection, an `arg:N=` condition, a callback, code traits, endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use unmask_analysis::{analyze_path, Evidence, Findings, Options, Section};

fn spy() -> Findings {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spy.dex");
    analyze_path(&p, kb, &iocs, &Options::default())
        .expect("analyze")
        .1
}

fn code(e: &Evidence) -> (&str, u32, Option<u32>, &str) {
    match e {
        Evidence::Code {
            method,
            offset,
            line,
            item,
            ..
        } => (method.as_str(), *offset, *line, item.as_str()),
        other => panic!("not code evidence: {other:?}"),
    }
}

const HIDDEN: &str = "Lcom/example/spy/Spy;->hidden(Landroid/content/Context;)Ljava/lang/Object;";

#[test]
fn reflection_hiding_getdeviceid() {
    let f = spy();
    let r: Vec<_> = f.of_kind("code.reflection_sensitive").collect();
    assert_eq!(r.len(), 1, "{:#?}", f.findings);
    assert_eq!(
        r[0].subject,
        "Landroid/telephony/TelephonyManager;->getDeviceId"
    );
    assert_eq!(r[0].subcategory.as_deref(), Some("device_id.imei"));
    assert_eq!(code(&r[0].evidence[0]).0, HIDDEN);
    // Also counted as data collected, and no plain call site exists.
    let d: Vec<_> = f.of_kind("data.reflection").collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].section, Section::DataCollected);
    assert!(f
        .of_kind("data.api")
        .all(|x| x.subcategory.as_deref() != Some("device_id.imei")));
    // The reflection calls themselves, at their offsets.
    let fornames: Vec<_> = f
        .of_kind("code.reflection")
        .filter(|x| x.subject.starts_with("Ljava/lang/Class;->forName("))
        .collect();
    assert_eq!(code(&fornames[0].evidence[0]).1, 0x2);
    let inv = f
        .of_kind("code.reflection")
        .find(|x| x.subject.starts_with("Ljava/lang/reflect/Method;->invoke("))
        .unwrap();
    assert_eq!(code(&inv.evidence[0]).1, 0x18);
}

#[test]
fn android_id_only_with_the_constant_key() {
    let f = spy();
    let a: Vec<_> = f
        .of_kind("data.api")
        .filter(|x| x.subcategory.as_deref() == Some("device_id.android_id"))
        .collect();
    assert_eq!(a.len(), 1, "{:#?}", f.findings);
    // Only the call with "android_id" (offset 2), not the one with "bluetooth_name" (8).
    assert_eq!(a[0].evidence.len(), 1);
    let (m, off, line, _) = code(&a[0].evidence[0]);
    assert_eq!(
        m,
        "Lcom/example/spy/Spy;->androidId(Landroid/content/ContentResolver;)Ljava/lang/String;"
    );
    assert_eq!(off, 0x2);
    assert_eq!(line, Some(42));
    assert!(a[0].reason.contains("android_id"));
}

#[test]
fn location_callback() {
    let f = spy();
    let c: Vec<_> = f.of_kind("data.callback").collect();
    assert_eq!(c.len(), 1, "{:#?}", f.findings);
    assert_eq!(c[0].category.as_deref(), Some("location"));
    assert_eq!(
        c[0].evidence,
        vec![Evidence::Method {
            dex: c[0].evidence.first().map_or(String::new(), |e| match e {
                Evidence::Method { dex, .. } => dex.clone(),
                _ => String::new(),
            }),
            class: "Lcom/example/spy/Listener;".into(),
            method: "Lcom/example/spy/Listener;->onLocationChanged(Landroid/location/Location;)V"
                .into(),
            overrides: "Landroid/location/LocationListener;->onLocationChanged".into(),
        }]
    );
}

#[test]
fn traits_and_endpoints() {
    let f = spy();
    let rec = f
        .of_kind("trait.call_recording")
        .next()
        .expect("call recording");
    let (_, off, _, item) = code(&rec.evidence[0]);
    assert_eq!(off, 0x1);
    assert!(item.ends_with("VOICE_CALL"));
    // Also the microphone.call_recording data row (arg:0=2|3|4).
    assert!(f
        .of_kind("data.api")
        .any(|x| x.subcategory.as_deref() == Some("microphone.call_recording")));
    // A bare dex has no manifest, so no launcher activity: not raised.
    assert!(f.of_kind("trait.hides_launcher_icon").next().is_none());
    let w = f.of_kind("trait.watched_apps").next().expect("watched");
    assert_eq!(w.subject, "org.thoughtcrime.securesms");
    assert_eq!(code(&w.evidence[0]).1, 0x0);
    let s = f.of_kind("trait.file_scan_hashing").next().expect("scan");
    assert_eq!(s.evidence.len(), 2);
    let n = f.of_kind("code.native_loading").next().expect("native");
    assert!(code(&n.evidence[0]).3.ends_with("\"spy\""));
    let e = f
        .endpoints
        .iter()
        .find(|e| e.value == "http://198.51.100.7:8080/upload")
        .expect("url");
    assert!(e.cleartext);
    assert_eq!(e.port, Some(8080));
    assert_eq!(e.host.as_deref(), Some("198.51.100.7"));
    assert!(f.of_kind("network.cleartext").any(|x| x.subject == e.value));
    // content://sms/inbox as a const-string.
    let sms = f.of_kind("data.content_uri").next().expect("sms uri");
    assert_eq!(sms.category.as_deref(), Some("sms"));
    assert_eq!(code(&sms.evidence[0]).1, 0x9);
}

#[test]
fn tracker_and_packer() {
    let f = spy();
    let t = f
        .of_kind("tracker")
        .find(|x| x.subject == "Google Firebase Analytics")
        .expect("tracker");
    // exodus class name: the inner class collapses to its outer class.
    assert!(t.evidence.iter().any(|e| matches!(e, Evidence::Class { class, .. } if class == "com/google/firebase/analytics/FirebaseAnalytics")));
    let h = f
        .of_kind("network.tracker_host")
        .next()
        .expect("tracker host");
    assert_eq!(
        h.subject,
        "https://firebaselogging-pa.googleapis.com/v1/log"
    );
    assert!(h.reason.contains("Google Firebase Analytics"));
    let p = f.of_kind("packer").next().expect("packer");
    assert!(p.subject.contains("Jiagu"), "{}", p.subject);
    assert!(matches!(&p.evidence[0], Evidence::Class { class, .. } if class == "com.stub.StubApp"));
}

/// `analyze` on a report and code given separately: full.apk's manifest (with a launcher
/// activity) with spy.dex's code, which disables a component with constant 2.
#[test]
fn hides_launcher_icon_with_manifest() {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = unmask_apk::analyze_file(
        &root.join("../../fixtures/apk/full.apk"),
        &unmask_apk::Options::default(),
    )
    .expect("report");
    let bytes = std::fs::read(root.join("tests/fixtures/spy.dex")).expect("dex");
    let dexes = vec![unmask_dex::DexFile::parse(&bytes).expect("parse")];
    let index = unmask_dex::Index::build(&dexes);
    let names = vec!["spy.dex".to_string()];
    let app = unmask_analysis::Code {
        names: &names,
        dexes: &dexes,
        index: &index,
    };
    let f = unmask_analysis::analyze(&report, &app, kb, &iocs, &Options::default());
    let h = f
        .of_kind("trait.hides_launcher_icon")
        .next()
        .expect("hidden icon");
    let (m, off, _, item) = code(&h.evidence[0]);
    assert!(m.starts_with("Lcom/example/spy/Spy;->record("));
    assert_eq!(off, 0x6);
    assert!(item.ends_with("COMPONENT_ENABLED_STATE_DISABLED"));
    assert!(h.reason.contains("com.example.full"));
}

#[path = "common/mod.rs"]
mod common;

/// A receiver registered at run time for `SMS_RECEIVED` (Receiver.smali) raises the SMS
/// receiver trait from the code, at the offset `dexdump -d` gives for the action string.
#[test]
fn sms_receiver_registered_at_run_time() {
    let f = spy();
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spy.dex");
    let Ok(out) = std::process::Command::new("dexdump")
        .arg("-d")
        .arg(&p)
        .output()
    else {
        println!("SKIPPED: dexdump not found");
        return;
    };
    let dx = common::parse(&String::from_utf8_lossy(&out.stdout));
    let action = "android.provider.Telephony.SMS_RECEIVED";
    let site = dx.site(
        "Lcom/example/spy/Receiver;",
        "listen",
        "const-string",
        action,
    );
    let t: Vec<_> = f.of_kind("trait.sms_receiver").collect();
    assert_eq!(t.len(), 1, "{:#?}", f.findings);
    assert!(
        t[0].reason.contains("registers a receiver at run time"),
        "{}",
        t[0].reason
    );
    assert_eq!(t[0].evidence.len(), 1);
    let (m, off, line, item) = code(&t[0].evidence[0]);
    assert_eq!(m, site.method);
    assert_eq!(off, site.offset);
    assert_eq!(line, site.line);
    assert_eq!(item, action);
}
