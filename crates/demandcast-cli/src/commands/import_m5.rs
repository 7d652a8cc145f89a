//! `demandcast import m5`: the raw M5 competition files (wide sales, calendar,
//! prices) into demandcast's long format, plus the future covariates.

use crate::settings::ImportM5Settings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::data::{m5, write_future, write_panel};
use std::{path::Path, process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &ImportM5Settings, ui: &Ui) -> Result<ExitCode> {
    let t0 = Instant::now();
    let data = m5::import(&s.options)?;
    let p = &data.history;
    tracing::info!(
        seconds = t0.elapsed().as_secs_f64(),
        "read {}",
        data.sales_file.display()
    );
    create_parent(&s.output)?;
    write_panel(&s.output, p)?;
    ui.note(format!(
        "{}: {} series, {} rows, d_{}..d_{} ({} to {}), covariates: {}",
        s.output.display(),
        p.n_series(),
        p.n_rows(),
        data.days.0,
        data.days.1,
        (0..p.n_series())
            .map(|i| p.start(i))
            .min()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        p.max_date().map(|d| d.to_string()).unwrap_or_default(),
        p.covariates()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    if let Some(f) = &s.future_output {
        create_parent(f)?;
        write_future(f, &data.future, p.freq())?;
        ui.note(format!(
            "{}: covariates for the {} days after d_{}",
            f.display(),
            s.options.horizon,
            data.days.1
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates the folder `path` goes into, so `--output out/m5.parquet` works in a fresh checkout.
fn create_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    Ok(())
}
