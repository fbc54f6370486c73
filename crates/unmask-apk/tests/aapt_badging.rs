//! Differential test against AOSP's `aapt`: package, version, SDKs, requested permissions and the
//! application label must equal `aapt dump badging`; components and explicit `android:exported`
//! values, the application's backup agent and component factory and every `<instrumentation>`
//! must equal `aapt dump xmltree`, on every APK of `../shared/corpus/{real,droidbench}`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use unmask_apk::manifest::{Manifest, SdkVersion};

#[derive(Debug, Default)]
struct Badging {
    package: String,
    version_code: String,
    version_name: String,
    sdk: Option<String>,
    target: Option<String>,
    max: Option<String>,
    perms: BTreeSet<(String, Option<String>, bool)>,
    implied: BTreeSet<String>,
    label: Option<String>,
}

/// Value of `key='...'` in an aapt line (aapt does not escape quotes).
fn quoted(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("{key}='"))? + key.len() + 2;
    let rest = &line[start..];
    let end = rest.find("' ").or_else(|| rest.rfind('\''))?;
    Some(rest[..end].to_string())
}

fn single(line: &str, prefix: &str) -> Option<String> {
    let v = line.strip_prefix(prefix)?.strip_prefix('\'')?;
    Some(v.strip_suffix('\'').unwrap_or(v).to_string())
}

fn badging(apk: &Path) -> Option<Badging> {
    let out = Command::new("aapt")
        .args(["dump", "badging"])
        .arg(apk)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut b = Badging::default();
    for line in text.lines() {
        if line.starts_with("package: ") {
            b.package = quoted(line, "name").unwrap_or_default();
            b.version_code = quoted(line, "versionCode").unwrap_or_default();
            b.version_name = quoted(line, "versionName").unwrap_or_default();
        } else if let Some(v) = single(line, "sdkVersion:") {
            b.sdk = Some(v);
        } else if let Some(v) = single(line, "targetSdkVersion:") {
            b.target = Some(v);
        } else if let Some(v) = single(line, "maxSdkVersion:") {
            b.max = Some(v);
        } else if line.starts_with("uses-permission: ")
            || line.starts_with("uses-permission-sdk-23: ")
        {
            let sdk23 = line.starts_with("uses-permission-sdk-23");
            b.perms.insert((
                quoted(line, "name").unwrap_or_default(),
                quoted(line, "maxSdkVersion"),
                sdk23,
            ));
        } else if line.starts_with("uses-implied-permission: ") {
            b.implied.insert(quoted(line, "name").unwrap_or_default());
        } else if let Some(v) = single(line, "application-label:") {
            b.label = Some(v);
        }
    }
    Some(b)
}

fn sdk_str(v: &Option<SdkVersion>) -> Option<String> {
    v.as_ref().map(|v| match v {
        SdkVersion::Level(n) => n.to_string(),
        SdkVersion::Codename(c) => c.clone(),
    })
}

/// `(tag, declared android:name, explicit exported)` of a component.
type ComponentFacts = (String, String, Option<bool>);

