//! Scales of the scaled metrics (MASE, RMSSE), from the training part of a
//! series up to a cutoff.
//!
//! * MASE scale  = mean over t of |y_t - y_{t-m}|       (M4, seasonal naive in-sample MAE)
//! * RMSSE scale = mean over t of (y_t - y_{t-1})^2     (M5, naive in-sample MSE)
//!
//! over the rows with date <= cutoff, counting only differences whose both
//! ends are at or after the series' first non-zero (non-NaN) value when
//! leading zeros are trimmed (M5 convention: an item is not sold before its
//! launch). Differences involving a NaN are skipped (pandas' `mean` skips
//! NaN). No difference to average gives NaN. Lags are in rows: panels are
//! regular.
//!
//! A panel whose loader already dropped leading zeros gives the same scales
//! when trimming is on (the first non-zero is the same value); with trimming
//! off the scale depends on where the panel's series start.

use chrono::NaiveDate;
use demandcast_core::Panel;

/// Number of rows of series `i` with date `<= cutoff`.
pub(crate) fn rows_until(panel: &Panel, i: usize, cutoff: NaiveDate) -> usize {
    let start = panel.start(i);
    if start > cutoff {
        return 0;
    }
    let n = panel.len_of(i);
    match panel.freq().steps_between(start, cutoff) {
        Some(k) => usize::try_from(k).map_or(0, |k| (k + 1).min(n)),
        // cutoff between grid points: count the dates <= cutoff
        None => (0..n).take_while(|&j| panel.date(i, j) <= cutoff).count(),
    }
}

/// Row of series `i` at date `ds`, if the series has one.
pub(crate) fn row_at(panel: &Panel, i: usize, ds: NaiveDate) -> Option<usize> {
    let k = panel.freq().steps_between(panel.start(i), ds)?;
    let k = usize::try_from(k).ok()?;
    (k < panel.len_of(i)).then_some(k)
}

/// Position of the first non-zero, non-NaN value (`y.len()` if none).
pub fn first_nonzero(y: &[f64]) -> usize {
    y.iter()
        .position(|v| *v != 0.0 && !v.is_nan())
        .unwrap_or(y.len())
}

/// The RMSSE scale alone: mean squared first difference from the first
/// non-zero value (or from the start), NaN-skipping; NaN when there is none.
pub fn rmsse_scale(y: &[f64], trim_leading_zeros: bool) -> f64 {
    let from = if trim_leading_zeros {
        first_nonzero(y)
    } else {
        0
    };
    let (mut s, mut n) = (0.0, 0usize);
    for t in (from + 1)..y.len() {
        let d = y[t] - y[t - 1];
        if !d.is_nan() {
            s += d * d;
            n += 1;
        }
    }
    if n > 0 {
        s / n as f64
    } else {
        f64::NAN
    }
}

/// The MASE and RMSSE scales of one series' training part (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// Mean absolute seasonal difference (lag `season_length`).
    pub mase: f64,
    /// Mean squared first difference.
    pub rmsse: f64,
}

/// Scales of the training part `y` (oldest first, already cut at the cutoff).
pub fn scales(y: &[f64], season_length: usize, trim_leading_zeros: bool) -> Scales {
    let from = if trim_leading_zeros {
        first_nonzero(y)
    } else {
        0
    };
    let m = season_length.max(1);
    let mean_over = |lag: usize, f: &dyn Fn(f64) -> f64| {
        let (mut s, mut n) = (0.0, 0usize);
        for t in (from + lag)..y.len() {
            let d = y[t] - y[t - lag];
            if !d.is_nan() {
                s += f(d);
                n += 1;
            }
        }
        if n > 0 {
            s / n as f64
        } else {
            f64::NAN
        }
    };
    Scales {
        mase: mean_over(m, &|d: f64| d.abs()),
        rmsse: mean_over(1, &|d: f64| d * d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked() {
        // from the first non-zero (index 2): y = 2, 4, 4, 1
        let s = scales(&[0.0, 0.0, 2.0, 4.0, 4.0, 1.0], 2, true);
        // lag-2 diffs: |4-2|, |1-4| -> 2.5 ; lag-1 squared: 4, 0, 9 -> 13/3
        assert!((s.mase - 2.5).abs() < 1e-12);
        assert!((s.rmsse - 13.0 / 3.0).abs() < 1e-12);
        let u = scales(&[0.0, 0.0, 2.0, 4.0, 4.0, 1.0], 2, false);
        assert!((u.rmsse - (0.0 + 4.0 + 4.0 + 0.0 + 9.0) / 5.0).abs() < 1e-12);
        assert!(scales(&[0.0, 0.0, 0.0], 1, true).rmsse.is_nan());
        assert!(scales(&[3.0], 1, true).mase.is_nan());
    }
}
