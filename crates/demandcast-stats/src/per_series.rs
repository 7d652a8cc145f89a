//! [`PerSeries`]: runs a per-series model over every series of a panel in
//! parallel (statsforecast's `StatsForecast` for one model), with a fallback
//! model for series the model cannot handle and conformal intervals for
//! models that define none.

use crate::baseline::HistoricAverage;
use crate::conformal::ConformityScores;
use demandcast_core::{
    Error, FittedForecaster, Forecast, Forecaster, Freq, FutureCovariates, Level, LocalFitted,
    LocalModel, NaiveDate, Panel, PanelForecast, Progress, Result, SeriesNote,
};
use rayon::prelude::*;
use std::sync::Arc;

/// At most this many origins are refitted to estimate one-step residuals
/// when a series is too short for conformal windows (keeps the cost bounded).
const MAX_RESIDUAL_ORIGINS: usize = 100;

/// Refits a model on a training prefix and returns its point forecast of `h` steps.
type Refit<'a> = dyn Fn(&[f64], usize) -> Result<Vec<f64>> + 'a;

/// An object-safe per-series model (fit and predict in one call), so that
/// models of different types can be held together, e.g. as a fallback.
/// Every [`LocalModel`] is one.
///
/// Both this trait and [`LocalModel`] have `name` and `min_len`: with both in
/// scope, call them as `LocalModel::name(&m)`.
pub trait DynLocalModel: Send + Sync {
    /// The model's name.
    fn name(&self) -> String;
    /// The fewest observations the model accepts.
    fn min_len(&self) -> usize;
    /// Fits to `y` and forecasts `h` steps with intervals at `levels` (if the model defines them).
    ///
    /// # Errors
    /// As the model's fit and predict.
    fn forecast_dyn(&self, y: &[f64], h: usize, levels: &[Level]) -> Result<Forecast>;
}

impl<M: LocalModel> DynLocalModel for M {
    fn name(&self) -> String {
        LocalModel::name(self)
    }
    fn min_len(&self) -> usize {
        LocalModel::min_len(self)
    }
    fn forecast_dyn(&self, y: &[f64], h: usize, levels: &[Level]) -> Result<Forecast> {
        LocalModel::forecast(self, y, h, levels)
    }
}

/// Runs a [`LocalModel`] on every series of a panel, as a [`Forecaster`].
///
/// * `fit` fits the model to each series in parallel (rayon, in the current
///   pool, so the caller's thread count applies), reporting one unit of
///   progress per series, and keeps the fitted models.
/// * `predict` forecasts each series in parallel from its fitted model. When
///   levels are requested and the model defines no intervals, it adds
///   conformal intervals, which refits the model on `conformal_windows`
///   rolling windows of the requested horizon (this work is not reported as
///   progress: the horizon is only known here).
/// * A series shorter than the model's `min_len`, or whose fit or forecast
///   fails or is not finite, is forecast by the fallback model
///   ([`HistoricAverage`] by default: defined for any non-empty series, with
///   its own intervals) and a [`SeriesNote`] says so.
/// * A series too short for two conformal windows (`2h + 1` observations)
///   gets normal intervals from its one-step residuals instead (constant over
///   the horizon), or the fallback's interval widths, with a note.
/// * Forecasts and bounds are clipped at zero unless `nonnegative(false)`,
///   and quantiles are sorted so that they never cross.
///
/// Series with non-finite values are refused by `fit` (the loader fills gaps
/// explicitly). Future covariates are ignored: these models are univariate.
///
/// # Example
/// ```
/// use demandcast_core::{Forecaster, Freq, Level, NaiveDate, Panel};
/// use demandcast_stats::{CrostonSba, PerSeries};
///
/// let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let y = vec![0., 2., 0., 0., 3., 1., 0., 0., 4., 0., 2., 0., 0., 1., 3.];
/// let panel = Panel::from_series(
///     Freq::Daily,
///     vec![("sku1".into(), d0, y), ("new".into(), d0, vec![5.0])],
/// )
/// .unwrap();
/// let l80 = Level::new(80.0).unwrap();
/// let fc = PerSeries::new(CrostonSba::new()).forecast(&panel, 7, &[l80], None).unwrap();
/// assert_eq!(fc.model, "CrostonSBA");
/// assert_eq!(fc.starts[0], NaiveDate::from_ymd_opt(2024, 1, 16).unwrap());
/// let sku1 = &fc.series[0];
/// assert_eq!(sku1.mean.len(), 7);
/// // conformal: 15 observations give two windows of 7
/// assert!(sku1.intervals[0].lower[0] <= sku1.mean[0] && sku1.mean[0] <= sku1.intervals[0].upper[0]);
/// // one observation is too few for conformal intervals: noted
/// assert!(fc.notes.iter().all(|n| n.id == "new"));
/// assert!(!fc.notes.is_empty());
/// ```
pub struct PerSeries<M> {
    model: Arc<M>,
    alias: String,
    fallback: Arc<dyn DynLocalModel>,
    nonnegative: bool,
    conformal_windows: usize,
}

