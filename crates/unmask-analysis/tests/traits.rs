//! Findings on the smali fixture apps built by `fixtures/build.sh` (sources in
//! `fixtures/src/<name>/`, see "Analysis fixtures" in `fixtures/README.md`):
//!
//! - `datacat.apk`: one API, content URI or callback per data category;
//! - `traits.apk`: surveillance traits from the manifest and the code;
//! - `tricks.apk`: reflection, a dex hidden in an asset, native loading of a packer's library,
//!   a cleartext URL, a tracker class;
//! - `perms.apk`: a permission requested but unused, an API used without its permission;
//! - `lookalike.apk` and `empty.apk`: negatives that must raise nothing.
//!
//! Every expected finding is checked for kind, category, subcategory, subject and the exact
//! evidence. Offsets and source lines come from AOSP `dexdump -d` run on the dex extracted with
//! `unzip -p`, manifest lines and attributes from `aapt dump xmltree` (stored by
//! `fixtures/dump-expected.sh`), sizes from `unzip -Z -l`: never from unmask's own decoders.
//! Tests needing dexdump print `SKIPPED` and return when it is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::Site;
use std::collections::BTreeSet;
use std::path::Path;
use unmask_analysis::{analyze_path, Evidence, Finding, Findings, Options, Section};

fn run(name: &str) -> Findings {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    analyze_path(&common::apk(name), kb, &iocs, &Options::default())
        .expect("analyze")
        .1
}

fn code_ev(dex: &str, s: &Site, item: &str) -> Evidence {
    Evidence::Code {
        dex: dex.to_string(),
        class: s.class.clone(),
        method: s.method.clone(),
        offset: s.offset,
        line: s.line,
        item: item.to_string(),
    }
}

/// The only finding of `kind` about `subject` (and `sub`category when given).
fn one<'a>(f: &'a Findings, kind: &'a str, sub: Option<&str>, subject: &str) -> &'a Finding {
    let v: Vec<&Finding> = f
        .of_kind(kind)
        .filter(|x| x.subject == subject && (sub.is_none() || x.subcategory.as_deref() == sub))
        .collect();
    assert_eq!(v.len(), 1, "{kind} {sub:?} {subject}: {:#?}", f.findings);
    v[0]
}

/// `(kind, subcategory, subject)` of a section's findings, sorted.
fn keys(f: &Findings, s: Section) -> Vec<(String, Option<String>, String)> {
    let mut v: Vec<_> = f
        .section(s)
        .map(|x| (x.kind.clone(), x.subcategory.clone(), x.subject.clone()))
        .collect();
    v.sort();
    v
}

fn key(kind: &str, sub: Option<&str>, subject: &str) -> (String, Option<String>, String) {
    (kind.into(), sub.map(str::to_string), subject.into())
}

/// Asserts one finding with exactly this evidence (sorted as the analysis sorts it).
fn check(x: &Finding, mut ev: Vec<Evidence>) {
    ev.sort();
    assert_eq!(x.evidence, ev, "{x:#?}");
    assert_eq!(x.evidence_total, ev.len(), "{x:#?}");
}

/// Top-level category of a subcategory (`location.precise.framework` → `location`).
fn top(sub: &str) -> &str {
    sub.split('.').next().unwrap()
}

// ---- datacat -------------------------------------------------------------------------------

const COLLECT: &str = "Lcom/example/datacat/Collect;";

