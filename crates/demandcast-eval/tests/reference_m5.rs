//! The fixture scored by the Rust metrics must give the reference scorer's
//! numbers (/work/shared/bench/metrics.py) to 1e-6.
//!
//! Fixture: tests/data/make_fixture.py (20 M5 series, d_1578..d_1941, three
//! of them starting at their first sale, one all zero; 2 windows of 28 days;
//! models SNaive with lo/hi-80/95 and one NaN, LGB with q-0.025..0.975, Tiny
//! with lo/hi-95). Reference numbers, from tests/data:
//!
//! ```python
//! import sys, json; sys.path[:0] = ['/work/shared/bench', '.']
//! import pandas as pd, metrics
//! from make_fixture import load_long
//! hist = load_long('m5_wide.csv')
//! fc = pd.read_csv('m5_forecasts.csv', parse_dates=['ds', 'cutoff'])
//! w = pd.read_csv('m5_weights.csv'); w = pd.Series(w.weight.values, index=w.unique_id)
//! res = metrics.evaluate(hist, fc, 7, weights=w)
//! for m in res: res[m]['m5'] = metrics.m5_wrmsse(hist, fc, m)
//! print(json.dumps(res))
//! ```

mod common;

use common::*;
use demandcast_eval::{evaluate, m5_wrmsse, M5Config, M5Hierarchy, ScoreConfig};

const METRICS: [(&str, &[(&str, f64)]); 3] = [
    (
        "SNaive",
        &[
            ("mae", 2.006316137566137),
            ("rmse", 2.755148802750492),
            ("smape", 79.74499677332145),
            ("mase", 1.2556207588640762),
            ("rmsse", 1.141967271761824),
            ("wrmsse", 1.1740137466941432),
            ("bias", -0.05719392314566577),
            ("pbias", -2.1709633649932156),
            ("wape", 0.7598371777476255),
            ("wql", 0.23531780020352783),
            ("scrps", 0.3942213186742678),
            ("cov80", 0.8909740840035746),
        ],
    ),
    (
        "LGB",
        &[
            ("mae", 1.6268749999999996),
            ("rmse", 2.1298968290543696),
            ("smape", 107.39999699472733),
            ("mase", 1.134099340275069),
            ("rmsse", 0.9289335239713575),
            ("wrmsse", 0.9194907877571593),
            ("bias", -0.1994285714285714),
            ("pbias", -7.5536016232668235),
            ("wape", 0.6161988501859993),
            ("wql", 0.4961382031338068),
            ("scrps", 0.7224180397539005),
            ("cov80", 0.7116071428571429),
        ],
    ),
    (
        "Tiny",
        &[
            ("mae", 2.229464285714286),
            ("rmse", 2.8445080413727077),
            ("smape", 83.91297426061644),
            ("mase", 1.2905464585394817),
            ("rmsse", 1.1361089213794915),
            ("wrmsse", 1.0762437799613738),
            ("bias", 0.08482142857142858),
            ("pbias", 3.2127155901251268),
            ("wape", 0.844436929320257),
            ("wql", 0.4825160635779507),
            ("scrps", 0.4952635653448224),
        ],
    ),
];

/// (model, n_points, n_pairs, n_series, n_scaled_mase, n_dropped_nan_forecasts, quantiles)
type Counts = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    &'static [f64],
);
const COUNTS: [Counts; 3] = [
    ("SNaive", 1119, 40, 20, 38, 1, &[0.025, 0.1, 0.9, 0.975]),
    (
        "LGB",
        1120,
        40,
        20,
        38,
        0,
        &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    ),
    ("Tiny", 1120, 40, 20, 38, 0, &[0.025, 0.975]),
];

