//! The `auto` model: the eval crate's [`AutoSelect`], which backtests a set
//! of statistical candidates on the training data and forecasts each demand
//! class (smooth, erratic, intermittent, lumpy) with the candidate that did
//! best on it.

use crate::{BuildOptions, ModelKind, ModelSpec, Result};
use demandcast_core::{FittedForecaster, Forecaster, Panel, Progress};
use demandcast_eval::{AutoConfig, AutoSelect};
use std::sync::Arc;

/// The candidates of `auto`: every statistical family whose cost stays
/// reasonable on tens of thousands of series. The theta variants other than
/// `auto_theta` are left out since `auto_theta` already picks among them.
pub const AUTO_CANDIDATES: [ModelKind; 12] = [
    ModelKind::Naive,
    ModelKind::SeasonalNaive,
    ModelKind::HistoricAverage,
    ModelKind::WindowAverage,
    ModelKind::AutoEts,
    ModelKind::AutoTheta,
    ModelKind::CrostonClassic,
    ModelKind::CrostonOptimized,
    ModelKind::CrostonSba,
    ModelKind::Adida,
    ModelKind::Imapa,
    ModelKind::Tsb,
];

/// Builds the auto-selecting forecaster; its internal backtest uses the
/// options' horizon (else one season).
pub(crate) fn build(opts: &BuildOptions) -> Result<AutoSelect> {
    let candidates = AUTO_CANDIDATES
        .iter()
        .map(|k| ModelSpec::default_of(*k).build(opts))
        .collect::<Result<Vec<_>>>()?;
    let mut config = AutoConfig::new(opts.horizon.unwrap_or(opts.season_length));
    config.season_length = Some(opts.season_length);
    Ok(AutoSelect::new(candidates, config)?)
}

/// A shared handle on a forecaster (`auto`, `ensemble`), so that the caller
/// can read its report after it was handed out as `Box<dyn Forecaster>`.
pub(crate) struct Shared<T>(pub(crate) Arc<T>);

impl<T: Forecaster> Forecaster for Shared<T> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn uses_covariates(&self) -> bool {
        self.0.uses_covariates()
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        self.0.fit_with_progress(train, progress)
    }
}
