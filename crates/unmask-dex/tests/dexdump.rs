//! Differential test against AOSP `dexdump -d`: every instruction of every method of every dex
//! in the shared corpus, rendered the way dexdump renders it, must match dexdump's line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use rayon::prelude::*;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use unmask_dex::insn::{InsnErrorKind, Operands};
use unmask_dex::{CodeItem, DexFile, IndexKind, Instruction};

const DEXDUMP: &str = "/usr/bin/dexdump";

/// Known differences that are dexdump's fault: (dex label substring, reason).
const DEXDUMP_FAULTS: &[(&str, &str)] = &[];

/// C `printf("%g")` for a double.
fn c_g(v: f64) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let e = format!("{v:.5e}");
    let (mant, exp) = e.split_once('e').unwrap();
    let x: i32 = exp.parse().unwrap();
    if !(-4..6).contains(&x) {
        format!(
            "{}e{}{:02}",
            strip(mant.to_string()),
            if x < 0 { '-' } else { '+' },
            x.abs()
        )
    } else {
        strip(format!("{:.*}", (5 - x) as usize, v))
    }
}

fn dot(desc: &[u8]) -> Vec<u8> {
    let mut d = desc;
    if d.len() >= 2 && d[0] == b'L' && d[d.len() - 1] == b';' {
        d = &d[1..d.len() - 1];
    }
    d.iter()
        .map(|&c| if c == b'/' { b'.' } else { c })
        .collect()
}

fn method_str(dex: &DexFile<'_>, idx: u32) -> Option<Vec<u8>> {
    let m = dex.method_id(idx).ok()?;
    let mut s = dex.type_raw(u32::from(m.class_idx)).ok()?.to_vec();
    s.push(b'.');
    s.extend_from_slice(dex.string_raw(m.name_idx).ok()?);
    s.push(b':');
    s.extend(dex.proto_signature_raw(u32::from(m.proto_idx)).ok()?);
    Some(s)
}

fn index_str(dex: &DexFile<'_>, insn: &Instruction<'_>) -> Vec<u8> {
    let Some((kind, idx)) = insn.index() else {
        return b"<?>".to_vec();
    };
    let width = if matches!(insn.operands, Operands::F31c { .. }) {
        8
    } else {
        4
    };
    let n = |i: u32| format!("{i:0width$x}");
    let mut o = Vec::new();
    match kind {
        IndexKind::Type => match dex.type_raw(idx) {
            Ok(t) => {
                o.extend_from_slice(t);
                o.extend(format!(" // type@{}", n(idx)).bytes());
            }
            Err(_) => o.extend(format!("<type?> // type@{}", n(idx)).bytes()),
        },
        IndexKind::String => match dex.string_raw(idx) {
            Ok(s) => {
                o.push(b'"');
                o.extend_from_slice(s);
                o.extend(format!("\" // string@{}", n(idx)).bytes());
            }
            Err(_) => o.extend(format!("<string?> // string@{}", n(idx)).bytes()),
        },
        IndexKind::Method => match method_str(dex, idx) {
            Some(s) => {
                o.extend(s);
                o.extend(format!(" // method@{}", n(idx)).bytes());
            }
            None => o.extend(format!("<method?> // method@{}", n(idx)).bytes()),
        },
        IndexKind::Field => {
            let f = dex.field_id(idx).ok().and_then(|f| {
                let mut s = dex.type_raw(u32::from(f.class_idx)).ok()?.to_vec();
                s.push(b'.');
                s.extend_from_slice(dex.string_raw(f.name_idx).ok()?);
                s.push(b':');
                s.extend_from_slice(dex.type_raw(u32::from(f.type_idx)).ok()?);
                Some(s)
            });
            match f {
                Some(s) => {
                    o.extend(s);
                    o.extend(format!(" // field@{}", n(idx)).bytes());
                }
                None => o.extend(format!("<field?> // field@{}", n(idx)).bytes()),
            }
        }
        IndexKind::MethodAndProto => {
            let proto = insn.proto_index().unwrap();
            o.extend(method_str(dex, idx).unwrap_or_else(|| b"<method?>".to_vec()));
            o.extend_from_slice(b", ");
            o.extend(
                dex.proto_signature_raw(proto)
                    .unwrap_or_else(|_| b"<proto?>".to_vec()),
            );
            o.extend(format!(" // method@{}, proto@{}", n(idx), n(proto)).bytes());
        }
        IndexKind::CallSite => o.extend(format!("call_site@{}", n(idx)).bytes()),
        IndexKind::MethodHandle => o.extend(format!("method_handle@{}", n(idx)).bytes()),
        IndexKind::Proto => match dex.proto_signature_raw(idx) {
            Ok(s) => {
                o.extend(s);
                o.extend(format!(" // proto@{}", n(idx)).bytes());
            }
            Err(_) => o.extend(format!("<?> // proto@{}", n(idx)).bytes()),
        },
        IndexKind::None | IndexKind::Unknown => o.extend_from_slice(b"<?>"),
    }
    o
}

