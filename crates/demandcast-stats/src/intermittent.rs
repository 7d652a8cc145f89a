//! Intermittent-demand models, as defined in statsforecast 2.1.1:
//! [`CrostonClassic`], [`CrostonOptimized`], [`CrostonSba`], [`Adida`],
//! [`Imapa`] and [`Tsb`]. Each forecasts one value for every step and defines
//! no intervals of its own ([`crate::PerSeries`] adds conformal intervals).
//!
//! Like statsforecast, "demand" means the positive values and "intervals" the
//! gaps between non-zero values, the first counted from just before the start.

use crate::baseline::{check_input, ConstantFitted};
use crate::ses::{
    chunk_forecast, golden_section_many, mean_interval, ses_forecast, ManyScratch, ALPHA_LOWER,
    ALPHA_UPPER,
};
use demandcast_core::{Error, LocalModel, Result};

/// Smoothing weight of the classic Croston and SBA methods (fixed in statsforecast).
const CROSTON_ALPHA: f64 = 0.1;
/// Bias correction of the Syntetos-Boylan approximation.
const SBA_FACTOR: f64 = 0.95;

/// An SES level updated one observation at a time: the same arithmetic as
/// statsforecast's `ses_forecast` (level starting at the first value), without
/// storing the series, so the fixed-weight models do not allocate.
struct StreamingSes {
    alpha: f64,
    level: Option<f64>,
}

impl StreamingSes {
    fn new(alpha: f64) -> Self {
        Self { alpha, level: None }
    }

    fn push(&mut self, x: f64) {
        let start = self.level.unwrap_or(x);
        self.level = Some(self.alpha * x + (1.0 - self.alpha) * start);
    }

    /// The one-step forecast; `None` before any observation. A single
    /// observation is returned as is, as statsforecast does.
    fn forecast(&self, first: f64, count: usize) -> Option<f64> {
        match count {
            0 => None,
            1 => Some(first),
            _ => self.level,
        }
    }
}

/// The demand-size and inter-demand-interval SES forecasts with weight `alpha`.
fn croston_parts(y: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let (mut demand, mut interval) = (StreamingSes::new(alpha), StreamingSes::new(alpha));
    let (mut n_demand, mut first_demand) = (0usize, 0.0);
    let (mut n_interval, mut first_interval) = (0usize, 0.0);
    let mut prev = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v > 0.0 {
            if n_demand == 0 {
                first_demand = v;
            }
            demand.push(v);
            n_demand += 1;
        }
        if v != 0.0 {
            let gap = (i + 1 - prev) as f64;
            if n_interval == 0 {
                first_interval = gap;
            }
            interval.push(gap);
            n_interval += 1;
            prev = i + 1;
        }
    }
    let ydp = demand.forecast(first_demand, n_demand)?;
    let yip = interval.forecast(first_interval, n_interval)?;
    Some((ydp, yip))
}

/// statsforecast's `_croston_classic`: demand over interval, or the last
/// value (naive) when there is no positive demand.
fn croston_classic(y: &[f64]) -> f64 {
    match croston_parts(y, CROSTON_ALPHA) {
        Some((ydp, yip)) if yip != 0.0 => ydp / yip,
        Some((ydp, _)) => ydp,
        None => y[y.len() - 1],
    }
}

/// Croston's method with both smoothing weights fixed at 0.1
/// (statsforecast's `CrostonClassic`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CrostonClassic;

impl CrostonClassic {
    /// Classic Croston.
    pub fn new() -> Self {
        Self
    }
}

impl LocalModel for CrostonClassic {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "CrostonClassic".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("CrostonClassic", y, 1)?;
        Ok(ConstantFitted::new(croston_classic(y)))
    }
}

/// Croston's method with the Syntetos-Boylan bias correction: classic Croston
/// times 0.95 (statsforecast's `CrostonSBA`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CrostonSba;

impl CrostonSba {
    /// Croston SBA.
    pub fn new() -> Self {
        Self
    }
}

