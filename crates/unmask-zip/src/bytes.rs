//! Bounds-checked little-endian readers over untrusted bytes.

/// Reads a little-endian `u16` at `off`, or `None` if it does not fit.
pub(crate) fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    let end = off.checked_add(2)?;
    let b: [u8; 2] = data.get(off..end)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

/// Reads a little-endian `u32` at `off`, or `None` if it does not fit.
pub(crate) fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let b: [u8; 4] = data.get(off..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Reads a little-endian `u64` at `off`, or `None` if it does not fit.
pub(crate) fn u64_at(data: &[u8], off: usize) -> Option<u64> {
    let end = off.checked_add(8)?;
    let b: [u8; 8] = data.get(off..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// `data[off..off + len]`, or `None` if out of bounds or overflowing.
pub(crate) fn slice_at(data: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    data.get(off..off.checked_add(len)?)
}

/// `data[off..off + len]` with `u64` coordinates.
pub(crate) fn slice_at64(data: &[u8], off: u64, len: u64) -> Option<&[u8]> {
    slice_at(data, usize::try_from(off).ok()?, usize::try_from(len).ok()?)
}
