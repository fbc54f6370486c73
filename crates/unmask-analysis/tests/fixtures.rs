//! Findings on the repository's fixture APKs (`fixtures/apk`, sources in `fixtures/src`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use unmask_analysis::{analyze_path, Evidence, Findings, Options, Section};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn run(path: &Path) -> Findings {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    analyze_path(path, kb, &iocs, &Options::default())
        .expect("analyze")
        .1
}

fn fixture(name: &str) -> Findings {
    run(&root().join("fixtures/apk").join(name))
}

const COLLECT: &str =
    "Lcom/example/full/Tracker;->collect(Landroid/content/Context;)Ljava/lang/String;";

#[test]
fn full_imei_with_exact_evidence() {
    let f = fixture("full.apk");
    let imei: Vec<_> = f
        .of_kind("data.api")
        .filter(|x| x.subcategory.as_deref() == Some("device_id.imei"))
        .collect();
    assert_eq!(imei.len(), 1, "{:#?}", f.findings);
    let x = imei[0];
    assert_eq!(x.category.as_deref(), Some("device_id"));
    assert_eq!(
        x.subject,
        "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    );
    assert!(x
        .permissions
        .iter()
        .any(|p| p == "android.permission.READ_PHONE_STATE"));
    assert!(x.reason.contains("device_id.imei"));
    assert_eq!(
        x.evidence,
        vec![Evidence::Code {
            dex: "classes.dex".into(),
            class: "Lcom/example/full/Tracker;".into(),
            method: COLLECT.into(),
            offset: 0x8,
            line: None,
            item: "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;".into(),
        }]
    );
    // READ_PHONE_STATE is requested: not reported as missing; the category summary lists it.
    assert!(f.of_kind("permission.missing").next().is_none());
    let s = &f.categories["device_id"];
    assert_eq!(s.findings, 1);
    assert!(s
        .permissions_requested
        .iter()
        .any(|p| p == "android.permission.READ_PHONE_STATE"));
    // READ_CONTACTS is requested and nothing reads contacts.
    assert!(f
        .of_kind("permission.unused")
        .any(|x| x.subject == "android.permission.READ_CONTACTS"));
    assert!(!f
        .of_kind("permission.unused")
        .any(|x| x.subject == "android.permission.READ_PHONE_STATE"));
}

#[test]
fn full_url_with_use_site() {
    let f = fixture("full.apk");
    let e = f
        .endpoints
        .iter()
        .find(|e| e.value == "https://tracker.example.com/collect")
        .expect("url");
    assert_eq!(e.kind, "url");
    assert_eq!(e.host.as_deref(), Some("tracker.example.com"));
    assert!(!e.cleartext);
    assert_eq!(
        e.found_in,
        vec![Evidence::Code {
            dex: "classes.dex".into(),
            class: "Lcom/example/full/Tracker;".into(),
            method: COLLECT.into(),
            offset: 0x11,
            line: None,
            item: "https://tracker.example.com/collect".into(),
        }]
    );
    assert!(f.of_kind("network.cleartext").next().is_none());
    // Manifest traits of full.apk: BootReceiver listens for BOOT_COMPLETED and SMS_RECEIVED.
    for k in ["trait.boot_receiver", "trait.sms_receiver"] {
        let t = f.of_kind(k).next().unwrap_or_else(|| panic!("{k}"));
        assert!(
            matches!(&t.evidence[0], Evidence::Manifest { name, .. } if name == "com.example.full.BootReceiver")
        );
    }
}

#[test]
fn hidden_payloads_dynamic_loading() {
    let f = fixture("hidden-payloads.apk");
    let d: Vec<_> = f.of_kind("code.dynamic_loading").collect();
    assert_eq!(d.len(), 1, "{:#?}", f.findings);
    assert!(d[0]
        .subject
        .starts_with("Ldalvik/system/DexClassLoader;-><init>("));
    assert_eq!(d[0].section, Section::Inside);
    match &d[0].evidence[0] {
        Evidence::Code { dex, class, .. } => {
            assert_eq!(dex, "classes2.dex");
            assert_eq!(class, "Lcom/example/hidden/extra/Loader;");
        }
        other => panic!("{other:?}"),
    }
    let hidden: Vec<_> = f
        .of_kind("code.hidden_payload")
        .map(|x| x.subject.as_str())
        .collect();
    assert!(hidden.contains(&"assets/x.png"), "{hidden:?}");
    let x = f
        .of_kind("code.hidden_payload")
        .find(|x| x.subject == "assets/x.png")
        .unwrap();
    assert!(matches!(&x.evidence[0], Evidence::Entry { detail, .. } if detail.starts_with("dex ")));
    assert!(hidden.contains(&"assets/update.dat"));
    assert!(hidden.contains(&"assets/lib.dat"));
    // Nothing collected.
    assert_eq!(f.section(Section::DataCollected).count(), 0);
}

#[test]
fn minimal_is_clean() {
    let f = fixture("minimal.apk");
    assert_eq!(
        f.section(Section::DataCollected).count(),
        0,
        "{:#?}",
        f.findings
    );
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
    assert!(f.endpoints.is_empty());
    assert!(f.categories.is_empty());
}

#[test]
fn json_shape() {
    let f = fixture("full.apk");
    let v: serde_json::Value = serde_json::to_value(&f).unwrap();
    assert!(v["categories"]["device_id"]["findings"].is_u64());
    let first = &v["findings"][0];
    assert_eq!(first["section"], "data_collected");
    assert_eq!(first["evidence"][0]["kind"], "code");
    assert_eq!(first["evidence"][0]["offset"], 8);
    let tracker = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["value"] == "https://tracker.example.com/collect")
        .unwrap();
    assert_eq!(tracker["found_in"][0]["offset"], 17);
}

