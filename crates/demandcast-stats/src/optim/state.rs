//! [`NelderMead`]: the Nelder-Mead iteration of nelder_mead.h as a state
//! machine that asks for objective values instead of calling a function,
//! so that several runs can share the evaluation of their points.

use super::eigen::{centroid, std_dev};
use super::{stdsort, NelderMeadOptions, NelderMeadResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// waiting for the values of the initial simplex
    Init,
    /// waiting for the reflection point (and optionally the expansion point)
    Reflect,
    Expand,
    ContractOut,
    ContractIn,
    /// waiting for the values of the shrunk vertices
    Shrink,
    Done,
}

/// A bounded Nelder-Mead run driven from outside ("ask and tell"): it
/// offers points ([`NelderMead::wanted`], [`NelderMead::point`]) and
/// advances when told their objective values ([`NelderMead::tell`]). It
/// walks exactly the path of [`super::nelder_mead`].
///
/// After a reflection point, the expansion point is offered as optional:
/// a caller that evaluates two points for the price of one can supply its
/// value at once, which saves a round whenever the expansion is needed.
///
/// # Example
/// ```
/// use demandcast_stats::optim::{nelder_mead, NelderMead, NelderMeadOptions};
/// let f = |x: &[f64]| (x[0] - 1.0).powi(2) + (x[1] + 0.5).powi(2);
/// let opts = NelderMeadOptions::default();
/// let mut nm = NelderMead::new(&[0.3, 0.3], &[-2.0, -2.0], &[2.0, 2.0], &opts);
/// while !nm.is_done() {
///     let (required, _offered) = nm.wanted();
///     let values: Vec<f64> = (0..required).map(|k| f(nm.point(k))).collect();
///     nm.tell(&values);
/// }
/// let r = nm.result();
/// assert_eq!(r.x, nelder_mead(f, &[0.3, 0.3], &[-2.0, -2.0], &[2.0, 2.0], &opts).x);
/// ```
#[derive(Debug, Clone)]
pub struct NelderMead {
    n: usize,
    lower: Vec<f64>,
    upper: Vec<f64>,
    alpha: f64,
    gamma: f64,
    rho: f64,
    sigma: f64,
    max_iter: usize,
    tol_std: f64,
    simplex: Vec<Vec<f64>>,
    fs: Vec<f64>,
    order: Vec<usize>,
    xo: Vec<f64>,
    /// reflection, expansion, outside and inside contraction points
    trial: [Vec<f64>; 4],
    fr: f64,
    phase: Phase,
    it: usize,
    best: usize,
    worst: usize,
    second_worst: usize,
    /// vertices waiting for their values after a shrink
    shrunk: Vec<usize>,
    scratch: Vec<f64>,
}

fn clamp(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
        *v = v.max(*lo).min(*hi);
    }
}

impl NelderMead {
    /// Starts a run from `x0` (clamped into `[lower, upper]`); the first
    /// points wanted are the vertices of the initial simplex.
    pub fn new(x0: &[f64], lower: &[f64], upper: &[f64], opts: &NelderMeadOptions) -> Self {
        let n = x0.len();
        let (mut gamma, mut rho, mut sigma) = (opts.gamma, opts.rho, opts.sigma);
        if opts.adaptive && n > 0 {
            let nf = n as f64;
            gamma = 1.0 + 2.0 / nf;
            rho = 0.75 - 1.0 / (2.0 * nf);
            sigma = 1.0 - 1.0 / nf;
        }
        let mut start = x0.to_vec();
        clamp(&mut start, lower, upper);
        let mut simplex = vec![start; n + 1];
        for (i, row) in simplex.iter_mut().enumerate().take(n) {
            let mut val = row[i];
            if val == 0.0 {
                val = opts.zero_pert;
            } else {
                val *= 1.0 + opts.init_step;
            }
            row[i] = val.max(lower[i]).min(upper[i]);
        }
        Self {
            n,
            lower: lower.to_vec(),
            upper: upper.to_vec(),
            alpha: opts.alpha,
            gamma,
            rho,
            sigma,
            max_iter: opts.max_iter,
            tol_std: opts.tol_std,
            simplex,
            fs: vec![0.0; n + 1],
            order: (0..=n).collect(),
            xo: vec![0.0; n],
            trial: [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            fr: 0.0,
            phase: Phase::Init,
            it: 0,
            best: 0,
            worst: 0,
            second_worst: 0,
            shrunk: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n + 1),
        }
    }

    /// Whether the run has stopped.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// How many points are wanted now: `(required, offered)`. The values of
    /// the first `required` points must be told; the next ones, up to
    /// `offered`, may be.
    pub fn wanted(&self) -> (usize, usize) {
        match self.phase {
            Phase::Init => (self.n + 1, self.n + 1),
            Phase::Reflect => (1, 2),
            Phase::Expand | Phase::ContractOut | Phase::ContractIn => (1, 1),
            Phase::Shrink => (self.shrunk.len(), self.shrunk.len()),
            Phase::Done => (0, 0),
        }
    }

