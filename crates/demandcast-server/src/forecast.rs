//! `POST /api/forecast`: load the uploaded history, fit the models, record
//! the run, answer its summary.

use crate::error::chain;
use crate::{ApiError, AppState};
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use demandcast::core::{Freq, Level};
use demandcast::data::{load_catalog, load_future, load_panel, LoadOptions};
use demandcast::{BuildOptions, CollectNotes, ModelSpec};
use demandcast_store::{NewRun, RunSummary};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::{path::Path, time::Instant};

/// Longest horizon accepted.
const MAX_HORIZON: usize = 10_000;

/// The JSON form of a forecast request.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastRequest {
    /// The sales history as CSV text (`unique_id,ds,y[,covariates]`).
    pub data: String,
    /// Its file name, used in messages (`upload.csv` when absent).
    #[serde(default)]
    pub filename: Option<String>,
    /// Periods to forecast.
    pub horizon: usize,
    /// Models, as `--models` takes them (`auto` when absent).
    #[serde(default)]
    pub models: Option<String>,
    /// Interval levels in percent (none when absent).
    #[serde(default)]
    pub levels: Option<Vec<f64>>,
    /// Frequency (`D`, `W-SUN`, `MS`...; inferred when absent).
    #[serde(default)]
    pub freq: Option<String>,
    /// Known-future covariates as CSV text, for the forecast periods.
    #[serde(default)]
    pub future: Option<String>,
    /// Their file name.
    #[serde(default)]
    pub future_filename: Option<String>,
    /// A product catalogue as CSV text (`unique_id`, title/description,
    /// optional `launch_date` and `launch_price`): its products without
    /// history are forecast from text analogues (model `ColdStart`), each
    /// with its nearest analogues in the answer.
    #[serde(default)]
    pub catalog: Option<String>,
    /// Its file name.
    #[serde(default)]
    pub catalog_filename: Option<String>,
    /// Column names of the series id, date and target (`unique_id`, `ds`,
    /// `y` when absent).
    #[serde(default)]
    pub id_col: Option<String>,
    /// See `id_col`.
    #[serde(default)]
    pub time_col: Option<String>,
    /// See `id_col`.
    #[serde(default)]
    pub target_col: Option<String>,
    /// Columns read as per-series attributes (store, category) even when
    /// numeric, as `--static-cols` does.
    #[serde(default)]
    pub static_cols: Option<Vec<String>>,
    /// `false`: answer 202 with a job id at once and run in the
    /// background (`GET /api/jobs/{id}`); by default the answer waits.
    #[serde(default)]
    pub wait: Option<bool>,
}

/// The query form (the file itself is the body).
#[derive(Debug, Deserialize)]
pub(crate) struct ForecastQuery {
    horizon: Option<usize>,
    models: Option<String>,
    levels: Option<String>,
    freq: Option<String>,
    filename: Option<String>,
    wait: Option<bool>,
    id_col: Option<String>,
    time_col: Option<String>,
    target_col: Option<String>,
    /// Comma-separated.
    static_cols: Option<String>,
}

/// A request, checked.
struct Task {
    data: Vec<u8>,
    columns: Columns,
    filename: String,
    future: Option<(Vec<u8>, String)>,
    catalog: Option<(Vec<u8>, String)>,
    horizon: usize,
    models: String,
    levels: Vec<Level>,
    freq: Option<Freq>,
}

/// The request's column names (the defaults where absent).
#[derive(Debug, Clone, Default)]
struct Columns {
    id: Option<String>,
    time: Option<String>,
    target: Option<String>,
    statics: Vec<String>,
}

impl Columns {
    /// Load options with these names over `LoadOptions::default()`.
    fn load_options(&self, freq: Option<Freq>) -> LoadOptions {
        let d = LoadOptions::default();
        LoadOptions {
            id_col: self.id.clone().unwrap_or(d.id_col),
            time_col: self.time.clone().unwrap_or(d.time_col),
            target_col: self.target.clone().unwrap_or(d.target_col),
            static_cols: self.statics.clone(),
            freq,
            ..LoadOptions::default()
        }
    }
}

/// A column name given in the request: trimmed, empty = absent.
fn column(c: Option<String>) -> Option<String> {
    c.map(|c| c.trim().to_string()).filter(|c| !c.is_empty())
}

/// What the client is told: the recorded run and what to read about it.
#[derive(Debug, Serialize)]
pub(crate) struct Answer {
    pub(crate) run: RunSummary,
    pub(crate) warnings: Vec<String>,
    /// With a catalogue: each new product's nearest analogues.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) analogues: Vec<serde_json::Value>,
}

