//! Helpers that keep loading cheap: tables parsed on first use, a fast hasher for the
//! internal indexes and an index of row positions by key hash (no key allocation).

use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

/// A value built on first use from an embedded text, or given ready-made.
///
/// [`crate::Kb::embedded`] builds every table this way, so a process pays only for the tables
/// its analyses use, on the thread that first uses them. The embedded texts are checked by
/// [`crate::Kb::embedded_checked`] (run by the tests); should one still fail to parse, the
/// table is empty.
pub(crate) struct Lazy<T> {
    cell: OnceLock<T>,
    /// Knowledge-base file name and content given to `build`.
    file: &'static str,
    text: &'static str,
    build: fn(&'static str, &'static str) -> T,
}

impl<T: Default> Lazy<T> {
    /// A value already built.
    pub(crate) fn ready(value: T) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        Lazy {
            cell,
            file: "",
            text: "",
            build: |_, _| T::default(),
        }
    }

    /// A value built from `text` (the content of `file`) on first use.
    pub(crate) fn deferred(
        file: &'static str,
        text: &'static str,
        build: fn(&'static str, &'static str) -> T,
    ) -> Self {
        Lazy {
            cell: OnceLock::new(),
            file,
            text,
            build,
        }
    }

    /// The value, built now if it was not yet.
    pub(crate) fn get(&self) -> &T {
        self.cell.get_or_init(|| {
            let start = std::time::Instant::now();
            let value = (self.build)(self.file, self.text);
            if std::env::var_os("UNMASK_KB_TIMING").is_some() {
                eprintln!(
                    "  kb {}: parsed on first use in {:.2} ms",
                    self.file,
                    start.elapsed().as_secs_f64() * 1000.0
                );
            }
            value
        })
    }
}

impl<T: Default> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::ready(T::default())
    }
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy {
            cell: self.cell.clone(),
            file: self.file,
            text: self.text,
            build: self.build,
        }
    }
}

impl<T: Default + std::fmt::Debug> std::fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// The Fx hash (rustc's): a multiply and a rotate per 8 bytes. For the internal indexes only:
/// their keys come from the knowledge base, and input strings are only looked up, so a
/// crafted input cannot make them degrade.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(rest) {
                *d = *s;
            }
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `BuildHasher` of [`FxHasher`].
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
/// A `HashSet` with [`FxHasher`].
pub(crate) type FxHashSet<T> = std::collections::HashSet<T, FxBuild>;

/// The Fx hash of a key.
pub(crate) fn fx_hash(key: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    key.hash(&mut h);
    h.finish()
}

/// Positions of rows found by [`HashIndex::find`], in increasing order.
pub(crate) type Positions<'a> =
    std::iter::Map<std::slice::Iter<'a, (u64, u32)>, fn(&(u64, u32)) -> usize>;

/// Row positions sorted by the hash of their key, then by key, then by position: the rows
/// with one key are a contiguous run, found by a binary search on the hash and a comparison
/// of the keys (so a hash collision costs a comparison, never a wrong answer). Built without
/// allocating a key per row.
#[derive(Debug, Clone, Default)]
pub(crate) struct HashIndex {
    entries: Vec<(u64, u32)>,
}

impl HashIndex {
    /// Indexes the rows that have a key.
    pub(crate) fn build<'a, T, K: Hash + Ord>(
        rows: &'a [T],
        key: impl Fn(&'a T) -> Option<K>,
    ) -> Self {
        let mut entries: Vec<(u64, u32)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((fx_hash(key(r)?), u32::try_from(i).ok()?)))
            .collect();
        // By hash first: the keys are compared only when their hashes are equal.
        entries.sort_unstable_by(|&(ha, ia), &(hb, ib)| {
            ha.cmp(&hb).then_with(|| {
                let ka = rows.get(ia as usize).and_then(&key);
                let kb = rows.get(ib as usize).and_then(&key);
                ka.cmp(&kb).then(ia.cmp(&ib))
            })
        });
        HashIndex { entries }
    }

    /// Positions of the rows whose key is `want`, in increasing order.
    pub(crate) fn find<'a, T, K: Hash + Eq>(
        &self,
        rows: &'a [T],
        key: impl Fn(&'a T) -> Option<K>,
        want: K,
    ) -> Positions<'_> {
        let hash = fx_hash(&want);
        let start = self.entries.partition_point(|(h, _)| *h < hash);
        let same_hash = self.entries.get(start..).unwrap_or_default();
        let is_want = |e: &(u64, u32)| {
            e.0 == hash && rows.get(e.1 as usize).and_then(&key).as_ref() == Some(&want)
        };
        let first = same_hash
            .iter()
            .take_while(|(h, _)| *h == hash)
            .position(is_want)
            .unwrap_or(same_hash.len());
        let run = same_hash.get(first..).unwrap_or_default();
        let len = run.iter().take_while(|e| is_want(e)).count();
        let position: fn(&(u64, u32)) -> usize = |(_, i)| *i as usize;
        run.get(..len).unwrap_or_default().iter().map(position)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn index_finds_every_row_of_a_key_in_order() {
        let keys = ["a", "b", "a", "c", "", "a"];
        fn key<'a>(k: &&'a str) -> Option<&'a str> {
            Some(*k)
        }
        let idx = HashIndex::build(&keys, key);
        for k in keys.iter().chain(&["zz"]) {
            let got: Vec<usize> = idx.find(&keys, key, *k).collect();
            let want: Vec<usize> = (0..keys.len()).filter(|i| keys[*i] == *k).collect();
            assert_eq!(got, want, "{k:?}");
        }
        // Rows without a key are not indexed.
        let idx = HashIndex::build(&keys, |k| Some(*k).filter(|k| !k.is_empty()));
        assert_eq!(idx.find(&keys, key, "").count(), 0);
        // Lengths 0..=17 hash differently from their prefixes (the tail is not dropped).
        let s = "abcdefghijklmnopq";
        let hashes: FxHashSet<u64> = (0..=s.len()).map(|n| fx_hash(&s[..n])).collect();
        assert_eq!(hashes.len(), s.len() + 1);
    }

    /// Keys whose hashes collide are told apart by comparing them.
    #[test]
    fn colliding_hashes_are_told_apart() {
        #[derive(PartialEq, Eq, PartialOrd, Ord, Debug, Clone, Copy)]
        struct K(u8);
        impl Hash for K {
            fn hash<H: Hasher>(&self, h: &mut H) {
                h.write_u8(0);
            }
        }
        let rows = [K(2), K(1), K(2), K(3), K(1)];
        let idx = HashIndex::build(&rows, |k| Some(*k));
        for (want, pos) in [
            (K(1), vec![1, 4]),
            (K(2), vec![0, 2]),
            (K(3), vec![3]),
            (K(9), vec![]),
        ] {
            assert_eq!(idx.find(&rows, |k| Some(*k), want).collect::<Vec<_>>(), pos);
        }
    }
}