/// (method of `Collect`, opcode, API/field/URI, kind, subcategories raised by that one site).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const DATACAT: &[Row] = &[
    ("location", "invoke-virtual", "Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;", "data.api", &["location.precise.framework", "location.coarse.framework"]),
    ("locality", "invoke-virtual", "Landroid/location/Address;->getLocality()Ljava/lang/String;", "data.api", &["location.coarse.address"]),
    ("contacts", "sget-object", "Landroid/provider/ContactsContract$Contacts;->CONTENT_URI:Landroid/net/Uri;", "data.content_uri", &["contacts.contacts"]),
    ("smsInbox", "const-string", "content://sms/inbox", "data.content_uri", &["sms.inbox"]),
    ("mms", "const-string", "content://mms/part", "data.content_uri", &["sms.mms"]),
    ("smsPdu", "invoke-static", "Landroid/telephony/SmsMessage;->createFromPdu([B)Landroid/telephony/SmsMessage;", "data.api", &["sms.receive"]),
    ("callLog", "sget-object", "Landroid/provider/CallLog$Calls;->CONTENT_URI:Landroid/net/Uri;", "data.content_uri", &["call_log.calls"]),
    ("callState", "invoke-virtual", "Landroid/telephony/TelephonyManager;->getCallState()I", "data.api", &["phone_calls.state"]),
    ("imei", "invoke-virtual", "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;", "data.api", &["device_id.imei"]),
    ("imsi", "invoke-virtual", "Landroid/telephony/TelephonyManager;->getSubscriberId()Ljava/lang/String;", "data.api", &["device_id.imsi"]),
    ("serial", "invoke-static", "Landroid/os/Build;->getSerial()Ljava/lang/String;", "data.api", &["device_id.serial"]),
    ("androidId", "invoke-static", "Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;", "data.api", &["device_id.android_id"]),
    ("mac", "invoke-virtual", "Ljava/net/NetworkInterface;->getHardwareAddress()[B", "data.api", &["device_id.mac"]),
    ("adId", "invoke-static", "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;->getAdvertisingIdInfo(Landroid/content/Context;)Lcom/google/android/gms/ads/identifier/AdvertisingIdClient$Info;", "data.api", &["device_id.advertising_id"]),
    ("adId", "invoke-virtual", "Lcom/google/android/gms/ads/identifier/AdvertisingIdClient$Info;->getId()Ljava/lang/String;", "data.api", &["device_id.advertising_id"]),
    ("phoneNumber", "invoke-virtual", "Landroid/telephony/TelephonyManager;->getLine1Number()Ljava/lang/String;", "data.api", &["phone_number.line"]),
    ("accounts", "invoke-virtual", "Landroid/accounts/AccountManager;->getAccounts()[Landroid/accounts/Account;", "data.api", &["accounts.list"]),
    ("installedApps", "invoke-virtual", "Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;", "data.api", &["installed_apps.list"]),
    ("calendar", "sget-object", "Landroid/provider/CalendarContract$Events;->CONTENT_URI:Landroid/net/Uri;", "data.content_uri", &["calendar.events"]),
    ("microphone", "invoke-virtual", "Landroid/media/AudioRecord;->startRecording()V", "data.api", &["microphone.record"]),
    ("camera", "invoke-static", "Landroid/hardware/Camera;->open()Landroid/hardware/Camera;", "data.api", &["camera.capture"]),
    ("photos", "sget-object", "Landroid/provider/MediaStore$Images$Media;->EXTERNAL_CONTENT_URI:Landroid/net/Uri;", "data.content_uri", &["media.images"]),
    ("storage", "invoke-static", "Landroid/os/Environment;->getExternalStorageDirectory()Ljava/io/File;", "data.api", &["files.shared_storage"]),
    ("clipboard", "invoke-virtual", "Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;", "data.api", &["clipboard.read"]),
    ("wifiScan", "invoke-virtual", "Landroid/net/wifi/WifiManager;->getScanResults()Ljava/util/List;", "data.api", &["wifi.scan", "location.coarse.wifi"]),
    ("wifiInfo", "invoke-virtual", "Landroid/net/wifi/WifiManager;->getConnectionInfo()Landroid/net/wifi/WifiInfo;", "data.api", &["wifi.connection"]),
    ("cells", "invoke-virtual", "Landroid/telephony/TelephonyManager;->getAllCellInfo()Ljava/util/List;", "data.api", &["cell_info.all_cells", "location.coarse.cell"]),
    ("bluetooth", "invoke-virtual", "Landroid/bluetooth/BluetoothAdapter;->getBondedDevices()Ljava/util/Set;", "data.api", &["bluetooth.bonded"]),
    ("browserHistory", "const-string", "content://com.android.browser/history", "data.content_uri", &["browser_history.history"]),
    ("heartRate", "invoke-virtual", "Landroid/hardware/SensorManager;->getDefaultSensor(I)Landroid/hardware/Sensor;", "data.api", &["sensors.body"]),
    ("biometric", "invoke-virtual", "Landroid/hardware/biometrics/BiometricPrompt;->authenticate(Landroid/os/CancellationSignal;Ljava/util/concurrent/Executor;Landroid/hardware/biometrics/BiometricPrompt$AuthenticationCallback;)V", "data.api", &["biometrics.prompt"]),
];

/// (class, overriding method, framework class, subcategory).
const DATACAT_CALLBACKS: &[(&str, &str, &str, &str)] = &[
    (
        "Lcom/example/datacat/Where;",
        "onLocationChanged",
        "Landroid/location/LocationListener;",
        "location.precise.callback",
    ),
    (
        "Lcom/example/datacat/CallWatch;",
        "onCallStateChanged",
        "Landroid/telephony/PhoneStateListener;",
        "phone_calls.state",
    ),
    (
        "Lcom/example/datacat/Notes;",
        "onNotificationPosted",
        "Landroid/service/notification/NotificationListenerService;",
        "notifications.listener",
    ),
    (
        "Lcom/example/datacat/Screen;",
        "onAccessibilityEvent",
        "Landroid/accessibilityservice/AccessibilityService;",
        "screen_content.accessibility",
    ),
];

