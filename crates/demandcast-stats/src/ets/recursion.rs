//! The ETS state-space recursions, a line-by-line port of statsforecast's
//! `src/ets.cpp` (`Update`, `Forecast`, `Calc`): same branches, same guards
//! (`TOL`, `HUGE_N`, the `NA` sentinel) and the same order of floating-point
//! operations, so that likelihoods agree to the last bit.
//!
//! This is the reference used for the final pass over a fitted model (states,
//! residuals, `amse`); the optimiser uses the faster, allocation-free
//! [`super::kernel`], which performs the same arithmetic.

use super::spec::Component;

/// Value returned for states whose ratio denominators vanish.
pub(crate) const HUGE_N: f64 = 1e10;
/// The C++ code's "not available" sentinel likelihood.
pub(crate) const NA: f64 = -99999.0;
/// Tolerance of the C++ code's zero and unit tests.
pub(crate) const TOL: f64 = 1e-10;

/// Smoothing parameters as the recursions take them (`beta = 0`,
/// `gamma = 0`, `phi = 1` for absent components).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Smoothing {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
}

/// The structure of a model: component types and the season length
/// (1 for non-seasonal models).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub error: Component,
    pub trend: Component,
    pub season: Component,
    pub m: usize,
}

impl Shape {
    /// Number of states per time step: level, trend, `m` seasonal states.
    pub(crate) fn n_states(&self) -> usize {
        1 + usize::from(self.trend.is_some())
            + if self.season.is_some() {
                self.m.max(1)
            } else {
                0
            }
    }
}

/// `Update`: one state update. `old_s[m - 1]` is the oldest seasonal state;
/// writes the new seasonal states into `s` and returns the new level and trend.
#[allow(clippy::too_many_arguments)]
pub(crate) fn update(
    s: &mut [f64],
    b: f64,
    old_l: f64,
    old_b: f64,
    old_s: &[f64],
    m: usize,
    trend: Component,
    season: Component,
    p: &Smoothing,
    y: f64,
) -> (f64, f64) {
    let (q, phi_b) = match trend {
        Component::None => (old_l, 0.0),
        Component::Additive => {
            let phi_b = p.phi * old_b;
            (old_l + phi_b, phi_b)
        }
        Component::Multiplicative => {
            if (p.phi - 1.0).abs() < TOL {
                (old_l * old_b, old_b)
            } else {
                let phi_b = old_b.powf(p.phi);
                (old_l * phi_b, phi_b)
            }
        }
    };
    let pv = match season {
        Component::None => y,
        Component::Additive => y - old_s[m - 1],
        Component::Multiplicative => {
            if old_s[m - 1].abs() < TOL {
                HUGE_N
            } else {
                y / old_s[m - 1]
            }
        }
    };
    let l = q + p.alpha * (pv - q);
    let mut b = b;
    if trend != Component::None {
        let r = if trend == Component::Additive {
            l - old_l
        } else if old_l.abs() < TOL {
            HUGE_N
        } else {
            l / old_l
        };
        b = phi_b + (p.beta / p.alpha) * (r - phi_b);
    }
    if season != Component::None {
        let t = if season == Component::Additive {
            y - q
        } else if q.abs() < TOL {
            HUGE_N
        } else {
            y / q
        };
        s[0] = old_s[m - 1] + p.gamma * (t - old_s[m - 1]);
        s[1..m].copy_from_slice(&old_s[..m - 1]);
    }
    (l, b)
}

/// `Forecast`: `h` point forecasts from the states `(l, b, s)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forecast(
    f: &mut [f64],
    l: f64,
    b: f64,
    s: &[f64],
    m: usize,
    trend: Component,
    season: Component,
    phi: f64,
    h: usize,
) {
    let mut phistar = phi;
    for (i, fi) in f.iter_mut().enumerate().take(h) {
        *fi = match trend {
            Component::None => l,
            Component::Additive => l + phistar * b,
            Component::Multiplicative => {
                if b < 0.0 {
                    f64::NAN
                } else {
                    l * b.powf(phistar)
                }
            }
        };
        let j = (m - 1 + m - i % m) % m; // (m - 1 - i) mod m
        match season {
            Component::Additive => *fi += s[j],
            Component::Multiplicative => *fi *= s[j],
            Component::None => {}
        }
        if i + 1 < h {
            if (phi - 1.0).abs() < TOL {
                phistar += 1.0;
            } else {
                phistar += phi.powf((i + 1) as f64);
            }
        }
    }
}

