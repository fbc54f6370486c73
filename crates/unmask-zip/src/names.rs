//! Entry-name checks. Names are data, never paths: these checks only *classify* them.

/// Why a name would be dangerous if someone used it as a path. Empty when safe.
pub(crate) fn unsafe_reasons(raw: &[u8]) -> Vec<&'static str> {
    let mut why = Vec::new();
    if raw.contains(&0) {
        why.push("NUL byte");
    }
    if raw.contains(&b'\\') {
        why.push("backslash");
    }
    if raw.first() == Some(&b'/') {
        why.push("absolute path");
    }
    if let (Some(letter), Some(b':')) = (raw.first(), raw.get(1)) {
        if letter.is_ascii_alphabetic() {
            why.push("drive letter");
        }
    }
    // Splitting into components only when there is a ".." at all (rare).
    if raw.windows(2).any(|w| w == b"..")
        && raw
            .split(|&b| b == b'/' || b == b'\\')
            .any(|component| component == b"..")
    {
        why.push("`..` component");
    }
    why
}

/// True if the name holds ASCII control characters other than NUL (CR, LF, TAB, ...).
pub(crate) fn has_control_chars(raw: &[u8]) -> bool {
    raw.iter().any(|&b| b != 0 && (b < 0x20 || b == 0x7f))
}

/// True when the name certainly has none of the traits above (no byte below 0x20, DEL,
/// backslash, `..`, leading `/` or second byte `:`): one branch-free pass, so that the
/// checks that say why are run only on the rare names that need them.
pub(crate) fn is_plain(raw: &[u8]) -> bool {
    let odd = raw.iter().fold(false, |acc, &b| {
        acc | (b < 0x20) | (b == 0x7f) | (b == b'\\')
    });
    let dots = raw
        .iter()
        .zip(raw.iter().skip(1))
        .fold(false, |acc, (&a, &b)| acc | ((a == b'.') & (b == b'.')));
    !(odd || dots || raw.first() == Some(&b'/') || raw.get(1) == Some(&b':'))
}

/// The first entry of each raw name, for [`crate::Archive::find`] and the duplicate check:
/// an open-addressing table of entry numbers, at most half full, keyed by SipHash with this
/// archive's random keys (names are chosen by the attacker: no collisions on demand). The
/// hashes are computed while the records are walked (in two halves at once on large
/// archives), so building the table is one short pass over a small array. A slot holds the
/// hash's top 24 bits and the entry number plus one (0: empty).
pub(crate) struct NameIndex {
    slots: Vec<u64>,
    keys: std::hash::RandomState,
}

const TAG_SHIFT: u32 = 40;
const NUMBER_MASK: u64 = (1 << TAG_SHIFT) - 1;

impl NameIndex {
    /// An empty index for `n` names.
    pub(crate) fn new(keys: std::hash::RandomState, n: usize) -> Self {
        let size = n.saturating_mul(2).max(16).next_power_of_two();
        NameIndex {
            slots: vec![0; size],
            keys,
        }
    }

    /// Hash of a raw name under `keys` (the keys the index is built with).
    pub(crate) fn hash(keys: &std::hash::RandomState, raw: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        keys.hash_one(raw)
    }

    /// The entry number stored for `raw` (whose hash is `hash`), or the free slot where it
    /// goes. `raw_of` gives the raw name of an entry number.
    fn probe<'n>(
        &self,
        hash: u64,
        raw: &[u8],
        raw_of: impl Fn(usize) -> Option<&'n [u8]>,
    ) -> Result<usize, Option<usize>> {
        let mask = self.slots.len().wrapping_sub(1);
        let tag = hash >> TAG_SHIFT;
        let mut at = (hash as usize) & mask;
        // At most half full: a free slot comes long before the end of this bound.
        for _ in 0..self.slots.len() {
            let slot = self.slots.get(at).copied().unwrap_or(0);
            if slot == 0 {
                return Err(Some(at));
            }
            if slot >> TAG_SHIFT == tag {
                let number = ((slot & NUMBER_MASK) as usize).wrapping_sub(1);
                if raw_of(number) == Some(raw) {
                    return Ok(number);
                }
            }
            at = at.wrapping_add(1) & mask;
        }
        Err(None)
    }

    /// Adds the names in entry order (`hashes[i]` is the hash of `raw_of(i)`); returns, for
    /// each entry whose name an earlier entry has, the pair (entry, first entry).
    pub(crate) fn insert_all<'n>(
        &mut self,
        hashes: &[u64],
        raw_of: impl Fn(usize) -> Option<&'n [u8]> + Copy,
    ) -> Vec<(usize, usize)> {
        let mut repeats = Vec::new();
        for (number, &hash) in hashes.iter().enumerate() {
            let Some(raw) = raw_of(number) else { continue };
            match self.probe(hash, raw, raw_of) {
                Ok(first) => repeats.push((number, first)),
                Err(Some(at)) => {
                    if let Some(slot) = self.slots.get_mut(at) {
                        *slot = (hash >> TAG_SHIFT) << TAG_SHIFT
                            | (number as u64).wrapping_add(1) & NUMBER_MASK;
                    }
                }
                Err(None) => {}
            }
        }
        repeats
    }

    /// The first entry named `raw`.
    pub(crate) fn find<'n>(
        &self,
        raw: &[u8],
        raw_of: impl Fn(usize) -> Option<&'n [u8]>,
    ) -> Option<usize> {
        self.probe(Self::hash(&self.keys, raw), raw, raw_of).ok()
    }
}
