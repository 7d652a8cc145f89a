//! Today's plan: per product, the levels of the policy and the order to
//! place now, from a forecast made at the end of the history and a
//! calibration fitted on the backtest windows before it.

use crate::calibrate::{total_score, ResidualPools, StepCalibrator, StepRecord, TotalScore};
use crate::constraints::OrderConstraints;
use crate::dist::DemandDistribution;
use crate::leadtime::{total_and_sd, LeadTime};
use crate::policy::{Policy, ProtectionDemand, ServiceTarget};
use crate::simulate::UnitCosts;
use crate::{DecideError, Result};
use demandcast_core::{Forecast, Panel};
use demandcast_eval::{classify, ClassThresholds, CvResult, DemandClass};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Calibration fitted on a backtest.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Residual pools of totals, per segment and protection interval.
    pub pools: ResidualPools,
    /// Per-step interval corrections.
    pub steps: StepCalibrator,
    /// Floor added to the standard deviation in the scores.
    pub beta: f64,
}

/// Fits the calibration of model `model` (its index in `cv`) on every window
/// of `cv`, for protection intervals of each length in `horizons`.
/// Classes are those of each series at each window's cutoff.
pub fn calibrate_on_backtest(
    panel: &Panel,
    cv: &CvResult,
    model: usize,
    horizons: &BTreeSet<usize>,
    beta: f64,
    min_pool: usize,
    th: ClassThresholds,
) -> Calibration {
    let mut scores = Vec::new();
    let mut steps = Vec::new();
    for w in &cv.windows {
        let Some(pf) = w.models.get(model).and_then(|m| m.forecast.as_ref()) else {
            continue;
        };
        let pos: HashMap<&str, usize> = pf
            .ids
            .iter()
            .enumerate()
            .map(|(k, id)| (id.as_str(), k))
            .collect();
        for ((&i, id), act) in w.series.iter().zip(&w.ids).zip(&w.actuals) {
            let Some(fc) = pos.get(id.as_str()).map(|&k| &pf.series[k]) else {
                continue;
            };
            let n = (0..panel.len_of(i))
                .take_while(|&j| panel.date(i, j) <= w.cutoff)
                .count();
            let class = classify(&panel.series(i)[..n], th).class;
            for &h in horizons {
                if act.len() < h || act[..h].iter().any(|v| !v.is_finite()) {
                    continue;
                }
                if let Ok((d, sd)) = total_and_sd(fc, h) {
                    scores.push(TotalScore {
                        class,
                        horizon: h,
                        score: total_score(act[..h].iter().sum(), d, sd, beta),
                    });
                }
            }
            for iv in &fc.intervals {
                // three parallel arrays indexed by step
                #[allow(clippy::needless_range_loop)]
                for t in 0..iv.lower.len().min(act.len()) {
                    steps.push(StepRecord {
                        class,
                        step: t,
                        level: iv.level,
                        lo: iv.lower[t],
                        hi: iv.upper[t],
                        y: act[t],
                    });
                }
            }
        }
    }
    Calibration {
        pools: ResidualPools::fit(&scores, min_pool),
        steps: StepCalibrator::fit(&steps, min_pool),
        beta,
    }
}

/// One product to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    /// Product (series) id.
    pub id: String,
    /// Units on hand (>= 0).
    pub on_hand: f64,
    /// Units ordered, not yet received (>= 0).
    pub on_order: f64,
    /// Lead time.
    pub lead: LeadTime,
    /// Order constraints.
    pub constraints: OrderConstraints,
    /// Policy.
    pub policy: Policy,
    /// Unit costs, when known (needed for a cost target).
    pub costs: Option<UnitCosts>,
}

/// The plan of one product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    /// Product id.
    pub id: String,
    /// Demand class on the history.
    pub class: DemandClass,
    /// Expected lead time (periods).
    pub lead_time: f64,
    /// Expected demand over lead time + review period.
    pub expected_demand: f64,
    /// Reorder point.
    pub reorder_point: f64,
    /// Order-up-to level.
    pub order_up_to: f64,
    /// Reorder point minus expected demand over the protection interval.
    pub safety_stock: f64,
    /// On hand + on order, before ordering.
    pub position: f64,
    /// The order to place now.
    pub order: f64,
    /// Chance that demand over lead time + review exceeds the position after this order.
    pub stockout_risk: f64,
    /// On hand divided by the mean forecast per period (periods; infinite without demand).
    pub days_of_cover: f64,
    /// `segment`, `pooled` (all segments' residuals) or `uncalibrated` (too few residuals).
    pub calibration: &'static str,
}

/// Plans one product from its forecast (at least `max lead time + review` steps).
///
/// # Errors
/// [`DecideError::Input`] for negative stock, a forecast too short, or a
/// cost target without unit costs.
pub fn plan_item(
    item: &PlanItem,
    fc: &Forecast,
    class: DemandClass,
    cal: &Calibration,
    review: usize,
    target: &ServiceTarget,
) -> Result<PlanRow> {
    if !(item.on_hand >= 0.0 && item.on_order >= 0.0) {
        return Err(DecideError::Input(format!(
            "product '{}': on hand {} and on order {} must be >= 0",
            item.id, item.on_hand, item.on_order
        )));
    }
    let target = match (target, item.costs) {
        (ServiceTarget::Cost { .. }, Some(c)) => ServiceTarget::Cost {
            holding: c.holding * review as f64,
            shortage: c.lost_sale,
        },
        (ServiceTarget::Cost { .. }, None) => {
            return Err(DecideError::Input(format!(
                "product '{}': a cost target needs unit costs (a price)",
                item.id
            )))
        }
        (t, _) => *t,
    };
    let mut calibration = "segment";
    let mut parts = Vec::new();
    let mut review_mean = 0.0;
    for (l, p) in item.lead.pmf() {
        let h = l + review;
        let (d, sd) = total_and_sd(fc, h)?;
        review_mean += p * fc.mean[l..h].iter().map(|v| v.max(0.0)).sum::<f64>();
        let dist = match cal.pools.pool(class, h) {
            Some((pool, own)) => {
                if !own && calibration == "segment" {
                    calibration = "pooled";
                }
                DemandDistribution::residual(d, sd + cal.beta, pool)?
            }
            None => {
                calibration = "uncalibrated";
                DemandDistribution::normal(d, sd)?
            }
        };
        parts.push((p, dist));
    }
    let pd = ProtectionDemand {
        dist: DemandDistribution::mixture(parts)?,
        review_mean,
    };
    let levels = item.policy.levels(&pd, &target);
    let position = item.on_hand + item.on_order;
    let order = item.policy.order(&levels, position, &item.constraints);
    let expected = pd.dist.mean();
    let per_period = fc.mean.iter().map(|v| v.max(0.0)).sum::<f64>() / fc.mean.len().max(1) as f64;
    Ok(PlanRow {
        id: item.id.clone(),
        class,
        lead_time: item.lead.mean(),
        expected_demand: expected,
        reorder_point: levels.reorder_point,
        order_up_to: levels.order_up_to,
        safety_stock: levels.reorder_point - expected,
        position,
        order,
        stockout_risk: 1.0 - pd.dist.cdf(position + order),
        days_of_cover: if per_period > 0.0 {
            item.on_hand / per_period
        } else {
            f64::INFINITY
        },
        calibration,
    })
}
