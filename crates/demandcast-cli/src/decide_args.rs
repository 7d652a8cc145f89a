//! Flags of `plan` and `simulate` (clap derive); resolved in `decide_settings.rs`.

use crate::cli::{InputArgs, ModelArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `--policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    /// Periodic review, order up to S every review (base stock).
    OrderUpTo,
    /// Reorder point s, fixed lot Q (--order-quantity).
    #[value(name = "s-q")]
    SQ,
    /// Min-max: below s, order up to S = s + --order-quantity.
    #[value(name = "s-s")]
    SS,
}

/// The replenishment policy, its target and constraints.
#[derive(Debug, Args)]
pub struct ReplenishmentArgs {
    /// Replenishment policy.
    #[arg(long, value_enum, default_value = "order-up-to", value_name = "POLICY")]
    pub policy: PolicyArg,
    /// Target cycle service level in percent: the chance of no stock-out in a
    /// replenishment cycle [default: 95 unless --fill-rate or --cost-optimal].
    #[arg(long, value_name = "PCT", conflicts_with_all = ["fill_rate", "cost_optimal"])]
    pub service_level: Option<f64>,
    /// Target fill rate in percent: the share of demand served from stock.
    #[arg(long, value_name = "PCT", conflicts_with = "cost_optimal")]
    pub fill_rate: Option<f64>,
    /// Choose the stock level that minimises holding + lost-sale cost (newsvendor ratio).
    #[arg(long)]
    pub cost_optimal: bool,
    /// Periods between reviews (orders), e.g. 7 for weekly review of daily data.
    #[arg(long, default_value_t = 7, value_name = "N")]
    pub review_period: usize,
    /// Lot size Q for --policy s-q, and S - s for --policy s-s.
    #[arg(long, value_name = "UNITS")]
    pub order_quantity: Option<f64>,
    /// Minimum order quantity.
    #[arg(long, default_value_t = 0.0, value_name = "UNITS")]
    pub moq: f64,
    /// Orders are whole multiples of this pack size.
    #[arg(long, default_value_t = 1.0, value_name = "UNITS")]
    pub pack_size: f64,
    /// Largest single order.
    #[arg(long, value_name = "UNITS")]
    pub max_order: Option<f64>,
    /// Largest stock position after ordering (shelf capacity).
    #[arg(long, value_name = "UNITS")]
    pub max_stock: Option<f64>,
}

/// Unit costs: fixed, or from a price column.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Numeric column with each product's unit price (costs are shares of it).
    #[arg(long, default_value = "sell_price", value_name = "NAME")]
    pub price_col: String,
    /// Yearly holding cost as a share of price (0.25 = 25 % a year).
    #[arg(long, default_value_t = 0.25, value_name = "SHARE")]
    pub holding_rate: f64,
    /// Cost of a lost sale as a share of price (the margin lost).
    #[arg(long, default_value_t = 0.3, value_name = "SHARE")]
    pub lost_sale_margin: f64,
    /// Holding cost per unit per period, the same for all products (overrides the price).
    #[arg(long, value_name = "MONEY")]
    pub holding_cost: Option<f64>,
    /// Lost-sale cost per unit, the same for all products (overrides the price).
    #[arg(long, value_name = "MONEY")]
    pub lost_sale_cost: Option<f64>,
    /// Fixed cost per order placed.
    #[arg(long, default_value_t = 0.0, value_name = "MONEY")]
    pub order_cost: f64,
}

/// `demandcast simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Input table.
    #[command(flatten)]
    pub input: InputArgs,
    /// Models and intervals.
    #[command(flatten)]
    pub models: ModelArgs,
    /// Policy and target.
    #[command(flatten)]
    pub policy: ReplenishmentArgs,
    /// Supplier lead time in periods (>= 1).
    #[arg(long, value_name = "N")]
    pub lead_time: usize,
    /// Reviews to replay (weeks with --review-period 7), ending at the last date.
    #[arg(
        long = "weeks",
        visible_alias = "reviews",
        default_value_t = 8,
        value_name = "N"
    )]
    pub reviews: usize,
    /// Past backtest windows the calibration may use at each review.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub calibration_windows: usize,
    /// Unit costs.
    #[command(flatten)]
    pub costs: CostArgs,
    /// Folder for summary.json, products.csv and report.md (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
}

/// `demandcast plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Input table.
    #[command(flatten)]
    pub input: InputArgs,
    /// The model (one) and intervals.
    #[command(flatten)]
    pub models: ModelArgs,
    /// Policy and target.
    #[command(flatten)]
    pub policy: ReplenishmentArgs,
    /// Stock per product: unique_id, on_hand [, on_order, lead_time, moq, pack_size,
    /// max_order, max_stock, order_quantity].
    #[arg(long, value_name = "FILE")]
    pub stock: PathBuf,
    /// Lead-time distributions: unique_id, lead_time, probability (several rows per product).
    #[arg(long, value_name = "FILE")]
    pub lead_times: Option<PathBuf>,
    /// Lead time in periods for products with none in --stock or --lead-times.
    #[arg(long, value_name = "N")]
    pub lead_time: Option<usize>,
    /// Past backtest windows used to calibrate the quantiles.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub calibration_windows: usize,
    /// Known future covariates (prices, promotions) for the plan horizon.
    #[arg(long, value_name = "FILE")]
    pub future: Option<PathBuf>,
    /// What-if: other future covariates (a price change, a promotion); the plan is
    /// made under both and shown side by side.
    #[arg(long, value_name = "FILE")]
    pub what_if: Option<PathBuf>,
    /// Unit costs (for --cost-optimal and the report).
    #[command(flatten)]
    pub costs: CostArgs,
    /// Folder for plan.csv, plan.json, plan.md and forecasts.csv (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
}