impl<M> Clone for PerSeries<M> {
    fn clone(&self) -> Self {
        Self {
            model: Arc::clone(&self.model),
            alias: self.alias.clone(),
            fallback: Arc::clone(&self.fallback),
            nonnegative: self.nonnegative,
            conformal_windows: self.conformal_windows,
        }
    }
}

impl<M: LocalModel> PerSeries<M> {
    /// Wraps `model`, named by the model's own name, with the defaults:
    /// fallback [`HistoricAverage`], non-negative, 2 conformal windows.
    pub fn new(model: M) -> Self {
        Self {
            alias: LocalModel::name(&model),
            model: Arc::new(model),
            fallback: Arc::new(HistoricAverage::new()),
            nonnegative: true,
            conformal_windows: 2,
        }
    }

    /// Names the output column (statsforecast's `alias`).
    pub fn with_alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = alias.into();
        self
    }

    /// The model used for series the main model cannot handle.
    pub fn with_fallback(mut self, fallback: Arc<dyn DynLocalModel>) -> Self {
        self.fallback = fallback;
        self
    }

    /// Whether forecasts and bounds are clipped at zero (default `true`:
    /// demand cannot be negative).
    pub fn nonnegative(mut self, yes: bool) -> Self {
        self.nonnegative = yes;
        self
    }

    /// Rolling windows for conformal intervals (default 2, as statsforecast's
    /// `ConformalIntervals`; values below 2 are taken as 2).
    pub fn conformal_windows(mut self, n_windows: usize) -> Self {
        self.conformal_windows = n_windows.max(2);
        self
    }

    /// The wrapped model.
    pub fn model(&self) -> &M {
        &self.model
    }
}

