//! The DEX file view: header, id tables, strings, class definitions, class data, code items.

use crate::error::{oob, DexError, Result};
use crate::insn::Instructions;
use crate::reader::{slice, u16_at, u32_at, Cursor};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// `NO_INDEX` in the DEX format.
pub const NO_INDEX: u32 = 0xffff_ffff;

/// Size of the standard header (035-040).
const HEADER_SIZE: usize = 0x70;
/// Size of the v041 header (adds `container_size` and `header_offset`).
const HEADER_SIZE_V41: usize = 0x78;

/// The file header, as stored (nothing in it is trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Version number from the magic (35..=41).
    pub version: u32,
    /// Stored Adler-32 checksum.
    pub checksum: u32,
    /// Stored SHA-1 signature.
    pub signature: [u8; 20],
    /// Stored file size.
    pub file_size: u32,
    /// Stored header size.
    pub header_size: u32,
    /// Endian tag (0x12345678).
    pub endian_tag: u32,
    /// link_size, link_off.
    pub link: (u32, u32),
    /// map_off.
    pub map_off: u32,
    /// string_ids (size, off).
    pub string_ids: (u32, u32),
    /// type_ids (size, off).
    pub type_ids: (u32, u32),
    /// proto_ids (size, off).
    pub proto_ids: (u32, u32),
    /// field_ids (size, off).
    pub field_ids: (u32, u32),
    /// method_ids (size, off).
    pub method_ids: (u32, u32),
    /// class_defs (size, off).
    pub class_defs: (u32, u32),
    /// data (size, off).
    pub data: (u32, u32),
    /// v041 only: container size and this header's offset in the container.
    pub container: Option<(u32, u32)>,
}

/// Result of recomputing the header checksums (reported, never enforced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksums {
    /// True if the stored Adler-32 matches the data after it.
    pub adler32_ok: bool,
    /// The computed Adler-32.
    pub adler32: u32,
    /// True if the stored SHA-1 matches the data after it.
    pub sha1_ok: bool,
}

/// A format quirk noticed while parsing, not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anomaly {
    /// `file_size` disagrees with the length of the data.
    FileSizeMismatch {
        /// Stored.
        stored: u32,
        /// Actual.
        actual: u64,
    },
    /// The header size is not the expected one for the version.
    HeaderSize(u32),
    /// The map list could not be read.
    BadMapList(String),
    /// A v041 container holds further dex files after this one.
    ContainerHasMore,
}

/// A table of fixed-size items, bounds-checked at parse time.
#[derive(Debug, Clone, Copy, Default)]
struct Table {
    off: usize,
    count: u32,
}

/// A `proto_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoId {
    /// Shorty string index.
    pub shorty_idx: u32,
    /// Return type index.
    pub return_type_idx: u32,
    /// Offset of the parameter `type_list`, 0 if none.
    pub parameters_off: u32,
}

/// A `field_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldId {
    /// Defining class type index.
    pub class_idx: u16,
    /// Field type index.
    pub type_idx: u16,
    /// Name string index.
    pub name_idx: u32,
}

/// A `method_id_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodId {
    /// Defining class type index.
    pub class_idx: u16,
    /// Proto index.
    pub proto_idx: u16,
    /// Name string index.
    pub name_idx: u32,
}

/// A `class_def_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassDef {
    /// Class type index.
    pub class_idx: u32,
    /// Access flags.
    pub access_flags: u32,
    /// Superclass type index or [`NO_INDEX`].
    pub superclass_idx: u32,
    /// Offset of the interfaces `type_list`, 0 if none.
    pub interfaces_off: u32,
    /// Source file string index or [`NO_INDEX`].
    pub source_file_idx: u32,
    /// Offset of the annotations directory, 0 if none.
    pub annotations_off: u32,
    /// Offset of the class data, 0 if none.
    pub class_data_off: u32,
    /// Offset of the static values encoded array, 0 if none.
    pub static_values_off: u32,
}

/// A `method_handle_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodHandle {
    /// Method handle type (0-3 field accessors, 4-8 invokes).
    pub kind: u16,
    /// Field or method id.
    pub field_or_method_idx: u16,
}

/// A `map_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapItem {
    /// Item type code (0x0000 header ... 0xF000 hiddenapi_class_data).
    pub kind: u16,
    /// Number of items.
    pub size: u32,
    /// Offset.
    pub offset: u32,
}

/// An encoded field from class data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedField {
    /// Field id (deltas already summed).
    pub field_idx: u32,
    /// Access flags.
    pub access_flags: u32,
    /// True for static fields.
    pub is_static: bool,
}

/// An encoded method from class data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedMethod {
    /// Method id (deltas already summed).
    pub method_idx: u32,
    /// Access flags.
    pub access_flags: u32,
    /// Offset of the code item, 0 for abstract/native.
    pub code_off: u32,
    /// True for direct methods (static, private, constructors).
    pub is_direct: bool,
}

