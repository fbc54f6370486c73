//! ZIP container reader for APKs, following Android's `libziparchive` / `libandroidfw` policy.
//!
//! APKs are hostile input: malware authors craft ZIPs that Android installs but analysers
//! choke on. This crate reads an archive **the way Android does** (so it never fails where
//! Android succeeds) and records every divergence from a well-formed ZIP as an [`Anomaly`],
//! because divergence is evidence of evasion. It never allocates an attacker-chosen size.
//!
//! # Policy
//!
//! | situation | what this crate does | `kind` | `android_rejects` |
//! |---|---|---|---|
//! | no EOCD, CD outside the file, CD overlapping the EOCD, no CD signature at the CD offset | [`ZipError::Malformed`] with offsets | — | — |
//! | more CD records than [`Limits::max_entries`] | [`ZipError::LimitExceeded`] | — | — |
//! | last EOCD signature unusable (fake EOCD in the comment) | earlier candidates are retried | `fake_eocd` | yes |
//! | a second valid EOCD (before the used one) with a different CD: hidden archive view | the last valid EOCD is used, as Android | `multiple_eocd` | no |
//! | EOCD found only beyond the 64 KiB search window | used | `eocd_outside_search_window` | yes |
//! | bytes after EOCD + comment | parsed | `trailing_data` | yes |
//! | EOCD comment length past end of file | parsed | `eocd_comment_truncated` | yes |
//! | offset 0 is not a local header (polyglot, prepended stub) | parsed; self-extractor offsets are rebased | `prepended_data` | yes |
//! | bytes between CD end and EOCD | parsed | `data_before_eocd` | no |
//! | EOCD entry count ≠ records in the CD | every record is walked and returned | `entry_count_mismatch` | yes if the CD holds fewer |
//! | CD size ≠ extent of its records | every record is walked | `central_directory_size_mismatch` | yes if records overrun it |
//! | CD record cut off by the EOCD | walk stops there | `truncated_central_directory` | yes |
//! | no entries | empty archive | `empty_archive` | yes |
//! | duplicate name | all kept; [`Archive::find`] returns the first | `duplicate_entry` | yes |
//! | non-UTF-8 name | lossy name | `non_utf8_name` | yes |
//! | `..`, absolute, backslash, drive letter, NUL in name | `unsafe_name = true` | `unsafe_name` | yes only for NUL |
//! | control characters (CR, LF, …) in name | kept | `control_character_in_name` | no |
//! | empty name | kept | `empty_name` | no |
//! | encrypted bit set | ignored (read as plain) | `encrypted_flag` | no |
//! | method neither 0 nor 8 | read as stored, as libandroidfw | `unknown_compression_method` | no |
//! | non-deflate entry with compressed ≠ uncompressed size | `uncompressed_size` bytes read, as libandroidfw | `stored_size_mismatch` | no |
//! | LFH method ≠ CD method (BadPack) | CD wins | `local_method_mismatch` | no |
//! | LFH flags ≠ CD flags | CD wins | `local_flags_mismatch` | no |
//! | LFH sizes / CRC ≠ CD without data descriptor | CD wins | `local_size_mismatch`, `local_crc_mismatch` | yes (entry not extractable) |
//! | LFH name ≠ CD name | CD name used | `local_name_mismatch` | yes |
//! | LFH missing / offset not before CD | [`Archive::read`] fails for that entry | `local_header_invalid` | yes |
//! | malformed / oversized (> 16 KiB) extra field | ignored | `malformed_extra_field`, `oversized_extra_field` | no |
//! | entry data past EOF or into the CD | read fails if past EOF | `entry_data_out_of_bounds` | no |
//! | entries whose data overlap (overlap bombs) | read normally, counted in the total cap | `overlapping_entries` | no |
//! | zip64 records | supported | `zip64` | no |
//! | disk-number fields not single-disk | ignored | `multi_disk_fields` | no |
//! | more than 64 anomalies of one kind | the rest counted | `anomalies_truncated` | as the kind |
//!
//! The CRC is **not checked** (Android has `kCrcChecksEnabled = false`). The central
//! directory is authoritative for method, sizes and CRC; the local header only supplies the
//! name and extra lengths that locate the data. Deflated entries are inflated to the end of
//! the stream (bounded by the caps), even if that differs from the declared size, so
//! analysts see everything; a corrupt or truncated stream is a [`ZipError::Malformed`].
//!
//! # Zip bombs
//!
//! [`Archive::read`] inflates incrementally into a `Vec` that grows as output arrives. The
//! up-front reservation is at most min(declared size, cap, 8 MiB); the declared size is never
//! trusted beyond the cap. The cap for one read is the smallest of
//! [`Limits::max_entry_size`], what remains of [`Limits::max_total_size`] (inflated bytes
//! are counted across all reads of one [`Archive`], with an atomic counter), and `max_ratio × compressed size`
//! (with a floor of 1 MiB so tiny, highly compressible files are not refused). Exceeding
//! it gives [`ZipError::LimitExceeded`] naming the entry and the cap. Stored entries are
//! returned zero-copy ([`Cow::Borrowed`]) and do not count towards the total.
//!
//! # Why the structure walk is hand-written
//!
//! The project's dependency review recommended `rawzip`. It is a good generic reader, but for
//! hostile APKs we need control it does not give: its locator takes the last EOCD signature
//! and does not retry earlier ones (fake-EOCD trick); it silently rebases offsets on
//! prepended data, where Android rejects and we must say so; its CD walk is bounded by the
//! declared CD size and a bad record is a terminal error, where we keep every entry before
//! it, walk records the size hides and record each divergence; and every local-header
//! field must be compared with the CD to record the evasion. The ZIP structure is small
//! (three record types plus zip64), so the walk is one bounds-checked module (`parse.rs`,
//! most of it diagnostics) with no `unsafe`, no unchecked indexing and no unchecked
//! arithmetic on input values. Inflate is `flate2` with the `zlib-rs` backend. `rawzip`
//! remains a dev-dependency only, as a differential oracle in the corpus test.
//!
//! Short prefixes ([`Archive::read_prefix`] of up to 32 bytes, the magic-byte sniffing of
//! every entry) skip zlib's table set-up, which dominated scans of APKs with thousands of
//! small deflated entries: `prefix.rs` reads the block header with zlib's own checks and
//! decodes the few symbols needed, and answers only when it knows zlib's answer (same bytes,
//! no error); otherwise zlib inflates as for any read. The unit tests compare both on
//! generated, truncated and bit-flipped streams and on hand-built headers breaking each rule.
//!
//! The structure walk of an archive of 512 entries or more runs in two halves at once on
//! the caller's rayon pool (`rayon::join`, so a busy or one-thread pool walks in one go):
//! the first read of each local header is a page fault or a cache miss, and the checks of
//! thousands of records add up. The second half's entries and anomalies are appended after
//! the first's, with the per-kind anomaly cap applied as in one walk (a unit test compares
//! both).
//!
//! `android_rejects` is true when `libziparchive` refuses the archive at open time, or refuses
//! to extract the entry concerned (LFH size/CRC/name disagreement, unusable local header).
//!
//! # Testing
//!
//! Unit tests (`src/tests.rs`) build every trick byte by byte with a test-only ZIP writer and
//! check the anomaly kind, that content still reads, and the error texts. `tests/corpus.rs`
//! walks `../shared/corpus/{real,malformed,edge}`: every file must give `Ok` or a clear
//! `Err`; entry lists (raw names, sizes, CRCs, methods) are compared with Python's `zipfile`
//! and, for the real APKs, with `rawzip`; every inflated entry's CRC-32 is recomputed; each
//! file of `malformed/NOTES.tsv` has a specific expectation.
//!
//! # Throughput
//!
//! `cargo run --release -p unmask-zip --example zip_dump -- -q ../shared/corpus/real/*.apk`
//! (open + read every entry, best of 3, 2-core shared machine): ApiDemos 23 ms,
//! uiautomator2-server 98 ms (43 MB inflated), framework-res 10 ms (stored arsc, zero-copy),
//! settings 18 ms; all five real APKs 150 ms for 107 MB of output.
//!
//! # Fuzzing
//!
//! A cargo-fuzz target `zip` (in `crates/unmask-zip/fuzz`, its own workspace) parses any
//! input and reads every entry with small limits. Smoke run on stable:
//!
//! ```text
//! cd crates/unmask-zip/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run zip -- -max_total_time=60
//! ```
#![forbid(unsafe_code)]

