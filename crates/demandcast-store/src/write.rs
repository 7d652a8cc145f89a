//! Recording a run.

use crate::{Error, IntervalView, Result, Store};
use demandcast_core::{Panel, PanelForecast};
use rusqlite::params;
use serde::Serialize;
use std::collections::HashMap;

/// A finished run to record: its inputs' recent history and its forecasts.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    /// What made it: `forecast` (CLI), `api` (HTTP)...
    pub kind: &'a str,
    /// The input, as the user named it (a file name).
    pub source: &'a str,
    /// The history the models were fitted on.
    pub panel: &'a Panel,
    /// Every model's forecasts.
    pub forecasts: &'a [PanelForecast],
    /// Periods forecast.
    pub horizon: usize,
    /// Periods of each series' history kept for plots (the latest ones).
    pub history_tail: usize,
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// The request or command line, as JSON.
    pub params: serde_json::Value,
    /// Notes for the planner (fallbacks, ensemble weights...).
    pub notes: Vec<String>,
    /// The model columns, when they are not those of `forecasts` (a
    /// backtest records its report, not its forecasts).
    pub models: Vec<String>,
    /// A report to keep with the run (a backtest's ranked metrics).
    pub report: Option<serde_json::Value>,
}

impl<'a> NewRun<'a> {
    /// A run with no parameters or notes, keeping the last
    /// `max(4 * horizon, 56)` periods of history.
    pub fn new(
        kind: &'a str,
        source: &'a str,
        panel: &'a Panel,
        forecasts: &'a [PanelForecast],
        horizon: usize,
    ) -> Self {
        Self {
            kind,
            source,
            panel,
            forecasts,
            horizon,
            history_tail: (4 * horizon).max(56),
            seconds: 0.0,
            params: serde_json::Value::Object(serde_json::Map::new()),
            notes: Vec::new(),
            models: Vec::new(),
            report: None,
        }
    }
}

/// Finite values as numbers, the rest as `null`.
pub(crate) fn finite(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| x.is_finite().then_some(*x)).collect()
}

fn json<T: Serialize + ?Sized>(v: &T) -> String {
    // Vectors of options and plain structs always serialize.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

impl Store {
    /// Records a finished run in one transaction and returns its id.
    ///
    /// # Errors
    /// [`Error::Sql`] when the file cannot be written (nothing of the run
    /// is kept then).
    pub fn record_run(&mut self, run: &NewRun<'_>) -> Result<i64> {
        let sql = Error::sql(&self.file);
        let p = run.panel;
        let models: Vec<&str> = if run.models.is_empty() {
            run.forecasts.iter().map(|f| f.model.as_str()).collect()
        } else {
            run.models.iter().map(String::as_str).collect()
        };
        let levels: Vec<f64> = run
            .forecasts
            .iter()
            .find(|f| !f.levels.is_empty())
            .map(|f| f.levels.iter().map(|l| l.percent()).collect())
            .unwrap_or_default();
        // Series in the panel's order, then those only forecast (new products).
        let mut pos: HashMap<&str, usize> = p
            .ids()
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut extra: Vec<&str> = Vec::new();
        for f in run.forecasts {
            for id in &f.ids {
                if !pos.contains_key(id.as_str()) {
                    pos.insert(id, p.n_series() + extra.len());
                    extra.push(id);
                }
            }
        }
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO runs (kind, source, freq, horizon, n_series, models, levels, seconds, params, notes, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                run.kind,
                run.source,
                p.freq().to_string(),
                run.horizon as i64,
                pos.len() as i64,
                json(&models),
                json(&levels),
                run.seconds,
                run.params.to_string(),
                json(&run.notes),
                run.report.as_ref().map(|r| r.to_string()),
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO series (run_id, pos, unique_id, hist_start, history)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for (i, sid) in p.ids().iter().enumerate() {
                let y = p.series(i);
                let skip = y.len().saturating_sub(run.history_tail);
                let start = p.freq().step(p.start(i), skip as i64);
                ins.execute(params![
                    id,
                    i as i64,
                    sid,
                    start.to_string(),
                    json(&finite(&y[skip..]))
                ])
                .map_err(sql)?;
            }
            for (k, sid) in extra.iter().enumerate() {
                ins.execute(params![
                    id,
                    (p.n_series() + k) as i64,
                    sid,
                    None::<String>,
                    "[]"
                ])
                .map_err(sql)?;
            }
            let mut ins = tx
                .prepare(
                    "INSERT INTO forecasts (run_id, model_pos, model, unique_id, start, mean, intervals)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql)?;
            for (m, f) in run.forecasts.iter().enumerate() {
                for (j, fc) in f.series.iter().enumerate() {
                    let ivs: Vec<IntervalView> = fc
                        .intervals
                        .iter()
                        .map(|iv| IntervalView {
                            level: iv.level.percent(),
                            lo: finite(&iv.lower),
                            hi: finite(&iv.upper),
                        })
                        .collect();
                    ins.execute(params![
                        id,
                        m as i64,
                        f.model,
                        f.ids[j],
                        f.starts[j].to_string(),
                        json(&finite(&fc.mean)),
                        json(&ivs),
                    ])
                    .map_err(sql)?;
                }
            }
        }
        tx.commit().map_err(sql)?;
        tracing::info!(
            run = id,
            series = pos.len(),
            models = models.len(),
            "run recorded"
        );
        Ok(id)
    }
}
