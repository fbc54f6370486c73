//! Helpers over the decoded code: turning use sites into evidence, finding a method's code,
//! and the backward constant scan used by `arg:N=` conditions.

use crate::model::Evidence;
use std::collections::HashMap;
use unmask_dex::{decode, CodeItem, DexFile, Index, Operands, Site};

/// The app's code: dex files with their entry names, and the index over them.
pub struct Code<'d, 'a> {
    /// Entry names, parallel to `dexes`.
    pub names: &'d [String],
    /// Parsed dex files.
    pub dexes: &'d [DexFile<'a>],
    /// The index built over `dexes`.
    pub index: &'d Index,
}

/// A constant found in a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Const {
    /// Loaded by `const-string`.
    Str(String),
    /// Loaded by `const/4`, `const/16`, `const`, `const/high16`.
    Int(i64),
}

impl Const {
    /// Whether this constant equals one of the `arg:N=` values as written.
    pub fn matches(&self, values: &[String]) -> bool {
        match self {
            Const::Str(s) => values.iter().any(|v| v == s),
            Const::Int(i) => values.iter().any(|v| v.parse::<i64>().ok() == Some(*i)),
        }
    }
}

impl<'a> Code<'_, 'a> {
    /// The MUTF-8 bytes of indexed string `id` (from its representative dex), without
    /// decoding: lets a pass over every string skip most of them before rendering any.
    pub fn string_raw(&self, id: u32) -> Option<&'a [u8]> {
        let (d, local) = self.index.strings.representative(id)?;
        self.dexes.get(d as usize)?.string_raw(local).ok()
    }

    /// Entry name of dex `d`.
    pub fn dex_name(&self, d: u32) -> String {
        self.names
            .get(d as usize)
            .cloned()
            .unwrap_or_else(|| format!("dex#{d}"))
    }

    /// Class descriptor of a class definition.
    pub fn class_name(&self, d: u32, class_def: u32) -> String {
        self.dexes
            .get(d as usize)
            .and_then(|dex| {
                let def = dex.class_def(class_def).ok()?;
                dex.type_name(def.class_idx).ok().map(|s| s.into_owned())
            })
            .unwrap_or_else(|| format!("class_def#{class_def}"))
    }

    /// Method descriptor of method id `m` in dex `d`.
    pub fn method_name(&self, d: u32, m: u32) -> String {
        self.dexes
            .get(d as usize)
            .and_then(|dex| dex.method_descriptor(m).ok())
            .unwrap_or_else(|| format!("method#{m}"))
    }

    /// The code item of the method containing `site`.
    pub fn code_of(&self, d: u32, class_def: u32, method_idx: u32) -> Option<CodeItem<'a>> {
        let dex = self.dexes.get(d as usize)?;
        let def = dex.class_def(class_def).ok()?;
        let data = dex.class_data(&def).ok()?;
        let m = data
            .methods
            .iter()
            .find(|m| m.method_idx == method_idx && m.code_off != 0)?;
        dex.code_item(m.code_off).ok()
    }

    /// Evidence for a use site of `item`.
    pub fn site_evidence(&self, site: &Site, item: &str) -> Evidence {
        let line = self
            .code_of(site.dex, site.class_def, site.method_idx)
            .and_then(|c| c.line_at(site.offset));
        Evidence::Code {
            dex: self.dex_name(site.dex),
            class: self.class_name(site.dex, site.class_def),
            method: self.method_name(site.dex, site.method_idx),
            offset: site.offset,
            line,
            item: item.to_string(),
        }
    }

    /// Registers passed to the invoke at `site` (empty if it is not an invoke).
    pub fn invoke_args(&self, site: &Site) -> (Vec<u32>, bool) {
        let Some(code) = self.code_of(site.dex, site.class_def, site.method_idx) else {
            return (Vec::new(), false);
        };
        match decode(code.insns, site.offset) {
            Ok(insn) if insn.opcode.is_invoke() => (
                insn.arg_registers(),
                insn.opcode.name().starts_with("invoke-static"),
            ),
            _ => (Vec::new(), false),
        }
    }

    /// The register holding declared parameter `n` (0-based, receiver not counted) of the
    /// invoke at `site`, whose callee has the prototype `proto` (`(Ljava/lang/String;I)V`).
    pub fn arg_register(&self, site: &Site, proto: &str, n: usize) -> Option<u32> {
        let (regs, is_static) = self.invoke_args(site);
        let mut pos = usize::from(!is_static);
        for p in param_types(proto).into_iter().take(n) {
            pos += if p == "J" || p == "D" { 2 } else { 1 };
        }
        regs.get(pos).copied()
    }

    /// The constant held by register `reg` just before the instruction at `site`, found by a
    /// forward walk of the method that keeps the last constant loaded into each register and
    /// forgets everything at basic-block boundaries (branch targets, and after branches,
    /// switches, returns and throws) — i.e. a backward scan within the same basic block.
    pub fn const_in(&self, site: &Site, reg: u32) -> Option<Const> {
        let code = self.code_of(site.dex, site.class_def, site.method_idx)?;
        let dex = self.dexes.get(site.dex as usize)?;
        block_consts(dex, &code, site.offset).remove(&reg)
    }

    /// Strings loaded by `const-string` anywhere in the method containing `site`.
    pub fn method_strings(&self, site: &Site) -> Vec<String> {
        let mut out = Vec::new();
        let (Some(code), Some(dex)) = (
            self.code_of(site.dex, site.class_def, site.method_idx),
            self.dexes.get(site.dex as usize),
        ) else {
            return out;
        };
        for (_, insn) in code.instructions().flatten() {
            if let Some((unmask_dex::IndexKind::String, idx)) = insn.index() {
                if let Ok(s) = dex.string(idx) {
                    out.push(s.into_owned());
                }
            }
        }
        out
    }
}