mod bytes;
mod inflate;
mod names;
mod parse;
mod prefix;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests;

use serde::Serialize;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::slice_at64;
use inflate::InflateError;
use parse::METHOD_DEFLATE;

/// Compression method 0: stored.
pub const METHOD_STORED: u16 = parse::METHOD_STORED;
/// Compression method 8: deflate. Every other method is read as stored (libandroidfw).
pub const METHOD_DEFLATED: u16 = parse::METHOD_DEFLATE;

/// Prefixes up to this length (magic-byte sniffing) are inflated without zlib's table set-up
/// when that gives zlib's answer (`prefix.rs`).
const MAX_QUICK_PREFIX: usize = 32;

/// Below this many output bytes the ratio cap does not apply.
const RATIO_FLOOR: u64 = 1 << 20;

/// Stable anomaly kinds (the `kind` field of [`Anomaly`]). See the crate docs for the policy.
pub mod kind {
    /// An EOCD signature after the one used is not usable (fake EOCD, typically in the comment).
    pub const FAKE_EOCD: &str = "fake_eocd";
    /// Another valid EOCD, before the one used, describes a different central directory.
    pub const MULTIPLE_EOCD: &str = "multiple_eocd";
    /// The EOCD was found only beyond Android's 64 KiB + 22 search window.
    pub const EOCD_OUTSIDE_SEARCH_WINDOW: &str = "eocd_outside_search_window";
    /// Bytes after the EOCD record and its comment.
    pub const TRAILING_DATA: &str = "trailing_data";
    /// The EOCD comment length runs past the end of the file.
    pub const EOCD_COMMENT_TRUNCATED: &str = "eocd_comment_truncated";
    /// Offset 0 does not hold the first local header.
    pub const PREPENDED_DATA: &str = "prepended_data";
    /// Bytes between the end of the central directory and the EOCD.
    pub const DATA_BEFORE_EOCD: &str = "data_before_eocd";
    /// The EOCD entry count differs from the number of central-directory records.
    pub const ENTRY_COUNT_MISMATCH: &str = "entry_count_mismatch";
    /// The EOCD central-directory size differs from the extent of its records.
    pub const CENTRAL_DIRECTORY_SIZE_MISMATCH: &str = "central_directory_size_mismatch";
    /// A central-directory record is cut off.
    pub const TRUNCATED_CENTRAL_DIRECTORY: &str = "truncated_central_directory";
    /// The archive has no entries.
    pub const EMPTY_ARCHIVE: &str = "empty_archive";
    /// Two entries have the same raw name.
    pub const DUPLICATE_ENTRY: &str = "duplicate_entry";
    /// The name is not valid UTF-8.
    pub const NON_UTF8_NAME: &str = "non_utf8_name";
    /// The name would be dangerous as a path (`..`, absolute, backslash, drive, NUL).
    pub const UNSAFE_NAME: &str = "unsafe_name";
    /// The name contains ASCII control characters.
    pub const CONTROL_CHARACTER_IN_NAME: &str = "control_character_in_name";
    /// The name is empty.
    pub const EMPTY_NAME: &str = "empty_name";
    /// The encryption bit is set (ignored, as Android does).
    pub const ENCRYPTED_FLAG: &str = "encrypted_flag";
    /// A compression method other than stored or deflate (read as stored).
    pub const UNKNOWN_COMPRESSION_METHOD: &str = "unknown_compression_method";
    /// An entry read as stored has different compressed and uncompressed sizes.
    pub const STORED_SIZE_MISMATCH: &str = "stored_size_mismatch";
    /// Local header method differs from the central directory.
    pub const LOCAL_METHOD_MISMATCH: &str = "local_method_mismatch";
    /// Local header flags differ from the central directory.
    pub const LOCAL_FLAGS_MISMATCH: &str = "local_flags_mismatch";
    /// Local header sizes differ from the central directory (no data descriptor).
    pub const LOCAL_SIZE_MISMATCH: &str = "local_size_mismatch";
    /// Local header CRC differs from the central directory (no data descriptor).
    pub const LOCAL_CRC_MISMATCH: &str = "local_crc_mismatch";
    /// Local header name differs from the central directory.
    pub const LOCAL_NAME_MISMATCH: &str = "local_name_mismatch";
    /// The local header is missing, misplaced or cut off.
    pub const LOCAL_HEADER_INVALID: &str = "local_header_invalid";
    /// An extra field is structurally inconsistent.
    pub const MALFORMED_EXTRA_FIELD: &str = "malformed_extra_field";
    /// An extra field is longer than 16 KiB.
    pub const OVERSIZED_EXTRA_FIELD: &str = "oversized_extra_field";
    /// Entry data runs past the end of the file or into the central directory.
    pub const ENTRY_DATA_OUT_OF_BOUNDS: &str = "entry_data_out_of_bounds";
    /// Two entries' local header + data ranges overlap.
    pub const OVERLAPPING_ENTRIES: &str = "overlapping_entries";
    /// zip64 structures are used.
    pub const ZIP64: &str = "zip64";
    /// EOCD disk-number fields are not those of a single-disk archive.
    pub const MULTI_DISK_FIELDS: &str = "multi_disk_fields";
    /// Too many anomalies of one kind; the rest were counted, not listed.
    pub const ANOMALIES_TRUNCATED: &str = "anomalies_truncated";
}

