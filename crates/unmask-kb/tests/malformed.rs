//! Malformed knowledge-base files give errors naming the file, the line and the problem.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use unmask_kb::{Kb, KbError, FILES};

fn repo_kb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb")
}

/// A copy of the repository's knowledge base in a temp dir.
fn copy_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        let dst = dir.path().join(f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(repo_kb().join(f), dst).unwrap();
    }
    dir
}

/// Appends `line` to `file` in a fresh copy, loads it and returns the error plus the line
/// number of the appended line.
fn append(file: &str, line: &str) -> (KbError, usize) {
    let dir = copy_kb();
    let path = dir.path().join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let line_no = text.lines().count() + 1;
    text.push_str(line);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    match Kb::from_dir(dir.path()) {
        Ok(_) => panic!("{file}: appending {line:?} was accepted"),
        Err(e) => (e, line_no),
    }
}

fn assert_error(file: &str, line: &str, needle: &str) {
    let (err, line_no) = append(file, line);
    let msg = err.to_string();
    println!("{msg}");
    assert_eq!(err.file(), file, "{msg}");
    assert_eq!(err.line(), Some(line_no), "{msg}");
    assert!(msg.starts_with(&format!("{file}:{line_no}: ")), "{msg}");
    assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
}

const TM: &str = "Landroid/telephony/TelephonyManager;";

#[test]
fn unknown_category() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_ids\tdevice_ids.imei\t-\t-\tframework\t-"),
        "unknown category \"device_ids\"",
    );
    assert_error(
        "api/content-uris.tsv",
        "uri\tcontent://foo\tsmss\tsmss\t-\t-",
        "unknown category \"smss\"",
    );
}

#[test]
fn subcategory_outside_category() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tlocation.imei\t-\t-\tframework\t-"),
        "column subcategory",
    );
}

#[test]
fn missing_column() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tdevice_id.imei\t-\t-\tframework"),
        "expected 10 tab-separated columns",
    );
    assert_error(
        "apps/watched-apps.tsv",
        "com.example.foo\tFoo",
        "expected 3 tab-separated columns",
    );
}

#[test]
fn empty_field() {
    assert_error(
        "api/sinks.tsv",
        "method\tLjava/net/URL;\topenFoo\t*\tnetwork\tnetwork.http\tframework\t",
        "column note is empty",
    );
}

#[test]
fn duplicate_rows() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetDeviceId\t*\tdevice_id\tdevice_id.imei\t-\t-\tframework\t-"),
        "duplicate row",
    );
    assert_error(
        "apps/watched-apps.tsv",
        "com.whatsapp\tWhatsApp again\tmessenger",
        "duplicate package com.whatsapp",
    );
    assert_error(
        "api/sinks.tsv",
        "method\tLandroid/util/Log;\td\t*\tlogs\tlogs.logcat\tframework\t-",
        "duplicate row",
    );
    assert_error(
        "api/content-uris.tsv",
        "uri\tcontent://sms\tsms\tsms\t-\t-",
        "duplicate URI",
    );
    assert_error(
        "trackers/exodus-trackers.tsv",
        "1\tTeemo bis\t-\tAnalytics\tcom.teemo2.\t-\t-",
        "duplicate tracker id 1",
    );
    assert_error(
        "packers/packers.tsv",
        "jiagu\tJiagu\tpacker\tclass\texact\tcom.stub.StubApp\tx\t-",
        "duplicate rule",
    );
}

#[test]
fn bad_regex() {
    assert_error(
        "trackers/exodus-trackers.tsv",
        "99999\tBroken\t-\tAnalytics\tcom.broken.(\t-\t-",
        "invalid regex",
    );
    assert_error(
        "trackers/exodus-trackers.tsv",
        "99999\tBroken\t-\tAnalytics\tcom.broken.\tbroken[\t-",
        "column network_signature",
    );
    assert_error(
        "packers/packers.tsv",
        "broken\tBroken\tpacker\tnative_lib\tregex\t^lib(broken\\.so$\tx\t-",
        "invalid regex",
    );
}

