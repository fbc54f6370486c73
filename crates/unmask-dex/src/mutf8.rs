//! Modified UTF-8 (MUTF-8) as used by DEX string data.
//!
//! MUTF-8 differs from UTF-8 in two ways: U+0000 is encoded as `C0 80`, and characters outside
//! the BMP are encoded as two three-byte surrogate halves (CESU-8). Lone surrogates are legal
//! in Java strings; they are decoded to U+FFFD because Rust strings cannot hold them.

use std::borrow::Cow;

/// Why a byte sequence is not MUTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mutf8Error {
    /// Byte position of the offending sequence.
    pub pos: usize,
}

/// Decodes MUTF-8 bytes (without the terminating NUL).
///
/// Borrows when the bytes are also valid UTF-8 without four-byte sequences (the common case).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, Mutf8Error> {
    if !bytes
        .iter()
        .any(|&b| b >= 0xf0 || b == 0xc0 || b == 0xed || b == 0)
    {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return Ok(Cow::Borrowed(s));
        }
    }
    decode_slow(bytes).map(Cow::Owned)
}

/// [`decode`] for bytes known to hold no NUL byte (as returned by `DexFile::string_raw`).
pub(crate) fn decode_without_nul(bytes: &[u8]) -> Result<Cow<'_, str>, Mutf8Error> {
    if bytes.is_ascii() {
        return std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|_| Mutf8Error { pos: 0 });
    }
    decode(bytes)
}

fn decode_slow(bytes: &[u8]) -> Result<String, Mutf8Error> {
    // Decode to UTF-16 code units first, then pair surrogates.
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&b0) = bytes.get(i) {
        let err = Mutf8Error { pos: i };
        if b0 < 0x80 {
            if b0 == 0 {
                return Err(err);
            }
            units.push(u16::from(b0));
            i += 1;
        } else if b0 & 0xe0 == 0xc0 {
            let b1 = *bytes.get(i + 1).ok_or(err)?;
            if b1 & 0xc0 != 0x80 {
                return Err(err);
            }
            units.push((u16::from(b0 & 0x1f) << 6) | u16::from(b1 & 0x3f));
            i += 2;
        } else if b0 & 0xf0 == 0xe0 {
            let b1 = *bytes.get(i + 1).ok_or(err)?;
            let b2 = *bytes.get(i + 2).ok_or(err)?;
            if b1 & 0xc0 != 0x80 || b2 & 0xc0 != 0x80 {
                return Err(err);
            }
            units.push(
                (u16::from(b0 & 0x0f) << 12) | (u16::from(b1 & 0x3f) << 6) | u16::from(b2 & 0x3f),
            );
            i += 3;
        } else {
            return Err(err);
        }
    }
    Ok(char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ascii_borrows() {
        assert!(matches!(decode(b"hello").unwrap(), Cow::Borrowed("hello")));
    }

    #[test]
    fn nul_and_supplementary() {
        // U+1F600 as surrogates D83D DE00 in CESU-8, plus C0 80.
        let b = [
            0x61, 0xc0, 0x80, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0xc3, 0xa9,
        ];
        assert_eq!(decode(&b).unwrap(), "a\0\u{1F600}\u{e9}");
    }

    #[test]
    fn lone_surrogate_and_invalid() {
        assert_eq!(decode(&[0xed, 0xa0, 0x80]).unwrap(), "\u{fffd}");
        assert_eq!(decode(&[0x61, 0xff]), Err(Mutf8Error { pos: 1 }));
        assert_eq!(decode(&[0xe0, 0x80]), Err(Mutf8Error { pos: 0 }));
        assert_eq!(
            decode(&[0xf0, 0x9f, 0x98, 0x80]),
            Err(Mutf8Error { pos: 0 })
        );
        assert_eq!(decode(&[0x61, 0x00]), Err(Mutf8Error { pos: 1 }));
    }
}
