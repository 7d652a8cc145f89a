//! Reading runs back: summaries, series lists, one series' history and
//! forecasts (what the dashboard plots), and a run's forecasts as
//! [`PanelForecast`]s (what the CSV export writes).

use crate::{Error, Result, Store};
use demandcast_core::{Forecast, Freq, Interval, Level, NaiveDate, PanelForecast};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// One run, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Its id.
    pub id: i64,
    /// When it was recorded (UTC, RFC 3339).
    pub created: String,
    /// What made it (`forecast`, `api`).
    pub kind: String,
    /// The input's name.
    pub source: String,
    /// Frequency (`D`, `W-SUN`...).
    pub freq: String,
    /// Periods forecast.
    pub horizon: usize,
    /// Series forecast.
    pub n_series: usize,
    /// Model columns, in order.
    pub models: Vec<String>,
    /// Interval levels in percent.
    pub levels: Vec<f64>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Notes for the planner.
    pub notes: Vec<String>,
    /// The request or command line.
    pub params: serde_json::Value,
}

/// Series ids of a run matching a filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesList {
    /// How many match.
    pub total: usize,
    /// The first of them, in the run's order.
    pub ids: Vec<String>,
}

/// Dates and values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// ISO dates.
    pub ds: Vec<String>,
    /// Values (`None`: missing).
    pub y: Vec<Option<f64>>,
}

/// One interval of a model's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalView {
    /// Coverage in percent.
    pub level: f64,
    /// Lower bounds.
    pub lo: Vec<Option<f64>>,
    /// Upper bounds.
    pub hi: Vec<Option<f64>>,
}

/// One model's forecast of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    /// The model column.
    pub model: String,
    /// ISO dates.
    pub ds: Vec<String>,
    /// Point forecasts.
    pub mean: Vec<Option<f64>>,
    /// Intervals, ascending by level.
    pub intervals: Vec<IntervalView>,
}

/// One series of a run: recent history and every model's forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesView {
    /// The series.
    pub unique_id: String,
    /// Its latest periods before the forecast (empty for a new product).
    pub history: History,
    /// One entry per model that forecast it.
    pub forecasts: Vec<ModelView>,
}

const RUN_COLS: &str =
    "id, created, kind, source, freq, horizon, n_series, models, levels, seconds, notes, params";

/// Dates `start, start + 1 step, ...` as ISO text.
fn dates(freq: Freq, start: NaiveDate, n: usize) -> Vec<String> {
    (0..n)
        .map(|t| freq.step(start, t as i64).to_string())
        .collect()
}

