//! One test per validation case: each checks that the message names the
//! file, the row (header = row 1) and the column.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use demandcast_data::*;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn load(text: &str, opts: &LoadOptions) -> (Result<Loaded>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "sales.csv", text);
    (load_panel(&p, opts), dir)
}

/// The single error diagnostic of an `Error::Invalid`.
fn errors(r: Result<Loaded>) -> Vec<Diagnostic> {
    match r {
        Err(Error::Invalid { errors, .. }) => errors,
        Err(e) => panic!("expected Error::Invalid, got {e}"),
        Ok(_) => panic!("expected an error"),
    }
}

fn has(diags: &[Diagnostic], row: Option<usize>, col: &str, needle: &str) -> bool {
    diags
        .iter()
        .any(|d| d.row == row && d.column.as_deref() == Some(col) && d.message.contains(needle))
}

#[test]
fn missing_column_lists_columns_found() {
    let (r, _d) = load("id,date,sales\nA,2024-01-01,1\n", &LoadOptions::default());
    let e = r.unwrap_err();
    match &e {
        Error::MissingColumn { column, found, .. } => {
            assert_eq!(column, "unique_id");
            assert_eq!(found, &["id", "date", "sales"]);
        }
        e => panic!("{e}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains(
            "sales.csv: missing required column 'unique_id' (columns found: id, date, sales)"
        ),
        "{msg}"
    );
    // naming the columns makes it load
    let opts = LoadOptions {
        id_col: "id".into(),
        time_col: "date".into(),
        target_col: "sales".into(),
        freq: Some(Freq::Daily),
        ..Default::default()
    };
    let (r, _d) = load("id,date,sales\nA,2024-01-01,1\n", &opts);
    assert_eq!(r.unwrap().panel.n_series(), 1);
}

#[test]
fn unparsable_date_names_row_and_column() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,01/02/2024,2\nA,2024-01-03,3\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(&e, Some(3), "ds", "cannot parse '01/02/2024' as a date"),
        "{e:?}"
    );
    let shown = e[0].to_string();
    assert!(shown.ends_with("sales.csv:3: column 'ds': cannot parse '01/02/2024' as a date (expected YYYY-MM-DD or YYYY-MM-DD 00:00:00)"), "{shown}");
}

#[test]
fn time_of_day_must_be_midnight() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01 00:00:00,1\nA,2024-01-02 00:00:00,2\n",
        &LoadOptions::default(),
    );
    assert_eq!(r.unwrap().panel.series(0), &[1.0, 2.0]);
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01 00:00:00,1\nA,2024-01-02 13:30:00,2\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(has(&e, Some(3), "ds", "time of day"), "{e:?}");
}

#[test]
fn unparsable_number_names_row_and_column() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,two\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(&e, Some(3), "y", "cannot parse 'two' as a number"),
        "{e:?}"
    );
    // in a numeric covariate
    let (r, _d) = load(
        "unique_id,ds,y,price\nA,2024-01-01,1,1.5\nA,2024-01-02,2,1.5\nA,2024-01-03,2,abc\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(&e, Some(4), "price", "cannot parse 'abc' as a number"),
        "{e:?}"
    );
}

#[test]
fn nan_and_inf_in_target() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,NaN\nA,2024-01-03,\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(has(&e, Some(3), "y", "missing value"), "{e:?}");
    assert!(has(&e, Some(4), "y", "missing value"), "{e:?}");
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,inf\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(has(&e, Some(3), "y", "infinite value"), "{e:?}");
    // MissingPolicy::Zero reads them as 0, with a warning naming the row
    let mut opts = LoadOptions::default();
    opts.policy.missing = MissingPolicy::Zero;
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,NaN\nA,2024-01-03,4\n",
        &opts,
    );
    let l = r.unwrap();
    assert_eq!(l.panel.series(0), &[1.0, 0.0, 4.0]);
    assert!(
        has(&l.diagnostics, Some(3), "y", "missing value read as 0"),
        "{:?}",
        l.diagnostics
    );
}

#[test]
fn duplicates_name_both_rows() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2\nB,2024-01-01,1\nA,2024-01-02,5\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(5),
            "ds",
            "duplicate (unique_id, ds) = ('A', 2024-01-02): the same pair is in row 3"
        ),
        "{e:?}"
    );
}

