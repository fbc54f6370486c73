//! Times `ResourceTable::parse` and lookups on a resources.arsc file:
//! `cargo run --release -p unmask-res --example arsc_time -- resources.arsc`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: arsc_time FILE");
    let data = std::fs::read(path).unwrap();
    let mut best = std::time::Duration::MAX;
    for _ in 0..20 {
        let t0 = Instant::now();
        let t = unmask_res::ResourceTable::parse(&data).unwrap();
        std::hint::black_box(&t);
        best = best.min(t0.elapsed());
    }
    let t = unmask_res::ResourceTable::parse(&data).unwrap();
    println!("{} bytes: parse best of 20 = {best:?}", data.len());
    let t0 = Instant::now();
    let mut n = 0usize;
    let mut vals = 0usize;
    for p in t.packages() {
        for ty in 1..=p.type_count() as u32 {
            for e in 0..0x10000u32 {
                let id = (p.id << 24) | (ty << 16) | e;
                let v = t.values(id);
                if v.is_empty() && e > 0 {
                    break;
                }
                n += 1;
                vals += v.len();
            }
        }
    }
    println!(
        "values() for all {n} ids ({vals} values): {:?}",
        t0.elapsed()
    );
    let t0 = Instant::now();
    let r = t.resolve_string(0x0104_0000);
    println!(
        "resolve_string(0x01040000) -> {} configs in {:?}",
        r.len(),
        t0.elapsed()
    );
}
