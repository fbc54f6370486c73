//! The terminal summary of a report.

use anyhow::Result;
use std::io::Write;
use unmask_analysis::{Evidence, Finding, Findings, Section};
use unmask_apk::manifest::{ComponentKind, Manifest, SdkVersion};
use unmask_apk::model::{ApkReport, CodeFacts, InputKind, Report};
use unmask_apk::permissions::base_level;

/// Longest list printed in the summary; JSON always has everything.
const MAX_LISTED: usize = 25;

fn sdk(v: &Option<SdkVersion>) -> String {
    match v {
        Some(SdkVersion::Level(n)) => n.to_string(),
        Some(SdkVersion::Codename(c)) => c.clone(),
        None => "-".into(),
    }
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// One line naming where a piece of evidence is.
fn evidence_line(e: &Evidence) -> String {
    match e {
        Evidence::Code {
            dex,
            method,
            offset,
            line,
            ..
        } => format!(
            "{method} @{offset:#x}{} in {dex}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default()
        ),
        Evidence::Method {
            method, overrides, ..
        } => format!("{method} overrides {overrides}"),
        Evidence::DexString { dex, string } => format!("string {string:?} in {dex}"),
        Evidence::Class { dex, class } => format!("class {class} in {dex}"),
        Evidence::Manifest {
            element,
            name,
            line,
            detail,
        } => format!(
            "manifest <{element}> {name}{}: {detail}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default()
        ),
        Evidence::Entry { name, detail } => format!("entry {name}: {detail}"),
        Evidence::Ioc {
            indicator,
            matched_value,
            source,
            ..
        } => format!("{matched_value} matches {indicator} ({source})"),
    }
}

/// Writes a finding: subject, why, where (first evidence and how many more).
fn write_finding<W: Write>(out: &mut W, f: &Finding, label: &str) -> Result<()> {
    writeln!(out, "     {label:<22} {}", f.subject)?;
    writeln!(out, "       why   {}", f.reason)?;
    if let Some(first) = f.evidence.first() {
        let more = f.evidence_total.saturating_sub(1);
        writeln!(
            out,
            "       where {}{}",
            evidence_line(first),
            if more > 0 {
                format!("  (+{more} more)")
            } else {
                String::new()
            }
        )?;
    }
    match &f.reachability {
        Some(r) if !r.reachable => writeln!(
            out,
            "       runs  NOT reachable from a declared component (dead or unused code)"
        )?,
        Some(r) => match (&r.assumed, r.path.first()) {
            (Some(why), _) => writeln!(out, "       runs  assumed reachable: {why}")?,
            (None, Some(entry)) if r.path.len() > 1 => writeln!(
                out,
                "       runs  reachable from {entry} ({} calls away)",
                r.path.len() - 1
            )?,
            (None, Some(entry)) => {
                writeln!(out, "       runs  reachable: {entry} is an entry point")?
            }
            (None, None) => writeln!(out, "       runs  reachable")?,
        },
        None => {}
    }
    Ok(())
}

/// Writes the answers first: what it collects, where it sends it, who is inside, traits, IOCs.
fn write_findings<W: Write>(out: &mut W, a: &Findings, code_read: bool) -> Result<()> {
    writeln!(out, "   WHAT IT COLLECTS")?;
    let data: Vec<&Finding> = a.section(Section::DataCollected).collect();
    if data.is_empty() {
        writeln!(
            out,
            "     nothing found{}",
            if code_read {
                ""
            } else {
                " (code not analysed: --no-code)"
            }
        )?;
    }
    for f in data.iter().take(MAX_LISTED) {
        let label = f
            .subcategory
            .as_deref()
            .or(f.category.as_deref())
            .unwrap_or("-");
        write_finding(out, f, label)?;
    }
    if data.len() > MAX_LISTED {
        writeln!(
            out,
            "     ... {} more (see --format json)",
            data.len() - MAX_LISTED
        )?;
    }
    let unused: Vec<&str> = a
        .of_kind("permission.unused")
        .map(|f| f.subject.as_str())
        .collect();
    if !unused.is_empty() {
        writeln!(
            out,
            "     requested, never used in the code: {}",
            unused.join(", ")
        )?;
    }
    for f in a.of_kind("permission.missing").take(MAX_LISTED) {
        writeln!(out, "     ! {}", f.reason)?;
    }

    writeln!(out, "   WHERE IT SENDS IT")?;
    let endpoints: Vec<_> = a.endpoints.iter().filter(|e| !e.identifier).collect();
    if endpoints.is_empty() {
        writeln!(out, "     no URL or IP address found")?;
    }
    for e in endpoints.iter().take(MAX_LISTED) {
        let mut tags = Vec::new();
        if e.cleartext {
            tags.push("CLEARTEXT".to_string());
        }
        if !e.trackers.is_empty() {
            tags.push(format!("tracker: {}", e.trackers.join(", ")));
        }
        writeln!(
            out,
            "     {}{}",
            e.value,
            if tags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", tags.join("; "))
            }
        )?;
        if let Some(first) = e.found_in.first() {
            writeln!(out, "       where {}", evidence_line(first))?;
        }
    }
    if endpoints.len() > MAX_LISTED {
        writeln!(
            out,
            "     ... {} more (see --format json)",
            endpoints.len() - MAX_LISTED
        )?;
    }
    let identifiers = a.endpoints.len() - endpoints.len();
    if identifiers > 0 {
        writeln!(
            out,
            "     ({identifiers} URL(s) that are identifiers, e.g. XML namespaces, not listed)"
        )?;
    }
    for f in a
        .section(Section::Network)
        .filter(|f| f.kind != "network.cleartext" && f.kind != "network.tracker_host")
    {
        write_finding(out, f, &f.kind)?;
    }

    for (section, title) in [
        (Section::Inside, "WHO IS INSIDE"),
        (Section::Traits, "SURVEILLANCE TRAITS"),
        (Section::Iocs, "INDICATORS OF COMPROMISE"),
    ] {
        writeln!(out, "   {title}")?;
        let list: Vec<&Finding> = a.section(section).collect();
        if list.is_empty() {
            writeln!(out, "     none found")?;
        }
        for f in list.iter().take(MAX_LISTED) {
            write_finding(out, f, &f.kind)?;
        }
        if list.len() > MAX_LISTED {
            writeln!(
                out,
                "     ... {} more (see --format json)",
                list.len() - MAX_LISTED
            )?;
        }
    }
    for e in a.errors.iter().take(5) {
        writeln!(out, "   ERROR {e}")?;
    }
    writeln!(out, "   APP FACTS")?;
    Ok(())
}

