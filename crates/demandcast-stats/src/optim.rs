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
//! [`nelder_mead_batch`] walks the same path but evaluates the reflection
//! and expansion points of each iteration in one call, for objectives that
//! evaluate two points at the cost of one (SIMD lanes hiding the latency of
//! a recursion).

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

/// Eigen 3.4's `sum()` of a contiguous segment under SSE2 (packets of two
/// doubles, two packet accumulators, then a horizontal add), for a segment
/// starting `offset` doubles after a 16-byte boundary.
pub(crate) fn eigen_sum(a: &[f64], offset: usize) -> f64 {
    let size = a.len();
    if size == 0 {
        return 0.0;
    }
    let start = (offset % 2).min(size);
    let aligned_size2 = ((size - start) / 4) * 4;
    let aligned_size = ((size - start) / 2) * 2;
    let end2 = start + aligned_size2;
    let end = start + aligned_size;
    if aligned_size == 0 {
        return a[1..].iter().fold(a[0], |acc, v| acc + v);
    }
    let mut p0 = [a[start], a[start + 1]];
    if aligned_size > 2 {
        let mut p1 = [a[start + 2], a[start + 3]];
        let mut i = start + 4;
        while i < end2 {
            p0 = [p0[0] + a[i], p0[1] + a[i + 1]];
            p1 = [p1[0] + a[i + 2], p1[1] + a[i + 3]];
            i += 4;
        }
        p0 = [p0[0] + p1[0], p0[1] + p1[1]];
        if end > end2 {
            p0 = [p0[0] + a[end2], p0[1] + a[end2 + 1]];
        }
    }
    let res = a[..start].iter().fold(p0[0] + p0[1], |acc, v| acc + v);
    a[end..].iter().fold(res, |acc, v| acc + v)
}

/// `StandardDeviation` of nelder_mead.h: `sqrt(((x - mean)^2).mean())` with
/// Eigen's reductions.
fn std_dev(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = eigen_sum(v, 0) / n;
    let sq: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
    (eigen_sum(&sq, 0) / n).sqrt()
}

/// The centroid `(simplex.colwise().sum() - simplex.row(worst)) / n` as
/// Eigen evaluates it into an aligned vector: column pairs are SSE2
/// packets whose rows are reduced as `r0 + ((r1 + r2) + (r3 + r4)) + ...`,
/// then the rows left one by one; an odd last column is a left fold.
fn centroid(simplex: &[Vec<f64>], worst: usize, xo: &mut [f64]) {
    let n = xo.len();
    let rows = simplex.len();
    let size4 = (rows - 1) & !3;
    for (c, out) in xo.iter_mut().enumerate() {
        let mut p = simplex[0][c];
        let mut i = 1;
        if c < n - n % 2 {
            while i < size4 {
                p += (simplex[i][c] + simplex[i + 1][c]) + (simplex[i + 2][c] + simplex[i + 3][c]);
                i += 4;
            }
        }
        while i < rows {
            p += simplex[i][c];
            i += 1;
        }
        *out = (p - simplex[worst][c]) / n as f64;
    }
}

/// libstdc++'s `std::sort` of indices by `f[i] < f[j]`: introsort with
/// median-of-three partitions above 16 elements, then insertion sort. Equal
/// values keep the order this produces, not their original order.
mod stdsort {
    const THRESHOLD: usize = 16;

    fn less(f: &[f64], a: usize, b: usize) -> bool {
        f[a] < f[b]
    }

    pub(super) fn sort(v: &mut [usize], f: &[f64]) {
        let n = v.len();
        if n < 2 {
            return;
        }
        let depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
        introsort_loop(v, 0, n, depth, f);
        final_insertion_sort(v, 0, n, f);
    }

    fn introsort_loop(v: &mut [usize], first: usize, mut last: usize, mut depth: usize, f: &[f64]) {
        while last - first > THRESHOLD {
            if depth == 0 {
                heap_sort(&mut v[first..last], f);
                return;
            }
            depth -= 1;
            let cut = partition_pivot(v, first, last, f);
            introsort_loop(v, cut, last, depth, f);
            last = cut;
        }
    }

