//! The panel: many regular series stored as one value vector plus offsets.

mod append;

pub use append::AppendReport;

use crate::{Error, Freq, Result};
use chrono::NaiveDate;

/// A numeric covariate column aligned with a panel's (or future frame's) rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name (e.g. `sell_price`).
    pub name: String,
    /// One value per row; NaN marks a missing value.
    pub values: Vec<f64>,
}

/// A static (per-series) attribute such as `store_id` or `cat_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticColumn {
    /// Attribute name.
    pub name: String,
    /// One value per series.
    pub values: Vec<String>,
}

/// Many regular time series with a common frequency, in long format.
///
/// Storage follows statsforecast's `GroupedArray`: all targets concatenated in
/// `y`, with `indptr[i]..indptr[i + 1]` the rows of series `i`. Each series is
/// regular (no gaps: the loader fills them by an explicit policy) and starts at
/// its own date, so the date of row `j` of series `i` is
/// `freq.step(start(i), j)`. Numeric covariates (prices, promotions, events)
/// are aligned row by row; static attributes (store, category) per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    freq: Freq,
    ids: Vec<String>,
    starts: Vec<NaiveDate>,
    indptr: Vec<usize>,
    y: Vec<f64>,
    covariates: Vec<Column>,
    statics: Vec<StaticColumn>,
}

impl Panel {
    /// Builds a panel from its parts.
    ///
    /// # Errors
    /// [`Error::InvalidPanel`] when the lengths disagree, `indptr` is not
    /// non-decreasing from 0 to `y.len()`, a series is empty, or ids repeat.
    pub fn from_parts(
        freq: Freq,
        ids: Vec<String>,
        starts: Vec<NaiveDate>,
        indptr: Vec<usize>,
        y: Vec<f64>,
    ) -> Result<Self> {
        if ids.len() != starts.len() || indptr.len() != ids.len() + 1 {
            return Err(Error::InvalidPanel(format!(
                "{} ids, {} starts and {} offsets (expected ids + 1)",
                ids.len(),
                starts.len(),
                indptr.len()
            )));
        }
        if indptr.first() != Some(&0) || indptr.last() != Some(&y.len()) {
            return Err(Error::InvalidPanel(
                "offsets must start at 0 and end at the number of rows".into(),
            ));
        }
        if let Some(i) = indptr.windows(2).position(|w| w[1] <= w[0]) {
            return Err(Error::InvalidPanel(format!("series '{}' is empty", ids[i])));
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        if let Some(dup) = ids.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(Error::InvalidPanel(format!("duplicate series id '{dup}'")));
        }
        Ok(Self {
            freq,
            ids,
            starts,
            indptr,
            y,
            covariates: Vec::new(),
            statics: Vec::new(),
        })
    }

    /// Builds a panel from `(id, start, values)` triples.
    ///
    /// # Errors
    /// As [`Panel::from_parts`].
    pub fn from_series(freq: Freq, series: Vec<(String, NaiveDate, Vec<f64>)>) -> Result<Self> {
        let mut ids = Vec::with_capacity(series.len());
        let mut starts = Vec::with_capacity(series.len());
        let mut indptr = Vec::with_capacity(series.len() + 1);
        let mut y = Vec::new();
        indptr.push(0);
        for (id, start, v) in series {
            ids.push(id);
            starts.push(start);
            y.extend(v);
            indptr.push(y.len());
        }
        Self::from_parts(freq, ids, starts, indptr, y)
    }

    /// Adds (or replaces) a numeric covariate aligned with the rows.
    ///
    /// # Errors
    /// [`Error::InvalidPanel`] when `values.len()` differs from the number of rows.
    pub fn with_covariate(mut self, name: impl Into<String>, values: Vec<f64>) -> Result<Self> {
        let name = name.into();
        if values.len() != self.y.len() {
            return Err(Error::InvalidPanel(format!(
                "covariate '{name}' has {} values for {} rows",
                values.len(),
                self.y.len()
            )));
        }
        self.covariates.retain(|c| c.name != name);
        self.covariates.push(Column { name, values });
        Ok(self)
    }

    /// Adds (or replaces) a static attribute with one value per series.
    ///
    /// # Errors
    /// [`Error::InvalidPanel`] when `values.len()` differs from the number of series.
    pub fn with_static(mut self, name: impl Into<String>, values: Vec<String>) -> Result<Self> {
        let name = name.into();
        if values.len() != self.ids.len() {
            return Err(Error::InvalidPanel(format!(
                "static '{name}' has {} values for {} series",
                values.len(),
                self.ids.len()
            )));
        }
        self.statics.retain(|c| c.name != name);
        self.statics.push(StaticColumn { name, values });
        Ok(self)
    }

    /// Keeps only the covariates whose name satisfies `keep` (frees the others).
    pub fn retain_covariates(mut self, keep: impl Fn(&str) -> bool) -> Self {
        self.covariates.retain(|c| keep(&c.name));
        self
    }

