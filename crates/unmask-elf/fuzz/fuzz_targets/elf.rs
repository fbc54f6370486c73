//! Parses any input as ELF, then takes the facts, serializes them, and extracts strings with
//! the default options and with tiny caps; checks that every string is the input's bytes at
//! its offset and that the caps hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unmask_elf::{Elf, StringOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(elf) = Elf::parse(data) else {
        return;
    };
    for s in elf.sections() {
        if let Some(bytes) = elf.section_data(s) {
            assert_eq!(bytes.len() as u64, s.size);
        }
    }
    let facts = elf.facts();
    assert!(facts.exports.len() + facts.imports.len() <= elf.symbols().len());
    let _ = serde_json::to_vec(&facts);
    for opts in [
        StringOptions::default(),
        StringOptions {
            min_len: 1,
            max_strings: 16,
            max_total_bytes: 256,
            max_string_len: 5,
            include_executable: true,
            ..StringOptions::default()
        },
    ] {
        let strings = elf.strings(&opts);
        assert!(strings.items.len() <= opts.max_strings);
        let mut total = 0usize;
        for s in &strings.items {
            total += s.text.len();
            assert!(s.text.len() <= opts.max_string_len);
            let start = usize::try_from(s.offset).unwrap();
            assert_eq!(data.get(start..start + s.text.len()), Some(s.text.as_bytes()));
        }
        assert!(total <= opts.max_total_bytes);
    }
});
