//! Automatic model choice on a panel where the right model differs by demand class.

mod common;

use common::Simple;
use demandcast_core::{Forecaster, Freq, Level, NaiveDate, NoProgress, Panel};
use demandcast_eval::{
    cross_validation, AutoConfig, AutoSelect, CvConfig, DemandClass, SelectionMetric,
    SelectionScope, TableOptions,
};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// rw0..rw5: random walks around 100 (smooth; Naive wins),
/// int0..int5: 5 units with probability 0.3 (intermittent; Mean wins).
fn panel() -> Panel {
    let mut rng = Rng(42);
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut series = Vec::new();
    for k in 0..6 {
        let mut x = 100.0;
        let y = (0..120)
            .map(|_| {
                x += 10.0 * (rng.next() - 0.5);
                x
            })
            .collect();
        series.push((format!("rw{k}"), d0, y));
    }
    for k in 0..6 {
        let y = (0..120)
            .map(|_| if rng.next() < 0.3 { 5.0 } else { 0.0 })
            .collect();
        series.push((format!("int{k}"), d0, y));
    }
    Panel::from_series(Freq::Daily, series).unwrap()
}

fn auto(scope: SelectionScope) -> AutoSelect {
    let mut cfg = AutoConfig::new(7);
    cfg.n_windows = 3;
    cfg.min_pairs = 5;
    cfg.scope = scope;
    cfg.hierarchical = false;
    AutoSelect::new(
        vec![
            Box::new(Simple::Broken),
            Box::new(Simple::Naive),
            Box::new(Simple::Mean),
        ],
        cfg,
    )
    .unwrap()
}

#[test]
fn picks_per_class_and_forecasts_with_the_choice() {
    let p = panel();
    let a = auto(SelectionScope::PerClass);
    let fitted = a.fit_auto(&p, &NoProgress).unwrap();
    let r = fitted.report();
    assert_eq!(r.metric, SelectionMetric::Rmsse);
    assert_eq!(r.cutoffs.len(), 3);
    assert_eq!(r.n_common_pairs, 12 * 3);
    assert!(r.candidates[0]
        .failed
        .as_deref()
        .unwrap()
        .contains("broken"));
    assert!(r.candidates[0].score.is_nan());
    let class = |c: DemandClass| r.classes.iter().find(|x| x.class == c).unwrap();
    let smooth = class(DemandClass::Smooth);
    assert_eq!(
        (smooth.n_series, smooth.n_pairs, smooth.chosen.as_str()),
        (6, 18, "Naive")
    );
    assert!(smooth.scores["Naive"] < smooth.scores["Mean"]);
    assert!(
        smooth.reason.contains("lowest mean rmsse over 18"),
        "{}",
        smooth.reason
    );
    let int = class(DemandClass::Intermittent);
    assert_eq!(int.chosen, "Mean");
    assert_eq!(r.assignment.get("Naive"), Some(&6));
    assert_eq!(r.assignment.get("Mean"), Some(&6));
    assert!(r.series.iter().all(|s| s.chosen
        == if s.id.starts_with("rw") {
            "Naive"
        } else {
            "Mean"
        }));

    let l80 = Level::new(80.0).unwrap();
    let fc = demandcast_core::FittedForecaster::predict(&fitted, 3, &[l80], None).unwrap();
    assert_eq!(fc.model, "auto");
    assert_eq!(fc.ids, p.ids());
    for (i, f) in fc.series.iter().enumerate() {
        let y = p.series(i);
        if p.id(i).starts_with("rw") {
            assert_eq!(f.mean, vec![*y.last().unwrap(); 3]);
            assert!(f.intervals.is_empty()); // Naive has none
        } else {
            let m = y.iter().sum::<f64>() / y.len() as f64;
            assert!((f.mean[0] - m).abs() < 1e-12);
            assert!(f.interval(l80).is_some()); // Mean's own intervals
        }
    }
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(
        serde_json::to_value(a.last_report().unwrap()).unwrap(),
        json
    );
    assert_eq!(json["classes"][0]["class"], "smooth");
}

