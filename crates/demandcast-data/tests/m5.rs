//! The M5 importer on the committed sample (and on the shared copy when present).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use chrono::NaiveDate;
use demandcast_data::m5::{import, M5Options};
use demandcast_data::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/m5-sample")
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// `(item_id, store_id) -> Dollar_Sales` of the Level12 rows.
fn dollar_sales(path: &Path) -> HashMap<(String, String), f64> {
    let mut text = String::new();
    let f = std::fs::File::open(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(f)
            .read_to_string(&mut text)
            .unwrap();
    } else {
        std::io::BufReader::new(f)
            .read_to_string(&mut text)
            .unwrap();
    }
    text.lines()
        .skip(1)
        .filter(|l| l.starts_with("Level12,"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            ((c[1].to_string(), c[2].to_string()), c[3].parse().unwrap())
        })
        .collect()
}

/// Σ units × price over d_1886..d_1913 for series `i` of a panel starting at d_1.
fn dollars(p: &Panel, i: usize, first_day: usize) -> f64 {
    let y = p.series(i);
    let price = p.covariate_of("sell_price", i).unwrap();
    (1886..=1913)
        .map(|dn| {
            let j = dn - first_day;
            if y[j] == 0.0 {
                0.0
            } else {
                y[j] * price[j]
            }
        })
        .sum()
}

#[test]
fn sample_imports_with_covariates_statics_and_future() {
    let m = import(&M5Options::new(sample_dir())).unwrap();
    let p = &m.history;
    assert_eq!(p.n_series(), 46);
    assert_eq!(m.days, (1, 1941));
    assert_eq!(p.freq(), Freq::Daily);
    assert!((0..46).all(|i| p.len_of(i) == 1941 && p.start(i) == d(2011, 1, 29)));
    let i = p.index_of("FOODS_3_090_CA_1").unwrap();
    let names: Vec<&str> = p.covariates().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sell_price",
            "snap",
            "event",
            "event_sporting",
            "event_cultural",
            "event_national",
            "event_religious"
        ]
    );
    let statics: Vec<&str> = p.statics().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        statics,
        ["item_id", "dept_id", "cat_id", "store_id", "state_id"]
    );
    assert_eq!(p.static_col("store_id").unwrap()[i], "CA_1");
    assert_eq!(p.static_col("dept_id").unwrap()[i], "FOODS_3");
    // d_9 = 2011-02-06 is the SuperBowl (Sporting); d_1 has no event
    let ev = p.covariate_of("event", i).unwrap();
    assert_eq!((ev[0], ev[8]), (0.0, 1.0));
    assert_eq!(p.covariate_of("event_sporting", i).unwrap()[8], 1.0);
    // SNAP: CA on the 1st..10th of the month; 2011-02-01 = d_4
    assert_eq!(p.covariate_of("snap", i).unwrap()[3], 1.0);
    // leading zeros kept, price NaN before the first price week
    let late = p.index_of("FOODS_2_117_TX_2").unwrap();
    assert_eq!(p.series(late)[0], 0.0);
    assert!(p.covariate_of("sell_price", late).unwrap()[0].is_nan());
    // future: 28 days from 2016-05-23 (d_1942), same columns, prices known
    let f = &m.future;
    assert_eq!(f.ids, p.ids());
    assert_eq!(f.starts[i], d(2016, 5, 23));
    assert_eq!(f.indptr[46], 46 * 28);
    let names_f: Vec<&str> = f.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names_f, names);
    let (_, fp) = f.values_of("sell_price", "FOODS_3_090_CA_1").unwrap();
    assert!(fp.iter().all(|v| v.is_finite() && *v > 0.0));
}

#[test]
fn sample_dollar_sales_match_official_weights() {
    let m = import(&M5Options::new(sample_dir())).unwrap();
    let w = dollar_sales(&sample_dir().join("weights_validation.csv"));
    let p = &m.history;
    assert_eq!(w.len(), 46);
    for i in 0..p.n_series() {
        let key = (
            p.static_col("item_id").unwrap()[i].clone(),
            p.static_col("store_id").unwrap()[i].clone(),
        );
        let want = w[&key];
        let got = dollars(p, i, 1);
        assert!(
            (got - want).abs() <= 1e-6 * want.max(1.0),
            "{}: {got} vs {want}",
            p.id(i)
        );
    }
}

