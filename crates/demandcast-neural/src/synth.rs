//! Synthetic series generated on the fly for pretraining.
//!
//! Two families, as in Chronos (KernelSynth) plus the retail processes a
//! demand model must know:
//! * **kernel compositions**: sums and products of linear, smooth (RBF),
//!   periodic and noise components. Exact GP draws cost O(n³) per series; we
//!   draw from the same kernels with random Fourier features (Rahimi & Recht),
//!   which is exact in distribution as the number of features grows and costs
//!   O(n·features), so generation never slows training down.
//! * **retail demand**: a daily intensity (level, trend changes, weekly and
//!   yearly seasonality, holidays, benefit days, price changes with an
//!   elasticity, promotions, launches and phase-outs, stock-outs) observed
//!   through Poisson, negative-binomial or intermittent (Bernoulli × size,
//!   Croston-type) noise, then summed to weeks or months for coarser series.
//!
//! Calendar effects are keyed to real dates, so the calendar features the
//! model reads are informative, and promotions/prices/events are written to
//! the same feature slots real covariates use.

use crate::features::{calendar, F_BENEFIT, F_EVENT, F_PRICE, F_PROMO, N_STEP_FEATURES};
use crate::window::Window;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::Rng;
use rand_distr::{Distribution, Gamma, Normal, Poisson};

/// Periods of a generated series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gran {
    Day,
    Week,
    Month,
}

fn normal(rng: &mut StdRng, sd: f64) -> f64 {
    Normal::new(0.0, sd.max(1e-12))
        .map(|d| d.sample(rng))
        .unwrap_or(0.0)
}

fn poisson(rng: &mut StdRng, lambda: f64) -> f64 {
    if lambda <= 1e-9 {
        return 0.0;
    }
    Poisson::new(lambda.min(1e7))
        .map(|d| d.sample(rng))
        .unwrap_or(lambda)
}

/// Negative binomial with mean `mu` and shape `k` (variance `mu + mu²/k`), as a Gamma-Poisson mixture.
fn negbin(rng: &mut StdRng, mu: f64, k: f64) -> f64 {
    if mu <= 1e-9 {
        return 0.0;
    }
    let g = Gamma::new(k, mu / k).map(|d| d.sample(rng)).unwrap_or(mu);
    poisson(rng, g)
}

fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> f64 {
    (rng.random_range(lo.ln()..hi.ln())).exp()
}

/// Random Fourier features of an RBF kernel with length-scale `ls`, evaluated at t = 0..n.
fn rbf_draw(rng: &mut StdRng, n: usize, ls: f64) -> Vec<f64> {
    let m = 24;
    let comps: Vec<(f64, f64)> = (0..m)
        .map(|_| {
            (
                normal(rng, 1.0 / ls),
                rng.random_range(0.0..std::f64::consts::TAU),
            )
        })
        .collect();
    let w: Vec<f64> = (0..m).map(|_| normal(rng, 1.0)).collect();
    let norm = (2.0 / m as f64).sqrt();
    (0..n)
        .map(|t| {
            comps
                .iter()
                .zip(&w)
                .map(|((om, ph), wi)| wi * (om * t as f64 + ph).cos())
                .sum::<f64>()
                * norm
        })
        .collect()
}

/// A periodic kernel draw: a Fourier series with decaying harmonics.
fn periodic_draw(rng: &mut StdRng, n: usize, period: f64) -> Vec<f64> {
    let k = rng.random_range(1..=4);
    let coef: Vec<(f64, f64)> = (1..=k)
        .map(|j| (normal(rng, 1.0 / j as f64), normal(rng, 1.0 / j as f64)))
        .collect();
    (0..n)
        .map(|t| {
            coef.iter()
                .enumerate()
                .map(|(j, (a, b))| {
                    let x = std::f64::consts::TAU * (j + 1) as f64 * t as f64 / period;
                    a * x.sin() + b * x.cos()
                })
                .sum()
        })
        .collect()
}

