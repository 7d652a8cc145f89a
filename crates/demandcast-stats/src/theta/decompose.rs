//! The seasonality test and classical decomposition that statsforecast's
//! `auto_theta` applies before fitting: statsmodels' `acf` (biased, demeaned,
//! no FFT) for the test and `seasonal_decompose` (centred moving average,
//! per-position means of the detrended series) for the seasonal component.

use demandcast_core::norm_ppf;

/// How the seasonal component is removed before fitting a Theta model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecompositionType {
    /// `y / s` (statsforecast's default). Falls back to additive when the
    /// series has a value `<= 0` or a seasonal index below 0.01.
    #[default]
    Multiplicative,
    /// `y - s`.
    Additive,
}

/// Seasonal adjustment of a series, as chosen by [`adjust`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seasonal {
    /// The decomposition actually used (after fallbacks).
    pub kind: DecompositionType,
    /// The seasonal component, one value per observation.
    pub component: Vec<f64>,
}

/// statsforecast's 90% seasonality test: the lag-`m` autocorrelation against
/// its Bartlett standard error, `|r_m| / sqrt((1 + 2 Σ_{k<m} r_k²) / n) > z_0.95`.
pub(crate) fn is_seasonal(y: &[f64], m: usize) -> bool {
    let n = y.len();
    if m < 4 || n < 2 * m {
        return false;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let xo: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let acov0: f64 = xo.iter().map(|v| v * v).sum();
    if acov0 == 0.0 || !acov0.is_finite() {
        // statsmodels returns NaN autocorrelations here; NaN > z is false.
        return false;
    }
    // acf[k] = acov[k] / acov[0]; the common 1/n of statsmodels cancels.
    let r = |k: usize| -> f64 {
        xo[k..]
            .iter()
            .zip(&xo[..n - k])
            .map(|(a, b)| a * b)
            .sum::<f64>()
            / acov0
    };
    let sum_sq: f64 = (1..m).map(|k| r(k).powi(2)).sum();
    let stat = ((1.0 + 2.0 * sum_sq) / n as f64).sqrt();
    r(m).abs() / stat > norm_ppf(0.95)
}

/// statsmodels' `seasonal_decompose(y, model, period=m).seasonal` (two-sided
/// moving average, no trend extrapolation). Needs `y.len() >= 2 m`, and
/// positive values for the multiplicative model.
pub(crate) fn seasonal_component(y: &[f64], m: usize, kind: DecompositionType) -> Vec<f64> {
    let n = y.len();
    let half = m / 2;
    // Centred MA: m terms for odd m, 2x m for even m (half weights at the ends).
    let filt: Vec<f64> = if m & 1 == 0 {
        let mut f = vec![1.0 / m as f64; m + 1];
        f[0] = 0.5 / m as f64;
        f[m] = 0.5 / m as f64;
        f
    } else {
        vec![1.0 / m as f64; m]
    };
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n - half {
        let trend: f64 = filt
            .iter()
            .zip(&y[t - half..=t + half])
            .map(|(w, v)| w * v)
            .sum();
        let detrended = match kind {
            DecompositionType::Multiplicative => y[t] / trend,
            DecompositionType::Additive => y[t] - trend,
        };
        sums[t % m] += detrended;
        counts[t % m] += 1;
    }
    // n >= 2m guarantees every position has at least one detrended value.
    let mut avg: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| s / c as f64)
        .collect();
    let grand = avg.iter().sum::<f64>() / m as f64;
    for a in &mut avg {
        match kind {
            DecompositionType::Multiplicative => *a /= grand,
            DecompositionType::Additive => *a -= grand,
        }
    }
    (0..n).map(|t| avg[t % m]).collect()
}

/// The seasonal adjustment statsforecast's `auto_theta` applies: none unless
/// the series tests seasonal; multiplicative only for positive data whose
/// seasonal indices are all `>= 0.01`, additive otherwise.
pub(crate) fn adjust(y: &[f64], m: usize, requested: DecompositionType) -> Option<Seasonal> {
    if !is_seasonal(y, m) {
        return None;
    }
    let positive = y.iter().all(|&v| v > 0.0);
    let mut kind = requested;
    if kind == DecompositionType::Multiplicative && !positive {
        kind = DecompositionType::Additive;
    }
    let mut component = seasonal_component(y, m, kind);
    if kind == DecompositionType::Multiplicative && component.iter().any(|&s| s < 0.01) {
        kind = DecompositionType::Additive;
        component = seasonal_component(y, m, kind);
    }
    Some(Seasonal { kind, component })
}

impl Seasonal {
    /// Removes the seasonal component from `y`.
    pub(crate) fn remove(&self, y: &[f64]) -> Vec<f64> {
        y.iter()
            .zip(&self.component)
            .map(|(v, s)| match self.kind {
                DecompositionType::Multiplicative => v / s,
                DecompositionType::Additive => v - s,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_component_of_a_pure_cycle() {
        // A period-4 pattern on a linear trend: the additive component is
        // the pattern minus its mean, exactly.
        let pat = [3.0, -1.0, 0.0, -2.0];
        let y: Vec<f64> = (0..24)
            .map(|t| 10.0 + 0.5 * t as f64 + pat[t % 4])
            .collect();
        let s = seasonal_component(&y, 4, DecompositionType::Additive);
        for (t, v) in s.iter().enumerate() {
            assert!((v - pat[t % 4]).abs() < 1e-12, "{t}: {v}");
        }
        let cycle: Vec<f64> = (0..24).map(|t| 10.0 + pat[t % 4]).collect();
        assert!(is_seasonal(&cycle, 4));
        assert!(!is_seasonal(&cycle[..7], 4), "needs two seasons");
        assert!(!is_seasonal(&cycle, 3), "m < 4 is never tested");
    }
}
