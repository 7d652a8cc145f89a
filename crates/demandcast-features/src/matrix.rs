//! Feature matrices: training rows (with an optional validation tail) and
//! the rows of each forecast step.

use crate::context::SeriesContext;
use crate::engine::FittedFeatures;
use crate::{Error, Result};
use demandcast_core::{FutureCovariates, Panel};
use rayon::prelude::*;

/// Which rows become training examples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Steps between the last value the features read and the target: 1 for
    /// recursive models, `k` for the direct model of step `k`.
    pub offset: usize,
    /// Keep only the last `n` rows of each series (older demand is often
    /// stale, and it bounds memory); `None` keeps all.
    pub max_history: Option<usize>,
    /// Drop rows before a series' first non-zero sale (not yet listed).
    pub trim_leading_zeros: bool,
    /// The last `n` rows of each series go to a validation set (early stopping).
    pub holdout: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            offset: 1,
            max_history: None,
            trim_leading_zeros: true,
            holdout: 0,
        }
    }
}

/// Row-major features and targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    /// `rows x n_features` values, row-major; NaN marks a missing feature.
    pub x: Vec<f32>,
    /// One target per row.
    pub y: Vec<f32>,
    /// Columns.
    pub n_features: usize,
}

impl Matrix {
    /// Number of rows (prediction matrices have features but no target).
    pub fn rows(&self) -> usize {
        match self.n_features {
            0 => self.y.len(),
            nf => self.x.len() / nf,
        }
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.x[r * self.n_features..(r + 1) * self.n_features]
    }
}

/// Training rows and the optional validation rows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSet {
    /// Rows to fit on.
    pub train: Matrix,
    /// The last `holdout` rows of each series, when asked for.
    pub valid: Option<Matrix>,
}

impl FittedFeatures {
    /// The rows `t` of series `i` that are training examples: after the
    /// first sale (when trimming), with at least one earlier value under
    /// `offset`, a finite target, and within `max_history`.
    fn train_range(&self, panel: &Panel, i: usize, o: &TrainOptions) -> (usize, usize) {
        let y = panel.series(i);
        let n = y.len();
        let mut lo = o.offset.max(1);
        if o.trim_leading_zeros {
            match y.iter().position(|v| *v > 0.0) {
                Some(f) => lo = lo.max(f + 1),
                None => return (n, n),
            }
        }
        if let Some(m) = o.max_history {
            lo = lo.max(n.saturating_sub(m));
        }
        (lo.min(n), n)
    }