/// The data categories of the issue, as named in kb/api (location counted once).
const CATEGORIES: &[&str] = &[
    "accounts",
    "biometrics",
    "bluetooth",
    "browser_history",
    "calendar",
    "call_log",
    "camera",
    "cell_info",
    "clipboard",
    "contacts",
    "device_id",
    "files",
    "installed_apps",
    "location",
    "media",
    "microphone",
    "notifications",
    "phone_calls",
    "phone_number",
    "screen_content",
    "sensors",
    "sms",
    "wifi",
];

#[test]
fn datacat_every_category_at_its_dexdump_offset() {
    let f = run("datacat.apk");
    let Some(dx) = common::dexdump("datacat.apk", "classes.dex") else {
        return;
    };
    let mut expected = Vec::new();
    for (method, op, item, kind, subs) in DATACAT {
        let site = dx.site(COLLECT, method, op, item);
        // The fixture gives every method a .line and leading nops: offsets are not all 0.
        assert!(site.line.is_some(), "{site:?}");
        for sub in *subs {
            let x = one(&f, kind, Some(sub), item);
            assert_eq!(x.section, Section::DataCollected);
            assert_eq!(x.category.as_deref(), Some(top(sub)), "{x:#?}");
            assert!(x.reason.contains(sub), "{x:#?}");
            check(x, vec![code_ev("classes.dex", &site, item)]);
            expected.push(key(kind, Some(sub), item));
        }
    }
    let offsets: BTreeSet<u32> = DATACAT
        .iter()
        .map(|(m, op, item, _, _)| dx.site(COLLECT, m, op, item).offset)
        .collect();
    assert!(offsets.len() >= 4, "offsets barely vary: {offsets:?}");
    for (class, method, base, sub) in DATACAT_CALLBACKS {
        let c = dx.class(class);
        assert!(
            c.superclass == *base || c.interfaces.iter().any(|i| i == base),
            "dexdump: {class} does not extend/implement {base}: {c:?}"
        );
        let m = dx.method(class, method);
        let api = format!("{base}->{method}");
        let x = one(&f, "data.callback", Some(sub), &api);
        assert_eq!(x.category.as_deref(), Some(top(sub)));
        check(
            x,
            vec![Evidence::Method {
                dex: "classes.dex".into(),
                class: class.to_string(),
                method: m.descriptor.clone(),
                overrides: api.clone(),
            }],
        );
        expected.push(key("data.callback", Some(sub), &api));
    }
    // Nothing else is collected, and every category of the issue is.
    expected.sort();
    assert_eq!(keys(&f, Section::DataCollected), expected);
    let cats: Vec<String> = f.collected_categories().into_iter().collect();
    assert_eq!(cats, CATEGORIES);
    for c in ["location.precise", "location.coarse"] {
        assert!(f.categories.contains_key(c), "{:#?}", f.categories);
    }
}

#[test]
fn datacat_other_sections() {
    let f = run("datacat.apk");
    // Every permission the code needs is requested and every request is used.
    assert_eq!(keys(&f, Section::Permissions), vec![], "{:#?}", f.findings);
    for s in [Section::Network, Section::Inside, Section::Iocs] {
        assert_eq!(keys(&f, s), vec![], "{s:?}: {:#?}", f.findings);
    }
    // getInstalledPackages is also the installed-apps trait; the content URI
    // content://com.android.browser/history is not a "watched app" (it names a provider).
    assert_eq!(
        keys(&f, Section::Traits),
        vec![key("trait.reads_installed_apps", None, "PackageManager")]
    );
    let Some(dx) = common::dexdump("datacat.apk", "classes.dex") else {
        return;
    };
    let api = "Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;";
    let site = dx.site(COLLECT, "installedApps", "invoke-virtual", api);
    check(
        one(&f, "trait.reads_installed_apps", None, "PackageManager"),
        vec![code_ev("classes.dex", &site, api)],
    );
}

// ---- traits --------------------------------------------------------------------------------

const BIND_A11Y: &str = "android.permission.BIND_ACCESSIBILITY_SERVICE";
const BIND_ADMIN: &str = "android.permission.BIND_DEVICE_ADMIN";
const BIND_NLS: &str = "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE";

