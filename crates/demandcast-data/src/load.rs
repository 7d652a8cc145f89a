//! `load_panel`: long-format file -> validated [`Panel`].

use crate::cols::{
    dates_as_text, distinct_days, num_cells, row_days, series_keys, text_kind, text_missing,
    TextKind, NO_SERIES,
};
use crate::diag::{Diagnostic, Diags};
use crate::intern::TextCol;
use crate::options::{
    id_like, CovariateSelection, GapPolicy, LeadingZeros, LoadOptions, MissingPolicy,
    NegativePolicy,
};
use crate::parse::{from_days, grid_ord, iso};
use crate::table::{read_table, RawCol, ReadSpec, Table, DATE_NULL};
use crate::{Error, Result};
use demandcast_core::{Freq, Panel};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// A loaded panel with the warnings about what was changed or noticed.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated panel.
    pub panel: Panel,
    /// Warnings: gaps filled, leading zeros trimmed, negatives clipped or
    /// kept, missing values, short series, how columns were encoded. Each
    /// names the file and, where it applies, the row and column.
    pub diagnostics: Vec<Diagnostic>,
}

/// Most indicator columns made from one text column; the most frequent
/// values get their own column, the rest share `name=(other)`.
pub const MAX_INDICATORS: usize = 20;

/// The indicator column for the values that have no column of their own.
pub const OTHER: &str = "(other)";

/// Largest panel (rows after filling gaps) the loader will build.
const MAX_ROWS: i64 = 400_000_000;

/// Loads a long-format sales file (CSV, optionally gzipped, or Parquet, by
/// extension or content) into a validated [`Panel`].
///
/// See the crate documentation for the rules: which columns become
/// covariates or statics, how text covariates are encoded, and every check.
///
/// # Errors
/// [`Error::MissingColumn`] (listing the columns found), [`Error::Invalid`]
/// with every invalid row (unparsable dates or numbers, missing or infinite
/// targets, negatives under [`NegativePolicy::Error`], duplicate
/// `(unique_id, ds)`, dates off the frequency grid, gaps under
/// [`GapPolicy::Error`]), [`Error::Freq`] when the frequency cannot be
/// inferred, and I/O or format errors. Never panics on malformed input.
pub fn load_panel(path: &Path, opts: &LoadOptions) -> Result<Loaded> {
    let numeric: Option<Vec<&str>> = match &opts.covariates {
        CovariateSelection::All => None,
        CovariateSelection::Only(names) => Some(
            names
                .iter()
                .map(String::as_str)
                .chain([opts.target_col.as_str(), opts.time_col.as_str()])
                .collect(),
        ),
    };
    // Ids, listed attributes and id-like names are read as text, so that a
    // numeric store number can become an attribute (and is read even when no
    // model needs the numeric covariates).
    let text: Vec<&str> = std::iter::once(opts.id_col.as_str())
        .chain(opts.static_cols.iter().map(String::as_str))
        .collect();
    let spec = ReadSpec {
        text: &text,
        all_text: false,
        numeric: numeric.as_deref(),
        text_if: Some(id_like),
    };
    let table = read_table(path, &spec)?;
    build_panel(&table, opts)
}

/// Errors for repeated column names.
pub(crate) fn check_duplicate_names(t: &Table, dg: &mut Diags) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, n) in t.names.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        if let Some(&j) = seen.get(n.as_str()) {
            dg.error("dup-col", "repeated column names", Some(1), Some(n), || {
                format!(
                    "the header names this column twice (columns {} and {})",
                    j + 1,
                    k + 1
                )
            });
        } else {
            seen.insert(n, k);
        }
    }
}

/// The frequency: given, or inferred over all distinct dates.
pub(crate) fn resolve_freq(t: &Table, days: &[i32], given: Option<Freq>) -> Result<Freq> {
    if let Some(f) = given {
        return Ok(f);
    }
    let d: Vec<_> = distinct_days(days).into_iter().map(from_days).collect();
    // A few stray dates (a Monday in Sunday-weekly data, a mid-month date in
    // monthly data) make inference fail, or make it see daily data. When
    // most dates share a weekly or monthly anchor, that frequency is used:
    // the grid check then reports each stray date with its row.
    match Freq::infer(&d) {
        Ok(Freq::Daily) => Ok(dominant_freq(&d).unwrap_or(Freq::Daily)),
        Ok(f) => Ok(f),
        Err(source) => dominant_freq(&d).ok_or(Error::Freq {
            file: t.file.clone(),
            source,
        }),
    }
}