    /// The frequency.
    pub fn freq(&self) -> Freq {
        self.freq
    }
    /// Number of series.
    pub fn n_series(&self) -> usize {
        self.ids.len()
    }
    /// Total number of rows.
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }
    /// All series ids, in panel order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
    /// The id of series `i`.
    pub fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }
    /// Position of the series with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }
    /// Row offsets (`indptr`), length `n_series + 1`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }
    /// All target values, concatenated.
    pub fn values(&self) -> &[f64] {
        &self.y
    }
    /// The target values of series `i`.
    pub fn series(&self, i: usize) -> &[f64] {
        &self.y[self.indptr[i]..self.indptr[i + 1]]
    }
    /// Length of series `i`.
    pub fn len_of(&self, i: usize) -> usize {
        self.indptr[i + 1] - self.indptr[i]
    }
    /// First date of series `i`.
    pub fn start(&self, i: usize) -> NaiveDate {
        self.starts[i]
    }
    /// All start dates.
    pub fn starts(&self) -> &[NaiveDate] {
        &self.starts
    }
    /// Last date of series `i`.
    pub fn last_date(&self, i: usize) -> NaiveDate {
        self.freq.step(self.starts[i], self.len_of(i) as i64 - 1)
    }
    /// Date of row `j` of series `i`.
    pub fn date(&self, i: usize, j: usize) -> NaiveDate {
        self.freq.step(self.starts[i], j as i64)
    }
    /// The latest date over all series.
    pub fn max_date(&self) -> Option<NaiveDate> {
        (0..self.n_series()).map(|i| self.last_date(i)).max()
    }
    /// The numeric covariates.
    pub fn covariates(&self) -> &[Column] {
        &self.covariates
    }
    /// A covariate by name (all rows).
    pub fn covariate(&self, name: &str) -> Option<&[f64]> {
        self.covariates
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }
    /// A covariate's rows for series `i`.
    pub fn covariate_of(&self, name: &str, i: usize) -> Option<&[f64]> {
        self.covariate(name)
            .map(|v| &v[self.indptr[i]..self.indptr[i + 1]])
    }
    /// The static attributes.
    pub fn statics(&self) -> &[StaticColumn] {
        &self.statics
    }
    /// A static attribute by name.
    pub fn static_col(&self, name: &str) -> Option<&[String]> {
        self.statics
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }

    /// The rows of each series with date `<= cutoff`; series with no such
    /// row are left out. Used by rolling-origin backtests.
    pub fn until(&self, cutoff: NaiveDate) -> Panel {
        let keep: Vec<(usize, usize)> = (0..self.n_series())
            .filter_map(|i| {
                if self.starts[i] > cutoff {
                    return None;
                }
                let n = match self.freq.steps_between(self.starts[i], cutoff) {
                    Some(k) => (k as usize + 1).min(self.len_of(i)),
                    None => {
                        // cutoff between grid points: count dates <= cutoff
                        (0..self.len_of(i))
                            .take_while(|&j| self.date(i, j) <= cutoff)
                            .count()
                    }
                };
                (n > 0).then_some((i, n))
            })
            .collect();
        self.take_rows(&keep)
    }

    /// A panel with the given series (by index), keeping all their rows.
    pub fn subset(&self, indices: &[usize]) -> Panel {
        let keep: Vec<(usize, usize)> = indices.iter().map(|&i| (i, self.len_of(i))).collect();
        self.take_rows(&keep)
    }

    /// Keeps, for each `(series, n)`, the first `n >= 1` rows of that series.
    fn take_rows(&self, keep: &[(usize, usize)]) -> Panel {
        let mut rows: Vec<usize> = Vec::new();
        let mut indptr = Vec::with_capacity(keep.len() + 1);
        indptr.push(0);
        for &(i, n) in keep {
            let s = self.indptr[i];
            rows.extend(s..s + n);
            indptr.push(rows.len());
        }
        let pick = |v: &[f64]| rows.iter().map(|&r| v[r]).collect::<Vec<f64>>();
        Panel {
            freq: self.freq,
            ids: keep.iter().map(|&(i, _)| self.ids[i].clone()).collect(),
            starts: keep.iter().map(|&(i, _)| self.starts[i]).collect(),
            indptr,
            y: pick(&self.y),
            covariates: self
                .covariates
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    values: pick(&c.values),
                })
                .collect(),
            statics: self
                .statics
                .iter()
                .map(|c| StaticColumn {
                    name: c.name.clone(),
                    values: keep.iter().map(|&(i, _)| c.values[i].clone()).collect(),
                })
                .collect(),
        }
    }
}