/// The network policy of full.apk (`fixtures/src/full/res/xml/network_security_config.xml`):
/// base-config permits cleartext and trusts user CAs; api.example.com has two pins and
/// forbids cleartext. minimal.apk (targetSdk 33, no config) permits no cleartext.
#[test]
fn network_security_config_findings() {
    let f = fixture("full.apk");
    let nsc = "res/xml/network_security_config.xml";
    let got: Vec<(&str, &str, &Evidence)> = f
        .section(Section::Network)
        .filter(|x| {
            [
                "network.cleartext_allowed",
                "network.user_ca_trusted",
                "network.pinning",
            ]
            .contains(&x.kind.as_str())
        })
        .map(|x| (x.kind.as_str(), x.subject.as_str(), &x.evidence[0]))
        .collect();
    let entry = |detail: &str| Evidence::Entry {
        name: nsc.into(),
        detail: detail.into(),
    };
    assert_eq!(
        got,
        vec![
            ("network.cleartext_allowed", "*", &entry("base-config cleartextTrafficPermitted=true")),
            (
                "network.pinning",
                "api.example.com",
                &entry("domain-config api.example.com: pin-set SHA-256:7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y= SHA-256:fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=")
            ),
            ("network.user_ca_trusted", "*", &entry("base-config trust-anchors include user")),
        ]
    );
    let m = fixture("minimal.apk");
    assert_eq!(m.section(Section::Network).count(), 0, "{:#?}", m.findings);
    // ec-v1only.apk targets SDK 28 without the attribute: no cleartext by default either.
    let e = fixture("ec-v1only.apk");
    assert_eq!(e.of_kind("network.cleartext_allowed").count(), 0);
}