/// A safe file name: the last path component, characters other than
/// letters, digits, `.`, `-` and `_` replaced.
fn file_name(given: Option<&str>, default: &str) -> String {
    let base = given
        .and_then(|g| g.rsplit(['/', '\\']).next())
        .map(str::trim)
        .filter(|b| !b.is_empty() && *b != "." && *b != "..")
        .unwrap_or(default);
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn horizon(h: Option<usize>) -> Result<usize, ApiError> {
    match h {
        Some(h) if (1..=MAX_HORIZON).contains(&h) => Ok(h),
        Some(h) => Err(ApiError::bad_request(format!(
            "horizon {h}: give 1 to {MAX_HORIZON} periods"
        ))),
        None => Err(ApiError::bad_request(
            "horizon is required (periods to forecast, e.g. 28)",
        )),
    }
}

fn freq(f: Option<&str>) -> Result<Option<Freq>, ApiError> {
    f.map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            f.parse::<Freq>()
                .map_err(|e| ApiError::bad_request(format!("freq '{f}': {e}")))
        })
        .transpose()
}

fn levels(values: &[f64]) -> Result<Vec<Level>, ApiError> {
    let levels = values
        .iter()
        .map(|&l| Level::new(l).map_err(|e| ApiError::bad_request(format!("levels: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Level::normalize(levels))
}

impl Task {
    fn from_json(r: ForecastRequest) -> Result<Self, ApiError> {
        Ok(Self {
            horizon: horizon(Some(r.horizon))?,
            levels: levels(r.levels.as_deref().unwrap_or(&[]))?,
            freq: freq(r.freq.as_deref())?,
            filename: file_name(r.filename.as_deref(), "upload.csv"),
            future: r.future.map(|f| {
                (
                    f.into_bytes(),
                    file_name(r.future_filename.as_deref(), "future.csv"),
                )
            }),
            catalog: r.catalog.map(|c| {
                (
                    c.into_bytes(),
                    file_name(r.catalog_filename.as_deref(), "catalog.csv"),
                )
            }),
            columns: Columns {
                id: column(r.id_col),
                time: column(r.time_col),
                target: column(r.target_col),
                statics: r
                    .static_cols
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| column(Some(c)))
                    .collect(),
            },
            data: r.data.into_bytes(),
            models: r.models.unwrap_or_else(|| "auto".into()),
        })
    }

    fn from_query(q: ForecastQuery, body: Bytes) -> Result<Self, ApiError> {
        let default = if body.starts_with(b"PAR1") {
            "upload.parquet"
        } else {
            "upload.csv"
        };
        let levels = match q.levels.as_deref().map(str::trim) {
            None | Some("") | Some("none") => Vec::new(),
            Some(l) => Level::parse_list(l)
                .map_err(|e| ApiError::bad_request(format!("levels '{l}': {e}")))?,
        };
        Ok(Self {
            horizon: horizon(q.horizon)?,
            levels,
            freq: freq(q.freq.as_deref())?,
            filename: file_name(q.filename.as_deref(), default),
            future: None,
            catalog: None,
            columns: Columns {
                id: column(q.id_col),
                time: column(q.time_col),
                target: column(q.target_col),
                statics: q
                    .static_cols
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|c| column(Some(c.to_string())))
                    .collect(),
            },
            data: body.to_vec(),
            models: q.models.unwrap_or_else(|| "auto".into()),
        })
    }

    /// What is recorded as the run's parameters (not the data).
    fn params(&self) -> serde_json::Value {
        serde_json::json!({
            "models": self.models,
            "horizon": self.horizon,
            "levels": self.levels.iter().map(|l| l.percent()).collect::<Vec<_>>(),
            "freq": self.freq.map(|f| f.to_string()),
            "future": self.future.as_ref().map(|(_, name)| name),
            "catalog": self.catalog.as_ref().map(|(_, name)| name),
            "id_col": self.columns.id,
            "time_col": self.columns.time,
            "target_col": self.columns.target,
            "static_cols": self.columns.statics,
        })
    }
}

pub(crate) async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ForecastQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (task, wait) = if is_json {
        let r: ForecastRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("request body: {e}")))?;
        let wait = r.wait.unwrap_or(true);
        (Task::from_json(r)?, wait)
    } else {
        let wait = q.wait.unwrap_or(true);
        (Task::from_query(q, body)?, wait)
    };
    if task.catalog.is_some() && state.cold_start.is_none() {
        return Err(ApiError::bad_request(
            "this server forecasts no catalogue: it was started without cold start",
        ));
    }
    if task.data.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{}: the upload is empty",
            task.filename
        )));
    }
    if !wait {
        let live = state.jobs.create();
        let id = live.id();
        tokio::spawn(background(state, task, live));
        let body = serde_json::json!({ "job": id, "status_url": format!("/api/jobs/{id}") });
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    // One forecast at a time: the models already use every worker thread.
    let _permit = state
        .gate
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("the server is stopping"))?;
    let st = state.clone();
    let answer = tokio::task::spawn_blocking(move || run(task, &st, None))
        .await
        .map_err(|e| ApiError::internal(format!("the forecast stopped: {e}")))??;
    Ok(Json(answer).into_response())
}

