//! Simple exponential smoothing kernels shared by the intermittent-demand
//! models (Croston, ADIDA, IMAPA, TSB), ported from statsforecast's
//! `src/ses.cpp` (`ses_sse`, `ses_forecast`, `golden_section_ses`,
//! `chunk_forecast`) so that optimised smoothing weights, and hence
//! forecasts, match statsforecast to rounding.
//!
//! The weight search, [`golden_section_many`], gives statsforecast's result
//! bit for bit but runs several SSE recursions side by side; the plain port
//! (`golden_section_ses`) is kept for the tests as the reference.

/// Default lower bound of the optimised smoothing weight (statsforecast's `bounds=(0.1, 0.3)`).
pub(crate) const ALPHA_LOWER: f64 = 0.1;
/// Default upper bound of the optimised smoothing weight.
pub(crate) const ALPHA_UPPER: f64 = 0.3;

/// Sum of squared one-step errors of SES with weight `alpha`, the level
/// starting at `x[0]` (statsforecast's `ses_sse`); 0 below two points.
#[cfg(test)]
fn ses_sse(alpha: f64, x: &[f64]) -> f64 {
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

/// The smoothing weight in `[lower, upper]` minimising `ses_sse`, by the
/// same golden-section search as statsforecast's `golden_section_ses`
/// (including its early stop when both probes tie, e.g. for constant input).
#[cfg(test)]
fn golden_section_ses(x: &[f64], lower: f64, upper: f64) -> f64 {
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

/// One golden-section search of `golden_section_ses`, advanced a step at a time.
#[derive(Debug, Clone, Copy)]
struct Search {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    fc: f64,
    fd: f64,
    /// Which probe awaits its value: `c` (true) or `d`.
    pending_c: bool,
    /// Values of this pass: the pending probe, and the next probe if it moves left or right.
    values: [f64; 3],
}

impl Search {
    /// One iteration of statsforecast's loop, with its arithmetic: `None`
    /// when the search stops, else whether the new probe is `c`.
    fn step(&mut self, gr: f64) -> Option<bool> {
        if (self.b - self.a).abs() < 1e-12 {
            return None;
        }
        if self.fc < self.fd {
            self.b = self.d;
            self.d = self.c;
            self.fd = self.fc;
            self.c = self.b - (self.b - self.a) / gr;
            Some(true)
        } else if self.fd < self.fc {
            self.a = self.c;
            self.c = self.d;
            self.fc = self.fd;
            self.d = self.a + (self.b - self.a) / gr;
            Some(false)
        } else {
            None
        }
    }

    /// The probe the next step makes if it moves left (`c`) or right (`d`),
    /// computed as [`Search::step`] does; `None` if the search stops first.
    fn next_probes(&self, gr: f64) -> Option<(f64, f64)> {
        ((self.b - self.a).abs() >= 1e-12).then(|| {
            (
                self.d - (self.d - self.a) / gr,
                self.c + (self.b - self.c) / gr,
            )
        })
    }

    fn set_pending(&mut self, v: f64) {
        if self.pending_c {
            self.fc = v;
        } else {
            self.fd = v;
        }
    }
}

/// Scratch space of [`golden_section_many`], reused across calls.
#[derive(Debug, Default)]
pub(crate) struct ManyScratch {
    order: Vec<usize>,
    searches: Vec<Search>,
    /// `(series, alpha, slot in Search::values)`, by decreasing series length.
    probes: Vec<(usize, f64, usize)>,
    sse: Vec<f64>,
}

/// `golden_section_ses` on several series at once, with the same result
/// for each, bit for bit.
///
/// Each SSE evaluation is a chain of dependent multiply-adds, so it leaves
/// most floating-point units idle; this runs several chains side by side
/// ([`LANES`] at a time). The searches advance in lockstep, and each pass
/// evaluates, besides every search's pending probe, the two probes its next
/// step can make (the step depends only on which of `f(c)`, `f(d)` is
/// smaller): each pass advances every search by two steps. About two to
/// three times as fast as one search after another, exactly.
pub(crate) fn golden_section_many(
    xs: &[&[f64]],
    lower: f64,
    upper: f64,
    scratch: &mut ManyScratch,
    alphas: &mut Vec<f64>,
) {
    let gr = (5.0_f64.sqrt() + 1.0) / 2.0;
    let ManyScratch {
        order,
        searches,
        probes,
        sse,
    } = scratch;
    // longest first, so that the chains still running form a prefix
    order.clear();
    order.extend(0..xs.len());
    order.sort_by_key(|&j| std::cmp::Reverse(xs[j].len()));
    searches.clear();
    searches.extend(xs.iter().map(|_| {
        let (a, b) = (lower, upper);
        Search {
            a,
            b,
            c: b - (b - a) / gr,
            d: a + (b - a) / gr,
            fc: 0.0,
            fd: 0.0,
            pending_c: true,
            values: [0.0; 3],
        }
    }));
    // first pass: both initial probes of every search, then its first step
    probes.clear();
    for &j in order.iter() {
        probes.push((j, searches[j].c, 0));
        probes.push((j, searches[j].d, 1));
    }
    sse_many(xs, probes, sse);
    for (&(j, _, slot), &v) in probes.iter().zip(sse.iter()) {
        if slot == 0 {
            searches[j].fc = v;
        } else {
            searches[j].fd = v;
        }
    }
    order.retain(|&j| {
        let s = &mut searches[j];
        s.step(gr).map(|c| s.pending_c = c).is_some()
    });
    while !order.is_empty() {
        probes.clear();
        for &j in order.iter() {
            let s = &searches[j];
            probes.push((j, if s.pending_c { s.c } else { s.d }, 0));
            if let Some((left, right)) = s.next_probes(gr) {
                probes.push((j, left, 1));
                probes.push((j, right, 2));
            }
        }
        sse_many(xs, probes, sse);
        for (&(j, _, slot), &v) in probes.iter().zip(sse.iter()) {
            searches[j].values[slot] = v;
        }
        order.retain(|&j| {
            let s = &mut searches[j];
            s.set_pending(s.values[0]);
            let Some(c) = s.step(gr) else {
                return false;
            };
            // the step made one of the two probes evaluated ahead
            s.pending_c = c;
            s.set_pending(s.values[if c { 1 } else { 2 }]);
            s.step(gr).map(|c| s.pending_c = c).is_some()
        });
    }
    alphas.clear();
    alphas.extend(searches.iter().map(|s| (s.b + s.a) / 2.0));
}

/// Probes evaluated side by side: enough independent recursions to keep the
/// floating-point units busy, few enough to keep their state in registers.
const LANES: usize = 8;

/// `ses_sse` of each probe `(series, alpha, _)`, probes ordered by
/// decreasing series length, evaluated [`LANES`] at a time.
fn sse_many(xs: &[&[f64]], probes: &[(usize, f64, usize)], sse: &mut Vec<f64>) {
    sse.clear();
    for group in probes.chunks(LANES) {
        let mut x: [&[f64]; LANES] = [&[]; LANES];
        let mut alpha = [0.0; LANES];
        for (b, &(j, a, _)) in group.iter().enumerate() {
            x[b] = xs[j];
            alpha[b] = a;
        }
        let mut level = x.map(|v| v.first().copied().unwrap_or(0.0));
        let mut acc = [0.0; LANES];
        // while `active` lanes are still running (the shortest series end first)
        let mut from = 1;
        for active in (1..=group.len()).rev() {
            let to = x[active - 1].len();
            if to > from {
                match active {
                    8 => sse_lanes::<8>(&x, &alpha, &mut level, &mut acc, from, to),
                    7 => sse_lanes::<7>(&x, &alpha, &mut level, &mut acc, from, to),
                    6 => sse_lanes::<6>(&x, &alpha, &mut level, &mut acc, from, to),
                    5 => sse_lanes::<5>(&x, &alpha, &mut level, &mut acc, from, to),
                    4 => sse_lanes::<4>(&x, &alpha, &mut level, &mut acc, from, to),
                    3 => sse_lanes::<3>(&x, &alpha, &mut level, &mut acc, from, to),
                    2 => sse_lanes::<2>(&x, &alpha, &mut level, &mut acc, from, to),
                    _ => sse_lanes::<1>(&x, &alpha, &mut level, &mut acc, from, to),
                }
                from = to;
            }
        }
        sse.extend_from_slice(&acc[..group.len()]);
    }
}

/// Steps `from..to` of `ses_sse` for the first `B` lanes, with exactly its
/// arithmetic (each lane's result is bit for bit the one-at-a-time result).
#[inline(always)]
fn sse_lanes<const B: usize>(
    x: &[&[f64]; LANES],
    alpha: &[f64; LANES],
    level: &mut [f64; LANES],
    acc: &mut [f64; LANES],
    from: usize,
    to: usize,
) {
    let mut l: [f64; B] = std::array::from_fn(|b| level[b]);
    let mut s: [f64; B] = std::array::from_fn(|b| acc[b]);
    let a: [f64; B] = std::array::from_fn(|b| alpha[b]);
    let c: [f64; B] = std::array::from_fn(|b| 1.0 - alpha[b]);
    // every lane's window has length `n`, so the indexing below needs no checks
    let n = to - from + 1;
    let xb: [&[f64]; B] = std::array::from_fn(|b| &x[b][from - 1..from - 1 + n]);
    for i in 1..n {
        for b in 0..B {
            l[b] = a[b] * xb[b][i - 1] + c[b] * l[b];
            let err = xb[b][i] - l[b];
            s[b] += err * err;
        }
    }
    level[..B].copy_from_slice(&l);
    acc[..B].copy_from_slice(&s);
}

/// SES forecast with the weight optimised in `[0.1, 0.3]`
/// (statsforecast's `_optimized_ses_forecast`).
pub(crate) fn optimized_ses_forecast(x: &[f64]) -> f64 {
    let mut alphas = Vec::with_capacity(1);
    golden_section_many(
        &[x],
        ALPHA_LOWER,
        ALPHA_UPPER,
        &mut ManyScratch::default(),
        &mut alphas,
    );
    ses_forecast(x, alphas[0])
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
    fn lockstep_search_is_bitwise_identical() {
        // pseudo-random intermittent series of different lengths, including 1 and 2
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 33) as f64 / (1u64 << 31) as f64;
            if u < 0.5 {
                0.0
            } else {
                (u * 20.0).floor()
            }
        };
        let data: Vec<Vec<f64>> = [300, 1, 150, 2, 99, 300, 37, 5]
            .iter()
            .map(|&n| (0..n).map(|_| next()).collect())
            .collect();
        let mut xs: Vec<&[f64]> = data.iter().map(Vec::as_slice).collect();
        xs.push(&[3.0, 3.0, 3.0]); // constant: the search stops at once
        let (mut scratch, mut alphas) = (ManyScratch::default(), Vec::new());
        golden_section_many(&xs, 0.1, 0.3, &mut scratch, &mut alphas);
        for (x, a) in xs.iter().zip(&alphas) {
            assert_eq!(a.to_bits(), golden_section_ses(x, 0.1, 0.3).to_bits());
        }
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
