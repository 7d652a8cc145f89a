//! Building forecasters from [`ModelSpec`]s.
//!
//! Every statistical model is wrapped in [`PerSeries`], which fits it to each
//! series in parallel, falls back to `HistoricAverage` for series the model
//! cannot fit (reported in the forecast's notes, never silently), clips at
//! zero and adds conformal intervals where the model has none.

use crate::auto::Shared;
use crate::{Error, ModelSpec, Result};
use demandcast_core::{Forecaster, LocalModel};
use demandcast_eval::{AutoSelect, Ensemble, EnsembleConfig};
use demandcast_stats as stats;
use stats::PerSeries;
use std::sync::Arc;

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
    /// The horizon that will be forecast; `auto` backtests its candidates
    /// at this horizon (one season when `None`).
    pub horizon: Option<usize>,
    /// Interval levels that will be asked for: models that train one model
    /// per quantile (LightGBM) need them when fitting. Empty: point only.
    pub levels: Vec<demandcast_core::Level>,
    /// Text embedding per series id (product texts), for `tsfm` adapters
    /// fine-tuned with text.
    pub texts: Option<Arc<std::collections::HashMap<String, Vec<f32>>>>,
}

impl BuildOptions {
    /// Defaults for retail demand: non-negative forecasts.
    pub fn new(season_length: usize) -> Self {
        Self {
            season_length,
            nonnegative: true,
            conformal_windows: None,
            horizon: None,
            levels: Vec::new(),
            texts: None,
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
            ModelSpec::Tsb { alpha_d, alpha_p } => {
                w.per_series(stats::Tsb::new(*alpha_d, *alpha_p))
            }
            ModelSpec::LightGbm { params } => {
                let p =
                    demandcast_gbm::GbmParams::parse(params).map_err(|e| Error::BadParameter {
                        model: "lightgbm",
                        value: params.clone(),
                        reason: e.to_string(),
                        usage: "lightgbm[:key=value,...]".into(),
                    })?;
                Box::new(
                    demandcast_gbm::LightGbm::new(p)
                        .with_name(w.alias.clone())
                        .with_levels(&opts.levels)
                        .with_horizon(opts.horizon)
                        .nonnegative(opts.nonnegative),
                )
            }
            ModelSpec::Tsfm {
                adapter,
                weekday,
                events,
                promotions,
                calibrate,
            } => Box::new(demandcast_neural::TsfmForecaster {
                alias: Some(w.alias.clone()),
                adapter: adapter.as_ref().map(std::path::PathBuf::from),
                weekday_index: *weekday,
                events_index: *events,
                promotion_index: *promotions,
                calibrate: *calibrate,
                texts: opts.texts.clone(),
                ..Default::default()
            }),
            // AutoSelect names itself `auto`; the alias does not apply.
            ModelSpec::Auto => Box::new(Shared(Arc::new(crate::auto::build(opts)?))),
            // its members are the other models of a list: see `build_models`
            ModelSpec::Ensemble { .. } => return Err(ensemble_needs_members()),
        })
    }
}

/// Builds every spec, naming them uniquely: a family that appears more than
/// once gets its parameters appended (`SeasonalNaive_7`, `SeasonalNaive_14`).
///
/// # Errors
/// As [`ModelSpec::build`].
pub fn build_all(specs: &[ModelSpec], opts: &BuildOptions) -> Result<Vec<Box<dyn Forecaster>>> {
    Ok(build_models(specs, opts)?.forecasters)
}

/// The forecasters built from a list of specs, plus a handle on the `auto`
/// model (if listed) to read what it chose after fitting.
pub struct Models {
    /// One forecaster per spec, in order.
    pub forecasters: Vec<Box<dyn Forecaster>>,
    /// The `auto` model, when one of the specs is `auto`.
    pub auto: Option<Arc<AutoSelect>>,
    /// The `ensemble` model, when listed: its members are fresh builds of
    /// every other spec, under the same names. A caller that only needs
    /// forecasts can fit it alone ([`Ensemble::fit_ensemble_with`], all
    /// members) and read every member's forecast from
    /// [`demandcast_eval::FittedEnsemble::predict_members`].
    pub ensemble: Option<Arc<Ensemble>>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.forecasters.iter().map(|m| m.name()).collect();
        f.debug_struct("Models")
            .field("forecasters", &names)
            .finish()
    }
}