#[test]
fn traits_from_the_manifest_at_aapt_lines() {
    let f = run("traits.apk");
    let tree = common::xmltree("traits.apk");
    let rules: &[(&str, &str, &str, Option<&str>, &str)] = &[
        (
            "trait.accessibility_service",
            "service",
            "com.example.traits.Watcher",
            Some(BIND_A11Y),
            "android.accessibilityservice.AccessibilityService",
        ),
        (
            "trait.device_admin",
            "receiver",
            "com.example.traits.Admin",
            Some(BIND_ADMIN),
            "android.app.action.DEVICE_ADMIN_ENABLED",
        ),
        (
            "trait.notification_listener",
            "service",
            "com.example.traits.Notes",
            Some(BIND_NLS),
            "android.service.notification.NotificationListenerService",
        ),
        (
            "trait.sms_receiver",
            "receiver",
            "com.example.traits.SmsIn",
            None,
            "android.provider.Telephony.SMS_RECEIVED",
        ),
        (
            "trait.call_receiver",
            "receiver",
            "com.example.traits.CallIn",
            None,
            "android.intent.action.PHONE_STATE",
        ),
        (
            "trait.boot_receiver",
            "receiver",
            "com.example.traits.Boot",
            None,
            "android.intent.action.BOOT_COMPLETED",
        ),
    ];
    for (kind, tag, name, perm, action) in rules {
        let (el, actions) = common::component(&tree, tag, name);
        assert_eq!(el.attr("android:permission"), *perm, "aapt: {el:?}");
        assert!(actions.iter().any(|a| a == action), "aapt: {actions:?}");
        let mut detail = Vec::new();
        if let Some(p) = perm {
            detail.push(format!("android:permission={p}"));
        }
        detail.push(format!("intent-filter action {action}"));
        let x = one(&f, kind, None, kind.trim_start_matches("trait."));
        assert_eq!(x.section, Section::Traits);
        check(
            x,
            vec![Evidence::Manifest {
                element: tag.to_string(),
                name: name.to_string(),
                line: Some(el.line),
                detail: detail.join(", "),
            }],
        );
    }
}

#[test]
fn traits_from_the_code_at_dexdump_offsets() {
    let f = run("traits.apk");
    // The exact set of traits: six from the manifest, six from the code.
    let mut want = vec![
        key("trait.accessibility_service", None, "accessibility_service"),
        key("trait.device_admin", None, "device_admin"),
        key("trait.notification_listener", None, "notification_listener"),
        key("trait.sms_receiver", None, "sms_receiver"),
        key("trait.call_receiver", None, "call_receiver"),
        key("trait.boot_receiver", None, "boot_receiver"),
        key("trait.screen_capture", None, "MediaProjection"),
        key("trait.call_recording", None, "MediaRecorder.setAudioSource"),
        key(
            "trait.hides_launcher_icon",
            None,
            "PackageManager.setComponentEnabledSetting",
        ),
        key("trait.reads_installed_apps", None, "PackageManager"),
        key(
            "trait.watched_apps",
            None,
            "com.nordvpn.android, com.whatsapp, com.wireguard.android, org.telegram.messenger, org.thoughtcrime.securesms",
        ),
        key("trait.file_scan_hashing", None, "File walk + MessageDigest"),
    ];
    want.sort();
    assert_eq!(keys(&f, Section::Traits), want, "{:#?}", f.findings);
    let Some(dx) = common::dexdump("traits.apk", "classes.dex") else {
        return;
    };
    let cap = "Lcom/example/traits/Capture;";
    let api = "Landroid/media/projection/MediaProjectionManager;->createScreenCaptureIntent()Landroid/content/Intent;";
    check(
        one(&f, "trait.screen_capture", None, "MediaProjection"),
        vec![code_ev(
            "classes.dex",
            &dx.site(cap, "screen", "invoke-virtual", api),
            api,
        )],
    );
    let rec = "Landroid/media/MediaRecorder;->setAudioSource(I)V";
    let rec_site = dx.site(cap, "recordCall", "invoke-virtual", rec);
    check(
        one(
            &f,
            "trait.call_recording",
            None,
            "MediaRecorder.setAudioSource",
        ),
        vec![code_ev(
            "classes.dex",
            &rec_site,
            &format!("{rec} VOICE_CALL"),
        )],
    );
    // The launcher activity is declared (aapt) and disabled with state 2 (dexdump).
    let tree = common::xmltree("traits.apk");
    let (_, actions) = common::component(&tree, "activity", "com.example.traits.MainActivity");
    assert!(actions.iter().any(|a| a == "android.intent.action.MAIN"));
    let main = "Lcom/example/traits/MainActivity;";
    let set = "Landroid/content/pm/PackageManager;->setComponentEnabledSetting(Landroid/content/ComponentName;II)V";
    let set_site = dx.site(main, "hideIcon", "invoke-virtual", set);
    assert!(dx
        .method(main, "hideIcon")
        .insns
        .iter()
        .any(|i| i.text.starts_with("const/4 v2, #int 2")));
    let hide = one(
        &f,
        "trait.hides_launcher_icon",
        None,
        "PackageManager.setComponentEnabledSetting",
    );
    assert!(hide.reason.contains("com.example.traits.MainActivity"));
    check(
        hide,
        vec![code_ev(
            "classes.dex",
            &set_site,
            &format!("{set} COMPONENT_ENABLED_STATE_DISABLED"),
        )],
    );
    let apps = "Lcom/example/traits/Apps;";
    let inst = "Landroid/content/pm/PackageManager;->getInstalledApplications(I)Ljava/util/List;";
    check(
        one(&f, "trait.reads_installed_apps", None, "PackageManager"),
        vec![code_ev(
            "classes.dex",
            &dx.site(apps, "installed", "invoke-virtual", inst),
            inst,
        )],
    );
    // Watched apps: each package name at its const-string (names and categories from
    // kb/apps/watched-apps.tsv), and the two that assets/targets.txt names, each at the
    // offset of its line in the asset's source file.
    let asset = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/src/traits/assets/targets.txt"),
    )
    .unwrap();
    let mut watched: Vec<Evidence> = [
        ("com.whatsapp", "WhatsApp, messenger"),
        ("org.telegram.messenger", "Telegram, messenger"),
        ("com.wireguard.android", "WireGuard, vpn"),
    ]
    .iter()
    .map(|(p, what)| {
        code_ev(
            "classes.dex",
            &dx.site(apps, "targets", "const-string", p),
            &format!("{p} ({what})"),
        )
    })
    .collect();
    for (p, what) in [
        ("org.thoughtcrime.securesms", "Signal, messenger"),
        ("com.nordvpn.android", "NordVPN, vpn"),
    ] {
        let offset = asset.find(p).unwrap();
        watched.push(Evidence::Entry {
            name: "assets/targets.txt".into(),
            detail: format!("bytes at offset {offset:#x} names {p} ({what})"),
        });
    }
    check(
        one(
            &f,
            "trait.watched_apps",
            None,
            "com.nordvpn.android, com.whatsapp, com.wireguard.android, org.telegram.messenger, org.thoughtcrime.securesms",
        ),
        watched,
    );
    let scan = "Lcom/example/traits/Scanner;";
    let items = [
        ("invoke-virtual", "Ljava/io/File;->listFiles()[Ljava/io/File;"),
        (
            "invoke-static",
            "Ljava/security/MessageDigest;->getInstance(Ljava/lang/String;)Ljava/security/MessageDigest;",
        ),
        ("invoke-virtual", "Ljava/security/MessageDigest;->digest()[B"),
    ];
    check(
        one(
            &f,
            "trait.file_scan_hashing",
            None,
            "File walk + MessageDigest",
        ),
        items
            .iter()
            .map(|(op, it)| code_ev("classes.dex", &dx.site(scan, "scan", op, it), it))
            .collect(),
    );
}

