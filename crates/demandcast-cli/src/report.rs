//! The backtest report: `report.json` (everything, machine-readable) and
//! `report.md` (the same, for people), plus the short `auto` summary that
//! `forecast` prints.
//!
//! The numbers are the eval crate's; this module only lays them out.

mod ensemble;

use crate::ui::Ui;
use anyhow::Result;
use demandcast::core::NaiveDate;
use demandcast::eval::{
    AutoReport, CandidateSummary, ClassChoice, CvNote, EnsembleReport, EvalReport, M5Wrmsse,
    ModelRow, SelectionMetric, SelectionScope,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// Notes listed per model in report.md before the rest are counted.
const NOTES_LISTED: usize = 10;

/// What was run: settings and sizes, for reproducing the backtest.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The history file.
    pub input: String,
    /// Series in the history.
    pub n_series: usize,
    /// Rows in the history (after gap filling and trimming).
    pub n_rows: usize,
    /// Frequency alias.
    pub freq: String,
    /// Horizon.
    pub horizon: usize,
    /// Windows requested.
    pub windows: usize,
    /// Periods between cutoffs.
    pub step_size: usize,
    /// Refit at every window.
    pub refit: bool,
    /// Interval levels, percent.
    pub levels: Vec<f64>,
    /// Season length used by models and scaled metrics.
    pub season_length: usize,
    /// Model specs as given.
    pub models: Vec<String>,
    /// Cutoffs, earliest first.
    pub cutoffs: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the whole command so far.
    pub seconds: f64,
}

/// Everything the report shows.
pub struct ReportInputs<'a> {
    /// Settings and sizes.
    pub run: &'a RunInfo,
    /// Metrics, WRMSSE, notes.
    pub report: &'a EvalReport,
    /// What `auto` chose (last window), when it ran.
    pub auto: Option<&'a AutoReport>,
    /// What `ensemble` chose in each window (empty when it did not run).
    pub ensemble: &'a [EnsembleReport],
    /// The loader's warnings.
    pub diagnostics: &'a [String],
}

impl ReportInputs<'_> {
    /// report.json: the run, the ranked metrics, WRMSSE by level, notes,
    /// the auto report (choices per class; per-series choices left out, as
    /// they are one line per series) and the data diagnostics. The
    /// per-series metrics are in metrics.csv.
    pub fn to_json(&self) -> JsonReport<'_> {
        JsonReport {
            run: self.run,
            primary_metric: &self.report.metrics.primary_metric,
            models: &self.report.metrics.models,
            wrmsse: &self.report.wrmsse,
            wrmsse_error: self.report.wrmsse_error.as_deref(),
            notes: &self.report.notes,
            auto: self.auto.map(|a| AutoSummary {
                metric: a.metric,
                scope: a.scope,
                h: a.h,
                cutoffs: &a.cutoffs,
                n_common_pairs: a.n_common_pairs,
                overall_choice: &a.overall_choice,
                candidates: &a.candidates,
                classes: &a.classes,
                assignment: &a.assignment,
                notes: &a.notes,
            }),
            ensemble: (!self.ensemble.is_empty()).then_some(self.ensemble),
            data_diagnostics: self.diagnostics,
        }
    }
}

/// The layout of report.json (fields in this order).
#[derive(Serialize)]
pub struct JsonReport<'a> {
    run: &'a RunInfo,
    primary_metric: &'a str,
    models: &'a [ModelRow],
    wrmsse: &'a [M5Wrmsse],
    wrmsse_error: Option<&'a str>,
    notes: &'a [CvNote],
    auto: Option<AutoSummary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ensemble: Option<&'a [EnsembleReport]>,
    data_diagnostics: &'a [String],
}

/// [`AutoReport`] without its per-series choices (those go to auto_choices.csv).
#[derive(Serialize)]
struct AutoSummary<'a> {
    metric: SelectionMetric,
    scope: SelectionScope,
    h: usize,
    cutoffs: &'a [NaiveDate],
    n_common_pairs: usize,
    overall_choice: &'a str,
    candidates: &'a [CandidateSummary],
    classes: &'a [ClassChoice],
    assignment: &'a BTreeMap<String, usize>,
    notes: &'a [String],
}

/// auto_choices.csv: the model `auto` chose for each series, and why.
pub fn write_auto_choices(w: &mut dyn Write, a: &AutoReport) -> Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "unique_id",
        "demand_class",
        "adi",
        "cv2",
        "chosen",
        "reason",
    ])?;
    for s in &a.series {
        c.write_record([
            s.id.clone(),
            s.class.to_string(),
            crate::output::num(Some(s.adi)),
            crate::output::num(Some(s.cv2)),
            s.chosen.clone(),
            s.reason.clone(),
        ])?;
    }
    c.flush()?;
    Ok(())
}

