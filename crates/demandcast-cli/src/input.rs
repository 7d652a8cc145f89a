//! Loading the history for `forecast` and `backtest`, with the loader's
//! warnings shown to the user, and reporting per-series notes.

use crate::{settings::InputSettings, ui::Ui};
use anyhow::Result;
use demandcast::core::SeriesNote;
use demandcast::data::{load_panel, Loaded};
use std::time::Instant;

/// Notes listed per model before the rest are counted.
const NOTES_SHOWN: usize = 5;

/// Loads and validates the history; prints the loader's warnings and a
/// one-line summary of what was loaded.
pub fn load_history(s: &InputSettings, ui: &Ui) -> Result<Loaded> {
    let t0 = Instant::now();
    let loaded = load_panel(&s.path, &s.load)?;
    for d in &loaded.diagnostics {
        ui.warn(d);
    }
    let p = &loaded.panel;
    let first = (0..p.n_series()).map(|i| p.start(i)).min();
    let last = p.max_date();
    tracing::info!(
        seconds = t0.elapsed().as_secs_f64(),
        "loaded {}",
        s.path.display()
    );
    ui.note(format!(
        "{}: {} series, {} rows, frequency {}, {} to {}",
        s.path.display(),
        p.n_series(),
        p.n_rows(),
        p.freq(),
        first.map(|d| d.to_string()).unwrap_or_default(),
        last.map(|d| d.to_string()).unwrap_or_default(),
    ));
    Ok(loaded)
}

/// Prints a model's per-series notes (fallbacks, interval substitutes): the
/// first few, then a count; all of them at `-v`.
pub fn report_notes(ui: &Ui, model: &str, notes: &[SeriesNote]) {
    if notes.is_empty() {
        return;
    }
    let n_series = {
        let mut ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    ui.warn(format!(
        "{model}: {} notes on {n_series} series",
        notes.len()
    ));
    for n in notes.iter().take(NOTES_SHOWN) {
        ui.note(format!("  {model}: series '{}': {}", n.id, n.message));
    }
    if notes.len() > NOTES_SHOWN {
        ui.note(format!(
            "  ... and {} more (run with -v to list them all)",
            notes.len() - NOTES_SHOWN
        ));
    }
    for n in notes.iter().skip(NOTES_SHOWN) {
        tracing::info!(model, id = %n.id, "{}", n.message);
    }
}
