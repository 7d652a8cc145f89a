//! The Theta state-space recursion of statsforecast's `src/theta.cpp`
//! (Fiorucci et al. 2016), its loss, and the fit of one variant.
//!
//! statsforecast evaluates the loss by re-running an `nmse`-step forecast
//! from a copy of the whole state matrix at every time step, which is
//! quadratic in the series length. Only the one-step forecast enters the
//! loss (the multi-step `amse` is reported, never used), and the dynamic
//! variants' `A_t`, `B_t` (a running regression on the data) do not depend
//! on the parameters, so here one evaluation is a single linear pass with no
//! allocation, over precomputed `A_t`, `B_t`.

use crate::optim::{nelder_mead, NelderMeadOptions};

/// The four Theta models of statsforecast's `auto_theta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThetaVariant {
    /// Standard Theta model (`STM`): theta fixed at 2, static trend line.
    Standard,
    /// Optimised Theta model (`OTM`): theta estimated, static trend line.
    Optimized,
    /// Dynamic standard Theta model (`DSTM`): theta 2, trend line updated each step.
    DynamicStandard,
    /// Dynamic optimised Theta model (`DOTM`): theta estimated, dynamic trend line.
    DynamicOptimized,
}

impl ThetaVariant {
    /// All variants, in the order statsforecast tries them (ties keep the first).
    pub const ALL: [ThetaVariant; 4] = [
        ThetaVariant::Standard,
        ThetaVariant::Optimized,
        ThetaVariant::DynamicStandard,
        ThetaVariant::DynamicOptimized,
    ];

    /// statsforecast's code: `STM`, `OTM`, `DSTM` or `DOTM`.
    pub fn code(self) -> &'static str {
        match self {
            ThetaVariant::Standard => "STM",
            ThetaVariant::Optimized => "OTM",
            ThetaVariant::DynamicStandard => "DSTM",
            ThetaVariant::DynamicOptimized => "DOTM",
        }
    }

    /// Whether the trend line is re-estimated at every step.
    pub fn is_dynamic(self) -> bool {
        matches!(
            self,
            ThetaVariant::DynamicStandard | ThetaVariant::DynamicOptimized
        )
    }

    /// Whether theta is estimated (otherwise fixed at 2).
    pub fn optimizes_theta(self) -> bool {
        matches!(
            self,
            ThetaVariant::Optimized | ThetaVariant::DynamicOptimized
        )
    }
}

/// The last row of the state matrix: what forecasting starts from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct State {
    pub level: f64,
    pub mean_y: f64,
    pub a: f64,
    pub b: f64,
}

/// Per-series quantities shared by every loss evaluation.
pub(crate) struct Prepared<'a> {
    y: &'a [f64],
    /// `mean(|y|)`, floored at 1e-10: the loss is `SSE / mean(|y|)`.
    scale: f64,
    /// Full-sample trend line `A + B t` of the static variants.
    static_ab: (f64, f64),
    /// `(A_t, B_t)` of the dynamic variants, one per observation.
    dynamic_ab: Vec<(f64, f64)>,
}

impl<'a> Prepared<'a> {
    /// Precomputes the trend lines of `y` (at least 2 values).
    pub(crate) fn new(y: &'a [f64]) -> Self {
        let n = y.len();
        let nf = n as f64;
        let mean_abs = y.iter().map(|v| v.abs()).sum::<f64>() / nf;
        let y_mean = y.iter().sum::<f64>() / nf;
        let weighted_avg = y
            .iter()
            .enumerate()
            .map(|(t, v)| v * (t + 1) as f64)
            .sum::<f64>()
            / nf;
        // As init_state in theta.cpp (n*n - 1 in integer arithmetic there).
        let b = (6.0 * (2.0 * weighted_avg - (nf + 1.0) * y_mean)) / ((n * n - 1) as f64);
        let a = y_mean - (nf + 1.0) * b / 2.0;
        let mut dynamic_ab = Vec::with_capacity(n);
        let (mut meany, mut bn) = (y[0], 0.0);
        dynamic_ab.push((y[0], 0.0));
        for (i, &yi) in y.iter().enumerate().skip(1) {
            let fi = i as f64;
            let new_mean = (fi * meany + yi) / (fi + 1.0);
            bn = ((fi - 1.0) * bn + 6.0 * (yi - meany) / (fi + 1.0)) / (fi + 2.0);
            let an = new_mean - bn * (fi + 2.0) / 2.0;
            meany = new_mean;
            dynamic_ab.push((an, bn));
        }
        Self {
            y,
            scale: if mean_abs < 1e-10 { 1e-10 } else { mean_abs },
            static_ab: (a, b),
            dynamic_ab,
        }
    }

    /// statsforecast's `calc`: `Σ_{t>=3} e_t² / mean(|y|)` for one parameter
    /// set. Allocation-free.
    pub(crate) fn loss(&self, variant: ThetaVariant, level0: f64, alpha: f64, theta: f64) -> f64 {
        let sse = if variant.is_dynamic() {
            sse(
                self.y,
                self.dynamic_ab.iter().copied(),
                level0,
                alpha,
                theta,
            )
        } else {
            sse(
                self.y,
                std::iter::repeat(self.static_ab),
                level0,
                alpha,
                theta,
            )
        };
        sse / self.scale
    }

