//! Point and probabilistic accuracy metrics, computed exactly as the reference
//! scorer (`/work/shared/bench/metrics.py`, `evaluate`) does.
//!
//! Every per-series metric is computed on each (series, cutoff) *pair* and
//! then averaged with equal weight over the pairs where it is finite. With
//! `e_t = yhat_t - y_t` over the test points of one pair:
//!
//! * `mae   = mean |e_t|`
//! * `rmse  = sqrt(mean e_t^2)` (per pair, then averaged)
//! * `smape = mean 200 |e_t| / (|y_t| + |yhat_t|)`, with 0/0 := 0 (0..200)
//! * `mase  = mae / mean_{t>m} |y_t - y_{t-m}|` on the training part
//! * `rmsse = sqrt(mean e_t^2 / mean_{t>1} (y_t - y_{t-1})^2)` on the training part
//!
//! (scales: see [`crate::scale`]; pairs whose scale is 0 or undefined are left
//! out and counted in `n_scaled_*`). Pooled over all points:
//!
//! * `bias  = mean e_t` (positive = over-forecast)
//! * `wape  = sum |e_t| / sum |y_t|` (a fraction)
//! * `pbias = 100 sum e_t / sum |y_t|`
//! * `wql   = mean_q 2 sum rho_q(y, yhat_q) / sum |y|`, with
//!   `rho_q(y, f) = max(q (y - f), (q - 1)(y - f))`
//! * `cov80` = share of points with `q0.1 <= y <= q0.9` (when both exist)
//! * `wrmsse = sum_i w_i RMSSE_i / sum_i w_i` over the pairs with a finite
//!   RMSSE, when level-12 weights are given
//!
//! Per pair, averaged: `scrps = 2/|Q| sum_q sum_t rho_q / sum_t |y_t|` over
//! pairs with `sum |y| > 0` (utilsforecast's `scaled_crps`).
//!
//! Quantiles used by `wql` / `scrps`: the nine 0.1..0.9 when all are present,
//! else all of the model's (see [`crate::columns`]). Beyond the reference
//! scorer, [`QuantileMetrics`] also reports the pooled mean pinball loss per
//! quantile (`mean rho_q`, all quantiles) and the coverage of every central
//! interval whose two bounds are present (`lo <= y <= hi`).
//!
//! Rows: actuals are looked up in the history panel by (series, date); rows
//! without an actual (or with a NaN one) are dropped (`n_missing_actuals`).
//! For each model, rows with a NaN in any of its columns are dropped
//! (`n_dropped_nan_forecasts`).

use crate::columns::{round6, ModelColumns};
use crate::scale::{row_at, rows_until, scales, Scales};
use crate::table::ForecastTable;
use chrono::NaiveDate;
use demandcast_core::Panel;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

pub use crate::metric_types::{
    Evaluation, ModelMetrics, PairMetrics, PointMetrics, QuantileMetrics,
};

/// How to score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreConfig {
    /// Season length `m` of the MASE scale (7 for daily retail data).
    pub season_length: usize,
    /// Start the scales at each series' first non-zero value (M5 convention; default true).
    pub trim_leading_zeros: bool,
    /// Series weights (e.g. official M5 level-12 weights); enables `wrmsse`.
    pub level12_weights: Option<HashMap<String, f64>>,
}

impl ScoreConfig {
    /// Scoring with this season length, leading zeros trimmed, no weights.
    pub fn new(season_length: usize) -> Self {
        Self {
            season_length,
            trim_leading_zeros: true,
            level12_weights: None,
        }
    }
}

/// Rows grouped into (series, cutoff) pairs, with actuals and scales.
struct Prepared {
    /// Actual per row; None when missing.
    y: Vec<Option<f64>>,
    /// Pair index per row.
    pair: Vec<u32>,
    /// (table series index, cutoff) per pair.
    pairs: Vec<(u32, NaiveDate)>,
    scales: Vec<Scales>,
    n_missing: usize,
}

