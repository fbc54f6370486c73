//! The app model on the repository's fixture APKs (built from `fixtures/src` by
//! `fixtures/build.sh`). Every expected value comes from the fixture sources, as listed in
//! `fixtures/README.md` and checked there with aapt and apksigner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use unmask_apk::manifest::{ComponentKind, Manifest, SdkVersion};
use unmask_apk::model::{ApkReport, InputKind, Report};

fn scan(name: &str) -> Report {
    unmask_apk::analyze_file(&common::fixtures().join(name), &Default::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn apk(r: &Report) -> &ApkReport {
    assert_eq!(r.apks.len(), 1);
    &r.apks[0]
}

fn manifest(r: &Report) -> &Manifest {
    apk(r).manifest.as_ref().expect("manifest")
}

const DEBUG_SHA256: &str = "c45f0683f93a0599abbff3f17ee367786eff39069f9fa4b372c7030288e5f866";
const RSA_SHA256: &str = "f0c4e3a11034c0bba048bc97631d0b0348485ac1bd53e2a0210ccd553d82ab92";
const EC_SHA256: &str = "c36cabb6df944db9f7c3722d66319176207cb729022b6022eab62325c6eee4b9";

fn check_full_manifest(m: &Manifest) {
    assert_eq!(m.package.as_deref(), Some("com.example.full"));
    assert_eq!(m.version_code, Some(42));
    assert_eq!(m.version_name.as_deref(), Some("1.2.3-full"));
    assert_eq!(m.min_sdk, Some(SdkVersion::Level(21)));
    assert_eq!(m.target_sdk, Some(SdkVersion::Level(30)));
    assert_eq!(m.max_sdk, Some(SdkVersion::Level(33)));
    let perms: Vec<_> = m
        .uses_permissions
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.max_sdk,
                p.sdk23,
                p.protection_level.as_deref(),
                p.defined_by,
            )
        })
        .collect();
    assert_eq!(perms, expected_full_perms());
    let declared: Vec<_> = m
        .permissions
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.protection_level.as_str(),
                p.group.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        declared,
        vec![
            (
                "com.example.full.permission.SIGNATURE_ONLY",
                "signature",
                None
            ),
            (
                "com.example.full.permission.DANGEROUS_ACCESS",
                "dangerous",
                Some("com.example.full.permission-group.SECRETS")
            ),
        ]
    );
    assert_eq!(
        m.permission_groups,
        vec!["com.example.full.permission-group.SECRETS"]
    );
    let features: Vec<_> = m
        .features
        .iter()
        .map(|f| (f.name.as_deref(), f.required, f.gl_es_version.as_deref()))
        .collect();
    assert!(features.contains(&(Some("android.hardware.camera"), true, None)));
    assert!(features.contains(&(Some("android.hardware.telephony"), false, None)));
    assert!(features.contains(&(None, true, Some("2.0"))));
    assert_eq!(features.len(), 3);

    let app = &m.application;
    assert!(app.debuggable && app.test_only && !app.allow_backup);
    assert_eq!(app.uses_cleartext_traffic, Some(true));
    assert!(app.cleartext_default);
    assert_eq!(app.label.as_deref(), Some("Full Fixture"));
    let mut labels: Vec<_> = app
        .labels
        .iter()
        .map(|l| (l.config.as_str(), l.value.as_str()))
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        vec![
            ("", "Full Fixture"),
            ("de", "Vollständige App"),
            ("fr", "Appli Complète"),
            ("zh-rCN", "完整应用")
        ]
    );
    let nsc = app
        .network_security_config
        .as_ref()
        .expect("network security config");
    assert_eq!(nsc.file, "res/xml/network_security_config.xml");
    assert_eq!(nsc.base_cleartext_permitted, Some(true));
    assert_eq!(nsc.base_trust_anchors, vec!["system", "user"]);
    assert!(nsc.trusts_user_cas && nsc.has_pinning);
    assert_eq!(nsc.domain_configs.len(), 1);
    let dc = &nsc.domain_configs[0];
    assert_eq!(dc.cleartext_permitted, Some(false));
    assert_eq!(dc.domains.len(), 1);
    assert_eq!(dc.domains[0].name, "api.example.com");
    assert!(dc.domains[0].include_subdomains);
    assert_eq!(dc.pin_expiration.as_deref(), Some("2030-01-01"));
    assert_eq!(
        dc.pins,
        vec![
            "SHA-256:7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=",
            "SHA-256:fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE="
        ]
    );

    use ComponentKind::*;
    let comps: Vec<_> = m
        .components
        .iter()
        .map(|c| {
            (
                c.kind,
                c.name.as_str(),
                c.declared_name.as_str(),
                c.exported,
                c.exported_explicit,
            )
        })
        .collect();
    assert_eq!(
        comps,
        vec![
            (
                Activity,
                "com.example.full.MainActivity",
                ".MainActivity",
                true,
                None
            ),
            (
                Activity,
                "com.example.full.PrivateActivity",
                "com.example.full.PrivateActivity",
                false,
                Some(false)
            ),
            (
                Activity,
                "com.example.full.DeepLinkActivity",
                ".DeepLinkActivity",
                true,
                Some(true)
            ),
            (
                ActivityAlias,
                "com.example.full.AliasLauncher",
                ".AliasLauncher",
                true,
                Some(true)
            ),
            (
                Service,
                "com.example.full.SyncService",
                ".SyncService",
                true,
                None
            ),
            (
                Service,
                "com.example.full.ProtectedService",
                "com.example.full.ProtectedService",
                true,
                Some(true)
            ),
            (
                Receiver,
                "com.example.full.BootReceiver",
                ".BootReceiver",
                true,
                None
            ),
            (
                Receiver,
                "com.example.full.InternalReceiver",
                ".InternalReceiver",
                false,
                None
            ),
            (
                Provider,
                "com.example.full.DataProvider",
                ".DataProvider",
                true,
                Some(true)
            ),
        ]
    );
    let c = |n: &str| m.components.iter().find(|c| c.name.ends_with(n)).unwrap();
    assert!(c(".MainActivity")
        .exported_reason
        .contains("intent filters"));
    assert!(c(".InternalReceiver")
        .exported_reason
        .contains("no intent filters"));
    assert!(c(".PrivateActivity").exported_reason.contains("explicitly"));
    let deep = c(".DeepLinkActivity");
    assert_eq!(deep.intent_filters.len(), 2);
    let f0 = &deep.intent_filters[0];
    assert_eq!(f0.actions, vec!["android.intent.action.VIEW"]);
    assert!(f0
        .categories
        .contains(&"android.intent.category.BROWSABLE".to_string()));
    assert_eq!(f0.data.len(), 2);
    assert_eq!(f0.data[0].scheme.as_deref(), Some("https"));
    assert_eq!(f0.data[0].host.as_deref(), Some("full.example.com"));
    assert_eq!(f0.data[0].path_prefix.as_deref(), Some("/open"));
    assert_eq!(f0.data[1].path.as_deref(), Some("/home"));
    assert_eq!(
        deep.intent_filters[1].data[0].mime_type.as_deref(),
        Some("image/*")
    );
    assert_eq!(
        c(".AliasLauncher").target_activity.as_deref(),
        Some("com.example.full.MainActivity")
    );
    assert_eq!(
        c(".ProtectedService").permission.as_deref(),
        Some("com.example.full.permission.SIGNATURE_ONLY")
    );
    let boot = c(".BootReceiver");
    assert_eq!(boot.intent_filters[0].priority, Some(999));
    assert_eq!(
        boot.intent_filters[0].actions,
        vec![
            "android.intent.action.BOOT_COMPLETED",
            "android.provider.Telephony.SMS_RECEIVED"
        ]
    );
    let p = c(".DataProvider");
    assert_eq!(
        p.authorities,
        vec!["com.example.full.data", "com.example.full.data2"]
    );
    assert_eq!(
        p.read_permission.as_deref(),
        Some("com.example.full.permission.DANGEROUS_ACCESS")
    );
    assert_eq!(
        p.write_permission.as_deref(),
        Some("com.example.full.permission.SIGNATURE_ONLY")
    );
    assert_eq!(p.grant_uri_permissions, Some(true));
}