#[test]
fn per_series_scope_reports_scores_per_series() {
    let p = panel();
    let a = auto(SelectionScope::PerSeries);
    let f = a.fit_auto(&p, &NoProgress).unwrap();
    let r = f.report();
    assert!(r
        .series
        .iter()
        .all(|s| s.scores.as_ref().is_some_and(|m| m.len() == 2)));
    let rw = r
        .series
        .iter()
        .filter(|s| s.id.starts_with("rw") && s.chosen == "Naive")
        .count();
    assert!(rw >= 5, "{rw} of 6 random walks chose Naive");
}

#[test]
fn auto_runs_inside_a_backtest() {
    let p = panel();
    let a = auto(SelectionScope::PerClass);
    assert_eq!(a.name(), "auto");
    let cv =
        cross_validation(&p, &[&a, &Simple::Naive], &CvConfig::new(7, 1), &NoProgress).unwrap();
    let t = cv.to_table(TableOptions::default()).unwrap();
    assert!(t.column("auto").unwrap().iter().all(|v| v.is_finite()));
    assert!(a.last_report().is_some());
    assert!(AutoSelect::new(
        vec![Box::new(Simple::Naive), Box::new(Simple::Naive)],
        AutoConfig::new(7)
    )
    .is_err());
    assert!(AutoSelect::new(vec![], AutoConfig::new(7)).is_err());
}

/// 40 intermittent series with a weekly pattern: a sale (1 unit) with
/// probability 0.6 on days 5 and 6 of the week, 0.1 otherwise. Per series the
/// mean beats last week's values (which copy last week's noise), but summed
/// over the panel the weekly pattern dominates and last week's values win.
fn weekly_panel() -> Panel {
    let mut rng = Rng(7);
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let series = (0..40)
        .map(|k| {
            let y = (0..140)
                .map(|t| {
                    let p = if t % 7 >= 5 { 0.6 } else { 0.1 };
                    if rng.next() < p {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            (format!("s{k}"), d0, y)
        })
        .collect();
    Panel::from_series(Freq::Daily, series).unwrap()
}

#[test]
fn hierarchical_choice_serves_the_total() {
    let p = weekly_panel();
    let mk = |hierarchical: bool| {
        let mut cfg = AutoConfig::new(7);
        cfg.n_windows = 4;
        cfg.min_pairs = 5;
        cfg.hierarchical = hierarchical;
        AutoSelect::new(vec![Box::new(Simple::Mean), Box::new(Simple::Weekly)], cfg).unwrap()
    };
    // per class by RMSSE: the mean, series by series
    let flat = mk(false).fit_auto(&p, &NoProgress).unwrap();
    assert_eq!(
        flat.report().assignment.keys().collect::<Vec<_>>(),
        ["Mean"]
    );
    assert!(flat.report().hierarchical.is_none());
    // hierarchical: the weekly pattern of the total makes Weekly part of the choice
    let fitted = mk(true).fit_auto(&p, &NoProgress).unwrap();
    let r = fitted.report();
    let hs = r.hierarchical.as_ref().unwrap();
    assert_eq!(hs.options.len(), 3, "{:?}", hs.options); // Mean, Weekly, Mean+Weekly
    let chosen: Vec<&String> = r.assignment.keys().collect();
    assert_eq!(chosen.len(), 1);
    assert!(chosen[0].contains("Weekly"), "{chosen:?}");
    assert!(
        hs.options["Weekly"] < hs.options["Mean"],
        "{:?}",
        hs.options
    );
    // the chosen assignment is never worse than any single option
    assert!(hs.options.values().all(|s| hs.chosen_score <= s + 1e-12));
    // a blend forecasts the mean of its members
    let fc = demandcast_core::FittedForecaster::predict(&fitted, 7, &[], None).unwrap();
    let y = p.series(0);
    let m = y.iter().sum::<f64>() / y.len() as f64;
    let expect: Vec<f64> = (0..7)
        .map(|t| {
            let w = y[y.len() - 7 + t];
            if chosen[0] == "Mean+Weekly" {
                0.5 * (m + w)
            } else {
                w
            }
        })
        .collect();
    for (a, b) in fc.series[0].mean.iter().zip(&expect) {
        assert!(
            (a - b).abs() < 1e-12,
            "{:?} vs {expect:?}",
            fc.series[0].mean
        );
    }
}
