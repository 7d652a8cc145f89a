//! Bounded Nelder-Mead, a line-by-line port of statsforecast's
//! `include/statsforecast/nelder_mead.h` (used there by ETS and Theta).
//!
//! Hand-written rather than taken from a crate (argmin has Nelder-Mead) on
//! purpose: matching statsforecast's fitted parameters requires the exact
//! same simplex initialisation, clamping to bounds, stopping rule (standard
//! deviation of the simplex values) and tie handling.

/// Settings of [`nelder_mead`]; defaults are statsforecast's ETS settings.
#[derive(Debug, Clone, Copy)]
pub struct NelderMeadOptions {
    /// Relative perturbation of each coordinate for the initial simplex.
    pub init_step: f64,
    /// Perturbation used for coordinates that are exactly zero.
    pub zero_pert: f64,
    /// Reflection coefficient.
    pub alpha: f64,
    /// Expansion coefficient.
    pub gamma: f64,
    /// Contraction coefficient.
    pub rho: f64,
    /// Shrink coefficient.
    pub sigma: f64,
    /// Maximum iterations.
    pub max_iter: usize,
    /// Stop when the (population) standard deviation of the simplex values is below this.
    pub tol_std: f64,
    /// Dimension-adaptive coefficients (Gao & Han 2012).
    pub adaptive: bool,
}

impl Default for NelderMeadOptions {
    fn default() -> Self {
        Self {
            init_step: 0.05,
            zero_pert: 1.0e-4,
            alpha: 1.0,
            gamma: 2.0,
            rho: 0.5,
            sigma: 0.5,
            max_iter: 2_000,
            tol_std: 1.0e-10,
            adaptive: false,
        }
    }
}

/// The outcome of [`nelder_mead`].
#[derive(Debug, Clone)]
pub struct NelderMeadResult {
    /// The best point found.
    pub x: Vec<f64>,
    /// The objective at `x`.
    pub fun: f64,
    /// Iterations run.
    pub n_iter: usize,
}

fn clamp(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
        *v = v.max(*lo).min(*hi);
    }
}

fn std_dev(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
}

/// Minimises `f` over the box `[lower, upper]` from `x0`.
///
/// # Example
/// ```
/// use demandcast_stats::optim::{nelder_mead, NelderMeadOptions};
/// let r = nelder_mead(
///     |x| (x[0] - 1.0).powi(2) + (x[1] + 0.5).powi(2),
///     &[0.3, 0.3],
///     &[-2.0, -2.0],
///     &[2.0, 2.0],
///     &NelderMeadOptions::default(),
/// );
/// assert!((r.x[0] - 1.0).abs() < 1e-4 && (r.x[1] + 0.5).abs() < 1e-4);
/// ```
pub fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    opts: &NelderMeadOptions,
) -> NelderMeadResult {
    let n = x0.len();
    let (mut gamma, mut rho, mut sigma) = (opts.gamma, opts.rho, opts.sigma);
    let alpha = opts.alpha;
    if opts.adaptive && n > 0 {
        let nf = n as f64;
        gamma = 1.0 + 2.0 / nf;
        rho = 0.75 - 1.0 / (2.0 * nf);
        sigma = 1.0 - 1.0 / nf;
    }
    let mut start = x0.to_vec();
    clamp(&mut start, lower, upper);
    if n == 0 {
        let fun = f(&start);
        return NelderMeadResult {
            x: start,
            fun,
            n_iter: 0,
        };
    }
    let mut simplex: Vec<Vec<f64>> = vec![start.clone(); n + 1];
    for (i, row) in simplex.iter_mut().enumerate().take(n) {
        let mut val = row[i];
        if val == 0.0 {
            val = opts.zero_pert;
        } else {
            val *= 1.0 + opts.init_step;
        }
        row[i] = val.max(lower[i]).min(upper[i]);
    }
    let mut fs: Vec<f64> = simplex.iter().map(|x| f(x)).collect();
    let mut best = 0usize;
    let mut it = 0usize;
    let mut order: Vec<usize> = (0..=n).collect();
    while it < opts.max_iter {
        // Stable argsort, as std::sort on indices with `<` (ties keep no
        // guaranteed order there; stable order is the natural reading).
        order.iter_mut().enumerate().for_each(|(k, o)| *o = k);
        order.sort_by(|&a, &b| fs[a].partial_cmp(&fs[b]).unwrap_or(std::cmp::Ordering::Equal));
        best = order[0];
        let worst = order[n];
        let second_worst = order[n - 1];
        if std_dev(&fs) < opts.tol_std {
            break;
        }
        // Centroid as nelder_mead.h computes it: the sum of all rows minus the
        // worst row (not the sum of the others), for the same rounding.
        let mut xo = vec![0.0; n];
        for row in &simplex {
            for (c, v) in row.iter().enumerate() {
                xo[c] += v;
            }
        }
        for (c, v) in xo.iter_mut().enumerate() {
            *v = (*v - simplex[worst][c]) / n as f64;
        }
        let mut xr: Vec<f64> = (0..n)
            .map(|c| xo[c] + alpha * (xo[c] - simplex[worst][c]))
            .collect();
        clamp(&mut xr, lower, upper);
        let fr = f(&xr);
        if fs[best] <= fr && fr < fs[second_worst] {
            simplex[worst] = xr;
            fs[worst] = fr;
            it += 1;
            continue;
        }
        if fr < fs[best] {
            let mut xe: Vec<f64> = (0..n).map(|c| xo[c] + gamma * (xr[c] - xo[c])).collect();
            clamp(&mut xe, lower, upper);
            let fe = f(&xe);
            if fe < fr {
                simplex[worst] = xe;
                fs[worst] = fe;
            } else {
                simplex[worst] = xr;
                fs[worst] = fr;
            }
            it += 1;
            continue;
        }
        if fs[second_worst] <= fr && fr < fs[worst] {
            let mut xoc: Vec<f64> = (0..n).map(|c| xo[c] + rho * (xr[c] - xo[c])).collect();
            clamp(&mut xoc, lower, upper);
            let foc = f(&xoc);
            if foc <= fr {
                simplex[worst] = xoc;
                fs[worst] = foc;
                it += 1;
                continue;
            }
        } else {
            let mut xic: Vec<f64> = (0..n).map(|c| xo[c] - rho * (xr[c] - xo[c])).collect();
            clamp(&mut xic, lower, upper);
            let fic = f(&xic);
            if fic < fs[worst] {
                simplex[worst] = xic;
                fs[worst] = fic;
                it += 1;
                continue;
            }
        }
        let xb = simplex[best].clone();
        for j in 0..=n {
            if j == best {
                continue;
            }
            for c in 0..n {
                simplex[j][c] = xb[c] + sigma * (simplex[j][c] - xb[c]);
            }
            let (lo, hi) = (lower, upper);
            clamp(&mut simplex[j], lo, hi);
            fs[j] = f(&simplex[j]);
        }
        it += 1;
    }
    NelderMeadResult {
        x: simplex[best].clone(),
        fun: fs[best],
        n_iter: it + 1,
    }
}
