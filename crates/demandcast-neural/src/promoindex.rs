//! Promotion factors: the lift of each promotion pattern, measured on the history.
//!
//! The model reads a promotion intensity among its step features, but neither
//! its pretraining nor a short fine-tune teaches it the size of a user's
//! promotions: on Breakfast at the Frat (weekly; display, feature and
//! temporary-price-reduction flags) the shipped model's forecasts and a
//! fine-tuned adapter's rose 5 % in the test weeks with a display or a feature,
//! where the actuals rose 2.8 times (LightGBM's forecasts 2.5 times). Like the
//! day factors ([`crate::dayindex`]), the effect is measured on the history;
//! the model reads the context divided by it (a baseline without promotions)
//! and its forecast is multiplied by it:
//! * a step's **pattern** is the set of promotion columns active on it (value
//!   above 0), so a display and a price cut keep their own sizes;
//! * the **panel's lift** of a pattern pools the series: their units on steps
//!   with it over what their unpromoted mean would have sold on those steps,
//!   over each series' last [`span`] steps; shrunk toward 1 in log space in
//!   proportion to how few units carry it ([`POOL_UNITS`]);
//! * a **series' lift** is its own ratio, shrunk toward the panel's in
//!   proportion to how few units it sold with the pattern ([`SHRINK_UNITS`]).
//!
//! A pattern the history never shows keeps a factor of 1. Hand-written for
//! the same reason as the day factors: a classic multiplicative adjustment,
//! a few loops over the panel.

use crate::features::{CovRole, F_PROMO, N_STEP_FEATURES};
use crate::panel::{future_value, CovariateUse};
use crate::weekday::MIN_INDEX;
use crate::window::Window;
use demandcast_core::{Freq, FutureCovariates, Panel};
use std::collections::HashMap;

/// Units sold with a pattern at which a series' own lift and the panel's weigh the same.
const SHRINK_UNITS: f64 = 50.0;
/// Units sold with a pattern (over the panel) at which its pooled lift is halfway to 1.
const POOL_UNITS: f64 = 200.0;
/// Bounds of a lift.
const LIFT_RANGE: (f64, f64) = (0.2, 8.0);
/// Promotion columns read (a pattern is a bit set over them).
const MAX_COLUMNS: usize = 16;

/// Steps of history the lifts are measured on: about two years.
pub fn span(freq: Freq) -> usize {
    match freq {
        Freq::Daily => 728,
        Freq::Weekly(_) => 104,
        Freq::MonthStart | Freq::MonthEnd => 24,
        Freq::QuarterStart => 8,
        Freq::YearStart => 4,
    }
}

/// The promotion factors of a panel.
#[derive(Debug, Clone)]
pub struct PromoIndex {
    /// The promotion columns (bit `j` of a pattern is column `j`).
    cols: Vec<String>,
    /// The panel's lift of each pattern.
    pooled: HashMap<u32, f64>,
    /// Each series' lift of each pattern it sold with (others: the panel's).
    lifts: Vec<HashMap<u32, f64>>,
}

