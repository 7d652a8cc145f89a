//! The optimiser's objective: statsforecast's `ObjectiveFunction` and the
//! likelihood part of `Calc`, specialised per model shape (const generics)
//! and allocation-free.
//!
//! The arithmetic is the one of [`super::recursion::calc`] operation for
//! operation (so the optimiser walks exactly statsforecast's path); what is
//! saved is everything the objective does not need: the `nmse`-step
//! forecasts and `amse`, the stored states, the copy of the seasonal states
//! at every step (a ring buffer instead) and, for additive errors, the
//! logarithms that only the multiplicative likelihood uses.

use super::lanes::{sse_lanes, LaneParams, LANES};
use super::recursion::{Shape, Smoothing, HUGE_N, NA, TOL};
use super::spec::Component;
use crate::optim::eigen_sum;

const NONE: u8 = 0;
const ADD: u8 = 1;
const MUL: u8 = 2;

fn code(c: Component) -> u8 {
    match c {
        Component::None => NONE,
        Component::Additive => ADD,
        Component::Multiplicative => MUL,
    }
}

/// `-2 log L` (up to constants) of the model from level `l`, trend `b` and
/// the seasonal ring `ring` (`ring[k]` is the seasonal state used at time
/// `k`, i.e. the initial states oldest first). `ring` is overwritten.
pub(crate) fn likelihood(
    y: &[f64],
    shape: &Shape,
    p: &Smoothing,
    l: f64,
    b: f64,
    ring: &mut [f64],
) -> f64 {
    macro_rules! go {
        ($($e:ident $t:ident $s:ident),* $(,)?) => {
            match (code(shape.error), code(shape.trend), code(shape.season)) {
                $(($e, $t, $s) => run::<$e, $t, $s>(y, p, l, b, ring),)*
                _ => unreachable!("component codes are 0, 1 or 2"),
            }
        };
    }
    go!(
        ADD NONE NONE, ADD NONE ADD, ADD NONE MUL, ADD ADD NONE, ADD ADD ADD, ADD ADD MUL,
        ADD MUL NONE, ADD MUL ADD, ADD MUL MUL, MUL NONE NONE, MUL NONE ADD, MUL NONE MUL,
        MUL ADD NONE, MUL ADD ADD, MUL ADD MUL, MUL MUL NONE, MUL MUL ADD, MUL MUL MUL,
    )
}

#[inline(always)]
fn run<const E: u8, const T: u8, const S: u8>(
    y: &[f64],
    p: &Smoothing,
    mut l: f64,
    mut b: f64,
    ring: &mut [f64],
) -> f64 {
    let (alpha, gamma, phi) = (p.alpha, p.gamma, p.phi);
    let beta_alpha = p.beta / p.alpha;
    let phi_is_one = (phi - 1.0).abs() < TOL;
    let mut lik = 0.0;
    let mut lik2 = 0.0;
    // One season per chunk: the ring position is the index within the chunk.
    let m = if S == NONE { 1 } else { ring.len() };
    for chunk in y.chunks(m) {
        for (k, &yi) in chunk.iter().enumerate() {
            let so = if S == NONE { 0.0 } else { ring[k] };
            // one-step forecast (Forecast with h = 1)
            let mut f = match T {
                NONE => l,
                ADD => l + phi * b,
                _ => {
                    if b < 0.0 {
                        f64::NAN
                    } else {
                        l * b.powf(phi)
                    }
                }
            };
            if S == ADD {
                f += so;
            } else if S == MUL {
                f *= so;
            }
            if (f - NA).abs() < TOL {
                return NA;
            }
            let e = if E == ADD {
                yi - f
            } else {
                let f0 = if f.abs() < TOL { f + TOL } else { f };
                (yi - f) / f0
            };
            lik += e * e;
            if E == MUL {
                let val = f.abs();
                lik2 += if val > 0.0 {
                    val.ln()
                } else {
                    (val + 1e-8).ln()
                };
            }
            // state update (Update)
            let (q, phi_b) = match T {
                NONE => (l, 0.0),
                ADD => {
                    let pb = phi * b;
                    (l + pb, pb)
                }
                _ => {
                    if phi_is_one {
                        (l * b, b)
                    } else {
                        let pb = b.powf(phi);
                        (l * pb, pb)
                    }
                }
            };
            let pv = match S {
                NONE => yi,
                ADD => yi - so,
                _ => {
                    if so.abs() < TOL {
                        HUGE_N
                    } else {
                        yi / so
                    }
                }
            };
            let nl = q + alpha * (pv - q);
            if T != NONE {
                let r = if T == ADD {
                    nl - l
                } else if l.abs() < TOL {
                    HUGE_N
                } else {
                    nl / l
                };
                b = phi_b + beta_alpha * (r - phi_b);
            }
            if S != NONE {
                let t = if S == ADD {
                    yi - q
                } else if q.abs() < TOL {
                    HUGE_N
                } else {
                    yi / q
                };
                ring[k] = so + gamma * (t - so);
            }
            l = nl;
        }
    }
    let n = y.len() as f64;
    let mut lik = if lik > 0.0 {
        n * lik.ln()
    } else {
        n * (lik + 1e-8).ln()
    };
    if E == MUL {
        lik += 2.0 * lik2;
    }
    lik
}

