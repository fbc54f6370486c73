//! ZIP container reader for APKs, following Android's `libziparchive` policy.
//!
//! CONTRACT (stub; the implementation replaces the bodies, keeps the signatures).
#![forbid(unsafe_code)]

use serde::Serialize;
use std::borrow::Cow;

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
    /// Stable machine-readable kind, snake_case (e.g. `duplicate_entry`).
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
    /// Entry name, lossy UTF-8. Never to be used as a filesystem path.
    pub name: String,
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
    /// Offset of the local file header.
    pub local_header_offset: u64,
    /// True if the name is unsafe as a path (`..`, absolute, NUL, backslash).
    pub unsafe_name: bool,
}

/// A parsed archive over borrowed bytes.
#[derive(Debug)]
pub struct Archive<'a> {
    _data: &'a [u8],
}

impl<'a> Archive<'a> {
    /// Parses the archive structure (EOCD, central directory) without decompressing anything.
    pub fn parse(data: &'a [u8], limits: Limits) -> Result<Archive<'a>, ZipError> {
        let _ = (data, limits);
        Err(ZipError::Malformed("not implemented".into()))
    }
    /// All entries in central-directory order (duplicates included).
    pub fn entries(&self) -> &[Entry<'a>] {
        &[]
    }
    /// The entry Android would use for `name` (the first one with that name).
    pub fn find(&self, name: &str) -> Option<&Entry<'a>> {
        let _ = name;
        None
    }
    /// Decompressed content of an entry; borrowed for stored entries. Enforces [`Limits`].
    pub fn read(&self, entry: &Entry<'a>) -> Result<Cow<'a, [u8]>, ZipError> {
        let _ = entry;
        Err(ZipError::Malformed("not implemented".into()))
    }
    /// The first `n` decompressed bytes of an entry (for magic-byte sniffing), cheaply.
    pub fn read_prefix(&self, entry: &Entry<'a>, n: usize) -> Result<Cow<'a, [u8]>, ZipError> {
        let _ = (entry, n);
        Err(ZipError::Malformed("not implemented".into()))
    }
    /// Anomalies found while parsing (every local header is checked against the central directory at parse time).
    pub fn anomalies(&self) -> &[Anomaly] {
        &[]
    }
    /// Offset of the start of the central directory (the APK Signing Block ends here).
    pub fn central_directory_offset(&self) -> u64 {
        0
    }
    /// Offset of the End of Central Directory record.
    pub fn eocd_offset(&self) -> u64 {
        0
    }
}