/// (name, maxSdk, sdk23, protection level, defined by)
type PermFacts = (
    &'static str,
    Option<u32>,
    bool,
    Option<&'static str>,
    &'static str,
);

fn expected_full_perms() -> Vec<PermFacts> {
    vec![
        (
            "android.permission.INTERNET",
            None,
            false,
            Some("normal|instant"),
            "platform",
        ),
        (
            "android.permission.READ_SMS",
            None,
            false,
            Some("dangerous"),
            "platform",
        ),
        (
            "android.permission.READ_CONTACTS",
            None,
            false,
            Some("dangerous"),
            "platform",
        ),
        (
            "android.permission.ACCESS_FINE_LOCATION",
            None,
            false,
            Some("dangerous|instant"),
            "platform",
        ),
        (
            "android.permission.READ_PHONE_STATE",
            None,
            false,
            Some("dangerous"),
            "platform",
        ),
        (
            "android.permission.SYSTEM_ALERT_WINDOW",
            None,
            false,
            Some("signature|development|appop|pre23|preinstalled"),
            "platform",
        ),
        (
            "android.permission.RECEIVE_BOOT_COMPLETED",
            None,
            false,
            Some("normal"),
            "platform",
        ),
        (
            "android.permission.RECEIVE_SMS",
            None,
            false,
            Some("dangerous"),
            "platform",
        ),
        (
            "android.permission.WRITE_EXTERNAL_STORAGE",
            Some(28),
            false,
            Some("dangerous"),
            "platform",
        ),
        (
            "android.permission.CAMERA",
            None,
            true,
            Some("dangerous|instant"),
            "platform",
        ),
        (
            "com.example.full.permission.SIGNATURE_ONLY",
            None,
            false,
            Some("signature"),
            "app",
        ),
    ]
}