impl LocalModel for CrostonSba {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "CrostonSBA".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("CrostonSBA", y, 1)?;
        Ok(ConstantFitted::new(croston_classic(y) * SBA_FACTOR))
    }
}

/// Croston's method with each smoothing weight chosen in `[0.1, 0.3]` by
/// minimising the in-sample squared error (statsforecast's `CrostonOptimized`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CrostonOptimized;

impl CrostonOptimized {
    /// Optimised Croston.
    pub fn new() -> Self {
        Self
    }
}

impl LocalModel for CrostonOptimized {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "CrostonOptimized".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("CrostonOptimized", y, 1)?;
        let demand: Vec<f64> = y.iter().copied().filter(|&v| v > 0.0).collect();
        if demand.is_empty() {
            return Ok(ConstantFitted::new(y[y.len() - 1]));
        }
        let mut intervals = Vec::with_capacity(demand.len());
        let mut prev = 0usize;
        for (i, _) in y.iter().enumerate().filter(|(_, &v)| v != 0.0) {
            intervals.push((i + 1 - prev) as f64);
            prev = i + 1;
        }
        // both weights optimised at once (same result as one at a time, faster)
        let mut alphas = Vec::with_capacity(2);
        golden_section_many(
            &[&demand, &intervals],
            ALPHA_LOWER,
            ALPHA_UPPER,
            &mut ManyScratch::default(),
            &mut alphas,
        );
        let ydp = ses_forecast(&demand, alphas[0]);
        let yip = ses_forecast(&intervals, alphas[1]);
        Ok(ConstantFitted::new(if yip != 0.0 {
            ydp / yip
        } else {
            ydp
        }))
    }
}

/// Rounds half to even, as Python's `round` (statsforecast rounds the mean
/// interval with it to choose the aggregation level).
fn python_round(x: f64) -> usize {
    x.round_ties_even().max(1.0) as usize
}

/// Aggregate-Disaggregate Intermittent Demand Approach: the series is summed
/// over non-overlapping buckets as long as the mean inter-demand interval,
/// the bucket sums are forecast with optimised SES, and the result is spread
/// evenly over the bucket (statsforecast's `ADIDA`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Adida;

impl Adida {
    /// ADIDA.
    pub fn new() -> Self {
        Self
    }
}

impl LocalModel for Adida {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "ADIDA".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("ADIDA", y, 1)?;
        let Some(mi) = mean_interval(y) else {
            return Ok(ConstantFitted::new(0.0));
        };
        let k = python_round(mi);
        let mut buf = Vec::with_capacity(y.len() / k + 1);
        Ok(ConstantFitted::new(
            chunk_forecast(y, k, &mut buf) / k as f64,
        ))
    }
}

/// Intermittent Multiple Aggregation Prediction Algorithm: the ADIDA forecast
/// at every aggregation level from 1 to the mean inter-demand interval,
/// averaged (statsforecast's `IMAPA`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Imapa;

impl Imapa {
    /// IMAPA.
    pub fn new() -> Self {
        Self
    }
}

impl LocalModel for Imapa {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "IMAPA".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("IMAPA", y, 1)?;
        let Some(mi) = mean_interval(y) else {
            return Ok(ConstantFitted::new(0.0));
        };
        // the mean interval never exceeds the length, so every level has a full chunk
        let max_level = python_round(mi).min(y.len());
        // the chunk sums of every level (the oldest `n % k` values dropped), back to back
        let mut sums = Vec::with_capacity(2 * y.len());
        let mut ends = Vec::with_capacity(max_level);
        for k in 1..=max_level {
            let lost = y.len() % k;
            sums.extend(y[lost..].chunks_exact(k).map(|c| c.iter().sum::<f64>()));
            ends.push(sums.len());
        }
        let xs: Vec<&[f64]> = ends
            .iter()
            .scan(0, |start, &end| {
                let x = &sums[*start..end];
                *start = end;
                Some(x)
            })
            .collect();
        // all levels' weights optimised at once (same result as statsforecast's
        // one at a time, about twice as fast)
        let mut alphas = Vec::with_capacity(max_level);
        golden_section_many(
            &xs,
            ALPHA_LOWER,
            ALPHA_UPPER,
            &mut ManyScratch::default(),
            &mut alphas,
        );
        let total: f64 = xs
            .iter()
            .zip(&alphas)
            .zip(1..)
            .map(|((x, &a), k)| ses_forecast(x, a) / f64::from(k))
            .sum();
        Ok(ConstantFitted::new(total / max_level as f64))
    }
}