/// Decoded `class_data_item`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassData {
    /// Static then instance fields, in file order.
    pub fields: Vec<EncodedField>,
    /// Direct then virtual methods, in file order.
    pub methods: Vec<EncodedMethod>,
    /// Number of static fields (the first ones in `fields`).
    pub static_fields: u32,
    /// Number of direct methods (the first ones in `methods`).
    pub direct_methods: u32,
}

/// A `try_item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryItem {
    /// Start address in code units.
    pub start_addr: u32,
    /// Number of code units covered.
    pub insn_count: u16,
    /// Byte offset of the handler in the handler list.
    pub handler_off: u16,
}

/// One catch clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchClause {
    /// Exception type index, or `None` for catch-all.
    pub type_idx: Option<u32>,
    /// Handler address in code units.
    pub addr: u32,
}

/// A `code_item`, borrowing its instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeItem<'a> {
    /// Offset of the code item in the file.
    pub offset: u32,
    /// Number of registers.
    pub registers_size: u16,
    /// Number of incoming argument words.
    pub ins_size: u16,
    /// Outgoing argument words.
    pub outs_size: u16,
    /// Number of try items.
    pub tries_size: u16,
    /// Debug info offset, 0 if none.
    pub debug_info_off: u32,
    /// The instructions, as LE bytes of `insns_size` code units.
    pub insns: &'a [u8],
    tries_off: usize,
    handlers_off: usize,
    data: &'a [u8],
}

/// Limit on how many catch clauses are decoded for one handler.
const MAX_CATCHES: u32 = 65536;
/// Limit on debug-info opcodes processed for one method.
const MAX_DEBUG_STEPS: usize = 1 << 20;

impl<'a> CodeItem<'a> {
    /// Number of code units.
    pub fn insns_size(&self) -> u32 {
        (self.insns.len() / 2) as u32
    }

    /// Iterates the instructions.
    pub fn instructions(&self) -> Instructions<'a> {
        Instructions::new(self.insns)
    }

    /// The try items.
    pub fn tries(&self) -> Result<Vec<TryItem>> {
        let mut out = Vec::with_capacity(usize::from(self.tries_size));
        let mut c = Cursor::new(self.data, self.tries_off);
        for _ in 0..self.tries_size {
            let start_addr = c.u32("try_item")?;
            let insn_count = c.u16("try_item")?;
            let handler_off = c.u16("try_item")?;
            out.push(TryItem {
                start_addr,
                insn_count,
                handler_off,
            });
        }
        Ok(out)
    }

    /// The catch clauses of the handler at `handler_off` (from a [`TryItem`]).
    pub fn catch_handler(&self, handler_off: u16) -> Result<Vec<CatchClause>> {
        let off = self
            .handlers_off
            .checked_add(usize::from(handler_off))
            .ok_or_else(|| oob("catch handler", self.handlers_off))?;
        let mut c = Cursor::new(self.data, off);
        let size = c.sleb128()?;
        let n = size.unsigned_abs();
        if n > MAX_CATCHES || n as usize > c.remaining() {
            return Err(DexError::Limit {
                what: "catch handler size",
                count: u64::from(n),
                limit: c.remaining() as u64,
            });
        }
        let mut out = Vec::with_capacity(n as usize + 1);
        for _ in 0..n {
            let type_idx = c.uleb128()?;
            let addr = c.uleb128()?;
            out.push(CatchClause {
                type_idx: Some(type_idx),
                addr,
            });
        }
        if size <= 0 {
            let addr = c.uleb128()?;
            out.push(CatchClause {
                type_idx: None,
                addr,
            });
        }
        Ok(out)
    }

    /// Decodes the line-number table of the debug info: `(address, line)` pairs, in order.
    pub fn positions(&self) -> Result<Vec<(u32, u32)>> {
        if self.debug_info_off == 0 {
            return Ok(Vec::new());
        }
        let mut c = Cursor::new(self.data, self.debug_info_off as usize);
        let mut line = c.uleb128()?;
        let params = c.uleb128()?;
        if params as usize > c.remaining() {
            return Err(DexError::Limit {
                what: "debug info parameters",
                count: u64::from(params),
                limit: c.remaining() as u64,
            });
        }
        for _ in 0..params {
            c.uleb128p1()?;
        }
        let mut addr: u32 = 0;
        let mut out = Vec::new();
        for _ in 0..MAX_DEBUG_STEPS {
            let op = c.u8("debug info")?;
            match op {
                0x00 => return Ok(out),
                0x01 => addr = addr.wrapping_add(c.uleb128()?),
                0x02 => line = line.wrapping_add(c.sleb128()? as u32),
                0x03 => {
                    c.uleb128()?;
                    c.uleb128p1()?;
                    c.uleb128p1()?;
                }
                0x04 => {
                    c.uleb128()?;
                    c.uleb128p1()?;
                    c.uleb128p1()?;
                    c.uleb128p1()?;
                }
                0x05 | 0x06 => {
                    c.uleb128()?;
                }
                0x07 | 0x08 => {}
                0x09 => {
                    c.uleb128p1()?;
                }
                _ => {
                    let adj = u32::from(op - 0x0a);
                    addr = addr.wrapping_add(adj / 15);
                    line = line.wrapping_add((adj % 15) as i32 as u32).wrapping_sub(4);
                    out.push((addr, line));
                }
            }
        }
        Err(DexError::Limit {
            what: "debug info steps",
            count: MAX_DEBUG_STEPS as u64,
            limit: MAX_DEBUG_STEPS as u64,
        })
    }

    /// The source line of the instruction at `addr`, from the debug info, if known.
    pub fn line_at(&self, addr: u32) -> Option<u32> {
        let pos = self.positions().ok()?;
        pos.iter()
            .take_while(|(a, _)| *a <= addr)
            .last()
            .map(|(_, l)| *l)
    }
}

