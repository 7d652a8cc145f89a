//! One candidate model: statsforecast's `etsmodel` (ets.py) with the
//! normal likelihood: starting values, Nelder-Mead on the likelihood (the
//! C++ `Optimize`), a final pass over the data, information criteria.

use super::init_state::{initstate, SeasonalCache};
use super::kernel::Objective;
use super::params::{check_param, initparam, Par};
use super::recursion::{calc, Shape, Smoothing};
use super::spec::{Component, EtsComponents};
use super::sums::{np_mean, np_sum};
use crate::optim::{NelderMeadOptions, NelderMeadResult};
use demandcast_core::{Error, Result};

/// Number of `h`-step errors averaged into `amse` (statsforecast's `nmse`).
pub(crate) const NMSE: usize = 3;

/// The Nelder-Mead settings statsforecast's ETS passes to its C++ optimiser.
pub(crate) fn ets_nm_options() -> NelderMeadOptions {
    NelderMeadOptions {
        init_step: 0.05,
        zero_pert: 1.0e-4,
        alpha: 1.0,
        gamma: 2.0,
        rho: 0.5,
        sigma: 0.5,
        max_iter: 1_000,
        tol_std: 1e-4,
        adaptive: true,
    }
}

/// A fitted candidate (statsforecast's dict returned by `etsmodel`).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub comps: EtsComponents,
    /// Season length used by the model (1 when non-seasonal).
    pub m: usize,
    /// alpha, beta, gamma, phi; `NaN` for absent components.
    pub par: Par,
    /// Initial states including the implied last seasonal state.
    pub init_state: Vec<f64>,
    /// States after the last observation.
    pub last_state: Vec<f64>,
    pub residuals: Vec<f64>,
    pub fitted: Vec<f64>,
    pub loglik: f64,
    pub aic: f64,
    pub bic: f64,
    pub aicc: f64,
    pub mse: f64,
    pub amse: f64,
    pub sigma2: f64,
    pub n_params: usize,
    pub n_iter: usize,
}

/// Everything `etsmodel` needs besides the components.
pub(crate) struct FitContext<'a> {
    pub y: &'a [f64],
    /// The series' season length (ignored for non-seasonal candidates).
    pub m: usize,
    pub lower: [f64; 4],
    /// statsforecast mutates these across candidates; see [`initparam`].
    pub upper: [f64; 4],
    pub cache: SeasonalCache,
}

/// A candidate ready for the optimiser: `etsmodel` up to the call of the
/// C++ `Optimize`.
pub(crate) struct Prepared<'a> {
    pub comps: EtsComponents,
    /// Season length of the model (1 when non-seasonal).
    m: usize,
    /// Starting values merged with the fixed parameters.
    cur: Par,
    fixed: Par,
    pub x0: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    n_state: usize,
    pub obj: Objective<'a>,
}

/// Fits one model (prepare, optimise alone, conclude). `Ok(None)` when it
/// has as many parameters as data (statsforecast returns infinite criteria
/// then).
pub(crate) fn etsmodel(
    ctx: &mut FitContext<'_>,
    comps: EtsComponents,
    fixed: Par,
) -> Result<Option<Candidate>> {
    let Some(mut prep) = prepare(ctx, comps, fixed)? else {
        return Ok(None);
    };
    let res = super::drive::optimize(std::slice::from_mut(&mut prep)).remove(0);
    Ok(Some(conclude(ctx.y, &prep, &res)))
}

/// Starting values, bounds and initial states of one model, and its
/// objective. `Ok(None)` when it has as many parameters as data.
pub(crate) fn prepare<'a>(
    ctx: &mut FitContext<'a>,
    comps: EtsComponents,
    fixed: Par,
) -> Result<Option<Prepared<'a>>> {
    let y = ctx.y;
    let (trend, season, damped) = (comps.trend, comps.season, comps.damped);
    let m = if season.is_some() { ctx.m } else { 1 };
    let start = initparam(fixed, trend, season, damped, &ctx.lower, &mut ctx.upper, m);
    let mut cur = fixed;
    for (c, s) in [
        (&mut cur.alpha, start.alpha),
        (&mut cur.beta, start.beta),
        (&mut cur.gamma, start.gamma),
        (&mut cur.phi, start.phi),
    ] {
        if !s.is_nan() {
            *c = s;
        }
    }
    if !check_param(&cur, &ctx.lower, &ctx.upper, m) {
        return Err(Error::Fit {
            model: "AutoETS".into(),
            reason: "parameters out of range".into(),
        });
    }
    let init = initstate(y, m, trend, season, &mut ctx.cache)?;
    let n_state = init.len();
    // The optimiser's vector: the parameters with a value, then the states.
    let present: Vec<usize> = (0..4).filter(|&i| !start.as_array()[i].is_nan()).collect();
    let mut x0: Vec<f64> = present.iter().map(|&i| start.as_array()[i]).collect();
    let mut lower: Vec<f64> = present.iter().map(|&i| ctx.lower[i]).collect();
    let mut upper: Vec<f64> = present.iter().map(|&i| ctx.upper[i]).collect();
    x0.extend_from_slice(&init);
    lower.resize(x0.len(), f64::NEG_INFINITY);
    upper.resize(x0.len(), f64::INFINITY);
    if x0.len() + 1 >= y.len() {
        return Ok(None);
    }

    // optimize_ets_target_fn: which parameters the objective reads from the vector.
    let fx = fixed.as_array();
    let st = start.as_array();
    let val = |i: usize| if fx[i].is_nan() { st[i] } else { fx[i] };
    let used = [true, trend.is_some(), season.is_some(), damped];
    let opt: [bool; 4] = std::array::from_fn(|i| used[i] && !val(i).is_nan() && fx[i].is_nan());
    let held = Smoothing {
        alpha: val(0),
        beta: if trend.is_some() { val(1) } else { 0.0 },
        gamma: if season.is_some() { val(2) } else { 0.0 },
        phi: if damped { val(3) } else { 1.0 },
    };
    let shape = Shape {
        error: comps.error,
        trend,
        season,
        m,
    };
    Ok(Some(Prepared {
        comps,
        m,
        cur,
        fixed,
        x0,
        lower,
        upper,
        n_state,
        obj: Objective::new(y, shape, held, opt, n_state),
    }))
}

