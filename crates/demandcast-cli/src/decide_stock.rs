//! Reading the stock file and the lead-time file of `demandcast plan`.
//!
//! Stock (CSV, one row per product): `unique_id` (the `--id-col` name),
//! `on_hand`, and optionally `on_order` (default 0), `lead_time`, `moq`,
//! `pack_size`, `max_order`, `max_stock`, `order_quantity`; an empty cell
//! means "use the flag's value". Lead times (CSV): `unique_id, lead_time,
//! probability`, several rows per product for a distribution.
//!
//! Every problem is an error naming the file, the line and the column:
//! negative stock (a backorder is not stock on hand: enter 0 and add the
//! backorder to the demand), a lead time of 0, an unknown number, a
//! product listed twice. Columns not listed above are ignored, and named in
//! a note so a typo does not go unseen.

use crate::error::UsageError;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::Path;

/// One row of the stock file.
#[derive(Debug, Clone, PartialEq)]
pub struct StockRow {
    /// Product id.
    pub id: String,
    /// Line in the file (1 = header).
    pub line: usize,
    /// On hand.
    pub on_hand: f64,
    /// On order.
    pub on_order: f64,
    /// Lead time, when given.
    pub lead_time: Option<usize>,
    /// Minimum order quantity.
    pub moq: Option<f64>,
    /// Pack size.
    pub pack_size: Option<f64>,
    /// Largest order.
    pub max_order: Option<f64>,
    /// Shelf capacity.
    pub max_stock: Option<f64>,
    /// Lot size for (s, Q) / gap for (s, S).
    pub order_quantity: Option<f64>,
}

const STOCK_COLS: [&str; 8] = [
    "on_hand",
    "on_order",
    "lead_time",
    "moq",
    "pack_size",
    "max_order",
    "max_stock",
    "order_quantity",
];

fn bad(path: &Path, line: usize, col: &str, msg: impl std::fmt::Display) -> anyhow::Error {
    UsageError::err(
        format!("{}, line {line}, column '{col}': {msg}", path.display()),
        None,
    )
}

struct Table {
    header: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

fn read(path: &Path) -> Result<Table> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let header: Vec<String> = r
        .headers()
        .with_context(|| format!("{}: cannot read the header", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (k, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}, line {}", path.display(), k + 2))?;
        rows.push((k + 2, rec));
    }
    Ok(Table { header, rows })
}

fn col(t: &Table, path: &Path, name: &str, required: bool) -> Result<Option<usize>> {
    let i = t.header.iter().position(|h| h == name);
    if required && i.is_none() {
        return Err(UsageError::err(
            format!(
                "{}: no column '{name}' (columns: {})",
                path.display(),
                t.header.join(", ")
            ),
            None,
        ));
    }
    Ok(i)
}

fn number(path: &Path, line: usize, name: &str, cell: &str) -> Result<Option<f64>> {
    if cell.is_empty() {
        return Ok(None);
    }
    let v: f64 = cell
        .parse()
        .map_err(|_| bad(path, line, name, format!("'{cell}' is not a number")))?;
    if !v.is_finite() || v < 0.0 {
        let why = if name == "on_hand" {
            "stock on hand cannot be negative (enter a backorder as 0 on hand)"
        } else {
            "must be a number >= 0"
        };
        return Err(bad(path, line, name, format!("{v}: {why}")));
    }
    Ok(Some(v))
}

fn lead(path: &Path, line: usize, name: &str, cell: &str) -> Result<Option<usize>> {
    match number(path, line, name, cell)? {
        None => Ok(None),
        Some(v) if v >= 1.0 && v.fract() == 0.0 => Ok(Some(v as usize)),
        Some(v) => Err(bad(
            path,
            line,
            name,
            format!("{v}: a lead time is a whole number of periods >= 1"),
        )),
    }
}

/// Reads the stock file; returns the rows and the ignored column names.
pub fn load_stock(path: &Path, id_col: &str) -> Result<(Vec<StockRow>, Vec<String>)> {
    let t = read(path)?;
    let id = col(&t, path, id_col, true)?.unwrap_or(0);
    col(&t, path, "on_hand", true)?;
    let idx: Vec<Option<usize>> = STOCK_COLS
        .iter()
        .map(|c| col(&t, path, c, false))
        .collect::<Result<_>>()?;
    let ignored: Vec<String> = t
        .header
        .iter()
        .filter(|h| h.as_str() != id_col && !STOCK_COLS.contains(&h.as_str()))
        .cloned()
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, rec) in &t.rows {
        let cell = |k: usize| idx[k].and_then(|i| rec.get(i)).unwrap_or("");
        let pid = rec.get(id).unwrap_or("").to_string();
        if pid.is_empty() {
            return Err(bad(path, *line, id_col, "empty product id"));
        }
        if let Some(prev) = seen.insert(pid.clone(), *line) {
            return Err(bad(
                path,
                *line,
                id_col,
                format!("'{pid}' is also on line {prev}"),
            ));
        }
        let num = |k: usize| number(path, *line, STOCK_COLS[k], cell(k));
        let on_hand = num(0)?.ok_or_else(|| bad(path, *line, "on_hand", "empty"))?;
        out.push(StockRow {
            id: pid,
            line: *line,
            on_hand,
            on_order: num(1)?.unwrap_or(0.0),
            lead_time: lead(path, *line, "lead_time", cell(2))?,
            moq: num(3)?,
            pack_size: num(4)?,
            max_order: num(5)?,
            max_stock: num(6)?,
            order_quantity: num(7)?,
        });
    }
    Ok((out, ignored))
}

/// Reads the lead-time file: product id -> `(lead time, probability)` pairs.
pub fn load_lead_times(path: &Path, id_col: &str) -> Result<HashMap<String, Vec<(usize, f64)>>> {
    let t = read(path)?;
    let id = col(&t, path, id_col, true)?.unwrap_or(0);
    let lt = col(&t, path, "lead_time", true)?.unwrap_or(0);
    let pr = col(&t, path, "probability", false)?;
    let mut out: HashMap<String, Vec<(usize, f64)>> = HashMap::new();
    for (line, rec) in &t.rows {
        let pid = rec.get(id).unwrap_or("").to_string();
        let l = lead(path, *line, "lead_time", rec.get(lt).unwrap_or(""))?
            .ok_or_else(|| bad(path, *line, "lead_time", "empty"))?;
        let p = match pr {
            Some(i) => number(path, *line, "probability", rec.get(i).unwrap_or(""))?.unwrap_or(1.0),
            None => 1.0,
        };
        out.entry(pid).or_default().push((l, p));
    }
    Ok(out)
}
