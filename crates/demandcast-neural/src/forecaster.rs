//! `tsfm` as a panel [`Forecaster`]: zero-shot or with a fine-tuned adapter.

use crate::config::TsfmConfig;
use crate::panel::{series_statics, window_at, CovariateUse};
use crate::store::{load_model, resolve_model_dir, LoadedModel};
use crate::train::with_threads;
use crate::window::{collate, Window};
use chrono::Datelike;
use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, FutureCovariates, Interval, Level, Panel,
    PanelForecast, Progress, SeriesNote,
};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// The pretrained transformer as a forecaster (configuration only: `fit`
/// loads the weights and keeps the panel's histories).
#[derive(Debug, Clone, Default)]
pub struct TsfmForecaster {
    /// Output column name (default `Tsfm`).
    pub alias: Option<String>,
    /// Model directory (default: [`resolve_model_dir`]).
    pub model_dir: Option<PathBuf>,
    /// Fine-tuned adapter directory applied over the base.
    pub adapter: Option<PathBuf>,
    /// Threads for inference (0 = the current rayon pool's, e.g. the CLI's `--threads`).
    pub threads: usize,
    /// Series per forward pass (0 = 256).
    pub batch_size: usize,
    /// Daily data: multiply by each series' day-of-week index
    /// ([`crate::weekday`]); `None` = [`WEEKDAY_INDEX_DEFAULT`].
    pub weekday_index: Option<bool>,
}

/// Whether daily forecasts are reseasonalised by the day-of-week index unless
/// the spec says (`tsfm:weekday=on|off`).
pub const WEEKDAY_INDEX_DEFAULT: bool = true;

fn core_err(e: impl std::fmt::Display) -> demandcast_core::Error {
    demandcast_core::Error::Other(format!("tsfm: {e}"))
}

impl Forecaster for TsfmForecaster {
    fn name(&self) -> &str {
        self.alias.as_deref().unwrap_or("Tsfm")
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        let dir = resolve_model_dir(self.model_dir.as_deref());
        let loaded = load_model(&dir, self.adapter.as_deref()).map_err(core_err)?;
        // An adapter fine-tuned without covariates forecasts without them.
        let covs = if loaded.use_covariates {
            CovariateUse::of(train)
        } else {
            CovariateUse::default()
        };
        if !covs.ignored.is_empty() {
            tracing::info!("tsfm does not read covariates {:?}", covs.ignored);
        }
        progress.inc(train.n_series() as u64);
        Ok(Box::new(FittedTsfm {
            name: self.name().to_string(),
            loaded: Arc::new(loaded),
            panel: train.clone(),
            covs,
            threads: self.threads,
            weekday_index: self.weekday_index.unwrap_or(WEEKDAY_INDEX_DEFAULT),
            batch_size: if self.batch_size == 0 {
                256
            } else {
                self.batch_size
            },
        }))
    }
}

/// The model with the histories it forecasts from.
pub struct FittedTsfm {
    name: String,
    loaded: Arc<LoadedModel>,
    panel: Panel,
    covs: CovariateUse,
    threads: usize,
    batch_size: usize,
    weekday_index: bool,
}

/// Quantile `p` interpolated linearly on the model's grid `qs` (values `v`),
/// clamped to the grid's ends.
fn interp(qs: &[f32], v: &[f32], p: f64) -> f64 {
    let p = p as f32;
    if p <= qs[0] {
        return f64::from(v[0]);
    }
    for j in 1..qs.len() {
        if p <= qs[j] {
            let w = (p - qs[j - 1]) / (qs[j] - qs[j - 1]);
            return f64::from(v[j - 1] + w * (v[j] - v[j - 1]));
        }
    }
    f64::from(v[v.len() - 1])
}

/// One window's forecast in original units: quantiles (horizon_len × n_q) and the mean (horizon_len).
pub type WindowForecast = (Vec<Vec<f32>>, Vec<f32>);

