//! [`LightGbm`]: the model configuration, and fitting it to a panel.

use crate::booster::{self, Loss};
use crate::fitted::{GbmFitted, GroupModel, Head};
use crate::params::{GbmParams, Strategy};
use crate::{GbmError, Result};
use demandcast_core::{FittedForecaster, Forecaster, Level, Panel, Progress};
use demandcast_eval::conformal::{self, CalPoint};
use demandcast_features::{FeatureEngine, FeatureSpec, FittedFeatures, Matrix, TrainOptions};
use std::time::Instant;

/// A global LightGBM model over every series of a panel (or one per group),
/// with the feature engine's lags, rolling statistics, calendar, prices,
/// promotions and categoricals. `fit` returns a [`GbmFitted`], which alone predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct LightGbm {
    name: String,
    params: GbmParams,
    levels: Vec<Level>,
    horizon: Option<usize>,
    nonnegative: bool,
    features: Option<FeatureSpec>,
}

impl LightGbm {
    /// The model with these parameters, named `LightGBM`, non-negative,
    /// without intervals.
    pub fn new(params: GbmParams) -> Self {
        Self {
            name: "LightGBM".into(),
            params,
            levels: Vec::new(),
            horizon: None,
            nonnegative: true,
            features: None,
        }
    }

    /// Sets the output name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Interval levels to train quantile models for (two per level).
    pub fn with_levels(mut self, levels: &[Level]) -> Self {
        self.levels = levels.to_vec();
        self
    }

    /// The horizon: needed by `strategy=direct` (one model per step) and
    /// used as the early-stopping validation window.
    pub fn with_horizon(mut self, h: Option<usize>) -> Self {
        self.horizon = h;
        self
    }

    /// Clip forecasts at zero (default true).
    pub fn nonnegative(mut self, yes: bool) -> Self {
        self.nonnegative = yes;
        self
    }

    /// A custom feature recipe instead of the frequency's default.
    pub fn with_features(mut self, spec: FeatureSpec) -> Self {
        self.features = Some(spec);
        self
    }

    /// The parameters.
    pub fn params(&self) -> &GbmParams {
        &self.params
    }

    /// Fits the model, reporting series done to `progress`.
    ///
    /// # Errors
    /// [`GbmError::Usage`] for `strategy=direct` without a horizon or an
    /// unknown `group_by` static; feature and LightGBM errors.
    pub fn fit_gbm(&self, input: &Panel, progress: &dyn Progress) -> Result<GbmFitted> {
        let t0 = Instant::now();
        let p = &self.params;
        if p.dad > 0 && p.groupings().len() > 1 {
            return Err(GbmError::Usage(
                "dad (training on rollouts) works with one grouping: drop dad or list one group_by"
                    .into(),
            ));
        }
        let offsets = match (p.strategy, self.horizon) {
            (Strategy::Recursive, _) => p.offsets(1),
            (_, Some(h)) => p.offsets(h),
            (_, None) => {
                return Err(GbmError::Usage(
                    "strategy=direct or blend trains one model per block of steps and needs the horizon"
                        .into(),
                ))
            }
        };
        let completed = crate::hierarchy::completed(input);
        let panel = completed.as_ref().unwrap_or(input);
        let engine = FeatureEngine {
            spec: p.apply_features(
                self.features
                    .clone()
                    .unwrap_or_else(|| FeatureSpec::for_freq(panel.freq())),
            ),
        };
        let mut features = engine.fit(panel);
        if !p.snap_lags {
            features.fed_zero_below = 0.0;
        }
        let extra = if p.dad > 0 && p.strategy == Strategy::Recursive {
            self.rollout_rows(panel)?
        } else {
            Vec::new()
        };
        let groupings = p.groupings();
        let mut quantiles: Vec<f64> = Vec::new();
        for l in &self.levels {
            quantiles.push(l.lo_quantile());
            quantiles.push(l.hi_quantile());
        }
        // every series is fitted once per grouping
        let n_models = offsets.len() * (p.seeds + quantiles.len()) * groupings.len();
        let mut out = Vec::new();
        for (gi, grouping) in groupings.iter().enumerate() {
            for (key, series) in crate::fitted::group_series(panel, grouping)? {
                let span = tracing::info_span!("group", key = %key, series = series.len());
                let _g = span.enter();
                // The bar counts series: spread each group's series over its models.
                let done = std::cell::Cell::new(0u64);
                let (n, m) = (series.len() as u64, n_models as u64);
                let report = || {
                    let d = done.get() + 1;
                    done.set(d);
                    progress.inc(n * d / m - n * (d - 1) / m);
                };
                let rollouts = extra.iter().filter(|(k, _)| *k == key).map(|(_, m)| m);
                let heads = self.fit_group(
                    &features, panel, &series, &offsets, &quantiles, rollouts, &report,
                )?;
                out.push(GroupModel {
                    key: crate::fitted::member_key(gi, &key),
                    heads,
                });
            }
        }
        tracing::info!(seconds = t0.elapsed().as_secs_f64(), "lightgbm fitted");
        let widen = match (p.calibrate && !self.levels.is_empty(), self.horizon) {
            (true, Some(h)) => self.conformal_widths(panel, h)?,
            _ => Default::default(),
        };
        Ok(GbmFitted::new(
            self.name.clone(),
            p.clone(),
            features,
            self.levels.clone(),
            self.horizon,
            self.nonnegative,
            out,
            // the completed panel moves in; only an unchanged input is copied
            completed.unwrap_or_else(|| input.clone()),
        )
        .with_widen(widen))
    }

