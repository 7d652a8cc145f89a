//! Initial states: statsforecast's `initstate` (ets.py), with the classical
//! decomposition of `statsmodels.tsa.seasonal_decompose` it calls.

use super::spec::Component;
use super::sums::{np_mean, np_sum};
use demandcast_core::Result;

/// Seasonal indices `S_0 .. S_{m-1}` of `seasonal_decompose(y, period=m)`
/// (centred moving average, period means of the detrended series ignoring
/// the edges, normalised to sum 0 or average 1).
pub(crate) fn decompose(y: &[f64], m: usize, mult: bool) -> Vec<f64> {
    let n = y.len();
    let filt: Vec<f64> = if m.is_multiple_of(2) {
        let mut f = vec![1.0; m + 1];
        f[0] = 0.5;
        f[m] = 0.5;
        f.iter().map(|v| v / m as f64).collect()
    } else {
        vec![1.0 / m as f64; m]
    };
    let k = filt.len();
    // convolution_filter(nsides=2): scipy's direct 'valid' convolution (a
    // running dot product, filter reversed), padded with NaN at both ends.
    let trim_head = k.div_ceil(2) - 1;
    let mut trend = vec![f64::NAN; n];
    for i in 0..=(n - k) {
        let mut s = 0.0;
        for (j, fj) in filt.iter().rev().enumerate() {
            s += y[i + j] * fj;
        }
        trend[i + trim_head] = s;
    }
    let detrended: Vec<f64> = y
        .iter()
        .zip(&trend)
        .map(|(v, t)| if mult { v / t } else { v - t })
        .collect();
    // pandas nanmean: NaN replaced by 0 in the sum, not counted.
    let mut avg: Vec<f64> = (0..m)
        .map(|i| {
            let vals: Vec<f64> = detrended[i..].iter().step_by(m).copied().collect();
            let count = vals.iter().filter(|v| !v.is_nan()).count() as f64;
            let filled: Vec<f64> = vals
                .iter()
                .map(|v| if v.is_nan() { 0.0 } else { *v })
                .collect();
            np_sum(&filled) / count
        })
        .collect();
    let mean = np_mean(&avg);
    for a in &mut avg {
        if mult {
            *a /= mean;
        } else {
            *a -= mean;
        }
    }
    avg
}

/// Least squares `min |X b - y|` by Householder QR (`X` is `n x p`,
/// column-major), standing in for NumPy's SVD-based `lstsq` on the small,
/// well-conditioned designs used here (they agree to rounding).
fn lstsq(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let p = x.len();
    let n = y.len();
    let mut a: Vec<Vec<f64>> = x.to_vec();
    let mut rhs = y.to_vec();
    for j in 0..p {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|t| t * t).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        for col in a.iter_mut().skip(j) {
            let dot: f64 = v.iter().zip(&col[j..]).map(|(a, b)| a * b).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in col[j..].iter_mut().zip(&v) {
                *c -= f * vi;
            }
        }
        let dot: f64 = v.iter().zip(&rhs[j..]).map(|(a, b)| a * b).sum();
        let f = 2.0 * dot / vnorm2;
        for (c, vi) in rhs[j..].iter_mut().zip(&v) {
            *c -= f * vi;
        }
    }
    let mut coef = vec![0.0; p];
    for j in (0..p.min(n)).rev() {
        let mut s = rhs[j];
        for k in j + 1..p {
            s -= a[k][j] * coef[k];
        }
        coef[j] = if a[j][j] == 0.0 { 0.0 } else { s / a[j][j] };
    }
    coef
}

/// Intercept and slope of `y` on `1..=n`.
fn linear_fit(y: &[f64]) -> (f64, f64) {
    let t: Vec<f64> = (1..=y.len()).map(|i| i as f64).collect();
    let c = lstsq(&[vec![1.0; y.len()], t], y);
    (c[0], c[1])
}

/// Seasonal decompositions shared by all candidate models of one series.
#[derive(Default)]
pub(crate) struct SeasonalCache {
    additive: Option<Vec<f64>>,
    multiplicative: Option<Vec<f64>>,
}

