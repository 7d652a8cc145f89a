//! [`SeriesContext`]: one series' target buffer, covariates (history, then
//! known-future rows) and fitted codes, read by [`crate::FittedFeatures::fill_row`].

use crate::engine::{check_covariates, usual_price, FittedFeatures};
use crate::target::SeriesBuffer;
use crate::{Error, Result};
use demandcast_core::{FutureCovariates, NaiveDate, Panel};

/// Everything the features of one series read.
#[derive(Debug, Clone)]
pub struct SeriesContext<'a> {
    buf: SeriesBuffer,
    n_obs: usize,
    start: NaiveDate,
    // per covariate: history rows and future rows (starting at the first forecast step)
    covs: Vec<(&'a [f64], &'a [f64])>,
    price: Option<usize>,
    usual: f64,
    group_usual: f64,
    codes: Vec<f32>,
    first_sale: Option<usize>,
}

impl<'a> SeriesContext<'a> {
    pub(crate) fn new(
        f: &FittedFeatures,
        panel: &'a Panel,
        i: usize,
        future: Option<&'a FutureCovariates>,
        h: usize,
    ) -> Result<Self> {
        check_covariates(f, panel)?;
        let y = panel.series(i);
        let id = panel.id(i);
        let n_obs = y.len();
        let first_future = panel.freq().step(panel.last_date(i), 1);
        let mut covs = Vec::with_capacity(f.covariates.len());
        for name in &f.covariates {
            let hist = panel.covariate_of(name, i).unwrap_or(&[]);
            let fut: &[f64] = if h == 0 {
                &[]
            } else {
                let found = future.and_then(|fc| fc.values_of(name, id));
                let (start, vals) = match found {
                    Some((s, v)) => (*s, v),
                    None => {
                        return Err(Error::MissingFuture {
                            column: name.clone(),
                            id: id.to_string(),
                            needed: h,
                            got: 0,
                        })
                    }
                };
                // Rows may start before the first forecast date (a future file
                // that overlaps the history): skip those.
                let skip = match panel.freq().steps_between(start, first_future) {
                    Some(k) if k >= 0 => k as usize,
                    _ => {
                        return Err(Error::FutureGap {
                            id: id.to_string(),
                            start,
                            first: first_future,
                        })
                    }
                };
                let v = vals.get(skip..).unwrap_or(&[]);
                if v.len() < h {
                    return Err(Error::MissingFuture {
                        column: name.clone(),
                        id: id.to_string(),
                        needed: h,
                        got: v.len(),
                    });
                }
                v
            };
            covs.push((hist, fut));
        }
        let price = f
            .price
            .as_ref()
            .and_then(|p| f.covariates.iter().position(|c| *c == p.column));
        let usual = match price {
            Some(j) => usual_price(covs[j].0),
            None => f64::NAN,
        };
        let group_usual = f
            .price
            .as_ref()
            .and_then(|p| {
                let g = panel.static_col(p.group.as_deref()?)?;
                p.group_usual.get(&g[i]).copied()
            })
            .unwrap_or(f64::NAN);
        let codes = f
            .statics
            .iter()
            .map(|s| {
                panel
                    .static_col(&s.name)
                    .and_then(|v| s.codes.get(&v[i]).copied())
                    .unwrap_or(f32::NAN)
            })
            .collect();
        Ok(Self {
            buf: SeriesBuffer::new(y),
            n_obs,
            start: panel.start(i),
            covs,
            price,
            usual,
            group_usual,
            codes,
            first_sale: y.iter().position(|v| *v > 0.0),
        })
    }

    /// The target buffer (history, then appended forecasts).
    pub fn buffer(&self) -> &SeriesBuffer {
        &self.buf
    }

    /// Appends a forecast to the buffer (recursive prediction).
    pub fn push(&mut self, v: f64) {
        self.buf.push(v);
    }

    /// Observed periods.
    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    /// First date.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Covariate `j` at index `t` (history, else future); NaN past both.
    pub fn covariate(&self, j: usize, t: usize) -> f64 {
        let (h, f) = self.covs[j];
        if t < self.n_obs {
            h.get(t).copied().unwrap_or(f64::NAN)
        } else {
            f.get(t - self.n_obs).copied().unwrap_or(f64::NAN)
        }
    }

    /// The price at index `t`, NaN without a price column.
    pub fn price(&self, t: usize) -> f64 {
        self.price.map_or(f64::NAN, |j| self.covariate(j, t))
    }

    /// The series' usual price (mean of its known prices).
    pub fn usual_price(&self) -> f64 {
        self.usual
    }

    /// The usual price of the series' peer group.
    pub fn group_usual_price(&self) -> f64 {
        self.group_usual
    }

    /// Encoded statics, in the fitted order.
    pub fn static_codes(&self) -> &[f32] {
        &self.codes
    }

    /// Index of the first non-zero sale.
    pub fn first_sale(&self) -> Option<usize> {
        self.first_sale
    }
}
