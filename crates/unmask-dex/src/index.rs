//! Cross-reference indexes over one or more dex files: use sites of methods, fields, strings
//! and types, and the class hierarchy.
//!
//! Built in one pass over the code of every method (in parallel over dex files with rayon).
//! Sites are stored in one `Vec` grouped by referenced item; a `HashMap` maps the item's
//! descriptor to its group.

use crate::file::{DexFile, NO_INDEX};
use crate::opcode::IndexKind;
use rayon::prelude::*;

/// One use site: where an instruction references an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    /// Index of the dex file in the slice given to [`Index::build`].
    pub dex: u32,
    /// Class definition index of the method containing the reference.
    pub class_def: u32,
    /// Method id (in that dex) of the method containing the reference.
    pub method_idx: u32,
    /// Offset of the instruction in code units.
    pub offset: u32,
}

const NONE: u32 = u32::MAX;

/// Interned keys: one string arena, spans into it, and a hash index by open addressing
/// (randomly keyed, so crafted collisions cannot make lookups quadratic).
#[derive(Debug, Default, Clone)]
struct Keys {
    arena: String,
    spans: Vec<(u32, u32)>,
    /// Hash of each key (its low 32 bits).
    hashes: Vec<u32>,
    /// Open addressing over `hashes`, as in [`RefTable`].
    table: Vec<u32>,
    state: std::hash::RandomState,
}

impl Keys {
    fn hash(&self, key: &str) -> u32 {
        use std::hash::BuildHasher;
        self.state.hash_one(key) as u32
    }

    fn get(&self, id: u32) -> &str {
        let (s, l) = self.spans.get(id as usize).copied().unwrap_or((0, 0));
        self.arena
            .get(s as usize..(s as usize).saturating_add(l as usize))
            .unwrap_or("")
    }

    fn find_hashed(&self, key: &str, h: u32) -> Option<u32> {
        candidates(&self.table, &self.hashes, h).find(|&id| self.get(id) == key)
    }

    fn find(&self, key: &str) -> Option<u32> {
        self.find_hashed(key, self.hash(key))
    }

    fn intern(&mut self, key: &str) -> u32 {
        let h = self.hash(key);
        if let Some(id) = self.find_hashed(key, h) {
            return id;
        }
        let id = self.spans.len() as u32;
        let start = self.arena.len() as u32;
        self.arena.push_str(key);
        self.spans.push((start, key.len() as u32));
        self.hashes.push(h);
        grow_and_place(&mut self.table, &self.hashes, id, h);
        id
    }
}

/// Ids whose hash is `h`, in the probe order of `table` (open addressing with linear probing
/// over `hashes`; `NONE` marks an empty slot; the length is a power of two).
fn candidates<'a>(table: &'a [u32], hashes: &'a [u32], h: u32) -> impl Iterator<Item = u32> + 'a {
    let len = table.len();
    let mask = len.wrapping_sub(1);
    let start = h as usize & mask;
    (0..len)
        .map(move |i| {
            table
                .get(start.wrapping_add(i) & mask)
                .copied()
                .unwrap_or(NONE)
        })
        .take_while(|&id| id != NONE)
        .filter(move |&id| hashes.get(id as usize) == Some(&h))
}

/// Adds `id` (the last of `hashes`, whose hash is `h`) to `table`, first growing the table
/// (and placing the others again) so that it stays at most 3/4 full.
fn grow_and_place(table: &mut Vec<u32>, hashes: &[u32], id: u32, h: u32) {
    let n = hashes.len();
    if n.saturating_mul(4) > table.len().saturating_mul(3) {
        let cap = (n.saturating_mul(4) / 3 + 1).next_power_of_two().max(16);
        *table = vec![NONE; cap];
        for (i, &hi) in hashes.iter().enumerate().take(n.saturating_sub(1)) {
            place(table, hi, i as u32);
        }
    }
    place(table, h, id);
}

