//! Invariants of the metrics on random panels and forecasts.

use demandcast_core::{Freq, NaiveDate, Panel};
use demandcast_eval::{evaluate, m5_wrmsse, ForecastTable, M5Config, M5Hierarchy, ScoreConfig};
use proptest::prelude::*;

const H: usize = 4;

/// Per series: values, and per test point (forecast, 80% half-width).
type Case = Vec<(Vec<f64>, Vec<(f64, f64)>)>;

/// Series of small counts (M5-like ids), and per point a forecast and a
/// half-width for the 80% interval.
fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(
        (12usize..30).prop_flat_map(|n| {
            (
                prop::collection::vec(prop_oneof![Just(0.0), 0.0..20.0f64], n),
                prop::collection::vec((0.0..25.0f64, 0.0..10.0f64), H),
            )
        }),
        1..5,
    )
}

fn build(c: &Case, perfect: bool) -> (Panel, ForecastTable) {
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let series: Vec<(String, NaiveDate, Vec<f64>)> = c
        .iter()
        .enumerate()
        .map(|(k, (y, _))| (format!("FOODS_1_{k:03}_CA_1"), d0, y.clone()))
        .collect();
    let n_rows: usize = c.iter().map(|(y, _)| y.len()).sum();
    let panel = Panel::from_series(Freq::Daily, series)
        .unwrap()
        .with_covariate("sell_price", vec![1.5; n_rows])
        .unwrap();
    let mut t = ForecastTable::new(vec!["M".into(), "M-lo-80".into(), "M-hi-80".into()]).unwrap();
    for (i, (y, f)) in c.iter().enumerate() {
        let n = y.len();
        let cutoff = panel.date(i, n - H - 1);
        for (k, &(fc, w)) in f.iter().enumerate() {
            let yv = y[n - H + k];
            let point = if perfect { yv } else { fc };
            t.push_row(
                panel.id(i),
                panel.date(i, n - H + k),
                cutoff,
                yv,
                &[point, point - w, point + w],
            )
            .unwrap();
        }
    }
    (panel, t)
}

fn zero_or_nan(x: f64) -> bool {
    x.is_nan() || x.abs() < 1e-12
}

proptest! {
    #[test]
    fn perfect_forecasts_score_zero(c in case()) {
        let (panel, t) = build(&c, true);
        let ev = evaluate(&panel, &t, &ScoreConfig::new(7));
        let m = &ev.models[0];
        let p = m.point.as_ref().unwrap();
        prop_assert_eq!(p.mae, 0.0);
        prop_assert_eq!(p.rmse, 0.0);
        prop_assert!(zero_or_nan(p.mase) && zero_or_nan(p.rmsse) && zero_or_nan(p.wape));
        prop_assert_eq!(m.quantile.as_ref().unwrap().coverage["80"], 1.0);
        let hier = M5Hierarchy::from_panel(&panel).unwrap();
        let w = m5_wrmsse(&panel, &hier, &t, "M", &M5Config::default()).unwrap();
        prop_assert!(zero_or_nan(w.wrmsse12));
    }

    #[test]
    fn metrics_stay_in_range(c in case()) {
        let (panel, t) = build(&c, false);
        let ev = evaluate(&panel, &t, &ScoreConfig::new(7));
        let m = &ev.models[0];
        let p = m.point.as_ref().unwrap();
        let q = m.quantile.as_ref().unwrap();
        prop_assert!(p.mae >= 0.0 && p.rmse >= p.mae - 1e-12);
        prop_assert!(p.smape >= 0.0 && p.smape <= 200.0);
        prop_assert!(p.mase.is_nan() || p.mase >= 0.0);
        for v in q.coverage.values().chain(q.cov80.iter()) {
            prop_assert!((0.0..=1.0).contains(v));
        }
        for v in q.pinball.values() {
            prop_assert!(*v >= 0.0);
        }
        prop_assert!(q.wql.is_nan() || q.wql >= 0.0);
        prop_assert!(q.scrps.is_nan() || q.scrps >= 0.0);
        for r in &ev.pairs {
            prop_assert!(r.mae >= 0.0 && (r.mase.is_nan() || r.mase >= 0.0));
        }
    }
}