/// Caps that protect against zip bombs and huge archives. Every cap is enforced
/// before allocation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size of one entry, in bytes.
    pub max_entry_size: u64,
    /// Largest sum of decompressed bytes read through one [`Archive`].
    pub max_total_size: u64,
    /// Largest ratio uncompressed/compressed accepted for a deflated entry.
    pub max_ratio: u64,
    /// Largest number of central-directory entries walked.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_size: 512 << 20,
            max_total_size: 4 << 30,
            max_ratio: 1000,
            max_entries: 200_000,
        }
    }
}

/// Why an archive or an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// Structural failure, with a human-readable explanation.
    #[error("{0}")]
    Malformed(String),
    /// A cap from [`Limits`] was hit.
    #[error("{0}")]
    LimitExceeded(String),
}

/// A divergence from a well-formed archive. Divergence is evidence of evasion.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Anomaly {
    /// Stable machine-readable kind, snake_case (e.g. `duplicate_entry`); see [`kind`].
    pub kind: &'static str,
    /// Entry name concerned, if any (lossy UTF-8, never used as a path).
    pub entry: Option<String>,
    /// Human-readable explanation.
    pub detail: String,
    /// True when Android's installer would refuse the archive for this reason.
    pub android_rejects: bool,
}

/// One central-directory entry.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Entry name, lossy UTF-8 (borrowed from the input when it is valid UTF-8, as nearly
    /// every name is). Never to be used as a filesystem path.
    pub name: Cow<'a, str>,
    /// Raw name bytes from the central directory.
    pub raw_name: &'a [u8],
    /// Compression method from the central directory (authoritative).
    pub method: u16,
    /// Compressed size from the central directory.
    pub compressed_size: u64,
    /// Uncompressed size from the central directory.
    pub uncompressed_size: u64,
    /// CRC-32 from the central directory (not checked, as on Android).
    pub crc32: u32,
    /// Offset of the local file header, as stored in the central directory.
    pub local_header_offset: u64,
    /// True if the name is unsafe as a path (`..`, absolute, NUL, backslash, drive letter).
    pub unsafe_name: bool,
    /// General-purpose flags from the central directory.
    pub flags: u16,
    /// File offset of the entry data (after the local header), or `None` when the local
    /// header is unusable and the data cannot be located.
    pub data_offset: Option<u64>,
    /// Position of this entry in central-directory order.
    pub index: usize,
    /// True when an earlier entry has the same raw name: Android uses that one
    /// ([`Archive::find`] returns it), and the archive has a `duplicate_entry` anomaly.
    pub shadowed: bool,
}