fn targ(pc: u32, t: i32) -> String {
    format!(
        "{:04x} // {}{:04x}",
        pc.wrapping_add(t as u32),
        if t < 0 { '-' } else { '+' },
        t.unsigned_abs()
    )
}

/// Renders one line as dexdump does (without the trailing newline).
fn render(
    dex: &DexFile<'_>,
    code: &CodeItem<'_>,
    pc: u32,
    width: u32,
    insn: Option<&Instruction<'_>>,
    op: u8,
) -> Vec<u8> {
    let mut o = format!("{:06x}:", code.offset + 0x10 + pc * 2).into_bytes();
    for i in 0..8u32 {
        if i < width {
            if i == 7 {
                o.extend_from_slice(b" ... ");
            } else {
                let b = (pc + i) as usize * 2;
                o.extend(format!(" {:02x}{:02x}", code.insns[b], code.insns[b + 1]).bytes());
            }
        } else {
            o.extend_from_slice(b"     ");
        }
    }
    let Some(insn) = insn else {
        o.extend(format!("|{pc:04x}: {}", unmask_dex::Opcode(op).name()).bytes());
        return o;
    };
    let s = match insn.operands {
        Operands::PackedSwitchPayload { .. } => {
            format!("|{pc:04x}: packed-switch-data ({width} units)")
        }
        Operands::SparseSwitchPayload { .. } => {
            format!("|{pc:04x}: sparse-switch-data ({width} units)")
        }
        Operands::FillArrayDataPayload { .. } => format!("|{pc:04x}: array-data ({width} units)"),
        _ if insn.opcode.0 == 0 => format!("|{pc:04x}: nop // spacer"),
        _ => format!("|{pc:04x}: {}", insn.opcode.name()),
    };
    o.extend(s.bytes());
    let idx = || index_str(dex, insn);
    match insn.operands {
        Operands::F12x { a, b } => o.extend(format!(" v{a}, v{b}").bytes()),
        Operands::F11n { a, lit } => {
            o.extend(format!(" v{a}, #int {lit} // #{:x}", lit as u8).bytes())
        }
        Operands::F11x { a } => o.extend(format!(" v{a}").bytes()),
        Operands::F10t { offset } => o.extend(format!(" {}", targ(pc, i32::from(offset))).bytes()),
        Operands::F20t { offset } => o.extend(format!(" {}", targ(pc, i32::from(offset))).bytes()),
        Operands::F22x { a, b } => o.extend(format!(" v{a}, v{b}").bytes()),
        Operands::F21t { a, offset } => {
            o.extend(format!(" v{a}, {}", targ(pc, i32::from(offset))).bytes())
        }
        Operands::F21s { a, lit } => {
            o.extend(format!(" v{a}, #int {lit} // #{:x}", lit as u16).bytes())
        }
        Operands::F21h { a, high } => {
            if insn.opcode.0 == 0x15 {
                o.extend(
                    format!(
                        " v{a}, #int {} // #{high:x}",
                        (u32::from(high) << 16) as i32
                    )
                    .bytes(),
                )
            } else {
                o.extend(
                    format!(
                        " v{a}, #long {} // #{high:x}",
                        (u64::from(high) << 48) as i64
                    )
                    .bytes(),
                )
            }
        }
        Operands::F21c { a, .. } | Operands::F31c { a, .. } => {
            o.extend(format!(" v{a}, ").bytes());
            o.extend(idx());
        }
        Operands::F23x { a, b, c } => o.extend(format!(" v{a}, v{b}, v{c}").bytes()),
        Operands::F22b { a, b, lit } => {
            o.extend(format!(" v{a}, v{b}, #int {lit} // #{:02x}", lit as u8).bytes())
        }
        Operands::F22t { a, b, offset } => {
            o.extend(format!(" v{a}, v{b}, {}", targ(pc, i32::from(offset))).bytes())
        }
        Operands::F22s { a, b, lit } => {
            o.extend(format!(" v{a}, v{b}, #int {lit} // #{:04x}", lit as u16).bytes())
        }
        Operands::F22c { a, b, .. } => {
            o.extend(format!(" v{a}, v{b}, ").bytes());
            o.extend(idx());
        }
        Operands::F30t { offset } => o.extend(format!(" #{:08x}", offset as u32).bytes()),
        Operands::F31i { a, lit } => o.extend(
            format!(
                " v{a}, #float {} // #{:08x}",
                c_g(f64::from(f32::from_bits(lit as u32))),
                lit as u32
            )
            .bytes(),
        ),
        Operands::F31t { a, offset } => o.extend(
            format!(
                " v{a}, {:08x} // +{:08x}",
                pc.wrapping_add(offset as u32),
                offset as u32
            )
            .bytes(),
        ),
        Operands::F32x { a, b } => o.extend(format!(" v{a}, v{b}").bytes()),
        Operands::F35c { .. }
        | Operands::F45cc { .. }
        | Operands::F3rc { .. }
        | Operands::F4rcc { .. } => {
            let regs: Vec<String> = insn
                .arg_registers()
                .iter()
                .map(|r| format!("v{r}"))
                .collect();
            o.extend(format!(" {{{}}}, ", regs.join(", ")).bytes());
            o.extend(idx());
        }
        Operands::F51l { a, lit } => o.extend(
            format!(
                " v{a}, #double {} // #{:016x}",
                c_g(f64::from_bits(lit as u64)),
                lit as u64
            )
            .bytes(),
        ),
        _ => {}
    }
    o
}

