//! Runs written and read back: values, dates, order, filters, files.

use demandcast_core::{Forecast, Freq, Interval, Level, NaiveDate, Panel, PanelForecast};
use demandcast_store::{Error, NewRun, Store};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Two weekly series (`A_1` with 100 weeks, `B%2` with 10) and a new
/// product `new_1` that only the second model forecasts.
fn fixture() -> (Panel, Vec<PanelForecast>) {
    let a: Vec<f64> = (0..100).map(|t| (t % 5) as f64).collect();
    let b: Vec<f64> = (0..10).map(|t| t as f64 * 1.5).collect();
    let panel = Panel::from_series(
        Freq::Weekly(chrono::Weekday::Sun),
        vec![
            ("A_1".into(), d(2020, 1, 5), a),
            ("B%2".into(), d(2021, 9, 5), b),
        ],
    )
    .unwrap();
    let l80 = Level::new(80.0).unwrap();
    let l95 = Level::new(95.0).unwrap();
    let with_iv = |m: Vec<f64>| Forecast {
        intervals: vec![
            Interval {
                level: l80,
                lower: m.iter().map(|x| x - 1.0).collect(),
                upper: m.iter().map(|x| x + 1.0).collect(),
            },
            Interval {
                level: l95,
                lower: m.iter().map(|x| x - 2.0).collect(),
                upper: m.iter().map(|x| x + 2.0).collect(),
            },
        ],
        mean: m,
    };
    let start_a = d(2021, 12, 5); // 100 weeks after 2020-01-05
    let start_b = d(2021, 11, 14);
    let naive = PanelForecast {
        model: "Naive".into(),
        freq: panel.freq(),
        ids: vec!["A_1".into(), "B%2".into()],
        starts: vec![start_a, start_b],
        levels: vec![l80, l95],
        series: vec![
            with_iv(vec![4.0, 4.0, 4.0]),
            with_iv(vec![13.5, 13.5, 13.5]),
        ],
        notes: vec![],
    };
    let cold = PanelForecast {
        model: "ColdStart".into(),
        freq: panel.freq(),
        ids: vec!["new_1".into(), "A_1".into()],
        starts: vec![d(2021, 12, 5), start_a],
        levels: vec![l80, l95],
        series: vec![
            Forecast::point(vec![7.0, f64::NAN, 9.0]),
            Forecast::point(vec![1.0, 2.0, 3.0]),
        ],
        notes: vec![],
    };
    (panel, vec![naive, cold])
}

fn record(store: &mut Store) -> i64 {
    let (panel, fcs) = fixture();
    let mut run = NewRun::new("forecast", "sales.csv", &panel, &fcs, 3);
    run.seconds = 1.5;
    run.notes = vec!["a note".into()];
    run.params = serde_json::json!({"models": "naive,cold"});
    store.record_run(&run).unwrap()
}

#[test]
fn a_run_reads_back_as_written() {
    let mut store = Store::open_in_memory().unwrap();
    let id = record(&mut store);
    let second = record(&mut store);
    assert_eq!(second, id + 1);

    let runs = store.runs(10).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second, id],
        "newest first"
    );
    let r = store.run(id).unwrap().unwrap();
    assert_eq!(r.kind, "forecast");
    assert_eq!(r.source, "sales.csv");
    assert_eq!(r.freq, "W-SUN");
    assert_eq!((r.horizon, r.n_series), (3, 3));
    assert_eq!(r.models, vec!["Naive", "ColdStart"]);
    assert_eq!(r.levels, vec![80.0, 95.0]);
    assert_eq!(r.seconds, 1.5);
    assert_eq!(r.notes, vec!["a note"]);
    assert_eq!(r.params["models"], "naive,cold");
    assert!(
        r.created.ends_with('Z') && r.created.len() == 20,
        "{}",
        r.created
    );
    assert!(store.run(999).unwrap().is_none());

    // History: the last max(4 * 3, 56) = 56 weeks of A_1, from week 44.
    let a = store.series(id, "A_1").unwrap().unwrap();
    assert_eq!(a.history.y.len(), 56);
    assert_eq!(a.history.y[0], Some((44 % 5) as f64));
    assert_eq!(
        a.history.ds[0],
        Freq::Weekly(chrono::Weekday::Sun)
            .step(d(2020, 1, 5), 44)
            .to_string()
    );
    assert_eq!(a.history.ds[55], "2021-11-28");
    assert_eq!(a.forecasts.len(), 2);
    assert_eq!(a.forecasts[0].model, "Naive");
    assert_eq!(
        a.forecasts[0].ds,
        vec!["2021-12-05", "2021-12-12", "2021-12-19"]
    );
    assert_eq!(a.forecasts[0].mean, vec![Some(4.0); 3]);
    assert_eq!(a.forecasts[0].intervals[1].level, 95.0);
    assert_eq!(a.forecasts[0].intervals[1].hi, vec![Some(6.0); 3]);
    assert_eq!(a.forecasts[1].mean, vec![Some(1.0), Some(2.0), Some(3.0)]);

    // A new product: no history, a NaN kept as missing.
    let n = store.series(id, "new_1").unwrap().unwrap();
    assert!(n.history.y.is_empty() && n.history.ds.is_empty());
    assert_eq!(n.forecasts.len(), 1);
    assert_eq!(n.forecasts[0].mean, vec![Some(7.0), None, Some(9.0)]);
    assert!(store.series(id, "nope").unwrap().is_none());
    assert!(store.series(999, "A_1").unwrap().is_none());
}

