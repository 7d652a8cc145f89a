//! Feature rows on small hand-checked panels: training rows read only
//! values before the target, forecast rows read pushed forecasts (never
//! actuals) and future covariates, and names line up with values.

use demandcast_core::{Column, Freq, FutureCovariates, NaiveDate, Panel};
use demandcast_features::{Calendar, FeatureEngine, FeatureSpec, Rolling, Stat, TrainOptions};

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn small_spec() -> FeatureSpec {
    FeatureSpec {
        lags: vec![1, 2],
        rolling: vec![Rolling {
            lag: 1,
            window: 3,
            stat: Stat::Mean,
        }],
        seasonal_rolling: vec![],
        expanding_mean: true,
        calendar: vec![Calendar::DayOfWeek],
        exclude_covariates: vec![],
        covariates: true,
        statics: true,
        price_features: true,
        product_age: true,
    }
}

/// Two daily series from Monday 2024-01-01 with a price and a store.
fn panel() -> Panel {
    Panel::from_series(
        Freq::Daily,
        vec![
            (
                "a".into(),
                d(2024, 1, 1),
                vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            ),
            (
                "b".into(),
                d(2024, 1, 1),
                vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            ),
        ],
    )
    .unwrap()
    .with_covariate(
        "sell_price",
        vec![2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
    )
    .unwrap()
    .with_static("store_id", vec!["S1".into(), "S2".into()])
    .unwrap()
}

fn col(names: &[String], n: &str) -> usize {
    names
        .iter()
        .position(|x| x == n)
        .unwrap_or_else(|| panic!("no feature {n} in {names:?}"))
}

#[test]
fn training_rows_are_hand_checked() {
    let p = panel();
    let f = FeatureEngine { spec: small_spec() }.fit(&p);
    assert_eq!(
        f.names,
        [
            "lag1",
            "lag2",
            "rolling_mean_lag1_window_3",
            "expanding_mean_lag1",
            "dayofweek",
            "sell_price",
            "price_rel_usual",
            "price_change_lag7",
            "price_rel_store_id",
            "store_id",
            "age"
        ]
    );
    let set = f.training_set(&p, &[0], &TrainOptions::default()).unwrap();
    // series a: first sale at index 1, so rows are t = 2..5
    assert_eq!(set.train.y, vec![4.0, 6.0, 8.0, 10.0]);
    let n = &f.names;
    let r = set.train.row(2); // t = 4 (Friday), y = 8
    assert_eq!(r[col(n, "lag1")], 6.0);
    assert_eq!(r[col(n, "lag2")], 4.0);
    assert_eq!(r[col(n, "rolling_mean_lag1_window_3")], 4.0); // (2 + 4 + 6) / 3
    assert_eq!(r[col(n, "expanding_mean_lag1")], 3.0); // (0 + 2 + 4 + 6) / 4
    assert_eq!(r[col(n, "dayofweek")], 4.0);
    assert_eq!(r[col(n, "sell_price")], 1.0);
    // usual price of a = mean(2, 2, 2, 2, 1, 1) = 10 / 6
    assert!((r[col(n, "price_rel_usual")] - 0.6).abs() < 1e-6);
    assert!(
        r[col(n, "price_change_lag7")].is_nan(),
        "no price a week before"
    );
    assert_eq!(r[col(n, "age")], 3.0);
    // store codes rank by mean sales: a (S1) sells more than b (S2)
    assert_eq!(r[col(n, "store_id")], 1.0);
    let rb = f.training_set(&p, &[1], &TrainOptions::default()).unwrap();
    assert_eq!(rb.train.row(0)[col(n, "store_id")], 0.0);
    // the rolling mean needs 3 earlier values: NaN for t = 2
    assert!(set.train.row(0)[col(n, "rolling_mean_lag1_window_3")].is_nan());
}

#[test]
fn holdout_and_max_history_split_rows() {
    let p = panel();
    let f = FeatureEngine { spec: small_spec() }.fit(&p);
    let o = TrainOptions {
        holdout: 2,
        max_history: Some(3),
        ..TrainOptions::default()
    };
    let set = f.training_set(&p, &[0, 1], &o).unwrap();
    // a: rows 3..6 -> train t=3, valid t=4,5; b: rows 3..6 -> train t=3, valid 4,5
    assert_eq!(set.train.y, vec![6.0, 1.0]);
    assert_eq!(set.valid.unwrap().y, vec![8.0, 10.0, 1.0, 1.0]);
}

#[test]
fn forecast_rows_read_forecasts_and_future_covariates() {
    let p = panel();
    let f = FeatureEngine { spec: small_spec() }.fit(&p);
    let fut = FutureCovariates {
        lookup: Default::default(),
        ids: vec!["b".into(), "a".into()],
        starts: vec![d(2024, 1, 7), d(2024, 1, 7)],
        indptr: vec![0, 2, 4],
        columns: vec![Column {
            name: "sell_price".into(),
            values: vec![5.0, 5.0, 0.5, 0.5],
        }],
    };
    let mut frame = f.forecast_frame(&p, &[0, 1], Some(&fut), 2).unwrap();
    let n = &f.names;
    let x0 = frame.rows(0, 1);
    assert_eq!(x0.row(0)[col(n, "lag1")], 10.0);
    assert_eq!(x0.row(0)[col(n, "sell_price")], 0.5, "future price of a");
    // a week before 2024-01-07 is 2023-12-31, before the data
    assert!(x0.row(0)[col(n, "price_change_lag7")].is_nan());
    frame.push(&[100.0, 7.0]);
    let x1 = frame.rows(1, 1);
    assert_eq!(
        x1.row(0)[col(n, "lag1")],
        100.0,
        "recursive lag reads the forecast"
    );
    assert_eq!(x1.row(0)[col(n, "lag2")], 10.0);
    assert_eq!(x1.row(1)[col(n, "lag1")], 7.0);
    assert_eq!(
        x1.row(0)[col(n, "dayofweek")],
        0.0,
        "2024-01-08 is a Monday"
    );
    // direct view of step 2 (offset 2) reads only observed values
    let xd = frame.rows(1, 2);
    assert_eq!(xd.row(0)[col(n, "lag1")], 10.0);
}

#[test]
fn fed_forecasts_closer_to_zero_than_to_a_sale_read_as_zero() {
    // counts: the smallest sale is 1, so fed values below 0.5 read as 0
    let p = panel();
    let spec = FeatureSpec {
        covariates: false,
        price_features: false,
        ..small_spec()
    };
    let f = FeatureEngine { spec: spec.clone() }.fit(&p);
    assert_eq!(f.fed_zero_below, 0.5);
    let mut frame = f.forecast_frame(&p, &[0, 1], None, 3).unwrap();
    let n = &f.names;
    frame.push(&[0.3, 0.6]);
    frame.push(&[0.49, 2.2]);
    let x = frame.rows(2, 1);
    assert_eq!(x.row(0)[col(n, "lag1")], 0.0, "0.49 is nearer no sale");
    assert_eq!(x.row(0)[col(n, "lag2")], 0.0, "0.3 likewise");
    assert_eq!(x.row(1)[col(n, "lag1")] as f64, 2.2f32 as f64);
    assert_eq!(x.row(1)[col(n, "lag2")] as f64, 0.6f32 as f64);
    // the rolling mean still reads the forecasts themselves
    let m = (10.0 + 0.3 + 0.49) / 3.0;
    assert!((x.row(0)[col(n, "rolling_mean_lag1_window_3")] as f64 - m).abs() < 1e-5);
    // an observed 0 < y < 0.5 is never snapped, and a panel of fractional
    // quantities snaps at half its smallest one
    let frac = Panel::from_series(
        Freq::Daily,
        vec![("a".into(), d(2024, 1, 1), vec![0.0, 0.2, 0.4, 0.0, 0.2])],
    )
    .unwrap();
    let f = FeatureEngine { spec }.fit(&frac);
    assert!((f.fed_zero_below - 0.1).abs() < 1e-12);
    let mut frame = f.forecast_frame(&frac, &[0], None, 2).unwrap();
    assert_eq!(
        frame.rows(0, 1).row(0)[col(&f.names, "lag1")] as f64,
        0.2f32 as f64
    );
    frame.push(&[0.05]);
    assert_eq!(frame.rows(1, 1).row(0)[col(&f.names, "lag1")], 0.0);
}

#[test]
fn missing_future_covariates_name_the_column_and_series() {
    let p = panel();
    let f = FeatureEngine { spec: small_spec() }.fit(&p);
    let e = f
        .forecast_frame(&p, &[0, 1], None, 3)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sell_price") && e.contains("--future"), "{e}");
    let short = FutureCovariates {
        lookup: Default::default(),
        ids: vec!["a".into(), "b".into()],
        starts: vec![d(2024, 1, 7), d(2024, 1, 7)],
        indptr: vec![0, 1, 2],
        columns: vec![Column {
            name: "sell_price".into(),
            values: vec![1.0, 1.0],
        }],
    };
    let e = f
        .forecast_frame(&p, &[0, 1], Some(&short), 3)
        .unwrap_err()
        .to_string();
    assert!(e.contains("'a'") && e.contains("3 are needed"), "{e}");
}
