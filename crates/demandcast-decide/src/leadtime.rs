//! Lead times and the demand over a protection interval.
//!
//! Quantiles of daily demand do **not** add up: the 95 % quantile of a
//! 14-day total is far below the sum of fourteen daily 95 % quantiles.
//! The total's distribution is built here in one of two documented ways:
//!
//! * [`normal_total`] (the *uncalibrated* variant): the sum of the point
//!   forecasts, with the variance the sum of per-step variances read off the
//!   model's own widest interval (`sigma_t = (hi - lo) / (2 z)`), i.e.
//!   assuming independent steps. A model without intervals gets the Poisson
//!   variance `mean_t`. This is what a planner gets from a forecasting
//!   library's intervals alone.
//! * the *calibrated* variant ([`crate::calibrate::ResidualPools`]): the sum
//!   of point forecasts plus a scaled residual drawn from whole backtest error
//!   paths (the actual total minus the forecast total of past windows), so
//!   the serial correlation of errors is kept, not assumed away.
//!
//! A random lead time (a probability per whole number of periods) gives a
//! mixture of the totals over `l + R` periods, one per possible `l`.

use crate::dist::DemandDistribution;
use crate::{DecideError, Result};
use demandcast_core::Forecast;
use serde::Serialize;

/// A supplier lead time in periods, fixed or with a distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadTime {
    /// Always this many periods.
    Fixed {
        /// Periods (>= 1).
        periods: usize,
    },
    /// `(periods, probability)` pairs.
    Distribution {
        /// The pairs; probabilities sum to 1.
        pmf: Vec<(usize, f64)>,
    },
}

impl LeadTime {
    /// A fixed lead time.
    ///
    /// # Errors
    /// [`DecideError::Config`] for 0: an order placed now would arrive now,
    /// which no review schedule models; use 1 for next-period delivery.
    pub fn fixed(periods: usize) -> Result<Self> {
        if periods == 0 {
            return Err(DecideError::Config(
                "lead time 0: an order must take at least one period to arrive".into(),
            ));
        }
        Ok(Self::Fixed { periods })
    }

    /// A lead-time distribution; probabilities are normalised if they sum to 1 +- 1e-6.
    ///
    /// # Errors
    /// [`DecideError::Config`] for an empty list, a zero lead time, a
    /// probability outside (0, 1], or probabilities that do not sum to 1.
    pub fn distribution(mut pmf: Vec<(usize, f64)>) -> Result<Self> {
        if pmf.is_empty() {
            return Err(DecideError::Config("empty lead-time distribution".into()));
        }
        if let Some((l, p)) = pmf
            .iter()
            .find(|(l, p)| *l == 0 || !(*p > 0.0 && *p <= 1.0))
        {
            return Err(DecideError::Config(format!(
                "lead time {l} with probability {p}: lead times must be >= 1, probabilities in (0, 1]"
            )));
        }
        let total: f64 = pmf.iter().map(|x| x.1).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(DecideError::Config(format!(
                "lead-time probabilities sum to {total}, not 1"
            )));
        }
        pmf.sort_by_key(|x| x.0);
        pmf.iter_mut().for_each(|x| x.1 /= total);
        Ok(Self::Distribution { pmf })
    }

    /// `(periods, probability)` pairs (one pair for a fixed lead time).
    pub fn pmf(&self) -> Vec<(usize, f64)> {
        match self {
            Self::Fixed { periods } => vec![(*periods, 1.0)],
            Self::Distribution { pmf } => pmf.clone(),
        }
    }

    /// The longest possible lead time.
    pub fn max(&self) -> usize {
        self.pmf().iter().map(|x| x.0).max().unwrap_or(0)
    }

    /// The expected lead time.
    pub fn mean(&self) -> f64 {
        self.pmf().iter().map(|(l, p)| *l as f64 * p).sum()
    }
}

/// Per-step standard deviations implied by a forecast's widest interval
/// (normal approximation), or `sqrt(mean)` (Poisson) without intervals.
pub fn step_sigmas(fc: &Forecast) -> Vec<f64> {
    match fc
        .intervals
        .iter()
        .max_by(|a, b| a.level.percent().total_cmp(&b.level.percent()))
    {
        Some(iv) => {
            let z = iv.level.z();
            iv.lower
                .iter()
                .zip(&iv.upper)
                .map(|(lo, hi)| ((hi - lo) / (2.0 * z)).max(0.0))
                .collect()
        }
        None => fc.mean.iter().map(|m| m.max(0.0).sqrt()).collect(),
    }
}

/// The forecast total and its independent-steps standard deviation over the
/// first `h` steps.
///
/// # Errors
/// [`DecideError::Input`] when the forecast is shorter than `h` or not finite.
pub fn total_and_sd(fc: &Forecast, h: usize) -> Result<(f64, f64)> {
    if fc.mean.len() < h {
        return Err(DecideError::Input(format!(
            "forecast of {} steps for a protection interval of {h}",
            fc.mean.len()
        )));
    }
    let sig = step_sigmas(fc);
    let total: f64 = fc.mean[..h].iter().sum();
    let var: f64 = sig[..h].iter().map(|s| s * s).sum();
    if !total.is_finite() || !var.is_finite() {
        return Err(DecideError::Input("non-finite forecast".into()));
    }
    Ok((total.max(0.0), var.sqrt()))
}

/// The uncalibrated demand distribution over `lead time + review` periods
/// (see the module docs): a mixture over the lead-time distribution.
///
/// # Errors
/// As [`total_and_sd`].
pub fn normal_total(fc: &Forecast, lead: &LeadTime, review: usize) -> Result<DemandDistribution> {
    let parts = lead
        .pmf()
        .into_iter()
        .map(|(l, p)| {
            let (m, s) = total_and_sd(fc, l + review)?;
            Ok((p, DemandDistribution::normal(m, s)?))
        })
        .collect::<Result<Vec<_>>>()?;
    DemandDistribution::mixture(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::Level;

    #[test]
    fn totals_add_variances_not_quantiles() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let l95 = Level::new(95.0)?;
        let fc = Forecast::point(vec![10.0; 4]).with_normal_intervals(&[2.0; 4], &[l95]);
        let (m, s) = total_and_sd(&fc, 4)?;
        assert!((m - 40.0).abs() < 1e-12);
        assert!((s - 4.0).abs() < 1e-9); // sqrt(4 * 2^2)
        let d = normal_total(&fc, &LeadTime::fixed(3)?, 1)?;
        let q = d.quantile(0.95);
        // 40 + 1.6449 * 4, far below the sum of step quantiles 4 * (10 + 1.6449 * 2)
        assert!((q - (40.0 + 1.644_853_626_951 * 4.0)).abs() < 1e-6);
        assert!(q < 4.0 * (10.0 + 1.644_853_626_951 * 2.0) - 5.0);
        Ok(())
    }

    #[test]
    fn bad_lead_times() -> std::result::Result<(), Box<dyn std::error::Error>> {
        assert!(LeadTime::fixed(0).is_err());
        assert!(LeadTime::distribution(vec![(3, 0.5), (5, 0.4)]).is_err());
        assert!(LeadTime::distribution(vec![(0, 1.0)]).is_err());
        let lt = LeadTime::distribution(vec![(5, 0.5), (3, 0.5)])?;
        assert_eq!(lt.max(), 5);
        assert!((lt.mean() - 4.0).abs() < 1e-12);
        Ok(())
    }
}