fn prepare(history: &Panel, table: &ForecastTable, cfg: &ScoreConfig) -> Prepared {
    let pidx: HashMap<&str, usize> = history
        .ids()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let to_panel: Vec<Option<usize>> = table
        .ids()
        .iter()
        .map(|id| pidx.get(id.as_str()).copied())
        .collect();
    let sidx = table.series_index();
    let y: Vec<Option<f64>> = (0..table.n_rows())
        .map(|r| {
            let i = to_panel[sidx[r] as usize]?;
            let v = history.series(i)[row_at(history, i, table.ds()[r])?];
            (!v.is_nan()).then_some(v)
        })
        .collect();
    let n_missing = y.iter().filter(|v| v.is_none()).count();
    let mut key: HashMap<(u32, NaiveDate), u32> = HashMap::new();
    let mut pairs = Vec::new();
    let pair: Vec<u32> = (0..table.n_rows())
        .map(|r| {
            let k = (sidx[r], table.cutoffs()[r]);
            *key.entry(k).or_insert_with(|| {
                pairs.push(k);
                (pairs.len() - 1) as u32
            })
        })
        .collect();
    let scales = pairs
        .par_iter()
        .map(|&(s, cutoff)| match to_panel[s as usize] {
            Some(i) => {
                let n = rows_until(history, i, cutoff);
                scales(
                    &history.series(i)[..n],
                    cfg.season_length,
                    cfg.trim_leading_zeros,
                )
            }
            None => Scales {
                mase: f64::NAN,
                rmsse: f64::NAN,
            },
        })
        .collect();
    Prepared {
        y,
        pair,
        pairs,
        scales,
        n_missing,
    }
}

fn pinball(y: f64, f: f64, q: f64) -> f64 {
    let d = y - f;
    (q * d).max((q - 1.0) * d)
}