impl<M> Forecaster for PerSeries<M>
where
    M: LocalModel + 'static,
    M::Fitted: 'static,
{
    fn name(&self) -> &str {
        &self.alias
    }

    /// Local models are univariate: they never read covariates.
    fn uses_covariates(&self) -> bool {
        false
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> Result<Box<dyn FittedForecaster>> {
        let _span = tracing::debug_span!("PerSeries::fit", model = %self.alias).entered();
        let min_len = LocalModel::min_len(&*self.model);
        let fits = (0..train.n_series())
            .into_par_iter()
            .map(|i| {
                let y = train.series(i);
                if let Some(j) = y.iter().position(|v| !v.is_finite()) {
                    return Err(Error::Series {
                        id: train.id(i).to_string(),
                        source: Box::new(Error::InvalidInput {
                            model: self.alias.clone(),
                            reason: format!("value {} at row {j} is not finite", y[j]),
                        }),
                    });
                }
                let fit = if y.len() < min_len {
                    Err(format!(
                        "{} observations, {} needs at least {min_len}",
                        y.len(),
                        self.alias
                    ))
                } else {
                    self.model.fit(y).map_err(|e| e.to_string())
                };
                progress.inc(1);
                Ok(fit)
            })
            .collect::<Vec<_>>()
            .into_iter()
            // The first failing series in order, whichever thread met it first.
            .collect::<Result<Vec<_>>>()?;
        let freq = train.freq();
        Ok(Box::new(PerSeriesFitted {
            spec: self.clone(),
            freq,
            ids: train.ids().to_vec(),
            next: (0..train.n_series())
                .map(|i| freq.step(train.last_date(i), 1))
                .collect(),
            indptr: train.indptr().to_vec(),
            y: train.values().to_vec(),
            fits,
        }))
    }
}

/// [`PerSeries`] after fitting: the training series and each series' fitted
/// model, or why it has none.
struct PerSeriesFitted<M: LocalModel> {
    spec: PerSeries<M>,
    freq: Freq,
    ids: Vec<String>,
    next: Vec<NaiveDate>,
    indptr: Vec<usize>,
    y: Vec<f64>,
    fits: Vec<std::result::Result<M::Fitted, String>>,
}

/// Why a forecast cannot be used: wrong length or non-finite values.
fn invalid_forecast(f: &Forecast, h: usize) -> Option<String> {
    let bad = |v: &[f64]| v.len() != h || v.iter().any(|x| !x.is_finite());
    if bad(&f.mean) {
        return Some("the forecast is not finite".into());
    }
    if f.intervals.iter().any(|i| bad(&i.lower) || bad(&i.upper)) {
        return Some("the intervals are not finite".into());
    }
    None
}

impl<M: LocalModel> PerSeriesFitted<M> {
    fn series(&self, i: usize) -> &[f64] {
        &self.y[self.indptr[i]..self.indptr[i + 1]]
    }

    /// The forecast of series `i` and its notes.
    fn predict_one(&self, i: usize, h: usize, levels: &[Level]) -> Result<(Forecast, Vec<String>)> {
        let y = self.series(i);
        let mut notes = Vec::new();
        let primary = match &self.fits[i] {
            Ok(fitted) => match fitted.predict(h, levels) {
                Ok(f) => match invalid_forecast(&f, h) {
                    None => Ok((f, fitted)),
                    Some(reason) => Err(reason),
                },
                Err(e) => Err(e.to_string()),
            },
            Err(reason) => Err(reason.clone()),
        };
        let (mut fc, fitted) = match primary {
            Ok((f, fitted)) => (f, Some(fitted)),
            Err(reason) => {
                let fb = &self.spec.fallback;
                let f = fb.forecast_dyn(y, h, levels)?;
                if let Some(why) = invalid_forecast(&f, h) {
                    return Err(Error::Fit {
                        model: fb.name(),
                        reason: format!("fallback after '{reason}': {why}"),
                    });
                }
                notes.push(format!("fell back to {}: {reason}", fb.name()));
                (f, None)
            }
        };
        if !levels.is_empty() && fc.intervals.is_empty() {
            self.add_intervals(y, h, levels, fitted, &mut fc, &mut notes);
        }
        if self.spec.nonnegative {
            fc.clip_nonnegative();
        }
        fc.sort_quantiles();
        Ok((fc, notes))
    }

    /// Conformal intervals, or the documented substitutes for short series.
    fn add_intervals(
        &self,
        y: &[f64],
        h: usize,
        levels: &[Level],
        fitted: Option<&M::Fitted>,
        fc: &mut Forecast,
        notes: &mut Vec<String>,
    ) {
        let spec = &self.spec;
        // refits the model that produced the forecast (the fallback's own
        // forecasts come with intervals unless it defines none)
        let (refit_min, refit): (usize, Box<Refit<'_>>) = match fitted {
            Some(_) => (
                LocalModel::min_len(&*spec.model),
                Box::new(|t: &[f64], h: usize| Ok(spec.model.forecast(t, h, &[])?.mean)),
            ),
            None => (
                spec.fallback.min_len(),
                Box::new(|t: &[f64], h: usize| Ok(spec.fallback.forecast_dyn(t, h, &[])?.mean)),
            ),
        };
        let why = match ConformityScores::compute(y, h, spec.conformal_windows, &refit) {
            Ok(Some(cs)) => {
                fc.intervals = cs.intervals(&fc.mean, levels);
                return;
            }
            Ok(None) => format!(
                "{} observations are too few for conformal intervals ({} needed for h = {h})",
                y.len(),
                ConformityScores::min_len(h)
            ),
            Err(e) => format!("conformal windows failed ({e})"),
        };
        if let Some(sigma) = one_step_sigma(y, fitted, refit_min, &refit) {
            *fc = std::mem::take(fc).with_normal_intervals(&vec![sigma; h], levels);
            notes.push(format!("{why}; normal intervals from one-step residuals"));
            return;
        }
        // too few residuals: borrow the widths of the fallback's intervals
        if let Ok(fb) = spec.fallback.forecast_dyn(y, h, levels) {
            if fb.intervals.len() == levels.len() && invalid_forecast(&fb, h).is_none() {
                fc.intervals = fb
                    .intervals
                    .iter()
                    .map(|iv| demandcast_core::Interval {
                        level: iv.level,
                        lower: (0..h)
                            .map(|t| fc.mean[t] - (fb.mean[t] - iv.lower[t]))
                            .collect(),
                        upper: (0..h)
                            .map(|t| fc.mean[t] + (iv.upper[t] - fb.mean[t]))
                            .collect(),
                    })
                    .collect();
                notes.push(format!(
                    "{why}; interval widths of {}",
                    spec.fallback.name()
                ));
                return;
            }
        }
        *fc = std::mem::take(fc).with_normal_intervals(&vec![0.0; h], levels);
        notes.push(format!(
            "{why}; no residuals to estimate intervals, zero width"
        ));
    }
}

/// RMS of the one-step in-sample residuals: from the fitted values when the
/// model gives them, otherwise by refitting on the last (at most
/// [`MAX_RESIDUAL_ORIGINS`]) expanding windows. `None` below two residuals.
fn one_step_sigma<F: LocalFitted>(
    y: &[f64],
    fitted: Option<&F>,
    min_len: usize,
    refit: &Refit<'_>,
) -> Option<f64> {
    let rms = |(sum, count): (f64, usize)| (count >= 2).then(|| (sum / count as f64).sqrt());
    let accumulate = |acc: (f64, usize), r: f64| {
        if r.is_finite() {
            (acc.0 + r * r, acc.1 + 1)
        } else {
            acc
        }
    };
    if let Some(fv) = fitted.and_then(LocalFitted::fitted_values) {
        let sigma = rms(y
            .iter()
            .zip(&fv)
            .map(|(a, f)| a - f)
            .fold((0.0, 0), accumulate));
        if sigma.is_some() {
            return sigma;
        }
    }
    let first = min_len
        .max(1)
        .max(y.len().saturating_sub(MAX_RESIDUAL_ORIGINS));
    rms((first..y.len())
        .filter_map(|t| {
            refit(&y[..t], 1)
                .ok()
                .and_then(|f| f.first().map(|f| y[t] - f))
        })
        .fold((0.0, 0), accumulate))
}

impl<M> FittedForecaster for PerSeriesFitted<M>
where
    M: LocalModel + 'static,
    M::Fitted: 'static,
{
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        _future: Option<&FutureCovariates>,
    ) -> Result<PanelForecast> {
        let _span =
            tracing::debug_span!("PerSeries::predict", model = %self.spec.alias, h).entered();
        if h == 0 {
            return Err(Error::InvalidInput {
                model: self.spec.alias.clone(),
                reason: "the horizon must be at least 1".into(),
            });
        }
        let levels = Level::normalize(levels.to_vec());
        let results = (0..self.ids.len())
            .into_par_iter()
            .map(|i| {
                self.predict_one(i, h, &levels).map_err(|e| Error::Series {
                    id: self.ids[i].clone(),
                    source: Box::new(e),
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            // The first failing series in order, whichever thread met it first.
            .collect::<Result<Vec<_>>>()?;
        let mut series = Vec::with_capacity(results.len());
        let mut notes = Vec::new();
        for (i, (fc, msgs)) in results.into_iter().enumerate() {
            series.push(fc);
            notes.extend(msgs.into_iter().map(|message| SeriesNote {
                id: self.ids[i].clone(),
                message,
            }));
        }
        tracing::debug!(
            series = series.len(),
            notes = notes.len(),
            "PerSeries forecasts done"
        );
        Ok(PanelForecast {
            model: self.spec.alias.clone(),
            freq: self.freq,
            ids: self.ids.clone(),
            starts: self.next.clone(),
            levels,
            series,
            notes,
        })
    }
}
