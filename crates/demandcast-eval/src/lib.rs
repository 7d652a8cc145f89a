//! # demandcast-eval
//!
//! Evaluation for demand planners: rolling-origin backtests
//! ([`cross_validation`]), the retail accuracy metrics of the reference scorer
//! (MAE, RMSE, sMAPE, MASE, RMSSE, bias, WAPE, pbias, WQL, scaled CRPS,
//! coverage: [`metrics`]), the full 12-level M5 WRMSSE ([`wrmsse`]), demand
//! classification ([`demand`]) and automatic model choice ([`AutoSelect`]).
//!
//! Every metric is computed from a [`ForecastTable`] — the same long table
//! (`unique_id, ds, cutoff, y, <model>, <model>-lo-<L>, <model>-hi-<L>`) that
//! is written to CSV — and the history [`Panel`](demandcast_core::Panel), with
//! exactly the formulas and aggregation of `/work/shared/bench/metrics.py`
//! (checked to 1e-6 in the tests and by `scripts/check_scorer.py`).
//!
//! ```
//! use demandcast_core::{Forecast, Forecaster, FittedForecaster, FutureCovariates, Level, Panel,
//!     PanelForecast, Progress, Freq, NaiveDate};
//! use demandcast_eval::{cross_validation, evaluate, CvConfig, ScoreConfig, TableOptions};
//!
//! /// Repeats the last value.
//! struct Naive;
//! struct Fitted(Panel);
//! impl Forecaster for Naive {
//!     fn name(&self) -> &str { "Naive" }
//!     fn fit_with_progress(&self, train: &Panel, _: &dyn Progress)
//!         -> demandcast_core::Result<Box<dyn FittedForecaster>> { Ok(Box::new(Fitted(train.clone()))) }
//! }
//! impl FittedForecaster for Fitted {
//!     fn predict(&self, h: usize, levels: &[Level], _: Option<&FutureCovariates>)
//!         -> demandcast_core::Result<PanelForecast> {
//!         let p = &self.0;
//!         Ok(PanelForecast {
//!             model: "Naive".into(), freq: p.freq(), ids: p.ids().to_vec(),
//!             starts: (0..p.n_series()).map(|i| p.freq().step(p.last_date(i), 1)).collect(),
//!             levels: levels.to_vec(),
//!             series: (0..p.n_series())
//!                 .map(|i| Forecast::point(vec![*p.series(i).last().unwrap(); h])).collect(),
//!             notes: vec![],
//!         })
//!     }
//! }
//!
//! let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
//! let panel = Panel::from_series(Freq::Daily, vec![("a".into(), d0, vec![1., 2., 3., 4., 5., 6.])]).unwrap();
//! let cv = cross_validation(&panel, &[&Naive], &CvConfig::new(2, 2), &demandcast_core::NoProgress).unwrap();
//! assert_eq!(cv.cutoffs(), vec![d0 + chrono::Days::new(1), d0 + chrono::Days::new(3)]);
//! let table = cv.to_table(TableOptions::default()).unwrap();
//! let ev = evaluate(&panel, &table, &ScoreConfig::new(1));
//! // errors 1, 2 in both windows
//! assert!((ev.model("Naive").unwrap().point.as_ref().unwrap().mae - 1.5).abs() < 1e-12);
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod auto;
mod auto_hier;
pub mod columns;
pub mod conformal;
pub mod cv;
pub mod cv_result;
pub mod demand;
pub mod ensemble;
mod error;
pub mod hierarchy;
mod metric_types;
pub mod metrics;
pub mod report;
pub mod scale;
pub mod select;
pub mod table;
pub mod wrmsse;

pub use auto::{AutoConfig, AutoReport, AutoSelect, FittedAuto, HierSummary};
pub use columns::{parse_model_columns, ModelColumns, STANDARD_QUANTILES};
pub use cv::{cross_validation, future_covariates, plan, CvConfig, CvPlan, Refit};
pub use cv_result::{CvNote, CvResult, CvWindow, ModelTiming, ModelWindow, TableOptions};
pub use demand::{classify, classify_panel, ClassThresholds, DemandClass, DemandProfile};
pub use ensemble::{Ensemble, EnsembleConfig, EnsembleReport, FittedEnsemble};
pub use error::{EvalError, Result};
pub use hierarchy::{parse_m5_id, M5Hierarchy, M5Level, M5_LEVELS};
pub use metrics::{
    evaluate, Evaluation, ModelMetrics, PairMetrics, PointMetrics, QuantileMetrics, ScoreConfig,
};
pub use report::{rank_models, score_backtest, EvalOptions, EvalReport, MetricsTable, ModelRow};
pub use select::{CandidateSummary, ClassChoice, SelectionMetric, SelectionScope, SeriesChoice};
pub use table::ForecastTable;
pub use wrmsse::{m5_wrmsse, LevelScore, M5Config, M5Wrmsse};
