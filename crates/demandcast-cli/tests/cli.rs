//! End-to-end tests of the `demandcast` binary on small files: outputs have
//! the documented columns and row counts, and bad input fails with exit code
//! 2 and a message naming the file, row and column.

use std::path::{Path, PathBuf};

mod common;
use common::{demandcast, path, stderr};

/// Three daily series of 60 days: two weekly-seasonal, one intermittent.
fn sales_csv(dir: &Path) -> PathBuf {
    let mut s = String::from("unique_id,ds,y\n");
    for (k, id) in ["A", "B", "C"].iter().enumerate() {
        for t in 0..60u32 {
            let date = chrono_like_date(t);
            let y = if *id == "C" {
                if (t * 7 + 3) % 5 == 0 {
                    2 + t % 3
                } else {
                    0
                }
            } else {
                1 + (t % 7) + k as u32
            };
            s.push_str(&format!("{id},{date},{y}\n"));
        }
    }
    let p = dir.join("sales.csv");
    std::fs::write(&p, s).expect("write sales.csv");
    p
}

/// 2024-01-01 plus `t` days (t < 60), without a date crate.
fn chrono_like_date(t: u32) -> String {
    let (m, d) = if t < 31 { (1, t + 1) } else { (2, t - 30) };
    format!("2024-{m:02}-{d:02}")
}

fn read_csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(p).expect("output exists");
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn forecast_writes_nixtla_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("fc.csv");
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "5",
        "--models",
        "naive,seasonal_naive,CrostonSBA",
        "--levels",
        "95,80",
        "--output",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = read_csv(&out);
    let mut expected = vec!["unique_id".to_string(), "ds".to_string()];
    for m in ["Naive", "SeasonalNaive", "CrostonSBA"] {
        expected.push(m.to_string());
        for l in ["80", "95"] {
            expected.push(format!("{m}-lo-{l}"));
            expected.push(format!("{m}-hi-{l}"));
        }
    }
    assert_eq!(header, expected);
    assert_eq!(rows.len(), 3 * 5);
    // the history ends 2024-02-29: forecasts start the day after
    assert_eq!(rows[0][..2], ["A".to_string(), "2024-03-01".to_string()]);
    assert_eq!(rows[14][..2], ["C".to_string(), "2024-03-05".to_string()]);
    for r in &rows {
        let v: Vec<f64> = r[2..].iter().map(|x| x.parse().expect("numbers")).collect();
        // lo-95 <= lo-80 <= point <= hi-80 <= hi-95 for each model, all >= 0
        for m in v.chunks(5) {
            assert!(
                m[3] <= m[1] && m[1] <= m[0] && m[0] <= m[2] && m[2] <= m[4],
                "{r:?}"
            );
            assert!(m.iter().all(|x| *x >= 0.0));
        }
    }
}

#[test]
fn forecast_to_stdout_without_levels() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let o = demandcast(&[
        "forecast",
        "--quiet",
        "--input",
        path(&input),
        "--horizon",
        "2",
        "--models",
        "naive",
        "--levels",
        "none",
        "--output",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "unique_id,ds,Naive");
    assert_eq!(lines.len(), 1 + 3 * 2);
    assert!(!stderr(&o).contains("note:"), "--quiet hides notes");
}

