//! Dalvik instruction decoding.
//!
//! Code is a stream of little-endian 16-bit code units. [`decode`] reads one instruction at a
//! code-unit offset; [`Instructions`] walks a whole `insns` array, yielding an error item for
//! an unused opcode (then continuing one unit later, as the runtime's size table would) and
//! stopping at a truncated instruction or payload.

use crate::opcode::{Format, IndexKind, Opcode};
use std::fmt;

/// Why an instruction could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsnErrorKind {
    /// An unused opcode (3e-43, 73, 79-7a, e3-f9).
    UnusedOpcode(u8),
    /// The instruction or payload needs more code units than remain.
    Truncated {
        /// Code units needed.
        needed: u64,
        /// Code units remaining.
        available: u64,
    },
}

/// An instruction decoding error at a code-unit offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsnError {
    /// Offset in code units.
    pub offset: u32,
    /// What went wrong.
    pub kind: InsnErrorKind,
}

impl fmt::Display for InsnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            InsnErrorKind::UnusedOpcode(op) => {
                write!(f, "unused opcode {op:#04x} at code offset {:#x}", self.offset)
            }
            InsnErrorKind::Truncated { needed, available } => write!(
                f,
                "truncated instruction at code offset {:#x}: needs {needed} code units, {available} remain",
                self.offset
            ),
        }
    }
}

impl std::error::Error for InsnError {}

/// Operands of a decoded instruction, by format. Register numbers are as encoded; branch
/// offsets are relative, in code units, from the start of the instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Operands<'a> {
    /// `op`
    F10x,
    /// `op vA, vB`
    F12x { a: u8, b: u8 },
    /// `op vA, #+B` (sign-extended nibble)
    F11n { a: u8, lit: i8 },
    /// `op vAA`
    F11x { a: u8 },
    /// `op +AA`
    F10t { offset: i8 },
    /// `op +AAAA`
    F20t { offset: i16 },
    /// `op vAA, vBBBB`
    F22x { a: u8, b: u16 },
    /// `op vAA, +BBBB`
    F21t { a: u8, offset: i16 },
    /// `op vAA, #+BBBB`
    F21s { a: u8, lit: i16 },
    /// `op vAA, #+BBBB0000[00000000]`: the raw 16 high bits.
    F21h { a: u8, high: u16 },
    /// `op vAA, kind@BBBB`
    F21c { a: u8, index: u16 },
    /// `op vAA, vBB, vCC`
    F23x { a: u8, b: u8, c: u8 },
    /// `op vAA, vBB, #+CC`
    F22b { a: u8, b: u8, lit: i8 },
    /// `op vA, vB, +CCCC`
    F22t { a: u8, b: u8, offset: i16 },
    /// `op vA, vB, #+CCCC`
    F22s { a: u8, b: u8, lit: i16 },
    /// `op vA, vB, kind@CCCC`
    F22c { a: u8, b: u8, index: u16 },
    /// `op vAAAA, vBBBB`
    F32x { a: u16, b: u16 },
    /// `op +AAAAAAAA`
    F30t { offset: i32 },
    /// `op vAA, +BBBBBBBB` (payload offset)
    F31t { a: u8, offset: i32 },
    /// `op vAA, #+BBBBBBBB`
    F31i { a: u8, lit: i32 },
    /// `op vAA, string@BBBBBBBB`
    F31c { a: u8, index: u32 },
    /// `op {vC, vD, vE, vF, vG}, kind@BBBB`; `count` is A (may exceed 5 in hostile code; only
    /// the first five are encodable).
    F35c {
        count: u8,
        regs: [u8; 5],
        index: u16,
    },
    /// `op {vCCCC .. vNNNN}, kind@BBBB`
    F3rc { count: u8, first: u16, index: u16 },
    /// `op {vC..vG}, meth@BBBB, proto@HHHH`
    F45cc {
        count: u8,
        regs: [u8; 5],
        method: u16,
        proto: u16,
    },
    /// `op {vCCCC .. vNNNN}, meth@BBBB, proto@HHHH`
    F4rcc {
        count: u8,
        first: u16,
        method: u16,
        proto: u16,
    },
    /// `op vAA, #+BBBBBBBBBBBBBBBB`
    F51l { a: u8, lit: i64 },
    /// packed-switch payload: `first_key` and `size` relative targets (LE i32 each).
    PackedSwitchPayload { first_key: i32, targets: &'a [u8] },
    /// sparse-switch payload: `size` keys then `size` relative targets (LE i32 each).
    SparseSwitchPayload { keys: &'a [u8], targets: &'a [u8] },
    /// fill-array-data payload.
    FillArrayDataPayload {
        element_width: u16,
        count: u32,
        data: &'a [u8],
    },
}

