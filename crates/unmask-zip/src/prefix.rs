//! The first few bytes of a raw deflate stream, without building zlib's decoding tables.
//!
//! Sniffing an entry's magic bytes needs 4 bytes of output, but zlib (zlib-rs) starts every
//! dynamic block by building full lookup tables (a 512-entry literal/length root table and
//! its sub-tables, a distance table): on APKs with thousands of small deflated entries that
//! set-up was most of the time of a `--no-code` scan. Here the block header is read and
//! checked with the same rules as zlib's `inflate_table`, the code-length code is decoded
//! through a 128-entry table (the loop over a block's ~300 code lengths is what a sniff of a
//! dynamic block costs: it is kept short, see `dynamic_lens`), and the few symbols needed
//! are decoded from canonical counts: the code's length from per-length limits, its symbol
//! by counting lengths (as zlib's `contrib/puff` does, without its bit-by-bit loop). Fixed
//! blocks (the usual compression of tiny files) are decoded arithmetically, with no table.
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
#[cfg(test)]
const LIT_SYMBOLS: usize = 288;
/// Distance symbols (30 and 31 are never valid).
#[cfg(test)]
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
    #[inline(always)]
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
        self.refill_end();
    }

    /// `refill` within the last 8 bytes of the input, byte by byte.
    #[cold]
    #[inline(never)]
    fn refill_end(&mut self) {
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

/// Decodes one symbol of a Huffman code from the bit stream; `None` for a code that is not
/// in the table or input that ends before the code does.
trait Decode {
    fn decode(&self, bits: &mut Bits<'_>) -> Option<usize>;
}

/// A canonical Huffman code: the code length of every symbol, and where the codes of each
/// length start. Only a handful of symbols are decoded, so the symbols are not sorted into
/// code order: a code's symbol is found by counting the lengths (zlib's puff decodes the
/// same way).
struct Code<'a> {
    lens: &'a [u8],
    /// `limit[len]`: the first 15-bit left-justified code past the codes of length ≤ `len`
    /// (non-decreasing in `len`); `limit[0]` is 0.
    limit: [u16; MAX_BITS + 1],
    /// `first[len]`: the first code of length `len`.
    first: [u16; MAX_BITS + 1],
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
        // Not over-subscribed: `code` stays at most 2^len, every limit at most 2^15.
        let mut limit = [0u16; MAX_BITS + 1];
        let mut first = [0u16; MAX_BITS + 1];
        let mut code = 0u32;
        for len in 1..=MAX_BITS {
            let c = u32::from(count.get(len).copied().unwrap_or(0));
            *first.get_mut(len)? = u16::try_from(code).ok()?;
            code += c;
            *limit.get_mut(len)? = u16::try_from(code << (MAX_BITS - len)).ok()?;
            code <<= 1;
        }
        Some(Code { lens, limit, first })
    }
}

impl Decode for Code<'_> {
    fn decode(&self, bits: &mut Bits<'_>) -> Option<usize> {
        if bits.count < MAX_BITS {
            bits.refill();
        }
        // The next 15 bits, first bit highest, as codes are compared.
        let c = (bits.buf as u16).reverse_bits() >> 1;
        // The code's length: one more than the number of lengths whose codes all lie below
        // `c` (`limit[0]` = 0 counts the one). The limits of the lengths up to the code's
        // own are multiples of 2^(15 - length): the answer depends only on the code's bits,
        // never on the bits after it (or the zeros past the end of the input).
        let len = self.limit.iter().filter(|&&l| l <= c).count();
        if len > MAX_BITS || len > bits.count {
            return None; // not a code, or the input ends within it
        }
        let nth = (c >> (MAX_BITS - len)).checked_sub(self.first.get(len).copied()?)?;
        bits.drop_bits(len);
        nth_with_len(self.lens, len as u8, usize::from(nth))
    }
}

