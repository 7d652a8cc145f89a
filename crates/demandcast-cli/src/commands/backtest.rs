//! `demandcast backtest`: a rolling-origin backtest of the models, scored with
//! the reference metrics, written as a folder:
//!
//! * `forecasts.csv`: `unique_id, ds, cutoff, y, <model>, <model>-lo-80, ...`
//! * `metrics.csv`: one row per series x window x model;
//! * `report.json` / `report.md`: models ranked on aggregated metrics, WRMSSE
//!   by level (M5-like data), timings, fallbacks, the `auto` choices, and the
//!   data diagnostics.
//!
//! The numbers come from the eval crate, computed on the very table written
//! to forecasts.csv, so the files and the report cannot disagree.

use crate::input::{load_history, report_notes};
use crate::report::{write_auto_choices, write_markdown, ReportInputs, RunInfo};
use crate::settings::BacktestSettings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::Forecaster;
use demandcast::eval::{
    cross_validation, plan, score_backtest, CvConfig, EvalOptions, M5Hierarchy, PairMetrics, Refit,
};
use std::{fs, io::Write, path::Path, process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &BacktestSettings, ui: &Ui) -> Result<ExitCode> {
    let started = Instant::now();
    s.models.init_threads()?;
    let loaded = load_history(&s.input, ui)?;
    let mut opts = s.models.build_options(loaded.panel.freq());
    opts.horizon = Some(s.horizon);
    let models = demandcast::build_models(&s.models.specs, &opts)?;
    let refs: Vec<&dyn Forecaster> = models.forecasters.iter().map(|m| m.as_ref()).collect();
    // The loader already left out the covariates no model reads (the price
    // stays for the WRMSSE weights): see `settings::covariates_needed`.
    let panel = loaded.panel;
    let panel = &panel;

    let refit = if s.refit { Refit::Always } else { Refit::Never };
    let cfg = CvConfig::new(s.horizon, s.windows)
        .with_levels(s.models.levels.clone())
        .with_step_size(s.step_size)
        .with_refit(refit);
    // Planning first checks the configuration against the data (enough
    // history for the windows?) and sizes the progress bar.
    let the_plan = plan(panel, &cfg).context("cannot set up the backtest")?;
    let bar = ui
        .bars()
        .bar(the_plan.n_fits(refs.len(), refit), "backtest");
    let cv = cross_validation(panel, &refs, &cfg, &bar).context("backtest failed")?;
    bar.finish();

    let mut eval_opts = EvalOptions::new(opts.season_length);
    // WRMSSE-12 needs the M5 hierarchy and prices; skip it quietly otherwise.
    let m5_like = panel.covariate("sell_price").is_some() && M5Hierarchy::from_panel(panel).is_ok();
    if !m5_like {
        eval_opts.m5 = None;
    }
    let (table, report) = score_backtest(panel, &cv, &eval_opts).context("scoring failed")?;

    // Series left out of a window (too short, no actuals) concern every model.
    let skipped = report.notes.iter().filter(|n| n.model.is_none()).count();
    if skipped > 0 {
        ui.warn(format!(
            "{skipped} (series, window) pairs were skipped or only partly scored; report.md lists them"
        ));
    }
    for name in &cv.model_names {
        let notes: Vec<_> = report
            .notes
            .iter()
            .filter(|n| n.model.as_deref() == Some(name.as_str()))
            .map(|n| demandcast::core::SeriesNote {
                id: format!("{}@{}", n.id, n.cutoff),
                message: n.message.clone(),
            })
            .collect();
        report_notes(ui, name, &notes);
    }

    fs::create_dir_all(&s.output)
        .with_context(|| format!("cannot create folder {}", s.output.display()))?;
    let forecasts_csv = s.output.join("forecasts.csv");
    write_file(&forecasts_csv, |w| Ok(table.write_csv(w)?))?;
    let metrics_csv = s.output.join("metrics.csv");
    write_file(&metrics_csv, |w| write_metrics(w, &report.pairs))?;

    let run = RunInfo {
        input: s.input.path.display().to_string(),
        n_series: panel.n_series(),
        n_rows: panel.n_rows(),
        freq: panel.freq().to_string(),
        horizon: s.horizon,
        windows: s.windows,
        step_size: s.step_size,
        refit: s.refit,
        levels: s.models.levels.iter().map(|l| l.percent()).collect(),
        season_length: opts.season_length,
        models: s.models.specs.iter().map(ToString::to_string).collect(),
        cutoffs: cv.cutoffs().iter().map(ToString::to_string).collect(),
        threads: rayon::current_num_threads(),
        seconds: started.elapsed().as_secs_f64(),
    };
    let auto = models.auto.as_ref().and_then(|a| a.last_report());
    let ensemble = models
        .ensemble
        .as_ref()
        .map(|e| e.reports())
        .unwrap_or_default();
    let diagnostics: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    let inputs = ReportInputs {
        run: &run,
        report: &report,
        auto: auto.as_ref(),
        ensemble: &ensemble,
        diagnostics: &diagnostics,
    };
    let json_path = s.output.join("report.json");
    write_file(&json_path, |w| {
        serde_json::to_writer_pretty(&mut *w, &inputs.to_json())?;
        writeln!(w)?;
        Ok(())
    })?;
    let md_path = s.output.join("report.md");
    write_file(&md_path, |w| write_markdown(w, &inputs))?;
    if let Some(a) = &auto {
        write_file(&s.output.join("auto_choices.csv"), |w| {
            write_auto_choices(w, a)
        })?;
    }

    if let Some(db) = &s.db {
        let source = s
            .input
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut rec = demandcast_store::NewRun::new("backtest", &source, panel, &[], s.horizon);
        rec.seconds = started.elapsed().as_secs_f64();
        rec.models = report
            .metrics
            .models
            .iter()
            .map(|m| m.metrics.model.clone())
            .collect();
        rec.report = Some(serde_json::to_value(inputs.to_json())?);
        rec.notes = diagnostics.clone();
        rec.params = serde_json::json!({
            "input": s.input.path.display().to_string(),
            "windows": s.windows,
            "step_size": s.step_size,
            "output": s.output.display().to_string(),
        });
        let id = demandcast_store::Store::open(db)?.record_run(&rec)?;
        ui.note(format!("recorded as run {id} in {}", db.display()));
    }
    if let Some(best) = report.metrics.models.first() {
        ui.note(format!(
            "best by {}: {} ({} models, {} windows, {} series)",
            report.metrics.primary_metric,
            best.metrics.model,
            report.metrics.models.len(),
            cv.windows.len(),
            panel.n_series()
        ));
    }
    ui.note(format!(
        "wrote {} ({} rows), {}, {} and {}",
        forecasts_csv.display(),
        table.n_rows(),
        metrics_csv.display(),
        md_path.display(),
        json_path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Creates `path` and fills it with `body`, naming the file on failure.
fn write_file(path: &Path, body: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let err = || format!("cannot write {}", path.display());
    let f = fs::File::create(path).with_context(err)?;
    let mut w = std::io::BufWriter::new(f);
    body(&mut w).with_context(err)?;
    w.flush().with_context(err)
}

/// One row per series, window and model, with the per-pair metrics.
fn write_metrics(w: &mut dyn Write, pairs: &[PairMetrics]) -> Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "unique_id",
        "cutoff",
        "model",
        "n_points",
        "mae",
        "rmse",
        "smape",
        "bias",
        "mase",
        "rmsse",
        "scrps",
    ])?;
    let num = |v: f64| crate::output::num(Some(v));
    for p in pairs {
        c.write_record([
            p.unique_id.clone(),
            p.cutoff.to_string(),
            p.model.clone(),
            p.n_points.to_string(),
            num(p.mae),
            num(p.rmse),
            num(p.smape),
            num(p.bias),
            num(p.mase),
            num(p.rmsse),
            num(p.scrps),
        ])?;
    }
    c.flush()?;
    Ok(())
}
