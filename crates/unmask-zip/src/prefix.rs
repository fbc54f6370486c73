//! The first few bytes of a raw deflate stream, without building zlib's decoding tables.
//!
//! Sniffing an entry's magic bytes needs 4 bytes of output, but zlib (zlib-rs) starts every
//! dynamic block by building full lookup tables (a 512-entry literal/length root table and
//! its sub-tables, a distance table): on APKs with thousands of small deflated entries that
//! set-up was most of the time of a `--no-code` scan. Here the block header is read and
//! checked with the same rules as zlib's `inflate_table`, the code-length code is decoded
//! through a 128-entry table, and the few symbols needed are decoded bit by bit from canonical
//! counts (as zlib's `contrib/puff` does).
//!
//! The function answers only when it knows what one zlib `inflate` call with `space` bytes of
//! output room returns: the same bytes, and no error. zlib goes on after the output is full
//! until it needs room for a byte (it decodes the next symbol, reads a following block
//! header), so that step is emulated too. Whenever zlib could report an error, or the input
//! runs out, or a case is unusual (a block boundary right at the end of the room), the answer
//! is `None` and the caller inflates with zlib, whose result and error text are authoritative.
//! The unit tests compare both on generated and corrupted streams.

/// Most code lengths a dynamic block sends (286 literal/length and 30 distance codes).
const MAX_LENS: usize = 286 + 30;
/// Longest Huffman code in deflate.
const MAX_BITS: usize = 15;
/// Literal/length symbols (286 and 287 are never valid).
const LIT_SYMBOLS: usize = 288;
/// Distance symbols (30 and 31 are never valid).
const DIST_SYMBOLS: usize = 32;
/// Order in which code-length code lengths are sent.
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// LSB-first bit reader over the compressed bytes, with a 64-bit buffer.
struct Bits<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load into `buf`.
    next: usize,
    buf: u64,
    /// Valid bits in `buf`.
    count: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            next: 0,
            buf: 0,
            count: 0,
        }
    }

    /// Fills the buffer to at least 56 bits, or with what is left of the input.
    #[inline]
    fn refill(&mut self) {
        if let Some(w) = self
            .data
            .get(self.next..self.next.saturating_add(8))
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
        {
            self.buf |= u64::from_le_bytes(w) << self.count;
            let bytes = (63 - self.count) >> 3;
            self.next = self.next.saturating_add(bytes);
            self.count |= 56;
            return;
        }
        while self.count <= 56 {
            let Some(&b) = self.data.get(self.next) else {
                return;
            };
            self.buf |= u64::from(b) << self.count;
            self.next = self.next.saturating_add(1);
            self.count += 8;
        }
    }

    /// The next `n` (≤ 16) bits as a number, or `None` when the input ends first.
    #[inline]
    fn take(&mut self, n: usize) -> Option<u16> {
        if self.count < n {
            self.refill();
            if self.count < n {
                return None;
            }
        }
        let v = (self.buf & low_mask(n)) as u16;
        self.drop_bits(n);
        Some(v)
    }

    /// Consumes `n` (≤ `count`) bits.
    #[inline]
    fn drop_bits(&mut self, n: usize) {
        self.buf = self.buf.checked_shr(n as u32).unwrap_or(0);
        self.count = self.count.saturating_sub(n);
    }

    /// Moves to the next byte boundary and returns that byte position, emptying the buffer.
    fn align(&mut self) -> usize {
        let whole = self.count >> 3;
        let at = self.next.saturating_sub(whole);
        self.next = at;
        self.buf = 0;
        self.count = 0;
        at
    }
}

/// The `n` (< 64) low bits set.
fn low_mask(n: usize) -> u64 {
    (1u64 << n.min(63)).wrapping_sub(1)
}

/// A canonical Huffman code: the code length of every symbol, and how many codes each length
/// has. Only a handful of symbols are decoded, so the symbols are not sorted into code order:
/// a code's symbol is found by counting the lengths (zlib's puff decodes the same way).
struct Code<'a> {
    lens: &'a [u8],
    count: [u16; MAX_BITS + 1],
}

impl<'a> Code<'a> {
    /// `None` when zlib's `inflate_table` refuses the code: over-subscribed, or incomplete
    /// with a longest code other than 1 bit. An empty code is accepted (zlib then fails on
    /// its first use, as `decode` does here).
    fn new(lens: &'a [u8], count: [u16; MAX_BITS + 1]) -> Option<Self> {
        let mut left: i32 = 1;
        let mut max = 0;
        for (len, &c) in count.iter().enumerate().skip(1) {
            left = left * 2 - i32::from(c);
            if left < 0 {
                return None; // over-subscribed
            }
            if c != 0 {
                max = len;
            }
        }
        if left > 0 && max > 1 {
            return None; // incomplete
        }
        Some(Code { lens, count })
    }

