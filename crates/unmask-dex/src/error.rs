//! Error types.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, DexError>;

/// Everything that can go wrong while reading a DEX file.
///
/// Errors carry the offset or index that was wrong so that a report can name it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DexError {
    /// The data does not start with a DEX magic.
    #[error("not a DEX file: {0}")]
    NotDex(&'static str),
    /// The data is a compact dex (`cdex`), found only in on-device vdex/odex files.
    #[error("compact dex (cdex) file: only produced on-device in vdex/odex, not supported")]
    CompactDex,
    /// The DEX version is not one of 035..=041.
    #[error("unsupported DEX version {0:?}")]
    UnsupportedVersion(String),
    /// A structure runs past the end of the data.
    #[error("{what} at offset {offset:#x} runs past the end of the data")]
    OutOfBounds {
        /// What was being read.
        what: &'static str,
        /// Byte offset at which it was read.
        offset: u64,
    },
    /// An index refers past the end of its table.
    #[error("{what} index {index} out of range (table has {count})")]
    BadIndex {
        /// Which table.
        what: &'static str,
        /// The index found.
        index: u32,
        /// The number of entries in the table.
        count: u32,
    },
    /// A LEB128 value is longer than five bytes or truncated.
    #[error("bad LEB128 at offset {0:#x}")]
    BadLeb128(u64),
    /// A string is not valid MUTF-8.
    #[error("invalid MUTF-8 in string {index} (byte {pos})")]
    Mutf8 {
        /// String index.
        index: u32,
        /// Position of the bad byte within the string.
        pos: usize,
    },
    /// A count exceeds what the data could hold or a work cap.
    #[error("{what}: {count} exceeds the limit {limit}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// The count found.
        count: u64,
        /// The limit.
        limit: u64,
    },
    /// A structure is malformed in a way not covered above.
    #[error("malformed {what} at offset {offset:#x}: {detail}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// Byte offset.
        offset: u64,
        /// Explanation.
        detail: &'static str,
    },
    /// An instruction could not be decoded.
    #[error("{0}")]
    Insn(#[from] crate::insn::InsnError),
    /// A method descriptor given to [`crate::find_method`] is not of the form `Lcls;->name(args)ret`.
    #[error("bad method descriptor {0:?}")]
    BadDescriptor(String),
    /// No method matches the descriptor.
    #[error("method not found: {0}")]
    MethodNotFound(String),
}

pub(crate) fn oob(what: &'static str, offset: usize) -> DexError {
    DexError::OutOfBounds {
        what,
        offset: offset as u64,
    }
}
