//! Resolves the STIX bundles of `kb/iocs` into the compact form that
//! `IocSet::load_embedded` reads (see `src/blob.rs`), so the JSON is read once per build, not
//! once per run. A bundle that the library would reject fails the build with its error.

use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "src/blob.rs"]
mod blob;
#[allow(dead_code)]
#[path = "src/resolve.rs"]
mod resolve;
#[allow(dead_code)]
#[path = "src/stix.rs"]
mod stix;

fn main() {
    if let Err(e) = run() {
        eprintln!("unmask-ioc build: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let env = |k: &str| std::env::var_os(k).ok_or_else(|| format!("{k} is not set"));
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    let kb = manifest.join("../../kb/iocs");
    for f in ["build.rs", "src/blob.rs", "src/resolve.rs", "src/stix.rs"] {
        println!("cargo:rerun-if-changed={f}");
    }
    let mut w = blob::Writer::new(blob::EMBEDDED_FILES.len());
    for name in blob::EMBEDDED_FILES {
        let path = kb.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let bundle = resolve::resolve(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        w.source(name, bundle.bundle_id.as_deref(), bundle.indicators.len());
        for i in &bundle.indicators {
            w.indicator(
                &i.id,
                i.name.as_deref(),
                &i.pattern,
                i.pattern_type.as_deref(),
                &i.families,
                &i.reports,
            );
        }
    }
    let dest: &Path = &out_dir.join("embedded_iocs.txt");
    std::fs::write(dest, w.finish()).map_err(|e| format!("{}: {e}", dest.display()))
}
