//! The hierarchical objective of `auto`: a WRMSSE-style score of the
//! internal backtest over aggregation levels, so that the choice serves the
//! totals a planner reads (store, department, category) and not only the
//! item level.
//!
//! Why: choosing per series or per demand class by RMSSE rewards flat
//! forecasts for intermittent items (TSB, Croston), which lose the weekly
//! pattern that every aggregate shows; on M5 that made `auto` worse than the
//! best single model on the 12-level WRMSSE. Scoring whole assignments on the
//! aggregates fixes that while still letting a class move to another model
//! when that helps overall.
//!
//! Levels: the 12 M5 levels when the series carry the M5 keys (statics
//! `item_id` ... `state_id`, or M5-style ids); otherwise the total, one level
//! per static column, and the series themselves. Each level scores
//! `sum_g w_g * RMSSE_g` with `w_g` the group's share of units in the last
//! `h` training periods and the RMSSE scaled by the group's mean squared
//! first difference since its first sale (as M5 does); levels are averaged,
//! then windows.

use crate::cv_result::CvResult;
use crate::hierarchy::{M5Hierarchy, M5_LEVELS};
use demandcast_core::Panel;
use std::collections::HashMap;

/// One aggregation level: the group of each training series.
struct Level {
    group_of: Vec<u32>,
    n_groups: usize,
    /// Per group: 1 / scale (0 for groups with no scale: they are skipped).
    inv_scale: Vec<f64>,
    /// Per group: weight, summing to 1 over the level.
    weight: Vec<f64>,
}

/// One backtest window in dense form.
struct Window {
    /// Training indices of the series scored in this window.
    series: Vec<usize>,
    /// `series.len() * h` actuals (0 where a candidate lacks a forecast).
    actual: Vec<f64>,
    /// Per candidate: `series.len() * h` forecasts (`None`: candidate failed).
    forecasts: Vec<Option<Vec<f64>>>,
}

impl Window {
    /// Adds `wt` times candidate `c`'s forecast of the `k`-th series to `out`.
    fn add_scaled(&self, c: usize, k: usize, wt: f64, out: &mut [f64]) {
        if let Some(fc) = self.forecasts.get(c).and_then(Option::as_ref) {
            let h = out.len();
            for (o, v) in out.iter_mut().zip(&fc[k * h..(k + 1) * h]) {
                *o += wt * v;
            }
        }
    }
}

/// Scores assignments of (blends of) candidates to series on the internal backtest.
pub(crate) struct HierScorer {
    h: usize,
    levels: Vec<Level>,
    windows: Vec<Window>,
    /// Per level and window: the aggregated actuals, `n_groups * h`.
    agg_actual: Vec<Vec<Vec<f64>>>,
}

impl HierScorer {
    /// Builds the scorer from the training panel and the internal backtest
    /// of `n_candidates` candidates; `ok[c]` is false for failed candidates.
    pub(crate) fn new(train: &Panel, cv: &CvResult, ok: &[bool]) -> Self {
        let h = cv.h;
        let levels = build_levels(train, h);
        let n_cand = ok.len();
        let windows: Vec<Window> = cv
            .windows
            .iter()
            .map(|w| {
                let n = w.series.len();
                let mut forecasts: Vec<Option<Vec<f64>>> = vec![None; n_cand];
                for (c, mw) in w.models.iter().enumerate().take(n_cand) {
                    if !ok[c] {
                        continue;
                    }
                    let mut f = vec![f64::NAN; n * h];
                    if let Some(pf) = &mw.forecast {
                        let at: HashMap<&str, usize> = pf
                            .ids
                            .iter()
                            .enumerate()
                            .map(|(j, id)| (id.as_str(), j))
                            .collect();
                        for (k, id) in w.ids.iter().enumerate() {
                            if let Some(&j) = at.get(id.as_str()) {
                                for (t, v) in pf.series[j].mean.iter().take(h).enumerate() {
                                    f[k * h + t] = *v;
                                }
                            }
                        }
                    }
                    forecasts[c] = Some(f);
                }
                // a (series, step) counts only where the actual and every
                // working candidate's forecast exist: all assignments are then
                // compared on the same cells
                let mut actual = vec![0.0; n * h];
                for k in 0..n {
                    for t in 0..h {
                        let a = w.actuals[k].get(t).copied().unwrap_or(f64::NAN);
                        let all = forecasts.iter().flatten().all(|f| f[k * h + t].is_finite());
                        if a.is_finite() && all {
                            actual[k * h + t] = a;
                        } else {
                            actual[k * h + t] = f64::NAN;
                        }
                    }
                }
                Window {
                    series: w.series.clone(),
                    actual,
                    forecasts,
                }
            })
            .collect();
        let agg_actual = levels
            .iter()
            .map(|lv| {
                windows
                    .iter()
                    .map(|w| {
                        let mut agg = vec![0.0; lv.n_groups * h];
                        for (k, &s) in w.series.iter().enumerate() {
                            let g = lv.group_of[s] as usize;
                            for t in 0..h {
                                let a = w.actual[k * h + t];
                                if a.is_finite() {
                                    agg[g * h + t] += a;
                                }
                            }
                        }
                        agg
                    })
                    .collect()
            })
            .collect();
        Self {
            h,
            levels,
            windows,
            agg_actual,
        }
    }

    /// The score (lower is better) when training series `s` is forecast by
    /// the equal-weight blend of the candidates `options[choice[class_of[s]]]`.
    pub(crate) fn score(
        &self,
        class_of: &[usize],
        choice: &[usize],
        options: &[Vec<usize>],
    ) -> f64 {
        self.score_blend(|w, k, s, out| {
            let comps = &options[choice[class_of[s]]];
            let inv = 1.0 / comps.len().max(1) as f64;
            for &c in comps {
                w.add_scaled(c, k, inv, out);
            }
        })
    }