    /// The `k`-th point wanted (`k < offered`).
    pub fn point(&self, k: usize) -> &[f64] {
        match self.phase {
            Phase::Init => &self.simplex[k],
            Phase::Reflect => &self.trial[k],
            Phase::Expand => &self.trial[1],
            Phase::ContractOut => &self.trial[2],
            Phase::ContractIn => &self.trial[3],
            Phase::Shrink => &self.simplex[self.shrunk[k]],
            Phase::Done => &[],
        }
    }

    /// Advances with the objective values of the first `values.len()`
    /// points wanted (at least the required ones).
    pub fn tell(&mut self, values: &[f64]) {
        match self.phase {
            Phase::Init => {
                self.fs.copy_from_slice(&values[..self.n + 1]);
                if self.n == 0 {
                    self.phase = Phase::Done;
                    self.it = usize::MAX; // n_iter 0, as the C++ code
                    return;
                }
                self.start_iteration();
            }
            Phase::Reflect => {
                let fr = values[0];
                self.fr = fr;
                let (best, sw, worst) = (
                    self.fs[self.best],
                    self.fs[self.second_worst],
                    self.fs[self.worst],
                );
                if best <= fr && fr < sw {
                    self.accept(0, fr);
                } else if fr < best {
                    match values.get(1) {
                        Some(&fe) => self.expanded(fe),
                        None => self.phase = Phase::Expand,
                    }
                } else if sw <= fr && fr < worst {
                    self.phase = Phase::ContractOut;
                } else {
                    self.phase = Phase::ContractIn;
                }
            }
            Phase::Expand => self.expanded(values[0]),
            Phase::ContractOut => {
                if values[0] <= self.fr {
                    self.accept(2, values[0]);
                } else {
                    self.shrink();
                }
            }
            Phase::ContractIn => {
                if values[0] < self.fs[self.worst] {
                    self.accept(3, values[0]);
                } else {
                    self.shrink();
                }
            }
            Phase::Shrink => {
                for (&j, &v) in self.shrunk.iter().zip(values) {
                    self.fs[j] = v;
                }
                self.it += 1;
                self.start_iteration();
            }
            Phase::Done => {}
        }
    }

    /// The best vertex as of the last ranking, its value and the number of
    /// iterations (C++ convention: the loop counter plus one).
    pub fn result(&self) -> NelderMeadResult {
        NelderMeadResult {
            x: self.simplex[self.best].clone(),
            fun: self.fs[self.best],
            n_iter: self.it.wrapping_add(1),
        }
    }

    fn expanded(&mut self, fe: f64) {
        if fe < self.fr {
            self.accept(1, fe);
        } else {
            self.accept(0, self.fr);
        }
    }

    fn accept(&mut self, k: usize, value: f64) {
        let w = self.worst;
        self.simplex[w].copy_from_slice(&self.trial[k]);
        self.fs[w] = value;
        self.it += 1;
        self.start_iteration();
    }

    fn shrink(&mut self) {
        let b = self.best;
        self.shrunk.clear();
        for j in 0..=self.n {
            if j == b {
                continue;
            }
            for c in 0..self.n {
                let xb = self.simplex[b][c];
                self.simplex[j][c] = xb + self.sigma * (self.simplex[j][c] - xb);
            }
            clamp(&mut self.simplex[j], &self.lower, &self.upper);
            self.shrunk.push(j);
        }
        self.phase = Phase::Shrink;
    }

    /// The top of the C++ loop: stop at `max_iter`, rank, stop on a flat
    /// simplex, else compute the centroid and the four trial points.
    fn start_iteration(&mut self) {
        if self.it >= self.max_iter {
            self.phase = Phase::Done;
            return;
        }
        let n = self.n;
        self.order.iter_mut().enumerate().for_each(|(k, o)| *o = k);
        stdsort::sort(&mut self.order, &self.fs);
        self.best = self.order[0];
        self.worst = self.order[n];
        self.second_worst = self.order[n - 1];
        if std_dev(&self.fs, &mut self.scratch) < self.tol_std {
            self.phase = Phase::Done;
            return;
        }
        centroid(&self.simplex, self.worst, &mut self.xo);
        let (xo, xw) = (&self.xo, &self.simplex[self.worst]);
        let [xr, xe, xoc, xic] = &mut self.trial;
        for c in 0..n {
            xr[c] = xo[c] + self.alpha * (xo[c] - xw[c]);
        }
        clamp(xr, &self.lower, &self.upper);
        for c in 0..n {
            xe[c] = xo[c] + self.gamma * (xr[c] - xo[c]);
            xoc[c] = xo[c] + self.rho * (xr[c] - xo[c]);
            xic[c] = xo[c] - self.rho * (xr[c] - xo[c]);
        }
        clamp(xe, &self.lower, &self.upper);
        clamp(xoc, &self.lower, &self.upper);
        clamp(xic, &self.lower, &self.upper);
        self.phase = Phase::Reflect;
    }
}
