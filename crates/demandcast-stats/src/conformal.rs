//! Conformal prediction intervals, as statsforecast's `ConformalIntervals`
//! with its default method `conformal_distribution` (`_TS._conformity_scores`
//! and `_add_conformal_distribution_intervals` in `models.py`).
//!
//! The model is refitted on `n_windows` rolling origins that end `h` steps
//! apart, the last one `h` steps before the end of the series; the absolute
//! errors of each window's `h`-step forecast are the conformity scores. At
//! each step the forecast plus and minus every window's score form an
//! empirical distribution whose quantiles are the interval bounds.

use demandcast_core::{Interval, Level, Result};

/// Absolute forecast errors from rolling-origin windows: one row of `h`
/// per window, oldest window first.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformityScores {
    h: usize,
    n_windows: usize,
    scores: Vec<f64>,
}

impl ConformityScores {
    /// The fewest observations for conformal intervals with horizon `h`: two
    /// windows of `h` plus one training point (statsforecast's check).
    pub fn min_len(h: usize) -> usize {
        2 * h + 1
    }

    /// Computes the scores of `forecast(train, h) -> mean` on `y`.
    ///
    /// As statsforecast, a short series uses fewer windows,
    /// `min(n_windows, (len - 1) / h)`, and `None` is returned when that is
    /// below two (fewer than `2h + 1` observations).
    ///
    /// # Errors
    /// The first error of `forecast`, or a forecast of the wrong length.
    pub fn compute<F>(
        y: &[f64],
        h: usize,
        n_windows: usize,
        mut forecast: F,
    ) -> Result<Option<Self>>
    where
        F: FnMut(&[f64], usize) -> Result<Vec<f64>>,
    {
        if h == 0 {
            return Ok(None);
        }
        let n = y.len();
        let n_windows = n_windows.min((n.saturating_sub(1)) / h);
        if n_windows < 2 {
            return Ok(None);
        }
        let test_size = n_windows * h;
        let mut scores = Vec::with_capacity(test_size);
        for w in 0..n_windows {
            let train_end = n - test_size + w * h;
            let mean = forecast(&y[..train_end], h)?;
            if mean.len() != h {
                return Err(demandcast_core::Error::Other(format!(
                    "conformal window forecast has {} steps, expected {h}",
                    mean.len()
                )));
            }
            let test = &y[train_end..train_end + h];
            scores.extend(mean.iter().zip(test).map(|(f, a)| (f - a).abs()));
        }
        Ok(Some(Self {
            h,
            n_windows,
            scores,
        }))
    }

    /// The horizon of each window.
    pub fn h(&self) -> usize {
        self.h
    }

    /// The number of windows actually used.
    pub fn n_windows(&self) -> usize {
        self.n_windows
    }

    /// The scores, row-major (`n_windows` rows of `h`).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Intervals around `mean` (length at most `h`) at each level, by
    /// statsforecast's `conformal_distribution` method: at step `t` the
    /// bounds are the linear-interpolated quantiles (numpy's default) of
    /// `{mean[t] - s, mean[t] + s}` over the windows' scores `s`.
    pub fn intervals(&self, mean: &[f64], levels: &[Level]) -> Vec<Interval> {
        let steps = mean.len().min(self.h);
        let mut out: Vec<Interval> = levels
            .iter()
            .map(|&level| Interval {
                level,
                lower: Vec::with_capacity(steps),
                upper: Vec::with_capacity(steps),
            })
            .collect();
        let mut dist = Vec::with_capacity(2 * self.n_windows);
        for (t, &m) in mean.iter().enumerate().take(steps) {
            dist.clear();
            let column = (0..self.n_windows).map(|w| self.scores[w * self.h + t]);
            dist.extend(column.clone().map(|s| m - s));
            dist.extend(column.map(|s| m + s));
            dist.sort_by(f64::total_cmp);
            for iv in &mut out {
                // statsforecast's cuts: alpha / 200 and 1 - alpha / 200, alpha = 100 - level
                let lo = (100.0 - iv.level.percent()) / 200.0;
                iv.lower.push(quantile_linear(&dist, lo));
                iv.upper.push(quantile_linear(&dist, 1.0 - lo));
            }
        }
        out
    }
}

/// The `q` quantile of sorted values by linear interpolation between order
/// statistics, with numpy's `_lerp` arithmetic (`np.quantile`'s default).
pub(crate) fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    debug_assert!(n > 0);
    let virtual_index = n as f64 * q + (1.0 - q) - 1.0;
    let prev = virtual_index.floor().clamp(0.0, (n - 1) as f64);
    let gamma = virtual_index - virtual_index.floor();
    let lo = prev as usize;
    let a = sorted[lo];
    let b = sorted[(lo + 1).min(n - 1)];
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_numpy() {
        // np.quantile([1., 2, 4, 8], [0.1, 0.025, 0.9, 0.975, 0.5, 0, 1])
        //   -> [1.3, 1.075, 6.8, 7.7, 3.0, 1.0, 8.0]
        let v = [1.0, 2.0, 4.0, 8.0];
        let want = [
            (0.1, 1.3),
            (0.025, 1.075),
            (0.9, 6.8),
            (0.975, 7.7),
            (0.5, 3.0),
            (0.0, 1.0),
            (1.0, 8.0),
        ];
        for (q, w) in want {
            assert!((quantile_linear(&v, q) - w).abs() < 1e-12, "q={q}");
        }
    }

    #[test]
    fn windows_and_short_series() {
        let y: Vec<f64> = (0..10).map(f64::from).collect();
        // a naive forecast: errors grow 1, 2, 3 with the step
        let naive = |t: &[f64], h: usize| Ok(vec![t[t.len() - 1]; h]);
        let cs = ConformityScores::compute(&y, 3, 5, naive).unwrap().unwrap();
        assert_eq!(cs.n_windows(), 3);
        assert_eq!(cs.scores(), &[1., 2., 3., 1., 2., 3., 1., 2., 3.]);
        assert!(ConformityScores::compute(&y[..6], 3, 2, naive)
            .unwrap()
            .is_none());
        assert!(ConformityScores::compute(&y[..7], 3, 2, naive)
            .unwrap()
            .is_some());
        let l = Level::new(50.0).unwrap();
        let iv = cs.intervals(&[10.0, 10.0, 10.0], &[l]);
        // values {9, 9, 9, 11, 11, 11}: 25% quantile 9, 75% quantile 11
        assert_eq!(iv[0].lower, vec![9.0, 8.0, 7.0]);
        assert_eq!(iv[0].upper, vec![11.0, 12.0, 13.0]);
    }
}
