//! [`PerSeries`]: conformal intervals against statsforecast 2.1.1's
//! `ConformalIntervals`, native intervals passed through, fallbacks for short
//! or failing series (noted), the rayon pool and progress, and proptest
//! invariants on random non-negative series.
//!
//! The conformal references in `tests/data/ref_expected.csv` (rows
//! `conformal2:CrostonSBA` and `conformal3:IMAPA`) come from the Python
//! snippet at the top of `tests/baseline_reference.rs`, which runs:
//!
//! ```python
//! CrostonSBA(prediction_intervals=ConformalIntervals(h=28, n_windows=2)).forecast(y=y, h=28, level=[80, 95])
//! IMAPA(prediction_intervals=ConformalIntervals(h=28, n_windows=3)).forecast(y=y, h=28, level=[80, 95])
//! ```

include!("data/ref_fixture.rs");

use demandcast_core::{
    Error, Forecaster, Freq, Level, LocalModel, NaiveDate, Panel, PanelForecast, Progress, Result,
};
use demandcast_stats::{
    Adida, ConstantFitted, CrostonClassic, CrostonOptimized, CrostonSba, DynLocalModel,
    HistoricAverage, Imapa, Naive, PerSeries, SeasonalNaive, Tsb, WindowAverage,
};
use fixture::{assert_close, expected, series};
use proptest::prelude::*;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

fn d0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
}

fn levels() -> Vec<Level> {
    vec![Level::new(80.0).unwrap(), Level::new(95.0).unwrap()]
}

fn panel(series: Vec<(String, Vec<f64>)>) -> Panel {
    Panel::from_series(
        Freq::Daily,
        series.into_iter().map(|(id, y)| (id, d0(), y)).collect(),
    )
    .unwrap()
}

fn reference_panel() -> Panel {
    panel(series())
}

/// Compares every series of `pf` with the reference rows of `model`.
fn check_against(pf: &PanelForecast, model: &str) {
    let exp = expected();
    for (i, id) in pf.ids.iter().enumerate() {
        let want = &exp[&(id.clone(), model.to_string())];
        let f = &pf.series[i];
        assert_eq!(f.intervals.len(), 2);
        for (t, (mean, bounds)) in want.iter().enumerate() {
            let [lo80, hi80, lo95, hi95] = bounds.expect("reference has intervals");
            let what = format!("{id} {model} step {t}");
            assert_close(f.mean[t], *mean, &what);
            assert_close(f.intervals[0].lower[t], lo80, &format!("{what} lo-80"));
            assert_close(f.intervals[0].upper[t], hi80, &format!("{what} hi-80"));
            assert_close(f.intervals[1].lower[t], lo95, &format!("{what} lo-95"));
            assert_close(f.intervals[1].upper[t], hi95, &format!("{what} hi-95"));
        }
    }
}

#[test]
fn conformal_intervals_match_statsforecast() {
    let p = reference_panel();
    let pf = PerSeries::new(CrostonSba::new())
        .nonnegative(false)
        .forecast(&p, 28, &levels(), None)
        .unwrap();
    assert_eq!(pf.model, "CrostonSBA");
    assert!(pf.notes.is_empty(), "{:?}", pf.notes);
    check_against(&pf, "conformal2:CrostonSBA");

    // levels given out of order are sorted; three windows
    let pf = PerSeries::new(Imapa::new())
        .nonnegative(false)
        .conformal_windows(3)
        .forecast(
            &p,
            28,
            &[Level::new(95.0).unwrap(), Level::new(80.0).unwrap()],
            None,
        )
        .unwrap();
    assert_eq!(pf.levels, levels());
    check_against(&pf, "conformal3:IMAPA");
}

#[test]
fn native_intervals_pass_through_and_clip() {
    let p = reference_panel();
    let pf = PerSeries::new(Naive::new())
        .nonnegative(false)
        .forecast(&p, 28, &levels(), None)
        .unwrap();
    check_against(&pf, "Naive");
    // clipped by default: the M5 lower bounds are negative in the reference
    let pf = PerSeries::new(Naive::new())
        .forecast(&p, 28, &levels(), None)
        .unwrap();
    let i = pf.index_of("HOBBIES_1_001_CA_1").unwrap();
    assert_eq!(pf.series[i].intervals[1].lower[0], 0.0);
    assert!(pf
        .series
        .iter()
        .flat_map(|f| &f.intervals)
        .all(|iv| iv.lower.iter().all(|&v| v >= 0.0)));
}

