//! The `Ensemble` section of report.md: the weights the ensemble chose in
//! each backtest window, from its own internal backtest, so that a planner
//! can see whether the blend was stable or followed one window's luck.

use super::{cell, table_header, table_row};
use anyhow::Result;
use demandcast::eval::EnsembleReport;
use std::io::Write;

/// Writes the section; nothing when the ensemble did not run.
pub(super) fn write_ensemble(w: &mut dyn Write, reports: &[EnsembleReport]) -> Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    writeln!(w, "## `Ensemble`: the weights chosen in each window\n")?;
    let equal = reports.iter().all(|r| r.cutoffs.is_empty());
    if equal {
        writeln!(
            w,
            "Equal weights, no internal backtest (`ensemble:equal`): {}.\n",
            first.describe()
        )?;
        return Ok(());
    }
    writeln!(
        w,
        "Each window's ensemble backtested its members on the history before the window's \
         cutoff only (the internal cutoffs below) and weighted them by greedy selection on \
         the WRMSSE-style score of `auto` (lower is better); the members alone scored as \
         shown.\n"
    )?;
    let mut header = vec![
        "trained to".to_string(),
        "internal cutoffs".to_string(),
        "weights".to_string(),
        "score".to_string(),
    ];
    header.extend(first.members.iter().map(|m| format!("`{m}` alone")));
    table_header(w, &header.iter().map(String::as_str).collect::<Vec<_>>())?;
    for r in reports {
        let mut row = vec![
            r.trained_to.map_or("-".to_string(), |d| d.to_string()),
            r.cutoffs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            r.describe(),
            cell(Some(r.score)),
        ];
        row.extend(r.member_scores.iter().map(|s| cell(Some(*s))));
        table_row(w, &row)?;
    }
    writeln!(w)?;
    for n in reports.iter().flat_map(|r| &r.notes) {
        writeln!(w, "- {n}")?;
    }
    if reports.iter().any(|r| !r.notes.is_empty()) {
        writeln!(w)?;
    }
    Ok(())
}
