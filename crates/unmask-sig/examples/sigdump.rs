//! Prints what unmask-sig reads from the APK Signing Block of each APK given on the command line.
//! The central directory offset comes from a minimal EOCD lookup (no ZIP64).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

fn main() {
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).expect("read");
        let Some(eocd) = data.windows(4).rposition(|w| w == b"PK\x05\x06") else {
            println!("{path}: no EOCD");
            continue;
        };
        let cd = u32::from_le_bytes(data[eocd + 16..eocd + 20].try_into().unwrap());
        match unmask_sig::read_signing_block(&data, u64::from(cd)) {
            Ok(None) => println!("{path}: no signing block"),
            Err(e) => println!("{path}: error: {e}"),
            Ok(Some(b)) => {
                println!("{path}:");
                for e in &b.entries {
                    println!("  pair {:#010x} {:?} {} bytes", e.id, e.name, e.len);
                }
                for s in &b.signers {
                    let certs: Vec<_> = s.certificates.iter().map(|c| &c.sha256[..16]).collect();
                    println!(
                        "  signer {} sdk {:?} certs {certs:?} lineage {}",
                        s.scheme,
                        s.sdk_range,
                        s.lineage.len()
                    );
                }
                for a in &b.anomalies {
                    println!("  anomaly: {a}");
                }
            }
        }
    }
}
