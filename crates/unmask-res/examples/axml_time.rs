//! Times `parse_xml` on each file given and prints the slowest:
//! `cargo run --release -p unmask-res --example axml_time -- FILES...`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

fn main() {
    let mut times = Vec::new();
    for p in std::env::args().skip(1) {
        let data = std::fs::read(&p).unwrap();
        let t0 = Instant::now();
        let r = unmask_res::parse_xml(&data);
        let dt = t0.elapsed();
        let strings: usize = r
            .as_ref()
            .ok()
            .and_then(|d| d.root.as_ref())
            .map(|r| {
                r.attributes
                    .iter()
                    .map(|a| a.raw_value.as_ref().map_or(0, |s| s.len()))
                    .sum()
            })
            .unwrap_or(0);
        times.push((dt, data.len(), strings, p));
    }
    times.sort();
    let total: std::time::Duration = times.iter().map(|t| t.0).sum();
    println!("{} files, total {total:?}", times.len());
    for t in times.iter().rev().take(5) {
        println!("{:?} {} bytes, root attr text {} : {}", t.0, t.1, t.2, t.3);
    }
}
