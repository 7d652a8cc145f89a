//! `demandcast models`: the registry as a table, so users can find names
//! and parameters without reading the docs.

use anyhow::Result;
use demandcast::MODELS;
use std::{io::Write, process::ExitCode};

/// Prints one line per model to stdout.
pub fn run() -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<42} {:<22} description",
        "name[:parameters]", "column"
    )?;
    for m in MODELS.iter() {
        writeln!(
            out,
            "{:<42} {:<22} {}",
            format!("{}{}", m.name, m.params),
            m.class,
            m.summary
        )?;
    }
    writeln!(
        out,
        "{:<42} {:<22} every model above except auto",
        "all", ""
    )?;
    writeln!(
        out,
        "\nNames are case-insensitive; statsforecast class names (AutoETS, CrostonSBA) work too.\n\
         A missing season length comes from --season-length, else the frequency (7 daily, 52 weekly, 12 monthly)."
    )?;
    Ok(ExitCode::SUCCESS)
}
