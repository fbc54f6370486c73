//! Reader for Android native libraries (`lib/<abi>/*.so`, and ELF files hidden in assets).
//!
//! DOCS-PLACEHOLDER
#![forbid(unsafe_code)]

mod anomaly;
mod jni;
mod names;
mod parse;
mod strings;

use std::borrow::Cow;

use serde::Serialize;

pub use anomaly::{kind, Anomaly};
pub use jni::{demangle_jni, JniName};
pub use names::{file_type, machine_name, section_type, segment_type};
pub use strings::{FoundString, Region, RegionKind, StringOptions, Strings};

/// Why a file could not be read as ELF at all. Everything short of this is an [`Anomaly`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file does not start with `\x7fELF`.
    #[error("not an ELF file (no \\x7fELF magic)")]
    NotElf,
    /// The file is shorter than the ELF header of its class.
    #[error("ELF header cut off: {len} bytes, the header needs {need}")]
    Truncated {
        /// File length.
        len: usize,
        /// Header size of the class.
        need: usize,
    },
    /// `EI_CLASS` is neither 1 (32-bit) nor 2 (64-bit).
    #[error("unsupported ELF class {0} (EI_CLASS)")]
    UnsupportedClass(u8),
    /// `EI_DATA` is neither 1 (little endian) nor 2 (big endian).
    #[error("unsupported ELF data encoding {0} (EI_DATA)")]
    UnsupportedEndian(u8),
}

/// True when `data` starts with the ELF magic `\x7fELF`.
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// ELF class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Class {
    /// `ELFCLASS32`.
    #[serde(rename = "ELF32")]
    Elf32,
    /// `ELFCLASS64`.
    #[serde(rename = "ELF64")]
    Elf64,
}

/// Data encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endian {
    /// `ELFDATA2LSB`.
    Little,
    /// `ELFDATA2MSB`.
    Big,
}

/// Where the dynamic table or the dynamic symbols were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The `PT_DYNAMIC` segment and the addresses in it, as the Android linker reads them.
    Segment,
    /// The section table (`SHT_DYNAMIC`, `SHT_DYNSYM`).
    Section,
    /// Neither exists.
    None,
}

/// The ELF header fields, widened to 64 bits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// 32 or 64 bit.
    pub class: Class,
    /// Byte order.
    pub endian: Endian,
    /// `e_ident[EI_VERSION]` (1 in a well-formed file).
    pub ident_version: u8,
    /// `e_ident[EI_OSABI]`.
    pub os_abi: u8,
    /// `e_type` (3 = shared object); see [`file_type`].
    pub e_type: u16,
    /// `e_machine`; see [`machine_name`].
    pub machine: u16,
    /// `e_version`.
    pub version: u32,
    /// `e_entry`.
    pub entry: u64,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_shoff`.
    pub shoff: u64,
    /// `e_flags`.
    pub flags: u32,
    /// `e_ehsize`.
    pub ehsize: u16,
    /// `e_phentsize`.
    pub phentsize: u16,
    /// `e_phnum` as stored (`0xffff` means the count is in section 0).
    pub phnum: u16,
    /// `e_shentsize`.
    pub shentsize: u16,
    /// `e_shnum` as stored (0 with a table means the count is in section 0).
    pub shnum: u16,
    /// `e_shstrndx` as stored (`0xffff` means the index is in section 0).
    pub shstrndx: u16,
}

/// One section header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section<'a> {
    /// Index in the section table.
    pub index: u32,
    /// Name from the section-name string table (lossy UTF-8; empty when it cannot be read).
    pub name: Cow<'a, str>,
    /// `sh_type`.
    pub sh_type: u32,
    /// Name of `sh_type` (`PROGBITS`, …; `unknown` for others); see [`section_type`].
    pub type_name: &'static str,
    /// `sh_flags` (`SHF_WRITE` 1, `SHF_ALLOC` 2, `SHF_EXECINSTR` 4, …).
    pub flags: u64,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_entsize`.
    pub entsize: u64,
    /// The section has file bytes (not `NOBITS`/`NULL`) and they lie inside the file.
    pub in_file: bool,
}

/// One program header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Index in the program header table.
    pub index: u32,
    /// `p_type`.
    pub p_type: u32,
    /// Name of `p_type` (`LOAD`, `DYNAMIC`, …); see [`segment_type`].
    pub type_name: &'static str,
    /// `p_flags` (`PF_X` 1, `PF_W` 2, `PF_R` 4).
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_align`.
    pub align: u64,
    /// `offset + filesz` lies inside the file.
    pub in_file: bool,
    /// Shannon entropy of the file bytes (bits per byte, 0–8) of a `PT_LOAD` segment;
    /// near 8 means compressed or encrypted. `None` for other segments.
    pub entropy: Option<f64>,
}

/// Symbol type (`STT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolKind {
    /// `STT_NOTYPE`.
    NoType,
    /// `STT_OBJECT`: data.
    Object,
    /// `STT_FUNC`: code.
    Function,
    /// `STT_SECTION`.
    Section,
    /// `STT_FILE`.
    File,
    /// `STT_COMMON`.
    Common,
    /// `STT_TLS`: thread-local data.
    Tls,
    /// `STT_GNU_IFUNC`: indirect function.
    Ifunc,
    /// Any other value.
    Other(u8),
}

