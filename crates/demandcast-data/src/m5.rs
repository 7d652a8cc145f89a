//! Importer for the M5 (Walmart) competition files.
//!
//! Reads the raw M5 layout — a wide sales file (`id, item_id, dept_id,
//! cat_id, store_id, state_id, d_1, d_2, ...`), `calendar.csv` and
//! `sell_prices*.csv` (optionally gzipped) — into a long daily [`Panel`]
//! plus the known-future covariates of the days after the history.
//!
//! * `unique_id` = the M5 `id` without its `_validation` / `_evaluation`
//!   suffix (`FOODS_3_090_CA_1`); history from the first `d_` column of the
//!   sales file to `last_day`; **leading zeros are kept** (the loader's
//!   [`LeadingZeros::Trim`](crate::LeadingZeros) policy trims them when the
//!   panel is written and loaded again; M5's own scorer also starts each
//!   series' scale at its first non-zero sale).
//! * covariates, per row: `sell_price` (the week's price of the item in its
//!   store; NaN in weeks without a price row, i.e. before the item's launch),
//!   `snap` (the SNAP flag of the item's state that day), `event` (1 if the
//!   calendar has any event that day), and `event_sporting`,
//!   `event_cultural`, `event_national`, `event_religious` (1 if an event of
//!   that type; any other type found in the calendar adds `event_<type>`).
//! * statics: `item_id`, `dept_id`, `cat_id`, `store_id`, `state_id`.
//! * future: the same covariates for the `horizon` days after `last_day`
//!   (prices and the calendar are known in advance).

use crate::diag::{Diagnostic, Severity};
use crate::parse::{parse_date, parse_num, Num};
use crate::table::{csv_error, csv_reader, open_text};
use crate::{Error, Result};
use chrono::NaiveDate;
use demandcast_core::{Column, Freq, FutureCovariates, Panel};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M5Options {
    /// The folder with the M5 files.
    pub dir: PathBuf,
    /// Keep only these stores (`CA_1`, `TX_2`...); `None` keeps all.
    pub stores: Option<Vec<String>>,
    /// The last day of history (`1913` ends at `d_1913`, the public-window
    /// backtest origin); `None`: the last `d_` column of the sales file.
    pub last_day: Option<usize>,
    /// Days of future covariates after the last day (M5: 28).
    pub horizon: usize,
}

impl M5Options {
    /// All stores, all days, 28-day horizon.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            stores: None,
            last_day: None,
            horizon: 28,
        }
    }
}

/// The imported data.
#[derive(Debug, Clone)]
pub struct M5Data {
    /// Daily history with covariates and statics.
    pub history: Panel,
    /// Covariates for the `horizon` days after the history.
    pub future: FutureCovariates,
    /// The sales file that was read.
    pub sales_file: PathBuf,
    /// The first and last day (`d_` number) of the history.
    pub days: (usize, usize),
}

/// The event types that always get a column.
pub const EVENT_TYPES: [&str; 4] = ["sporting", "cultural", "national", "religious"];