impl PromoIndex {
    /// Measures the lifts on the history of `p`; `None` when the model reads
    /// no promotion column or no promoted step has an unpromoted baseline.
    ///
    /// ```
    /// use demandcast_core::{Freq, NaiveDate, Panel};
    /// use demandcast_neural::panel::CovariateUse;
    /// use demandcast_neural::promoindex::PromoIndex;
    /// // 60 weeks of 10 units, 30 on every fifth week (a display).
    /// let y: Vec<f64> = (0..60).map(|t| if t % 5 == 0 { 30.0 } else { 10.0 }).collect();
    /// let display: Vec<f64> = (0..60).map(|t| if t % 5 == 0 { 1.0 } else { 0.0 }).collect();
    /// let d0 = NaiveDate::from_ymd_opt(2024, 1, 3).ok_or("date")?;
    /// let p = Panel::from_series(Freq::Weekly(chrono::Weekday::Wed), vec![("a".into(), d0, y)])?
    ///     .with_covariate("display", display)?;
    /// let index = PromoIndex::estimate(&p, &CovariateUse::of(&p)).ok_or("no promotion column")?;
    /// // A display week of the history: the observed 3, shrunk a little
    /// // toward 1 (360 units carry it).
    /// let lift = index.factors(&p, 0, 55, 1, None)[0];
    /// assert!(lift > 2.5 && lift < 3.0);
    /// // A forecast step without future flags: no promotion.
    /// assert_eq!(index.factors(&p, 0, 60, 1, None)[0], 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn estimate(p: &Panel, covs: &CovariateUse) -> Option<Self> {
        let cols: Vec<String> = covs
            .with_role(CovRole::Promo)
            .take(MAX_COLUMNS)
            .map(String::from)
            .collect();
        if cols.is_empty() {
            return None;
        }
        let mut index = Self {
            cols,
            pooled: HashMap::new(),
            lifts: Vec::with_capacity(p.n_series()),
        };
        let span = span(p.freq());
        // Per series and pattern: (units, units at the unpromoted mean).
        let mut own: Vec<HashMap<u32, (f64, f64)>> = Vec::with_capacity(p.n_series());
        let mut pool: HashMap<u32, (f64, f64)> = HashMap::new();
        for i in 0..p.n_series() {
            let y = p.series(i);
            let from = y.len().saturating_sub(span);
            let keys = index.patterns(p, i, from, y.len() - from, None);
            let (s, c) = keys
                .iter()
                .zip(&y[from..])
                .filter(|(k, v)| **k == 0 && v.is_finite())
                .fold((0.0, 0usize), |(s, c), (_, v)| (s + v, c + 1));
            let mut m: HashMap<u32, (f64, f64)> = HashMap::new();
            if c > 0 && s > 0.0 {
                let base = s / c as f64;
                for (k, v) in keys.iter().zip(&y[from..]) {
                    if *k != 0 && v.is_finite() {
                        let e = m.entry(*k).or_default();
                        e.0 += v;
                        e.1 += base;
                    }
                }
            }
            for (k, (u, e)) in &m {
                let q = pool.entry(*k).or_default();
                q.0 += u;
                q.1 += e;
            }
            own.push(m);
        }
        if pool.is_empty() {
            return None;
        }
        let ln_ratio = |u: f64, e: f64| (u / e).clamp(LIFT_RANGE.0, LIFT_RANGE.1).ln();
        for (k, (u, e)) in &pool {
            let w = u / (u + POOL_UNITS);
            index.pooled.insert(*k, (w * ln_ratio(*u, *e)).exp());
        }
        for m in own {
            let lifts = m
                .into_iter()
                .map(|(k, (u, e))| {
                    let w = u / (u + SHRINK_UNITS);
                    let prior = index.pooled.get(&k).copied().unwrap_or(1.0).ln();
                    (k, (w * ln_ratio(u, e) + (1.0 - w) * prior).exp())
                })
                .collect();
            index.lifts.push(lifts);
        }
        let pooled: Vec<String> = {
            let mut v: Vec<_> = index.pooled.iter().collect();
            v.sort_by_key(|(k, _)| **k);
            v.iter()
                .map(|(k, l)| format!("{}={l:.2}", index.describe(**k)))
                .collect()
        };
        tracing::info!(lifts = %pooled.join(", "), "tsfm promotion factors");
        Some(index)
    }

    /// The columns of pattern `k`, joined by `+`.
    fn describe(&self, k: u32) -> String {
        let names: Vec<&str> = self
            .cols
            .iter()
            .enumerate()
            .filter(|(j, _)| k & (1 << j) != 0)
            .map(|(_, n)| n.as_str())
            .collect();
        names.join("+")
    }

    /// The patterns of rows `from..from + n` of series `i`: rows of the
    /// history from the panel, later rows from `future` (none: no promotion).
    fn patterns(
        &self,
        p: &Panel,
        i: usize,
        from: usize,
        n: usize,
        future: Option<&FutureCovariates>,
    ) -> Vec<u32> {
        let mut keys = vec![0u32; n];
        let len = p.len_of(i);
        for (j, name) in self.cols.iter().enumerate() {
            let hist = p.covariate_of(name, i).unwrap_or(&[]);
            // (looked up only when a row is past the history)
            let fut = future
                .filter(|_| from + n > len)
                .and_then(|f| f.values_of(name, p.id(i)));
            for (r, key) in keys.iter_mut().enumerate() {
                let t = from + r;
                let v = if t < len {
                    hist.get(t).copied()
                } else {
                    fut.and_then(|f| future_value(p, i, t, f))
                };
                if v.is_some_and(|v| v.is_finite() && v > 0.0) {
                    *key |= 1 << j;
                }
            }
        }
        keys
    }

    /// Series `i`'s factor for pattern `k` (1 without a promotion).
    fn factor(&self, i: usize, k: u32) -> f64 {
        if k == 0 {
            return 1.0;
        }
        self.lifts
            .get(i)
            .and_then(|m| m.get(&k))
            .or_else(|| self.pooled.get(&k))
            .copied()
            .unwrap_or(1.0)
    }

    /// The factors of rows `from..from + n` of series `i` (rows past the
    /// history take their flags from `future`: the forecast steps).
    pub fn factors(
        &self,
        p: &Panel,
        i: usize,
        from: usize,
        n: usize,
        future: Option<&FutureCovariates>,
    ) -> Vec<f64> {
        self.patterns(p, i, from, n, future)
            .into_iter()
            .map(|k| self.factor(i, k))
            .collect()
    }

    /// Divides a window's context and targets by their steps' factors, as
    /// [`crate::dayindex::DayIndex::adjust_window`] does; `origin` is the row
    /// of series `i` of the first target step.
    pub fn adjust_window(
        &self,
        w: &mut Window,
        p: &Panel,
        i: usize,
        origin: usize,
        future: Option<&FutureCovariates>,
    ) {
        let c = w.context.len();
        let c0 = origin.saturating_sub(c);
        let f = self.factors(p, i, c0, c + w.target.len(), future);
        for (v, f) in w.context.iter_mut().chain(w.target.iter_mut()).zip(f) {
            *v /= f.max(MIN_INDEX) as f32;
        }
        // The adjusted series has no promotions: the model's own promotion
        // input is cleared, so the lift is not counted twice.
        for row in w.feats.chunks_mut(N_STEP_FEATURES) {
            row[F_PROMO] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use demandcast_core::NaiveDate;

    type R = Result<(), Box<dyn std::error::Error>>;

    /// Two weekly series over 80 weeks: `a` sells 10 a week and 40 with a
    /// display (every 4th week), `b` 5 a week and 6 with a price cut (`tpr`,
    /// every 5th week); `c` is `a`'s twin with a single display.
    fn panel() -> Result<Panel, Box<dyn std::error::Error>> {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 3).ok_or("date")?;
        let n = 80;
        let disp = |t: usize| t.is_multiple_of(4);
        let tpr = |t: usize| t.is_multiple_of(5);
        let a: Vec<f64> = (0..n).map(|t| if disp(t) { 40.0 } else { 10.0 }).collect();
        let b: Vec<f64> = (0..n).map(|t| if tpr(t) { 6.0 } else { 5.0 }).collect();
        let c: Vec<f64> = (0..n).map(|t| if t == 40 { 12.0 } else { 10.0 }).collect();
        let flags = |f: &dyn Fn(usize) -> bool, on: bool| -> Vec<f64> {
            (0..n).map(|t| f64::from(u8::from(on && f(t)))).collect()
        };
        let display = [
            flags(&disp, true),
            flags(&disp, false),
            flags(&|t| t == 40, true),
        ]
        .concat();
        let cut = [flags(&tpr, false), flags(&tpr, true), flags(&tpr, false)].concat();
        Ok(Panel::from_series(
            Freq::Weekly(Weekday::Wed),
            vec![
                ("a".into(), d0, a),
                ("b".into(), d0, b),
                ("c".into(), d0, c),
            ],
        )?
        .with_covariate("display", display)?
        .with_covariate("tpr", cut)?)
    }

    #[test]
    fn lifts_are_measured_per_series_and_pattern() -> R {
        let p = panel()?;
        let ix = PromoIndex::estimate(&p, &CovariateUse::of(&p)).ok_or("no index")?;
        // a: 20 displays x 40 units = 800 units, ratio 4, weight 800/850.
        let pooled_display = ix.pooled[&1];
        let a = ix.factors(&p, 0, 0, 4, None);
        assert_eq!(a[1..], [1.0, 1.0, 1.0]);
        let expect = (800.0 / 850.0 * 4f64.ln() + 50.0 / 850.0 * pooled_display.ln()).exp();
        assert!((a[0] - expect).abs() < 1e-9 && a[0] > 3.7, "{a:?}");
        // b: the price cut's lift is its own 1.2, pulled toward the panel's
        // (the same 1.2, shrunk toward 1 by its 96 units).
        let b = ix.factors(&p, 1, 0, 1, None)[0];
        assert!(b > 1.1 && b < 1.2, "{b}");
        // c: one display of 12 units: mostly the panel's display lift.
        let c = ix.factors(&p, 2, 40, 1, None)[0];
        assert!(c > 2.0 && c < pooled_display, "{c} {pooled_display}");
        Ok(())
    }

    #[test]
    fn windows_lose_the_lift_and_forecasts_regain_it() -> R {
        let p = panel()?;
        let ix = PromoIndex::estimate(&p, &CovariateUse::of(&p)).ok_or("no index")?;
        let mut w = Window {
            context: p.series(0)[60..72].iter().map(|&v| v as f32).collect(),
            target: p.series(0)[72..76].iter().map(|&v| v as f32).collect(),
            ..Window::default()
        };
        ix.adjust_window(&mut w, &p, 0, 72, None);
        // Every adjusted value is near the baseline of 10.
        for v in w.context.iter().chain(&w.target) {
            assert!((v - 10.0).abs() < 1.0, "{:?} {:?}", w.context, w.target);
        }
        // Forecast steps take their flags from the future covariates.
        let d = p.freq().step(p.last_date(0), 1);
        let fut = demandcast_core::FutureCovariates {
            lookup: Default::default(),
            ids: vec!["a".into()],
            starts: vec![d],
            indptr: vec![0, 2],
            columns: vec![demandcast_core::Column {
                name: "display".into(),
                values: vec![0.0, 1.0],
            }],
        };
        let f = ix.factors(&p, 0, 80, 2, Some(&fut));
        assert_eq!(f[0], 1.0);
        assert!(f[1] > 3.7, "{f:?}");
        Ok(())
    }

    #[test]
    fn no_promotion_column_no_index() -> R {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 3).ok_or("date")?;
        let p = Panel::from_series(
            Freq::Weekly(Weekday::Wed),
            vec![("a".into(), d0, vec![1.0; 30])],
        )?
        .with_covariate("price", vec![2.0; 30])?;
        assert!(PromoIndex::estimate(&p, &CovariateUse::of(&p)).is_none());
        Ok(())
    }
}
