//! Cross-reference indexes over one or more dex files: use sites of methods, fields, strings
//! and types, and the class hierarchy.
//!
//! Built in one pass over the code of every method (in parallel over dex files with rayon).
//! Sites are stored in one `Vec` grouped by referenced item; a `HashMap` maps the item's
//! descriptor to its group.

use crate::file::{DexFile, NO_INDEX};
use crate::opcode::IndexKind;
use rayon::prelude::*;
use std::collections::HashMap;

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

/// Interned keys: one string arena, spans into it, and a hash index with collision chains
/// (randomly keyed, so crafted collisions cannot make lookups quadratic).
#[derive(Debug, Default, Clone)]
struct Keys {
    arena: String,
    spans: Vec<(u32, u32)>,
    heads: HashMap<u64, u32>,
    next: Vec<u32>,
    state: std::hash::RandomState,
}

impl Keys {
    fn hash(&self, key: &str) -> u64 {
        use std::hash::BuildHasher;
        self.state.hash_one(key)
    }

    fn get(&self, id: u32) -> &str {
        let (s, l) = self.spans.get(id as usize).copied().unwrap_or((0, 0));
        self.arena
            .get(s as usize..(s as usize).saturating_add(l as usize))
            .unwrap_or("")
    }

    fn find(&self, key: &str) -> Option<u32> {
        let mut cur = *self.heads.get(&self.hash(key))?;
        while cur != NONE {
            if self.get(cur) == key {
                return Some(cur);
            }
            cur = self.next.get(cur as usize).copied().unwrap_or(NONE);
        }
        None
    }

    fn intern(&mut self, key: &str) -> u32 {
        if let Some(id) = self.find(key) {
            return id;
        }
        let id = self.spans.len() as u32;
        let start = self.arena.len() as u32;
        self.arena.push_str(key);
        self.spans.push((start, key.len() as u32));
        let prev = self.heads.insert(self.hash(key), id).unwrap_or(NONE);
        self.next.push(prev);
        id
    }
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
    heads: HashMap<u64, u32>,
    next: Vec<u32>,
    state: std::hash::RandomState,
    ranges: Vec<(u32, u32)>,
    sites: Vec<Site>,
}

impl RefTable {
    fn hash(&self, key: &str) -> u64 {
        use std::hash::BuildHasher;
        self.state.hash_one(key)
    }

