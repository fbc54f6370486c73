//! Walks one dex file the way the `dex` fuzz target does, timing each phase:
//! `cargo run --release -p unmask-dex --example walk FILE`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;
use unmask_dex::{DexFile, Index};

fn main() {
    let path = std::env::args().nth(1).expect("usage: walk FILE");
    let data = std::fs::read(path).unwrap();
    let t = Instant::now();
    let dexes = match DexFile::parse_container(&data) {
        Ok(d) => d,
        Err(e) => {
            println!("parse error: {e}");
            return;
        }
    };
    println!("parse: {} dex, {:?}", dexes.len(), t.elapsed());
    for dex in &dexes {
        let t = Instant::now();
        let s = dex.scan();
        println!(
            "scan: {} classes, {} methods, {} instructions, {} errors, {:?}",
            s.classes,
            s.methods,
            s.instructions,
            s.error_count,
            t.elapsed()
        );
        let t = Instant::now();
        let _ = dex.checksums();
        for m in 0..dex.method_count().min(8) {
            let _ = unmask_dex::disassemble(dex, m);
        }
        println!("checksums + disassemble: {:?}", t.elapsed());
    }
    let t = Instant::now();
    let idx = Index::build(&dexes);
    println!(
        "index: {} instructions, {} errors, {:?}",
        idx.instructions,
        idx.errors.len(),
        t.elapsed()
    );
    let t = Instant::now();
    for id in 0..idx.hierarchy.len().min(1024) as u32 {
        let _ = idx.hierarchy.superclasses(id);
    }
    println!("hierarchy: {:?}", t.elapsed());
}
