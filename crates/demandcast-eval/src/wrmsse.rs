//! The full 12-level M5 WRMSSE, exactly as the reference scorer's `m5_wrmsse`.
//!
//! For each cutoff, bottom (item x store) forecasts and actuals are summed to
//! the 12 M5 levels ([`M5_LEVELS`]). Each aggregated series `g` gets
//!
//! `RMSSE_g = sqrt( mean_h (F_g - Y_g)^2 / mean_t (Y_{g,t} - Y_{g,t-1})^2 )`
//!
//! with the scale on the aggregated training part (dates <= cutoff) from its
//! first non-zero value, and the weight
//!
//! `w_g = sum over its bottom series and the last 28 training dates of units x sell_price`
//!
//! (NaN units or prices count as 0). `level score = sum_g w_g RMSSE_g / sum_g w_g`
//! over the groups with a finite RMSSE (groups with zero or undefined scale are
//! left out: `n_excluded_groups`), and `wrmsse12` = the mean of the 12 level
//! scores. With several cutoffs, each level score is averaged over cutoffs.
//!
//! Series of a panel may start at different dates (e.g. leading zeros
//! trimmed by the loader): a date absent from a series counts as 0 units when
//! aggregating, so trimmed and untrimmed panels score the same. The training
//! dates are those present in at least one kept series; the weight window is
//! the last `weight_days` of them. A bottom series whose forecast or actual is
//! missing (or NaN) for any forecast date of its cutoff is dropped for that
//! cutoff (`n_dropped_series`).

use crate::hierarchy::{M5Hierarchy, M5_LEVELS};
use crate::scale::{rmsse_scale, row_at, rows_until};
use crate::table::ForecastTable;
use crate::{EvalError, Result};
use chrono::NaiveDate;
use demandcast_core::Panel;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Settings of [`m5_wrmsse`].
#[derive(Debug, Clone, PartialEq)]
pub struct M5Config {
    /// Daily unit price covariate of the history panel (default `sell_price`).
    pub price_col: String,
    /// Dollar sales are summed over this many last training dates (default 28).
    pub weight_days: usize,
    /// Scales from each aggregate's first non-zero value (default true).
    pub trim_leading_zeros: bool,
}

impl Default for M5Config {
    fn default() -> Self {
        Self {
            price_col: "sell_price".to_string(),
            weight_days: 28,
            trim_leading_zeros: true,
        }
    }
}

/// The score of one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelScore {
    /// The reference key, e.g. `L3 store`.
    pub level: String,
    /// Weighted RMSSE of the level, averaged over cutoffs.
    pub score: f64,
    /// Aggregated series at this level (last cutoff).
    pub n_groups: usize,
    /// Aggregates left out for a zero or undefined scale (last cutoff).
    pub n_excluded_groups: usize,
}

/// The 12-level WRMSSE of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct M5Wrmsse {
    /// The model's name.
    pub model: String,
    /// Mean of the 12 level scores.
    pub wrmsse12: f64,
    /// Per level, L1 to L12.
    pub levels: Vec<LevelScore>,
    /// Bottom series scored (last cutoff).
    pub n_series: usize,
    /// (series, cutoff) pairs dropped for a missing forecast or actual.
    pub n_dropped_series: usize,
    /// Cutoffs scored.
    pub n_cutoffs: usize,
}

impl M5Wrmsse {
    /// The level scores keyed like the reference scorer (`L1 total`: score).
    pub fn levels_map(&self) -> std::collections::BTreeMap<String, f64> {
        self.levels
            .iter()
            .map(|l| (l.level.clone(), l.score))
            .collect()
    }
}

struct CutoffScore {
    levels: Vec<(f64, usize, usize)>,
    n_series: usize,
}