/// Writes the readable summary of one report and its findings.
pub fn write_report<W: Write>(out: &mut W, r: &Report, a: Option<&Findings>) -> Result<()> {
    let kind = match r.input.kind {
        InputKind::Apk => "APK",
        InputKind::SplitBundle => "split-APK bundle",
        InputKind::Dex => "DEX",
    };
    writeln!(
        out,
        "== {}  ({kind}, {})",
        r.input.path,
        human_size(r.input.size)
    )?;
    if let Some(h) = &r.input.hashes.sha256 {
        writeln!(out, "   sha256 {h}")?;
    }
    let code_read =
        r.code.as_ref().is_some_and(|c| c.decoded) || r.apks.iter().any(|a| a.code.decoded);
    if let Some(a) = a {
        write_findings(out, a, code_read)?;
    }
    if let Some(code) = &r.code {
        write_code(out, code)?;
    }
    if let Some(b) = &r.bundle {
        writeln!(
            out,
            "   bundle format {}: {} APK(s) inside",
            b.format,
            b.apk_entries.len()
        )?;
        for a in &b.container_anomalies {
            writeln!(out, "   ! container: {}", a.detail)?;
        }
    }
    for apk in &r.apks {
        if r.input.kind == InputKind::SplitBundle {
            writeln!(
                out,
                "\n-- {}  ({}, sha256 {})",
                apk.name,
                human_size(apk.size),
                apk.hashes.sha256.as_deref().unwrap_or("not computed")
            )?;
        }
        write_apk(out, apk)?;
    }
    writeln!(out)?;
    Ok(())
}

