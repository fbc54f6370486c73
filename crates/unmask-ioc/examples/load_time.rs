//! Times `IocSet::load_embedded` and one `match_app` (wall clock, and CPU time of this thread
//! from `/proc/thread-self/schedstat`, which a busy machine does not inflate), and reports the
//! peak resident set (`VmHWM` of `/proc/self/status`) before and after.
//!
//! Then, with an argument N, the median of N more loads, and the first and the median of N
//! matches of a large synthetic app (5,000 host names, 2,000 URLs, 500 IPs, 200 package names
//! and hashes, none listed).
//!
//! ```sh
//! cargo run --release -p unmask-ioc --example load_time
//! cargo run --release -p unmask-ioc --example load_time -- 200   # then 200 more loads, for perf
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use unmask_ioc::{AppFacts, IocSet};

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`), 0 when unavailable.
fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU time this thread has run, in nanoseconds (0 when unavailable).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let hwm0 = status_kb("VmHWM");
    let c = cpu_ns();
    let t = Instant::now();
    let set = IocSet::load_embedded().expect("embedded indicators");
    let load = t.elapsed();
    let load_cpu = cpu_ns().saturating_sub(c);
    let hwm1 = status_kb("VmHWM");
    let facts = AppFacts {
        package_names: vec!["com.apspy.app".into(), "com.example.app".into()],
        domains: vec![
            "x.weather4free.com".into(),
            "example.org".into(),
            "github.com".into(),
        ],
        urls: vec!["https://github.com/karma9874/AndroRAT".into()],
        file_sha256s: vec![format!("{:064x}", 7).into()],
        ..AppFacts::default()
    };
    let c = cpu_ns();
    let t = Instant::now();
    let m = set.match_app(&facts);
    let matching = t.elapsed();
    let match_cpu = cpu_ns().saturating_sub(c);
    let hwm2 = status_kb("VmHWM");
    let loops: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    if loops > 0 {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        let loads = (0..loops)
            .map(|_| {
                let t = Instant::now();
                let s = IocSet::load_embedded().expect("embedded indicators");
                let e = t.elapsed().as_secs_f64() * 1e6;
                std::hint::black_box(s.match_app(&facts));
                e
            })
            .collect();
        let big = large_app();
        let t = Instant::now();
        std::hint::black_box(set.match_app(&big));
        let first = t.elapsed().as_secs_f64() * 1e6;
        let matches = (0..loops)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(set.match_app(&big));
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        println!(
            "{loops} more loads: median {:.1} µs; match_app of a large app: first {first:.1} µs, median {:.1} µs",
            median(loads),
            median(matches)
        );
    }
    println!(
        "load_embedded: {:.2} ms wall, {:.2} ms CPU, {} indicators, {} warnings; match_app: {:.3} ms wall, {:.3} ms CPU, {} matches",
        load.as_secs_f64() * 1e3,
        load_cpu as f64 / 1e6,
        set.len(),
        set.warnings().len(),
        matching.as_secs_f64() * 1e3,
        match_cpu as f64 / 1e6,
        m.len()
    );
    println!(
        "VmHWM: {hwm0} kB at start, {hwm1} kB after load (+{} kB), {hwm2} kB after match (+{} kB in all); VmRSS now {} kB",
        hwm1.saturating_sub(hwm0),
        hwm2.saturating_sub(hwm0),
        status_kb("VmRSS")
    );
}

/// A large app with no listed value: 5,000 host names (each looked up with its parent
/// domains), 2,000 URLs, 500 IPs, 200 package names and 200 SHA-256 hashes.
fn large_app() -> AppFacts {
    let hosts = (0..5000).map(|k| format!("api{k}.cdn{}.example{}.com", k % 37, k % 101).into());
    let urls =
        (0..2000).map(|k| format!("https://svc{k}.example.net/v{}/path?q={k}", k % 7).into());
    let ips = (0..500).map(|k| format!("10.{}.{}.{}", k % 250, k % 13, k % 200).into());
    AppFacts {
        package_names: (0..200)
            .map(|k| format!("com.example.pkg{k}").into())
            .collect(),
        domains: hosts.collect(),
        urls: urls.collect(),
        ips: ips.collect(),
        file_sha256s: (0..200).map(|k| format!("{k:064x}").into()).collect(),
        ..AppFacts::default()
    }
}
