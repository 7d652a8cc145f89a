//! `demandcast fit`: train a LightGBM model on the full history and save it
//! (`--save model/`), so that `forecast --model-dir model/` forecasts later
//! without retraining. Global importances go to `model/importance.csv`.

use crate::gbm_cli::{build_lightgbm, fit_with_bar, write_importance};
use crate::input::load_history;
use crate::settings::FitSettings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use std::{process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &FitSettings, ui: &Ui) -> Result<ExitCode> {
    s.models.init_threads()?;
    let panel = load_history(&s.input, ui)?.panel;
    let model = build_lightgbm(&s.models, panel.freq(), s.horizon, "fit")?;
    let t0 = Instant::now();
    let fitted = fit_with_bar(&model, &panel, ui)?;
    fitted
        .save(&s.save)
        .with_context(|| format!("cannot save the model to {}", s.save.display()))?;
    write_importance(&s.save.join("importance.csv"), &fitted)?;
    ui.note(format!(
        "fitted {} on {} series in {:.1}s; saved to {} (forecast with --model-dir {})",
        fitted.name(),
        panel.n_series(),
        t0.elapsed().as_secs_f64(),
        s.save.display(),
        s.save.display()
    ));
    Ok(ExitCode::SUCCESS)
}