/// Constants in registers just before `until`, within its basic block.
fn block_consts(dex: &DexFile<'_>, code: &CodeItem<'_>, until: u32) -> HashMap<u32, Const> {
    let mut targets = std::collections::HashSet::new();
    for (off, insn) in code.instructions().flatten() {
        if off >= until {
            break;
        }
        if insn.opcode.is_branch() {
            if let Some(rel) = insn.branch_offset() {
                targets.insert(i64::from(off) + i64::from(rel));
            }
        }
    }
    let mut regs: HashMap<u32, Const> = HashMap::new();
    for (off, insn) in code.instructions().flatten() {
        if off >= until {
            break;
        }
        if targets.contains(&i64::from(off)) {
            regs.clear();
        }
        let name = insn.opcode.name();
        match insn.operands {
            Operands::F21c { a, index } if name == "const-string" => {
                if let Ok(s) = dex.string(u32::from(index)) {
                    regs.insert(u32::from(a), Const::Str(s.into_owned()));
                }
            }
            Operands::F31c { a, index } if name == "const-string/jumbo" => {
                if let Ok(s) = dex.string(index) {
                    regs.insert(u32::from(a), Const::Str(s.into_owned()));
                }
            }
            Operands::F11n { a, lit } if name == "const/4" => {
                regs.insert(u32::from(a), Const::Int(i64::from(lit)));
            }
            Operands::F21s { a, lit } if name == "const/16" => {
                regs.insert(u32::from(a), Const::Int(i64::from(lit)));
            }
            Operands::F31i { a, lit } if name == "const" => {
                regs.insert(u32::from(a), Const::Int(i64::from(lit)));
            }
            Operands::F21h { a, high } if name == "const/high16" => {
                regs.insert(
                    u32::from(a),
                    Const::Int(i64::from(i32::from(high as i16) << 16)),
                );
            }
            _ => {
                if let Some(a) = dest_register(&insn) {
                    regs.remove(&a);
                    regs.remove(&(a + 1));
                }
            }
        }
        if insn.opcode.is_branch()
            || name.ends_with("-switch")
            || name.starts_with("return")
            || name == "throw"
        {
            regs.clear();
        }
    }
    regs
}

/// The register an instruction writes, for the formats whose `vA` is a destination.
fn dest_register(insn: &unmask_dex::Instruction<'_>) -> Option<u32> {
    let name = insn.opcode.name();
    let no_dest = [
        "if-",
        "iput",
        "sput",
        "aput",
        "return",
        "throw",
        "monitor",
        "fill-array",
    ];
    if no_dest.iter().any(|p| name.starts_with(p)) || insn.opcode.is_invoke() {
        return None;
    }
    let a = match insn.operands {
        Operands::F12x { a, .. }
        | Operands::F11n { a, .. }
        | Operands::F22b { a, .. }
        | Operands::F22s { a, .. }
        | Operands::F22c { a, .. } => u32::from(a),
        Operands::F11x { a }
        | Operands::F22x { a, .. }
        | Operands::F21s { a, .. }
        | Operands::F21h { a, .. }
        | Operands::F21c { a, .. }
        | Operands::F23x { a, .. }
        | Operands::F31i { a, .. }
        | Operands::F31c { a, .. }
        | Operands::F51l { a, .. } => u32::from(a),
        Operands::F32x { a, .. } => u32::from(a),
        _ => return None,
    };
    Some(a)
}

/// Parameter types of a prototype `(IJLjava/lang/String;[B)V`.
pub fn param_types(proto: &str) -> Vec<&str> {
    let inner = proto
        .strip_prefix('(')
        .and_then(|p| p.split_once(')'))
        .map(|(i, _)| i)
        .unwrap_or("");
    let mut out = Vec::new();
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while bytes.get(i) == Some(&b'[') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'L') {
            while i < bytes.len() && bytes.get(i) != Some(&b';') {
                i += 1;
            }
        }
        i += 1;
        if let Some(t) = inner.get(start..i.min(inner.len())) {
            out.push(t);
        }
    }
    out
}

/// Splits `Lcls;->name(params)ret` into class, name and prototype.
pub fn split_method(key: &str) -> Option<(&str, &str, &str)> {
    let (class, rest) = key.split_once("->")?;
    let paren = rest.find('(')?;
    Some((class, rest.get(..paren)?, rest.get(paren..)?))
}

/// Splits `Lcls;->name:type` into class and name.
pub fn split_field(key: &str) -> Option<(&str, &str)> {
    let (class, rest) = key.split_once("->")?;
    let name = rest.split(':').next()?;
    Some((class, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params() {
        assert_eq!(
            param_types("(IJLjava/lang/String;[B[[Lx;)V"),
            vec!["I", "J", "Ljava/lang/String;", "[B", "[[Lx;"]
        );
        assert!(param_types("()V").is_empty());
        assert_eq!(split_method("La;->b(I)V"), Some(("La;", "b", "(I)V")));
        assert_eq!(split_field("La;->f:I"), Some(("La;", "f")));
    }
}