#[test]
fn short_series_fall_back_and_are_noted() {
    let p = panel(vec![
        ("long".into(), (0..60).map(|t| (t % 7) as f64).collect()),
        ("short".into(), vec![2.0, 4.0, 0.0, 6.0]),
    ]);
    let pf = PerSeries::new(SeasonalNaive::new(7))
        .forecast(&p, 5, &levels(), None)
        .unwrap();
    assert_eq!(pf.ids, vec!["long".to_string(), "short".to_string()]);
    assert_eq!(pf.starts[0], NaiveDate::from_ymd_opt(2020, 3, 1).unwrap());
    assert_eq!(pf.starts[1], NaiveDate::from_ymd_opt(2020, 1, 5).unwrap());
    assert_eq!(pf.notes.len(), 1);
    assert_eq!(pf.notes[0].id, "short");
    assert!(
        pf.notes[0]
            .message
            .starts_with("fell back to HistoricAverage: 4 observations"),
        "{}",
        pf.notes[0].message
    );
    assert_eq!(pf.series[1].mean, vec![3.0; 5]);
    assert_eq!(pf.series[0].mean, vec![4.0, 5.0, 6.0, 0.0, 1.0]);
    // the fallback's own intervals are kept
    assert_eq!(pf.series[1].intervals.len(), 2);

    // a custom fallback and alias
    let pf = PerSeries::new(WindowAverage::new(10))
        .with_alias("WA10")
        .with_fallback(Arc::new(Naive::new()))
        .forecast(&p, 3, &[], None)
        .unwrap();
    assert_eq!(pf.model, "WA10");
    assert_eq!(pf.series[1].mean, vec![6.0; 3]);
    assert!(pf.notes[0].message.starts_with("fell back to Naive"));
}

