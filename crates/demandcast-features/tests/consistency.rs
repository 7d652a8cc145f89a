//! Recursive forecast rows equal training rows when the forecasts pushed are
//! the actuals: the features a recursive model reads at forecast time are
//! computed exactly as those it was trained on (no off-by-one in lags,
//! rolling windows, seasonal windows, expanding means, calendar or age).

use demandcast_core::{Column, Freq, FutureCovariates, NaiveDate, Panel};
use demandcast_features::{FeatureEngine, FeatureSpec, Rolling, Stat, TrainOptions};

const N: usize = 160;
const CUT: usize = 130;

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// Three daily series (one starting late, one intermittent) with a price and a promo flag.
fn full_panel() -> (Panel, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut seed = 7u64;
    let mut series = Vec::new();
    let (mut prices, mut promos) = (Vec::new(), Vec::new());
    for s in 0..3 {
        let mut y = Vec::with_capacity(N);
        let (mut p, mut q) = (Vec::new(), Vec::new());
        for t in 0..N {
            let u = lcg(&mut seed);
            let on = s != 1 || t >= 20;
            let v = match s {
                0 => (3.0 + 2.0 * ((t % 7) as f64 / 6.0) + 4.0 * u).floor(),
                1 => (2.0 * u).floor(),
                _ => {
                    if u < 0.3 {
                        (5.0 * lcg(&mut seed)).floor()
                    } else {
                        0.0
                    }
                }
            };
            y.push(if on { v } else { 0.0 });
            p.push(if t % 17 < 4 { 1.5 } else { 2.0 + s as f64 });
            q.push(if t % 11 == 0 { 1.0 } else { 0.0 });
        }
        series.push((format!("s{s}"), start, y));
        prices.push(p);
        promos.push(q);
    }
    let panel = Panel::from_series(Freq::Daily, series)
        .unwrap()
        .with_covariate("sell_price", prices.concat())
        .unwrap()
        .with_covariate("promo", promos.concat())
        .unwrap()
        .with_static("store_id", vec!["A".into(), "B".into(), "A".into()])
        .unwrap();
    (panel, prices, promos)
}

fn spec() -> FeatureSpec {
    let mut s = FeatureSpec::for_freq(Freq::Daily);
    for (lag, window) in [(1, 28), (1, 56), (7, 28)] {
        s.rolling.push(Rolling {
            lag,
            window,
            stat: Stat::Mean,
        });
    }
    s.rolling.push(Rolling {
        lag: 1,
        window: 28,
        stat: Stat::Std,
    });
    s
}

#[test]
fn recursive_rows_fed_the_actuals_equal_training_rows() {
    let (full, prices, promos) = full_panel();
    let ys: Vec<Vec<f64>> = (0..3).map(|i| full.series(i).to_vec()).collect();
    let cut = Panel::from_series(
        Freq::Daily,
        (0..3)
            .map(|i| {
                (
                    full.ids()[i].clone(),
                    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                    ys[i][..CUT].to_vec(),
                )
            })
            .collect(),
    )
    .unwrap()
    .with_covariate(
        "sell_price",
        prices.iter().flat_map(|p| p[..CUT].to_vec()).collect(),
    )
    .unwrap()
    .with_covariate(
        "promo",
        promos.iter().flat_map(|p| p[..CUT].to_vec()).collect(),
    )
    .unwrap()
    .with_static("store_id", vec!["A".into(), "B".into(), "A".into()])
    .unwrap();
    let h = N - CUT;
    let f = FeatureEngine { spec: spec() }.fit(&cut);
    let future = FutureCovariates {
        lookup: Default::default(),
        ids: full.ids().to_vec(),
        starts: vec![
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(CUT as u64);
            3
        ],
        indptr: vec![0, h, 2 * h, 3 * h],
        columns: vec![
            Column {
                name: "sell_price".into(),
                values: prices.iter().flat_map(|p| p[CUT..].to_vec()).collect(),
            },
            Column {
                name: "promo".into(),
                values: promos.iter().flat_map(|p| p[CUT..].to_vec()).collect(),
            },
        ],
    };
    // training rows of the full panel, the last h of each series, from the cut's fitted features
    let o = TrainOptions {
        max_history: Some(h),
        trim_leading_zeros: false,
        ..TrainOptions::default()
    };
    let mut frame = f
        .forecast_frame(&cut, &[0, 1, 2], Some(&future), h)
        .unwrap();
    let mut bad = Vec::new();
    for step in 0..h {
        let x = frame.rows(step, 1);
        for i in 0..3 {
            let t = f.training_set(&full, &[i], &o).unwrap();
            let want = t.train.row(step);
            for (c, name) in f.names.iter().enumerate() {
                let (a, b) = (x.row(i)[c], want[c]);
                let same = (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-4 * b.abs().max(1.0);
                // price ratios divide by the series' usual price, the mean over
                // the panel given: here the longer one, so they are left out
                if !same && !name.starts_with("price") {
                    bad.push(format!(
                        "step {step} series {i} {name}: forecast row {a}, training row {b}"
                    ));
                }
            }
        }
        frame.push(&[ys[0][CUT + step], ys[1][CUT + step], ys[2][CUT + step]]);
    }
    assert!(
        bad.is_empty(),
        "{} mismatches, first: {:#?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}
