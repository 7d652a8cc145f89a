//! A weighted ensemble whose weights are chosen by backtest: the
//! [`Forecaster`] named `Ensemble`.
//!
//! Fitting runs, on the training panel only:
//! 1. a rolling-origin backtest of every member ([`crate::cross_validation`],
//!    `n_windows` windows of `h` steps, default three);
//! 2. a greedy forward selection with replacement (Caruana et al., 2004,
//!    "Ensemble selection from libraries of models"): `steps` times, add to
//!    the bag the member whose addition gives the lowest score of the bag's
//!    mean forecast; a member's weight is its share of the bag, so weights are
//!    multiples of `1 / steps`, non-negative and sum to one. The score is
//!    `auto`'s WRMSSE-style score over aggregation levels (the 12 M5 levels
//!    where the series carry M5 keys, see [`crate::auto`]);
//! 3. a fit of every member with a positive weight on the whole panel.
//!
//! The forecast is the weighted mean of the members' point forecasts, and
//! each interval bound the weighted mean of the members' bounds (quantile
//! averaging, "Vincentization"; it keeps the bounds ordered). A member that
//! lacks a series or a level leaves it to the others, re-weighted.
//!
//! Why a greedy bag and not free weights: with one or two backtest windows,
//! free least-squares weights overfit; the bag's coarse, non-negative weights
//! are the standard remedy, and with two members it is a grid search in
//! steps of `1 / steps`, which the score is convex along.

use crate::auto_hier::HierScorer;
use crate::cv::{cross_validation, plan, CvConfig};
use crate::{EvalError, Result};
use chrono::NaiveDate;
use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, FutureCovariates, Interval, Level, NoProgress, Panel,
    PanelForecast, Progress, SeriesNote,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tracing::info;

/// Settings of [`Ensemble`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleConfig {
    /// Horizon of the internal backtest (use the horizon you will forecast).
    pub h: usize,
    /// Windows of the internal backtest (default 3, [`EnsembleConfig::DEFAULT_WINDOWS`]);
    /// fewer, with a note, when the history is too short for them (the
    /// earliest windows would have no series with training data).
    pub n_windows: usize,
    /// Picks of the greedy selection (default 20: weights in steps of 0.05).
    pub steps: usize,
    /// Give every member the same weight and skip the backtest (the plain
    /// mean; `ensemble:equal`). With near-equal members a one- or two-window
    /// backtest tends to put all the weight on one of them, while their mean
    /// is often better than either (BENCHMARKS.md, the text warm task).
    pub equal: bool,
}

impl EnsembleConfig {
    /// Internal backtest windows unless told otherwise. Three, not one: on
    /// the M5 sample (6 outer windows) and the Frat (3), greedy weights
    /// chosen on three windows scored better out of sample than on one
    /// (BENCHMARKS.md, "the ensemble's backtest windows"); each window costs
    /// one more fit of every member.
    pub const DEFAULT_WINDOWS: usize = 3;

    /// Defaults with this backtest horizon.
    pub fn new(h: usize) -> Self {
        Self {
            h,
            n_windows: Self::DEFAULT_WINDOWS,
            steps: 20,
            equal: false,
        }
    }
}

/// What [`Ensemble`] chose and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnsembleReport {
    /// Members, in order.
    pub members: Vec<String>,
    /// Their weights (summing to one; 0 for a member left out or failed).
    pub weights: Vec<f64>,
    /// Each member's backtest score alone (NaN: failed).
    pub member_scores: Vec<f64>,
    /// The weighted blend's backtest score.
    pub score: f64,
    /// The last date of the history the ensemble was fitted on (in a
    /// backtest, the window's cutoff); `None` for an empty panel.
    pub trained_to: Option<NaiveDate>,
    /// Cutoffs of the internal backtest.
    pub cutoffs: Vec<NaiveDate>,
    /// Failures and fallbacks.
    pub notes: Vec<String>,
}

impl EnsembleReport {
    /// `LightGBM 0.85 + Tsfm 0.15`: the members with a positive weight.
    pub fn describe(&self) -> String {
        self.members
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(m, w)| format!("{m} {w:.2}"))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// The backtest-weighted ensemble (see the module docs).
pub struct Ensemble {
    members: Vec<Box<dyn Forecaster>>,
    config: EnsembleConfig,
    /// One report per fit, in the order the fits ended.
    reports: Mutex<Vec<EnsembleReport>>,
}

impl std::fmt::Debug for Ensemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ensemble")
            .field("members", &self.member_names())
            .field("config", &self.config)
            .finish()
    }
}

