//! Typing raw columns for their roles: series ids, dates, numbers, text.

use crate::diag::Diags;
use crate::intern::TextCol;
use crate::parse::{from_days, iso, parse_date, parse_num, to_days, DateErr, Num, DATE_FORMATS};
use crate::table::{date_marker, RawCol, Table, DATE_NOT_MIDNIGHT, DATE_NULL, DATE_OUT_OF_RANGE};
use crate::{Error, Result};
use std::borrow::Cow;

/// Marks a row without a usable series id.
pub(crate) const NO_SERIES: u32 = u32::MAX;

/// Series index of each row (in order of first appearance) and the ids.
/// Rows with an empty id are errors and get [`NO_SERIES`].
pub(crate) fn series_keys(t: &Table, col: usize, dg: &mut Diags) -> (Vec<u32>, Vec<String>) {
    let name = t.names[col].as_str();
    let RawCol::Text(tc) = &t.cols[col] else {
        // The reader always reads the id column as text.
        return (vec![NO_SERIES; t.nrows], Vec::new());
    };
    let mut map = vec![NO_SERIES; tc.dict.len()];
    let mut ids = Vec::new();
    let mut latin1 = false;
    for (c, m) in map.iter_mut().enumerate() {
        let (s, l) = tc.text(c as u32);
        if s.trim().is_empty() {
            continue;
        }
        latin1 |= l;
        *m = ids.len() as u32;
        ids.push(s);
    }
    if latin1 {
        dg.note(
            None,
            Some(name),
            "some ids are not valid UTF-8; read as Latin-1".into(),
        );
    }
    let sid: Vec<u32> = tc
        .codes
        .iter()
        .map(|&c| map.get(c as usize).copied().unwrap_or(NO_SERIES))
        .collect();
    for (r, &s) in sid.iter().enumerate() {
        if s == NO_SERIES {
            dg.error(
                "id-missing",
                "rows without an id",
                Some(t.row(r)),
                Some(name),
                || "missing series id (empty cell)".into(),
            );
        }
    }
    (sid, ids)
}

fn date_error_msg(text: &str, e: DateErr) -> String {
    match e {
        DateErr::Bad => format!("cannot parse '{text}' as a date (expected {DATE_FORMATS})"),
        DateErr::NotMidnight => format!(
            "'{text}' has a time of day; only daily or coarser data is supported, so the time must be 00:00:00"
        ),
    }
}

/// The day number of each row; bad cells are errors and get [`DATE_NULL`].
/// With `required == false`, missing cells are not errors (still [`DATE_NULL`]).
pub(crate) fn row_days(t: &Table, col: usize, dg: &mut Diags) -> Result<Vec<i32>> {
    let name = t.names[col].as_str();
    match &t.cols[col] {
        RawCol::Num(_) => Err(Error::UnsupportedType {
            file: t.file.clone(),
            column: name.to_string(),
            message: format!(
                "holds numbers; expected dates ({DATE_FORMATS} text, or Parquet date32/timestamp)"
            ),
        }),
        RawCol::Date(v) => {
            for (r, &d) in v.iter().enumerate() {
                if d == DATE_NULL {
                    dg.error(
                        "date-missing",
                        "rows without a date",
                        Some(t.row(r)),
                        Some(name),
                        || "missing date (null)".into(),
                    );
                } else if d == DATE_NOT_MIDNIGHT {
                    dg.error("date-time", "timestamps with a time of day", Some(t.row(r)), Some(name), || {
                        "timestamp has a time of day; only daily or coarser data is supported, so the time must be 00:00:00".into()
                    });
                } else if d == DATE_OUT_OF_RANGE {
                    dg.error(
                        "date-range",
                        "dates out of range",
                        Some(t.row(r)),
                        Some(name),
                        || "date outside the years 0000-9999".into(),
                    );
                }
            }
            Ok(v.iter()
                .map(|&d| {
                    if date_marker(d).is_some() {
                        DATE_NULL
                    } else {
                        d
                    }
                })
                .collect())
        }
        RawCol::Text(tc) => {
            let parsed: Vec<std::result::Result<i32, DateErr>> = (0..tc.dict.len())
                .map(|c| parse_date(tc.dict.get(c as u32)).map(to_days))
                .collect();
            let mut out = Vec::with_capacity(tc.codes.len());
            for (r, &c) in tc.codes.iter().enumerate() {
                match parsed.get(c as usize).copied().unwrap_or(Err(DateErr::Bad)) {
                    Ok(d) => out.push(d),
                    Err(e) => {
                        out.push(DATE_NULL);
                        let text = tc.text(c).0;
                        if text.trim().is_empty() {
                            dg.error(
                                "date-missing",
                                "rows without a date",
                                Some(t.row(r)),
                                Some(name),
                                || "missing date (empty cell)".into(),
                            );
                        } else {
                            dg.error(
                                "date-bad",
                                "unparsable dates",
                                Some(t.row(r)),
                                Some(name),
                                || date_error_msg(&text, e),
                            );
                        }
                    }
                }
            }
            Ok(out)
        }
    }
}