impl Entry<'_> {
    /// True if the name ends with `/` (a directory entry).
    pub fn is_dir(&self) -> bool {
        self.raw_name.last() == Some(&b'/')
    }

    /// True if the entry is read by inflating (method 8); every other method is read as stored.
    pub fn is_deflated(&self) -> bool {
        self.method == METHOD_DEFLATE
    }

    /// Number of bytes the entry occupies in the file after its local header: the
    /// compressed size for deflate, the uncompressed size otherwise (libandroidfw maps
    /// `uncompressed_length` bytes for non-deflate entries).
    pub fn stored_len(&self) -> u64 {
        if self.is_deflated() {
            self.compressed_size
        } else {
            self.uncompressed_size
        }
    }
}

/// A parsed archive over borrowed bytes. `Send + Sync`: entries may be read from several
/// threads (the inflated-bytes counter is atomic).
pub struct Archive<'a> {
    data: &'a [u8],
    limits: Limits,
    entries: Vec<Entry<'a>>,
    anomalies: Vec<Anomaly>,
    by_name: names::NameIndex,
    cd_offset: u64,
    eocd_offset: u64,
    comment: &'a [u8],
    inflated_total: AtomicU64,
}

impl std::fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never dump the (possibly huge) input bytes.
        f.debug_struct("Archive")
            .field("len", &self.data.len())
            .field("entries", &self.entries.len())
            .field("anomalies", &self.anomalies)
            .field("cd_offset", &self.cd_offset)
            .field("eocd_offset", &self.eocd_offset)
            .field("inflated_total", &self.inflated_total())
            .finish()
    }
}

