//! # demandcast
//!
//! The one crate to depend on: it re-exports the building blocks
//! ([`core`], [`data`], [`stats`], [`eval`]) and owns model choice. A
//! [`ModelSpec`] is a model name plus parameters, written as users type it on
//! the command line (`seasonal_naive:7`) or as JSON
//! (`{"model": "seasonal_naive", "season_length": 7}`); [`ModelSpec::build`]
//! turns it into a `Box<dyn Forecaster>`. Keeping this registry here gives
//! the CLI, a server and config files one list of models, with one set of
//! names and defaults.
//!
//! Names are those of [`MODELS`] (`auto_ets`, `croston_sba`, ...);
//! statsforecast class names (`AutoETS`, `CrostonSBA`) are accepted
//! case-insensitively, and output columns use the class names, so forecast
//! files look like statsforecast's. `all` expands to every statistical model
//! and `auto` picks one per series by backtest.
//!
//! # Example
//! ```
//! use demandcast::{BuildOptions, ModelSpec};
//! use demandcast::core::{Freq, Level, NaiveDate, Panel};
//!
//! let specs = ModelSpec::parse_list("naive,seasonal_naive:7,croston_sba").unwrap();
//! assert_eq!(specs[1].to_string(), "seasonal_naive:7");
//!
//! let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
//! let y: Vec<f64> = (0..28).map(|t| (t % 7) as f64).collect();
//! let panel = Panel::from_series(Freq::Daily, vec![("sku1".to_string(), d0, y)]).unwrap();
//!
//! let opts = BuildOptions::new(Freq::Daily.season_length());
//! let models = demandcast::build_all(&specs, &opts).unwrap();
//! assert_eq!(models[2].name(), "CrostonSBA");
//! let fc = models[1].forecast(&panel, 7, &[Level::new(80.0).unwrap()], None).unwrap();
//! assert_eq!(fc.series[0].mean, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod auto;
mod error;
mod kind;
mod registry;
mod run;
mod spec;

pub use auto::AUTO_CANDIDATES;
pub use error::{Error, Result};
pub use kind::{ModelInfo, ModelKind, MODELS};
pub use registry::{build_all, build_models, BuildOptions, Models};
pub use run::{series_note_summaries, CollectNotes, ModelProgress, RunObserver};
pub use spec::ModelSpec;

pub use demandcast_core as core;
pub use demandcast_data as data;
pub use demandcast_eval as eval;
pub use demandcast_features as features;
pub use demandcast_gbm as gbm;
pub use demandcast_neural as neural;
pub use demandcast_stats as stats;

pub use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, Freq, Level, Panel, PanelForecast, SeriesNote,
};