/// The weekly or monthly frequency that at least 80% of the distinct dates
/// (at least 5 of them) fall on, with some of them one step apart, if any.
fn dominant_freq(d: &[chrono::NaiveDate]) -> Option<Freq> {
    use chrono::Datelike;
    if d.len() < 5 {
        return None;
    }
    let fits = |f: Freq| {
        let on: Vec<_> = d.iter().filter(|x| f.is_on_grid(**x)).collect();
        on.len() * 5 >= d.len() * 4
            && on
                .windows(2)
                .any(|w| f.steps_between(*w[0], *w[1]) == Some(1))
    };
    let mut by_weekday = [0usize; 7];
    for x in d {
        by_weekday[x.weekday().num_days_from_monday() as usize] += 1;
    }
    let (wd, _) = by_weekday.iter().enumerate().max_by_key(|(_, c)| **c)?;
    let weekly = Freq::Weekly(chrono::Weekday::try_from(wd as u8).ok()?);
    [weekly, Freq::MonthStart, Freq::MonthEnd]
        .into_iter()
        .find(|f| fits(*f))
}

fn grid_hint(freq: Freq) -> String {
    match freq {
        Freq::Daily => String::new(),
        Freq::Weekly(w) => format!("weekly dates must all fall on a {w}"),
        Freq::MonthStart => "dates must be the first day of a month".into(),
        Freq::MonthEnd => "dates must be the last day of a month".into(),
        Freq::QuarterStart => "dates must be the first day of a quarter".into(),
        Freq::YearStart => "dates must be January 1".into(),
    }
}

/// Errors for dates that are not points of the frequency.
pub(crate) fn grid_check(t: &Table, days: &[i32], freq: Freq, col: &str, dg: &mut Diags) {
    if freq == Freq::Daily {
        return;
    }
    let off: Vec<i32> = distinct_days(days)
        .into_iter()
        .filter(|&d| !freq.is_on_grid(from_days(d)))
        .collect();
    if off.is_empty() {
        return;
    }
    let off: std::collections::HashSet<i32> = off.into_iter().collect();
    for (r, d) in days.iter().enumerate() {
        if *d != DATE_NULL && off.contains(d) {
            dg.error(
                "off-grid",
                "dates off the frequency grid",
                Some(t.row(r)),
                Some(col),
                || {
                    let date = from_days(*d);
                    format!(
                        "date {} ({}) is not on the {freq} grid: {}",
                        iso(date),
                        date.format("%A"),
                        grid_hint(freq)
                    )
                },
            );
        }
    }
}

/// Groups rows by series (stable) and sorts each series by date.
/// Returns the row order and the series bounds in it.
pub(crate) fn group_rows(sid: &[u32], days: &[i32], ns: usize) -> (Vec<u32>, Vec<usize>) {
    let mut bounds = vec![0usize; ns + 1];
    for &s in sid {
        if s != NO_SERIES {
            bounds[s as usize + 1] += 1;
        }
    }
    for k in 0..ns {
        bounds[k + 1] += bounds[k];
    }
    let mut next = bounds.clone();
    let mut perm = vec![0u32; bounds[ns]];
    for (r, &s) in sid.iter().enumerate() {
        if s != NO_SERIES {
            let p = &mut next[s as usize];
            perm[*p] = r as u32;
            *p += 1;
        }
    }
    for s in 0..ns {
        let seg = &mut perm[bounds[s]..bounds[s + 1]];
        if seg
            .windows(2)
            .any(|w| days[w[0] as usize] > days[w[1] as usize])
        {
            seg.sort_by_key(|&r| days[r as usize]);
        }
    }
    (perm, bounds)
}