/// Use sites grouped by the referenced item.
///
/// To stay compact, the table does not store descriptor strings: each referenced item keeps
/// one representative `(dex, id)` and a hash of its descriptor; lookups by descriptor render
/// the candidates from the dex files, which are therefore passed in again.
#[derive(Debug, Default, Clone)]
pub struct RefTable {
    slot: usize,
    reps: Vec<(u32, u32)>,
    /// Hash of each item's descriptor (its low 32 bits: enough to skip most rendering).
    hashes: Vec<u32>,
    /// Open addressing over `hashes` (linear probing; `NONE` = empty; length a power of two,
    /// at most 3/4 full). The hash is randomly keyed, so crafted collisions cannot make
    /// lookups quadratic.
    table: Vec<u32>,
    state: std::hash::RandomState,
    /// Sites of item `i` are `sites[bounds[i]..bounds[i + 1]]`.
    bounds: Vec<u32>,
    sites: Vec<Site>,
}

impl RefTable {
    fn hash(&self, key: &str) -> u32 {
        use std::hash::BuildHasher;
        self.state.hash_one(key) as u32
    }

    /// Items whose descriptor hashes to `h`, in probe order.
    fn candidates(&self, h: u32) -> impl Iterator<Item = u32> + '_ {
        candidates(&self.table, &self.hashes, h)
    }

    /// Id of the item with this descriptor, if referenced.
    pub fn find(&self, dexes: &[DexFile<'_>], key: &str) -> Option<u32> {
        let mut buf = String::new();
        self.candidates(self.hash(key)).find(|&id| {
            buf.clear();
            self.write_key(dexes, id, &mut buf).is_ok() && buf == key
        })
    }

    fn write_key(&self, dexes: &[DexFile<'_>], id: u32, out: &mut String) -> crate::Result<()> {
        let (d, local) = self
            .reps
            .get(id as usize)
            .copied()
            .ok_or(crate::DexError::BadIndex {
                what: "index key",
                index: id,
                count: self.reps.len() as u32,
            })?;
        let dex = dexes.get(d as usize).ok_or(crate::DexError::BadIndex {
            what: "dex",
            index: d,
            count: dexes.len() as u32,
        })?;
        write_key(dex, self.slot, local, out)
    }

    /// Descriptor of item `id` (rendered from the dex files given to [`Index::build`]).
    pub fn key(&self, dexes: &[DexFile<'_>], id: u32) -> crate::Result<String> {
        let mut s = String::new();
        self.write_key(dexes, id, &mut s)?;
        Ok(s)
    }

    /// Use sites of the item with this descriptor (empty if never referenced).
    pub fn get(&self, dexes: &[DexFile<'_>], key: &str) -> &[Site] {
        self.find(dexes, key).map_or(&[], |k| self.sites(k))
    }

    /// Use sites of item `id`.
    pub fn sites(&self, id: u32) -> &[Site] {
        let i = id as usize;
        match (self.bounds.get(i), self.bounds.get(i.wrapping_add(1))) {
            (Some(&s), Some(&e)) => self.sites.get(s as usize..e as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    /// A representative `(dex, id in that dex)` of item `id`.
    pub fn representative(&self, id: u32) -> Option<(u32, u32)> {
        self.reps.get(id as usize).copied()
    }

    /// Number of distinct referenced items.
    pub fn len(&self) -> usize {
        self.reps.len()
    }

    /// True if nothing is referenced.
    pub fn is_empty(&self) -> bool {
        self.reps.is_empty()
    }

    /// Total number of use sites.
    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    /// Iterates `(item id, sites)` in first-seen order (dex order, then id order).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[Site])> {
        (0..self.reps.len() as u32).map(|i| (i, self.sites(i)))
    }

    /// Approximate heap bytes used.
    pub fn heap_bytes(&self) -> usize {
        self.reps.capacity() * 8
            + self.hashes.capacity() * 4
            + self.table.capacity() * 4
            + self.bounds.capacity() * 4
            + self.sites.capacity() * std::mem::size_of::<Site>()
    }
}

/// Puts `id` in the first free slot of its probe sequence (the table is never full).
fn place(table: &mut [u32], h: u32, id: u32) {
    let len = table.len();
    let mask = len.wrapping_sub(1);
    let mut i = h as usize & mask;
    for _ in 0..len {
        if let Some(s) = table.get_mut(i) {
            if *s == NONE {
                *s = id;
                return;
            }
        }
        i = i.wrapping_add(1) & mask;
    }
}

/// A class in the hierarchy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassNode {
    /// Superclass id, if any.
    pub superclass: Option<u32>,
    /// Interface ids.
    pub interfaces: Vec<u32>,
    /// `(dex, class_def)` of the first definition, or `None` for a class defined in none of the
    /// files (external: framework or library).
    pub defined_in: Option<(u32, u32)>,
    /// Number of further definitions of the same class ignored (multidex duplicates).
    pub duplicate_definitions: u32,
}

/// The class hierarchy across several dex files.
#[derive(Debug, Default, Clone)]
pub struct Hierarchy {
    names: Keys,
    nodes: Vec<ClassNode>,
}

/// Bound on superclass chain walks.
pub const MAX_CHAIN: usize = 4096;

impl Hierarchy {
    fn intern(&mut self, name: &str) -> u32 {
        let id = self.names.intern(name);
        if id as usize >= self.nodes.len() {
            self.nodes.push(ClassNode::default());
        }
        id
    }

    /// Id of a class descriptor.
    pub fn id(&self, descriptor: &str) -> Option<u32> {
        self.names.find(descriptor)
    }

    /// Descriptor of a class id.
    pub fn name(&self, id: u32) -> Option<&str> {
        ((id as usize) < self.nodes.len()).then(|| self.names.get(id))
    }

    /// Node of a class id.
    pub fn node(&self, id: u32) -> Option<&ClassNode> {
        self.nodes.get(id as usize)
    }

    /// Number of classes (defined and external).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// True if the class is referenced as a superclass/interface but defined in none of the files.
    pub fn is_external(&self, id: u32) -> bool {
        self.node(id).is_some_and(|n| n.defined_in.is_none())
    }

    /// Superclass chain from `id` upwards (excluding `id`), stopping at a cycle or after
    /// [`MAX_CHAIN`] steps. The flag is true if a cycle was found.
    pub fn superclasses(&self, id: u32) -> (Vec<u32>, bool) {
        let mut out = Vec::new();
        let mut cur = id;
        let mut seen = std::collections::HashSet::new();
        seen.insert(id);
        while let Some(s) = self.node(cur).and_then(|n| n.superclass) {
            if !seen.insert(s) || out.len() >= MAX_CHAIN {
                return (out, true);
            }
            out.push(s);
            cur = s;
        }
        (out, false)
    }

    /// True if `id` is `ancestor` or inherits from it (superclasses and interfaces, transitively;
    /// cycle-safe and bounded).
    pub fn is_subtype_of(&self, id: u32, ancestor: u32) -> bool {
        let mut stack = vec![id];
        let mut seen = std::collections::HashSet::new();
        while let Some(c) = stack.pop() {
            if c == ancestor {
                return true;
            }
            if !seen.insert(c) || seen.len() > 1 << 20 {
                continue;
            }
            if let Some(n) = self.node(c) {
                stack.extend(n.superclass);
                stack.extend(n.interfaces.iter().copied());
            }
        }
        false
    }
}

/// All indexes over a set of dex files.
#[derive(Debug, Default, Clone)]
pub struct Index {
    /// Invoked methods (invoke-*, including invoke-polymorphic), by `Lcls;->name(params)ret`.
    pub methods: RefTable,
    /// Accessed fields (iget/iput/sget/sput), by `Lcls;->name:type`.
    pub fields: RefTable,
    /// Loaded strings (const-string, const-string/jumbo), by content.
    pub strings: RefTable,
    /// Referenced types (const-class, new-instance, check-cast, instance-of, new-array, filled-new-array).
    pub types: RefTable,
    /// The class hierarchy.
    pub hierarchy: Hierarchy,
    /// Errors met while walking (dex index, message); capped at 1000 per dex.
    pub errors: Vec<(u32, String)>,
    /// Number of instructions decoded.
    pub instructions: u64,
}

impl Index {
    /// Approximate heap bytes used by the use-site tables (not the hierarchy).
    pub fn heap_bytes(&self) -> usize {
        self.methods.heap_bytes()
            + self.fields.heap_bytes()
            + self.strings.heap_bytes()
            + self.types.heap_bytes()
    }
}

const MAX_ERRORS: usize = 1000;

/// The references of one kind found by one unit, in walk order, as a byte stream of LEB128
/// varints (about 4 bytes a reference instead of 16 for a [`Site`] and 12 for a plain
/// `(id, method, offset)` triple). Per reference: `(offset delta << 1) | new method`, then
/// for a new method `class_def delta` and `method_idx`, then the local id. Offsets are
/// deltas from the previous reference of the same method, class definitions from the
/// previous method of the stream.
#[derive(Default)]
struct Stream {
    bytes: Vec<u8>,
    /// Number of references.
    len: usize,
    /// Whether the current method has a reference in this stream yet.
    open: bool,
    pc: u32,
    class_def: u32,
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Stream {
    fn push(&mut self, local: u32, pc: u32, class_def: u32, method_idx: u32) {
        if self.open {
            put(&mut self.bytes, u64::from(pc.wrapping_sub(self.pc)) << 1);
        } else {
            put(&mut self.bytes, u64::from(pc) << 1 | 1);
            put(
                &mut self.bytes,
                u64::from(class_def.wrapping_sub(self.class_def)),
            );
            put(&mut self.bytes, u64::from(method_idx));
            self.class_def = class_def;
            self.open = true;
        }
        self.pc = pc;
        put(&mut self.bytes, u64::from(local));
        self.len += 1;
    }

    /// Decodes `(local id, offset, class_def, method_idx)` in order.
    fn iter(&self) -> Refs<'_> {
        Refs {
            bytes: &self.bytes,
            pos: 0,
            pc: 0,
            class_def: 0,
            method_idx: 0,
        }
    }
}

/// Decoder of a [`Stream`].
struct Refs<'a> {
    bytes: &'a [u8],
    pos: usize,
    pc: u32,
    class_def: u32,
    method_idx: u32,
}

impl Refs<'_> {
    #[inline]
    fn get(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = *self.bytes.get(self.pos)?;
            self.pos += 1;
            v |= u64::from(b & 0x7f).wrapping_shl(shift);
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
}

impl Iterator for Refs<'_> {
    type Item = (u32, u32, u32, u32);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let v = self.get()?;
        if v & 1 == 1 {
            self.class_def = self.class_def.wrapping_add(self.get()? as u32);
            self.method_idx = self.get()? as u32;
            self.pc = 0;
        }
        self.pc = self.pc.wrapping_add((v >> 1) as u32);
        let local = self.get()? as u32;
        Some((local, self.pc, self.class_def, self.method_idx))
    }
}

/// The walk of one unit: a range of class definitions of one dex.
#[derive(Default)]
struct Raw {
    dex: u32,
    /// Per kind (methods, fields, strings, types): the references in walk order.
    refs: [Stream; 4],
    errors: Vec<String>,
    instructions: u64,
}

/// Classes per unit of parallel work.
const UNIT_CLASSES: u32 = 1024;

/// The walk runs in parallel only if the units other than the largest hold at least this
/// many dex bytes: below, the work that could overlap is about a millisecond, and the calling
/// thread alone does as well without starting the pool or its per-thread heaps.
const PARALLEL_MIN_BYTES: u64 = 256 << 10;

/// Bytes of its dex a unit of `classes` class definitions stands for (its share of the file).
fn unit_share(dex: &DexFile<'_>, classes: &std::ops::Range<u32>) -> u64 {
    classes.len() as u64 * dex.data().len() as u64 / u64::from(dex.class_count().max(1))
}

/// Per-dex work budgets shared by its units: (class members, code units).
type Budgets = (crate::model::RepeatBudget, crate::model::RepeatBudget);

fn walk(dexes: &[DexFile<'_>], budgets: &[Budgets], di: u32, classes: std::ops::Range<u32>) -> Raw {
    let mut raw = Raw {
        dex: di,
        ..Raw::default()
    };
    let Some(dex) = dexes.get(di as usize) else {
        return raw;
    };
    // Reserve so the streams rarely grow (a grown vector leaves its old, touched block behind
    // in the allocator): about 1.5 times what real code needs (measured over the corpus: per
    // byte of the unit's share of the file, a method reference per 53..65 bytes, a field one
    // per 71..150, a string one per 290..380, a type one per 217..270; 4..5 bytes each).
    // Reserved pages that are never written cost no resident memory.
    let share = usize::try_from(unit_share(dex, &classes)).unwrap_or(usize::MAX);
    for (v, div) in raw.refs.iter_mut().zip([8, 10, 32, 24]) {
        v.bytes.reserve(share / div);
    }
    let err = |raw: &mut Raw, e: String| {
        if raw.errors.len() < MAX_ERRORS {
            raw.errors.push(e);
        }
    };
    let Some((class_budget, code_budget)) = budgets.get(di as usize) else {
        return raw;
    };
    for ci in classes {
        let def = match dex.class_def(ci) {
            Ok(d) => d,
            Err(e) => {
                err(&mut raw, format!("class_def {ci}: {e}"));
                continue;
            }
        };
        let members = match dex.class_data_member_count(&def) {
            Ok(n) => n,
            Err(e) => {
                err(&mut raw, format!("class_def {ci}: {e}"));
                continue;
            }
        };
        if !class_budget.allow(members) {
            err(
                &mut raw,
                format!("class_def {ci}: class_data work budget exhausted (overlapping or shared items), not indexed"),
            );
            continue;
        }
        let data = match dex.class_data(&def) {
            Ok(d) => d,
            Err(e) => {
                err(&mut raw, format!("class_def {ci}: {e}"));
                continue;
            }
        };
        for m in &data.methods {
            if m.code_off == 0 {
                continue;
            }
            let code = match dex.code_item(m.code_off) {
                Ok(c) => c,
                Err(e) => {
                    err(&mut raw, format!("method {}: {e}", m.method_idx));
                    continue;
                }
            };
            if !code_budget.allow(u64::from(code.insns_size())) {
                err(
                    &mut raw,
                    format!(
                        "method {}: code item work budget exhausted (overlapping or shared items), not indexed",
                        m.method_idx
                    ),
                );
                continue;
            }
            for s in &mut raw.refs {
                s.open = false;
            }
            for item in code.instructions() {
                match item {
                    Ok((pc, insn)) => {
                        raw.instructions += 1;
                        if let Some((kind, idx)) = insn.index() {
                            let slot = match kind {
                                IndexKind::Method | IndexKind::MethodAndProto => 0,
                                IndexKind::Field => 1,
                                IndexKind::String => 2,
                                IndexKind::Type => 3,
                                _ => continue,
                            };
                            if let Some(s) = raw.refs.get_mut(slot) {
                                s.push(idx, pc, ci, m.method_idx);
                            }
                        }
                    }
                    Err(e) => err(&mut raw, format!("method {}: {e}", m.method_idx)),
                }
            }
        }
    }
    raw
}

fn write_key(
    dex: &DexFile<'_>,
    slot: usize,
    idx: u32,
    out: &mut String,
) -> Result<(), crate::DexError> {
    match slot {
        0 => dex.write_method_descriptor(idx, out),
        1 => dex.write_field_descriptor(idx, out),
        2 => {
            out.push_str(&dex.string(idx)?);
            Ok(())
        }
        _ => {
            out.push_str(&dex.type_name(idx)?);
            Ok(())
        }
    }
}

/// Size of the id table of `slot` in `dex` (bounded by the file size, checked at parse).
fn id_count(dex: &DexFile<'_>, slot: usize) -> u32 {
    match slot {
        0 => dex.method_count(),
        1 => dex.field_count(),
        2 => dex.string_count(),
        _ => dex.type_count(),
    }
}

/// The distinct local ids of `slot` referenced by the units of dex `di`, sorted, with the hash
/// of their key (`None` when the key cannot be rendered). Ids are collected in a bitmap over
/// the id table (ids beyond it, which only a malformed file has, in a list); rendering runs in
/// parallel chunks when `parallel`.
fn local_keys(
    dex: &DexFile<'_>,
    di: u32,
    raws: &[Raw],
    slot: usize,
    state: &std::hash::RandomState,
    parallel: bool,
) -> Vec<(u32, Option<u32>)> {
    use std::hash::BuildHasher;
    let bound = id_count(dex, slot).min(u32::try_from(dex.data().len()).unwrap_or(u32::MAX));
    let mut bits = vec![0u64; (bound as usize).div_ceil(64)];
    let mut beyond: Vec<u32> = Vec::new();
    let mut distinct = 0usize;
    for s in raws
        .iter()
        .filter(|r| r.dex == di)
        .filter_map(|r| r.refs.get(slot))
    {
        for (id, ..) in s.iter() {
            match bits.get_mut((id / 64) as usize) {
                Some(w) if id < bound => {
                    let b = 1u64 << (id % 64);
                    distinct += usize::from(*w & b == 0);
                    *w |= b;
                }
                _ => beyond.push(id),
            }
        }
    }
    beyond.sort_unstable();
    beyond.dedup();
    let mut ids: Vec<u32> = Vec::with_capacity(distinct.saturating_add(beyond.len()));
    for (wi, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            ids.push((wi as u32).wrapping_mul(64) | w.trailing_zeros());
            w &= w - 1;
        }
    }
    drop(bits);
    ids.extend(beyond);
    let render = |chunk: &[u32]| {
        let mut buf = String::new();
        chunk
            .iter()
            .map(|&id| {
                buf.clear();
                let h = write_key(dex, slot, id, &mut buf)
                    .ok()
                    .map(|()| state.hash_one(buf.as_str()) as u32);
                (id, h)
            })
            .collect::<Vec<_>>()
    };
    if parallel && ids.len() > 4096 {
        ids.par_chunks(4096).flat_map_iter(render).collect()
    } else {
        render(&ids)
    }
}

/// Builds the table of `slot` and frees the raw references of that kind. Unresolvable
/// references are reported in the returned list (at most [`MAX_ERRORS`]).
fn build_table(
    dexes: &[DexFile<'_>],
    raws: &mut [Raw],
    slot: usize,
    parallel: bool,
) -> (RefTable, Vec<(u32, String)>) {
    let mut errors = Vec::new();
    let mut t = RefTable {
        slot,
        ..RefTable::default()
    };
    let state = t.state.clone();
    // Per dex, a dense local id -> item map (NONE if unmapped).
    let mut maps: Vec<Vec<u32>> = Vec::with_capacity(dexes.len());
    let (mut mine, mut theirs) = (String::new(), String::new());
    for (di, dex) in dexes.iter().enumerate() {
        let lk = local_keys(dex, di as u32, raws, slot, &state, parallel);
        // Only resolvable ids (below their table's size, itself bounded by the file size) are
        // mapped; an instruction may carry any u32 index.
        let dense = lk
            .iter()
            .filter(|e| e.1.is_some())
            .map(|e| e.0 as usize + 1)
            .max()
            .unwrap_or(0);
        let mut m = vec![NONE; dense];
        for (local, h) in lk {
            let Some(h) = h else {
                if errors.len() < MAX_ERRORS {
                    errors.push((
                        di as u32,
                        format!("unresolvable reference {local} (kind {slot})"),
                    ));
                }
                continue;
            };
            // Look for an existing item with the same descriptor (render and compare).
            let mut rendered = false;
            let found = t.candidates(h).find(|&cur| {
                if !rendered {
                    mine.clear();
                    let _ = write_key(dex, slot, local, &mut mine);
                    rendered = true;
                }
                theirs.clear();
                t.write_key(dexes, cur, &mut theirs).is_ok() && theirs == mine
            });
            let id = match found {
                Some(id) => id,
                None => {
                    let id = t.reps.len() as u32;
                    t.reps.push((di as u32, local));
                    t.hashes.push(h);
                    grow_and_place(&mut t.table, &t.hashes, id, h);
                    id
                }
            };
            if let Some(e) = m.get_mut(local as usize) {
                *e = id;
            }
        }
        maps.push(m);
    }
    t.reps.shrink_to_fit();
    t.hashes.shrink_to_fit();
    let lookup = |m: &Vec<u32>, local: u32| m.get(local as usize).copied().filter(|&k| k != NONE);
    // Counts per item, turned into start offsets, then used as fill cursors.
    let mut next = vec![0u32; t.reps.len()];
    for raw in raws.iter() {
        let (Some(m), Some(s)) = (maps.get(raw.dex as usize), raw.refs.get(slot)) else {
            continue;
        };
        for (local, ..) in s.iter() {
            if let Some(c) = lookup(m, local).and_then(|k| next.get_mut(k as usize)) {
                *c += 1;
            }
        }
    }
    let mut start = 0u32;
    t.bounds = Vec::with_capacity(next.len() + 1);
    for c in &mut next {
        t.bounds.push(start);
        let n = *c;
        *c = start;
        start = start.saturating_add(n);
    }
    t.bounds.push(start);
    t.sites = vec![
        Site {
            dex: 0,
            class_def: 0,
            method_idx: 0,
            offset: 0
        };
        start as usize
    ];
    for raw in raws.iter_mut() {
        let di = raw.dex;
        if let (Some(m), Some(s)) = (maps.get(di as usize), raw.refs.get(slot)) {
            for (local, offset, class_def, method_idx) in s.iter() {
                let Some(k) = lookup(m, local) else { continue };
                if let Some(c) = next.get_mut(k as usize) {
                    if let Some(s) = t.sites.get_mut(*c as usize) {
                        *s = Site {
                            dex: di,
                            class_def,
                            method_idx,
                            offset,
                        };
                    }
                    *c += 1;
                }
            }
        }
        // Free this unit's references of the kind as soon as they are placed.
        if let Some(s) = raw.refs.get_mut(slot) {
            *s = Stream::default();
        }
    }
    (t, errors)
}

/// The class hierarchy, and its errors (at most [`MAX_ERRORS`]).
fn build_hierarchy(dexes: &[DexFile<'_>]) -> (Hierarchy, Vec<(u32, String)>) {
    let mut errors = Vec::new();
    let mut h = Hierarchy::default();
    // Room for every class defined plus an eighth more referenced from outside, so the
    // vectors rarely grow (class counts are bounded by the file sizes).
    let classes = dexes
        .iter()
        .fold(0usize, |a, d| a.saturating_add(d.class_count() as usize));
    let room = classes.saturating_add(classes / 8);
    h.nodes.reserve(room);
    h.names.spans.reserve(room);
    h.names.hashes.reserve(room);
    h.names.arena.reserve(room.saturating_mul(40));
    for (di, dex) in dexes.iter().enumerate() {
        // Interface lists may be shared by many classes: bound the total entries interned.
        let budget = crate::model::RepeatBudget::new(dex.data().len());
        for ci in 0..dex.class_count() {
            let r = (|| -> crate::Result<()> {
                let def = dex.class_def(ci)?;
                let name = dex.type_name(def.class_idx)?;
                let id = h.intern(&name);
                if h.nodes
                    .get(id as usize)
                    .is_some_and(|n| n.defined_in.is_some())
                {
                    if let Some(n) = h.nodes.get_mut(id as usize) {
                        n.duplicate_definitions += 1;
                    }
                    return Ok(());
                }
                let sup = if def.superclass_idx == NO_INDEX {
                    None
                } else {
                    Some(h.intern(&dex.type_name(def.superclass_idx)?))
                };
                let list = dex.type_list(def.interfaces_off)?;
                if !budget.allow(list.len() as u64) {
                    return Err(crate::DexError::Limit {
                        what: "interface entries (work budget)",
                        count: list.len() as u64,
                        limit: dex.data().len() as u64,
                    });
                }
                let mut ifaces = Vec::with_capacity(list.len());
                for t in list.iter() {
                    ifaces.push(h.intern(&dex.type_name(u32::from(t))?));
                }
                if let Some(n) = h.nodes.get_mut(id as usize) {
                    n.superclass = sup;
                    n.interfaces = ifaces;
                    n.defined_in = Some((di as u32, ci));
                }
                Ok(())
            })();
            if let Err(e) = r {
                if errors.len() < MAX_ERRORS {
                    errors.push((di as u32, format!("class_def {ci}: {e}")));
                }
            }
        }
    }
    (h, errors)
}

impl Index {
    /// Builds all indexes over `dexes` (walking every method's code once, in parallel unless
    /// nearly all of the work is one unit of 1024 classes).
    ///
    /// # Memory
    ///
    /// The sites themselves (16 bytes each, [`Site`]) are most of what is kept. While walking,
    /// references are held as varint streams (about 4 bytes each, not 12); each table is
    /// built from its stream and frees it at once, the kinds with the most references first;
    /// referenced ids are gathered in a bitmap, not a sorted copy; item lookup is open
    /// addressing over `u32` ids (no `HashMap` of `(u64, u32)` plus chain links). When the units
    /// beside the largest hold less than 256 KiB of dex, the walk runs on the calling thread
    /// (no worker threads or heaps). The hierarchy is built beside the walk.
    ///
    /// Peak RSS of `unmask dex APK` (`/usr/bin/time -f %M`, median of 7; the same tree built
    /// with the previous version of this file and with this one; idle `unmask --version`
    /// 4.1..4.4 MB), before -> after:
    /// appium-uiautomator2-server-debug-androidTest (0.38 MB of dex) 6.62 -> 6.57 MB;
    /// ApiDemos-debug (7.28 MB) 20.58 -> 18.75 MB; appium-uiautomator2-server-v10.6.6
    /// (14.49 MB) 38.26 -> 35.40 MB; settings_apk-debug (7.20 MB) 20.85 -> 18.74 MB.
    /// For the small androidTest APK the build itself adds about 0.4 MB (0.25 MB of it the
    /// sites); most of its peak is the binary's code pages (file-backed RSS at exit 5.1..5.3 MB
    /// against 3.8 MB for `--version`), which this file does not decide.
    pub fn build(dexes: &[DexFile<'_>]) -> Index {
        // Units of work: ranges of class definitions, in (dex, class) order.
        let units: Vec<(u32, std::ops::Range<u32>)> = dexes
            .iter()
            .enumerate()
            .flat_map(|(di, d)| {
                let n = d.class_count();
                (0..n.div_ceil(UNIT_CLASSES)).map(move |k| {
                    let start = k * UNIT_CLASSES;
                    (di as u32, start..n.min(start.saturating_add(UNIT_CLASSES)))
                })
            })
            .collect();
        let budgets: Vec<Budgets> = dexes
            .iter()
            .map(|d| {
                (
                    crate::model::RepeatBudget::new(d.data().len()),
                    crate::model::RepeatBudget::new(d.data().len()),
                )
            })
            .collect();
        let shares = units
            .iter()
            .filter_map(|(di, r)| Some(unit_share(dexes.get(*di as usize)?, r)));
        let (total, largest) =
            shares.fold((0u64, 0u64), |(t, m), s| (t.saturating_add(s), m.max(s)));
        let parallel = total.saturating_sub(largest) >= PARALLEL_MIN_BYTES;
        // The hierarchy is built beside the walk (on the pool) or before it, so that what it
        // frees while growing is reused by the walk and the tables.
        let walk_all = || -> Vec<Raw> {
            if parallel {
                units
                    .into_par_iter()
                    .map(|(di, r)| walk(dexes, &budgets, di, r))
                    .collect()
            } else {
                units
                    .into_iter()
                    .map(|(di, r)| walk(dexes, &budgets, di, r))
                    .collect()
            }
        };
        let ((hierarchy, hierarchy_errors), mut raws) = if parallel {
            rayon::join(|| build_hierarchy(dexes), walk_all)
        } else {
            let h = build_hierarchy(dexes);
            (h, walk_all())
        };
        let mut errors: Vec<(u32, String)> = Vec::new();
        for r in raws.iter_mut() {
            if errors.len() < MAX_ERRORS * 4 {
                errors.extend(r.errors.drain(..).map(|e| (r.dex, e)));
            }
            r.errors = Vec::new();
        }
        let instructions = raws.iter().map(|r| r.instructions).sum();
        // The kinds with the most references first: each table frees its references as it
        // fills its sites, so the last table built (the one with the fewest) is the only one
        // whose references are alive beside all the sites.
        let mut order = [0usize, 1, 2, 3];
        order.sort_by_key(|&s| {
            std::cmp::Reverse(
                raws.iter()
                    .map(|r| r.refs.get(s).map_or(0, |v| v.len))
                    .sum::<usize>(),
            )
        });
        let mut tables: [RefTable; 4] = Default::default();
        let mut slot_errors: [Vec<(u32, String)>; 4] = Default::default();
        for s in order {
            let (t, e) = build_table(dexes, &mut raws, s, parallel);
            if let (Some(ts), Some(es)) = (tables.get_mut(s), slot_errors.get_mut(s)) {
                *ts = t;
                *es = e;
            }
        }
        drop(raws);
        // Errors in kind order, as if the tables had been built in that order.
        for e in slot_errors.into_iter().flatten() {
            if errors.len() < MAX_ERRORS {
                errors.push(e);
            }
        }
        for e in hierarchy_errors {
            if errors.len() < MAX_ERRORS {
                errors.push(e);
            }
        }
        let [methods, fields, strings, types] = tables;
        Index {
            methods,
            fields,
            strings,
            types,
            hierarchy,
            errors,
            instructions,
        }
    }
}
