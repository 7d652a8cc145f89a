//! Replenishment policies and service targets.
//!
//! Every policy here is reviewed periodically, every `R` periods, and an
//! order arrives `L` periods after it is placed. The stock must then cover
//! the demand of the *protection interval* `L + R`: its distribution
//! ([`ProtectionDemand`]) is the one input the levels are computed from.
//! With `R = 1` the policies are their continuous-review versions.
//!
//! | policy | when to order | how much |
//! |---|---|---|
//! | [`Policy::OrderUpTo`] (R, S), base stock | every review | `S - IP` |
//! | [`Policy::ReorderQuantity`] (s, Q) | `IP <= s` | the fewest `Q`s that lift `IP` above `s` |
//! | [`Policy::MinMax`] (s, S) | `IP <= s` | `S - IP`, `S = s + gap` |
//!
//! `IP` is the inventory position: on hand plus on order. The level `s` (for
//! order-up-to, `S`) comes from the [`ServiceTarget`]:
//! * cycle service level `a`: `s = F^-1(a)`, the chance of no stock-out in a cycle;
//! * fill rate `b`: the smallest `s` with `E[(D - s)+] <= (1 - b) E[D_R]` (the
//!   standard approximation that ignores the shortage already carried at
//!   the start of the cycle, so it errs on the safe side);
//! * cost: the newsvendor critical ratio `p / (p + h)` with `h` the holding
//!   cost of a unit over a review period and `p` the cost of a lost sale.

use crate::constraints::OrderConstraints;
use crate::dist::DemandDistribution;
use crate::{DecideError, Result};
use serde::Serialize;

/// What the stock level is chosen to achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceTarget {
    /// Probability of no stock-out in a replenishment cycle, in (0, 1).
    CycleServiceLevel {
        /// The probability.
        alpha: f64,
    },
    /// Expected share of demand served from stock, in (0, 1).
    FillRate {
        /// The share.
        beta: f64,
    },
    /// Minimum expected holding plus lost-sale cost (newsvendor ratio).
    Cost {
        /// Holding cost of one unit over one review period.
        holding: f64,
        /// Cost of one unit of unmet demand.
        shortage: f64,
    },
}

impl ServiceTarget {
    /// Checks the numbers.
    ///
    /// # Errors
    /// [`DecideError::Config`] for a probability outside (0, 1) or costs not > 0.
    pub fn validate(&self) -> Result<()> {
        let ok = match *self {
            Self::CycleServiceLevel { alpha: p } | Self::FillRate { beta: p } => p > 0.0 && p < 1.0,
            Self::Cost { holding, shortage } => {
                holding > 0.0 && shortage > 0.0 && holding.is_finite() && shortage.is_finite()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(DecideError::Config(format!(
                "service target {self:?}: probabilities must be in (0, 1), costs > 0"
            )))
        }
    }
}

/// Demand of the protection interval (lead time + review period).
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectionDemand {
    /// Distribution of the total demand over `L + R` periods.
    pub dist: DemandDistribution,
    /// Expected demand of one review period (the fill-rate target needs it).
    pub review_mean: f64,
}

impl ProtectionDemand {
    /// The stock level that meets `target` (the reorder point, or `S` for order-up-to).
    pub fn level(&self, target: &ServiceTarget) -> f64 {
        match *target {
            ServiceTarget::CycleServiceLevel { alpha } => self.dist.quantile(alpha),
            ServiceTarget::Cost { holding, shortage } => newsvendor(&self.dist, holding, shortage),
            ServiceTarget::FillRate { beta } => {
                let allowed = (1.0 - beta) * self.review_mean.max(0.0);
                // E[(D - s)+] falls as s grows: bisect between 0 and a quantile
                // high enough to meet any target.
                if self.dist.expected_shortage(0.0) <= allowed {
                    return 0.0;
                }
                let (mut lo, mut hi) = (0.0, self.dist.quantile(1.0 - 1e-9).max(1.0));
                while self.dist.expected_shortage(hi) > allowed && hi < 1e15 {
                    hi *= 2.0;
                }
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if self.dist.expected_shortage(mid) <= allowed {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                    if hi - lo < 1e-9 * (1.0 + hi) {
                        break;
                    }
                }
                hi
            }
        }
    }
}

/// The single-period newsvendor: the order-up-to level minimising expected
/// `overage * (S - D)+ + underage * (D - S)+`, i.e. the quantile at the
/// critical ratio `underage / (underage + overage)`.
///
/// With holding (overage) cost 2, shortage (underage) cost 18 and demand
/// N(120, 10), the ratio is 0.9 and the level 120 + 1.2816 * 10 = 132.8.
pub fn newsvendor(dist: &DemandDistribution, overage: f64, underage: f64) -> f64 {
    dist.quantile(underage / (underage + overage))
}

/// The economic order quantity `sqrt(2 K D / h)` for demand `D` and holding
/// cost `h` per unit over the same period, and a fixed cost `K` per order.
/// Zero when demand is zero; infinite when holding is free.
pub fn eoq(demand: f64, order_cost: f64, holding: f64) -> f64 {
    if demand <= 0.0 || order_cost <= 0.0 {
        return 0.0;
    }
    (2.0 * order_cost * demand / holding).sqrt()
}

/// A replenishment policy (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Policy {
    /// Periodic review, order up to `S` at every review.
    OrderUpTo,
    /// Order `quantity` (or multiples) when the position falls to the reorder point.
    ReorderQuantity {
        /// The lot size Q (> 0).
        quantity: f64,
    },
    /// Order up to `s + gap` when the position falls to `s`.
    MinMax {
        /// `S - s` (>= 0).
        gap: f64,
    },
}

