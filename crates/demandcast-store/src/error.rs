//! The store's error type.

use std::path::PathBuf;

/// Errors from opening, writing or reading a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file cannot be opened as a store.
    #[error("cannot open the store {path}: {reason}", path = path.display())]
    Open {
        /// The store's file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file was written by a later demandcast, with tables this one does not know.
    #[error("the store {path} has schema version {found}; this demandcast reads up to {supported}: upgrade demandcast", path = path.display())]
    Newer {
        /// The store's file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The latest this build knows.
        supported: i64,
    },
    /// A file of a model cannot be read or written.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A statement failed.
    #[error("store {path}: {source}", path = path.display())]
    Sql {
        /// The store's file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored model's file name is not a plain file name (a file edited by hand).
    #[error("store {path}: model {model}: file name '{file}' is not a plain file name", path = path.display())]
    BadModelFile {
        /// The store's file.
        path: PathBuf,
        /// The model.
        model: String,
        /// The stored name.
        file: String,
    },
    /// A stored value does not decode (a file edited by hand).
    #[error("store {path}: run {run}: {what} does not decode: {reason}", path = path.display())]
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

impl Error {
    /// Turns SQLite's errors into [`Error::Sql`] naming the store's file.
    pub(crate) fn sql(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> Error + Copy + '_ {
        move |e| Error::Sql {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Result alias with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
