//! The Dalvik opcode table, transcribed from AOSP `art/libdexfile/dex/dex_instruction_list.h`.

/// Instruction formats (the "Dalvik VM instruction formats" document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Format {
    F10x,
    F12x,
    F11n,
    F11x,
    F10t,
    F20t,
    F22x,
    F21t,
    F21s,
    F21h,
    F21c,
    F23x,
    F22b,
    F22t,
    F22s,
    F22c,
    F32x,
    F30t,
    F31t,
    F31i,
    F31c,
    F35c,
    F3rc,
    F45cc,
    F4rcc,
    F51l,
}

impl Format {
    /// Size of an instruction of this format in 16-bit code units.
    pub const fn size(self) -> u32 {
        use Format::*;
        match self {
            F10x | F12x | F11n | F11x | F10t => 1,
            F20t | F22x | F21t | F21s | F21h | F21c | F23x | F22b | F22t | F22s | F22c => 2,
            F32x | F30t | F31t | F31i | F31c | F35c | F3rc => 3,
            F45cc | F4rcc => 4,
            F51l => 5,
        }
    }
}

/// What the index operand of an instruction refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// No index operand.
    None,
    /// Unused opcode.
    Unknown,
    /// `string_ids`.
    String,
    /// `type_ids`.
    Type,
    /// `field_ids`.
    Field,
    /// `method_ids`.
    Method,
    /// `method_ids` plus a `proto_ids` (invoke-polymorphic).
    MethodAndProto,
    /// `call_site_ids` (invoke-custom).
    CallSite,
    /// `method_handles` (const-method-handle).
    MethodHandle,
    /// `proto_ids` (const-method-type).
    Proto,
}

/// One row of the opcode table.
#[derive(Debug, Clone, Copy)]
pub struct OpInfo {
    /// Mnemonic as printed by dexdump and smali.
    pub name: &'static str,
    /// Encoding format.
    pub format: Format,
    /// Kind of index operand.
    pub index: IndexKind,
    /// Flag bits: [`FLAG_BRANCH`], [`FLAG_SWITCH`], [`FLAG_INVOKE`], [`FLAG_RETURN`], [`FLAG_THROW`], [`FLAG_UNUSED`].
    pub flags: u8,
}

/// Conditional or unconditional branch.
pub const FLAG_BRANCH: u8 = 1;
/// packed-switch or sparse-switch.
pub const FLAG_SWITCH: u8 = 2;
/// An invoke.
pub const FLAG_INVOKE: u8 = 4;
/// A return.
pub const FLAG_RETURN: u8 = 8;
/// throw.
pub const FLAG_THROW: u8 = 16;
/// Unused opcode.
pub const FLAG_UNUSED: u8 = 32;

use Format::*;
use IndexKind as I;

const fn op(name: &'static str, format: Format, index: IndexKind, flags: u8) -> OpInfo {
    OpInfo {
        name,
        format,
        index,
        flags,
    }
}
const fn plain(name: &'static str, format: Format) -> OpInfo {
    op(name, format, I::None, 0)
}
const fn unused(name: &'static str) -> OpInfo {
    op(name, F10x, I::Unknown, FLAG_UNUSED)
}

