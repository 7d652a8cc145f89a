//! Choosing the analogue parameters by a rolling backtest on recent launches.

use super::analogue::{weighted_median, Aggregate, AnalogueParams};
use super::profile::{launch_profiles, ProfileOptions};
use super::{build_pool, ColdStartOptions, ProductInfo};
use demandcast_core::{NaiveDate, Panel};
use serde::Serialize;
use std::collections::BTreeMap;

/// Fewer validation launches than this: keep the default parameters.
const MIN_LAUNCHES: usize = 5;

/// The candidates tried by default: 4 neighbourhood sizes x 2 aggregations x
/// 3 price elasticities.
pub fn default_grid() -> Vec<AnalogueParams> {
    let mut g = Vec::new();
    for k in [5, 10, 20, 40] {
        for aggregate in [Aggregate::Median, Aggregate::GeoMean] {
            for elasticity in [0.0, 0.5, 1.0] {
                g.push(AnalogueParams {
                    k,
                    aggregate,
                    elasticity,
                    power: 1.0,
                    scale: 1.0,
                });
            }
        }
    }
    g
}

/// One candidate's backtest score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestRow {
    /// The candidate (with its calibrated scale).
    pub params: AnalogueParams,
    /// WAPE over the validation launches after scaling.
    pub wape: f64,
    /// WAPE before scaling.
    pub wape_unscaled: f64,
}

/// The result of the parameter backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestSummary {
    /// The chosen parameters (lowest WAPE).
    pub best: AnalogueParams,
    /// Its WAPE (NaN without validation launches).
    pub wape: f64,
    /// Validation launches.
    pub n_launches: usize,
    /// Every candidate, in grid order.
    pub rows: Vec<BacktestRow>,
}

/// Forecasts each recent launch (complete window, first sale in the last
/// `validation_periods` launch periods) from the data before its launch with
/// every grid candidate; the scale of each candidate is the WAPE-optimal
/// multiplier (weighted median of actual / forecast, weights = forecast,
/// clamped to [0.5, 3]).
pub(super) fn backtest(
    panel: &Panel,
    info: ProductInfo<'_>,
    rows: &[Option<usize>],
    cutoff: NaiveDate,
    o: &ColdStartOptions,
) -> BacktestSummary {
    let h = o.horizon;
    let freq = panel.freq();
    let po = ProfileOptions {
        horizon: h,
        margin: o.margin,
        level_window: o.level_window,
    };
    let last_launch = freq.step(cutoff, -(h as i64 - 1));
    let first_launch = freq.step(last_launch, -(o.validation_periods as i64));
    // Validation launches grouped by launch period: (catalogue row, actual).
    let mut groups: BTreeMap<NaiveDate, Vec<(usize, f64)>> = BTreeMap::new();
    for p in launch_profiles(panel, cutoff, &po) {
        if p.observed
            && p.curve.len() == h
            && p.first_sale > first_launch
            && p.first_sale <= last_launch
        {
            if let Some(r) = rows[p.series] {
                groups
                    .entry(p.first_sale)
                    .or_default()
                    .push((r, p.curve.iter().sum()));
            }
        }
    }
    let kmax = o.grid.iter().map(|g| g.k).max().unwrap_or(1);
    let mut f: Vec<Vec<f64>> = vec![Vec::new(); o.grid.len()];
    let mut a: Vec<f64> = Vec::new();
    for (launch, items) in &groups {
        let (pool, _) = build_pool(panel, info, rows, freq.step(*launch, -1), o, None);
        if pool.is_empty() {
            continue;
        }
        for &(r, actual) in items {
            let nb = pool.neighbours(&info.embeddings[r], kmax);
            let price = info.catalog.launch_price[r];
            for (g, p) in o.grid.iter().enumerate() {
                let unscaled = AnalogueParams { scale: 1.0, ..*p };
                f[g].push(pool.predict_from(&nb, price, &unscaled, h).total);
            }
            a.push(actual);
        }
    }
    let n = a.len();
    let asum: f64 = a.iter().sum();
    if n < MIN_LAUNCHES || asum <= 0.0 {
        tracing::warn!(
            validation_launches = n,
            "too few recent launches to choose cold-start parameters; using defaults"
        );
        return BacktestSummary {
            best: AnalogueParams::default(),
            wape: f64::NAN,
            n_launches: n,
            rows: Vec::new(),
        };
    }
    let wape = |s: f64, fs: &[f64]| {
        fs.iter()
            .zip(&a)
            .map(|(x, y)| (s * x - y).abs())
            .sum::<f64>()
            / asum
    };
    let rows: Vec<BacktestRow> = o
        .grid
        .iter()
        .zip(&f)
        .map(|(p, fs)| {
            let (ratios, ws): (Vec<f64>, Vec<f64>) = fs
                .iter()
                .zip(&a)
                .filter(|(x, _)| **x > 0.0)
                .map(|(x, y)| (y / x, *x))
                .unzip();
            let scale = if ratios.is_empty() {
                1.0
            } else {
                weighted_median(&ratios, &ws).clamp(0.5, 3.0)
            };
            BacktestRow {
                params: AnalogueParams { scale, ..*p },
                wape: wape(scale, fs),
                wape_unscaled: wape(1.0, fs),
            }
        })
        .collect();
    let best = rows
        .iter()
        .min_by(|x, y| x.wape.total_cmp(&y.wape))
        .map_or_else(AnalogueParams::default, |r| r.params);
    let wape = rows.iter().map(|r| r.wape).fold(f64::INFINITY, f64::min);
    BacktestSummary {
        best,
        wape,
        n_launches: n,
        rows,
    }
}
