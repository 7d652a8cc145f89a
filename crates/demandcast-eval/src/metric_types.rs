//! The results of [`crate::evaluate`]: aggregated metrics per model and
//! metrics per (series, cutoff) pair. Definitions: [`crate::metrics`].

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Point-forecast metrics of one model (names as in the reference scorer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointMetrics {
    /// Mean absolute error, per pair then averaged.
    pub mae: f64,
    /// Root mean squared error, per pair then averaged.
    pub rmse: f64,
    /// Symmetric MAPE in percent (0..200), per pair then averaged.
    pub smape: f64,
    /// Mean absolute scaled error, per pair then averaged.
    pub mase: f64,
    /// Root mean squared scaled error, per pair then averaged.
    pub rmsse: f64,
    /// RMSSE weighted by the given level-12 weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrmsse: Option<f64>,
    /// Pairs with a finite MASE.
    pub n_scaled_mase: usize,
    /// Pairs with a finite RMSSE.
    pub n_scaled_rmsse: usize,
    /// Mean error over all points (positive = over-forecast).
    pub bias: f64,
    /// 100 x sum of errors / sum of |actuals|.
    pub pbias: f64,
    /// Sum of absolute errors / sum of |actuals|.
    pub wape: f64,
}

/// Quantile-forecast metrics of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileMetrics {
    /// The quantiles used for `wql` and `scrps`.
    pub quantiles: Vec<f64>,
    /// Pooled weighted quantile loss.
    pub wql: f64,
    /// Scaled CRPS, per pair then averaged.
    pub scrps: f64,
    /// Coverage of the 0.1..0.9 interval, when both bounds exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cov80: Option<f64>,
    /// Pooled mean pinball loss per quantile (all quantiles), keyed like `0.1`.
    pub pinball: BTreeMap<String, f64>,
    /// Coverage per central interval level, keyed like `80`.
    pub coverage: BTreeMap<String, f64>,
}

/// All metrics of one model, serialised with the reference scorer's keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelMetrics {
    /// The model's name.
    pub model: String,
    /// Points scored.
    pub n_points: usize,
    /// (series, cutoff) pairs scored.
    pub n_pairs: usize,
    /// Series scored.
    pub n_series: usize,
    /// Table rows without an actual in the history (dropped for every model).
    pub n_missing_actuals: usize,
    /// Rows dropped for this model because one of its columns is NaN.
    pub n_dropped_nan_forecasts: usize,
    /// Point metrics, when the model has a point (or median) column.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub point: Option<PointMetrics>,
    /// Quantile metrics, when the model has quantile or interval columns.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<QuantileMetrics>,
}

impl ModelMetrics {
    /// A metric by its reference name (`mae`, `mase`, `wql`, `cov80`...), if defined.
    pub fn get(&self, name: &str) -> Option<f64> {
        let p = self.point.as_ref();
        let q = self.quantile.as_ref();
        match name {
            "mae" => p.map(|p| p.mae),
            "rmse" => p.map(|p| p.rmse),
            "smape" => p.map(|p| p.smape),
            "mase" => p.map(|p| p.mase),
            "rmsse" => p.map(|p| p.rmsse),
            "wrmsse" => p.and_then(|p| p.wrmsse),
            "bias" => p.map(|p| p.bias),
            "pbias" => p.map(|p| p.pbias),
            "wape" => p.map(|p| p.wape),
            "wql" => q.map(|q| q.wql),
            "scrps" => q.map(|q| q.scrps),
            "cov80" => q.and_then(|q| q.cov80),
            _ => None,
        }
    }
}

/// Metrics of one model on one (series, cutoff) pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairMetrics {
    /// The model's name.
    pub model: String,
    /// The series.
    pub unique_id: String,
    /// The window's cutoff.
    pub cutoff: NaiveDate,
    /// Points scored.
    pub n_points: usize,
    /// Mean absolute error (NaN without a point forecast).
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Symmetric MAPE.
    pub smape: f64,
    /// Mean error.
    pub bias: f64,
    /// MASE (NaN when the scale is 0 or undefined).
    pub mase: f64,
    /// RMSSE (NaN when the scale is 0 or undefined).
    pub rmsse: f64,
    /// Scaled CRPS (NaN without quantiles or when the actuals sum to 0).
    pub scrps: f64,
    /// The MASE scale of the pair's training part.
    pub mase_scale: f64,
    /// The RMSSE scale of the pair's training part.
    pub rmsse_scale: f64,
}

/// The result of [`crate::evaluate`]: aggregated metrics and per-pair rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// One entry per model, in column order.
    pub models: Vec<ModelMetrics>,
    /// One row per model and scored (series, cutoff) pair.
    pub pairs: Vec<PairMetrics>,
}

impl Evaluation {
    /// The metrics of a model by name.
    pub fn model(&self, name: &str) -> Option<&ModelMetrics> {
        self.models.iter().find(|m| m.model == name)
    }
}