/// hidden-payloads.apk keeps `c2=https://c2.example.net/gate` in `config.txt` inside the ZIP
/// `res/raw/data.bin` (fixtures/README.md): found, with the nested entry as evidence. The
/// offset is checked against the bytes of the inner file, read with `unzip` (independent).
#[test]
fn endpoint_inside_a_zip_in_raw_resources() {
    let f = fixture("hidden-payloads.apk");
    let e = f
        .endpoints
        .iter()
        .find(|e| e.value == "https://c2.example.net/gate")
        .unwrap_or_else(|| panic!("{:#?}", f.endpoints));
    assert_eq!(e.host.as_deref(), Some("c2.example.net"));
    assert!(!e.cleartext);
    let Evidence::Entry { name, detail } = &e.found_in[0] else {
        panic!("{:?}", e.found_in)
    };
    assert_eq!(name, "res/raw/data.bin!config.txt");
    // Where the run starts in the inner file, by an independent reader.
    let dir = std::env::temp_dir().join(format!("unmask-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let raw = dir.join("data.bin");
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(root().join("fixtures/apk/hidden-payloads.apk"))
        .arg("res/raw/data.bin")
        .output();
    let Ok(out) = out else {
        eprintln!("SKIPPED (part): unzip not available");
        return;
    };
    std::fs::write(&raw, &out.stdout).unwrap();
    let inner = std::process::Command::new("unzip")
        .arg("-p")
        .arg(&raw)
        .arg("config.txt")
        .output()
        .unwrap()
        .stdout;
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8_lossy(&inner);
    let line_start = text.find("c2=https://").unwrap();
    // The printable run starts after the last non-printable byte before the URL.
    let run_start = inner[..line_start]
        .iter()
        .rposition(|b| !(0x20..0x7f).contains(b) && *b != b'\t')
        .map_or(0, |p| p + 1);
    assert!(
        detail.starts_with(&format!("bytes at offset {run_start:#x}: ")),
        "{detail}"
    );
}

/// hidden-payloads.apk stores a whole APK (a byte copy of minimal.apk) as `assets/update.dat`:
/// its classes.dex is analysed too, as `assets/update.dat!classes.dex`, byte-identical to what
/// `unzip` extracts from minimal.apk.
#[test]
fn dex_inside_a_nested_apk_is_analysed() {
    let files = unmask_apk::dex_files(
        &root().join("fixtures/apk/hidden-payloads.apk"),
        &Default::default(),
    )
    .unwrap();
    let names: Vec<(&str, bool)> = files.iter().map(|(n, h, _)| (n.as_str(), *h)).collect();
    assert_eq!(
        names,
        vec![
            ("classes.dex", false),
            ("classes2.dex", false),
            ("assets/x.png", true),
            ("assets/update.dat!classes.dex", true),
        ]
    );
    let Ok(out) = std::process::Command::new("unzip")
        .arg("-p")
        .arg(root().join("fixtures/apk/minimal.apk"))
        .arg("classes.dex")
        .output()
    else {
        eprintln!("SKIPPED (part): unzip not available");
        return;
    };
    assert_eq!(files[3].2, out.stdout);
}

/// Reachability of findings. full.apk: `MainActivity.onCreate` calls `Tracker.collect`, which
/// reads the IMEI: reachable, path from the activity. datacat.apk: nothing outside `Collect`
/// names a `Collect` method or instantiates the class (checked on `dexdump -d`'s listing), so
/// its data findings are not reachable.
#[test]
fn findings_carry_reachability() {
    let f = fixture("full.apk");
    let imei = f
        .of_kind("data.api")
        .find(|x| x.subcategory.as_deref() == Some("device_id.imei"))
        .unwrap();
    let r = imei.reachability.as_ref().unwrap();
    assert!(r.reachable);
    assert_eq!(
        r.path,
        vec![
            "Lcom/example/full/MainActivity;->onCreate(Landroid/os/Bundle;)V".to_string(),
            COLLECT.to_string()
        ]
    );
    // Manifest-only findings have none.
    assert!(f
        .of_kind("trait.boot_receiver")
        .all(|x| x.reachability.is_none()));

    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(root().join("fixtures/apk/datacat.apk"))
        .arg("classes.dex")
        .output()
        .unwrap();
    let tmp = std::env::temp_dir().join(format!("unmask-datacat-{}.dex", std::process::id()));
    std::fs::write(&tmp, &out.stdout).unwrap();
    let Ok(dump) = std::process::Command::new("dexdump")
        .arg("-d")
        .arg(&tmp)
        .output()
    else {
        eprintln!("SKIPPED (part): dexdump not available");
        return;
    };
    std::fs::remove_file(&tmp).ok();
    let text = String::from_utf8_lossy(&dump.stdout);
    // dexdump prints each method's instructions after its "name" line and class; find uses of
    // Collect in code of other classes.
    let mut class = String::new();
    for line in text.lines() {
        if let Some(c) = line.trim().strip_prefix("Class descriptor  : '") {
            class = c.trim_end_matches('\'').to_string();
        }
        if line.contains("Lcom/example/datacat/Collect;") && line.contains('|') {
            assert_eq!(class, "Lcom/example/datacat/Collect;", "{line}");
        }
    }
    let d = fixture("datacat.apk");
    let data: Vec<_> = d.section(Section::DataCollected).collect();
    assert!(!data.is_empty());
    for x in data {
        let in_collect = x.evidence.iter().all(|e| match e {
            Evidence::Code { class, .. } | Evidence::Method { class, .. } => {
                class == "Lcom/example/datacat/Collect;"
            }
            _ => false,
        });
        if in_collect {
            assert_eq!(
                x.reachability.as_ref().map(|r| r.reachable),
                Some(false),
                "{x:#?}"
            );
        }
    }
}

/// A bare host name in a resource (full.apk's network security config names
/// `api.example.com` in a `<domain>` element) is an endpoint of kind `host`, found in
/// `res/xml/network_security_config.xml`.
#[test]
fn bare_host_in_a_resource() {
    let f = fixture("full.apk");
    let e = f
        .endpoints
        .iter()
        .find(|e| e.value == "api.example.com")
        .unwrap_or_else(|| panic!("{:#?}", f.endpoints));
    assert_eq!(e.kind, "host");
    assert!(
        matches!(&e.found_in[0], Evidence::Entry { name, .. } if name == "res/xml/network_security_config.xml")
    );
    let src = std::fs::read_to_string(
        root().join("fixtures/src/full/res/xml/network_security_config.xml"),
    )
    .unwrap();
    assert!(src.contains(">api.example.com</domain>"));
}

/// minimal.apk plus an asset holding `n` distinct 32-hex-digit lines, made with Info-ZIP `zip`.
fn with_hash_list(n: u128, tag: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("unmask-hashlist-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    let apk = dir.join("app.apk");
    std::fs::copy(root().join("fixtures/apk/minimal.apk"), &apk).unwrap();
    let lines: String = (1..=n)
        .map(|i| {
            format!(
                "{:032x}\n",
                i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
            )
        })
        .collect();
    std::fs::write(dir.join("assets/targets.db"), lines).unwrap();
    let ok = std::process::Command::new("zip")
        .current_dir(&dir)
        .args(["-q", "app.apk", "assets/targets.db"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPED (part): Info-ZIP zip not available");
        return None;
    }
    Some(apk)
}

/// A shipped list of file hashes: 30 digests in an asset raise `trait.hash_list` naming the
/// entry and the count; 19 (under the threshold of 20) raise nothing.
#[test]
fn shipped_hash_list() {
    let Some(apk) = with_hash_list(30, "30") else {
        return;
    };
    let f = run(&apk);
    let t: Vec<_> = f.of_kind("trait.hash_list").collect();
    assert_eq!(t.len(), 1, "{:#?}", f.findings);
    let Evidence::Entry { name, detail } = &t[0].evidence[0] else {
        panic!("{:?}", t[0].evidence)
    };
    assert_eq!(name, "assets/targets.db");
    assert!(detail.starts_with("30 distinct hex digests"), "{detail}");
    std::fs::remove_dir_all(apk.parent().unwrap()).ok();
    let Some(apk) = with_hash_list(19, "19") else {
        return;
    };
    let f = run(&apk);
    assert_eq!(f.of_kind("trait.hash_list").count(), 0);
    std::fs::remove_dir_all(apk.parent().unwrap()).ok();
}
