//! Inventory simulation of one product under a periodic-review policy.
//!
//! Time runs in periods (days on M5). Reviews happen at periods
//! `0, R, 2R, ...` (`K` of them); an order placed at a review arrives `L`
//! periods later, at the start of that period, before its demand. Each
//! period, demand is served from stock on hand and whatever cannot be served
//! is **lost** (retail: the shopper buys elsewhere). The stock left at the
//! end of the period pays holding cost.
//!
//! * The product starts with the first review's order-up-to level on hand
//!   and nothing on order, so the first order is the one that lifts the
//!   position back after early demand, and no cycle starts artificially empty.
//! * Cycle `k` is the `R` periods starting when review `k`'s order would
//!   arrive, `[kR + L, kR + L + R)`: exactly the periods review `k`'s level
//!   had to protect. A cycle with any lost sale is a stock-out cycle; the
//!   cycle service level is the share of cycles without one.
//! * Costs, inventory and fill rate are counted over the cycles only, the
//!   `K R` periods from `L` on; the first `L` periods are run-in, covered by
//!   the starting stock and not scored.

use crate::constraints::OrderConstraints;
use crate::policy::{Levels, Policy};
use crate::{DecideError, Result};
use serde::Serialize;

/// Unit costs of one product.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitCosts {
    /// Cost of holding one unit for one period.
    pub holding: f64,
    /// Cost of one unit of lost demand.
    pub lost_sale: f64,
    /// Fixed cost per order placed.
    pub order: f64,
}

/// What happened to one product in a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SimOutcome {
    /// Demand over the scored periods.
    pub demand: f64,
    /// Demand served from stock.
    pub served: f64,
    /// Demand lost.
    pub lost: f64,
    /// Replenishment cycles scored.
    pub cycles: usize,
    /// Cycles with a lost sale.
    pub stockout_cycles: usize,
    /// Orders placed (non-zero), all reviews.
    pub orders: usize,
    /// Units ordered, all reviews.
    pub ordered_units: f64,
    /// Sum of end-of-period stock over the scored periods.
    pub inventory_periods: f64,
    /// Scored periods.
    pub periods: usize,
    /// Holding cost.
    pub holding_cost: f64,
    /// Lost-sale cost.
    pub lost_sales_cost: f64,
    /// Ordering cost.
    pub ordering_cost: f64,
}

impl SimOutcome {
    /// Holding + lost sales + ordering.
    pub fn total_cost(&self) -> f64 {
        self.holding_cost + self.lost_sales_cost + self.ordering_cost
    }

    /// Adds another outcome (aggregation over products).
    pub fn add(&mut self, o: &SimOutcome) {
        self.demand += o.demand;
        self.served += o.served;
        self.lost += o.lost;
        self.cycles += o.cycles;
        self.stockout_cycles += o.stockout_cycles;
        self.orders += o.orders;
        self.ordered_units += o.ordered_units;
        self.inventory_periods += o.inventory_periods;
        self.periods += o.periods;
        self.holding_cost += o.holding_cost;
        self.lost_sales_cost += o.lost_sales_cost;
        self.ordering_cost += o.ordering_cost;
    }
}