/// Reads the target: numbers, with missing values and negatives handled by
/// the policy. Invalid cells are errors and become NaN.
fn target_values(t: &Table, col: usize, opts: &LoadOptions, dg: &mut Diags) -> Vec<f64> {
    let name = t.names[col].as_str();
    let p = opts.policy;
    let cells = num_cells(t, col);
    for (r, text) in &cells.bad {
        dg.error(
            "y-bad",
            "unparsable target values",
            Some(t.row(*r)),
            Some(name),
            || format!("cannot parse '{text}' as a number"),
        );
    }
    let mut y = cells.values.to_vec();
    for (r, v) in y.iter_mut().enumerate() {
        if cells.is_missing(r) {
            match p.missing {
                MissingPolicy::Error => dg.error("y-missing", "missing target values", Some(t.row(r)), Some(name), || {
                    "missing value (empty, NA, NaN or null); set the missing policy to 'zero' to read it as 0".into()
                }),
                MissingPolicy::Zero => {
                    dg.warn("y-missing", "missing target values read as 0", Some(t.row(r)), Some(name), || {
                        "missing value read as 0 (missing policy 'zero')".into()
                    });
                    *v = 0.0;
                }
            }
        } else if v.is_infinite() {
            let x = *v;
            dg.error(
                "y-inf",
                "infinite target values",
                Some(t.row(r)),
                Some(name),
                || format!("infinite value {x}"),
            );
        } else if *v < 0.0 {
            let x = *v;
            match p.negatives {
                NegativePolicy::Error => dg.error("y-neg", "negative target values", Some(t.row(r)), Some(name), || {
                    format!("negative value {x} (a return?); set the negatives policy to 'clip-zero' or 'keep'")
                }),
                NegativePolicy::ClipZero => {
                    dg.warn("y-neg", "negative values clipped to 0", Some(t.row(r)), Some(name), || {
                        format!("negative value {x} clipped to 0")
                    });
                    *v = 0.0;
                }
                NegativePolicy::Keep => dg.warn("y-neg", "negative values kept", Some(t.row(r)), Some(name), || {
                    format!("negative value {x} kept (negatives policy 'keep')")
                }),
            }
        }
    }
    y
}

/// Covariates (per row, in file order) and statics (per series) of a long file.
pub(crate) struct Encoded<'a> {
    pub(crate) covariates: Vec<(String, Cow<'a, [f64]>)>,
    pub(crate) statics: Vec<(String, Vec<String>)>,
}

/// The indicator columns of a varying text column: flags for the most
/// frequent values (at most [`MAX_INDICATORS`] columns in all), sorted by value.
fn indicators(tc: &TextCol, name: &str, dg: &mut Diags) -> Vec<(String, Vec<f64>)> {
    let counts = tc.counts();
    let mut vals: Vec<(u32, String, usize)> = (0..tc.dict.len() as u32)
        .filter(|&c| !text_missing(tc.dict.get(c)) && counts[c as usize] > 0)
        .map(|c| (c, tc.text(c).0, counts[c as usize]))
        .collect();
    let grouped = vals.len() > MAX_INDICATORS;
    let mut rest = Vec::new();
    if grouped {
        vals.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        rest = vals.split_off(MAX_INDICATORS - 1);
    }
    vals.sort_by(|a, b| a.1.cmp(&b.1));
    // code -> indicator index (usize::MAX: missing, no flag)
    let other = vals.len();
    let mut slot = vec![usize::MAX; tc.dict.len()];
    for (k, (c, _, _)) in vals.iter().enumerate() {
        slot[*c as usize] = k;
    }
    for (c, _, _) in &rest {
        slot[*c as usize] = other;
    }
    let ncols = vals.len() + usize::from(grouped);
    let mut cols: Vec<Vec<f64>> = vec![vec![0.0; tc.codes.len()]; ncols];
    for (r, &c) in tc.codes.iter().enumerate() {
        let k = slot.get(c as usize).copied().unwrap_or(usize::MAX);
        if k < ncols {
            cols[k][r] = 1.0;
        }
    }
    let mut names: Vec<String> = vals.iter().map(|(_, v, _)| format!("{name}={v}")).collect();
    if grouped {
        names.push(format!("{name}={OTHER}"));
    }
    let listed = names.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    let mut msg = format!(
        "text that varies within series; encoded as {} indicator column{} ({}{}), 1.0 on the rows with that value, else 0.0 (empty cells: 0.0 in all)",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        listed,
        if names.len() > 8 { ", ..." } else { "" }
    );
    if grouped {
        msg.push_str(&format!(
            "; the {} least frequent of its {} values share '{name}={OTHER}'",
            rest.len(),
            rest.len() + vals.len()
        ));
    }
    dg.note(None, Some(name), msg);
    names.into_iter().zip(cols).collect()
}