/// A column read as numbers: values, missing (NaN) and unparsable cells.
pub(crate) struct NumCells<'a> {
    /// The number of each row (NaN when missing or bad); borrowed from
    /// numeric Parquet columns.
    pub(crate) values: Cow<'a, [f64]>,
    /// Whether each row was missing; `None`: missing = NaN.
    missing: Option<Vec<bool>>,
    /// Rows that are not numbers, with their text.
    pub(crate) bad: Vec<(usize, String)>,
}

impl NumCells<'_> {
    /// Whether row `r` was missing (empty / NA / null / NaN).
    pub(crate) fn is_missing(&self, r: usize) -> bool {
        match &self.missing {
            Some(m) => m.get(r).copied().unwrap_or(false),
            None => self.values.get(r).is_some_and(|v| v.is_nan()),
        }
    }
}

/// Reads a column as numbers (text is parsed once per distinct value).
/// Dates are not numbers (all rows bad).
pub(crate) fn num_cells(t: &Table, col: usize) -> NumCells<'_> {
    match &t.cols[col] {
        RawCol::Num(v) => NumCells {
            values: Cow::Borrowed(v),
            missing: None,
            bad: Vec::new(),
        },
        RawCol::Date(v) => NumCells {
            values: Cow::Owned(vec![f64::NAN; v.len()]),
            missing: Some(v.iter().map(|&d| d == DATE_NULL).collect()),
            bad: v
                .iter()
                .enumerate()
                .filter(|(_, &d)| d != DATE_NULL)
                .map(|(r, &d)| {
                    (
                        r,
                        match date_marker(d) {
                            Some(m) => m.to_string(),
                            None => iso(from_days(d)),
                        },
                    )
                })
                .collect(),
        },
        RawCol::Text(tc) => text_num_cells(tc, t.decimal_comma),
    }
}

fn text_num_cells(tc: &TextCol, decimal_comma: bool) -> NumCells<'static> {
    let parsed: Vec<Num> = (0..tc.dict.len())
        .map(|c| parse_num(tc.dict.get(c as u32), decimal_comma))
        .collect();
    let mut values = Vec::with_capacity(tc.codes.len());
    let mut missing = Vec::with_capacity(tc.codes.len());
    let mut bad = Vec::new();
    for (r, &c) in tc.codes.iter().enumerate() {
        match parsed.get(c as usize).copied().unwrap_or(Num::Bad) {
            Num::Value(v) if !v.is_nan() => {
                values.push(v);
                missing.push(false);
            }
            Num::Value(_) | Num::Missing => {
                values.push(f64::NAN);
                missing.push(true);
            }
            Num::Bad => {
                values.push(f64::NAN);
                missing.push(false);
                bad.push((r, tc.text(c).0));
            }
        }
    }
    NumCells {
        values: Cow::Owned(values),
        missing: Some(missing),
        bad,
    }
}

/// How a text column of a long file is typed: as numbers when no cell (or
/// only a minority of cells) fails to parse, else as text.
pub(crate) enum TextKind {
    /// Numbers; `bad` cells are errors when present.
    Numeric,
    /// No cell has a value.
    Empty,
    /// Text.
    Text,
}

/// Decides the kind of a text column by counting rows per distinct value.
pub(crate) fn text_kind(tc: &TextCol, decimal_comma: bool) -> TextKind {
    let counts = tc.counts();
    let (mut num, mut bad) = (0usize, 0usize);
    for (c, n) in counts.iter().enumerate() {
        match parse_num(tc.dict.get(c as u32), decimal_comma) {
            Num::Value(v) if !v.is_nan() => num += n,
            Num::Value(_) | Num::Missing => {}
            Num::Bad => bad += n,
        }
    }
    if num == 0 && bad == 0 {
        TextKind::Empty
    } else if num > bad {
        TextKind::Numeric
    } else {
        TextKind::Text
    }
}

/// Whether a text cell is missing (only empty text is missing for text).
pub(crate) fn text_missing(b: &[u8]) -> bool {
    b.trim_ascii().is_empty()
}

/// A date column as text (for dates outside the time column).
pub(crate) fn dates_as_text(v: &[i32]) -> TextCol {
    let mut tc = TextCol::new();
    for &d in v {
        match date_marker(d) {
            Some(m) => tc.push(m.as_bytes()),
            None => tc.push(iso(from_days(d)).as_bytes()),
        }
    }
    tc
}

/// Distinct day numbers, sorted (a bitmap over the range when it is small).
pub(crate) fn distinct_days(days: &[i32]) -> Vec<i32> {
    let valid = days.iter().copied().filter(|&d| d != DATE_NULL);
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for d in valid.clone() {
        lo = lo.min(d);
        hi = hi.max(d);
    }
    if lo > hi {
        return Vec::new();
    }
    let span = (i64::from(hi) - i64::from(lo)) as u64;
    if span < 50_000_000 {
        let mut seen = vec![false; span as usize + 1];
        for d in valid {
            seen[(d - lo) as usize] = true;
        }
        seen.iter()
            .enumerate()
            .filter(|(_, &s)| s)
            .map(|(k, _)| lo + k as i32)
            .collect()
    } else {
        let mut v: Vec<i32> = valid.collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}
