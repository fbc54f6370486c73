#![no_main]
//! Decode a raw code-unit stream.

use libfuzzer_sys::fuzz_target;
use unmask_dex::insn::Instructions;

fuzz_target!(|data: &[u8]| {
    let mut n = 0u64;
    for item in Instructions::new(data) {
        if let Ok((pc, insn)) = item {
            let _ = (pc, insn.index(), insn.branch_offset(), insn.arg_registers(), insn.name());
        }
        n += 1;
    }
    assert!(n <= data.len() as u64 / 2 + 1);
});