/// Known-future covariates for the forecast horizon (Nixtla's `X_df`):
/// per series, rows starting at the first forecast date.
#[derive(Debug, Clone, PartialEq)]
pub struct FutureCovariates {
    /// Series ids, in any order.
    pub ids: Vec<String>,
    /// First date of each series' rows.
    pub starts: Vec<NaiveDate>,
    /// Row offsets, length `ids.len() + 1`.
    pub indptr: Vec<usize>,
    /// Numeric columns aligned with the rows.
    pub columns: Vec<Column>,
    /// Position of each id, built on the first lookup (`Default::default()`
    /// when constructing).
    pub lookup: IdLookup,
}

/// A lazily built map from series id to position. A cache: it compares equal
/// whatever it holds, and it is not rebuilt when `ids` are edited in place
/// (build a new value instead; a stale entry finds nothing).
#[derive(Debug, Clone, Default)]
pub struct IdLookup(std::sync::OnceLock<std::collections::HashMap<String, usize>>);

impl PartialEq for IdLookup {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl FutureCovariates {
    /// Position of series `id` in [`ids`](Self::ids) (a hash lookup: callers
    /// look every series up, and a linear search made that quadratic).
    pub fn position(&self, id: &str) -> Option<usize> {
        let map = self.lookup.0.get_or_init(|| {
            let mut m = std::collections::HashMap::with_capacity(self.ids.len());
            for (i, x) in self.ids.iter().enumerate() {
                // the first row of a repeated id wins, as the linear search did
                m.entry(x.clone()).or_insert(i);
            }
            m
        });
        map.get(id)
            .copied()
            .filter(|&i| self.ids.get(i).is_some_and(|x| x == id))
    }

    /// Values of column `name` for series `id`, starting at that series' start date.
    pub fn values_of(&self, name: &str, id: &str) -> Option<(&NaiveDate, &[f64])> {
        let i = self.position(id)?;
        let c = self.columns.iter().find(|c| c.name == name)?;
        Some((
            &self.starts[i],
            &c.values[self.indptr[i]..self.indptr[i + 1]],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn panel() -> Panel {
        Panel::from_series(
            Freq::Daily,
            vec![
                ("a".into(), d(2024, 1, 1), vec![1.0, 2.0, 3.0, 4.0]),
                ("b".into(), d(2024, 1, 3), vec![5.0, 6.0]),
            ],
        )
        .unwrap()
        .with_covariate("p", vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0])
        .unwrap()
        .with_static("store", vec!["s1".into(), "s2".into()])
        .unwrap()
    }

    #[test]
    fn until_cuts_each_series() {
        let p = panel().until(d(2024, 1, 3));
        assert_eq!(p.n_series(), 2);
        assert_eq!(p.series(0), &[1.0, 2.0, 3.0]);
        assert_eq!(p.series(1), &[5.0]);
        assert_eq!(p.covariate_of("p", 1).unwrap(), &[14.0]);
        let p = panel().until(d(2024, 1, 2));
        assert_eq!(p.ids(), &["a".to_string()]);
        assert_eq!(p.static_col("store").unwrap(), &["s1".to_string()]);
    }

    #[test]
    fn rejects_bad_parts() {
        assert!(Panel::from_parts(
            Freq::Daily,
            vec!["a".into()],
            vec![d(2024, 1, 1)],
            vec![0, 0],
            vec![]
        )
        .is_err());
        assert!(Panel::from_series(
            Freq::Daily,
            vec![
                ("a".into(), d(2024, 1, 1), vec![1.0]),
                ("a".into(), d(2024, 1, 1), vec![1.0])
            ]
        )
        .is_err());
        assert!(panel().with_covariate("x", vec![1.0]).is_err());
    }

    #[test]
    fn dates() {
        let p = panel();
        assert_eq!(p.last_date(1), d(2024, 1, 4));
        assert_eq!(p.max_date(), Some(d(2024, 1, 4)));
    }
    #[test]
    fn future_values_by_id() -> std::result::Result<(), &'static str> {
        let f = FutureCovariates {
            ids: vec!["b".into(), "a".into(), "b".into()],
            starts: vec![d(2024, 1, 5), d(2024, 1, 5), d(2024, 2, 1)],
            indptr: vec![0, 2, 3, 4],
            columns: vec![Column {
                name: "price".into(),
                values: vec![1.0, 2.0, 3.0, 4.0],
            }],
            lookup: IdLookup::default(),
        };
        let (start, v) = f.values_of("price", "a").ok_or("no a")?;
        assert_eq!((*start, v), (d(2024, 1, 5), &[3.0][..]));
        // a repeated id: its first rows, as a linear search finds them
        assert_eq!(f.values_of("price", "b").ok_or("no b")?.1, &[1.0, 2.0]);
        assert_eq!(f.position("c"), None);
        assert!(f.values_of("cost", "a").is_none());
        // the cache is not part of the value
        assert_eq!(
            f,
            FutureCovariates {
                lookup: IdLookup::default(),
                ..f.clone()
            }
        );
        Ok(())
    }
}
