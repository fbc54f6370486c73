//! `unmask`: take an Android app apart and show, with evidence, what it declares.
#![forbid(unsafe_code)]

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use unmask_analysis::Findings;
use unmask_apk::model::Report;
use unmask_ioc::IocSet;
use unmask_kb::Kb;

mod dex;
mod text;

/// unmask reads Android apps (APK, split bundles, DEX) and reports what they declare and
/// collect. It never runs the app and never sends anything anywhere.
#[derive(Parser)]
#[command(
    name = "unmask",
    version,
    about = "Take an Android app apart and show, with evidence, what it declares and collects.\nunmask reads apps (APK, split bundles, DEX); it never runs them and never sends anything anywhere."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse one or more apps and print a report for each.
    ///
    /// Inputs are recognised by content: an APK (ZIP with AndroidManifest.xml), a split-APK
    /// bundle (.apks, .xapk, .apkm: every APK inside is analysed) or a bare DEX file. Inputs
    /// are analysed independently and in parallel; the reports are printed in the order the
    /// inputs were given. A file that cannot be analysed is reported on stderr (and as an
    /// error document in JSON) and the others still complete.
    ///
    /// Exit status: 0 when every input was analysed, 1 when at least one could not be,
    /// 2 on a usage error.
    Scan {
        /// Files to analyse.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format: `text` for people, `json` for machines (one JSON document per input,
        /// one per line; schema in schema/scan-report.schema.json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Indent JSON output (one document per input, separated by newlines).
        #[arg(long)]
        pretty: bool,
        /// Number of inputs analysed at once (default: number of cores). Each input still uses
        /// every core for its own work; a lower number bounds the memory of a large batch.
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
        /// Do not compute MD5/SHA-1/SHA-256 of the inputs (they are reported as null); hashing
        /// dominates the time of a scan without code analysis on large files.
        #[arg(long)]
        no_hash: bool,
        /// Do not decode the code: read dex headers only (no method is decoded and no
        /// cross-reference index is built). The fastest scan, for manifest-level triage.
        #[arg(long)]
        no_code: bool,
        /// Read input files into memory instead of memory-mapping them; use it when inputs may
        /// be modified or truncated while they are scanned (a mapped file truncated meanwhile
        /// would stop the run).
        #[arg(long)]
        no_mmap: bool,
        /// Use the knowledge base in DIR instead of the one built into unmask (same layout as
        /// the repository's kb/: api/, trackers/, packers/, apps/, optional android/). Every
        /// file is checked at start-up; a bad file stops the run with its name and line.
        #[arg(long, value_name = "DIR")]
        kb: Option<PathBuf>,
        /// Also match against the indicators of compromise in FILE (a STIX 2.1 bundle, as MVT
        /// reads them). Repeatable. The built-in indicator sets are always used unless
        /// --no-builtin-iocs is given.
        #[arg(long, value_name = "FILE")]
        iocs: Vec<PathBuf>,
        /// Do not use the indicator sets built into unmask (only those given with --iocs).
        #[arg(long)]
        no_builtin_iocs: bool,
        /// Report only what the app declares and contains (manifest, resources, signatures,
        /// file and code facts): no knowledge base is loaded and no analysis runs, so there
        /// are no findings (the JSON has no `analysis` member). With --no-code and --no-hash,
        /// the quickest look at an app.
        #[arg(long)]
        no_analysis: bool,
    },
    /// Decode the code of an app (APK, split bundle or DEX) and show it.
    ///
    /// With --method, prints a smali-style disassembly of that method, with bytecode offsets,
    /// so findings can be checked by hand. Without it, decodes every method of every dex file,
    /// builds the cross-reference indexes and prints what was decoded.
    Dex {
        /// The app or dex file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Method to disassemble, as `Lcom/example/Foo;->bar(ILjava/lang/String;)V`.
        #[arg(long, value_name = "DESCRIPTOR")]
        method: Option<String>,
        /// Decode every method and build the indexes (the default when --method is absent).
        #[arg(long)]
        all: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// A readable terminal summary.
    Text,
    /// JSON documents following schema/scan-report.schema.json.
    Json,
}

/// What `unmask scan` prints for one input: the app model and the findings.
#[derive(serde::Serialize)]
struct ScanDoc {
    #[serde(flatten)]
    report: Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Findings>,
}

/// The knowledge the analyses use.
struct Knowledge {
    kb: Kb,
    iocs: IocSet,
}

fn load_knowledge(
    kb_dir: Option<&Path>,
    iocs: &[PathBuf],
    builtin_iocs: bool,
) -> Result<Knowledge, String> {
    let kb = match kb_dir {
        Some(dir) => Kb::from_dir(dir).map_err(|e| format!("knowledge base: {e}"))?,
        None => Kb::embedded().map_err(|e| format!("built-in knowledge base: {e}"))?,
    };
    let mut set = if builtin_iocs {
        IocSet::load_embedded().map_err(|e| format!("built-in indicators: {e}"))?
    } else {
        IocSet::new()
    };
    for f in iocs {
        set.add_file(f).map_err(|e| format!("indicators: {e}"))?;
    }
    Ok(Knowledge { kb, iocs: set })
}

/// The knowledge, loaded on a thread of its own while the first inputs are read.
struct Deferred {
    /// What to load, kept to load it here if the thread cannot be started.
    args: (Option<PathBuf>, Vec<PathBuf>, bool),
    handle: std::sync::Mutex<Option<std::thread::JoinHandle<Result<Knowledge, String>>>>,
    cell: std::sync::OnceLock<Result<Knowledge, String>>,
}

