//! # demandcast-stats
//!
//! Per-series statistical models, each a configuration implementing
//! [`demandcast_core::LocalModel`] whose `fit` returns a fitted model that
//! predicts `h` steps with intervals, and [`PerSeries`], which runs any of
//! them over a panel in parallel (rayon) with a fallback model and conformal
//! intervals for models that define none.
//!
//! Every model mirrors statsforecast's definition (same initialisation, same
//! optimiser, same defaults) so that point forecasts match it; the tests
//! compare against numbers produced by statsforecast 2.1.1 on real series.
//!
//! * baselines: [`Naive`], [`SeasonalNaive`], [`HistoricAverage`], [`WindowAverage`]
//! * exponential smoothing: [`AutoEts`] (error/trend/season by AICc, damped trend)
//! * theta: [`Theta`], [`AutoTheta`] (standard, optimised, dynamic variants)
//! * intermittent demand: [`CrostonClassic`], [`CrostonSba`], [`CrostonOptimized`],
//!   [`Adida`], [`Imapa`], [`Tsb`]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod baseline;
mod conformal;
mod ets;
mod intermittent;
pub mod optim;
mod per_series;
mod ses;
mod theta;

pub use baseline::*;
pub use conformal::*;
pub use ets::*;
pub use intermittent::*;
pub use per_series::*;
pub use theta::*;
