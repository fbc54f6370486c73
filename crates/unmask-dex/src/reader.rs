//! Bounds-checked little-endian readers and LEB128.

use crate::error::{oob, DexError, Result};

/// Reads `len` bytes at `off`.
#[inline]
pub(crate) fn slice<'a>(
    d: &'a [u8],
    off: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8]> {
    let end = off.checked_add(len).ok_or_else(|| oob(what, off))?;
    d.get(off..end).ok_or_else(|| oob(what, off))
}

/// Reads a byte.
#[inline]
pub(crate) fn u8_at(d: &[u8], off: usize, what: &'static str) -> Result<u8> {
    d.get(off).copied().ok_or_else(|| oob(what, off))
}

/// Reads a little-endian u16.
#[inline]
pub(crate) fn u16_at(d: &[u8], off: usize, what: &'static str) -> Result<u16> {
    match slice(d, off, 2, what)? {
        [a, b] => Ok(u16::from_le_bytes([*a, *b])),
        _ => Err(oob(what, off)),
    }
}

/// Reads a little-endian u32.
#[inline]
pub(crate) fn u32_at(d: &[u8], off: usize, what: &'static str) -> Result<u32> {
    match slice(d, off, 4, what)? {
        [a, b, c, e] => Ok(u32::from_le_bytes([*a, *b, *c, *e])),
        _ => Err(oob(what, off)),
    }
}

/// A forward cursor over a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Cursor { data, pos }
    }

    /// Bytes left after the cursor.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8> {
        let v = u8_at(self.data, self.pos, what)?;
        self.pos += 1;
        Ok(v)
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16> {
        let v = u16_at(self.data, self.pos, what)?;
        self.pos += 2;
        Ok(v)
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32> {
        let v = u32_at(self.data, self.pos, what)?;
        self.pos += 4;
        Ok(v)
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let s = slice(self.data, self.pos, n, what)?;
        self.pos += n;
        Ok(s)
    }

    /// Unsigned LEB128, at most five bytes.
    #[inline]
    pub(crate) fn uleb128(&mut self) -> Result<u32> {
        let start = self.pos;
        let mut result: u32 = 0;
        for i in 0..5u32 {
            let b = self
                .data
                .get(self.pos)
                .copied()
                .ok_or(DexError::BadLeb128(start as u64))?;
            self.pos += 1;
            result |= u32::from(b & 0x7f).wrapping_shl(7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(DexError::BadLeb128(start as u64))
    }

    /// Signed LEB128, at most five bytes.
    pub(crate) fn sleb128(&mut self) -> Result<i32> {
        let start = self.pos;
        let mut result: u32 = 0;
        for i in 0..5u32 {
            let b = self
                .data
                .get(self.pos)
                .copied()
                .ok_or(DexError::BadLeb128(start as u64))?;
            self.pos += 1;
            result |= u32::from(b & 0x7f).wrapping_shl(7 * i);
            if b & 0x80 == 0 {
                let shift = 7 * (i + 1);
                if shift < 32 && b & 0x40 != 0 {
                    result |= u32::MAX.wrapping_shl(shift);
                }
                return Ok(result as i32);
            }
        }
        Err(DexError::BadLeb128(start as u64))
    }

    /// `uleb128p1`: the value minus one (so `0` means "none", returned as `None`).
    pub(crate) fn uleb128p1(&mut self) -> Result<Option<u32>> {
        let v = self.uleb128()?;
        Ok(v.checked_sub(1))
    }
}