#[derive(Default)]
struct Stats {
    ops: Vec<bool>,
    positions: u64,
    dexes: u64,
    classes: u64,
    methods: u64,
    instructions: u64,
    failures: Vec<String>,
    excused: Vec<String>,
}

/// Our rendering: counts line and per-method blocks (header line + instruction lines).
struct Ours {
    ops: [bool; 259],
    positions: Vec<Vec<u8>>,
    counts: Vec<[u32; 4]>,
    blocks: Vec<Vec<u8>>,
    instructions: u64,
}

fn ours(dex: &DexFile<'_>) -> Result<Ours, String> {
    let mut counts = Vec::new();
    let mut blocks = Vec::new();
    let mut instructions = 0;
    let mut ops = [false; 259];
    let mut positions = Vec::new();
    for class in dex.classes() {
        let class = class.map_err(|e| e.to_string())?;
        let data = dex.class_data(&class.def).map_err(|e| e.to_string())?;
        let nf = data.fields.len() as u32;
        let nm = data.methods.len() as u32;
        counts.push([
            data.static_fields,
            nf - data.static_fields,
            data.direct_methods,
            nm - data.direct_methods,
        ]);
        for m in class.methods().map_err(|e| e.to_string())? {
            let m = m.map_err(|e| e.to_string())?;
            let Some(code) = m.code else { continue };
            let mid = dex
                .method_id(m.encoded.method_idx)
                .map_err(|e| e.to_string())?;
            let mut b = format!(
                "{:06x}:{}|[{:06x}] ",
                code.offset,
                " ".repeat(40),
                code.offset
            )
            .into_bytes();
            b.extend(dot(dex
                .type_raw(u32::from(mid.class_idx))
                .map_err(|e| e.to_string())?));
            b.push(b'.');
            b.extend_from_slice(dex.string_raw(mid.name_idx).map_err(|e| e.to_string())?);
            b.push(b':');
            b.extend(
                dex.proto_signature_raw(u32::from(mid.proto_idx))
                    .map_err(|e| e.to_string())?,
            );
            b.push(b'\n');
            for item in code.instructions() {
                match item {
                    Ok((pc, insn)) => {
                        let slot = match insn.operands {
                            Operands::PackedSwitchPayload { .. } => 256,
                            Operands::SparseSwitchPayload { .. } => 257,
                            Operands::FillArrayDataPayload { .. } => 258,
                            _ => usize::from(insn.opcode.0),
                        };
                        ops[slot] = true;
                        b.extend(render(dex, &code, pc, insn.size, Some(&insn), 0));
                        instructions += 1;
                    }
                    Err(e) => match e.kind {
                        InsnErrorKind::UnusedOpcode(op) => {
                            b.extend(render(dex, &code, e.offset, 1, None, op));
                            instructions += 1;
                        }
                        InsnErrorKind::Truncated { .. } => {
                            b.extend(format!("<truncated at {:04x}>", e.offset).bytes())
                        }
                    },
                }
                b.push(b'\n');
            }
            blocks.push(b);
            // dexdump's positions: line-table entries up to the last instruction's address.
            let max = code.insns_size();
            let mut last_size = 0;
            let mut last = None;
            for item in code.instructions() {
                match item {
                    Ok((pc, insn)) => {
                        if pc >= max {
                            last = Some(1);
                            break;
                        }
                        last_size = insn.size;
                    }
                    Err(_) => last_size = 1,
                }
            }
            let last = last.unwrap_or(max.wrapping_sub(last_size));
            let mut p = Vec::new();
            for (addr, line) in code.positions().map_err(|e| e.to_string())? {
                if addr <= last {
                    p.extend(format!("        0x{addr:04x} line={}\n", line as i32).bytes());
                }
            }
            positions.push(p);
        }
    }
    Ok(Ours {
        ops,
        positions,
        counts,
        blocks,
        instructions,
    })
}