#[test]
fn negatives_per_policy() {
    let text = "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,-2\nA,2024-01-03,3\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let e = errors(r);
    assert!(has(&e, Some(3), "y", "negative value -2"), "{e:?}");

    let mut opts = LoadOptions::default();
    opts.policy.negatives = NegativePolicy::ClipZero;
    let (r, _d) = load(text, &opts);
    let l = r.unwrap();
    assert_eq!(l.panel.series(0), &[1.0, 0.0, 3.0]);
    assert!(has(&l.diagnostics, Some(3), "y", "clipped to 0"));
    let w = l.diagnostics.iter().find(|d| d.row == Some(3)).unwrap();
    assert_eq!(w.severity, Severity::Warning);

    opts.policy.negatives = NegativePolicy::Keep;
    let (r, _d) = load(text, &opts);
    let l = r.unwrap();
    assert_eq!(l.panel.series(0), &[1.0, -2.0, 3.0]);
    assert!(has(&l.diagnostics, Some(3), "y", "kept"));
}

#[test]
fn off_grid_dates() {
    // 2024-01-07 and 2024-01-14 are Sundays, 2024-01-22 a Monday
    let text = "unique_id,ds,y\nA,2024-01-07,1\nA,2024-01-14,2\nA,2024-01-22,3\n";
    let opts = LoadOptions {
        freq: Some("W-SUN".parse().unwrap()),
        ..Default::default()
    };
    let (r, _d) = load(text, &opts);
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(4),
            "ds",
            "date 2024-01-22 (Monday) is not on the W-SUN grid"
        ),
        "{e:?}"
    );
    // the same without --freq: inferred from the dominant weekday, the stray date reported
    let (r, _d) = load("unique_id,ds,y\nA,2024-01-07,1\nA,2024-01-14,2\nA,2024-01-22,3\nB,2024-01-21,1\nB,2024-01-28,1\nB,2024-02-04,1\n", &LoadOptions::default());
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(4),
            "ds",
            "date 2024-01-22 (Monday) is not on the W-SUN grid"
        ),
        "{e:?}"
    );
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-02-01,1\nA,2024-03-01,1\nA,2024-04-01,1\nA,2024-04-15,1\nA,2024-05-01,1\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(6),
            "ds",
            "date 2024-04-15 (Monday) is not on the MS grid"
        ),
        "{e:?}"
    );
    // biweekly data fits no frequency: the error says so (no zero-filled weeks)
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-07,1\nA,2024-01-21,1\nA,2024-02-04,1\nA,2024-02-18,1\nA,2024-03-03,1\n",
        &LoadOptions::default(),
    );
    assert!(matches!(r, Err(Error::Freq { .. })));
    // monthly: a mid-month date
    let opts = LoadOptions {
        freq: Some(Freq::MonthStart),
        ..Default::default()
    };
    let (r, _d) = load("unique_id,ds,y\nA,2024-01-01,1\nA,2024-02-15,2\n", &opts);
    let e = errors(r);
    assert!(has(&e, Some(3), "ds", "first day of a month"), "{e:?}");
}

#[test]
fn gaps_filled_or_rejected() {
    let text = "unique_id,ds,y,price\nA,2024-01-01,1,2.0\nA,2024-01-02,2,2.0\nA,2024-01-05,3,2.5\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let l = r.unwrap();
    assert_eq!(l.panel.series(0), &[1.0, 2.0, 0.0, 0.0, 3.0]);
    let price = l.panel.covariate_of("price", 0).unwrap();
    assert!(price[2].is_nan() && price[3].is_nan() && price[4] == 2.5);
    assert!(
        has(&l.diagnostics, Some(4), "ds", "2 missing dates filled with y = 0 (first gap: between 2024-01-02 in row 3 and 2024-01-05)"),
        "{:?}",
        l.diagnostics
    );
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("filled 2 missing dates in 1 series")));

    let mut opts = LoadOptions::default();
    opts.policy.gaps = GapPolicy::Error;
    let (r, _d) = load(text, &opts);
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(4),
            "ds",
            "series 'A': 2 missing dates between 2024-01-02 (row 3) and 2024-01-05"
        ),
        "{e:?}"
    );
}

