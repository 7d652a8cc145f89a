//! Rolling-origin cross-validation (statsforecast's `cross_validation`).
//!
//! # Cutoffs
//! From the panel's latest date `T`, window `k = 0..n_windows` (earliest
//! first) has the cutoff
//!
//! `cutoff_k = T - (h + (n_windows - 1 - k) * step_size)` steps,
//!
//! so the last window's test part ends at `T`. Cutoffs are common to all
//! series (statsforecast counts positions per series, which is the same when
//! all series end at `T`). The model is trained on each series' rows with
//! date <= cutoff and predicts the `h` dates after it.
//!
//! # Which series are evaluated in a window
//! Nothing is dropped silently: every series left out gets a [`CvNote`].
//! * a series that starts after the cutoff (no training data) is skipped;
//! * a series that ends at or before the cutoff (no actuals after it) is skipped;
//! * a series with fewer than `min_train_len` training rows is skipped;
//! * a series that ends inside the test window is kept, with a note: its
//!   missing actuals are NaN and are left out of the metrics (the reference
//!   scorer drops them too, and WRMSSE-12 drops the series for that cutoff).
//!
//! # Refitting
//! With [`Refit::Always`] (default) every window fits on its own training
//! data. The core traits have no "update the state with new data, keep the
//! parameters" operation (statsforecast's `forward`), so
//! [`Refit::Never`] / [`Refit::Every`] keep the model fitted at the last
//! refit window and, for a later window, predict `h + offset` steps from that
//! fit's cutoff and keep the last `h` (offset = steps between the two
//! cutoffs): a *fixed-origin* evaluation that measures how a stale model
//! degrades, with no data after its cutoff used. Series first eligible after
//! the fit are skipped with a note. A model whose fit failed is fitted again
//! at the next window.
//!
//! # Future covariates
//! When the panel has covariates, each prediction gets them for the dates it
//! forecasts (in a backtest the test window's covariates are known), as a
//! [`FutureCovariates`] with one row per forecast step and series; values
//! past a series' end are NaN.

use crate::cv_result::{CvNote, CvResult, CvWindow, ModelWindow};
use crate::scale::rows_until;
use crate::{EvalError, Result};
use chrono::NaiveDate;
use demandcast_core::{
    Column, FittedForecaster, Forecast, Forecaster, FutureCovariates, Interval, Level, Panel,
    PanelForecast, Progress,
};
use serde::Serialize;
use std::time::Instant;
use tracing::{info, warn};

/// When models are refitted across windows (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refit {
    /// Fit on every window's training data (statsforecast's `refit=True`).
    Always,
    /// Fit once at the first window; later windows forecast further ahead from that fit.
    Never,
    /// Refit every `n` windows (windows 0, n, 2n...); in between as [`Refit::Never`].
    Every(usize),
}

impl Refit {
    fn fits_at(self, k: usize) -> bool {
        match self {
            Refit::Always => true,
            Refit::Never => k == 0,
            Refit::Every(n) => k.checked_rem(n) == Some(0),
        }
    }
}

/// Settings of [`cross_validation`].
#[derive(Debug, Clone, PartialEq)]
pub struct CvConfig {
    /// Forecast horizon (steps).
    pub h: usize,
    /// Number of windows (cutoffs).
    pub n_windows: usize,
    /// Steps between consecutive cutoffs; `None` means `h`.
    pub step_size: Option<usize>,
    /// Refitting across windows.
    pub refit: Refit,
    /// Prediction-interval levels asked of the models.
    pub levels: Vec<Level>,
    /// Fewest training rows a series needs to be evaluated in a window (default 1).
    pub min_train_len: usize,
}