/// One KernelSynth-style draw of length `n` with periods suited to `gran`,
/// made positive (shifted, or exponentiated for multiplicative effects).
fn kernel_series(rng: &mut StdRng, n: usize, gran: Gran) -> Vec<f64> {
    let periods: &[f64] = match gran {
        Gran::Day => &[7.0, 14.0, 30.44, 91.3, 365.25],
        Gran::Week => &[4.35, 13.0, 26.0, 52.18],
        Gran::Month => &[3.0, 4.0, 6.0, 12.0],
    };
    let draw_one = |rng: &mut StdRng| -> Vec<f64> {
        match rng.random_range(0..5) {
            0 => {
                let s = normal(rng, 1.0);
                let c = rng.random_range(0.0..1.0);
                (0..n).map(|t| s * (t as f64 / n as f64 - c)).collect()
            }
            1 | 2 => {
                let ls = log_uniform(rng, 2.0, n as f64 / 2.0);
                rbf_draw(rng, n, ls)
            }
            3 => {
                let p = periods[rng.random_range(0..periods.len())];
                periodic_draw(rng, n, p)
            }
            _ => {
                let sd = log_uniform(rng, 0.01, 0.5);
                (0..n).map(|_| normal(rng, sd)).collect()
            }
        }
    };
    let mut y = draw_one(rng);
    for _ in 0..rng.random_range(1..=4) {
        let z = draw_one(rng);
        if rng.random_bool(0.3) {
            y.iter_mut().zip(&z).for_each(|(a, b)| *a *= b);
        } else {
            y.iter_mut().zip(&z).for_each(|(a, b)| *a += b);
        }
    }
    let sd = {
        let m = y.iter().sum::<f64>() / n as f64;
        (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64)
            .sqrt()
            .max(1e-6)
    };
    let level = log_uniform(rng, 0.5, 1000.0);
    if rng.random_bool(0.5) {
        let amp = rng.random_range(0.05..0.8);
        y.iter().map(|v| level * (amp * v / sd).exp()).collect()
    } else {
        let min = y.iter().copied().fold(f64::INFINITY, f64::min);
        let off = rng.random_range(0.1..3.0) * sd;
        y.iter().map(|v| level * (v - min + off) / sd).collect()
    }
}

/// The holidays of one year (a fixed, US-retail-like calendar).
fn holidays(year: i32) -> Vec<(NaiveDate, usize)> {
    let d = |m: u32, dd: u32| NaiveDate::from_ymd_opt(year, m, dd);
    let nth = |m: u32, wd: Weekday, n: u8| NaiveDate::from_weekday_of_month_opt(year, m, wd, n);
    [
        d(1, 1),
        nth(2, Weekday::Sun, 1),
        d(2, 14),
        nth(4, Weekday::Sun, 2),
        nth(5, Weekday::Mon, 4),
        d(7, 4),
        nth(9, Weekday::Mon, 1),
        d(10, 31),
        nth(11, Weekday::Thu, 4),
        d(12, 24),
        d(12, 25),
        d(12, 31),
    ]
    .into_iter()
    .enumerate()
    .filter_map(|(i, x)| x.map(|x| (x, i)))
    .collect()
}