    /// Builds training rows for the given series of `panel` (in parallel).
    ///
    /// # Errors
    /// [`Error::NoRows`] when no series has a training row; a covariate
    /// error from [`FittedFeatures::context`].
    pub fn training_set(
        &self,
        panel: &Panel,
        series: &[usize],
        o: &TrainOptions,
    ) -> Result<TrainSet> {
        let nf = self.n_features();
        let ranges: Vec<(usize, usize, usize)> = series
            .iter()
            .map(|&i| {
                let (lo, hi) = self.train_range(panel, i, o);
                let split = hi.saturating_sub(o.holdout).max(lo);
                (lo, split, hi)
            })
            .collect();
        let n_train: usize = ranges.iter().map(|r| r.1 - r.0).sum();
        let n_valid: usize = ranges.iter().map(|r| r.2 - r.1).sum();
        if n_train == 0 {
            return Err(Error::NoRows(format!(
                "{} series, none with a sale before the last {} periods",
                series.len(),
                o.holdout
            )));
        }
        let mut train = Matrix {
            x: vec![0.0; n_train * nf],
            y: vec![0.0; n_train],
            n_features: nf,
        };
        let mut valid = Matrix {
            x: vec![0.0; n_valid * nf],
            y: vec![0.0; n_valid],
            n_features: nf,
        };
        // Split the output buffers into one disjoint chunk per series, so the
        // series fill their rows in parallel without copying.
        let mut jobs = Vec::with_capacity(series.len());
        {
            let (mut tx, mut ty) = (train.x.as_mut_slice(), train.y.as_mut_slice());
            let (mut vx, mut vy) = (valid.x.as_mut_slice(), valid.y.as_mut_slice());
            for (&i, &(lo, split, hi)) in series.iter().zip(&ranges) {
                let (a, rest) = std::mem::take(&mut tx).split_at_mut((split - lo) * nf);
                tx = rest;
                let (b, rest) = std::mem::take(&mut ty).split_at_mut(split - lo);
                ty = rest;
                let (c, rest) = std::mem::take(&mut vx).split_at_mut((hi - split) * nf);
                vx = rest;
                let (d, rest) = std::mem::take(&mut vy).split_at_mut(hi - split);
                vy = rest;
                jobs.push((i, lo, split, hi, a, b, c, d));
            }
        }
        jobs.into_par_iter()
            .try_for_each(|(i, lo, split, hi, tx, ty, vx, vy)| -> Result<()> {
                let cx = self.context(panel, i, None, 0)?;
                let y = panel.series(i);
                for (t, &yt) in y.iter().enumerate().take(hi).skip(lo) {
                    let (x, yy, r) = if t < split {
                        (&mut *tx, &mut *ty, t - lo)
                    } else {
                        (&mut *vx, &mut *vy, t - split)
                    };
                    self.fill_row(&cx, t, o.offset, &mut x[r * nf..(r + 1) * nf]);
                    yy[r] = yt as f32;
                }
                Ok(())
            })?;
        tracing::debug!(
            rows = n_train,
            valid = n_valid,
            features = nf,
            "training rows built"
        );
        Ok(TrainSet {
            train,
            valid: (o.holdout > 0 && n_valid > 0).then_some(valid),
        })
    }

    /// The forecast frame of the given series: their contexts with future
    /// covariates for `h` steps.
    ///
    /// # Errors
    /// As [`FittedFeatures::context`].
    pub fn forecast_frame<'a>(
        &'a self,
        panel: &'a Panel,
        series: &[usize],
        future: Option<&'a FutureCovariates>,
        h: usize,
    ) -> Result<ForecastFrame<'a>> {
        // Collected as results first so that the error reported is the first
        // series' in order, not whichever thread failed first.
        let cxs = series
            .par_iter()
            .map(|&i| self.context(panel, i, future, h))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        Ok(ForecastFrame { f: self, cxs })
    }
}

/// Series being forecast: builds each step's rows and takes the forecasts
/// back, so that recursive features read earlier forecasts, never actuals.
#[derive(Debug, Clone)]
pub struct ForecastFrame<'a> {
    f: &'a FittedFeatures,
    cxs: Vec<SeriesContext<'a>>,
}

impl ForecastFrame<'_> {
    /// Number of series.
    pub fn len(&self) -> usize {
        self.cxs.len()
    }

    /// Whether the frame has no series.
    pub fn is_empty(&self) -> bool {
        self.cxs.is_empty()
    }

    /// The rows of forecast step `step` (0-based) of every series, seen from
    /// `offset` steps before (1 = recursive: needs `step` pushed forecasts).
    pub fn rows(&self, step: usize, offset: usize) -> Matrix {
        let nf = self.f.n_features();
        let mut x = vec![0.0f32; self.cxs.len() * nf];
        x.par_chunks_mut(nf.max(1))
            .zip(self.cxs.par_iter())
            .for_each(|(row, cx)| self.f.fill_row(cx, cx.n_obs() + step, offset, row));
        Matrix {
            x,
            y: Vec::new(),
            n_features: nf,
        }
    }

    /// Appends one forecast per series (in frame order).
    pub fn push(&mut self, values: &[f64]) {
        for (cx, v) in self.cxs.iter_mut().zip(values) {
            cx.push(*v);
        }
    }

    /// The series contexts.
    pub fn contexts(&self) -> &[SeriesContext<'_>] {
        &self.cxs
    }
}
