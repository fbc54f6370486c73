//! # unmask-dex
//!
//! A zero-copy DEX reader and Dalvik bytecode decoder for hostile input.
//!
//! [`DexFile::parse`] checks the magic, the header and the bounds of the id tables, then
//! decodes everything else on demand from the borrowed bytes: strings ([`DexFile::string`],
//! MUTF-8 with surrogate pairs and `C0 80`), types, protos, fields, methods, class
//! definitions, class data ([`DexFile::class_data`]), code items with try/catch handlers and
//! debug line tables ([`CodeItem`]), encoded values and annotations ([`value`]), the map list,
//! call sites, method handles and hidden-API flags. [`Instructions`] walks a code item and
//! decodes every Dalvik format (10x ... 51l, 45cc/4rcc) and the three payloads, table-driven
//! from [`opcode::OPCODES`]. [`Index::build`] builds use-site indexes (methods, fields,
//! strings, types) and the class hierarchy over several dex files in one parallel pass;
//! [`disassemble`] renders one method smali-style for evidence.
//!
//! ## Why hand-written
//!
//! The published Rust DEX crates either abort the process on allocations sized by a mutated
//! count, enforce the checksum (so tampered files cannot be analysed), have quadratic
//! behaviour on hostile offsets, or are much slower than needed (see `shared/docs/crates.md`
//! §3). This crate is small, dependency-light and built around the invariants below.
//!
//! ## Invariants
//!
//! - `#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod disasm;
mod error;
pub mod file;
pub mod index;
pub mod insn;
mod model;
pub mod mutf8;
pub mod opcode;
mod reader;
pub mod value;

pub use disasm::{disassemble, disassemble_descriptor};
pub use error::{DexError, Result};
pub use file::{
    Anomaly, Checksums, ClassData, ClassDef, CodeItem, DexFile, EncodedField, EncodedMethod,
    FieldId, Header, MethodId, ProtoId, NO_INDEX,
};
pub use index::{Hierarchy, Index, RefTable, Site};
pub use insn::{decode, InsnError, Instruction, Instructions, Operands};
pub use model::{Class, Method, Scan};
pub use opcode::{Format, IndexKind, Opcode};

/// Finds the method id for a smali-style descriptor (`Lcom/x/Y;->z(I)V`) in `dex`.
pub fn find_method(dex: &DexFile<'_>, descriptor: &str) -> Result<u32> {
    dex.find_method(descriptor)
}