    fn partition_pivot(v: &mut [usize], first: usize, last: usize, f: &[f64]) -> usize {
        let mid = first + (last - first) / 2;
        move_median_to_first(v, first, first + 1, mid, last - 1, f);
        let (mut lo, mut hi) = (first + 1, last);
        loop {
            while less(f, v[lo], v[first]) {
                lo += 1;
            }
            hi -= 1;
            while less(f, v[first], v[hi]) {
                hi -= 1;
            }
            if lo >= hi {
                return lo;
            }
            v.swap(lo, hi);
            lo += 1;
        }
    }

    fn move_median_to_first(
        v: &mut [usize],
        result: usize,
        a: usize,
        b: usize,
        c: usize,
        f: &[f64],
    ) {
        let pick = if less(f, v[a], v[b]) {
            if less(f, v[b], v[c]) {
                b
            } else if less(f, v[a], v[c]) {
                c
            } else {
                a
            }
        } else if less(f, v[a], v[c]) {
            a
        } else if less(f, v[b], v[c]) {
            c
        } else {
            b
        };
        v.swap(result, pick);
    }

    fn final_insertion_sort(v: &mut [usize], first: usize, last: usize, f: &[f64]) {
        if last - first > THRESHOLD {
            insertion_sort(v, first, first + THRESHOLD, f);
            for i in first + THRESHOLD..last {
                unguarded_linear_insert(v, i, f);
            }
        } else {
            insertion_sort(v, first, last, f);
        }
    }

    fn insertion_sort(v: &mut [usize], first: usize, last: usize, f: &[f64]) {
        for i in first + 1..last {
            if less(f, v[i], v[first]) {
                let val = v[i];
                v.copy_within(first..i, first + 1);
                v[first] = val;
            } else {
                unguarded_linear_insert(v, i, f);
            }
        }
    }

    fn unguarded_linear_insert(v: &mut [usize], mut last: usize, f: &[f64]) {
        let val = v[last];
        while less(f, val, v[last - 1]) {
            v[last] = v[last - 1];
            last -= 1;
        }
        v[last] = val;
    }

    /// `std::__partial_sort(first, last, last)`: make_heap then sort_heap.
    fn heap_sort(v: &mut [usize], f: &[f64]) {
        let len = v.len();
        if len >= 2 {
            let mut parent = (len - 2) / 2;
            loop {
                let value = v[parent];
                adjust_heap(v, parent, len, value, f);
                if parent == 0 {
                    break;
                }
                parent -= 1;
            }
        }
        let mut last = len;
        while last > 1 {
            last -= 1;
            let value = v[last];
            v[last] = v[0];
            adjust_heap(v, 0, last, value, f);
        }
    }

    fn adjust_heap(v: &mut [usize], mut hole: usize, len: usize, value: usize, f: &[f64]) {
        let top = hole;
        let mut child = hole;
        while child < (len - 1) / 2 {
            child = 2 * (child + 1);
            if less(f, v[child], v[child - 1]) {
                child -= 1;
            }
            v[hole] = v[child];
            hole = child;
        }
        if len % 2 == 0 && child == (len - 2) / 2 {
            child = 2 * (child + 1);
            v[hole] = v[child - 1];
            hole = child - 1;
        }
        let mut parent = hole.wrapping_sub(1) / 2;
        while hole > top && less(f, v[parent], value) {
            v[hole] = v[parent];
            hole = parent;
            parent = hole.wrapping_sub(1) / 2;
        }
        v[hole] = value;
    }
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
    let eval = |xs: &[&[f64]], out: &mut [f64]| {
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = f(x);
        }
    };
    run(eval, false, x0, lower, upper, opts)
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
    f: F,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    opts: &NelderMeadOptions,
) -> NelderMeadResult {
    run(f, true, x0, lower, upper, opts)
}

