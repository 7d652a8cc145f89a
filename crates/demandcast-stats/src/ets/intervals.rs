//! Prediction intervals as statsforecast 2.1.1 computes them
//! (`_compute_pred_intervals` in ets.py), quirks included:
//!
//! * class 1 (additive error, additive or no trend and season): the
//!   analytic variances of Hyndman et al. (2008, table 6.1), with
//!   `hm = floor((h - 1) / m)` taken for the whole horizon, not per step;
//! * class 2 (multiplicative error, additive or no trend and season): the
//!   `theta` recursion of `_compute_sigmah` (the MAA case keeps
//!   statsforecast's `alpha * beta * h` for `alpha + beta * h`);
//! * class 3 (multiplicative error and season): `_class3models`, whose mean
//!   matrix is updated only after its loop, as in statsforecast;
//! * anything else (multiplicative trend): quantiles of 5000 simulated
//!   paths. statsforecast draws them from NumPy's `default_rng(1)`; here a
//!   SplitMix64 stream is used, so these bounds match only to Monte Carlo
//!   error (about 1%).

use super::fit::Candidate;
use super::recursion::{forecast, update, Shape, Smoothing, NA, TOL};
use super::spec::Component;
use demandcast_core::{Interval, Level};

/// Lower and upper bounds per level, in the order of `levels`.
pub(crate) fn intervals(c: &Candidate, mean: &[f64], levels: &[Level]) -> Vec<Interval> {
    let h = mean.len();
    match variance(c, mean) {
        Some(var) => {
            let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
            levels
                .iter()
                .map(|&level| {
                    let z = level.z();
                    Interval {
                        level,
                        lower: mean.iter().zip(&sd).map(|(m, s)| m - z * s).collect(),
                        upper: mean.iter().zip(&sd).map(|(m, s)| m + z * s).collect(),
                    }
                })
                .collect()
        }
        None => simulated(c, h, levels),
    }
}

/// The forecast variance per step for classes 1 to 3; `None` for models
/// whose intervals are simulated.
fn variance(c: &Candidate, pf: &[f64]) -> Option<Vec<f64>> {
    let h = pf.len();
    let sigma = c.sigma2;
    let m = c.m as f64;
    let (alpha, beta, gamma, phi) = (c.par.alpha, c.par.beta, c.par.gamma, c.par.phi);
    let hm = ((h as f64 - 1.0) / m).floor();
    let steps: Vec<f64> = (1..=h).map(|i| i as f64).collect();
    let exp1 = |s: f64| {
        alpha.powf(2.0) + alpha * beta * s + (1.0 / 6.0) * beta.powf(2.0) * s * (2.0 * s - 1.0)
    };
    let exp2 = |s: f64| (beta * phi * s) / (1.0 - phi).powf(2.0);
    let exp3 = 2.0 * alpha * (1.0 - phi) + beta * phi;
    let exp4 = |s: f64| {
        (beta * phi * (1.0 - phi.powf(s))) / ((1.0 - phi).powf(2.0) * (1.0 - phi.powf(2.0)))
    };
    let exp5 =
        |s: f64| 2.0 * alpha * (1.0 - phi.powf(2.0)) + beta * phi * (1.0 + 2.0 * phi - phi.powf(s));
    let comps = c.comps;
    use Component::{Additive as A, Multiplicative as M, None as N};
    let class1 =
        |f: &dyn Fn(f64) -> f64| -> Vec<f64> { steps.iter().map(|&s| sigma * f(s)).collect() };
    let season_dummy = |k: usize| if k.is_multiple_of(c.m) { 1.0 } else { 0.0 };
    let sum_phi = |k: usize| (1..=k).fold(0.0, |acc, j| acc + phi.powf(j as f64));
    let var = match (comps.error, comps.trend, comps.season, comps.damped) {
        (A, N, N, false) => class1(&|s| 1.0 + alpha.powf(2.0) * (s - 1.0)),
        (A, A, N, false) => class1(&|s| 1.0 + (s - 1.0) * exp1(s)),
        (A, A, N, true) => {
            class1(&|s| 1.0 + alpha.powf(2.0) * (s - 1.0) + exp2(s) * exp3 - exp4(s) * exp5(s))
        }
        (A, N, A, false) => {
            class1(&|s| 1.0 + alpha.powf(2.0) * (s - 1.0) + gamma * hm * (2.0 * alpha + gamma))
        }
        (A, A, A, false) => {
            let exp6 = 2.0 * alpha + gamma + beta * m * (hm + 1.0);
            class1(&|s| 1.0 + (s - 1.0) * exp1(s) + gamma * hm * exp6)
        }
        (A, A, A, true) => {
            let exp7 = (2.0 * beta * gamma * phi) / ((1.0 - phi) * (1.0 - phi.powf(m)));
            let exp8 = hm * (1.0 - phi.powf(m)) - phi.powf(m) * (1.0 - phi.powf(m * hm));
            class1(&|s| {
                1.0 + alpha.powf(2.0) * (s - 1.0) + exp2(s) * exp3 - exp4(s) * exp5(s)
                    + gamma * hm * (2.0 * alpha + gamma)
                    + exp7 * exp8
            })
        }
        (M, N, N, false) => sigmah(pf, sigma, &vec![alpha; h]),
        (M, A, N, false) => sigmah(
            pf,
            sigma,
            &steps.iter().map(|s| alpha + beta * s).collect::<Vec<_>>(),
        ),
        (M, A, N, true) => sigmah(
            pf,
            sigma,
            &(1..=h)
                .map(|k| alpha + beta * sum_phi(k))
                .collect::<Vec<_>>(),
        ),
        (M, N, A, false) => sigmah(
            pf,
            sigma,
            &(1..=h)
                .map(|k| alpha + gamma * season_dummy(k))
                .collect::<Vec<_>>(),
        ),
        (M, A, A, false) => sigmah(
            pf,
            sigma,
            &(1..=h)
                .map(|k| alpha * beta * k as f64 + gamma * season_dummy(k))
                .collect::<Vec<_>>(),
        ),
        (M, A, A, true) => sigmah(
            pf,
            sigma,
            &(1..=h)
                .map(|k| alpha + beta * sum_phi(k) + gamma * season_dummy(k))
                .collect::<Vec<_>>(),
        ),
        (M, _, M, _) => class3(c, h),
        _ => return None,
    };
    Some(var)
}

