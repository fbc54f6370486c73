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

/// Use sites grouped by the referenced item's descriptor.
#[derive(Debug, Default, Clone)]
pub struct RefTable {
    keys: Vec<Box<str>>,
    by_key: HashMap<Box<str>, u32>,
    ranges: Vec<(u32, u32)>,
    sites: Vec<Site>,
}

impl RefTable {
    /// Use sites of the item with this descriptor (empty if never referenced).
    pub fn get(&self, key: &str) -> &[Site] {
        self.by_key.get(key).map_or(&[], |&k| self.sites_of(k))
    }

    fn sites_of(&self, k: u32) -> &[Site] {
        match self.ranges.get(k as usize) {
            Some(&(s, e)) => self.sites.get(s as usize..e as usize).unwrap_or_default(),
            None => &[],
        }
    }

    /// Number of distinct referenced items.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True if nothing is referenced.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Total number of use sites.
    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    /// Iterates `(descriptor, sites)` in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Site])> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (&**k, self.sites_of(i as u32)))
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
    names: Vec<Box<str>>,
    by_name: HashMap<Box<str>, u32>,
    nodes: Vec<ClassNode>,
}

/// Bound on superclass chain walks.
pub const MAX_CHAIN: usize = 4096;

impl Hierarchy {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.by_name.insert(name.into(), id);
        self.nodes.push(ClassNode::default());
        id
    }

    /// Id of a class descriptor.
    pub fn id(&self, descriptor: &str) -> Option<u32> {
        self.by_name.get(descriptor).copied()
    }

    /// Descriptor of a class id.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(|s| &**s)
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

const MAX_ERRORS: usize = 1000;

#[derive(Default)]
struct Raw {
    refs: [Vec<(u32, Site)>; 4],
    errors: Vec<String>,
    instructions: u64,
}

fn walk(dex: &DexFile<'_>, di: u32) -> Raw {
    let mut raw = Raw::default();
    let err = |raw: &mut Raw, e: String| {
        if raw.errors.len() < MAX_ERRORS {
            raw.errors.push(e);
        }
    };
    let mut class_budget = crate::model::RepeatBudget::new(dex.data().len());
    let mut code_budget = crate::model::RepeatBudget::new(dex.data().len());
    for ci in 0..dex.class_count() {
        let def = match dex.class_def(ci) {
            Ok(d) => d,
            Err(e) => {
                err(&mut raw, format!("class_def {ci}: {e}"));
                continue;
            }
        };
        let data = match dex.class_data(&def) {
            Ok(d) => d,
            Err(e) => {
                err(&mut raw, format!("class_def {ci}: {e}"));
                continue;
            }
        };
        let members = (data.fields.len() + data.methods.len()) as u64;
        if def.class_data_off != 0 && !class_budget.allow(def.class_data_off, members) {
            err(
                &mut raw,
                format!("class_def {ci}: class_data shared too often, not indexed"),
            );
            continue;
        }
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
            if !code_budget.allow(m.code_off, u64::from(code.insns_size())) {
                err(
                    &mut raw,
                    format!(
                        "method {}: code item shared too often, not indexed",
                        m.method_idx
                    ),
                );
                continue;
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
                            let site = Site {
                                dex: di,
                                class_def: ci,
                                method_idx: m.method_idx,
                                offset: pc,
                            };
                            if let Some(v) = raw.refs.get_mut(slot) {
                                v.push((idx, site));
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

fn key_of(dex: &DexFile<'_>, slot: usize, idx: u32) -> Result<String, crate::DexError> {
    match slot {
        0 => dex.method_descriptor(idx),
        1 => dex.field_descriptor(idx),
        2 => dex.string(idx).map(|s| s.into_owned()),
        _ => dex.type_name(idx).map(|s| s.into_owned()),
    }
}

fn build_table(
    dexes: &[DexFile<'_>],
    raws: &mut [Raw],
    slot: usize,
    errors: &mut Vec<(u32, String)>,
) -> RefTable {
    // Per dex: the distinct local ids referenced, with their keys (in parallel).
    let locals: Vec<Vec<(u32, Option<String>)>> = dexes
        .par_iter()
        .zip(raws.par_iter_mut())
        .map(|(dex, raw)| {
            let v = raw
                .refs
                .get_mut(slot)
                .map(std::mem::take)
                .unwrap_or_default();
            let mut ids: Vec<u32> = v.iter().map(|(i, _)| *i).collect();
            ids.sort_unstable();
            ids.dedup();
            let keys = ids
                .iter()
                .map(|&i| (i, key_of(dex, slot, i).ok()))
                .collect();
            if let Some(r) = raw.refs.get_mut(slot) {
                *r = v;
            }
            keys
        })
        .collect();
    let mut t = RefTable::default();
    let mut counts: Vec<u32> = Vec::new();
    // local id -> global key, per dex.
    let mut maps: Vec<HashMap<u32, u32>> = Vec::with_capacity(dexes.len());
    for (di, keys) in locals.into_iter().enumerate() {
        let mut m = HashMap::with_capacity(keys.len());
        for (local, key) in keys {
            let Some(key) = key else {
                if errors.len() < MAX_ERRORS {
                    errors.push((
                        di as u32,
                        format!("unresolvable reference {local} (kind {slot})"),
                    ));
                }
                continue;
            };
            let id = match t.by_key.get(key.as_str()) {
                Some(&id) => id,
                None => {
                    let id = t.keys.len() as u32;
                    let b: Box<str> = key.into();
                    t.keys.push(b.clone());
                    t.by_key.insert(b, id);
                    counts.push(0);
                    id
                }
            };
            m.insert(local, id);
        }
        maps.push(m);
    }
    // Counting sort of sites by key.
    for (di, raw) in raws.iter().enumerate() {
        let (Some(m), Some(v)) = (maps.get(di), raw.refs.get(slot)) else {
            continue;
        };
        for (local, _) in v {
            if let Some(c) = m.get(local).and_then(|&k| counts.get_mut(k as usize)) {
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
    t.sites = vec![
        Site {
            dex: 0,
            class_def: 0,
            method_idx: 0,
            offset: 0
        };
        start as usize
    ];
    for (di, raw) in raws.iter_mut().enumerate() {
        let Some(m) = maps.get(di) else { continue };
        let v = raw
            .refs
            .get_mut(slot)
            .map(std::mem::take)
            .unwrap_or_default();
        for (local, site) in v {
            let Some(&k) = m.get(&local) else { continue };
            if let Some(r) = t.ranges.get_mut(k as usize) {
                if let Some(s) = t.sites.get_mut(r.1 as usize) {
                    *s = site;
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
                for t in dex.type_list(def.interfaces_off)?.iter() {
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
        let mut raws: Vec<Raw> = dexes
            .par_iter()
            .enumerate()
            .map(|(i, d)| walk(d, i as u32))
            .collect();
        let mut errors: Vec<(u32, String)> = Vec::new();
        for (i, r) in raws.iter_mut().enumerate() {
            errors.extend(r.errors.drain(..).map(|e| (i as u32, e)));
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
