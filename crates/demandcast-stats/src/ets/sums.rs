//! Summations in the exact order of the libraries statsforecast relies on.
//!
//! Rounding depends on the order of additions; the fitted parameters of an
//! ETS model come out of 1000 Nelder-Mead steps whose comparisons can flip
//! on a last-bit difference, so sums feeding the optimiser follow NumPy's
//! pairwise summation and Eigen's (SSE2) vectorised reduction exactly.

/// `np.sum(a)` for float64: NumPy's pairwise summation (blocks of 128,
/// eight accumulators), starting from zero.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut r = 0.0;
        for v in a {
            r += v;
        }
        r
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

/// `np.mean(a)`.
pub(crate) fn np_mean(a: &[f64]) -> f64 {
    np_sum(a) / a.len() as f64
}

/// Eigen 3.4's `sum()` of a contiguous segment under SSE2 (packets of two
/// doubles, two packet accumulators), where the segment starts `offset`
/// doubles after a 16-byte boundary.
pub(crate) fn eigen_sum(a: &[f64], offset: usize) -> f64 {
    let size = a.len();
    if size == 0 {
        return 0.0;
    }
    let aligned_start = (offset % 2).min(size);
    let aligned_size2 = ((size - aligned_start) / 4) * 4;
    let aligned_size = ((size - aligned_start) / 2) * 2;
    let aligned_end2 = aligned_start + aligned_size2;
    let aligned_end = aligned_start + aligned_size;
    if aligned_size == 0 {
        let mut res = a[0];
        for v in &a[1..] {
            res += v;
        }
        return res;
    }
    let s = aligned_start;
    let mut p0 = [a[s], a[s + 1]];
    if aligned_size > 2 {
        let mut p1 = [a[s + 2], a[s + 3]];
        let mut i = s + 4;
        while i < aligned_end2 {
            p0 = [p0[0] + a[i], p0[1] + a[i + 1]];
            p1 = [p1[0] + a[i + 2], p1[1] + a[i + 3]];
            i += 4;
        }
        p0 = [p0[0] + p1[0], p0[1] + p1[1]];
        if aligned_end > aligned_end2 {
            p0 = [p0[0] + a[aligned_end2], p0[1] + a[aligned_end2 + 1]];
        }
    }
    let mut res = p0[0] + p0[1];
    for v in &a[..aligned_start] {
        res += v;
    }
    for v in &a[aligned_end..] {
        res += v;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_matches_numpy_examples() {
        // np.sum(np.array([1e16, 1.0, -1e16, 1.0] * 5 + [3.0]))  -> 4.0 (not 7.0: rounding)
        let mut v = Vec::new();
        for _ in 0..5 {
            v.extend([1e16, 1.0, -1e16, 1.0]);
        }
        v.push(3.0);
        assert_eq!(np_sum(&v), 4.0);
        assert_eq!(np_sum(&[1.0, 2.0, 3.0]), 6.0);
        let long: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
        assert!((np_sum(&long) - 49950.0).abs() < 1e-9);
    }

    #[test]
    fn eigen_sum_small_and_large() {
        assert_eq!(eigen_sum(&[1.0], 1), 1.0);
        assert_eq!(eigen_sum(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 1), 28.0);
        assert_eq!(eigen_sum(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 0), 28.0);
    }
}