    /// Id of the item with this descriptor, if referenced.
    pub fn find(&self, dexes: &[DexFile<'_>], key: &str) -> Option<u32> {
        let mut cur = *self.heads.get(&self.hash(key))?;
        let mut buf = String::new();
        while cur != NONE {
            buf.clear();
            if self.write_key(dexes, cur, &mut buf).is_ok() && buf == key {
                return Some(cur);
            }
            cur = self.next.get(cur as usize).copied().unwrap_or(NONE);
        }
        None
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
        match self.ranges.get(id as usize) {
            Some(&(s, e)) => self.sites.get(s as usize..e as usize).unwrap_or_default(),
            None => &[],
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
            + self.next.capacity() * 4
            + self.heads.capacity() * 17
            + self.ranges.capacity() * 8
            + self.sites.capacity() * std::mem::size_of::<Site>()
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

/// A reference found by the walk: (local id, method ordinal in `Raw::methods`, code offset).
type RawRef = (u32, u32, u32);

/// The walk of one unit: a range of class definitions of one dex.
#[derive(Default)]
struct Raw {
    dex: u32,
    methods: Vec<(u32, u32)>,
    refs: [Vec<RawRef>; 4],
    errors: Vec<String>,
    instructions: u64,
}

/// Classes per unit of parallel work.
const UNIT_CLASSES: u32 = 1024;

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
    // Reserve generously (a referencing instruction takes at least 4 bytes of the file) so the
    // vectors do not grow by copying; untouched reserved pages cost no resident memory.
    let share = (classes.len() as u64 * dex.data().len() as u64
        / u64::from(dex.class_count().max(1))) as usize;
    for v in &mut raw.refs {
        v.reserve(share / 16);
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
            let ordinal = raw.methods.len() as u32;
            raw.methods.push((ci, m.method_idx));
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
                            if let Some(v) = raw.refs.get_mut(slot) {
                                v.push((idx, ordinal, pc));
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

/// The distinct local ids of `slot` referenced by the units of dex `di`, sorted, with the hash
/// of their key (`None` when the key cannot be rendered). Rendering runs in parallel chunks.
fn local_keys(
    dex: &DexFile<'_>,
    di: u32,
    raws: &[Raw],
    slot: usize,
    state: &std::hash::RandomState,
) -> Vec<(u32, Option<u64>)> {
    use std::hash::BuildHasher;
    let mut ids: Vec<u32> = raws
        .iter()
        .filter(|r| r.dex == di)
        .filter_map(|r| r.refs.get(slot))
        .flat_map(|v| v.iter().map(|r| r.0))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.par_chunks(4096)
        .flat_map_iter(|chunk| {
            let mut buf = String::new();
            chunk
                .iter()
                .map(|&id| {
                    buf.clear();
                    let h = write_key(dex, slot, id, &mut buf)
                        .ok()
                        .map(|()| state.hash_one(buf.as_str()));
                    (id, h)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn build_table(
    dexes: &[DexFile<'_>],
    raws: &mut [Raw],
    slot: usize,
    errors: &mut Vec<(u32, String)>,
) -> RefTable {
    let mut t = RefTable {
        slot,
        ..RefTable::default()
    };
    let state = t.state.clone();
    let locals: Vec<Vec<(u32, Option<u64>)>> = dexes
        .iter()
        .enumerate()
        .map(|(di, dex)| local_keys(dex, di as u32, raws, slot, &state))
        .collect();
    let mut counts: Vec<u32> = Vec::new();
    // Per dex, a dense local id -> global key map (NONE if unmapped).
    let mut maps: Vec<Vec<u32>> = Vec::with_capacity(dexes.len());
    let (mut mine, mut theirs) = (String::new(), String::new());
    for (di, lk) in locals.into_iter().enumerate() {
        let Some(dex) = dexes.get(di) else { continue };
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
            let mut found = None;
            let mut cur = t.heads.get(&h).copied().unwrap_or(NONE);
            if cur != NONE {
                mine.clear();
                let _ = write_key(dex, slot, local, &mut mine);
            }
            while cur != NONE {
                theirs.clear();
                if t.write_key(dexes, cur, &mut theirs).is_ok() && theirs == mine {
                    found = Some(cur);
                    break;
                }
                cur = t.next.get(cur as usize).copied().unwrap_or(NONE);
            }
            let id = match found {
                Some(id) => id,
                None => {
                    let id = t.reps.len() as u32;
                    t.reps.push((di as u32, local));
                    let prev = t.heads.insert(h, id).unwrap_or(NONE);
                    t.next.push(prev);
                    counts.push(0);
                    id
                }
            };
            if let Some(e) = m.get_mut(local as usize) {
                *e = id;
            }
        }
        maps.push(m);
    }
    let lookup = |m: &Vec<u32>, local: u32| m.get(local as usize).copied().filter(|&k| k != NONE);
    for raw in raws.iter() {
        let (Some(m), Some(v)) = (maps.get(raw.dex as usize), raw.refs.get(slot)) else {
            continue;
        };
        for r in v {
            if let Some(c) = lookup(m, r.0).and_then(|k| counts.get_mut(k as usize)) {
                *c += 1;
            }
        }
    }
    let mut start = 0u32;
    t.ranges = counts
        .iter()
        .map(|&c| {
            let r = (start, start);
            start += c;
            r
        })
        .collect();
    drop(counts);
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
        let Some(m) = maps.get(di as usize) else {
            continue;
        };
        let v = raw
            .refs
            .get_mut(slot)
            .map(std::mem::take)
            .unwrap_or_default();
        for (local, ordinal, offset) in v {
            let Some(k) = lookup(m, local) else { continue };
            let (class_def, method_idx) =
                raw.methods.get(ordinal as usize).copied().unwrap_or((0, 0));
            if let Some(r) = t.ranges.get_mut(k as usize) {
                if let Some(s) = t.sites.get_mut(r.1 as usize) {
                    *s = Site {
                        dex: di,
                        class_def,
                        method_idx,
                        offset,
                    };
                }
                r.1 += 1;
            }
        }
    }
    t
}

fn build_hierarchy(dexes: &[DexFile<'_>], errors: &mut Vec<(u32, String)>) -> Hierarchy {
    let mut h = Hierarchy::default();
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
                let mut ifaces = Vec::new();
                let list = dex.type_list(def.interfaces_off)?;
                if !budget.allow(list.len() as u64) {
                    return Err(crate::DexError::Limit {
                        what: "interface entries (work budget)",
                        count: list.len() as u64,
                        limit: dex.data().len() as u64,
                    });
                }
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
    h
}

impl Index {
    /// Builds all indexes over `dexes` (walking every method's code once, in parallel).
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
        let mut raws: Vec<Raw> = units
            .into_par_iter()
            .map(|(di, r)| walk(dexes, &budgets, di, r))
            .collect();
        let mut errors: Vec<(u32, String)> = Vec::new();
        for r in raws.iter_mut() {
            if errors.len() < MAX_ERRORS * 4 {
                errors.extend(r.errors.drain(..).map(|e| (r.dex, e)));
            }
        }
        let instructions = raws.iter().map(|r| r.instructions).sum();
        let methods = build_table(dexes, &mut raws, 0, &mut errors);
        let fields = build_table(dexes, &mut raws, 1, &mut errors);
        let strings = build_table(dexes, &mut raws, 2, &mut errors);
        let types = build_table(dexes, &mut raws, 3, &mut errors);
        let hierarchy = build_hierarchy(dexes, &mut errors);
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
