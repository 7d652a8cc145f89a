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

/// Prints the error with its cause chain (`a: b: c`) and any hints.
pub fn error(err: &anyhow::Error) {
    line("error", chain_message(err));
    for h in crate::error::hints(err) {
        line("hint", h);
    }
}

fn line(kind: &str, msg: impl Display) {
    // Nothing useful can be done if stderr itself is gone.
    let _ = writeln!(std::io::stderr().lock(), "{kind}: {msg}");
}

/// The cause chain joined with `: `, like anyhow's `{:#}`, but leaving out a
/// cause whose text the message before it already contains (library errors
/// often print their source and also return it from `source()`).
pub fn chain_message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let msg = cause.to_string();
        if out.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_skips_repeated_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(io)
            .context("x.csv: no such file")
            .context("cannot load");
        assert_eq!(chain_message(&err), "cannot load: x.csv: no such file");
        let err = anyhow::anyhow!("inner").context("outer");
        assert_eq!(chain_message(&err), "outer: inner");
    }
}
