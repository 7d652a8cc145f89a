//! `demandcast forecast`: fit every model on the full history and write the
//! next `--horizon` periods as one long CSV, models side by side.

use crate::commands::text_features;
use crate::error::UsageError;
use crate::input::{load_history, report_notes};
use crate::output::{create, write_forecasts};
use crate::progress::UiObserver;
use crate::settings::ForecastSettings;
use crate::text_output::LazyEmbeddings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::Panel;
use demandcast::data::{load_catalog, load_future};
use std::process::ExitCode;

/// Runs the command.
pub fn run(s: &ForecastSettings, ui: &Ui) -> Result<ExitCode> {
    let t0 = std::time::Instant::now();
    s.models.init_threads()?;
    let loaded = load_history(&s.input, ui)?;
    // Kept for the run's record (`--db`); the terminal has shown them.
    let mut notes: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| format!("warning: {d}"))
        .collect();
    let panel = loaded.panel;
    let future = match &s.future {
        Some(p) => Some(load_future(p, &s.input.load, &panel, s.horizon)?),
        None => None,
    };
    let catalog = match &s.catalog {
        Some(path) => {
            let c = check_catalog(path, &s.input.load.id_col, &panel, ui)?;
            ui.note(
                "the statistical models forecast from history alone and do not read the catalogue",
            );
            Some(c)
        }
        None => None,
    };
    // Embedded at most once, by the first part that reads the texts.
    let threads = crate::text_args::threads(s.models.threads);
    let emb = catalog
        .as_ref()
        .map(|c| LazyEmbeddings::new(c, &s.cold_start.text, threads, ui));
    let (panel, future) = match (projection(s, &panel, emb.as_ref(), ui)?, &catalog, &emb) {
        (Some(p), Some(c), Some(e)) => {
            text_features::apply(panel, future, c, e.get()?, &p, s.horizon)?
        }
        _ => (panel, future),
    };
    if s.model_dir.is_some() || s.explain.is_some() {
        return crate::gbm_cli::run_forecast(s, ui, panel, future.as_ref(), t0, notes);
    }
    let mut opts = s.models.build_options(panel.freq());
    opts.horizon = Some(s.horizon);
    if let (Some(c), Some(e)) = (&catalog, &emb) {
        // A tsfm adapter fine-tuned with text (`finetune --catalog`) reads
        // each series' embedding.
        if text_features::tsfm_reads_text(&s.models.specs) {
            opts.texts = Some(text_features::embeddings_by_id(c, e.get()?));
        }
    }
    tracing::info!(season_length = opts.season_length, "building models");
    let models = demandcast::build_models(&s.models.specs, &opts)?;
    // Univariate models never read covariates: free them before fitting.
    let panel = models.drop_unused_covariates(panel);
    let kept = demandcast::CollectNotes::default();
    let obs = UiObserver {
        ui,
        keep: Some(&kept),
    };
    let mut forecasts =
        models.forecast_all(&panel, s.horizon, &s.models.levels, future.as_ref(), &obs)?;
    notes.extend(kept.take());
    for fc in &forecasts {
        report_notes(ui, &fc.model, &fc.notes);
    }
    if let Some(report) = models.auto.as_ref().and_then(|a| a.last_report()) {
        crate::report::print_auto_summary(ui, &report);
    }
    // Catalogue products without history: text-analogue cold start.
    if let (Some(c), Some(e)) = (&catalog, &emb) {
        forecasts.extend(crate::commands::coldstart::run(&panel, c, e, s, ui)?);
    }

    let mut w = create(&s.output)?;
    let rows = write_forecasts(&mut w, &forecasts)
        .with_context(|| format!("cannot write {}", s.output.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", s.output.display()))?;
    if s.output.as_os_str() != "-" {
        ui.note(format!(
            "wrote {rows} rows ({} series x {} periods, {} model{}) to {}",
            panel.n_series(),
            s.horizon,
            forecasts.len(),
            if forecasts.len() == 1 { "" } else { "s" },
            s.output.display()
        ));
    }
    if let Some(db) = &s.db {
        notes.extend(demandcast::series_note_summaries(&forecasts));
        record(db, s, &panel, &forecasts, t0, notes, ui)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Records the run in the store at `db` (created if missing), with its
/// wall time since `t0` and the notes shown during the run.
pub(crate) fn record(
    db: &std::path::Path,
    s: &ForecastSettings,
    panel: &Panel,
    forecasts: &[demandcast::core::PanelForecast],
    t0: std::time::Instant,
    notes: Vec<String>,
    ui: &Ui,
) -> Result<()> {
    let source = s
        .input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| s.input.path.display().to_string());
    let models: Vec<String> = s.models.specs.iter().map(|m| m.to_string()).collect();
    let mut run = demandcast_store::NewRun::new("forecast", &source, panel, forecasts, s.horizon);
    run.seconds = t0.elapsed().as_secs_f64();
    run.notes = notes;
    run.params = serde_json::json!({
        "input": s.input.path.display().to_string(),
        "models": models.join(","),
        "horizon": s.horizon,
        "levels": s.models.levels.iter().map(|l| l.percent()).collect::<Vec<_>>(),
        "output": s.output.display().to_string(),
    });
    let id = demandcast_store::Store::open(db)?.record_run(&run)?;
    ui.note(format!(
        "recorded as run {id} in {} (demandcast serve --db {} shows it)",
        db.display(),
        db.display()
    ));
    Ok(())
}

/// The text projection of the run: the one saved with `--model-dir`'s
/// model, else one fitted now for `--text-features K` (which the settings
/// only accept with `--catalog`), else none. `emb` is the catalogue's.
fn projection(
    s: &ForecastSettings,
    panel: &Panel,
    emb: Option<&LazyEmbeddings<'_>>,
    ui: &Ui,
) -> Result<Option<demandcast_text::TextProjection>> {
    let k = s.text_features;
    match (&s.model_dir, emb) {
        (Some(dir), _) => {
            let saved = text_features::load_projection(dir)?;
            match &saved {
                Some(p) if emb.is_none() => Err(needs_catalog(dir, p.components.len())),
                Some(p) if k > 0 && p.components.len() != k => Err(UsageError::err(
                    format!(
                        "--text-features {k}: the model in {} was fitted with {} text features",
                        dir.display(),
                        p.components.len()
                    ),
                    Some("drop --text-features: a saved model brings its own projection"),
                )),
                None if k > 0 => Err(UsageError::err(
                    format!(
                        "--text-features {k}: the model in {} was fitted without text features",
                        dir.display()
                    ),
                    Some("drop --text-features, or refit with demandcast fit --catalog FILE --text-features K --save DIR"),
                )),
                _ => Ok(saved),
            }
        }
        (None, Some(e)) if k > 0 => Ok(Some(text_features::fit_projection(
            panel,
            e.catalog(),
            e.get()?,
            k,
            ui,
        )?)),
        _ => Ok(None),
    }
}

fn needs_catalog(dir: &std::path::Path, k: usize) -> anyhow::Error {
    UsageError::err(
        format!(
            "the model in {} reads {k} text features (text_0..text_{}): it needs the product texts",
            dir.display(),
            k - 1
        ),
        Some("add --catalog with the catalogue the model was fitted with"),
    )
}

/// Loads the catalogue and warns about series it does not describe; loading
/// it validates the file early.
pub(crate) fn check_catalog(
    path: &std::path::Path,
    id_col: &str,
    panel: &Panel,
    ui: &Ui,
) -> Result<demandcast::core::Catalog> {
    let catalog = load_catalog(path, id_col)?;
    let known: std::collections::HashSet<&str> = catalog.ids.iter().map(String::as_str).collect();
    let missing = panel
        .ids()
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        .count();
    if missing > 0 {
        ui.warn(format!(
            "{}: {missing} of {} series have no catalogue row (matched on column '{id_col}')",
            path.display(),
            panel.n_series()
        ));
    }
    ui.note(format!("{}: {} products", path.display(), catalog.len()));
    Ok(catalog)
}