#[test]
fn short_series_warn() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2\nB,2024-01-02,7\n",
        &LoadOptions::default(),
    );
    let l = r.unwrap();
    assert!(
        has(
            &l.diagnostics,
            Some(4),
            "unique_id",
            "series 'B' has only 1 row"
        ),
        "{:?}",
        l.diagnostics
    );
    // trimming can make a series short
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,0\nA,2024-01-02,0\nA,2024-01-03,5\nB,2024-01-01,1\n",
        &LoadOptions::default(),
    );
    let l = r.unwrap();
    assert!(
        has(
            &l.diagnostics,
            Some(4),
            "unique_id",
            "after trimming leading zeros"
        ),
        "{:?}",
        l.diagnostics
    );
}

#[test]
fn leading_zeros_trim_or_keep() {
    let text = "unique_id,ds,y\nA,2024-01-01,0\nA,2024-01-02,0\nA,2024-01-03,5\nA,2024-01-04,0\nZ,2024-01-01,0\nZ,2024-01-02,0\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let l = r.unwrap();
    assert_eq!(l.panel.series(0), &[5.0, 0.0]);
    assert_eq!(l.panel.start(0), d(2024, 1, 3));
    // all-zero series kept whole, with a warning naming its first row
    assert_eq!(l.panel.series(1), &[0.0, 0.0]);
    assert!(has(
        &l.diagnostics,
        Some(6),
        "y",
        "series 'Z' has no non-zero value"
    ));
    assert!(l.diagnostics.iter().any(|d| d
        .message
        .starts_with("trimmed 2 leading zero rows from 1 series")));
    let mut opts = LoadOptions::default();
    opts.policy.leading_zeros = LeadingZeros::Keep;
    let (r, _d) = load(text, &opts);
    assert_eq!(r.unwrap().panel.series(0), &[0.0, 0.0, 5.0, 0.0]);
}

#[test]
fn missing_id_and_date() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\n,2024-01-02,2\nA,,3\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(has(&e, Some(3), "unique_id", "missing series id"), "{e:?}");
    assert!(has(&e, Some(4), "ds", "missing date"), "{e:?}");
}

#[test]
fn many_errors_are_counted_and_summarised() {
    let mut text = String::from("unique_id,ds,y\n");
    for k in 0..100 {
        text.push_str(&format!("S{k},2024-01-01,-1\nS{k},2024-01-02,1\n"));
    }
    let (r, _d) = load(&text, &LoadOptions::default());
    match r {
        Err(Error::Invalid { errors, total, .. }) => {
            assert_eq!(total, 100);
            assert_eq!(errors.len(), 11);
            assert!(errors[10]
                .message
                .contains("... and 90 more: negative target values (100 in all)"));
            assert_eq!(errors[0].row, Some(2));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn covariates_statics_and_indicators() {
    let text = "unique_id,ds,y,price,store,event,promo\n\
        A,2024-01-01,1,1.5,S1,,true\n\
        A,2024-01-02,2,,S1,Easter,false\n\
        A,2024-01-03,3,1.6,S1,SuperBowl,false\n\
        B,2024-01-01,4,2.0,S2,,true\n\
        B,2024-01-02,5,2.0,S2,Easter,true\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let l = r.unwrap();
    let p = &l.panel;
    let names: Vec<&str> = p.covariates().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["price", "event=Easter", "event=SuperBowl", "promo"]);
    assert!(p.covariate_of("price", 0).unwrap()[1].is_nan());
    assert_eq!(p.covariate_of("event=Easter", 0).unwrap(), &[0.0, 1.0, 0.0]);
    assert_eq!(
        p.covariate_of("event=SuperBowl", 0).unwrap(),
        &[0.0, 0.0, 1.0]
    );
    assert_eq!(p.covariate_of("promo", 1).unwrap(), &[1.0, 1.0]);
    assert_eq!(
        p.static_col("store").unwrap(),
        &["S1".to_string(), "S2".to_string()]
    );
    assert!(p.static_col("event").is_none());
    assert!(
        has(
            &l.diagnostics,
            Some(3),
            "price",
            "1 of 5 rows have no value"
        ),
        "{:?}",
        l.diagnostics
    );
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.column.as_deref() == Some("event")
            && d.message
                .contains("2 indicator columns (event=Easter, event=SuperBowl)")));
}

