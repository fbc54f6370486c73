//! Resource table (`resources.arsc`) reader: lazy, zero-copy.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;

use crate::chunk::{
    u16_at, u32_at, u8_at, ChunkHeader, ChunkIter, RES_STRING_POOL_TYPE, RES_TABLE_LIBRARY_TYPE,
    RES_TABLE_OVERLAYABLE_POLICY_TYPE, RES_TABLE_OVERLAYABLE_TYPE, RES_TABLE_PACKAGE_TYPE,
    RES_TABLE_STAGED_ALIAS_TYPE, RES_TABLE_TYPE, RES_TABLE_TYPE_SPEC_TYPE, RES_TABLE_TYPE_TYPE,
};
use crate::string_pool::StringPool;
use crate::value::{self, TYPE_BAG};
use crate::{Anomalies, Config, ResError, Value};

pub use crate::config::locale_of_qualifiers;

/// `ResTable_entry::FLAG_COMPLEX`.
pub const FLAG_COMPLEX: u16 = 0x0001;
/// `ResTable_entry::FLAG_COMPACT`.
pub const FLAG_COMPACT: u16 = 0x0008;
/// `ResTable_type::FLAG_SPARSE`.
pub const TYPE_FLAG_SPARSE: u8 = 0x01;
/// `ResTable_type::FLAG_OFFSET16`.
pub const TYPE_FLAG_OFFSET16: u8 = 0x02;

/// String text decoded by one [`ResourceTable::entries`] / [`ResourceTable::values`] call.
pub const VALUE_STRING_BUDGET: usize = 8 << 20;

/// Maximum reference-chain depth followed by [`ResourceTable::resolve_string`].
pub const MAX_REFERENCE_DEPTH: usize = 16;

/// One `ResTable_type` chunk (one configuration of one type), indexed but not decoded.
#[derive(Debug, Clone)]
struct TypeChunk<'a> {
    config: Config,
    flags: u8,
    /// Number of usable slots in `offsets` (clamped to the bytes present).
    count: usize,
    offsets: &'a [u8],
    /// Entry data (from `entriesStart` to the chunk end).
    entries: &'a [u8],
}

#[derive(Debug, Clone, Default)]
struct TypeGroup<'a> {
    chunks: Vec<TypeChunk<'a>>,
}

/// One package (`ResTable_package`) of the table.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// Package id (0x7f for apps, 0x01 for the framework).
    pub id: u32,
    /// Package name from the header.
    pub name: String,
    type_strings: StringPool<'a>,
    key_strings: StringPool<'a>,
    /// Indexed by type id - 1.
    types: Vec<TypeGroup<'a>>,
}

impl Package<'_> {
    /// Number of type ids in this package that have data.
    pub fn type_count(&self) -> usize {
        self.types.len()
    }

    /// Name of type id `t` (1-based), e.g. "string".
    pub fn type_name(&self, t: u8) -> Option<String> {
        self.type_strings.get(u32::from(t).checked_sub(1)?)
    }
}

/// Value of one resource entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum EntryValue {
    /// A plain `Res_value`.
    Simple(Value),
    /// A complex (map / bag) entry: style, array, plurals, attr...
    Bag {
        /// Parent resource id (0 = none).
        parent: u32,
        /// `(name, value)` pairs.
        items: Vec<(u32, Value)>,
    },
}

/// One configuration's entry of a resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Configuration of the type chunk the entry came from.
    pub config: Config,
    /// Index of the key in the package's key string pool.
    pub key_index: u32,
    /// `(dataType, data)` exactly as stored, for a simple entry.
    pub raw: Option<(u8, u32)>,
    /// The entry's value.
    pub value: EntryValue,
}

/// A decoded entry: key index, raw `(dataType, data)` for simple entries, value.
type RawEntry = (u32, Option<(u8, u32)>, EntryValue);

/// A resource table over borrowed bytes.
#[derive(Debug)]
pub struct ResourceTable<'a> {
    strings: StringPool<'a>,
    packages: Vec<Package<'a>>,
    anomalies: Vec<String>,
}