    /// Conformalized quantile regression (Romano, Patterson and Candès 2019):
    /// for each of the last `calibration_windows` horizons of the history,
    /// the same model fitted on the history before it forecasts it; per level
    /// and step, the actuals of every series, in units of the series' recent
    /// mean demand and pooled over the windows, give the conformal quantile
    /// by which the final intervals are widened (narrowed when negative; see
    /// [`demandcast_eval::conformal`] for the lower bounds at zero). Quantile models
    /// trained on one-step-ahead rows are too narrow many steps ahead; this
    /// corrects them. `[level][step]`, empty when the history is too short.
    fn conformal_widths(&self, panel: &Panel, h: usize) -> Result<Vec<Vec<f64>>> {
        let Some(last) = panel.max_date() else {
            return Ok(Vec::new());
        };
        // points[level][step], pooled over the windows
        let mut points: Vec<Vec<Vec<CalPoint>>> = vec![vec![Vec::new(); h]; self.levels.len()];
        let mut windows = 0;
        for w in 1..=self.params.calibration_windows.max(1) {
            let cutoff = panel.freq().step(last, -((w * h) as i64));
            if !self.window_points(panel, cutoff, h, &mut points)? {
                break;
            }
            windows += 1;
        }
        if windows == 0 {
            return Ok(Vec::new());
        }
        let widen = conformal::adjustments(&self.levels, &points, self.nonnegative);
        tracing::info!(windows, ?widen, "lightgbm intervals conformalized");
        Ok(widen)
    }