/// `_compute_sigmah`: the class-2 variance recursion.
fn sigmah(pf: &[f64], sigma: f64, cvals: &[f64]) -> Vec<f64> {
    let h = pf.len();
    let mut theta = vec![0.0; h];
    if h == 0 {
        return theta;
    }
    theta[0] = pf[0] * pf[0];
    for k in 1..h {
        let mut sum = 0.0;
        for j in 0..k {
            sum += cvals[j] * cvals[j] * theta[k - 1 - j];
        }
        theta[k] = pf[k] * pf[k] + sigma * sum;
    }
    theta
        .iter()
        .zip(pf)
        .map(|(t, p)| (1.0 + sigma) * t - p * p)
        .collect()
}

/// A small dense row-major matrix.
#[derive(Clone)]
struct Mat {
    r: usize,
    c: usize,
    v: Vec<f64>,
}

impl Mat {
    fn zeros(r: usize, c: usize) -> Mat {
        Mat {
            r,
            c,
            v: vec![0.0; r * c],
        }
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.c + j]
    }
    fn set(&mut self, i: usize, j: usize, x: f64) {
        self.v[i * self.c + j] = x;
    }
    fn mul(&self, o: &Mat) -> Mat {
        let mut out = Mat::zeros(self.r, o.c);
        for i in 0..self.r {
            for k in 0..self.c {
                let a = self.at(i, k);
                if a == 0.0 {
                    continue;
                }
                for j in 0..o.c {
                    out.v[i * o.c + j] += a * o.at(k, j);
                }
            }
        }
        out
    }
    fn t(&self) -> Mat {
        let mut out = Mat::zeros(self.c, self.r);
        for i in 0..self.r {
            for j in 0..self.c {
                out.set(j, i, self.at(i, j));
            }
        }
        out
    }
    fn kron(&self, o: &Mat) -> Mat {
        let mut out = Mat::zeros(self.r * o.r, self.c * o.c);
        for i in 0..self.r {
            for j in 0..self.c {
                for k in 0..o.r {
                    for l in 0..o.c {
                        out.set(i * o.r + k, j * o.c + l, self.at(i, j) * o.at(k, l));
                    }
                }
            }
        }
        out
    }
    fn add(&self, o: &Mat) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            v: self.v.iter().zip(&o.v).map(|(a, b)| a + b).collect(),
        }
    }
    fn scale(&self, s: f64) -> Mat {
        Mat {
            r: self.r,
            c: self.c,
            v: self.v.iter().map(|a| a * s).collect(),
        }
    }
}

