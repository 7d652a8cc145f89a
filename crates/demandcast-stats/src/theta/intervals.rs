//! Theta prediction intervals as statsforecast computes them
//! (`compute_pi_samples` in `theta.py`): 200 simulated paths of the dynamic
//! Theta recursion with `N(0, sigma)` errors from `np.random.default_rng(0)`,
//! stored as float32, and NumPy's linear-interpolation quantiles per step.
//!
//! The float32 storage, the update order and the quantile's float32 lerp are
//! replicated so that bounds agree with statsforecast to float32 precision.

use super::model::State;
use super::rng::NumpyRng;
use demandcast_core::Level;

/// Paths per simulation and seed, as statsforecast hard-codes them.
const N_SAMPLES: usize = 200;
const SEED: u32 = 0;

/// What the simulation starts from.
pub(crate) struct SimInput {
    /// Series length (the first simulated step is `t = n`).
    pub n: usize,
    /// The last state of the fit.
    pub state: State,
    /// Plain mean of the (seasonally adjusted) series.
    pub mean_y: f64,
    /// Error standard deviation.
    pub sigma: f64,
    /// Smoothing parameter.
    pub alpha: f64,
    /// Theta coefficient.
    pub theta: f64,
}

/// Lower and upper bounds (before any seasonal re-adjustment) per level,
/// each of length `h`.
pub(crate) fn simulated_bounds(
    inp: &SimInput,
    h: usize,
    levels: &[Level],
) -> Vec<(Vec<f64>, Vec<f64>)> {
    let alpha = inp.alpha;
    let q = 1.0 - alpha;
    let c = 1.0 - 1.0 / inp.theta;
    let mut rng = NumpyRng::new(SEED);
    // Per-path states; the first step broadcasts the fitted scalars, which
    // gives the same numbers as statsforecast's scalar first iteration.
    let mut smoothed = [inp.state.level; N_SAMPLES];
    let mut mean_y = [inp.mean_y; N_SAMPLES];
    let mut a = [inp.state.a; N_SAMPLES];
    let mut b = [inp.state.b; N_SAMPLES];
    let mut row = [0f32; N_SAMPLES];
    let mut out: Vec<(Vec<f64>, Vec<f64>)> = levels
        .iter()
        .map(|_| (Vec::with_capacity(h), Vec::with_capacity(h)))
        .collect();
    for i in inp.n..inp.n + h {
        let fi = i as f64;
        let qi = q.powf(fi);
        let qi1 = q.powf(fi + 1.0);
        for k in 0..N_SAMPLES {
            let base = smoothed[k] + c * (a[k] * qi + b[k] * (1.0 - qi1) / alpha);
            let err = inp.sigma * rng.standard_normal();
            // samples (float32) = base; samples += errors (float64 add, float32 store)
            let s = f64::from((f64::from(base as f32) + err) as f32);
            row[k] = s as f32;
            smoothed[k] = alpha * s + q * smoothed[k];
            mean_y[k] = (fi * mean_y[k] + s) / (fi + 1.0);
            b[k] = ((fi - 1.0) * b[k] + 6.0 * (s - mean_y[k]) / (fi + 1.0)) / (fi + 2.0);
            a[k] = mean_y[k] - b[k] * (fi + 2.0) / 2.0;
        }
        row.sort_by(f32::total_cmp);
        for (lv, (lo, hi)) in levels.iter().zip(out.iter_mut()) {
            let min_q = (100.0 - lv.percent()) / 200.0;
            let max_q = min_q + lv.percent() / 100.0;
            lo.push(f64::from(quantile_sorted(&row, min_q)));
            hi.push(f64::from(quantile_sorted(&row, max_q)));
        }
    }
    out
}

/// `np.quantile(x, q)` (method "linear") of sorted float32 data with a
/// Python-float `q`: the interpolation runs in float32, as NumPy does.
fn quantile_sorted(x: &[f32], q: f64) -> f32 {
    let n = x.len();
    let virtual_index = (n - 1) as f64 * q;
    if virtual_index >= (n - 1) as f64 {
        return x[n - 1];
    }
    if virtual_index <= 0.0 {
        return x[0];
    }
    let prev = virtual_index.floor();
    let gamma = virtual_index - prev;
    let (lo, hi) = (x[prev as usize], x[prev as usize + 1]);
    let diff = hi - lo;
    if gamma >= 0.5 {
        hi - diff * ((1.0 - gamma) as f32)
    } else {
        lo + diff * (gamma as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_numpy_linear() {
        // x = np.arange(200, dtype=np.float32)**2
        // [float(np.quantile(x, q)) for q in [0.1, 0.9, 0.025]]  (scalar q: float32 lerp)
        // -> 396.1000061035156, 32076.900390625, 24.774999618530273 (the f32 literals below)
        let x: Vec<f32> = (0..200).map(|v| (v * v) as f32).collect();
        assert_eq!(quantile_sorted(&x, 0.1), 396.1);
        assert_eq!(quantile_sorted(&x, 0.9), 32_076.9);
        assert_eq!(quantile_sorted(&x, 0.025), 24.775);
    }
}
