//! Prints the findings of each input as JSON, and timings on stderr.
//! `cargo run --release -p unmask-analysis --example findings -- APK...`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use unmask_analysis::{analyze, analyze_path, Code, Options};

fn main() {
    let kb = unmask_kb::Kb::shared_embedded().expect("kb");
    let iocs = unmask_ioc::IocSet::load_embedded().expect("iocs");
    let opts = Options::default();
    let quiet = std::env::var_os("QUIET").is_some();
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let t = Instant::now();
        let (_report, findings) = analyze_path(path, kb, &iocs, &opts).expect("analyze");
        let total = t.elapsed();
        // Index::build alone, and analyses alone on the same index.
        let files = unmask_apk::dex_files(path, &opts.apk).expect("dex");
        let dexes: Vec<_> = files
            .iter()
            .filter_map(|(_, _, b)| unmask_dex::DexFile::parse(b).ok())
            .collect();
        let names: Vec<String> = files.iter().map(|(n, _, _)| n.clone()).collect();
        let t = Instant::now();
        let index = unmask_dex::Index::build(&dexes);
        let index_time = t.elapsed();
        let report = unmask_apk::analyze_file(
            path,
            &unmask_apk::Options {
                code: false,
                ..Default::default()
            },
        )
        .expect("report");
        let code = Code {
            names: &names,
            dexes: &dexes,
            index: &index,
        };
        let t = Instant::now();
        let again = analyze(&report, &code, kb, &iocs, &opts);
        let analysis_time = t.elapsed();
        eprintln!(
            "{arg}: analyze_path {:.3}s, Index::build {:.3}s, analyses alone {:.3}s, {} findings",
            total.as_secs_f64(),
            index_time.as_secs_f64(),
            analysis_time.as_secs_f64(),
            again.findings.len()
        );
        if !quiet {
            println!("{}", serde_json::to_string_pretty(&findings).expect("json"));
        }
    }
}
