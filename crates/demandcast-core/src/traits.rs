//! The model traits: per-series ([`LocalModel`]) and panel-level ([`Forecaster`]).

use crate::{Forecast, FutureCovariates, Level, Panel, PanelForecast, Result};

/// A per-series model configuration (augurs' `Fit`, a statsforecast model).
///
/// `fit` returns a different type, [`LocalModel::Fitted`], which alone can
/// predict: an unfitted model cannot be asked for a forecast.
pub trait LocalModel: Send + Sync {
    /// The fitted model.
    type Fitted: LocalFitted;

    /// The model's name, used as the output column (e.g. `AutoETS`).
    fn name(&self) -> String;

    /// The fewest observations `fit` accepts.
    fn min_len(&self) -> usize {
        1
    }

    /// Fits the model to one series (oldest first, no NaN).
    ///
    /// # Errors
    /// [`crate::Error::TooShort`] below [`LocalModel::min_len`], or a model-specific failure.
    fn fit(&self, y: &[f64]) -> Result<Self::Fitted>;

    /// Fits and predicts in one call (statsforecast's `forecast`).
    ///
    /// # Errors
    /// As [`LocalModel::fit`] and [`LocalFitted::predict`].
    fn forecast(&self, y: &[f64], h: usize, levels: &[Level]) -> Result<Forecast> {
        self.fit(y)?.predict(h, levels)
    }
}

/// A model fitted to one series.
pub trait LocalFitted: Send + Sync {
    /// Forecasts `h` steps. Models with their own intervals fill
    /// [`Forecast::intervals`] for each level; others leave it empty and the
    /// panel wrapper adds conformal intervals.
    ///
    /// # Errors
    /// A model-specific failure.
    fn predict(&self, h: usize, levels: &[Level]) -> Result<Forecast>;

    /// In-sample one-step-ahead fitted values, where the model defines them.
    fn fitted_values(&self) -> Option<Vec<f64>> {
        None
    }
}

/// Progress reporting for long work (a progress bar in the CLI).
pub trait Progress: Send + Sync {
    /// `n` more units of work (series) are done.
    fn inc(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn inc(&self, _n: u64) {}
}

/// A panel-level model configuration, object-safe (held as `Box<dyn Forecaster>`).
pub trait Forecaster: Send + Sync {
    /// The model's name, the column name in outputs.
    fn name(&self) -> &str;

    /// Whether the model reads the panel's numeric covariates (prices,
    /// promotions...). Callers drop the covariates from the training panel
    /// when no model needs them, which roughly halves peak memory on M5-sized
    /// data. The default is the safe answer, `true`; purely univariate models
    /// override it.
    fn uses_covariates(&self) -> bool {
        true
    }

    /// Fits the model to every series of the panel.
    ///
    /// # Errors
    /// When the model cannot be fitted at all (per-series failures fall back
    /// and are reported in [`PanelForecast::notes`] instead).
    fn fit(&self, train: &Panel) -> Result<Box<dyn FittedForecaster>> {
        self.fit_with_progress(train, &NoProgress)
    }

    /// As [`Forecaster::fit`], reporting each fitted series to `progress`.
    ///
    /// # Errors
    /// As [`Forecaster::fit`].
    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> Result<Box<dyn FittedForecaster>>;

    /// Fits and predicts in one call.
    ///
    /// # Errors
    /// As [`Forecaster::fit`] and [`FittedForecaster::predict`].
    fn forecast(
        &self,
        train: &Panel,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> Result<PanelForecast> {
        self.fit(train)?.predict(h, levels, future)
    }
}

/// A panel-level model after fitting.
pub trait FittedForecaster: Send + Sync {
    /// Forecasts `h` steps after each series' last date.
    ///
    /// # Errors
    /// A model-specific failure, or missing future covariates the model needs.
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> Result<PanelForecast>;
}
