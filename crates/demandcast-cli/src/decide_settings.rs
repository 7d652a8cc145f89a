//! `plan` and `simulate` flags, checked and resolved before any data is read.

use crate::cli::{BacktestArgs, InputArgs, ModelArgs};
use crate::decide_args::{CostArgs, PlanArgs, PolicyArg, ReplenishmentArgs, SimulateArgs};
use crate::error::UsageError;
use crate::settings::{InputSettings, ModelSettings};
use anyhow::Result;
use demandcast::core::Freq;
use demandcast_decide::{OrderConstraints, Policy, ServiceTarget};
use std::path::{Path, PathBuf};

/// Policy, target and constraints, resolved.
#[derive(Debug, Clone)]
pub struct PolicySettings {
    /// The policy.
    pub policy: Policy,
    /// The target (for `--cost-optimal`, per-product costs replace the placeholder numbers).
    pub target: ServiceTarget,
    /// Review period in periods.
    pub review: usize,
    /// Constraints for every product (the stock file may override per product).
    pub constraints: OrderConstraints,
}

/// How unit costs are found.
#[derive(Debug, Clone)]
pub struct CostSettings {
    /// Price column.
    pub price_col: String,
    /// Yearly holding share of price.
    pub holding_rate: f64,
    /// Lost-sale share of price.
    pub lost_sale_margin: f64,
    /// Fixed holding cost per unit per period.
    pub holding_cost: Option<f64>,
    /// Fixed lost-sale cost per unit.
    pub lost_sale_cost: Option<f64>,
    /// Cost per order.
    pub order_cost: f64,
}

impl CostSettings {
    /// Periods per year for the holding rate.
    pub fn periods_per_year(freq: Freq) -> f64 {
        match freq {
            Freq::Daily => 365.0,
            Freq::Weekly(_) => 52.0,
            Freq::MonthStart | Freq::MonthEnd => 12.0,
            Freq::QuarterStart => 4.0,
            Freq::YearStart => 1.0,
        }
    }

    /// Unit costs for a product with this price (`None`: no usable price and no fixed costs).
    pub fn unit_costs(
        &self,
        price: Option<f64>,
        freq: Freq,
    ) -> Option<demandcast_decide::UnitCosts> {
        let p = price.filter(|p| p.is_finite() && *p > 0.0);
        let holding = match self.holding_cost {
            Some(h) => h,
            None => p? * self.holding_rate / Self::periods_per_year(freq),
        };
        let lost_sale = match self.lost_sale_cost {
            Some(c) => c,
            None => p? * self.lost_sale_margin,
        };
        Some(demandcast_decide::UnitCosts {
            holding,
            lost_sale,
            order: self.order_cost,
        })
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        let h = match self.holding_cost {
            Some(h) => format!("holding {h} per unit per period"),
            None => format!(
                "holding {} % of {} per year",
                self.holding_rate * 100.0,
                self.price_col
            ),
        };
        let l = match self.lost_sale_cost {
            Some(c) => format!("lost sale {c} per unit"),
            None => format!(
                "lost sale {} % of {}",
                self.lost_sale_margin * 100.0,
                self.price_col
            ),
        };
        format!("{h}; {l}; {} per order", self.order_cost)
    }
}

/// `demandcast simulate`, resolved.
#[derive(Debug, Clone)]
pub struct SimulateSettings {
    /// History.
    pub input: InputSettings,
    /// Models.
    pub models: ModelSettings,
    /// Policy.
    pub policy: PolicySettings,
    /// Lead time.
    pub lead_time: usize,
    /// Reviews replayed.
    pub reviews: usize,
    /// Calibration windows.
    pub calibration_windows: usize,
    /// Costs.
    pub costs: CostSettings,
    /// Output folder.
    pub output: PathBuf,
}

/// `demandcast plan`, resolved.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// History.
    pub input: InputSettings,
    /// The model.
    pub models: ModelSettings,
    /// Policy.
    pub policy: PolicySettings,
    /// Stock file.
    pub stock: PathBuf,
    /// Lead-time distribution file.
    pub lead_times: Option<PathBuf>,
    /// Default lead time.
    pub lead_time: Option<usize>,
    /// Calibration windows.
    pub calibration_windows: usize,
    /// Future covariates.
    pub future: Option<PathBuf>,
    /// What-if covariates.
    pub what_if: Option<PathBuf>,
    /// Costs.
    pub costs: CostSettings,
    /// Output folder.
    pub output: PathBuf,
}

/// Input and model flags through the `backtest` resolver, so that all
/// commands check them the same way (its other settings are unused here).
fn input_and_models(
    input: InputArgs,
    models: ModelArgs,
    output: &Path,
) -> Result<(InputSettings, ModelSettings)> {
    let b = crate::settings::backtest(BacktestArgs {
        input,
        horizon: 1,
        windows: 1,
        step_size: None,
        refit: true,
        models,
        output: output.to_path_buf(),
        db: None,
    })?;
    Ok((b.input, b.models))
}

