//! The result of a backtest: per window and model, the forecasts, actuals
//! and timings, and the long table they make.

use crate::cv::Refit;
use crate::table::ForecastTable;
use crate::Result;
use chrono::NaiveDate;
use demandcast_core::{Freq, Level, PanelForecast};
use serde::Serialize;
use std::collections::HashMap;

/// A series left out of (or only partly in) a window, or a model's note on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvNote {
    /// The window's cutoff.
    pub cutoff: NaiveDate,
    /// The series.
    pub id: String,
    /// The model, when the note is a model's (fallbacks and the like).
    pub model: Option<String>,
    /// What happened.
    pub message: String,
}

/// One model on one window.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelWindow {
    /// The model's name.
    pub model: String,
    /// Its forecasts (None when it failed).
    pub forecast: Option<PanelForecast>,
    /// The error, when it failed.
    pub error: Option<String>,
    /// Whether the model was fitted on this window (see [`Refit`]).
    pub refit: bool,
    /// Seconds spent in `fit` (0 when not refitted).
    pub fit_seconds: f64,
    /// Seconds spent in `predict`.
    pub predict_seconds: f64,
}

impl ModelWindow {
    pub(crate) fn failed(model: String, error: String, fit_seconds: f64) -> Self {
        Self {
            model,
            forecast: None,
            error: Some(error),
            refit: true,
            fit_seconds,
            predict_seconds: 0.0,
        }
    }
}

/// One window (cutoff) of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct CvWindow {
    /// Last training date.
    pub cutoff: NaiveDate,
    /// Panel indices of the evaluated series.
    pub series: Vec<usize>,
    /// Their ids.
    pub ids: Vec<String>,
    /// Their `h` actuals after the cutoff (NaN past a series' end).
    pub actuals: Vec<Vec<f64>>,
    /// Each model's result, in the order the models were given.
    pub models: Vec<ModelWindow>,
}

/// Total timings of one model over a backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTiming {
    /// The model's name.
    pub model: String,
    /// Seconds in `fit`, all windows.
    pub fit_seconds: f64,
    /// Seconds in `predict`, all windows.
    pub predict_seconds: f64,
    /// Windows where the model failed.
    pub n_failed_windows: usize,
}

/// How [`CvResult::to_table`] lays out the model columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// Also write `<model>-median` = the point forecast for models with
    /// intervals, so that levels 20, 40, 60, 80 give the full 0.1..0.9
    /// quantile set of the WQL (what the reference harness does for its
    /// peers). Only right when the point forecast is a median.
    pub point_as_median: bool,
}

/// The result of [`crate::cross_validation`].
#[derive(Debug, Clone, PartialEq)]
pub struct CvResult {
    /// The panel's frequency.
    pub freq: Freq,
    /// Forecast horizon.
    pub h: usize,
    /// Steps between cutoffs.
    pub step_size: usize,
    /// The refit policy used.
    pub refit: Refit,
    /// Levels asked of the models.
    pub levels: Vec<Level>,
    /// Model names, in the order given.
    pub model_names: Vec<String>,
    /// Windows, earliest first.
    pub windows: Vec<CvWindow>,
    /// Series skipped or partly scored, per window.
    pub notes: Vec<CvNote>,
}

impl CvResult {
    /// The first error of model `name` in any window (`None`: it never failed).
    pub fn first_error(&self, name: &str) -> Option<String> {
        self.windows
            .iter()
            .flat_map(|w| &w.models)
            .find(|m| m.model == name && m.error.is_some())
            .and_then(|m| m.error.clone())
    }

    /// Cutoffs, earliest first.
    pub fn cutoffs(&self) -> Vec<NaiveDate> {
        self.windows.iter().map(|w| w.cutoff).collect()
    }

    /// Summed timings per model.
    pub fn timings(&self) -> Vec<ModelTiming> {
        self.model_names
            .iter()
            .map(|name| {
                let mut t = ModelTiming {
                    model: name.clone(),
                    fit_seconds: 0.0,
                    predict_seconds: 0.0,
                    n_failed_windows: 0,
                };
                for mw in self
                    .windows
                    .iter()
                    .flat_map(|w| &w.models)
                    .filter(|m| &m.model == name)
                {
                    t.fit_seconds += mw.fit_seconds;
                    t.predict_seconds += mw.predict_seconds;
                    t.n_failed_windows += usize::from(mw.error.is_some());
                }
                t
            })
            .collect()
    }

