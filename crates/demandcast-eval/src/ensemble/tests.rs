use super::*;
use demandcast_core::Freq;

type TestResult = std::result::Result<(), &'static str>;

#[test]
fn greedy_bag_finds_the_minimum_of_a_convex_score() -> TestResult {
    // score minimised at w = (0.3, 0.7): reachable with 20 picks (6 / 20)
    let score = |w: &[f64]| (w[0] - 0.3).powi(2) + 0.01;
    let (w, s) = select_weights(&[true, true], 20, score).ok_or("no weights")?;
    assert!((w[0] - 0.3).abs() < 1e-12, "{w:?}");
    assert!((w[1] - 0.7).abs() < 1e-12, "{w:?}");
    assert!((s - 0.01).abs() < 1e-12);
    Ok(())
}

#[test]
fn greedy_bag_keeps_the_best_single_member_when_blending_does_not_help() -> TestResult {
    // a linear score: the best member alone is optimal
    let score = |w: &[f64]| 2.0 * w[0] + 1.0 * w[1] + 3.0 * w[2];
    let (w, s) = select_weights(&[true, true, true], 20, score).ok_or("no weights")?;
    assert_eq!(w, vec![0.0, 1.0, 0.0]);
    assert_eq!(s, 1.0);
    Ok(())
}

#[test]
fn greedy_bag_never_picks_a_failed_member() -> TestResult {
    let score = |w: &[f64]| (w[0] - 1.0).powi(2) + w[1];
    let (w, _) = select_weights(&[false, true], 5, score).ok_or("no weights")?;
    assert_eq!(w, vec![0.0, 1.0]);
    assert!(select_weights(&[false, false], 5, score).is_none());
    Ok(())
}

fn pf(model: &str, ids: &[&str], means: &[Vec<f64>], lo: &[f64], hi: &[f64]) -> PanelForecast {
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let level = Level::new(80.0).unwrap_or_else(|_| unreachable!());
    PanelForecast {
        model: model.into(),
        freq: Freq::Daily,
        ids: ids.iter().map(|s| s.to_string()).collect(),
        starts: vec![d0; ids.len()],
        levels: vec![level],
        series: means
            .iter()
            .enumerate()
            .map(|(i, m)| Forecast {
                mean: m.clone(),
                intervals: vec![Interval {
                    level,
                    lower: vec![lo[i]; m.len()],
                    upper: vec![hi[i]; m.len()],
                }],
            })
            .collect(),
        notes: Vec::new(),
    }
}

#[test]
fn combine_weights_points_and_bounds_by_id() {
    let a = pf(
        "A",
        &["x", "y"],
        &[vec![10.0, 20.0], vec![1.0, 1.0]],
        &[5.0, 0.0],
        &[15.0, 2.0],
    );
    // B lists the series in the other order and lacks nothing
    let b = pf(
        "B",
        &["y", "x"],
        &[vec![3.0, 3.0], vec![0.0, 40.0]],
        &[1.0, 0.0],
        &[5.0, 50.0],
    );
    let c = combine(&[a, b], &[0.75, 0.25], "Ensemble");
    assert_eq!(c.model, "Ensemble");
    assert_eq!(c.ids, vec!["x", "y"]);
    assert_eq!(c.series[0].mean, vec![7.5, 25.0]);
    assert_eq!(c.series[1].mean, vec![1.5, 1.5]);
    assert_eq!(c.series[0].intervals[0].lower, vec![3.75, 3.75]);
    assert_eq!(c.series[0].intervals[0].upper, vec![23.75, 23.75]);
    assert_eq!(c.series[1].intervals[0].upper, vec![2.75, 2.75]);
}

#[test]
fn combine_falls_back_to_the_members_that_have_a_series() {
    let a = pf("A", &["x"], &[vec![10.0]], &[5.0], &[15.0]);
    let b = pf(
        "B",
        &["x", "new"],
        &[vec![20.0], vec![4.0]],
        &[10.0, 2.0],
        &[30.0, 6.0],
    );
    let c = combine(&[a, b], &[0.5, 0.5], "Ensemble");
    assert_eq!(c.ids, vec!["x", "new"]);
    assert_eq!(c.series[0].mean, vec![15.0]);
    // only B has `new`: its forecast, re-weighted to one
    assert_eq!(c.series[1].mean, vec![4.0]);
    assert_eq!(c.series[1].intervals[0].lower, vec![2.0]);
}
