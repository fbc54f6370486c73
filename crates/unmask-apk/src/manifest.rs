//! The manifest model: what an app declares, built from the decoded binary XML of
//! `AndroidManifest.xml` and the resource table, following PackageManager's rules.

use crate::permissions::{decode_protection_level, platform_permission};
use serde::Serialize;
use unmask_res::attr as ids;
use unmask_res::{Attribute, Element, ResourceTable, Value, XmlDocument};

/// An SDK level as declared: a number, or a preview codename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SdkVersion {
    /// API level.
    Level(u32),
    /// Preview codename such as "Q".
    Codename(String),
}

/// A string in one resource configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Localized {
    /// Configuration qualifiers as aapt prints them; empty for the default.
    pub config: String,
    /// The value.
    pub value: String,
}

/// A `<uses-permission>` (or `<uses-permission-sdk-23>`).
#[derive(Debug, Clone, Serialize)]
pub struct UsesPermission {
    /// Permission name.
    pub name: String,
    /// `android:maxSdkVersion`, if set.
    pub max_sdk: Option<u32>,
    /// True for `<uses-permission-sdk-23>` (requested only on API 23+).
    pub sdk23: bool,
    /// Protection level from the platform list (or from the app's own declaration), if known.
    pub protection_level: Option<String>,
    /// `platform`, `app` (declared by this app) or `unknown`.
    pub defined_by: &'static str,
    /// Line of the element in the manifest.
    pub line: u32,
}

/// A `<permission>` the app declares itself.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredPermission {
    /// Permission name.
    pub name: String,
    /// Decoded `android:protectionLevel` (normal when absent).
    pub protection_level: String,
    /// `android:permissionGroup`, if set.
    pub group: Option<String>,
    /// Line of the element in the manifest.
    pub line: u32,
}

/// A `<uses-feature>`.
#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    /// Feature name (absent for a glEsVersion-only feature).
    pub name: Option<String>,
    /// `android:required` (default true).
    pub required: bool,
    /// `android:glEsVersion` as "major.minor", if set.
    pub gl_es_version: Option<String>,
}

/// An `<instrumentation>`: a class the platform can load into another app's process (the
/// target package) to drive it, as test runners do.
#[derive(Debug, Clone, Serialize)]
pub struct Instrumentation {
    /// `android:name`, fully qualified (short names resolved against the package).
    pub name: String,
    /// `android:targetPackage`: the app it runs in.
    pub target_package: Option<String>,
    /// Source line of the element.
    pub line: u32,
}

/// A `<data>` element of an intent filter.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntentData {
    /// `android:scheme`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// `android:host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `android:port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `android:path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `android:pathPrefix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// `android:pathPattern`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
    /// `android:mimeType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// An `<intent-filter>`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntentFilter {
    /// Actions.
    pub actions: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Data specs.
    pub data: Vec<IntentData>,
    /// `android:priority`, if set.
    pub priority: Option<i32>,
    /// Line of the element in the manifest.
    pub line: u32,
}

/// A `<meta-data>` element.
#[derive(Debug, Clone, Serialize)]
pub struct MetaData {
    /// `android:name`.
    pub name: String,
    /// `android:value` or `android:resource`, rendered as text.
    pub value: Option<String>,
}

/// Kinds of app components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// `<activity>`
    Activity,
    /// `<activity-alias>`
    ActivityAlias,
    /// `<service>`
    Service,
    /// `<receiver>`
    Receiver,
    /// `<provider>`
    Provider,
}

impl ComponentKind {
    /// The manifest element name.
    pub fn tag(self) -> &'static str {
        match self {
            ComponentKind::Activity => "activity",
            ComponentKind::ActivityAlias => "activity-alias",
            ComponentKind::Service => "service",
            ComponentKind::Receiver => "receiver",
            ComponentKind::Provider => "provider",
        }
    }
    fn from_tag(tag: &str) -> Option<Self> {
        Some(match tag {
            "activity" => ComponentKind::Activity,
            "activity-alias" => ComponentKind::ActivityAlias,
            "service" => ComponentKind::Service,
            "receiver" => ComponentKind::Receiver,
            "provider" => ComponentKind::Provider,
            _ => return None,
        })
    }
}

