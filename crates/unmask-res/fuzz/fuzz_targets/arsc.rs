#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = unmask_res::ResourceTable::parse(data) {
        let _ = t.anomalies();
        let _ = t.configs();
        for id in t.ids().into_iter().take(64) {
            let _ = t.entries(id);
            let _ = t.resolve_string(id);
        }
        let ids: Vec<u32> = t
            .packages()
            .iter()
            .flat_map(|p| {
                let pid = p.id;
                (1..=p.type_count().min(8) as u32)
                    .flat_map(move |ty| (0..4u32).map(move |e| (pid << 24) | (ty << 16) | e))
            })
            .collect();
        for id in ids {
            let _ = t.values(id);
            let _ = t.entries(id);
            let _ = t.name_of(id);
            let _ = t.resolve_string(id);
        }
    }
});
