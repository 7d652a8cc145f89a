//! Forecast results: per series ([`Forecast`]) and per panel ([`PanelForecast`]).

use crate::{Freq, Level};
use chrono::NaiveDate;

/// A central prediction interval at one level.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// Coverage in percent.
    pub level: Level,
    /// Lower bounds, one per step (quantile `(100 - L) / 200`).
    pub lower: Vec<f64>,
    /// Upper bounds, one per step (quantile `(100 + L) / 200`).
    pub upper: Vec<f64>,
}

/// The forecast of one series: a point forecast per step and any intervals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forecast {
    /// Point forecasts, one per step.
    pub mean: Vec<f64>,
    /// Intervals, ascending by level; empty when the model defines none.
    pub intervals: Vec<Interval>,
}

impl Forecast {
    /// A point forecast without intervals.
    pub fn point(mean: Vec<f64>) -> Self {
        Self {
            mean,
            intervals: Vec::new(),
        }
    }

    /// Horizon length.
    pub fn h(&self) -> usize {
        self.mean.len()
    }

    /// The interval at `level`, if present.
    pub fn interval(&self, level: Level) -> Option<&Interval> {
        self.intervals.iter().find(|i| i.level == level)
    }

    /// Symmetric normal intervals `mean ± z_L · sigma[t]` for each level.
    pub fn with_normal_intervals(mut self, sigma: &[f64], levels: &[Level]) -> Self {
        self.intervals = levels
            .iter()
            .map(|&level| {
                let z = level.z();
                Interval {
                    level,
                    lower: self
                        .mean
                        .iter()
                        .zip(sigma)
                        .map(|(m, s)| m - z * s)
                        .collect(),
                    upper: self
                        .mean
                        .iter()
                        .zip(sigma)
                        .map(|(m, s)| m + z * s)
                        .collect(),
                }
            })
            .collect();
        self
    }

    /// Clips the point forecast and every bound at zero (demand cannot be negative).
    pub fn clip_nonnegative(&mut self) {
        let clip = |v: &mut Vec<f64>| v.iter_mut().for_each(|x| *x = x.max(0.0));
        clip(&mut self.mean);
        for i in &mut self.intervals {
            clip(&mut i.lower);
            clip(&mut i.upper);
        }
    }

    /// Forces `lo(wider) <= lo(narrower) <= hi(narrower) <= hi(wider)` at
    /// each step (no crossing quantiles) by sorting the bounds; the point
    /// forecast is left alone. It is a mean, not a median: for skewed demand
    /// or simulated intervals (Theta's) it can legitimately lie outside a
    /// narrow interval, and moving it would change the point forecasts that
    /// must equal statsforecast's.
    pub fn sort_quantiles(&mut self) {
        let n = self.intervals.len();
        let mut q: Vec<f64> = Vec::with_capacity(2 * n);
        for t in 0..self.mean.len() {
            q.clear();
            // wider intervals first for the lower side
            for i in (0..n).rev() {
                q.push(self.intervals[i].lower[t]);
            }
            for i in 0..n {
                q.push(self.intervals[i].upper[t]);
            }
            q.sort_by(f64::total_cmp);
            for (k, i) in (0..n).rev().enumerate() {
                self.intervals[i].lower[t] = q[k];
            }
            for i in 0..n {
                self.intervals[i].upper[t] = q[n + i];
            }
        }
    }
}

/// A note about one series in a panel forecast, e.g. that it fell back to a
/// simpler model. Reports list these so nothing happens silently.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesNote {
    /// The series' unique_id.
    pub id: String,
    /// What happened.
    pub message: String,
}

/// Forecasts of one model for the series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelForecast {
    /// Model name, the column name in outputs (statsforecast's `alias`).
    pub model: String,
    /// Frequency of the forecast dates.
    pub freq: Freq,
    /// Series ids, one per forecast.
    pub ids: Vec<String>,
    /// First forecast date of each series.
    pub starts: Vec<NaiveDate>,
    /// The requested levels (ascending).
    pub levels: Vec<Level>,
    /// One forecast per series.
    pub series: Vec<Forecast>,
    /// Fallbacks and other per-series notes.
    pub notes: Vec<SeriesNote>,
}

impl PanelForecast {
    /// The date of step `t` (0-based) of series `i`.
    pub fn date(&self, i: usize, t: usize) -> NaiveDate {
        self.freq.step(self.starts[i], t as i64)
    }

    /// Position of the series with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_quantiles_uncrosses() {
        let l80 = Level::new(80.0).unwrap();
        let l95 = Level::new(95.0).unwrap();
        let mut f = Forecast {
            mean: vec![5.0],
            intervals: vec![
                Interval {
                    level: l80,
                    lower: vec![6.0],
                    upper: vec![7.0],
                },
                Interval {
                    level: l95,
                    lower: vec![4.0],
                    upper: vec![6.5],
                },
            ],
        };
        f.sort_quantiles();
        assert_eq!(f.intervals[1].lower, vec![4.0]);
        assert_eq!(f.intervals[0].lower, vec![6.0]);
        // the mean is not a quantile: it stays, even outside the 80 % interval
        assert_eq!(f.mean, vec![5.0]);
        assert_eq!(f.intervals[0].upper, vec![6.5]);
        assert_eq!(f.intervals[1].upper, vec![7.0]);
    }

    #[test]
    fn normal_intervals_and_clip() {
        let l = Level::new(95.0).unwrap();
        let mut f = Forecast::point(vec![1.0, 2.0]).with_normal_intervals(&[1.0, 1.0], &[l]);
        assert!((f.intervals[0].upper[0] - 2.959963984540054).abs() < 1e-12);
        f.clip_nonnegative();
        assert_eq!(f.intervals[0].lower[0], 0.0);
    }
}