/// `aapt dump xmltree APK AndroidManifest.xml`, or None when aapt fails.
fn xmltree(apk: &Path) -> Option<String> {
    let out = Command::new("aapt")
        .args(["dump", "xmltree"])
        .arg(apk)
        .arg("AndroidManifest.xml")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every component, from `aapt dump xmltree`.
fn xmltree_components(apk: &Path) -> Option<Vec<ComponentFacts>> {
    let text = xmltree(apk)?;
    let tags = [
        "activity",
        "activity-alias",
        "service",
        "receiver",
        "provider",
    ];
    let mut comps = Vec::new();
    let mut current: Option<(usize, ComponentFacts)> = None;
    let mut app_depth: Option<usize> = None;
    for line in text.lines() {
        let depth = line.len() - line.trim_start().len();
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("E: ") {
            let tag = rest.split_whitespace().next().unwrap_or("");
            if let Some((d, c)) = current.take() {
                if depth > d {
                    current = Some((d, c));
                } else {
                    comps.push(c);
                }
            }
            if tag == "application" && app_depth.is_none() {
                app_depth = Some(depth);
            }
            // Components are direct children of <application>.
            if tags.contains(&tag) && current.is_none() && app_depth.is_some_and(|a| depth > a) {
                current = Some((depth, (tag.to_string(), String::new(), None)));
            }
        } else if let Some(rest) = t.strip_prefix("A: ") {
            if let Some((d, c)) = current.as_mut() {
                if depth == *d + 2 {
                    if rest.contains("(0x01010003)=") {
                        c.1 = rest
                            .split_once("=\"")
                            .map(|(_, v)| v.split("\" (Raw").next().unwrap_or("").to_string())
                            .unwrap_or_default();
                    } else if rest.contains("(0x01010010)=") {
                        c.2 = Some(!rest.ends_with("0x0"));
                    }
                }
            }
        }
    }
    if let Some((_, c)) = current {
        comps.push(c);
    }
    Some(comps)
}

/// What `aapt dump xmltree` shows of `<application android:backupAgent>`,
/// `android:appComponentFactory` and every `<instrumentation>` (name, targetPackage), as
/// written. A value aapt prints other than as a string (a reference) is `"<not a string>"`.
#[derive(Debug, Default, PartialEq)]
struct Extras {
    backup_agent: Option<String>,
    component_factory: Option<String>,
    instrumentations: Vec<(String, Option<String>)>,
}

fn xmltree_extras(apk: &Path) -> Option<Extras> {
    let text = xmltree(apk)?;
    let value = |rest: &str| -> String {
        match rest.split_once(")=\"") {
            Some((_, v)) => v.split("\" (Raw").next().unwrap_or("").to_string(),
            None => "<not a string>".to_string(),
        }
    };
    let mut x = Extras::default();
    // (depth of the element, which one) while its attributes are read.
    let mut open: Option<(usize, &str)> = None;
    let mut seen_app = false;
    let mut root: Option<usize> = None;
    for line in text.lines() {
        let depth = line.len() - line.trim_start().len();
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("E: ") {
            let tag = rest.split_whitespace().next().unwrap_or("");
            open = None;
            // Both are children of the root element (indented 2 more than it).
            let root_depth = *root.get_or_insert(depth);
            let child = depth == root_depth + 2;
            if child && tag == "application" && !seen_app {
                seen_app = true;
                open = Some((depth, "application"));
            } else if child && tag == "instrumentation" {
                x.instrumentations.push((String::new(), None));
                open = Some((depth, "instrumentation"));
            }
        } else if let (Some(rest), Some((d, which))) = (t.strip_prefix("A: "), open) {
            if depth != d + 2 {
                continue;
            }
            match which {
                "application" if rest.contains("(0x0101027f)=") => {
                    x.backup_agent = Some(value(rest));
                }
                "application" if rest.contains("(0x0101057a)=") => {
                    x.component_factory = Some(value(rest));
                }
                "instrumentation" => {
                    if let Some(last) = x.instrumentations.last_mut() {
                        if rest.contains("(0x01010003)=") {
                            last.0 = value(rest);
                        } else if rest.contains("(0x01010021)=") {
                            last.1 = Some(value(rest));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some(x)
}

/// PackageParser's `buildClassName`: `.Foo` and `Foo` belong to the package.
fn qualified(pkg: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{pkg}{name}")
    } else if !name.contains('.') {
        format!("{pkg}.{name}")
    } else {
        name.to_string()
    }
}

fn compare(apk: &Path, m: &Manifest, b: &Badging) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut check = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            diffs.push(format!("{what}: unmask {ours:?} vs aapt {theirs:?}"));
        }
    };
    check(
        "package",
        m.package.clone().unwrap_or_default(),
        b.package.clone(),
    );
    check(
        "versionCode",
        m.version_code.map(|v| v.to_string()).unwrap_or_default(),
        b.version_code.clone(),
    );
    check(
        "versionName",
        m.version_name.clone().unwrap_or_default(),
        b.version_name.clone(),
    );
    check(
        "minSdk",
        format!("{:?}", sdk_str(&m.min_sdk)),
        format!("{:?}", b.sdk),
    );
    // aapt prints targetSdkVersion only when declared.
    check(
        "targetSdk",
        format!("{:?}", sdk_str(&m.target_sdk)),
        format!("{:?}", b.target),
    );
    check(
        "maxSdk",
        format!("{:?}", sdk_str(&m.max_sdk)),
        format!("{:?}", b.max),
    );
    let ours: BTreeSet<_> = m
        .uses_permissions
        .iter()
        .map(|p| (p.name.clone(), p.max_sdk.map(|v| v.to_string()), p.sdk23))
        .collect();
    // aapt adds implied permissions as uses-permission lines too; drop those it marks implied
    // and we do not declare.
    let theirs: BTreeSet<_> = b
        .perms
        .iter()
        .filter(|p| !b.implied.contains(&p.0) || ours.iter().any(|o| o.0 == p.0))
        .cloned()
        .collect();
    check("permissions", format!("{ours:?}"), format!("{theirs:?}"));
    if b.label.is_some() {
        check(
            "label",
            m.application.label.clone().unwrap_or_default(),
            b.label.clone().unwrap_or_default(),
        );
    }
    if let Some(comps) = xmltree_components(apk) {
        let ours: Vec<_> = m
            .components
            .iter()
            .map(|c| {
                (
                    c.kind.tag().to_string(),
                    c.declared_name.clone(),
                    c.exported_explicit,
                )
            })
            .collect();
        check("components", format!("{ours:?}"), format!("{comps:?}"));
    }
    if let Some(x) = xmltree_extras(apk) {
        let pkg = b.package.as_str();
        let theirs = Extras {
            backup_agent: x.backup_agent.map(|n| qualified(pkg, &n)),
            component_factory: x.component_factory.map(|n| qualified(pkg, &n)),
            instrumentations: x
                .instrumentations
                .into_iter()
                .map(|(n, t)| (qualified(pkg, &n), t))
                .collect(),
        };
        let ours = Extras {
            backup_agent: m.application.backup_agent.clone(),
            component_factory: m.application.app_component_factory.clone(),
            instrumentations: m
                .instrumentations
                .iter()
                .map(|i| (i.name.clone(), i.target_package.clone()))
                .collect(),
        };
        check(
            "backupAgent/appComponentFactory/instrumentation",
            format!("{ours:?}"),
            format!("{theirs:?}"),
        );
    }
    diffs
}

#[test]
fn aapt_badging_and_xmltree_agree_on_the_corpus() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    if !common::have_tool("aapt") {
        return;
    }
    let mut apks = common::files_with_ext(&corpus.join("real"), &["apk"]);
    apks.extend(common::files_with_ext(&corpus.join("droidbench"), &["apk"]));
    assert!(
        apks.len() > 150,
        "expected the real and DroidBench APKs, found {}",
        apks.len()
    );
    // The repository's own fixtures too, except the container tricks aapt refuses by design
    // (fixtures/README.md lists each verdict).
    apks.extend(
        common::files_with_ext(&common::fixtures(), &["apk"])
            .into_iter()
            .filter(|p| {
                !p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("trick-")
            }),
    );
    let results = common::par_map(&apks, |apk| {
        let report = unmask_apk::analyze_file(apk, &Default::default());
        let b = badging(apk);
        (apk.clone(), report, b)
    });
    let mut compared = 0;
    let mut comps = 0;
    let mut perms = 0;
    let (mut agents, mut factories, mut instrs) = (0, 0, 0);
    let mut failures = Vec::new();
    for (apk, report, b) in results {
        let Some(b) = b else {
            failures.push(format!("{}: aapt could not read it", apk.display()));
            continue;
        };
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{e}"));
                continue;
            }
        };
        let Some(m) = report.apks.first().and_then(|a| a.manifest.as_ref()) else {
            failures.push(format!(
                "{}: no manifest decoded: {:?}",
                apk.display(),
                report.apks.first().map(|a| &a.errors)
            ));
            continue;
        };
        compared += 1;
        comps += m.components.len();
        perms += m.uses_permissions.len();
        agents += usize::from(m.application.backup_agent.is_some());
        factories += usize::from(m.application.app_component_factory.is_some());
        instrs += m.instrumentations.len();
        for d in compare(&apk, m, &b) {
            failures.push(format!("{}: {d}", apk.display()));
        }
    }
    eprintln!(
        "aapt differential: {compared} of {} APKs compared ({perms} permissions, {comps} components, {agents} backup agents, {factories} component factories, {instrs} instrumentations); {} differences",
        apks.len(),
        failures.len()
    );
    // The real corpus has each of them (framework-res, ApiDemos, settings, appium androidTest):
    // the comparison above is exercised, not vacuous.
    assert!(
        agents > 0 && factories > 0 && instrs > 0,
        "{agents} {factories} {instrs}"
    );
    assert!(
        failures.is_empty(),
        "differences from aapt:\n{}",
        failures.join("\n")
    );
    assert_eq!(compared, apks.len());
}