/// statsforecast's `ObjectiveFunction` with `opt_crit = "lik"`: unpacks the
/// optimiser's vector (free smoothing parameters, then the initial states
/// without the last seasonal one, which makes the seasonal states sum to
/// 0 or `m`) and returns the likelihood.
pub(crate) struct Objective<'a> {
    y: &'a [f64],
    shape: Shape,
    fixed: Smoothing,
    opt: [bool; 4],
    n_state: usize,
    ring: Vec<f64>,
}

impl<'a> Objective<'a> {
    /// `fixed` holds the values of the parameters that are not optimised;
    /// `opt` says which of alpha, beta, gamma, phi lead the vector;
    /// `n_state` is the number of initial states at its end.
    pub(crate) fn new(
        y: &'a [f64],
        shape: Shape,
        fixed: Smoothing,
        opt: [bool; 4],
        n_state: usize,
    ) -> Self {
        let ring = vec![0.0; if shape.season.is_some() { shape.m } else { 0 }];
        Self {
            y,
            shape,
            fixed,
            opt,
            n_state,
            ring,
        }
    }

    /// Whether [`eval_fast`] applies: additive error, no multiplicative
    /// component.
    pub(crate) fn has_fast_path(&self) -> bool {
        self.shape.error == Component::Additive
            && self.shape.trend != Component::Multiplicative
            && self.shape.season != Component::Multiplicative
    }

    /// The kernel of [`eval_fast`] this objective runs: trend and season flags.
    pub(crate) fn kernel_key(&self) -> (bool, bool) {
        (self.shape.trend.is_some(), self.shape.season.is_some())
    }

