//! `demandcast append`: newly arrived sales onto a history file, checked
//! and written atomically, so that a saved model can forecast from the
//! longer history without retraining (`forecast --model-dir`).

use crate::cli::{AppendArgs, LeadingZerosArg};
use crate::input::load_history;
use crate::settings::{input, InputSettings};
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::data::write_panel;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Loads both files, appends, writes the result through a temporary file
/// in the same folder (an interrupted run leaves the old file whole).
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
    let tmp = partial_path(&output);
    write_panel(&tmp, &merged)
        .with_context(|| format!("cannot write {}", tmp.display()))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
    std::fs::rename(&tmp, &output)
        .with_context(|| format!("cannot replace {} with {}", output.display(), tmp.display()))?;
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

/// `dir/.name.partial-PID.ext`: same folder (so the rename is atomic) and
/// same extension (so the writer picks the same format).
fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "history.parquet".into());
    let (stem, ext) = match name.find('.') {
        Some(k) if k > 0 => (&name[..k], &name[k..]),
        _ => (name.as_str(), ""),
    };
    out.with_file_name(format!(".{stem}.partial-{}{ext}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_keep_folder_and_extension() {
        let p = partial_path(Path::new("data/sales.csv.gz"));
        let s = p.to_string_lossy();
        assert!(
            s.starts_with("data/.sales.partial-") && s.ends_with(".csv.gz"),
            "{s}"
        );
        let p = partial_path(Path::new("h.parquet"));
        assert!(p.to_string_lossy().ends_with(".parquet"));
    }
}
