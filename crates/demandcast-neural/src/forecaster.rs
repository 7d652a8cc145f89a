//! `tsfm` as a panel [`Forecaster`]: zero-shot or with a fine-tuned adapter.

use crate::config::TsfmConfig;
use crate::panel::{series_statics, window_at, CovariateUse};
use crate::store::{load_model, resolve_model_dir, LoadedModel};
use crate::train::with_threads;
use crate::window::{collate, Window};
use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, FutureCovariates, Interval, Level, Panel,
    PanelForecast, Progress, SeriesNote,
};
use demandcast_eval::conformal::{self, recent_mean, CalPoint};
use rayon::prelude::*;
use std::collections::HashMap;
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
    /// Daily data: multiply by each series' benefit-day and event factors
    /// ([`crate::dayindex`]); `None` = [`EVENTS_INDEX_DEFAULT`].
    pub events_index: Option<bool>,
    /// Data with promotion columns: multiply by each series' promotion lifts
    /// ([`crate::promoindex`]); `None` = [`PROMOTION_INDEX_DEFAULT`].
    pub promotion_index: Option<bool>,
    /// Conformalize the intervals on the series' own last horizons (see
    /// [`FittedTsfm`]); `None`: for the pretrained weights alone, not with an
    /// adapter.
    ///
    /// The pretrained head's intervals are too narrow on daily retail data
    /// (M5: 80 % intervals covered 65 %), and calibrating them lowered the
    /// scaled CRPS from 0.600 to 0.557. A fine-tuned head has learnt the
    /// user's quantiles with the pinball loss (87 % coverage, sCRPS 0.542),
    /// and narrowing it to 81 % raised the scaled CRPS to 0.553, so adapters
    /// keep their own intervals unless asked (`tsfm:calibrate=on|off`).
    pub calibrate: Option<bool>,
    /// Text embedding per series id, read by an adapter fine-tuned with text
    /// (`finetune --catalog`); ignored by the pretrained weights alone.
    pub texts: Option<Arc<HashMap<String, Vec<f32>>>>,
}

/// Horizons at the end of the history that the intervals are calibrated on.
const CALIBRATION_WINDOWS: usize = 2;

/// Most series the calibration forecasts (an even spread over the panel):
/// 1,000 series x 2 windows give 2,000 scores per step, plenty for a pooled
/// quantile, and keep the calibration's cost below half the forecast's on
/// M5's 6,098 series.
const CALIBRATION_SERIES: usize = 1000;

/// Whether daily forecasts are reseasonalised by the day-of-week index unless
/// the spec says (`tsfm:weekday=on|off`).
pub const WEEKDAY_INDEX_DEFAULT: bool = true;

/// Whether daily forecasts are also multiplied by the benefit-day and event
/// factors unless the spec says (`tsfm:events=on|off`).
pub const EVENTS_INDEX_DEFAULT: bool = true;