/// A decoded instruction (or payload pseudo-instruction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction<'a> {
    /// Opcode byte (0 for payloads).
    pub opcode: Opcode,
    /// Size in 16-bit code units (including a payload's data).
    pub size: u32,
    /// Operands.
    pub operands: Operands<'a>,
}

/// Iterates LE i32 values in a byte slice (payload keys/targets).
pub fn i32s(bytes: &[u8]) -> impl Iterator<Item = i32> + '_ {
    bytes.chunks_exact(4).map(|c| {
        i32::from_le_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
            c.get(2).copied().unwrap_or(0),
            c.get(3).copied().unwrap_or(0),
        ])
    })
}

impl<'a> Instruction<'a> {
    /// True for the three payload pseudo-instructions.
    pub fn is_payload(&self) -> bool {
        matches!(
            self.operands,
            Operands::PackedSwitchPayload { .. }
                | Operands::SparseSwitchPayload { .. }
                | Operands::FillArrayDataPayload { .. }
        )
    }

    /// Mnemonic (payloads: `packed-switch-payload`, `sparse-switch-payload`, `array-data`).
    pub fn name(&self) -> &'static str {
        match self.operands {
            Operands::PackedSwitchPayload { .. } => "packed-switch-payload",
            Operands::SparseSwitchPayload { .. } => "sparse-switch-payload",
            Operands::FillArrayDataPayload { .. } => "array-data",
            _ => self.opcode.name(),
        }
    }

    /// The index operand with its kind (string, type, field, method, ...), if any.
    /// For invoke-polymorphic this is the method; see [`Instruction::proto_index`].
    pub fn index(&self) -> Option<(IndexKind, u32)> {
        let kind = self.opcode.index_kind();
        let idx = match self.operands {
            Operands::F21c { index, .. } | Operands::F22c { index, .. } => u32::from(index),
            Operands::F35c { index, .. } | Operands::F3rc { index, .. } => u32::from(index),
            Operands::F31c { index, .. } => index,
            Operands::F45cc { method, .. } | Operands::F4rcc { method, .. } => u32::from(method),
            _ => return None,
        };
        match kind {
            IndexKind::None | IndexKind::Unknown => None,
            k => Some((k, idx)),
        }
    }

    /// The proto index of invoke-polymorphic(/range).
    pub fn proto_index(&self) -> Option<u32> {
        match self.operands {
            Operands::F45cc { proto, .. } | Operands::F4rcc { proto, .. } => Some(u32::from(proto)),
            _ => None,
        }
    }

    /// Relative branch offset (goto, if-*) or payload offset (fill-array-data, *-switch).
    pub fn branch_offset(&self) -> Option<i32> {
        match self.operands {
            Operands::F10t { offset } => Some(i32::from(offset)),
            Operands::F20t { offset }
            | Operands::F21t { offset, .. }
            | Operands::F22t { offset, .. } => Some(i32::from(offset)),
            Operands::F30t { offset } | Operands::F31t { offset, .. } => Some(offset),
            _ => None,
        }
    }

    /// Argument registers of an invoke/filled-new-array (35c, 3rc, 45cc, 4rcc).
    pub fn arg_registers(&self) -> Vec<u32> {
        match self.operands {
            Operands::F35c { count, regs, .. } | Operands::F45cc { count, regs, .. } => regs
                .iter()
                .take(usize::from(count))
                .map(|&r| u32::from(r))
                .collect(),
            Operands::F3rc { count, first, .. } | Operands::F4rcc { count, first, .. } => (0
                ..u32::from(count))
                .map(|i| u32::from(first) + i)
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[inline]
fn unit(code: &[u8], pc: usize) -> u16 {
    let i = pc * 2;
    match code.get(i..i + 2) {
        Some([a, b]) => u16::from_le_bytes([*a, *b]),
        _ => 0,
    }
}

/// Decodes the instruction at code-unit offset `pc` in `code` (LE bytes of the code units).
pub fn decode(code: &[u8], pc: u32) -> Result<Instruction<'_>, InsnError> {
    let total = (code.len() / 2) as u64;
    let p = pc as usize;
    let avail = total.saturating_sub(u64::from(pc));
    let trunc = |needed: u64| InsnError {
        offset: pc,
        kind: InsnErrorKind::Truncated {
            needed,
            available: avail,
        },
    };
    if avail == 0 {
        return Err(trunc(1));
    }
    let u0 = unit(code, p);
    let op = (u0 & 0xff) as u8;
    let hi = (u0 >> 8) as u8;
    if op == 0 && (1..=3).contains(&hi) {
        return decode_payload(code, pc, hi, avail).ok_or_else(|| {
            let needed = payload_size(code, p, hi).unwrap_or(u64::MAX);
            trunc(needed)
        });
    }
    let opcode = Opcode(op);
    let info = opcode.info();
    if info.flags & crate::opcode::FLAG_UNUSED != 0 {
        return Err(InsnError {
            offset: pc,
            kind: InsnErrorKind::UnusedOpcode(op),
        });
    }
    let size = info.format.size();
    if u64::from(size) > avail {
        return Err(trunc(u64::from(size)));
    }
    let u = |i: usize| unit(code, p + i);
    let a4 = hi & 0x0f;
    let b4 = hi >> 4;
    let operands = match info.format {
        Format::F10x => Operands::F10x,
        Format::F12x => Operands::F12x { a: a4, b: b4 },
        Format::F11n => Operands::F11n {
            a: a4,
            lit: ((hi as i8) >> 4),
        },
        Format::F11x => Operands::F11x { a: hi },
        Format::F10t => Operands::F10t { offset: hi as i8 },
        Format::F20t => Operands::F20t {
            offset: u(1) as i16,
        },
        Format::F22x => Operands::F22x { a: hi, b: u(1) },
        Format::F21t => Operands::F21t {
            a: hi,
            offset: u(1) as i16,
        },
        Format::F21s => Operands::F21s {
            a: hi,
            lit: u(1) as i16,
        },
        Format::F21h => Operands::F21h { a: hi, high: u(1) },
        Format::F21c => Operands::F21c { a: hi, index: u(1) },
        Format::F23x => {
            let w = u(1);
            Operands::F23x {
                a: hi,
                b: (w & 0xff) as u8,
                c: (w >> 8) as u8,
            }
        }
        Format::F22b => {
            let w = u(1);
            Operands::F22b {
                a: hi,
                b: (w & 0xff) as u8,
                lit: (w >> 8) as u8 as i8,
            }
        }
        Format::F22t => Operands::F22t {
            a: a4,
            b: b4,
            offset: u(1) as i16,
        },
        Format::F22s => Operands::F22s {
            a: a4,
            b: b4,
            lit: u(1) as i16,
        },
        Format::F22c => Operands::F22c {
            a: a4,
            b: b4,
            index: u(1),
        },
        Format::F32x => Operands::F32x { a: u(1), b: u(2) },
        Format::F30t => Operands::F30t {
            offset: (u32::from(u(1)) | (u32::from(u(2)) << 16)) as i32,
        },
        Format::F31t => Operands::F31t {
            a: hi,
            offset: (u32::from(u(1)) | (u32::from(u(2)) << 16)) as i32,
        },
        Format::F31i => Operands::F31i {
            a: hi,
            lit: (u32::from(u(1)) | (u32::from(u(2)) << 16)) as i32,
        },
        Format::F31c => Operands::F31c {
            a: hi,
            index: u32::from(u(1)) | (u32::from(u(2)) << 16),
        },
        Format::F35c | Format::F45cc => {
            let w = u(2);
            let regs = [
                (w & 0xf) as u8,
                ((w >> 4) & 0xf) as u8,
                ((w >> 8) & 0xf) as u8,
                ((w >> 12) & 0xf) as u8,
                a4,
            ];
            if info.format == Format::F35c {
                Operands::F35c {
                    count: b4,
                    regs,
                    index: u(1),
                }
            } else {
                Operands::F45cc {
                    count: b4,
                    regs,
                    method: u(1),
                    proto: u(3),
                }
            }
        }
        Format::F3rc => Operands::F3rc {
            count: hi,
            first: u(2),
            index: u(1),
        },
        Format::F4rcc => Operands::F4rcc {
            count: hi,
            first: u(2),
            method: u(1),
            proto: u(3),
        },
        Format::F51l => {
            let lit = u64::from(u(1))
                | (u64::from(u(2)) << 16)
                | (u64::from(u(3)) << 32)
                | (u64::from(u(4)) << 48);
            Operands::F51l {
                a: hi,
                lit: lit as i64,
            }
        }
    };
    Ok(Instruction {
        opcode,
        size,
        operands,
    })
}

/// Size in code units of the payload at `p`, if its header is readable.
fn payload_size(code: &[u8], p: usize, kind: u8) -> Option<u64> {
    let total = (code.len() / 2) as u64;
    if (p as u64).saturating_add(2) > total {
        return Some(2);
    }
    let n = u64::from(unit(code, p + 1));
    Some(match kind {
        1 => 4 + n * 2,
        2 => 2 + n * 4,
        _ => {
            if (p as u64).saturating_add(4) > total {
                return Some(4);
            }
            let count = u64::from(unit(code, p + 2)) | (u64::from(unit(code, p + 3)) << 16);
            let bytes = n.checked_mul(count)?;
            4 + bytes.div_ceil(2)
        }
    })
}

fn decode_payload(code: &[u8], pc: u32, kind: u8, avail: u64) -> Option<Instruction<'_>> {
    let p = pc as usize;
    let size = payload_size(code, p, kind)?;
    if size > avail {
        return None;
    }
    let start = p * 2;
    let n = usize::from(unit(code, p + 1));
    let operands = match kind {
        1 => {
            let first_key =
                (u32::from(unit(code, p + 2)) | (u32::from(unit(code, p + 3)) << 16)) as i32;
            let targets = code.get(start + 8..start + 8 + n * 4)?;
            Operands::PackedSwitchPayload { first_key, targets }
        }
        2 => {
            let keys = code.get(start + 4..start + 4 + n * 4)?;
            let targets = code.get(start + 4 + n * 4..start + 4 + n * 8)?;
            Operands::SparseSwitchPayload { keys, targets }
        }
        _ => {
            let count = u32::from(unit(code, p + 2)) | (u32::from(unit(code, p + 3)) << 16);
            let len = (n as u64).checked_mul(u64::from(count))?;
            let len = usize::try_from(len).ok()?;
            let data = code.get(start + 8..(start + 8).checked_add(len)?)?;
            Operands::FillArrayDataPayload {
                element_width: n as u16,
                count,
                data,
            }
        }
    };
    Some(Instruction {
        opcode: Opcode(0),
        size: u32::try_from(size).ok()?,
        operands,
    })
}

/// Iterator over the instructions of a code item: yields `(offset in code units, instruction)`
/// or an error item. After an unused opcode it continues at the next code unit; after a
/// truncated instruction it stops.
#[derive(Debug, Clone)]
pub struct Instructions<'a> {
    code: &'a [u8],
    pc: u32,
    end: u32,
    done: bool,
}

impl<'a> Instructions<'a> {
    /// Walks `code` (the LE bytes of the `insns` array; an odd trailing byte is ignored).
    pub fn new(code: &'a [u8]) -> Self {
        let end = u32::try_from(code.len() / 2).unwrap_or(u32::MAX);
        Instructions {
            code,
            pc: 0,
            end,
            done: false,
        }
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Result<(u32, Instruction<'a>), InsnError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pc >= self.end {
            return None;
        }
        let pc = self.pc;
        match decode(self.code, pc) {
            Ok(insn) => {
                self.pc = pc.saturating_add(insn.size);
                Some(Ok((pc, insn)))
            }
            Err(e) => {
                match e.kind {
                    InsnErrorKind::UnusedOpcode(_) => self.pc = pc.saturating_add(1),
                    InsnErrorKind::Truncated { .. } => self.done = true,
                }
                Some(Err(e))
            }
        }
    }
}
