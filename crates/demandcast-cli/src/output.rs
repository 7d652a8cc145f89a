//! Output files: `-` for stdout, folders created; the forecast CSV writer
//! itself is the data crate's ([`write_forecasts`]), shared with the server.

use anyhow::{Context, Result};
pub use demandcast::data::write_forecasts;
use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

/// Opens `path` for writing (`-` is stdout), creating parent folders.
pub fn create(path: &Path) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::new(io::stdout().lock())));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(BufWriter::new(f)))
}

/// A number as CSV text: shortest round-trip form, empty for missing or NaN.
pub fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => x.to_string(),
        _ => String::new(),
    }
}

/// A CSV writer over `path` (`-` is stdout).
///
/// # Errors
/// When the file cannot be created.
pub fn csv_writer(path: &Path) -> Result<csv::Writer<Box<dyn Write>>> {
    Ok(csv::WriterBuilder::new().from_writer(create(path)?))
}
