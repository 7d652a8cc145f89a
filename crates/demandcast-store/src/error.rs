//! The store's error type.

use std::path::PathBuf;

/// Errors from opening, writing or reading a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file cannot be opened as a store.
    #[error("cannot open the store {path}: {reason}")]
    Open {
        /// The store's file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file was written by a later demandcast, with tables this one does not know.
    #[error("the store {path} has schema version {found}; this demandcast reads up to {supported}: upgrade demandcast")]
    Newer {
        /// The store's file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The latest this build knows.
        supported: i64,
    },
    /// A statement failed.
    #[error("store {path}: {source}")]
    Sql {
        /// The store's file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value does not decode (a file edited by hand).
    #[error("store {path}: run {run}: {what} does not decode: {reason}")]
    Corrupt {
        /// The store's file.
        path: PathBuf,
        /// The run.
        run: i64,
        /// Which value.
        what: String,
        /// Why.
        reason: String,
    },
}

/// Result alias with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
