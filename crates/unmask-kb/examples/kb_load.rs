//! Times loading the embedded knowledge base and the first tracker matches (which compile
//! the signature sets), then a second round (compiled).
fn main() {
    let t = std::time::Instant::now();
    let Ok(kb) = unmask_kb::Kb::embedded() else {
        return;
    };
    let load = t.elapsed();
    for round in 0..2 {
        let t = std::time::Instant::now();
        let _ = kb.trackers.match_host("www.google-analytics.com");
        let host = t.elapsed();
        let t = std::time::Instant::now();
        let _ = kb
            .trackers
            .match_class("com/google/firebase/analytics/FirebaseAnalytics");
        let class = t.elapsed();
        println!("round {round}: match_host {host:?}; match_class {class:?}");
    }
    println!("Kb::embedded {load:?}");
}