/// Whether forecasts are multiplied by the promotion lifts measured on the
/// history unless the spec says (`tsfm:promotions=on|off`).
pub const PROMOTION_INDEX_DEFAULT: bool = true;

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
        if loaded.text && self.texts.is_none() {
            tracing::warn!(
                "tsfm: the adapter was fine-tuned with product texts; without --catalog it \
                 forecasts as if every text were missing"
            );
        }
        let weekday_index = self.weekday_index.unwrap_or(WEEKDAY_INDEX_DEFAULT);
        let events = self.events_index.unwrap_or(EVENTS_INDEX_DEFAULT);
        let promotions = self.promotion_index.unwrap_or(PROMOTION_INDEX_DEFAULT);
        if let Some(f) = loaded.factors {
            // A switch matters where the data has what it adjusts for.
            let daily = train.freq() == demandcast_core::Freq::Daily;
            let promo = covs
                .with_role(crate::features::CovRole::Promo)
                .next()
                .is_some();
            for (name, trained, used, applies) in [
                ("weekday", f.weekday, weekday_index, daily),
                ("events", f.events, events, daily),
                ("promotions", f.promotions, promotions, promo),
            ] {
                if applies && trained != used {
                    tracing::warn!(
                        "tsfm: the adapter was fine-tuned with {name}={}; {name}={} gives it \
                         contexts unlike those it was trained on",
                        on_off(trained),
                        on_off(used)
                    );
                }
            }
        }
        let texts = if loaded.text {
            self.texts.clone()
        } else {
            None
        };
        progress.inc(train.n_series() as u64);
        Ok(Box::new(FittedTsfm {
            texts,
            name: self.name().to_string(),
            loaded: Arc::new(loaded),
            panel: train.clone(),
            covs,
            threads: self.threads,
            weekday_index,
            events,
            promotions,
            calibrate: self.calibrate.unwrap_or(self.adapter.is_none()),
            batch_size: if self.batch_size == 0 {
                256
            } else {
                self.batch_size
            },
        }))
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// The model with the histories it forecasts from.
///
/// With `calibrate`, the intervals are conformalized (normalized CQR, see
/// [`demandcast_eval::conformal`]): before forecasting, the model forecasts
/// the last two horizons of the series' own history from the values before
/// them (at most 1,000 series, spread over the panel; no weights change: the
/// forecast stays zero-shot), and per level and
/// step the bounds move by the conformal quantile of how far those actuals
/// fell outside them, in units of each series' recent mean demand. The
/// pretrained head's 80 % intervals covered 65 % of M5's daily actuals.
pub struct FittedTsfm {
    name: String,
    loaded: Arc<LoadedModel>,
    panel: Panel,
    covs: CovariateUse,
    threads: usize,
    batch_size: usize,
    weekday_index: bool,
    events: bool,
    promotions: bool,
    calibrate: bool,
    texts: Option<Arc<HashMap<String, Vec<f32>>>>,
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
                    // an adapter's level correction scales every output
                    let at = |j: usize| s * loaded.level_at(j);
                    let qq = qq
                        .into_iter()
                        .enumerate()
                        .map(|(j, r)| r.into_iter().map(|x| x * at(j)).collect())
                        .collect();
                    let mm = mm.into_iter().enumerate().map(|(j, x)| x * at(j)).collect();
                    (qq, mm)
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
        let day =
            crate::dayindex::DayIndex::estimate(p, &self.covs, self.weekday_index, self.events);
        let promo = if self.promotions {
            crate::promoindex::PromoIndex::estimate(p, &self.covs)
        } else {
            None
        };
        let windows: Vec<Window> = (0..p.n_series())
            .into_par_iter()
            .map(|i| {
                let st = series_statics(p, i, cfg);
                let n = p.len_of(i);
                let mut w = window_at(p, i, n, n, cfg, &self.covs, future, &st);
                w.text = self
                    .texts
                    .as_ref()
                    .and_then(|t| t.get(&p.ids()[i]).cloned());
                if let Some(day) = &day {
                    // The model reads the seasonally adjusted context (each value
                    // divided by its day's factor: weekday, benefit day, event)
                    // and its forecast is reseasonalised below: the classic
                    // multiplicative adjustment, so the weekly cycle is the
                    // index's alone and not counted twice where the model has
                    // learnt some of it.
                    day.adjust_window(&mut w, p, i, n);
                }
                if let Some(promo) = &promo {
                    // Likewise the promotions: the model reads a baseline,
                    // the forecast takes each step's promotion lift.
                    promo.adjust_window(&mut w, p, i, n, future);
                }
                w
            })
            .collect();
        let preds = predict_windows(&self.loaded, &windows, self.batch_size)?;
        Ok(preds
            .into_iter()
            .enumerate()
            .map(|(i, (q, m))| {
                // The day and promotion factor of each forecast step (1 without one).
                let mut f: Vec<f64> = match &day {
                    Some(day) => day.horizon(&windows[i], p, i, p.len_of(i), h),
                    None => vec![1.0; h],
                };
                if let Some(promo) = &promo {
                    let g = promo.factors(p, i, p.len_of(i), h, future);
                    f.iter_mut().zip(g).for_each(|(f, g)| *f *= g);
                }
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
        let mut series = with_threads(self.threads_or_all(), || {
            let mut fc = self.forecast_block(h, levels, future)?;
            if self.calibrate && !levels.is_empty() {
                let widen = self.conformal_widths(h, levels)?;
                self.widen(&mut fc, levels, &widen, h);
            }
            Ok::<_, crate::Error>(fc)
        })
        .map_err(core_err)?;
        for f in &mut series {
            f.intervals
                .sort_by(|a, b| a.level.percent().total_cmp(&b.level.percent()));
            f.clip_nonnegative();
            f.sort_quantiles();
        }
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
    /// The same model over `panel`, without the interval calibration.
    fn uncalibrated_on(&self, panel: Panel) -> Self {
        Self {
            name: self.name.clone(),
            loaded: Arc::clone(&self.loaded),
            panel,
            covs: self.covs.clone(),
            threads: self.threads,
            batch_size: self.batch_size,
            weekday_index: self.weekday_index,
            events: self.events,
            promotions: self.promotions,
            calibrate: false,
            texts: self.texts.clone(),
        }
    }

    /// The conformal adjustment `[level][step]` (in the order of `levels`)
    /// from forecasts of the last [`CALIBRATION_WINDOWS`] horizons of the
    /// history; empty when the history is too short.
    fn conformal_widths(&self, h: usize, levels: &[Level]) -> crate::Result<Vec<Vec<f64>>> {
        let p = &self.panel;
        let Some(last) = p.max_date() else {
            return Ok(Vec::new());
        };
        let n = p.n_series();
        let spread;
        let base = if n > CALIBRATION_SERIES {
            let pick: Vec<usize> = (0..CALIBRATION_SERIES)
                .map(|k| k * n / CALIBRATION_SERIES)
                .collect();
            spread = p.subset(&pick);
            &spread
        } else {
            p
        };
        let mut points: Vec<Vec<Vec<CalPoint>>> = vec![vec![Vec::new(); h]; levels.len()];
        let mut windows = 0;
        for w in 1..=CALIBRATION_WINDOWS {
            let cutoff = p.freq().step(last, -((w * h) as i64));
            let train = base.until(cutoff);
            if train.n_series() == 0 {
                break;
            }
            let idx: Vec<usize> = train.ids().iter().filter_map(|id| p.index_of(id)).collect();
            let future = demandcast_eval::cv::future_covariates(p, &idx, cutoff, h);
            let inner = self.uncalibrated_on(train);
            let fc = inner.forecast_block(h, levels, future.as_ref())?;
            for (j, &i) in idx.iter().enumerate() {
                let hist = inner.panel.series(j);
                let actuals = &p.series(i)[hist.len()..];
                conformal::add_points(&mut points, levels, &fc[j], hist, actuals, h.max(28));
            }
            windows += 1;
        }
        if windows == 0 {
            return Ok(Vec::new());
        }
        let widen = conformal::adjustments(levels, &points, true);
        tracing::info!(windows, ?widen, "tsfm intervals conformalized");
        Ok(widen)
    }

    /// Moves the bounds of `fc` by `widen` (computed for `levels`), in units
    /// of each series' recent mean demand.
    fn widen(&self, fc: &mut [Forecast], levels: &[Level], widen: &[Vec<f64>], h: usize) {
        for (i, f) in fc.iter_mut().enumerate() {
            let scale = recent_mean(self.panel.series(i), h.max(28));
            conformal::widen(f, levels, widen, scale, true);
        }
    }

    fn threads_or_all(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            // The caller's pool (the CLI's `--threads`).
            rayon::current_num_threads()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tsfm;
    use candle_core::{DType, Device};
    use candle_nn::{VarBuilder, VarMap};
    use demandcast_core::{Freq, NaiveDate};

    /// A tiny randomly initialised model over 120 daily series of counts.
    fn fitted() -> Result<FittedTsfm, Box<dyn std::error::Error>> {
        let cfg = TsfmConfig::tiny();
        let vm = VarMap::new();
        let model = Tsfm::new(
            &cfg,
            VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
            None,
        )?;
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
        let mut state = 7u64;
        let series = (0..120)
            .map(|i| {
                let level = 1.0 + (i % 10) as f64;
                let y = (0..150)
                    .map(|_| {
                        // a small LCG: counts spread around each series' level
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                        (level * 2.0 * u).floor()
                    })
                    .collect();
                (format!("s{i}"), start, y)
            })
            .collect();
        let panel = Panel::from_series(Freq::Daily, series)?;
        Ok(FittedTsfm {
            name: "Tsfm".into(),
            loaded: Arc::new(LoadedModel {
                model,
                config: cfg,
                device: Device::Cpu,
                use_covariates: false,
                level: 1.0,
                level_curve: Vec::new(),
                text: false,
                factors: None,
            }),
            panel,
            covs: CovariateUse::default(),
            threads: 1,
            batch_size: 64,
            weekday_index: false,
            events: false,
            promotions: false,
            calibrate: true,
            texts: None,
        })
    }

    /// Share of the actuals of the last two horizons inside the intervals
    /// forecast from before each, with `widen` applied or not.
    fn coverage(f: &FittedTsfm, h: usize, level: Level, widen: Option<&[Vec<f64>]>) -> f64 {
        let p = &f.panel;
        let last = p.max_date().unwrap_or_default();
        let (mut hit, mut n) = (0usize, 0usize);
        for w in 1..=2 {
            let train = p.until(p.freq().step(last, -((w * h) as i64)));
            let inner = f.uncalibrated_on(train);
            let Ok(mut fc) = inner.forecast_block(h, &[level], None) else {
                return f64::NAN;
            };
            if let Some(widen) = widen {
                inner.widen(&mut fc, &[level], widen, h);
            }
            for (i, fi) in fc.iter_mut().enumerate() {
                fi.clip_nonnegative();
                let y = &p.series(i)[inner.panel.len_of(i)..];
                let iv = &fi.intervals[0];
                for ((y, lo), hi) in y.iter().zip(&iv.lower).zip(&iv.upper).take(h) {
                    n += 1;
                    hit += usize::from(lo <= y && y <= hi);
                }
            }
        }
        hit as f64 / n as f64
    }

    #[test]
    fn calibration_brings_the_intervals_to_their_level() -> Result<(), Box<dyn std::error::Error>> {
        let f = fitted()?;
        let (h, level) = (14, Level::new(80.0)?);
        let widen = f.conformal_widths(h, &[level])?;
        assert_eq!((widen.len(), widen[0].len()), (1, h));
        let raw = coverage(&f, h, level, None);
        let cal = coverage(&f, h, level, Some(&widen));
        // conformal: at least the level on the windows it was computed on,
        // and not much more (ties among counts allow a little)
        assert!((0.8..=0.86).contains(&cal), "calibrated {cal}, raw {raw}");
        assert!(
            (raw - 0.8).abs() > 0.1,
            "the random model's raw coverage {raw}"
        );
        // predict applies it: same means, other bounds, bounds still ordered
        let on = f.predict(h, &[level], None)?;
        let off = f
            .uncalibrated_on(f.panel.clone())
            .predict(h, &[level], None)?;
        assert_eq!(on.series[0].mean, off.series[0].mean);
        assert_ne!(on.series[0].intervals, off.series[0].intervals);
        for s in &on.series {
            let iv = &s.intervals[0];
            assert!(iv
                .lower
                .iter()
                .zip(&iv.upper)
                .all(|(l, u)| 0.0 <= *l && l <= u));
        }
        Ok(())
    }
}