/// The full 12-level M5 WRMSSE of `model`'s point forecasts in `table` (see
/// the module docs). `hierarchy` must describe the series of `history` in
/// order ([`M5Hierarchy::from_panel`]).
///
/// # Errors
/// [`EvalError::MissingCovariate`] without the price column,
/// [`EvalError::Hierarchy`] when `hierarchy` does not match `history`,
/// [`EvalError::Table`] when the model has no point column.
pub fn m5_wrmsse(
    history: &Panel,
    hierarchy: &M5Hierarchy,
    table: &ForecastTable,
    model: &str,
    cfg: &M5Config,
) -> Result<M5Wrmsse> {
    if hierarchy.ids.as_slice() != history.ids() {
        return Err(EvalError::Hierarchy(
            "hierarchy does not list the history panel's series in order".into(),
        ));
    }
    let prices = history
        .covariate(&cfg.price_col)
        .ok_or_else(|| EvalError::MissingCovariate(cfg.price_col.clone()))?;
    let fcol = table
        .models()
        .into_iter()
        .find(|m| m.name == model)
        .and_then(|m| m.point)
        .ok_or_else(|| EvalError::Table(format!("no point column for model '{model}'")))?;
    let fvals = &table.columns()[fcol].values;
    let pidx: HashMap<&str, usize> = history
        .ids()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut per_cut = Vec::new();
    let mut n_dropped = 0usize;
    for cutoff in table.distinct_cutoffs() {
        let rows: Vec<usize> = (0..table.n_rows())
            .filter(|&r| table.cutoffs()[r] == cutoff)
            .collect();
        let mut fdates: Vec<NaiveDate> = rows.iter().map(|&r| table.ds()[r]).collect();
        fdates.sort_unstable();
        fdates.dedup();
        // per table series: rows, and counts of non-NaN forecasts and actuals
        let mut by_series: HashMap<u32, Vec<usize>> = HashMap::new();
        for &r in &rows {
            by_series
                .entry(table.series_index()[r])
                .or_default()
                .push(r);
        }
        let actual = |r: usize| -> f64 {
            pidx.get(table.id(r))
                .and_then(|&i| row_at(history, i, table.ds()[r]).map(|j| history.series(i)[j]))
                .unwrap_or(f64::NAN)
        };
        let mut keep: Vec<(&str, usize, Vec<usize>)> = Vec::new();
        for (s, rs) in by_series {
            let nf = rs.iter().filter(|&&r| !fvals[r].is_nan()).count();
            let ny = rs.iter().filter(|&&r| !actual(r).is_nan()).count();
            let id = table.ids()[s as usize].as_str();
            match pidx.get(id) {
                Some(&i) if nf == fdates.len() && ny == fdates.len() => keep.push((id, i, rs)),
                _ => n_dropped += 1,
            }
        }
        if keep.is_empty() {
            continue;
        }
        keep.sort_by(|a, b| a.0.cmp(b.0));
        per_cut.push(score_cutoff(
            history, hierarchy, prices, table, fvals, &actual, &keep, &fdates, cutoff, cfg,
        )?);
    }
    let n_cutoffs = per_cut.len();
    let Some(last) = per_cut.last() else {
        return Ok(M5Wrmsse {
            model: model.to_string(),
            wrmsse12: f64::NAN,
            levels: Vec::new(),
            n_series: 0,
            n_dropped_series: n_dropped,
            n_cutoffs: 0,
        });
    };
    let levels: Vec<LevelScore> = M5_LEVELS
        .iter()
        .enumerate()
        .map(|(k, l)| LevelScore {
            level: l.label(),
            score: per_cut.iter().map(|c| c.levels[k].0).sum::<f64>() / n_cutoffs as f64,
            n_groups: last.levels[k].1,
            n_excluded_groups: last.levels[k].2,
        })
        .collect();
    Ok(M5Wrmsse {
        model: model.to_string(),
        wrmsse12: levels.iter().map(|l| l.score).sum::<f64>() / levels.len() as f64,
        n_series: last.n_series,
        levels,
        n_dropped_series: n_dropped,
        n_cutoffs,
    })
}