fn m5_err(path: &Path, message: impl Into<String>) -> Error {
    Error::M5 {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn invalid(file: &Path, row: usize, column: &str, message: String) -> Error {
    Error::Invalid {
        file: file.to_path_buf(),
        total: 1,
        errors: vec![Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            row: Some(row),
            column: Some(column.to_string()),
            message,
        }],
    }
}

fn is_csv_name(name: &str) -> bool {
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

/// The header of a CSV file (plain or gzipped).
fn header(path: &Path) -> Result<Vec<String>> {
    let r: Box<dyn Read> = Box::new(open_text(path)?);
    let (mut rdr, _) = csv_reader(path, r, false)?;
    crate::table::header_names(path, &mut rdr)
}

/// `d_N` -> N.
fn day_number(name: &str) -> Option<usize> {
    name.strip_prefix("d_").and_then(|n| n.parse().ok())
}

/// The sales file: among `sales_*.csv[.gz]` with the M5 columns, the one
/// with the most days, then the latest last day, then by name.
fn find_sales(dir: &Path, names: &[String]) -> Result<(PathBuf, Vec<String>)> {
    let mut best: Option<((usize, usize), PathBuf, Vec<String>)> = None;
    let mut seen = Vec::new();
    for n in names {
        if !n.starts_with("sales_") || !is_csv_name(n) {
            continue;
        }
        seen.push(n.clone());
        let p = dir.join(n);
        let h = header(&p)?;
        let need = ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"];
        if !need.iter().all(|c| h.iter().any(|x| x == c)) {
            continue;
        }
        let days: Vec<usize> = h.iter().filter_map(|c| day_number(c)).collect();
        let (Some(&lo), Some(&hi)) = (days.first(), days.last()) else {
            continue;
        };
        let key = (days.len(), hi.max(lo));
        if best.as_ref().is_none_or(|(k, _, _)| key > *k) {
            best = Some((key, p, h));
        }
    }
    best.map(|(_, p, h)| (p, h)).ok_or_else(|| {
        m5_err(
            dir,
            format!(
                "no M5 sales file: expected sales_*.csv[.gz] with columns id, item_id, dept_id, cat_id, store_id, state_id, d_1, d_2, ... (sales files found: {})",
                if seen.is_empty() { "none".to_string() } else { seen.join(", ") }
            ),
        )
    })
}

/// One calendar day.
#[derive(Clone, Default)]
struct Day {
    date: Option<NaiveDate>,
    week: usize,
    event: f64,
    types: Vec<f64>,
}

struct Calendar {
    /// Indexed by day number (`d_N` -> N).
    days: Vec<Day>,
    type_names: Vec<String>,
    /// state -> SNAP flag per day number.
    snap: HashMap<String, Vec<f64>>,
    n_weeks: usize,
    /// wm_yr_wk -> week index
    weeks: HashMap<String, usize>,
}

fn read_calendar(path: &Path) -> Result<Calendar> {
    let (mut rdr, _) = csv_reader(path, Box::new(open_text(path)?), false)?;
    let names = crate::table::header_names(path, &mut rdr)?;
    let col = |n: &str| names.iter().position(|x| x == n);
    let req = |n: &str| {
        col(n).ok_or_else(|| Error::MissingColumn {
            file: path.to_path_buf(),
            column: n.to_string(),
            found: names.clone(),
        })
    };
    let (c_date, c_week, c_d) = (req("date")?, req("wm_yr_wk")?, req("d")?);
    let ev: Vec<(usize, Option<usize>)> = ["1", "2"]
        .iter()
        .filter_map(|k| {
            col(&format!("event_name_{k}")).map(|n| (n, col(&format!("event_type_{k}"))))
        })
        .collect();
    let snap_cols: Vec<(String, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.strip_prefix("snap_").map(|s| (s.to_string(), i)))
        .collect();
    let mut type_names: Vec<String> = EVENT_TYPES.iter().map(|s| s.to_string()).collect();
    let mut days: Vec<Day> = Vec::new();
    let mut snap: HashMap<String, Vec<f64>> = snap_cols
        .iter()
        .map(|(s, _)| (s.clone(), Vec::new()))
        .collect();
    let mut weeks = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut row = 1usize;
    loop {
        row += 1;
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, Some(row), &e)),
        }
        let f = |i: usize| rec.get(i).unwrap_or("");
        let Some(n) = day_number(f(c_d)) else {
            return Err(invalid(
                path,
                row,
                "d",
                format!("'{}' is not a day name d_N", f(c_d)),
            ));
        };
        if n > 1_000_000 {
            return Err(invalid(
                path,
                row,
                "d",
                format!("day number {n} is implausible"),
            ));
        }
        let date = parse_date(f(c_date).as_bytes()).map_err(|_| {
            invalid(
                path,
                row,
                "date",
                format!("cannot parse '{}' as a date", f(c_date)),
            )
        })?;
        let nw = weeks.len();
        let week = *weeks.entry(f(c_week).to_string()).or_insert(nw);
        let mut day = Day {
            date: Some(date),
            week,
            event: 0.0,
            types: Vec::new(),
        };
        let mut types = Vec::new();
        for (name_c, type_c) in &ev {
            if !f(*name_c).is_empty() {
                day.event = 1.0;
                if let Some(tc) = type_c {
                    let t = f(*tc).trim().to_ascii_lowercase();
                    if !t.is_empty() {
                        let k = match type_names.iter().position(|x| *x == t) {
                            Some(k) => k,
                            None => {
                                type_names.push(t);
                                type_names.len() - 1
                            }
                        };
                        types.push(k);
                    }
                }
            }
        }
        day.types = vec![0.0; type_names.len()];
        for k in types {
            day.types[k] = 1.0;
        }
        if days.len() <= n {
            days.resize(n + 1, Day::default());
        }
        for (state, i) in &snap_cols {
            let v = match parse_num(f(*i).as_bytes(), false) {
                Num::Value(v) => v,
                _ => {
                    return Err(invalid(
                        path,
                        row,
                        &names[*i],
                        format!("cannot parse '{}' as a number", f(*i)),
                    ))
                }
            };
            let s = snap.entry(state.clone()).or_default();
            if s.len() <= n {
                s.resize(n + 1, f64::NAN);
            }
            s[n] = v;
        }
        days[n] = day;
    }
    let nt = type_names.len();
    for d in &mut days {
        d.types.resize(nt, 0.0);
    }
    Ok(Calendar {
        n_weeks: weeks.len(),
        days,
        type_names,
        snap,
        weeks,
    })
}