impl Ensemble {
    /// The forecaster's (and output column's) name.
    pub const NAME: &'static str = "Ensemble";

    /// An ensemble of these members.
    ///
    /// # Errors
    /// [`EvalError::Config`] with fewer than two members, repeated names, no
    /// backtest window or no selection step.
    pub fn new(members: Vec<Box<dyn Forecaster>>, config: EnsembleConfig) -> Result<Self> {
        if members.len() < 2 {
            return Err(EvalError::Config(
                "an ensemble needs at least two member models".into(),
            ));
        }
        let mut names: Vec<&str> = members.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) || names.contains(&Self::NAME) {
            return Err(EvalError::Config(format!(
                "ensemble members must have distinct names other than '{}': {names:?}",
                Self::NAME
            )));
        }
        if config.n_windows == 0 || config.steps == 0 || config.h == 0 {
            return Err(EvalError::Config(
                "an ensemble needs a horizon, at least one backtest window and one selection step"
                    .into(),
            ));
        }
        Ok(Self {
            members,
            config,
            reports: Mutex::new(Vec::new()),
        })
    }

    /// The members' names.
    pub fn member_names(&self) -> Vec<&str> {
        self.members.iter().map(|c| c.name()).collect()
    }

    /// The report of the most recent fit, if any.
    pub fn last_report(&self) -> Option<EnsembleReport> {
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last()
            .cloned()
    }

    /// The reports of every fit so far, by the end of their training
    /// history: in a backtest, what the ensemble chose in each window.
    pub fn reports(&self) -> Vec<EnsembleReport> {
        let mut all = self
            .reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        all.sort_by_key(|r| r.trained_to);
        all
    }

    /// Backtests the members, chooses the weights and fits the members
    /// with a positive weight; `progress` gets the final fits.
    ///
    /// # Errors
    /// [`EvalError::Config`] for an invalid backtest setting;
    /// [`EvalError::Core`] when no member can be backtested,
    /// [`EvalError::Model`] when a member with a positive weight fails its
    /// final fit.
    pub fn fit_ensemble(&self, train: &Panel, progress: &dyn Progress) -> Result<FittedEnsemble> {
        self.fit_ensemble_with(train, progress, false)
    }

    /// As [`Ensemble::fit_ensemble`]; with `fit_all`, every member that
    /// passed the backtest is fitted, weight or not, so that
    /// [`FittedEnsemble::predict_members`] gives every member's forecast
    /// (what `demandcast forecast` writes beside the ensemble's).
    ///
    /// # Errors
    /// As [`Ensemble::fit_ensemble`].
    pub fn fit_ensemble_with(
        &self,
        train: &Panel,
        progress: &dyn Progress,
        fit_all: bool,
    ) -> Result<FittedEnsemble> {
        let cfg = &self.config;
        let names: Vec<String> = self.member_names().into_iter().map(String::from).collect();
        if cfg.equal {
            let n = names.len();
            let report = EnsembleReport {
                members: names.clone(),
                weights: vec![1.0 / n as f64; n],
                member_scores: vec![f64::NAN; n],
                score: f64::NAN,
                trained_to: train.max_date(),
                cutoffs: Vec::new(),
                notes: Vec::new(),
            };
            info!(weights = %report.describe(), "ensemble: equal weights, no backtest");
            return self.fit_members(train, progress, report, &vec![true; n], fit_all);
        }
        let refs: Vec<&dyn Forecaster> = self.members.iter().map(|c| c.as_ref()).collect();
        let mut notes = Vec::new();
        let n_windows = self.windows_for(train, &mut notes)?;
        let cv = cross_validation(train, &refs, &CvConfig::new(cfg.h, n_windows), &NoProgress)?;
        let ok: Vec<bool> = names
            .iter()
            .map(|n| {
                let err = cv.first_error(n);
                if let Some(e) = &err {
                    notes.push(format!("{n} failed in the backtest and is left out: {e}"));
                }
                err.is_none()
            })
            .collect();
        let scorer = HierScorer::new(train, &cv, &ok);
        let (weights, score) = select_weights(&ok, cfg.steps, |w| scorer.score_weights(w))
            .ok_or_else(|| {
                EvalError::Core(demandcast_core::Error::Fit {
                    model: Ensemble::NAME.into(),
                    reason: format!(
                        "no member could be scored on the backtest ({})",
                        notes.join("; ")
                    ),
                })
            })?;
        let member_scores: Vec<f64> = (0..names.len())
            .map(|c| {
                if !ok[c] {
                    return f64::NAN;
                }
                let mut one = vec![0.0; names.len()];
                one[c] = 1.0;
                scorer.score_weights(&one)
            })
            .collect();
        let report = EnsembleReport {
            members: names.clone(),
            weights: weights.clone(),
            member_scores,
            score,
            trained_to: train.max_date(),
            cutoffs: cv.windows.iter().map(|w| w.cutoff).collect(),
            notes,
        };
        info!(weights = %report.describe(), score, "ensemble: weights chosen by backtest");
        self.fit_members(train, progress, report, &ok, fit_all)
    }

    /// The internal backtest's windows: the most, up to `n_windows` (and at
    /// least one), whose every window has a series to score. Fewer windows
    /// are the latest of the planned ones, so one plan tells: the run of
    /// scorable windows that ends at the latest cutoff.
    fn windows_for(&self, train: &Panel, notes: &mut Vec<String>) -> Result<usize> {
        let cfg = &self.config;
        let p = plan(train, &CvConfig::new(cfg.h, cfg.n_windows))?;
        let n = p
            .eligible
            .iter()
            .rev()
            .take_while(|e| !e.is_empty())
            .count()
            .max(1);
        if n < cfg.n_windows {
            notes.push(format!(
                "the history holds {n} of the {} backtest windows asked for; weights chosen on {n}",
                cfg.n_windows
            ));
        }
        Ok(n)
    }

    /// Fits the members with a positive weight in `report` (every member
    /// that passed the backtest with `fit_all`) on the whole history.
    fn fit_members(
        &self,
        train: &Panel,
        progress: &dyn Progress,
        report: EnsembleReport,
        ok: &[bool],
        fit_all: bool,
    ) -> Result<FittedEnsemble> {
        let names = report.members.clone();
        let mut fitted = Vec::with_capacity(self.members.len());
        for ((m, &w), &ok) in self.members.iter().zip(&report.weights).zip(ok) {
            fitted.push(if w > 0.0 || (fit_all && ok) {
                Some(
                    m.fit_with_progress(train, progress)
                        .map_err(|source| EvalError::Model {
                            model: m.name().to_string(),
                            source,
                        })?,
                )
            } else {
                None
            });
        }
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(report.clone());
        Ok(FittedEnsemble {
            names,
            fitted,
            report,
        })
    }
}

