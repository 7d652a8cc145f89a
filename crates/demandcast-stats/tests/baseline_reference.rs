//! Baseline models against statsforecast 2.1.1: point forecasts (h = 28) of
//! `Naive`, `SeasonalNaive`, `HistoricAverage`, `WindowAverage` and the
//! native normal intervals (levels 80, 95) of the first three, to 1e-6, on
//! four M5 item series (smooth, intermittent, lumpy, very sparse; the last 400
//! days of d_1..d_1913) and the monthly `wineind` series.
//!
//! The fixtures `tests/data/ref_series.csv` and `tests/data/ref_expected.csv`
//! were produced by these two Python snippets (statsforecast 2.1.1):
//!
//! ```python
//! # Builds the input fixture: 4 M5 item series (last 400 of d_1..d_1913) + wineind.
//! import pandas as pd, numpy as np
//! df = pd.read_csv('/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz')
//! pick = {'FOODS_3_090_CA_1_validation': 'smooth', 'HOBBIES_1_001_CA_1_validation': 'intermittent',
//!         'HOBBIES_1_080_CA_1_validation': 'lumpy', 'HOBBIES_1_214_CA_1_validation': 'sparse'}
//! dcols = [c for c in df.columns if c.startswith('d_')][-400:]
//! rows = []
//! for sid in pick:
//!     y = df.loc[df['id'] == sid, dcols].to_numpy(float).ravel()
//!     print(sid, (y > 0).mean(), y[:20], y.sum())
//!     rows += [(sid.replace('_validation', ''), v) for v in y]
//! cs = pd.read_csv('/work/shared/data/classic_small_series/classic_series.csv')
//! w = cs.loc[cs.series_id == 'wineind'].sort_values('t')['value'].to_numpy(float)
//! rows += [('wineind', v) for v in w]
//! out = pd.DataFrame(rows, columns=['unique_id', 'y'])
//! out['y'] = out['y'].map(lambda v: repr(float(v)).removesuffix('.0'))
//! out.to_csv('ref_series.csv', index=False)
//!
//! # Reference point forecasts and native intervals from statsforecast 2.1.1 (h=28, levels 80/95).
//! import numpy as np, pandas as pd, statsforecast
//! from statsforecast.models import (Naive, SeasonalNaive, HistoricAverage, WindowAverage, CrostonClassic,
//!     CrostonOptimized, CrostonSBA, ADIDA, IMAPA, TSB)
//! from statsforecast.utils import ConformalIntervals
//! assert statsforecast.__version__ == '2.1.1'
//! df = pd.read_csv('ref_series.csv')
//! rows = []
//! for uid, g in df.groupby('unique_id', sort=False):
//!     y = g['y'].to_numpy(np.float64)
//!     m = 12 if uid == 'wineind' else 7
//!     native = [Naive(), SeasonalNaive(season_length=m), HistoricAverage()]
//!     plain = [WindowAverage(window_size=m), CrostonClassic(), CrostonOptimized(), CrostonSBA(), ADIDA(), IMAPA(),
//!              TSB(alpha_d=0.2, alpha_p=0.1)]
//!     conformal = [(CrostonSBA(prediction_intervals=ConformalIntervals(h=28, n_windows=2)), 'conformal2:CrostonSBA'),
//!                  (IMAPA(prediction_intervals=ConformalIntervals(h=28, n_windows=3)), 'conformal3:IMAPA')]
//!     runs = [(mod, mod.alias, [80, 95]) for mod in native] + [(mod, mod.alias, None) for mod in plain] \
//!         + [(mod, name, [80, 95]) for mod, name in conformal]
//!     for mod, name, level in runs:
//!         out = mod.forecast(y=y, h=28, level=level)
//!         prev = None
//!         for t in range(28):
//!             vals = [repr(float(out['mean'][t]))]
//!             vals += [repr(float(out[k][t])) for k in ('lo-80', 'hi-80', 'lo-95', 'hi-95')] if level else ['', '', '', '']
//!             if vals != prev:  # a step equal to the previous one is left out (the test carries rows forward)
//!                 rows.append([uid, name, t] + vals)
//!             prev = vals
//! pd.DataFrame(rows, columns=['unique_id', 'model', 'step', 'mean', 'lo80', 'hi80', 'lo95', 'hi95']).to_csv(
//!     'ref_expected.csv', index=False)
//! ```

include!("data/ref_fixture.rs");

use demandcast_core::{Level, LocalFitted, LocalModel};
use demandcast_stats::{HistoricAverage, Naive, SeasonalNaive, WindowAverage};
use fixture::{assert_close, expected, series, Step};

fn season(id: &str) -> usize {
    if id == "wineind" {
        12
    } else {
        7
    }
}

fn levels() -> Vec<Level> {
    vec![Level::new(80.0).unwrap(), Level::new(95.0).unwrap()]
}

/// Compares a forecast with the reference, intervals included when the reference has them.
fn check<M: LocalModel>(model: &M, y: &[f64], want: &[Step], what: &str) {
    let with_intervals = want[0].1.is_some();
    let lv = if with_intervals { levels() } else { vec![] };
    let f = model.fit(y).unwrap().predict(28, &lv).unwrap();
    assert_eq!(f.mean.len(), 28, "{what}");
    for (t, (mean, bounds)) in want.iter().enumerate() {
        assert_close(f.mean[t], *mean, &format!("{what} mean[{t}]"));
        if let Some([lo80, hi80, lo95, hi95]) = bounds {
            let (i80, i95) = (&f.intervals[0], &f.intervals[1]);
            assert_close(i80.lower[t], *lo80, &format!("{what} lo-80[{t}]"));
            assert_close(i80.upper[t], *hi80, &format!("{what} hi-80[{t}]"));
            assert_close(i95.lower[t], *lo95, &format!("{what} lo-95[{t}]"));
            assert_close(i95.upper[t], *hi95, &format!("{what} hi-95[{t}]"));
        }
    }
    if !with_intervals {
        assert!(f.intervals.is_empty(), "{what} defines no intervals");
    }
}

#[test]
fn baselines_match_statsforecast() {
    let exp = expected();
    let all = series();
    assert_eq!(all.len(), 5);
    for (id, y) in &all {
        let m = season(id);
        let want = |model: &str| &exp[&(id.clone(), model.to_string())];
        check(&Naive::new(), y, want("Naive"), &format!("{id} Naive"));
        check(
            &SeasonalNaive::new(m),
            y,
            want("SeasonalNaive"),
            &format!("{id} SeasonalNaive"),
        );
        check(
            &HistoricAverage::new(),
            y,
            want("HistoricAverage"),
            &format!("{id} HistoricAverage"),
        );
        check(
            &WindowAverage::new(m),
            y,
            want("WindowAverage"),
            &format!("{id} WindowAverage"),
        );
    }
}

#[test]
fn names_are_statsforecast_aliases() {
    assert_eq!(Naive::new().name(), "Naive");
    assert_eq!(SeasonalNaive::new(7).name(), "SeasonalNaive");
    assert_eq!(HistoricAverage::new().name(), "HistoricAverage");
    assert_eq!(WindowAverage::new(7).name(), "WindowAverage");
    assert_eq!(SeasonalNaive::new(7).min_len(), 7);
    assert_eq!(WindowAverage::new(3).min_len(), 3);
}

#[test]
fn seasonal_naive_repeats_the_last_season() {
    let y = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
    let f = SeasonalNaive::new(3)
        .fit(&y)
        .unwrap()
        .predict(7, &[])
        .unwrap();
    assert_eq!(f.mean, vec![10.0, 20.0, 30.0, 10.0, 20.0, 30.0, 10.0]);
}
