//! The embedded knowledge base loads and covers what the analyses need.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use unmask_kb::{Category, Kb, MemberKind};

fn repo_kb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb")
}

#[test]
fn embedded_loads_and_prints_counts() {
    let start = std::time::Instant::now();
    let kb = match Kb::embedded() {
        Ok(kb) => kb,
        Err(e) => panic!("embedded KB does not load: {e}"),
    };
    let loaded = start.elapsed();
    let c = kb.counts();
    println!("{c:?} loaded in {loaded:?}");
    let start = std::time::Instant::now();
    let mut hits = 0;
    for i in 0..10_000 {
        hits += kb
            .trackers
            .match_class(&format!("com/example/pkg{i}/Cls"))
            .len();
    }
    println!("10000 class matches in {:?} ({hits} hits)", start.elapsed());
    assert!(c.apis >= 300, "{c:?}");
    assert!(c.content_uris >= 80, "{c:?}");
    assert!(c.sinks >= 100, "{c:?}");
    assert!(c.packers >= 20, "{c:?}");
    assert!(c.watched_apps >= 100, "{c:?}");
    assert!(Kb::shared_embedded().is_ok());
}

#[test]
fn from_dir_on_repo_equals_embedded() {
    let kb = Kb::from_dir(repo_kb()).unwrap();
    let emb = Kb::embedded().unwrap();
    assert_eq!(kb.counts(), emb.counts());
    assert_eq!(kb.apis.rows(), emb.apis.rows());
}

#[test]
fn every_required_category_is_covered() {
    let kb = Kb::embedded().unwrap();
    let covered = kb.covered_categories();
    let missing: Vec<_> = Category::required()
        .filter(|c| !covered.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "categories without API or URI rows: {missing:?}"
    );
    // The list in the brief, spelled out so a renamed category fails here.
    for name in [
        "location.precise",
        "location.coarse",
        "contacts",
        "sms",
        "call_log",
        "phone_calls",
        "device_id",
        "phone_number",
        "accounts",
        "installed_apps",
        "calendar",
        "microphone",
        "camera",
        "media",
        "files",
        "clipboard",
        "wifi",
        "cell_info",
        "bluetooth",
        "browser_history",
        "notifications",
        "screen_content",
        "sensors",
        "biometrics",
    ] {
        let c = Category::parse(name).unwrap_or_else(|| panic!("unknown category {name}"));
        assert!(covered.contains(&c), "{name} not covered");
    }
    for sub in [
        "device_id.imei",
        "device_id.imsi",
        "device_id.serial",
        "device_id.android_id",
        "device_id.mac",
        "device_id.advertising_id",
    ] {
        assert!(
            kb.apis.rows().iter().any(|r| r.subcategory == sub),
            "no API row for {sub}"
        );
    }
}

/// Every permission named in kb/api is in the platform list (read independently here) or in
/// api/permissions-extra.tsv.
#[test]
fn every_permission_exists() {
    let mut known = BTreeSet::new();
    for f in [
        "android/permissions-api29.tsv",
        "android/permissions-added.tsv",
        "api/permissions-extra.tsv",
    ] {
        let text = std::fs::read_to_string(repo_kb().join(f)).unwrap();
        for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
            known.insert(line.split('\t').next().unwrap().to_string());
        }
    }
    let kb = Kb::embedded().unwrap();
    let mut used = BTreeSet::new();
    for r in kb.apis.rows() {
        used.extend(r.permissions.names().map(str::to_string));
    }
    for r in kb.content_uris.rows() {
        used.extend(r.permissions.names().map(str::to_string));
    }
    let unknown: Vec<_> = used.iter().filter(|p| !known.contains(*p)).collect();
    assert!(unknown.is_empty(), "unknown permissions: {unknown:?}");
    assert!(used.len() > 30);
    // And the raw column text agrees with the parsed view.
    let raw = std::fs::read_to_string(repo_kb().join("api/apis.tsv")).unwrap();
    for line in raw.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let col = line.split('\t').nth(6).unwrap();
        for p in col.split([';', '|']).filter(|p| *p != "-") {
            assert!(known.contains(p), "{p} in {line}");
        }
    }
}

