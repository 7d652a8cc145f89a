//! `demandcast serve`: the HTTP API and the dashboard over a store of runs.

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use demandcast_server::AppState;
use demandcast_store::Store;
use std::process::ExitCode;

/// Opens the store and serves until Ctrl-C.
pub fn run(a: ServeArgs) -> Result<ExitCode> {
    crate::settings::init_threads(a.threads)?;
    let store = Store::open(&a.db)?;
    let runs = store.run_count()?;
    let state = AppState::new(store).with_max_upload_mb(a.max_upload_mb);
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