impl Forecaster for Ensemble {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn uses_covariates(&self) -> bool {
        self.members.iter().any(|m| m.uses_covariates())
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        Ok(Box::new(self.fit_ensemble(train, progress)?))
    }
}

/// A fitted [`Ensemble`]: the fitted members and their weights.
pub struct FittedEnsemble {
    names: Vec<String>,
    fitted: Vec<Option<Box<dyn FittedForecaster>>>,
    report: EnsembleReport,
}

impl std::fmt::Debug for FittedEnsemble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedEnsemble")
            .field("report", &self.report)
            .finish()
    }
}

impl FittedEnsemble {
    /// What the fit chose.
    pub fn report(&self) -> &EnsembleReport {
        &self.report
    }

    /// The forecasts of the fitted members (those with a positive weight,
    /// or all that passed the backtest after
    /// [`Ensemble::fit_ensemble_with`]), named as the members, and, last,
    /// the ensemble's.
    ///
    /// # Errors
    /// A member's prediction error.
    pub fn predict_members(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<Vec<PanelForecast>> {
        let mut parts = Vec::new();
        let mut weights = Vec::new();
        for ((f, w), name) in self
            .fitted
            .iter()
            .zip(&self.report.weights)
            .zip(&self.names)
        {
            if let Some(f) = f {
                let pf = f.predict(h, levels, future).map_err(|e| {
                    demandcast_core::Error::Other(format!(
                        "ensemble member {name} failed to forecast: {e}"
                    ))
                })?;
                parts.push(pf);
                weights.push(*w);
            }
        }
        let blend = combine(&parts, &weights, Ensemble::NAME);
        parts.push(blend);
        Ok(parts)
    }
}

impl FittedForecaster for FittedEnsemble {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        let mut all = self.predict_members(h, levels, future)?;
        all.pop()
            .ok_or_else(|| demandcast_core::Error::Other("ensemble: no member forecast".into()))
    }
}

