//! The headline figures of a simulation, as written to `summary.json`.

use crate::simulate::SimOutcome;
use serde::Serialize;

/// Service, stock and money of one policy over many products.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimSummary {
    /// Products simulated.
    pub n_products: usize,
    /// Share of replenishment cycles without a lost sale (all products' cycles pooled).
    pub cycle_service_level: f64,
    /// Share of demand served from stock.
    pub fill_rate: f64,
    /// Average units on hand per product at the end of a period.
    pub avg_inventory: f64,
    /// Holding cost, all products.
    pub holding_cost: f64,
    /// Lost-sale cost, all products.
    pub lost_sales_cost: f64,
    /// Fixed ordering cost, all products.
    pub ordering_cost: f64,
    /// Holding + lost sales + ordering.
    pub total_cost: f64,
    /// Units of demand lost.
    pub lost_units: f64,
    /// Units of demand in the scored periods.
    pub demand_units: f64,
    /// Orders placed.
    pub orders: usize,
    /// Cycles scored.
    pub cycles: usize,
}

impl SimSummary {
    /// Summarises a (summed) outcome over `n_products` products.
    pub fn new(o: &SimOutcome, n_products: usize) -> Self {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        Self {
            n_products,
            cycle_service_level: ratio((o.cycles - o.stockout_cycles) as f64, o.cycles as f64),
            fill_rate: if o.demand > 0.0 {
                o.served / o.demand
            } else {
                1.0
            },
            avg_inventory: ratio(o.inventory_periods, o.periods as f64),
            holding_cost: o.holding_cost,
            lost_sales_cost: o.lost_sales_cost,
            ordering_cost: o.ordering_cost,
            total_cost: o.total_cost(),
            lost_units: o.lost,
            demand_units: o.demand,
            orders: o.orders,
            cycles: o.cycles,
        }
    }
}
