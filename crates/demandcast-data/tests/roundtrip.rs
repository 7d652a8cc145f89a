//! Writers and readers agree; Parquet columns of many types are read.
#![allow(clippy::unwrap_used)]

use arrow_array::builder::{
    Float32Builder, Int64Builder, LargeStringBuilder, StringDictionaryBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, TimestampMillisecondArray,
};
use chrono::NaiveDate;
use demandcast_data::*;
use std::path::Path;
use std::sync::Arc;

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn keep_all() -> LoadOptions {
    let mut o = LoadOptions::default();
    o.policy.leading_zeros = LeadingZeros::Keep;
    o.policy.negatives = NegativePolicy::Keep;
    o
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
}

fn assert_same_panel(a: &Panel, b: &Panel) {
    assert_eq!(a.freq(), b.freq());
    assert_eq!(a.ids(), b.ids());
    assert_eq!(a.starts(), b.starts());
    assert_eq!(a.indptr(), b.indptr());
    assert!(same(a.values(), b.values()));
    assert_eq!(a.covariates().len(), b.covariates().len());
    for (x, y) in a.covariates().iter().zip(b.covariates()) {
        assert_eq!(x.name, y.name);
        assert!(same(&x.values, &y.values), "covariate {}", x.name);
    }
    assert_eq!(a.statics(), b.statics());
}

fn sample_panel() -> Panel {
    Panel::from_series(
        Freq::Daily,
        vec![
            (
                "A,1 \"quoted\"".into(),
                d(2024, 1, 1),
                vec![0.0, 2.5, 3.0, -1.0],
            ),
            ("B".into(), d(2024, 1, 3), vec![1e-7, 123456789.0]),
        ],
    )
    .unwrap()
    .with_covariate("price", vec![1.5, f64::NAN, 1.5, 2.0, 0.1, f64::NAN])
    .unwrap()
    .with_covariate("event=Easter", vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    .unwrap()
    .with_static("store", vec!["S1".into(), "S,2".into()])
    .unwrap()
}

#[test]
fn panel_roundtrips_through_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = sample_panel();
    for name in ["p.parquet", "p.csv", "p.csv.gz", "p.tsv"] {
        let path = dir.path().join(name);
        write_panel(&path, &p).unwrap();
        let back = load_panel(&path, &keep_all()).unwrap();
        assert_same_panel(&p, &back.panel);
    }
    assert!(matches!(
        write_panel(&dir.path().join("p.xlsx"), &p),
        Err(Error::UnsupportedFormat { .. })
    ));
}

#[test]
fn weekly_and_monthly_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    for (freq, start) in [
        ("W-MON", d(2024, 1, 1)),
        ("ME", d(2024, 1, 31)),
        ("MS", d(2023, 11, 1)),
        ("QS", d(2023, 1, 1)),
    ] {
        let f: Freq = freq.parse().unwrap();
        let p = Panel::from_series(f, vec![("x".into(), start, vec![1.0, 2.0, 3.0])]).unwrap();
        for name in ["w.parquet", "w.csv"] {
            let path = dir.path().join(name);
            write_panel(&path, &p).unwrap();
            let back = load_panel(&path, &keep_all()).unwrap();
            assert_same_panel(&p, &back.panel);
        }
    }
}

#[test]
fn future_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    let p = sample_panel();
    let fut = FutureCovariates {
        lookup: Default::default(),
        ids: p.ids().to_vec(),
        starts: vec![d(2024, 1, 5), d(2024, 1, 5)],
        indptr: vec![0, 2, 4],
        columns: vec![
            demandcast_core::Column {
                name: "price".into(),
                values: vec![1.0, 2.0, f64::NAN, 4.0],
            },
            demandcast_core::Column {
                name: "event=Easter".into(),
                values: vec![0.0, 0.0, 1.0, 0.0],
            },
        ],
    };
    for name in ["f.parquet", "f.csv"] {
        let path = dir.path().join(name);
        write_future(&path, &fut, Freq::Daily).unwrap();
        let back = load_future(&path, &LoadOptions::default(), &p, 2).unwrap();
        assert_eq!(back.ids, fut.ids);
        assert_eq!(back.starts, fut.starts);
        assert_eq!(back.indptr, fut.indptr);
        for (a, b) in back.columns.iter().zip(&fut.columns) {
            assert_eq!(a.name, b.name);
            assert!(same(&a.values, &b.values));
        }
    }
}

