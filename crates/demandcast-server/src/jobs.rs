//! Forecasts in the background: `POST /api/forecast?wait=false` (or
//! `"wait": false` in the JSON) answers 202 with a job id at once, and
//! `GET /api/jobs/{id}` reports which model is fitting, how many series are
//! done, and the run or the error at the end. An M5-sized forecast takes
//! minutes, longer than clients and proxies keep a request open.

use crate::{ApiError, AppState};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use demandcast::core::Progress;
use demandcast::{ModelProgress, RunObserver};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, Mutex,
};

/// Jobs kept for `GET /api/jobs/{id}`; older ones are forgotten.
const KEPT: usize = 200;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for the forecast before it.
    Queued,
    /// Fitting and forecasting.
    Running,
    /// Recorded: `run` holds it.
    Done,
    /// Stopped: `error` says why.
    Failed,
}

/// One job, as `GET /api/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    /// Its id.
    pub id: u64,
    /// Where it is.
    pub state: JobState,
    /// The model being fitted.
    pub model: Option<String>,
    /// Series fitted of `total` for that model.
    pub done: u64,
    /// Series to fit.
    pub total: u64,
    /// The recorded run, when done.
    pub run: Option<demandcast_store::RunSummary>,
    /// Notes and warnings, when done.
    pub warnings: Vec<String>,
    /// With a catalogue, each new product's analogues, when done.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub analogues: Vec<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// The HTTP status the same request would have had, when failed.
    pub status: Option<u16>,
}

/// A job's live state, shared with the worker thread.
#[derive(Debug)]
pub(crate) struct Job {
    id: u64,
    view: Mutex<JobView>,
    done: AtomicU64,
}

impl Job {
    fn update(&self, f: impl FnOnce(&mut JobView)) {
        if let Ok(mut v) = self.view.lock() {
            f(&mut v);
        }
    }

    fn snapshot(&self) -> Option<JobView> {
        let mut v = self.view.lock().ok()?.clone();
        v.done = self.done.load(Ordering::Relaxed);
        Some(v)
    }

    /// Marks the job finished with the forecast's outcome.
    pub(crate) fn finish(&self, outcome: Result<crate::forecast::Answer, ApiError>) {
        self.update(|v| match outcome {
            Ok(a) => {
                v.state = JobState::Done;
                v.run = Some(a.run);
                v.warnings = a.warnings;
                v.analogues = a.analogues;
            }
            Err(e) => {
                v.state = JobState::Failed;
                v.status = Some(e.status.as_u16());
                v.error = Some(e.message);
            }
        });
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn running(&self) {
        self.update(|v| v.state = JobState::Running);
    }
}

/// The jobs of a server.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    next: AtomicU64,
    list: Mutex<VecDeque<Arc<Job>>>,
}

impl Jobs {
    /// A new queued job.
    pub(crate) fn create(&self) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            view: Mutex::new(JobView {
                id,
                state: JobState::Queued,
                model: None,
                done: 0,
                total: 0,
                run: None,
                warnings: Vec::new(),
                analogues: Vec::new(),
                error: None,
                status: None,
            }),
            done: AtomicU64::new(0),
        });
        if let Ok(mut l) = self.list.lock() {
            l.push_back(Arc::clone(&job));
            while l.len() > KEPT {
                l.pop_front();
            }
        }
        job
    }

    fn get(&self, id: u64) -> Option<JobView> {
        let l = self.list.lock().ok()?;
        l.iter().filter_map(|j| j.snapshot()).find(|v| v.id == id)
    }
}

/// Reports a job's progress (the model being fitted and its series done)
/// and collects the run's notes.
pub(crate) struct JobObserver {
    /// The job, for a background forecast.
    pub(crate) job: Option<Arc<Job>>,
    /// Notes and warnings, returned with the run.
    pub(crate) notes: demandcast::CollectNotes,
}

struct Counter(Option<Arc<Job>>);

impl Progress for Counter {
    fn inc(&self, n: u64) {
        if let Some(j) = &self.0 {
            j.done.fetch_add(n, Ordering::Relaxed);
        }
    }
}

impl ModelProgress for Counter {}

impl RunObserver for JobObserver {
    fn model_started(&self, model: &str, n_series: usize) -> Box<dyn ModelProgress + '_> {
        if let Some(j) = &self.job {
            j.done.store(0, Ordering::Relaxed);
            j.update(|v| {
                v.model = Some(model.to_string());
                v.total = n_series as u64;
            });
        }
        tracing::info!(model, n_series, "fitting");
        Box::new(Counter(self.job.clone()))
    }
    fn note(&self, msg: String) {
        self.notes.note(msg);
    }
    fn warn(&self, msg: String) {
        self.notes.warn(msg);
    }
}

pub(crate) async fn get(
    State(s): State<AppState>,
    Path(id): Path<u64>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    s.jobs
        .get(id)
        .map(|v| (StatusCode::OK, Json(v)))
        .ok_or_else(|| {
            ApiError::not_found(format!("no job {id} (the server keeps the last {KEPT})"))
        })
}
