//! The fast likelihood for additive models (error A; trend N, A or damped
//! A; season N or A), evaluating four parameter vectors at once.
//!
//! Why: the C++ recursion is a chain of about nine dependent additions and
//! multiplications per observation (level, then growth from the new level,
//! then the seasonal state), so one evaluation is bound by latency, not by
//! arithmetic. Two changes remove that bound:
//!
//! * the recursion is rewritten as a linear map on the pair (one-step level
//!   forecast `q`, growth `b`): `q' = (1 - k) q + phi^2 b + k p`,
//!   `b' = -beta q + phi b + beta p` with `p = y - s_old`,
//!   `k = alpha + phi beta`, `e = p - q` and `s' = s_old + gamma e`. This is
//!   algebraically the C++ update (`b' = phi b + (beta / alpha)(l' - l -
//!   phi b)` reduces to `phi b + beta e`), and it is applied two
//!   observations at a time (the map squared), which leaves one
//!   multiplication and two additions on the critical path per *two*
//!   observations instead of about nine operations per observation. It
//!   rounds differently, by a few units in the last place of the
//!   likelihood (the optimiser's path is unchanged in all reference tests);
//! * two points (the reflection and expansion points of a Nelder-Mead
//!   iteration, see [`crate::optim::nelder_mead_batch`]) run in lock-step in
//!   the two halves of an SSE2 register, at the cost of one.
//!
//! Lanes whose sum of squares is not finite (diverging parameters) are
//! recomputed with the exact kernel, which decides between `+inf` and the
//! C++ code's NaN-to-`-inf` mapping as statsforecast does.

/// Lanes evaluated together (an SSE2 register of two doubles).
pub(crate) const LANES: usize = 2;

type V = [f64; LANES];

/// Per-lane coefficients of the rewritten recursion, for one step and for
/// two steps at once, and the initial states.
///
/// One step maps `(q, b)` with input `p` to `(A q + B b + K p, C q + D b +
/// G p)`; two steps map `(q, b)` with inputs `p0, p1` to `(A2 q + B2 b + K2
/// p0 + K p1, C2 q + D2 b + G2 p0 + G p1)`, which halves the length of the
/// dependency chain per observation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LaneParams {
    a: V,
    b: V,
    k: V,
    c: V,
    d: V,
    g: V,
    a2: V,
    b2: V,
    k2: V,
    c2: V,
    d2: V,
    g2: V,
    gamma: V,
    /// initial one-step level forecast `l0 + phi * b0`
    q0: V,
    b0: V,
}

impl LaneParams {
    /// Sets lane `j` from smoothing parameters and initial level and growth
    /// (`beta = 0`, `b0 = 0`, `phi = 1` without trend; `gamma = 0` without season).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn set(&mut self, j: usize, alpha: f64, beta: f64, gamma: f64, phi: f64, l0: f64, b0: f64) {
        let k = alpha + phi * beta;
        let (a, b, c, d, g) = (1.0 - k, phi * phi, -beta, phi, beta);
        self.a[j] = a;
        self.b[j] = b;
        self.k[j] = k;
        self.c[j] = c;
        self.d[j] = d;
        self.g[j] = g;
        self.a2[j] = a * a + b * c;
        self.b2[j] = a * b + b * d;
        self.k2[j] = a * k + b * g;
        self.c2[j] = c * a + d * c;
        self.d2[j] = c * b + d * d;
        self.g2[j] = c * k + d * g;
        self.gamma[j] = gamma;
        self.q0[j] = l0 + phi * b0;
        self.b0[j] = b0;
    }
}

/// Sums of squared one-step errors of the lanes. `ring[k][j]` is lane
/// `j`'s seasonal state used at times `k, k + m, ...` (overwritten); it is
/// ignored (and may be empty) when `season` is false.
pub(crate) fn sse_lanes(y: &[f64], lp: &LaneParams, trend: bool, season: bool, ring: &mut [V]) -> V {
    match (trend, season) {
        (false, false) => run::<false, false>(y, lp, ring),
        (false, true) => run::<false, true>(y, lp, ring),
        (true, false) => run::<true, false>(y, lp, ring),
        (true, true) => run::<true, true>(y, lp, ring),
    }
}