    /// The score when every series is forecast by `sum_c weights[c] *
    /// candidate c` (weights of failed candidates are ignored).
    pub(crate) fn score_weights(&self, weights: &[f64]) -> f64 {
        self.score_blend(|w, k, _s, out| {
            for (c, &wt) in weights.iter().enumerate() {
                if wt != 0.0 {
                    w.add_scaled(c, k, wt, out);
                }
            }
        })
    }

    /// The score of the forecasts that `blend(window, k, series, out)`
    /// writes into `out` (the `h` steps of the window's `k`-th series,
    /// training index `series`; `out` starts at zero).
    fn score_blend(&self, blend: impl Fn(&Window, usize, usize, &mut [f64])) -> f64 {
        let h = self.h;
        let mut total = 0.0;
        let mut n_windows = 0usize;
        for (wi, w) in self.windows.iter().enumerate() {
            // the blended forecast of every scored series
            let n = w.series.len();
            let mut f = vec![0.0; n * h];
            for (k, &s) in w.series.iter().enumerate() {
                blend(w, k, s, &mut f[k * h..(k + 1) * h]);
            }
            let mut level_sum = 0.0;
            let mut n_levels = 0usize;
            for (li, lv) in self.levels.iter().enumerate() {
                let mut agg = vec![0.0; lv.n_groups * h];
                for (k, &s) in w.series.iter().enumerate() {
                    let g = lv.group_of[s] as usize;
                    for t in 0..h {
                        if w.actual[k * h + t].is_finite() {
                            agg[g * h + t] += f[k * h + t];
                        }
                    }
                }
                let ya = &self.agg_actual[li][wi];
                let mut s = 0.0;
                for g in 0..lv.n_groups {
                    if lv.inv_scale[g] == 0.0 || lv.weight[g] == 0.0 {
                        continue;
                    }
                    let mse: f64 = (0..h)
                        .map(|t| (ya[g * h + t] - agg[g * h + t]).powi(2))
                        .sum::<f64>()
                        / h as f64;
                    s += lv.weight[g] * (mse * lv.inv_scale[g]).sqrt();
                }
                if s.is_finite() {
                    level_sum += s;
                    n_levels += 1;
                }
            }
            if n_levels > 0 {
                total += level_sum / n_levels as f64;
                n_windows += 1;
            }
        }
        if n_windows == 0 {
            f64::NAN
        } else {
            total / n_windows as f64
        }
    }
}

/// The aggregation levels of the training panel (see the module docs).
fn build_levels(train: &Panel, h: usize) -> Vec<Level> {
    let n = train.n_series();
    let mut codes: Vec<(Vec<u32>, usize)> = Vec::new();
    if let Ok(hier) = M5Hierarchy::from_panel(train) {
        let all: Vec<usize> = (0..n).collect();
        for lv in &M5_LEVELS {
            let (c, g) = hier.codes(&all, lv);
            codes.push((c.into_iter().map(|x| x as u32).collect(), g));
        }
    } else {
        codes.push((vec![0; n], 1));
        for col in train.statics() {
            let mut map: HashMap<&str, u32> = HashMap::new();
            let c: Vec<u32> = col
                .values
                .iter()
                .map(|v| {
                    let k = map.len() as u32;
                    *map.entry(v.as_str()).or_insert(k)
                })
                .collect();
            let g = map.len().max(1);
            // a static that is unique per series or constant adds nothing
            if g > 1 && g < n {
                codes.push((c, g));
            }
        }
        codes.push(((0..n as u32).collect(), n.max(1)));
    }
    // every series on one date axis, so that groups sum by date
    let origin = train.starts().iter().min().copied();
    let end = train.max_date();
    let (Some(origin), Some(end)) = (origin, end) else {
        return Vec::new();
    };
    let freq = train.freq();
    let len = freq.steps_between(origin, end).unwrap_or(0).max(0) as usize + 1;
    let offsets: Vec<usize> = (0..n)
        .map(|i| {
            freq.steps_between(origin, train.start(i))
                .unwrap_or(0)
                .max(0) as usize
        })
        .collect();
    codes
        .into_iter()
        .map(|(group_of, n_groups)| {
            let mut agg = vec![0.0; n_groups * len];
            for i in 0..n {
                let g = group_of[i] as usize;
                for (j, v) in train.series(i).iter().enumerate() {
                    if let Some(cell) = agg.get_mut(g * len + offsets[i] + j) {
                        *cell += v;
                    }
                }
            }
            let mut inv_scale = vec![0.0; n_groups];
            let mut weight = vec![0.0; n_groups];
            for g in 0..n_groups {
                let ys = &agg[g * len..(g + 1) * len];
                let first = ys.iter().position(|v| *v != 0.0).unwrap_or(len);
                let d = &ys[first..];
                if d.len() >= 2 {
                    let msd = d.windows(2).map(|p| (p[1] - p[0]).powi(2)).sum::<f64>()
                        / (d.len() - 1) as f64;
                    if msd > 0.0 {
                        inv_scale[g] = 1.0 / msd;
                    }
                }
                weight[g] = ys[len.saturating_sub(h)..].iter().sum::<f64>().max(0.0);
            }
            let wsum: f64 = weight.iter().sum();
            if wsum > 0.0 {
                weight.iter_mut().for_each(|w| *w /= wsum);
            } else {
                weight.iter_mut().for_each(|w| *w = 1.0 / n_groups as f64);
            }
            Level {
                group_of,
                n_groups,
                inv_scale,
                weight,
            }
        })
        .collect()
}