fn check_count(what: &str, declared: u32, room: usize, an: &mut Anomalies) -> usize {
    let d = declared as usize;
    if d > room {
        an.push(format!(
            "{what} declares {declared} entries but only {room} fit"
        ));
        room
    } else {
        d
    }
}

impl<'a> ResourceTable<'a> {
    /// Parses the table structure lazily (string pools and chunk index, no entries decoded).
    pub fn parse(data: &'a [u8]) -> Result<ResourceTable<'a>, ResError> {
        let h = ChunkHeader::read(data, 0).ok_or_else(|| {
            ResError::Malformed(format!(
                "resource table: {} bytes is too short for a chunk header",
                data.len()
            ))
        })?;
        if h.typ != RES_TABLE_TYPE {
            return Err(ResError::Malformed(format!(
                "resource table: chunk type {:#06x} is not RES_TABLE_TYPE (0x0002)",
                h.typ
            )));
        }
        let mut an = Anomalies::default();
        let hs = usize::from(h.header_size);
        if hs < 12 || hs > data.len() {
            return Err(ResError::Malformed(format!(
                "resource table: header size {hs} is invalid"
            )));
        }
        if hs != 12 {
            an.push(format!("table header size {hs} (expected 12)"));
        }
        let declared = h.size as usize;
        let end = crate::chunk::top_level_end(
            declared,
            hs,
            data.len(),
            ("table", "data", "table"),
            &mut an,
        );
        let package_count = u32_at(data, 8).unwrap_or(0);
        let mut strings: Option<StringPool<'a>> = None;
        let mut packages: Vec<Package<'a>> = Vec::new();
        let mut iter = ChunkIter::new(data, hs, end);
        for (off, ch, bytes) in iter.by_ref() {
            match ch.typ {
                RES_STRING_POOL_TYPE => {
                    if strings.is_some() {
                        an.push("multiple global string pools; only the first is used".into());
                    } else {
                        let mut v = Vec::new();
                        strings = Some(StringPool::new(bytes, &mut v));
                        for a in v {
                            an.push(format!("global string pool: {a}"));
                        }
                    }
                }
                RES_TABLE_PACKAGE_TYPE => {
                    if let Some(p) = parse_package(bytes, ch, off, &mut an) {
                        packages.push(p);
                    }
                }
                other => an.push(format!(
                    "unknown table chunk type {other:#06x} at offset {off:#x} skipped"
                )),
            }
        }
        if let Some(why) = iter.bad {
            an.push(format!("table chunk walk stopped: {why}"));
        }
        if packages.len() != package_count as usize {
            an.push(format!(
                "table header declares {package_count} package(s), found {}",
                packages.len()
            ));
        }
        Ok(ResourceTable {
            strings: strings.unwrap_or_default(),
            packages,
            anomalies: an.into_vec(),
        })
    }

    /// The packages of the table, in file order.
    pub fn packages(&self) -> &[Package<'a>] {
        &self.packages
    }

    /// Name of the first package, if any.
    pub fn package_name(&self) -> Option<&str> {
        self.packages.first().map(|p| p.name.as_str())
    }

    fn type_chunks(&self, id: u32) -> impl Iterator<Item = (&Package<'a>, &TypeChunk<'a>)> {
        let pkg = id >> 24;
        let t = ((id >> 16) & 0xff) as usize;
        self.packages
            .iter()
            .filter(move |p| p.id == pkg)
            .flat_map(move |p| {
                t.checked_sub(1)
                    .and_then(|i| p.types.get(i))
                    .map(|g| g.chunks.iter())
                    .into_iter()
                    .flatten()
                    .map(move |c| (p, c))
            })
    }

    /// Every configuration's entry for resource `id`, bags included, decoded on demand.
    ///
    /// String text decoded per call is bounded by [`VALUE_STRING_BUDGET`]; past it (only
    /// possible in a hostile table where many configurations share one huge string) strings
    /// are cut to [`crate::STRING_CUT`] units.
    pub fn entries(&self, id: u32) -> Vec<Entry> {
        let mut budget = VALUE_STRING_BUDGET;
        self.entries_budgeted(id, &mut budget)
    }

    fn entries_budgeted(&self, id: u32, budget: &mut usize) -> Vec<Entry> {
        let e = (id & 0xffff) as usize;
        self.type_chunks(id)
            .filter_map(|(_, c)| {
                let (key_index, raw, value) = self.decode_entry(c, e, budget)?;
                Some(Entry {
                    config: c.config.clone(),
                    key_index,
                    raw,
                    value,
                })
            })
            .collect()
    }

    /// Every configuration's value for resource `id`. A complex (bag) entry is reported as
    /// [`Value::Other`] with `data_type` [`value::TYPE_BAG`] and the parent id as `data`;
    /// use [`ResourceTable::entries`] for its items.
    pub fn values(&self, id: u32) -> Vec<(Config, Value)> {
        self.entries(id)
            .into_iter()
            .map(|en| {
                let v = match en.value {
                    EntryValue::Simple(v) => v,
                    EntryValue::Bag { parent, .. } => Value::Other {
                        data_type: TYPE_BAG,
                        data: parent,
                    },
                };
                (en.config, v)
            })
            .collect()
    }

    /// `type/name` of a resource id, e.g. "string/app_name".
    pub fn name_of(&self, id: u32) -> Option<String> {
        let e = (id & 0xffff) as usize;
        let t = ((id >> 16) & 0xff) as u8;
        self.type_chunks(id).find_map(|(p, c)| {
            let key = entry_key(c, e)?;
            let tn = p.type_name(t)?;
            let kn = p.key_strings.get(key)?;
            Some(format!("{tn}/{kn}"))
        })
    }

    /// String values of `id` in every configuration, following references (bounded depth,
    /// cycle-safe, one string budget of [`VALUE_STRING_BUDGET`] for the whole call).
    /// A reference made in configuration C resolves to the target's value in C,
    /// else its default value, else its first value.
    pub fn resolve_string(&self, id: u32) -> Vec<(Config, String)> {
        let mut seen = HashSet::new();
        let mut memo = HashMap::new();
        let mut budget = VALUE_STRING_BUDGET;
        let out = self.resolve_inner(id, 0, &mut seen, &mut memo, &mut budget);
        drop(memo);
        Rc::try_unwrap(out).unwrap_or_else(|rc| (*rc).clone())
    }

    /// Depth-first resolution; `seen` holds the ids on the current chain (cycle guard) and
    /// `memo` every finished id, so each id is decoded at most once per call (no exponential
    /// blow-up on fan-out chains). Strings copied out of a target count against `budget` too.
    fn resolve_inner(
        &self,
        id: u32,
        depth: usize,
        seen: &mut HashSet<u32>,
        memo: &mut HashMap<u32, Rc<Vec<(Config, String)>>>,
        budget: &mut usize,
    ) -> Rc<Vec<(Config, String)>> {
        if let Some(done) = memo.get(&id) {
            return Rc::clone(done);
        }
        if depth >= MAX_REFERENCE_DEPTH || !seen.insert(id) {
            return Rc::new(Vec::new());
        }
        let mut out = Vec::new();
        for en in self.entries_budgeted(id, budget) {
            let (cfg, v) = match en.value {
                EntryValue::Simple(v) => (en.config, v),
                EntryValue::Bag { .. } => continue,
            };
            match v {
                Value::String(s) => out.push((cfg, String::from(s))),
                Value::Reference(r) | Value::DynamicReference(r) if r != 0 => {
                    let targets =
                        self.resolve_inner(r, depth.saturating_add(1), seen, memo, budget);
                    let pick = targets
                        .iter()
                        .find(|(c, _)| *c == cfg)
                        .or_else(|| targets.iter().find(|(c, _)| c.qualifiers.is_empty()))
                        .or_else(|| targets.first());
                    if let Some((_, s)) = pick {
                        let copy = if *budget >= s.len() {
                            *budget = budget.saturating_sub(s.len());
                            s.clone()
                        } else {
                            s.chars().take(crate::STRING_CUT).collect()
                        };
                        out.push((cfg, copy));
                    }
                }
                _ => {}
            }
        }
        seen.remove(&id);
        let out = Rc::new(out);
        memo.insert(id, Rc::clone(&out));
        out
    }

    /// Anomalies seen while parsing.
    pub fn anomalies(&self) -> &[String] {
        &self.anomalies
    }

    fn decode_value(&self, data_type: u8, data: u32, budget: &mut usize) -> Value {
        if data_type != value::TYPE_STRING {
            return value::decode(data_type, data, &StringPool::default());
        }
        let max = if *budget > 0 {
            *budget
        } else {
            crate::STRING_CUT
        };
        match self.strings.get_limited(data, max) {
            Some(s) => {
                *budget = budget.saturating_sub(s.text.len());
                Value::String(s.text.into())
            }
            None => Value::Other { data_type, data },
        }
    }

    /// Every resource id that has an entry in at least one configuration, sorted.
    pub fn ids(&self) -> Vec<u32> {
        let mut out = std::collections::BTreeSet::new();
        for p in &self.packages {
            for (ti, g) in p.types.iter().enumerate() {
                let Ok(t) = u32::try_from(ti.saturating_add(1)) else {
                    continue;
                };
                let base = (p.id << 24) | ((t & 0xff) << 16);
                for c in &g.chunks {
                    if c.flags & TYPE_FLAG_SPARSE != 0 {
                        for i in 0..c.count {
                            if let Some(idx) = i.checked_mul(4).and_then(|o| u16_at(c.offsets, o)) {
                                out.insert(base | u32::from(idx));
                            }
                        }
                    } else {
                        for i in 0..c.count.min(0x1_0000) {
                            if entry_offset(c, i).is_some() {
                                out.insert(base | (i as u32));
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// Distinct configurations present in the table, in first-seen order.
    pub fn configs(&self) -> Vec<Config> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for p in &self.packages {
            for g in &p.types {
                for c in &g.chunks {
                    if seen.insert(c.config.qualifiers.as_str()) {
                        out.push(c.config.clone());
                    }
                }
            }
        }
        out
    }

    fn decode_entry(&self, c: &TypeChunk<'a>, e: usize, budget: &mut usize) -> Option<RawEntry> {
        let off = entry_offset(c, e)?;
        let ent = c.entries.get(off..)?;
        let flags = u16_at(ent, 2)?;
        if flags & FLAG_COMPACT != 0 {
            let key = u32::from(u16_at(ent, 0)?);
            let data_type = (flags >> 8) as u8;
            let data = u32_at(ent, 4)?;
            return Some((
                key,
                Some((data_type, data)),
                EntryValue::Simple(self.decode_value(data_type, data, budget)),
            ));
        }
        let size = usize::from(u16_at(ent, 0)?);
        let key = u32_at(ent, 4)?;
        if flags & FLAG_COMPLEX != 0 {
            let parent = u32_at(ent, 8)?;
            let count = u32_at(ent, 12)?;
            let maps = ent.get(size.max(16)..).unwrap_or(&[]);
            let n = (count as usize).min(maps.len() / 12);
            let mut items = Vec::with_capacity(n);
            for i in 0..n {
                let Some(m) = i.checked_mul(12).and_then(|o| maps.get(o..)) else {
                    break;
                };
                let (Some(name), Some(dt), Some(data)) = (u32_at(m, 0), u8_at(m, 7), u32_at(m, 8))
                else {
                    break;
                };
                items.push((name, self.decode_value(dt, data, budget)));
            }
            return Some((key, None, EntryValue::Bag { parent, items }));
        }
        let v = ent.get(size.max(8)..)?;
        let dt = u8_at(v, 3)?;
        let data = u32_at(v, 4)?;
        Some((
            key,
            Some((dt, data)),
            EntryValue::Simple(self.decode_value(dt, data, budget)),
        ))
    }
}

fn entry_offset(c: &TypeChunk<'_>, e: usize) -> Option<usize> {
    if c.flags & TYPE_FLAG_SPARSE != 0 {
        // Sorted (u16 index, u16 offset / 4) pairs.
        let (mut lo, mut hi) = (0usize, c.count);
        while lo < hi {
            let mid = lo.checked_add(hi.checked_sub(lo)? / 2)?;
            let o = mid.checked_mul(4)?;
            let idx = usize::from(u16_at(c.offsets, o)?);
            match idx.cmp(&e) {
                std::cmp::Ordering::Equal => {
                    let v = usize::from(u16_at(c.offsets, o.checked_add(2)?)?);
                    return v.checked_mul(4);
                }
                std::cmp::Ordering::Less => lo = mid.checked_add(1)?,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        return None;
    }
    if e >= c.count {
        return None;
    }
    if c.flags & TYPE_FLAG_OFFSET16 != 0 {
        let v = u16_at(c.offsets, e.checked_mul(2)?)?;
        if v == 0xffff {
            return None;
        }
        return usize::from(v).checked_mul(4);
    }
    let v = u32_at(c.offsets, e.checked_mul(4)?)?;
    if v == 0xffff_ffff {
        return None;
    }
    Some(v as usize)
}

fn entry_key(c: &TypeChunk<'_>, e: usize) -> Option<u32> {
    let ent = c.entries.get(entry_offset(c, e)?..)?;
    let flags = u16_at(ent, 2)?;
    if flags & FLAG_COMPACT != 0 {
        Some(u32::from(u16_at(ent, 0)?))
    } else {
        u32_at(ent, 4)
    }
}

fn parse_package<'a>(
    bytes: &'a [u8],
    ch: ChunkHeader,
    off: usize,
    an: &mut Anomalies,
) -> Option<Package<'a>> {
    let hs = usize::from(ch.header_size);
    if hs < 284 {
        an.push(format!(
            "package chunk at {off:#x} header size {hs} < 284; skipped"
        ));
        return None;
    }
    let id = u32_at(bytes, 8)?;
    let name_units: Vec<u16> = (0..128usize)
        .map_while(|i| u16_at(bytes, 12usize.checked_add(i.checked_mul(2)?)?))
        .take_while(|&u| u != 0)
        .collect();
    let name = String::from_utf16_lossy(&name_units);
    let type_strings_off = u32_at(bytes, 268)? as usize;
    let key_strings_off = u32_at(bytes, 276)? as usize;
    let type_id_offset = if hs >= 288 {
        u32_at(bytes, 284).unwrap_or(0)
    } else {
        0
    };
    if type_id_offset != 0 {
        an.push(format!("package {name} has typeIdOffset {type_id_offset}"));
    }
    let mut type_strings: Option<StringPool<'a>> = None;
    let mut key_strings: Option<StringPool<'a>> = None;
    let mut types: Vec<TypeGroup<'a>> = Vec::new();
    let mut iter = ChunkIter::new(bytes, hs, bytes.len());
    for (coff, c, cb) in iter.by_ref() {
        match c.typ {
            RES_STRING_POOL_TYPE => {
                let mut v = Vec::new();
                let pool = StringPool::new(cb, &mut v);
                for a in v {
                    an.push(format!("package {name} string pool: {a}"));
                }
                if coff == type_strings_off && type_strings.is_none() {
                    type_strings = Some(pool);
                } else if coff == key_strings_off && key_strings.is_none() {
                    key_strings = Some(pool);
                } else if type_strings.is_none() {
                    an.push(format!(
                        "package {name}: type strings not at the declared offset"
                    ));
                    type_strings = Some(pool);
                } else if key_strings.is_none() {
                    an.push(format!(
                        "package {name}: key strings not at the declared offset"
                    ));
                    key_strings = Some(pool);
                } else {
                    an.push(format!("package {name}: extra string pool ignored"));
                }
            }
            RES_TABLE_TYPE_SPEC_TYPE => {
                if u8_at(cb, 8).unwrap_or(0) == 0 {
                    an.push(format!("package {name}: typeSpec with type id 0"));
                }
            }
            RES_TABLE_TYPE_TYPE => {
                if let Some((tid, tc)) = parse_type(cb, c, &name, an) {
                    let idx = usize::from(tid).saturating_sub(1);
                    if types.len() <= idx {
                        types.resize_with(idx.saturating_add(1), TypeGroup::default);
                    }
                    if let Some(g) = types.get_mut(idx) {
                        g.chunks.push(tc);
                    }
                }
            }
            RES_TABLE_LIBRARY_TYPE
            | RES_TABLE_OVERLAYABLE_TYPE
            | RES_TABLE_OVERLAYABLE_POLICY_TYPE
            | RES_TABLE_STAGED_ALIAS_TYPE => {}
            other => an.push(format!(
                "package {name}: unknown chunk type {other:#06x} skipped"
            )),
        }
    }
    if let Some(why) = iter.bad {
        an.push(format!("package {name}: chunk walk stopped: {why}"));
    }
    Some(Package {
        id,
        name,
        type_strings: type_strings.unwrap_or_default(),
        key_strings: key_strings.unwrap_or_default(),
        types,
    })
}

fn parse_type<'a>(
    cb: &'a [u8],
    c: ChunkHeader,
    pkg: &str,
    an: &mut Anomalies,
) -> Option<(u8, TypeChunk<'a>)> {
    let hs = usize::from(c.header_size);
    let tid = u8_at(cb, 8)?;
    let flags = u8_at(cb, 9)?;
    let entry_count = u32_at(cb, 12)?;
    let entries_start = u32_at(cb, 16)? as usize;
    if tid == 0 || hs < 20 || hs > cb.len() {
        an.push(format!(
            "package {pkg}: type chunk with id {tid} / header size {hs} skipped"
        ));
        return None;
    }
    let config = Config {
        qualifiers: crate::config::qualifiers(cb.get(20..hs).unwrap_or(&[])),
    };
    if entries_start < hs || entries_start > cb.len() {
        an.push(format!(
            "package {pkg}: type {tid} entriesStart {entries_start:#x} out of its chunk; skipped"
        ));
        return None;
    }
    let offsets = cb.get(hs..entries_start).unwrap_or(&[]);
    let width = if flags & (TYPE_FLAG_SPARSE | TYPE_FLAG_OFFSET16) != 0 {
        if flags & TYPE_FLAG_SPARSE != 0 {
            4
        } else {
            2
        }
    } else {
        4
    };
    let count = check_count(
        &format!("package {pkg}: type {tid} ({})", config.qualifiers),
        entry_count,
        offsets.len() / width,
        an,
    );
    let entries = cb.get(entries_start..).unwrap_or(&[]);
    Some((
        tid,
        TypeChunk {
            config,
            flags,
            count,
            offsets,
            entries,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::chunk::build_chunk_for_tests as chunk;
    use crate::string_pool::build_pool_for_tests;

    fn utf8_pool(strs: &[&str]) -> Vec<u8> {
        let bodies: Vec<Vec<u8>> = strs
            .iter()
            .map(|s| {
                let mut b = vec![s.len() as u8, s.len() as u8];
                b.extend_from_slice(s.as_bytes());
                b.push(0);
                b
            })
            .collect();
        build_pool_for_tests(&bodies, true)
    }

    fn simple(key: u32, dt: u8, data: u32) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(&8u16.to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        e.extend_from_slice(&key.to_le_bytes());
        e.extend_from_slice(&8u16.to_le_bytes());
        e.push(0);
        e.push(dt);
        e.extend_from_slice(&data.to_le_bytes());
        e
    }

    fn compact(key: u16, dt: u8, data: u32) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(&key.to_le_bytes());
        e.extend_from_slice(&((u16::from(dt) << 8) | FLAG_COMPACT).to_le_bytes());
        e.extend_from_slice(&data.to_le_bytes());
        e
    }

    fn bag(key: u32, parent: u32, items: &[(u32, u8, u32)]) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(&16u16.to_le_bytes());
        e.extend_from_slice(&FLAG_COMPLEX.to_le_bytes());
        e.extend_from_slice(&key.to_le_bytes());
        e.extend_from_slice(&parent.to_le_bytes());
        e.extend_from_slice(&(items.len() as u32).to_le_bytes());
        for &(n, dt, d) in items {
            e.extend_from_slice(&n.to_le_bytes());
            e.extend_from_slice(&8u16.to_le_bytes());
            e.push(0);
            e.push(dt);
            e.extend_from_slice(&d.to_le_bytes());
        }
        e
    }

    fn config(lang: &[u8; 2]) -> Vec<u8> {
        let mut c = vec![0u8; 64];
        c[0] = 64;
        if lang != b"\0\0" {
            c[8..10].copy_from_slice(lang);
        }
        c
    }

    /// A type chunk. `slots`: per entry index, Some(entry bytes) or None.
    fn type_chunk(flags: u8, lang: &[u8; 2], slots: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut offsets = Vec::new();
        let mut entries = Vec::new();
        let mut present = 0u32;
        for (i, s) in slots.iter().enumerate() {
            match (s, flags) {
                (Some(e), TYPE_FLAG_SPARSE) => {
                    offsets.extend_from_slice(&(i as u16).to_le_bytes());
                    offsets.extend_from_slice(&((entries.len() / 4) as u16).to_le_bytes());
                    entries.extend_from_slice(e);
                    present += 1;
                }
                (None, TYPE_FLAG_SPARSE) => {}
                (Some(e), TYPE_FLAG_OFFSET16) => {
                    offsets.extend_from_slice(&((entries.len() / 4) as u16).to_le_bytes());
                    entries.extend_from_slice(e);
                }
                (None, TYPE_FLAG_OFFSET16) => offsets.extend_from_slice(&0xffffu16.to_le_bytes()),
                (Some(e), _) => {
                    offsets.extend_from_slice(&(entries.len() as u32).to_le_bytes());
                    entries.extend_from_slice(e);
                }
                (None, _) => offsets.extend_from_slice(&0xffff_ffffu32.to_le_bytes()),
            }
        }
        while offsets.len() % 4 != 0 {
            offsets.push(0);
        }
        let count = if flags == TYPE_FLAG_SPARSE {
            present
        } else {
            slots.len() as u32
        };
        let hs = 8 + 12 + 64;
        let mut h = vec![1u8, flags, 0, 0];
        h.extend_from_slice(&count.to_le_bytes());
        h.extend_from_slice(&((hs + offsets.len()) as u32).to_le_bytes());
        h.extend_from_slice(&config(lang));
        let mut body = offsets;
        body.extend(entries);
        chunk(RES_TABLE_TYPE_TYPE, &h, &body)
    }

    const REF: u8 = crate::value::TYPE_REFERENCE;
    const STR: u8 = crate::value::TYPE_STRING;

    fn table() -> Vec<u8> {
        let global = utf8_pool(&["hello", "bonjour", "hallo"]);
        let types = utf8_pool(&["string"]);
        let keys = utf8_pool(&["a", "b", "c"]);
        let mut spec_h = vec![1u8, 0, 0, 0];
        spec_h.extend_from_slice(&3u32.to_le_bytes());
        let spec = chunk(RES_TABLE_TYPE_SPEC_TYPE, &spec_h, &[0; 12]);
        // default: a = "hello", b missing, c = bag
        let t_default = type_chunk(
            0,
            b"\0\0",
            &[
                Some(simple(0, STR, 0)),
                None,
                Some(bag(2, 0, &[(0x0101_0003, 0x10, 7)])),
            ],
        );
        // fr (sparse): a = "bonjour", b = @a
        let t_fr = type_chunk(
            TYPE_FLAG_SPARSE,
            b"fr",
            &[
                Some(simple(0, STR, 1)),
                Some(simple(1, REF, 0x7f01_0000)),
                None,
            ],
        );
        // de (offset16, compact entries): a = "hallo", c = @b (b: fr only, then first)
        let t_de = type_chunk(
            TYPE_FLAG_OFFSET16,
            b"de",
            &[
                Some(compact(0, STR, 2)),
                None,
                Some(compact(2, REF, 0x7f01_0001)),
            ],
        );
        let mut ph = Vec::new();
        ph.extend_from_slice(&0x7fu32.to_le_bytes());
        let mut name = [0u8; 256];
        for (i, c) in "com.example".encode_utf16().enumerate() {
            name[i * 2..i * 2 + 2].copy_from_slice(&c.to_le_bytes());
        }
        ph.extend_from_slice(&name);
        let type_off = 288u32;
        let key_off = type_off + types.len() as u32;
        for v in [type_off, 1, key_off, 3, 0] {
            ph.extend_from_slice(&v.to_le_bytes());
        }
        let mut pbody = Vec::new();
        pbody.extend(types);
        pbody.extend(keys);
        pbody.extend(spec);
        pbody.extend(t_default);
        pbody.extend(t_fr);
        pbody.extend(t_de);
        pbody.extend(chunk(RES_TABLE_LIBRARY_TYPE, &[0; 4], &[]));
        let pkg = chunk(RES_TABLE_PACKAGE_TYPE, &ph, &pbody);
        let mut body = global;
        body.extend(pkg);
        chunk(RES_TABLE_TYPE, &1u32.to_le_bytes(), &body)
    }

    fn q(v: &[(Config, String)]) -> Vec<(String, String)> {
        let mut r: Vec<_> = v
            .iter()
            .map(|(c, s)| (c.qualifiers.clone(), s.clone()))
            .collect();
        r.sort();
        r
    }

    #[test]
    fn sparse_offset16_compact_and_bags() {
        let data = table();
        let t = ResourceTable::parse(&data).unwrap();
        assert!(t.anomalies().is_empty(), "{:?}", t.anomalies());
        assert_eq!(t.package_name(), Some("com.example"));
        assert_eq!(t.name_of(0x7f01_0000).as_deref(), Some("string/a"));
        assert_eq!(t.name_of(0x7f01_0001).as_deref(), Some("string/b"));
        assert_eq!(t.name_of(0x7f01_0002).as_deref(), Some("string/c"));
        assert_eq!(t.name_of(0x7f01_0003), None);
        let a = t.values(0x7f01_0000);
        assert_eq!(
            a,
            vec![
                (
                    Config {
                        qualifiers: String::new()
                    },
                    Value::String("hello".into())
                ),
                (
                    Config {
                        qualifiers: "fr".into()
                    },
                    Value::String("bonjour".into())
                ),
                (
                    Config {
                        qualifiers: "de".into()
                    },
                    Value::String("hallo".into())
                ),
            ]
        );
        let c = t.entries(0x7f01_0002);
        assert_eq!(
            c[0].value,
            EntryValue::Bag {
                parent: 0,
                items: vec![(0x0101_0003, Value::IntDec(7))]
            }
        );
        assert_eq!(c[0].key_index, 2);
        assert_eq!(
            t.values(0x7f01_0002)[0].1,
            Value::Other {
                data_type: TYPE_BAG,
                data: 0
            }
        );
        // b = @a in fr → "bonjour"; c in de = @b → b has only fr → its first value.
        assert_eq!(
            q(&t.resolve_string(0x7f01_0001)),
            vec![("fr".into(), "bonjour".into())]
        );
        assert_eq!(
            q(&t.resolve_string(0x7f01_0002)),
            vec![("de".into(), "bonjour".into())]
        );
    }

    #[test]
    fn reference_cycles_terminate() {
        let mut data = table();
        // Point a's default value at itself: "hello" (string 0) → reference to 0x7f010000.
        let pos = data
            .windows(8)
            .position(|w| w == [8, 0, 0, STR, 0, 0, 0, 0])
            .unwrap();
        data[pos + 3] = REF;
        data[pos + 4..pos + 8].copy_from_slice(&0x7f01_0000u32.to_le_bytes());
        let t = ResourceTable::parse(&data).unwrap();
        let r = q(&t.resolve_string(0x7f01_0000));
        assert_eq!(
            r,
            vec![
                ("de".into(), "hallo".into()),
                ("fr".into(), "bonjour".into())
            ]
        );
    }

    #[test]
    fn truncations_and_lies_never_panic() {
        let data = table();
        for n in 0..data.len() {
            if let Ok(t) = ResourceTable::parse(&data[..n]) {
                for id in 0x7f01_0000..0x7f01_0004 {
                    let _ = t.values(id);
                    let _ = t.name_of(id);
                    let _ = t.resolve_string(id);
                }
            }
        }
        // Huge entry count in every type chunk.
        let mut d = data.clone();
        let mut i = 0;
        while let Some(p) = d[i..]
            .windows(4)
            .position(|w| w == [0x01, 0x02, 0x54, 0x00])
        {
            let at = i + p;
            d[at + 12..at + 16].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
            i = at + 4;
        }
        let t = ResourceTable::parse(&d).unwrap();
        assert!(
            t.anomalies().iter().any(|a| a.contains("declares")),
            "{:?}",
            t.anomalies()
        );
        let _ = t.values(0x7f01_0000);
        assert!(ResourceTable::parse(b"\x03\x00\x08\x00\x08\x00\x00\x00").is_err());
    }
}
