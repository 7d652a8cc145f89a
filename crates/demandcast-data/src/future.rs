//! `load_future`: known-future covariates for the forecast horizon.

use crate::cols::{num_cells, row_days, series_keys, NO_SERIES};
use crate::diag::Diags;
use crate::load::{check_duplicate_names, OTHER};
use crate::options::LoadOptions;
use crate::parse::{from_days, grid_ord, iso, to_days};
use crate::table::{read_table, RawCol, ReadSpec, Table, DATE_NULL};
use crate::{Error, Result};
use demandcast_core::{Column, FutureCovariates, Panel};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Where a panel covariate comes from in the future file.
enum Source {
    /// A numeric column of the same name.
    Numeric(usize),
    /// An indicator `col=value` of text column `col`; `others` holds the
    /// values that have their own indicator (for `col=(other)`).
    Flag {
        col: usize,
        value: String,
        others: HashSet<String>,
    },
    /// Absent from the file, but constant within each series' history (a
    /// numeric store number, a size): each series' value, in panel order.
    Constant(Vec<f64>),
}

/// The value of covariate `c` if it is the same in every row of each series
/// (NaN rows ignored), per series; `None` when some series varies.
fn per_series_constant(panel: &Panel, c: usize) -> Option<Vec<f64>> {
    let col = &panel.covariates()[c].values;
    let ptr = panel.indptr();
    (0..panel.n_series())
        .map(|i| {
            let mut vals = col[ptr[i]..ptr[i + 1]].iter().filter(|v| !v.is_nan());
            let first = vals.next().copied().unwrap_or(f64::NAN);
            vals.all(|v| *v == first).then_some(first)
        })
        .collect()
}

/// Finds the source of each panel covariate; errors list those not found.
fn sources(t: &Table, panel: &Panel, skip: &[usize]) -> Result<Vec<Source>> {
    let names: Vec<&str> = panel.covariates().iter().map(|c| c.name.as_str()).collect();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (c, n) in names.iter().enumerate() {
        if let Some(j) = t.find(n).filter(|j| !skip.contains(j)) {
            out.push(Source::Numeric(j));
            continue;
        }
        let flag = t.names.iter().enumerate().find(|(j, c)| {
            !skip.contains(j)
                && matches!(t.cols[*j], RawCol::Text(_))
                && n.len() > c.len()
                && n.starts_with(c.as_str())
                && n.as_bytes()[c.len()] == b'='
        });
        match flag {
            Some((j, c)) => {
                let prefix = format!("{c}=");
                let others = names
                    .iter()
                    .filter_map(|m| m.strip_prefix(&prefix))
                    .filter(|v| *v != OTHER)
                    .map(str::to_string)
                    .collect();
                out.push(Source::Flag {
                    col: j,
                    value: n[prefix.len()..].to_string(),
                    others,
                });
            }
            None => match per_series_constant(panel, c) {
                Some(values) => out.push(Source::Constant(values)),
                None => missing.push(n.to_string()),
            },
        }
    }
    if !missing.is_empty() {
        return Err(Error::MissingColumn {
            file: t.file.clone(),
            column: missing.join(", "),
            found: t.names.clone(),
        });
    }
    Ok(out)
}

