//! Times `Kb::embedded`, then the first use of each table (which parses it), the first
//! tracker matches (which build the signature prefilters) and the first packer matches
//! (which compile their regexes), then a second round of matches.
//!
//! `kb_load N` also loads the knowledge base N more times and prints the medians of
//! `Kb::embedded`, of `Kb::embedded` plus parsing every table, and of
//! `Kb::embedded_checked` (every check, everything compiled); `kb_load N parse` skips the
//! last. For profiling: `perf record -g target/release/examples/kb_load 2000 parse`.
use std::time::{Duration, Instant};

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

fn median(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n).map(|_| time(&mut f).1).collect();
    times.sort_unstable();
    times.get(n / 2).copied().unwrap_or_default()
}

fn parse_all(kb: &unmask_kb::Kb) -> usize {
    kb.permissions.len()
        + kb.apis.len()
        + kb.content_uris.len()
        + kb.sinks.len()
        + kb.trackers.len()
        + kb.packers.len()
        + kb.watched_apps.len()
}

fn main() {
    let (kb, load) = time(unmask_kb::Kb::embedded);
    let Ok(kb) = kb else {
        return;
    };
    println!("Kb::embedded {load:?}");
    let tables: [(&str, &dyn Fn() -> usize); 7] = [
        ("permissions", &|| kb.permissions.len()),
        ("apis", &|| kb.apis.len()),
        ("content uris", &|| kb.content_uris.len()),
        ("sinks", &|| kb.sinks.len()),
        ("trackers", &|| kb.trackers.len()),
        ("packers", &|| kb.packers.len()),
        ("watched apps", &|| kb.watched_apps.len()),
    ];
    let mut total = Duration::ZERO;
    for (name, f) in tables {
        let (n, d) = time(f);
        total += d;
        println!("first use of {name}: {d:?} ({n} rows)");
    }
    println!("all tables: {total:?}");
    for round in 0..2 {
        let (_, host) = time(|| kb.trackers.match_host("www.google-analytics.com"));
        let (_, class) = time(|| {
            kb.trackers
                .match_class("com/google/firebase/analytics/FirebaseAnalytics")
        });
        let (_, lib) = time(|| kb.packers.match_native_lib("libfoo.so"));
        let (_, asset) = time(|| kb.packers.match_asset("foo/bar.dat"));
        let (_, pclass) = time(|| kb.packers.match_class("com.example.Main"));
        println!(
            "round {round}: trackers match_host {host:?}, match_class {class:?}; \
             packers native lib {lib:?}, asset {asset:?}, class {pclass:?}"
        );
    }
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    if n > 0 {
        let embedded = median(n, || drop(unmask_kb::Kb::embedded()));
        let parsed = median(n, || {
            if let Ok(kb) = unmask_kb::Kb::embedded() {
                parse_all(&kb);
            }
        });
        println!("x{n} medians: Kb::embedded {embedded:?}; + every table parsed {parsed:?}");
        if std::env::args().nth(2).as_deref() == Some("parse") {
            return;
        }
        let checked = median(n.div_ceil(10), || drop(unmask_kb::Kb::embedded_checked()));
        println!("x{n} medians: Kb::embedded {embedded:?}; Kb::embedded_checked {checked:?}");
    }
}
