//! Simple exponential smoothing kernels shared by the intermittent-demand
//! models (Croston, ADIDA, IMAPA, TSB): a line-by-line port of
//! statsforecast's `src/ses.cpp` (`ses_sse`, `ses_forecast`,
//! `golden_section_ses`, `chunk_forecast`), so that optimised smoothing
//! weights, and hence forecasts, match statsforecast to rounding.
//!
//! None of these allocate: they run on slices the caller owns.

/// Default lower bound of the optimised smoothing weight (statsforecast's `bounds=(0.1, 0.3)`).
pub(crate) const ALPHA_LOWER: f64 = 0.1;
/// Default upper bound of the optimised smoothing weight.
pub(crate) const ALPHA_UPPER: f64 = 0.3;

/// Sum of squared one-step errors of SES with weight `alpha`, the level
/// starting at `x[0]` (statsforecast's `ses_sse`); 0 below two points.
pub(crate) fn ses_sse(alpha: f64, x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let complement = 1.0 - alpha;
    let mut forecast = x[0];
    let mut sse = 0.0;
    for w in x.windows(2) {
        forecast = alpha * w[0] + complement * forecast;
        let err = w[1] - forecast;
        sse += err * err;
    }
    sse
}

/// The one-step-ahead SES forecast after `x` (statsforecast's `ses_forecast`,
/// whose first fitted value is `x[0]`); `x[0]` itself for a single point.
///
/// `x` must not be empty (callers check; statsforecast raises).
pub(crate) fn ses_forecast(x: &[f64], alpha: f64) -> f64 {
    debug_assert!(!x.is_empty(), "ses_forecast needs at least one point");
    if x.len() == 1 {
        return x[0];
    }
    let complement = 1.0 - alpha;
    // fitted[0] = x[0]; fitted[i] = alpha x[i-1] + (1 - alpha) fitted[i-1]; the
    // forecast is one more step of the same recursion.
    let mut level = x[0];
    for &v in x {
        level = alpha * v + complement * level;
    }
    level
}

/// The smoothing weight in `[lower, upper]` minimising [`ses_sse`], by the
/// same golden-section search as statsforecast's `golden_section_ses`
/// (including its early stop when both probes tie, e.g. for constant input).
pub(crate) fn golden_section_ses(x: &[f64], lower: f64, upper: f64) -> f64 {
    let gr = (5.0_f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lower, upper);
    let mut c = b - (b - a) / gr;
    let mut d = a + (b - a) / gr;
    let mut fc = ses_sse(c, x);
    let mut fd = ses_sse(d, x);
    while (b - a).abs() >= 1e-12 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / gr;
            fc = ses_sse(c, x);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / gr;
            fd = ses_sse(d, x);
        } else {
            break;
        }
    }
    (b + a) / 2.0
}

/// SES forecast with the weight optimised in `[0.1, 0.3]`
/// (statsforecast's `_optimized_ses_forecast`).
pub(crate) fn optimized_ses_forecast(x: &[f64]) -> f64 {
    let alpha = golden_section_ses(x, ALPHA_LOWER, ALPHA_UPPER);
    ses_forecast(x, alpha)
}

/// Forecast of the next sum of `k` consecutive values: the series is cut into
/// non-overlapping chunks of `k` aligned at its end (the oldest `n % k`
/// values are dropped), and the chunk sums are forecast with optimised SES
/// (statsforecast's `chunk_forecast`). `buf` is scratch space, reused across
/// calls to avoid allocating.
pub(crate) fn chunk_forecast(y: &[f64], k: usize, buf: &mut Vec<f64>) -> f64 {
    debug_assert!(k >= 1 && !y.is_empty());
    let n = y.len();
    let lost = n % k;
    if n - lost < k {
        return y[n - 1];
    }
    buf.clear();
    buf.extend(y[lost..].chunks_exact(k).map(|c| c.iter().sum::<f64>()));
    if buf.len() <= 1 {
        return buf[0];
    }
    optimized_ses_forecast(buf)
}

/// Arithmetic mean of the intervals between non-zero values, the first one
/// counted from just before the series start (statsforecast's
/// `_intervals(y).mean()`); `None` when every value is zero.
pub(crate) fn mean_interval(y: &[f64]) -> Option<f64> {
    // the intervals telescope: their sum is the position (1-based) of the last non-zero value
    let count = y.iter().filter(|&&v| v != 0.0).count();
    let last = y.iter().rposition(|&v| v != 0.0)?;
    Some((last + 1) as f64 / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from statsforecast 2.1.1's compiled kernels:
    //   from statsforecast._lib import ses as s; import numpy as np
    //   x = np.array([3., 0, 5, 1, 0, 0, 7, 2, 2, 9, 0, 4])
    //   s.golden_section_ses(x, 0.1, 0.3), s.ses_forecast(x, 0.1)[0], s.ses_sse(0.2, x)
    //   s.chunk_forecast(x, 3), s.golden_section_ses(np.array([1., 5, 2, 8, 3]), 0.1, 0.3)
    const X: [f64; 12] = [3., 0., 5., 1., 0., 0., 7., 2., 2., 9., 0., 4.];

    #[test]
    fn kernels_match_statsforecast() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * b.abs().max(1.0);
        assert!(close(golden_section_ses(&X, 0.1, 0.3), 0.10000000000032039));
        assert!(close(ses_forecast(&X, 0.1), 2.9975517537700003));
        assert!(close(ses_sse(0.2, &X), 117.7547013606915));
        let mut buf = Vec::new();
        assert!(close(chunk_forecast(&X, 3, &mut buf), 8.203000000000957));
        assert!(close(
            golden_section_ses(&[1., 5., 2., 8., 3.], 0.1, 0.3),
            0.29999999999967963
        ));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(ses_forecast(&[4.0], 0.3), 4.0);
        // constant input: both probes tie, the search stops at the midpoint
        assert_eq!(golden_section_ses(&[2.0; 5], 0.1, 0.3), 0.2);
        let mut buf = Vec::new();
        assert_eq!(chunk_forecast(&[1.0, 2.0], 3, &mut buf), 2.0);
        assert_eq!(chunk_forecast(&[1.0, 2.0, 3.0, 4.0], 3, &mut buf), 9.0);
        assert_eq!(mean_interval(&[0.0, 0.0]), None);
        assert_eq!(mean_interval(&[0.0, 2.0, 0.0, 0.0, 1.0, 0.0]), Some(2.5));
    }
}