/// What [`calc`] returns besides the likelihood.
pub(crate) struct CalcOut {
    /// `-2 log L` up to constants (the C++ `lik`), or [`NA`].
    pub lik: f64,
    /// One-step errors (additive) or relative errors (multiplicative).
    pub e: Vec<f64>,
    /// Mean squared `h`-step errors for `h = 1..=nmse`.
    pub amse: Vec<f64>,
    /// States after each observation, `n_states` per row, `n + 1` rows.
    pub states: Vec<f64>,
}

/// `Calc`: runs the model over `y` from `init` (the full initial state,
/// seasonal states newest first) and returns the likelihood, errors, `amse`
/// and all states.
pub(crate) fn calc(init: &[f64], y: &[f64], shape: &Shape, p: &Smoothing, nmse: usize) -> CalcOut {
    let n = y.len();
    let m = shape.m.max(1);
    let nmse = nmse.min(30);
    let has_trend = shape.trend.is_some();
    let has_season = shape.season.is_some();
    let ns = shape.n_states();
    let mut states = vec![f64::NAN; ns * (n + 1)];
    states[..ns].copy_from_slice(&init[..ns]);
    let mut e = vec![f64::NAN; n];
    let mut amse = vec![0.0; nmse];
    let n_s = m.max(24);
    let mut l = init[0];
    let mut b = if has_trend { init[1] } else { 0.0 };
    let mut s = vec![0.0; n_s];
    let off = 1 + usize::from(has_trend);
    if has_season {
        s[..m].copy_from_slice(&init[off..off + m]);
    }
    let mut old_s = vec![0.0; n_s];
    let mut denom = [0.0f64; 30];
    let mut f = [0.0f64; 30];
    let mut old_b = 0.0;
    let mut lik = 0.0;
    let mut lik2 = 0.0;
    for i in 0..n {
        let old_l = l;
        if has_trend {
            old_b = b;
        }
        if has_season {
            old_s[..m].copy_from_slice(&s[..m]);
        }
        forecast(
            &mut f,
            old_l,
            old_b,
            &old_s,
            m,
            shape.trend,
            shape.season,
            p.phi,
            nmse,
        );
        if (f[0] - NA).abs() < TOL {
            return CalcOut {
                lik: NA,
                e,
                amse,
                states,
            };
        }
        e[i] = if shape.error == Component::Additive {
            y[i] - f[0]
        } else {
            let f0 = if f[0].abs() < TOL { f[0] + TOL } else { f[0] };
            (y[i] - f[0]) / f0
        };
        for j in 0..nmse {
            if i + j < n {
                denom[j] += 1.0;
                let tmp = y[i + j] - f[j];
                amse[j] = (amse[j] * (denom[j] - 1.0) + tmp * tmp) / denom[j];
            }
        }
        let (nl, nb) = update(
            &mut s,
            b,
            old_l,
            old_b,
            &old_s,
            m,
            shape.trend,
            shape.season,
            p,
            y[i],
        );
        l = nl;
        b = nb;
        let row = &mut states[ns * (i + 1)..ns * (i + 2)];
        row[0] = l;
        if has_trend {
            row[1] = b;
        }
        if has_season {
            row[off..off + m].copy_from_slice(&s[..m]);
        }
        lik += e[i] * e[i];
        let val = f[0].abs();
        lik2 += if val > 0.0 {
            val.ln()
        } else {
            (val + 1e-8).ln()
        };
    }
    lik = if lik > 0.0 {
        n as f64 * lik.ln()
    } else {
        n as f64 * (lik + 1e-8).ln()
    };
    if shape.error == Component::Multiplicative {
        lik += 2.0 * lik2;
    }
    CalcOut {
        lik,
        e,
        amse,
        states,
    }
}
