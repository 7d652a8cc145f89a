//! # demandcast-decide
//!
//! From forecasts to orders. A planner does not order a forecast; they order
//! units. This crate turns a model's forecasts into order quantities and
//! checks, on past data, what service and cost those orders would have had:
//!
//! * [`calibrate`]: conformal calibration from backtest residuals, per demand
//!   segment and horizon step, for per-step intervals ([`StepCalibrator`])
//!   and for protection-interval totals ([`ResidualPools`]);
//! * [`leadtime`]: lead times (fixed or a distribution) and the demand over
//!   lead time + review period, never as a sum of per-step quantiles;
//! * [`DemandDistribution`]: censored normal, residual (empirical) and
//!   mixture distributions of a non-negative total;
//! * [`policy`]: order-up-to (R, S), (s, Q), (s, S) and the newsvendor, with
//!   cycle-service, fill-rate or cost targets, and [`OrderConstraints`]
//!   (minimum order, pack size, capacity);
//! * [`simulate()`]: one product through a lost-sales inventory simulation;
//! * [`plan_item`]: today's levels and order for one product;
//! * [`replay()`]: every product and model of a rolling-origin backtest
//!   through the policy, uncalibrated and calibrated, without peeking.
//!
//! Pure computation: no file I/O (the CLI's `plan` and `simulate` commands
//! read and write the files).
//!
//! # Example
//! ```
//! use demandcast_decide::{newsvendor, DemandDistribution, OrderConstraints, Policy,
//!     ProtectionDemand, ServiceTarget};
//!
//! // The textbook newsvendor: holding 2, shortage 18, demand N(120, 10).
//! let d = DemandDistribution::normal(120.0, 10.0)?;
//! assert!((newsvendor(&d, 2.0, 18.0) - 132.8).abs() < 0.05);
//!
//! // Order-up-to for a 95 % cycle service level, 40 units in position.
//! let pd = ProtectionDemand { dist: d, review_mean: 60.0 };
//! let target = ServiceTarget::CycleServiceLevel { alpha: 0.95 };
//! let levels = Policy::OrderUpTo.levels(&pd, &target);
//! let q = Policy::OrderUpTo.order(&levels, 40.0, &OrderConstraints::default());
//! assert_eq!(q, (levels.order_up_to - 40.0).ceil());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod calibrate;
mod constraints;
mod dist;
mod error;
pub mod leadtime;
pub mod planning;
pub mod policy;
pub mod replay;
pub mod simulate;
mod summary;

pub use calibrate::{ResidualPools, StepCalibrator, StepRecord, TotalScore};
pub use constraints::OrderConstraints;
pub use dist::DemandDistribution;
pub use error::{DecideError, Result};
pub use leadtime::{normal_total, LeadTime};
pub use planning::{calibrate_on_backtest, plan_item, Calibration, PlanItem, PlanRow};
pub use policy::{eoq, newsvendor, Levels, Policy, ProtectionDemand, ServiceTarget};
pub use replay::{replay, ModelReplay, ReplayConfig, ReplayResult, Variant, VariantReplay};
pub use simulate::{simulate, SimOutcome, UnitCosts};
pub use summary::SimSummary;
