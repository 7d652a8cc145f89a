//! The long forecast table: one row per (series, cutoff, date), as written to
//! CSV and read by the reference scorer.

use crate::columns::{parse_model_columns, ModelColumns};
use crate::{EvalError, Result};
use chrono::NaiveDate;
use demandcast_core::Column;
use std::collections::HashMap;
use std::io::{self, Write};

/// Forecasts in long format: `unique_id, ds, cutoff, y` plus model columns
/// (`<model>`, `<model>-lo-<L>`, `<model>-hi-<L>`, `<model>-q-<q>`,
/// `<model>-median`; see [`crate::columns`]).
///
/// This is the single representation every metric is computed from, so the
/// numbers reported are by construction those of the CSV written with
/// [`ForecastTable::write_csv`]. `y` is carried for output only: metrics look
/// actuals up in the history panel, as the reference scorer does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForecastTable {
    ids: Vec<String>,
    index: HashMap<String, u32>,
    series: Vec<u32>,
    ds: Vec<NaiveDate>,
    cutoff: Vec<NaiveDate>,
    y: Vec<f64>,
    columns: Vec<Column>,
}

impl ForecastTable {
    /// An empty table with these model columns.
    ///
    /// # Errors
    /// [`EvalError::Table`] for a reserved or repeated column name.
    pub fn new(column_names: Vec<String>) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        for c in &column_names {
            if crate::columns::RESERVED_COLUMNS.contains(&c.as_str()) || !seen.insert(c) {
                return Err(EvalError::Table(format!(
                    "column '{c}' is reserved or repeated"
                )));
            }
        }
        Ok(Self {
            columns: column_names
                .into_iter()
                .map(|name| Column {
                    name,
                    values: Vec::new(),
                })
                .collect(),
            ..Self::default()
        })
    }

    /// Appends a row; `values` are the model columns in order (NaN = missing).
    ///
    /// # Errors
    /// [`EvalError::Table`] when `values` does not have one value per column.
    pub fn push_row(
        &mut self,
        id: &str,
        ds: NaiveDate,
        cutoff: NaiveDate,
        y: f64,
        values: &[f64],
    ) -> Result<()> {
        if values.len() != self.columns.len() {
            return Err(EvalError::Table(format!(
                "row has {} values for {} columns",
                values.len(),
                self.columns.len()
            )));
        }
        let s = self.intern(id);
        self.series.push(s);
        self.ds.push(ds);
        self.cutoff.push(cutoff);
        self.y.push(y);
        for (c, &v) in self.columns.iter_mut().zip(values) {
            c.values.push(v);
        }
        Ok(())
    }

    fn intern(&mut self, id: &str) -> u32 {
        if let Some(&s) = self.index.get(id) {
            return s;
        }
        let s = u32::try_from(self.ids.len()).expect("fewer than 2^32 series");
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), s);
        s
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.ds.len()
    }
    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.ds.is_empty()
    }
    /// Distinct series ids, in order of first appearance.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
    /// Per row, the index of its series in [`ForecastTable::ids`].
    pub fn series_index(&self) -> &[u32] {
        &self.series
    }
    /// The series id of row `r`.
    pub fn id(&self, r: usize) -> &str {
        &self.ids[self.series[r] as usize]
    }
    /// Forecast dates.
    pub fn ds(&self) -> &[NaiveDate] {
        &self.ds
    }
    /// Cutoffs (last training date of each row's window).
    pub fn cutoffs(&self) -> &[NaiveDate] {
        &self.cutoff
    }
    /// Distinct cutoffs, ascending.
    pub fn distinct_cutoffs(&self) -> Vec<NaiveDate> {
        let mut c = self.cutoff.clone();
        c.sort_unstable();
        c.dedup();
        c
    }
    /// Actuals as carried in the table (NaN where unknown).
    pub fn y(&self) -> &[f64] {
        &self.y
    }
    /// The model columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
    /// A model column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }
    /// The models found in the column names (see [`crate::columns`]).
    pub fn models(&self) -> Vec<ModelColumns> {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        parse_model_columns(&names)
    }

    /// Writes the table as CSV: `unique_id,ds,cutoff,y,<columns>`. Floats use
    /// Rust's shortest round-trip form (no precision is lost), NaN is an
    /// empty field, ids are quoted when they contain a comma or a quote.
    ///
    /// # Errors
    /// Any I/O error of `w`.
    pub fn write_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        let mut header = String::from("unique_id,ds,cutoff,y");
        for c in &self.columns {
            header.push(',');
            header.push_str(&quote(&c.name));
        }
        writeln!(w, "{header}")?;
        let ids: Vec<String> = self.ids.iter().map(|s| quote(s)).collect();
        let mut line = String::new();
        for r in 0..self.n_rows() {
            line.clear();
            line.push_str(&ids[self.series[r] as usize]);
            line.push_str(&format!(",{},{},", self.ds[r], self.cutoff[r]));
            push_f64(&mut line, self.y[r]);
            for c in &self.columns {
                line.push(',');
                push_f64(&mut line, c.values[r]);
            }
            writeln!(w, "{line}")?;
        }
        Ok(())
    }
}

fn push_f64(s: &mut String, v: f64) {
    if !v.is_nan() {
        s.push_str(&v.to_string());
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_format() {
        let d = |x| NaiveDate::from_ymd_opt(2024, 1, x).unwrap();
        let mut t = ForecastTable::new(vec!["M".into(), "M-lo-80".into()]).unwrap();
        t.push_row("a,b", d(2), d(1), 1.5, &[0.1 + 0.2, f64::NAN])
            .unwrap();
        let mut out = Vec::new();
        t.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "unique_id,ds,cutoff,y,M,M-lo-80\n\"a,b\",2024-01-02,2024-01-01,1.5,0.30000000000000004,\n"
        );
        assert!(t.push_row("a", d(2), d(1), 1.0, &[1.0]).is_err());
        assert!(ForecastTable::new(vec!["y".into()]).is_err());
    }
}
