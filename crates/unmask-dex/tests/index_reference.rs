//! `Index::build` against a naive reference built here from the public decoding API: every
//! method's code walked in (dex, class, method, offset) order, each referenced item keyed by
//! its rendered descriptor in a `HashMap`. The index must hold exactly the same items, in the
//! same order (first dex, then lowest local id), with the same sites in the same order, and
//! answer lookups by descriptor the same way. Run over the APKs of the shared corpus (all
//! `classes*.dex` of one APK indexed together) and the smali fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use unmask_dex::index::{RefTable, Site};
use unmask_dex::{DexFile, Index, IndexKind};

/// One reference table built naively.
#[derive(Default)]
struct Naive {
    /// Descriptor -> position in `items`.
    by_key: HashMap<String, usize>,
    /// (descriptor, first dex, lowest local id in that dex, sites in walk order).
    items: Vec<(String, u32, u32, Vec<Site>)>,
    sites: usize,
}

impl Naive {
    fn add(&mut self, key: String, dex: u32, local: u32, site: Site) {
        self.sites += 1;
        match self.by_key.get(&key) {
            Some(&i) => {
                let it = &mut self.items[i];
                if it.1 == dex && local < it.2 {
                    it.2 = local;
                }
                it.3.push(site);
            }
            None => {
                self.by_key.insert(key.clone(), self.items.len());
                self.items.push((key, dex, local, vec![site]));
            }
        }
    }

    /// Items in the index's order: first dex, then lowest local id there.
    fn ordered(mut self) -> Vec<(String, u32, u32, Vec<Site>)> {
        self.items.sort_by_key(|it| (it.1, it.2));
        self.items
    }
}

fn render(dex: &DexFile<'_>, slot: usize, idx: u32) -> Option<String> {
    let mut s = String::new();
    match slot {
        0 => dex.write_method_descriptor(idx, &mut s).ok()?,
        1 => dex.write_field_descriptor(idx, &mut s).ok()?,
        2 => s.push_str(&dex.string(idx).ok()?),
        _ => s.push_str(&dex.type_name(idx).ok()?),
    }
    Some(s)
}