/// Runs a task as a background job, after the forecasts before it.
async fn background(state: AppState, task: Task, live: Arc<crate::jobs::Job>) {
    let Ok(_permit) = state.gate.clone().acquire_owned().await else {
        live.finish(Err(ApiError::internal("the server is stopping")));
        return;
    };
    live.running();
    let (st, lj) = (state.clone(), Arc::clone(&live));
    let outcome = tokio::task::spawn_blocking(move || run(task, &st, Some(lj)))
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(format!("the forecast stopped: {e}"))));
    live.finish(outcome);
}

/// The loader names the file it read: the upload's name, not the temporary
/// folder it was written to.
fn strip_dir(msg: String, dir: &Path) -> String {
    let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    msg.replace(&prefix, "")
}

fn run(
    job: Task,
    state: &AppState,
    live: Option<Arc<crate::jobs::Job>>,
) -> Result<Answer, ApiError> {
    let t0 = Instant::now();
    let tmp = tempfile::tempdir()
        .map_err(|e| ApiError::internal(format!("cannot make a temporary folder: {e}")))?;
    let dir = tmp.path();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes)
            .map(|()| p)
            .map_err(|e| ApiError::internal(format!("cannot keep the upload {name}: {e}")))
    };
    let bad = |e: &dyn std::error::Error| ApiError::bad_request(strip_dir(chain(e), dir));
    let opts = job.columns.load_options(job.freq);
    let path = write(&job.filename, &job.data)?;
    let loaded = load_panel(&path, &opts).map_err(|e| bad(&e))?;
    let panel = loaded.panel;
    let mut notes: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| strip_dir(format!("warning: {d}"), dir))
        .collect();
    let future = match &job.future {
        Some((bytes, name)) => {
            let p = write(name, bytes)?;
            Some(load_future(&p, &opts, &panel, job.horizon).map_err(|e| bad(&e))?)
        }
        None => None,
    };

    let catalog = match &job.catalog {
        Some((bytes, name)) => {
            let p = write(name, bytes)?;
            Some(load_catalog(&p, &opts.id_col).map_err(|e| bad(&e))?)
        }
        None => None,
    };

    let specs = ModelSpec::parse_list(&job.models).map_err(|e| bad(&e))?;
    let mut bo = BuildOptions::new(panel.freq().season_length());
    bo.horizon = Some(job.horizon);
    bo.levels = job.levels.clone();
    let models = demandcast::build_models(&specs, &bo).map_err(|e| bad(&e))?;
    let panel = models.drop_unused_covariates(panel);
    let obs = crate::jobs::JobObserver {
        job: live,
        notes: CollectNotes::default(),
    };
    let mut forecasts = models
        .forecast_all(&panel, job.horizon, &job.levels, future.as_ref(), &obs)
        .map_err(|e| ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: strip_dir(chain(&e), dir),
        })?;
    notes.extend(obs.notes.take());
    let mut analogues = Vec::new();
    if let (Some(c), Some(hook)) = (&catalog, &state.cold_start) {
        let out = hook(&panel, c, job.horizon).map_err(|e| ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("cold start: {}", strip_dir(e, dir)),
        })?;
        if let Some(out) = out {
            notes.extend(out.notes);
            forecasts.push(out.forecast);
            analogues = out.analogues;
        } else {
            notes.push("every catalogue product has history: no cold start".into());
        }
    }
    notes.extend(demandcast::series_note_summaries(&forecasts));
    let mut rec = NewRun::new("api", &job.filename, &panel, &forecasts, job.horizon);
    rec.seconds = t0.elapsed().as_secs_f64();
    rec.params = job.params();
    rec.notes = notes.clone();
    let id = state.with_store(|s| s.record_run(&rec))?;
    let run = state
        .with_store(|s| s.run(id))?
        .ok_or_else(|| ApiError::internal(format!("run {id} was recorded but cannot be read")))?;
    tracing::info!(
        run = id,
        series = run.n_series,
        seconds = run.seconds,
        "forecast run"
    );
    Ok(Answer {
        run,
        warnings: notes,
        analogues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_folders_and_odd_characters() {
        assert_eq!(file_name(Some("../../etc/passwd"), "u.csv"), "passwd");
        assert_eq!(
            file_name(Some("C:\\data\\sales 2024.csv"), "u.csv"),
            "sales_2024.csv"
        );
        assert_eq!(file_name(Some(".."), "u.csv"), "u.csv");
        assert_eq!(file_name(Some("  "), "u.csv"), "u.csv");
        assert_eq!(file_name(None, "u.csv"), "u.csv");
    }

    #[test]
    fn horizons_and_levels_are_checked() -> Result<(), ApiError> {
        assert!(horizon(None).is_err());
        assert!(horizon(Some(0)).is_err());
        assert_eq!(horizon(Some(28))?, 28);
        let l = levels(&[95.0, 80.0])?;
        assert_eq!(
            l.iter().map(|l| l.percent()).collect::<Vec<_>>(),
            vec![80.0, 95.0]
        );
        assert!(levels(&[120.0]).is_err());
        assert!(freq(Some("fortnightly")).is_err());
        assert_eq!(freq(Some(" "))?, None);
        Ok(())
    }
}