/// An app component.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// Kind of component.
    pub kind: ComponentKind,
    /// Fully qualified class name (short names resolved against the package).
    pub name: String,
    /// `android:name` exactly as written.
    pub declared_name: String,
    /// Whether other apps can start or bind it.
    pub exported: bool,
    /// `android:exported` when written explicitly.
    pub exported_explicit: Option<bool>,
    /// Why `exported` has its value.
    pub exported_reason: String,
    /// `android:enabled`, when written.
    pub enabled: Option<bool>,
    /// The permission protecting the component (`android:permission`).
    pub permission: Option<String>,
    /// Provider read permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_permission: Option<String>,
    /// Provider write permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_permission: Option<String>,
    /// Provider authorities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<String>,
    /// Provider `android:grantUriPermissions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_uri_permissions: Option<bool>,
    /// Alias target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_activity: Option<String>,
    /// `android:process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Intent filters.
    pub intent_filters: Vec<IntentFilter>,
    /// Meta-data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_data: Vec<MetaData>,
    /// Line of the element in the manifest.
    pub line: u32,
}

/// A domain rule of the network security config.
#[derive(Debug, Clone, Serialize)]
pub struct NscDomainConfig {
    /// Domains with `includeSubdomains`.
    pub domains: Vec<NscDomain>,
    /// `cleartextTrafficPermitted`, if set.
    pub cleartext_permitted: Option<bool>,
    /// Trust anchors (`system`, `user`, or a resource).
    pub trust_anchors: Vec<String>,
    /// Pins (`digest:base64`).
    pub pins: Vec<String>,
    /// Pin-set expiration, if set.
    pub pin_expiration: Option<String>,
}

/// One `<domain>`.
#[derive(Debug, Clone, Serialize)]
pub struct NscDomain {
    /// The domain name.
    pub name: String,
    /// `includeSubdomains`.
    pub include_subdomains: bool,
}

/// The network security config (`res/xml/...`) the manifest points at.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkSecurityConfig {
    /// Entry path of the XML file.
    pub file: String,
    /// `base-config` cleartextTrafficPermitted, if set.
    pub base_cleartext_permitted: Option<bool>,
    /// `base-config` trust anchors.
    pub base_trust_anchors: Vec<String>,
    /// `domain-config` rules (nested ones flattened).
    pub domain_configs: Vec<NscDomainConfig>,
    /// `debug-overrides` trust anchors.
    pub debug_trust_anchors: Vec<String>,
    /// True if any config trusts user-installed CAs.
    pub trusts_user_cas: bool,
    /// True if any pins are declared.
    pub has_pinning: bool,
}

/// The `<application>` element.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Application {
    /// `android:name` (the Application subclass), fully qualified.
    pub class_name: Option<String>,
    /// Label in the default configuration.
    pub label: Option<String>,
    /// Label in every configuration that defines it.
    pub labels: Vec<Localized>,
    /// Icon resource, as a reference or path.
    pub icon: Option<String>,
    /// `android:debuggable`.
    pub debuggable: bool,
    /// `android:allowBackup` (default true).
    pub allow_backup: bool,
    /// `android:usesCleartextTraffic` when written.
    pub uses_cleartext_traffic: Option<bool>,
    /// Whether cleartext is allowed by default for this app (explicit value, else true below targetSdk 28).
    pub cleartext_default: bool,
    /// `android:testOnly`.
    pub test_only: bool,
    /// `android:hasCode` (default true).
    pub has_code: bool,
    /// `android:extractNativeLibs`, when written.
    pub extract_native_libs: Option<bool>,
    /// `android:persistent`.
    pub persistent: bool,
    /// `android:largeHeap`.
    pub large_heap: bool,
    /// `android:process`, when written.
    pub process: Option<String>,
    /// `android:backupAgent`, fully qualified: the class the backup service runs with the
    /// app's data.
    pub backup_agent: Option<String>,
    /// `android:appComponentFactory`, fully qualified: the class the platform asks to create
    /// the app's Application and components (packers use it to run first).
    pub app_component_factory: Option<String>,
    /// `android:networkSecurityConfig` as written (reference or path).
    pub network_security_config_ref: Option<String>,
    /// The decoded network security config.
    pub network_security_config: Option<NetworkSecurityConfig>,
}