#[test]
fn too_short_for_conformal_uses_one_step_residuals() {
    // 20 observations, h = 28: no conformal windows
    let y: Vec<f64> = (0..20).map(|t| [0.0, 3.0, 1.0, 0.0, 5.0][t % 5]).collect();
    let p = panel(vec![("a".into(), y.clone())]);
    let pf = PerSeries::new(CrostonClassic::new())
        .forecast(&p, 28, &levels(), None)
        .unwrap();
    assert_eq!(pf.notes.len(), 1);
    assert!(
        pf.notes[0]
            .message
            .contains("too few for conformal intervals"),
        "{}",
        pf.notes[0].message
    );
    assert!(pf.notes[0].message.contains("one-step residuals"));
    // sigma: RMS of the errors of one-step forecasts refitted on y[..t], t = 1..19
    let errs: Vec<f64> = (1..20)
        .map(|t| y[t] - CrostonClassic::new().fit(&y[..t]).unwrap().value())
        .collect();
    let sigma = (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt();
    let f = &pf.series[0];
    let mean = CrostonClassic::new().fit(&y).unwrap().value();
    let z95 = Level::new(95.0).unwrap().z();
    assert_close(f.intervals[1].upper[27], mean + z95 * sigma, "hi-95");
    assert_close(
        f.intervals[1].lower[0],
        (mean - z95 * sigma).max(0.0),
        "lo-95",
    );
}

/// A model that fails on series containing a 13, and records the rayon pool size it ran in.
struct Picky(Arc<AtomicUsize>);

impl LocalModel for Picky {
    type Fitted = ConstantFitted;
    fn name(&self) -> String {
        "Picky".into()
    }
    fn fit(&self, y: &[f64]) -> Result<ConstantFitted> {
        self.0
            .fetch_max(rayon::current_num_threads(), Ordering::Relaxed);
        if y.contains(&13.0) {
            return Err(Error::Fit {
                model: "Picky".into(),
                reason: "unlucky".into(),
            });
        }
        CrostonClassic::new().fit(y)
    }
}

#[derive(Default)]
struct Count(AtomicU64);

impl Progress for Count {
    fn inc(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

#[test]
fn failures_fall_back_progress_counts_and_pool_is_honoured() {
    let mut all = series();
    all[1].1[10] = 13.0;
    let p = panel(all);
    let seen = Arc::new(AtomicUsize::new(0));
    let model = PerSeries::new(Picky(Arc::clone(&seen)));
    let count = Count::default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let pf = pool
        .install(|| {
            model
                .fit_with_progress(&p, &count)?
                .predict(28, &levels(), None)
        })
        .unwrap();
    assert_eq!(count.0.load(Ordering::Relaxed), 5);
    assert_eq!(
        seen.load(Ordering::Relaxed),
        1,
        "fits ran in the 1-thread pool"
    );
    assert_eq!(pf.notes.len(), 1);
    assert_eq!(pf.notes[0].id, p.id(1));
    assert!(pf.notes[0].message.contains("unlucky"));
    // the other series are CrostonClassic with conformal intervals
    let direct = PerSeries::new(CrostonClassic::new())
        .forecast(&p, 28, &levels(), None)
        .unwrap();
    assert_eq!(pf.series[0], direct.series[0]);
    assert_eq!(model.model().0.load(Ordering::Relaxed), 1);
}

#[test]
fn dyn_local_model_is_object_safe() {
    let models: Vec<Arc<dyn DynLocalModel>> = vec![
        Arc::new(Tsb::new(0.1, 0.1)),
        Arc::new(SeasonalNaive::new(3)),
    ];
    let y = [1.0, 0.0, 2.0, 0.0, 3.0];
    assert_eq!(models[0].name(), "TSB");
    assert_eq!(models[1].min_len(), 3);
    let f = models[1].forecast_dyn(&y, 4, &levels()).unwrap();
    assert_eq!(f.mean, vec![2.0, 0.0, 3.0, 2.0]);
    assert_eq!(f.intervals.len(), 2);
    assert!(models[1].forecast_dyn(&y[..2], 1, &[]).is_err());
}

#[test]
fn non_finite_values_are_refused() {
    let p = panel(vec![("a".into(), vec![1.0, f64::NAN, 2.0])]);
    let err = PerSeries::new(Naive::new())
        .fit(&p)
        .err()
        .expect("NaN refused");
    assert!(
        matches!(err, Error::Series { ref id, .. } if id == "a"),
        "{err}"
    );
    assert!(PerSeries::new(Naive::new())
        .fit(&panel(vec![("a".into(), vec![1.0])]))
        .unwrap()
        .predict(0, &[], None)
        .is_err());
}

/// Every model of this crate, boxed for the property tests.
fn run_model(k: usize, p: &Panel, h: usize, lv: &[Level], nonneg: bool) -> PanelForecast {
    fn go<M: LocalModel + 'static>(
        m: M,
        p: &Panel,
        h: usize,
        lv: &[Level],
        nonneg: bool,
    ) -> PanelForecast {
        PerSeries::new(m)
            .nonnegative(nonneg)
            .forecast(p, h, lv, None)
            .unwrap()
    }
    match k {
        0 => go(Naive::new(), p, h, lv, nonneg),
        1 => go(SeasonalNaive::new(7), p, h, lv, nonneg),
        2 => go(HistoricAverage::new(), p, h, lv, nonneg),
        3 => go(WindowAverage::new(5), p, h, lv, nonneg),
        4 => go(CrostonClassic::new(), p, h, lv, nonneg),
        5 => go(CrostonOptimized::new(), p, h, lv, nonneg),
        6 => go(CrostonSba::new(), p, h, lv, nonneg),
        7 => go(Adida::new(), p, h, lv, nonneg),
        8 => go(Imapa::new(), p, h, lv, nonneg),
        _ => go(Tsb::new(0.1, 0.1), p, h, lv, nonneg),
    }
}

fn demand() -> impl Strategy<Value = Vec<f64>> {
    let value = prop_oneof![3 => Just(0.0), 2 => 0.0..40.0f64, 1 => (0u32..5).prop_map(f64::from)];
    prop::collection::vec(value, 1..90)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn forecasts_are_well_formed(
        ys in prop::collection::vec(demand(), 1..4),
        k in 0usize..10,
        h in 1usize..20,
        lv in (1.0..60.0f64, 60.0..99.5f64),
        nonneg in any::<bool>(),
    ) {
        let (narrow, wide) = (Level::new(lv.0).unwrap(), Level::new(lv.1).unwrap());
        let p = panel(ys.into_iter().enumerate().map(|(i, y)| (format!("s{i}"), y)).collect());
        let pf = run_model(k, &p, h, &[wide, narrow], nonneg);
        prop_assert_eq!(pf.series.len(), p.n_series());
        for f in &pf.series {
            prop_assert_eq!(f.mean.len(), h);
            prop_assert_eq!(f.intervals.len(), 2);
            let (n, w) = (&f.intervals[0], &f.intervals[1]);
            prop_assert_eq!(n.level, narrow);
            for t in 0..h {
                prop_assert!(w.lower[t] <= n.lower[t] && n.lower[t] <= f.mean[t]);
                prop_assert!(f.mean[t] <= n.upper[t] && n.upper[t] <= w.upper[t]);
                if nonneg {
                    prop_assert!(w.lower[t] >= 0.0 && f.mean[t] >= 0.0);
                }
            }
        }
    }
}
