//! Prints the anomalies and the root element of a binary XML file (or an APK's manifest, if
//! given a raw manifest path).
#![allow(clippy::unwrap_used, clippy::expect_used)]

fn main() {
    for p in std::env::args().skip(1) {
        let data = std::fs::read(&p).unwrap();
        match unmask_res::parse_xml(&data) {
            Ok(d) => {
                println!(
                    "{p}: root {:?}",
                    d.root.as_ref().map(|r| (&r.name, r.children.len()))
                );
                for a in &d.anomalies {
                    println!("   {a}");
                }
            }
            Err(e) => println!("{p}: ERR {e}"),
        }
    }
}
