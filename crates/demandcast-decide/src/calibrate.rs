//! Conformal calibration from backtest residuals.
//!
//! Two calibrators, both fitted on past backtest windows only (the caller
//! passes windows whose actuals were known at the decision date):
//!
//! * [`StepCalibrator`]: per-step prediction intervals, conformalised
//!   quantile regression (Romano et al., 2019). For each demand segment
//!   (smooth / erratic / intermittent / lumpy), horizon step and level, the
//!   score of a past interval is `max(lo - y, y - hi)` and the correction
//!   `q` is its `ceil((n + 1) L) / n` empirical quantile; the calibrated
//!   interval is `[lo - q, hi + q]`, clipped at zero and sorted across levels
//!   so quantiles never cross.
//! * [`ResidualPools`]: totals over a protection interval. The score of a
//!   past window is the normalised error `(Y - D) / (sd + beta)` of the
//!   actual total `Y` against the forecast total `D` (sd: the model's own
//!   standard deviation of the total, beta a floor in units that keeps
//!   zero-variance forecasts, common for intermittent series, from giving
//!   infinite scores). A segment's sorted scores form the residual pool of
//!   [`DemandDistribution::Residual`](crate::DemandDistribution::Residual).
//!
//! Segments with too few scores fall back to the pool of all segments, and
//! the caller is told (`None` when even that is too small).

use demandcast_core::{Forecast, Level};
use demandcast_eval::DemandClass;
use std::collections::HashMap;
use std::sync::Arc;

/// The conformal quantile of `scores` at coverage `level` in (0, 1):
/// the `ceil((n + 1) level)`-th smallest, `+inf` when that exceeds `n`.
pub fn conformal_quantile(scores: &mut [f64], level: f64) -> f64 {
    let n = scores.len();
    if n == 0 {
        return f64::INFINITY;
    }
    let k = ((n as f64 + 1.0) * level).ceil() as usize;
    if k > n {
        return f64::INFINITY;
    }
    let k = k.max(1) - 1;
    let (_, v, _) = scores.select_nth_unstable_by(k, f64::total_cmp);
    *v
}

/// One past interval and its actual, for [`StepCalibrator`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRecord {
    /// The series' demand class at the window's cutoff.
    pub class: DemandClass,
    /// Horizon step, 0-based.
    pub step: usize,
    /// The interval's level.
    pub level: Level,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// The actual.
    pub y: f64,
}

type StepKey = (DemandClass, usize, u64);

/// Per-segment, per-step, per-level interval corrections (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepCalibrator {
    by_segment: HashMap<StepKey, f64>,
    pooled: HashMap<(usize, u64), f64>,
    min_scores: usize,
}

impl StepCalibrator {
    /// Fits the corrections; a segment with fewer than `min_scores` scores
    /// for a step and level uses the pooled correction of all segments.
    pub fn fit(records: &[StepRecord], min_scores: usize) -> Self {
        let mut seg: HashMap<StepKey, Vec<f64>> = HashMap::new();
        let mut all: HashMap<(usize, u64), Vec<f64>> = HashMap::new();
        for r in records.iter().filter(|r| r.y.is_finite()) {
            let s = (r.lo - r.y).max(r.y - r.hi);
            let lk = r.level.percent().to_bits();
            seg.entry((r.class, r.step, lk)).or_default().push(s);
            all.entry((r.step, lk)).or_default().push(s);
        }
        let q = |k: u64, v: &mut Vec<f64>| conformal_quantile(v, f64::from_bits(k) / 100.0);
        let by_segment = seg
            .into_iter()
            .filter(|(_, v)| v.len() >= min_scores)
            .map(|(k, mut v)| (k, q(k.2, &mut v)))
            .collect();
        let pooled = all
            .into_iter()
            .map(|(k, mut v)| (k, q(k.1, &mut v)))
            .collect();
        Self {
            by_segment,
            pooled,
            min_scores,
        }
    }

    /// The correction for a segment, step and level (0 when nothing was fitted).
    pub fn correction(&self, class: DemandClass, step: usize, level: Level) -> f64 {
        let lk = level.percent().to_bits();
        self.by_segment
            .get(&(class, step, lk))
            .or_else(|| self.pooled.get(&(step, lk)))
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    }

    /// The calibrated forecast: corrected, clipped at zero, non-crossing.
    pub fn apply(&self, fc: &Forecast, class: DemandClass) -> Forecast {
        let mut out = fc.clone();
        for iv in &mut out.intervals {
            for t in 0..iv.lower.len() {
                let q = self.correction(class, t, iv.level);
                iv.lower[t] -= q;
                iv.upper[t] += q;
            }
        }
        out.clip_nonnegative();
        out.sort_quantiles();
        out
    }
}

