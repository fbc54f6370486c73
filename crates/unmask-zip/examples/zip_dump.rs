//! Dumps entries and anomalies of ZIP files, and times open + read-all.
//! `cargo run --release -p unmask-zip --example zip_dump -- [-q] FILE...`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use std::time::Instant;
use unmask_zip::{Archive, Limits};

fn main() {
    let mut quiet = false;
    let mut total_ms = 0.0;
    for path in std::env::args().skip(1) {
        if path == "-q" {
            quiet = true;
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let t = Instant::now();
        let mut bytes = 0usize;
        let mut errs = 0usize;
        let res = Archive::parse(&data, Limits::default());
        match &res {
            Err(e) => println!("{path}: ERROR {e}"),
            Ok(a) => {
                for e in a.entries() {
                    match a.read(e) {
                        Ok(d) => bytes += d.len(),
                        Err(err) => {
                            errs += 1;
                            if !quiet {
                                println!("  read error: {err}");
                            }
                        }
                    }
                }
            }
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        total_ms += ms;
        if let Ok(a) = res {
            println!(
                "{path}: {} entries, {} anomalies, {bytes} bytes out, {errs} read errors, {ms:.1} ms",
                a.entries().len(),
                a.anomalies().len()
            );
            if !quiet {
                for an in a.anomalies() {
                    println!(
                        "  [{}{}] {:?}: {}",
                        an.kind,
                        if an.android_rejects {
                            ", android rejects"
                        } else {
                            ""
                        },
                        an.entry,
                        an.detail
                    );
                }
            }
        }
    }
    println!("total {total_ms:.1} ms");
}