    /// The backtest's notes plus every model's per-series notes and failures.
    pub fn all_notes(&self) -> Vec<CvNote> {
        let mut out = self.notes.clone();
        for w in &self.windows {
            for mw in &w.models {
                if let Some(e) = &mw.error {
                    out.push(CvNote {
                        cutoff: w.cutoff,
                        id: String::new(),
                        model: Some(mw.model.clone()),
                        message: format!("model failed on this window: {e}"),
                    });
                }
                for n in mw.forecast.iter().flat_map(|f| &f.notes) {
                    out.push(CvNote {
                        cutoff: w.cutoff,
                        id: n.id.clone(),
                        model: Some(mw.model.clone()),
                        message: n.message.clone(),
                    });
                }
            }
        }
        out
    }

    /// The levels for which `model` returned an interval for at least one series.
    fn levels_of(&self, model: &str) -> Vec<Level> {
        self.levels
            .iter()
            .copied()
            .filter(|&l| {
                self.windows
                    .iter()
                    .flat_map(|w| &w.models)
                    .filter(|m| m.model == model)
                    .flat_map(|m| m.forecast.iter().flat_map(|f| &f.series))
                    .any(|f| f.interval(l).is_some())
            })
            .collect()
    }

    /// The long table `unique_id, ds, cutoff, y, <model>, [<model>-median],
    /// <model>-lo-<L>, <model>-hi-<L>...`, rows ordered by series (panel
    /// order), cutoff and date. A model gets interval columns only for the
    /// levels it returned for some series; missing values are NaN (the
    /// scorer then drops that row for that model, as the reference does).
    ///
    /// # Errors
    /// Only on an internal inconsistency (a row of the wrong width).
    pub fn to_table(&self, opts: TableOptions) -> Result<ForecastTable> {
        struct Layout {
            levels: Vec<Level>,
            median: bool,
        }
        let layouts: Vec<Layout> = self
            .model_names
            .iter()
            .map(|m| {
                let levels = self.levels_of(m);
                Layout {
                    median: opts.point_as_median && !levels.is_empty(),
                    levels,
                }
            })
            .collect();
        let mut names = Vec::new();
        for (m, l) in self.model_names.iter().zip(&layouts) {
            names.push(m.clone());
            if l.median {
                names.push(format!("{m}-median"));
            }
            for lv in &l.levels {
                names.push(format!("{m}-lo-{lv}"));
                names.push(format!("{m}-hi-{lv}"));
            }
        }
        let mut table = ForecastTable::new(names)?;
        // per window and model: id -> position in its PanelForecast
        type Lookup<'a> = Option<(&'a PanelForecast, HashMap<&'a str, usize>)>;
        let lookup: Vec<Vec<Lookup>> = self
            .windows
            .iter()
            .map(|w| {
                self.model_names
                    .iter()
                    .map(|name| {
                        let f = w
                            .models
                            .iter()
                            .find(|m| &m.model == name)?
                            .forecast
                            .as_ref()?;
                        Some((
                            f,
                            f.ids
                                .iter()
                                .enumerate()
                                .map(|(j, id)| (id.as_str(), j))
                                .collect(),
                        ))
                    })
                    .collect()
            })
            .collect();
        let mut order: Vec<(usize, usize, usize)> = self
            .windows
            .iter()
            .enumerate()
            .flat_map(|(k, w)| w.series.iter().enumerate().map(move |(p, &i)| (i, k, p)))
            .collect();
        order.sort_unstable();
        let mut values = Vec::new();
        for (_, k, p) in order {
            let w = &self.windows[k];
            let id = w.ids[p].as_str();
            for t in 0..self.h {
                values.clear();
                for (mi, l) in layouts.iter().enumerate() {
                    let fc = lookup[k][mi]
                        .as_ref()
                        .and_then(|(f, ix)| ix.get(id).map(|&j| (*f, j)));
                    let at = |v: &[f64]| v.get(t).copied().unwrap_or(f64::NAN);
                    let point = fc.map_or(f64::NAN, |(f, j)| at(&f.series[j].mean));
                    values.push(point);
                    if l.median {
                        values.push(point);
                    }
                    for &lv in &l.levels {
                        let iv = fc.and_then(|(f, j)| f.series[j].interval(lv));
                        values.push(iv.map_or(f64::NAN, |iv| at(&iv.lower)));
                        values.push(iv.map_or(f64::NAN, |iv| at(&iv.upper)));
                    }
                }
                // step t of every forecast is the (t + 1)-th date after the cutoff
                let ds = self.freq.step(w.cutoff, t as i64 + 1);
                table.push_row(id, ds, w.cutoff, w.actuals[p][t], &values)?;
            }
        }
        Ok(table)
    }
}
