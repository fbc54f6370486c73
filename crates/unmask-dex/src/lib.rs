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
//! - `#![forbid(unsafe_code)]`; no `unwrap`, `expect` or unchecked indexing on input-derived
//!   values: every read goes through `get`-based helpers that return [`DexError::OutOfBounds`].
//! - Zero-copy: nothing is copied out of the file; strings borrow unless MUTF-8 decoding has to
//!   change bytes; instructions and payloads borrow the code item.
//! - No allocation is sized by an untrusted count before the count is checked against the
//!   bytes that remain (id tables, class data members, catch handlers, encoded arrays,
//!   annotation directories and sets, map list, type lists, hidden-API flags). Indexes taken
//!   from instructions (any `u32`) never size anything.
//! - Work is bounded and linear in the file size, also for hostile files that point many owners
//!   at one structure or at overlapping ones: whole-file walks ([`DexFile::scan`],
//!   [`Index::build`]) charge class data members, code units, catch clauses, interface
//!   entries, annotations and static values to per-file budgets (about the file size) and
//!   report what they skip; NUL searches for long strings are budgeted per file; signatures
//!   are capped at [`file::MAX_SIGNATURE`]; encoded-value nesting at [`value::MAX_DEPTH`];
//!   debug-info programs at 2^20 steps; superclass walks at [`index::MAX_CHAIN`] and
//!   cycle-safe; kept error messages are capped.
//! - The Adler-32 checksum and SHA-1 signature are computed on request
//!   ([`DexFile::checksums`]) and only reported, never required.
//! - Compact dex (`cdex`), ZIP (APK/JAR), odex (`dey`) and ELF inputs are recognised and named
//!   in the error. v041 container files are read with [`DexFile::parse_container`]; offsets in
//!   a v041 header are taken as relative to the container start (only tested on synthetic
//!   containers: no v041 file is in the corpus).
//!
//! ## API in one screen
//!
//! ```no_run
//! # fn main() -> unmask_dex::Result<()> {
//! use unmask_dex::{DexFile, Index};
//! let bytes = std::fs::read("classes.dex").unwrap_or_default();
//! let dex = DexFile::parse(&bytes)?;
//! for class in dex.classes() {
//!     let class = class?;
//!     for method in class.methods()? {
//!         let method = method?;
//!         if let Some(code) = method.code {
//!             for item in code.instructions() {
//!                 let (_offset, _insn) = item?;
//!             }
//!         }
//!     }
//! }
//! let dexes = vec![dex];
//! let index = Index::build(&dexes);
//! let _sites = index.methods.get(&dexes, "Ljava/lang/Runtime;->exec(Ljava/lang/String;)Ljava/lang/Process;");
//! if let Some(dex) = dexes.first() {
//!     let m = dex.find_method("Lcom/x/Y;->z(I)V")?;
//!     println!("{}", unmask_dex::disassemble(dex, m)?);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Testing
//!
//! `tests/dexdump.rs` (`cargo test --release dexdump`) disassembles every method of every dex
//! in the shared corpus plus the smali fixtures and compares each instruction line (address,
//! raw code units, mnemonic, operands, branch targets, literals as `%g`, referenced strings,
//! types, fields, methods, protos, call sites and method handles) byte for byte with AOSP
//! `dexdump -d -i` (Debian 11.0.0+r48), plus per-class field and method counts and the line
//! tables (`positions`). Last run: 256 dex files (252 from the corpus, 4 fixtures), 112,541
//! classes, 764,901 methods with code, 9,316,291 instructions covering all 224 defined
//! opcodes and the three payloads, 2,897,060 line-table entries; all equal, no exceptions
//! needed. A self-test changes one literal and requires the mismatch to be reported.
//! `tests/smali.rs` checks fixtures assembled from `tests/smali/*.smali` (rebuild with
//! `tests/smali/build.sh`); `tests/malformed.rs` mutates a valid dex (every truncation, 4,000
//! random mutations, huge counts, overlapping and shared sections, bad LEB128, cyclic
//! hierarchy, out-of-range instruction indexes, v041 containers) and requires errors, never
//! panics, within time limits.
//!
//! ## Fuzzing
//!
//! `fuzz/` is a cargo-fuzz project (its own workspace) with two targets: `dex` (parse a
//! container, [`DexFile::scan`] every string, class, field, method, instruction, try/catch,
//! line table, annotation, static value and hidden-API entry, checksums, disassemble a few
//! methods, build the [`Index`], walk the hierarchy) and `decode` (decode a raw code-unit
//! stream). Run on stable from `crates/unmask-dex`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run -O dex -- -max_total_time=300 -max_len=65536`.
//! Smoke runs on 2 shared cores (details in `fuzz/README.md`): `dex` about 25 minutes in five
//! runs (about 1.4 million executions), `decode` 4 minutes in two runs (6.2 million
//! executions). No crash or out-of-memory was found; the first run reported two slow units
//! (614 KB inputs taking 6-12 s under ASan): overlapping code items and overlapping catch
//! handlers multiplied the work. Both are fixed by the per-file work budgets above, with
//! regression tests. The mutation test in `tests/malformed.rs` found an allocation sized by an
//! instruction's string index in the index builder (fixed).
//!
//! ## Performance
//!
//! `examples/bench.rs` runs, per APK of `shared/corpus/real`, a fresh process that reads the
//! APK, inflates every `classes*.dex`, parses them and builds the [`Index`] (decoding every
//! instruction), against `dexdump -d APK > /dev/null`, alternating, median of 7 runs, with
//! peak RSS from `/usr/bin/time -v`. Our wall time is about 0.15-0.17x dexdump's and peak RSS
//! 2.5-2.9x the uncompressed dex size for the three apps with megabytes of dex (the 0.4 MB
//! one is dominated by the process baseline); numbers in `fuzz/README.md`.

#![forbid(unsafe_code)]
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
