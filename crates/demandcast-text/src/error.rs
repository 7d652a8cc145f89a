//! The crate's error type.

use std::path::PathBuf;

/// Errors of the text encoder, the embedding cache and the cold-start models.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model folder lacks a file or a file cannot be parsed.
    #[error("text model in {dir}: {message}")]
    ModelFiles {
        /// The model folder.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer failed on a text.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor operation failed.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An embeddings or cache file is malformed.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Invalid arguments or data.
    #[error("{0}")]
    Invalid(String),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
