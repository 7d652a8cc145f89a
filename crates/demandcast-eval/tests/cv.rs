//! Rolling-origin cross-validation: cutoffs, skipped series, refit policy,
//! failures, covariates, and the metrics of a backtest against the reference scorer.

mod common;

use common::*;
use demandcast_core::{Freq, Level, NaiveDate, NoProgress, Panel, Progress};
use demandcast_eval::{
    cross_validation, future_covariates, plan, score_backtest, CvConfig, EvalOptions, Refit,
    TableOptions,
};
use std::sync::atomic::{AtomicU64, Ordering};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).unwrap()
}

/// Naive and Mean (lo/hi-80/95) on the M5 fixture, 2 windows of 28 days, scored.
/// Reference: the same forecasts computed in pandas, scored by metrics.py:
/// ```python
/// hist = load_long('m5_wide.csv'); rows = []
/// for cut in pd.to_datetime(['2016-03-27', '2016-04-24']):
///     for uid, g in hist.groupby('unique_id', sort=False):
///         tr = g.loc[g.ds <= cut, 'y'].to_numpy(); te = g.loc[g.ds > cut].head(28)
///         m, sd = tr.mean(), tr.std(ddof=1)
///         f = pd.DataFrame({'unique_id': uid, 'ds': te.ds, 'cutoff': cut, 'Naive': tr[-1], 'Mean': m})
///         for lv in (80, 95):
///             z = norm.ppf(0.5 + lv / 200); f[f'Mean-lo-{lv}'] = m - z * sd; f[f'Mean-hi-{lv}'] = m + z * sd
///         rows.append(f)
/// fc = pd.concat(rows); res = metrics.evaluate(hist, fc, 7)
/// for m in res: print(m, res[m], metrics.m5_wrmsse(hist, fc, m)['wrmsse12'])
/// ```
#[test]
fn backtest_matches_reference_scorer() {
    let panel = m5_panel();
    let levels = vec![Level::new(95.0).unwrap(), Level::new(80.0).unwrap()];
    let cfg = CvConfig::new(28, 2).with_levels(levels);
    let fits = Count::default();
    let cv = cross_validation(&panel, &[&Simple::Naive, &Simple::Mean], &cfg, &fits).unwrap();
    assert_eq!(cv.cutoffs(), vec![date("2016-03-27"), date("2016-04-24")]);
    assert_eq!(fits.0.load(Ordering::Relaxed), 2 * 2 * 20);
    assert!(cv.notes.is_empty());
    let (table, report) = score_backtest(&panel, &cv, &EvalOptions::new(7)).unwrap();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
    // Naive returned no intervals: no interval columns for it
    assert_eq!(
        names,
        [
            "Naive",
            "Mean",
            "Mean-lo-80",
            "Mean-hi-80",
            "Mean-lo-95",
            "Mean-hi-95"
        ]
    );
    assert_eq!(table.n_rows(), 20 * 2 * 28);
    // (model, [(metric, value)], wrmsse12)
    type Want = (&'static str, &'static [(&'static str, f64)], f64);
    let want: [Want; 2] = [
        (
            "Mean",
            &[
                ("mae", 1.5845695077847517),
                ("rmse", 2.1461413817034036),
                ("smape", 113.75982440092712),
                ("mase", 1.0985604148567263),
                ("rmsse", 0.9263837429713434),
                ("bias", -0.43149499291852816),
                ("wape", 0.600175126384485),
                ("wql", 0.21313395878702085),
                ("scrps", 0.40380558887671025),
                ("cov80", 0.8375),
            ],
            0.9655663422540807,
        ),
        (
            "Naive",
            &[
                ("mae", 2.229464285714286),
                ("rmse", 2.8445080413727077),
                ("smape", 83.91297426061644),
                ("mase", 1.2905464585394817),
                ("rmsse", 1.1361089213794915),
                ("bias", 0.08482142857142858),
                ("wape", 0.844436929320257),
            ],
            1.257365129759232,
        ),
    ];
    assert_eq!(report.metrics.primary_metric, "wrmsse12");
    for (rank, (model, metrics, w12)) in want.iter().enumerate() {
        let row = &report.metrics.models[rank];
        assert_eq!((row.rank, row.metrics.model.as_str()), (rank + 1, *model));
        for &(k, v) in *metrics {
            assert_close(&format!("{model} {k}"), row.get(k).unwrap(), v);
        }
        assert_close(&format!("{model} wrmsse12"), row.wrmsse12.unwrap(), *w12);
        assert!(row.fit_seconds.is_some());
    }
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["metrics"]["models"][0]["wrmsse12_levels"]["L12 item x store"].is_number());
    assert_eq!(json["pairs"].as_array().unwrap().len(), 2 * 40);
}

#[derive(Default)]
struct Count(AtomicU64);
impl Progress for Count {
    fn inc(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

/// a: full; b: starts after the first cutoff; c: ends before the last cutoff;
/// e: ends inside the last test window; s: one training row at the first cutoff
/// (cutoffs 01-05 and 01-08 below).
fn ragged() -> Panel {
    let v = |n: usize| (1..=n).map(|x| x as f64).collect::<Vec<f64>>();
    Panel::from_series(
        Freq::Daily,
        vec![
            ("a".into(), d(1, 1), v(10)),
            ("b".into(), d(1, 7), v(4)),
            ("c".into(), d(1, 1), v(7)),
            ("e".into(), d(1, 1), v(9)),
            ("s".into(), d(1, 5), v(6)),
        ],
    )
    .unwrap()
}

#[test]
fn cutoffs_and_skipped_series_are_explicit() {
    let p = ragged();
    // max date 01-10, h 2, step 3, 2 windows: cutoffs 01-05 and 01-08
    let cfg = CvConfig::new(2, 2).with_step_size(3).with_min_train_len(2);
    let pl = plan(&p, &cfg).unwrap();
    assert_eq!(pl.cutoffs, vec![d(1, 5), d(1, 8)]);
    assert_eq!(pl.eligible, vec![vec![0, 2, 3], vec![0, 1, 3, 4]]);
    let msgs: Vec<(NaiveDate, &str, &str)> = pl
        .notes
        .iter()
        .map(|n| (n.cutoff, n.id.as_str(), n.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 4, "{msgs:?}");
    assert!(msgs[0].1 == "b" && msgs[0].2.starts_with("starts after the cutoff"));
    assert!(msgs[1].1 == "s" && msgs[1].2.contains("fewer than the 2 required"));
    assert!(msgs[2].1 == "c" && msgs[2].2.starts_with("ends at or before"));
    assert!(msgs[3].1 == "e" && msgs[3].2.contains("1 of 2 actuals"));
    let cv = cross_validation(&p, &[&Simple::Naive], &cfg, &NoProgress).unwrap();
    let t = cv.to_table(TableOptions::default()).unwrap();
    assert_eq!(t.n_rows(), (3 + 4) * 2);
    // rows by series, then cutoff, then date; e's second actual is missing
    let e_rows: Vec<usize> = (0..t.n_rows()).filter(|&r| t.id(r) == "e").collect();
    assert_eq!(e_rows.len(), 4);
    let last = *e_rows.last().unwrap();
    assert_eq!((t.ds()[last], t.cutoffs()[last]), (d(1, 10), d(1, 8)));
    assert!(t.y()[last].is_nan());
    assert_eq!(t.y()[last - 1], 9.0);
    assert_eq!(t.column("Naive").unwrap()[last], 8.0);
    // b in window 2: trained on 01-07 and 01-08 (values 1, 2)
    let b = (0..t.n_rows()).find(|&r| t.id(r) == "b").unwrap();
    assert_eq!(
        (t.ds()[b], t.column("Naive").unwrap()[b], t.y()[b]),
        (d(1, 9), 2.0, 3.0)
    );
    assert!(plan(&p, &CvConfig::new(0, 1)).is_err());
}

#[test]
fn refit_never_forecasts_from_the_first_origin() {
    let p = ragged();
    let cfg = CvConfig::new(2, 2)
        .with_step_size(3)
        .with_refit(Refit::Never);
    let fits = Count::default();
    let cv = cross_validation(&p, &[&Simple::Naive], &cfg, &fits).unwrap();
    assert_eq!(fits.0.load(Ordering::Relaxed), 4); // window 0 only: a, c, e, s
    assert!(!cv.windows[1].models[0].refit);
    let t = cv.to_table(TableOptions::default()).unwrap();
    // window 2 of "a" is predicted from the 01-05 fit: last value 5, steps 4 and 5
    let a: Vec<usize> = (0..t.n_rows())
        .filter(|&r| t.id(r) == "a" && t.cutoffs()[r] == d(1, 8))
        .collect();
    assert_eq!(a.len(), 2);
    assert_eq!(t.column("Naive").unwrap()[a[0]], 5.0);
    assert_eq!(t.ds()[a[0]], d(1, 9));
    // b was not in the first fit: NaN forecast, with a note
    let b = (0..t.n_rows()).find(|&r| t.id(r) == "b").unwrap();
    assert!(t.column("Naive").unwrap()[b].is_nan());
    assert!(cv
        .notes
        .iter()
        .any(|n| n.id == "b" && n.message.contains("last fit")));
    let every = CvConfig::new(2, 2)
        .with_step_size(3)
        .with_refit(Refit::Every(1));
    let cv2 = cross_validation(&p, &[&Simple::Naive], &every, &NoProgress).unwrap();
    assert!(cv2.windows[1].models[0].refit);
}

#[test]
fn a_failing_model_is_recorded_and_the_others_go_on() {
    let p = ragged();
    let cfg = CvConfig::new(2, 1);
    let cv = cross_validation(&p, &[&Simple::Broken, &Simple::Naive], &cfg, &NoProgress).unwrap();
    assert!(cv.windows[0].models[0]
        .error
        .as_deref()
        .unwrap()
        .contains("broken"));
    let t = cv.to_table(TableOptions::default()).unwrap();
    assert!(t.column("Broken").unwrap().iter().all(|v| v.is_nan()));
    assert!(t.column("Naive").unwrap().iter().all(|v| !v.is_nan()));
    assert_eq!(cv.timings()[0].n_failed_windows, 1);
    assert!(cv
        .all_notes()
        .iter()
        .any(|n| n.model.as_deref() == Some("Broken")));
    assert!(cross_validation(&p, &[&Simple::Naive, &Simple::Naive], &cfg, &NoProgress).is_err());
}

#[test]
fn future_covariates_cover_the_test_window() {
    let p = ragged()
        .with_covariate("price", (0..36).map(f64::from).collect())
        .unwrap();
    // series e (index 3) has rows 21..30; after 01-08 comes its row 8 (29), then its end
    let f = future_covariates(&p, &[0, 3], d(1, 8), 2).unwrap();
    assert_eq!(f.ids, ["a", "e"]);
    assert_eq!(f.starts, vec![d(1, 9); 2]);
    let (_, a) = f.values_of("price", "a").unwrap();
    assert_eq!(a, &[8.0, 9.0]);
    let (_, e) = f.values_of("price", "e").unwrap();
    assert_eq!(e[0], 29.0);
    assert!(e[1].is_nan());
    assert!(future_covariates(&ragged(), &[0], d(1, 8), 2).is_none());
}

#[test]
fn point_as_median_adds_the_median_column() {
    let p = ragged();
    let cfg = CvConfig::new(2, 1).with_levels(vec![Level::new(80.0).unwrap()]);
    let cv = cross_validation(&p, &[&Simple::Naive, &Simple::Mean], &cfg, &NoProgress).unwrap();
    let t = cv
        .to_table(TableOptions {
            point_as_median: true,
        })
        .unwrap();
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Naive", "Mean", "Mean-median", "Mean-lo-80", "Mean-hi-80"]
    );
    let mut csv = Vec::new();
    t.write_csv(&mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("unique_id,ds,cutoff,y,Naive,Mean,Mean-median,Mean-lo-80,Mean-hi-80\na,2024-01-09,2024-01-08,9,8,4.5,4.5,"));
}

/// Counts the fitted models alive at once: a wrapper around `Simple::Naive`
/// whose fitted value decrements the count when dropped.
struct Tracked {
    live: std::sync::Arc<std::sync::atomic::AtomicI64>,
    peak: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

struct TrackedFit(
    Box<dyn demandcast_core::FittedForecaster>,
    std::sync::Arc<std::sync::atomic::AtomicI64>,
);

impl Drop for TrackedFit {
    fn drop(&mut self) {
        self.1.fetch_sub(1, Ordering::SeqCst);
    }
}

impl demandcast_core::FittedForecaster for TrackedFit {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&demandcast_core::FutureCovariates>,
    ) -> demandcast_core::Result<demandcast_core::PanelForecast> {
        self.0.predict(h, levels, future)
    }
}

impl demandcast_core::Forecaster for Tracked {
    fn name(&self) -> &str {
        "Naive"
    }
    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn demandcast_core::FittedForecaster>> {
        let inner = Simple::Naive.fit_with_progress(train, progress)?;
        let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Ok(Box::new(TrackedFit(inner, self.live.clone())))
    }
}

/// With refitting every window, a window's fit is dropped once it has
/// predicted (it held ~1 GB over 16 models on M5 when kept to the end);
/// with `Refit::Never` the first fit is kept for the later windows.
#[test]
fn fits_are_dropped_once_no_window_needs_them() {
    use std::sync::{atomic::AtomicI64, Arc};
    let p = ragged();
    for refit in [Refit::Always, Refit::Never] {
        let m = Tracked {
            live: Arc::new(AtomicI64::new(0)),
            peak: Arc::new(AtomicI64::new(0)),
        };
        let cfg = CvConfig::new(2, 3).with_step_size(1).with_refit(refit);
        let cv = cross_validation(&p, &[&m], &cfg, &NoProgress).unwrap();
        assert_eq!(cv.windows.len(), 3);
        assert!(cv.windows.iter().all(|w| w.models[0].forecast.is_some()));
        // never more than one fit alive, and none left at the end
        assert_eq!(m.peak.load(Ordering::SeqCst), 1, "{refit:?}");
        assert_eq!(m.live.load(Ordering::SeqCst), 0, "{refit:?}");
    }
}