#[test]
fn traits_data_and_permissions() {
    let f = run("traits.apk");
    let Some(dx) = common::dexdump("traits.apk", "classes.dex") else {
        return;
    };
    // The receivers read what their broadcasts carry: the SMS, and the caller's number
    // (Intent.getStringExtra("incoming_number"), TelephonyManager.EXTRA_INCOMING_NUMBER).
    let rows: &[(&str, &str, &str, &str, &[&str])] = &[
        ("Lcom/example/traits/SmsIn;", "onReceive", "invoke-static", "Landroid/provider/Telephony$Sms$Intents;->getMessagesFromIntent(Landroid/content/Intent;)[Landroid/telephony/SmsMessage;", &["sms.receive"]),
        ("Lcom/example/traits/CallIn;", "onReceive", "invoke-virtual", "Landroid/content/Intent;->getStringExtra(Ljava/lang/String;)Ljava/lang/String;", &["phone_calls.number"]),
        ("Lcom/example/traits/Capture;", "recordCall", "invoke-virtual", "Landroid/media/MediaRecorder;->setAudioSource(I)V", &["microphone.record", "microphone.call_recording"]),
        ("Lcom/example/traits/Capture;", "screen", "invoke-virtual", "Landroid/media/projection/MediaProjectionManager;->createScreenCaptureIntent()Landroid/content/Intent;", &["screen_content.capture"]),
        ("Lcom/example/traits/Apps;", "installed", "invoke-virtual", "Landroid/content/pm/PackageManager;->getInstalledApplications(I)Ljava/util/List;", &["installed_apps.list"]),
    ];
    let mut want = Vec::new();
    for (class, method, op, api, subs) in rows {
        let site = dx.site(class, method, op, api);
        for sub in *subs {
            let x = one(&f, "data.api", Some(sub), api);
            assert_eq!(x.category.as_deref(), Some(top(sub)));
            check(x, vec![code_ev("classes.dex", &site, api)]);
            want.push(key("data.api", Some(sub), api));
        }
    }
    want.sort();
    assert_eq!(keys(&f, Section::DataCollected), want);
    // RECEIVE_SMS, READ_PHONE_STATE + READ_CALL_LOG, RECORD_AUDIO, QUERY_ALL_PACKAGES are
    // requested and used; RECEIVE_BOOT_COMPLETED has no data category.
    assert_eq!(keys(&f, Section::Permissions), vec![], "{:#?}", f.findings);
    for s in [Section::Network, Section::Inside, Section::Iocs] {
        assert_eq!(keys(&f, s), vec![], "{s:?}: {:#?}", f.findings);
    }
}