impl<'a> Archive<'a> {
    /// Parses the archive structure (EOCD, central directory, every local header) without
    /// decompressing anything.
    pub fn parse(data: &'a [u8], limits: Limits) -> Result<Archive<'a>, ZipError> {
        let p = parse::parse(data, limits)?;
        Ok(Archive {
            data,
            limits,
            entries: p.entries,
            anomalies: p.anomalies,
            by_name: p.by_name,
            cd_offset: p.cd_offset,
            eocd_offset: p.eocd_offset,
            comment: p.comment,
            inflated_total: AtomicU64::new(0),
        })
    }

    /// Cheap sniff: does `data` start like a ZIP (local header, or the EOCD of an empty ZIP)?
    /// Archives with prepended data return `false` but may still [`parse`](Self::parse).
    pub fn is_zip(data: &[u8]) -> bool {
        matches!(
            bytes::u32_at(data, 0),
            Some(parse::LFH_SIG) | Some(parse::EOCD_SIG)
        )
    }

    /// All entries in central-directory order (duplicates included).
    pub fn entries(&self) -> &[Entry<'a>] {
        &self.entries
    }

    /// The entry Android would use for `name` (the first one with that name, compared as bytes).
    pub fn find(&self, name: &str) -> Option<&Entry<'a>> {
        self.by_name
            .find(name.as_bytes(), |i| self.entries.get(i).map(|e| e.raw_name))
            .and_then(|i| self.entries.get(i))
    }

    /// Decompressed content of an entry; borrowed for stored entries. Enforces [`Limits`].
    pub fn read(&self, entry: &Entry<'a>) -> Result<Cow<'a, [u8]>, ZipError> {
        self.read_inner(entry, None)
    }

    /// The first `n` decompressed bytes of an entry (for magic-byte sniffing), cheaply:
    /// inflation stops once `n` bytes are out.
    pub fn read_prefix(&self, entry: &Entry<'a>, n: usize) -> Result<Cow<'a, [u8]>, ZipError> {
        self.read_inner(entry, Some(n))
    }

    /// Anomalies found while parsing (every local header is checked against the central
    /// directory at parse time).
    pub fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }

    /// True if any anomaly would make Android refuse the archive.
    pub fn android_rejects(&self) -> bool {
        self.anomalies.iter().any(|a| a.android_rejects)
    }

    /// Offset of the start of the central directory (the APK Signing Block ends here).
    pub fn central_directory_offset(&self) -> u64 {
        self.cd_offset
    }

    /// Offset of the End of Central Directory record.
    pub fn eocd_offset(&self) -> u64 {
        self.eocd_offset
    }

    /// The EOCD comment (cut at the end of the file if its length overruns it).
    pub fn comment(&self) -> &'a [u8] {
        self.comment
    }