#[test]
fn full_apk_every_manifest_feature() {
    let r = scan("full.apk");
    assert_eq!(r.input.kind, InputKind::Apk);
    check_full_manifest(manifest(&r));
    let a = apk(&r);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(
        a.container.anomalies.is_empty(),
        "{:?}",
        a.container.anomalies
    );
    let s = &a.signatures;
    assert!(!s.verified);
    assert_eq!(s.schemes, vec!["v1", "v2", "v3"]);
    assert!(s.debug_certificate);
    for signer in &s.signers {
        assert_eq!(
            signer.certificates[0].sha256, DEBUG_SHA256,
            "{}",
            signer.scheme
        );
        assert_eq!(
            signer.certificates[0].sha1,
            "85722ec5591a09fbb65a0c118ecc5e5686985f54"
        );
        assert!(signer.certificates[0].is_android_debug);
        assert_eq!(signer.certificates[0].key_algorithm, "RSA");
        assert_eq!(signer.certificates[0].key_size, Some(2048));
    }
    assert_eq!(
        s.signers
            .iter()
            .find(|x| x.scheme == "v1")
            .unwrap()
            .source
            .as_deref(),
        Some("META-INF/ANDROIDD.RSA")
    );
    assert_eq!(a.contents.dex.len(), 1);
    assert_eq!(a.container.entries, 8);
}

#[test]
fn obfuscated_attribute_names_resolve_by_resource_id() {
    let r = scan("obfuscated-attrs.apk");
    let m = manifest(&r);
    check_full_manifest(m);
    // The decoys and blanked names are reported.
    assert!(
        m.anomalies.iter().any(|a| a.contains("0x0101021b")),
        "fake name on versionCode reported: {:?}",
        m.anomalies
    );
    assert!(
        m.anomalies
            .iter()
            .any(|a| a.contains("empty attribute name")),
        "{:?}",
        m.anomalies
    );
}

#[test]
fn utf8_string_pool_reads_like_utf16() {
    check_full_manifest(manifest(&scan("manifest-utf8.apk")));
}

#[test]
fn minimal_apk_android12_export_rule_and_v2_only() {
    let r = scan("minimal.apk");
    let m = manifest(&r);
    assert_eq!(m.package.as_deref(), Some("com.example.minimal"));
    assert_eq!(
        (m.version_code, m.version_name.as_deref()),
        (Some(1), Some("1.0"))
    );
    assert_eq!(m.effective_target_sdk, 33);
    assert_eq!(m.application.label.as_deref(), Some("Minimal"));
    assert!(m.uses_permissions.is_empty());
    assert_eq!(m.components.len(), 1);
    assert!(m.components[0].exported);
    assert!(
        m.anomalies
            .iter()
            .any(|a| a.contains("Android 12+ refuses")),
        "{:?}",
        m.anomalies
    );
    // Cleartext allowed by default is false from target SDK 28.
    assert!(!m.application.cleartext_default);
    let s = &apk(&r).signatures;
    assert_eq!(s.schemes, vec!["v2"]);
    assert!(!s.debug_certificate);
    assert_eq!(s.signers[0].certificates[0].sha256, RSA_SHA256);
    assert!(s.signing_block.iter().any(|e| e.id == 0x7109_871a));
}

#[test]
fn ec_key_v1_only() {
    let r = scan("ec-v1only.apk");
    let m = manifest(&r);
    assert_eq!(m.package.as_deref(), Some("com.example.ecv1"));
    assert_eq!(m.version_code, Some(7));
    assert_eq!(m.components[0].exported_explicit, Some(true));
    let s = &apk(&r).signatures;
    assert_eq!(s.schemes, vec!["v1"]);
    let c = &s.signers[0].certificates[0];
    assert_eq!(c.sha256, EC_SHA256);
    assert_eq!(c.sha1, "3fec3d931f6210da64148b756674a40f7cf8d8f8");
    assert_eq!((c.key_algorithm.as_str(), c.key_size), ("EC", Some(256)));
    assert!(c.subject.contains("CN=Unmask Test EC"));
}

