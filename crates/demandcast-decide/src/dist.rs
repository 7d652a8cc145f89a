//! Distributions of total demand over a protection interval (lead time plus
//! review period), always of a non-negative quantity.
//!
//! Three shapes cover what the policies need:
//! * [`DemandDistribution::Normal`]: `max(X, 0)` with `X ~ N(mean, sd)`, the
//!   textbook case (closed-form quantile, loss function and mean);
//! * [`DemandDistribution::Residual`]: `max(0, center + scale * r)` with `r`
//!   drawn from a shared pool of (conformal) residuals: the empirical
//!   lead-time demand distribution built from whole backtest error paths;
//! * [`DemandDistribution::Mixture`]: a weighted mixture, for a random lead
//!   time (one component per possible lead time).
//!
//! Censoring at zero is exact for quantiles (`q(max(X, 0)) = max(q(X), 0)`)
//! and for the shortage `E[(D - s)+]` at `s >= 0`.

use crate::{DecideError, Result};
use demandcast_core::{norm_cdf, norm_ppf};
use std::sync::Arc;

/// The distribution of a non-negative demand total.
#[derive(Debug, Clone, PartialEq)]
pub enum DemandDistribution {
    /// `max(X, 0)`, `X ~ N(mean, sd)`.
    Normal {
        /// Mean of the uncensored normal.
        mean: f64,
        /// Standard deviation (0 gives a point mass).
        sd: f64,
    },
    /// `max(0, center + scale * r)`, `r` uniform over `residuals` (sorted ascending).
    Residual {
        /// The point forecast of the total.
        center: f64,
        /// Scale applied to each residual (> 0).
        scale: f64,
        /// Sorted, finite residuals, shared between series of a segment.
        residuals: Arc<[f64]>,
    },
    /// A weighted mixture (weights sum to 1).
    Mixture(Vec<(f64, DemandDistribution)>),
}

fn std_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

impl DemandDistribution {
    /// A censored normal.
    ///
    /// # Errors
    /// [`DecideError::Input`] for a non-finite mean or a negative or non-finite sd.
    pub fn normal(mean: f64, sd: f64) -> Result<Self> {
        if !mean.is_finite() || !sd.is_finite() || sd < 0.0 {
            return Err(DecideError::Input(format!(
                "normal demand needs a finite mean and sd >= 0 (got {mean}, {sd})"
            )));
        }
        Ok(Self::Normal { mean, sd })
    }

    /// A residual distribution; `residuals` must be sorted ascending and finite.
    ///
    /// # Errors
    /// [`DecideError::Input`] for an empty or unsorted pool, or a bad center or scale.
    pub fn residual(center: f64, scale: f64, residuals: Arc<[f64]>) -> Result<Self> {
        if residuals.is_empty()
            || residuals.iter().any(|r| !r.is_finite())
            || residuals.windows(2).any(|w| w[1] < w[0])
        {
            return Err(DecideError::Input(
                "residual pool must be non-empty, finite and sorted".into(),
            ));
        }
        if !center.is_finite() || !scale.is_finite() || scale <= 0.0 {
            return Err(DecideError::Input(format!(
                "residual demand needs a finite center and a scale > 0 (got {center}, {scale})"
            )));
        }
        Ok(Self::Residual {
            center,
            scale,
            residuals,
        })
    }

    /// A mixture; weights are normalised to sum to 1.
    ///
    /// # Errors
    /// [`DecideError::Input`] when empty or a weight is not positive and finite.
    pub fn mixture(parts: Vec<(f64, DemandDistribution)>) -> Result<Self> {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        if parts.is_empty() || parts.iter().any(|p| !(p.0.is_finite() && p.0 > 0.0)) {
            return Err(DecideError::Input(
                "a mixture needs at least one part, each with a positive weight".into(),
            ));
        }
        if parts.len() == 1 {
            return Ok(parts
                .into_iter()
                .map(|p| p.1)
                .next()
                .unwrap_or(Self::Normal { mean: 0.0, sd: 0.0 }));
        }
        Ok(Self::Mixture(
            parts.into_iter().map(|(w, d)| (w / total, d)).collect(),
        ))
    }