/// `initstate`: the initial states `[l0, (b0), s_1 .. s_{m-1}]` (the last
/// seasonal state is implied by the others).
pub(crate) fn initstate(
    y: &[f64],
    m: usize,
    trend: Component,
    season: Component,
    cache: &mut SeasonalCache,
) -> Result<Vec<f64>> {
    let n = y.len();
    let (init_seas, y_sa, m) = if season.is_some() {
        if n < 4 {
            return Err(super::spec::invalid(
                "not enough data for a seasonal model".into(),
            ));
        }
        let mult = season == Component::Multiplicative;
        let seasonal: Vec<f64> = if n < 3 * m {
            // Simple Fourier model: intercept, trend, first harmonic.
            let t: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            let w = 2.0 * std::f64::consts::PI * (1.0 / m as f64);
            let cos: Vec<f64> = t.iter().map(|ti| (w * ti).cos()).collect();
            let mut cols = vec![vec![1.0; n], t.clone(), cos];
            // sin(pi t) vanishes for m = 2: statsforecast drops the column.
            if (2.0 / m as f64 - (2.0 / m as f64).round()).abs() > f64::EPSILON {
                cols.push(t.iter().map(|ti| (w * ti).sin()).collect());
            }
            let c = lstsq(&cols, y);
            if mult {
                if y.iter().any(|&v| v <= 0.0) {
                    return Err(super::spec::invalid(
                        "multiplicative seasonality is not appropriate for zero and negative values".into(),
                    ));
                }
                y.iter()
                    .zip(&t)
                    .map(|(v, ti)| v / (c[0] + c[1] * ti))
                    .collect()
            } else {
                y.iter()
                    .zip(&t)
                    .map(|(v, ti)| v - c[0] - c[1] * ti)
                    .collect()
            }
        } else {
            let slot = if mult {
                &mut cache.multiplicative
            } else {
                &mut cache.additive
            };
            let idx = slot.get_or_insert_with(|| decompose(y, m, mult));
            (0..n).map(|i| idx[i % m]).collect()
        };
        let mut init_seas: Vec<f64> = seasonal[1..m].iter().rev().copied().collect();
        let y_sa: Vec<f64> = if mult {
            for v in &mut init_seas {
                *v = v.max(1e-2);
            }
            if np_sum(&init_seas) > m as f64 {
                let plus: Vec<f64> = init_seas.iter().map(|v| v + 1e-2).collect();
                let d = np_sum(&plus);
                for v in &mut init_seas {
                    *v /= d;
                }
            }
            y.iter()
                .zip(&seasonal)
                .map(|(v, s)| v / s.max(1e-2))
                .collect()
        } else {
            y.iter().zip(&seasonal).map(|(v, s)| v - s).collect()
        };
        (init_seas, y_sa, m)
    } else {
        (Vec::new(), y.to_vec(), 1)
    };
    let maxn = 10.max(2 * m).min(y_sa.len());
    let mut out = Vec::with_capacity(2 + init_seas.len());
    match trend {
        Component::None => out.push(np_mean(&y_sa[..maxn])),
        Component::Additive => {
            let (mut l0, mut b0) = linear_fit(&y_sa[..maxn]);
            // With multiplicative errors l0 + b0 must not be 0.
            if (l0 + b0).abs() < 1e-8 {
                l0 *= 1.0 + 1e-3;
                b0 *= 1.0 - 1e-3;
            }
            out.extend([l0, b0]);
        }
        Component::Multiplicative => {
            let (l, b) = linear_fit(&y_sa[..maxn]);
            let mut l0 = l + b;
            if l0.abs() < 1e-8 {
                l0 = 1e-7;
            }
            let mut b0 = (l + 2.0 * b) / l0;
            let div = if b0.abs() <= 1e-8 { 1e-8 } else { b0 };
            l0 /= div;
            if b0.abs() > 1e10 {
                b0 = b0.signum() * 1e10;
            }
            if l0 < 1e-8 || b0 < 1e-8 {
                l0 = y_sa[0].max(1e-3);
                let div = if y_sa[0].abs() <= 1e-8 { 1e-8 } else { y_sa[0] };
                b0 = (y_sa[1] / div).max(1e-3);
            }
            out.extend([l0, b0]);
        }
    }
    out.extend(init_seas);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lstsq_recovers_a_line() {
        let y: Vec<f64> = (1..=10).map(|t| 3.0 + 0.5 * t as f64).collect();
        let (a, b) = linear_fit(&y);
        assert!((a - 3.0).abs() < 1e-12 && (b - 0.5).abs() < 1e-12);
    }

    #[test]
    fn decomposition_of_a_pure_season() {
        let pattern = [1.0, -2.0, 0.5, 0.5];
        let y: Vec<f64> = (0..40).map(|t| 10.0 + pattern[t % 4]).collect();
        let s = decompose(&y, 4, false);
        for (a, b) in s.iter().zip(pattern) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
