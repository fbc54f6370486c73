//! Benchmark against `dexdump -d`: for every APK in `shared/corpus/real` that has code, decode
//! every method of every dex with the indexes built (a fresh process per run, so both sides
//! pay for reading and inflating the APK), next to `dexdump -d APK > /dev/null`, alternating,
//! median of several runs; peak RSS from `/usr/bin/time -v`.
//!
//! `cargo run --release -p unmask-dex --example bench [RUNS]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use unmask_dex::{DexFile, Index};

fn dexes_of(apk: &[u8]) -> Vec<Vec<u8>> {
    let ar = unmask_zip::Archive::parse(apk, unmask_zip::Limits::default()).unwrap();
    let mut out = Vec::new();
    for e in ar.entries() {
        let n = &e.name;
        if n.starts_with("classes") && n.ends_with(".dex") && !n.contains('/') {
            out.push(ar.read(e).unwrap().into_owned());
        }
    }
    out
}

fn rss_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

/// The measured work: one APK.
fn one(path: &Path) {
    let t = Instant::now();
    let apk = std::fs::read(path).unwrap();
    let raw = dexes_of(&apk);
    drop(apk);
    let t_inflate = t.elapsed();
    let rss_inflated = rss_kb("VmRSS:");
    let hwm_inflated = rss_kb("VmHWM:");
    let dexes: Vec<DexFile<'_>> = raw.iter().map(|d| DexFile::parse(d).unwrap()).collect();
    let t_parse = t.elapsed();
    if std::env::var_os("BENCH_DETAIL").is_some() {
        let w = Instant::now();
        let n: u64 = dexes.iter().map(|d| d.scan().instructions).sum();
        eprintln!("SCAN (single thread, everything incl. strings/annotations) {n} instructions in {:.1} ms", w.elapsed().as_secs_f64() * 1e3);
    }
    let t_index = Instant::now();
    let idx = Index::build(&dexes);
    let t_index = t_index.elapsed();
    let _ = t_parse;
    let bytes: usize = raw.iter().map(Vec::len).sum();
    eprintln!(
        "MEM after_inflate_rss_kb={rss_inflated} hwm_after_inflate_kb={hwm_inflated} index_heap_kb={} final_rss_kb={} hwm_kb={}",
        idx.heap_bytes() / 1024,
        rss_kb("VmRSS:"),
        rss_kb("VmHWM:")
    );
    if std::env::var_os("BENCH_DETAIL").is_some() {
        for (n, t) in [
            ("methods", &idx.methods),
            ("fields", &idx.fields),
            ("strings", &idx.strings),
            ("types", &idx.types),
        ] {
            eprintln!(
                "TABLE {n}: keys={} sites={} heap_kb={}",
                t.len(),
                t.site_count(),
                t.heap_bytes() / 1024
            );
        }
    }
    eprintln!(
        "ONE dex_bytes={} instructions={} methods_indexed={} sites={} read+inflate_ms={:.1} index_ms={:.1} ms={:.1}",
        bytes,
        idx.instructions,
        idx.methods.len(),
        idx.methods.site_count() + idx.fields.site_count() + idx.strings.site_count() + idx.types.site_count(),
        t_inflate.as_secs_f64() * 1e3,
        t_index.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
}

struct Run {
    wall: f64,
    cpu: f64,
    rss_kb: u64,
}

fn timed(cmd: &mut Command) -> Run {
    let t = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let wall = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    let field = |k: &str| -> f64 {
        err.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(k)
                    .map(|v| v.trim().parse::<f64>().unwrap_or(0.0))
            })
            .unwrap_or(0.0)
    };
    Run {
        wall,
        cpu: field("User time (seconds):") + field("System time (seconds):"),
        rss_kb: field("Maximum resident set size (kbytes):") as u64,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--one" {
        one(Path::new(&args[2]));
        return;
    }
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
    let me = std::env::current_exe().unwrap();
    let mut apks: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    apks.sort();
    println!("| APK | dex MB | ours wall ms | dexdump wall ms | wall ratio | ours CPU ms | dexdump CPU ms | ours peak RSS MB | RSS / dex size |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let (mut tw_o, mut tw_d) = (0.0, 0.0);
    for apk in apks
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
    {
        let raw = dexes_of(&std::fs::read(apk).unwrap());
        let bytes: usize = raw.iter().map(Vec::len).sum();
        if bytes == 0 {
            continue;
        }
        let (mut ow, mut dw, mut oc, mut dc, mut orss) = (vec![], vec![], vec![], vec![], 0);
        for _ in 0..runs {
            let o = timed(
                Command::new("/usr/bin/time")
                    .arg("-v")
                    .arg(&me)
                    .arg("--one")
                    .arg(apk),
            );
            let d = timed(
                Command::new("/usr/bin/time")
                    .arg("-v")
                    .arg("dexdump")
                    .arg("-d")
                    .arg(apk),
            );
            ow.push(o.wall);
            dw.push(d.wall);
            oc.push(o.cpu);
            dc.push(d.cpu);
            orss = orss.max(o.rss_kb);
        }
        let (ow, dw, oc, dc) = (median(ow), median(dw), median(oc), median(dc));
        tw_o += ow;
        tw_d += dw;
        let mb = bytes as f64 / 1e6;
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.3} | {:.0} | {:.0} | {:.1} | {:.2} |",
            apk.file_name().unwrap().to_string_lossy(),
            mb,
            ow * 1e3,
            dw * 1e3,
            ow / dw,
            oc * 1e3,
            dc * 1e3,
            orss as f64 / 1e3,
            orss as f64 * 1e3 / bytes as f64
        );
    }
    println!(
        "\ntotal wall: ours {:.0} ms, dexdump {:.0} ms, ratio {:.3}",
        tw_o * 1e3,
        tw_d * 1e3,
        tw_o / tw_d
    );
}