    /// `P(D <= x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        if x < 0.0 {
            return 0.0;
        }
        match self {
            Self::Normal { mean, sd } => {
                if *sd == 0.0 {
                    if x >= *mean {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    norm_cdf((x - mean) / sd)
                }
            }
            Self::Residual {
                center,
                scale,
                residuals,
            } => {
                let r = (x - center) / scale;
                residuals.partition_point(|&v| v <= r) as f64 / residuals.len() as f64
            }
            Self::Mixture(parts) => parts.iter().map(|(w, d)| w * d.cdf(x)).sum(),
        }
    }

    /// The smallest `x >= 0` with `P(D <= x) >= p` (`p` in `[0, 1]`).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        match self {
            Self::Normal { mean, sd } => {
                if *sd == 0.0 {
                    mean.max(0.0)
                } else {
                    (mean + sd * norm_ppf(p)).max(0.0)
                }
            }
            Self::Residual {
                center,
                scale,
                residuals,
            } => {
                let n = residuals.len();
                let k = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
                (center + scale * residuals[k]).max(0.0)
            }
            Self::Mixture(parts) => {
                // The mixture CDF is monotone: bisect between the parts' quantiles.
                let (mut lo, mut hi) = parts.iter().fold((f64::INFINITY, 0.0f64), |(l, h), d| {
                    let q = d.1.quantile(p);
                    (l.min(q), h.max(q))
                });
                if self.cdf(lo) >= p {
                    return lo;
                }
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if self.cdf(mid) >= p {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                    if hi - lo <= 1e-9 * (1.0 + hi.abs()) {
                        break;
                    }
                }
                hi
            }
        }
    }

    /// `E[D]`.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Normal { mean, sd } => {
                if *sd == 0.0 {
                    mean.max(0.0)
                } else {
                    let z = mean / sd;
                    mean * norm_cdf(z) + sd * std_pdf(z)
                }
            }
            Self::Residual {
                center,
                scale,
                residuals,
            } => {
                residuals
                    .iter()
                    .map(|r| (center + scale * r).max(0.0))
                    .sum::<f64>()
                    / residuals.len() as f64
            }
            Self::Mixture(parts) => parts.iter().map(|(w, d)| w * d.mean()).sum(),
        }
    }

    /// The expected shortage `E[(D - s)+]` at stock `s` (the loss function).
    pub fn expected_shortage(&self, s: f64) -> f64 {
        if s < 0.0 {
            return self.mean() - s;
        }
        match self {
            Self::Normal { mean, sd } => {
                if *sd == 0.0 {
                    (mean - s).max(0.0)
                } else {
                    // sd * L(z), L(z) = phi(z) - z (1 - Phi(z)); exact for s >= 0.
                    let z = (s - mean) / sd;
                    sd * (std_pdf(z) - z * (1.0 - norm_cdf(z)))
                }
            }
            Self::Residual {
                center,
                scale,
                residuals,
            } => {
                residuals
                    .iter()
                    .map(|r| ((center + scale * r).max(0.0) - s).max(0.0))
                    .sum::<f64>()
                    / residuals.len() as f64
            }
            Self::Mixture(parts) => parts.iter().map(|(w, d)| w * d.expected_shortage(s)).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_closed_forms() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let d = DemandDistribution::normal(120.0, 10.0)?;
        // scipy.stats.norm.ppf(0.9, 120, 10) = 132.815515655446
        assert!((d.quantile(0.9) - 132.815_515_655_446).abs() < 1e-9);
        // 10 * (norm.pdf(1) - 1 * norm.sf(1)) = 0.8331547058768
        assert!((d.expected_shortage(130.0) - 0.833_154_705_876_8).abs() < 1e-5);
        assert!((d.mean() - 120.0).abs() < 1e-6);
        // censoring: max(N(-1, 1), 0) has P(D = 0) = Phi(1)
        let c = DemandDistribution::normal(-1.0, 1.0)?;
        assert_eq!(c.quantile(0.5), 0.0);
        assert!((c.cdf(0.0) - 0.841_344_746).abs() < 1e-6);
        Ok(())
    }

    #[test]
    fn residual_quantile_is_inverse_ecdf() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let pool: Arc<[f64]> = vec![-2.0, -1.0, 0.0, 1.0, 3.0].into();
        let d = DemandDistribution::residual(10.0, 2.0, pool)?;
        // support 6, 8, 10, 12, 16
        assert_eq!(d.quantile(0.2), 6.0);
        assert_eq!(d.quantile(0.21), 8.0);
        assert_eq!(d.quantile(1.0), 16.0);
        assert_eq!(d.cdf(12.0), 0.8);
        assert!((d.mean() - 10.4).abs() < 1e-12);
        // shortage at 11: (12-11 + 16-11)/5
        assert!((d.expected_shortage(11.0) - 1.2).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn mixture_quantile_inverts_cdf() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let a = DemandDistribution::normal(50.0, 5.0)?;
        let b = DemandDistribution::normal(100.0, 5.0)?;
        let m = DemandDistribution::mixture(vec![(1.0, a), (1.0, b)])?;
        let q = m.quantile(0.75);
        assert!((m.cdf(q) - 0.75).abs() < 1e-6);
        assert!((m.mean() - 75.0).abs() < 1e-6);
        Ok(())
    }
}