impl SymbolKind {
    fn from_raw(t: u8) -> Self {
        match t {
            0 => SymbolKind::NoType,
            1 => SymbolKind::Object,
            2 => SymbolKind::Function,
            3 => SymbolKind::Section,
            4 => SymbolKind::File,
            5 => SymbolKind::Common,
            6 => SymbolKind::Tls,
            10 => SymbolKind::Ifunc,
            other => SymbolKind::Other(other),
        }
    }
}

/// Symbol binding (`STB_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// `STB_LOCAL`.
    Local,
    /// `STB_GLOBAL`.
    Global,
    /// `STB_WEAK`.
    Weak,
    /// `STB_GNU_UNIQUE`.
    Unique,
    /// Any other value.
    Other(u8),
}

impl Binding {
    fn from_raw(b: u8) -> Self {
        match b {
            0 => Binding::Local,
            1 => Binding::Global,
            2 => Binding::Weak,
            10 => Binding::Unique,
            other => Binding::Other(other),
        }
    }
}

/// One dynamic symbol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Symbol<'a> {
    /// Index in the dynamic symbol table.
    pub index: u32,
    /// Name (lossy UTF-8; empty when unnamed or unreadable). No version suffix.
    pub name: Cow<'a, str>,
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// Type.
    pub kind: SymbolKind,
    /// Binding.
    pub binding: Binding,
    /// `st_shndx` (0 = undefined).
    pub shndx: u16,
    /// Defined here (`st_shndx != SHN_UNDEF`); false for imports.
    pub defined: bool,
}

impl Symbol<'_> {
    /// A named, non-local function/object/other symbol (not a section or file symbol).
    fn is_linkable(&self) -> bool {
        !self.name.is_empty()
            && self.binding != Binding::Local
            && !matches!(self.kind, SymbolKind::Section | SymbolKind::File)
    }
}

/// A symbol in [`Facts::exports`] or [`Facts::imports`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolRef<'a> {
    /// Symbol name.
    pub name: Cow<'a, str>,
    /// Type (`function`, `object`, …).
    pub kind: SymbolKind,
}

/// Which JNI entry point an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JniKind {
    /// `JNI_OnLoad`, or `JNI_OnLoad_<lib>` of a statically linked library.
    OnLoad,
    /// `JNI_OnUnload`, or `JNI_OnUnload_<lib>`.
    OnUnload,
    /// `Java_*`: a native method bound by name.
    NativeMethod,
}

/// An exported JNI entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JniExport<'a> {
    /// The exported symbol.
    pub symbol: Cow<'a, str>,
    /// Which entry point.
    pub kind: JniKind,
    /// Java class (binary name, `.`-separated) of a `Java_*` export that decodes.
    pub class: Option<String>,
    /// Java method name of a `Java_*` export that decodes.
    pub method: Option<String>,
    /// Argument descriptor of an overloaded `Java_*` export (`__` form).
    pub signature: Option<String>,
}

/// The report-level summary of a library ([`Elf::facts`]).
#[derive(Debug, Clone, Serialize)]
pub struct Facts<'a> {
    /// 32 or 64 bit.
    pub class: Class,
    /// Byte order.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `ARM`, `AArch64`, `x86`, `x86-64`, `RISC-V`, `MIPS`; `None` for other machines.
    pub machine_name: Option<&'static str>,
    /// `shared_object`, `executable`, `relocatable`, `core`, `none` or `unknown`.
    pub kind: &'static str,
    /// `DT_NEEDED` libraries, in order.
    pub needed: Vec<Cow<'a, str>>,
    /// `DT_SONAME`.
    pub soname: Option<Cow<'a, str>>,
    /// Defined non-local dynamic symbols.
    pub exports: Vec<SymbolRef<'a>>,
    /// Undefined non-local dynamic symbols.
    pub imports: Vec<SymbolRef<'a>>,
    /// JNI entry points among the exports.
    pub jni: Vec<JniExport<'a>>,
    /// Where the dynamic table was read.
    pub dynamic_source: Source,
    /// Where the dynamic symbols were read.
    pub symbol_source: Source,
    /// Number of section headers read.
    pub section_count: usize,
    /// Number of program headers read.
    pub segment_count: usize,
    /// Highest entropy of a `PT_LOAD` segment (bits per byte); see [`Segment::entropy`].
    pub max_load_entropy: Option<f64>,
    /// Everything unusual, in the order found.
    pub anomalies: Vec<Anomaly>,
}