    /// The parameters of `params`: smoothing values, then the initial states.
    pub(crate) fn unpack<'p>(&self, params: &'p [f64]) -> (Smoothing, &'p [f64]) {
        let mut sm = self.fixed;
        let mut j = 0;
        for (k, slot) in [&mut sm.alpha, &mut sm.beta, &mut sm.gamma, &mut sm.phi]
            .into_iter()
            .enumerate()
        {
            if self.opt[k] {
                *slot = params[j];
                j += 1;
            }
        }
        (sm, &params[params.len() - self.n_state..])
    }

    /// The objective at `params`, with the C++ arithmetic.
    pub(crate) fn eval(&mut self, params: &[f64]) -> f64 {
        let (sm, st) = self.unpack(params);
        let has_trend = self.shape.trend.is_some();
        let l0 = st[0];
        let b0 = if has_trend { st[1] } else { 0.0 };
        if self.shape.season.is_some() {
            let start = 1 + usize::from(has_trend);
            let m = self.shape.m;
            let mult = self.shape.season == Component::Multiplicative;
            // The full state vector is 16-byte aligned in the C++ code, so the
            // seasonal segment starts `start` doubles past an aligned address.
            let sum = eigen_sum(&st[start..], start);
            let extra = (if mult { m } else { 0 }) as f64 - sum;
            if mult && (extra < 0.0 || st[start..].iter().any(|&v| v < 0.0)) {
                return f64::INFINITY;
            }
            // ring[k] = s[m - 1 - k] where s = [st[start..], extra]
            self.ring[0] = extra;
            for (k, v) in st[start..].iter().rev().enumerate() {
                self.ring[k + 1] = *v;
            }
        }
        finish_objective(likelihood(self.y, &self.shape, &sm, l0, b0, &mut self.ring))
    }
}

/// Points of objectives with the fast path, on the same series and with
/// the same trend and season flags: `pts[i] = (objective, point)`. The
/// points go [`LANES`] at a time through [`super::lanes`]; a value equals
/// [`Objective::eval`]'s up to rounding and never depends on the other
/// points of the batch. `ring` is scratch space; `y_lanes` holds the series
/// repeated per lane, filled on first use: pass the same buffer only with
/// objectives on the same series.
pub(crate) fn eval_fast(
    objs: &mut [&mut Objective<'_>],
    pts: &[(usize, &[f64])],
    out: &mut [f64],
    ring: &mut Vec<[f64; LANES]>,
    y_lanes: &mut Vec<[f64; LANES]>,
) {
    let Some(&(first, _)) = pts.first() else {
        return;
    };
    let (y, shape) = (objs[first].y, objs[first].shape);
    let has_trend = shape.trend.is_some();
    let has_season = shape.season.is_some();
    let start = 1 + usize::from(has_trend);
    ring.resize(if has_season { shape.m } else { 0 }, [0.0; LANES]);
    if y_lanes.is_empty() {
        y_lanes.clear();
        y_lanes.extend(y.iter().map(|&v| [v; LANES]));
    }
    let n = y.len() as f64;
    for (chunk, outs) in pts.chunks(LANES).zip(out.chunks_mut(LANES)) {
        let mut lp = LaneParams::default();
        for j in 0..LANES {
            // a short last chunk repeats its last point in the spare lanes
            let (o, x) = chunk[j.min(chunk.len() - 1)];
            let (sm, st) = objs[o].unpack(x);
            let b0 = if has_trend { st[1] } else { 0.0 };
            lp.set(j, sm.alpha, sm.beta, sm.gamma, sm.phi, st[0], b0);
            if has_season {
                ring[0][j] = 0.0 - eigen_sum(&st[start..], start);
                for (k, v) in st[start..].iter().rev().enumerate() {
                    ring[k + 1][j] = *v;
                }
            }
        }
        let sse = sse_lanes(y_lanes, &lp, has_trend, has_season, ring);
        for (j, o) in outs.iter_mut().enumerate() {
            if !sse[j].is_finite() {
                let (k, x) = chunk[j];
                *o = objs[k].eval(x);
                continue;
            }
            let lik = if sse[j] > 0.0 {
                n * sse[j].ln()
            } else {
                n * (sse[j] + 1e-8).ln()
            };
            *o = finish_objective(lik);
        }
    }
}

/// The end of `ObjectiveFunction`: `max(lik, -1e10)`, and NaN or the `NA`
/// sentinel become `-inf` (sic: the C++ code treats them as the best value).
fn finish_objective(lik: f64) -> f64 {
    let lik = if lik < -1e10 { -1e10 } else { lik };
    if lik.is_nan() || (lik + 99999.0).abs() < 1e-7 {
        f64::NEG_INFINITY
    } else {
        lik
    }
}
