//! Parameter bounds, starting values and admissibility: statsforecast's
//! `initparam`, `check_param` and `admissible` (ets.py).

use super::spec::Component;

/// Lower bounds of (alpha, beta, gamma, phi), statsforecast's defaults.
pub(crate) const LOWER: [f64; 4] = [0.0001, 0.0001, 0.0001, 0.8];
/// Upper bounds of (alpha, beta, gamma, phi), statsforecast's defaults.
pub(crate) const UPPER: [f64; 4] = [0.9999, 0.9999, 0.9999, 0.98];

/// Smoothing parameters where `NaN` means "not set" (statsforecast's
/// convention, kept because `NaN` flows into its outputs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Par {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
}

impl Par {
    pub(crate) const UNSET: Par = Par {
        alpha: f64::NAN,
        beta: f64::NAN,
        gamma: f64::NAN,
        phi: f64::NAN,
    };

    pub(crate) fn as_array(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.phi]
    }
}

/// `initparam` with `bounds="both"`: starting values for the parameters
/// that are `NaN` in `par`.
///
/// Like statsforecast, it lowers `upper[1]` to alpha and `upper[2]` to
/// `1 - alpha` *in place*; statsforecast passes the same bound arrays to
/// every candidate model, so these changes carry over from one candidate
/// to the next, and the caller must keep them.
pub(crate) fn initparam(
    par: Par,
    trend: Component,
    season: Component,
    damped: bool,
    lower: &[f64; 4],
    upper: &mut [f64; 4],
    m: usize,
) -> Par {
    let mut out = par;
    if out.alpha.is_nan() {
        out.alpha = lower[0] + 0.2 * (upper[0] - lower[0]) / m as f64;
        if out.alpha > 1.0 || out.alpha < 0.0 {
            out.alpha = lower[0] + 2e-3;
        }
    }
    if trend.is_some() && out.beta.is_nan() {
        upper[1] = upper[1].min(out.alpha);
        out.beta = lower[1] + 0.1 * (upper[1] - lower[1]);
        if out.beta < 0.0 || out.beta > out.alpha {
            out.beta = out.alpha - 1e-3;
        }
    }
    if season.is_some() && out.gamma.is_nan() {
        upper[2] = upper[2].min(1.0 - out.alpha);
        out.gamma = lower[2] + 0.05 * (upper[2] - lower[2]);
        if out.gamma < 0.0 || out.gamma > 1.0 - out.alpha {
            out.gamma = 1.0 - out.alpha - 1e-3;
        }
    }
    if damped && out.phi.is_nan() {
        out.phi = lower[3] + 0.99 * (upper[3] - lower[3]);
        if out.phi < 0.0 || out.phi > 1.0 {
            out.phi = upper[3] - 1e-3;
        }
    }
    out
}

/// `check_param` with `bounds="both"`: the usual bounds and admissibility.
pub(crate) fn check_param(p: &Par, lower: &[f64; 4], upper: &[f64; 4], m: usize) -> bool {
    let Par {
        alpha,
        beta,
        gamma,
        phi,
    } = *p;
    if !alpha.is_nan() && (alpha < lower[0] || alpha > upper[0]) {
        return false;
    }
    if !beta.is_nan() && (beta < lower[1] || beta > alpha || beta > upper[1]) {
        return false;
    }
    if !phi.is_nan() && (phi < lower[3] || phi > upper[3]) {
        return false;
    }
    if !gamma.is_nan() && (gamma < lower[2] || gamma > 1.0 - alpha || gamma > upper[2]) {
        return false;
    }
    admissible(alpha, beta, gamma, phi, m)
}

/// `admissible`: whether the parameters give a forecastable model.
fn admissible(alpha: f64, beta: f64, gamma: f64, phi: f64, m: usize) -> bool {
    let phi = if phi.is_nan() { 1.0 } else { phi };
    if !(0.0..=1.0 + 1e-8).contains(&phi) {
        return false;
    }
    if gamma.is_nan() {
        if alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi {
            return false;
        }
        if !beta.is_nan() && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha)) {
            return false;
        }
    } else if m > 1 {
        let beta = if beta.is_nan() { 0.0 } else { beta };
        let mf = m as f64;
        if gamma < (1.0 - 1.0 / phi - alpha).max(0.0) || gamma > 1.0 + 1.0 / phi - alpha {
            return false;
        }
        if alpha < 1.0 - 1.0 / phi - gamma * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
            return false;
        }
        if beta < -(1.0 - phi) * (gamma / mf + alpha) {
            return false;
        }
        // Characteristic polynomial, coefficients by increasing degree.
        let mut p = Vec::with_capacity(m + 2);
        p.push(phi * (1.0 - alpha - gamma));
        p.push(alpha + beta - alpha * phi + gamma - 1.0);
        p.extend(std::iter::repeat_n(alpha + beta - alpha * phi, m - 2));
        p.push(alpha + beta - phi);
        p.push(1.0);
        if !roots_within(&p, 1.0 + 1e-10) {
            return false;
        }
    }
    true
}

