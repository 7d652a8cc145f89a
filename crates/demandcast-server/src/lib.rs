//! # demandcast-server
//!
//! demandcast's HTTP API and web dashboard, on axum. Planners upload sales
//! history (long format, as for `demandcast forecast`), pick models and get
//! forecasts with intervals; every run is recorded in the embedded store
//! ([`demandcast_store`]), which the dashboard browses and plots, and which
//! `demandcast forecast --db` also writes to.
//!
//! | method and path | what |
//! |---|---|
//! | `GET /` | the dashboard (one self-contained page: no network needed) |
//! | `GET /api/health` | `{"status": "ok", "version": ...}` |
//! | `GET /api/models` | the models `models` accepts, with their parameters |
//! | `GET /api/stored-models` | fitted models kept in the store (`fit --db`) |
//! | `POST /api/forecast` | a forecast run: JSON (`{"data": "<csv>", "horizon": 28, "models": "auto_ets", "levels": [80, 95]}`) or the raw file as the body with the parameters in the query (`?horizon=28&models=auto_ets&levels=80,95`; CSV or Parquet) |
//! | `GET /api/jobs/{id}` | a background forecast (`?wait=false`, or `"wait": false`): `queued`, `running` (model, series done of total), `done` (the run) or `failed` (the error) |
//! | `GET /api/runs` | recorded runs, newest first (`?limit=`) |
//! | `GET /api/runs/{id}` | one run |
//! | `GET /api/runs/{id}/report` | a backtest's report: models ranked, metrics, WRMSSE by level |
//! | `GET /api/runs/{id}/series` | its series ids (`?q=` filter, `?limit=`) |
//! | `GET /api/runs/{id}/series/{unique_id}` | one series' recent history and every model's forecast |
//! | `GET /api/runs/{id}/forecasts.csv` | the run's forecasts as the CLI writes them |
//!
//! Errors are JSON, `{"error": "..."}`, with the loader's file, row and
//! column: 400 for bad input, 404 for an unknown run or series, 422 when a
//! model cannot fit the data. One forecast runs at a time (models use every
//! worker thread; the others queue); reads are served meanwhile. A forecast
//! answers when it is done, or at once with `wait=false`: 202 and a job to
//! poll, as the dashboard does.
//!
//! # Example
//! ```
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use demandcast_server::{router, AppState};
//! use demandcast_store::Store;
//! use tower::ServiceExt;
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let app = router(AppState::new(Store::open_in_memory()?));
//! let body = r#"{"data": "unique_id,ds,y\na,2024-01-01,1\na,2024-01-02,2\na,2024-01-03,3\n",
//!               "horizon": 2, "models": "naive", "levels": []}"#;
//! let req = Request::post("/api/forecast")
//!     .header("content-type", "application/json")
//!     .body(Body::from(body))?;
//! let res = app.oneshot(req).await?;
//! assert_eq!(res.status(), StatusCode::OK);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod error;
mod forecast;
mod jobs;
mod routes;

pub use error::ApiError;
pub use forecast::ForecastRequest;
pub use jobs::{JobState, JobView};

use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};
use demandcast_store::Store;
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

/// Largest upload by default: an M5-sized CSV (6,000 series x 2,000 days)
/// is about 500 MB.
pub const DEFAULT_MAX_UPLOAD_MB: usize = 1024;

/// What the handlers share: the store and the one-forecast-at-a-time gate.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    gate: Arc<tokio::sync::Semaphore>,
    jobs: Arc<jobs::Jobs>,
    max_upload: usize,
    cold_start: Option<ColdStartHook>,
}

/// Forecasts the catalogue products that have no history in the panel
/// (cold start), `horizon` periods from each one's launch. Supplied by the
/// program that serves (`demandcast serve` passes its text encoder and
/// analogue model), so that this crate stays free of the neural text stack.
/// `Ok(None)`: every catalogue product has history.
pub type ColdStartHook = Arc<
    dyn Fn(
            &demandcast::core::Panel,
            &demandcast::core::Catalog,
            usize,
        ) -> Result<Option<ColdStartOutput>, String>
        + Send
        + Sync,
>;

/// What a [`ColdStartHook`] returns.
#[derive(Debug, Clone)]
pub struct ColdStartOutput {
    /// The new products' forecasts (one model, one series per product).
    pub forecast: demandcast::core::PanelForecast,
    /// Per new product, its nearest analogues, as the client is shown them.
    pub analogues: Vec<serde_json::Value>,
    /// Notes for the run (what the backtest chose...).
    pub notes: Vec<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("max_upload", &self.max_upload)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an open store, with the default upload limit.
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            gate: Arc::new(tokio::sync::Semaphore::new(1)),
            jobs: Arc::new(jobs::Jobs::default()),
            max_upload: DEFAULT_MAX_UPLOAD_MB << 20,
            cold_start: None,
        }
    }

    /// Lets `POST /api/forecast` take a `catalog` and forecast its products
    /// without history with `hook` (without one, such requests are refused).
    pub fn with_cold_start(mut self, hook: ColdStartHook) -> Self {
        self.cold_start = Some(hook);
        self
    }

    /// Sets the largest accepted request body, in MiB.
    pub fn with_max_upload_mb(mut self, mb: usize) -> Self {
        self.max_upload = mb.saturating_mul(1 << 20);
        self
    }

    /// Runs `f` on the store (a poisoned lock is taken over: every write is
    /// one SQLite transaction, so a panicking writer left nothing half-done).
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// The API and dashboard routes over `state`.
pub fn router(state: AppState) -> Router {
    let limit = state.max_upload;
    Router::new()
        .route("/", get(routes::dashboard))
        .route("/api/health", get(routes::health))
        .route("/api/models", get(routes::models))
        .route("/api/stored-models", get(routes::stored_models))
        .route("/api/forecast", post(forecast::handle))
        .route("/api/jobs/{id}", get(jobs::get))
        .route("/api/runs", get(routes::runs))
        .route("/api/runs/{id}", get(routes::run))
        .route("/api/runs/{id}/report", get(routes::report))
        .route("/api/runs/{id}/series", get(routes::series_ids))
        .route("/api/runs/{id}/series/{unique_id}", get(routes::series))
        .route("/api/runs/{id}/forecasts.csv", get(routes::forecasts_csv))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves `state` on `addr` until Ctrl-C (or SIGTERM), on a runtime of its
/// own; returns once the server has stopped. The CLI's `serve` calls this.
///
/// # Errors
/// When the address cannot be bound or the runtime cannot start.
pub fn serve_blocking(addr: SocketAddr, state: AppState) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!("serving on http://{}", listener.local_addr()?);
        axum::serve(listener, router(state))
            .with_graceful_shutdown(shutdown())
            .await
    })
}

async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping: requests in flight finish first");
}
