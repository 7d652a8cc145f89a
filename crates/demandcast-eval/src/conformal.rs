//! Conformal calibration of quantile intervals (normalized CQR, Romano,
//! Patterson and Candès 2019), aware of a lower bound at zero; used by the
//! LightGBM quantile models and the transformer's quantile head.
//!
//! CQR scores each actual by `max(lo - y, y - hi)` and moves both bounds by
//! the conformal quantile of the scores. On intermittent demand, where the
//! lower bound of most series is zero, that score has an atom at zero (every
//! zero actual under a lower bound of zero scores exactly 0), so the quantile
//! sticks at 0 and the intervals cannot narrow: narrowing would lift those
//! lower bounds above zero and drop every zero actual at once. On M5 the 80 %
//! intervals covered 87.6 %. Here a lower bound at the floor (zero, for
//! non-negative models) stays there: its actuals are scored by the upper bound
//! alone (`y - hi`) and only the upper bound moves, which is exactly what the
//! final intervals then do (see [`lower_moves`]). Where no bound is at the
//! floor this is plain CQR.

/// One calibration actual: the uncalibrated bounds, the actual and the
/// series' scale (e.g. [`recent_mean`]) that the adjustments are in units of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalPoint {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
    /// The actual.
    pub y: f64,
    /// The series' scale (> 0).
    pub scale: f64,
}

/// Mean absolute value of the finite values among the last `n` of `y` (0
/// when none): the scale that normalized CQR divides each series' scores by,
/// so that one pooled adjustment moves a fast seller's bounds more than a
/// slow one's.
///
/// ```
/// use demandcast_eval::conformal::recent_mean;
/// assert_eq!(recent_mean(&[100.0, 1.0, f64::NAN, 3.0], 3), 2.0);
/// assert_eq!(recent_mean(&[], 3), 0.0);
/// ```
pub fn recent_mean(y: &[f64], n: usize) -> f64 {
    let tail = &y[y.len().saturating_sub(n)..];
    let (s, c) = tail
        .iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, c), v| (s + v.abs(), c + 1));
    if c == 0 {
        0.0
    } else {
        s / c as f64
    }
}

/// The `ceil((n + 1) level) / n` empirical quantile of `scores` (0 when
/// empty; infinite scores count as misses at any adjustment).
pub fn conformal_quantile(scores: &mut [f64], level: f64) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.sort_by(f64::total_cmp);
    let n = scores.len();
    let k = (((n + 1) as f64) * level).ceil() as usize;
    let q = scores[k.clamp(1, n) - 1];
    if q.is_finite() {
        q
    } else {
        // more misses than the level allows at any finite adjustment: take
        // the largest finite one
        scores
            .iter()
            .rev()
            .copied()
            .find(|s| s.is_finite())
            .unwrap_or(0.0)
    }
}

/// Whether a lower bound moves with the adjustment: not when the model is
/// non-negative and the bound is already at zero (or below, before clipping).
pub fn lower_moves(lo: f64, nonnegative: bool) -> bool {
    !(nonnegative && lo <= 0.0)
}

/// The conformity score of one point: how far its actual fell outside its
/// interval (negative inside), in units of its scale; bounds that do not
/// move (see [`lower_moves`]) do not count.
pub fn score(p: &CalPoint, nonnegative: bool) -> f64 {
    let above = p.y - p.hi;
    let s = if lower_moves(p.lo, nonnegative) {
        (p.lo - p.y).max(above)
    } else {
        above
    };
    s / p.scale
}

