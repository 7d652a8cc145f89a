//! Baseline models: [`Naive`], [`SeasonalNaive`], [`HistoricAverage`] and
//! [`WindowAverage`], as defined in statsforecast 2.1.1 (`models.py`,
//! `utils.py`): same forecasts, and for the first three the same normal
//! prediction intervals, with sigma from the in-sample residuals.

use demandcast_core::{Error, Forecast, Level, LocalFitted, LocalModel, Result};

/// Checks that `y` has at least `min_len` values, all finite.
pub(crate) fn check_input(model: &str, y: &[f64], min_len: usize) -> Result<()> {
    if y.len() < min_len.max(1) {
        return Err(Error::TooShort {
            model: model.to_string(),
            needed: min_len.max(1),
            got: y.len(),
        });
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidInput {
            model: model.to_string(),
            reason: format!("value {} at position {i} is not finite", y[i]),
        });
    }
    Ok(())
}

/// statsforecast's `_calculate_sigma`: `sqrt(sum(r^2) / dof)`, 0 when `dof == 0`.
fn residual_sigma(sum_sq: f64, dof: usize) -> f64 {
    if dof > 0 {
        (sum_sq / dof as f64).sqrt()
    } else {
        0.0
    }
}

/// A fitted model whose forecast is one value repeated over the horizon and
/// that defines no intervals of its own ([`WindowAverage`] and the
/// intermittent-demand models); [`crate::PerSeries`] adds conformal intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantFitted {
    value: f64,
}

impl ConstantFitted {
    pub(crate) fn new(value: f64) -> Self {
        Self { value }
    }

    /// The forecast value, the same at every step.
    pub fn value(&self) -> f64 {
        self.value
    }
}

impl LocalFitted for ConstantFitted {
    fn predict(&self, h: usize, _levels: &[Level]) -> Result<Forecast> {
        Ok(Forecast::point(vec![self.value; h]))
    }
}

/// Naive: every forecast is the last observation (statsforecast's `Naive`).
///
/// Intervals are normal with `sigma_h = sigma * sqrt(h)`, `sigma` the RMS of
/// the one-step residuals `y[t] - y[t-1]` over `n - 1` degrees of freedom.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Naive;

impl Naive {
    /// The naive model.
    pub fn new() -> Self {
        Self
    }
}

/// A fitted [`Naive`] model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NaiveFitted {
    last: f64,
    sigma: f64,
}

impl NaiveFitted {
    /// The residual standard deviation of one step.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl LocalModel for Naive {
    type Fitted = NaiveFitted;

    fn name(&self) -> String {
        "Naive".into()
    }

    fn fit(&self, y: &[f64]) -> Result<NaiveFitted> {
        check_input("Naive", y, 1)?;
        let sum_sq: f64 = y.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
        Ok(NaiveFitted {
            last: y[y.len() - 1],
            sigma: residual_sigma(sum_sq, y.len() - 1),
        })
    }
}

impl LocalFitted for NaiveFitted {
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast> {
        let f = Forecast::point(vec![self.last; h]);
        if levels.is_empty() {
            return Ok(f);
        }
        let sigma: Vec<f64> = (1..=h).map(|k| self.sigma * (k as f64).sqrt()).collect();
        Ok(f.with_normal_intervals(&sigma, levels))
    }
}

/// Seasonal naive: each forecast repeats the observation one season earlier
/// (statsforecast's `SeasonalNaive`).
///
/// Intervals are normal with `sigma_h = sigma * sqrt(floor((h - 1) / m) + 1)`,
/// `sigma` the RMS of the seasonal differences over `n - m` degrees of freedom.
/// Series shorter than one season are refused (statsforecast fills the
/// missing positions with NaN), so the panel runner falls back instead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeasonalNaive {
    season_length: usize,
}

impl SeasonalNaive {
    /// Seasonal naive with `season_length` observations per season (a
    /// length of 0 is taken as 1, the naive model).
    pub fn new(season_length: usize) -> Self {
        Self {
            season_length: season_length.max(1),
        }
    }

    /// The season length.
    pub fn season_length(&self) -> usize {
        self.season_length
    }
}

/// A fitted [`SeasonalNaive`] model.
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonalNaiveFitted {
    last_season: Vec<f64>,
    sigma: f64,
}

impl SeasonalNaiveFitted {
    /// The residual standard deviation of one season ahead.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

impl LocalModel for SeasonalNaive {
    type Fitted = SeasonalNaiveFitted;

    fn name(&self) -> String {
        "SeasonalNaive".into()
    }

    fn min_len(&self) -> usize {
        self.season_length
    }

