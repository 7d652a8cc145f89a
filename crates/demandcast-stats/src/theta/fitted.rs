//! A fitted Theta model: parameters, final state, forecasts and intervals
//! (statsforecast's `forecast_theta`).

use super::decompose::DecompositionType;
use super::intervals::{simulated_bounds, SimInput};
use super::model::{Params, State, ThetaVariant};
use demandcast_core::{Forecast, Interval, Level, LocalFitted, Result};

/// A Theta model fitted to one series, by any of [`super::Theta`],
/// [`super::OptimizedTheta`], [`super::DynamicTheta`],
/// [`super::DynamicOptimizedTheta`] or [`super::AutoTheta`].
#[derive(Debug, Clone, PartialEq)]
pub struct ThetaFitted {
    pub(crate) variant: ThetaVariant,
    pub(crate) params: Params,
    pub(crate) mse: f64,
    pub(crate) n: usize,
    pub(crate) state: State,
    /// Plain mean of the fitted (seasonally adjusted) series.
    pub(crate) mean_y: f64,
    /// Residual standard deviation used by the interval simulation.
    pub(crate) sigma: f64,
    /// The decomposition used and the seasonal indices of the last season
    /// (`s[n - m..n]`), which repeat over the horizon.
    pub(crate) season: Option<(DecompositionType, Vec<f64>)>,
    pub(crate) fitted: Vec<f64>,
}

impl ThetaFitted {
    /// The model that was fitted (for [`super::AutoTheta`], the one with the
    /// smallest in-sample loss).
    pub fn variant(&self) -> ThetaVariant {
        self.variant
    }
    /// Smoothing parameter of the level, in `[0.1, 0.99]`.
    pub fn alpha(&self) -> f64 {
        self.params.alpha
    }
    /// The theta coefficient (2 for the standard variants, `>= 1` otherwise).
    pub fn theta(&self) -> f64 {
        self.params.theta
    }
    /// Estimated initial level (`initial_smoothed` in statsforecast).
    pub fn initial_level(&self) -> f64 {
        self.params.level0
    }
    /// The in-sample loss the variants are compared by: statsforecast's
    /// `mse`, the sum of squared one-step errors from the fourth observation
    /// divided by the mean absolute value (of the adjusted series).
    pub fn mse(&self) -> f64 {
        self.mse
    }
    /// The seasonal decomposition applied before fitting, if the series
    /// tested seasonal.
    pub fn decomposition(&self) -> Option<DecompositionType> {
        self.season.as_ref().map(|(k, _)| *k)
    }
    /// The seasonal indices that repeat over the horizon (one season), if any.
    pub fn seasonal_indices(&self) -> Option<&[f64]> {
        self.season.as_ref().map(|(_, s)| s.as_slice())
    }
    /// Standard deviation of the errors simulated for the intervals:
    /// statsforecast's, the sample std of the residuals after the first three,
    /// where for a decomposed series the residuals were first multiplied by
    /// (or, additive, added to) the seasonal component.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Point forecasts of the adjusted series: theta.cpp's `forecast`, the
    /// recursion fed its own predictions.
    fn adjusted_mean(&self, h: usize) -> Vec<f64> {
        let Params { alpha, theta, .. } = self.params;
        let q = 1.0 - alpha;
        let c = 1.0 - 1.0 / theta;
        let State {
            mut level,
            mut mean_y,
            mut a,
            mut b,
        } = self.state;
        let dynamic = self.variant.is_dynamic();
        (self.n..self.n + h)
            .map(|i| {
                let fi = i as f64;
                let mu = level + c * (a * q.powf(fi) + b * (1.0 - q.powf(fi + 1.0)) / alpha);
                level = alpha * mu + q * level;
                let new_mean = (fi * mean_y + mu) / (fi + 1.0);
                if dynamic {
                    b = ((fi - 1.0) * b + 6.0 * (mu - mean_y) / (fi + 1.0)) / (fi + 2.0);
                    a = new_mean - b * (fi + 2.0) / 2.0;
                }
                mean_y = new_mean;
                mu
            })
            .collect()
    }

    /// Puts the seasonal component back (statsforecast's `seas_forecast`).
    fn reseasonalize(&self, v: &mut [f64]) {
        if let Some((kind, s)) = &self.season {
            for (x, si) in v.iter_mut().zip(s.iter().cycle()) {
                match kind {
                    DecompositionType::Multiplicative => *x *= si,
                    DecompositionType::Additive => *x += si,
                }
            }
        }
    }
}

impl LocalFitted for ThetaFitted {
    /// Point forecasts and statsforecast's simulated intervals (200 paths,
    /// seed 0), re-seasonalised when the series was decomposed.
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast> {
        let mut mean = self.adjusted_mean(h);
        self.reseasonalize(&mut mean);
        let levels = Level::normalize(levels.to_vec());
        let mut intervals = Vec::with_capacity(levels.len());
        if !levels.is_empty() && h > 0 {
            let input = SimInput {
                n: self.n,
                state: self.state,
                mean_y: self.mean_y,
                sigma: self.sigma,
                alpha: self.params.alpha,
                theta: self.params.theta,
            };
            for (level, (mut lower, mut upper)) in
                levels.iter().zip(simulated_bounds(&input, h, &levels))
            {
                self.reseasonalize(&mut lower);
                self.reseasonalize(&mut upper);
                intervals.push(Interval {
                    level: *level,
                    lower,
                    upper,
                });
            }
        }
        Ok(Forecast { mean, intervals })
    }

    /// One-step in-sample forecasts on the original scale. Equal to
    /// statsforecast's `fitted` except for additively decomposed series,
    /// where statsforecast leaves the seasonal component out (`y - (e + s)`)
    /// and this puts it back.
    fn fitted_values(&self) -> Option<Vec<f64>> {
        Some(self.fitted.clone())
    }
}