fn write_batch(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_column_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.parquet");
    let day = 86_400_000i64;
    let t0 = 19_723 * day; // 2024-01-01
    let mut ids = Int64Builder::new();
    let mut price = Float32Builder::new();
    let mut store = StringDictionaryBuilder::<Int32Type>::new();
    let mut note = LargeStringBuilder::new();
    let mut ts = Vec::new();
    let mut y = Vec::new();
    for (id, k, v, p, s, n) in [
        (10, 0, 1, Some(1.5f32), "S1", "a"),
        (10, 1, 2, None, "S1", "b"),
        (20, 0, 3, Some(2.0), "S2", "a"),
        (20, 1, 4, Some(2.0), "S2", "a"),
    ] {
        ids.append_value(id);
        ts.push(t0 + k * day);
        y.push(v);
        price.append_option(p);
        store.append_value(s);
        note.append_value(n);
    }
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("unique_id", Arc::new(ids.finish())),
        ("ds", Arc::new(TimestampMillisecondArray::from(ts))),
        ("y", Arc::new(Int32Array::from(y))),
        ("price", Arc::new(price.finish())),
        ("store", Arc::new(store.finish())),
        ("note", Arc::new(note.finish())),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    write_batch(&path, &batch);
    let l = load_panel(&path, &LoadOptions::default()).unwrap();
    let p = &l.panel;
    assert_eq!(p.ids(), &["10".to_string(), "20".to_string()]);
    assert_eq!(p.start(0), d(2024, 1, 1));
    assert_eq!(p.series(1), &[3.0, 4.0]);
    assert!(p.covariate_of("price", 0).unwrap()[1].is_nan());
    assert_eq!(
        p.static_col("store").unwrap(),
        &["S1".to_string(), "S2".to_string()]
    );
    assert_eq!(p.covariate_of("note=b", 0).unwrap(), &[0.0, 1.0]);

    // a numeric column named like an id is read (as text) even when the
    // models need no covariates, and becomes an attribute
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("unique_id", Arc::new(Int64Array::from(vec![10, 10, 20]))),
        (
            "ds",
            Arc::new(TimestampMillisecondArray::from(vec![t0, t0 + day, t0])),
        ),
        ("y", Arc::new(Int32Array::from(vec![1, 2, 3]))),
        ("store_id", Arc::new(Int64Array::from(vec![4, 4, 9]))),
        ("price", Arc::new(Float64Array::from(vec![1.0, 1.0, 2.0]))),
    ];
    write_batch(&path, &RecordBatch::try_from_iter(cols).unwrap());
    let only = LoadOptions {
        covariates: CovariateSelection::Only(Vec::new()),
        ..LoadOptions::default()
    };
    let p = load_panel(&path, &only).unwrap().panel;
    assert_eq!(
        p.static_col("store_id").unwrap(),
        &["4".to_string(), "9".to_string()]
    );
    assert!(p.covariates().is_empty());

    // a timestamp that is not midnight is an error naming the row
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "unique_id",
            Arc::new(arrow_array::StringArray::from(vec!["a", "a"])),
        ),
        (
            "ds",
            Arc::new(TimestampMillisecondArray::from(vec![
                t0,
                t0 + day + 3_600_000,
            ])),
        ),
        ("y", Arc::new(Int32Array::from(vec![1, 2]))),
    ];
    write_batch(&path, &RecordBatch::try_from_iter(cols).unwrap());
    match load_panel(&path, &LoadOptions::default()) {
        Err(Error::Invalid { errors, .. }) => {
            assert_eq!(errors[0].row, Some(3));
            assert_eq!(errors[0].column.as_deref(), Some("ds"));
            assert!(errors[0].message.contains("time of day"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // a date32 outside the years 0000-9999
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "unique_id",
            Arc::new(arrow_array::StringArray::from(vec!["a", "a"])),
        ),
        (
            "ds",
            Arc::new(arrow_array::Date32Array::from(vec![19_723, i32::MAX - 5])),
        ),
        ("y", Arc::new(Int32Array::from(vec![1, 2]))),
    ];
    write_batch(&path, &RecordBatch::try_from_iter(cols).unwrap());
    match load_panel(&path, &LoadOptions::default()) {
        Err(Error::Invalid { errors, .. }) => {
            assert_eq!(errors[0].row, Some(3));
            assert!(
                errors[0].message.contains("outside the years"),
                "{errors:?}"
            );
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // a required column of the wrong type
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "unique_id",
            Arc::new(arrow_array::StringArray::from(vec!["a", "a"])),
        ),
        ("ds", Arc::new(Int32Array::from(vec![1, 2]))),
        ("y", Arc::new(Int32Array::from(vec![1, 2]))),
    ];
    write_batch(&path, &RecordBatch::try_from_iter(cols).unwrap());
    let e = load_panel(&path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::UnsupportedType { .. }), "{e}");
    assert_eq!(e.column(), Some("ds"));
}