    /// Decodes one symbol; `None` for a code that is not in the table or cut-off input.
    fn decode(&self, bits: &mut Bits<'_>) -> Option<usize> {
        if bits.count < MAX_BITS {
            bits.refill();
        }
        let v = bits.buf;
        // All of these stay below 2^16: counts are at most 288, codes at most 15 bits.
        let (mut code, mut first) = (0i32, 0i32);
        for len in 1..=MAX_BITS.min(bits.count) {
            code |= ((v >> (len - 1)) & 1) as i32;
            let count = i32::from(self.count.get(len).copied().unwrap_or(0));
            if code - count < first {
                bits.drop_bits(len);
                let nth = usize::try_from(code - first).ok()?;
                return nth_with_len(self.lens, len as u8, nth);
            }
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }
}

/// The `nth` symbol (from 0, in symbol order) whose code length is `len`: eight lengths at a
/// time, as a word whose matching bytes are found and counted with bit arithmetic.
fn nth_with_len(lens: &[u8], len: u8, mut nth: usize) -> Option<usize> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let pattern = u64::from(len).wrapping_mul(ONES);
    let mut chunks = lens.chunks_exact(8);
    let mut base = 0usize;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().ok()?) ^ pattern;
        // 0x80 in each byte of `w` that is zero, i.e. each length equal to `len`.
        let mut hits = !(((w & LOW7).wrapping_add(LOW7)) | w | LOW7);
        let k = ((hits >> 7).wrapping_mul(ONES) >> 56) as usize;
        if nth < k {
            for _ in 0..nth {
                hits &= hits.wrapping_sub(1);
            }
            return Some(base + (hits.trailing_zeros() / 8) as usize);
        }
        nth -= k;
        base += 8;
    }
    for (i, &l) in chunks.remainder().iter().enumerate() {
        if l == len {
            if nth == 0 {
                return Some(base + i);
            }
            nth -= 1;
        }
    }
    None
}

/// Lookup table of the code-length code for every 7-bit input: the code's length (bits 0-3),
/// the number of extra bits after it (4-7), the symbol (8-15) and the repeat count before
/// the extra bits are added (16-23): 1 for a length 0-15, 3 for 16 and 17, 11 for 18.
/// `None` when zlib refuses the code (over-subscribed, incomplete or empty).
fn code_length_table(lens: &[u8; 19]) -> Option<[u32; 128]> {
    let mut count = [0u16; 8];
    for &l in lens {
        let c = count.get_mut(usize::from(l))?;
        *c = c.saturating_add(1);
    }
    count[0] = 0;
    let mut left: i32 = 1;
    for &c in count.iter().skip(1) {
        left = left * 2 - i32::from(c);
        if left < 0 {
            return None;
        }
    }
    if left != 0 {
        return None; // incomplete (or empty): zlib fails on it
    }
    let mut next = [0u16; 8];
    let mut code = 0u16;
    for len in 1..8 {
        code = (code + count.get(len - 1).copied().unwrap_or(0)) << 1;
        *next.get_mut(len)? = code;
    }
    let mut table = [0u32; 128];
    for (sym, &l) in lens.iter().enumerate() {
        if l == 0 {
            continue;
        }
        let len = usize::from(l);
        let n = next.get_mut(len)?;
        let c = *n;
        *n = n.saturating_add(1);
        // Huffman codes are sent most significant bit first: reverse for the LSB-first reader.
        let mut r = 0usize;
        for i in 0..len {
            r |= usize::from((c >> i) & 1) << (len - 1 - i);
        }
        let (extra, base): (u32, u32) = match sym {
            0..=15 => (0, 1),
            16 => (2, 3),
            17 => (3, 3),
            _ => (7, 11),
        };
        let entry = base << 16 | (sym as u32) << 8 | extra << 4 | u32::from(l);
        while let Some(slot) = table.get_mut(r) {
            *slot = entry;
            r += 1 << len;
        }
    }
    Some(table)
}

