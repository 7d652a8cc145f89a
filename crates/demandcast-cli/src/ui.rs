//! Messages to the user on stderr: warnings, notes and errors.
//!
//! stdout is reserved for data (`--output -`), so everything here goes to
//! stderr. Meaning never relies on colour: each line starts with its kind.

use crate::progress::Bars;
use std::{fmt::Display, io::Write};

/// The user-facing side of the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    quiet: bool,
    bars: Bars,
}

impl Ui {
    /// From `--quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            bars: Bars::new(quiet),
        }
    }

    /// Progress bars.
    pub fn bars(&self) -> Bars {
        self.bars
    }

    /// A warning: shown even with `--quiet`, since it may change how to read the output.
    pub fn warn(&self, msg: impl Display) {
        line("warning", msg);
    }

    /// A note (what was done, where files went); hidden with `--quiet`.
    pub fn note(&self, msg: impl Display) {
        if !self.quiet {
            line("note", msg);
        }
    }
}

/// Prints the error with its cause chain and any hints.
pub fn error(err: &anyhow::Error) {
    line("error", format!("{err:#}"));
    for h in crate::error::hints(err) {
        line("hint", h);
    }
}

fn line(kind: &str, msg: impl Display) {
    // Nothing useful can be done if stderr itself is gone.
    let _ = writeln!(std::io::stderr().lock(), "{kind}: {msg}");
}