#[test]
fn unknown_permission() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tdevice_id.imei\tandroid.permission.READ_PHONE_STATES\t-\tframework\t-"),
        "unknown permission \"android.permission.READ_PHONE_STATES\"",
    );
    assert_error(
        "api/content-uris.tsv",
        "uri\tcontent://foo\tsms\tsms\tREAD_SMS\t-",
        "unknown permission \"READ_SMS\"",
    );
}

#[test]
fn bad_values() {
    assert_error(
        "api/apis.tsv",
        "method\tandroid.telephony.TelephonyManager\tgetFoo\t*\tdevice_id\tdevice_id\t-\t-\tframework\t-",
        "not a DEX class descriptor",
    );
    assert_error(
        "api/apis.tsv",
        &format!("field\t{TM}\tFOO\t*\tdevice_id\tdevice_id\t-\t-\tframework\t-"),
        "fields take -",
    );
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tdevice_id\t-\t-\tsdk\t-"),
        "column origin",
    );
    assert_error(
        "api/content-uris.tsv",
        "uri\thttp://sms\tsms\tsms\t-\t-",
        "must start with content://",
    );
    assert_error(
        "api/sinks.tsv",
        "method\tLjava/net/URL;\topenFoo\t*\tnet\tnet.http\tframework\t-",
        "unknown sink kind",
    );
    assert_error(
        "apps/watched-apps.tsv",
        "com.example.foo\tFoo\tbank",
        "unknown app category",
    );
    assert_error(
        "apps/watched-apps.tsv",
        "not a package\tFoo\tvpn",
        "invalid package name",
    );
    assert_error(
        "packers/packers.tsv",
        "x\tX\tpacker\tdex_feature\texact\tmagic\tx\t-",
        "dex_feature rules need",
    );
    assert_error(
        "trackers/exodus-trackers.tsv",
        "abc\tX\t-\t-\t-\t-\t-",
        "is not a number",
    );
}

#[test]
fn bad_condition() {
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tdevice_id\t-\targ:x=1\tframework\t-"),
        "column condition",
    );
    assert_error(
        "api/apis.tsv",
        &format!("method\t{TM}\tgetFoo\t*\tdevice_id\tdevice_id\t-\targ:0=\tframework\t-"),
        "column condition",
    );
    assert_error(
        "api/apis.tsv",
        &format!("field\t{TM}\tFOO\t-\tdevice_id\tdevice_id\t-\tcallback\tframework\t-"),
        "fields take -",
    );
}

#[test]
fn bad_header_and_missing_file() {
    let dir = copy_kb();
    let path = dir.path().join("api/sinks.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("\tsubkind\t", "\tsub_kind\t", 1);
    std::fs::write(&path, text).unwrap();
    let err = Kb::from_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.file(), "api/sinks.tsv");
    assert_eq!(err.line(), Some(2), "{msg}");
    assert!(
        msg.contains("missing columns: [subkind]") && msg.contains("unknown columns: [sub_kind]"),
        "{msg}"
    );

    let dir = copy_kb();
    std::fs::remove_file(dir.path().join("packers/packers.tsv")).unwrap();
    let err = Kb::from_dir(dir.path()).unwrap_err();
    assert!(matches!(err, KbError::Io { .. }));
    assert_eq!(err.file(), "packers/packers.tsv");
    assert!(err
        .to_string()
        .starts_with("packers/packers.tsv: cannot read"));
}

#[test]
fn android_lists_fall_back_to_embedded() {
    let dir = copy_kb();
    std::fs::remove_dir_all(dir.path().join("android")).unwrap();
    let kb = Kb::from_dir(dir.path()).unwrap();
    assert_eq!(kb.counts(), Kb::embedded().unwrap().counts());
    assert!(Path::new(&kb.source).ends_with(dir.path().file_name().unwrap()));
}