/// Code lengths of a dynamic block: literal/length then distance.
struct DynamicLens {
    /// The lengths, then slack: every step stores 8 bytes (see `dynamic_lens`).
    lens: [u8; MAX_LENS + 8],
    nlen: usize,
    total: usize,
    lit_count: [u16; MAX_BITS + 1],
    dist_count: [u16; MAX_BITS + 1],
}

/// Reads the header of a dynamic block as zlib reads it; `None` where zlib fails.
fn dynamic_lens(bits: &mut Bits<'_>) -> Option<DynamicLens> {
    let nlen = usize::from(bits.take(5)?) + 257;
    let ndist = usize::from(bits.take(5)?) + 1;
    let ncode = usize::from(bits.take(4)?) + 4;
    if nlen > 286 || ndist > 30 {
        return None; // "too many length or distance symbols"
    }
    let mut cl = [0u8; 19];
    for &i in CL_ORDER.iter().take(ncode) {
        *cl.get_mut(i)? = bits.take(3)? as u8;
    }
    let table = code_length_table(&cl)?;
    let total = nlen + ndist;
    let mut d = DynamicLens {
        lens: [0u8; MAX_LENS + 8],
        nlen,
        total,
        lit_count: [0; MAX_BITS + 1],
        dist_count: [0; MAX_BITS + 1],
    };
    // The hot loop: hundreds of lengths per block, each step depending on the length of the
    // previous code. It is kept free of unpredictable branches: the table gives the code and
    // extra-bit lengths, every step stores 8 copies of its length value at `have` (a repeat
    // of a non-zero length is at most 6, zero runs find zeros already there: a step never
    // reaches past what the next step overwrites, and what lies beyond was never written),
    // the bit buffer stays in locals, in registers, and the lengths are counted afterwards.
    let (mut buf, mut count) = (bits.buf, bits.count);
    let mut have = 0usize;
    let mut prev = 0u8;
    while have < total {
        // Longest step: a 7-bit code and 7 extra bits.
        if count < 14 {
            bits.buf = buf;
            bits.count = count;
            bits.refill();
            (buf, count) = (bits.buf, bits.count);
        }
        let e = table.get((buf & 127) as usize).copied()?;
        let l = (e & 15) as usize;
        let extra = ((e >> 4) & 15) as usize;
        let sym = (e >> 8) & 255;
        let step = l + extra;
        if l == 0 || step > count {
            return None; // the input ends (or a gap in the table, which cannot happen)
        }
        let repeat = (e >> 16) as usize + ((buf >> l) & low_mask(extra)) as usize;
        buf >>= step;
        count -= step;
        if sym == 16 && have == 0 {
            return None; // "invalid bit length repeat": nothing to repeat
        }
        let value = match sym {
            0..=15 => sym as u8,
            16 => prev,
            _ => 0,
        };
        let end = have + repeat;
        if end > total {
            return None; // "invalid bit length repeat"
        }
        d.lens.get_mut(have..have + 8)?.copy_from_slice(&[value; 8]);
        prev = value;
        have = end;
    }
    bits.buf = buf;
    bits.count = count;
    if d.lens.get(256).copied()? == 0 {
        return None; // "invalid code -- missing end-of-block"
    }
    let (lit, dist) = d.lens.get(..total)?.split_at(nlen);
    d.lit_count = histogram(lit);
    d.dist_count = histogram(dist);
    Some(d)
}

/// How many codes have each length (length 0 not counted), over four partial histograms so
/// that runs of equal lengths do not wait on each other's increments.
fn histogram(lens: &[u8]) -> [u16; MAX_BITS + 1] {
    let mut h = [[0u16; MAX_BITS + 1]; 4];
    let mut chunks = lens.chunks_exact(4);
    for c in &mut chunks {
        for (part, &l) in h.iter_mut().zip(c) {
            if let Some(n) = part.get_mut(usize::from(l & 15)) {
                *n = n.wrapping_add(1); // at most 286 each
            }
        }
    }
    for &l in chunks.remainder() {
        if let Some(n) = h[0].get_mut(usize::from(l & 15)) {
            *n = n.wrapping_add(1);
        }
    }
    let mut count = [0u16; MAX_BITS + 1];
    for (len, c) in count.iter_mut().enumerate().skip(1) {
        *c = h.iter().map(|p| p.get(len).copied().unwrap_or(0)).sum();
    }
    count
}