/// The retail demand process, daily, for `n` days from `start`.
/// Returns (values, per-day features).
fn retail_daily(rng: &mut StdRng, start: NaiveDate, n: usize) -> (Vec<f64>, Vec<f32>) {
    let k = N_STEP_FEATURES;
    let mut feats = vec![0f32; n * k];
    let level = log_uniform(rng, 0.03, 300.0);
    // Trend: piecewise-linear log-level with a few change points.
    let mut log_trend = vec![0f64; n];
    let mut slope = normal(rng, 0.5) / 365.0;
    let change_p = rng.random_range(0.0..3.0) / n as f64;
    for t in 1..n {
        if rng.random_bool(change_p.min(1.0)) {
            slope = normal(rng, 0.8) / 365.0;
        }
        log_trend[t] = log_trend[t - 1] + slope;
    }
    let lt_end = log_trend[n - 1];
    log_trend
        .iter_mut()
        .for_each(|v| *v -= lt_end * rng.random_range(0.0..1.0));
    let weekly: Vec<f64> = {
        let s = rng.random_range(0.0..0.45);
        let weekend = rng.random_range(-0.2..0.5);
        (0..7)
            .map(|d| normal(rng, s) + if d >= 4 { weekend } else { 0.0 })
            .collect()
    };
    let yearly_amp = rng.random_range(0.0..0.6);
    let yearly_ph = rng.random_range(0.0..std::f64::consts::TAU);
    let yearly2 = normal(rng, yearly_amp / 3.0);
    let hol_effect: Vec<f64> = (0..12).map(|_| normal(rng, 0.6)).collect();
    let christmas_closed = rng.random_bool(0.5);
    let events_known = rng.random_bool(0.8);
    let benefit = rng.random_bool(0.3).then(|| rng.random_range(0.02..0.3));
    // Prices and promotions.
    let has_price = rng.random_bool(0.7);
    let elasticity = -log_uniform(rng, 0.3, 4.0);
    let promo_lift = rng.random_range(0.0..1.5);
    let promo_rate = if has_price {
        rng.random_range(0.0..0.03)
    } else {
        0.0
    };
    let mut regular = 1.0f64;
    let mut promo_left = 0usize;
    let mut disc = 0.0;
    // Life cycle.
    let launch = rng.random_bool(0.15).then(|| rng.random_range(0..n));
    let ramp = rng.random_range(1.0..60.0);
    let phase_out = rng.random_bool(0.08).then(|| rng.random_range(n / 2..n));
    let decay = rng.random_range(5.0..90.0);
    let stockout_p = if rng.random_bool(0.15) {
        rng.random_range(0.001..0.01)
    } else {
        0.0
    };
    let mut stockout_left = 0usize;
    // Observation noise.
    let noise = rng.random_range(0..10);
    let nb_k = log_uniform(rng, 0.3, 10.0);
    let p_occ = rng.random_range(0.03..0.6);
    let mut hol = std::collections::HashMap::new();
    for y in start.year()..=(start + Duration::days(n as i64)).year() {
        for (d, i) in holidays(y) {
            hol.insert(d, i);
        }
    }
    let mut y = vec![0f64; n];
    for t in 0..n {
        let date = start + Duration::days(t as i64);
        let f = &mut feats[t * k..(t + 1) * k];
        calendar(date, true, f);
        let doy = date.ordinal0() as f64 / 365.25 * std::f64::consts::TAU;
        let mut lg = log_trend[t]
            + weekly[date.weekday().num_days_from_monday() as usize]
            + yearly_amp * (doy + yearly_ph).sin()
            + yearly2 * (2.0 * doy).cos();
        let mut closed = false;
        if let Some(&hi) = hol.get(&date) {
            lg += hol_effect[hi];
            if events_known {
                f[F_EVENT] = 1.0;
            }
            closed = christmas_closed && hi == 10;
        }
        if let Some(b) = benefit {
            if date.day() <= 10 {
                lg += b;
                f[F_BENEFIT] = 1.0;
            }
        }
        if has_price {
            if rng.random_bool(0.003) {
                regular *= 1.0 + normal(rng, 0.08);
            }
            if promo_left == 0 && rng.random_bool(promo_rate) {
                promo_left = rng.random_range(1..15);
                disc = rng.random_range(0.05..0.5);
            }
            let price_ratio = if promo_left > 0 {
                promo_left -= 1;
                f[F_PROMO] = 1.0;
                lg += promo_lift;
                1.0 - disc
            } else {
                1.0
            };
            // Price relative to the usual price: promotions and regular-price moves.
            let rel = price_ratio * regular;
            lg += elasticity * rel.ln();
            f[F_PRICE] = (rel.ln() as f32).clamp(-1.5, 1.5);
        }
        let mut mu = level * lg.exp();
        if let Some(l) = launch {
            mu *= if t < l {
                0.0
            } else {
                (((t - l) as f64 + 1.0) / ramp).min(1.0)
            };
        }
        if let Some(p) = phase_out {
            if t >= p {
                mu *= (-((t - p) as f64) / decay).exp();
            }
        }
        if stockout_left == 0 && rng.random_bool(stockout_p) {
            stockout_left = rng.random_range(2..30);
        }
        if stockout_left > 0 {
            stockout_left -= 1;
            mu = 0.0;
        }
        if closed {
            mu = 0.0;
        }
        y[t] = match noise {
            0..=3 => poisson(rng, mu),
            4..=6 => negbin(rng, mu, nb_k),
            _ => {
                // Intermittent: demand occurs with probability p (modulated by
                // the intensity), with a size whose mean keeps E[y] = mu.
                let p = (p_occ * (mu / level).min(3.0)).min(0.95);
                if rng.random_bool(p.max(0.0)) {
                    1.0 + negbin(rng, (mu / p_occ - 1.0).max(0.0), nb_k)
                } else {
                    0.0
                }
            }
        };
    }
    (y, feats)
}

