//! # demandcast-features
//!
//! The feature engine shared by demandcast's global models (the LightGBM
//! model in `demandcast-gbm`, and neural models later): from a [`Panel`]
//! to rows of readable, mlforecast-style features:
//!
//! * target lags and rolling / seasonal / expanding statistics (`lag7`,
//!   `rolling_mean_lag7_window_28`, `expanding_mean_lag1`), computed from the
//!   values strictly before the target, so recursive forecasting reads
//!   earlier forecasts and never actuals ([`ForecastFrame`]);
//! * calendar attributes of the target date (`dayofweek`, `week`, `month`...);
//! * every numeric covariate as a known-future feature (prices, promotion
//!   flags, events, SNAP), with future values from `--future`;
//! * price features when a `sell_price` / `price` column exists: price
//!   relative to the item's usual price, change over a week, the item's
//!   usual price relative to its department's;
//! * static attributes (item, department, store...) as ordinal codes, and
//!   product age since the first sale.
//!
//! [`FeatureEngine::fit`] learns the data-dependent parts (which covariates,
//! category codes) into a serialisable [`FittedFeatures`], so a saved model
//! builds exactly the same columns later.
//!
//! # Example
//! ```
//! use demandcast_features::{FeatureEngine, TrainOptions};
//! use demandcast_core::{Freq, NaiveDate, Panel};
//!
//! let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("invalid date")?;
//! let y: Vec<f64> = (0..60).map(|t| (t % 7) as f64).collect();
//! let panel = Panel::from_series(Freq::Daily, vec![("a".into(), d0, y)])?;
//! let f = FeatureEngine::for_freq(Freq::Daily).fit(&panel);
//! assert_eq!(&f.names[..3], &["lag1", "lag2", "lag3"]);
//! let set = f.training_set(&panel, &[0], &TrainOptions::default())?;
//! // the first row is the target at index 2 (first sale at index 1): lag1 = y[1] = 1
//! assert_eq!(set.train.row(0)[0], 1.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod calendar;
mod context;
mod engine;
mod error;
mod matrix;
mod spec;
mod target;

pub use context::SeriesContext;
pub use engine::{
    usual_price, FeatureEngine, FittedFeatures, PriceState, StaticCodes, PRICE_COLUMNS,
    PRICE_GROUPS,
};
pub use error::{Error, Result};
pub use matrix::{ForecastFrame, Matrix, TrainOptions, TrainSet};
pub use spec::{Calendar, FeatureSpec, Rolling, SeasonalRolling, Stat};
pub use target::SeriesBuffer;
