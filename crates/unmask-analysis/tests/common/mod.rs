//! Independent oracles for the analysis tests: AOSP `dexdump -d` (instruction offsets, lines,
//! class hierarchy) on a dex extracted with Info-ZIP `unzip -p`, and `aapt dump xmltree`
//! output stored in `fixtures/expected/` (manifest lines and attributes).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture APK by file name.
pub fn apk(name: &str) -> PathBuf {
    root().join("fixtures/apk").join(name)
}

fn tool_runs(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok()
}

/// One instruction as dexdump prints it.
#[derive(Debug, Clone)]
pub struct Insn {
    /// Offset in code units (`|0008:`).
    pub offset: u32,
    /// Text after the offset (`invoke-virtual {v1}, Lx;.m:()V // method@0003`).
    pub text: String,
}

/// A method with code.
#[derive(Debug, Clone, Default)]
pub struct Method {
    /// Class descriptor.
    pub class: String,
    /// Name.
    pub name: String,
    /// `Lcls;->name(proto)ret`.
    pub descriptor: String,
    /// Instructions.
    pub insns: Vec<Insn>,
    /// `positions`: (address, line).
    pub lines: Vec<(u32, u32)>,
}

/// A class definition.
#[derive(Debug, Clone, Default)]
pub struct Class {
    /// Descriptor.
    pub descriptor: String,
    /// Superclass descriptor.
    pub superclass: String,
    /// Interface descriptors.
    pub interfaces: Vec<String>,
}

/// What dexdump says about one dex file.
#[derive(Debug, Default)]
pub struct Dex {
    /// Zip entry the dex came from.
    pub entry: String,
    /// Classes defined.
    pub classes: Vec<Class>,
    /// Methods (with or without code).
    pub methods: Vec<Method>,
}

/// A code site found by the oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Class descriptor.
    pub class: String,
    /// Method descriptor.
    pub method: String,
    /// Offset in code units.
    pub offset: u32,
    /// Source line from `positions`, if any.
    pub line: Option<u32>,
}

/// Extracts `entry` of `apk` with `unzip -p` and parses `dexdump -d` on it. `None` (after a
/// loud SKIPPED line) when dexdump or unzip is missing.
pub fn dexdump(apk_name: &str, entry: &str) -> Option<Dex> {
    if !tool_runs("dexdump", "-h") {
        println!("SKIPPED: dexdump not found (apt-get install dexdump)");
        return None;
    }
    if !tool_runs("unzip", "-v") {
        println!("SKIPPED: unzip not found");
        return None;
    }
    let out = Command::new("unzip")
        .arg("-p")
        .arg(apk(apk_name))
        .arg(entry)
        .output()
        .expect("unzip");
    assert!(out.status.success(), "unzip -p {apk_name} {entry}");
    assert!(out.stdout.starts_with(b"dex\n"), "{entry} is not a dex");
    // Tests run in parallel: one file per call.
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = std::env::temp_dir().join(format!(
        "unmask-traits-{}-{seq}-{}-{}.dex",
        std::process::id(),
        apk_name,
        entry.replace('/', "_")
    ));
    std::fs::write(&tmp, &out.stdout).expect("write temp dex");
    let dump = Command::new("dexdump").arg("-d").arg(&tmp).output();
    let _ = std::fs::remove_file(&tmp);
    let dump = dump.expect("dexdump");
    assert!(dump.status.success(), "dexdump failed on {entry}");
    let mut d = parse(&String::from_utf8_lossy(&dump.stdout));
    d.entry = entry.to_string();
    Some(d)
}

fn quoted(line: &str) -> Option<String> {
    let a = line.find('\'')?;
    let b = line.rfind('\'')?;
    (b > a).then(|| line[a + 1..b].to_string())
}