/// Share of records whose actual lies inside its interval, per level.
pub fn coverage(records: &[StepRecord]) -> Vec<(Level, f64, usize)> {
    let mut acc: HashMap<u64, (usize, usize)> = HashMap::new();
    for r in records.iter().filter(|r| r.y.is_finite()) {
        let e = acc.entry(r.level.percent().to_bits()).or_default();
        e.1 += 1;
        if r.y >= r.lo && r.y <= r.hi {
            e.0 += 1;
        }
    }
    let mut out: Vec<(Level, f64, usize)> = acc
        .into_iter()
        .filter_map(|(k, (hit, n))| {
            Level::new(f64::from_bits(k))
                .ok()
                .map(|l| (l, hit as f64 / n as f64, n))
        })
        .collect();
    out.sort_by(|a, b| a.0.percent().total_cmp(&b.0.percent()));
    out
}

/// One past protection-interval total, for [`ResidualPools`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TotalScore {
    /// The series' demand class at the window's cutoff.
    pub class: DemandClass,
    /// Periods summed.
    pub horizon: usize,
    /// `(actual - forecast) / (sd + beta)`.
    pub score: f64,
}

/// The normalised score of a past total (see the module docs).
pub fn total_score(actual: f64, forecast: f64, sd: f64, beta: f64) -> f64 {
    (actual - forecast) / (sd + beta)
}

/// Sorted residual pools per (segment, horizon), with a pooled fallback.
#[derive(Debug, Clone, Default)]
pub struct ResidualPools {
    by_segment: HashMap<(DemandClass, usize), Arc<[f64]>>,
    pooled: HashMap<usize, Arc<[f64]>>,
}

impl ResidualPools {
    /// Builds the pools; a (segment, horizon) with fewer than `min_scores`
    /// scores is left out and served by the pooled fallback.
    pub fn fit(scores: &[TotalScore], min_scores: usize) -> Self {
        let mut seg: HashMap<(DemandClass, usize), Vec<f64>> = HashMap::new();
        let mut all: HashMap<usize, Vec<f64>> = HashMap::new();
        for s in scores.iter().filter(|s| s.score.is_finite()) {
            seg.entry((s.class, s.horizon)).or_default().push(s.score);
            all.entry(s.horizon).or_default().push(s.score);
        }
        let sorted = |mut v: Vec<f64>| -> Arc<[f64]> {
            v.sort_by(f64::total_cmp);
            v.into()
        };
        Self {
            by_segment: seg
                .into_iter()
                .filter(|(_, v)| v.len() >= min_scores)
                .map(|(k, v)| (k, sorted(v)))
                .collect(),
            pooled: all
                .into_iter()
                .filter(|(_, v)| v.len() >= min_scores)
                .map(|(k, v)| (k, sorted(v)))
                .collect(),
        }
    }

    /// The pool for a segment and horizon, and whether it is the segment's
    /// own (`false`: the pooled fallback). `None` when neither has enough scores.
    pub fn pool(&self, class: DemandClass, horizon: usize) -> Option<(Arc<[f64]>, bool)> {
        if let Some(p) = self.by_segment.get(&(class, horizon)) {
            return Some((p.clone(), true));
        }
        self.pooled.get(&horizon).map(|p| (p.clone(), false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformal_quantile_rank() {
        // n = 9, level 0.8: ceil(10 * 0.8) = 8th smallest
        let mut s: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(conformal_quantile(&mut s, 0.8), 8.0);
        let mut s: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(conformal_quantile(&mut s, 0.95), f64::INFINITY);
    }

    #[test]
    fn widens_too_narrow_intervals() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let l = Level::new(80.0)?;
        // every actual is 3 above an interval [0, 1]: correction 2 (score y - hi = 2)
        let recs: Vec<StepRecord> = (0..20)
            .map(|_| StepRecord {
                class: DemandClass::Smooth,
                step: 0,
                level: l,
                lo: 0.0,
                hi: 1.0,
                y: 3.0,
            })
            .collect();
        let c = StepCalibrator::fit(&recs, 10);
        assert_eq!(c.correction(DemandClass::Smooth, 0, l), 2.0);
        // unseen segment: pooled
        assert_eq!(c.correction(DemandClass::Lumpy, 0, l), 2.0);
        let fc = Forecast::point(vec![0.5]).with_normal_intervals(&[0.3], &[l]);
        let out = c.apply(&fc, DemandClass::Smooth);
        assert_eq!(out.intervals[0].lower[0], 0.0); // clipped
        assert!((out.intervals[0].upper[0] - (0.5 + l.z() * 0.3 + 2.0)).abs() < 1e-12);
        Ok(())
    }
}
