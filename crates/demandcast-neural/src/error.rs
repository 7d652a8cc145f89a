//! The crate's error type.

/// What can go wrong when building, training or running the model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tensor operation failed (shape mismatch, out of memory...).
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A configuration file or value is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A model directory lacks a file, or a weight file does not match the configuration.
    #[error("model {path}: {message}")]
    Model {
        /// The model directory or file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A data file could not be parsed.
    #[error("{path}, row {row}: {message}")]
    Data {
        /// The file.
        path: String,
        /// 1-based data row (0 when not row-specific).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// Training cannot proceed (no data, diverged...).
    #[error("training: {0}")]
    Train(String),
    /// Training was interrupted (the last checkpoint is intact).
    #[error("interrupted; the last checkpoint is kept")]
    Interrupted,
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