/// The 256-entry opcode table.
pub static OPCODES: [OpInfo; 256] = [
    plain("nop", F10x),
    plain("move", F12x),
    plain("move/from16", F22x),
    plain("move/16", F32x),
    plain("move-wide", F12x),
    plain("move-wide/from16", F22x),
    plain("move-wide/16", F32x),
    plain("move-object", F12x),
    plain("move-object/from16", F22x),
    plain("move-object/16", F32x),
    plain("move-result", F11x),
    plain("move-result-wide", F11x),
    plain("move-result-object", F11x),
    plain("move-exception", F11x),
    op("return-void", F10x, I::None, FLAG_RETURN),
    op("return", F11x, I::None, FLAG_RETURN),
    // 0x10
    op("return-wide", F11x, I::None, FLAG_RETURN),
    op("return-object", F11x, I::None, FLAG_RETURN),
    plain("const/4", F11n),
    plain("const/16", F21s),
    plain("const", F31i),
    plain("const/high16", F21h),
    plain("const-wide/16", F21s),
    plain("const-wide/32", F31i),
    plain("const-wide", F51l),
    plain("const-wide/high16", F21h),
    op("const-string", F21c, I::String, 0),
    op("const-string/jumbo", F31c, I::String, 0),
    op("const-class", F21c, I::Type, 0),
    plain("monitor-enter", F11x),
    plain("monitor-exit", F11x),
    op("check-cast", F21c, I::Type, 0),
    // 0x20
    op("instance-of", F22c, I::Type, 0),
    plain("array-length", F12x),
    op("new-instance", F21c, I::Type, 0),
    op("new-array", F22c, I::Type, 0),
    op("filled-new-array", F35c, I::Type, 0),
    op("filled-new-array/range", F3rc, I::Type, 0),
    plain("fill-array-data", F31t),
    op("throw", F11x, I::None, FLAG_THROW),
    op("goto", F10t, I::None, FLAG_BRANCH),
    op("goto/16", F20t, I::None, FLAG_BRANCH),
    op("goto/32", F30t, I::None, FLAG_BRANCH),
    op("packed-switch", F31t, I::None, FLAG_SWITCH),
    op("sparse-switch", F31t, I::None, FLAG_SWITCH),
    plain("cmpl-float", F23x),
    plain("cmpg-float", F23x),
    plain("cmpl-double", F23x),
    // 0x30
    plain("cmpg-double", F23x),
    plain("cmp-long", F23x),
    op("if-eq", F22t, I::None, FLAG_BRANCH),
    op("if-ne", F22t, I::None, FLAG_BRANCH),
    op("if-lt", F22t, I::None, FLAG_BRANCH),
    op("if-ge", F22t, I::None, FLAG_BRANCH),
    op("if-gt", F22t, I::None, FLAG_BRANCH),
    op("if-le", F22t, I::None, FLAG_BRANCH),
    op("if-eqz", F21t, I::None, FLAG_BRANCH),
    op("if-nez", F21t, I::None, FLAG_BRANCH),
    op("if-ltz", F21t, I::None, FLAG_BRANCH),
    op("if-gez", F21t, I::None, FLAG_BRANCH),
    op("if-gtz", F21t, I::None, FLAG_BRANCH),
    op("if-lez", F21t, I::None, FLAG_BRANCH),
    unused("unused-3e"),
    unused("unused-3f"),
    // 0x40
    unused("unused-40"),
    unused("unused-41"),
    unused("unused-42"),
    unused("unused-43"),
    plain("aget", F23x),
    plain("aget-wide", F23x),
    plain("aget-object", F23x),
    plain("aget-boolean", F23x),
    plain("aget-byte", F23x),
    plain("aget-char", F23x),
    plain("aget-short", F23x),
    plain("aput", F23x),
    plain("aput-wide", F23x),
    plain("aput-object", F23x),
    plain("aput-boolean", F23x),
    plain("aput-byte", F23x),
    // 0x50
    plain("aput-char", F23x),
    plain("aput-short", F23x),
    op("iget", F22c, I::Field, 0),
    op("iget-wide", F22c, I::Field, 0),
    op("iget-object", F22c, I::Field, 0),
    op("iget-boolean", F22c, I::Field, 0),
    op("iget-byte", F22c, I::Field, 0),
    op("iget-char", F22c, I::Field, 0),
    op("iget-short", F22c, I::Field, 0),
    op("iput", F22c, I::Field, 0),
    op("iput-wide", F22c, I::Field, 0),
    op("iput-object", F22c, I::Field, 0),
    op("iput-boolean", F22c, I::Field, 0),
    op("iput-byte", F22c, I::Field, 0),
    op("iput-char", F22c, I::Field, 0),
    op("iput-short", F22c, I::Field, 0),
    // 0x60
    op("sget", F21c, I::Field, 0),
    op("sget-wide", F21c, I::Field, 0),
    op("sget-object", F21c, I::Field, 0),
    op("sget-boolean", F21c, I::Field, 0),
    op("sget-byte", F21c, I::Field, 0),
    op("sget-char", F21c, I::Field, 0),
    op("sget-short", F21c, I::Field, 0),
    op("sput", F21c, I::Field, 0),
    op("sput-wide", F21c, I::Field, 0),
    op("sput-object", F21c, I::Field, 0),
    op("sput-boolean", F21c, I::Field, 0),
    op("sput-byte", F21c, I::Field, 0),
    op("sput-char", F21c, I::Field, 0),
    op("sput-short", F21c, I::Field, 0),
    op("invoke-virtual", F35c, I::Method, FLAG_INVOKE),
    op("invoke-super", F35c, I::Method, FLAG_INVOKE),
    // 0x70
    op("invoke-direct", F35c, I::Method, FLAG_INVOKE),
    op("invoke-static", F35c, I::Method, FLAG_INVOKE),
    op("invoke-interface", F35c, I::Method, FLAG_INVOKE),
    unused("unused-73"),
    op("invoke-virtual/range", F3rc, I::Method, FLAG_INVOKE),
    op("invoke-super/range", F3rc, I::Method, FLAG_INVOKE),
    op("invoke-direct/range", F3rc, I::Method, FLAG_INVOKE),
    op("invoke-static/range", F3rc, I::Method, FLAG_INVOKE),
    op("invoke-interface/range", F3rc, I::Method, FLAG_INVOKE),
    unused("unused-79"),
    unused("unused-7a"),
    plain("neg-int", F12x),
    plain("not-int", F12x),
    plain("neg-long", F12x),
    plain("not-long", F12x),
    plain("neg-float", F12x),
    // 0x80
    plain("neg-double", F12x),
    plain("int-to-long", F12x),
    plain("int-to-float", F12x),
    plain("int-to-double", F12x),
    plain("long-to-int", F12x),
    plain("long-to-float", F12x),
    plain("long-to-double", F12x),
    plain("float-to-int", F12x),
    plain("float-to-long", F12x),
    plain("float-to-double", F12x),
    plain("double-to-int", F12x),
    plain("double-to-long", F12x),
    plain("double-to-float", F12x),
    plain("int-to-byte", F12x),
    plain("int-to-char", F12x),
    plain("int-to-short", F12x),
    // 0x90
    plain("add-int", F23x),
    plain("sub-int", F23x),
    plain("mul-int", F23x),
    plain("div-int", F23x),
    plain("rem-int", F23x),
    plain("and-int", F23x),
    plain("or-int", F23x),
    plain("xor-int", F23x),
    plain("shl-int", F23x),
    plain("shr-int", F23x),
    plain("ushr-int", F23x),
    plain("add-long", F23x),
    plain("sub-long", F23x),
    plain("mul-long", F23x),
    plain("div-long", F23x),
    plain("rem-long", F23x),
    // 0xa0
    plain("and-long", F23x),
    plain("or-long", F23x),
    plain("xor-long", F23x),
    plain("shl-long", F23x),
    plain("shr-long", F23x),
    plain("ushr-long", F23x),
    plain("add-float", F23x),
    plain("sub-float", F23x),
    plain("mul-float", F23x),
    plain("div-float", F23x),
    plain("rem-float", F23x),
    plain("add-double", F23x),
    plain("sub-double", F23x),
    plain("mul-double", F23x),
    plain("div-double", F23x),
    plain("rem-double", F23x),
    // 0xb0
    plain("add-int/2addr", F12x),
    plain("sub-int/2addr", F12x),
    plain("mul-int/2addr", F12x),
    plain("div-int/2addr", F12x),
    plain("rem-int/2addr", F12x),
    plain("and-int/2addr", F12x),
    plain("or-int/2addr", F12x),
    plain("xor-int/2addr", F12x),
    plain("shl-int/2addr", F12x),
    plain("shr-int/2addr", F12x),
    plain("ushr-int/2addr", F12x),
    plain("add-long/2addr", F12x),
    plain("sub-long/2addr", F12x),
    plain("mul-long/2addr", F12x),
    plain("div-long/2addr", F12x),
    plain("rem-long/2addr", F12x),
    // 0xc0
    plain("and-long/2addr", F12x),
    plain("or-long/2addr", F12x),
    plain("xor-long/2addr", F12x),
    plain("shl-long/2addr", F12x),
    plain("shr-long/2addr", F12x),
    plain("ushr-long/2addr", F12x),
    plain("add-float/2addr", F12x),
    plain("sub-float/2addr", F12x),
    plain("mul-float/2addr", F12x),
    plain("div-float/2addr", F12x),
    plain("rem-float/2addr", F12x),
    plain("add-double/2addr", F12x),
    plain("sub-double/2addr", F12x),
    plain("mul-double/2addr", F12x),
    plain("div-double/2addr", F12x),
    plain("rem-double/2addr", F12x),
    // 0xd0
    plain("add-int/lit16", F22s),
    plain("rsub-int", F22s),
    plain("mul-int/lit16", F22s),
    plain("div-int/lit16", F22s),
    plain("rem-int/lit16", F22s),
    plain("and-int/lit16", F22s),
    plain("or-int/lit16", F22s),
    plain("xor-int/lit16", F22s),
    plain("add-int/lit8", F22b),
    plain("rsub-int/lit8", F22b),
    plain("mul-int/lit8", F22b),
    plain("div-int/lit8", F22b),
    plain("rem-int/lit8", F22b),
    plain("and-int/lit8", F22b),
    plain("or-int/lit8", F22b),
    plain("xor-int/lit8", F22b),
    // 0xe0
    plain("shl-int/lit8", F22b),
    plain("shr-int/lit8", F22b),
    plain("ushr-int/lit8", F22b),
    unused("unused-e3"),
    unused("unused-e4"),
    unused("unused-e5"),
    unused("unused-e6"),
    unused("unused-e7"),
    unused("unused-e8"),
    unused("unused-e9"),
    unused("unused-ea"),
    unused("unused-eb"),
    unused("unused-ec"),
    unused("unused-ed"),
    unused("unused-ee"),
    unused("unused-ef"),
    // 0xf0
    unused("unused-f0"),
    unused("unused-f1"),
    unused("unused-f2"),
    unused("unused-f3"),
    unused("unused-f4"),
    unused("unused-f5"),
    unused("unused-f6"),
    unused("unused-f7"),
    unused("unused-f8"),
    unused("unused-f9"),
    op("invoke-polymorphic", F45cc, I::MethodAndProto, FLAG_INVOKE),
    op(
        "invoke-polymorphic/range",
        F4rcc,
        I::MethodAndProto,
        FLAG_INVOKE,
    ),
    op("invoke-custom", F35c, I::CallSite, FLAG_INVOKE),
    op("invoke-custom/range", F3rc, I::CallSite, FLAG_INVOKE),
    op("const-method-handle", F21c, I::MethodHandle, 0),
    op("const-method-type", F21c, I::Proto, 0),
];

/// An opcode byte with table lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Opcode(pub u8);

impl Opcode {
    /// The table row.
    #[inline]
    pub fn info(self) -> &'static OpInfo {
        // The table has 256 entries, so any u8 is in range; `get` keeps clippy happy.
        OPCODES.get(usize::from(self.0)).unwrap_or(&OPCODES[0])
    }
    /// Mnemonic.
    pub fn name(self) -> &'static str {
        self.info().name
    }
    /// Encoding format.
    pub fn format(self) -> Format {
        self.info().format
    }
    /// Kind of index operand.
    pub fn index_kind(self) -> IndexKind {
        self.info().index
    }
    /// True for the unused opcodes (3e-43, 73, 79, 7a, e3-f9).
    pub fn is_unused(self) -> bool {
        self.info().flags & FLAG_UNUSED != 0
    }
    /// True for invoke-* opcodes.
    pub fn is_invoke(self) -> bool {
        self.info().flags & FLAG_INVOKE != 0
    }
    /// True for goto and if-* opcodes.
    pub fn is_branch(self) -> bool {
        self.info().flags & FLAG_BRANCH != 0
    }
}