fn nan0(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

#[allow(clippy::too_many_arguments)]
fn score_cutoff(
    history: &Panel,
    hierarchy: &M5Hierarchy,
    prices: &[f64],
    table: &ForecastTable,
    fvals: &[f64],
    actual: &dyn Fn(usize) -> f64,
    keep: &[(&str, usize, Vec<usize>)],
    fdates: &[NaiveDate],
    cutoff: NaiveDate,
    cfg: &M5Config,
) -> Result<CutoffScore> {
    let freq = history.freq();
    let h = fdates.len();
    // training rows of each kept series on a common date grid
    let origin = keep
        .iter()
        .map(|k| history.start(k.1))
        .min()
        .expect("keep is not empty");
    let mut spans = Vec::with_capacity(keep.len()); // (grid offset, rows)
    for &(id, i, _) in keep {
        let off = freq
            .steps_between(origin, history.start(i))
            .ok_or_else(|| {
                EvalError::Config(format!("series '{id}' starts off the panel's date grid"))
            })?;
        spans.push((
            usize::try_from(off).unwrap_or(0),
            rows_until(history, i, cutoff),
        ));
    }
    let dense = spans.iter().map(|&(o, n)| o + n).max().unwrap_or(0);
    let mut present = vec![false; dense];
    for &(o, n) in &spans {
        present[o..o + n].iter_mut().for_each(|p| *p = true);
    }
    // dates present in no kept series are not training dates (as in the reference)
    let mut col_of = vec![usize::MAX; dense];
    let mut t_len = 0;
    for (d, &p) in present.iter().enumerate() {
        if p {
            col_of[d] = t_len;
            t_len += 1;
        }
    }
    let wd_from = t_len.saturating_sub(cfg.weight_days);
    let usd: Vec<f64> = keep
        .iter()
        .zip(&spans)
        .map(|(&(_, i, _), &(o, n))| {
            let s = history.indptr()[i];
            let y = history.series(i);
            (0..n)
                .filter(|&j| col_of[o + j] >= wd_from)
                .map(|j| nan0(y[j]) * nan0(prices[s + j]))
                .sum()
        })
        .collect();
    // horizon matrices, one row per kept series
    let mut yt = vec![0.0; keep.len() * h];
    let mut ft = vec![0.0; keep.len() * h];
    for (k, (_, _, rs)) in keep.iter().enumerate() {
        for &r in rs {
            let j = fdates
                .binary_search(&table.ds()[r])
                .expect("fdates holds every forecast date of the cutoff");
            ft[k * h + j] = fvals[r];
            yt[k * h + j] = actual(r);
        }
    }
    let series: Vec<usize> = keep.iter().map(|k| k.1).collect();
    let mut levels = Vec::with_capacity(M5_LEVELS.len());
    for level in &M5_LEVELS {
        let (codes, g) = hierarchy.codes(&series, level);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); g];
        for (k, &c) in codes.iter().enumerate() {
            members[c].push(k);
        }
        let per_group: Vec<(f64, f64)> = members
            .par_iter()
            .map_init(
                || vec![0.0; t_len],
                |buf, m| {
                    buf.fill(0.0);
                    let mut fs = vec![0.0; h];
                    let mut ys = vec![0.0; h];
                    let mut w = 0.0;
                    for &k in m {
                        let (o, n) = spans[k];
                        let y = &history.series(keep[k].1)[..n];
                        if n > 0 {
                            // a series' dates are consecutive training dates
                            let c0 = col_of[o];
                            for (b, v) in buf[c0..c0 + n].iter_mut().zip(y) {
                                *b += nan0(*v);
                            }
                        }
                        for t in 0..h {
                            fs[t] += ft[k * h + t];
                            ys[t] += yt[k * h + t];
                        }
                        w += usd[k];
                    }
                    let scale = rmsse_scale(buf, cfg.trim_leading_zeros);
                    let mse = fs
                        .iter()
                        .zip(&ys)
                        .map(|(f, y)| (f - y) * (f - y))
                        .sum::<f64>()
                        / h as f64;
                    let r = if scale > 0.0 {
                        (mse / scale).sqrt()
                    } else {
                        f64::NAN
                    };
                    (r, w)
                },
            )
            .collect();
        let (mut num, mut den, mut excluded) = (0.0, 0.0, 0usize);
        for &(r, w) in &per_group {
            if r.is_finite() {
                num += w * r;
                den += w;
            } else {
                excluded += 1;
            }
        }
        let score = if den > 0.0 { num / den } else { f64::NAN };
        levels.push((score, g, excluded));
    }
    Ok(CutoffScore {
        levels,
        n_series: keep.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::Freq;

    /// Two items of one store: s1 [1, 3, 2 | 4] forecast 3 at price 1, s2
    /// [0, 2, 2 | 1] forecast 2 at price 2. s2's scale from its first sale is 0:
    /// item levels keep s1 only, sqrt(1 / 2.5); the aggregate [1, 5, 4 | 5] is
    /// forecast exactly (3 + 2): levels 1-9 score 0.
    #[test]
    fn hand_checked() {
        let d = |k| NaiveDate::from_ymd_opt(2024, 1, k).unwrap();
        let panel = Panel::from_series(
            Freq::Daily,
            vec![
                ("FOODS_1_001_CA_1".into(), d(1), vec![1.0, 3.0, 2.0, 4.0]),
                ("FOODS_1_002_CA_1".into(), d(1), vec![0.0, 2.0, 2.0, 1.0]),
            ],
        )
        .unwrap()
        .with_covariate(
            "sell_price",
            vec![1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, f64::NAN],
        )
        .unwrap();
        let mut t = ForecastTable::new(vec!["M".into()]).unwrap();
        t.push_row("FOODS_1_001_CA_1", d(4), d(3), 4.0, &[3.0])
            .unwrap();
        t.push_row("FOODS_1_002_CA_1", d(4), d(3), 1.0, &[2.0])
            .unwrap();
        let hier = M5Hierarchy::from_panel(&panel).unwrap();
        let w = m5_wrmsse(&panel, &hier, &t, "M", &M5Config::default()).unwrap();
        let r1 = (1.0f64 / 2.5).sqrt();
        for (k, l) in w.levels.iter().enumerate() {
            let want = if k < 9 { 0.0 } else { r1 };
            assert!((l.score - want).abs() < 1e-12, "{}: {}", l.level, l.score);
        }
        assert!((w.wrmsse12 - 3.0 * r1 / 12.0).abs() < 1e-12);
        assert_eq!(
            (w.levels[11].n_groups, w.levels[11].n_excluded_groups),
            (2, 1)
        );
        // no point column: an error, not a silent NaN
        assert!(m5_wrmsse(&panel, &hier, &t, "X", &M5Config::default()).is_err());
    }
}
