//! # demandcast-gbm
//!
//! A global LightGBM forecaster (the M5 winners' recipe) through the
//! `lightgbm3` crate, on the features of `demandcast-features`:
//!
//! * objectives: Tweedie (default, variance power 1.1), Poisson, L2; interval
//!   levels get one quantile-regression model per bound, uncrossed and
//!   clipped at zero;
//! * strategies: recursive (one model, lags read earlier forecasts) and
//!   direct (one model per step);
//! * one model per group of series (`group_by=store_id`), small seed
//!   ensembles (`seeds=3`), early stopping on the last horizon;
//! * explanations: per-forecast SHAP contributions and global importances;
//! * persistence: [`GbmFitted::save`] / [`GbmFitted::load`].
//!
//! Parameters come as `key=value` pairs ([`GbmParams::parse`]), the form
//! `--models lightgbm:objective=tweedie,power=1.1` passes on.
//!
//! # Example
//! ```
//! use demandcast_core::{Forecaster, Freq, NaiveDate, Panel};
//! use demandcast_gbm::{GbmParams, LightGbm};
//!
//! let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("invalid date")?;
//! let series = (0..4)
//!     .map(|k| {
//!         let y = (0..120).map(|t| ((t + k) % 7) as f64).collect();
//!         (format!("s{k}"), d0, y)
//!     })
//!     .collect();
//! let panel = Panel::from_series(Freq::Daily, series)?;
//! let params = GbmParams::parse("rounds=20,leaves=8,min_leaf=5")?;
//! let fc = LightGbm::new(params).forecast(&panel, 7, &[], None)?;
//! assert_eq!(fc.series[0].mean.len(), 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod booster;
mod error;
mod explain;
mod ffi;
mod fitted;
mod hierarchy;
mod model;
mod noise;
mod params;
mod persist;

pub use error::{GbmError, Result};
pub use explain::{ExplainRow, Explanation};
pub use fitted::GbmFitted;
pub use model::LightGbm;
pub use noise::Noise;
pub use params::{GbmParams, Objective, Strategy};
pub use persist::FORMAT;

pub use demandcast_features as features;