/// A handful of rows checked against Android's reference documentation.
#[test]
fn api_rows_agree_with_android_docs() {
    let kb = Kb::embedded().unwrap();
    let tm = "Landroid/telephony/TelephonyManager;";
    let has = |class: &str, member: &str, sub: &str, perm: Option<&str>| {
        let rows: Vec<_> = kb
            .apis
            .lookup(class, member)
            .filter(|r| r.subcategory == sub)
            .collect();
        assert!(!rows.is_empty(), "{class}->{member} not mapped to {sub}");
        if let Some(p) = perm {
            assert!(
                rows.iter().any(|r| r.permissions.names().any(|n| n == p)),
                "{class}->{member} should need {p}"
            );
        }
    };
    has(
        tm,
        "getDeviceId",
        "device_id.imei",
        Some("android.permission.READ_PHONE_STATE"),
    );
    has(
        tm,
        "getImei",
        "device_id.imei",
        Some("android.permission.READ_PHONE_STATE"),
    );
    has(
        tm,
        "getSubscriberId",
        "device_id.imsi",
        Some("android.permission.READ_PHONE_STATE"),
    );
    has(
        tm,
        "getSimSerialNumber",
        "device_id.iccid",
        Some("android.permission.READ_PHONE_STATE"),
    );
    has(
        tm,
        "getLine1Number",
        "phone_number.line",
        Some("android.permission.READ_PHONE_NUMBERS"),
    );
    has(
        tm,
        "getAllCellInfo",
        "cell_info.all_cells",
        Some("android.permission.ACCESS_FINE_LOCATION"),
    );
    has(
        "Landroid/location/LocationManager;",
        "getLastKnownLocation",
        "location.precise.framework",
        Some("android.permission.ACCESS_FINE_LOCATION"),
    );
    has(
        "Landroid/net/wifi/WifiManager;",
        "getScanResults",
        "wifi.scan",
        Some("android.permission.ACCESS_WIFI_STATE"),
    );
    has(
        "Landroid/net/wifi/WifiManager;",
        "getConnectionInfo",
        "wifi.connection",
        Some("android.permission.ACCESS_WIFI_STATE"),
    );
    has(
        "Landroid/accounts/AccountManager;",
        "getAccounts",
        "accounts.list",
        Some("android.permission.GET_ACCOUNTS"),
    );
    has(
        "Landroid/media/AudioRecord;",
        "startRecording",
        "microphone.record",
        Some("android.permission.RECORD_AUDIO"),
    );
    has(
        "Landroid/hardware/camera2/CameraManager;",
        "openCamera",
        "camera.capture",
        Some("android.permission.CAMERA"),
    );
    has(
        "Landroid/hardware/Camera;",
        "open",
        "camera.capture",
        Some("android.permission.CAMERA"),
    );
    has(
        "Landroid/content/pm/PackageManager;",
        "getInstalledPackages",
        "installed_apps.list",
        Some("android.permission.QUERY_ALL_PACKAGES"),
    );
    has(
        "Landroid/bluetooth/BluetoothAdapter;",
        "getBondedDevices",
        "bluetooth.bonded",
        Some("android.permission.BLUETOOTH"),
    );
    has(
        "Landroid/provider/Settings$Secure;",
        "getString",
        "device_id.android_id",
        None,
    );
    has(
        "Landroid/content/ClipboardManager;",
        "getPrimaryClip",
        "clipboard.read",
        None,
    );
    has(
        "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;",
        "getAdvertisingIdInfo",
        "device_id.advertising_id",
        None,
    );
    // Argument-dependent rows say which argument.
    let aid: Vec<_> = kb
        .apis
        .lookup("Landroid/provider/Settings$Secure;", "getString")
        .collect();
    assert_eq!(
        aid[0].condition,
        unmask_kb::Condition::Arg {
            index: 1,
            values: vec!["android_id".to_string()]
        }
    );
    assert!(kb
        .apis
        .lookup("Landroid/location/LocationListener;", "onLocationChanged")
        .all(|r| r.condition == unmask_kb::Condition::Callback));
    assert!(kb
        .apis
        .lookup(tm, "getDeviceId")
        .all(|r| r.condition.is_unconditional()));
    // Fields are a separate kind.
    let serial: Vec<_> = kb
        .apis
        .lookup_field("Landroid/os/Build;", "SERIAL")
        .collect();
    assert_eq!(serial.len(), 1);
    assert_eq!(serial[0].kind, MemberKind::Field);
    assert_eq!(serial[0].category, Category::DeviceId);
    assert_eq!(
        kb.apis
            .lookup_method("Landroid/os/Build;", "SERIAL", "()V")
            .count(),
        0
    );
    // `*` rows match any prototype.
    assert!(
        kb.apis
            .lookup_method(tm, "getDeviceId", "(I)Ljava/lang/String;")
            .count()
            >= 1
    );
    // Sinks.
    let sms: Vec<_> = kb
        .sinks
        .lookup("Landroid/telephony/SmsManager;", "sendTextMessage")
        .collect();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].sink, unmask_kb::SinkKind::Sms);
    assert!(
        kb.sinks
            .lookup("Ljava/net/HttpURLConnection;", "getOutputStream")
            .count()
            == 1
    );
    assert!(kb.sinks.lookup("Landroid/util/Log;", "d").count() == 1);
}

