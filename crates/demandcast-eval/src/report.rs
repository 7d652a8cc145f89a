//! Report structures for the CLI: the per-model metrics table ranked by a
//! primary metric, WRMSSE by level, per-series-window rows and notes.

use crate::cv_result::{CvNote, CvResult, ModelTiming, TableOptions};
use crate::hierarchy::M5Hierarchy;
use crate::metrics::{evaluate, Evaluation, ModelMetrics, PairMetrics, ScoreConfig};
use crate::table::ForecastTable;
use crate::wrmsse::{m5_wrmsse, M5Config, M5Wrmsse};
use crate::Result;
use demandcast_core::Panel;
use serde::Serialize;
use std::collections::BTreeMap;
use tracing::warn;

/// One model's line of the metrics table: its rank, every metric (keys as in
/// the reference scorer's JSON), WRMSSE-12 and timings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRow {
    /// 1 = best by the primary metric; models without it rank last.
    pub rank: usize,
    /// The metrics (flattened: `model`, `mae`, `mase`, `wql`...).
    #[serde(flatten)]
    pub metrics: ModelMetrics,
    /// The 12-level M5 WRMSSE, when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrmsse12: Option<f64>,
    /// Its level scores (`L1 total`: score ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrmsse12_levels: Option<BTreeMap<String, f64>>,
    /// Series dropped from WRMSSE-12 for a missing forecast or actual.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrmsse12_n_dropped_series: Option<usize>,
    /// Seconds in `fit`, all windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit_seconds: Option<f64>,
    /// Seconds in `predict`, all windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict_seconds: Option<f64>,
}

impl ModelRow {
    /// A metric by name, including `wrmsse12`.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "wrmsse12" => self.wrmsse12,
            _ => self.metrics.get(name),
        }
    }
}

/// The per-model metrics table, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsTable {
    /// The ranking metric: `wrmsse12` when any model has it, else `mase`.
    pub primary_metric: String,
    /// Rows sorted by rank.
    pub models: Vec<ModelRow>,
}

/// Builds the ranked table from the metrics, WRMSSE-12 results and timings
/// (matched by model name; either may be empty).
pub fn rank_models(
    evaluation: &Evaluation,
    wrmsse: &[M5Wrmsse],
    timings: &[ModelTiming],
) -> MetricsTable {
    let mut rows: Vec<ModelRow> = evaluation
        .models
        .iter()
        .map(|m| {
            let w = wrmsse.iter().find(|w| w.model == m.model);
            let t = timings.iter().find(|t| t.model == m.model);
            ModelRow {
                rank: 0,
                metrics: m.clone(),
                wrmsse12: w.map(|w| w.wrmsse12),
                wrmsse12_levels: w.map(M5Wrmsse::levels_map),
                wrmsse12_n_dropped_series: w.map(|w| w.n_dropped_series),
                fit_seconds: t.map(|t| t.fit_seconds),
                predict_seconds: t.map(|t| t.predict_seconds),
            }
        })
        .collect();
    let primary = if rows.iter().any(|r| r.wrmsse12.is_some_and(f64::is_finite)) {
        "wrmsse12"
    } else {
        "mase"
    };
    let key = |r: &ModelRow| {
        r.get(primary)
            .filter(|v| v.is_finite())
            .unwrap_or(f64::INFINITY)
    };
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
    for (k, r) in rows.iter_mut().enumerate() {
        r.rank = k + 1;
    }
    MetricsTable {
        primary_metric: primary.to_string(),
        models: rows,
    }
}

/// What [`score_backtest`] computes.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Metric settings (season length, trimming, level-12 weights).
    pub score: ScoreConfig,
    /// WRMSSE-12 settings; `None` skips it.
    pub m5: Option<M5Config>,
    /// Column layout of the forecast table.
    pub table: TableOptions,
}

impl EvalOptions {
    /// Scoring with this season length, WRMSSE-12 attempted with defaults.
    pub fn new(season_length: usize) -> Self {
        Self {
            score: ScoreConfig::new(season_length),
            m5: Some(M5Config::default()),
            table: TableOptions::default(),
        }
    }
}

/// Everything the CLI writes about a backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Per-model metrics, ranked.
    pub metrics: MetricsTable,
    /// WRMSSE-12 by level, per model.
    pub wrmsse: Vec<M5Wrmsse>,
    /// Why WRMSSE-12 was not computed (e.g. ids that are not M5 ids, no price column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrmsse_error: Option<String>,
    /// Per model, series and window.
    pub pairs: Vec<PairMetrics>,
    /// Skipped series, partial windows, model fallbacks and failures.
    pub notes: Vec<CvNote>,
}

/// Scores a backtest: builds its long table, computes every metric, the
/// 12-level WRMSSE when asked and possible, and ranks the models.
/// `history` is the full panel the backtest ran on.
///
/// # Errors
/// Only on an internal inconsistency building the table; a WRMSSE-12 that
/// cannot be computed is reported in [`EvalReport::wrmsse_error`].
pub fn score_backtest(
    history: &Panel,
    cv: &CvResult,
    opts: &EvalOptions,
) -> Result<(ForecastTable, EvalReport)> {
    let table = cv.to_table(opts.table)?;
    let evaluation = evaluate(history, &table, &opts.score);
    let mut wrmsse = Vec::new();
    let mut wrmsse_error = None;
    if let Some(m5) = &opts.m5 {
        let run = || -> Result<Vec<M5Wrmsse>> {
            let hier = M5Hierarchy::from_panel(history)?;
            evaluation
                .models
                .iter()
                .filter(|m| m.point.is_some())
                .map(|m| m5_wrmsse(history, &hier, &table, &m.model, m5))
                .collect()
        };
        match run() {
            Ok(w) => wrmsse = w,
            Err(e) => {
                warn!(error = %e, "WRMSSE-12 not computed");
                wrmsse_error = Some(e.to_string());
            }
        }
    }
    let metrics = rank_models(&evaluation, &wrmsse, &cv.timings());
    Ok((
        table,
        EvalReport {
            metrics,
            wrmsse,
            wrmsse_error,
            pairs: evaluation.pairs,
            notes: cv.all_notes(),
        },
    ))
}