impl Store {
    fn corrupt(&self, run: i64, what: &str, reason: impl ToString) -> Error {
        Error::Corrupt {
            path: self.file.clone(),
            run,
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }

    fn decode<T: for<'de> Deserialize<'de>>(&self, run: i64, what: &str, text: &str) -> Result<T> {
        serde_json::from_str(text).map_err(|e| self.corrupt(run, what, e))
    }

    fn summary(&self, r: &Row<'_>) -> rusqlite::Result<(RunSummary, [String; 4])> {
        let s = RunSummary {
            id: r.get(0)?,
            created: r.get(1)?,
            kind: r.get(2)?,
            source: r.get(3)?,
            freq: r.get(4)?,
            horizon: r.get::<_, i64>(5)?.max(0) as usize,
            n_series: r.get::<_, i64>(6)?.max(0) as usize,
            models: Vec::new(),
            levels: Vec::new(),
            seconds: r.get(9)?,
            notes: Vec::new(),
            params: serde_json::Value::Null,
        };
        Ok((s, [r.get(7)?, r.get(8)?, r.get(10)?, r.get(11)?]))
    }

    fn finish(
        &self,
        (mut s, [models, levels, notes, params]): (RunSummary, [String; 4]),
    ) -> Result<RunSummary> {
        s.models = self.decode(s.id, "models", &models)?;
        s.levels = self.decode(s.id, "levels", &levels)?;
        s.notes = self.decode(s.id, "notes", &notes)?;
        s.params = self.decode(s.id, "params", &params)?;
        Ok(s)
    }

    /// The latest `limit` runs, newest first.
    ///
    /// # Errors
    /// [`Error::Sql`], [`Error::Corrupt`].
    pub fn runs(&self, limit: usize) -> Result<Vec<RunSummary>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {RUN_COLS} FROM runs ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![limit.min(i64::MAX as usize) as i64], |r| {
                self.summary(r)
            })
            .map_err(|e| self.sql(e))?;
        rows.map(|r| r.map_err(|e| self.sql(e)).and_then(|r| self.finish(r)))
            .collect()
    }

    /// The report kept with a run (a backtest's), `None` when the run has
    /// none or does not exist.
    ///
    /// # Errors
    /// [`Error::Sql`], [`Error::Corrupt`].
    pub fn report(&self, id: i64) -> Result<Option<serde_json::Value>> {
        let text: Option<Option<String>> = self
            .conn
            .query_row("SELECT report FROM runs WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql(e))?;
        text.flatten()
            .map(|t| self.decode(id, "the report", &t))
            .transpose()
    }

    /// How many runs the store holds.
    ///
    /// # Errors
    /// [`Error::Sql`].
    pub fn run_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok(n.max(0) as usize)
    }

    /// Whether run `id` exists (without decoding it).
    ///
    /// # Errors
    /// [`Error::Sql`].
    pub fn has_run(&self, id: i64) -> Result<bool> {
        self.conn
            .query_row("SELECT 1 FROM runs WHERE id = ?1", params![id], |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.sql(e))
    }

    /// One run, `None` when there is no such run.
    ///
    /// # Errors
    /// [`Error::Sql`], [`Error::Corrupt`].
    pub fn run(&self, id: i64) -> Result<Option<RunSummary>> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLS} FROM runs WHERE id = ?1"),
                params![id],
                |r| self.summary(r),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        raw.map(|r| self.finish(r)).transpose()
    }

    /// The ids of a run's series containing `filter` (case-insensitive;
    /// all when empty), the first `limit` in the run's order.
    ///
    /// # Errors
    /// [`Error::Sql`].
    pub fn series_ids(&self, run: i64, filter: &str, limit: usize) -> Result<SeriesList> {
        let pattern = format!(
            "%{}%",
            filter
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let total: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM series WHERE run_id = ?1 AND unique_id LIKE ?2 ESCAPE '\\'",
                params![run, pattern],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        let mut st = self
            .conn
            .prepare(
                "SELECT unique_id FROM series WHERE run_id = ?1 AND unique_id LIKE ?2 ESCAPE '\\'
                 ORDER BY pos LIMIT ?3",
            )
            .map_err(|e| self.sql(e))?;
        let ids = st
            .query_map(
                params![run, pattern, limit.min(i64::MAX as usize) as i64],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(|e| self.sql(e))?;
        Ok(SeriesList {
            total: total.max(0) as usize,
            ids,
        })
    }

    fn run_freq(&self, run: i64) -> Result<Option<Freq>> {
        let f: Option<String> = self
            .conn
            .query_row("SELECT freq FROM runs WHERE id = ?1", params![run], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql(e))?;
        f.map(|f| f.parse::<Freq>().map_err(|e| self.corrupt(run, "freq", e)))
            .transpose()
    }

    fn date(&self, run: i64, text: &str) -> Result<NaiveDate> {
        text.parse::<NaiveDate>()
            .map_err(|e| self.corrupt(run, "a date", e))
    }

    /// One series of a run, `None` when the run or the series is unknown.
    ///
    /// # Errors
    /// [`Error::Sql`], [`Error::Corrupt`].
    pub fn series(&self, run: i64, unique_id: &str) -> Result<Option<SeriesView>> {
        let Some(freq) = self.run_freq(run)? else {
            return Ok(None);
        };
        let hist: Option<(Option<String>, String)> = self
            .conn
            .query_row(
                "SELECT hist_start, history FROM series WHERE run_id = ?1 AND unique_id = ?2",
                params![run, unique_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((start, y)) = hist else {
            return Ok(None);
        };
        let y: Vec<Option<f64>> = self.decode(run, "a history", &y)?;
        let ds = match start {
            Some(s) => dates(freq, self.date(run, &s)?, y.len()),
            None => Vec::new(),
        };
        let mut st = self
            .conn
            .prepare(
                "SELECT model, start, mean, intervals FROM forecasts
                 WHERE run_id = ?1 AND unique_id = ?2 ORDER BY model_pos",
            )
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![run, unique_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.sql(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql(e))?;
        let mut forecasts = Vec::with_capacity(rows.len());
        for (model, start, mean, ivs) in rows {
            let mean: Vec<Option<f64>> = self.decode(run, "a forecast", &mean)?;
            forecasts.push(ModelView {
                ds: dates(freq, self.date(run, &start)?, mean.len()),
                model,
                mean,
                intervals: self.decode(run, "an interval", &ivs)?,
            });
        }
        Ok(Some(SeriesView {
            unique_id: unique_id.to_string(),
            history: History { ds, y },
            forecasts,
        }))
    }

    /// A run's forecasts as one [`PanelForecast`] per model, series in the
    /// run's order (missing values as NaN); `None` for an unknown run.
    ///
    /// # Errors
    /// [`Error::Sql`], [`Error::Corrupt`].
    pub fn forecasts(&self, run: i64) -> Result<Option<Vec<PanelForecast>>> {
        let Some(summary) = self.run(run)? else {
            return Ok(None);
        };
        let freq = summary
            .freq
            .parse::<Freq>()
            .map_err(|e| self.corrupt(run, "freq", e))?;
        let levels = summary
            .levels
            .iter()
            .map(|&l| Level::new(l).map_err(|e| self.corrupt(run, "levels", e)))
            .collect::<Result<Vec<_>>>()?;
        let mut out: Vec<PanelForecast> = summary
            .models
            .iter()
            .map(|m| PanelForecast {
                model: m.clone(),
                freq,
                ids: Vec::new(),
                starts: Vec::new(),
                levels: levels.clone(),
                series: Vec::new(),
                notes: Vec::new(),
            })
            .collect();
        let mut st = self
            .conn
            .prepare(
                "SELECT f.model_pos, f.unique_id, f.start, f.mean, f.intervals
                 FROM forecasts f JOIN series s ON s.run_id = f.run_id AND s.unique_id = f.unique_id
                 WHERE f.run_id = ?1 ORDER BY f.model_pos, s.pos",
            )
            .map_err(|e| self.sql(e))?;
        let rows = st
            .query_map(params![run], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let nan = |v: Vec<Option<f64>>| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect();
        for row in rows {
            let (m, id, start, mean, ivs) = row.map_err(|e| self.sql(e))?;
            let pf = usize::try_from(m)
                .ok()
                .and_then(|m| out.get_mut(m))
                .ok_or_else(|| self.corrupt(run, "a model position", m))?;
            let mean: Vec<Option<f64>> = self.decode(run, "a forecast", &mean)?;
            let ivs: Vec<IntervalView> = self.decode(run, "an interval", &ivs)?;
            let intervals = ivs
                .into_iter()
                .map(|iv| {
                    Ok(Interval {
                        level: Level::new(iv.level).map_err(|e| self.corrupt(run, "a level", e))?,
                        lower: nan(iv.lo),
                        upper: nan(iv.hi),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            pf.starts.push(self.date(run, &start)?);
            pf.ids.push(id);
            pf.series.push(Forecast {
                mean: nan(mean),
                intervals,
            });
        }
        Ok(Some(out))
    }
}