// ---- tricks --------------------------------------------------------------------------------

#[test]
fn tricks_at_dexdump_offsets() {
    let f = run("tricks.apk");
    let imsi = "Landroid/telephony/TelephonyManager;->getSubscriberId";
    let line1 = "Landroid/telephony/TelephonyManager;->getLine1Number()Ljava/lang/String;";
    let dcl = "Ldalvik/system/DexClassLoader;-><init>(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V";
    let load = "Ljava/lang/System;->loadLibrary(Ljava/lang/String;)V";
    let url = "http://collect.example.org/upload";
    let for_name = "Ljava/lang/Class;->forName(Ljava/lang/String;)Ljava/lang/Class;";
    let get_dm = "Ljava/lang/Class;->getDeclaredMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;";
    let get_m = "Ljava/lang/Class;->getMethod(Ljava/lang/String;[Ljava/lang/Class;)Ljava/lang/reflect/Method;";
    let invoke =
        "Ljava/lang/reflect/Method;->invoke(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;";
    let prop = "Landroid/os/SystemProperties;->get";
    let mut want = vec![
        key("data.api", Some("phone_number.line"), line1),
        key("data.reflection", Some("device_id.imsi"), imsi),
        key("data.reflection", Some("device_id.serial"), prop),
        key("network.cleartext", None, url),
        key("tracker", None, "AppsFlyer"),
        key("packer", None, "Jiagu (Qihoo 360)"),
        key("code.dynamic_loading", None, dcl),
        key("code.reflection", None, for_name),
        key("code.reflection", None, get_dm),
        key("code.reflection", None, get_m),
        key("code.reflection", None, invoke),
        key("code.reflection_sensitive", Some("device_id.imsi"), imsi),
        key("code.reflection_sensitive", Some("device_id.serial"), prop),
        key("code.native_loading", None, load),
        key("code.hidden_payload", None, "assets/fonts/roboto.ttf"),
    ];
    want.sort();
    let mut got: Vec<_> = f
        .findings
        .iter()
        .map(|x| (x.kind.clone(), x.subcategory.clone(), x.subject.clone()))
        .collect();
    got.sort();
    assert_eq!(got, want, "{:#?}", f.findings);

    let Some(dx) = common::dexdump("tricks.apk", "classes.dex") else {
        return;
    };
    // Reflection: every call, in `imsi` (getSubscriberId), `serial` (SystemProperties.get
    // with "ro.serialno") and `prop` (SystemProperties.get with a key from a parameter).
    let hidden = "Lcom/example/tricks/Hidden;";
    for (op, api, methods) in [
        ("invoke-static", for_name, &["imsi", "serial", "prop"][..]),
        ("invoke-virtual", get_dm, &["imsi"][..]),
        ("invoke-virtual", get_m, &["serial", "prop"][..]),
        ("invoke-virtual", invoke, &["imsi", "serial", "prop"][..]),
    ] {
        check(
            one(&f, "code.reflection", None, api),
            methods
                .iter()
                .map(|m| code_ev("classes.dex", &dx.site(hidden, m, op, api), api))
                .collect(),
        );
    }
    // The sensitive APIs named by the strings; evidence is the instruction loading the member
    // name. `prop` names SystemProperties.get too, but without the "ro.serialno" key: nothing.
    let name_site = dx.site(hidden, "imsi", "const-string", "getSubscriberId");
    dx.site(
        hidden,
        "imsi",
        "const-string",
        "android.telephony.TelephonyManager",
    );
    let item = "strings \"android.telephony.TelephonyManager\" and \"getSubscriberId\"";
    for kind in ["code.reflection_sensitive", "data.reflection"] {
        let x = one(&f, kind, Some("device_id.imsi"), imsi);
        assert_eq!(x.category.as_deref(), Some("device_id"));
        check(x, vec![code_ev("classes.dex", &name_site, item)]);
    }
    dx.site(hidden, "serial", "const-string", "ro.serialno");
    dx.site(hidden, "prop", "const-string", "get");
    let serial_site = dx.site(hidden, "serial", "const-string", "get");
    let item = "strings \"android.os.SystemProperties\", \"get\" and \"ro.serialno\"";
    for kind in ["code.reflection_sensitive", "data.reflection"] {
        let x = one(&f, kind, Some("device_id.serial"), prop);
        assert_eq!(x.category.as_deref(), Some("device_id"));
        check(x, vec![code_ev("classes.dex", &serial_site, item)]);
    }
    assert_eq!(
        one(&f, "data.reflection", None, imsi).section,
        Section::DataCollected
    );
    // Dynamic loading and native loading.
    let loader = "Lcom/example/tricks/Loader;";
    check(
        one(&f, "code.dynamic_loading", None, dcl),
        vec![code_ev(
            "classes.dex",
            &dx.site(loader, "load", "invoke-direct", dcl),
            dcl,
        )],
    );
    check(
        one(&f, "code.native_loading", None, load),
        vec![code_ev(
            "classes.dex",
            &dx.site(loader, "loadNative", "invoke-static", load),
            &format!("{load} \"jiagu\""),
        )],
    );
    // Cleartext URL.
    check(
        one(&f, "network.cleartext", None, url),
        vec![code_ev(
            "classes.dex",
            &dx.site(
                "Lcom/example/tricks/Uploader;",
                "endpoint",
                "const-string",
                url,
            ),
            url,
        )],
    );
    // Tracker class (Exodus code signature com.appsflyer.).
    assert!(dx.defines("Lcom/appsflyer/AppsFlyerLib;"));
    check(
        one(&f, "tracker", None, "AppsFlyer"),
        vec![Evidence::Class {
            dex: "classes.dex".into(),
            class: "com/appsflyer/AppsFlyerLib".into(),
        }],
    );
}

