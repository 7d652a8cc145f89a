//! LightGBM paths of the CLI: `fit --save`, `forecast --model-dir` (forecast
//! with a saved model, no retraining) and `forecast --explain` (SHAP
//! contributions per forecast and global importances).

use crate::output::{create, write_forecasts};
use crate::settings::{ForecastSettings, ModelSettings};
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Freq, FutureCovariates, Panel, PanelForecast};
use demandcast::gbm::{Explanation, GbmFitted, GbmParams, LightGbm};
use demandcast::ModelSpec;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The one `lightgbm` spec of the model list, built with the run's settings.
///
/// # Errors
/// When the list is not exactly one `lightgbm` model.
pub fn build_lightgbm(
    models: &ModelSettings,
    freq: Freq,
    horizon: Option<usize>,
    what: &str,
) -> Result<LightGbm> {
    let [ModelSpec::LightGbm { params }] = models.specs.as_slice() else {
        return Err(crate::error::UsageError::err(
            format!("{what} works with one LightGBM model only"),
            Some("use --models lightgbm (with parameters, e.g. lightgbm:objective=tweedie,power=1.1)"),
        ));
    };
    let p = GbmParams::parse(params)?;
    let mut opts = models.build_options(freq);
    opts.horizon = horizon;
    Ok(LightGbm::new(p)
        .with_levels(&models.levels)
        .with_horizon(horizon)
        .nonnegative(opts.nonnegative))
}

/// `forecast` with `--model-dir` or `--explain`, on the loaded history and
/// future covariates (with the text columns when the model reads text);
/// `t0` and `notes` (the loader's warnings) go into a `--db` record.
pub fn run_forecast(
    s: &ForecastSettings,
    ui: &Ui,
    panel: Panel,
    future: Option<&FutureCovariates>,
    t0: std::time::Instant,
    notes: Vec<String>,
) -> Result<ExitCode> {
    // Loading a saved model takes the panel; `--db` records it with the run.
    let kept = s.db.as_ref().map(|_| panel.clone());
    let model_dir = s.model_dir.as_deref();
    let explain = s.explain.as_deref();
    let fitted = match model_dir {
        Some(dir) => {
            let f = GbmFitted::load(dir, panel)
                .with_context(|| format!("cannot load the model in {}", dir.display()))?;
            ui.note(format!(
                "{}: loaded {} ({} features); forecasting without retraining",
                dir.display(),
                f.name(),
                f.features().n_features()
            ));
            f
        }
        None => {
            let model = build_lightgbm(&s.models, panel.freq(), Some(s.horizon), "--explain")?;
            fit_with_bar(&model, &panel, ui)?
        }
    };
    let (fc, expl) = predict(&fitted, s.horizon, &s.models, future, explain.is_some())?;
    write_one(&s.output, &fc, ui)?;
    if let (Some(db), Some(p)) = (&s.db, &kept) {
        let fcs = std::slice::from_ref(&fc);
        let mut notes = notes;
        notes.extend(demandcast::series_note_summaries(fcs));
        crate::commands::forecast::record(db, s, p, fcs, t0, notes, ui)?;
    }
    if let (Some(path), Some(e)) = (explain, expl) {
        write_explanation(path, &e, &fitted)?;
        ui.note(format!(
            "wrote contributions to {} and importances to {}",
            path.display(),
            importance_path(path).display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Fits with a progress bar over the series.
///
/// # Errors
/// Fitting errors, with the model's name.
pub fn fit_with_bar(model: &LightGbm, panel: &Panel, ui: &Ui) -> Result<GbmFitted> {
    use demandcast::core::Forecaster;
    let bar = ui
        .bars()
        .bar(panel.n_series() as u64, format!("fitting {}", model.name()));
    let f = model
        .fit_gbm(panel, &bar)
        .with_context(|| format!("model {} failed to fit", model.name()))?;
    bar.finish();
    Ok(f)
}

fn predict(
    f: &GbmFitted,
    h: usize,
    models: &ModelSettings,
    future: Option<&FutureCovariates>,
    explain: bool,
) -> Result<(PanelForecast, Option<Explanation>)> {
    use demandcast::core::FittedForecaster;
    let ctx = || format!("model {} failed to forecast", f.name());
    if explain {
        let (fc, e) = f
            .predict_explained(h, &models.levels, future)
            .with_context(ctx)?;
        Ok((fc, Some(e)))
    } else {
        Ok((
            f.predict(h, &models.levels, future).with_context(ctx)?,
            None,
        ))
    }
}

fn write_one(path: &Path, fc: &PanelForecast, ui: &Ui) -> Result<()> {
    let mut w = create(path)?;
    let rows = write_forecasts(&mut w, std::slice::from_ref(fc))
        .with_context(|| format!("cannot write {}", path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    if path.as_os_str() != "-" {
        ui.note(format!("wrote {rows} rows to {}", path.display()));
    }
    Ok(())
}

/// `<stem>.importance.csv` next to the contributions file.
pub fn importance_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("explain");
    path.with_file_name(format!("{stem}.importance.csv"))
}

/// Writes the contributions (long CSV) and the global importances, each to a
/// temporary file renamed into place.
///
/// # Errors
/// I/O errors naming the file.
pub fn write_explanation(path: &Path, e: &Explanation, f: &GbmFitted) -> Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    e.write_csv(file)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    write_importance(&importance_path(path), f)
}

/// Writes `feature, gain, splits` by decreasing gain.
///
/// # Errors
/// I/O and model errors.
pub fn write_importance(path: &Path, f: &GbmFitted) -> Result<()> {
    let mut s = String::from("feature,gain,splits\n");
    for (n, g, sp) in f.importance()? {
        s.push_str(&format!("{n},{g},{sp}\n"));
    }
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, s).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
