//! Eigen 3.4's reductions (SSE2 build, as in statsforecast's wheels), in
//! their order of additions: `sum()`, `mean()`-based standard deviation and
//! the column sums of the simplex.

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
/// Eigen's reductions (`scratch` holds the squares).
pub(super) fn std_dev(v: &[f64], scratch: &mut Vec<f64>) -> f64 {
    let n = v.len() as f64;
    let mean = eigen_sum(v, 0) / n;
    scratch.clear();
    scratch.extend(v.iter().map(|x| (x - mean) * (x - mean)));
    (eigen_sum(scratch, 0) / n).sqrt()
}

/// The centroid `(simplex.colwise().sum() - simplex.row(worst)) / n` as
/// Eigen evaluates it into an aligned vector: column pairs are SSE2
/// packets whose rows are reduced as `r0 + ((r1 + r2) + (r3 + r4)) + ...`,
/// then the rows left one by one; an odd last column is a left fold.
pub(super) fn centroid(simplex: &[Vec<f64>], worst: usize, xo: &mut [f64]) {
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