    fn fit(&self, y: &[f64]) -> Result<SeasonalNaiveFitted> {
        let m = self.season_length;
        check_input("SeasonalNaive", y, m)?;
        let sum_sq: f64 = y.iter().zip(&y[m..]).map(|(a, b)| (b - a).powi(2)).sum();
        Ok(SeasonalNaiveFitted {
            last_season: y[y.len() - m..].to_vec(),
            sigma: residual_sigma(sum_sq, y.len() - m),
        })
    }
}

impl LocalFitted for SeasonalNaiveFitted {
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast> {
        let f = Forecast::point(self.last_season.iter().copied().cycle().take(h).collect());
        if levels.is_empty() {
            return Ok(f);
        }
        let m = self.last_season.len();
        let sigma: Vec<f64> = (0..h)
            .map(|t| self.sigma * ((t / m) as f64 + 1.0).sqrt())
            .collect();
        Ok(f.with_normal_intervals(&sigma, levels))
    }
}

/// Historic average (the mean method): every forecast is the mean of all
/// observations (statsforecast's `HistoricAverage`).
///
/// Intervals are normal with `sigma_h = sigma * sqrt(1 + 1/n)`, `sigma` the
/// standard deviation of the series over `n - 1` degrees of freedom.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HistoricAverage;

impl HistoricAverage {
    /// The historic-average model.
    pub fn new() -> Self {
        Self
    }
}

/// A fitted [`HistoricAverage`] model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoricAverageFitted {
    mean: f64,
    sigma_h: f64,
}

impl HistoricAverageFitted {
    /// The mean of the series, the forecast at every step.
    pub fn mean(&self) -> f64 {
        self.mean
    }
}

impl LocalModel for HistoricAverage {
    type Fitted = HistoricAverageFitted;

    fn name(&self) -> String {
        "HistoricAverage".into()
    }

    fn fit(&self, y: &[f64]) -> Result<HistoricAverageFitted> {
        check_input("HistoricAverage", y, 1)?;
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let sum_sq: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
        let sigma = residual_sigma(sum_sq, y.len() - 1);
        Ok(HistoricAverageFitted {
            mean,
            sigma_h: sigma * (1.0 + 1.0 / n).sqrt(),
        })
    }
}

impl LocalFitted for HistoricAverageFitted {
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast> {
        let f = Forecast::point(vec![self.mean; h]);
        if levels.is_empty() {
            return Ok(f);
        }
        Ok(f.with_normal_intervals(&vec![self.sigma_h; h], levels))
    }
}

/// Window average: every forecast is the mean of the last `window_size`
/// observations (statsforecast's `WindowAverage`). It defines no intervals of
/// its own (statsforecast only offers conformal ones). Series shorter than
/// the window are refused (statsforecast returns NaN), so the panel runner
/// falls back instead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowAverage {
    window_size: usize,
}

impl WindowAverage {
    /// Window average over the last `window_size` observations (0 is taken as 1).
    pub fn new(window_size: usize) -> Self {
        Self {
            window_size: window_size.max(1),
        }
    }

    /// The window size.
    pub fn window_size(&self) -> usize {
        self.window_size
    }
}

impl LocalModel for WindowAverage {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "WindowAverage".into()
    }

    fn min_len(&self) -> usize {
        self.window_size
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        let k = self.window_size;
        check_input("WindowAverage", y, k)?;
        Ok(ConstantFitted::new(
            y[y.len() - k..].iter().sum::<f64>() / k as f64,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_invalid_input_is_refused() {
        assert!(matches!(
            SeasonalNaive::new(7).fit(&[1.0; 6]),
            Err(Error::TooShort {
                needed: 7,
                got: 6,
                ..
            })
        ));
        assert!(WindowAverage::new(3).fit(&[1.0, 2.0]).is_err());
        assert!(Naive::new().fit(&[]).is_err());
        assert!(matches!(
            HistoricAverage::new().fit(&[1.0, f64::NAN]),
            Err(Error::InvalidInput { .. })
        ));
    }

    #[test]
    fn single_observation_has_zero_sigma() {
        let l = Level::new(90.0).unwrap();
        let f = Naive::new().fit(&[3.0]).unwrap().predict(2, &[l]).unwrap();
        assert_eq!(f.intervals[0].lower, vec![3.0, 3.0]);
        let f = SeasonalNaive::new(2)
            .fit(&[1.0, 2.0])
            .unwrap()
            .predict(3, &[l])
            .unwrap();
        assert_eq!(f.mean, vec![1.0, 2.0, 1.0]);
        assert_eq!(f.intervals[0].upper, vec![1.0, 2.0, 1.0]);
    }
}