/// dexdump's output: per-class member counts and per-method instruction blocks.
/// Per-class member counts, per-method instruction blocks, per-method line tables.
type Theirs = (Vec<[u32; 4]>, Vec<Vec<u8>>, Vec<Vec<u8>>);

fn theirs(out: &[u8]) -> Theirs {
    let mut counts: Vec<[u32; 4]> = Vec::new();
    let mut blocks = Vec::new();
    let mut positions = Vec::new();
    let mut section = 0usize;
    let mut cur: Option<Vec<u8>> = None;
    let mut pos: Option<Vec<u8>> = None;
    for line in out.split_inclusive(|&b| b == b'\n') {
        if let Some(p) = pos.as_mut() {
            if line.starts_with(b"      locals") {
                positions.push(pos.take().unwrap());
            } else {
                p.extend_from_slice(line);
            }
            continue;
        }
        if line.starts_with(b"      positions     :") {
            pos = Some(Vec::new());
            continue;
        }
        if let Some(b) = cur.as_mut() {
            if line.starts_with(b"      catches       :") {
                blocks.push(cur.take().unwrap());
            } else {
                b.extend_from_slice(line);
            }
            continue;
        }
        if line.starts_with(b"Class #") {
            counts.push([0; 4]);
        } else if line.starts_with(b"  Static fields") {
            section = 0;
        } else if line.starts_with(b"  Instance fields") {
            section = 1;
        } else if line.starts_with(b"  Direct methods") {
            section = 2;
        } else if line.starts_with(b"  Virtual methods") {
            section = 3;
        } else if line.starts_with(b"    #") && line.windows(6).any(|w| w == b": (in ") {
            if let Some(c) = counts.last_mut() {
                c[section] += 1;
            }
        } else if line.len() > 49 && line[6] == b':' && &line[47..49] == b"|[" {
            cur = Some(line.to_vec());
        }
    }
    if let Some(b) = cur {
        blocks.push(b);
    }
    (counts, blocks, positions)
}