/// Runs the model over `windows` in batches; returns per window the quantiles
/// (horizon_len × n_q) and the mean (horizon_len), in original units.
///
/// # Errors
/// Tensor failures.
pub fn predict_windows(
    loaded: &LoadedModel,
    windows: &[Window],
    batch_size: usize,
) -> crate::Result<Vec<WindowForecast>> {
    let cfg: &TsfmConfig = &loaded.config;
    let chunks: Vec<&[Window]> = windows.chunks(batch_size.max(1)).collect();
    let parts: Vec<crate::Result<Vec<WindowForecast>>> = chunks
        .par_iter()
        .map(|chunk| {
            let refs: Vec<&Window> = chunk.iter().collect();
            let b = collate(cfg, &refs, &loaded.device)?;
            let out = loaded.model.forward(&b.inputs, false)?;
            let q = out.quantiles.to_vec3::<f32>()?;
            let m = out.mean.to_vec2::<f32>()?;
            Ok(q.into_iter()
                .zip(m)
                .zip(&b.scales)
                .map(|((qq, mm), s)| {
                    let qq = qq
                        .into_iter()
                        .map(|r| r.into_iter().map(|x| x * s).collect())
                        .collect();
                    (qq, mm.into_iter().map(|x| x * s).collect())
                })
                .collect())
        })
        .collect();
    let mut out = Vec::with_capacity(windows.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

impl FittedTsfm {
    /// Forecasts `h` steps (<= horizon_len) after `origin[i]` rows of each series.
    fn forecast_block(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> crate::Result<Vec<Forecast>> {
        let cfg = &self.loaded.config;
        let p = &self.panel;
        let dow = if self.weekday_index {
            crate::weekday::weekday_indices(p)
        } else {
            None
        };
        let windows: Vec<Window> = (0..p.n_series())
            .into_par_iter()
            .map(|i| {
                let st = series_statics(p, i, cfg);
                let n = p.len_of(i);
                let mut w = window_at(p, i, n, n, cfg, &self.covs, future, &st);
                if let Some(idx) = &dow {
                    // The model reads the seasonally adjusted context (each value
                    // divided by its weekday's index) and its forecast is
                    // reseasonalised below: the classic multiplicative
                    // adjustment, so the weekly cycle is the index's alone and
                    // not counted twice where the model has learnt some of it.
                    let c0 = n - w.context.len();
                    for (k, v) in w.context.iter_mut().enumerate() {
                        let d = p.date(i, c0 + k).weekday().num_days_from_monday() as usize;
                        *v /= idx[i][d].max(0.05) as f32;
                    }
                }
                w
            })
            .collect();
        let preds = predict_windows(&self.loaded, &windows, self.batch_size)?;
        Ok(preds
            .into_iter()
            .enumerate()
            .map(|(i, (q, m))| {
                // The weekday index of each forecast step (1 without one).
                let f: Vec<f64> = (0..h)
                    .map(|t| match &dow {
                        Some(idx) => {
                            let d = p.freq().step(p.last_date(i), t as i64 + 1);
                            idx[i][d.weekday().num_days_from_monday() as usize]
                        }
                        None => 1.0,
                    })
                    .collect();
                let mean: Vec<f64> = (0..h).map(|t| f64::from(m[t]) * f[t]).collect();
                let intervals = levels
                    .iter()
                    .map(|&level| Interval {
                        level,
                        lower: (0..h)
                            .map(|t| interp(&cfg.quantiles, &q[t], level.lo_quantile()) * f[t])
                            .collect(),
                        upper: (0..h)
                            .map(|t| interp(&cfg.quantiles, &q[t], level.hi_quantile()) * f[t])
                            .collect(),
                    })
                    .collect();
                Forecast { mean, intervals }
            })
            .collect())
    }
}

impl FittedForecaster for FittedTsfm {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        let cfg = &self.loaded.config;
        let mut notes = Vec::new();
        if h > cfg.horizon_len {
            return Err(core_err(format!(
                "horizon {h} exceeds the model's {} periods; forecast in shorter blocks",
                cfg.horizon_len
            )));
        }
        let series = with_threads(self.threads_or_all(), || {
            self.forecast_block(h, levels, future)
        })
        .map_err(core_err)?;
        let p = &self.panel;
        for i in 0..p.n_series() {
            if p.len_of(i) < cfg.patch_len {
                notes.push(SeriesNote {
                    id: p.id(i).to_string(),
                    message: format!("tsfm: only {} observations (context padded)", p.len_of(i)),
                });
            }
        }
        let mut sorted = levels.to_vec();
        sorted.sort_by(|a, b| a.percent().total_cmp(&b.percent()));
        Ok(PanelForecast {
            model: self.name.clone(),
            freq: p.freq(),
            ids: p.ids().to_vec(),
            starts: (0..p.n_series())
                .map(|i| p.freq().step(p.last_date(i), 1))
                .collect(),
            levels: sorted,
            series,
            notes,
        })
    }
}

impl FittedTsfm {
    fn threads_or_all(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            // The caller's pool (the CLI's `--threads`).
            rayon::current_num_threads()
        }
    }
}
