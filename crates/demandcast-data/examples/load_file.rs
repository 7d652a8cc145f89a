//! Loads one long-format file and prints what was loaded and how long it took.
//!
//! ```text
//! cargo run --release -p demandcast-data --example load_file -- sales.parquet
//! ```
#![allow(clippy::print_stderr, missing_docs)]

use demandcast_data::{load_panel, LoadOptions, Result};
use std::time::Instant;

fn main() -> Result<()> {
    for arg in std::env::args().skip(1) {
        let t = Instant::now();
        let l = load_panel(arg.as_ref(), &LoadOptions::default())?;
        eprintln!(
            "{arg}: {} series, {} rows, {} covariates, {} statics in {:.2?}",
            l.panel.n_series(),
            l.panel.n_rows(),
            l.panel.covariates().len(),
            l.panel.statics().len(),
            t.elapsed()
        );
        for d in &l.diagnostics {
            eprintln!("  {d}");
        }
    }
    Ok(())
}