/// The rest of `etsmodel` once the optimiser has finished: unpacks its
/// vector, reruns the model and computes the criteria.
pub(crate) fn conclude(y: &[f64], prep: &Prepared<'_>, res: &NelderMeadResult) -> Candidate {
    let (comps, m, fixed, n_state) = (prep.comps, prep.m, prep.fixed, prep.n_state);
    let (trend, season, damped) = (comps.trend, comps.season, comps.damped);
    let fit_par = &res.x;
    let np_ = fit_par.len();
    // Unpack as etsmodel does: every present slot of the vector overrides.
    let mut init_state = fit_par[np_ - n_state..].to_vec();
    if season.is_some() {
        let s0 = 1 + usize::from(trend.is_some());
        let total = if season == Component::Multiplicative {
            m as f64
        } else {
            0.0
        };
        init_state.push(total - np_sum(&init_state[s0..n_state]));
    }
    let mut par = prep.cur;
    let mut j = 0;
    if !fit_par[j].is_nan() {
        par.alpha = fit_par[j];
        j += 1;
    }
    if trend.is_some() {
        if !fit_par[j].is_nan() {
            par.beta = fit_par[j];
        }
        j += 1;
    }
    if season.is_some() {
        if !fit_par[j].is_nan() {
            par.gamma = fit_par[j];
        }
        j += 1;
    }
    if damped && !fit_par[j].is_nan() {
        par.phi = fit_par[j];
    }
    // Absent components keep statsforecast's NaN.
    let par = Par {
        alpha: par.alpha,
        beta: if trend.is_some() {
            par.beta
        } else {
            fixed.beta
        },
        gamma: if season.is_some() {
            par.gamma
        } else {
            fixed.gamma
        },
        phi: if damped { par.phi } else { fixed.phi },
    };
    finish(y, comps, m, par, init_state, np_, res.n_iter)
}

/// pegelsresid_C and the criteria: runs the model with the fitted
/// parameters and computes residuals, states, likelihood, AIC/AICc/BIC.
fn finish(
    y: &[f64],
    comps: EtsComponents,
    m: usize,
    par: Par,
    init_state: Vec<f64>,
    np_: usize,
    n_iter: usize,
) -> Candidate {
    let sm = Smoothing {
        alpha: par.alpha,
        beta: if comps.trend.is_some() { par.beta } else { 0.0 },
        gamma: if comps.season.is_some() {
            par.gamma
        } else {
            0.0
        },
        phi: if comps.damped { par.phi } else { 1.0 },
    };
    let shape = Shape {
        error: comps.error,
        trend: comps.trend,
        season: comps.season,
        m,
    };
    let out = calc(&init_state, y, &shape, &sm, NMSE);
    let mut lik = out.lik;
    if !lik.is_nan() && (lik + 99999.0).abs() < 1e-7 {
        lik = f64::NAN;
    }
    let ny = y.len();
    let k = np_ + 1; // the variance counts as a parameter
    let kf = k as f64;
    let aic = lik + 2.0 * kf;
    let bic = lik + (ny as f64).ln() * kf;
    let aicc = if ny - k - 1 != 0 {
        aic + (2 * k * (k + 1)) as f64 / (ny as f64 - kf - 1.0)
    } else {
        f64::INFINITY
    };
    let sq: Vec<f64> = out.e.iter().map(|e| e * e).collect();
    let sigma2 = np_sum(&sq) / (ny as f64 - kf - 1.0);
    let fitted: Vec<f64> = if comps.error == Component::Additive {
        y.iter().zip(&out.e).map(|(v, e)| v - e).collect()
    } else {
        y.iter().zip(&out.e).map(|(v, e)| v / (1.0 + e)).collect()
    };
    let ns = shape.n_states();
    let last_state = out.states[ns * ny..ns * (ny + 1)].to_vec();
    Candidate {
        comps,
        m,
        par,
        init_state,
        last_state,
        residuals: out.e,
        fitted,
        loglik: -0.5 * lik,
        aic,
        bic,
        aicc,
        mse: out.amse[0],
        amse: np_mean(&out.amse),
        sigma2,
        n_params: k,
        n_iter,
    }
}
