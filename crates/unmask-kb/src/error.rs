//! Errors raised while loading a knowledge base.

/// A knowledge-base file could not be read or is invalid.
///
/// Every variant names the file (relative to the knowledge-base root, e.g. `api/apis.tsv`);
/// [`KbError::Invalid`] also names the 1-based line and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// The file could not be read from disk.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// File, relative to the knowledge-base root.
        file: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The file was read but a line (or the file as a whole, line 0) is invalid.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// File, relative to the knowledge-base root.
        file: String,
        /// 1-based line number; 0 when the problem concerns the whole file.
        line: usize,
        /// What is wrong, naming the column or entry.
        message: String,
    },
}

impl KbError {
    /// Builds an [`KbError::Invalid`].
    pub(crate) fn invalid(file: &str, line: usize, message: impl Into<String>) -> Self {
        KbError::Invalid {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// The file this error is about.
    pub fn file(&self) -> &str {
        match self {
            KbError::Io { file, .. } | KbError::Invalid { file, .. } => file,
        }
    }

    /// The 1-based line this error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            KbError::Io { .. } => None,
            KbError::Invalid { line, .. } => Some(*line).filter(|l| *l > 0),
        }
    }
}