/// Types the non-key columns of a long file: numbers become covariates, text
/// constant within each series becomes a static, other text indicator columns.
pub(crate) fn encode_history<'a>(
    t: &'a Table,
    skip: &[usize],
    sid: &[u32],
    ns: usize,
    keep: &CovariateSelection,
    static_cols: &[String],
    dg: &mut Diags,
) -> Encoded<'a> {
    let mut out = Encoded {
        covariates: Vec::new(),
        statics: Vec::new(),
    };
    for (name, ty) in &t.skipped {
        dg.note(
            None,
            Some(name),
            format!("unsupported Parquet type {ty}; column ignored"),
        );
    }
    for (j, col) in t.cols.iter().enumerate() {
        if skip.contains(&j) {
            continue;
        }
        let name = t.names[j].as_str();
        if name.is_empty() {
            dg.note(
                None,
                None,
                format!("column {} has no name (an index column?); ignored", j + 1),
            );
            continue;
        }
        let listed = static_cols.iter().any(|c| c == name);
        let mut numeric_id = false;
        let converted;
        let tc = match col {
            RawCol::Num(_) => {
                numeric_covariate(t, j, keep, dg, &mut out);
                continue;
            }
            RawCol::Text(tc) => {
                match text_kind(tc, t.decimal_comma) {
                    TextKind::Numeric if !listed && !id_like(name) => {
                        numeric_covariate(t, j, keep, dg, &mut out);
                        continue;
                    }
                    TextKind::Numeric => numeric_id = !listed,
                    TextKind::Empty => {
                        dg.note(
                            None,
                            Some(name),
                            "no value in any row; column ignored".into(),
                        );
                        continue;
                    }
                    TextKind::Text => {}
                }
                tc
            }
            RawCol::Date(v) => {
                converted = dates_as_text(v);
                &converted
            }
        };
        // Text: static when the same in every row of each series (an empty
        // cell counts as a value: a sparse promo column is not a static).
        const NONE: u32 = u32::MAX;
        let mut per_series = vec![NONE; ns];
        let mut varying = false;
        for (r, &c) in tc.codes.iter().enumerate() {
            let s = sid[r];
            if s == NO_SERIES {
                continue;
            }
            let slot = &mut per_series[s as usize];
            if *slot == NONE {
                *slot = c;
            } else if *slot != c {
                if listed {
                    let first = *slot;
                    let (a, b) = (tc.text(first).0, tc.text(c).0);
                    // the row the series' first value came from (found only for the message)
                    let r0 = (0..r)
                        .find(|&q| sid[q] == s && tc.codes[q] == first)
                        .map_or(0, |q| t.row(q));
                    dg.error(
                        "static-varies",
                        "attributes (--static-cols) that change within a series",
                        Some(t.row(r)),
                        Some(name),
                        || format!("listed as a static attribute, but '{b}' here and '{a}' in row {r0} of the same series"),
                    );
                }
                varying = true;
                break;
            }
        }
        if listed && varying {
            continue;
        }
        if numeric_id {
            if varying {
                // Numbers that change within a series are quantities after all.
                numeric_covariate(t, j, keep, dg, &mut out);
                continue;
            }
            dg.note(
                None,
                Some(name),
                "numbers constant within each series, named like an id: read as an attribute (like a store or category), not a quantity".into(),
            );
        }
        if varying && !keep.keeps(name) {
            tracing::info!(column = name, "left out: no model needs this covariate");
            continue;
        }
        let mut latin1 = false;
        if varying {
            out.covariates.extend(
                indicators(tc, name, dg)
                    .into_iter()
                    .map(|(n, v)| (n, Cow::Owned(v))),
            );
            latin1 = (0..tc.dict.len() as u32).any(|c| tc.text(c).1);
        } else {
            let mut cache: HashMap<u32, String> = HashMap::new();
            let values = per_series
                .iter()
                .map(|&c| {
                    if c == NONE || text_missing(tc.dict.get(c)) {
                        return String::new();
                    }
                    cache
                        .entry(c)
                        .or_insert_with(|| {
                            let (s, l) = tc.text(c);
                            latin1 |= l;
                            s.trim().to_string()
                        })
                        .clone()
                })
                .collect();
            out.statics.push((name.to_string(), values));
        }
        if latin1 {
            dg.note(
                None,
                Some(name),
                "some values are not valid UTF-8; read as Latin-1".into(),
            );
        }
    }
    out
}