#[test]
fn tricks_hidden_dex_and_packer_entries() {
    let f = run("tricks.apk");
    let Some(entries) = common::zip_entries("tricks.apk") else {
        return;
    };
    let size_of = |n: &str| {
        entries
            .iter()
            .find(|(e, _)| e == n)
            .unwrap_or_else(|| panic!("unzip -Z: no {n} in {entries:?}"))
            .1
    };
    // The packer's stub library (kb/packers: ^libjiagu...\.so$).
    size_of("lib/arm64-v8a/libjiagu.so");
    let p = one(&f, "packer", None, "Jiagu (Qihoo 360)");
    assert_eq!(p.section, Section::Inside);
    assert_eq!(p.evidence.len(), 1);
    assert!(
        matches!(&p.evidence[0], Evidence::Entry { name, detail }
            if name == "lib/arm64-v8a/libjiagu.so" && detail.starts_with("native library matches ^libjiagu")),
        "{p:#?}"
    );
    // A dex under a font name: its magic, its size, and its code analysed like the rest.
    let font = "assets/fonts/roboto.ttf";
    assert!(common::entry_bytes("tricks.apk", font).starts_with(b"dex\n035\0"));
    let h = one(&f, "code.hidden_payload", None, font);
    assert_eq!(h.evidence.len(), 1);
    assert!(
        matches!(&h.evidence[0], Evidence::Entry { name, detail }
            if name == font && detail.starts_with(&format!("dex ({} bytes)", size_of(font)))),
        "{h:#?}"
    );
    let Some(dx) = common::dexdump("tricks.apk", font) else {
        return;
    };
    let api = "Landroid/telephony/TelephonyManager;->getLine1Number()Ljava/lang/String;";
    let x = one(&f, "data.api", Some("phone_number.line"), api);
    check(
        x,
        vec![code_ev(
            font,
            &dx.site("Lcom/example/payload/Stage2;", "run", "invoke-virtual", api),
            api,
        )],
    );
}

// ---- perms ---------------------------------------------------------------------------------