/// `_class3models`: variances for multiplicative error and season.
fn class3(c: &Candidate, h: usize) -> Vec<f64> {
    let sigma = c.sigma2;
    let m = c.m;
    let st = &c.last_state;
    let p = st.len();
    let k = p - m;
    let (alpha, beta, gamma, phi) = (c.par.alpha, c.par.beta, c.par.gamma, c.par.phi);
    let has_trend = c.comps.trend != Component::None;
    let h1 = Mat {
        r: 1,
        c: k,
        v: vec![1.0; k],
    };
    let mut h2 = Mat::zeros(1, m);
    h2.set(0, m - 1, 1.0);
    let (f1, g1) = if has_trend {
        let f = if c.comps.damped { phi } else { 1.0 };
        (
            Mat {
                r: 2,
                c: 2,
                v: vec![1.0, 1.0, 0.0, f],
            },
            Mat {
                r: 2,
                c: 2,
                v: vec![alpha, alpha, beta, beta],
            },
        )
    } else {
        (
            Mat {
                r: 1,
                c: 1,
                v: vec![1.0],
            },
            Mat {
                r: 1,
                c: 1,
                v: vec![alpha],
            },
        )
    };
    let mut f2 = Mat::zeros(m, m);
    f2.set(0, m - 1, 1.0);
    for i in 1..m {
        f2.set(i, i - 1, 1.0);
    }
    let mut g2 = Mat::zeros(m, m);
    g2.set(0, m - 1, gamma);
    let mut mh = Mat::zeros(k, m);
    for i in 0..k {
        for j in 0..m {
            mh.set(i, j, st[i] * st[k + j]);
        }
    }
    let d = k * m;
    let mut vh = Mat::zeros(d, d);
    let h21 = h2.kron(&h1);
    let f21 = f2.kron(&f1);
    let g21 = g2.kron(&g1);
    let kk = g2.kron(&f1).add(&f2.kron(&g1));
    let (f21t, g21t, kkt, h21t) = (f21.t(), g21.t(), kk.t(), h21.t());
    // Mh is constant over the loop (statsforecast updates it afterwards).
    let mu = h1.mul(&mh.mul(&h2.t())).v[0];
    let vec_mh = mh.v.clone();
    let mut outer = Mat::zeros(d, d);
    for i in 0..d {
        for j in 0..d {
            outer.set(i, j, vec_mh[j] * vec_mh[i]);
        }
    }
    let sg21 = g21.scale(sigma);
    let mut var = vec![0.0; h];
    for v in var.iter_mut() {
        *v = (1.0 + sigma) * h21.mul(&vh.mul(&h21t)).v[0] + sigma * (mu * mu);
        let e1 = f21.mul(&vh.mul(&f21t));
        let e2 = f21.mul(&vh.mul(&g21t));
        let e3 = g21.mul(&vh.mul(&f21t));
        let e4 = kk.mul(&vh.add(&outer).mul(&kkt));
        let e5 = sg21.mul(&vh.scale(3.0).add(&outer.scale(2.0)).mul(&g21t));
        vh = e1.add(&e2.add(&e3).add(&e4).add(&e5).scale(sigma));
    }
    var
}

/// A SplitMix64 stream with Box-Muller normals, for the simulated intervals.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next_f64(), self.next_f64());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// numpy's `quantile` (linear interpolation) of sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Classes 4 and 5: quantiles of 5000 paths simulated with `etssimulate`.
fn simulated(c: &Candidate, h: usize, levels: &[Level]) -> Vec<Interval> {
    const NSIM: usize = 5000;
    let m = c.m.max(1);
    let sd = c.sigma2.sqrt();
    let zero_nan = |v: f64| if v.is_nan() { 0.0 } else { v };
    let sm = Smoothing {
        alpha: c.par.alpha,
        beta: zero_nan(c.par.beta),
        gamma: zero_nan(c.par.gamma),
        phi: zero_nan(c.par.phi),
    };
    let shape = Shape {
        error: c.comps.error,
        trend: c.comps.trend,
        season: c.comps.season,
        m,
    };
    let has_trend = shape.trend.is_some();
    let has_season = shape.season.is_some();
    let mut rng = SplitMix(1);
    // one row per path, as statsforecast's y_path
    let mut rows = vec![vec![0.0; h]; NSIM];
    let mut s = vec![0.0; 24.max(m)];
    let mut old_s = vec![0.0; 24.max(m)];
    let mut f = [0.0];
    for row in rows.iter_mut() {
        let e: Vec<f64> = (0..h).map(|_| sd * rng.normal()).collect();
        if m > 24 && has_season {
            continue; // etssimulate returns zeros
        }
        let mut l = c.last_state[0];
        let mut b = if has_trend { c.last_state[1] } else { 0.0 };
        let off = 1 + usize::from(has_trend);
        if has_season {
            s[..m].copy_from_slice(&c.last_state[off..off + m]);
        }
        let mut old_b = 0.0;
        for (i, ei) in e.iter().enumerate() {
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
                sm.phi,
                1,
            );
            if (f[0] - NA).abs() < TOL {
                row[0] = NA;
                break;
            }
            let yi = if shape.error == Component::Additive {
                f[0] + ei
            } else {
                f[0] * (1.0 + ei)
            };
            row[i] = yi;
            let (nl, nb) = update(
                &mut s,
                b,
                old_l,
                old_b,
                &old_s,
                m,
                shape.trend,
                shape.season,
                &sm,
                yi,
            );
            l = nl;
            b = nb;
        }
    }
    let mut paths: Vec<Vec<f64>> = (0..h)
        .map(|i| rows.iter().map(|r| r[i]).collect())
        .collect();
    for p in &mut paths {
        p.sort_by(f64::total_cmp);
    }
    levels
        .iter()
        .map(|&level| Interval {
            level,
            lower: paths
                .iter()
                .map(|p| quantile(p, level.lo_quantile()))
                .collect(),
            upper: paths
                .iter()
                .map(|p| quantile(p, level.hi_quantile()))
                .collect(),
        })
        .collect()
}