    /// The fit at one parameter set: residuals, final state and loss
    /// (statsforecast's `pegels_resid`).
    pub(crate) fn run(&self, variant: ThetaVariant, level0: f64, alpha: f64, theta: f64) -> Run {
        let y = self.y;
        let n = y.len();
        let q = 1.0 - alpha;
        let c = 1.0 - 1.0 / theta;
        let ab = |i: usize| {
            if variant.is_dynamic() {
                self.dynamic_ab[i]
            } else {
                self.static_ab
            }
        };
        let mut resid = Vec::with_capacity(n);
        let mu0 = if variant.is_dynamic() {
            y[0]
        } else {
            level0 + c * (self.static_ab.0 + self.static_ab.1)
        };
        resid.push(y[0] - mu0);
        let mut level = alpha * y[0] + q * level0;
        let mut mean_y = y[0];
        let mut p = q;
        let mut sse = 0.0;
        for (i, &yi) in y.iter().enumerate().skip(1) {
            let (a, b) = ab(i - 1);
            let pn = p * q;
            let e = yi - (level + c * (a * p + b * (1.0 - pn) / alpha));
            if i >= 3 {
                sse += e * e;
            }
            resid.push(e);
            level = alpha * yi + q * level;
            mean_y = (i as f64 * mean_y + yi) / (i as f64 + 1.0);
            p = pn;
        }
        let (a, b) = ab(n - 1);
        Run {
            resid,
            state: State {
                level,
                mean_y,
                a,
                b,
            },
            mse: sse / self.scale,
        }
    }
}

/// The residuals, final state and loss of one parameter set.
pub(crate) struct Run {
    /// One-step residuals `y_t - mu_t` (the first three are burn-in).
    pub resid: Vec<f64>,
    /// The last row of the state matrix.
    pub state: State,
    /// statsforecast's `mse` (the loss, `SSE / mean|y|`).
    pub mse: f64,
}

/// Sum of squared one-step errors from `t = 3`, where `prev_ab` yields the
/// trend line `(A, B)` of row `t - 1` for `t = 1, 2, ...`. `(1 - alpha)^t`
/// comes from a running product rather than `pow` (equal to a few ulps, ten
/// times cheaper).
#[inline(always)]
fn sse(
    y: &[f64],
    prev_ab: impl Iterator<Item = (f64, f64)>,
    level0: f64,
    alpha: f64,
    theta: f64,
) -> f64 {
    let q = 1.0 - alpha;
    let c = 1.0 - 1.0 / theta;
    let mut level = alpha * y[0] + q * level0;
    let mut p = q; // (1 - alpha)^t at step t
    let mut sse = 0.0;
    for (k, (&yt, (a, b))) in y[1..].iter().zip(prev_ab).enumerate() {
        let pn = p * q;
        let e = yt - (level + c * (a * p + b * (1.0 - pn) / alpha));
        // statsforecast's loss skips the first three residuals (t = 0, 1, 2).
        if k >= 2 {
            sse += e * e;
        }
        level = alpha * yt + q * level;
        p = pn;
    }
    sse
}

/// Estimated parameters of one variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Params {
    pub level0: f64,
    pub alpha: f64,
    pub theta: f64,
}

/// statsforecast's `optimize` settings for Theta: adaptive Nelder-Mead,
/// 1,000 iterations, stop when the simplex values' std is below 1e-4.
const NM_OPTIONS: NelderMeadOptions = NelderMeadOptions {
    init_step: 0.05,
    zero_pert: 1.0e-4,
    alpha: 1.0,
    gamma: 2.0,
    rho: 0.5,
    sigma: 0.5,
    max_iter: 1_000,
    tol_std: 1.0e-4,
    adaptive: true,
};

/// Estimates the initial level, alpha and (for the optimised variants)
/// theta from statsforecast's start `(y_0 / 2, 0.5, 2)` within its bounds.
pub(crate) fn optimize(prep: &Prepared, variant: ThetaVariant) -> Params {
    let x0 = [prep.y[0] / 2.0, 0.5, 2.0];
    let lower = [-1e10, 0.1, 1.0];
    let upper = [1e10, 0.99, 1e10];
    let k = if variant.optimizes_theta() { 3 } else { 2 };
    let objective = |x: &[f64]| {
        let theta = if k == 3 { x[2] } else { 2.0 };
        let mse = prep.loss(variant, x[0], x[1], theta);
        // theta.cpp's target_fn: a failed (NaN) evaluation becomes -inf.
        if mse.is_nan() {
            f64::NEG_INFINITY
        } else {
            mse.max(-1e10)
        }
    };
    let res = nelder_mead(objective, &x0[..k], &lower[..k], &upper[..k], &NM_OPTIONS);
    Params {
        level0: res.x[0],
        alpha: res.x[1],
        theta: if k == 3 { res.x[2] } else { 2.0 },
    }
}
