//! Summations in the exact order of the libraries statsforecast relies on.
//!
//! Rounding depends on the order of additions; the fitted parameters of an
//! ETS model come out of 1000 Nelder-Mead steps whose comparisons can flip
//! on a last-bit difference, so sums feeding the optimiser follow NumPy's
//! pairwise summation exactly (Eigen's order is in [`crate::optim`]).

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
}