/// Checks that the calendar has consecutive dates for days `a..=b`.
fn check_calendar(
    cal: &Calendar,
    path: &Path,
    a: usize,
    b: usize,
    what: &str,
) -> Result<NaiveDate> {
    let mut prev: Option<NaiveDate> = None;
    for n in a..=b {
        let Some(date) = cal.days.get(n).and_then(|d| d.date) else {
            return Err(m5_err(
                path,
                format!("the calendar has no row for d_{n}, needed for {what}"),
            ));
        };
        if let Some(p) = prev {
            if p.succ_opt() != Some(date) {
                return Err(m5_err(
                    path,
                    format!("the calendar dates are not consecutive at d_{n} ({date})"),
                ));
            }
        }
        prev = Some(date);
    }
    cal.days
        .get(a)
        .and_then(|d| d.date)
        .ok_or_else(|| m5_err(path, format!("the calendar has no row for d_{a}")))
}

/// Parses a unit count quickly (non-negative integers), else as any number.
fn units(b: &[u8]) -> Option<f64> {
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0u64, |a, &c| a * 10 + u64::from(c - b'0')) as f64);
    }
    match parse_num(b, false) {
        Num::Value(v) if v.is_finite() => Some(v),
        _ => None,
    }
}

/// Imports the M5 files of `opts.dir`. See the [module docs](self).
///
/// # Errors
/// [`Error::M5`] when files are missing or `last_day`/`horizon` fall outside
/// the sales file or the calendar; [`Error::Invalid`] / [`Error::Csv`] /
/// [`Error::MissingColumn`] for malformed files, naming file, row and column.
pub fn import(opts: &M5Options) -> Result<M5Data> {
    let dir = opts.dir.as_path();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let (sales_path, header) = find_sales(dir, &names)?;
    let cal_name = ["calendar.csv", "calendar.csv.gz"]
        .iter()
        .find(|n| names.iter().any(|x| x == *n))
        .ok_or_else(|| m5_err(dir, "no calendar.csv"))?;
    let cal_path = dir.join(cal_name);
    let price_files: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("sell_prices") && is_csv_name(n))
        .collect();
    let price_path = dir.join(
        price_files
            .first()
            .ok_or_else(|| m5_err(dir, "no sell_prices*.csv[.gz] file"))?,
    );
    if price_files.len() > 1 {
        tracing::info!(file = %price_path.display(), "several sell_prices files; using the first by name");
    }

    let cal = read_calendar(&cal_path)?;

    // Sales layout.
    let pos = |n: &str| header.iter().position(|x| x == n);
    let (c_id, c_item, c_dept, c_cat, c_store, c_state) = match (
        pos("id"),
        pos("item_id"),
        pos("dept_id"),
        pos("cat_id"),
        pos("store_id"),
        pos("state_id"),
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)) => (a, b, c, d, e, f),
        _ => return Err(m5_err(&sales_path, "missing id columns")),
    };
    let dcols: Vec<(usize, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, c)| day_number(c).map(|n| (i, n)))
        .collect();
    for w in dcols.windows(2) {
        if w[1].1 != w[0].1 + 1 {
            return Err(m5_err(
                &sales_path,
                format!(
                    "day columns are not consecutive: d_{} is followed by d_{}",
                    w[0].1, w[1].1
                ),
            ));
        }
    }
    let (Some(&(_, first)), Some(&(_, file_last))) = (dcols.first(), dcols.last()) else {
        return Err(m5_err(&sales_path, "no d_ columns"));
    };
    let last = opts.last_day.unwrap_or(file_last);
    if last < first || last > file_last {
        return Err(m5_err(
            &sales_path,
            format!("last day d_{last} is outside the sales file's days d_{first}..d_{file_last}"),
        ));
    }
    let n_days = last - first + 1;
    let dcols = &dcols[..n_days];
    let start = check_calendar(&cal, &cal_path, first, last, "the history")?;
    let h = opts.horizon;
    if h > 0 {
        check_calendar(
            &cal,
            &cal_path,
            first,
            last + h,
            &format!("the {h}-day horizon after d_{last}"),
        )?;
    }

    // Sales rows.
    let store_filter: Option<HashSet<&str>> = opts
        .stores
        .as_ref()
        .map(|s| s.iter().map(String::as_str).collect());
    let (mut rdr, _) = csv_reader(&sales_path, Box::new(open_text(&sales_path)?), false)?;
    let _ = rdr
        .byte_headers()
        .map_err(|e| csv_error(&sales_path, Some(1), &e))?;
    let mut ids = Vec::new();
    let mut statics: [Vec<String>; 5] = Default::default();
    let mut y: Vec<f64> = Vec::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut stores_in_file: Vec<String> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut row = 1usize;
    loop {
        row += 1;
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&sales_path, Some(row), &e)),
        }
        let text = |i: usize| String::from_utf8_lossy(rec.get(i).unwrap_or(b"")).into_owned();
        let store = text(c_store);
        if !stores_in_file.contains(&store) {
            stores_in_file.push(store.clone());
        }
        if let Some(f) = &store_filter {
            if !f.contains(store.as_str()) {
                continue;
            }
        }
        let raw_id = text(c_id);
        let id = raw_id
            .strip_suffix("_validation")
            .or_else(|| raw_id.strip_suffix("_evaluation"))
            .unwrap_or(&raw_id)
            .to_string();
        if id.is_empty() {
            return Err(invalid(&sales_path, row, "id", "missing id".into()));
        }
        if let Some(prev) = seen_ids.insert(id.clone(), row) {
            return Err(invalid(
                &sales_path,
                row,
                "id",
                format!("duplicate series '{id}': also in row {prev}"),
            ));
        }
        y.reserve(n_days);
        for &(i, n) in dcols {
            let b = rec.get(i).unwrap_or(b"");
            match units(b) {
                Some(v) => y.push(v),
                None => {
                    return Err(invalid(
                        &sales_path,
                        row,
                        &format!("d_{n}"),
                        format!(
                            "cannot parse '{}' as a unit count",
                            String::from_utf8_lossy(b)
                        ),
                    ))
                }
            }
        }
        ids.push(id);
        for (k, c) in [c_item, c_dept, c_cat, c_store, c_state]
            .into_iter()
            .enumerate()
        {
            statics[k].push(text(c));
        }
    }
    if let Some(f) = &store_filter {
        let missing: Vec<&&str> = f
            .iter()
            .filter(|s| !stores_in_file.iter().any(|x| x == **s))
            .collect();
        if !missing.is_empty() {
            let mut m: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
            m.sort();
            return Err(m5_err(
                &sales_path,
                format!(
                    "store(s) {} not in the sales file (stores found: {})",
                    m.join(", "),
                    stores_in_file.join(", ")
                ),
            ));
        }
    }
    if ids.is_empty() {
        return Err(m5_err(&sales_path, "no series"));
    }
    let ns = ids.len();

    // Prices: per series and calendar week.
    let mut key_of: HashMap<String, usize> = HashMap::with_capacity(ns);
    for (i, (item, store)) in statics[0].iter().zip(&statics[3]).enumerate() {
        key_of.insert(format!("{item}\u{1f}{store}"), i);
    }
    let nw = cal.n_weeks;
    let mut price = vec![f64::NAN; ns * nw];
    {
        let (mut rdr, _) = csv_reader(&price_path, Box::new(open_text(&price_path)?), false)?;
        let names = crate::table::header_names(&price_path, &mut rdr)?;
        let col = |n: &str| {
            names
                .iter()
                .position(|x| x == n)
                .ok_or_else(|| Error::MissingColumn {
                    file: price_path.clone(),
                    column: n.to_string(),
                    found: names.clone(),
                })
        };
        let (c_s, c_i, c_w, c_p) = (
            col("store_id")?,
            col("item_id")?,
            col("wm_yr_wk")?,
            col("sell_price")?,
        );
        let mut key = String::new();
        let mut row = 1usize;
        loop {
            row += 1;
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_error(&price_path, Some(row), &e)),
            }
            let f = |i: usize| std::str::from_utf8(rec.get(i).unwrap_or(b"")).unwrap_or("");
            key.clear();
            key.push_str(f(c_i));
            key.push('\u{1f}');
            key.push_str(f(c_s));
            let Some(&i) = key_of.get(key.as_str()) else {
                continue;
            };
            let Some(&w) = cal.weeks.get(f(c_w)) else {
                continue;
            };
            match parse_num(f(c_p).as_bytes(), false) {
                Num::Value(v) if v.is_finite() => price[i * nw + w] = v,
                Num::Missing => {}
                _ => {
                    return Err(invalid(
                        &price_path,
                        row,
                        "sell_price",
                        format!("cannot parse '{}' as a number", f(c_p)),
                    ))
                }
            }
        }
    }

    // Covariates for days a..=b of every series, in panel layout.
    let snap_of: Vec<Option<&Vec<f64>>> = statics[4].iter().map(|s| cal.snap.get(s)).collect();
    let nt = cal.type_names.len();
    let build = |a: usize, b: usize| -> Vec<(String, Vec<f64>)> {
        let len = b + 1 - a;
        let mut sp = Vec::with_capacity(ns * len);
        let mut sn = Vec::with_capacity(ns * len);
        let mut ev = Vec::with_capacity(ns * len);
        let mut ty: Vec<Vec<f64>> = vec![Vec::with_capacity(ns * len); nt];
        for i in 0..ns {
            for d in a..=b {
                let day = &cal.days[d];
                sp.push(price[i * nw + day.week]);
                sn.push(
                    snap_of[i]
                        .and_then(|v| v.get(d).copied())
                        .unwrap_or(f64::NAN),
                );
                ev.push(day.event);
                for (k, t) in ty.iter_mut().enumerate() {
                    t.push(day.types[k]);
                }
            }
        }
        let mut cols = vec![
            ("sell_price".to_string(), sp),
            ("snap".to_string(), sn),
            ("event".to_string(), ev),
        ];
        for (k, t) in ty.into_iter().enumerate() {
            cols.push((format!("event_{}", cal.type_names[k]), t));
        }
        cols
    };
    for (i, st) in statics[4].iter().enumerate() {
        if snap_of[i].is_none() {
            tracing::warn!(state = %st, "calendar has no snap_{st} column; snap is NaN");
            break;
        }
    }

    let hist_cols = build(first, last);
    let fut_cols: Vec<Column> = if h > 0 {
        build(last + 1, last + h)
            .into_iter()
            .map(|(name, values)| Column { name, values })
            .collect()
    } else {
        hist_cols
            .iter()
            .map(|(name, _)| Column {
                name: name.clone(),
                values: Vec::new(),
            })
            .collect()
    };
    drop(snap_of);
    let mut history = Panel::from_parts(
        Freq::Daily,
        ids.clone(),
        vec![start; ns],
        (0..=ns).map(|i| i * n_days).collect(),
        y,
    )?;
    for (name, v) in hist_cols {
        history = history.with_covariate(name, v)?;
    }
    for (k, name) in ["item_id", "dept_id", "cat_id", "store_id", "state_id"]
        .iter()
        .enumerate()
    {
        history = history.with_static(*name, std::mem::take(&mut statics[k]))?;
    }
    let fstart = Freq::Daily.step(start, n_days as i64);
    let future = FutureCovariates {
        lookup: Default::default(),
        ids,
        starts: vec![fstart; ns],
        indptr: (0..=ns).map(|i| i * h).collect(),
        columns: fut_cols,
    };
    Ok(M5Data {
        history,
        future,
        sales_file: sales_path,
        days: (first, last),
    })
}