fn compare(label: &str, data: &[u8], tmp: &Path, n: usize) -> Stats {
    compare_pair(label, data, data, tmp, n)
}

/// Runs dexdump on `theirs_data` and our decoder on `ours_data` (the same bytes except in the
/// self-test below).
fn compare_pair(label: &str, theirs_data: &[u8], data: &[u8], tmp: &Path, n: usize) -> Stats {
    let mut st = Stats {
        dexes: 1,
        ..Stats::default()
    };
    let path = tmp.join(format!("{n}.dex"));
    std::fs::write(&path, theirs_data).unwrap();
    let out = Command::new(DEXDUMP)
        .arg("-d")
        .arg("-i")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let dex = match DexFile::parse(data) {
        Ok(d) => d,
        Err(e) => {
            st.failures.push(format!("{label}: we fail to parse: {e}"));
            return st;
        }
    };
    let ours = match ours(&dex) {
        Ok(o) => o,
        Err(e) => {
            st.failures.push(format!("{label}: walk error: {e}"));
            return st;
        }
    };
    let (counts, blocks, positions) = theirs(&out.stdout);
    let mut fail = |msg: String| {
        if let Some((_, why)) = DEXDUMP_FAULTS.iter().find(|(l, _)| label.contains(l)) {
            st.excused
                .push(format!("{label}: {msg} (dexdump fault: {why})"));
        } else {
            st.failures.push(format!("{label}: {msg}"));
        }
    };
    if counts != ours.counts {
        let first = counts.iter().zip(&ours.counts).position(|(a, b)| a != b);
        fail(format!(
            "class/member counts differ: dexdump {} classes, ours {}; first differing class {first:?}",
            counts.len(),
            ours.counts.len()
        ));
    }
    if blocks.len() != ours.blocks.len() {
        fail(format!(
            "method count with code differs: dexdump {}, ours {}",
            blocks.len(),
            ours.blocks.len()
        ));
    }
    let mut bad = 0;
    for (i, (t, o)) in blocks.iter().zip(&ours.blocks).enumerate() {
        if t != o {
            bad += 1;
            if bad <= 3 {
                let tl: Vec<&[u8]> = t.split(|&b| b == b'\n').collect();
                let ol: Vec<&[u8]> = o.split(|&b| b == b'\n').collect();
                let j = tl
                    .iter()
                    .zip(&ol)
                    .position(|(a, b)| a != b)
                    .unwrap_or(tl.len().min(ol.len()));
                let g = |v: &Vec<&[u8]>| {
                    v.get(j)
                        .map(|l| String::from_utf8_lossy(l).into_owned())
                        .unwrap_or_default()
                };
                fail(format!(
                    "method block {i} line {j}:\n  dexdump: {}\n  ours:    {}",
                    g(&tl),
                    g(&ol)
                ));
            }
        }
    }
    if bad > 3 {
        fail(format!("{} more differing methods", bad - 3));
    }
    // Line tables (the `positions` dexdump prints from the debug info).
    if positions.len() != ours.positions.len() {
        fail(format!(
            "position tables: dexdump {}, ours {}",
            positions.len(),
            ours.positions.len()
        ));
    }
    let bad_pos: Vec<usize> = positions
        .iter()
        .zip(&ours.positions)
        .enumerate()
        .filter(|(_, (t, o))| t != o)
        .map(|(i, _)| i)
        .collect();
    if let Some(&i) = bad_pos.first() {
        fail(format!(
            "{} methods with differing line tables; first, method block {i}:\n  dexdump: {:?}\n  ours:    {:?}",
            bad_pos.len(),
            String::from_utf8_lossy(&positions[i]),
            String::from_utf8_lossy(&ours.positions[i])
        ));
    }
    st.positions = ours
        .positions
        .iter()
        .map(|p| p.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum();
    st.classes = ours.counts.len() as u64;
    st.methods = ours.blocks.len() as u64;
    st.instructions = ours.instructions;
    st.ops = ours.ops.to_vec();
    st
}

#[test]
fn dexdump_differential() {
    let Some(root) = common::corpus() else {
        eprintln!("SKIPPED: dexdump differential test: corpus not found at ../shared/corpus");
        return;
    };
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIPPED: dexdump differential test: {DEXDUMP} not installed");
        return;
    }
    let mut dexes = common::corpus_dexes(&root, &["real", "droidbench", "edge"]);
    // Our own smali fixtures cover the formats the corpus lacks (45cc, 4rcc, invoke-custom, ...).
    for f in ["formats.dex", "modern.dex", "strings.dex", "annotated.dex"] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/smali")
            .join(f);
        dexes.push((format!("fixture {f}"), std::fs::read(p).unwrap()));
    }
    let tmp = std::env::temp_dir().join(format!("unmask-dex-dexdump-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let results: Vec<Stats> = dexes
        .par_iter()
        .enumerate()
        .map(|(n, (label, data))| compare(label, data, &tmp, n))
        .collect();
    let _ = std::fs::remove_dir_all(&tmp);
    let mut total = Stats {
        ops: vec![false; 259],
        ..Stats::default()
    };
    for r in results {
        for (t, o) in total.ops.iter_mut().zip(&r.ops) {
            *t |= *o;
        }
        total.dexes += r.dexes;
        total.classes += r.classes;
        total.methods += r.methods;
        total.instructions += r.instructions;
        total.positions += r.positions;
        total.failures.extend(r.failures);
        total.excused.extend(r.excused);
    }
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "dexdump differential: {} dex files, {} classes, {} methods with code, {} instructions, {} line-table entries compared",
        total.dexes, total.classes, total.methods, total.instructions, total.positions
    )
    .unwrap();
    let used = (0..=255u8)
        .filter(|&o| !unmask_dex::Opcode(o).is_unused())
        .count();
    let seen = (0..=255u8)
        .filter(|&o| total.ops[usize::from(o)] && !unmask_dex::Opcode(o).is_unused())
        .count();
    let missing: Vec<&str> = (0..=255u8)
        .filter(|&o| !total.ops[usize::from(o)] && !unmask_dex::Opcode(o).is_unused())
        .map(|o| unmask_dex::Opcode(o).name())
        .collect();
    writeln!(
        err,
        "opcodes compared: {seen} of {used} defined, payloads {:?}; not seen: {missing:?}",
        &total.ops[256..]
    )
    .unwrap();
    for e in &total.excused {
        writeln!(err, "EXCUSED: {e}").unwrap();
    }
    for f in total.failures.iter().take(40) {
        writeln!(err, "MISMATCH: {f}").unwrap();
    }
    assert!(
        total.failures.is_empty(),
        "{} mismatches against dexdump",
        total.failures.len()
    );
    assert!(total.dexes > 0);
}

/// The comparison must be able to fail: change one literal in our copy of a fixture and
/// require a reported mismatch on exactly that line.
#[test]
fn dexdump_detects_a_difference() {
    if !Path::new(DEXDUMP).exists() {
        eprintln!("SKIPPED: dexdump self-test: {DEXDUMP} not installed");
        return;
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smali/formats.dex");
    let data = std::fs::read(p).unwrap();
    let mut changed = data.clone();
    // const/16 v2, -0x8000 is encoded 13 02 00 80.
    let at = changed
        .windows(4)
        .position(|w| w == [0x13, 0x02, 0x00, 0x80])
        .unwrap();
    changed[at + 2] = 0x01;
    let tmp = std::env::temp_dir().join(format!("unmask-dex-selftest-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let same = compare_pair("self", &data, &data, &tmp, 0);
    let diff = compare_pair("self", &data, &changed, &tmp, 1);
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(same.failures.is_empty(), "{:?}", same.failures);
    assert_eq!(diff.failures.len(), 1, "{:?}", diff.failures);
    assert!(
        diff.failures[0].contains("const/16 v2, #int -32767"),
        "{:?}",
        diff.failures
    );
}
