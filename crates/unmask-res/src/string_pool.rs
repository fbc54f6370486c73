//! `ResStringPool`: lazily decoded UTF-8 / UTF-16 string pools.

use crate::chunk::{u16_at, u32_at, u8_at};

/// `ResStringPool_header::UTF8_FLAG`.
pub const UTF8_FLAG: u32 = 1 << 8;

/// A string pool over borrowed chunk bytes. Strings are decoded on demand.
#[derive(Debug, Clone, Default)]
pub struct StringPool<'a> {
    /// The whole chunk.
    chunk: &'a [u8],
    /// Offset (in the chunk) of the `u32` string offset array.
    entries: usize,
    /// Number of strings whose offsets fit in the chunk.
    count: u32,
    /// Offset (in the chunk) of the string data.
    strings_start: usize,
    /// End (in the chunk) of the string data.
    strings_end: usize,
    utf8: bool,
    styles: u32,
}

/// Outcome of reading one pool string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolString {
    /// The decoded text (invalid sequences replaced by U+FFFD).
    pub text: String,
    /// The string lacked its NUL terminator (libandroidfw rejects such strings).
    pub unterminated: bool,
    /// The string was cut at the caller's limit.
    pub limited: bool,
    /// Code units (UTF-16 pools) or bytes (UTF-8 pools) decoded: at most the caller's limit.
    pub units: usize,
}