/// The adjustment at `level` (a fraction), in units of each point's scale:
/// the final bounds are `hi + w * scale` and, where the lower bound moves,
/// `lo - w * scale` (floored at 0 when `nonnegative`); positive widens.
///
/// ```
/// use demandcast_eval::conformal::{adjustment, CalPoint};
/// // three zeros and 1..=7 under [0, 3]: the scores are y - 3 (the lower
/// // bound is at zero) and the 80 % one is the ceil(11 * 0.8) = 9th: hi = 6
/// let pts: Vec<CalPoint> = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
///     .iter()
///     .map(|&y| CalPoint { lo: 0.0, hi: 3.0, y, scale: 1.0 })
///     .collect();
/// assert_eq!(adjustment(&pts, 0.8, true), 3.0);
/// ```
pub fn adjustment(points: &[CalPoint], level: f64, nonnegative: bool) -> f64 {
    let mut scores: Vec<f64> = points.iter().map(|p| score(p, nonnegative)).collect();
    conformal_quantile(&mut scores, level)
}

#[cfg(test)]
mod tests {
    use super::{adjustment, conformal_quantile, lower_moves, CalPoint};

    #[test]
    fn conformal_quantile_is_the_finite_sample_rank() {
        // n = 9, level 0.8: rank ceil(10 * 0.8) = 8 -> the 8th smallest
        let mut s: Vec<f64> = (1..=9).rev().map(f64::from).collect();
        assert_eq!(conformal_quantile(&mut s, 0.8), 8.0);
        // rank past n is clamped to the largest score
        let mut s = vec![-1.0, 2.0];
        assert_eq!(conformal_quantile(&mut s, 0.95), 2.0);
        assert_eq!(conformal_quantile(&mut [], 0.8), 0.0);
    }

    /// Share of points inside their adjusted interval, applied as the
    /// fitted model applies it.
    fn covered(points: &[CalPoint], w: f64) -> f64 {
        let n = points
            .iter()
            .filter(|p| {
                let lo = if lower_moves(p.lo, true) {
                    (p.lo - w * p.scale).max(0.0)
                } else {
                    p.lo.max(0.0)
                };
                p.y >= lo && p.y <= p.hi + w * p.scale
            })
            .count();
        n as f64 / points.len() as f64
    }

    fn at(lo: f64, hi: f64, y: f64) -> CalPoint {
        CalPoint {
            lo,
            hi,
            y,
            scale: 1.0,
        }
    }

    #[test]
    fn intermittent_counts_reach_the_level_where_plain_cqr_overcovers() {
        // 70 % zeros, then 1..=30 each once, under uncalibrated bounds [0, 25]
        let mut points: Vec<CalPoint> = (0..70)
            .map(|_| 0.0)
            .chain((1..=30).map(f64::from))
            .map(|y| at(0.0, 25.0, y))
            .collect();
        // plain CQR: the scores' quantile sticks at the atom, 95 % covered
        let mut plain: Vec<f64> = points
            .iter()
            .map(|p| (p.lo - p.y).max(p.y - p.hi))
            .collect();
        assert_eq!(conformal_quantile(&mut plain, 0.8), 0.0);
        assert_eq!(covered(&points, 0.0), 0.95);
        // here: the upper bound comes down to 11 (rank 81 of 101), 81 % covered
        let w = adjustment(&points, 0.8, true);
        assert_eq!(w, -14.0);
        assert_eq!(covered(&points, w), 0.81);
        // without the floor (a model that may go negative) it is plain CQR
        assert_eq!(adjustment(&points, 0.8, false), 0.0);
        points.reverse();
        assert_eq!(adjustment(&points, 0.8, true), w);
    }

    #[test]
    fn bounds_above_the_floor_are_plain_cqr() {
        // actuals 1..=200 around bounds that are far too narrow: [90, 110];
        // no bound at the floor: the score is max(90 - y, y - 110) throughout
        let points: Vec<CalPoint> = (1..=200).map(|y| at(90.0, 110.0, f64::from(y))).collect();
        let w = adjustment(&points, 0.8, true);
        let mut plain: Vec<f64> = points
            .iter()
            .map(|p| (p.lo - p.y).max(p.y - p.hi))
            .collect();
        assert_eq!(w, conformal_quantile(&mut plain, 0.8));
        let c = covered(&points, w);
        assert!((0.8..=0.82).contains(&c), "{c}");
        assert!(w > 60.0, "{w}");
    }
}
