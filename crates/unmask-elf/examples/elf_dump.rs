//! Prints the facts and strings of ELF files, with timing.
//!
//! ```text
//! cargo run --release -p unmask-elf --example elf_dump -- [-q] [--json] [--strings] FILE...
//! ```
//!
//! `-q` prints only the timing line per file (parse + facts + strings, best of 5 passes);
//! `--json` prints the facts as JSON; `--strings` lists the strings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use unmask_elf::{Elf, StringOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "-q");
    let json = args.iter().any(|a| a == "--json");
    let list = args.iter().any(|a| a == "--strings");
    let opts = StringOptions::default();
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let mut best = [Duration::MAX; 3];
        let mut found = 0;
        for _ in 0..5 {
            let t0 = Instant::now();
            let Ok(elf) = Elf::parse(&data) else { break };
            let t1 = Instant::now();
            let facts = elf.facts();
            let t2 = Instant::now();
            let strings = elf.strings(&opts);
            let t3 = Instant::now();
            found = strings.items.len();
            std::hint::black_box(&facts);
            for (b, d) in best.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2]) {
                *b = (*b).min(d);
            }
        }
        let elf = match Elf::parse(&data) {
            Ok(elf) => elf,
            Err(e) => {
                println!("{path}: {e}");
                continue;
            }
        };
        let strings = elf.strings(&opts);
        let mb = data.len() as f64 / 1e6;
        let scan_mb = strings.scanned_bytes as f64 / 1e6;
        println!(
            "{path}: {:.2} MB, parse {:?}, facts {:?}, strings {:?} ({found} strings from {scan_mb:.2} MB scanned, {:.0} MB/s of scanned data, {:.0} MB/s of file)",
            mb,
            best[0],
            best[1],
            best[2],
            scan_mb / best[2].as_secs_f64(),
            mb / (best[0] + best[1] + best[2]).as_secs_f64(),
        );
        if quiet {
            continue;
        }
        let facts = elf.facts();
        if json {
            println!("{}", serde_json::to_string_pretty(&facts).unwrap());
        } else {
            println!(
                "  {:?} {:?} {} ({:?}) {}; {} sections, {} segments; dynamic from {:?}, symbols from {:?}",
                facts.class,
                facts.endian,
                facts.machine,
                facts.machine_name,
                facts.kind,
                facts.section_count,
                facts.segment_count,
                facts.dynamic_source,
                facts.symbol_source
            );
            println!("  needed: {:?}", facts.needed);
            println!("  soname: {:?}", facts.soname);
            println!(
                "  {} exports, {} imports",
                facts.exports.len(),
                facts.imports.len()
            );
            for j in &facts.jni {
                println!(
                    "  jni {:?} {} -> {:?}.{:?} {:?}",
                    j.kind, j.symbol, j.class, j.method, j.signature
                );
            }
            for a in &facts.anomalies {
                println!("  anomaly {}: {}", a.kind, a.detail);
            }
        }
        if list {
            for s in &strings.items {
                println!(
                    "  {:#08x} {}[{}] x{} {:?}",
                    s.offset, s.region.name, s.region.index, s.count, s.text
                );
            }
        }
    }
}