/// A parsed DEX file: a zero-copy view over the bytes.
#[derive(Debug, Clone)]
pub struct DexFile<'a> {
    data: &'a [u8],
    header: Header,
    strings: Table,
    types: Table,
    protos: Table,
    fields: Table,
    methods: Table,
    classes: Table,
    call_sites: Table,
    method_handles: Table,
    hiddenapi_off: Option<u32>,
    map: Vec<MapItem>,
    anomalies: Vec<Anomaly>,
    /// Bytes that may still be scanned for long (> 64 KiB) strings; see [`DexFile::string_raw`].
    long_string_budget: Arc<AtomicU64>,
}

/// Maximum length of a rendered method signature, in bytes.
pub const MAX_SIGNATURE: usize = 16 * 1024;

/// Strings whose search window exceeds this are charged to the per-file budget.
const LONG_STRING: usize = 64 * 1024;

fn table(data: &[u8], (count, off): (u32, u32), elem: usize, what: &'static str) -> Result<Table> {
    if count == 0 {
        return Ok(Table {
            off: off as usize,
            count: 0,
        });
    }
    let len = (count as usize)
        .checked_mul(elem)
        .ok_or_else(|| oob(what, off as usize))?;
    slice(data, off as usize, len, what)?;
    Ok(Table {
        off: off as usize,
        count,
    })
}

/// Identifies what kind of data this is, for a clear error on non-dex input.
fn check_magic(data: &[u8]) -> Result<u32> {
    let magic = data
        .get(..8)
        .ok_or(DexError::NotDex("shorter than the 8-byte magic"))?;
    if magic.starts_with(b"cdex") {
        return Err(DexError::CompactDex);
    }
    if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
        return Err(DexError::NotDex(
            "this is a ZIP archive (an APK or JAR?), not a DEX file",
        ));
    }
    if magic.starts_with(b"dey\n") {
        return Err(DexError::NotDex("this is an optimized (odex) file"));
    }
    if magic.starts_with(b"\x7fELF") {
        return Err(DexError::NotDex("this is an ELF file (oat?)"));
    }
    if !magic.starts_with(b"dex\n") || magic.get(7) != Some(&0) {
        return Err(DexError::NotDex("bad magic"));
    }
    let v = magic.get(4..7).unwrap_or_default();
    let s = std::str::from_utf8(v).map_err(|_| DexError::UnsupportedVersion(format!("{v:?}")))?;
    let n: u32 = s
        .parse()
        .map_err(|_| DexError::UnsupportedVersion(s.to_owned()))?;
    if !(35..=41).contains(&n) {
        return Err(DexError::UnsupportedVersion(s.to_owned()));
    }
    Ok(n)
}

fn pair(data: &[u8], off: usize) -> Result<(u32, u32)> {
    Ok((
        u32_at(data, off, "header")?,
        u32_at(data, off + 4, "header")?,
    ))
}

fn parse_header(data: &[u8], base: usize) -> Result<Header> {
    let h = data.get(base..).ok_or_else(|| oob("header", base))?;
    let version = check_magic(h)?;
    slice(h, 0, HEADER_SIZE, "header")?;
    let mut signature = [0u8; 20];
    signature.copy_from_slice(slice(h, 12, 20, "header")?);
    let endian_tag = u32_at(h, 40, "header")?;
    if endian_tag == 0x7856_3412 {
        return Err(DexError::Malformed {
            what: "header",
            offset: 40,
            detail: "big-endian DEX files are not supported",
        });
    }
    let container = if version >= 41 {
        let hs = u32_at(h, 36, "header")?;
        if hs as usize >= HEADER_SIZE_V41 {
            Some((u32_at(h, 0x70, "header")?, u32_at(h, 0x74, "header")?))
        } else {
            None
        }
    } else {
        None
    };
    Ok(Header {
        version,
        checksum: u32_at(h, 8, "header")?,
        signature,
        file_size: u32_at(h, 32, "header")?,
        header_size: u32_at(h, 36, "header")?,
        endian_tag,
        link: pair(h, 44)?,
        map_off: u32_at(h, 52, "header")?,
        string_ids: pair(h, 56)?,
        type_ids: pair(h, 64)?,
        proto_ids: pair(h, 72)?,
        field_ids: pair(h, 80)?,
        method_ids: pair(h, 88)?,
        class_defs: pair(h, 96)?,
        data: pair(h, 104)?,
        container,
    })
}