#[test]
fn backtest_writes_forecasts_metrics_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("run");
    let o = demandcast(&[
        "backtest",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--windows",
        "2",
        "--models",
        "seasonal_naive,auto",
        "--levels",
        "80",
        "--threads",
        "1",
        "--output",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let (header, rows) = read_csv(&out.join("forecasts.csv"));
    assert_eq!(
        header,
        [
            "unique_id",
            "ds",
            "cutoff",
            "y",
            "SeasonalNaive",
            "SeasonalNaive-lo-80",
            "SeasonalNaive-hi-80",
            "auto",
            "auto-lo-80",
            "auto-hi-80"
        ]
    );
    assert_eq!(rows.len(), 3 * 2 * 7);
    let cutoffs: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        cutoffs.into_iter().collect::<Vec<_>>(),
        ["2024-02-15", "2024-02-22"]
    );

    let (mheader, mrows) = read_csv(&out.join("metrics.csv"));
    assert_eq!(mheader[..4], ["unique_id", "cutoff", "model", "n_points"]);
    assert_eq!(mrows.len(), 3 * 2 * 2, "series x windows x models");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["models"].as_array().unwrap().len(), 2);
    assert_eq!(json["models"][0]["rank"], 1);
    assert!(json["models"][0]["mase"].is_number());
    assert_eq!(json["run"]["cutoffs"].as_array().unwrap().len(), 2);
    assert!(json["auto"]["classes"].is_array());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.starts_with("# Backtest report"));
    assert!(md.contains("| 1 | `"), "ranked table:\n{md}");
    let (aheader, arows) = read_csv(&out.join("auto_choices.csv"));
    assert_eq!(aheader[0], "unique_id");
    assert_eq!(arows.len(), 3);
}

/// Runs `forecast` on a file with `content`; returns (exit code, stderr).
fn forecast_bad(name: &str, content: &str, extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    std::fs::write(&input, content).unwrap();
    let out = dir.path().join("fc.csv");
    let mut args = vec![
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "2",
        "--output",
        path(&out),
    ];
    args.extend_from_slice(extra);
    let o = demandcast(&args);
    assert!(!out.exists(), "no output on failure");
    (o.status.code().unwrap_or(-1), stderr(&o))
}

#[test]
fn bad_input_fails_naming_file_row_and_column() {
    let cases: [(&str, &str, &[&str], &[&str]); 5] = [
        (
            "malformed.csv",
            "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2,5\nA,2024-01-03,3\n",
            &[],
            &["malformed.csv:3", "4 fields", "hint:"],
        ),
        (
            "nan.csv",
            "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,NaN\nA,2024-01-03,3\n",
            &[],
            &["nan.csv:3", "column 'y'", "--missing zero"],
        ),
        (
            "dup.csv",
            "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2\nA,2024-01-02,3\n",
            &[],
            &["dup.csv:4", "column 'ds'", "duplicate", "row 3"],
        ),
        (
            "neg.csv",
            "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,-2\nA,2024-01-03,3\n",
            &[],
            &["neg.csv:3", "column 'y'", "negative", "--negatives clip"],
        ),
        (
            "cols.csv",
            "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2\n",
            &["--target-col", "qty"],
            &["cols.csv", "'qty'", "unique_id, ds, y", "--target-col"],
        ),
    ];
    for (name, content, extra, needles) in cases {
        let (code, err) = forecast_bad(name, content, extra);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        for n in needles {
            assert!(err.contains(n), "{name}: expected '{n}' in:\n{err}");
        }
    }
}

#[test]
fn policy_flags_accept_what_the_defaults_reject() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("neg.csv");
    std::fs::write(
        &input,
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,-2\nA,2024-01-03,\n",
    )
    .unwrap();
    let out = dir.path().join("fc.csv");
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "1",
        "--models",
        "naive",
        "--levels",
        "none",
        "--negatives",
        "clip",
        "--missing",
        "zero",
        "--output",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: "),
        "changes are reported: {}",
        stderr(&o)
    );
    let (_, rows) = read_csv(&out);
    assert_eq!(rows, [["A", "2024-01-04", "0"]]);
}

