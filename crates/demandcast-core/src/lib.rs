//! # demandcast-core
//!
//! The small core every other demandcast crate stands on: the [`Panel`] of
//! regular time series (statsforecast's `GroupedArray`: one value vector plus
//! offsets), the [`Freq`] of its time index, prediction-interval [`Level`]s in
//! percent, the [`Forecast`]/[`PanelForecast`] results, and the model traits.
//!
//! It has no I/O and only tiny dependencies, so that it compiles fast and
//! changes rarely. The crate graph:
//!
//! ```text
//!   cli ──► demandcast (facade: ModelSpec registry)
//!                 │
//!     ┌──────┬────┴────┬───────┐
//!   data   stats     eval    (gbm, neural, plan: later)
//!     └──────┴────┬────┴───────┘
//!               core
//! ```
//!
//! Two levels of model traits, as in the Python stack:
//! * [`LocalModel`] / [`LocalFitted`]: a per-series model (augurs' `Fit`/`Predict`,
//!   a statsforecast model). `fit` returns a *different* type, so a model that
//!   was never fitted cannot be asked to predict.
//! * [`Forecaster`] / [`FittedForecaster`]: a panel-level, object-safe model
//!   (statsforecast's `StatsForecast`, mlforecast's `MLForecast`), held as
//!   `Box<dyn Forecaster>` by the CLI and the server.
//!
//! # Example
//! ```
//! use demandcast_core::{Freq, Level, Panel};
//! use chrono::NaiveDate;
//!
//! let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
//! let panel = Panel::from_series(
//!     Freq::Daily,
//!     vec![("a".to_string(), d0, vec![1.0, 2.0, 3.0]), ("b".to_string(), d0, vec![0.0, 5.0])],
//! )
//! .unwrap();
//! assert_eq!(panel.n_series(), 2);
//! assert_eq!(panel.series(1), &[0.0, 5.0]);
//! assert_eq!(panel.last_date(0), NaiveDate::from_ymd_opt(2024, 1, 3).unwrap());
//! let l = Level::new(95.0).unwrap();
//! assert!((l.lo_quantile() - 0.025).abs() < 1e-12);
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod catalog;
mod dist;
mod error;
mod forecast;
mod freq;
mod level;
mod panel;
mod traits;

pub use catalog::Catalog;
pub use dist::{norm_cdf, norm_ppf};
pub use error::{Error, Result};
pub use forecast::{Forecast, Interval, PanelForecast, SeriesNote};
pub use freq::Freq;
pub use level::Level;
pub use panel::{AppendReport, Column, FutureCovariates, IdLookup, Panel, StaticColumn};
pub use traits::{FittedForecaster, Forecaster, LocalFitted, LocalModel, NoProgress, Progress};

/// Re-export of the date type used for every time index.
pub use chrono::NaiveDate;
