//! Differential test against the Python `stix2-patterns` validator (OASIS' reference grammar).
//! Skipped, loudly, when it is not installed. Install it with
//! `python3 -m venv /tmp/stixvenv && /tmp/stixvenv/bin/pip install stix2-patterns`, or point
//! `UNMASK_STIX2_PATTERNS_PYTHON` at a Python that has it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod cases;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Patterns on which we knowingly differ, with why.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    (
        "[a:b = 'c'] REPEATS 0 TIMES",
        "the spec says REPEATS takes a positive integer; the ANTLR grammar's IntPosLiteral admits 0",
    ),
    (
    "[file:hashes.SHA-256 = 'aa']",
    "unquoted hyphen in a property name: the grammar wants 'SHA-256' quoted; accepted as written in some feeds",
)];

/// Extra edge cases.
const EXTRA: &[&str] = &[
    "[a:b = 'c']",
    "[a:b == 'c']",
    "[a:b IN ()]",
    "[a:b = +5]",
    "[A:b = 'c']",
    "[a-:b = 'c']",
    "[a:b = 'c' ]  ",
    "[a:'b' = 'c']",
    "[a:b = 1.5] AND [a:b = -1]",
    "[a:b = 1.]",
    "[a:b MATCHES 5]",
    "[a:b LIKE 'x'] REPEATS 2 TIMES",
    "[a:b = 'c'] WITHIN 1.5 SECONDS",
    "([a:b = 'c'] OR [d:e = 'f']) AND [g:h = 'i']",
    "[(a:b = 'c')]",
    "[a:b = 'c'] AND",
    "[a:b = 'c']]",
    "[[a:b = 'c']]",
    "[a:b.c.d = 'x' OR a:b = 'y' AND NOT EXISTS a:e]",
    "[a:b NOT IN ('x')]",
    "[a:b = 'c'] FOLLOWEDBY [d:e = 'f'] FOLLOWEDBY [g:h = 'i']",
    "[a:b = true]",
    "[a:b = TRUE]",
    "[a:b = 'it\\'s']",
    "[a:b = 'tab\there']",
    "[a:b = 'ünïcödé']",
    "[a:b > t'2020-01-01T00:00:00Z']",
    "[a:b = b'AAAA']",
    "[a:b[0] = 'c']",
    "[a:b[*].c = 'd']",
    "[a:b = 99999999999999999999]",
    "[a:b = 'c'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[a:b = 'c'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
    "[file:hashes.SHA-256 = 'aa']",
    "[a:b = 'c' AND d:e = 'f']",
    "[a:b = 'c'] and [d:e = 'f']",
];

fn python() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("UNMASK_STIX2_PATTERNS_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            PathBuf::from("/tmp/stixvenv/bin/python"),
            PathBuf::from("python3"),
        ])
        .collect();
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import stix2patterns"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn agrees_with_stix2_patterns() {
    let Some(py) = python() else {
        println!("SKIPPED: stix2-patterns oracle not installed (python3 -m venv /tmp/stixvenv && /tmp/stixvenv/bin/pip install stix2-patterns)");
        eprintln!("SKIPPED: stix2-patterns oracle not installed");
        return;
    };
    let mut patterns: Vec<String> = Vec::new();
    patterns.extend(cases::SPEC_EXAMPLES.iter().map(|s| s.to_string()));
    patterns.extend(cases::MALFORMED.iter().map(|(s, _, _)| s.to_string()));
    patterns.extend(EXTRA.iter().map(|s| s.to_string()));
    // Every distinct pattern of the knowledge base.
    let kb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kb/iocs");
    let mut kb_patterns = std::collections::BTreeSet::new();
    for name in unmask_ioc::embedded_names() {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(kb.join(name)).unwrap()).unwrap();
        for o in v["objects"].as_array().unwrap() {
            if let Some(p) = o["pattern"].as_str() {
                kb_patterns.insert(p.to_string());
            }
        }
    }
    let n_kb = kb_patterns.len();
    patterns.extend(kb_patterns);

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stix2_patterns_oracle.py");
    let mut child = Command::new(&py)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(&patterns).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    let verdicts: Vec<(Option<bool>, String)> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts.len(), patterns.len());

    let mut agree = 0;
    let mut crashed = 0;
    let mut same_position = 0;
    let mut diffs = Vec::new();
    for (p, (theirs, msg)) in patterns.iter().zip(&verdicts) {
        let ours = unmask_ioc::pattern::parse(p);
        let Some(theirs) = theirs else {
            crashed += 1;
            println!(
                "oracle crashed on {p:?} ({msg}); ours: {:?}",
                ours.as_ref().map(|_| ())
            );
            continue;
        };
        if ours.is_ok() == *theirs {
            agree += 1;
            if let Err(e) = &ours {
                let col = msg
                    .split("line 1:")
                    .nth(1)
                    .and_then(|r| r.split('.').next())
                    .and_then(|c| c.parse::<usize>().ok());
                if col
                    == Some(
                        p.get(..e.position)
                            .map_or(e.position, |s| s.chars().count()),
                    )
                {
                    same_position += 1;
                }
                println!("both reject {p:?}: ours {e}; theirs {msg}");
            }
        } else if KNOWN_DIVERGENCES.iter().any(|(k, _)| k == p) {
            println!(
                "known divergence {p:?}: ours {:?}, theirs {msg}",
                ours.err()
            );
        } else {
            diffs.push(format!(
                "{p:?}: ours {:?}, stix2-patterns {theirs} {msg}",
                ours.err()
            ));
        }
    }
    println!(
        "stix2-patterns oracle: {} patterns ({n_kb} from kb/iocs), {agree} agree ({same_position} rejected at the same position), {crashed} crashed the oracle, {} known divergences",
        patterns.len(),
        KNOWN_DIVERGENCES.len()
    );
    assert!(diffs.is_empty(), "disagreements:\n{}", diffs.join("\n"));
}
