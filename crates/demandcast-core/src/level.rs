//! Prediction-interval levels, in percent (Nixtla's convention).

use crate::{norm_ppf, Error, Result};
use std::fmt;

/// The coverage of a central prediction interval, in percent, strictly
/// between 0 and 100 (Nixtla's `level=[80, 95]`). A level `L` is the pair of
/// quantiles `(100 - L) / 200` and `(100 + L) / 200`.
///
/// # Example
/// ```
/// use demandcast_core::Level;
/// let l = Level::new(80.0).unwrap();
/// assert_eq!(l.to_string(), "80");
/// assert!((l.hi_quantile() - 0.9).abs() < 1e-12);
/// assert!(Level::new(100.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize, serde::Deserialize)]
pub struct Level(f64);

impl Level {
    /// A level in percent.
    ///
    /// # Errors
    /// [`Error::InvalidLevel`] unless `0 < percent < 100`.
    pub fn new(percent: f64) -> Result<Self> {
        if percent.is_finite() && percent > 0.0 && percent < 100.0 {
            Ok(Self(percent))
        } else {
            Err(Error::InvalidLevel(percent))
        }
    }

    /// Parses a comma-separated list such as `"80,95"`, sorted ascending, duplicates removed.
    ///
    /// # Errors
    /// [`Error::InvalidLevel`] for a value that is not a number in (0, 100).
    pub fn parse_list(s: &str) -> Result<Vec<Level>> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let v: f64 = part.parse().map_err(|_| Error::InvalidLevel(f64::NAN))?;
            out.push(Level::new(v)?);
        }
        Ok(Self::normalize(out))
    }

    /// Sorts ascending and removes duplicates.
    pub fn normalize(mut levels: Vec<Level>) -> Vec<Level> {
        levels.sort_by(|a, b| a.0.total_cmp(&b.0));
        levels.dedup_by(|a, b| a.0 == b.0);
        levels
    }

    /// The level in percent.
    pub fn percent(self) -> f64 {
        self.0
    }

    /// The lower quantile, `(100 - L) / 200`.
    pub fn lo_quantile(self) -> f64 {
        (100.0 - self.0) / 200.0
    }

    /// The upper quantile, `(100 + L) / 200`.
    pub fn hi_quantile(self) -> f64 {
        (100.0 + self.0) / 200.0
    }

    /// The standard normal quantile of the upper bound, e.g. 1.959964 for 95.
    pub fn z(self) -> f64 {
        norm_ppf(self.hi_quantile())
    }
}

impl fmt::Display for Level {
    /// Integers print without a decimal point (`95`), as Nixtla's column names do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl TryFrom<f64> for Level {
    type Error = Error;
    fn try_from(v: f64) -> Result<Self> {
        Level::new(v)
    }
}
