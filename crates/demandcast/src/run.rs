//! Fitting every model of a list and forecasting with each: the loop that
//! the CLI's `forecast` and the HTTP API share.

use crate::{Error, Models, Result};
use demandcast_core::{FutureCovariates, Level, NoProgress, Panel, PanelForecast, Progress};
use demandcast_eval::Ensemble;
use std::time::Instant;

/// Progress of one model's fit (a progress bar in the CLI).
pub trait ModelProgress: Progress {
    /// The stage changes (`forecasting ...` after fitting).
    fn stage(&self, _msg: &str) {}
    /// The model is done.
    fn finish(&self) {}
}

/// What a run reports while it works.
pub trait RunObserver {
    /// Work on `model` starts, over `n_series` series.
    fn model_started(&self, model: &str, n_series: usize) -> Box<dyn ModelProgress + '_>;
    /// Something for the planner to read (the ensemble's weights).
    fn note(&self, msg: String);
    /// A problem that did not stop the run.
    fn warn(&self, msg: String);
}

/// An observer that only logs (through `tracing`) and collects its notes
/// and warnings, for callers without a terminal (the server, tests).
#[derive(Debug, Default)]
pub struct CollectNotes {
    notes: std::sync::Mutex<Vec<String>>,
}

impl CollectNotes {
    /// The notes and warnings so far, warnings prefixed `warning: `.
    pub fn take(&self) -> Vec<String> {
        self.notes
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default()
    }

    fn push(&self, msg: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(msg);
        }
    }
}

impl ModelProgress for NoProgress {}

impl RunObserver for CollectNotes {
    fn model_started(&self, model: &str, n_series: usize) -> Box<dyn ModelProgress + '_> {
        tracing::info!(model, n_series, "fitting");
        Box::new(NoProgress)
    }
    fn note(&self, msg: String) {
        tracing::info!("{msg}");
        self.push(msg);
    }
    fn warn(&self, msg: String) {
        tracing::warn!("{msg}");
        self.push(format!("warning: {msg}"));
    }
}

impl Models {
    /// The panel without its covariates when no model reads them (they
    /// double the memory of an M5-sized panel), else unchanged.
    pub fn drop_unused_covariates(&self, panel: Panel) -> Panel {
        if self.forecasters.iter().any(|m| m.uses_covariates()) {
            panel
        } else {
            panel.retain_covariates(|_| false)
        }
    }

    /// Fits every model on `panel` and forecasts `horizon` periods with
    /// each, in the list's order. With `ensemble` listed, its members are
    /// fitted once, inside the ensemble, and their forecasts come with its
    /// own (members first, as [`demandcast_eval::FittedEnsemble::predict_members`]
    /// orders them).
    ///
    /// # Errors
    /// [`Error::ModelFailed`] naming the model and whether fitting or
    /// forecasting failed.
    ///
    /// # Example
    /// ```
    /// use demandcast::{BuildOptions, CollectNotes, ModelSpec};
    /// use demandcast::core::{Freq, NaiveDate, Panel};
    ///
    /// let d0: NaiveDate = "2024-01-01".parse()?;
    /// let y: Vec<f64> = (0..28).map(|t| (t % 7) as f64).collect();
    /// let panel = Panel::from_series(Freq::Daily, vec![("sku1".to_string(), d0, y)])?;
    /// let specs = ModelSpec::parse_list("naive,seasonal_naive:7")?;
    /// let models = demandcast::build_models(&specs, &BuildOptions::new(7))?;
    /// let fcs = models.forecast_all(&panel, 3, &[], None, &CollectNotes::default())?;
    /// assert_eq!(fcs[0].series[0].mean, vec![6.0, 6.0, 6.0]);
    /// assert_eq!(fcs[1].series[0].mean, vec![0.0, 1.0, 2.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn forecast_all(
        &self,
        panel: &Panel,
        horizon: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
        obs: &dyn RunObserver,
    ) -> Result<Vec<PanelForecast>> {
        let members: Vec<&str> = self
            .ensemble
            .as_ref()
            .map(|e| e.member_names())
            .unwrap_or_default();
        let failed = |model: &str, stage: &'static str, e: Error| Error::ModelFailed {
            model: model.to_string(),
            stage,
            source: Box::new(e),
        };
        let mut out = Vec::with_capacity(self.forecasters.len());
        for model in &self.forecasters {
            let name = model.name();
            if members.contains(&name) {
                continue;
            }
            let bar = obs.model_started(name, panel.n_series());
            let t0 = Instant::now();
            let fcs = match &self.ensemble {
                Some(ens) if name == Ensemble::NAME => {
                    let fitted = ens
                        .fit_ensemble_with(panel, bar.as_ref(), true)
                        .map_err(|e| failed(name, "fit", e.into()))?;
                    report_weights(fitted.report(), obs);
                    bar.stage(&format!("forecasting {name}"));
                    fitted
                        .predict_members(horizon, levels, future)
                        .map_err(|e| failed(name, "forecast", e.into()))?
                }
                _ => {
                    let fitted = model
                        .fit_with_progress(panel, bar.as_ref())
                        .map_err(|e| failed(name, "fit", e.into()))?;
                    bar.stage(&format!("forecasting {name}"));
                    vec![fitted
                        .predict(horizon, levels, future)
                        .map_err(|e| failed(name, "forecast", e.into()))?]
                }
            };
            bar.finish();
            tracing::info!(model = %name, seconds = t0.elapsed().as_secs_f64(), "done");
            out.extend(fcs);
        }
        Ok(out)
    }
}

/// One line per model with per-series notes (fallbacks, substitutes): how
/// many and the first, for a run's record.
pub fn series_note_summaries(forecasts: &[PanelForecast]) -> Vec<String> {
    forecasts
        .iter()
        .filter_map(|fc| {
            fc.notes.first().map(|first| {
                format!(
                    "{}: {} notes (first: series '{}': {})",
                    fc.model,
                    fc.notes.len(),
                    first.id,
                    first.message
                )
            })
        })
        .collect()
}

/// The ensemble's weights as a note, and its own notes as warnings.
fn report_weights(r: &demandcast_eval::EnsembleReport, obs: &dyn RunObserver) {
    if r.cutoffs.is_empty() {
        obs.note(format!(
            "ensemble weights (equal, no backtest): {}",
            r.describe()
        ));
    } else {
        let alone: Vec<String> = r
            .members
            .iter()
            .zip(&r.member_scores)
            .map(|(m, s)| format!("{m} {s:.4}"))
            .collect();
        obs.note(format!(
            "ensemble weights (backtest score {:.4} on {} window{}; members alone: {}): {}",
            r.score,
            r.cutoffs.len(),
            if r.cutoffs.len() == 1 { "" } else { "s" },
            alone.join(", "),
            r.describe()
        ));
    }
    for n in &r.notes {
        obs.warn(format!("ensemble: {n}"));
    }
}