impl CvConfig {
    /// `n_windows` windows of horizon `h`, step `h`, refit every window, no intervals.
    pub fn new(h: usize, n_windows: usize) -> Self {
        Self {
            h,
            n_windows,
            step_size: None,
            refit: Refit::Always,
            levels: Vec::new(),
            min_train_len: 1,
        }
    }
    /// Sets the levels (sorted, deduplicated).
    pub fn with_levels(mut self, levels: Vec<Level>) -> Self {
        self.levels = Level::normalize(levels);
        self
    }
    /// Sets the step between cutoffs.
    pub fn with_step_size(mut self, step: usize) -> Self {
        self.step_size = Some(step);
        self
    }
    /// Sets the refitting policy.
    pub fn with_refit(mut self, refit: Refit) -> Self {
        self.refit = refit;
        self
    }
    /// Sets the fewest training rows per series.
    pub fn with_min_train_len(mut self, n: usize) -> Self {
        self.min_train_len = n;
        self
    }
    /// The step between cutoffs.
    pub fn step(&self) -> usize {
        self.step_size.unwrap_or(self.h)
    }

    fn validate(&self) -> Result<()> {
        if self.h == 0 || self.n_windows == 0 || self.step() == 0 {
            return Err(EvalError::Config(format!(
                "h ({}), n_windows ({}) and step_size ({}) must be at least 1",
                self.h,
                self.n_windows,
                self.step()
            )));
        }
        if self.refit == Refit::Every(0) {
            return Err(EvalError::Config("refit every 0 windows".into()));
        }
        Ok(())
    }
}

/// The windows of a backtest: cutoffs and the series evaluated in each.
#[derive(Debug, Clone, PartialEq)]
pub struct CvPlan {
    /// Cutoffs, earliest first.
    pub cutoffs: Vec<NaiveDate>,
    /// Per window, the panel indices of the evaluated series (ascending).
    pub eligible: Vec<Vec<usize>>,
    /// Series skipped or kept with partial actuals, per window.
    pub notes: Vec<CvNote>,
}

impl CvPlan {
    /// Series fits the backtest will run for `n_models` models (for a progress bar).
    pub fn n_fits(&self, n_models: usize, refit: Refit) -> u64 {
        let per: usize = self
            .eligible
            .iter()
            .enumerate()
            .filter(|(k, _)| refit.fits_at(*k))
            .map(|(_, e)| e.len())
            .sum();
        (per * n_models) as u64
    }
}

/// Computes the cutoffs and the series of each window (see the module docs).
///
/// # Errors
/// [`EvalError::Config`] for an invalid configuration or an empty panel.
pub fn plan(panel: &Panel, cfg: &CvConfig) -> Result<CvPlan> {
    cfg.validate()?;
    let max = panel
        .max_date()
        .ok_or_else(|| EvalError::Config("the panel has no series".into()))?;
    let freq = panel.freq();
    let cutoffs: Vec<NaiveDate> = (0..cfg.n_windows)
        .map(|k| {
            freq.step(
                max,
                -((cfg.h + (cfg.n_windows - 1 - k) * cfg.step()) as i64),
            )
        })
        .collect();
    let mut eligible = Vec::with_capacity(cutoffs.len());
    let mut notes = Vec::new();
    for &cutoff in &cutoffs {
        let test_end = freq.step(cutoff, cfg.h as i64);
        let mut e = Vec::new();
        for i in 0..panel.n_series() {
            let n_train = rows_until(panel, i, cutoff);
            let last = panel.last_date(i);
            let skip = if n_train == 0 {
                Some("starts after the cutoff: no training data; skipped".to_string())
            } else if last <= cutoff {
                Some("ends at or before the cutoff: no actuals; skipped".to_string())
            } else if n_train < cfg.min_train_len {
                Some(format!(
                    "{n_train} training observations, fewer than the {} required; skipped",
                    cfg.min_train_len
                ))
            } else {
                None
            };
            let note = |message| CvNote {
                cutoff,
                id: panel.id(i).to_string(),
                model: None,
                message,
            };
            match skip {
                Some(m) => notes.push(note(m)),
                None => {
                    if last < test_end {
                        let k = panel.len_of(i) - n_train;
                        notes.push(note(format!(
                            "ends inside the test window: {k} of {} actuals; the rest are not scored",
                            cfg.h
                        )));
                    }
                    e.push(i);
                }
            }
        }
        eligible.push(e);
    }
    Ok(CvPlan {
        cutoffs,
        eligible,
        notes,
    })
}