impl Deferred {
    /// Starts loading.
    fn start(kb_dir: Option<PathBuf>, iocs: Vec<PathBuf>, builtin_iocs: bool) -> Deferred {
        let args = (kb_dir, iocs, builtin_iocs);
        let (d, i, b) = args.clone();
        let handle = std::thread::Builder::new()
            .name("unmask-knowledge".into())
            .spawn(move || load_knowledge(d.as_deref(), &i, b))
            .ok();
        Deferred {
            args,
            handle: std::sync::Mutex::new(handle),
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The knowledge, waiting for it if it is still loading.
    fn get(&self) -> &Result<Knowledge, String> {
        self.cell.get_or_init(|| {
            let handle = match self.handle.lock() {
                Ok(mut h) => h.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            };
            match handle {
                Some(h) => h.join().unwrap_or_else(|_| {
                    Err("internal error while loading the knowledge base".into())
                }),
                // The thread could not be started: load here.
                None => load_knowledge(self.args.0.as_deref(), &self.args.1, self.args.2),
            }
        })
    }
}

fn analyse(
    path: &Path,
    k: Option<&Deferred>,
    opts: &unmask_analysis::Options,
) -> Result<ScanDoc, String> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match k {
        Some(k) => {
            let knowledge = || k.get().as_ref().ok().map(|k| (&k.kb, &k.iocs));
            unmask_analysis::analyze_path_deferred(path, &knowledge, opts)
                .map(|(report, a)| (report, Some(a)))
        }
        None => unmask_apk::analyze_file(path, &opts.apk).map(|r| (r, None)),
    }));
    match caught {
        Ok(Ok((report, analysis))) => Ok(ScanDoc { report, analysis }),
        Ok(Err(e)) => Err(e.message),
        Err(_) => Err("internal error while analysing (a bug in unmask; please report it)".into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan {
            files,
            format,
            pretty,
            jobs,
            no_hash,
            no_code,
            no_mmap,
            kb,
            iocs,
            no_builtin_iocs,
            no_analysis,
        } => {
            let knowledge = (!no_analysis).then(|| Deferred::start(kb, iocs, !no_builtin_iocs));
            let code = scan(
                &files,
                format,
                pretty,
                jobs,
                knowledge.as_ref(),
                unmask_analysis::Options {
                    apk: unmask_apk::Options {
                        hashes: !no_hash,
                        code: !no_code,
                        mmap: !no_mmap,
                        ..Default::default()
                    },
                    ..Default::default()
                },
            );
            // Not freed piece by piece: the process ends.
            std::mem::forget(knowledge);
            code
        }
        Command::Dex { file, method, all } => dex::run(&file, method.as_deref(), all),
    }
}

fn scan(
    files: &[PathBuf],
    format: Format,
    pretty: bool,
    jobs: Option<usize>,
    knowledge: Option<&Deferred>,
    opts: unmask_analysis::Options,
) -> ExitCode {
    // Every core works for the inputs. `--jobs` bounds how many inputs are analysed at once
    // (and so the memory held), not how many cores one input may use: the parallel work inside
    // an input (entry sniffing, dex decoding, the analyses) spreads over the whole pool.
    let pool = rayon::ThreadPoolBuilder::new().build();
    let run = || -> Vec<Result<ScanDoc, String>> {
        let lanes = jobs
            .filter(|&j| j > 0)
            .unwrap_or_else(rayon::current_num_threads);
        if lanes >= files.len() {
            return files
                .par_iter()
                .map(|p| analyse(p, knowledge, &opts))
                .collect();
        }
        // `lanes` loops, each taking the next input when it has finished one; results are put
        // back in input order.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut done: Vec<(usize, Result<ScanDoc, String>)> = (0..lanes)
            .into_par_iter()
            .flat_map_iter(|_| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = files.get(i) else { break };
                    mine.push((i, analyse(p, knowledge, &opts)));
                }
                mine
            })
            .collect();
        done.sort_unstable_by_key(|d| d.0);
        done.into_iter().map(|d| d.1).collect()
    };
    let results = match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    // A knowledge base or indicator file that cannot be loaded stops the run before anything
    // is printed.
    if let Some(Err(e)) = knowledge.map(Deferred::get) {
        eprintln!("unmask: {e}");
        return ExitCode::from(2);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for (path, result) in files.iter().zip(&results) {
        let shown = path.display().to_string();
        let written = match (result, format) {
            (Ok(doc), Format::Text) => {
                text::write_report(&mut out, &doc.report, doc.analysis.as_ref())
            }
            (Ok(doc), Format::Json) => write_json(&mut out, doc, pretty),
            (Err(message), fmt) => {
                failed += 1;
                eprintln!("unmask: {shown}: {message}");
                if fmt == Format::Json {
                    let doc = serde_json::json!({
                        "schema_version": unmask_apk::model::SCHEMA_VERSION,
                        "tool_version": env!("CARGO_PKG_VERSION"),
                        "input": { "path": shown },
                        "error": message,
                    });
                    write_json(&mut out, &doc, pretty)
                } else {
                    writeln!(out, "== {shown}\n   ERROR: {message}\n").map_err(Into::into)
                }
            }
        };
        if let Err(e) = written {
            // Broken pipe or full disk: nothing more can be printed.
            eprintln!("unmask: cannot write output: {e}");
            return ExitCode::from(1);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(1);
    }
    // The process ends now: freeing every report piece by piece would only cost time.
    std::mem::forget(results);
    if failed > 0 {
        eprintln!(
            "unmask: {failed} of {} input(s) could not be analysed",
            files.len()
        );
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn write_json<W: Write, T: serde::Serialize>(out: &mut W, value: &T, pretty: bool) -> Result<()> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    writeln!(out)?;
    Ok(())
}