/// Sums daily values (and averages features, OR-ing flags) into weeks or months.
fn aggregate(start: NaiveDate, y: &[f64], feats: &[f32], gran: Gran) -> (Vec<f64>, Vec<f32>) {
    let k = N_STEP_FEATURES;
    let key = |t: usize| -> i64 {
        let d = start + Duration::days(t as i64);
        match gran {
            Gran::Day => t as i64,
            Gran::Week => t as i64 / 7,
            Gran::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
        }
    };
    let mut out_y = Vec::new();
    let mut out_f: Vec<f32> = Vec::new();
    let mut t = 0;
    while t < y.len() {
        let kk = key(t);
        let mut s = 0.0;
        let mut f = vec![0f32; k];
        let mut cnt = 0f32;
        let first = start + Duration::days(t as i64);
        while t < y.len() && key(t) == kk {
            s += y[t];
            for j in 0..k {
                let v = feats[t * k + j];
                if j == F_EVENT || j == F_BENEFIT {
                    f[j] = f[j].max(v);
                } else {
                    f[j] += v;
                }
            }
            cnt += 1.0;
            t += 1;
        }
        for j in [F_PRICE, F_PROMO] {
            f[j] /= cnt;
        }
        let mut cal = vec![0f32; k];
        calendar(first, false, &mut cal);
        f[..4].copy_from_slice(&cal[..4]);
        out_y.push(s);
        out_f.extend(f);
    }
    (out_y, out_f)
}

/// Draws one synthetic training window: a random frequency, context length
/// (up to `context_len`) and process; `horizon` target steps follow.
pub fn synth_window(rng: &mut StdRng, context_len: usize, horizon: usize) -> Window {
    let gran = match rng.random_range(0..100) {
        0..=64 => Gran::Day,
        65..=89 => Gran::Week,
        _ => Gran::Month,
    };
    let max_ctx = match gran {
        Gran::Day => context_len,
        Gran::Week => context_len.min(300),
        Gran::Month => context_len.min(200),
    };
    let ctx = if rng.random_bool(0.5) {
        max_ctx
    } else {
        rng.random_range(8.min(max_ctx)..=max_ctx)
    };
    let n = ctx + horizon;
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        + Duration::days(rng.random_range(0..9000));
    let freq = match gran {
        Gran::Day => 1,
        Gran::Week => 2,
        Gran::Month => 3,
    };
    let (y, feats) = if rng.random_bool(0.3) {
        let y = kernel_series(rng, n, gran);
        let mut f = vec![0f32; n * N_STEP_FEATURES];
        for t in 0..n {
            let d = match gran {
                Gran::Day => start + Duration::days(t as i64),
                Gran::Week => start + Duration::days(7 * t as i64),
                Gran::Month => start + Duration::days((30.44 * t as f64) as i64),
            };
            calendar(
                d,
                gran == Gran::Day,
                &mut f[t * N_STEP_FEATURES..(t + 1) * N_STEP_FEATURES],
            );
        }
        (y, f)
    } else {
        let days = match gran {
            Gran::Day => n,
            Gran::Week => 7 * n,
            Gran::Month => 31 * n + 31,
        };
        let (y, f) = retail_daily(rng, start, days);
        let (mut y, mut f) = aggregate(start, &y, &f, gran);
        y.truncate(n);
        f.truncate(n * N_STEP_FEATURES);
        (y, f)
    };
    let n = y.len();
    let ctx = ctx.min(n.saturating_sub(1));
    Window {
        context: y[..ctx].iter().map(|&v| v as f32).collect(),
        target: y[ctx..].iter().map(|&v| v as f32).collect(),
        feats,
        statics: Vec::new(),
        text: None,
        freq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn windows_are_consistent_and_nonnegative() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let w = synth_window(&mut rng, 128, 32);
            assert_eq!(w.target.len(), 32);
            assert_eq!(w.feats.len(), (w.context.len() + 32) * N_STEP_FEATURES);
            assert!(w
                .context
                .iter()
                .chain(&w.target)
                .all(|v| v.is_finite() && *v >= 0.0));
            assert!(w.feats.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn same_seed_same_series() {
        let a = synth_window(&mut StdRng::seed_from_u64(3), 64, 16);
        let b = synth_window(&mut StdRng::seed_from_u64(3), 64, 16);
        assert_eq!(a.context, b.context);
    }
}