/// (model, wrmsse12, levels L1..L12)
const WRMSSE12: [(&str, f64, [f64; 12]); 3] = [
    (
        "SNaive",
        1.1594938889900799,
        [
            0.9726325508037121,
            1.097173431547768,
            1.097173431547768,
            1.1681798089414357,
            1.2774060683829813,
            1.238321011179801,
            1.2465851904797844,
            1.238321011179801,
            1.2465851904797844,
            1.1112652273806054,
            1.1101418729787582,
            1.1101418729787582,
        ],
    ),
    (
        "LGB",
        0.9271420197712432,
        [
            1.033657248836111,
            0.9421504700381182,
            0.9421504700381182,
            0.973711760769705,
            0.9526019804440364,
            0.9300646498179413,
            0.9034276837713846,
            0.9300646498179413,
            0.9034276837713846,
            0.868645132040786,
            0.8729012539546968,
            0.8729012539546968,
        ],
    ),
    (
        "Tiny",
        1.257365129759232,
        [
            0.9733207238340102,
            1.0312709768242678,
            1.0312709768242678,
            1.4655805236618475,
            1.3517923953376554,
            1.568394497321869,
            1.499515955044933,
            1.568394497321869,
            1.499515955044933,
            1.0039424578582066,
            1.0476912990184633,
            1.0476912990184633,
        ],
    ),
];

#[test]
fn metrics_match_reference_scorer() {
    let panel = m5_panel();
    let table = read_forecasts("m5_forecasts.csv");
    let mut cfg = ScoreConfig::new(7);
    cfg.level12_weights = Some(m5_weights());
    let ev = evaluate(&panel, &table, &cfg);
    assert_eq!(ev.models.len(), 3);
    for (model, want) in METRICS {
        let m = ev.model(model).unwrap();
        for &(k, v) in want {
            assert_close(&format!("{model} {k}"), m.get(k).unwrap(), v);
        }
    }
    for (model, n_points, n_pairs, n_series, n_scaled, n_dropped, qs) in COUNTS {
        let m = ev.model(model).unwrap();
        assert_eq!(
            (m.n_points, m.n_pairs, m.n_series),
            (n_points, n_pairs, n_series),
            "{model}"
        );
        assert_eq!(m.point.as_ref().unwrap().n_scaled_mase, n_scaled, "{model}");
        assert_eq!(
            m.point.as_ref().unwrap().n_scaled_rmsse,
            n_scaled,
            "{model}"
        );
        assert_eq!(
            (m.n_dropped_nan_forecasts, m.n_missing_actuals),
            (n_dropped, 0),
            "{model}"
        );
        assert_eq!(m.quantile.as_ref().unwrap().quantiles, qs, "{model}");
    }
    assert!(ev
        .model("Tiny")
        .unwrap()
        .quantile
        .as_ref()
        .unwrap()
        .cov80
        .is_none());
    // per-pair rows: one per model and scored pair
    assert_eq!(ev.pairs.len(), 120);
}

/// Beyond metrics.py: coverage per level and pinball per quantile.
/// ```python
/// fc = pd.read_csv('m5_forecasts.csv', parse_dates=['ds', 'cutoff']).merge(hist, on=['unique_id', 'ds'])
/// s = fc.dropna(subset=[c for c in fc.columns if c.startswith('SNaive')])
/// np.mean((s.y >= s['SNaive-lo-95']) & (s.y <= s['SNaive-hi-95']))   # 0.9651474530831099
/// d = fc.y - fc['LGB-q-0.975']; np.maximum(0.975 * d, -0.025 * d).mean()   # 0.34430290178571427
/// d = fc.y - fc['LGB-q-0.1']; np.maximum(0.1 * d, -0.9 * d).mean()   # 0.2809821428571429
/// ```
#[test]
fn coverage_and_pinball_extras() {
    let panel = m5_panel();
    let ev = evaluate(
        &panel,
        &read_forecasts("m5_forecasts.csv"),
        &ScoreConfig::new(7),
    );
    let sn = ev.model("SNaive").unwrap().quantile.clone().unwrap();
    assert_close("cov 95", sn.coverage["95"], 0.9651474530831099);
    assert_close("cov 80", sn.coverage["80"], 0.8909740840035746);
    let lgb = ev.model("LGB").unwrap().quantile.clone().unwrap();
    assert_close("pinball .975", lgb.pinball["0.975"], 0.34430290178571427);
    assert_close("pinball .1", lgb.pinball["0.1"], 0.2809821428571429);
    assert_eq!(lgb.coverage.len(), 5); // 20, 40, 60, 80, 95
}