#[test]
fn catalog_text_launch_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cat.csv");
    std::fs::write(
        &path,
        "sku,Title,description,brand,launch_date,launch_price\n\
         P1,Red mug,Ceramic 300 ml,Acme,2024-03-01,9.99\n\
         P2,Blue mug,,Acme,,\n",
    )
    .unwrap();
    let c = load_catalog(&path, "sku").unwrap();
    assert_eq!(c.ids, ["P1", "P2"]);
    assert_eq!(c.text, ["Red mug\nCeramic 300 ml", "Blue mug"]);
    assert_eq!(
        c.attribute("brand").unwrap(),
        &["Acme".to_string(), "Acme".to_string()]
    );
    assert_eq!(c.launch_date, [Some(d(2024, 3, 1)), None]);
    assert_eq!(c.launch_price, [Some(9.99), None]);
    // round trip through Parquet-free errors: duplicate id and bad price name the rows
    std::fs::write(
        &path,
        "sku,launch_price,launch_date\nP1,1,2024-01-01\nP1,-2,x\n",
    )
    .unwrap();
    match load_catalog(&path, "sku") {
        Err(Error::Invalid { errors, total, .. }) => {
            assert_eq!(total, 3);
            let find = |col: &str| {
                errors
                    .iter()
                    .find(|e| e.column.as_deref() == Some(col))
                    .unwrap()
            };
            assert_eq!(find("sku").row, Some(3));
            assert!(find("sku").message.contains("also in row 2"));
            assert!(find("launch_price").message.contains("-2"));
            assert!(find("launch_date").message.contains("cannot parse 'x'"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert!(matches!(
        load_catalog(&path, "id"),
        Err(Error::MissingColumn { .. })
    ));
}

#[test]
fn future_file_may_omit_covariates_constant_per_series() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("h.csv");
    std::fs::write(
        &hist,
        "unique_id,ds,y,price,store\nA,2024-01-01,1,1.0,7\nA,2024-01-02,2,1.5,7\nB,2024-01-01,1,2.0,9\nB,2024-01-02,2,2.0,9\n",
    )
    .unwrap();
    let p = load_panel(&hist, &LoadOptions::default()).unwrap().panel;
    let fut = dir.path().join("f.csv");
    std::fs::write(
        &fut,
        "unique_id,ds,price\nA,2024-01-03,1.1\nB,2024-01-03,2.1\n",
    )
    .unwrap();
    // `store` is constant within each series: each keeps its own value
    let f = load_future(&fut, &LoadOptions::default(), &p, 1).unwrap();
    assert_eq!(f.values_of("store", "A").unwrap().1, &[7.0]);
    assert_eq!(f.values_of("store", "B").unwrap().1, &[9.0]);
    assert_eq!(f.values_of("price", "B").unwrap().1, &[2.1]);
    // `price` varies within A: leaving it out is an error
    std::fs::write(&fut, "unique_id,ds,store\nA,2024-01-03,7\nB,2024-01-03,9\n").unwrap();
    match load_future(&fut, &LoadOptions::default(), &p, 1) {
        Err(Error::MissingColumn { column, .. }) => assert_eq!(column, "price"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn future_validation() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("h.csv");
    std::fs::write(
        &hist,
        "unique_id,ds,y,price,event\nA,2024-01-01,1,1.0,\nA,2024-01-02,2,1.5,X\nB,2024-01-01,1,2.0,Y\nB,2024-01-02,2,2.0,X\n",
    )
    .unwrap();
    let p = load_panel(&hist, &LoadOptions::default()).unwrap().panel;
    let names: Vec<&str> = p.covariates().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["price", "event=X", "event=Y"]);
    let fut = dir.path().join("f.csv");
    std::fs::write(
        &fut,
        "unique_id,ds,price,event\nA,2024-01-03,1.1,Y\nA,2024-01-04,1.2,\nB,2024-01-03,2.1,X\nB,2024-01-04,2.2,Z\nC,2024-01-03,9,\nA,2024-01-10,1,\n",
    )
    .unwrap();
    let f = load_future(&fut, &LoadOptions::default(), &p, 2).unwrap();
    assert_eq!(f.values_of("price", "B").unwrap().1, &[2.1, 2.2]);
    assert_eq!(f.values_of("event=Y", "A").unwrap().1, &[1.0, 0.0]);
    assert_eq!(f.values_of("event=X", "B").unwrap().1, &[1.0, 0.0]);
    assert_eq!(f.starts[0], d(2024, 1, 3));
    // a missing horizon date is an error naming series and date
    match load_future(&fut, &LoadOptions::default(), &p, 3) {
        Err(Error::Invalid { errors, .. }) => {
            assert!(
                errors
                    .iter()
                    .any(|e| e.message.contains("series 'A' has no row for 2024-01-05")),
                "{errors:?}"
            );
            assert_eq!(errors[0].column.as_deref(), Some("ds"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // an absurd horizon is an error, not an allocation failure
    assert!(load_future(&fut, &LoadOptions::default(), &p, usize::MAX).is_err());
    assert!(load_future(&fut, &LoadOptions::default(), &p, 1 << 40).is_err());
    // a covariate of the history missing from the future file
    std::fs::write(&fut, "unique_id,ds,event\nA,2024-01-03,Y\n").unwrap();
    match load_future(&fut, &LoadOptions::default(), &p, 1) {
        Err(Error::MissingColumn { column, found, .. }) => {
            assert_eq!(column, "price");
            assert_eq!(found, ["unique_id", "ds", "event"]);
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // unparsable number in the horizon names row and column
    std::fs::write(
        &fut,
        "unique_id,ds,price,event\nA,2024-01-03,oops,\nB,2024-01-03,1,\n",
    )
    .unwrap();
    match load_future(&fut, &LoadOptions::default(), &p, 1) {
        Err(Error::Invalid { errors, .. }) => {
            assert_eq!(errors[0].row, Some(2));
            assert_eq!(errors[0].column.as_deref(), Some("price"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// `CovariateSelection::Only` keeps the named covariates and every static,
/// from CSV and from Parquet (where the other numeric columns are not read).
#[test]
fn covariate_selection_keeps_only_what_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sales.csv");
    std::fs::write(
        &csv,
        "unique_id,ds,y,price,promo,event,store\n\
         a,2024-01-01,1,2.5,0,none,s1\n\
         a,2024-01-02,2,2.5,1,xmas,s1\n\
         b,2024-01-01,3,4.0,0,none,s2\n\
         b,2024-01-02,4,3.5,0,xmas,s2\n",
    )
    .unwrap();
    let all = load_panel(&csv, &keep_all()).unwrap().panel;
    let names = |p: &Panel| {
        p.covariates()
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert!(names(&all).len() >= 3, "{:?}", names(&all)); // price, promo, event indicators
    let mut only = keep_all();
    only.covariates = CovariateSelection::Only(vec!["price".into()]);
    let p = load_panel(&csv, &only).unwrap().panel;
    assert_eq!(names(&p), ["price"]);
    assert_eq!(p.covariate("price").unwrap(), &[2.5, 2.5, 4.0, 3.5]);
    assert_eq!(p.static_col("store").unwrap(), &["s1", "s2"]);
    // the same through Parquet
    let pq = dir.path().join("sales.parquet");
    write_panel(&pq, &all).unwrap();
    let p2 = load_panel(&pq, &only).unwrap().panel;
    assert_eq!(names(&p2), ["price"]);
    assert_eq!(p2.covariate("price").unwrap(), &[2.5, 2.5, 4.0, 3.5]);
    assert_eq!(p2.static_col("store").unwrap(), &["s1", "s2"]);
    let none = LoadOptions {
        covariates: CovariateSelection::Only(vec![]),
        ..keep_all()
    };
    assert!(load_panel(&pq, &none)
        .unwrap()
        .panel
        .covariates()
        .is_empty());
}