/// Adds column `j` as a numeric covariate, when `keep` keeps it.
fn numeric_covariate<'a>(
    t: &'a Table,
    j: usize,
    keep: &CovariateSelection,
    dg: &mut Diags,
    out: &mut Encoded<'a>,
) {
    let name = t.names[j].as_str();
    if !keep.keeps(name) {
        return;
    }
    let cells = num_cells(t, j);
    for (r, text) in &cells.bad {
        dg.error("cov-bad", "unparsable numbers in covariates", Some(t.row(*r)), Some(name), || {
            format!("cannot parse '{text}' as a number (the other values of this column are numbers)")
        });
    }
    let mut n_missing = 0usize;
    let mut first_missing = None;
    for (r, v) in cells.values.iter().enumerate() {
        if v.is_infinite() {
            let x = *v;
            dg.error(
                "cov-inf",
                "infinite covariate values",
                Some(t.row(r)),
                Some(name),
                || format!("infinite value {x}"),
            );
        } else if cells.is_missing(r) {
            n_missing += 1;
            first_missing.get_or_insert(r);
        }
    }
    if let Some(r) = first_missing {
        dg.note(
            Some(t.row(r)),
            Some(name),
            format!(
                "{n_missing} of {} rows have no value (first in this row); kept as NaN",
                cells.values.len()
            ),
        );
    }
    out.covariates.push((name.to_string(), cells.values));
}