#[test]
fn permission_to_categories() {
    let kb = Kb::embedded().unwrap();
    let c = kb.categories_for_permission("android.permission.READ_SMS");
    assert!(c.contains(&Category::Sms), "{c:?}");
    let c = kb.categories_for_permission("android.permission.READ_PHONE_STATE");
    assert!(
        c.contains(&Category::DeviceId) && c.contains(&Category::PhoneNumber),
        "{c:?}"
    );
    assert!(kb
        .categories_for_permission("android.permission.INTERNET")
        .is_empty());
}

#[test]
fn content_uri_lookups() {
    let kb = Kb::embedded().unwrap();
    let u = &kb.content_uris;
    assert_eq!(
        u.match_uri("content://sms/inbox").unwrap().subcategory,
        "sms.inbox"
    );
    assert_eq!(
        u.match_uri("content://sms/inbox/12").unwrap().subcategory,
        "sms.inbox"
    );
    assert_eq!(
        u.match_uri("content://sms").unwrap().subcategory,
        "sms.messages"
    );
    assert_eq!(
        u.match_uri("content://sms/").unwrap().subcategory,
        "sms.messages"
    );
    assert_eq!(
        u.match_uri("content://sms?limit=1").unwrap().subcategory,
        "sms.messages"
    );
    assert!(u.match_uri("content://smsfoo").is_none());
    assert_eq!(
        u.match_uri("content://call_log/calls").unwrap().category,
        Category::CallLog
    );
    assert_eq!(
        u.match_uri("content://com.android.contacts/data/phones/filter/x")
            .unwrap()
            .subcategory,
        "contacts.phone"
    );
    // Authority fallback.
    assert_eq!(
        u.match_uri("content://com.android.calendar/colors")
            .unwrap()
            .category,
        Category::Calendar
    );
    assert!(u.match_uri("content://com.example.app/x").is_none());
    assert!(u.match_uri("not a uri").is_none());
    assert_eq!(
        u.by_member("Landroid/provider/CallLog$Calls;", "CONTENT_URI")
            .unwrap()
            .category,
        Category::CallLog
    );
    assert_eq!(
        u.by_member(
            "Landroid/provider/ContactsContract$CommonDataKinds$Phone;",
            "CONTENT_URI"
        )
        .unwrap()
        .category,
        Category::Contacts
    );
}