/// Runs one product through the reviews (see the module docs).
///
/// `demand` holds the `K R + L` periods from the first review on; `levels`
/// one entry per review (`K`). Orders are never negative.
///
/// # Errors
/// [`DecideError::Input`] for a demand series of the wrong length or with a
/// negative or non-finite value, or a zero lead time or review period.
pub fn simulate(
    demand: &[f64],
    levels: &[Levels],
    policy: &Policy,
    lead_time: usize,
    review: usize,
    constraints: &OrderConstraints,
    costs: &UnitCosts,
) -> Result<SimOutcome> {
    let k = levels.len();
    if lead_time == 0 || review == 0 {
        return Err(DecideError::Input(
            "lead time and review period must be at least 1".into(),
        ));
    }
    if demand.len() != k * review + lead_time {
        return Err(DecideError::Input(format!(
            "{} periods of demand for {k} reviews of {review} periods and lead time {lead_time} \
             (expected {})",
            demand.len(),
            k * review + lead_time
        )));
    }
    if let Some(d) = demand.iter().find(|d| !(d.is_finite() && **d >= 0.0)) {
        return Err(DecideError::Input(format!("demand value {d}")));
    }
    let mut on_hand = levels.first().map_or(0.0, |l| l.order_up_to.max(0.0));
    // arrivals[t]: units arriving at the start of period t
    let mut arrivals = vec![0.0; demand.len() + lead_time + 1];
    let mut on_order = 0.0;
    let mut out = SimOutcome::default();
    let mut cycle_short = vec![false; k];
    for (t, &d) in demand.iter().enumerate() {
        on_hand += arrivals[t];
        on_order -= arrivals[t];
        if t % review == 0 && t / review < k {
            let position = on_hand + on_order;
            let q = policy.order(&levels[t / review], position, constraints);
            if q > 0.0 {
                arrivals[t + lead_time] += q;
                on_order += q;
                out.orders += 1;
                out.ordered_units += q;
                out.ordering_cost += costs.order;
            }
        }
        let served = d.min(on_hand);
        on_hand -= served;
        if t >= lead_time {
            let lost = d - served;
            out.demand += d;
            out.served += served;
            out.lost += lost;
            out.inventory_periods += on_hand;
            out.periods += 1;
            out.holding_cost += on_hand * costs.holding;
            out.lost_sales_cost += lost * costs.lost_sale;
            if lost > 0.0 {
                cycle_short[(t - lead_time) / review] = true;
            }
        }
    }
    out.cycles = k;
    out.stockout_cycles = cycle_short.iter().filter(|s| **s).count();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(s: f64) -> Levels {
        Levels {
            reorder_point: s,
            order_up_to: s,
        }
    }

    #[test]
    fn hand_traced_order_up_to() -> std::result::Result<(), Box<dyn std::error::Error>> {
        // L = 1, R = 2, K = 2: 5 periods; S = 10 then 6.
        let costs = UnitCosts {
            holding: 1.0,
            lost_sale: 10.0,
            order: 0.5,
        };
        let d = [3.0, 4.0, 5.0, 2.0, 7.0];
        let o = simulate(
            &d,
            &[lv(10.0), lv(6.0)],
            &Policy::OrderUpTo,
            1,
            2,
            &OrderConstraints::default(),
            &costs,
        )?;
        // t0: on hand 10, IP 10 -> no order; serve 3 -> 7 (run-in, not scored)
        // t1: serve 4 -> 3 (end 3)
        // t2: review, IP 3 -> order 3 (arrives t3); serve 3 of 5, lose 2 (end 0)
        // t3: +3; serve 2 -> 1 (end 1)
        // t4: serve 1 of 7, lose 6 (end 0)
        assert_eq!(o.orders, 1);
        assert_eq!(o.demand, 18.0);
        assert_eq!(o.lost, 8.0);
        assert_eq!(o.inventory_periods, 4.0);
        assert_eq!(o.cycles, 2);
        // cycle 0 = t1, t2 (loss at t2); cycle 1 = t3, t4 (loss at t4)
        assert_eq!(o.stockout_cycles, 2);
        assert!((o.total_cost() - (4.0 + 80.0 + 0.5)).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn rejects_bad_demand() {
        let c = UnitCosts {
            holding: 1.0,
            lost_sale: 1.0,
            order: 0.0,
        };
        let oc = OrderConstraints::default();
        assert!(simulate(&[1.0; 4], &[lv(1.0)], &Policy::OrderUpTo, 1, 2, &oc, &c).is_err());
        assert!(simulate(
            &[1.0, -1.0, 1.0],
            &[lv(1.0)],
            &Policy::OrderUpTo,
            1,
            2,
            &oc,
            &c
        )
        .is_err());
    }
}