/// Parses `dexdump -d` output.
pub fn parse(text: &str) -> Dex {
    let mut d = Dex::default();
    let mut cur: Option<Method> = None;
    let mut in_interfaces = false;
    let mut in_positions = false;
    let flush = |d: &mut Dex, cur: &mut Option<Method>| {
        if let Some(m) = cur.take() {
            d.methods.push(m);
        }
    };
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("Class descriptor  :") {
            flush(&mut d, &mut cur);
            d.classes.push(Class {
                descriptor: quoted(t).unwrap_or_default(),
                ..Class::default()
            });
            in_interfaces = false;
            continue;
        }
        if t.starts_with("Superclass        :") {
            if let Some(c) = d.classes.last_mut() {
                c.superclass = quoted(t).unwrap_or_default();
            }
            continue;
        }
        if t.starts_with("Interfaces        -") {
            in_interfaces = true;
            continue;
        }
        if t.starts_with("Static fields") || t.starts_with("Instance fields") {
            in_interfaces = false;
            continue;
        }
        if in_interfaces && t.starts_with('#') {
            if let (Some(c), Some(i)) = (d.classes.last_mut(), quoted(t)) {
                c.interfaces.push(i);
            }
            continue;
        }
        if t.starts_with('#') && t.contains(": (in ") {
            flush(&mut d, &mut cur);
            in_positions = false;
            let class = t
                .split("(in ")
                .nth(1)
                .unwrap_or("")
                .trim_end_matches(')')
                .to_string();
            cur = Some(Method {
                class,
                ..Method::default()
            });
            continue;
        }
        let Some(m) = cur.as_mut() else { continue };
        if t.starts_with("name          :") && m.name.is_empty() {
            m.name = quoted(t).unwrap_or_default();
            continue;
        }
        if t.starts_with("type          :") && m.descriptor.is_empty() {
            let ty = quoted(t).unwrap_or_default();
            m.descriptor = format!("{}->{}{}", m.class, m.name, ty);
            continue;
        }
        if t.starts_with("positions     :") {
            in_positions = true;
            continue;
        }
        if t.starts_with("locals        :") || t.starts_with("catches       :") {
            in_positions = false;
            continue;
        }
        if in_positions {
            // `0x0004 line=110`
            if let Some((addr, l)) = t.split_once(" line=") {
                if let (Ok(a), Ok(l)) = (
                    u32::from_str_radix(addr.trim_start_matches("0x"), 16),
                    l.trim().parse(),
                ) {
                    m.lines.push((a, l));
                }
            }
            continue;
        }
        // Instruction lines: `001704: 6e20 0900 0100    |0004: invoke-virtual {...}`.
        if let Some((_, rest)) = line.split_once('|') {
            if rest.starts_with('[') {
                continue;
            }
            if let Some((off, text)) = rest.split_once(": ") {
                if off.len() == 4 {
                    if let Ok(o) = u32::from_str_radix(off, 16) {
                        m.insns.push(Insn {
                            offset: o,
                            text: text.to_string(),
                        });
                    }
                }
            }
        }
    }
    flush(&mut d, &mut cur);
    d
}

/// How dexdump writes a reference: `Lcls;->name(P)R` → `Lcls;.name:(P)R`, `Lcls;->F:T` →
/// `Lcls;.F:T`, anything else (a string) → `"..."`.
pub fn dexdump_ref(item: &str) -> String {
    match item.split_once("->") {
        Some((cls, rest)) => match rest.find('(') {
            Some(p) if !rest[..p].contains(':') => {
                format!("{cls}.{}:{}", &rest[..p], &rest[p..])
            }
            _ => format!("{cls}.{rest}"),
        },
        None => format!("\"{item}\""),
    }
}

impl Dex {
    /// The class defined with this descriptor.
    pub fn class(&self, descriptor: &str) -> &Class {
        self.classes
            .iter()
            .find(|c| c.descriptor == descriptor)
            .unwrap_or_else(|| panic!("dexdump: no class {descriptor} in {}", self.entry))
    }

    /// Whether a class with this descriptor is defined.
    pub fn defines(&self, descriptor: &str) -> bool {
        self.classes.iter().any(|c| c.descriptor == descriptor)
    }

    /// The only method of `class` named `name`.
    pub fn method(&self, class: &str, name: &str) -> &Method {
        let ms: Vec<&Method> = self
            .methods
            .iter()
            .filter(|m| m.class == class && m.name == name)
            .collect();
        assert_eq!(ms.len(), 1, "dexdump: methods {class}.{name}: {ms:#?}");
        ms[0]
    }