/// A parsed ELF file, borrowing the input.
#[derive(Debug, Clone)]
pub struct Elf<'a> {
    data: &'a [u8],
    header: Header,
    sections: Vec<Section<'a>>,
    segments: Vec<Segment>,
    needed: Vec<Cow<'a, str>>,
    soname: Option<Cow<'a, str>>,
    symbols: Vec<Symbol<'a>>,
    dynamic_source: Source,
    symbol_source: Source,
    anomalies: Vec<Anomaly>,
}

impl<'a> Elf<'a> {
    /// Parses `data`. Fails only when the ELF identification or header is unusable; every
    /// other problem is recorded as an [`Anomaly`] and parsing goes on.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, Error> {
        if !is_elf(data) {
            return Err(Error::NotElf);
        }
        let class = match data.get(4) {
            Some(1) => Class::Elf32,
            Some(2) => Class::Elf64,
            Some(&c) => return Err(Error::UnsupportedClass(c)),
            None => {
                return Err(Error::Truncated {
                    len: data.len(),
                    need: 16,
                })
            }
        };
        let endian = match data.get(5) {
            Some(1) => Endian::Little,
            Some(2) => Endian::Big,
            Some(&d) => return Err(Error::UnsupportedEndian(d)),
            None => {
                return Err(Error::Truncated {
                    len: data.len(),
                    need: 16,
                })
            }
        };
        match class {
            Class::Elf32 => {
                parse::parse::<object::elf::FileHeader32<object::Endianness>>(data, class, endian)
            }
            Class::Elf64 => {
                parse::parse::<object::elf::FileHeader64<object::Endianness>>(data, class, endian)
            }
        }
    }

    /// The input bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The ELF header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The section headers (empty when the table is absent or unusable).
    pub fn sections(&self) -> &[Section<'a>] {
        &self.sections
    }

    /// The bytes of a section, when it has bytes inside the file.
    pub fn section_data(&self, section: &Section<'_>) -> Option<&'a [u8]> {
        if !section.in_file {
            return None;
        }
        parse::slice(
            self.data,
            section.offset,
            section.offset.saturating_add(section.size),
        )
    }

    /// The program headers.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// `DT_NEEDED` libraries, in order.
    pub fn needed(&self) -> &[Cow<'a, str>] {
        &self.needed
    }

    /// `DT_SONAME`.
    pub fn soname(&self) -> Option<&str> {
        self.soname.as_deref()
    }

    /// All dynamic symbols, including index 0 and local ones, in table order.
    pub fn symbols(&self) -> &[Symbol<'a>] {
        &self.symbols
    }

    /// Where the dynamic table was read.
    pub fn dynamic_source(&self) -> Source {
        self.dynamic_source
    }

    /// Where the dynamic symbols were read.
    pub fn symbol_source(&self) -> Source {
        self.symbol_source
    }

    /// Everything unusual found while parsing.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// JNI entry points among the defined dynamic symbols.
    pub fn jni_exports(&self) -> Vec<JniExport<'a>> {
        let mut out = Vec::new();
        for s in self.symbols.iter().filter(|s| s.defined && s.is_linkable()) {
            let name: &str = &s.name;
            let kind = if name == "JNI_OnLoad" || name.starts_with("JNI_OnLoad_") {
                JniKind::OnLoad
            } else if name == "JNI_OnUnload" || name.starts_with("JNI_OnUnload_") {
                JniKind::OnUnload
            } else if name.starts_with("Java_") {
                JniKind::NativeMethod
            } else {
                continue;
            };
            let decoded = (kind == JniKind::NativeMethod)
                .then(|| demangle_jni(name))
                .flatten();
            let (class, method, signature) = match decoded {
                Some(d) => (Some(d.class), Some(d.method), d.signature),
                None => (None, None, None),
            };
            out.push(JniExport {
                symbol: s.name.clone(),
                kind,
                class,
                method,
                signature,
            });
        }
        out
    }

    /// The report-level summary.
    pub fn facts(&self) -> Facts<'a> {
        let linkable = || self.symbols.iter().filter(|s| s.is_linkable());
        let to_ref = |s: &Symbol<'a>| SymbolRef {
            name: s.name.clone(),
            kind: s.kind,
        };
        Facts {
            class: self.header.class,
            endian: self.header.endian,
            machine: self.header.machine,
            machine_name: machine_name(self.header.machine),
            kind: file_type(self.header.e_type),
            needed: self.needed.clone(),
            soname: self.soname.clone(),
            exports: linkable().filter(|s| s.defined).map(to_ref).collect(),
            imports: linkable().filter(|s| !s.defined).map(to_ref).collect(),
            jni: self.jni_exports(),
            dynamic_source: self.dynamic_source,
            symbol_source: self.symbol_source,
            section_count: self.sections.len(),
            segment_count: self.segments.len(),
            max_load_entropy: self
                .segments
                .iter()
                .filter_map(|s| s.entropy)
                .reduce(f64::max),
            anomalies: self.anomalies.clone(),
        }
    }

    /// Printable strings of the data regions; see [`StringOptions`] and the crate docs.
    pub fn strings(&self, options: &StringOptions) -> Strings<'_> {
        strings::extract(self, options)
    }
}