/// Teunter-Syntetos-Babai: SES of the demand probability (weight `alpha_p`,
/// updated every period) times SES of the demand size (weight `alpha_d`,
/// updated when demand occurs) (statsforecast's `TSB`). Unlike Croston it
/// decays towards zero when demand stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tsb {
    alpha_d: f64,
    alpha_p: f64,
}

impl Tsb {
    /// TSB with smoothing weights for the demand size (`alpha_d`) and the
    /// demand probability (`alpha_p`), each in `[0, 1]` (checked by `fit`).
    pub fn new(alpha_d: f64, alpha_p: f64) -> Self {
        Self { alpha_d, alpha_p }
    }

    /// Smoothing weight of the demand size.
    pub fn alpha_d(&self) -> f64 {
        self.alpha_d
    }

    /// Smoothing weight of the demand probability.
    pub fn alpha_p(&self) -> f64 {
        self.alpha_p
    }
}

impl LocalModel for Tsb {
    type Fitted = ConstantFitted;

    fn name(&self) -> String {
        "TSB".into()
    }

    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        check_input("TSB", y, 1)?;
        for (name, a) in [("alpha_d", self.alpha_d), ("alpha_p", self.alpha_p)] {
            if !(0.0..=1.0).contains(&a) {
                return Err(Error::InvalidInput {
                    model: "TSB".into(),
                    reason: format!("{name} = {a} is outside [0, 1]"),
                });
            }
        }
        if y.iter().all(|&v| v == 0.0) {
            return Ok(ConstantFitted::new(0.0));
        }
        let mut prob = StreamingSes::new(self.alpha_p);
        let mut demand = StreamingSes::new(self.alpha_d);
        let (mut n_demand, mut first_demand) = (0usize, 0.0);
        for &v in y {
            prob.push(if v != 0.0 { 1.0 } else { 0.0 });
            if v > 0.0 {
                if n_demand == 0 {
                    first_demand = v;
                }
                demand.push(v);
                n_demand += 1;
            }
        }
        let first_p = if y[0] != 0.0 { 1.0 } else { 0.0 };
        let p = prob.forecast(first_p, y.len());
        let d = demand.forecast(first_demand, n_demand);
        match (p, d) {
            (Some(p), Some(d)) => Ok(ConstantFitted::new(p * d)),
            _ => Err(Error::InvalidInput {
                model: "TSB".into(),
                reason: "no positive demand (only zero and negative values)".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_series_forecast_zero() {
        let y = [0.0; 10];
        for v in [
            CrostonClassic.fit(&y).unwrap().value(),
            CrostonOptimized.fit(&y).unwrap().value(),
            Adida.fit(&y).unwrap().value(),
            Imapa.fit(&y).unwrap().value(),
            Tsb::new(0.1, 0.1).fit(&y).unwrap().value(),
        ] {
            assert_eq!(v, 0.0);
        }
    }

    #[test]
    fn tsb_checks_weights() {
        assert!(Tsb::new(1.5, 0.1).fit(&[1.0, 0.0]).is_err());
        assert!(Tsb::new(0.1, f64::NAN).fit(&[1.0, 0.0]).is_err());
    }

    #[test]
    fn python_rounding_is_half_to_even() {
        assert_eq!(python_round(2.5), 2);
        assert_eq!(python_round(3.5), 4);
        assert_eq!(python_round(1.2), 1);
    }
}