fn write_apk<W: Write>(out: &mut W, a: &ApkReport) -> Result<()> {
    if let Some(m) = &a.manifest {
        write_manifest(out, m)?;
    }
    let s = &a.signatures;
    if s.schemes.is_empty() {
        writeln!(out, "   signatures  none found (unsigned)")?;
    } else {
        writeln!(
            out,
            "   signatures  {} (located, NOT verified)",
            s.schemes.join(", ")
        )?;
        let mut shown = std::collections::BTreeSet::new();
        for signer in &s.signers {
            if let Some(c) = signer.certificates.first() {
                if shown.insert((c.sha256.clone(), signer.scheme)) {
                    writeln!(
                        out,
                        "     {:<5} {}  sha256 {}  {} {}{}",
                        signer.scheme,
                        c.subject,
                        c.sha256,
                        c.key_algorithm,
                        c.key_size.map(|k| k.to_string()).unwrap_or_default(),
                        if c.is_android_debug {
                            "  ANDROID DEBUG CERTIFICATE"
                        } else {
                            ""
                        }
                    )?;
                }
            }
        }
        for an in &s.anomalies {
            writeln!(out, "     ! {an}")?;
        }
    }
    let c = &a.contents;
    let libs: Vec<String> = c
        .native_libs
        .iter()
        .map(|(abi, l)| format!("{abi} ({})", l.len()))
        .collect();
    writeln!(
        out,
        "   contents    {} entries, {} dex, native libs: {}, {} assets",
        a.container.entries,
        c.dex.len(),
        if libs.is_empty() {
            "none".to_string()
        } else {
            libs.join(", ")
        },
        c.assets.len()
    )?;
    write_code(out, &a.code)?;
    for h in &c.hidden {
        writeln!(out, "     hidden {:<4} {}  ({})", h.kind, h.name, h.reason)?;
    }
    for n in &c.unsafe_names {
        writeln!(out, "     ! unsafe entry name {n:?}")?;
    }
    if a.container.android_would_reject {
        writeln!(out, "   ! Android would refuse to install this archive")?;
    }
    for an in &a.container.anomalies {
        writeln!(out, "   ! container: {} ({})", an.detail, an.kind)?;
    }
    for e in &a.errors {
        writeln!(out, "   ERROR {e}")?;
    }
    Ok(())
}

