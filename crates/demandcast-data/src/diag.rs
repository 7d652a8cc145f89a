//! Diagnostics: warnings and errors that name file, row and column.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The data was loaded, but something was changed or is worth a look
    /// (gaps filled, leading zeros trimmed, negatives clipped, short series...).
    Warning,
    /// The data is invalid; loading fails with [`Error::Invalid`].
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about a data file.
///
/// `row` numbers rows **as a spreadsheet shows them: the header is row 1, so
/// the first data record is row 2**. The same numbering is used for Parquet
/// files (record `i`, counted from 0, is row `i + 2`, the row it would have in
/// a CSV export), so that a row number means the same thing in both formats.
/// For CSV files without line breaks inside quoted fields this is also the
/// line number. `row` is `None` for findings about a whole column or series.
///
/// Displayed as `file:row: column 'x': message` (the row and column parts
/// are left out when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// The file the finding is about.
    pub file: PathBuf,
    /// The row (header = row 1, first data record = row 2), when it applies.
    pub row: Option<usize>,
    /// The column, when it applies.
    pub column: Option<String>,
    /// What was found, and what was done about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(r) = self.row {
            write!(f, ":{r}")?;
        }
        f.write_str(": ")?;
        if let Some(c) = &self.column {
            write!(f, "column '{c}': ")?;
        }
        f.write_str(&self.message)
    }
}

/// Individual diagnostics listed per kind before the rest are summarised.
pub(crate) const PER_KIND: usize = 10;

/// Collects diagnostics, keeping the first [`PER_KIND`] of each kind and
/// counting the rest, so that a file with a million bad rows still gives a
/// short, complete report.
pub(crate) struct Diags {
    file: PathBuf,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    n_errors: usize,
    /// kind -> (severity, count, column, summary text)
    counts: HashMap<&'static str, (Severity, usize, Option<String>, &'static str)>,
    order: Vec<&'static str>,
}

impl Diags {
    pub(crate) fn new(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            errors: Vec::new(),
            warnings: Vec::new(),
            n_errors: 0,
            counts: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Records a finding of `kind`; `msg` is only built for the first few.
    /// `summary` describes the kind for the "and N more" line.
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        kind: &'static str,
        summary: &'static str,
        row: Option<usize>,
        column: Option<&str>,
        msg: impl FnOnce() -> String,
    ) {
        if severity == Severity::Error {
            self.n_errors += 1;
        }
        let e = self.counts.entry(kind).or_insert_with(|| {
            self.order.push(kind);
            (severity, 0, column.map(str::to_string), summary)
        });
        e.1 += 1;
        if e.1 <= PER_KIND {
            let d = Diagnostic {
                severity,
                file: self.file.clone(),
                row,
                column: column.map(str::to_string),
                message: msg(),
            };
            match severity {
                Severity::Error => self.errors.push(d),
                Severity::Warning => self.warnings.push(d),
            }
        }
    }

    pub(crate) fn error(
        &mut self,
        kind: &'static str,
        summary: &'static str,
        row: Option<usize>,
        column: Option<&str>,
        msg: impl FnOnce() -> String,
    ) {
        self.push(Severity::Error, kind, summary, row, column, msg);
    }

    pub(crate) fn warn(
        &mut self,
        kind: &'static str,
        summary: &'static str,
        row: Option<usize>,
        column: Option<&str>,
        msg: impl FnOnce() -> String,
    ) {
        self.push(Severity::Warning, kind, summary, row, column, msg);
    }

    /// A warning that is never capped (summaries, column notes).
    pub(crate) fn note(&mut self, row: Option<usize>, column: Option<&str>, msg: String) {
        self.warnings.push(Diagnostic {
            severity: Severity::Warning,
            file: self.file.clone(),
            row,
            column: column.map(str::to_string),
            message: msg,
        });
    }

    fn summaries(&self, severity: Severity) -> Vec<Diagnostic> {
        self.order
            .iter()
            .filter_map(|k| {
                let (s, n, col, summary) = self.counts.get(k)?;
                (*s == severity && *n > PER_KIND).then(|| Diagnostic {
                    severity,
                    file: self.file.clone(),
                    row: None,
                    column: col.clone(),
                    message: format!("... and {} more: {summary} ({n} in all)", n - PER_KIND),
                })
            })
            .collect()
    }

    /// Fails with [`Error::Invalid`] if any error was recorded.
    pub(crate) fn check(&mut self) -> Result<()> {
        if self.n_errors == 0 {
            return Ok(());
        }
        let mut errors = std::mem::take(&mut self.errors);
        errors.extend(self.summaries(Severity::Error));
        let total = self.n_errors;
        // Errors were reported; start afresh should the caller continue.
        self.n_errors = 0;
        self.counts.retain(|_, v| v.0 != Severity::Error);
        Err(Error::Invalid {
            file: self.file.clone(),
            errors,
            total,
        })
    }

    /// The warnings, with one summary line per kind that had more than [`PER_KIND`].
    pub(crate) fn into_warnings(self) -> Vec<Diagnostic> {
        let mut w = self.summaries(Severity::Warning);
        let mut all = self.warnings;
        all.append(&mut w);
        all
    }
}