/// Greedy forward selection with replacement (see the module docs): the
/// weights (a bag of `steps` picks among the members with `ok`) and the
/// score of the bag, or `None` when no member scores finitely.
///
/// Ties go to the earlier member; the bag of one pick is the best single
/// member, so the result is never worse than it on the backtest.
pub fn select_weights(
    ok: &[bool],
    steps: usize,
    score: impl Fn(&[f64]) -> f64,
) -> Option<(Vec<f64>, f64)> {
    let n = ok.len();
    let mut counts = vec![0usize; n];
    let mut best: Option<(Vec<f64>, f64)> = None;
    for k in 1..=steps {
        let mut pick: Option<(usize, f64)> = None;
        for c in (0..n).filter(|&c| ok[c]) {
            counts[c] += 1;
            let w: Vec<f64> = counts.iter().map(|&m| m as f64 / k as f64).collect();
            let s = score(&w);
            counts[c] -= 1;
            if s.is_finite() && pick.is_none_or(|(_, b)| s < b) {
                pick = Some((c, s));
            }
        }
        let (c, s) = pick?;
        counts[c] += 1;
        // keep the best bag seen: later picks can only refine, but a
        // noisy score may make them worse
        if best.as_ref().is_none_or(|(_, b)| s < *b) {
            best = Some((counts.iter().map(|&m| m as f64 / k as f64).collect(), s));
        }
    }
    best
}

/// The weighted mean of `parts` per series and step (see the module docs);
/// series are matched by id, the first part's order is kept, and a series
/// any part lacks comes from the parts that have it.
pub fn combine(parts: &[PanelForecast], weights: &[f64], name: &str) -> PanelForecast {
    let Some(first) = parts.first() else {
        return PanelForecast {
            model: name.to_string(),
            freq: demandcast_core::Freq::Daily,
            ids: Vec::new(),
            starts: Vec::new(),
            levels: Vec::new(),
            series: Vec::new(),
            notes: Vec::new(),
        };
    };
    let index: Vec<HashMap<&str, usize>> = parts
        .iter()
        .map(|p| {
            p.ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect()
        })
        .collect();
    // ids in the first part's order, then any the others add
    let mut ids: Vec<(String, NaiveDate)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for p in parts {
        for (i, id) in p.ids.iter().enumerate() {
            if seen.insert(id.as_str()) {
                ids.push((id.clone(), p.starts[i]));
            }
        }
    }
    let levels = first.levels.clone();
    let mut series = Vec::with_capacity(ids.len());
    for (id, _) in &ids {
        let have: Vec<(&Forecast, f64)> = parts
            .iter()
            .zip(&index)
            .zip(weights)
            .filter_map(|((p, ix), &w)| ix.get(id.as_str()).map(|&i| (&p.series[i], w)))
            .collect();
        series.push(mean_forecast(&have, &levels));
    }
    let mut notes: Vec<SeriesNote> = parts.iter().flat_map(|p| p.notes.clone()).collect();
    notes.dedup();
    PanelForecast {
        model: name.to_string(),
        freq: first.freq,
        starts: ids.iter().map(|(_, d)| *d).collect(),
        ids: ids.into_iter().map(|(id, _)| id).collect(),
        levels,
        series,
        notes,
    }
}

/// The weighted mean of forecasts of one series (weights re-normalised
/// over the forecasts present, per value).
fn mean_forecast(have: &[(&Forecast, f64)], levels: &[Level]) -> Forecast {
    let h = have.iter().map(|(f, _)| f.h()).max().unwrap_or(0);
    let avg = |get: &dyn Fn(&Forecast) -> Option<&[f64]>| -> Option<Vec<f64>> {
        let mut out = vec![0.0; h];
        let mut wsum = vec![0.0; h];
        for (f, w) in have {
            if let Some(v) = get(f) {
                for (t, x) in v.iter().enumerate().take(h) {
                    if x.is_finite() {
                        out[t] += w * x;
                        wsum[t] += w;
                    }
                }
            }
        }
        if wsum.iter().all(|&s| s == 0.0) {
            return None;
        }
        Some(
            out.iter()
                .zip(&wsum)
                .map(|(o, s)| if *s > 0.0 { o / s } else { f64::NAN })
                .collect(),
        )
    };
    let mean = avg(&|f| Some(f.mean.as_slice())).unwrap_or_else(|| vec![f64::NAN; h]);
    let intervals = levels
        .iter()
        .filter_map(|&level| {
            let lower = avg(&|f| f.interval(level).map(|i| i.lower.as_slice()))?;
            let upper = avg(&|f| f.interval(level).map(|i| i.upper.as_slice()))?;
            Some(Interval {
                level,
                lower,
                upper,
            })
        })
        .collect();
    Forecast { mean, intervals }
}

#[cfg(test)]
mod tests;