#[test]
fn many_text_values_share_other() {
    let mut text = String::from("unique_id,ds,y,tag\n");
    let start = d(2024, 1, 1);
    for k in 0..60 {
        let day = start + chrono::Duration::days(k);
        // tag t0 appears 10 times, t1..t50 once each
        let tag = if k < 10 {
            "t0".to_string()
        } else {
            format!("t{}", k - 9)
        };
        text.push_str(&format!("A,{day},1,{tag}\n"));
    }
    let (r, _d) = load(&text, &LoadOptions::default());
    let l = r.unwrap();
    let names: Vec<&str> = l
        .panel
        .covariates()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names.len(), MAX_INDICATORS);
    assert!(names.contains(&"tag=t0"));
    assert_eq!(*names.last().unwrap(), "tag=(other)");
    let other = l.panel.covariate_of("tag=(other)", 0).unwrap();
    assert_eq!(other.iter().sum::<f64>(), 60.0 - 10.0 - 18.0);
}

#[test]
fn unsorted_rows_and_integer_ids() {
    let text = "unique_id,ds,y\n7,2024-01-03,3\n7,2024-01-01,1\n12,2024-01-01,9\n7,2024-01-02,2\n12,2024-01-02,8\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let p = r.unwrap().panel;
    assert_eq!(p.ids(), &["7".to_string(), "12".to_string()]);
    assert_eq!(p.series(0), &[1.0, 2.0, 3.0]);
    assert_eq!(p.freq(), Freq::Daily);
}

#[test]
fn semicolon_decimal_comma_bom_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}unique_id;ds;y;price\nA;2024-01-01;1;1,5\nA;2024-01-02;2;2,25\n";
    let p = write(dir.path(), "s.csv", text);
    let l = load_panel(&p, &LoadOptions::default()).unwrap();
    assert_eq!(l.panel.covariate_of("price", 0).unwrap(), &[1.5, 2.25]);
    // gzip, detected by content even with a plain .csv name
    let gz = dir.path().join("s2.csv");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(
        &mut e,
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02,2\n".as_bytes(),
    )
    .unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    assert_eq!(
        load_panel(&gz, &LoadOptions::default())
            .unwrap()
            .panel
            .series(0),
        &[1.0, 2.0]
    );
}

#[test]
fn frequency_inference_errors_name_the_file() {
    let (r, _d) = load("unique_id,ds,y\nA,2024-01-01,1\n", &LoadOptions::default());
    let e = r.unwrap_err();
    assert!(matches!(e, Error::Freq { .. }));
    assert!(
        e.to_string()
            .contains("sales.csv: cannot infer the frequency"),
        "{e}"
    );
}

#[test]
fn weekly_and_monthly_panels() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-07,1\nA,2024-01-21,3\nB,2024-01-14,2\n",
        &LoadOptions::default(),
    );
    let l = r.unwrap();
    assert_eq!(l.panel.freq(), "W-SUN".parse().unwrap());
    assert_eq!(l.panel.series(0), &[1.0, 0.0, 3.0]);
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-31,1\nA,2024-02-29,3\nA,2024-04-30,5\n",
        &LoadOptions::default(),
    );
    let l = r.unwrap();
    assert_eq!(l.panel.freq(), Freq::MonthEnd);
    assert_eq!(l.panel.series(0), &[1.0, 3.0, 0.0, 5.0]);
}

#[test]
fn diagnostic_display_format() {
    let dg = Diagnostic {
        severity: Severity::Error,
        file: "a/b.csv".into(),
        row: Some(7),
        column: Some("y".into()),
        message: "bad".into(),
    };
    assert_eq!(dg.to_string(), "a/b.csv:7: column 'y': bad");
    let dg = Diagnostic {
        row: None,
        column: None,
        ..dg
    };
    assert_eq!(dg.to_string(), "a/b.csv: bad");
}