/// The covariates of `series` for the `len` dates after `cutoff` (NaN past a series' end).
pub fn future_covariates(
    panel: &Panel,
    series: &[usize],
    cutoff: NaiveDate,
    len: usize,
) -> Option<FutureCovariates> {
    if panel.covariates().is_empty() {
        return None;
    }
    let first = panel.freq().step(cutoff, 1);
    let mut columns: Vec<Column> = panel
        .covariates()
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            values: Vec::with_capacity(series.len() * len),
        })
        .collect();
    for &i in series {
        let from = rows_until(panel, i, cutoff);
        let n = panel.len_of(i);
        let s = panel.indptr()[i];
        for (col, src) in columns.iter_mut().zip(panel.covariates()) {
            col.values.extend((from..from + len).map(|j| {
                if j < n {
                    src.values[s + j]
                } else {
                    f64::NAN
                }
            }));
        }
    }
    Some(FutureCovariates {
        lookup: Default::default(),
        ids: series.iter().map(|&i| panel.id(i).to_string()).collect(),
        starts: vec![first; series.len()],
        indptr: (0..=series.len()).map(|k| k * len).collect(),
        columns,
    })
}

/// The rows `<= cutoff` of `series` (all series: no intermediate copy).
fn training_panel(panel: &Panel, series: &[usize], cutoff: NaiveDate) -> Panel {
    if series.len() == panel.n_series() {
        panel.until(cutoff)
    } else {
        panel.subset(series).until(cutoff)
    }
}

/// The actuals of `series` for the `h` dates after `cutoff` (NaN past a series' end).
fn actuals(panel: &Panel, series: &[usize], cutoff: NaiveDate, h: usize) -> Vec<Vec<f64>> {
    series
        .iter()
        .map(|&i| {
            let from = rows_until(panel, i, cutoff);
            let y = panel.series(i);
            (from..from + h)
                .map(|j| y.get(j).copied().unwrap_or(f64::NAN))
                .collect()
        })
        .collect()
}

/// The last fit of a model kept for later windows (refit != always).
struct Kept {
    window: usize,
    fitted: Box<dyn FittedForecaster>,
    series: Vec<usize>,
}