#[test]
fn perms_unused_and_missing() {
    let f = run("perms.apk");
    let accounts = "Landroid/accounts/AccountManager;->getAccounts()[Landroid/accounts/Account;";
    let cal = "android.permission.READ_CALENDAR";
    let mut want = vec![
        key("data.api", Some("accounts.list"), accounts),
        key("permission.unused", None, cal),
        key("permission.missing", None, accounts),
    ];
    want.sort();
    let mut got: Vec<_> = f
        .findings
        .iter()
        .map(|x| (x.kind.clone(), x.subcategory.clone(), x.subject.clone()))
        .collect();
    got.sort();
    assert_eq!(got, want, "{:#?}", f.findings);
    let tree = common::xmltree("perms.apk");
    let (el, _) = common::component(&tree, "uses-permission", cal);
    let unused = one(&f, "permission.unused", None, cal);
    assert_eq!(unused.section, Section::Permissions);
    assert_eq!(unused.permissions, vec![cal.to_string()]);
    check(
        unused,
        vec![Evidence::Manifest {
            element: "uses-permission".into(),
            name: cal.into(),
            line: Some(el.line),
            detail: "requested".into(),
        }],
    );
    // GET_ACCOUNTS is not requested (aapt).
    assert!(!tree.iter().any(|e| e.tag == "uses-permission"
        && e.attr("android:name") == Some("android.permission.GET_ACCOUNTS")));
    let Some(dx) = common::dexdump("perms.apk", "classes.dex") else {
        return;
    };
    let site = dx.site(
        "Lcom/example/perms/MainActivity;",
        "accounts",
        "invoke-virtual",
        accounts,
    );
    let missing = one(&f, "permission.missing", None, accounts);
    assert_eq!(
        missing.permissions,
        vec!["android.permission.GET_ACCOUNTS".to_string()]
    );
    assert!(missing.reason.contains("accounts.list"));
    check(missing, vec![code_ev("classes.dex", &site, accounts)]);
    check(
        one(&f, "data.api", Some("accounts.list"), accounts),
        vec![code_ev("classes.dex", &site, accounts)],
    );
}

// ---- negatives -----------------------------------------------------------------------------

#[test]
fn lookalike_raises_nothing() {
    let f = run("lookalike.apk");
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
    assert!(f.categories.is_empty(), "{:#?}", f.categories);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    // The two URLs are kept as identifier endpoints (XML namespaces), not endpoints data goes to.
    let mut urls: Vec<(&str, bool)> = f
        .endpoints
        .iter()
        .map(|e| (e.value.as_str(), e.identifier))
        .collect();
    urls.sort();
    assert_eq!(
        urls,
        vec![
            ("http://schemas.android.com/apk/res/android", true),
            ("https://www.w3.org/2000/svg", true),
        ]
    );
}

#[test]
fn lookalike_fixture_really_looks_alike() {
    // Guards the negative test: the look-alike patterns are in the APK (dexdump, aapt).
    let tree = common::xmltree("lookalike.apk");
    let (_, actions) =
        common::component(&tree, "receiver", "com.example.lookalike.TimeZoneReceiver");
    assert_eq!(actions, vec!["android.intent.action.TIMEZONE_CHANGED"]);
    let (_, actions) = common::component(&tree, "activity", "com.example.lookalike.MainActivity");
    assert!(actions.iter().any(|a| a == "android.intent.action.MAIN"));
    let Some(dx) = common::dexdump("lookalike.apk", "classes.dex") else {
        return;
    };
    let fake = dx.class("Lcom/example/lookalike/FakeListener;");
    assert_eq!(fake.superclass, "Ljava/lang/Object;");
    assert!(fake.interfaces.is_empty());
    dx.method("Lcom/example/lookalike/FakeListener;", "onLocationChanged");
    let prefs = "Lcom/example/lookalike/Prefs;";
    dx.site(prefs, "key", "const-string", "android_id");
    dx.site(prefs, "clockFormat", "const-string", "time_12_24");
    dx.site(
        prefs,
        "clockFormat",
        "invoke-static",
        "Landroid/provider/Settings$System;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;",
    );
    let main = "Lcom/example/lookalike/MainActivity;";
    dx.site(
        main,
        "showIcon",
        "invoke-virtual",
        "Landroid/content/pm/PackageManager;->setComponentEnabledSetting(Landroid/content/ComponentName;II)V",
    );
    assert!(dx
        .method(main, "showIcon")
        .insns
        .iter()
        .any(|i| i.text.starts_with("const/4 v2, #int 1")));
    let hasher = "Lcom/example/lookalike/Hasher;";
    dx.site(
        hasher,
        "sha256",
        "invoke-static",
        "Ljava/security/MessageDigest;->getInstance(Ljava/lang/String;)Ljava/security/MessageDigest;",
    );
    dx.site(
        "Lcom/example/lookalike/Lister;",
        "list",
        "invoke-virtual",
        "Ljava/io/File;->listFiles()[Ljava/io/File;",
    );
    dx.site(
        hasher,
        "namespaces",
        "const-string",
        "https://www.w3.org/2000/svg",
    );
    dx.site(
        hasher,
        "namespaces",
        "const-string",
        "com.example.whatsapp.stickers",
    );
    assert!(dx.defines("Lcom/example/lookalike/stub/StubApp;"));
}

#[test]
fn empty_raises_nothing() {
    let f = run("empty.apk");
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
    assert!(f.endpoints.is_empty(), "{:#?}", f.endpoints);
    assert!(f.categories.is_empty(), "{:#?}", f.categories);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
}