/// The levels of a policy for one product at one review.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    /// Order when the inventory position is at or below this.
    pub reorder_point: f64,
    /// The position an order brings stock back to (for (s, Q): `s + Q`).
    pub order_up_to: f64,
}

impl Policy {
    /// The levels for this demand and target.
    pub fn levels(&self, demand: &ProtectionDemand, target: &ServiceTarget) -> Levels {
        let s = demand.level(target);
        match *self {
            Policy::OrderUpTo => Levels {
                reorder_point: s,
                order_up_to: s,
            },
            Policy::ReorderQuantity { quantity } => Levels {
                reorder_point: s,
                order_up_to: s + quantity,
            },
            Policy::MinMax { gap } => Levels {
                reorder_point: s,
                order_up_to: s + gap.max(0.0),
            },
        }
    }

    /// The order to place at a review with inventory position `position`,
    /// after the constraints. Never negative.
    pub fn order(&self, levels: &Levels, position: f64, c: &OrderConstraints) -> f64 {
        let raw = match *self {
            // strict: at IP == S nothing is missing
            Policy::OrderUpTo => levels.order_up_to - position,
            Policy::MinMax { .. } if position <= levels.reorder_point => {
                levels.order_up_to - position
            }
            Policy::ReorderQuantity { quantity } if position <= levels.reorder_point => {
                let n = ((levels.reorder_point - position) / quantity).floor() + 1.0;
                n * quantity
            }
            _ => 0.0,
        };
        c.apply(raw, position)
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`DecideError::Config`] for a lot size not > 0 or a negative gap.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Policy::ReorderQuantity { quantity } if !(quantity > 0.0 && quantity.is_finite()) => {
                Err(DecideError::Config(format!(
                    "(s, Q) needs an order quantity > 0, got {quantity}"
                )))
            }
            Policy::MinMax { gap } if !(gap >= 0.0 && gap.is_finite()) => Err(DecideError::Config(
                format!("(s, S) needs S - s >= 0, got {gap}"),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_newsvendor() -> std::result::Result<(), Box<dyn std::error::Error>> {
        // Nahmias/Cachon-Terwiesch: h = 2, p = 18, N(120, 10) -> 132.8
        let d = DemandDistribution::normal(120.0, 10.0)?;
        let s = newsvendor(&d, 2.0, 18.0);
        assert!((s - 132.8155).abs() < 1e-4, "{s}");
        let pd = ProtectionDemand {
            dist: d,
            review_mean: 60.0,
        };
        let t = ServiceTarget::Cost {
            holding: 2.0,
            shortage: 18.0,
        };
        assert!((pd.level(&t) - s).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn fill_rate_level_meets_loss_target() -> std::result::Result<(), Box<dyn std::error::Error>> {
        // Silver-Pyke-Peterson: order-up-to with fill rate 0.98, sigma 10,
        // E[D_R] = 50: G(k) = 0.02 * 50 / 10 = 0.1. scipy:
        // brentq(lambda k: norm.pdf(k) - k * norm.sf(k) - 0.1, 0, 3) = 0.902346347510
        let d = DemandDistribution::normal(100.0, 10.0)?;
        let pd = ProtectionDemand {
            dist: d,
            review_mean: 50.0,
        };
        let s = pd.level(&ServiceTarget::FillRate { beta: 0.98 });
        assert!((s - 109.023_463_475).abs() < 1e-3, "{s}");
        Ok(())
    }

    #[test]
    fn sq_orders_whole_lots() {
        let p = Policy::ReorderQuantity { quantity: 10.0 };
        let l = Levels {
            reorder_point: 20.0,
            order_up_to: 30.0,
        };
        let c = OrderConstraints::default();
        assert_eq!(p.order(&l, 21.0, &c), 0.0);
        assert_eq!(p.order(&l, 20.0, &c), 10.0);
        assert_eq!(p.order(&l, 5.0, &c), 20.0);
        let mm = Policy::MinMax { gap: 10.0 };
        assert_eq!(mm.order(&l, 12.0, &c), 18.0);
        assert_eq!(Policy::OrderUpTo.order(&l, 35.0, &c), 0.0);
    }
}
