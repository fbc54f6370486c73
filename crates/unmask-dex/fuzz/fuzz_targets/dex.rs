#![no_main]
//! Parse a dex, walk every class/method/instruction, build the indexes, disassemble a few methods.

use libfuzzer_sys::fuzz_target;
use unmask_dex::{DexFile, Index};

fuzz_target!(|data: &[u8]| {
    if let Ok(dexes) = DexFile::parse_container(data) {
        for dex in &dexes {
            let _ = dex.scan();
            let _ = dex.checksums();
            for m in 0..dex.method_count().min(8) {
                let _ = unmask_dex::disassemble(dex, m);
            }
        }
        let idx = Index::build(&dexes);
        for id in 0..idx.hierarchy.len().min(1024) as u32 {
            let _ = idx.hierarchy.superclasses(id);
        }
    }
});
