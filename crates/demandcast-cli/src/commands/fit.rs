//! `demandcast fit`: train a LightGBM model on the full history and save it
//! (`--save model/`), so that `forecast --model-dir model/` forecasts later
//! without retraining. Global importances go to `model/importance.csv`.

use crate::commands::forecast::check_catalog;
use crate::commands::text_features;
use crate::gbm_cli::{build_lightgbm, fit_with_bar, write_importance};
use crate::input::load_history;
use crate::settings::FitSettings;
use crate::text_output::LazyEmbeddings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use std::{process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &FitSettings, ui: &Ui) -> Result<ExitCode> {
    s.models.init_threads()?;
    let panel = load_history(&s.input, ui)?.panel;
    let model = build_lightgbm(&s.models, panel.freq(), s.horizon, "fit")?;
    // With --text-features, the projection is fitted here and saved with the
    // model, so that `forecast --model-dir` builds the very same columns.
    let (panel, projection) = match &s.catalog {
        Some(path) if s.text_features > 0 => {
            let catalog = check_catalog(path, &s.input.load.id_col, &panel, ui)?;
            let threads = crate::text_args::threads(s.models.threads);
            let emb = LazyEmbeddings::new(&catalog, &s.text, threads, ui);
            let emb = emb.get()?;
            let p = text_features::fit_projection(&panel, &catalog, emb, s.text_features, ui)?;
            let h = s.horizon.unwrap_or(1);
            let (panel, _) = text_features::apply(panel, None, &catalog, emb, &p, h)?;
            (panel, Some(p))
        }
        _ => (panel, None),
    };
    let t0 = Instant::now();
    let fitted = fit_with_bar(&model, &panel, ui)?;
    // The projection goes in first and a stale one is removed: the model
    // files, written last, mark a complete folder.
    let stale = s.save.join(text_features::PROJECTION_FILE);
    match &projection {
        Some(p) => text_features::save_projection(&s.save, p)?,
        None if stale.is_file() => std::fs::remove_file(&stale)
            .with_context(|| format!("cannot remove {}", stale.display()))?,
        None => {}
    }
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
    if let Some((db, name)) = &s.store_as {
        let summary = format!(
            "{} fitted on {} series of {} in {:.1}s",
            fitted.name(),
            panel.n_series(),
            s.input.path.display(),
            t0.elapsed().as_secs_f64()
        );
        let n =
            demandcast_store::Store::open(db)?.put_model(name, "lightgbm", &summary, &s.save)?;
        ui.note(format!(
            "kept as model '{name}' ({n} files) in {} (forecast with --db {} --stored-model {name})",
            db.display(),
            db.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