    /// Adds the calibration points of the window after `cutoff` (see
    /// [`Self::conformal_widths`]); false when the model cannot be fitted on
    /// the history before it.
    fn window_points(
        &self,
        panel: &Panel,
        cutoff: demandcast_core::NaiveDate,
        h: usize,
        points: &mut [Vec<Vec<CalPoint>>],
    ) -> Result<bool> {
        let train = panel.until(cutoff);
        if train.n_series() == 0 {
            return Ok(false);
        }
        let mut inner = self.clone();
        inner.params.calibrate = false;
        let series: Vec<usize> = train
            .ids()
            .iter()
            .filter_map(|id| panel.index_of(id))
            .collect();
        let fitted = match inner.fit_gbm(&train, &demandcast_core::NoProgress) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, %cutoff, "interval calibration window skipped: the model does not fit the shortened history");
                return Ok(false);
            }
        };
        let future = demandcast_eval::cv::future_covariates(panel, &series, cutoff, h);
        let fc = fitted.forecast_run(h, &self.levels, future.as_ref())?;
        for (j, &i) in series.iter().enumerate() {
            let hist = train.series(j);
            conformal::add_points(
                points,
                &self.levels,
                &fc.series[j],
                hist,
                &panel.series(i)[hist.len()..],
                h.max(28),
            );
        }
        Ok(true)
    }

    /// The rows of `dad=N` (see [`GbmParams::dad`]): a first model (one
    /// seed, no intervals) fitted on `panel` forecasts each of the last `N`
    /// horizons from the history before it; its rows per group key.
    fn rollout_rows(&self, panel: &Panel) -> Result<Vec<(String, Matrix)>> {
        let Some(last) = panel.max_date() else {
            return Ok(Vec::new());
        };
        let mut first = self.clone();
        first.params.dad = 0;
        first.params.calibrate = false;
        first.params.seeds = 1;
        first.levels.clear();
        let fitted = first.fit_gbm(panel, &demandcast_core::NoProgress)?;
        let h = self
            .horizon
            .unwrap_or_else(|| 4 * panel.freq().season_length().max(1));
        let mut out: Vec<(String, Matrix)> = Vec::new();
        for k in 1..=self.params.dad {
            let cutoff = panel.freq().step(last, -((k * h) as i64));
            let train = panel.until(cutoff);
            if train.n_series() == 0 {
                break;
            }
            let series: Vec<usize> = train
                .ids()
                .iter()
                .filter_map(|id| panel.index_of(id))
                .collect();
            let future = demandcast_eval::cv::future_covariates(panel, &series, cutoff, h);
            let train = crate::hierarchy::complete(train);
            for (key, m) in fitted.rollout_rows(&train, h, future.as_ref(), panel)? {
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, acc)) => {
                        acc.x.extend_from_slice(&m.x);
                        acc.y.extend_from_slice(&m.y);
                    }
                    None => out.push((key, m)),
                }
            }
            tracing::info!(%cutoff, "rollout rows collected");
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn fit_group<'m>(
        &self,
        features: &FittedFeatures,
        panel: &Panel,
        series: &[usize],
        offsets: &[usize],
        quantiles: &[f64],
        rollouts: impl Iterator<Item = &'m Matrix> + Clone,
        report: &dyn Fn(),
    ) -> Result<Vec<Head>> {
        let p = &self.params;
        let names = &features.names;
        let categorical = if p.categorical {
            features.categorical_indices()
        } else {
            Vec::new()
        };
        let mut point = Head {
            quantile: None,
            models: Vec::with_capacity(offsets.len()),
        };
        let mut qheads: Vec<Head> = quantiles
            .iter()
            .map(|&q| Head {
                quantile: Some(q),
                models: Vec::with_capacity(offsets.len()),
            })
            .collect();
        for (step, &offset) in offsets.iter().enumerate() {
            let mut opts = TrainOptions {
                offset,
                max_history: p.max_history,
                ..TrainOptions::default()
            };
            let mut rounds = p.rounds;
            if p.early_stopping > 0 {
                // Early stopping on the last horizon of each series, then a
                // refit on every row with the best round count.
                opts.holdout = self.horizon.unwrap_or_else(|| panel.freq().season_length());
                let set = features.training_set(panel, series, &opts)?;
                let (_, best) = booster::train(
                    &set,
                    names,
                    &categorical,
                    p,
                    Loss::Point(p.objective),
                    p.rounds,
                    p.seed,
                )?;
                tracing::info!(best_rounds = best, "early stopping");
                rounds = best.max(1);
                opts.holdout = 0;
            }
            let mut set = features.training_set(panel, series, &opts)?;
            for m in rollouts.clone() {
                set.train.x.extend_from_slice(&m.x);
                set.train.y.extend_from_slice(&m.y);
            }
            tracing::info!(
                rows = set.train.rows(),
                features = names.len(),
                booster = step,
                offset,
                "training"
            );
            let mut seeds = Vec::with_capacity(p.seeds);
            for k in 0..p.seeds {
                let (m, _) = booster::train(
                    &set,
                    names,
                    &categorical,
                    p,
                    Loss::Point(p.objective),
                    rounds,
                    p.seed + k as u64,
                )?;
                seeds.push(m);
                report();
            }
            point.models.push(seeds);
            for h in &mut qheads {
                let q = h.quantile.unwrap_or(0.5);
                let (m, _) = booster::train(
                    &set,
                    names,
                    &categorical,
                    p,
                    Loss::Quantile(q),
                    p.quantile_rounds(),
                    p.seed,
                )?;
                h.models.push(vec![m]);
                report();
            }
        }
        let mut heads = vec![point];
        heads.extend(qheads);
        Ok(heads)
    }
}

