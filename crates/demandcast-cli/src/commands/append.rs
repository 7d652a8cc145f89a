//! `demandcast append`: newly arrived sales onto a history file, checked
//! and written atomically (as [`write_panel`] writes every file), so that a
//! saved model can forecast from the longer history without retraining
//! (`forecast --model-dir`).

use crate::cli::{AppendArgs, LeadingZerosArg};
use crate::input::load_history;
use crate::settings::{input, InputSettings};
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::data::write_panel;
use std::process::ExitCode;

/// Loads both files, appends, writes the result (through a temporary file:
/// an interrupted run leaves the old file whole).
pub fn run(mut a: AppendArgs, ui: &Ui) -> Result<ExitCode> {
    // The history is written back as it is: its zeros before a first sale
    // stay unless asked (forecast trims them when it reads the file).
    if a.input.policy.leading_zeros.is_none() {
        a.input.policy.leading_zeros = Some(LeadingZerosArg::Keep);
    }
    let output = a.output.clone().unwrap_or_else(|| a.input.input.clone());
    let new_path = a.new.clone();
    let hist = input(a.input)?;
    let newer = InputSettings {
        path: new_path,
        load: hist.load.clone(),
    };
    crate::settings::must_exist(&newer.path)?;
    let old = load_history(&hist, ui)?.panel;
    let mut load = newer.load.clone();
    // The new rows must be read on the history's grid.
    load.freq = Some(old.freq());
    let newer = InputSettings { load, ..newer };
    let new = load_history(&newer, ui)?.panel;
    let (merged, rep) = old.append(&new).with_context(|| {
        format!(
            "cannot append {} to {}",
            newer.path.display(),
            hist.path.display()
        )
    })?;
    write_panel(&output, &merged).with_context(|| format!("cannot write {}", output.display()))?;
    ui.note(format!(
        "appended {} periods to {} series and added {} new series{}; wrote {} ({} series, {} rows)",
        rep.rows,
        rep.extended,
        rep.added,
        if rep.gap_rows > 0 {
            format!(" ({} skipped periods filled with zero sales)", rep.gap_rows)
        } else {
            String::new()
        },
        output.display(),
        merged.n_series(),
        merged.n_rows()
    ));
    if rep.gap_rows > 0 {
        ui.warn(format!(
            "{}: {} periods between a series' last date and its first new one were filled with zero sales",
            newer.path.display(),
            rep.gap_rows
        ));
    }
    Ok(ExitCode::SUCCESS)
}