fn run<F: FnMut(&[&[f64]], &mut [f64])>(
    mut f: F,
    speculate: bool,
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
    let mut one = [0.0];
    if n == 0 {
        f(&[&start], &mut one);
        return NelderMeadResult {
            x: start,
            fun: one[0],
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
    let mut fs = vec![0.0; n + 1];
    {
        let pts: Vec<&[f64]> = simplex.iter().map(|r| r.as_slice()).collect();
        f(&pts, &mut fs);
    }
    let mut best = 0usize;
    let mut it = 0usize;
    let mut order: Vec<usize> = (0..=n).collect();
    let mut xo = vec![0.0; n];
    // trial points: reflection, expansion, outside and inside contraction
    let mut trial = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
    let mut ft = [0.0; 4];
    let mut shrunk = vec![0.0; n];
    while it < opts.max_iter {
        order.iter_mut().enumerate().for_each(|(k, o)| *o = k);
        stdsort::sort(&mut order, &fs);
        best = order[0];
        let worst = order[n];
        let second_worst = order[n - 1];
        if std_dev(&fs) < opts.tol_std {
            break;
        }
        centroid(&simplex, worst, &mut xo);
        let [xr, xe, xoc, xic] = &mut trial;
        for c in 0..n {
            xr[c] = xo[c] + alpha * (xo[c] - simplex[worst][c]);
        }
        clamp(xr, lower, upper);
        for c in 0..n {
            xe[c] = xo[c] + gamma * (xr[c] - xo[c]);
            xoc[c] = xo[c] + rho * (xr[c] - xo[c]);
            xic[c] = xo[c] - rho * (xr[c] - xo[c]);
        }
        clamp(xe, lower, upper);
        clamp(xoc, lower, upper);
        clamp(xic, lower, upper);
        // Reflection and expansion (the most frequent second point) in one
        // call when speculating; the contractions only when needed.
        let done = if speculate { 2 } else { 1 };
        f(
            &[trial[0].as_slice(), trial[1].as_slice()][..done],
            &mut ft[..done],
        );
        let mut value = |k: usize, ft: &mut [f64; 4]| {
            if k >= done {
                f(&[&trial[k]], &mut ft[k..k + 1]);
            }
            ft[k]
        };
        let fr = ft[0];
        it += 1;
        if fs[best] <= fr && fr < fs[second_worst] {
            simplex[worst].copy_from_slice(&trial[0]);
            fs[worst] = fr;
            continue;
        }
        if fr < fs[best] {
            let fe = value(1, &mut ft);
            let k = if fe < fr { 1 } else { 0 };
            simplex[worst].copy_from_slice(&trial[k]);
            fs[worst] = ft[k];
            continue;
        }
        if fs[second_worst] <= fr && fr < fs[worst] {
            let foc = value(2, &mut ft);
            if foc <= fr {
                simplex[worst].copy_from_slice(&trial[2]);
                fs[worst] = foc;
                continue;
            }
        } else {
            let fic = value(3, &mut ft);
            if fic < fs[worst] {
                simplex[worst].copy_from_slice(&trial[3]);
                fs[worst] = fic;
                continue;
            }
        }
        // shrink towards the best vertex
        for j in 0..=n {
            if j == best {
                continue;
            }
            for c in 0..n {
                shrunk[c] = simplex[best][c] + sigma * (simplex[j][c] - simplex[best][c]);
            }
            clamp(&mut shrunk, lower, upper);
            simplex[j].copy_from_slice(&shrunk);
        }
        let idx: Vec<usize> = (0..=n).filter(|&j| j != best).collect();
        let pts: Vec<&[f64]> = idx.iter().map(|&j| simplex[j].as_slice()).collect();
        let mut vals = vec![0.0; idx.len()];
        f(&pts, &mut vals);
        for (&j, v) in idx.iter().zip(vals) {
            fs[j] = v;
        }
    }
    NelderMeadResult {
        x: simplex[best].clone(),
        fun: fs[best],
        n_iter: it + 1,
    }
}

#[cfg(test)]
mod tests {
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
