//! The index of the embedded indicators, computed by `build.rs` with the functions of
//! [`crate::norm`] (the same that index a user feed) and compiled in as static tables, so that
//! [`crate::IocSet::load_embedded`] builds no map. Per slot, a table of (key, indicator)
//! sorted by key, and an open-addressing hash table over it (with [`key_hash`], the same at
//! build time and here): a fact's normalised value costs one hash and about one probe, as in
//! a run-time map.

use crate::norm::{key_hash, Slot};
use crate::EmbeddedRef;

/// An embedded indicator's record, as the generated tables write it.
const fn r(offset: u32, source: u32) -> EmbeddedRef {
    EmbeddedRef { offset, source }
}

include!(concat!(env!("OUT_DIR"), "/embedded_index.rs"));

/// Blob offsets of the source headers.
pub(crate) fn source_offsets() -> &'static [u32] {
    SOURCE_AT
}

/// The embedded indicators, by number.
pub(crate) fn refs() -> &'static [EmbeddedRef] {
    REFS
}

/// The records the load still reads, in blob order: (offset, source, the number the
/// indicator gets if its pattern type is STIX). Patterns not of the simple form are parsed
/// then; other pattern types give a warning.
pub(crate) fn load_work() -> &'static [(u32, u32, u32)] {
    LOAD_WORK
}

/// IPv4 networks: (network, mask, indicator number).
pub(crate) fn cidrs() -> &'static [(u32, u32, u32)] {
    CIDRS
}

/// The longest key of the host slot.
pub(crate) const fn max_host_len() -> usize {
    MAX_HOST_LEN
}

fn table(slot: Slot) -> &'static [(u32, u32, u32)] {
    TABLES.get(slot as usize).copied().unwrap_or(&[])
}

fn key_of(&(start, end, _): &(u32, u32, u32)) -> &'static [u8] {
    KEYS.as_bytes()
        .get(start as usize..end as usize)
        .unwrap_or(&[])
}

/// The first entry of `key` in the table of `slot`, found through its hash table.
fn find(slot: Slot, key: &[u8], h: u64) -> Option<usize> {
    let table = table(slot);
    let tags = TAGS.get(slot as usize).copied().unwrap_or(&[]);
    let firsts = FIRSTS.get(slot as usize).copied().unwrap_or(&[]);
    let mask = tags.len().checked_sub(1)?;
    let tag = 0x80 | (h >> 57) as u8;
    let mut at = (h as usize) & mask;
    // At most half full: an empty bucket ends every probe; the bound is only a safeguard.
    for _ in 0..tags.len() {
        match *tags.get(at)? {
            0 => return None,
            t if t == tag => {
                let first = *firsts.get(at)? as usize;
                if table.get(first).map(key_of) == Some(key) {
                    return Some(first);
                }
            }
            _ => {}
        }
        at = at.wrapping_add(1) & mask;
    }
    None
}

/// The indicators whose (only) comparison has the normalised value `key` in `slot`, ascending.
pub(crate) fn postings(slot: Slot, key: &str) -> impl Iterator<Item = u32> + '_ {
    let table = table(slot);
    let first = find(slot, key.as_bytes(), key_hash(key)).unwrap_or(table.len());
    table
        .get(first..)
        .unwrap_or(&[])
        .iter()
        .take_while(move |e| key_of(e) == key.as_bytes())
        .map(|&(_, _, i)| i)
}

/// Every (key, indicator) of `slot`, in table order.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn entries(slot: Slot) -> impl Iterator<Item = (&'static str, u32)> {
    table(slot)
        .iter()
        .map(|e| (std::str::from_utf8(key_of(e)).unwrap_or(""), e.2))
}