/// Map item type codes.
pub mod map_type {
    /// call_site_id_item.
    pub const CALL_SITE_ID: u16 = 0x0007;
    /// method_handle_item.
    pub const METHOD_HANDLE: u16 = 0x0008;
    /// hiddenapi_class_data_item.
    pub const HIDDENAPI_CLASS_DATA: u16 = 0xF000;
}

/// Maximum map list entries accepted (the format defines about 20 types).
const MAX_MAP_ITEMS: u32 = 4096;

impl<'a> DexFile<'a> {
    /// Parses a DEX file (versions 035-041). For a v041 container, this is the first dex in it;
    /// see [`DexFile::parse_container`]. Only the header, the bounds of the id tables and the
    /// map list are checked here; everything else is decoded lazily.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        Self::parse_at(data, 0)
    }

    /// Parses every dex in a v041 container (for other versions, just the one).
    /// At most 256 dex files are read from one container.
    pub fn parse_container(data: &'a [u8]) -> Result<Vec<Self>> {
        let mut out = Vec::new();
        let mut base = 0usize;
        while out.len() < 256 {
            let dex = Self::parse_at(data, base)?;
            let next = match dex.header.container {
                Some(_) if dex.header.file_size > 0 => {
                    base.checked_add(dex.header.file_size as usize)
                }
                _ => None,
            };
            out.push(dex);
            match next {
                Some(n) if n < data.len() => base = n,
                _ => break,
            }
        }
        Ok(out)
    }

    fn parse_at(data: &'a [u8], base: usize) -> Result<Self> {
        let header = parse_header(data, base)?;
        let mut anomalies = Vec::new();
        if header.container.is_none() && u64::from(header.file_size) != data.len() as u64 {
            anomalies.push(Anomaly::FileSizeMismatch {
                stored: header.file_size,
                actual: data.len() as u64,
            });
        }
        let expected = if header.container.is_some() {
            HEADER_SIZE_V41
        } else {
            HEADER_SIZE
        };
        if header.header_size as usize != expected {
            anomalies.push(Anomaly::HeaderSize(header.header_size));
        }
        if let Some((csize, _)) = header.container {
            if (base as u64).saturating_add(u64::from(header.file_size)) < u64::from(csize) {
                anomalies.push(Anomaly::ContainerHasMore);
            }
        }
        // In a v041 container, offsets are relative to the container start (the data given).
        let mut dex = DexFile {
            data,
            strings: table(data, header.string_ids, 4, "string_ids")?,
            types: table(data, header.type_ids, 4, "type_ids")?,
            protos: table(data, header.proto_ids, 12, "proto_ids")?,
            fields: table(data, header.field_ids, 8, "field_ids")?,
            methods: table(data, header.method_ids, 8, "method_ids")?,
            classes: table(data, header.class_defs, 32, "class_defs")?,
            call_sites: Table::default(),
            method_handles: Table::default(),
            hiddenapi_off: None,
            map: Vec::new(),
            anomalies,
            long_string_budget: Arc::new(AtomicU64::new(
                (data.len() as u64)
                    .saturating_mul(4)
                    .saturating_add(1 << 20),
            )),
            header,
        };
        match dex.read_map() {
            Ok(map) => {
                for item in &map {
                    match item.kind {
                        map_type::CALL_SITE_ID => {
                            if let Ok(t) = table(data, (item.size, item.offset), 4, "call_site_ids")
                            {
                                dex.call_sites = t;
                            }
                        }
                        map_type::METHOD_HANDLE => {
                            if let Ok(t) =
                                table(data, (item.size, item.offset), 8, "method_handles")
                            {
                                dex.method_handles = t;
                            }
                        }
                        map_type::HIDDENAPI_CLASS_DATA => dex.hiddenapi_off = Some(item.offset),
                        _ => {}
                    }
                }
                dex.map = map;
            }
            Err(e) => dex.anomalies.push(Anomaly::BadMapList(e.to_string())),
        }
        Ok(dex)
    }

    fn read_map(&self) -> Result<Vec<MapItem>> {
        let off = self.header.map_off as usize;
        if off == 0 {
            return Ok(Vec::new());
        }
        let n = u32_at(self.data, off, "map_list")?;
        if n > MAX_MAP_ITEMS {
            return Err(DexError::Limit {
                what: "map_list size",
                count: u64::from(n),
                limit: u64::from(MAX_MAP_ITEMS),
            });
        }
        slice(self.data, off + 4, n as usize * 12, "map_list")?;
        let mut c = Cursor::new(self.data, off + 4);
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let kind = c.u16("map_item")?;
            c.u16("map_item")?;
            let size = c.u32("map_item")?;
            let offset = c.u32("map_item")?;
            out.push(MapItem { kind, size, offset });
        }
        Ok(out)
    }

    /// The raw bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// DEX version (35..=41).
    pub fn version(&self) -> u32 {
        self.header.version
    }

    /// Non-fatal anomalies noticed while parsing.
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// The map list (empty if absent or unreadable; see [`DexFile::anomalies`]).
    pub fn map_list(&self) -> &[MapItem] {
        &self.map
    }

    /// Recomputes the Adler-32 checksum and SHA-1 signature and compares them to the header.
    pub fn checksums(&self) -> Checksums {
        let base = self.header.container.map(|(_, o)| o as usize).unwrap_or(0);
        let end = base
            .saturating_add(self.header.file_size as usize)
            .min(self.data.len());
        let body = self
            .data
            .get(base.saturating_add(12)..end)
            .unwrap_or_default();
        let adler32 = adler32(body);
        let sig_body = self
            .data
            .get(base.saturating_add(32)..end)
            .unwrap_or_default();
        use sha1::Digest;
        let sha: [u8; 20] = sha1::Sha1::digest(sig_body).into();
        Checksums {
            adler32_ok: adler32 == self.header.checksum,
            adler32,
            sha1_ok: sha == self.header.signature,
        }
    }

    /// Number of strings.
    pub fn string_count(&self) -> u32 {
        self.strings.count
    }
    /// Number of types.
    pub fn type_count(&self) -> u32 {
        self.types.count
    }
    /// Number of protos.
    pub fn proto_count(&self) -> u32 {
        self.protos.count
    }
    /// Number of field ids.
    pub fn field_count(&self) -> u32 {
        self.fields.count
    }
    /// Number of method ids.
    pub fn method_count(&self) -> u32 {
        self.methods.count
    }
    /// Number of class definitions.
    pub fn class_count(&self) -> u32 {
        self.classes.count
    }
    /// Number of call sites.
    pub fn call_site_count(&self) -> u32 {
        self.call_sites.count
    }
    /// Number of method handles.
    pub fn method_handle_count(&self) -> u32 {
        self.method_handles.count
    }

    fn item(&self, t: Table, idx: u32, elem: usize, what: &'static str) -> Result<usize> {
        if idx >= t.count {
            return Err(DexError::BadIndex {
                what,
                index: idx,
                count: t.count,
            });
        }
        Ok(t.off + idx as usize * elem)
    }

    /// Raw MUTF-8 bytes of string `idx` (without the terminating NUL).
    ///
    /// The NUL is searched for only within the bytes the declared UTF-16 length allows (at most
    /// three bytes per unit). Searches over more than 64 KiB are charged to a per-file budget of
    /// four times the file size, so hostile files whose string ids all point into one long
    /// NUL-free region cannot make lookups quadratic; past the budget such strings are an error.
    pub fn string_raw(&self, idx: u32) -> Result<&'a [u8]> {
        let off = self.item(self.strings, idx, 4, "string")?;
        let data_off = u32_at(self.data, off, "string_id")? as usize;
        let mut c = Cursor::new(self.data, data_off);
        let units = c.uleb128()? as usize;
        let rest = self
            .data
            .get(c.pos..)
            .ok_or_else(|| oob("string_data", data_off))?;
        let window = units.saturating_mul(3).saturating_add(1).min(rest.len());
        if window > LONG_STRING {
            let cost = window as u64;
            let ok = self
                .long_string_budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                    b.checked_sub(cost)
                })
                .is_ok();
            if !ok {
                return Err(DexError::Limit {
                    what: "long string scanning budget (bytes)",
                    count: cost,
                    limit: 0,
                });
            }
        }
        let hay = rest
            .get(..window)
            .ok_or_else(|| oob("string_data", data_off))?;
        let end = memchr::memchr(0, hay).ok_or(DexError::Malformed {
            what: "string_data",
            offset: data_off as u64,
            detail: "no NUL within the declared length",
        })?;
        hay.get(..end).ok_or_else(|| oob("string_data", data_off))
    }

    /// String `idx`, decoded from MUTF-8 (borrowed when it is plain UTF-8).
    pub fn string(&self, idx: u32) -> Result<Cow<'a, str>> {
        let raw = self.string_raw(idx)?;
        crate::mutf8::decode_without_nul(raw).map_err(|e| DexError::Mutf8 {
            index: idx,
            pos: e.pos,
        })
    }

    /// String `idx`, with invalid MUTF-8 replaced by U+FFFD and errors rendered as `<bad string N>`.
    pub fn string_lossy(&self, idx: u32) -> Cow<'a, str> {
        match self.string_raw(idx) {
            Ok(raw) => match crate::mutf8::decode_without_nul(raw) {
                Ok(s) => s,
                Err(_) => String::from_utf8_lossy(raw),
            },
            Err(_) => Cow::Owned(format!("<bad string {idx}>")),
        }
    }

    /// String index of the descriptor of type `idx`.
    pub fn type_string_idx(&self, idx: u32) -> Result<u32> {
        let off = self.item(self.types, idx, 4, "type")?;
        u32_at(self.data, off, "type_id")
    }

    /// Raw descriptor bytes of type `idx` (e.g. `Ljava/lang/Object;`).
    pub fn type_raw(&self, idx: u32) -> Result<&'a [u8]> {
        self.string_raw(self.type_string_idx(idx)?)
    }

    /// Descriptor of type `idx`.
    pub fn type_name(&self, idx: u32) -> Result<Cow<'a, str>> {
        self.string(self.type_string_idx(idx)?)
    }

    /// Proto `idx`.
    pub fn proto(&self, idx: u32) -> Result<ProtoId> {
        let off = self.item(self.protos, idx, 12, "proto")?;
        Ok(ProtoId {
            shorty_idx: u32_at(self.data, off, "proto_id")?,
            return_type_idx: u32_at(self.data, off + 4, "proto_id")?,
            parameters_off: u32_at(self.data, off + 8, "proto_id")?,
        })
    }

    /// Reads a `type_list` at `off` (0 means empty), bounds-checked.
    pub fn type_list(&self, off: u32) -> Result<TypeList<'a>> {
        if off == 0 {
            return Ok(TypeList { bytes: &[] });
        }
        let n = u32_at(self.data, off as usize, "type_list")? as usize;
        let bytes = slice(
            self.data,
            off as usize + 4,
            n.checked_mul(2)
                .ok_or_else(|| oob("type_list", off as usize))?,
            "type_list",
        )?;
        Ok(TypeList { bytes })
    }

    /// Parameter type indexes of proto `idx`.
    pub fn proto_params(&self, idx: u32) -> Result<TypeList<'a>> {
        self.type_list(self.proto(idx)?.parameters_off)
    }

    /// Signature of proto `idx` as `(params)ret` with raw descriptor bytes (dexdump's rendering).
    /// Longer than [`MAX_SIGNATURE`] bytes is an error (hostile protos could otherwise make
    /// per-method work proportional to the file size).
    pub fn proto_signature_raw(&self, idx: u32) -> Result<Vec<u8>> {
        let p = self.proto(idx)?;
        let mut s = Vec::with_capacity(32);
        s.push(b'(');
        for t in self.type_list(p.parameters_off)?.iter() {
            s.extend_from_slice(self.type_raw(u32::from(t))?);
            if s.len() > MAX_SIGNATURE {
                return Err(DexError::Limit {
                    what: "signature length",
                    count: s.len() as u64,
                    limit: MAX_SIGNATURE as u64,
                });
            }
        }
        s.push(b')');
        s.extend_from_slice(self.type_raw(p.return_type_idx)?);
        Ok(s)
    }

    /// Appends the signature of proto `idx` (`(params)ret`) to `out`, failing past [`MAX_SIGNATURE`].
    pub fn write_proto_signature(&self, idx: u32, out: &mut String) -> Result<()> {
        let p = self.proto(idx)?;
        let start = out.len();
        out.push('(');
        for t in self.type_list(p.parameters_off)?.iter() {
            out.push_str(&self.type_name(u32::from(t))?);
            if out.len() - start > MAX_SIGNATURE {
                return Err(DexError::Limit {
                    what: "signature length",
                    count: (out.len() - start) as u64,
                    limit: MAX_SIGNATURE as u64,
                });
            }
        }
        out.push(')');
        out.push_str(&self.type_name(p.return_type_idx)?);
        Ok(())
    }

    /// Signature of proto `idx` as `(params)ret`.
    pub fn proto_signature(&self, idx: u32) -> Result<String> {
        let mut s = String::new();
        self.write_proto_signature(idx, &mut s)?;
        Ok(s)
    }

    /// Appends `Lcls;->name(params)ret` for method `idx` to `out`.
    pub fn write_method_descriptor(&self, idx: u32, out: &mut String) -> Result<()> {
        let m = self.method_id(idx)?;
        out.push_str(&self.type_name(u32::from(m.class_idx))?);
        out.push_str("->");
        out.push_str(&self.string(m.name_idx)?);
        self.write_proto_signature(u32::from(m.proto_idx), out)
    }

    /// Appends `Lcls;->name:type` for field `idx` to `out`.
    pub fn write_field_descriptor(&self, idx: u32, out: &mut String) -> Result<()> {
        let f = self.field_id(idx)?;
        out.push_str(&self.type_name(u32::from(f.class_idx))?);
        out.push_str("->");
        out.push_str(&self.string(f.name_idx)?);
        out.push(':');
        out.push_str(&self.type_name(u32::from(f.type_idx))?);
        Ok(())
    }

    /// Field id `idx`.
    pub fn field_id(&self, idx: u32) -> Result<FieldId> {
        let off = self.item(self.fields, idx, 8, "field")?;
        Ok(FieldId {
            class_idx: u16_at(self.data, off, "field_id")?,
            type_idx: u16_at(self.data, off + 2, "field_id")?,
            name_idx: u32_at(self.data, off + 4, "field_id")?,
        })
    }

    /// Method id `idx`.
    pub fn method_id(&self, idx: u32) -> Result<MethodId> {
        let off = self.item(self.methods, idx, 8, "method")?;
        Ok(MethodId {
            class_idx: u16_at(self.data, off, "method_id")?,
            proto_idx: u16_at(self.data, off + 2, "method_id")?,
            name_idx: u32_at(self.data, off + 4, "method_id")?,
        })
    }

    /// Smali-style descriptor of method `idx`: `Lcls;->name(params)ret`.
    pub fn method_descriptor(&self, idx: u32) -> Result<String> {
        let mut s = String::new();
        self.write_method_descriptor(idx, &mut s)?;
        Ok(s)
    }

    /// Smali-style descriptor of field `idx`: `Lcls;->name:type`.
    pub fn field_descriptor(&self, idx: u32) -> Result<String> {
        let mut s = String::new();
        self.write_field_descriptor(idx, &mut s)?;
        Ok(s)
    }

    /// Class definition `idx`.
    pub fn class_def(&self, idx: u32) -> Result<ClassDef> {
        let off = self.item(self.classes, idx, 32, "class_def")?;
        let r = |i: usize| u32_at(self.data, off + i * 4, "class_def");
        Ok(ClassDef {
            class_idx: r(0)?,
            access_flags: r(1)?,
            superclass_idx: r(2)?,
            interfaces_off: r(3)?,
            source_file_idx: r(4)?,
            annotations_off: r(5)?,
            class_data_off: r(6)?,
            static_values_off: r(7)?,
        })
    }

    /// Iterates the class definitions (each item is decoded on demand).
    pub fn class_defs(&self) -> impl Iterator<Item = Result<ClassDef>> + '_ {
        (0..self.classes.count).map(move |i| self.class_def(i))
    }

    /// Number of members (fields plus methods) declared by the class data header of `def`,
    /// read without decoding the members (to budget work before decoding).
    pub fn class_data_member_count(&self, def: &ClassDef) -> Result<u64> {
        if def.class_data_off == 0 {
            return Ok(0);
        }
        let mut c = Cursor::new(self.data, def.class_data_off as usize);
        let mut n = 0u64;
        for _ in 0..4 {
            n += u64::from(c.uleb128()?);
        }
        Ok(n)
    }

    /// Decodes the class data of a class definition (empty if it has none).
    pub fn class_data(&self, def: &ClassDef) -> Result<ClassData> {
        if def.class_data_off == 0 {
            return Ok(ClassData::default());
        }
        let mut c = Cursor::new(self.data, def.class_data_off as usize);
        let sf = c.uleb128()?;
        let inf = c.uleb128()?;
        let dm = c.uleb128()?;
        let vm = c.uleb128()?;
        // Each field takes at least 2 bytes, each method at least 3.
        let need = u64::from(sf) * 2 + u64::from(inf) * 2 + u64::from(dm) * 3 + u64::from(vm) * 3;
        if need > c.remaining() as u64 {
            return Err(DexError::Limit {
                what: "class_data member counts",
                count: need,
                limit: c.remaining() as u64,
            });
        }
        let mut fields = Vec::with_capacity((sf + inf) as usize);
        for (n, is_static) in [(sf, true), (inf, false)] {
            let mut idx: u32 = 0;
            for _ in 0..n {
                let d = c.uleb128()?;
                idx = idx.checked_add(d).ok_or(DexError::Malformed {
                    what: "class_data",
                    offset: c.pos as u64,
                    detail: "field index overflow",
                })?;
                let access_flags = c.uleb128()?;
                fields.push(EncodedField {
                    field_idx: idx,
                    access_flags,
                    is_static,
                });
            }
        }
        let mut methods = Vec::with_capacity((dm + vm) as usize);
        for (n, is_direct) in [(dm, true), (vm, false)] {
            let mut idx: u32 = 0;
            for _ in 0..n {
                let d = c.uleb128()?;
                idx = idx.checked_add(d).ok_or(DexError::Malformed {
                    what: "class_data",
                    offset: c.pos as u64,
                    detail: "method index overflow",
                })?;
                let access_flags = c.uleb128()?;
                let code_off = c.uleb128()?;
                methods.push(EncodedMethod {
                    method_idx: idx,
                    access_flags,
                    code_off,
                    is_direct,
                });
            }
        }
        Ok(ClassData {
            fields,
            methods,
            static_fields: sf,
            direct_methods: dm,
        })
    }

    /// Reads the code item at `off`.
    pub fn code_item(&self, off: u32) -> Result<CodeItem<'a>> {
        let o = off as usize;
        let mut c = Cursor::new(self.data, o);
        let registers_size = c.u16("code_item")?;
        let ins_size = c.u16("code_item")?;
        let outs_size = c.u16("code_item")?;
        let tries_size = c.u16("code_item")?;
        let debug_info_off = c.u32("code_item")?;
        let insns_size = c.u32("code_item")? as usize;
        let insns = c.bytes(
            insns_size
                .checked_mul(2)
                .ok_or_else(|| oob("code_item", o))?,
            "code_item insns",
        )?;
        let mut tries_off = c.pos;
        if tries_size > 0 && insns_size % 2 == 1 {
            tries_off += 2;
        }
        let handlers_off = tries_off + usize::from(tries_size) * 8;
        if tries_size > 0 {
            slice(
                self.data,
                tries_off,
                usize::from(tries_size) * 8,
                "try_items",
            )?;
        }
        Ok(CodeItem {
            offset: off,
            registers_size,
            ins_size,
            outs_size,
            tries_size,
            debug_info_off,
            insns,
            tries_off,
            handlers_off,
            data: self.data,
        })
    }

    /// Method handle `idx`.
    pub fn method_handle(&self, idx: u32) -> Result<MethodHandle> {
        let off = self.item(self.method_handles, idx, 8, "method_handle")?;
        Ok(MethodHandle {
            kind: u16_at(self.data, off, "method_handle")?,
            field_or_method_idx: u16_at(self.data, off + 4, "method_handle")?,
        })
    }

    /// Call site `idx`: its encoded array (method handle, name, method type, extra args).
    pub fn call_site(&self, idx: u32) -> Result<Vec<crate::value::EncodedValue<'a>>> {
        let off = self.item(self.call_sites, idx, 4, "call_site")?;
        let at = u32_at(self.data, off, "call_site_id")?;
        crate::value::encoded_array_at(self.data, at as usize)
    }

    /// Hidden-API flags of class definition `idx` (one per field then method, in class data
    /// order), or `None` if the file has no hiddenapi section or the class has no entry.
    pub fn hiddenapi_flags(&self, class_def_idx: u32) -> Result<Option<Vec<u32>>> {
        let Some(sec) = self.hiddenapi_off else {
            return Ok(None);
        };
        if class_def_idx >= self.classes.count {
            return Err(DexError::BadIndex {
                what: "class_def",
                index: class_def_idx,
                count: self.classes.count,
            });
        }
        let sec = sec as usize;
        let rel = u32_at(
            self.data,
            sec + 4 + class_def_idx as usize * 4,
            "hiddenapi_class_data",
        )?;
        if rel == 0 {
            return Ok(None);
        }
        let def = self.class_def(class_def_idx)?;
        let cd = self.class_data(&def)?;
        self.hiddenapi_flags_n(sec, rel, cd.fields.len() + cd.methods.len())
            .map(Some)
    }

    /// Hidden-API flags of a class with `n` members, when the member count is already known.
    pub(crate) fn hiddenapi_flags_known(
        &self,
        class_def_idx: u32,
        n: usize,
    ) -> Result<Option<Vec<u32>>> {
        let Some(sec) = self.hiddenapi_off else {
            return Ok(None);
        };
        let sec = sec as usize;
        let rel = u32_at(
            self.data,
            sec + 4 + class_def_idx as usize * 4,
            "hiddenapi_class_data",
        )?;
        if rel == 0 {
            return Ok(None);
        }
        self.hiddenapi_flags_n(sec, rel, n).map(Some)
    }

    fn hiddenapi_flags_n(&self, sec: usize, rel: u32, n: usize) -> Result<Vec<u32>> {
        let mut c = Cursor::new(self.data, sec + rel as usize);
        if n > c.remaining() {
            return Err(oob("hiddenapi_class_data", c.pos));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(c.uleb128()?);
        }
        Ok(out)
    }

    /// The annotations directory of a class, if any.
    pub fn annotations_directory(
        &self,
        def: &ClassDef,
    ) -> Result<Option<crate::value::AnnotationsDirectory<'a>>> {
        if def.annotations_off == 0 {
            return Ok(None);
        }
        crate::value::AnnotationsDirectory::parse(self.data, def.annotations_off as usize).map(Some)
    }

    /// Static field initial values of a class (encoded array), empty if none.
    pub fn static_values(&self, def: &ClassDef) -> Result<Vec<crate::value::EncodedValue<'a>>> {
        if def.static_values_off == 0 {
            return Ok(Vec::new());
        }
        crate::value::encoded_array_at(self.data, def.static_values_off as usize)
    }
}

/// A `type_list`: u16 type indexes.
#[derive(Debug, Clone, Copy)]
pub struct TypeList<'a> {
    bytes: &'a [u8],
}

impl<'a> TypeList<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() / 2
    }
    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    /// Iterates the type indexes.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.bytes.chunks_exact(2).map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
    }
}

/// Adler-32 over `data`.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}