/// Loads the known-future covariates (Nixtla's `X_df`) for the `h` dates
/// after each series' last date in `panel`.
///
/// The file is long format like the history (`opts.id_col`, `opts.time_col`,
/// covariate columns; a target column, if any, is ignored). It must provide
/// every covariate of the panel: a numeric column of the same name, or, for
/// the indicator columns `name=value` made from a text column, that text
/// column (values without their own indicator set `name=(other)` when the
/// panel has it). Missing values are NaN, as in the history.
/// A covariate the file lacks is still accepted when it is constant within
/// each series' history (a numeric store number, a pack size): each series
/// keeps its own value over the horizon. Any other missing covariate is an
/// error.
///
/// The result has one block of exactly `h` rows per panel series, in panel
/// order, starting one step after the series' last date; its columns are the
/// panel's covariates, in panel order. Rows for ids not in the panel and rows
/// outside the horizon are ignored (counted in a `tracing` debug event).
///
/// # Errors
/// [`Error::MissingColumn`] (id, date, or a covariate of the panel),
/// [`Error::Invalid`] for unparsable dates or numbers, dates off the panel's
/// frequency grid, duplicate `(unique_id, ds)` rows in the horizon, and a
/// series without a row for some horizon date (naming the series and date).
pub fn load_future(
    path: &Path,
    opts: &LoadOptions,
    panel: &Panel,
    h: usize,
) -> Result<FutureCovariates> {
    let spec = ReadSpec {
        text: &[opts.id_col.as_str()],
        all_text: false,
        numeric: None,
        text_if: None,
    };
    let t = read_table(path, &spec)?;
    let mut dg = Diags::new(&t.file);
    let id_i = t.require(&opts.id_col)?;
    let time_i = t.require(&opts.time_col)?;
    let mut skip = vec![id_i, time_i];
    if let Some(y) = t.find(&opts.target_col) {
        skip.push(y);
    }
    check_duplicate_names(&t, &mut dg);
    let srcs = sources(&t, panel, &skip)?;
    let (sid, ids) = series_keys(&t, id_i, &mut dg);
    let days = row_days(&t, time_i, &mut dg)?;
    let freq = panel.freq();
    let tcol = opts.time_col.as_str();

    let index: HashMap<&str, usize> = panel
        .ids()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let map: Vec<Option<usize>> = ids
        .iter()
        .map(|id| index.get(id.as_str()).copied())
        .collect();
    let n = panel.n_series();
    if n.checked_mul(h).is_none_or(|rows| rows > 100_000_000) {
        return Err(Error::UnsupportedFormat {
            file: t.file.clone(),
            message: format!("a horizon of {h} steps for {n} series is too large"),
        });
    }
    let last_ord: Vec<i64> = (0..n)
        .map(|i| grid_ord(freq, to_days(panel.last_date(i))))
        .collect();

    // slot of each row: i * h + (k - 1) for the k-th step after the last date
    let mut slot_row = vec![usize::MAX; n * h];
    let mut row_slot = vec![usize::MAX; t.nrows];
    let (mut unknown, mut outside) = (0usize, 0usize);
    for r in 0..t.nrows {
        let s = sid[r];
        let d = days[r];
        if s == NO_SERIES || d == DATE_NULL {
            continue;
        }
        let date = from_days(d);
        if !freq.is_on_grid(date) {
            dg.error(
                "off-grid",
                "dates off the frequency grid",
                Some(t.row(r)),
                Some(tcol),
                || format!("date {} is not on the panel's {freq} grid", iso(date)),
            );
            continue;
        }
        let Some(i) = map[s as usize] else {
            unknown += 1;
            continue;
        };
        let k = grid_ord(freq, d) - last_ord[i];
        if k < 1 || k > h as i64 {
            outside += 1;
            continue;
        }
        let slot = i * h + (k - 1) as usize;
        if slot_row[slot] != usize::MAX {
            let prev = slot_row[slot];
            dg.error(
                "dup",
                "duplicate (id, date) pairs",
                Some(t.row(r)),
                Some(tcol),
                || {
                    format!(
                        "duplicate (unique_id, ds) = ('{}', {}): the same pair is in row {}",
                        panel.id(i),
                        iso(date),
                        t.row(prev)
                    )
                },
            );
            continue;
        }
        slot_row[slot] = r;
        row_slot[r] = slot;
    }

    let mut columns = Vec::with_capacity(srcs.len());
    for (src, cov) in srcs.iter().zip(panel.covariates()) {
        let mut out = vec![f64::NAN; n * h];
        match src {
            Source::Numeric(j) => {
                let cells = num_cells(&t, *j);
                let name = t.names[*j].as_str();
                for (r, text) in &cells.bad {
                    if row_slot[*r] != usize::MAX {
                        dg.error(
                            "cov-bad",
                            "unparsable numbers in covariates",
                            Some(t.row(*r)),
                            Some(name),
                            || format!("cannot parse '{text}' as a number"),
                        );
                    }
                }
                for (r, &slot) in row_slot.iter().enumerate() {
                    if slot != usize::MAX {
                        let v = cells.values[r];
                        if v.is_infinite() {
                            dg.error(
                                "cov-inf",
                                "infinite covariate values",
                                Some(t.row(r)),
                                Some(name),
                                || format!("infinite value {v}"),
                            );
                        }
                        out[slot] = v;
                    }
                }
            }
            Source::Constant(per) => {
                for (slot, v) in out.iter_mut().enumerate() {
                    *v = per.get(slot / h.max(1)).copied().unwrap_or(f64::NAN);
                }
            }
            Source::Flag { col, value, others } => {
                let RawCol::Text(tc) = &t.cols[*col] else {
                    continue;
                };
                let is_other = value == OTHER;
                let hit: Vec<bool> = (0..tc.dict.len() as u32)
                    .map(|c| {
                        let (v, _) = tc.text(c);
                        if is_other {
                            !v.trim().is_empty() && !others.contains(&v)
                        } else {
                            &v == value
                        }
                    })
                    .collect();
                for (r, &slot) in row_slot.iter().enumerate() {
                    if slot != usize::MAX {
                        let c = tc.codes[r] as usize;
                        out[slot] = if hit.get(c).copied().unwrap_or(false) {
                            1.0
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        columns.push(Column {
            name: cov.name.clone(),
            values: out,
        });
    }

    // every series needs all h rows
    for i in 0..n {
        let miss: Vec<usize> = (0..h)
            .filter(|&k| slot_row[i * h + k] == usize::MAX)
            .collect();
        if let Some(&k0) = miss.first() {
            let date = freq.step(panel.last_date(i), k0 as i64 + 1);
            dg.error("no-row", "series without rows for some horizon dates", None, Some(tcol), || {
                format!(
                    "series '{}' has no row for {}{} (needed: the {h} dates after its last date {})",
                    panel.id(i),
                    iso(date),
                    if miss.len() > 1 {
                        format!(" and {} more of the horizon dates", miss.len() - 1)
                    } else {
                        String::new()
                    },
                    iso(panel.last_date(i))
                )
            });
        }
    }
    dg.check()?;
    if unknown > 0 || outside > 0 {
        tracing::debug!(
            file = %t.file.display(),
            unknown_ids = unknown,
            outside_horizon = outside,
            "future covariates: rows ignored"
        );
    }
    Ok(FutureCovariates {
        lookup: Default::default(),
        ids: panel.ids().to_vec(),
        starts: (0..n).map(|i| freq.step(panel.last_date(i), 1)).collect(),
        indptr: (0..=n).map(|i| i * h).collect(),
        columns,
    })
}