/// A metric for a table cell: 4 significant decimals, `-` when undefined.
fn cell(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.4}"),
        _ => "-".to_string(),
    }
}

fn seconds(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.2}"),
        _ => "-".to_string(),
    }
}

/// report.md.
pub fn write_markdown(w: &mut dyn Write, r: &ReportInputs<'_>) -> Result<()> {
    let run = r.run;
    let rep = r.report;
    writeln!(w, "# Backtest report\n")?;
    writeln!(
        w,
        "`{}`: {} series, {} rows, frequency {}. Horizon {}, {} window(s) every {} periods \
         (cutoffs {}), refit: {}, season length {}, levels: {}. {} thread(s), {:.1} s.\n",
        run.input,
        run.n_series,
        run.n_rows,
        run.freq,
        run.horizon,
        run.cutoffs.len(),
        run.step_size,
        run.cutoffs.join(", "),
        run.refit,
        run.season_length,
        if run.levels.is_empty() {
            "none".to_string()
        } else {
            run.levels
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
        run.threads,
        run.seconds
    )?;

    writeln!(
        w,
        "## Models, best first (by {})\n",
        rep.metrics.primary_metric
    )?;
    let levels: Vec<String> = run.levels.iter().map(|l| l.to_string()).collect();
    let has_wrmsse = rep.metrics.models.iter().any(|m| m.wrmsse12.is_some());
    let mut header = vec!["rank", "model"];
    if has_wrmsse {
        header.push("WRMSSE-12");
    }
    header.extend([
        "MASE", "RMSSE", "MAE", "RMSE", "sMAPE", "bias", "WAPE", "WQL", "sCRPS",
    ]);
    let cov_headers: Vec<String> = levels.iter().map(|l| format!("cov{l}")).collect();
    header.extend(cov_headers.iter().map(String::as_str));
    header.extend(["fit s", "predict s", "series"]);
    table_header(w, &header)?;
    for m in &rep.metrics.models {
        let mut row = vec![m.rank.to_string(), format!("`{}`", m.metrics.model)];
        if has_wrmsse {
            row.push(cell(m.wrmsse12));
        }
        for k in [
            "mase", "rmsse", "mae", "rmse", "smape", "bias", "wape", "wql", "scrps",
        ] {
            row.push(cell(m.get(k)));
        }
        for l in &levels {
            row.push(cell(coverage(m, l)));
        }
        row.extend([
            seconds(m.fit_seconds),
            seconds(m.predict_seconds),
            m.metrics.n_series.to_string(),
        ]);
        table_row(w, &row)?;
    }
    writeln!(
        w,
        "\nMetrics are averaged per (series, window) pair except WAPE and WQL (pooled); \
         cov<L> is the share of actuals inside the L% interval. \
         Definitions: the `demandcast-eval` crate docs (`metrics` module).\n"
    )?;

    writeln!(w, "## WRMSSE over the 12 M5 levels\n")?;
    if rep.wrmsse.is_empty() {
        let why = rep
            .wrmsse_error
            .as_deref()
            .unwrap_or("the data has no M5 hierarchy (item_id, dept_id, cat_id, store_id, state_id) and sell_price");
        writeln!(w, "Not computed: {why}.\n")?;
    } else {
        let level_names: Vec<String> = rep.wrmsse[0]
            .levels
            .iter()
            .map(|l| l.level.clone())
            .collect();
        let mut h = vec!["level".to_string()];
        h.extend(rep.wrmsse.iter().map(|m| format!("`{}`", m.model)));
        table_header(w, &h.iter().map(String::as_str).collect::<Vec<_>>())?;
        for (i, name) in level_names.iter().enumerate() {
            let mut row = vec![name.clone()];
            row.extend(
                rep.wrmsse
                    .iter()
                    .map(|m| cell(m.levels.get(i).map(|l| l.score))),
            );
            table_row(w, &row)?;
        }
        let mut row = vec!["**mean (WRMSSE-12)**".to_string()];
        row.extend(rep.wrmsse.iter().map(|m| cell(Some(m.wrmsse12))));
        table_row(w, &row)?;
        writeln!(w)?;
    }

    if let Some(a) = r.auto {
        write_auto(w, a)?;
    }
    ensemble::write_ensemble(w, r.ensemble)?;
    write_notes(w, &rep.notes)?;

    writeln!(w, "## Data diagnostics\n")?;
    if r.diagnostics.is_empty() {
        writeln!(w, "None: the data was used as given.")?;
    }
    for d in r.diagnostics {
        writeln!(w, "- {d}")?;
    }
    Ok(())
}

fn coverage(m: &ModelRow, level: &str) -> Option<f64> {
    m.metrics.quantile.as_ref()?.coverage.get(level).copied()
}

fn write_auto(w: &mut dyn Write, a: &AutoReport) -> Result<()> {
    writeln!(w, "## `auto`: what it chose (last window)\n")?;
    writeln!(
        w,
        "Internal backtest at h = {} (cutoffs {}), compared by {} on {} common (series, cutoff) pairs; \
         best overall: `{}`.\n",
        a.h,
        a.cutoffs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        a.metric.as_str(),
        a.n_common_pairs,
        a.overall_choice
    )?;
    if let Some(h) = &a.hierarchical {
        writeln!(
            w,
            "Each class's model (or blend) was then chosen by a WRMSSE-style score of the whole \
             panel over its aggregation levels (lower is better): chosen assignment {:.4}; every \
             series on one option: {}.\n",
            h.chosen_score,
            h.options
                .iter()
                .map(|(k, v)| format!("`{k}` {v:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    table_header(w, &["demand class", "series", "chosen", "why"])?;
    for c in &a.classes {
        table_row(
            w,
            &[
                c.class.to_string(),
                c.n_series.to_string(),
                format!("`{}`", c.chosen),
                c.reason.clone(),
            ],
        )?;
    }
    writeln!(w)?;
    table_header(
        w,
        &[
            "candidate",
            "score",
            "fit s",
            "series forecast with it",
            "failed",
        ],
    )?;
    for c in &a.candidates {
        table_row(
            w,
            &[
                format!("`{}`", c.model),
                cell(Some(c.score)),
                seconds(Some(c.fit_seconds)),
                a.assignment.get(&c.model).copied().unwrap_or(0).to_string(),
                c.failed.clone().unwrap_or_default(),
            ],
        )?;
    }
    for n in &a.notes {
        writeln!(w, "- {n}")?;
    }
    writeln!(w)?;
    Ok(())
}

fn write_notes(w: &mut dyn Write, notes: &[CvNote]) -> Result<()> {
    writeln!(w, "## Fallbacks and skipped series\n")?;
    if notes.is_empty() {
        writeln!(w, "None.\n")?;
        return Ok(());
    }
    let mut by_model: BTreeMap<String, Vec<&CvNote>> = BTreeMap::new();
    for n in notes {
        by_model
            .entry(n.model.clone().unwrap_or_else(|| "(backtest)".into()))
            .or_default()
            .push(n);
    }
    for (model, list) in &by_model {
        writeln!(w, "- `{model}`: {} note(s)", list.len())?;
        for n in list.iter().take(NOTES_LISTED) {
            let id = if n.id.is_empty() {
                "all series"
            } else {
                n.id.as_str()
            };
            writeln!(w, "  - {id}, cutoff {}: {}", n.cutoff, n.message)?;
        }
        if list.len() > NOTES_LISTED {
            writeln!(
                w,
                "  - ... and {} more (all in report.json)",
                list.len() - NOTES_LISTED
            )?;
        }
    }
    writeln!(w)?;
    Ok(())
}

fn table_header(w: &mut dyn Write, cols: &[&str]) -> Result<()> {
    writeln!(w, "| {} |", cols.join(" | "))?;
    writeln!(w, "|{}", "---|".repeat(cols.len()))?;
    Ok(())
}

fn table_row(w: &mut dyn Write, cells: &[String]) -> Result<()> {
    // A '|' inside a cell would break the table.
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    writeln!(w, "| {} |", cells.join(" | "))?;
    Ok(())
}

/// After `forecast --models auto`: which model each demand class got.
pub fn print_auto_summary(ui: &Ui, a: &AutoReport) {
    let parts: Vec<String> = a
        .classes
        .iter()
        .map(|c| format!("{} ({} series): {}", c.class, c.n_series, c.chosen))
        .collect();
    let by = match &a.hierarchical {
        Some(h) => format!(
            "the hierarchical backtest score ({:.4}, aggregation levels of the whole panel)",
            h.chosen_score
        ),
        None => a.metric.as_str().to_string(),
    };
    ui.note(format!("auto chose by {by}: {}", parts.join("; ")));
    for n in &a.notes {
        ui.warn(format!("auto: {n}"));
    }
}
