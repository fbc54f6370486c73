#![no_main]
//! APK Signing Block walker: the central directory offset is either the end of the data or,
//! when the first byte is odd, taken from the next 4 bytes (so offsets past the end and in the
//! middle are exercised too).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cd = match data {
        [first, a, b, c, d, ..] if first & 1 == 1 => u64::from(u32::from_le_bytes([*a, *b, *c, *d])),
        _ => data.len() as u64,
    };
    if let Ok(Some(block)) = unmask_sig::read_signing_block(data, cd) {
        for s in &block.signers {
            assert!(!s.scheme.is_empty());
        }
    }
});