#[test]
fn last_day_and_store_filter() {
    let mut o = M5Options::new(sample_dir());
    o.last_day = Some(1913);
    o.stores = Some(vec!["TX_2".into()]);
    let m = import(&o).unwrap();
    assert_eq!(m.history.n_series(), 23);
    assert!(m
        .history
        .static_col("store_id")
        .unwrap()
        .iter()
        .all(|s| s == "TX_2"));
    assert_eq!(m.history.last_date(0), d(2016, 4, 24));
    assert_eq!(m.future.starts[0], d(2016, 4, 25));
    // the future of d_1913 holds the real covariates of d_1914..d_1941
    let full = import(&M5Options::new(sample_dir())).unwrap();
    let id = m.history.id(0);
    let k = full.history.index_of(id).unwrap();
    let (_, fut) = m.future.values_of("sell_price", id).unwrap();
    let hist = &full.history.covariate_of("sell_price", k).unwrap()[1913..1941];
    assert_eq!(fut, hist);
    let (_, fut) = m.future.values_of("snap", id).unwrap();
    assert_eq!(
        fut,
        &full.history.covariate_of("snap", k).unwrap()[1913..1941]
    );

    o.stores = Some(vec!["WI_9".into()]);
    let e = import(&o).unwrap_err();
    assert!(
        e.to_string()
            .contains("store(s) WI_9 not in the sales file (stores found: CA_1, TX_2)"),
        "{e}"
    );
    o.stores = None;
    o.last_day = Some(5000);
    assert!(import(&o)
        .unwrap_err()
        .to_string()
        .contains("outside the sales file's days d_1..d_1941"));
    o.last_day = None;
    o.horizon = 40; // the calendar ends at d_1969
    assert!(import(&o)
        .unwrap_err()
        .to_string()
        .contains("no row for d_1970"));
    assert!(import(&M5Options::new("/nonexistent/m5")).is_err());
}

#[test]
fn sample_writes_and_loads_back() {
    let m = import(&M5Options::new(sample_dir())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("m5.parquet");
    let fut = dir.path().join("m5_future.csv.gz");
    write_panel(&hist, &m.history).unwrap();
    write_future(&fut, &m.future, Freq::Daily).unwrap();
    let l = load_panel(&hist, &LoadOptions::default()).unwrap();
    let p = &l.panel;
    // leading zeros trimmed by the default policy: FOODS_2_117_TX_2 starts at its first sale
    let i = p.index_of("FOODS_2_117_TX_2").unwrap();
    assert!(p.series(i)[0] > 0.0);
    assert!(p.start(i) > d(2015, 1, 1));
    assert_eq!(p.statics().len(), 5);
    assert_eq!(p.covariates().len(), 7);
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("trimmed ")));
    let f = load_future(&fut, &LoadOptions::default(), p, 28).unwrap();
    assert_eq!(f.columns.len(), 7);
    assert_eq!(
        f.values_of("sell_price", "FOODS_3_090_CA_1"),
        m.future.values_of("sell_price", "FOODS_3_090_CA_1")
    );
}

/// The full CA_1 + TX_2 copy: a few items against the official Dollar_Sales.
#[test]
fn shared_copy_dollar_sales() {
    let dir = Path::new("/work/shared/data/m5");
    if !dir.join("calendar.csv").exists() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    let t = std::time::Instant::now();
    let mut o = M5Options::new(dir);
    o.last_day = Some(1913);
    let m = import(&o).unwrap();
    eprintln!(
        "imported {} series x {} days in {:?}",
        m.history.n_series(),
        m.history.len_of(0),
        t.elapsed()
    );
    assert_eq!(m.history.n_series(), 6098);
    assert_eq!(m.history.n_rows(), 6098 * 1913);
    let w = dollar_sales(&dir.join("weights_validation.csv.gz"));
    let p = &m.history;
    for id in [
        "FOODS_3_090_CA_1",
        "FOODS_3_090_TX_2",
        "HOBBIES_1_001_CA_1",
        "HOUSEHOLD_2_516_TX_2",
        "FOODS_1_001_CA_1",
    ] {
        let i = p.index_of(id).unwrap();
        let key = (
            p.static_col("item_id").unwrap()[i].clone(),
            p.static_col("store_id").unwrap()[i].clone(),
        );
        let (got, want) = (dollars(p, i, 1), w[&key]);
        assert!(
            (got - want).abs() <= 1e-6 * want.max(1.0),
            "{id}: {got} vs {want}"
        );
    }
}