fn build_panel(t: &Table, opts: &LoadOptions) -> Result<Loaded> {
    let mut dg = Diags::new(&t.file);
    let id_i = t.require(&opts.id_col)?;
    let time_i = t.require(&opts.time_col)?;
    let y_i = t.require(&opts.target_col)?;
    for c in &opts.static_cols {
        t.require(c)?;
    }
    if t.nrows == 0 {
        return Err(Error::Empty {
            file: t.file.clone(),
        });
    }
    check_duplicate_names(t, &mut dg);
    let (sid, ids) = series_keys(t, id_i, &mut dg);
    let days = row_days(t, time_i, &mut dg)?;
    let y = target_values(t, y_i, opts, &mut dg);
    let enc = encode_history(
        t,
        &[id_i, time_i, y_i],
        &sid,
        ids.len(),
        &opts.covariates,
        &opts.static_cols,
        &mut dg,
    );
    dg.check()?;

    let freq = resolve_freq(t, &days, opts.freq)?;
    let tcol = opts.time_col.as_str();
    grid_check(t, &days, freq, tcol, &mut dg);
    dg.check()?;

    let ns = ids.len();
    let (perm, bounds) = group_rows(&sid, &days, ns);
    let ord = |r: u32| grid_ord(freq, days[r as usize]);
    // duplicates and gaps (policy Error)
    for s in 0..ns {
        let seg = &perm[bounds[s]..bounds[s + 1]];
        for w in seg.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            if days[a] == days[b] {
                dg.error(
                    "dup",
                    "duplicate (id, date) pairs",
                    Some(t.row(b)),
                    Some(tcol),
                    || {
                        format!(
                            "duplicate (unique_id, ds) = ('{}', {}): the same pair is in row {}",
                            ids[s],
                            iso(from_days(days[b])),
                            t.row(a)
                        )
                    },
                );
            } else if opts.policy.gaps == GapPolicy::Error {
                let k = ord(w[1]) - ord(w[0]) - 1;
                if k > 0 {
                    dg.error("gap", "gaps inside series", Some(t.row(b)), Some(tcol), || {
                        format!(
                            "series '{}': {k} missing date{} between {} (row {}) and {} (gap policy 'error'; 'fill-zero' fills them with 0)",
                            ids[s],
                            if k == 1 { "" } else { "s" },
                            iso(from_days(days[a])),
                            t.row(a),
                            iso(from_days(days[b]))
                        )
                    });
                }
            }
        }
    }
    dg.check()?;

    // Layout: per series the first grid position kept and the length.
    let trim = opts.policy.leading_zeros == LeadingZeros::Trim;
    let mut starts = Vec::with_capacity(ns);
    let mut indptr = Vec::with_capacity(ns + 1);
    indptr.push(0usize);
    let mut first_ord = Vec::with_capacity(ns);
    let (mut total, mut trimmed_rows, mut trimmed_series, mut filled, mut filled_series) =
        (0i64, 0usize, 0usize, 0i64, 0usize);
    for s in 0..ns {
        let seg = &perm[bounds[s]..bounds[s + 1]];
        let (Some(&r0), Some(&rl)) = (seg.first(), seg.last()) else {
            continue;
        };
        let o_first = ord(r0);
        let o_last = ord(rl);
        let mut k0 = 0usize; // rows dropped by trimming
        if trim {
            match seg.iter().position(|&r| y[r as usize] != 0.0) {
                Some(p) => k0 = p,
                None => dg.warn(
                    "all-zero",
                    "series without any non-zero value, kept whole",
                    Some(t.row(r0 as usize)),
                    Some(opts.target_col.as_str()),
                    || {
                        format!(
                            "series '{}' has no non-zero value; kept whole ({} rows)",
                            ids[s],
                            seg.len()
                        )
                    },
                ),
            }
        }
        let o_start = ord(seg[k0]);
        let len = o_last - o_start + 1;
        if k0 > 0 {
            trimmed_rows += (o_start - o_first) as usize;
            trimmed_series += 1;
        }
        let gaps = len - (seg.len() - k0) as i64;
        if gaps > 0 {
            filled += gaps;
            filled_series += 1;
            // the first gap, for the message
            let w = seg[k0..].windows(2).find(|w| ord(w[1]) - ord(w[0]) > 1);
            if let Some(w) = w {
                let (a, b) = (w[0] as usize, w[1] as usize);
                dg.warn("gap-fill", "series with gaps filled with 0", Some(t.row(b)), Some(tcol), || {
                    format!(
                        "series '{}': {gaps} missing date{} filled with y = 0 (first gap: between {} in row {} and {})",
                        ids[s],
                        if gaps == 1 { "" } else { "s" },
                        iso(from_days(days[a])),
                        t.row(a),
                        iso(from_days(days[b]))
                    )
                });
            }
        }
        if len < 2 {
            dg.warn(
                "short",
                "series shorter than 2 rows",
                Some(t.row(seg[k0] as usize)),
                Some(opts.id_col.as_str()),
                || {
                    format!(
                        "series '{}' has only {len} row{}; most models need more",
                        ids[s],
                        if trim && k0 > 0 {
                            " after trimming leading zeros"
                        } else {
                            ""
                        }
                    )
                },
            );
        }
        total += len;
        if total > MAX_ROWS || (total > 50_000_000 && total > 50 * t.nrows as i64) {
            return Err(Error::Invalid {
                file: t.file.clone(),
                total: 1,
                errors: vec![Diagnostic {
                    severity: crate::Severity::Error,
                    file: t.file.clone(),
                    row: Some(t.row(rl as usize)),
                    column: Some(tcol.to_string()),
                    message: format!(
                        "filling the gaps would make more than {total} rows from {} input rows; check the dates (series '{}' runs from {} to {})",
                        t.nrows,
                        ids[s],
                        iso(from_days(days[r0 as usize])),
                        iso(from_days(days[rl as usize]))
                    ),
                }],
            });
        }
        starts.push(from_days(days[seg[k0] as usize]));
        first_ord.push(o_start);
        indptr.push(total as usize);
    }
    let total = total as usize;
    if trimmed_series > 0 {
        dg.note(
            None,
            Some(opts.target_col.as_str()),
            format!(
                "trimmed {trimmed_rows} leading zero rows from {trimmed_series} series: each series starts at its first non-zero sale (leading-zeros policy 'keep' keeps them)"
            ),
        );
    }
    if filled > 0 {
        dg.note(
            None,
            Some(tcol),
            format!(
                "filled {filled} missing dates in {filled_series} series with y = 0 (no sales recorded = 0 units; covariates are NaN on those rows); gap policy 'error' rejects gaps instead"
            ),
        );
    }

    // Row positions in the panel (u32::MAX: trimmed away).
    let mut pos = vec![u32::MAX; t.nrows];
    for s in 0..ns {
        let base = indptr[s] as i64;
        for &r in &perm[bounds[s]..bounds[s + 1]] {
            let p = ord(r) - first_ord[s];
            if p >= 0 {
                pos[r as usize] = (base + p) as u32;
            }
        }
    }
    let scatter = |v: &[f64], fill: f64| {
        let mut out = vec![fill; total];
        for (r, &p) in pos.iter().enumerate() {
            if let Some(o) = out.get_mut(p as usize) {
                *o = v[r];
            }
        }
        out
    };
    let values = scatter(&y, 0.0);
    let mut panel = Panel::from_parts(freq, ids, starts, indptr, values)?;
    for (name, v) in enc.covariates {
        let v = scatter(&v, f64::NAN);
        panel = panel.with_covariate(name, v)?;
    }
    for (name, v) in enc.statics {
        panel = panel.with_static(name, v)?;
    }
    Ok(Loaded {
        panel,
        diagnostics: dg.into_warnings(),
    })
}
