//! Target features of one series, from a growing buffer with prefix sums.
//!
//! Every feature for the target at index `t` is computed from the values
//! before `end` (`end = t` in recursive forecasting; `end = t + 1 - k` for a
//! direct model of step `k`), so nothing at or after the target can leak in:
//! the buffer is read only through `end`.

use crate::spec::{Rolling, SeasonalRolling, Stat};

/// One series' target history (observed, then any forecasts appended), with
/// prefix sums so that rolling means and deviations cost O(1) per row.
#[derive(Debug, Clone, Default)]
pub struct SeriesBuffer {
    y: Vec<f64>,
    // s1[i] = sum of y[..i]; s2[i] = sum of squares. f64 keeps the
    // cancellation error of differences negligible for sales-sized counts.
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl SeriesBuffer {
    /// A buffer over observed values (NaN counts as 0 in sums; the loader
    /// rejects or fills NaN targets before models see them).
    pub fn new(y: &[f64]) -> Self {
        let mut b = Self {
            y: Vec::with_capacity(y.len() + 64),
            s1: Vec::with_capacity(y.len() + 65),
            s2: Vec::with_capacity(y.len() + 65),
        };
        b.s1.push(0.0);
        b.s2.push(0.0);
        for &v in y {
            b.push(v);
        }
        b
    }

    /// Appends a value (a forecast, in recursive prediction).
    pub fn push(&mut self, v: f64) {
        let x = if v.is_finite() { v } else { 0.0 };
        let n = self.y.len();
        self.y.push(v);
        self.s1.push(self.s1[n] + x);
        self.s2.push(self.s2[n] + x * x);
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The values held.
    pub fn values(&self) -> &[f64] {
        &self.y
    }

    /// `y[end - lag]`, NaN when that is before the start.
    pub fn lag(&self, end: usize, lag: usize) -> f64 {
        if lag == 0 || lag > end || end > self.y.len() {
            return f64::NAN;
        }
        self.y[end - lag]
    }

    /// A rolling statistic over `y[end - lag - window + 1 ..= end - lag]`;
    /// NaN unless the whole window exists (mlforecast's `min_samples = window`).
    pub fn rolling(&self, end: usize, r: &Rolling) -> f64 {
        if r.lag == 0 || r.window == 0 || end > self.y.len() || r.lag + r.window - 1 > end {
            return f64::NAN;
        }
        let hi = end - r.lag + 1; // exclusive
        let lo = hi - r.window;
        let w = r.window as f64;
        let sum = self.s1[hi] - self.s1[lo];
        match r.stat {
            Stat::Mean => sum / w,
            Stat::Std => {
                if r.window < 2 {
                    return f64::NAN;
                }
                let ss = self.s2[hi] - self.s2[lo];
                let var = (ss - sum * sum / w) / (w - 1.0);
                var.max(0.0).sqrt()
            }
        }
    }

    /// Mean of `y[end - lag - j * season]` for `j = 0..window`; NaN unless all exist.
    pub fn seasonal_rolling(&self, end: usize, s: &SeasonalRolling) -> f64 {
        if s.lag == 0 || s.window == 0 || end > self.y.len() {
            return f64::NAN;
        }
        let reach = s.lag + s.season * (s.window - 1);
        if reach > end {
            return f64::NAN;
        }
        let sum: f64 = (0..s.window)
            .map(|j| self.y[end - s.lag - j * s.season])
            .sum();
        sum / s.window as f64
    }

    /// Mean of `y[..end]`, NaN when `end == 0`.
    pub fn expanding_mean(&self, end: usize) -> f64 {
        if end == 0 || end > self.y.len() {
            return f64::NAN;
        }
        self.s1[end] / end as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_std(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    #[test]
    fn hand_checked_values() {
        let y = [3.0, 0.0, 5.0, 1.0, 2.0, 8.0];
        let b = SeriesBuffer::new(&y);
        // target index 5 (value 8), recursive: end = 5
        assert_eq!(b.lag(5, 1), 2.0);
        assert_eq!(b.lag(5, 3), 5.0);
        assert!(b.lag(5, 6).is_nan());
        let m3 = Rolling {
            lag: 1,
            window: 3,
            stat: Stat::Mean,
        };
        assert!((b.rolling(5, &m3) - (5.0 + 1.0 + 2.0) / 3.0).abs() < 1e-12);
        let m2l2 = Rolling {
            lag: 2,
            window: 2,
            stat: Stat::Mean,
        };
        assert!((b.rolling(5, &m2l2) - 3.0).abs() < 1e-12);
        let s4 = Rolling {
            lag: 1,
            window: 4,
            stat: Stat::Std,
        };
        assert!((b.rolling(5, &s4) - naive_std(&[0.0, 5.0, 1.0, 2.0])).abs() < 1e-12);
        assert!(b.rolling(2, &m3).is_nan(), "window before the start");
        let sr = SeasonalRolling {
            lag: 2,
            season: 2,
            window: 2,
        };
        assert!((b.seasonal_rolling(5, &sr) - (1.0 + 0.0) / 2.0).abs() < 1e-12);
        assert!((b.expanding_mean(5) - 11.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn features_never_read_at_or_after_end() {
        // Changing values at or after `end` must not change any feature.
        let base = [1.0, 4.0, 2.0, 7.0, 3.0, 9.0, 6.0];
        let mut other = base;
        for v in &mut other[4..] {
            *v = 1000.0;
        }
        let (a, b) = (SeriesBuffer::new(&base), SeriesBuffer::new(&other));
        let r = Rolling {
            lag: 1,
            window: 4,
            stat: Stat::Std,
        };
        let s = SeasonalRolling {
            lag: 1,
            season: 2,
            window: 2,
        };
        for lag in 1..=4 {
            assert_eq!(a.lag(4, lag), b.lag(4, lag));
        }
        assert_eq!(a.rolling(4, &r), b.rolling(4, &r));
        assert_eq!(a.seasonal_rolling(4, &s), b.seasonal_rolling(4, &s));
        assert_eq!(a.expanding_mean(4), b.expanding_mean(4));
    }
}