#[test]
fn series_filters_are_literal_and_case_insensitive() {
    let mut store = Store::open_in_memory().unwrap();
    let id = record(&mut store);
    let all = store.series_ids(id, "", 100).unwrap();
    assert_eq!(
        all.ids,
        vec!["A_1", "B%2", "new_1"],
        "the run's order, new products last"
    );
    assert_eq!(all.total, 3);
    // `_` and `%` are not wildcards.
    assert_eq!(
        store.series_ids(id, "_", 100).unwrap().ids,
        vec!["A_1", "new_1"]
    );
    assert_eq!(store.series_ids(id, "%", 100).unwrap().ids, vec!["B%2"]);
    assert_eq!(store.series_ids(id, "a_", 100).unwrap().ids, vec!["A_1"]);
    let first = store.series_ids(id, "", 1).unwrap();
    assert_eq!((first.total, first.ids.len()), (3, 1));
}

#[test]
fn forecasts_come_back_as_panel_forecasts() {
    let mut store = Store::open_in_memory().unwrap();
    let id = record(&mut store);
    let (_, written) = fixture();
    let back = store.forecasts(id).unwrap().unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0], written[0], "every value, date, level and interval");
    // The cold-start model in the run's series order: A_1 before new_1.
    assert_eq!(back[1].ids, vec!["A_1", "new_1"]);
    assert_eq!(back[1].series[0].mean, vec![1.0, 2.0, 3.0]);
    assert!(back[1].series[1].mean[1].is_nan());
    assert!(store.forecasts(999).unwrap().is_none());
}

#[test]
fn a_store_file_persists_and_refuses_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/runs.sqlite");
    let id = {
        let mut s = Store::open(&path).unwrap();
        record(&mut s)
    };
    let s = Store::open(&path).unwrap();
    assert_eq!(s.run(id).unwrap().unwrap().source, "sales.csv");
    assert_eq!(s.path(), Some(path.as_path()));
    drop(s);

    // A later schema version is refused, naming the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, Error::Newer { found: 99, .. }), "{e}");
    assert!(e.to_string().contains("runs.sqlite"), "{e}");

    // Another program's database is not taken over.
    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE t (x)").unwrap();
    drop(conn);
    let e = Store::open(&other).unwrap_err();
    assert!(e.to_string().contains("not a demandcast store"), "{e}");
}

#[test]
fn a_model_folder_is_stored_listed_and_written_back() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("model");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("model.json"), b"{\"format\": 1}").unwrap();
    let booster: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(src.join("booster-0.txt"), &booster).unwrap();
    std::fs::write(src.join("sub/ignored.txt"), b"x").unwrap();

    let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    assert_eq!(
        store
            .put_model("m5", "lightgbm", "on 3 series", &src)
            .unwrap(),
        2
    );
    let list = store.models().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].name.as_str(), list[0].kind.as_str()),
        ("m5", "lightgbm")
    );
    assert_eq!((list[0].files, list[0].bytes), (2, 10_000 + 13));

    let out = dir.path().join("restored");
    assert_eq!(store.get_model("m5", &out).unwrap(), Some(2));
    assert_eq!(std::fs::read(out.join("booster-0.txt")).unwrap(), booster);
    assert_eq!(
        std::fs::read(out.join("model.json")).unwrap(),
        b"{\"format\": 1}"
    );
    assert!(!out.join("sub").exists());
    assert_eq!(store.get_model("nope", &out).unwrap(), None);

    // Storing under the same name replaces the model's files.
    std::fs::remove_file(src.join("booster-0.txt")).unwrap();
    assert_eq!(store.put_model("m5", "lightgbm", "refit", &src).unwrap(), 1);
    let list = store.models().unwrap();
    assert_eq!((list[0].files, list[0].summary.as_str()), (1, "refit"));
    let e = store
        .put_model("x", "lightgbm", "", &dir.path().join("missing"))
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn a_version_1_store_is_upgraded_with_its_runs_kept() {
    // (A store as the first version wrote it: no models, no reports.)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let id = record(&mut Store::open(&path).unwrap());
    // Make it look like a store written before models were kept.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE model_files; DROP TABLE models; ALTER TABLE runs DROP COLUMN report;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.run(id).unwrap().unwrap().source, "sales.csv");
    assert!(s.models().unwrap().is_empty());
    assert_eq!(s.report(id).unwrap(), None);
    let src = dir.path().join("m");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("model.json"), b"{}").unwrap();
    assert_eq!(s.put_model("m", "lightgbm", "", &src).unwrap(), 1);
}

#[test]
fn a_report_is_kept_with_its_run() {
    let mut store = Store::open_in_memory().unwrap();
    let (panel, _) = fixture();
    let mut run = NewRun::new("backtest", "sales.csv", &panel, &[], 3);
    run.models = vec!["AutoETS".into(), "Naive".into()];
    run.report = Some(
        serde_json::json!({"primary_metric": "MASE", "models": [{"model": "AutoETS", "MASE": 0.9}]}),
    );
    let id = store.record_run(&run).unwrap();
    let r = store.run(id).unwrap().unwrap();
    assert_eq!(r.models, vec!["AutoETS", "Naive"]);
    assert_eq!(r.levels, Vec::<f64>::new());
    assert_eq!(store.report(id).unwrap().unwrap()["models"][0]["MASE"], 0.9);
    assert_eq!(store.series(id, "A_1").unwrap().unwrap().forecasts.len(), 0);
    let plain = record(&mut store);
    assert_eq!(store.report(plain).unwrap(), None);
    assert_eq!(store.report(999).unwrap(), None);
}