/// Code lengths of the fixed literal/length code (block type 1), with the unused symbols 286
/// and 287 so that they decode and are refused.
static FIXED_LIT_LENS: [u8; LIT_SYMBOLS] = fixed_lit_lens();
/// Code lengths of the fixed distance code: 32 symbols of 5 bits (30 and 31 are refused).
static FIXED_DIST_LENS: [u8; DIST_SYMBOLS] = [5; DIST_SYMBOLS];
const FIXED_LIT_COUNT: [u16; MAX_BITS + 1] = [0, 0, 0, 0, 0, 0, 0, 24, 152, 112, 0, 0, 0, 0, 0, 0];
const FIXED_DIST_COUNT: [u16; MAX_BITS + 1] = [0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

// Evaluated at compile time: an index out of range is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn fixed_lit_lens() -> [u8; LIT_SYMBOLS] {
    let mut lens = [8u8; LIT_SYMBOLS];
    let mut s = 144;
    while s < 256 {
        lens[s] = 9;
        s += 1;
    }
    while s < 280 {
        lens[s] = 7;
        s += 1;
    }
    lens
}

/// What one zlib `inflate` call with `space` bytes of output room returns for the raw deflate
/// stream `input`, when that is certain to be those bytes and no error (see the module docs);
/// `None` when zlib must decide. Up to `space` bytes are returned: fewer when the stream ends.
pub(crate) fn inflate_prefix(input: &[u8], space: usize) -> Option<Vec<u8>> {
    if space == 0 {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(space);
    let mut bits = Bits::new(input);
    loop {
        let header = bits.take(3)?;
        let last = header & 1 == 1;
        let dynamic;
        let (lit, dist) = match header >> 1 {
            0 => {
                // Stored block: LEN, NLEN on the next byte boundary, then LEN raw bytes.
                let byte = bits.align();
                let len = usize::from(u16::from_le_bytes(
                    input.get(byte..byte.saturating_add(2))?.try_into().ok()?,
                ));
                let nlen = u16::from_le_bytes(
                    input
                        .get(byte.saturating_add(2)..byte.saturating_add(4))?
                        .try_into()
                        .ok()?,
                );
                if len != usize::from(!nlen) {
                    return None; // "invalid stored block lengths"
                }
                let start = byte.saturating_add(4);
                let take = len.min(space.saturating_sub(out.len()));
                out.extend_from_slice(input.get(start..start.saturating_add(take))?);
                bits.next = start.saturating_add(take);
                if out.len() >= space {
                    // Room used up inside the block: zlib waits there. At its very end zlib
                    // would read the next block header: only the end of the stream is certain.
                    return (take < len || last).then_some(out);
                }
                if last {
                    return Some(out);
                }
                continue;
            }
            1 => (
                Code::new(&FIXED_LIT_LENS, FIXED_LIT_COUNT)?,
                Code {
                    lens: &FIXED_DIST_LENS,
                    count: FIXED_DIST_COUNT,
                },
            ),
            2 => {
                dynamic = dynamic_lens(&mut bits)?;
                let (l, d) = dynamic.lens.get(..dynamic.total)?.split_at(dynamic.nlen);
                (
                    Code::new(l, dynamic.lit_count)?,
                    Code::new(d, dynamic.dist_count)?,
                )
            }
            _ => return None, // "invalid block type"
        };
        loop {
            let full = out.len() >= space;
            let sym = lit.decode(&mut bits)?;
            if sym < 256 {
                if full {
                    return Some(out); // zlib stops here, with no room for the literal
                }
                out.push(sym as u8);
                continue;
            }
            if sym == 256 {
                if last {
                    return Some(out); // end of the stream
                }
                if full {
                    return None; // zlib would go on to read the next block header
                }
                break;
            }
            let li = sym - 257;
            let base = *LEN_BASE.get(li)?; // 286, 287: "invalid literal/length code"
            let len = usize::from(base) + usize::from(bits.take(usize::from(*LEN_EXTRA.get(li)?))?);
            let ds = dist.decode(&mut bits)?;
            let d = usize::from(*DIST_BASE.get(ds)?) // 30, 31: "invalid distance code"
                + usize::from(bits.take(usize::from(*DIST_EXTRA.get(ds)?))?);
            if d > out.len() {
                return None; // "invalid distance too far back": no window before the start
            }
            if full {
                return Some(out); // zlib stops at the match, with no room to copy
            }
            let room = space.saturating_sub(out.len());
            for _ in 0..len.min(room) {
                let b = *out.get(out.len().checked_sub(d)?)?;
                out.push(b);
            }
            if len > room {
                return Some(out); // zlib stops inside the match
            }
        }
    }
}