impl Forecaster for LightGbm {
    fn name(&self) -> &str {
        &self.name
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        let f = self
            .fit_gbm(train, progress)
            .map_err(|e| e.into_core(&self.name))?;
        Ok(Box::new(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::{Freq, NaiveDate};

    fn panel() -> std::result::Result<Panel, Box<dyn std::error::Error>> {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
        let series = (0..6)
            .map(|k| {
                let y = (0..150)
                    .map(|t| (((t * 7 + k * 3) % 11) as f64) + (t % 7) as f64 + k as f64)
                    .collect();
                (format!("s{k}"), d0, y)
            })
            .collect();
        Ok(Panel::from_series(Freq::Daily, series)?)
    }

    #[test]
    fn rollouts_pair_fed_lags_with_actuals() -> std::result::Result<(), Box<dyn std::error::Error>>
    {
        let panel = panel()?;
        let params = GbmParams::parse("rounds=20,leaves=8,min_leaf=5,dad=2,threads=1")?;
        let model = LightGbm::new(params).with_horizon(Some(7));
        let extra = model.rollout_rows(&panel)?;
        assert_eq!(extra.len(), 1, "one global group");
        let m = &extra[0].1;
        // two origins x 7 steps x 6 series, every series has sales
        assert_eq!(m.rows(), 2 * 7 * 6);
        assert_eq!(m.y.len(), m.rows());
        let names = &FeatureEngine {
            spec: FeatureSpec::for_freq(Freq::Daily),
        }
        .fit(&panel)
        .names;
        let lag1 = names.iter().position(|n| n == "lag1").ok_or("lag1")?;
        // the first origin is 7 days before the end: rows are [step][series]
        let n = panel.len_of(0);
        let (mut fed, mut total) = (0, 0);
        for step in 0..7 {
            for j in 0..6 {
                let r = step * 6 + j;
                let y = panel.series(j);
                assert_eq!(m.y[r], y[n - 7 + step] as f32, "target of step {step}");
                let l1 = f64::from(m.row(r)[lag1]);
                if step == 0 {
                    assert_eq!(l1, y[n - 8], "step 0 reads the last actual");
                } else {
                    total += 1;
                    fed += usize::from((l1 - y[n - 8 + step]).abs() > 1e-3);
                }
            }
        }
        assert!(
            fed > total / 2,
            "later steps read forecasts: {fed} of {total}"
        );
        // and the final model, trained on those rows too, forecasts
        let fc = model
            .fit_gbm(&panel, &demandcast_core::NoProgress)?
            .predict(7, &[], None)?;
        assert!(fc
            .series
            .iter()
            .all(|s| s.mean.iter().all(|v| v.is_finite() && *v >= 0.0)));
        Ok(())
    }

    #[test]
    fn excluded_covariates_are_not_read() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let plain = panel()?;
        // a noise column constant within each series, like text features
        let col: Vec<f64> = (0..plain.n_series())
            .flat_map(|s| std::iter::repeat_n((s * 37 % 11) as f64, plain.len_of(s)))
            .collect();
        let noisy = plain.clone().with_covariate("text_0".to_string(), col)?;
        let h = 7;
        type Out = std::result::Result<(Vec<String>, Vec<f64>), Box<dyn std::error::Error>>;
        let forecast = |p: &Panel, params: &str| -> Out {
            let model = LightGbm::new(GbmParams::parse(params)?).with_horizon(Some(h));
            let fitted = model.fit_gbm(p, &demandcast_core::NoProgress)?;
            let covariates = fitted.features().covariates.clone();
            let fc = fitted.predict(h, &[], None)?;
            Ok((
                covariates,
                fc.series.iter().flat_map(|s| s.mean.clone()).collect(),
            ))
        };
        let base = "rounds=20,leaves=8,min_leaf=5,threads=1,calibrate=false";
        let (_, without) = forecast(&plain, base)?;
        // without `exclude` the column is a feature (and would need future values)
        let read = FeatureEngine {
            spec: FeatureSpec::for_freq(Freq::Daily),
        }
        .fit(&noisy)
        .covariates;
        assert_eq!(read, vec!["text_0"]);
        let (read, excluded) = forecast(&noisy, &format!("{base},exclude=text_*"))?;
        assert!(read.is_empty());
        assert_eq!(without, excluded, "the excluded column changes nothing");
        Ok(())
    }
}