/// Whether every root of `sum p[k] z^k` (`p` monic) has modulus at most `r`.
///
/// statsforecast takes the largest root modulus from NumPy's companion
/// matrix eigenvalues. The seasonal characteristic polynomial has a root on
/// the unit circle itself (at 1 when `phi = 1`), so a test must locate roots
/// to near machine precision: the roots are found by Durand-Kerner
/// iteration in complex arithmetic, then polished by Newton steps.
fn roots_within(p: &[f64], r: f64) -> bool {
    let deg = p.len() - 1;
    let lead = p[deg];
    let a: Vec<f64> = p.iter().map(|c| c / lead).collect();
    // Cauchy's bound on the root moduli, for the starting points.
    let bound = 1.0 + a[..deg].iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let seed = C(0.4, 0.9);
    let mut z: Vec<C> = Vec::with_capacity(deg);
    let mut w = C(1.0, 0.0);
    for _ in 0..deg {
        w = w.mul(seed);
        // distinct points on the circle of radius `bound`
        z.push(w.scale(bound / w.abs()));
    }
    let eval = |x: C| {
        a.iter()
            .rev()
            .fold(C(0.0, 0.0), |acc, &c| acc.mul(x).add(C(c, 0.0)))
    };
    for _ in 0..1000 {
        let mut change = 0.0f64;
        for i in 0..deg {
            let mut den = C(1.0, 0.0);
            for (j, zj) in z.iter().enumerate() {
                if j != i {
                    den = den.mul(z[i].sub(*zj));
                }
            }
            let step = eval(z[i]).div(den);
            z[i] = z[i].sub(step);
            change = change.max(step.abs() / z[i].abs().max(1.0));
        }
        if change < 1e-15 {
            break;
        }
    }
    let deriv = |x: C| {
        (1..=deg).rev().fold(C(0.0, 0.0), |acc, k| {
            acc.mul(x).add(C(k as f64 * a[k], 0.0))
        })
    };
    z.iter()
        .map(|&zi| {
            let d = deriv(zi);
            let zi = if d.abs() > 0.0 {
                zi.sub(eval(zi).div(d))
            } else {
                zi
            };
            zi.abs()
        })
        .all(|modulus| modulus <= r)
}

/// A complex number, for [`roots_within`].
#[derive(Debug, Clone, Copy)]
struct C(f64, f64);

impl C {
    fn add(self, o: C) -> C {
        C(self.0 + o.0, self.1 + o.1)
    }
    fn sub(self, o: C) -> C {
        C(self.0 - o.0, self.1 - o.1)
    }
    fn mul(self, o: C) -> C {
        C(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0)
    }
    fn div(self, o: C) -> C {
        let d = o.0 * o.0 + o.1 * o.1;
        C(
            (self.0 * o.0 + self.1 * o.1) / d,
            (self.1 * o.0 - self.0 * o.1) / d,
        )
    }
    fn scale(self, s: f64) -> C {
        C(self.0 * s, self.1 * s)
    }
    fn abs(self) -> f64 {
        self.0.hypot(self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_moduli() {
        // z^13 + (a - 1) z^12 + (g - 1) z + (1 - a - g) has the root 1 (ANA, phi = 1)
        let (a, g) = (0.016763, 0.04926);
        let mut p = vec![1.0 - a - g, g - 1.0];
        p.extend(std::iter::repeat_n(0.0, 10));
        p.extend([a - 1.0, 1.0]);
        assert!(roots_within(&p, 1.0 + 1e-10));
        assert!(!roots_within(&p, 1.0 - 1e-6));
        // (z - 0.5)(z + 0.9) = z^2 + 0.4 z - 0.45: inside
        assert!(roots_within(&[-0.45, 0.4, 1.0], 1.0));
        // (z - 1.1)(z - 0.2) = z^2 - 1.3 z + 0.22: a root outside
        assert!(!roots_within(&[0.22, -1.3, 1.0], 1.0));
        // complex pair with modulus 0.95: z^2 + 0.9025
        assert!(roots_within(&[0.9025, 0.0, 1.0], 1.0));
        assert!(!roots_within(&[1.1025, 0.0, 1.0], 1.0));
    }

    #[test]
    fn initial_parameters() {
        let mut upper = UPPER;
        let p = initparam(
            Par::UNSET,
            Component::Additive,
            Component::Additive,
            true,
            &LOWER,
            &mut upper,
            7,
        );
        // statsforecast: initparam(nan, nan, nan, nan, "A", "A", True, lower, upper, 7, "both")
        assert!((p.alpha - (0.0001 + 0.2 * 0.9998 / 7.0)).abs() < 1e-15);
        assert_eq!(upper[1], p.alpha);
        assert!(check_param(&p, &LOWER, &upper, 7));
    }
}
