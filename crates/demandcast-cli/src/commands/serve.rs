//! `demandcast serve`: the HTTP API and the dashboard over a store of runs.

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use demandcast_server::{AppState, ColdStartHook, ColdStartOutput};
use demandcast_store::Store;
use std::process::ExitCode;
use std::sync::Arc;

/// Opens the store and serves until Ctrl-C.
pub fn run(a: ServeArgs) -> Result<ExitCode> {
    crate::settings::init_threads(a.threads)?;
    let store = Store::open(&a.db)?;
    let runs = store.run_count()?;
    let state = AppState::new(store)
        .with_max_upload_mb(a.max_upload_mb)
        .with_cold_start(cold_start_hook(&a)?);
    tracing::info!(db = %a.db.display(), runs, "store opened");
    crate::ui::Ui::new(false).note(format!(
        "serving the dashboard on http://{} ({} runs in {}); Ctrl-C stops",
        a.addr,
        runs,
        a.db.display()
    ));
    demandcast_server::serve_blocking(a.addr, state)
        .with_context(|| format!("cannot serve on {}", a.addr))?;
    Ok(ExitCode::SUCCESS)
}

/// Cold start for requests with a `catalog`: the catalogue is embedded
/// (through the embedding cache) and its products without history are
/// forecast from text analogues, as `forecast --catalog` does. The encoder
/// is loaded per request: a missing model fails that request, naming the folder.
fn cold_start_hook(a: &ServeArgs) -> Result<ColdStartHook> {
    let text = crate::text_args::text_model(a.text.clone())?;
    let threads = crate::text_args::threads(a.threads);
    let show = a.show_analogues;
    Ok(Arc::new(move |panel, catalog, horizon| {
        let new = crate::commands::coldstart::new_rows(panel, catalog);
        if new.is_empty() {
            return Ok(None);
        }
        let quiet = crate::ui::Ui::new(true);
        let emb = crate::text_output::embed_catalog(catalog, &text, threads, &quiet)
            .map_err(|e| format!("{e:#}"))?;
        let out = crate::commands::coldstart::forecast_new_products(
            panel,
            catalog,
            &new,
            &emb.vectors,
            horizon,
            show,
        )
        .map_err(|e| format!("{e:#}"))?;
        let notes = std::iter::once(out.summary.clone())
            .chain(out.launch_warning())
            .collect();
        let analogues = out
            .analogues
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("analogues: {e}"))?;
        Ok(Some(ColdStartOutput {
            analogues,
            notes,
            forecast: out.forecast,
        }))
    }))
}
