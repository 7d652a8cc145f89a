//! New sales onto a history: the incremental update of a panel.

use super::Panel;
use crate::{Error, Result};
use std::collections::HashMap;

/// What [`Panel::append`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendReport {
    /// Series of the history that got new periods.
    pub extended: usize,
    /// Series that only the new rows have (new products), added at the end.
    pub added: usize,
    /// Periods appended (new rows plus filled gaps).
    pub rows: usize,
    /// Periods between a series' last date and its first new date, filled
    /// with zero sales and missing covariates.
    pub gap_rows: usize,
}

impl Panel {
    /// The history with `newer`'s periods appended to each series, and
    /// `newer`'s other series (new products) added after the history's.
    ///
    /// Both panels must have the same frequency, covariates and static
    /// attributes, and a series' new periods must all come after its last
    /// date; periods skipped in between are filled with zero sales and
    /// missing (NaN) covariates, and counted in the report.
    ///
    /// # Errors
    /// [`Error::InvalidPanel`] naming the series and dates, or the
    /// columns, that disagree.
    ///
    /// # Example
    /// ```
    /// use demandcast_core::{Freq, NaiveDate, Panel};
    /// let (jan1, jan4): (NaiveDate, NaiveDate) = ("2024-01-01".parse()?, "2024-01-04".parse()?);
    /// let old = Panel::from_series(Freq::Daily, vec![("a".into(), jan1, vec![1.0, 2.0])])?;
    /// let new = Panel::from_series(Freq::Daily, vec![
    ///     ("a".into(), jan4, vec![4.0]),          // 2024-01-03 is missing: filled with 0
    ///     ("b".into(), jan4, vec![9.0]),          // a new product
    /// ])?;
    /// let (merged, report) = old.append(&new)?;
    /// assert_eq!(merged.series(0), &[1.0, 2.0, 0.0, 4.0]);
    /// assert_eq!(merged.series(1), &[9.0]);
    /// assert_eq!((report.extended, report.added, report.gap_rows), (1, 1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append(&self, newer: &Panel) -> Result<(Panel, AppendReport)> {
        let bad = |msg: String| Err(Error::InvalidPanel(msg));
        if self.freq != newer.freq {
            return bad(format!(
                "the new rows are {} data, the history {}",
                newer.freq, self.freq
            ));
        }
        for (what, old, new) in [
            ("covariates", covariate_names(self), covariate_names(newer)),
            ("attributes", static_names(self), static_names(newer)),
        ] {
            if old != new {
                return bad(format!(
                    "the new rows have the {what} [{}], the history [{}]",
                    new.join(", "),
                    old.join(", ")
                ));
            }
        }
        let new_index: HashMap<&str, usize> = newer
            .ids
            .iter()
            .enumerate()
            .map(|(j, id)| (id.as_str(), j))
            .collect();
        let mut rep = AppendReport::default();
        // (source, index, rows to skip before its values): the history's
        // series with their new periods, then the new series.
        let mut ids = Vec::with_capacity(self.ids.len());
        let mut starts = Vec::with_capacity(self.ids.len());
        let mut indptr = vec![0];
        let mut y = Vec::with_capacity(self.y.len() + newer.y.len());
        // For each output series: where its rows come from, for covariates.
        let mut pieces: Vec<Vec<Piece>> = Vec::new();
        for i in 0..self.n_series() {
            let id = &self.ids[i];
            let mut parts = vec![Piece::Old(i)];
            y.extend_from_slice(self.series(i));
            if let Some(&j) = new_index.get(id.as_str()) {
                let last = self.last_date(i);
                let gap = match self.freq.steps_between(last, newer.starts[j]) {
                    Some(g) if g >= 1 => g,
                    Some(_) => {
                        return bad(format!(
                            "series '{id}': the new rows start on {}, on or before the history's last date {last}",
                            newer.starts[j]
                        ))
                    }
                    None => {
                        return bad(format!(
                            "series '{id}': the new rows start on {}, off the history's {} grid (last date {last})",
                            newer.starts[j], self.freq
                        ))
                    }
                };
                for s in &self.statics {
                    let new_col = newer.statics.iter().find(|c| c.name == s.name);
                    if let Some(nv) = new_col.map(|c| &c.values[j]) {
                        if *nv != s.values[i] {
                            return bad(format!(
                                "series '{id}': attribute '{}' is '{}' in the history and '{nv}' in the new rows",
                                s.name, s.values[i]
                            ));
                        }
                    }
                }
                let fill = (gap - 1) as usize;
                y.extend(std::iter::repeat_n(0.0, fill));
                y.extend_from_slice(newer.series(j));
                parts.push(Piece::Gap(fill));
                parts.push(Piece::New(j));
                rep.extended += 1;
                rep.gap_rows += fill;
                rep.rows += fill + newer.len_of(j);
            }
            ids.push(id.clone());
            starts.push(self.starts[i]);
            indptr.push(y.len());
            pieces.push(parts);
        }
        let old_ids: std::collections::HashSet<&str> =
            self.ids.iter().map(String::as_str).collect();
        for j in 0..newer.n_series() {
            if old_ids.contains(newer.ids[j].as_str()) {
                continue;
            }
            y.extend_from_slice(newer.series(j));
            ids.push(newer.ids[j].clone());
            starts.push(newer.starts[j]);
            indptr.push(y.len());
            pieces.push(vec![Piece::New(j)]);
            rep.added += 1;
            rep.rows += newer.len_of(j);
        }
        let mut out = Panel::from_parts(self.freq, ids, starts, indptr, y)?;
        for c in &self.covariates {
            let new_c = newer.covariate(&c.name).unwrap_or(&[]);
            let mut v = Vec::with_capacity(out.y.len());
            for parts in &pieces {
                for p in parts {
                    match *p {
                        Piece::Old(i) => v.extend_from_slice(&c.values[self.rows(i)]),
                        Piece::Gap(n) => v.extend(std::iter::repeat_n(f64::NAN, n)),
                        Piece::New(j) => v.extend_from_slice(&new_c[newer.rows(j)]),
                    }
                }
            }
            out = out.with_covariate(c.name.clone(), v)?;
        }
        for s in &self.statics {
            let new_s = newer.static_col(&s.name).unwrap_or(&[]);
            let values = pieces
                .iter()
                .map(|parts| match parts[0] {
                    Piece::Old(i) => s.values[i].clone(),
                    Piece::New(j) => new_s[j].clone(),
                    Piece::Gap(_) => String::new(),
                })
                .collect();
            out = out.with_static(s.name.clone(), values)?;
        }
        Ok((out, rep))
    }

    fn rows(&self, i: usize) -> std::ops::Range<usize> {
        self.indptr[i]..self.indptr[i + 1]
    }
}