/// Runs a rolling-origin backtest of `models` on `panel` (see the module docs).
///
/// A model that fails on a window is recorded ([`ModelWindow::error`], a
/// warning is logged) and the backtest goes on; its rows are NaN.
/// `progress` receives the series fitted by every model's `fit`.
///
/// # Errors
/// [`EvalError::Config`] for an invalid configuration, an empty panel or
/// repeated model names.
pub fn cross_validation(
    panel: &Panel,
    models: &[&dyn Forecaster],
    cfg: &CvConfig,
    progress: &dyn Progress,
) -> Result<CvResult> {
    let plan = plan(panel, cfg)?;
    let mut names: Vec<&str> = models.iter().map(|m| m.name()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(EvalError::Config(format!(
            "two models are named '{}'",
            w[0]
        )));
    }
    let mut kept: Vec<Option<Kept>> = models.iter().map(|_| None).collect();
    let mut notes = plan.notes.clone();
    let mut windows = Vec::with_capacity(plan.cutoffs.len());
    for (k, (&cutoff, series)) in plan.cutoffs.iter().zip(&plan.eligible).enumerate() {
        info!(window = k, %cutoff, n_series = series.len(), "backtest window");
        let mut mw = Vec::with_capacity(models.len());
        // built once per window, only when some model fits on it
        let mut train: Option<Panel> = None;
        for (model, slot) in models.iter().zip(kept.iter_mut()) {
            let name = model.name().to_string();
            let mut fit_seconds = 0.0;
            let refit = cfg.refit.fits_at(k) || slot.is_none();
            if refit {
                let train = train.get_or_insert_with(|| training_panel(panel, series, cutoff));
                let t0 = Instant::now();
                let fitted = model.fit_with_progress(train, progress);
                fit_seconds = t0.elapsed().as_secs_f64();
                match fitted {
                    Ok(f) => {
                        *slot = Some(Kept {
                            window: k,
                            fitted: f,
                            series: series.clone(),
                        })
                    }
                    Err(e) => {
                        warn!(model = %name, %cutoff, error = %e, "fit failed");
                        *slot = None;
                        mw.push(ModelWindow::failed(name, e.to_string(), fit_seconds));
                        continue;
                    }
                }
            }
            let Some(kp) = slot.as_ref() else {
                continue; // unreachable: just set
            };
            let offset = (k - kp.window) * cfg.step();
            let fit_cutoff = plan.cutoffs[kp.window];
            let future = future_covariates(panel, &kp.series, fit_cutoff, cfg.h + offset);
            let t0 = Instant::now();
            let pred = kp
                .fitted
                .predict(cfg.h + offset, &cfg.levels, future.as_ref());
            let predict_seconds = t0.elapsed().as_secs_f64();
            match pred {
                Ok(pf) => {
                    let pf = if offset > 0 {
                        let missing: Vec<usize> = series
                            .iter()
                            .copied()
                            .filter(|i| !kp.series.contains(i))
                            .collect();
                        notes.extend(missing.iter().map(|&i| CvNote {
                            cutoff,
                            id: panel.id(i).to_string(),
                            model: Some(name.clone()),
                            message: "not in the model's last fit (refit policy); skipped".into(),
                        }));
                        slice_forecast(pf, offset, cfg.h, panel, series)
                    } else {
                        pf
                    };
                    mw.push(ModelWindow {
                        model: name,
                        forecast: Some(pf),
                        error: None,
                        refit,
                        fit_seconds,
                        predict_seconds,
                    });
                }
                Err(e) => {
                    warn!(model = %name, %cutoff, error = %e, "predict failed");
                    let mut f = ModelWindow::failed(name, e.to_string(), fit_seconds);
                    f.predict_seconds = predict_seconds;
                    mw.push(f);
                }
            }
            // A fit no later window reuses is dropped now: fitted models can
            // hold per-series state (fitted values, residuals), and keeping
            // every model's until the end held ~1 GB on M5 with 16 models.
            let next = k + 1;
            if next == plan.cutoffs.len() || cfg.refit.fits_at(next) {
                *slot = None;
            }
        }
        windows.push(CvWindow {
            cutoff,
            series: series.clone(),
            ids: series.iter().map(|&i| panel.id(i).to_string()).collect(),
            actuals: actuals(panel, series, cutoff, cfg.h),
            models: mw,
        });
    }
    Ok(CvResult {
        freq: panel.freq(),
        h: cfg.h,
        step_size: cfg.step(),
        refit: cfg.refit,
        levels: cfg.levels.clone(),
        model_names: models.iter().map(|m| m.name().to_string()).collect(),
        windows,
        notes,
    })
}

/// Keeps steps `offset..offset + h` of the series in `keep` (fixed-origin windows).
fn slice_forecast(
    pf: PanelForecast,
    offset: usize,
    h: usize,
    panel: &Panel,
    keep: &[usize],
) -> PanelForecast {
    let want: std::collections::HashSet<&str> = keep.iter().map(|&i| panel.id(i)).collect();
    let cut = |v: &[f64]| v.iter().skip(offset).take(h).copied().collect::<Vec<f64>>();
    let PanelForecast {
        model,
        freq,
        ids,
        starts,
        levels,
        series,
        notes,
    } = pf;
    let mut out = PanelForecast {
        model,
        freq,
        ids: Vec::new(),
        starts: Vec::new(),
        levels,
        series: Vec::new(),
        notes,
    };
    for ((id, start), f) in ids.into_iter().zip(starts).zip(series) {
        if !want.contains(id.as_str()) {
            continue;
        }
        out.ids.push(id);
        out.starts.push(freq.step(start, offset as i64));
        out.series.push(Forecast {
            mean: cut(&f.mean),
            intervals: f
                .intervals
                .iter()
                .map(|iv| Interval {
                    level: iv.level,
                    lower: cut(&iv.lower),
                    upper: cut(&iv.upper),
                })
                .collect(),
        });
    }
    out
}
