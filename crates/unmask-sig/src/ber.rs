//! A small, bounded BER TLV walker.
//!
//! It accepts what Android accepts for JAR signature blocks: definite lengths (including
//! non-minimal long forms) and indefinite lengths on constructed values. Every length is checked
//! against the bytes actually present before it is used, nothing is allocated from a declared
//! length, and nesting is limited to [`MAX_DEPTH`].

/// Deepest nesting the walker follows. X.509 certificates inside PKCS#7 need about 12.
pub(crate) const MAX_DEPTH: usize = 32;

/// One BER element, borrowing the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// First identifier octet (class, constructed bit, low tag number or 0x1f).
    pub tag: u8,
    /// True when the constructed bit is set.
    pub constructed: bool,
    /// The whole original encoding, header and (for indefinite lengths) end-of-contents included.
    pub raw: &'a [u8],
    /// The contents octets (for indefinite lengths: without the end-of-contents marker).
    pub content: &'a [u8],
    /// Length of the identifier octets.
    id_len: usize,
    /// Nesting depth of this element.
    depth: usize,
}

impl<'a> Tlv<'a> {
    /// Iterates over the children of a constructed element.
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.constructed { self.content } else { &[] },
            depth: self.depth.saturating_add(1),
        }
    }

    /// Identifier octets as they appear in the input.
    fn identifier(&self) -> &'a [u8] {
        self.raw.get(..self.id_len).unwrap_or(&[])
    }
}

/// Iterator over sibling elements; stops after the first error.
pub(crate) struct Children<'a> {
    rest: &'a [u8],
    depth: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match parse_at(self.rest, self.depth) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Parses one top-level element; returns it and the bytes after it.
pub(crate) fn parse(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    parse_at(input, 0)
}

fn parse_at(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), String> {
    if depth > MAX_DEPTH {
        return Err(format!("BER nesting deeper than {MAX_DEPTH}"));
    }
    let mut pos: usize = 0;
    let tag = *input.get(pos).ok_or("BER: missing tag")?;
    pos = 1;
    if tag == 0 {
        return Err("BER: unexpected end-of-contents marker".into());
    }
    if tag & 0x1f == 0x1f {
        // High tag number: base-128, at most 4 octets.
        let mut n = 0usize;
        loop {
            let b = *input.get(pos).ok_or("BER: truncated tag")?;
            pos = pos.checked_add(1).ok_or("BER: overflow")?;
            n = n.saturating_add(1);
            if n > 4 {
                return Err("BER: tag number too long".into());
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let id_len = pos;
    let constructed = tag & 0x20 != 0;
    let first = *input.get(pos).ok_or("BER: missing length")?;
    pos = pos.checked_add(1).ok_or("BER: overflow")?;
    if first == 0x80 {
        if !constructed {
            return Err("BER: indefinite length on a primitive value".into());
        }
        let start = pos;
        let mut cursor = input.get(start..).ok_or("BER: truncated")?;
        let mut used: usize = 0;
        loop {
            if cursor.len() < 2 {
                return Err("BER: indefinite-length value without end-of-contents".into());
            }
            if cursor.first() == Some(&0) && cursor.get(1) == Some(&0) {
                break;
            }
            let (_, rest) = parse_at(cursor, depth.saturating_add(1))?;
            used = used
                .checked_add(cursor.len().saturating_sub(rest.len()))
                .ok_or("BER: overflow")?;
            cursor = rest;
        }
        let content_end = start.checked_add(used).ok_or("BER: overflow")?;
        let end = content_end.checked_add(2).ok_or("BER: overflow")?;
        let content = input.get(start..content_end).ok_or("BER: truncated")?;
        let raw = input.get(..end).ok_or("BER: truncated")?;
        let rest = input.get(end..).ok_or("BER: truncated")?;
        return Ok((
            Tlv {
                tag,
                constructed,
                raw,
                content,
                id_len,
                depth,
            },
            rest,
        ));
    }
    let len: u64 = if first < 0x80 {
        u64::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 8 || first == 0xff {
            return Err(format!("BER: length of length {n} unsupported"));
        }
        let end = pos.checked_add(n).ok_or("BER: overflow")?;
        let bytes = input.get(pos..end).ok_or("BER: truncated length")?;
        pos = end;
        bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    };
    let remaining = input.len().saturating_sub(pos);
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= remaining)
        .ok_or_else(|| format!("BER: length {len} exceeds the {remaining} bytes available"))?;
    let end = pos.checked_add(len).ok_or("BER: overflow")?;
    let content = input.get(pos..end).ok_or("BER: truncated")?;
    let raw = input.get(..end).ok_or("BER: truncated")?;
    let rest = input.get(end..).ok_or("BER: truncated")?;
    Ok((
        Tlv {
            tag,
            constructed,
            raw,
            content,
            id_len,
            depth,
        },
        rest,
    ))
}

/// Re-encodes an element with definite, minimal lengths (constructed forms are kept as they are).
/// The output is never more than a few bytes per element larger than the input.
pub(crate) fn to_der(tlv: &Tlv<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    out.extend_from_slice(tlv.identifier());
    if tlv.constructed {
        let mut inner = Vec::new();
        for child in tlv.children() {
            to_der(&child?, &mut inner)?;
        }
        push_len(out, inner.len());
        out.extend_from_slice(&inner);
    } else {
        push_len(out, tlv.content.len());
        out.extend_from_slice(tlv.content);
    }
    Ok(())
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
        return;
    }
    let bytes = u64::try_from(len).unwrap_or(u64::MAX).to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or(&[]);
    out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
    out.extend_from_slice(significant);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (long-form length) "ab" }
        let data = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x04, 0x81, 0x02, b'a', b'b', 0, 0, 0xff,
        ];
        let (t, rest) = parse(&data).unwrap();
        assert_eq!(rest, &[0xff]);
        assert_eq!(t.raw.len(), 12);
        let kids: Vec<_> = t.children().map(|c| c.unwrap()).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[1].content, b"ab");
        let mut der = Vec::new();
        to_der(&t, &mut der).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x05, 0x04, 0x02, b'a', b'b']);
    }

    #[test]
    fn rejects_bogus() {
        assert!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse(&[0x04, 0x80, 0, 0]).is_err());
        assert!(parse(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(parse(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_err());
        // Nesting bomb.
        let mut deep = Vec::new();
        for _ in 0..1000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(parse(&deep).is_err());
    }
}
