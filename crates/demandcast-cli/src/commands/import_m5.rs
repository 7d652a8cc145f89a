//! `demandcast import m5`: the raw M5 competition files (wide sales, calendar,
//! prices) into demandcast's long format, plus the future covariates.

use crate::settings::ImportM5Settings;
use crate::ui::Ui;
use anyhow::Result;
use demandcast::data::{m5, write_future, write_panel};
use std::{process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &ImportM5Settings, ui: &Ui) -> Result<ExitCode> {
    let t0 = Instant::now();
    let data = m5::import(&s.options)?;
    let p = &data.history;
    tracing::info!(seconds = t0.elapsed().as_secs_f64(), "read {}", data.sales_file.display());
    write_panel(&s.output, p)?;
    ui.note(format!(
        "{}: {} series, {} rows, d_{}..d_{} ({} to {}), covariates: {}",
        s.output.display(),
        p.n_series(),
        p.n_rows(),
        data.days.0,
        data.days.1,
        (0..p.n_series()).map(|i| p.start(i)).min().map(|d| d.to_string()).unwrap_or_default(),
        p.max_date().map(|d| d.to_string()).unwrap_or_default(),
        p.covariates().iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
    ));
    if let Some(f) = &s.future_output {
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