#[inline(always)]
fn run<const TREND: bool, const SEASON: bool>(y: &[f64], lp: &LaneParams, ring: &mut [V]) -> V {
    let mut q = lp.q0;
    let mut b = lp.b0;
    let mut sse = [0.0; LANES];
    let m = if SEASON { ring.len() } else { 1 };
    let zero = [0.0; LANES];
    let mut k = 0;
    let mut pairs = y.chunks_exact(2);
    for pair in &mut pairs {
        // seasonal slots of the two observations (distinct since m >= 2)
        let k1 = if k + 1 == m { 0 } else { k + 1 };
        let (so0, so1) = if SEASON { (ring[k], ring[k1]) } else { (zero, zero) };
        let (mut e0, mut e1) = (zero, zero);
        for j in 0..LANES {
            let p0 = pair[0] - so0[j];
            let p1 = pair[1] - so1[j];
            e0[j] = p0 - q[j];
            let q1 = if TREND {
                lp.a[j] * q[j] + (lp.b[j] * b[j] + lp.k[j] * p0)
            } else {
                lp.a[j] * q[j] + lp.k[j] * p0
            };
            e1[j] = p1 - q1;
            sse[j] += e0[j] * e0[j];
            sse[j] += e1[j] * e1[j];
            if TREND {
                let nq = lp.a2[j] * q[j] + (lp.b2[j] * b[j] + (lp.k2[j] * p0 + lp.k[j] * p1));
                b[j] = lp.d2[j] * b[j] + (lp.c2[j] * q[j] + (lp.g2[j] * p0 + lp.g[j] * p1));
                q[j] = nq;
            } else {
                q[j] = lp.a2[j] * q[j] + (lp.k2[j] * p0 + lp.k[j] * p1);
            }
        }
        if SEASON {
            for j in 0..LANES {
                ring[k][j] = so0[j] + lp.gamma[j] * e0[j];
                ring[k1][j] = so1[j] + lp.gamma[j] * e1[j];
            }
            k = if k1 + 1 == m { 0 } else { k1 + 1 };
        }
    }
    if let [yl] = pairs.remainder() {
        // an odd last observation: its error only
        for j in 0..LANES {
            let so = if SEASON { ring[k][j] } else { 0.0 };
            let e = (yl - so) - q[j];
            sse[j] += e * e;
        }
    }
    sse
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::kernel::likelihood;
    use crate::ets::recursion::{Shape, Smoothing};
    use crate::ets::spec::Component;

    /// The rewritten recursion agrees with the C++-order kernel to rounding.
    #[test]
    fn matches_exact_kernel() {
        let y: Vec<f64> = (0..200)
            .map(|t| 10.0 + 0.05 * t as f64 + [2.0, -1.0, 0.5, -1.5, 0.0][t % 5] + ((t * 7919) % 13) as f64 * 0.3)
            .collect();
        let m = 5;
        let seas = [0.3, -0.2, 0.1, -0.4, 0.2];
        let sm = Smoothing {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.1,
            phi: 0.9,
        };
        let mut lp = LaneParams::default();
        for j in 0..LANES {
            lp.set(j, sm.alpha, sm.beta, sm.gamma, sm.phi, 10.0, 0.1);
        }
        let mut ring: Vec<V> = seas.iter().map(|&s| [s; LANES]).collect();
        let sse = sse_lanes(&y, &lp, true, true, &mut ring);
        let shape = Shape {
            error: Component::Additive,
            trend: Component::Additive,
            season: Component::Additive,
            m,
        };
        let mut ring1 = seas.to_vec();
        let lik = likelihood(&y, &shape, &sm, 10.0, 0.1, &mut ring1);
        let lik4 = y.len() as f64 * sse[0].ln();
        assert!((lik - lik4).abs() < 1e-9 * lik.abs(), "{lik} vs {lik4}");
        assert_eq!(sse[0], sse[LANES - 1]);
    }
}