#[test]
fn unsigned_apk_has_no_signers() {
    let r = scan("unsigned.apk");
    let s = &apk(&r).signatures;
    assert!(s.schemes.is_empty() && s.signers.is_empty() && s.signing_block.is_empty());
}

#[test]
fn hidden_payloads_native_libs_and_multidex() {
    let r = scan("hidden-payloads.apk");
    let a = apk(&r);
    let dex: Vec<_> = a.contents.dex.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(dex, vec!["classes.dex", "classes2.dex"]);
    let abis: Vec<_> = a.contents.native_libs.keys().map(String::as_str).collect();
    assert_eq!(abis, vec!["arm64-v8a", "armeabi-v7a", "x86_64"]);
    assert_eq!(
        a.contents.native_libs["arm64-v8a"][0].name,
        "lib/arm64-v8a/libfoo.so"
    );
    let hidden: Vec<_> = a
        .contents
        .hidden
        .iter()
        .map(|h| (h.name.as_str(), h.kind))
        .collect();
    assert_eq!(
        hidden,
        vec![
            ("assets/update.dat", "apk"),
            ("assets/x.png", "dex"),
            ("assets/lib.dat", "elf"),
            ("res/raw/data.bin", "zip"),
        ]
    );
    let assets: Vec<_> = a.contents.assets.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        assets,
        vec!["assets/update.dat", "assets/x.png", "assets/lib.dat"]
    );
}

#[test]
fn bare_dex_input() {
    let r = scan("bare.dex");
    assert_eq!(r.input.kind, InputKind::Dex);
    assert!(r.apks.is_empty());
    let code = r.code.as_ref().unwrap();
    assert_eq!(code.dex.len(), 1);
    let d = &code.dex[0];
    assert_eq!(d.version, Some(35));
    assert_eq!(d.classes, 1);
    assert_eq!((d.adler32_ok, d.sha1_ok), (Some(true), Some(true)));
    assert!(code.index.as_ref().unwrap().instructions > 0);
}

#[test]
fn code_of_every_dex_is_decoded_and_hidden_dex_reported_as_such() {
    let r = scan("full.apk");
    let code = &apk(&r).code;
    assert!(code.decoded);
    assert_eq!(code.dex.len(), 1);
    // Nine classes in fixtures/src/full/smali (fixtures/README.md).
    assert_eq!(code.dex[0].classes, 9);
    assert_eq!(code.dex[0].decode_errors, 0);
    assert!(code.index.as_ref().unwrap().method_call_sites > 0);

    let r = scan("hidden-payloads.apk");
    let dex: Vec<_> = apk(&r)
        .code
        .dex
        .iter()
        .map(|d| (d.name.as_str(), d.hidden))
        .collect();
    assert_eq!(
        dex,
        vec![
            ("classes.dex", false),
            ("classes2.dex", false),
            ("assets/x.png", true)
        ]
    );

    let opts = unmask_apk::Options {
        code: false,
        ..Default::default()
    };
    let r = unmask_apk::analyze_file(&common::fixtures().join("full.apk"), &opts).unwrap();
    let code = &r.apks[0].code;
    assert!(!code.decoded && code.index.is_none());
    assert_eq!(code.dex[0].classes, 9, "headers are still read");
}

#[test]
fn split_bundles_scan_every_apk_inside() {
    let minimal = scan("minimal.apk");
    for (file, format, names) in [
        (
            "bundle.apks",
            "apks",
            vec!["base.apk", "split_config.arm64_v8a.apk"],
        ),
        (
            "bundle.xapk",
            "xapk",
            vec!["com.example.minimal.apk", "config.arm64_v8a.apk"],
        ),
    ] {
        let r = scan(file);
        assert_eq!(r.input.kind, InputKind::SplitBundle, "{file}");
        let b = r.bundle.as_ref().unwrap();
        assert_eq!(b.format, format);
        let got: Vec<_> = r.apks.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(got, names, "{file}");
        let base = &r.apks[0];
        // The base APK inside is byte-identical to minimal.apk.
        assert_eq!(base.hashes.sha256, minimal.input.hashes.sha256, "{file}");
        assert_eq!(
            base.manifest.as_ref().unwrap().package.as_deref(),
            Some("com.example.minimal")
        );
        let split = r.apks[1].manifest.as_ref().unwrap();
        assert_eq!(split.split.as_deref(), Some("config.arm64_v8a"));
        assert!(!split.application.has_code);
        assert_eq!(r.apks[1].contents.native_libs["arm64-v8a"].len(), 1);
        assert_eq!(
            r.apks[1].signatures.signers[0].certificates[0].sha256,
            RSA_SHA256
        );
    }
}