/// The app's manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Package name.
    pub package: Option<String>,
    /// versionCode, including versionCodeMajor in the high 32 bits.
    pub version_code: Option<u64>,
    /// versionName.
    pub version_name: Option<String>,
    /// `split` attribute of a split APK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// `<uses-sdk android:minSdkVersion>`.
    pub min_sdk: Option<SdkVersion>,
    /// `<uses-sdk android:targetSdkVersion>`.
    pub target_sdk: Option<SdkVersion>,
    /// `<uses-sdk android:maxSdkVersion>`.
    pub max_sdk: Option<SdkVersion>,
    /// Target SDK used for the platform's rules (target, else min, else 1).
    pub effective_target_sdk: u32,
    /// `android:compileSdkVersion`.
    pub compile_sdk: Option<String>,
    /// `android:sharedUserId`.
    pub shared_user_id: Option<String>,
    /// Requested permissions, in manifest order (duplicates kept).
    pub uses_permissions: Vec<UsesPermission>,
    /// Permissions the app declares.
    pub permissions: Vec<DeclaredPermission>,
    /// Permission groups the app declares.
    pub permission_groups: Vec<String>,
    /// Features.
    pub features: Vec<Feature>,
    /// The application element.
    pub application: Application,
    /// Components, in manifest order.
    pub components: Vec<Component>,
    /// `<instrumentation>` elements, in manifest order.
    pub instrumentations: Vec<Instrumentation>,
    /// Oddities: duplicate permissions, rules Android enforces at install time, obfuscation seen in the XML.
    pub anomalies: Vec<String>,
}

/// The android namespace URI.
pub const ANDROID_NS: &str = "http://schemas.android.com/apk/res/android";

const MAX_REF_DEPTH: usize = 8;

/// Resolves references through the resource table.
pub(crate) struct Resolver<'t, 'a> {
    pub(crate) table: Option<&'t ResourceTable<'a>>,
}

impl Resolver<'_, '_> {
    /// Follows a reference chain in the default configuration (or the first one).
    pub(crate) fn resolve(&self, v: &Value) -> Value {
        let mut cur = v.clone();
        for _ in 0..MAX_REF_DEPTH {
            let Value::Reference(id) = cur else { break };
            let Some(table) = self.table else { break };
            let values = table.values(id);
            let pick = values
                .iter()
                .find(|(c, _)| c.qualifiers.is_empty())
                .or_else(|| values.first());
            match pick {
                Some((_, v)) => cur = v.clone(),
                None => break,
            }
        }
        cur
    }

    /// Every configuration's value of a reference, each resolved to a string.
    pub(crate) fn localized(&self, v: &Value) -> Vec<Localized> {
        let (Value::Reference(id), Some(table)) = (v, self.table) else {
            return self
                .text(v)
                .map(|value| {
                    vec![Localized {
                        config: String::new(),
                        value,
                    }]
                })
                .unwrap_or_default();
        };
        table
            .values(*id)
            .into_iter()
            .filter_map(|(c, v)| {
                self.text(&v).map(|value| Localized {
                    config: c.qualifiers,
                    value,
                })
            })
            .collect()
    }

    /// The value as text, resolving references; None for undefined values.
    pub(crate) fn text(&self, v: &Value) -> Option<String> {
        Some(match self.resolve(v) {
            Value::String(s) => s.into(),
            Value::Reference(id) => format!("@0x{id:08x}"),
            Value::Attribute(id) => format!("?0x{id:08x}"),
            Value::IntDec(i) => i.to_string(),
            Value::IntHex(i) => format!("0x{i:x}"),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Color(c) => format!("#{c:08x}"),
            Value::Dimension(d) | Value::Fraction(d) | Value::DynamicReference(d) => {
                format!("0x{d:08x}")
            }
            Value::Null(_) => return None,
            Value::Other { data, .. } => format!("0x{data:08x}"),
        })
    }