/// Mean of the finite values (NaN when there are none), as `_finite_mean`.
pub(crate) fn finite_mean(v: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v.into_iter().filter(|x| x.is_finite()) {
        s += x;
        n += 1;
    }
    if n > 0 {
        s / n as f64
    } else {
        f64::NAN
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

#[derive(Default, Clone)]
struct PairAcc {
    n: usize,
    ae: f64,
    se: f64,
    sm: f64,
    e: f64,
    pl: f64,
    ay: f64,
}

/// Scores every model of `table` against the actuals in `history` (which
/// must contain the test periods), exactly as `metrics.evaluate`.
pub fn evaluate(history: &Panel, table: &ForecastTable, cfg: &ScoreConfig) -> Evaluation {
    let prep = prepare(history, table, cfg);
    let mut out = Evaluation {
        models: Vec::new(),
        pairs: Vec::new(),
    };
    for spec in table.models() {
        let (m, rows) = score_model(table, &prep, &spec, cfg);
        out.models.push(m);
        out.pairs.extend(rows);
    }
    out
}

fn score_model(
    table: &ForecastTable,
    prep: &Prepared,
    spec: &ModelColumns,
    cfg: &ScoreConfig,
) -> (ModelMetrics, Vec<PairMetrics>) {
    let cols = table.columns();
    let all = spec.all_columns();
    let valid: Vec<usize> = (0..table.n_rows())
        .filter(|&r| prep.y[r].is_some() && all.iter().all(|&c| !cols[c].values[r].is_nan()))
        .collect();
    let y = |r: usize| prep.y[r].unwrap_or(f64::NAN);
    let qsel = spec.selected_quantiles();
    let mut acc: Vec<Option<PairAcc>> = vec![None; prep.pairs.len()];
    let mut order: Vec<u32> = Vec::new(); // pairs in order of first appearance
    let (mut sum_e, mut sum_ae, mut sum_ay, mut sum_pl) = (0.0, 0.0, 0.0, 0.0);
    let mut covered = 0usize;
    let cov_cols = (spec.quantile(0.1), spec.quantile(0.9));
    let cov80_cols = match cov_cols {
        (Some(lo), Some(hi))
            if qsel.iter().any(|q| q.1 == lo) && qsel.iter().any(|q| q.1 == hi) =>
        {
            Some((lo, hi))
        }
        _ => None,
    };
    let mut pin = vec![0.0; spec.quantiles.len()];
    let intervals: Vec<(f64, usize, usize)> = spec
        .quantiles
        .iter()
        .filter(|(q, _)| *q < 0.5)
        .filter_map(|&(q, lo)| {
            spec.quantile(1.0 - q)
                .map(|hi| (round6(100.0 - 200.0 * q), lo, hi))
        })
        .collect();
    let mut cov = vec![0usize; intervals.len()];
    let mut series_seen = HashSet::new();
    for &r in &valid {
        let yr = y(r);
        let p = prep.pair[r] as usize;
        let a = acc[p].get_or_insert_with(|| {
            order.push(p as u32);
            PairAcc::default()
        });
        series_seen.insert(table.series_index()[r]);
        a.n += 1;
        a.ay += yr.abs();
        sum_ay += yr.abs();
        if let Some(pc) = spec.point {
            let f = cols[pc].values[r];
            let e = f - yr;
            let den = yr.abs() + f.abs();
            a.ae += e.abs();
            a.se += e * e;
            a.sm += if den == 0.0 {
                0.0
            } else {
                // Ratio first: |e| <= den holds after rounding, so each term
                // stays <= 200 (200 |e| / den could round to 200.00000000000003).
                200.0 * (e.abs() / den)
            };
            a.e += e;
            sum_e += e;
            sum_ae += e.abs();
        }
        if !qsel.is_empty() {
            let tot: f64 = qsel
                .iter()
                .map(|&(q, c)| 2.0 * pinball(yr, cols[c].values[r], q))
                .sum::<f64>()
                / qsel.len() as f64;
            a.pl += tot;
            sum_pl += tot;
        }
        for (k, &(q, c)) in spec.quantiles.iter().enumerate() {
            pin[k] += pinball(yr, cols[c].values[r], q);
        }
        for (k, &(_, lo, hi)) in intervals.iter().enumerate() {
            if yr >= cols[lo].values[r] && yr <= cols[hi].values[r] {
                cov[k] += 1;
            }
        }
        if let Some((lo, hi)) = cov80_cols {
            if yr >= cols[lo].values[r] && yr <= cols[hi].values[r] {
                covered += 1;
            }
        }
    }
    let n_points = valid.len();
    let has_point = spec.point.is_some();
    let has_q = !qsel.is_empty();
    let rows: Vec<PairMetrics> = order
        .iter()
        .map(|&p| {
            let a = acc[p as usize]
                .as_ref()
                .expect("pair in order has an accumulator");
            let (s, cutoff) = prep.pairs[p as usize];
            let sc = prep.scales[p as usize];
            let n = a.n as f64;
            let nan_unless = |ok: bool, v: f64| if ok { v } else { f64::NAN };
            let pos = |x: f64| if x > 0.0 { x } else { f64::NAN };
            PairMetrics {
                model: spec.name.clone(),
                unique_id: table.ids()[s as usize].clone(),
                cutoff,
                n_points: a.n,
                mae: nan_unless(has_point, a.ae / n),
                rmse: nan_unless(has_point, (a.se / n).sqrt()),
                smape: nan_unless(has_point, a.sm / n),
                bias: nan_unless(has_point, a.e / n),
                mase: nan_unless(has_point, a.ae / n / pos(sc.mase)),
                rmsse: nan_unless(has_point, (a.se / n / pos(sc.rmsse)).sqrt()),
                scrps: nan_unless(has_q, ratio(a.pl, a.ay)),
                mase_scale: sc.mase,
                rmsse_scale: sc.rmsse,
            }
        })
        .collect();
    let point = has_point.then(|| {
        let wrmsse = cfg.level12_weights.as_ref().map(|w| {
            let (mut num, mut den) = (0.0, 0.0);
            for row in &rows {
                let wi = w.get(&row.unique_id).copied().unwrap_or(f64::NAN);
                if row.rmsse.is_finite() && wi.is_finite() {
                    num += wi * row.rmsse;
                    den += wi;
                }
            }
            ratio(num, den)
        });
        PointMetrics {
            mae: finite_mean(rows.iter().map(|r| r.mae)),
            rmse: finite_mean(rows.iter().map(|r| r.rmse)),
            smape: finite_mean(rows.iter().map(|r| r.smape)),
            mase: finite_mean(rows.iter().map(|r| r.mase)),
            rmsse: finite_mean(rows.iter().map(|r| r.rmsse)),
            wrmsse,
            n_scaled_mase: rows.iter().filter(|r| r.mase.is_finite()).count(),
            n_scaled_rmsse: rows.iter().filter(|r| r.rmsse.is_finite()).count(),
            bias: if n_points > 0 {
                sum_e / n_points as f64
            } else {
                f64::NAN
            },
            pbias: ratio(100.0 * sum_e, sum_ay),
            wape: ratio(sum_ae, sum_ay),
        }
    });
    let npf = n_points as f64;
    let quantile = has_q.then(|| QuantileMetrics {
        quantiles: qsel.iter().map(|q| q.0).collect(),
        wql: ratio(sum_pl, sum_ay),
        scrps: finite_mean(rows.iter().map(|r| r.scrps)),
        cov80: cov80_cols.map(|_| covered as f64 / npf),
        pinball: spec
            .quantiles
            .iter()
            .zip(&pin)
            .map(|(&(q, _), &s)| (q.to_string(), s / npf))
            .collect(),
        coverage: intervals
            .iter()
            .zip(&cov)
            .map(|(&(l, _, _), &c)| (level_key(l), c as f64 / npf))
            .collect(),
    });
    let m = ModelMetrics {
        model: spec.name.clone(),
        n_points,
        n_pairs: rows.len(),
        n_series: series_seen.len(),
        n_missing_actuals: prep.n_missing,
        n_dropped_nan_forecasts: table.n_rows() - prep.n_missing - n_points,
        point,
        quantile,
    };
    (m, rows)
}

fn level_key(l: f64) -> String {
    if l.fract() == 0.0 {
        format!("{}", l as i64)
    } else {
        l.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::Freq;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// One series [0, 2, 4, 4, 1 | 3, 5], cutoff at the 5th value, point [2, 2],
    /// 80% interval [1, 3] and [1, 4], season length 1.
    #[test]
    fn hand_checked() {
        let d = |k| NaiveDate::from_ymd_opt(2024, 1, k).unwrap();
        let panel = Panel::from_series(
            Freq::Daily,
            vec![("a".into(), d(1), vec![0.0, 2.0, 4.0, 4.0, 1.0, 3.0, 5.0])],
        )
        .unwrap();
        let mut t =
            ForecastTable::new(vec!["M".into(), "M-lo-80".into(), "M-hi-80".into()]).unwrap();
        t.push_row("a", d(6), d(5), f64::NAN, &[2.0, 1.0, 3.0])
            .unwrap();
        t.push_row("a", d(7), d(5), f64::NAN, &[2.0, 1.0, 4.0])
            .unwrap();
        t.push_row("a", d(8), d(5), f64::NAN, &[2.0, 1.0, 4.0])
            .unwrap(); // no actual
        let ev = evaluate(&panel, &t, &ScoreConfig::new(1));
        let m = &ev.models[0];
        assert_eq!((m.n_points, m.n_missing_actuals, m.n_pairs), (2, 1, 1));
        let p = m.point.as_ref().unwrap();
        // e = [-1, -3]; scales from the first non-zero: [2, 4, 4, 1]
        assert!(close(p.mae, 2.0) && close(p.rmse, 5f64.sqrt()));
        assert!(close(p.smape, (40.0 + 600.0 / 7.0) / 2.0));
        assert!(close(p.mase, 2.0 / (5.0 / 3.0)));
        assert!(close(p.rmsse, (5.0f64 / (13.0 / 3.0)).sqrt()));
        assert!(close(p.bias, -2.0) && close(p.wape, 0.5) && close(p.pbias, -50.0));
        let q = m.quantile.as_ref().unwrap();
        // rho_0.1 = [0.2, 0.4], rho_0.9 = [0, 0.9]
        assert!(close(q.wql, (2.0 * 0.6 + 2.0 * 0.9) / 2.0 / 8.0));
        assert!(close(q.scrps, q.wql));
        assert!(close(q.cov80.unwrap(), 0.5));
        assert!(close(q.pinball["0.1"], 0.3) && close(q.pinball["0.9"], 0.45));
    }

    /// Zero actuals: each sMAPE term is exactly 200, never 200 + 1 ulp
    /// (proptest found 200 * 12.541352219025258 / 12.541352219025258 > 200).
    #[test]
    fn smape_never_exceeds_200() -> Result<(), Box<dyn std::error::Error>> {
        let d = |k| NaiveDate::from_ymd_opt(2024, 1, k).ok_or("date");
        let panel = Panel::from_series(Freq::Daily, vec![("a".into(), d(1)?, vec![0.0; 7])])?;
        let mut t = ForecastTable::new(vec!["M".into(), "M-lo-80".into(), "M-hi-80".into()])?;
        let fc = [12.541352219025258, 21.18038811941797, 21.24550178559063];
        for (k, f) in fc.iter().enumerate() {
            t.push_row("a", d(5 + k as u32)?, d(4)?, 0.0, &[*f, 0.0, 2.0 * f])?;
        }
        let ev = evaluate(&panel, &t, &ScoreConfig::new(1));
        let p = ev.models[0].point.as_ref().ok_or("no point metrics")?;
        assert_eq!(p.smape, 200.0);
        Ok(())
    }
}