impl<'a> StringPool<'a> {
    /// Builds a pool view over a `RES_STRING_POOL_TYPE` chunk. Problems go to `anomalies`.
    pub fn new(chunk: &'a [u8], anomalies: &mut Vec<String>) -> StringPool<'a> {
        let header_size = usize::from(u16_at(chunk, 2).unwrap_or(0));
        let declared = u32_at(chunk, 8).unwrap_or(0);
        let style_count = u32_at(chunk, 12).unwrap_or(0);
        let flags = u32_at(chunk, 16).unwrap_or(0);
        let strings_start = u32_at(chunk, 20).unwrap_or(0) as usize;
        let styles_start = u32_at(chunk, 24).unwrap_or(0) as usize;
        if header_size < 28 {
            anomalies.push(format!("string pool header size {header_size} < 28"));
        }
        let entries = header_size.max(28);
        let room = chunk.len().saturating_sub(entries) / 4;
        let mut count = declared;
        if (declared as usize) > room {
            anomalies.push(format!(
                "string pool declares {declared} strings but has room for {room} offsets"
            ));
            count = u32::try_from(room).unwrap_or(0);
        }
        if style_count == 0 && styles_start != 0 {
            anomalies.push(format!(
                "string pool stylesStart {styles_start:#x} set although styleCount is 0"
            ));
        }
        let mut strings_end = chunk.len();
        if style_count > 0 && styles_start > strings_start && styles_start <= chunk.len() {
            strings_end = styles_start;
        }
        if strings_start > chunk.len() {
            anomalies.push(format!(
                "string pool stringsStart {strings_start:#x} past chunk end {:#x}",
                chunk.len()
            ));
        }
        StringPool {
            chunk,
            entries,
            count,
            strings_start,
            strings_end,
            utf8: flags & UTF8_FLAG != 0,
            styles: style_count,
        }
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// True when the pool has no strings.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Declared number of style spans.
    pub fn style_count(&self) -> u32 {
        self.styles
    }

    /// Whether the pool is UTF-8 encoded.
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// String `idx`, or None when out of range or undecodable.
    pub fn get(&self, idx: u32) -> Option<String> {
        self.get_full(idx).map(|s| s.text)
    }

    /// String `idx` with decoding details.
    pub fn get_full(&self, idx: u32) -> Option<PoolString> {
        self.get_limited(idx, usize::MAX)
    }

    /// String `idx`, decoding at most `max` code units (UTF-16) or bytes (UTF-8), so that a
    /// caller can bound the work done on hostile pools whose strings overlap or are huge.
    pub fn get_limited(&self, idx: u32, max: usize) -> Option<PoolString> {
        if idx >= self.count {
            return None;
        }
        let eoff = self.entries.checked_add((idx as usize).checked_mul(4)?)?;
        let rel = u32_at(self.chunk, eoff)? as usize;
        let start = self.strings_start.checked_add(rel)?;
        let data = self.chunk.get(..self.strings_end)?;
        if self.utf8 {
            decode_utf8(data, start, max)
        } else {
            decode_utf16(data, start, max)
        }
    }
}

fn decode_utf16(d: &[u8], start: usize, max: usize) -> Option<PoolString> {
    let mut pos = start;
    let first = u16_at(d, pos)?;
    pos = pos.checked_add(2)?;
    let mut len = usize::from(first);
    if first & 0x8000 != 0 {
        let second = u16_at(d, pos)?;
        pos = pos.checked_add(2)?;
        len = (usize::from(first & 0x7fff) << 16) | usize::from(second);
    }
    let avail = d.len().saturating_sub(pos) / 2;
    let truncated = len > avail;
    let take = len.min(avail);
    let limited = take > max;
    let take = take.min(max);
    let bytes = d.get(pos..pos.checked_add(take.checked_mul(2)?)?)?;
    let term = pos.checked_add(take.checked_mul(2)?)?;
    let unterminated = !limited && (truncated || u16_at(d, term) != Some(0));
    // Most strings are ASCII: their low bytes are the UTF-8 text (no u16 buffer, no
    // per-character decoding).
    if bytes
        .chunks_exact(2)
        .all(|c| matches!(c, [lo, 0] if *lo < 0x80))
    {
        let ascii: Vec<u8> = bytes.iter().step_by(2).copied().collect();
        if let Ok(text) = String::from_utf8(ascii) {
            return Some(PoolString {
                text,
                unterminated,
                limited,
                units: take,
            });
        }
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    Some(PoolString {
        text: String::from_utf16_lossy(&units),
        unterminated,
        limited,
        units: take,
    })
}

fn utf8_len(d: &[u8], pos: &mut usize) -> Option<usize> {
    let b0 = u8_at(d, *pos)?;
    *pos = pos.checked_add(1)?;
    if b0 & 0x80 != 0 {
        let b1 = u8_at(d, *pos)?;
        *pos = pos.checked_add(1)?;
        Some((usize::from(b0 & 0x7f) << 8) | usize::from(b1))
    } else {
        Some(usize::from(b0))
    }
}

fn decode_utf8(d: &[u8], start: usize, max: usize) -> Option<PoolString> {
    let mut pos = start;
    let _utf16_len = utf8_len(d, &mut pos)?;
    let len = utf8_len(d, &mut pos)?;
    let avail = d.len().saturating_sub(pos);
    let truncated = len > avail;
    let take = len.min(avail);
    let limited = take > max;
    let take = take.min(max);
    let end = pos.checked_add(take)?;
    let bytes = d.get(pos..end)?;
    let unterminated = !limited && (truncated || u8_at(d, end) != Some(0));
    Some(PoolString {
        text: String::from_utf8_lossy(bytes).into_owned(),
        unterminated,
        limited,
        units: take,
    })
}

#[cfg(test)]
pub(crate) use tests::pool as build_pool_for_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Builds a string pool chunk from already-encoded string bodies.
    pub(crate) fn pool(bodies: &[Vec<u8>], utf8: bool) -> Vec<u8> {
        let mut offs = Vec::new();
        let mut data = Vec::new();
        for b in bodies {
            offs.push(data.len() as u32);
            data.extend_from_slice(b);
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let strings_start = 28 + 4 * bodies.len();
        let size = strings_start + data.len();
        let mut c = Vec::new();
        c.extend_from_slice(&1u16.to_le_bytes());
        c.extend_from_slice(&28u16.to_le_bytes());
        c.extend_from_slice(&(size as u32).to_le_bytes());
        c.extend_from_slice(&(bodies.len() as u32).to_le_bytes());
        c.extend_from_slice(&0u32.to_le_bytes());
        c.extend_from_slice(&(if utf8 { UTF8_FLAG } else { 0 }).to_le_bytes());
        c.extend_from_slice(&(strings_start as u32).to_le_bytes());
        c.extend_from_slice(&0u32.to_le_bytes());
        for o in offs {
            c.extend_from_slice(&o.to_le_bytes());
        }
        c.extend_from_slice(&data);
        c
    }

    fn u16body(s: &str, long: bool) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut b = Vec::new();
        if long {
            let n = units.len() as u32;
            b.extend_from_slice(&((0x8000 | (n >> 16)) as u16).to_le_bytes());
            b.extend_from_slice(&((n & 0xffff) as u16).to_le_bytes());
        } else {
            b.extend_from_slice(&(units.len() as u16).to_le_bytes());
        }
        for u in units {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b.extend_from_slice(&[0, 0]);
        b
    }

    #[test]
    fn utf16_short_long_and_invalid() {
        let mut bad = vec![1, 0];
        bad.extend_from_slice(&0xd800u16.to_le_bytes()); // lone surrogate
        bad.extend_from_slice(&[0, 0]);
        let big = "x".repeat(40000);
        let c = pool(&[u16body("héllo", false), u16body(&big, true), bad], false);
        let mut an = Vec::new();
        let p = StringPool::new(&c, &mut an);
        assert!(an.is_empty());
        assert_eq!(p.get(0).unwrap(), "héllo");
        assert_eq!(p.get(1).unwrap().len(), 40000);
        assert_eq!(p.get(2).unwrap(), "\u{fffd}");
        assert_eq!(p.get(3), None);
    }

    #[test]
    fn utf8_lengths_and_unterminated() {
        let s = "ü".repeat(100); // 100 chars, 200 bytes: two-byte length forms
        let mut b = vec![0x80, 100, 0x80, 200];
        b.extend_from_slice(s.as_bytes());
        b.push(0);
        let unterminated = vec![3, 3, b'a', b'b', b'c', b'X'];
        let invalid = vec![2, 2, 0xff, 0xfe, 0];
        let c = pool(&[b, unterminated, invalid], true);
        let mut an = Vec::new();
        let p = StringPool::new(&c, &mut an);
        assert!(p.is_utf8());
        assert_eq!(p.get(0).unwrap(), s);
        let u = p.get_full(1).unwrap();
        assert_eq!(u.text, "abc");
        assert!(u.unterminated);
        assert_eq!(p.get(2).unwrap(), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn huge_declared_count_is_clamped() {
        let mut c = pool(&[vec![1, 0, b'a', 0, 0, 0]], false);
        c[8..12].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let mut an = Vec::new();
        let p = StringPool::new(&c, &mut an);
        assert!(p.len() <= c.len() / 4);
        assert!(!an.is_empty());
        let _ = p.get(5);
    }

    #[test]
    fn truncated_length_is_safe() {
        let c = pool(&[vec![0xff, 0xff, 0xff, 0xff]], false);
        let mut an = Vec::new();
        let p = StringPool::new(&c, &mut an);
        let s = p.get_full(0).unwrap();
        assert!(s.unterminated);
    }
}

/// The strings of the first string pool of a compiled resource file (the global pool of a
/// `resources.arsc`, the pool of a binary XML file), for scanning their text (URLs, package
/// names). At most `max_strings` strings are returned, each decoded within `max_len` units;
/// anything that is not such a file, or a pool that cannot be read, gives no strings.
pub fn pool_strings(data: &[u8], max_strings: usize, max_len: usize) -> Vec<String> {
    use crate::chunk::{ChunkHeader, ChunkIter};
    let Some(top) = ChunkHeader::read(data, 0) else {
        return Vec::new();
    };
    // RES_TABLE_TYPE (0x0002) or RES_XML_TYPE (0x0003): children follow the header.
    if top.typ != 0x0002 && top.typ != 0x0003 {
        return Vec::new();
    }
    let end = (top.size as usize).min(data.len());
    let mut chunks = ChunkIter::new(data, usize::from(top.header_size), end);
    let Some((_, h, chunk)) = chunks.next() else {
        return Vec::new();
    };
    if h.typ != 0x0001 {
        return Vec::new();
    }
    let mut anomalies = Vec::new();
    let pool = StringPool::new(chunk, &mut anomalies);
    let n = u32::try_from(pool.len().min(max_strings)).unwrap_or(u32::MAX);
    (0..n)
        .filter_map(|i| pool.get_limited(i, max_len).map(|s| s.text))
        .collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod pool_strings_tests {
    #[test]
    fn not_a_resource_file_gives_nothing() {
        assert!(super::pool_strings(b"", 10, 10).is_empty());
        assert!(super::pool_strings(b"PK\x03\x04aaaaaaaaaaaa", 10, 10).is_empty());
        assert!(super::pool_strings(&[3, 0, 8, 0, 0xff, 0xff, 0xff, 0xff], 10, 10).is_empty());
    }
}