    /// The only instruction of `class.name` whose opcode starts with `op` and that references
    /// `item` (an API/field key as unmask writes it, or a string).
    pub fn site(&self, class: &str, name: &str, op: &str, item: &str) -> Site {
        let m = self.method(class, name);
        let needle = dexdump_ref(item);
        let hits: Vec<&Insn> = m
            .insns
            .iter()
            .filter(|i| i.text.starts_with(op) && i.text.contains(&needle))
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "dexdump: {op} {needle} in {}: {:#?}",
            m.descriptor,
            m.insns
        );
        let offset = hits[0].offset;
        let line = m
            .lines
            .iter()
            .filter(|(a, _)| *a <= offset)
            .max_by_key(|(a, _)| *a)
            .map(|(_, l)| *l);
        Site {
            class: class.to_string(),
            method: m.descriptor.clone(),
            offset,
            line,
        }
    }
}

/// One element of `aapt dump xmltree` output.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Tag.
    pub tag: String,
    /// `line=` of the element.
    pub line: u32,
    /// Depth (indentation).
    pub depth: usize,
    /// Attributes: (`android:name`, value as printed: a string's text, else the raw form).
    pub attrs: Vec<(String, String)>,
}

impl Element {
    /// Attribute value by name (`android:name`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The manifest tree of a fixture as stored by `fixtures/dump-expected.sh`
/// (`aapt dump xmltree APK AndroidManifest.xml`), in document order.
pub fn xmltree(apk_name: &str) -> Vec<Element> {
    let p = root()
        .join("fixtures/expected")
        .join(format!("{apk_name}.xmltree.txt"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out: Vec<Element> = Vec::new();
    for line in text.lines() {
        let depth = line.len() - line.trim_start().len();
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("E: ") {
            let (tag, l) = rest.split_once(" (line=").unwrap_or((rest, "0)"));
            out.push(Element {
                tag: tag.to_string(),
                line: l.trim_end_matches(')').parse().unwrap_or(0),
                depth,
                attrs: Vec::new(),
            });
        } else if let Some(rest) = t.strip_prefix("A: ") {
            // `android:name(0x01010003)="value" (Raw: "value")` or `...=(type 0x10)0x3e7`
            let name = rest.split('(').next().unwrap_or("").to_string();
            let value = match rest.split_once(")=\"") {
                Some((_, v)) => v.split("\" (Raw").next().unwrap_or("").to_string(),
                None => rest.split_once(")=").map_or("", |(_, v)| v).to_string(),
            };
            if let Some(e) = out.last_mut() {
                e.attrs.push((name, value));
            }
        }
    }
    out
}

/// The element `tag` whose `android:name` is `name`, and the `android:name` of every
/// `action` below it.
pub fn component<'a>(tree: &'a [Element], tag: &str, name: &str) -> (&'a Element, Vec<String>) {
    let i = tree
        .iter()
        .position(|e| e.tag == tag && e.attr("android:name") == Some(name))
        .unwrap_or_else(|| panic!("aapt xmltree: no <{tag} android:name={name}>"));
    let el = &tree[i];
    let actions = tree[i + 1..]
        .iter()
        .take_while(|e| e.depth > el.depth)
        .filter(|e| e.tag == "action")
        .filter_map(|e| e.attr("android:name").map(str::to_string))
        .collect();
    (el, actions)
}

/// `unzip -Z1`-style listing of a fixture's entries, with uncompressed sizes (`unzip -Zl`).
pub fn zip_entries(apk_name: &str) -> Option<Vec<(String, u64)>> {
    if !tool_runs("unzip", "-v") {
        println!("SKIPPED: unzip not found");
        return None;
    }
    let out = Command::new("unzip")
        .args(["-Z", "-l"])
        .arg(apk(apk_name))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // `-rw----     2.0 fat      564 b-      564 stor 80-Jan-01 00:00 assets/fonts/roboto.ttf`
    let mut v = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 10 && f[1].contains('.') {
            if let Ok(size) = f[3].parse() {
                v.push((f[9..].join(" "), size));
            }
        }
    }
    Some(v)
}

/// Bytes of one entry (`unzip -p`).
pub fn entry_bytes(apk_name: &str, entry: &str) -> Vec<u8> {
    let out = Command::new("unzip")
        .arg("-p")
        .arg(apk(apk_name))
        .arg(entry)
        .output()
        .expect("unzip");
    assert!(out.status.success());
    out.stdout
}
