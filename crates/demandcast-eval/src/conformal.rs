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

use demandcast_core::{Forecast, Level};

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

/// The `ceil((n + 1) level) / n` empirical quantile of `scores` (0 when empty).
pub fn conformal_quantile(scores: &mut [f64], level: f64) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.sort_by(f64::total_cmp);
    let n = scores.len();
    let k = (((n + 1) as f64) * level).ceil() as usize;
    scores[k.clamp(1, n) - 1]
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

/// Adds one series' calibration points: for each of `levels`, the bounds
/// of `forecast`'s interval at that level against the `actuals` that
/// followed, step by step (`points[level][step]`), in units of
/// `recent_mean(history, scale_window)`. A series without recent demand (scale
/// 0) or a missing actual adds nothing.
pub fn add_points(
    points: &mut [Vec<Vec<CalPoint>>],
    levels: &[Level],
    forecast: &Forecast,
    history: &[f64],
    actuals: &[f64],
    scale_window: usize,
) {
    let scale = recent_mean(history, scale_window);
    if scale <= 0.0 {
        return;
    }
    for (level, per_step) in levels.iter().zip(points.iter_mut()) {
        let Some(iv) = forecast.intervals.iter().find(|v| v.level == *level) else {
            continue;
        };
        for (t, (out, &y)) in per_step.iter_mut().zip(actuals).enumerate() {
            if y.is_finite() {
                out.push(CalPoint {
                    lo: iv.lower[t],
                    hi: iv.upper[t],
                    y,
                    scale,
                });
            }
        }
    }
}

/// The [`adjustment`] of every level and step (`[level][step]`) from the
/// points of [`add_points`].
pub fn adjustments(
    levels: &[Level],
    points: &[Vec<Vec<CalPoint>>],
    nonnegative: bool,
) -> Vec<Vec<f64>> {
    levels
        .iter()
        .zip(points)
        .map(|(level, per_step)| {
            per_step
                .iter()
                .map(|p| adjustment(p, level.percent() / 100.0, nonnegative))
                .collect()
        })
        .collect()
}

/// Moves the bounds of `forecast`'s intervals by the adjustments `widen`
/// (`[level][step]`, for `levels`; steps past the last reuse it) times the
/// series' `scale`: each upper bound up, each lower bound that moves (see
/// [`lower_moves`]) down. Call before clipping, as the calibration scored
/// the bounds the model gave.
pub fn widen(
    forecast: &mut Forecast,
    levels: &[Level],
    widen: &[Vec<f64>],
    scale: f64,
    nonnegative: bool,
) {
    for iv in &mut forecast.intervals {
        let Some(w) = levels
            .iter()
            .position(|l| *l == iv.level)
            .and_then(|k| widen.get(k))
            .filter(|w| !w.is_empty())
        else {
            continue;
        };
        for (t, (lo, hi)) in iv.lower.iter_mut().zip(&mut iv.upper).enumerate() {
            let d = w[t.min(w.len() - 1)] * scale;
            if lower_moves(*lo, nonnegative) {
                *lo -= d;
            }
            *hi += d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CalPoint;
    use super::{add_points, adjustment, adjustments, conformal_quantile, lower_moves, widen};
    use demandcast_core::{Forecast, Interval, Level};

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

    #[test]
    fn points_and_widening_round_trip_through_a_forecast() -> demandcast_core::Result<()> {
        let l80 = Level::new(80.0)?;
        let fc = |lower: Vec<f64>, upper: Vec<f64>| Forecast {
            mean: vec![1.0; lower.len()],
            intervals: vec![Interval {
                level: l80,
                lower,
                upper,
            }],
        };
        // history of mean 2 over its last 4 values; the actuals run one step
        // past the horizon (ignored) and hold a missing value (skipped)
        let mut points = vec![vec![Vec::new(); 2]];
        let f = fc(vec![0.0, 1.0], vec![3.0, 4.0]);
        add_points(
            &mut points,
            &[l80],
            &f,
            &[9.0, 1.0, 3.0, 1.0, 3.0],
            &[5.0, f64::NAN, 7.0],
            4,
        );
        assert_eq!(
            points[0][0],
            vec![CalPoint {
                lo: 0.0,
                hi: 3.0,
                y: 5.0,
                scale: 2.0
            }]
        );
        assert!(points[0][1].is_empty());
        // no recent demand: nothing added
        add_points(&mut points, &[l80], &f, &[0.0, 0.0], &[5.0, 5.0], 4);
        assert_eq!(points[0][0].len(), 1);
        assert_eq!(adjustments(&[l80], &points, true), vec![vec![1.0, 0.0]]);
        // a lower bound at zero stays, others move; steps past the last
        // adjustment reuse it
        let mut g = fc(vec![0.0, 1.0, 2.0], vec![3.0, 4.0, 5.0]);
        widen(&mut g, &[l80], &[vec![0.5, -0.25]], 2.0, true);
        assert_eq!(g.intervals[0].lower, vec![0.0, 1.5, 2.5]);
        assert_eq!(g.intervals[0].upper, vec![4.0, 3.5, 4.5]);
        Ok(())
    }
}
