//! `unmask dex`: disassemble one method, or decode everything and say what was decoded.

use std::path::Path;
use std::process::ExitCode;
use unmask_dex::{DexFile, Index};

/// Runs the subcommand; errors go to stderr with the file named.
pub fn run(path: &Path, method: Option<&str>, _all: bool) -> ExitCode {
    let shown = path.display();
    let files = match unmask_apk::dex_files(path, &unmask_apk::Options::default()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("unmask: {e}");
            return ExitCode::from(1);
        }
    };
    if files.is_empty() {
        eprintln!("unmask: {shown}: no dex file inside");
        return ExitCode::from(1);
    }
    let mut parsed = Vec::new();
    let mut failed = false;
    for (name, hidden, bytes) in &files {
        match DexFile::parse(bytes) {
            Ok(d) => parsed.push((name.as_str(), *hidden, d)),
            Err(e) => {
                eprintln!("unmask: {shown}: {name}: {e}");
                failed = true;
            }
        }
    }
    match method {
        Some(desc) => disassemble(&shown.to_string(), &parsed, desc),
        None => {
            summarize(&parsed);
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

fn disassemble(shown: &str, parsed: &[(&str, bool, DexFile<'_>)], desc: &str) -> ExitCode {
    let mut found = false;
    for (name, _, dex) in parsed {
        if let Ok(idx) = dex.find_method(desc) {
            match unmask_dex::disassemble(dex, idx) {
                Ok(text) => {
                    found = true;
                    println!("# {name}");
                    println!("{text}");
                }
                Err(e) => eprintln!("unmask: {shown}: {name}: {desc}: {e}"),
            }
        }
    }
    if found {
        ExitCode::SUCCESS
    } else {
        eprintln!("unmask: {shown}: method {desc} is not defined in any dex file");
        ExitCode::from(1)
    }
}

fn summarize(parsed: &[(&str, bool, DexFile<'_>)]) {
    let loaded: Vec<DexFile<'_>> = parsed
        .iter()
        .filter(|(_, hidden, _)| !hidden)
        .map(|(_, _, d)| d.clone())
        .collect();
    let index = Index::build(&loaded);
    for (name, hidden, d) in parsed {
        let sums = d.checksums();
        println!(
            "{name}{}: dex {:03}, {} classes, {} method ids, {} strings; checksum {}, signature {}",
            if *hidden { " (hidden)" } else { "" },
            d.version(),
            d.class_count(),
            d.method_count(),
            d.string_count(),
            if sums.adler32_ok { "ok" } else { "MISMATCH" },
            if sums.sha1_ok { "ok" } else { "MISMATCH" },
        );
    }
    println!(
        "decoded {} instructions in {} dex file(s); index: {} methods invoked at {} sites, {} fields, {} strings, {} types, {} classes in the hierarchy; {} decode errors",
        index.instructions,
        loaded.len(),
        index.methods.len(),
        index.methods.site_count(),
        index.fields.len(),
        index.strings.len(),
        index.types.len(),
        index.hierarchy.len(),
        index.errors.len()
    );
    for (d, e) in index.errors.iter().take(20) {
        println!("  error in dex #{d}: {e}");
    }
}