#[test]
fn wrmsse12_matches_reference_scorer() {
    let panel = m5_panel();
    let table = read_forecasts("m5_forecasts.csv");
    let hier = M5Hierarchy::from_panel(&panel).unwrap();
    for (model, total, levels) in WRMSSE12 {
        let w = m5_wrmsse(&panel, &hier, &table, model, &M5Config::default()).unwrap();
        assert_close(&format!("{model} wrmsse12"), w.wrmsse12, total);
        for (l, want) in w.levels.iter().zip(levels) {
            assert_close(&format!("{model} {}", l.level), l.score, want);
        }
        assert_eq!(w.n_cutoffs, 2);
        assert_eq!(w.n_series, 20);
        assert_eq!(w.n_dropped_series, usize::from(model == "SNaive"));
        assert_eq!(w.levels[9].n_groups, 19);
        assert_eq!(w.levels[11].n_excluded_groups, 1); // the all-zero series
    }
}

/// A loader that trims leading zeros, or one that keeps them, gives the same
/// scores: the fixture's three trimmed series padded back with zeros.
#[test]
fn trimmed_and_padded_panels_score_the_same() {
    let panel = m5_panel();
    let start = panel.starts().iter().min().copied().unwrap();
    let mut series = Vec::new();
    let mut price = Vec::new();
    for i in 0..panel.n_series() {
        let pad = (panel.start(i) - start).num_days() as usize;
        let mut y = vec![0.0; pad];
        y.extend_from_slice(panel.series(i));
        let p0 = panel.covariate_of("sell_price", i).unwrap();
        price.extend(std::iter::repeat_n(f64::NAN, pad).chain(p0.iter().copied()));
        series.push((panel.id(i).to_string(), start, y));
    }
    let padded = demandcast_core::Panel::from_series(panel.freq(), series)
        .unwrap()
        .with_covariate("sell_price", price)
        .unwrap();
    assert!(padded.n_rows() > panel.n_rows());
    let table = read_forecasts("m5_forecasts.csv");
    let a = evaluate(&panel, &table, &ScoreConfig::new(7));
    let b = evaluate(&padded, &table, &ScoreConfig::new(7));
    for (x, y) in a.models.iter().zip(&b.models) {
        for k in ["mase", "rmsse", "mae", "wql"] {
            assert_close(k, x.get(k).unwrap(), y.get(k).unwrap());
        }
    }
    let cfg = M5Config::default();
    let wa = m5_wrmsse(
        &panel,
        &M5Hierarchy::from_panel(&panel).unwrap(),
        &table,
        "LGB",
        &cfg,
    )
    .unwrap();
    let wb = m5_wrmsse(
        &padded,
        &M5Hierarchy::from_panel(&padded).unwrap(),
        &table,
        "LGB",
        &cfg,
    )
    .unwrap();
    assert_close("wrmsse12", wa.wrmsse12, wb.wrmsse12);
}

#[test]
fn hierarchy_from_statics_equals_parsed() {
    let panel = m5_panel();
    let parsed = M5Hierarchy::from_panel(&panel).unwrap();
    let mut p = panel.clone();
    for (k, name) in demandcast_eval::hierarchy::M5_KEYS.iter().enumerate() {
        p = p
            .with_static(*name, parsed.keys.iter().map(|x| x[k].clone()).collect())
            .unwrap();
    }
    assert_eq!(M5Hierarchy::from_panel(&p).unwrap(), parsed);
    let bad = demandcast_core::Panel::from_series(
        panel.freq(),
        vec![("x".into(), panel.start(0), vec![1.0])],
    )
    .unwrap();
    assert!(M5Hierarchy::from_panel(&bad).is_err());
}
