//! The read-only routes: dashboard, health, models, runs and series.

use crate::{ApiError, AppState};
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{Html, IntoResponse},
    Json,
};
use demandcast_store::{RunSummary, SeriesList, SeriesView};
use serde::Deserialize;

/// The dashboard: one self-contained page (inline script and styles).
const DASHBOARD: &str = include_str!("../assets/dashboard.html");

pub(crate) async fn dashboard() -> Html<&'static str> {
    Html(DASHBOARD)
}

pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

pub(crate) async fn models() -> Json<serde_json::Value> {
    let list: Vec<serde_json::Value> = demandcast::MODELS
        .iter()
        .map(|m| {
            serde_json::json!({
                "name": m.name, "class": m.class, "params": m.params, "summary": m.summary
            })
        })
        .collect();
    Json(serde_json::Value::Array(list))
}

pub(crate) async fn stored_models(
    State(s): State<AppState>,
) -> Result<Json<Vec<demandcast_store::ModelSummary>>, ApiError> {
    Ok(Json(s.with_store(|st| st.models())?))
}

#[derive(Debug, Deserialize)]
pub(crate) struct Limit {
    limit: Option<usize>,
}

pub(crate) async fn runs(
    State(s): State<AppState>,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<RunSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(200);
    Ok(Json(s.with_store(|st| st.runs(limit))?))
}

fn no_run(id: i64) -> ApiError {
    ApiError::not_found(format!("no run {id} in the store"))
}

pub(crate) async fn run(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RunSummary>, ApiError> {
    s.with_store(|st| st.run(id))?
        .map(Json)
        .ok_or_else(|| no_run(id))
}

pub(crate) async fn report(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    s.with_store(|st| -> Result<_, ApiError> {
        if !st.has_run(id)? {
            return Err(no_run(id));
        }
        st.report(id)?.map(Json).ok_or_else(|| {
            ApiError::not_found(format!("run {id} has no report (only backtests have one)"))
        })
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct SeriesQuery {
    q: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn series_ids(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SeriesQuery>,
) -> Result<Json<SeriesList>, ApiError> {
    s.with_store(|st| -> Result<_, ApiError> {
        if !st.has_run(id)? {
            return Err(no_run(id));
        }
        let filter = q.q.as_deref().unwrap_or("");
        Ok(Json(st.series_ids(id, filter, q.limit.unwrap_or(200))?))
    })
}

pub(crate) async fn series(
    State(s): State<AppState>,
    Path((id, unique_id)): Path<(i64, String)>,
) -> Result<Json<SeriesView>, ApiError> {
    s.with_store(|st| -> Result<_, ApiError> {
        if !st.has_run(id)? {
            return Err(no_run(id));
        }
        st.series(id, &unique_id)?
            .map(Json)
            .ok_or_else(|| ApiError::not_found(format!("run {id} has no series '{unique_id}'")))
    })
}

pub(crate) async fn forecasts_csv(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let fcs = s
        .with_store(|st| st.forecasts(id))?
        .ok_or_else(|| no_run(id))?;
    let mut out = Vec::new();
    demandcast::data::write_forecasts(&mut out, &fcs)
        .map_err(|e| ApiError::internal(format!("cannot write the forecasts: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"demandcast-run-{id}.csv\""),
            ),
        ],
        out,
    ))
}