fn write_manifest<W: Write>(out: &mut W, m: &Manifest) -> Result<()> {
    writeln!(
        out,
        "   package     {}  versionCode {}  versionName {}",
        m.package.as_deref().unwrap_or("(none)"),
        m.version_code.map(|v| v.to_string()).unwrap_or("-".into()),
        m.version_name.as_deref().unwrap_or("-")
    )?;
    if let Some(split) = &m.split {
        writeln!(out, "   split       {split}")?;
    }
    let app = &m.application;
    if let Some(label) = &app.label {
        writeln!(
            out,
            "   label       {label:?}{}",
            if app.labels.len() > 1 {
                format!(" ({} configurations)", app.labels.len())
            } else {
                String::new()
            }
        )?;
    }
    writeln!(
        out,
        "   sdk         min {}  target {}  max {}",
        sdk(&m.min_sdk),
        sdk(&m.target_sdk),
        sdk(&m.max_sdk)
    )?;
    let mut flags = Vec::new();
    if app.debuggable {
        flags.push("DEBUGGABLE");
    }
    if app.test_only {
        flags.push("testOnly");
    }
    if app.allow_backup {
        flags.push("allowBackup");
    }
    if app.cleartext_default {
        flags.push("cleartext traffic allowed");
    }
    if app.persistent {
        flags.push("persistent");
    }
    if !flags.is_empty() {
        writeln!(out, "   flags       {}", flags.join(", "))?;
    }
    // The classes the platform instantiates before or beside the components (a packer's stub
    // usually sits in one of them).
    let classes: Vec<String> = [
        ("application", &app.class_name),
        ("component factory", &app.app_component_factory),
        ("backup agent", &app.backup_agent),
    ]
    .iter()
    .filter_map(|(what, name)| name.as_ref().map(|n| format!("{what} {n}")))
    .collect();
    if !classes.is_empty() {
        writeln!(out, "   classes     {}", classes.join(", "))?;
    }
    for i in &m.instrumentations {
        writeln!(
            out,
            "   instruments {} (target {})",
            i.name,
            i.target_package.as_deref().unwrap_or("-")
        )?;
    }
    if let Some(nsc) = &app.network_security_config {
        let mut parts = vec![nsc.file.clone()];
        if nsc.base_cleartext_permitted == Some(true)
            || nsc
                .domain_configs
                .iter()
                .any(|d| d.cleartext_permitted == Some(true))
        {
            parts.push("cleartext permitted".into());
        }
        if nsc.trusts_user_cas {
            parts.push("trusts user-installed CAs".into());
        }
        if nsc.has_pinning {
            parts.push("certificate pinning".into());
        }
        writeln!(out, "   network     security config {}", parts.join(", "))?;
    } else if let Some(r) = &app.network_security_config_ref {
        writeln!(out, "   network     security config {r} (unresolved)")?;
    }
    let dangerous = m
        .uses_permissions
        .iter()
        .filter(|p| p.protection_level.as_deref().map(base_level) == Some("dangerous"))
        .count();
    writeln!(
        out,
        "   permissions {} requested, {} dangerous",
        m.uses_permissions.len(),
        dangerous
    )?;
    for p in &m.uses_permissions {
        writeln!(
            out,
            "     {:<28} {}{}",
            p.protection_level.as_deref().unwrap_or("(unknown)"),
            p.name,
            p.max_sdk
                .map(|v| format!("  (maxSdk {v})"))
                .unwrap_or_default()
        )?;
    }
    for p in &m.permissions {
        writeln!(out, "     declares {:<19} {}", p.protection_level, p.name)?;
    }
    let count = |k: ComponentKind| m.components.iter().filter(|c| c.kind == k).count();
    writeln!(
        out,
        "   components  {} activities, {} aliases, {} services, {} receivers, {} providers; {} exported",
        count(ComponentKind::Activity),
        count(ComponentKind::ActivityAlias),
        count(ComponentKind::Service),
        count(ComponentKind::Receiver),
        count(ComponentKind::Provider),
        m.components.iter().filter(|c| c.exported).count()
    )?;
    let exported: Vec<_> = m.components.iter().filter(|c| c.exported).collect();
    for c in exported.iter().take(MAX_LISTED) {
        let mut actions: Vec<&str> = c
            .intent_filters
            .iter()
            .flat_map(|f| f.actions.iter().map(String::as_str))
            .collect();
        actions.sort_unstable();
        actions.dedup();
        writeln!(
            out,
            "     exported {:<14} {}{}{}",
            c.kind.tag(),
            c.name,
            c.permission
                .as_deref()
                .map(|p| format!("  [protected by {p}]"))
                .unwrap_or_default(),
            if actions.is_empty() {
                String::new()
            } else {
                format!("  <- {}", actions.join(", "))
            }
        )?;
    }
    if exported.len() > MAX_LISTED {
        writeln!(
            out,
            "     ... and {} more exported components (--format json lists all)",
            exported.len() - MAX_LISTED
        )?;
    }
    for an in &m.anomalies {
        writeln!(out, "   ! manifest: {an}")?;
    }
    Ok(())
}

fn write_code<W: Write>(out: &mut W, code: &CodeFacts) -> Result<()> {
    if code.dex.is_empty() {
        return Ok(());
    }
    let classes: u64 = code.dex.iter().map(|d| u64::from(d.classes)).sum();
    let methods: u64 = code.dex.iter().map(|d| u64::from(d.methods)).sum();
    let errors: u64 = code.dex.iter().map(|d| d.decode_errors).sum();
    match &code.index {
        Some(ix) => writeln!(
            out,
            "   code        {} dex, {classes} classes, {methods} method ids; {} instructions decoded, {} call sites indexed, {errors} decode errors",
            code.dex.len(),
            ix.instructions,
            ix.method_call_sites
        )?,
        None => writeln!(
            out,
            "   code        {} dex, {classes} classes, {methods} method ids{}",
            code.dex.len(),
            if code.decoded { "" } else { " (not decoded: --no-code)" }
        )?,
    }
    for d in &code.dex {
        let mut notes = Vec::new();
        if d.hidden {
            notes.push("HIDDEN: loaded by the app itself".to_string());
        }
        if d.adler32_ok == Some(false) || d.sha1_ok == Some(false) {
            notes.push("header checksum/signature mismatch".to_string());
        }
        if let Some(e) = &d.error {
            notes.push(format!("unreadable: {e}"));
        }
        if !notes.is_empty() {
            writeln!(out, "     ! {}: {}", d.name, notes.join("; "))?;
        }
    }
    Ok(())
}