/// As [`build_all`], keeping a handle on `auto` for its report
/// ([`AutoSelect::last_report`]).
///
/// # Errors
/// As [`ModelSpec::build`].
pub fn build_models(specs: &[ModelSpec], opts: &BuildOptions) -> Result<Models> {
    let mut forecasters = Vec::with_capacity(specs.len());
    let mut auto = None;
    let mut ensemble = None;
    for s in specs {
        if let ModelSpec::Ensemble { windows, equal } = s {
            let members = specs
                .iter()
                .filter(|o| !matches!(o, ModelSpec::Ensemble { .. }))
                .collect::<Vec<_>>();
            if members.len() < 2 {
                return Err(ensemble_needs_members());
            }
            let named = members
                .iter()
                .map(|m| {
                    let repeated = specs.iter().filter(|o| o.kind() == m.kind()).count() > 1;
                    m.build_named(m.column_name(repeated), opts)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut cfg = EnsembleConfig::new(opts.horizon.unwrap_or(opts.season_length));
            if let Some(n) = windows {
                cfg.n_windows = *n;
            }
            cfg.equal = *equal;
            let e = Arc::new(Ensemble::new(named, cfg)?);
            ensemble = Some(Arc::clone(&e));
            forecasters.push(Box::new(Shared(e)) as Box<dyn Forecaster>);
            continue;
        }
        if *s == ModelSpec::Auto {
            let a = Arc::new(crate::auto::build(opts)?);
            auto = Some(Arc::clone(&a));
            forecasters.push(Box::new(Shared(a)) as Box<dyn Forecaster>);
            continue;
        }
        let repeated = specs.iter().filter(|o| o.kind() == s.kind()).count() > 1;
        forecasters.push(s.build_named(s.column_name(repeated), opts)?);
    }
    Ok(Models {
        forecasters,
        auto,
        ensemble,
    })
}

fn ensemble_needs_members() -> Error {
    Error::BadParameter {
        model: "ensemble",
        value: String::new(),
        reason: "an ensemble combines the other models of the list: give at least two, \
                 e.g. --models lightgbm,tsfm,ensemble"
            .into(),
        usage: "ensemble[:windows|:equal]".into(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::{Freq, Level, NaiveDate, Panel};

    fn panel() -> Panel {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let smooth: Vec<f64> = (0..42).map(|t| 5.0 + (t % 7) as f64).collect();
        let sparse: Vec<f64> = (0..42)
            .map(|t| if t % 5 == 0 { 3.0 } else { 0.0 })
            .collect();
        Panel::from_series(
            Freq::Daily,
            vec![("smooth".into(), d0, smooth), ("sparse".into(), d0, sparse)],
        )
        .unwrap()
    }

    #[test]
    fn every_model_builds_and_forecasts() {
        let specs = ModelSpec::parse_list("all,auto").unwrap();
        let mut opts = BuildOptions::new(7);
        opts.horizon = Some(7);
        let models = build_models(&specs, &opts).unwrap();
        assert!(models.auto.is_some());
        let l80 = Level::new(80.0).unwrap();
        for m in &models.forecasters {
            let fc = m.forecast(&panel(), 7, &[l80], None).unwrap();
            assert_eq!(fc.model, m.name());
            assert_eq!(fc.series.len(), 2, "{}", m.name());
            for s in &fc.series {
                assert_eq!(s.h(), 7, "{}", m.name());
                assert!(
                    s.mean.iter().all(|v| v.is_finite() && *v >= 0.0),
                    "{}",
                    m.name()
                );
                assert!(
                    s.interval(l80).is_some(),
                    "{} has no 80% interval",
                    m.name()
                );
            }
        }
        let report = models.auto.unwrap().last_report().unwrap();
        assert_eq!(report.series.len(), 2);
    }

    #[test]
    fn repeated_families_get_distinct_names() {
        let specs = ModelSpec::parse_list("seasonal_naive:7,seasonal_naive:14,naive").unwrap();
        let names: Vec<String> = build_all(&specs, &BuildOptions::new(7))
            .unwrap()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert_eq!(names, ["SeasonalNaive_7", "SeasonalNaive_14", "Naive"]);
    }

    #[test]
    fn season_length_comes_from_options_unless_given() {
        let y: Vec<f64> = (0..28).map(|t| (t % 4) as f64).collect();
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let p = Panel::from_series(Freq::Daily, vec![("a".into(), d0, y)]).unwrap();
        let default: ModelSpec = "seasonal_naive".parse().unwrap();
        let four: ModelSpec = "seasonal_naive:4".parse().unwrap();
        let opts = BuildOptions::new(4);
        let fc = default
            .build(&opts)
            .unwrap()
            .forecast(&p, 4, &[], None)
            .unwrap();
        assert_eq!(fc.series[0].mean, vec![0.0, 1.0, 2.0, 3.0]);
        let fc = four
            .build(&BuildOptions::new(7))
            .unwrap()
            .forecast(&p, 4, &[], None)
            .unwrap();
        assert_eq!(fc.series[0].mean, vec![0.0, 1.0, 2.0, 3.0]);
        assert!(matches!(
            default.build(&BuildOptions::new(0)),
            Err(Error::ZeroSeason)
        ));
    }
}
