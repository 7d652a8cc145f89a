//! Building forecasters from [`ModelSpec`]s.
//!
//! Every statistical model is wrapped in [`PerSeries`], which fits it to each
//! series in parallel, falls back to `HistoricAverage` for series the model
//! cannot fit (reported in the forecast's notes, never silently), clips at
//! zero and adds conformal intervals where the model has none.

use crate::{Error, ModelSpec, Result};
use demandcast_core::{Forecaster, LocalModel};
use demandcast_stats as stats;
use stats::PerSeries;

/// Settings shared by every model built from a list of specs.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// Season length for specs that leave it out: the user's
    /// `--season-length`, else the frequency's usual one.
    pub season_length: usize,
    /// Clip forecasts and bounds at zero (demand cannot be negative).
    pub nonnegative: bool,
    /// Calibration windows for conformal intervals; `None` keeps the wrapper's default.
    pub conformal_windows: Option<usize>,
}

impl BuildOptions {
    /// Defaults for retail demand: non-negative forecasts.
    pub fn new(season_length: usize) -> Self {
        Self {
            season_length,
            nonnegative: true,
            conformal_windows: None,
        }
    }
}

impl ModelSpec {
    /// Builds the forecaster, named by [`ModelSpec::column_name`].
    ///
    /// # Errors
    /// [`Error::ZeroSeason`] for a zero season length, or a model
    /// constructor's error (e.g. an ETS string the model rejects).
    pub fn build(&self, opts: &BuildOptions) -> Result<Box<dyn Forecaster>> {
        self.build_named(self.column_name(false), opts)
    }

    /// Builds the forecaster with the given output name.
    ///
    /// # Errors
    /// As [`ModelSpec::build`].
    pub fn build_named(&self, alias: String, opts: &BuildOptions) -> Result<Box<dyn Forecaster>> {
        if opts.season_length == 0 {
            return Err(Error::ZeroSeason);
        }
        let m = |s: &Option<usize>| s.unwrap_or(opts.season_length);
        let w = Wrap { alias, opts };
        Ok(match self {
            ModelSpec::Naive => w.per_series(stats::Naive::new()),
            ModelSpec::SeasonalNaive { season_length } => {
                w.per_series(stats::SeasonalNaive::new(m(season_length)))
            }
            ModelSpec::HistoricAverage => w.per_series(stats::HistoricAverage::new()),
            ModelSpec::WindowAverage { window_size } => {
                w.per_series(stats::WindowAverage::new(m(window_size)))
            }
            ModelSpec::AutoEts {
                season_length,
                spec,
                damped,
            } => w.per_series(stats::AutoEts::new(m(season_length), spec)?.damped(*damped)),
            ModelSpec::Theta { season_length } => w.per_series(stats::Theta::new(m(season_length))),
            ModelSpec::OptimizedTheta { season_length } => {
                w.per_series(stats::OptimizedTheta::new(m(season_length)))
            }
            ModelSpec::DynamicTheta { season_length } => {
                w.per_series(stats::DynamicTheta::new(m(season_length)))
            }
            ModelSpec::DynamicOptimizedTheta { season_length } => {
                w.per_series(stats::DynamicOptimizedTheta::new(m(season_length)))
            }
            ModelSpec::AutoTheta { season_length } => {
                w.per_series(stats::AutoTheta::new(m(season_length)))
            }
            ModelSpec::CrostonClassic => w.per_series(stats::CrostonClassic::new()),
            ModelSpec::CrostonOptimized => w.per_series(stats::CrostonOptimized::new()),
            ModelSpec::CrostonSba => w.per_series(stats::CrostonSba::new()),
            ModelSpec::Adida => w.per_series(stats::Adida::new()),
            ModelSpec::Imapa => w.per_series(stats::Imapa::new()),
            ModelSpec::Tsb { alpha_d, alpha_p } => w.per_series(stats::Tsb::new(*alpha_d, *alpha_p)),
            ModelSpec::Auto => crate::auto::build(w.alias, opts)?,
        })
    }
}

/// Builds every spec, naming them uniquely: a family that appears more than
/// once gets its parameters appended (`SeasonalNaive_7`, `SeasonalNaive_14`).
///
/// # Errors
/// As [`ModelSpec::build`].
pub fn build_all(specs: &[ModelSpec], opts: &BuildOptions) -> Result<Vec<Box<dyn Forecaster>>> {
    specs
        .iter()
        .map(|s| {
            let repeated = specs.iter().filter(|o| o.kind() == s.kind()).count() > 1;
            s.build_named(s.column_name(repeated), opts)
        })
        .collect()
}

struct Wrap<'a> {
    alias: String,
    opts: &'a BuildOptions,
}

impl Wrap<'_> {
    fn per_series<M>(self, model: M) -> Box<dyn Forecaster>
    where
        M: LocalModel + 'static,
        M::Fitted: 'static,
    {
        let mut p = PerSeries::new(model)
            .with_alias(self.alias)
            .nonnegative(self.opts.nonnegative);
        if let Some(n) = self.opts.conformal_windows {
            p = p.conformal_windows(n);
        }
        Box::new(p)
    }
}
