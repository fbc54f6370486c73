//! Bounds-checked little-endian readers and the `ResChunk_header` view.

/// Chunk type: string pool (`RES_STRING_POOL_TYPE`).
pub const RES_STRING_POOL_TYPE: u16 = 0x0001;
/// Chunk type: resource table (`RES_TABLE_TYPE`).
pub const RES_TABLE_TYPE: u16 = 0x0002;
/// Chunk type: binary XML file (`RES_XML_TYPE`).
pub const RES_XML_TYPE: u16 = 0x0003;
/// First XML node chunk type.
pub const RES_XML_FIRST_CHUNK_TYPE: u16 = 0x0100;
/// `RES_XML_START_NAMESPACE_TYPE`.
pub const RES_XML_START_NAMESPACE_TYPE: u16 = 0x0100;
/// `RES_XML_END_NAMESPACE_TYPE`.
pub const RES_XML_END_NAMESPACE_TYPE: u16 = 0x0101;
/// `RES_XML_START_ELEMENT_TYPE`.
pub const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
/// `RES_XML_END_ELEMENT_TYPE`.
pub const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
/// `RES_XML_CDATA_TYPE`.
pub const RES_XML_CDATA_TYPE: u16 = 0x0104;
/// Last XML node chunk type.
pub const RES_XML_LAST_CHUNK_TYPE: u16 = 0x017f;
/// `RES_XML_RESOURCE_MAP_TYPE`.
pub const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
/// `RES_TABLE_PACKAGE_TYPE`.
pub const RES_TABLE_PACKAGE_TYPE: u16 = 0x0200;
/// `RES_TABLE_TYPE_TYPE`.
pub const RES_TABLE_TYPE_TYPE: u16 = 0x0201;
/// `RES_TABLE_TYPE_SPEC_TYPE`.
pub const RES_TABLE_TYPE_SPEC_TYPE: u16 = 0x0202;
/// `RES_TABLE_LIBRARY_TYPE`.
pub const RES_TABLE_LIBRARY_TYPE: u16 = 0x0203;
/// `RES_TABLE_OVERLAYABLE_TYPE`.
pub const RES_TABLE_OVERLAYABLE_TYPE: u16 = 0x0204;
/// `RES_TABLE_OVERLAYABLE_POLICY_TYPE`.
pub const RES_TABLE_OVERLAYABLE_POLICY_TYPE: u16 = 0x0205;
/// `RES_TABLE_STAGED_ALIAS_TYPE`.
pub const RES_TABLE_STAGED_ALIAS_TYPE: u16 = 0x0206;

/// Reads a little-endian `u8` at `off`.
pub fn u8_at(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

/// Reads a little-endian `u16` at `off`.
pub fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    let end = off.checked_add(2)?;
    let b = d.get(off..end)?;
    Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
}

/// Reads a little-endian `u32` at `off`.
pub fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let b = d.get(off..end)?;
    Some(u32::from_le_bytes([
        *b.first()?,
        *b.get(1)?,
        *b.get(2)?,
        *b.get(3)?,
    ]))
}

/// A `ResChunk_header` read at some offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Chunk type.
    pub typ: u16,
    /// Declared header size.
    pub header_size: u16,
    /// Declared total size.
    pub size: u32,
}

impl ChunkHeader {
    /// Reads the 8-byte header at `off`, if present.
    pub fn read(d: &[u8], off: usize) -> Option<ChunkHeader> {
        Some(ChunkHeader {
            typ: u16_at(d, off)?,
            header_size: u16_at(d, off.checked_add(2)?)?,
            size: u32_at(d, off.checked_add(4)?)?,
        })
    }
}

/// Iterates the chunks in `d[start..end]`, validating each like libandroidfw's `validate_chunk`.
///
/// Yields `(offset, header, chunk bytes)`. Stops at the first chunk that cannot be valid
/// (header shorter than 8 bytes, size smaller than the header, size past `end`), reporting
/// why through `bad`.
pub struct ChunkIter<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    /// Why iteration stopped early, if it did.
    pub bad: Option<String>,
}

impl<'a> ChunkIter<'a> {
    /// Chunks of `data` between `start` and `end` (clamped to the data length).
    pub fn new(data: &'a [u8], start: usize, end: usize) -> Self {
        ChunkIter {
            data,
            pos: start,
            end: end.min(data.len()),
            bad: None,
        }
    }
}

impl<'a> Iterator for ChunkIter<'a> {
    type Item = (usize, ChunkHeader, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.bad.is_some() || self.pos >= self.end {
            return None;
        }
        let remaining = self.end.checked_sub(self.pos)?;
        let Some(h) = ChunkHeader::read(self.data, self.pos).filter(|_| remaining >= 8) else {
            self.bad = Some(format!(
                "{remaining} trailing byte(s) at offset {:#x} too short for a chunk header",
                self.pos
            ));
            return None;
        };
        let size = h.size as usize;
        if h.header_size < 8 || size < usize::from(h.header_size) || size > remaining {
            self.bad = Some(format!(
                "chunk type {:#06x} at offset {:#x} has bad sizes (header {}, size {}, {} bytes left)",
                h.typ, self.pos, h.header_size, h.size, remaining
            ));
            return None;
        }
        let off = self.pos;
        let end = off.checked_add(size)?;
        let bytes = self.data.get(off..end)?;
        self.pos = end;
        Some((off, h, bytes))
    }
}

/// The end of a top-level chunk as libandroidfw uses it: its declared size when that fits in
/// the data (bytes past it are ignored, with an anomaly), else the end of the data (with an
/// anomaly). `header` names the header ("table", "file"), `data` what holds it ("data",
/// "file") and `body` the content ("table", "document") in the messages.
pub(crate) fn top_level_end(
    declared: usize,
    min: usize,
    len: usize,
    (header, data, body): (&str, &str, &str),
    an: &mut crate::Anomalies,
) -> usize {
    if declared > len || declared < min {
        an.push(format!(
            "{header} header declares size {declared} but the {data} has {len} bytes"
        ));
        len
    } else {
        if declared < len {
            an.push(format!(
                "{} byte(s) after the declared end of the {body} ignored",
                len.saturating_sub(declared)
            ));
        }
        declared
    }
}

/// Test helper: a chunk with the given type, extra header bytes and body (sizes filled in).
#[cfg(test)]
pub(crate) fn build_chunk_for_tests(typ: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
    let hs = 8 + header.len();
    let mut c = Vec::new();
    c.extend_from_slice(&typ.to_le_bytes());
    c.extend_from_slice(&(hs as u16).to_le_bytes());
    c.extend_from_slice(&((hs + body.len()) as u32).to_le_bytes());
    c.extend_from_slice(header);
    c.extend_from_slice(body);
    c
}