/// Covariate names, sorted.
fn covariate_names(p: &Panel) -> Vec<&str> {
    sorted(p.covariates.iter().map(|c| c.name.as_str()))
}

/// Static attribute names, sorted.
fn static_names(p: &Panel) -> Vec<&str> {
    sorted(p.statics.iter().map(|c| c.name.as_str()))
}

fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v
}

/// Where a run of an output series' rows comes from.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Old(usize),
    Gap(usize),
    New(usize),
}

#[cfg(test)]
mod tests {
    use crate::{Freq, NaiveDate, Panel, Result};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const JAN1: NaiveDate = match NaiveDate::from_ymd_opt(2024, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

    /// 2024-01-01 plus `day - 1` days.
    fn d(day: u32) -> NaiveDate {
        Freq::Daily.step(JAN1, i64::from(day) - 1)
    }

    fn panel(
        series: Vec<(&str, u32, Vec<f64>)>,
        price: Vec<f64>,
        store: Vec<&str>,
    ) -> Result<Panel> {
        Panel::from_series(
            Freq::Daily,
            series
                .into_iter()
                .map(|(id, day, v)| (id.to_string(), d(day), v))
                .collect(),
        )?
        .with_covariate("price", price)?
        .with_static("store", store.into_iter().map(String::from).collect())
    }

    #[test]
    fn covariates_and_attributes_follow_their_rows() -> TestResult {
        let old = panel(
            vec![("a", 1, vec![1.0, 2.0]), ("b", 1, vec![3.0])],
            vec![10.0, 11.0, 20.0],
            vec!["s1", "s2"],
        )?;
        // b jumps from 2024-01-01 to 2024-01-04: two filled days.
        let new = panel(
            vec![
                ("c", 3, vec![7.0]),
                ("b", 4, vec![5.0, 6.0]),
                ("a", 3, vec![4.0]),
            ],
            vec![30.0, 21.0, 22.0, 12.0],
            vec!["s3", "s2", "s1"],
        )?;
        let (m, rep) = old.append(&new)?;
        assert_eq!(m.ids(), ["a", "b", "c"]);
        assert_eq!(m.series(0), &[1.0, 2.0, 4.0]);
        assert_eq!(m.series(1), &[3.0, 0.0, 0.0, 5.0, 6.0]);
        assert_eq!(m.series(2), &[7.0]);
        assert_eq!(m.start(2), d(3));
        let price = m.covariate("price").ok_or("no price")?;
        assert_eq!(&price[..3], &[10.0, 11.0, 12.0]);
        assert_eq!(price[3], 20.0);
        assert!(price[4].is_nan() && price[5].is_nan());
        assert_eq!(&price[6..], &[21.0, 22.0, 30.0]);
        assert_eq!(m.static_col("store").ok_or("no store")?, ["s1", "s2", "s3"]);
        assert_eq!(
            (rep.extended, rep.added, rep.rows, rep.gap_rows),
            (2, 1, 6, 2)
        );
        Ok(())
    }

    #[test]
    fn overlaps_and_mismatched_columns_are_errors() -> TestResult {
        let old = panel(vec![("a", 1, vec![1.0, 2.0])], vec![1.0, 1.0], vec!["s1"])?;
        let overlap = panel(vec![("a", 2, vec![9.0])], vec![1.0], vec!["s1"])?;
        let e = old.append(&overlap).unwrap_err().to_string();
        assert!(e.contains("'a'") && e.contains("2024-01-02"), "{e}");
        let moved = panel(vec![("a", 3, vec![9.0])], vec![1.0], vec!["s9"])?;
        let e = old.append(&moved).unwrap_err().to_string();
        assert!(e.contains("'s1'") && e.contains("'s9'"), "{e}");
        let no_price = Panel::from_series(Freq::Daily, vec![("a".into(), d(3), vec![1.0])])?
            .with_static("store", vec!["s1".into()])?;
        let e = old.append(&no_price).unwrap_err().to_string();
        assert!(e.contains("covariates [],") && e.contains("[price]"), "{e}");
        let weekly = Panel::from_series(
            Freq::Weekly(chrono::Weekday::Sun),
            vec![("a".into(), d(7), vec![1.0])],
        )?;
        assert!(old.append(&weekly).is_err());
        Ok(())
    }
}