#[test]
fn watched_apps_and_packers() {
    let kb = Kb::embedded().unwrap();
    let w = &kb.watched_apps;
    for (pkg, cat) in [
        ("com.whatsapp", unmask_kb::AppCategory::Messenger),
        ("org.telegram.messenger", unmask_kb::AppCategory::Messenger),
        (
            "org.thoughtcrime.securesms",
            unmask_kb::AppCategory::Messenger,
        ),
        ("org.torproject.android", unmask_kb::AppCategory::Tor),
        ("org.torproject.torbrowser", unmask_kb::AppCategory::Tor),
        ("com.wireguard.android", unmask_kb::AppCategory::Vpn),
        ("com.psiphon3", unmask_kb::AppCategory::Vpn),
    ] {
        assert_eq!(w.get(pkg).map(|a| a.category), Some(cat), "{pkg}");
    }
    assert!(w.get("com.example").is_none());
    let found: Vec<&str> = w
        .find_in(r#"["com.whatsapp","org.telegram.messenger"] com.whatsapp.w4b; com.whatsappx org.torproject.android."#)
        .iter()
        .map(|a| a.package.as_str())
        .collect();
    assert_eq!(
        found,
        [
            "com.whatsapp",
            "org.telegram.messenger",
            "com.whatsapp.w4b",
            "org.torproject.android"
        ]
    );
    let p = &kb.packers;
    assert_eq!(p.match_native_lib("libjiagu.so")[0].id, "jiagu");
    assert_eq!(p.match_native_lib("libjiagu_a64.so")[0].id, "jiagu");
    assert!(p.match_native_lib("libjiagux.so").is_empty());
    assert_eq!(p.match_native_lib("libsecexe.so")[0].id, "bangcle");
    assert_eq!(
        p.match_native_lib("libshella-2.10.1.so")[0].id,
        "tencent_legu"
    );
    assert_eq!(p.match_native_lib("libbaiduprotect.so")[0].id, "baidu");
    assert_eq!(p.match_asset("ijiami.dat")[0].id, "ijiami");
    assert_eq!(
        p.match_class("com.tencent.StubShell.TxAppEntry")[0].id,
        "tencent_legu"
    );
    assert_eq!(p.for_dex_feature("short_names")[0].id, "proguard_r8");
    assert!(p.match_native_lib("libc.so").is_empty());
    assert_eq!(p.match_class("aaaaaa.bcdefg.Foo")[0].id, "arxan");
    assert!(p.match_class("aaaaab.bcdefg.Foo").is_empty());
    assert_eq!(p.match_asset("dp.arm-v7.so.dat")[0].id, "dexprotector");
    assert_eq!(
        p.match_class("com.guardsquare.dexguard.runtime.x")[0].id,
        "dexguard"
    );
    // Every tool is cited.
    for r in p.rules() {
        assert!(!r.source.is_empty(), "{}", r.id);
    }
}

/// `origin` agrees with the package: framework rows live in platform packages, library rows
/// do not (AndroidX and Play services are libraries).
#[test]
fn origin_matches_package() {
    let kb = Kb::embedded().unwrap();
    let platform = [
        "Landroid/",
        "Ljava/",
        "Ljavax/",
        "Lcom/android/",
        "Lorg/apache/http/",
    ];
    // Volley lives under com.android and JavaMail under javax, but both ship inside apps.
    let is_platform = |c: &str| {
        platform.iter().any(|p| c.starts_with(p))
            && !c.starts_with("Lcom/android/volley/")
            && !c.starts_with("Ljavax/mail/")
    };
    for r in kb.apis.rows() {
        assert_eq!(
            r.origin == unmask_kb::Origin::Framework,
            is_platform(&r.class),
            "apis.tsv line {}: {} marked {:?}",
            r.line,
            r.class,
            r.origin
        );
    }
    for r in kb.sinks.rows() {
        assert_eq!(
            r.origin == unmask_kb::Origin::Framework,
            is_platform(&r.class),
            "sinks.tsv line {}: {} marked {:?}",
            r.line,
            r.class,
            r.origin
        );
    }
}

/// `Kb::embedded` (tables built on first use, permission names not checked) holds exactly
/// what `Kb::embedded_checked` (every check, every regex compiled) loads, and every embedded
/// packer rule compiles.
#[test]
fn lazy_embedded_equals_checked() {
    let start = std::time::Instant::now();
    let checked = Kb::embedded_checked().unwrap_or_else(|e| panic!("embedded KB invalid: {e}"));
    println!("Kb::embedded_checked in {:?}", start.elapsed());
    let lazy = Kb::embedded().unwrap();
    assert_eq!(lazy.counts(), checked.counts());
    assert_eq!(lazy.apis.rows(), checked.apis.rows());
    assert_eq!(lazy.content_uris.rows(), checked.content_uris.rows());
    assert_eq!(lazy.sinks.rows(), checked.sinks.rows());
    assert_eq!(lazy.watched_apps.apps(), checked.watched_apps.apps());
    let json = |v: &dyn erased::Ser| v.json();
    assert_eq!(
        json(&lazy.trackers.trackers()),
        json(&checked.trackers.trackers())
    );
    assert_eq!(json(&lazy.packers.rules()), json(&checked.packers.rules()));
    for r in lazy.packers.rules() {
        let compiled = match r.matcher() {
            unmask_kb::Matcher::Exact(p) | unmask_kb::Matcher::Prefix(p) => p == &r.pattern,
            unmask_kb::Matcher::Regex(re) => re.as_str() == r.pattern,
        };
        assert!(compiled, "rule {} line {}: {:?}", r.id, r.line, r.matcher());
        assert_eq!(
            matches!(r.matcher(), unmask_kb::Matcher::Regex(_)),
            r.match_type == "regex"
        );
    }
    // Non-empty: the comparison above is not between two empty tables.
    let c = lazy.counts();
    assert!(c.apis > 0 && c.content_uris > 0 && c.sinks > 0 && c.permissions > 500);
    assert!(c.trackers > 0 && c.packers > 0 && c.watched_apps > 0);
    assert!(lazy.permissions.contains("android.permission.READ_SMS"));
}

mod erased {
    /// Serializes anything serializable to a JSON value (to compare types without
    /// `PartialEq`).
    pub trait Ser {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// The indexed lookups give what a scan of every row gives, for every key of the tables and
/// for keys that are not there.
#[test]
fn lookups_equal_a_linear_scan() {
    let kb = Kb::embedded().unwrap();
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for r in kb.apis.rows() {
        keys.insert((r.class.clone(), r.member.clone()));
    }
    for r in kb.sinks.rows() {
        keys.insert((r.class.clone(), r.member.clone()));
    }
    for r in kb.content_uris.rows() {
        if let unmask_kb::UriPattern::Field { class, name }
        | unmask_kb::UriPattern::Method { class, name } = &r.pattern
        {
            keys.insert((class.clone(), name.clone()));
        }
    }
    let mut probes: Vec<(String, String)> = Vec::new();
    for (c, m) in &keys {
        probes.push((c.clone(), m.clone()));
        probes.push((c.clone(), format!("{m}x")));
        probes.push((format!("{c}x"), m.clone()));
        probes.push((c.clone(), String::new()));
        probes.push((c.to_lowercase(), m.clone()));
    }
    assert!(keys.len() > 300, "{}", keys.len());
    for (c, m) in &probes {
        let fast: Vec<usize> = kb.apis.lookup(c, m).map(|r| r.line).collect();
        let slow: Vec<usize> = kb
            .apis
            .rows()
            .iter()
            .filter(|r| r.class == *c && r.member == *m)
            .map(|r| r.line)
            .collect();
        assert_eq!(fast, slow, "apis {c}->{m}");
        assert_eq!(
            kb.apis.has_class(c),
            kb.apis.rows().iter().any(|r| r.class == *c),
            "apis {c}"
        );
        let fast: Vec<usize> = kb.sinks.lookup(c, m).map(|r| r.line).collect();
        let slow: Vec<usize> = kb
            .sinks
            .rows()
            .iter()
            .filter(|r| r.class == *c && r.member == *m)
            .map(|r| r.line)
            .collect();
        assert_eq!(fast, slow, "sinks {c}->{m}");
        assert_eq!(
            kb.sinks.has_class(c),
            kb.sinks.rows().iter().any(|r| r.class == *c),
            "sinks {c}"
        );
        let slow = kb.content_uris.rows().iter().find(|r| {
            matches!(&r.pattern, unmask_kb::UriPattern::Field { class, name }
                | unmask_kb::UriPattern::Method { class, name } if class == c && name == m)
        });
        assert_eq!(
            kb.content_uris.by_member(c, m).map(|r| r.line),
            slow.map(|r| r.line),
            "content uri {c}->{m}"
        );
    }
    // Authorities and URI prefixes.
    for r in kb.content_uris.rows() {
        match &r.pattern {
            unmask_kb::UriPattern::Authority { authority } => {
                assert_eq!(
                    kb.content_uris.by_authority(authority).map(|r| r.line),
                    Some(r.line)
                );
                assert!(kb
                    .content_uris
                    .by_authority(&format!("{authority}x"))
                    .is_none_or(|x| x.line != r.line));
            }
            unmask_kb::UriPattern::Uri { prefix } => {
                // The longest prefix wins: the row itself, or a longer one listed too.
                let got = kb.content_uris.match_uri(&format!("{prefix}/12")).unwrap();
                let longest = kb
                    .content_uris
                    .uri_prefixes()
                    .filter(|(p, _)| *p == prefix.as_str())
                    .map(|(_, r)| r.line)
                    .next();
                assert_eq!(Some(got.line), longest, "{prefix}");
            }
            _ => {}
        }
    }
    // Watched apps.
    for a in kb.watched_apps.apps() {
        assert_eq!(
            kb.watched_apps.get(&a.package).map(|x| x.line),
            Some(a.line)
        );
        assert!(kb
            .watched_apps
            .get(&format!("{}x", a.package))
            .is_none_or(|x| x.package != a.package));
        assert!(kb.watched_apps.get(&a.package.to_uppercase()).is_none());
    }
}
