//! Bounded Nelder-Mead, a line-by-line port of statsforecast's
//! `include/statsforecast/nelder_mead.h` (used there by ETS and Theta).
//!
//! Hand-written rather than taken from a crate (argmin has Nelder-Mead) on
//! purpose: matching statsforecast's fitted parameters requires the exact
//! same simplex initialisation, clamping to bounds, stopping rule (standard
//! deviation of the simplex values) and tie handling. Sums follow Eigen's
//! SSE2 reduction order and the ranking of the simplex follows libstdc++'s
//! `std::sort` (unstable beyond 16 vertices), because ETS models with many
//! states walk a path of 1000 steps where one flipped comparison matters.
//!
//! The iteration itself is the state machine [`NelderMead`] (ask for points,
//! tell their values), so that several runs can pool their evaluations;
//! [`nelder_mead`] drives it with a function, [`nelder_mead_batch`] with a
//! batch objective that also takes the optional expansion point of each
//! iteration (for objectives that evaluate two points at the cost of one:
//! SIMD lanes hiding the latency of a recursion). All three walk the same path.

mod eigen;
mod state;
mod stdsort;

pub(crate) use eigen::eigen_sum;
pub use state::NelderMead;

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
    let mut nm = NelderMead::new(x0, lower, upper, opts);
    let mut values = Vec::new();
    while !nm.is_done() {
        let (required, _) = nm.wanted();
        values.clear();
        values.extend((0..required).map(|k| f(nm.point(k))));
        nm.tell(&values);
    }
    nm.result()
}

/// [`nelder_mead`] for objectives that evaluate points in batches: `f(xs,
/// out)` writes the objective at each point of `xs` into `out`. Each
/// iteration evaluates its reflection and expansion points at once (more
/// than half of the iterations need only the first, a third the second);
/// the contractions come alone, the initial simplex and shrink steps in
/// batches of up to `n + 1` points. The path, and so the result, is the one
/// of [`nelder_mead`] for the same objective.
///
/// # Example
/// ```
/// use demandcast_stats::optim::{nelder_mead, nelder_mead_batch, NelderMeadOptions};
/// let f = |x: &[f64]| (x[0] - 1.0).powi(2) + 3.0 * (x[1] + 0.5).powi(2);
/// let opts = NelderMeadOptions::default();
/// let a = nelder_mead(f, &[0.3, 0.3], &[-2.0, -2.0], &[2.0, 2.0], &opts);
/// let b = nelder_mead_batch(
///     |xs: &[&[f64]], out: &mut [f64]| xs.iter().zip(out).for_each(|(x, o)| *o = f(x)),
///     &[0.3, 0.3], &[-2.0, -2.0], &[2.0, 2.0], &opts,
/// );
/// assert_eq!((a.x, a.n_iter), (b.x, b.n_iter));
/// ```
pub fn nelder_mead_batch<F: FnMut(&[&[f64]], &mut [f64])>(
    mut f: F,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    opts: &NelderMeadOptions,
) -> NelderMeadResult {
    let mut nm = NelderMead::new(x0, lower, upper, opts);
    let mut values = Vec::new();
    while !nm.is_done() {
        let (_, offered) = nm.wanted();
        let points: Vec<&[f64]> = (0..offered).map(|k| nm.point(k)).collect();
        values.resize(offered, 0.0);
        f(&points, &mut values);
        nm.tell(&values);
    }
    nm.result()
}

#[cfg(test)]
mod tests {
    use super::eigen::centroid;
    use super::*;

    #[test]
    fn stdsort_orders_with_ties_and_infinities() {
        let mut seed = 7u64;
        for len in [1usize, 2, 5, 16, 17, 18, 25, 40, 90] {
            let f: Vec<f64> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match seed >> 61 {
                        0 => f64::INFINITY,
                        1 => 1.5,
                        _ => (seed >> 11) as f64 / (1u64 << 53) as f64,
                    }
                })
                .collect();
            let mut v: Vec<usize> = (0..len).collect();
            stdsort::sort(&mut v, &f);
            assert!(v.windows(2).all(|w| f[w[0]] <= f[w[1]]), "len {len}");
            let mut seen = v.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn eigen_reductions() {
        // Eigen: VectorXd::LinSpaced(7, 1, 7).sum() == 28; offsets only reorder.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        assert_eq!(eigen_sum(&a, 0), 28.0);
        assert_eq!(eigen_sum(&a, 1), 28.0);
        assert_eq!(eigen_sum(&[], 0), 0.0);
        // A left fold gives ((1 + 1e16) + 1) - 1e16 = 0; Eigen's packets
        // add (1 + 1) + (1e16 - 1e16) = 2.
        assert_eq!(eigen_sum(&[1.0, 1e16, 1.0, -1e16], 0), 2.0);
        let simplex = vec![vec![1.0, 2.0, 3.0]; 6];
        let mut xo = [0.0; 3];
        centroid(&simplex, 2, &mut xo);
        assert_eq!(xo, [5.0 / 3.0, 10.0 / 3.0, 5.0]);
    }
}
