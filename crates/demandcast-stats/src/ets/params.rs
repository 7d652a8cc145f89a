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

/// Whether every root of `sum p[k] z^k` has modulus at most `r`.
///
/// statsforecast takes the largest root modulus from NumPy's companion
/// matrix eigenvalues; the Schur-Cohn test answers the same question
/// without computing the roots (the two can only disagree for roots on the
/// circle itself, to rounding).
fn roots_within(p: &[f64], r: f64) -> bool {
    // Roots of p(z) within |z| <= r  <=>  roots of p(r w) within |w| <= 1.
    let mut a: Vec<f64> = p
        .iter()
        .enumerate()
        .map(|(k, c)| c * r.powi(k as i32))
        .collect();
    while a.len() > 1 && a[a.len() - 1] == 0.0 {
        a.pop();
    }
    while a.len() > 1 {
        let nd = a.len() - 1;
        let (a0, an) = (a[0], a[nd]);
        if a0.abs() >= an.abs() {
            return false;
        }
        // (an * a(z) - a0 * rev(a)(z)) / z has the same number of roots
        // inside the unit circle, less one.
        let next: Vec<f64> = (1..=nd).map(|k| an * a[k] - a0 * a[nd - k]).collect();
        a = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schur_cohn() {
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
        let p = initparam(Par::UNSET, Component::Additive, Component::Additive, true, &LOWER, &mut upper, 7);
        // statsforecast: initparam(nan, nan, nan, nan, "A", "A", True, lower, upper, 7, "both")
        assert!((p.alpha - (0.0001 + 0.2 * 0.9998 / 7.0)).abs() < 1e-15);
        assert_eq!(upper[1], p.alpha);
        assert!(check_param(&p, &LOWER, &upper, 7));
    }
}