fn at_least_one(v: usize, flag: &str) -> Result<usize> {
    if v == 0 {
        return Err(UsageError::err(
            format!("{flag} must be at least 1"),
            (flag == "--lead-time").then_some(
                "an order takes at least one period to arrive; use 1 for next-period delivery",
            ),
        ));
    }
    Ok(v)
}

fn percent(v: f64, flag: &str) -> Result<f64> {
    if !(v > 0.0 && v < 100.0) {
        return Err(UsageError::err(
            format!("{flag} {v}: expected a percentage strictly between 0 and 100"),
            Some("e.g. --service-level 95"),
        ));
    }
    Ok(v / 100.0)
}

fn policy(a: ReplenishmentArgs) -> Result<PolicySettings> {
    let review = at_least_one(a.review_period, "--review-period")?;
    let target = if let Some(f) = a.fill_rate {
        ServiceTarget::FillRate {
            beta: percent(f, "--fill-rate")?,
        }
    } else if a.cost_optimal {
        // placeholder numbers: each product's own costs replace them
        ServiceTarget::Cost {
            holding: 1.0,
            shortage: 1.0,
        }
    } else {
        ServiceTarget::CycleServiceLevel {
            alpha: percent(a.service_level.unwrap_or(95.0), "--service-level")?,
        }
    };
    let need_q = |name: &str| {
        a.order_quantity.ok_or_else(|| {
            UsageError::err(
                format!("--policy {name} needs --order-quantity"),
                Some("give the lot size, e.g. --order-quantity 24"),
            )
        })
    };
    let policy = match a.policy {
        PolicyArg::OrderUpTo => Policy::OrderUpTo,
        PolicyArg::SQ => Policy::ReorderQuantity {
            quantity: need_q("s-q")?,
        },
        PolicyArg::SS => Policy::MinMax {
            gap: need_q("s-s")?,
        },
    };
    policy
        .validate()
        .map_err(|e| UsageError::err(e.to_string(), None))?;
    let constraints = OrderConstraints {
        moq: a.moq,
        pack_size: a.pack_size,
        max_order: a.max_order,
        max_position: a.max_stock,
    };
    constraints.validate().map_err(|e| {
        UsageError::err(
            e.to_string(),
            Some("--pack-size must be > 0; --moq, --max-order, --max-stock >= 0"),
        )
    })?;
    Ok(PolicySettings {
        policy,
        target,
        review,
        constraints,
    })
}

fn costs(a: CostArgs) -> Result<CostSettings> {
    let nonneg = |v: f64, flag: &str| -> Result<()> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(UsageError::err(format!("{flag} {v}: must be >= 0"), None))
        }
    };
    nonneg(a.holding_rate, "--holding-rate")?;
    nonneg(a.lost_sale_margin, "--lost-sale-margin")?;
    nonneg(a.order_cost, "--order-cost")?;
    for (v, f) in [
        (a.holding_cost, "--holding-cost"),
        (a.lost_sale_cost, "--lost-sale-cost"),
    ] {
        if let Some(v) = v {
            nonneg(v, f)?;
        }
    }
    Ok(CostSettings {
        price_col: a.price_col,
        holding_rate: a.holding_rate,
        lost_sale_margin: a.lost_sale_margin,
        holding_cost: a.holding_cost,
        lost_sale_cost: a.lost_sale_cost,
        order_cost: a.order_cost,
    })
}

/// Resolves `simulate` flags.
pub fn simulate(a: SimulateArgs) -> Result<SimulateSettings> {
    let lead_time = at_least_one(a.lead_time, "--lead-time")?;
    let reviews = at_least_one(a.reviews, "--weeks")?;
    let calibration_windows = at_least_one(a.calibration_windows, "--calibration-windows")?;
    let (input, models) = input_and_models(a.input, a.models, &a.output)?;
    Ok(SimulateSettings {
        input,
        models,
        policy: policy(a.policy)?,
        lead_time,
        reviews,
        calibration_windows,
        costs: costs(a.costs)?,
        output: a.output,
    })
}

/// Resolves `plan` flags.
pub fn plan(a: PlanArgs) -> Result<PlanSettings> {
    if let Some(l) = a.lead_time {
        at_least_one(l, "--lead-time")?;
    }
    let calibration_windows = at_least_one(a.calibration_windows, "--calibration-windows")?;
    for p in std::iter::once(&a.stock)
        .chain(&a.lead_times)
        .chain(&a.future)
        .chain(&a.what_if)
    {
        if !p.is_file() {
            return Err(UsageError::err(
                format!("{}: no such file", p.display()),
                None,
            ));
        }
    }
    let (input, models) = input_and_models(a.input, a.models, &a.output)?;
    if models.specs.len() != 1 {
        return Err(UsageError::err(
            format!("plan uses one model, got {}", models.specs.len()),
            Some("pick the model `demandcast simulate` or `backtest` found best, e.g. --models auto_ets"),
        ));
    }
    Ok(PlanSettings {
        input,
        models,
        policy: policy(a.policy)?,
        stock: a.stock,
        lead_times: a.lead_times,
        lead_time: a.lead_time,
        calibration_windows,
        future: a.future,
        what_if: a.what_if,
        costs: costs(a.costs)?,
        output: a.output,
    })
}