/// The fixed literal/length code (block type 1): 7-bit codes 0-23 for 256-279, 8-bit codes
/// 48-191 for 0-143 and 192-199 for 280-287, 9-bit codes 400-511 for 144-255. Symbols 286
/// and 287 decode and are refused by the caller, as zlib does.
struct FixedLit;

impl Decode for FixedLit {
    fn decode(&self, bits: &mut Bits<'_>) -> Option<usize> {
        if bits.count < 9 {
            bits.refill();
        }
        let c = usize::from((bits.buf as u16).reverse_bits() >> 7); // 9 bits, first highest
                                                                    // As for `Code`: the length found depends only on the code's own bits.
        let (sym, len) = if c < 24 << 2 {
            (256 + (c >> 2), 7)
        } else if c < 0xc0 << 1 {
            ((c >> 1) - 0x30, 8)
        } else if c < 0xc8 << 1 {
            ((c >> 1) - 0xc0 + 280, 8)
        } else {
            (c - 0x190 + 144, 9)
        };
        if len > bits.count {
            return None;
        }
        bits.drop_bits(len);
        Some(sym)
    }
}

/// The fixed distance code: 32 symbols of 5 bits (30 and 31 are refused by the caller).
struct FixedDist;

impl Decode for FixedDist {
    fn decode(&self, bits: &mut Bits<'_>) -> Option<usize> {
        if bits.count < 5 {
            bits.refill();
            if bits.count < 5 {
                return None;
            }
        }
        let c = usize::from((bits.buf as u8).reverse_bits() >> 3);
        bits.drop_bits(5);
        Some(c)
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

/// One entry of the code-length code's lookup table: what a step of the length loop does
/// when the next 7 input bits start with a given code, one byte per field (`CL_*`). Eight
/// bytes, so that the entry of an input is found with one scaled index and written with one
/// store.
type ClEntry = [u8; 8];

/// Bits the step takes: the code and its extra bits. `u8::MAX` for no code, which no input
/// has that many bits for (the table of an accepted code has no such entry).
const CL_STEP: usize = 0;
/// The code's length: where its extra bits start.
const CL_LEN: usize = 1;
/// Mask of the extra bits.
const CL_MASK: usize = 2;
/// Lengths the step sets before the extra bits are added: 1 for a length 0-15, 3 for 16 and
/// 17, 11 for 18.
const CL_BASE: usize = 3;
/// The length value it sets: the symbol for 0-15, 0 for the zero runs 17 and 18 and for 16,
/// which repeats the previous length.
const CL_VALUE: usize = 4;
/// `0xff` for 16 (the previous length is or-ed in), 0 otherwise.
const CL_PREVIOUS: usize = 5;

const NO_CODE: ClEntry = [u8::MAX, 0, 0, 0, 0, 0, 0, 0];

/// Fills `table`, the lookup table of the code-length code for every 7-bit input
/// (bit-reversed, as read). `None` when zlib refuses the code (over-subscribed, incomplete
/// or empty).
fn code_length_table(lens: &[u8; 19], table: &mut [u64; 128]) -> Option<()> {
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
    for (sym, &l) in lens.iter().enumerate() {
        if l == 0 {
            continue;
        }
        let len = usize::from(l);
        let n = next.get_mut(len)?;
        let c = *n;
        *n = n.saturating_add(1);
        // Huffman codes are sent most significant bit first: reverse for the LSB-first reader.
        let mut r = usize::from((c as u8).reverse_bits() >> (8 - len));
        let (extra, base, value, previous) = match sym {
            0..=15 => (0u8, 1u8, sym as u8, 0u8),
            16 => (2, 3, 0, 0xff),
            17 => (3, 3, 0, 0),
            _ => (7, 11, 0, 0),
        };
        let mut entry = NO_CODE;
        entry[CL_STEP] = l + extra;
        entry[CL_LEN] = l;
        entry[CL_MASK] = (1u8 << extra) - 1;
        entry[CL_BASE] = base;
        entry[CL_VALUE] = value;
        entry[CL_PREVIOUS] = previous;
        // One 8-byte store per slot.
        let word = u64::from_le_bytes(entry);
        while let Some(slot) = table.get_mut(r) {
            *slot = word;
            r += 1 << len;
        }
    }
    Some(())
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
    let mut words = [u64::from_le_bytes(NO_CODE); 128];
    code_length_table(&cl, &mut words)?;
    // Built a word per slot (one store each), read a byte per field (one load each).
    let table: [ClEntry; 128] = words.map(u64::to_le_bytes);
    let total = nlen + ndist;
    let mut d = DynamicLens {
        lens: [0u8; MAX_LENS + 8],
        nlen,
        total,
        lit_count: [0; MAX_BITS + 1],
        dist_count: [0; MAX_BITS + 1],
    };
    // The hot loop: hundreds of lengths per block, each step depending on the length of the
    // previous code. It is kept short and free of unpredictable branches: the table gives
    // every field of the step as a byte, every step stores 8 copies of its length value at
    // `have` (a repeat of a non-zero length is at most 6, zero runs find zeros already
    // there: a step never reaches past what the next step overwrites, and what lies beyond
    // was never written), and the bit buffer is refilled once per four steps (a step takes
    // at most 14 bits, a refill leaves at least 56 or all the input there is).
    let mut b = Bits {
        data: bits.data,
        next: bits.next,
        buf: bits.buf,
        count: bits.count,
    };
    let mut have = 0usize;
    let mut prev = 0u8;
    // How many of all the lengths (literal/length and distance) have each value, counted
    // per step (a run adds its repeat count) rather than by a pass over the lengths after.
    let mut all = [0u16; MAX_BITS + 1];
    // Code 16 first: "invalid bit length repeat", nothing to repeat. Checked once here: every
    // later step has a length before it.
    b.refill();
    if table.get((b.buf & 127) as usize)?[CL_PREVIOUS] != 0 {
        return None;
    }
    'steps: loop {
        b.refill();
        for _ in 0..4 {
            if have >= total {
                break 'steps;
            }
            let e = table.get((b.buf & 127) as usize)?;
            let step = usize::from(e[CL_STEP]);
            if step > b.count {
                return None; // the input ends
            }
            let extra = (b.buf >> e[CL_LEN]) & u64::from(e[CL_MASK]);
            let repeat = usize::from(e[CL_BASE]) + extra as usize;
            b.buf >>= step;
            b.count -= step;
            let value = e[CL_VALUE] | (prev & e[CL_PREVIOUS]);
            let end = have + repeat;
            if end > total {
                return None; // "invalid bit length repeat"
            }
            d.lens.get_mut(have..have + 8)?.copy_from_slice(
                &u64::from(value)
                    .wrapping_mul(0x0101_0101_0101_0101)
                    .to_le_bytes(),
            );
            if let Some(n) = all.get_mut(usize::from(value & 15)) {
                *n = n.wrapping_add(repeat as u16); // at most 316 in all
            }
            prev = value;
            have = end;
        }
    }
    *bits = b;
    if d.lens.get(256).copied()? == 0 {
        return None; // "invalid code -- missing end-of-block"
    }
    // The (at most 30) distance lengths are counted again; the literal/length counts are
    // what remains.
    d.dist_count = histogram(d.lens.get(nlen..total)?);
    for ((l, &a), &t) in d.lit_count.iter_mut().zip(&all).zip(&d.dist_count).skip(1) {
        *l = a.wrapping_sub(t);
    }
    Some(d)
}

/// How many codes have each length (length 0 not counted).
fn histogram(lens: &[u8]) -> [u16; MAX_BITS + 1] {
    let mut count = [0u16; MAX_BITS + 1];
    for &l in lens {
        if let Some(n) = count.get_mut(usize::from(l & 15)) {
            *n = n.wrapping_add(1); // at most 30
        }
    }
    count[0] = 0;
    count
}

/// Code lengths of the fixed literal/length code (block type 1), with the unused symbols 286
/// and 287: the tests check `FixedLit` and `FixedDist` against `Code` built from them.
#[cfg(test)]
static FIXED_LIT_LENS: [u8; LIT_SYMBOLS] = fixed_lit_lens();
/// Code lengths of the fixed distance code: 32 symbols of 5 bits (30 and 31 are refused).
#[cfg(test)]
static FIXED_DIST_LENS: [u8; DIST_SYMBOLS] = [5; DIST_SYMBOLS];
#[cfg(test)]
const FIXED_LIT_COUNT: [u16; MAX_BITS + 1] = [0, 0, 0, 0, 0, 0, 0, 24, 152, 112, 0, 0, 0, 0, 0, 0];
#[cfg(test)]
const FIXED_DIST_COUNT: [u16; MAX_BITS + 1] = [0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

// Evaluated at compile time: an index out of range is a build error, not a panic.
#[cfg(test)]
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

/// How a block's symbols end the call.
enum Block {
    /// zlib returns (the room is used up, or the stream ends).
    Done,
    /// The block ended with room left: the next block header follows.
    Next,
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
        let block = match header >> 1 {
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
                    Block::Done
                } else {
                    Block::Next
                }
            }
            1 => symbols(&mut bits, &mut out, space, last, &FixedLit, &FixedDist)?,
            2 => {
                let dynamic = dynamic_lens(&mut bits)?;
                let (l, d) = dynamic.lens.get(..dynamic.total)?.split_at(dynamic.nlen);
                let lit = Code::new(l, dynamic.lit_count)?;
                let dist = Code::new(d, dynamic.dist_count)?;
                symbols(&mut bits, &mut out, space, last, &lit, &dist)?
            }
            _ => return None, // "invalid block type"
        };
        match block {
            Block::Done => return Some(out),
            Block::Next => {}
        }
    }
}