    /// Total bytes inflated so far through this archive (counted against
    /// [`Limits::max_total_size`]).
    pub fn inflated_total(&self) -> u64 {
        self.inflated_total.load(Ordering::Relaxed)
    }

    fn count_inflated(&self, produced: u64) {
        let _ = self
            .inflated_total
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(produced))
            });
    }

    fn read_inner(
        &self,
        entry: &Entry<'a>,
        prefix: Option<usize>,
    ) -> Result<Cow<'a, [u8]>, ZipError> {
        let start = entry.data_offset.ok_or_else(|| {
            ZipError::Malformed(format!(
                "entry {:?}: no usable local file header at offset {}, so its data cannot be located",
                entry.name, entry.local_header_offset
            ))
        })?;
        let stored_len = entry.stored_len();
        let raw = slice_at64(self.data, start, stored_len).ok_or_else(|| {
            ZipError::Malformed(format!(
                "entry {:?}: data at offset {start} with length {stored_len} runs past the end of the {}-byte file",
                entry.name,
                self.data.len()
            ))
        })?;
        if !entry.is_deflated() {
            // Stored, or an unknown method read as stored (libandroidfw): zero-copy.
            return match prefix {
                Some(n) => Ok(Cow::Borrowed(raw.get(..n).unwrap_or(raw))),
                None => {
                    if stored_len > self.limits.max_entry_size {
                        return Err(ZipError::LimitExceeded(format!(
                            "entry {:?}: {stored_len} bytes exceed the per-entry cap max_entry_size = {}",
                            entry.name, self.limits.max_entry_size
                        )));
                    }
                    Ok(Cow::Borrowed(raw))
                }
            };
        }
        let used = self.inflated_total.load(Ordering::Relaxed);
        let remaining = self.limits.max_total_size.saturating_sub(used);
        let ratio_cap = stored_len
            .saturating_mul(self.limits.max_ratio)
            .max(RATIO_FLOOR);
        let caps = [
            (self.limits.max_entry_size, "max_entry_size"),
            (remaining, "max_total_size (what remains of it)"),
            (ratio_cap, "max_ratio × compressed size"),
        ];
        let (cap, cap_name) = caps
            .iter()
            .copied()
            .min_by_key(|(c, _)| *c)
            .unwrap_or((0, "max_entry_size"));
        if let Some(n) = prefix.filter(|&n| n <= MAX_QUICK_PREFIX) {
            // The output room zlib would get (see `inflate::inflate`): the declared size,
            // capped at one byte more than wanted. Other cases go to zlib.
            let space = entry.uncompressed_size.min(n as u64 + 1);
            if space >= n as u64 && cap > space {
                if let Some(mut out) = prefix::inflate_prefix(raw, space as usize) {
                    self.count_inflated(out.len() as u64);
                    out.truncate(n);
                    return Ok(Cow::Owned(out));
                }
            }
        }
        let mut produced = 0u64;
        let result = inflate::inflate(raw, entry.uncompressed_size, cap, prefix, &mut produced);
        self.count_inflated(produced);
        match result {
            Ok(out) => Ok(Cow::Owned(out)),
            Err(InflateError::OverCap) => Err(ZipError::LimitExceeded(format!(
                "entry {:?}: inflated output exceeds {cap} bytes, the cap from {cap_name} (declared size {}, compressed {stored_len})",
                entry.name, entry.uncompressed_size
            ))),
            Err(InflateError::Corrupt(why)) => Err(ZipError::Malformed(format!(
                "entry {:?} (data at offset {start}): {why}",
                entry.name
            ))),
        }
    }
}
