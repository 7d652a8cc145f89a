//! The error type of the data crate.

use crate::Diagnostic;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Errors raised while reading, validating or writing data files.
///
/// Every variant names the file; variants about a place inside a file also
/// carry the row and column (see [`Diagnostic`] for the row numbering).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened, read or created.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file type is not supported (by extension or content).
    #[error("{}: unsupported file type: {message}", file.display())]
    UnsupportedFormat {
        /// The file.
        file: PathBuf,
        /// What was found and what is expected.
        message: String,
    },
    /// The CSV text is malformed (unequal number of fields, undecodable gzip...).
    #[error("{}{}: malformed CSV: {message}", file.display(), row.map(|r| format!(":{r}")).unwrap_or_default())]
    Csv {
        /// The file.
        file: PathBuf,
        /// The row (header = row 1) where reading stopped, when known.
        row: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// The Parquet file could not be decoded (corrupted, truncated, not Parquet).
    #[error("{}: cannot read Parquet: {message}", file.display())]
    Parquet {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A required column is absent.
    #[error("{}: missing required column '{column}' (columns found: {})", file.display(), found.join(", "))]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column that was looked for.
        column: String,
        /// The columns the file has.
        found: Vec<String>,
    },
    /// A required column has a type that cannot be used for its role.
    #[error("{}: column '{column}': {message}", file.display())]
    UnsupportedType {
        /// The file.
        file: PathBuf,
        /// The column.
        column: String,
        /// The type found and the types accepted.
        message: String,
    },
    /// The file has no data rows.
    #[error("{}: no data rows", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// Validation failed: one or more rows are invalid. `errors` lists the
    /// first problems of each kind (each naming file, row and column) followed
    /// by one summary line per kind that had more; `total` counts them all.
    #[error("{}", format_invalid(file, errors, *total))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// The problems, each with file, row and column where they apply.
        errors: Vec<Diagnostic>,
        /// The total number of problems found (can exceed `errors.len()`).
        total: usize,
    },
    /// The frequency could not be inferred or does not fit the dates.
    #[error("{}: {source}", file.display())]
    Freq {
        /// The file.
        file: PathBuf,
        /// The core error with the details.
        #[source]
        source: demandcast_core::Error,
    },
    /// An M5 folder or file that does not have the expected layout.
    #[error("{}: {message}", path.display())]
    M5 {
        /// The folder or file.
        path: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
    /// Writing failed (encoding error of the Parquet or CSV writer).
    #[error("{}: cannot write: {message}", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A panel could not be built from the validated data.
    #[error(transparent)]
    Core(#[from] demandcast_core::Error),
}

fn format_invalid(file: &Path, errors: &[Diagnostic], total: usize) -> String {
    let mut s = format!(
        "{}: {total} problem{} found",
        file.display(),
        if total == 1 { "" } else { "s" }
    );
    for d in errors {
        let _ = write!(s, "\n  {d}");
    }
    s
}

impl Error {
    /// The file the error is about, if any.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Error::Io { file, .. }
            | Error::UnsupportedFormat { file, .. }
            | Error::Csv { file, .. }
            | Error::Parquet { file, .. }
            | Error::MissingColumn { file, .. }
            | Error::UnsupportedType { file, .. }
            | Error::Empty { file }
            | Error::Invalid { file, .. }
            | Error::Freq { file, .. }
            | Error::Write { file, .. } => Some(file),
            Error::M5 { path, .. } => Some(path),
            Error::Core(_) => None,
        }
    }

    /// The (first) row the error is about, if any (header = row 1).
    pub fn row(&self) -> Option<usize> {
        match self {
            Error::Csv { row, .. } => *row,
            Error::Invalid { errors, .. } => errors.first().and_then(|d| d.row),
            _ => None,
        }
    }

    /// The (first) column the error is about, if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Error::MissingColumn { column, .. } | Error::UnsupportedType { column, .. } => {
                Some(column)
            }
            Error::Invalid { errors, .. } => errors.first().and_then(|d| d.column.as_deref()),
            _ => None,
        }
    }

    pub(crate) fn io(file: &Path, source: std::io::Error) -> Self {
        Error::Io {
            file: file.to_path_buf(),
            source,
        }
    }
}

/// Result alias with the data [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