/// Decodes the symbols of one Huffman-coded block into `out`, as zlib would with `space`
/// bytes of room; `None` where zlib must decide.
fn symbols(
    bits: &mut Bits<'_>,
    out: &mut Vec<u8>,
    space: usize,
    last: bool,
    lit: &impl Decode,
    dist: &impl Decode,
) -> Option<Block> {
    loop {
        let full = out.len() >= space;
        let sym = lit.decode(bits)?;
        if sym < 256 {
            if full {
                return Some(Block::Done); // zlib stops here, with no room for the literal
            }
            out.push(sym as u8);
            continue;
        }
        if sym == 256 {
            if last {
                return Some(Block::Done); // end of the stream
            }
            if full {
                return None; // zlib would go on to read the next block header
            }
            return Some(Block::Next);
        }
        let li = sym - 257;
        let base = *LEN_BASE.get(li)?; // 286, 287: "invalid literal/length code"
        let len = usize::from(base) + usize::from(bits.take(usize::from(*LEN_EXTRA.get(li)?))?);
        let ds = dist.decode(bits)?;
        let d = usize::from(*DIST_BASE.get(ds)?) // 30, 31: "invalid distance code"
            + usize::from(bits.take(usize::from(*DIST_EXTRA.get(ds)?))?);
        if d > out.len() {
            return None; // "invalid distance too far back": no window before the start
        }
        if full {
            return Some(Block::Done); // zlib stops at the match, with no room to copy
        }
        let room = space.saturating_sub(out.len());
        for _ in 0..len.min(room) {
            let b = *out.get(out.len().checked_sub(d)?)?;
            out.push(b);
        }
        if len > room {
            return Some(Block::Done); // zlib stops inside the match
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Reference decoder: puff's bit-by-bit canonical decode over the code lengths.
    fn puff_decode(lens: &[u8], bits: &mut Bits<'_>) -> Option<usize> {
        let mut count = [0i32; MAX_BITS + 1];
        for &l in lens {
            count[usize::from(l)] += 1;
        }
        count[0] = 0;
        let mut symbols: Vec<usize> = Vec::new();
        for len in 1..=MAX_BITS {
            symbols.extend((0..lens.len()).filter(|&s| usize::from(lens[s]) == len));
        }
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for &c in count.iter().skip(1) {
            code |= i32::from(bits.take(1)?);
            if code - c < first {
                return symbols.get((index + code - first) as usize).copied();
            }
            index += c;
            first = (first + c) << 1;
            code <<= 1;
        }
        None
    }

    /// Decodes symbols from `input` with both decoders until either stops; they must agree
    /// on every symbol, on where they stop and on the bits consumed.
    fn agree(lens: &[u8], d: &impl Decode, input: &[u8]) {
        let (mut a, mut b) = (Bits::new(input), Bits::new(input));
        for _ in 0..64 {
            let want = puff_decode(lens, &mut a);
            let got = d.decode(&mut b);
            assert_eq!(got, want, "lens {lens:?} input {input:02x?}");
            let Some(_) = want else { return };
            let consumed = |x: &Bits<'_>| x.next * 8 - x.count;
            assert_eq!(consumed(&a), consumed(&b));
        }
    }

    fn code(lens: &[u8]) -> Option<Code<'_>> {
        Code::new(lens, histogram(lens))
    }

    #[test]
    fn fixed_codes_match_their_lengths() {
        assert_eq!(histogram(&FIXED_LIT_LENS), FIXED_LIT_COUNT);
        assert_eq!(histogram(&FIXED_DIST_LENS), FIXED_DIST_COUNT);
        // Every 9-bit and 5-bit start, then cut off at every length.
        for v in 0u16..512 {
            let input = [(v & 0xff) as u8, (v >> 8) as u8, 0xa5];
            agree(&FIXED_LIT_LENS, &FixedLit, &input);
            agree(&FIXED_DIST_LENS, &FixedDist, &input);
            agree(&FIXED_LIT_LENS, &FixedLit, &input[..1]);
            agree(&FIXED_DIST_LENS, &FixedDist, &input[..1]);
        }
        agree(&FIXED_LIT_LENS, &FixedLit, &[]);
        agree(&FIXED_DIST_LENS, &FixedDist, &[]);
    }

    #[test]
    fn canonical_decode_matches_puff() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut accepted = 0;
        for round in 0..4000 {
            let n = [2usize, 19, 30, 257, 286][round % 5];
            let max = 1 + (rand() % 15) as u8;
            let mut lens: Vec<u8> = (0..n)
                .map(|_| {
                    if rand() % 3 == 0 {
                        0
                    } else {
                        1 + (rand() % u64::from(max)) as u8
                    }
                })
                .collect();
            // Make some of them complete: lengthen codes until the Kraft sum fits, then
            // shorten while it stays within 1.
            if round % 2 == 0 {
                let kraft = |l: &[u8]| -> u64 {
                    l.iter()
                        .filter(|&&x| x > 0)
                        .map(|&x| 1u64 << (15 - x))
                        .sum()
                };
                let mut i = 0;
                while kraft(&lens) > 1 << 15 {
                    if lens[i % n] > 0 && lens[i % n] < 15 {
                        lens[i % n] += 1;
                    }
                    i += 1;
                }
                for j in 0..n {
                    while lens[j] > 1 && {
                        lens[j] -= 1;
                        kraft(&lens) <= 1 << 15
                    } {}
                    if kraft(&lens) > 1 << 15 {
                        lens[j] += 1;
                    }
                }
            }
            let Some(c) = code(&lens) else { continue };
            accepted += 1;
            for cut in [0usize, 1, 2, 3, 40] {
                let input: Vec<u8> = (0..cut).map(|_| rand() as u8).collect();
                agree(&lens, &c, &input);
            }
        }
        assert!(accepted > 1000, "{accepted} codes accepted");
        // The one incomplete code zlib accepts, and the empty code.
        agree(&[0, 1, 0], &code(&[0, 1, 0]).unwrap(), &[0b10, 0xff]);
        agree(&[0, 0], &code(&[0, 0]).unwrap(), &[0x00, 0xff]);
    }
}