/// The naive tables (methods, fields, strings, types) and the instruction count.
fn naive(dexes: &[DexFile<'_>]) -> ([Naive; 4], u64) {
    let mut tabs: [Naive; 4] = Default::default();
    let mut instructions = 0u64;
    for (di, dex) in dexes.iter().enumerate() {
        let di = di as u32;
        for ci in 0..dex.class_count() {
            let def = dex.class_def(ci).unwrap();
            let data = dex.class_data(&def).unwrap();
            for m in &data.methods {
                if m.code_off == 0 {
                    continue;
                }
                let code = dex.code_item(m.code_off).unwrap();
                for item in code.instructions() {
                    let (pc, insn) = item.unwrap();
                    instructions += 1;
                    let Some((kind, idx)) = insn.index() else {
                        continue;
                    };
                    let slot = match kind {
                        IndexKind::Method | IndexKind::MethodAndProto => 0,
                        IndexKind::Field => 1,
                        IndexKind::String => 2,
                        IndexKind::Type => 3,
                        _ => continue,
                    };
                    let Some(key) = render(dex, slot, idx) else {
                        continue;
                    };
                    let site = Site {
                        dex: di,
                        class_def: ci,
                        method_idx: m.method_idx,
                        offset: pc,
                    };
                    tabs[slot].add(key, di, idx, site);
                }
            }
        }
    }
    (tabs, instructions)
}

fn check_table(label: &str, what: &str, dexes: &[DexFile<'_>], t: &RefTable, n: Naive) {
    let total = n.sites;
    let items = n.ordered();
    assert_eq!(t.len(), items.len(), "{label}: {what}: item count");
    assert_eq!(t.site_count(), total, "{label}: {what}: site count");
    for (id, (key, dex, local, sites)) in items.iter().enumerate() {
        let id = id as u32;
        assert_eq!(
            &t.key(dexes, id).unwrap(),
            key,
            "{label}: {what}: key of {id}"
        );
        assert_eq!(t.sites(id), &sites[..], "{label}: {what}: sites of {key}");
        assert_eq!(t.find(dexes, key), Some(id), "{label}: {what}: find {key}");
        assert_eq!(t.get(dexes, key), &sites[..], "{label}: {what}: get {key}");
        assert_eq!(
            t.representative(id),
            Some((*dex, *local)),
            "{label}: {what}: representative of {key}"
        );
    }
    assert_eq!(t.iter().count(), items.len(), "{label}: {what}: iter");
    assert!(t.sites(items.len() as u32).is_empty());
    assert_eq!(t.find(dexes, "\u{0}not a descriptor\u{0}"), None);
}

/// Checks the index of `dexes`; returns the number of sites compared.
fn check(label: &str, dexes: &[DexFile<'_>]) -> usize {
    let index = Index::build(dexes);
    assert!(
        index.errors.is_empty(),
        "{label}: {:?}",
        index.errors.first()
    );
    let (tabs, instructions) = naive(dexes);
    assert_eq!(index.instructions, instructions, "{label}: instructions");
    let sites: usize = tabs.iter().map(|t| t.sites).sum();
    let [m, f, s, ty] = tabs;
    check_table(label, "methods", dexes, &index.methods, m);
    check_table(label, "fields", dexes, &index.fields, f);
    check_table(label, "strings", dexes, &index.strings, s);
    check_table(label, "types", dexes, &index.types, ty);
    // Hierarchy: every defined class, its first definition and its superclass.
    let h = &index.hierarchy;
    let mut defined: HashMap<String, (u32, u32)> = HashMap::new();
    for (di, dex) in dexes.iter().enumerate() {
        for ci in 0..dex.class_count() {
            let def = dex.class_def(ci).unwrap();
            let name = dex.type_name(def.class_idx).unwrap().into_owned();
            if defined.contains_key(&name) {
                continue;
            }
            defined.insert(name.clone(), (di as u32, ci));
            let id = h.id(&name).unwrap();
            let node = h.node(id).unwrap();
            assert_eq!(node.defined_in, Some((di as u32, ci)), "{label}: {name}");
            let sup = (def.superclass_idx != unmask_dex::file::NO_INDEX)
                .then(|| dex.type_name(def.superclass_idx).unwrap().into_owned());
            assert_eq!(
                node.superclass.map(|s| h.name(s).unwrap().to_owned()),
                sup,
                "{label}: superclass of {name}"
            );
        }
    }
    sites
}

#[test]
fn index_equals_naive_reference_on_corpus_apks() {
    let Some(root) = common::corpus() else {
        eprintln!("SKIPPED: index reference test: corpus not found at ../shared/corpus");
        return;
    };
    let mut files = Vec::new();
    common::walk(&root.join("real"), &mut files);
    common::walk(&root.join("droidbench"), &mut files);
    files.retain(|p| p.extension().is_some_and(|e| e == "apk"));
    let (mut checked, mut sites) = (0, 0);
    for p in &files {
        let data = std::fs::read(p).unwrap();
        let Ok(ar) = unmask_zip::Archive::parse(&data, unmask_zip::Limits::default()) else {
            continue;
        };
        let mut bufs: Vec<(String, Vec<u8>)> = ar
            .entries()
            .iter()
            .filter(|e| common::is_classes_dex(&e.name))
            .filter_map(|e| Some((e.name.to_string(), ar.read(e).ok()?.into_owned())))
            .collect();
        if bufs.is_empty() {
            continue;
        }
        bufs.sort_by_key(|(n, _)| (n.len(), n.clone()));
        let dexes: Vec<DexFile<'_>> = bufs
            .iter()
            .map(|(n, b)| DexFile::parse(b).unwrap_or_else(|e| panic!("{p:?}!{n}: {e}")))
            .collect();
        sites += check(&p.display().to_string(), &dexes);
        checked += 1;
    }
    eprintln!("index reference: {checked} APKs, {sites} sites compared");
    assert!(checked >= 100, "only {checked} APKs checked");
    assert!(sites > 100_000, "only {sites} sites compared");
}

#[test]
fn index_equals_naive_reference_on_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smali");
    let mut bufs = Vec::new();
    for name in ["formats.dex", "modern.dex", "strings.dex", "annotated.dex"] {
        bufs.push(std::fs::read(dir.join(name)).unwrap());
    }
    let dexes: Vec<DexFile<'_>> = bufs.iter().map(|b| DexFile::parse(b).unwrap()).collect();
    let mut sites = 0;
    for d in &dexes {
        sites += check("fixture", std::slice::from_ref(d));
    }
    // All together: items shared between files are merged, first dex first.
    sites += check("fixtures together", &dexes);
    assert!(sites > 0);
}
