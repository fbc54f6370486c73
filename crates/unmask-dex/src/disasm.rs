//! Smali-style disassembly of one method, for evidence in reports.

use crate::error::{DexError, Result};
use crate::file::DexFile;
use crate::insn::{i32s, Instruction, Operands};
use crate::opcode::IndexKind;
use std::fmt::Write;

/// Access flag names in smali order.
const ACCESS: [(u32, &str); 18] = [
    (0x1, "public"),
    (0x2, "private"),
    (0x4, "protected"),
    (0x8, "static"),
    (0x10, "final"),
    (0x20, "synchronized"),
    (0x40, "bridge"),
    (0x80, "varargs"),
    (0x100, "native"),
    (0x200, "interface"),
    (0x400, "abstract"),
    (0x800, "strictfp"),
    (0x1000, "synthetic"),
    (0x2000, "annotation"),
    (0x4000, "enum"),
    (0x10000, "constructor"),
    (0x20000, "declared-synchronized"),
    (0x8000, "unused"),
];

/// Renders method access flags as smali keywords.
pub fn access_string(flags: u32) -> String {
    ACCESS
        .iter()
        .filter(|(b, n)| {
            flags & b != 0 && *n != "unused" && *n != "interface" && *n != "annotation"
        })
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes a string the way smali writes string literals.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            '\'' => o.push_str("\\'"),
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

/// Renders the index operand of an instruction, smali style.
pub fn render_index(dex: &DexFile<'_>, kind: IndexKind, idx: u32) -> String {
    let r = match kind {
        IndexKind::String => dex.string(idx).map(|s| format!("\"{}\"", escape(&s))),
        IndexKind::Type => dex.type_name(idx).map(|s| s.into_owned()),
        IndexKind::Field => dex.field_descriptor(idx),
        IndexKind::Method | IndexKind::MethodAndProto => dex.method_descriptor(idx),
        IndexKind::Proto => dex.proto_signature(idx),
        IndexKind::CallSite => Ok(format!("call_site_{idx}")),
        IndexKind::MethodHandle => Ok(format!("method_handle_{idx}")),
        IndexKind::None | IndexKind::Unknown => Ok(String::new()),
    };
    r.unwrap_or_else(|_| format!("<bad {kind:?} {idx}>"))
}

fn regs(list: &[u32]) -> String {
    let v: Vec<String> = list.iter().map(|r| format!("v{r}")).collect();
    format!("{{{}}}", v.join(", "))
}

fn target(pc: u32, off: i32) -> String {
    format!(":{:04x}", pc.wrapping_add(off as u32))
}

/// Renders one instruction (without its offset), smali style.
pub fn render_insn(dex: &DexFile<'_>, pc: u32, insn: &Instruction<'_>) -> String {
    let name = insn.name();
    let idx = || {
        insn.index()
            .map(|(k, i)| render_index(dex, k, i))
            .unwrap_or_default()
    };
    match insn.operands {
        Operands::F10x => name.to_owned(),
        Operands::F12x { a, b } => format!("{name} v{a}, v{b}"),
        Operands::F11n { a, lit } => format!("{name} v{a}, {lit:#x}"),
        Operands::F11x { a } => format!("{name} v{a}"),
        Operands::F10t { offset } => format!("{name} {}", target(pc, i32::from(offset))),
        Operands::F20t { offset } => format!("{name} {}", target(pc, i32::from(offset))),
        Operands::F30t { offset } => format!("{name} {}", target(pc, offset)),
        Operands::F22x { a, b } => format!("{name} v{a}, v{b}"),
        Operands::F32x { a, b } => format!("{name} v{a}, v{b}"),
        Operands::F21t { a, offset } => format!("{name} v{a}, {}", target(pc, i32::from(offset))),
        Operands::F21s { a, lit } => format!("{name} v{a}, {lit:#x}"),
        Operands::F21h { a, high } => {
            if insn.opcode.0 == 0x15 {
                format!("{name} v{a}, {:#x}", (u32::from(high) << 16) as i32)
            } else {
                format!("{name} v{a}, {:#x}", ((u64::from(high)) << 48) as i64)
            }
        }
        Operands::F21c { a, .. } | Operands::F31c { a, .. } => format!("{name} v{a}, {}", idx()),
        Operands::F23x { a, b, c } => format!("{name} v{a}, v{b}, v{c}"),
        Operands::F22b { a, b, lit } => format!("{name} v{a}, v{b}, {lit:#x}"),
        Operands::F22s { a, b, lit } => format!("{name} v{a}, v{b}, {lit:#x}"),
        Operands::F22t { a, b, offset } => {
            format!("{name} v{a}, v{b}, {}", target(pc, i32::from(offset)))
        }
        Operands::F22c { a, b, .. } => format!("{name} v{a}, v{b}, {}", idx()),
        Operands::F31t { a, offset } => format!("{name} v{a}, {}", target(pc, offset)),
        Operands::F31i { a, lit } => format!("{name} v{a}, {lit:#x}"),
        Operands::F51l { a, lit } => format!("{name} v{a}, {lit:#x}L"),
        Operands::F35c { .. } | Operands::F3rc { .. } => {
            format!("{name} {}, {}", regs(&insn.arg_registers()), idx())
        }
        Operands::F45cc { proto, .. } | Operands::F4rcc { proto, .. } => format!(
            "{name} {}, {}, {}",
            regs(&insn.arg_registers()),
            idx(),
            render_index(dex, IndexKind::Proto, u32::from(proto))
        ),
        Operands::PackedSwitchPayload { first_key, targets } => {
            let t: Vec<String> = i32s(targets).map(|t| format!("{t:+#x}")).collect();
            format!(".packed-switch {first_key:#x} [{}]", t.join(", "))
        }
        Operands::SparseSwitchPayload { keys, targets } => {
            let t: Vec<String> = i32s(keys)
                .zip(i32s(targets))
                .map(|(k, t)| format!("{k:#x} -> {t:+#x}"))
                .collect();
            format!(".sparse-switch [{}]", t.join(", "))
        }
        Operands::FillArrayDataPayload {
            element_width,
            count,
            ..
        } => {
            format!(".array-data {element_width} ({count} elements)")
        }
    }
}

/// Disassembles method id `method_idx` in smali style: header, `.registers`, `.line`
/// directives from the debug info, instructions with their code-unit offsets, and try/catch
/// ranges. A method without code (abstract/native) gives just the header.
pub fn disassemble(dex: &DexFile<'_>, method_idx: u32) -> Result<String> {
    let m = dex.find_method_def(method_idx)?.ok_or_else(|| {
        DexError::MethodNotFound(dex.method_descriptor(method_idx).unwrap_or_default())
    })?;
    let mid = dex.method_id(method_idx)?;
    let mut out = String::new();
    let _ = writeln!(out, "# {}", dex.method_descriptor(method_idx)?);
    let acc = access_string(m.encoded.access_flags);
    let sep = if acc.is_empty() { "" } else { " " };
    let _ = writeln!(
        out,
        ".method {acc}{sep}{}{}",
        dex.string_lossy(mid.name_idx),
        dex.proto_signature(u32::from(mid.proto_idx))?
    );
    if let Some(code) = m.code {
        let _ = writeln!(out, "    .registers {}", code.registers_size);
        let lines = code.positions().unwrap_or_default();
        let mut li = lines.iter().peekable();
        for item in code.instructions() {
            match item {
                Ok((pc, insn)) => {
                    while let Some((addr, line)) = li.peek() {
                        if *addr > pc {
                            break;
                        }
                        let _ = writeln!(out, "    .line {line}");
                        li.next();
                    }
                    let _ = writeln!(out, "    {pc:04x}: {}", render_insn(dex, pc, &insn));
                }
                Err(e) => {
                    let _ = writeln!(out, "    # error: {e}");
                }
            }
        }
        // Bounded: at most MAX_CATCH_LINES catch lines per method.
        const MAX_CATCH_LINES: usize = 1 << 16;
        let mut lines_left = MAX_CATCH_LINES;
        let mut cache: std::collections::HashMap<u16, Vec<crate::file::CatchClause>> =
            std::collections::HashMap::new();
        for t in code.tries().unwrap_or_default() {
            if lines_left == 0 {
                out.push_str("    # more try/catch entries omitted\n");
                break;
            }
            let end = t.start_addr.wrapping_add(u32::from(t.insn_count));
            let h = match cache.get(&t.handler_off) {
                Some(h) => Ok(h.clone()),
                None => code.catch_handler(t.handler_off).inspect(|h| {
                    cache.insert(t.handler_off, h.clone());
                }),
            };
            match h {
                Ok(h) => {
                    lines_left = lines_left.saturating_sub(h.len().max(1));
                    for c in h.into_iter().take(MAX_CATCH_LINES) {
                        let ty = c.type_idx.map_or_else(
                            || "all".to_owned(),
                            |ti| {
                                dex.type_name(ti)
                                    .map(|s| s.into_owned())
                                    .unwrap_or_else(|_| format!("<bad type {ti}>"))
                            },
                        );
                        let _ = writeln!(
                            out,
                            "    .catch {ty} {{:{:04x} .. :{end:04x}}} :{:04x}",
                            t.start_addr, c.addr
                        );
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "    # bad catch handler: {e}");
                }
            }
        }
    }
    out.push_str(".end method\n");
    Ok(out)
}

/// Disassembles the method with smali-style descriptor `Lcom/x/Y;->z(I)V`.
pub fn disassemble_descriptor(dex: &DexFile<'_>, descriptor: &str) -> Result<String> {
    disassemble(dex, dex.find_method(descriptor)?)
}