#[test]
fn repeated_and_unnamed_columns() {
    let (r, _d) = load(
        "unique_id,ds,y,p,p\nA,2024-01-01,1,1,2\n",
        &LoadOptions::default(),
    );
    let e = errors(r);
    assert!(
        has(
            &e,
            Some(1),
            "p",
            "names this column twice (columns 4 and 5)"
        ),
        "{e:?}"
    );
    let (r, _d) = load(
        ",unique_id,ds,y\n0,A,2024-01-01,1\n1,A,2024-01-02,2\n",
        &LoadOptions::default(),
    );
    let l = r.unwrap();
    assert!(l.panel.covariates().is_empty());
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.contains("column 1 has no name")));
}

#[test]
fn malformed_csv_names_the_row() {
    let (r, _d) = load(
        "unique_id,ds,y\nA,2024-01-01,1\nA,2024-01-02\n",
        &LoadOptions::default(),
    );
    match r {
        Err(e @ Error::Csv { .. }) => {
            assert_eq!(e.row(), Some(3));
            assert!(
                e.to_string().contains(
                    "sales.csv:3: malformed CSV: this row has 2 fields but the header has 3"
                ),
                "{e}"
            );
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let (r, _d) = load("", &LoadOptions::default());
    assert!(matches!(
        r,
        Err(Error::Empty { .. }) | Err(Error::MissingColumn { .. })
    ));
    let (r, _d) = load("unique_id,ds,y\n", &LoadOptions::default());
    assert!(matches!(r, Err(Error::Empty { .. })));
}

#[test]
fn numeric_ids_constant_per_series_are_attributes() {
    // store_nbr never changes within a series: a label, not a quantity.
    // price varies: a covariate. dept_id varies within series B: numbers after all.
    let text = "unique_id,ds,y,store_nbr,price,dept_id\n\
                A,2024-01-01,1,3,1.5,7\n\
                A,2024-01-02,2,3,1.5,7\n\
                B,2024-01-01,3,12,2.0,7\n\
                B,2024-01-02,4,12,2.5,8\n";
    let (r, _d) = load(text, &LoadOptions::default());
    let l = r.unwrap();
    let p = &l.panel;
    assert_eq!(
        p.static_col("store_nbr").unwrap(),
        &["3".to_string(), "12".to_string()]
    );
    assert!(p.covariate_of("store_nbr", 0).is_none());
    assert_eq!(p.covariate_of("price", 1).unwrap(), &[2.0, 2.5]);
    assert_eq!(p.covariate_of("dept_id", 1).unwrap(), &[7.0, 8.0]);
    assert!(p.static_col("dept_id").is_none());
    assert!(has(
        &l.diagnostics,
        None,
        "store_nbr",
        "read as an attribute"
    ));
}

#[test]
fn listed_static_columns_are_attributes_and_must_not_change() {
    let text = "unique_id,ds,y,region,price\n\
                A,2024-01-01,1,1,1.5\n\
                A,2024-01-02,2,1,1.5\n\
                B,2024-01-01,3,2,2.0\n\
                B,2024-01-02,4,2,2.0\n";
    let opts = LoadOptions {
        static_cols: vec!["region".into(), "price".into()],
        ..Default::default()
    };
    let (r, _d) = load(text, &opts);
    let p = r.unwrap().panel;
    assert_eq!(
        p.static_col("region").unwrap(),
        &["1".to_string(), "2".to_string()]
    );
    assert_eq!(
        p.static_col("price").unwrap(),
        &["1.5".to_string(), "2.0".to_string()]
    );
    assert!(p.covariates().is_empty());
    // unlisted, `region` is a number like any other
    let (r, _d) = load(text, &LoadOptions::default());
    assert!(r.unwrap().panel.covariate_of("region", 0).is_some());
    // a listed column that changes within a series names both rows
    let bad = "unique_id,ds,y,region\nA,2024-01-01,1,1\nA,2024-01-02,2,1\nA,2024-01-03,2,5\n";
    let opts = LoadOptions {
        static_cols: vec!["region".into()],
        ..Default::default()
    };
    let (r, _d) = load(bad, &opts);
    let e = errors(r);
    // a listed column the file lacks is an error, not ignored
    let (missing, _d) = load(
        text,
        &LoadOptions {
            static_cols: vec!["regoin".into()],
            ..Default::default()
        },
    );
    let msg = missing.unwrap_err().to_string();
    assert!(msg.contains("missing required column 'regoin'"), "{msg}");
    assert!(
        has(&e, Some(4), "region", "'5' here and '1' in row 2"),
        "{e:?}"
    );
}
