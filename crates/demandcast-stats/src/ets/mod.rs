//! Exponential smoothing state-space models (ETS), statsforecast-compatible:
//! [`AutoEts`] selects error, trend (optionally damped) and season by AICc,
//! [`FittedEts`] forecasts with prediction intervals.
//!
//! A port of statsforecast 2.1.1 (`python/statsforecast/ets.py`,
//! `src/ets.cpp`), which itself follows R's `forecast::ets`: the same
//! starting values (`initparam`, `initstate` with a classical decomposition),
//! the same bounds, including statsforecast's habit of carrying the trend and
//! season bounds from one candidate to the next, the same bounded
//! Nelder-Mead ([`crate::optim::nelder_mead`], 1000 iterations, `tol_std`
//! 1e-4, adaptive), the same likelihood and the same interval formulas.
//!
//! Layout: [`spec`] (model strings), [`recursion`] (the C++ update/forecast
//! loop, reference), [`kernel`] (the optimiser's allocation-free
//! likelihood), [`params`] and [`init_state`] (starting values), [`fit`]
//! (one candidate), [`auto`] (selection), [`intervals`].

mod auto;
mod fit;
mod init_state;
mod intervals;
mod kernel;
mod lanes;
mod params;
mod recursion;
mod spec;
mod sums;

pub use auto::{AutoEts, FittedEts};
pub use spec::{Component, EtsComponents};