    fn attr_text(&self, a: Option<&Attribute>) -> Option<String> {
        let a = a?;
        match &a.value {
            Value::String(s) => Some(s.into()),
            Value::Null(_) => a.raw_value.as_ref().map(String::from),
            v => self.text(v),
        }
    }

    fn attr_bool(&self, a: Option<&Attribute>) -> Option<bool> {
        let a = a?;
        match self.resolve(&a.value) {
            Value::Bool(b) => Some(b),
            Value::IntDec(i) => Some(i != 0),
            Value::IntHex(i) => Some(i != 0),
            Value::String(s) => match s.trim() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn attr_u64(&self, a: Option<&Attribute>) -> Option<u64> {
        let a = a?;
        match self.resolve(&a.value) {
            Value::IntDec(i) => u64::try_from(i).ok().or(Some(u64::from(i as u32))),
            Value::IntHex(i) => Some(u64::from(i)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn attr_sdk(&self, a: Option<&Attribute>) -> Option<SdkVersion> {
        let a = a?;
        match self.resolve(&a.value) {
            Value::IntDec(i) => u32::try_from(i).ok().map(SdkVersion::Level),
            Value::IntHex(i) => Some(SdkVersion::Level(i)),
            Value::String(s) => Some(match s.trim().parse() {
                Ok(n) => SdkVersion::Level(n),
                Err(_) => SdkVersion::Codename(s.into()),
            }),
            _ => None,
        }
    }
}

fn resolve_class_name(package: Option<&str>, name: &str) -> String {
    match package {
        Some(p) if name.starts_with('.') => format!("{p}{name}"),
        Some(p) if !name.contains('.') && !name.is_empty() => format!("{p}.{name}"),
        _ => name.to_string(),
    }
}

fn sdk_level(v: &Option<SdkVersion>) -> Option<u32> {
    match v {
        Some(SdkVersion::Level(n)) => Some(*n),
        // A preview codename targets the next, unreleased level: treat as the newest rules.
        Some(SdkVersion::Codename(_)) => Some(10_000),
        None => None,
    }
}

/// Builds the manifest model from a decoded `AndroidManifest.xml`.
pub(crate) fn build(doc: &XmlDocument, r: &Resolver<'_, '_>) -> Result<Manifest, String> {
    let root = doc
        .root
        .as_ref()
        .ok_or_else(|| "AndroidManifest.xml has no root element".to_string())?;
    let mut anomalies: Vec<String> = doc
        .anomalies
        .iter()
        .map(|a| format!("binary XML: {a}"))
        .collect();
    if root.name != "manifest" {
        anomalies.push(format!("root element is <{}>, not <manifest>", root.name));
    }
    let package = r.attr_text(root.plain_attr("package"));
    let code_low = r.attr_u64(root.attr(ids::VERSION_CODE, "versionCode"));
    let code_major = r.attr_u64(root.attr(ids::VERSION_CODE_MAJOR, "versionCodeMajor"));
    let version_code = match (code_low, code_major) {
        (Some(lo), Some(hi)) => Some((hi << 32) | (lo & 0xffff_ffff)),
        (lo, _) => lo,
    };
    let mut m = Manifest {
        package: package.clone(),
        version_code,
        version_name: r.attr_text(root.attr(ids::VERSION_NAME, "versionName")),
        split: r.attr_text(root.plain_attr("split")),
        min_sdk: None,
        target_sdk: None,
        max_sdk: None,
        effective_target_sdk: 1,
        compile_sdk: r
            .attr_text(root.attr(ids::COMPILE_SDK_VERSION, "compileSdkVersion"))
            .or_else(|| r.attr_text(root.plain_attr("platformBuildVersionCode"))),
        shared_user_id: r.attr_text(root.attr(ids::SHARED_USER_ID, "sharedUserId")),
        uses_permissions: Vec::new(),
        permissions: Vec::new(),
        permission_groups: Vec::new(),
        features: Vec::new(),
        application: Application {
            allow_backup: true,
            has_code: true,
            ..Application::default()
        },
        components: Vec::new(),
        instrumentations: Vec::new(),
        anomalies: Vec::new(),
    };
    let pkg = package.as_deref();
    let mut app_elements = 0usize;
    let mut uses_sdk_seen = false;
    for child in &root.children {
        match child.name.as_str() {
            "uses-sdk" if uses_sdk_seen => anomalies.push(format!(
                "more than one <uses-sdk> (line {}); only the first is read",
                child.line
            )),
            "uses-sdk" => {
                uses_sdk_seen = true;
                m.min_sdk = r.attr_sdk(child.attr(ids::MIN_SDK_VERSION, "minSdkVersion"));
                m.target_sdk = r.attr_sdk(child.attr(ids::TARGET_SDK_VERSION, "targetSdkVersion"));
                m.max_sdk = r.attr_sdk(child.attr(ids::MAX_SDK_VERSION, "maxSdkVersion"));
            }
            "uses-permission" | "uses-permission-sdk-23" | "uses-permission-sdk-m" => {
                let Some(name) = r.attr_text(child.attr(ids::NAME, "name")) else {
                    anomalies.push(format!(
                        "<{}> without a name at line {}",
                        child.name, child.line
                    ));
                    continue;
                };
                let max_sdk = r
                    .attr_u64(child.attr(ids::MAX_SDK_VERSION, "maxSdkVersion"))
                    .and_then(|v| u32::try_from(v).ok());
                m.uses_permissions.push(UsesPermission {
                    name,
                    max_sdk,
                    sdk23: child.name != "uses-permission",
                    protection_level: None,
                    defined_by: "unknown",
                    line: child.line,
                });
            }
            "permission" => {
                let Some(name) = r.attr_text(child.attr(ids::NAME, "name")) else {
                    continue;
                };
                let level = child
                    .attr(ids::PROTECTION_LEVEL, "protectionLevel")
                    .map(|a| match r.resolve(&a.value) {
                        Value::IntDec(i) => decode_protection_level(i as u32),
                        Value::IntHex(i) => decode_protection_level(i),
                        Value::String(s) => s.into(),
                        other => r.text(&other).unwrap_or_default(),
                    })
                    .unwrap_or_else(|| "normal".to_string());
                m.permissions.push(DeclaredPermission {
                    name,
                    protection_level: level,
                    group: r.attr_text(child.attr(ids::PERMISSION_GROUP, "permissionGroup")),
                    line: child.line,
                });
            }
            "permission-group" => {
                if let Some(name) = r.attr_text(child.attr(ids::NAME, "name")) {
                    m.permission_groups.push(name);
                }
            }
            "uses-feature" => {
                let gl = r
                    .attr_u64(child.attr(ids::GL_ES_VERSION, "glEsVersion"))
                    .map(|v| format!("{}.{}", (v >> 16) & 0xffff, v & 0xffff));
                m.features.push(Feature {
                    name: r.attr_text(child.attr(ids::NAME, "name")),
                    required: r
                        .attr_bool(child.attr(ids::REQUIRED, "required"))
                        .unwrap_or(true),
                    gl_es_version: gl,
                });
            }
            "instrumentation" => {
                let declared = r
                    .attr_text(child.attr(ids::NAME, "name"))
                    .unwrap_or_default();
                if declared.is_empty() {
                    anomalies.push(format!(
                        "<instrumentation> without android:name at line {} (Android refuses the package)",
                        child.line
                    ));
                    continue;
                }
                m.instrumentations.push(Instrumentation {
                    name: resolve_class_name(pkg, &declared),
                    target_package: r.attr_text(child.attr(ids::TARGET_PACKAGE, "targetPackage")),
                    line: child.line,
                });
            }
            "application" => {
                app_elements += 1;
                if app_elements == 1 {
                    read_application(child, pkg, r, &mut m);
                } else {
                    anomalies.push(format!(
                        "more than one <application> (line {}); Android reads the first",
                        child.line
                    ));
                }
            }
            _ => {}
        }
    }
    m.effective_target_sdk = sdk_level(&m.target_sdk)
        .or_else(|| sdk_level(&m.min_sdk))
        .unwrap_or(1);
    m.application.cleartext_default = m
        .application
        .uses_cleartext_traffic
        .unwrap_or(m.effective_target_sdk < 28);

    // Protection levels of requested permissions: the app's own declarations first, then the platform's.
    let mut seen = std::collections::HashSet::new();
    for p in &mut m.uses_permissions {
        if let Some(d) = m.permissions.iter().find(|d| d.name == p.name) {
            p.protection_level = Some(d.protection_level.clone());
            p.defined_by = "app";
        } else if let Some(pp) = platform_permission(&p.name) {
            p.protection_level = Some(pp.protection_level.to_string());
            p.defined_by = "platform";
        }
        if !seen.insert(p.name.clone()) {
            anomalies.push(format!(
                "permission {} requested more than once (line {})",
                p.name, p.line
            ));
        }
    }
    // Export rules that depend on the target SDK.
    let target = m.effective_target_sdk;
    for c in &mut m.components {
        let (exported, reason) = match (c.exported_explicit, c.kind) {
            (Some(e), _) => (e, "android:exported is set explicitly".to_string()),
            (None, ComponentKind::Provider) if target < 17 => (
                true,
                format!("providers are exported by default when targetSdkVersion ({target}) < 17"),
            ),
            (None, ComponentKind::Provider) => (
                false,
                format!(
                    "providers are not exported by default when targetSdkVersion ({target}) >= 17"
                ),
            ),
            (None, _) if !c.intent_filters.is_empty() => {
                if target >= 31 {
                    anomalies.push(format!(
                        "{} {} has intent filters but no android:exported; Android 12+ refuses to install apps targeting SDK {target} with this",
                        c.kind.tag(),
                        c.name
                    ));
                }
                (
                    true,
                    "implied by its intent filters (no android:exported)".to_string(),
                )
            }
            (None, _) => (
                false,
                "not exported by default: no intent filters and no android:exported".to_string(),
            ),
        };
        c.exported = exported;
        c.exported_reason = reason;
    }
    m.anomalies = anomalies;
    Ok(m)
}

fn read_application(el: &Element, pkg: Option<&str>, r: &Resolver<'_, '_>, m: &mut Manifest) {
    let app = &mut m.application;
    app.class_name = r
        .attr_text(el.attr(ids::NAME, "name"))
        .map(|n| resolve_class_name(pkg, &n));
    if let Some(label) = el.attr(ids::LABEL, "label") {
        app.labels = r.localized(&label.value);
        app.label = app
            .labels
            .iter()
            .find(|l| l.config.is_empty())
            .or_else(|| app.labels.first())
            .map(|l| l.value.clone())
            .or_else(|| label.raw_value.as_ref().map(String::from));
    }
    app.icon = el.attr(ids::ICON, "icon").and_then(|a| r.text(&a.value));
    app.debuggable = r
        .attr_bool(el.attr(ids::DEBUGGABLE, "debuggable"))
        .unwrap_or(false);
    app.allow_backup = r
        .attr_bool(el.attr(ids::ALLOW_BACKUP, "allowBackup"))
        .unwrap_or(true);
    app.uses_cleartext_traffic =
        r.attr_bool(el.attr(ids::USES_CLEARTEXT_TRAFFIC, "usesCleartextTraffic"));
    app.test_only = r
        .attr_bool(el.attr(ids::TEST_ONLY, "testOnly"))
        .unwrap_or(false);
    app.has_code = r
        .attr_bool(el.attr(ids::HAS_CODE, "hasCode"))
        .unwrap_or(true);
    app.extract_native_libs = r.attr_bool(el.attr(ids::EXTRACT_NATIVE_LIBS, "extractNativeLibs"));
    app.persistent = r
        .attr_bool(el.attr(ids::PERSISTENT, "persistent"))
        .unwrap_or(false);
    app.large_heap = r
        .attr_bool(el.attr(ids::LARGE_HEAP, "largeHeap"))
        .unwrap_or(false);
    app.process = r.attr_text(el.attr(ids::PROCESS, "process"));
    app.backup_agent = r
        .attr_text(el.attr(ids::BACKUP_AGENT, "backupAgent"))
        .filter(|n| !n.is_empty())
        .map(|n| resolve_class_name(pkg, &n));
    app.app_component_factory = r
        .attr_text(el.attr(ids::APP_COMPONENT_FACTORY, "appComponentFactory"))
        .filter(|n| !n.is_empty())
        .map(|n| resolve_class_name(pkg, &n));
    app.network_security_config_ref = el
        .attr(ids::NETWORK_SECURITY_CONFIG, "networkSecurityConfig")
        .map(|a| match &a.value {
            Value::Reference(id) => format!("@0x{id:08x}"),
            v => r.text(v).unwrap_or_default(),
        });
    // Reserved up front (bounded by the elements already in the tree): components are large
    // and a vector grown step by step would copy them over and over.
    m.components.reserve(
        el.children
            .iter()
            .filter(|c| ComponentKind::from_tag(&c.name).is_some())
            .count(),
    );
    for child in &el.children {
        let Some(kind) = ComponentKind::from_tag(&child.name) else {
            continue;
        };
        let declared = r
            .attr_text(child.attr(ids::NAME, "name"))
            .unwrap_or_default();
        if declared.is_empty() {
            m.anomalies.push(format!(
                "<{}> without android:name at line {}",
                child.name, child.line
            ));
        }
        let mut c = Component {
            kind,
            name: resolve_class_name(pkg, &declared),
            declared_name: declared,
            exported: false,
            exported_explicit: r.attr_bool(child.attr(ids::EXPORTED, "exported")),
            exported_reason: String::new(),
            enabled: r.attr_bool(child.attr(ids::ENABLED, "enabled")),
            permission: r.attr_text(child.attr(ids::PERMISSION, "permission")),
            read_permission: r.attr_text(child.attr(ids::READ_PERMISSION, "readPermission")),
            write_permission: r.attr_text(child.attr(ids::WRITE_PERMISSION, "writePermission")),
            authorities: r
                .attr_text(child.attr(ids::AUTHORITIES, "authorities"))
                .map(|s| {
                    s.split(';')
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            grant_uri_permissions: r
                .attr_bool(child.attr(ids::GRANT_URI_PERMISSIONS, "grantUriPermissions")),
            target_activity: r
                .attr_text(child.attr(ids::TARGET_ACTIVITY, "targetActivity"))
                .map(|n| resolve_class_name(pkg, &n)),
            process: r.attr_text(child.attr(ids::PROCESS, "process")),
            intent_filters: Vec::with_capacity(
                child
                    .children
                    .iter()
                    .filter(|s| s.name == "intent-filter")
                    .count(),
            ),
            meta_data: Vec::new(),
            line: child.line,
        };
        for sub in &child.children {
            match sub.name.as_str() {
                "intent-filter" => c.intent_filters.push(read_filter(sub, r)),
                "meta-data" => {
                    if let Some(name) = r.attr_text(sub.attr(ids::NAME, "name")) {
                        let value = sub
                            .attr(ids::VALUE, "value")
                            .or_else(|| sub.attr(ids::RESOURCE, "resource"))
                            .and_then(|a| match &a.value {
                                Value::Reference(id) => Some(format!("@0x{id:08x}")),
                                v => r.text(v),
                            });
                        c.meta_data.push(MetaData { name, value });
                    }
                }
                _ => {}
            }
        }
        m.components.push(c);
    }
}

fn read_filter(el: &Element, r: &Resolver<'_, '_>) -> IntentFilter {
    let mut f = IntentFilter {
        priority: r
            .attr_u64(el.attr(ids::PRIORITY, "priority"))
            .map(|v| v as u32 as i32),
        line: el.line,
        ..IntentFilter::default()
    };
    for sub in &el.children {
        let name = || r.attr_text(sub.attr(ids::NAME, "name"));
        match sub.name.as_str() {
            "action" => f.actions.extend(name()),
            "category" => f.categories.extend(name()),
            "data" => f.data.push(IntentData {
                scheme: r.attr_text(sub.attr(ids::SCHEME, "scheme")),
                host: r.attr_text(sub.attr(ids::HOST, "host")),
                port: r.attr_text(sub.attr(ids::PORT, "port")),
                path: r.attr_text(sub.attr(ids::PATH, "path")),
                path_prefix: r.attr_text(sub.attr(ids::PATH_PREFIX, "pathPrefix")),
                path_pattern: r.attr_text(sub.attr(ids::PATH_PATTERN, "pathPattern")),
                mime_type: r.attr_text(sub.attr(ids::MIME_TYPE, "mimeType")),
            }),
            _ => {}
        }
    }
    f
}

/// Decodes a network security config XML document.
pub(crate) fn read_nsc(
    file: &str,
    doc: &XmlDocument,
    r: &Resolver<'_, '_>,
) -> NetworkSecurityConfig {
    let mut nsc = NetworkSecurityConfig {
        file: file.to_string(),
        base_cleartext_permitted: None,
        base_trust_anchors: Vec::new(),
        domain_configs: Vec::new(),
        debug_trust_anchors: Vec::new(),
        trusts_user_cas: false,
        has_pinning: false,
    };
    let Some(root) = &doc.root else { return nsc };
    let anchors = |el: &Element| -> Vec<String> {
        el.children
            .iter()
            .filter(|c| c.name == "trust-anchors")
            .flat_map(|t| t.children.iter())
            .filter(|c| c.name == "certificates")
            .filter_map(|c| {
                c.plain_attr("src").and_then(|a| match &a.value {
                    Value::Reference(id) => Some(format!("@0x{id:08x}")),
                    v => r.text(v),
                })
            })
            .collect()
    };
    let cleartext = |el: &Element| r.attr_bool(el.plain_attr("cleartextTrafficPermitted"));
    fn domain_configs(
        el: &Element,
        out: &mut Vec<NscDomainConfig>,
        anchors: &dyn Fn(&Element) -> Vec<String>,
        cleartext: &dyn Fn(&Element) -> Option<bool>,
        r: &Resolver<'_, '_>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        for dc in el.children.iter().filter(|c| c.name == "domain-config") {
            let mut cfg = NscDomainConfig {
                domains: Vec::new(),
                cleartext_permitted: cleartext(dc),
                trust_anchors: anchors(dc),
                pins: Vec::new(),
                pin_expiration: None,
            };
            for c in &dc.children {
                match c.name.as_str() {
                    "domain" => cfg.domains.push(NscDomain {
                        name: element_text(c),
                        include_subdomains: r
                            .attr_bool(c.plain_attr("includeSubdomains"))
                            .unwrap_or(false),
                    }),
                    "pin-set" => {
                        cfg.pin_expiration = r.attr_text(c.plain_attr("expiration"));
                        for pin in c.children.iter().filter(|p| p.name == "pin") {
                            let digest = r
                                .attr_text(pin.plain_attr("digest"))
                                .unwrap_or_else(|| "SHA-256".into());
                            cfg.pins.push(format!("{digest}:{}", element_text(pin)));
                        }
                    }
                    _ => {}
                }
            }
            out.push(cfg);
            domain_configs(dc, out, anchors, cleartext, r, depth + 1);
        }
    }
    for c in &root.children {
        match c.name.as_str() {
            "base-config" => {
                nsc.base_cleartext_permitted = cleartext(c);
                nsc.base_trust_anchors = anchors(c);
            }
            "debug-overrides" => nsc.debug_trust_anchors = anchors(c),
            _ => {}
        }
    }
    domain_configs(root, &mut nsc.domain_configs, &anchors, &cleartext, r, 0);
    nsc.trusts_user_cas = nsc.base_trust_anchors.iter().any(|a| a == "user")
        || nsc
            .domain_configs
            .iter()
            .any(|d| d.trust_anchors.iter().any(|a| a == "user"));
    nsc.has_pinning = nsc.domain_configs.iter().any(|d| !d.pins.is_empty());
    nsc
}

/// Text content of an element (CDATA), trimmed.
fn element_text(el: &Element) -> String {
    el.text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_resolve_like_package_manager() {
        assert_eq!(resolve_class_name(Some("a.b"), ".Main"), "a.b.Main");
        assert_eq!(resolve_class_name(Some("a.b"), "Main"), "a.b.Main");
        assert_eq!(resolve_class_name(Some("a.b"), "x.y.Main"), "x.y.Main");
        assert_eq!(resolve_class_name(None, ".Main"), ".Main");
    }
}