#[test]
fn bad_flags_fail_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("fc.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["forecast", "--input", path(&input), "--output", path(&out)];
        args.extend_from_slice(extra);
        demandcast(&args)
    };
    let o = run(&["--horizon", "2", "--models", "naive,prophet"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown model 'prophet'") && err.contains("croston_sba"),
        "{err}"
    );
    assert!(err.contains("hint: `demandcast models`"), "{err}");

    let o = run(&["--horizon", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--horizon must be at least 1"));

    let o = run(&["--horizon", "2", "--levels", "80,120"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid level 120"), "{}", stderr(&o));

    let o = run(&["--horizon", "2", "--freq", "fortnightly"]);
    assert_eq!(o.status.code(), Some(2));

    let o = demandcast(&[
        "forecast",
        "--input",
        "/nonexistent/sales.csv",
        "--horizon",
        "2",
        "-o",
        "x.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/sales.csv: no such file"));

    let o = demandcast(&["forecast", "--horizon", "2"]);
    assert_eq!(o.status.code(), Some(2), "clap usage error");
    assert!(!out.exists());
}

#[test]
fn models_lists_the_registry() {
    let o = demandcast(&["models"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for name in [
        "auto_ets",
        "croston_sba",
        "seasonal_naive[:season_length]",
        "tsb[:alpha_d:alpha_p]",
        "all",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
}

#[test]
fn import_m5_sample_then_forecast_and_backtest() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/m5-sample");
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("m5.parquet");
    let fut = dir.path().join("m5_future.parquet");
    let o = demandcast(&[
        "import",
        "m5",
        "--dir",
        path(&sample),
        "--output",
        path(&hist),
        "--future-output",
        path(&fut),
        "--stores",
        "CA_1",
        "--last-day",
        "1913",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("23 series"),
        "one store of the 46-series sample: {}",
        stderr(&o)
    );

    let fc = dir.path().join("fc.csv");
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&hist),
        "--future",
        path(&fut),
        "--horizon",
        "28",
        "--models",
        "seasonal_naive",
        "--levels",
        "90",
        "--output",
        path(&fc),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, rows) = read_csv(&fc);
    assert_eq!(rows.len(), 23 * 28);
    // d_1914 is 2016-04-25
    assert_eq!(rows[0][1], "2016-04-25");

    let run = dir.path().join("run");
    let o = demandcast(&[
        "backtest",
        "--input",
        path(&hist),
        "--horizon",
        "28",
        "--windows",
        "1",
        "--models",
        "naive,croston_sba",
        "--output",
        path(&run),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["primary_metric"], "wrmsse12", "M5 data gets WRMSSE-12");
    assert_eq!(json["wrmsse"][0]["levels"].as_array().unwrap().len(), 12);
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(md.contains("L12 item x store"), "{md}");
}

#[test]
fn import_m5_rejects_a_folder_without_m5_files() {
    let dir = tempfile::tempdir().unwrap();
    let o = demandcast(&[
        "import",
        "m5",
        "--dir",
        path(dir.path()),
        "--output",
        path(&dir.path().join("x.parquet")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(path(dir.path())), "{}", stderr(&o));
}

#[test]
fn forecast_ensemble_writes_members_and_their_weighted_mean() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("fc.csv");
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--models",
        "naive,seasonal_naive,ensemble",
        "--levels",
        "80",
        "--output",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let note = err
        .lines()
        .find(|l| l.contains("ensemble weights"))
        .unwrap_or_else(|| panic!("no weights note: {err}"));
    let (header, rows) = read_csv(&out);
    assert_eq!(
        header[2..],
        [
            "Naive",
            "Naive-lo-80",
            "Naive-hi-80",
            "SeasonalNaive",
            "SeasonalNaive-lo-80",
            "SeasonalNaive-hi-80",
            "Ensemble",
            "Ensemble-lo-80",
            "Ensemble-hi-80"
        ]
    );
    assert_eq!(rows.len(), 3 * 7);
    // the weights in the note (e.g. "SeasonalNaive 1.00" or "Naive 0.30 +
    // SeasonalNaive 0.70") reproduce the Ensemble column from the members'
    let weight = |m: &str| -> f64 {
        note.split(": ")
            .last()
            .unwrap_or_default()
            .split(" + ")
            .find_map(|p| p.strip_prefix(&format!("{m} ")))
            .map_or(0.0, |w| w.parse().unwrap())
    };
    let (wn, ws) = (weight("Naive"), weight("SeasonalNaive"));
    assert!((wn + ws - 1.0).abs() < 1e-9, "{note}");
    // the weekly series are exactly seasonal: the backtest must prefer SeasonalNaive
    assert!(ws > wn, "{note}");
    for r in &rows {
        let v: Vec<f64> = r[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(
            (v[6] - (wn * v[0] + ws * v[3])).abs() < 1e-6,
            "{r:?} {note}"
        );
        assert!(v[7] <= v[6] && v[6] <= v[8], "{r:?}");
    }
}

#[test]
fn backtest_reports_the_ensemble_weights_of_each_window() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("run");
    let o = demandcast(&[
        "backtest",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--windows",
        "2",
        "--models",
        "naive,seasonal_naive,ensemble",
        "--levels",
        "none",
        "--threads",
        "1",
        "--output",
        path(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let windows = json["ensemble"].as_array().expect("an ensemble section");
    assert_eq!(windows.len(), 2, "one report per backtest window");
    let (header, rows) = read_csv(&out.join("forecasts.csv"));
    assert_eq!(header[4..], ["Naive", "SeasonalNaive", "Ensemble"]);
    for (r, cutoff) in windows.iter().zip(["2024-02-15", "2024-02-22"]) {
        // the ensemble of a window was fitted on the history up to its
        // cutoff, and its internal backtest stayed before it
        assert_eq!(r["trained_to"], cutoff, "{r}");
        let inner = r["cutoffs"].as_array().unwrap();
        assert_eq!(inner.len(), 3, "the default: three internal windows; {r}");
        assert!(inner.iter().all(|c| c.as_str().unwrap() < cutoff), "{r}");
        let w: Vec<f64> = r["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{r}");
        // two of the three series are exactly weekly: SeasonalNaive wins
        assert!(w[1] > w[0], "{r}");
        // the window's Ensemble column is the mean of its members with the
        // weights this report gives
        let mine: Vec<&Vec<String>> = rows.iter().filter(|x| x[2] == cutoff).collect();
        assert_eq!(mine.len(), 3 * 7);
        for x in mine {
            let v: Vec<f64> = x[4..].iter().map(|c| c.parse().unwrap()).collect();
            assert!(
                (v[2] - (w[0] * v[0] + w[1] * v[1])).abs() < 1e-6,
                "{x:?} {r}"
            );
        }
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md
        .split("## `Ensemble`: the weights chosen in each window")
        .nth(1)
        .unwrap_or_else(|| panic!("no ensemble section:\n{md}"));
    assert!(section.contains("| 2024-02-15 |"), "{section}");
    assert!(section.contains("| 2024-02-22 |"), "{section}");
}

#[test]
fn ensemble_alone_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--models",
        "naive,ensemble",
        "--output",
        path(&dir.path().join("fc.csv")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("at least two"), "{}", stderr(&o));
}

#[test]
fn forecast_db_records_the_run_that_runs_lists_and_the_store_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let out = dir.path().join("fc.csv");
    let db = dir.path().join("runs.sqlite");
    let o = demandcast(&[
        "forecast",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--models",
        "seasonal_naive,croston_sba",
        "--levels",
        "80",
        "--output",
        path(&out),
        "--db",
        path(&db),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("recorded as run 1"), "{}", stderr(&o));

    // The store holds exactly what the CSV says: written back with the same
    // writer, the two files are identical.
    let store = demandcast_store::Store::open(&db).unwrap();
    let fcs = store.forecasts(1).unwrap().unwrap();
    let mut again = Vec::new();
    demandcast::data::write_forecasts(&mut again, &fcs).unwrap();
    assert_eq!(
        String::from_utf8(again).unwrap(),
        std::fs::read_to_string(&out).unwrap()
    );
    let run = store.run(1).unwrap().unwrap();
    assert_eq!(
        (run.kind.as_str(), run.source.as_str()),
        ("forecast", "sales.csv")
    );
    assert_eq!(run.models, vec!["SeasonalNaive", "CrostonSBA"]);
    assert_eq!(store.series(1, "A").unwrap().unwrap().history.y.len(), 56);
    // The loader's warning (C's leading zero trimmed) is kept with the run.
    assert!(
        run.notes.iter().any(|n| n.contains("leading zero")),
        "{:?}",
        run.notes
    );

    let o = demandcast(&["runs", "--db", path(&db)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().nth(1).unwrap_or_default();
    assert!(line.trim_start().starts_with("1 "), "{text}");
    assert!(
        line.contains("sales.csv") && line.contains("SeasonalNaive,CrostonSBA"),
        "{text}"
    );

    // No store there: a usage error naming the file.
    let o = demandcast(&["runs", "--db", path(&dir.path().join("none.sqlite"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("none.sqlite"), "{}", stderr(&o));
}

#[test]
fn append_adds_new_sales_in_place_and_refuses_overlaps() {
    let dir = tempfile::tempdir().unwrap();
    let full = sales_csv(dir.path());
    let text = std::fs::read_to_string(&full).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut old, mut new) = (vec![header.to_string()], vec![header.to_string()]);
    for l in lines {
        // Days 1..50 are history, 51..60 arrive later (2024-02-20 is day 51).
        let day: u32 = l[l.find(",2024-02-").map_or(0, |k| k + 9)..]
            .split(',')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        if day >= 20 {
            new.push(l.to_string());
        } else {
            old.push(l.to_string());
        }
    }
    new.push("D,2024-02-25,3".into()); // a new product
    let hist = dir.path().join("history.csv");
    let upd = dir.path().join("week.csv");
    std::fs::write(&hist, old.join("\n") + "\n").unwrap();
    std::fs::write(&upd, new.join("\n") + "\n").unwrap();

    let o = demandcast(&["append", "--input", path(&hist), "--new", path(&upd)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("to 3 series and added 1 new series"),
        "{}",
        stderr(&o)
    );
    // The merged history is the full file plus the new product.
    let (h, rows) = read_csv(&hist);
    assert_eq!(h, ["unique_id", "ds", "y"]);
    let (_, want) = read_csv(&full);
    let got: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] != "D").collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(*g, w);
    }
    assert_eq!(rows.last().unwrap(), &["D", "2024-02-25", "3"]);

    // The same week again overlaps: an error naming the series, the file untouched.
    let before = std::fs::read(&hist).unwrap();
    let o = demandcast(&["append", "--input", path(&hist), "--new", path(&upd)]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("week.csv") && err.contains("on or before"),
        "{err}"
    );
    assert_eq!(std::fs::read(&hist).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left");
}

#[test]
fn backtest_db_keeps_the_ranked_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = sales_csv(dir.path());
    let db = dir.path().join("runs.sqlite");
    let out = dir.path().join("bt");
    let o = demandcast(&[
        "backtest",
        "--input",
        path(&input),
        "--horizon",
        "7",
        "--windows",
        "2",
        "--models",
        "naive,seasonal_naive",
        "--output",
        path(&out),
        "--db",
        path(&db),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let store = demandcast_store::Store::open(&db).unwrap();
    let run = store.run(1).unwrap().unwrap();
    assert_eq!(run.kind, "backtest");
    let report = store.report(1).unwrap().unwrap();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["models"], file["models"],
        "the same ranking as report.json"
    );
    let ranked: Vec<&str> = file["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(run.models, ranked);
    assert_eq!(ranked.len(), 2);
    assert!(stderr(&o).contains("recorded as run 1"), "{}", stderr(&o));
}
