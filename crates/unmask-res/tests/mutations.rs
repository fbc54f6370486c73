//! Deterministic mutation smoke test (runs in CI, unlike the cargo-fuzz targets): corrupted
//! copies of the corpus's manifests and resource tables must parse to Ok or Err, never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use unmask_res::{attr, parse_xml, ResourceTable};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: [u32; 8] = [
    0,
    1,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
];

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut d = src.to_vec();
    for _ in 0..1 + rng.below(4) {
        if d.len() < 8 {
            break;
        }
        let at = rng.below(d.len() - 4) & !3;
        match rng.below(4) {
            0 => d[at] ^= 1 << rng.below(8),
            1 => {
                let v = INTERESTING[rng.below(INTERESTING.len())];
                d[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            2 => {
                let v = INTERESTING[rng.below(INTERESTING.len())] as u16;
                d[at..at + 2].copy_from_slice(&v.to_le_bytes());
            }
            _ => d.truncate(at.max(8)),
        }
    }
    d
}

#[test]
fn mutated_manifests_never_panic() {
    let Some(corpus) = corpus() else { return };
    let mut seeds: Vec<Vec<u8>> = files(&corpus.join("edge/AXML"), "xml")
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for apk in files(&corpus.join("real"), "apk") {
        seeds.extend(unzip(&apk, "AndroidManifest.xml"));
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut n = 0;
    for s in &seeds {
        for _ in 0..100 {
            let m = mutate(&mut rng, s);
            if let Ok(doc) = parse_xml(&m) {
                if let Some(r) = &doc.root {
                    let _ = r.attr(attr::NAME, "name");
                }
            }
            n += 1;
        }
    }
    eprintln!("{n} mutated manifests parsed without panic");
}

#[test]
fn mutated_tables_never_panic() {
    let Some(corpus) = corpus() else { return };
    let mut seeds = Vec::new();
    for apk in [
        corpus.join("malformed/compact-entry.apk"),
        corpus.join("real/settings_apk-debug.apk"),
    ] {
        seeds.extend(unzip(&apk, "resources.arsc"));
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut n = 0;
    for s in &seeds {
        let ids = ResourceTable::parse(s).map(|t| t.ids()).unwrap_or_default();
        for _ in 0..100 {
            let m = mutate(&mut rng, s);
            if let Ok(t) = ResourceTable::parse(&m) {
                for &id in ids.iter().step_by(ids.len() / 50 + 1) {
                    let _ = t.resolve_string(id);
                    let _ = t.name_of(id);
                }
                let _ = t.configs();
            }
            n += 1;
        }
    }
    eprintln!("{n} mutated tables parsed without panic");
}
