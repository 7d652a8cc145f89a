//! The backtest-weighted ensemble on series where neither member alone is right.

mod common;

use common::Simple;
use demandcast_core::{Forecaster, Freq, NaiveDate, NoProgress, Panel};
use demandcast_eval::{Ensemble, EnsembleConfig};

/// Level shifts: 0 for 60 days, then `level`; the last 7 days (the backtest window) sit halfway
/// between the last value (Naive's forecast) and the history's mean (Mean's),
/// so a blend of the two beats either in the backtest window.
fn panel() -> Panel {
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let series = (0..6)
        .map(|k| {
            let level = 10.0 + 5.0 * k as f64;
            let mut y: Vec<f64> = (0..120).map(|t| if t < 60 { 0.0 } else { level }).collect();
            let mean: f64 = y[..113].iter().sum::<f64>() / 113.0;
            for v in &mut y[113..] {
                *v = 0.5 * (level + mean);
            }
            (format!("s{k}"), d0, y)
        })
        .collect();
    Panel::from_series(Freq::Daily, series).unwrap()
}

#[test]
fn weights_blend_the_members_and_beat_each_on_the_backtest() {
    let train = panel();
    // one window: the panel is built so that its last 7 days favour a blend
    let mut cfg = EnsembleConfig::new(7);
    cfg.n_windows = 1;
    let ens = Ensemble::new(vec![Box::new(Simple::Naive), Box::new(Simple::Mean)], cfg).unwrap();
    let fitted = ens.fit_ensemble(&train, &NoProgress).unwrap();
    let r = fitted.report();
    assert_eq!(r.members, vec!["Naive", "Mean"]);
    assert!(r.weights[0] > 0.2 && r.weights[0] < 0.8, "{r:?}");
    assert!((r.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(
        r.score < r.member_scores[0] && r.score < r.member_scores[1],
        "{r:?}"
    );
    assert_eq!(r.cutoffs.len(), 1);

    // the forecast is the weighted mean of the members' forecasts
    let all = fitted.predict_members(7, &[], None).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].model, "Ensemble");
    for i in 0..train.n_series() {
        for t in 0..7 {
            let want =
                r.weights[0] * all[0].series[i].mean[t] + r.weights[1] * all[1].series[i].mean[t];
            let got = all[2].series[i].mean[t];
            assert!(
                (got - want).abs() < 1e-9,
                "series {i} step {t}: {got} vs {want}"
            );
        }
    }
    let via_trait = ens.forecast(&train, 7, &[], None).unwrap();
    assert_eq!(via_trait.series, all[2].series);
    assert_eq!(ens.last_report().unwrap().weights, r.weights);
}

#[test]
fn a_failing_member_gets_no_weight_and_a_note() {
    let mut cfg = EnsembleConfig::new(7);
    cfg.n_windows = 1;
    let ens = Ensemble::new(
        vec![
            Box::new(Simple::Broken),
            Box::new(Simple::Naive),
            Box::new(Simple::Mean),
        ],
        cfg,
    )
    .unwrap();
    let fitted = ens.fit_ensemble(&panel(), &NoProgress).unwrap();
    let r = fitted.report();
    assert_eq!(r.weights[0], 0.0);
    assert!(r.member_scores[0].is_nan());
    assert!(r.notes.iter().any(|n| n.contains("Broken")), "{r:?}");
    assert!(r.weights[1] > 0.0 && r.weights[2] > 0.0);
}

#[test]
fn default_windows_shrink_to_the_history_and_say_so() {
    // 120 days and a 50-day horizon: room for two windows, not three
    let members =
        || -> Vec<Box<dyn Forecaster>> { vec![Box::new(Simple::Naive), Box::new(Simple::Mean)] };
    let ens = Ensemble::new(members(), EnsembleConfig::new(50)).unwrap();
    let fitted = ens.fit_ensemble(&panel(), &NoProgress).unwrap();
    let r = fitted.report();
    assert_eq!(r.cutoffs.len(), 2, "{r:?}");
    assert!(
        r.notes.iter().any(|n| n.contains("2 of the 3")),
        "{:?}",
        r.notes
    );
    // the earliest window had nothing to score: it is not listed
    assert!(r.cutoffs[0] >= NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
}

#[test]
fn rejects_fewer_than_two_or_repeated_members() {
    assert!(Ensemble::new(vec![Box::new(Simple::Naive)], EnsembleConfig::new(7)).is_err());
    assert!(Ensemble::new(
        vec![Box::new(Simple::Naive), Box::new(Simple::Naive)],
        EnsembleConfig::new(7)
    )
    .is_err());
    let mut cfg = EnsembleConfig::new(7);
    cfg.n_windows = 0;
    assert!(Ensemble::new(vec![Box::new(Simple::Naive), Box::new(Simple::Mean)], cfg).is_err());
}

#[test]
fn equal_weights_skip_the_backtest_and_average_the_members() {
    let train = panel();
    let mut cfg = EnsembleConfig::new(7);
    cfg.equal = true;
    let ens = Ensemble::new(vec![Box::new(Simple::Naive), Box::new(Simple::Mean)], cfg).unwrap();
    let fitted = ens.fit_ensemble(&train, &NoProgress).unwrap();
    let r = fitted.report();
    assert_eq!(r.weights, vec![0.5, 0.5]);
    assert!(
        r.cutoffs.is_empty() && r.score.is_nan(),
        "no backtest: {r:?}"
    );
    let all = fitted.predict_members(7, &[], None).unwrap();
    assert_eq!(all[2].model, "Ensemble");
    for i in 0..train.n_series() {
        for t in 0..7 {
            let want = 0.5 * (all[0].series[i].mean[t] + all[1].series[i].mean[t]);
            assert!(
                (all[2].series[i].mean[t] - want).abs() < 1e-9,
                "series {i} step {t}"
            );
        }
    }
    // the members differ, so the mean is neither of them
    assert_ne!(all[0].series[0].mean, all[2].series[0].mean);
}
