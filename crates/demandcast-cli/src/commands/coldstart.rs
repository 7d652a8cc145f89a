//! Cold start inside `forecast --catalog`: catalogue products without history
//! are forecast from their launch by text analogues (demandcast-text), and
//! each one's nearest analogues are written next to the forecasts.

use crate::settings::ForecastSettings;
use crate::text_output::LazyEmbeddings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Catalog, Forecast, Freq, NaiveDate, Panel, PanelForecast};
use demandcast_text::coldstart::{ColdStart, ColdStartOptions, FittedColdStart, ProductInfo};
use std::collections::HashSet;
use std::path::PathBuf;

/// Output column of cold-start forecasts.
pub const MODEL_NAME: &str = "ColdStart";

/// Forecasts the catalogue products that have no history, `horizon` periods
/// from each one's launch (its `launch_date`, else the first forecast step).
/// Nothing when every catalogue product has history; with
/// `--text-regressor`, the regressor's forecasts too.
pub fn run(
    panel: &Panel,
    catalog: &Catalog,
    emb: &LazyEmbeddings<'_>,
    s: &ForecastSettings,
    ui: &Ui,
) -> Result<Vec<PanelForecast>> {
    let known: HashSet<&str> = panel.ids().iter().map(String::as_str).collect();
    let new: Vec<usize> = (0..catalog.len())
        .filter(|&i| !known.contains(catalog.ids[i].as_str()))
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let freq = panel.freq();
    let last = panel
        .max_date()
        .context("the history is empty: nothing to find analogues in")?;
    let first_step = freq.step(last, 1);
    ui.note(format!(
        "{} catalogue products have no history: forecasting them from text analogues ({MODEL_NAME})",
        new.len()
    ));
    let emb = emb.get()?;
    let model = ColdStart::new(ColdStartOptions {
        horizon: s.horizon,
        ..Default::default()
    });
    let info = ProductInfo {
        catalog,
        embeddings: &emb.vectors,
    };
    let fitted = model.fit(panel, info).context("cold-start model")?;
    report_backtest(&fitted, ui);

    let mut ids = Vec::with_capacity(new.len());
    let mut starts = Vec::with_capacity(new.len());
    let mut series = Vec::with_capacity(new.len());
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut past = 0usize;
    for &r in &new {
        let launch = match catalog.launch_date[r] {
            Some(d) => snap(freq, d, last),
            None => first_step,
        };
        if launch <= last {
            past += 1;
        }
        let pred = fitted.predict(&emb.vectors[r], &catalog.text[r], catalog.launch_price[r]);
        for (rank, a) in pred
            .analogues
            .iter()
            .take(s.cold_start.show_analogues)
            .enumerate()
        {
            rows.push(vec![
                catalog.ids[r].clone(),
                launch.to_string(),
                (rank + 1).to_string(),
                a.id.clone(),
                a.title.replace('\n', " "),
                format!("{:.4}", a.similarity),
                format!("{:.4}", a.weight),
                format!("{:.2}", a.scaled_total),
            ]);
        }
        ids.push(catalog.ids[r].clone());
        starts.push(launch);
        series.push(Forecast::point(pred.curve));
    }
    if past > 0 {
        ui.warn(format!(
            "{past} new products have a launch_date inside the history but no sales in it; \
             they are forecast from that launch date"
        ));
    }
    if let Some(path) = analogues_path(s) {
        write_analogues(&path, &rows)?;
        ui.note(format!(
            "wrote the new products' analogues to {}",
            path.display()
        ));
    }
    let analogue = PanelForecast {
        model: MODEL_NAME.to_string(),
        freq,
        ids,
        starts,
        levels: Vec::new(),
        series,
        notes: Vec::new(),
    };
    let regressor = match &s.cold_start.text_regressor {
        Some(dir) => Some(crate::commands::text_regressor::forecast(
            dir,
            catalog,
            &new,
            &analogue,
            &s.cold_start.text,
            crate::text_args::threads(s.models.threads),
            ui,
        )?),
        None => None,
    };
    Ok(std::iter::once(analogue).chain(regressor).collect())
}

fn report_backtest(f: &FittedColdStart, ui: &Ui) {
    let p = &f.params;
    if f.backtest.n_launches == 0 {
        ui.warn(
            "no recent launches in the history to backtest cold-start settings; using defaults",
        );
        return;
    }
    ui.note(format!(
        "cold start: {} products with history as analogues; backtest on {} recent launches chose \
         k={} {:?} price elasticity {} scale {:.2} (WAPE {:.3}); launch ramp {:.2}",
        f.pool.len(),
        f.backtest.n_launches,
        p.k,
        p.aggregate,
        p.elasticity,
        p.scale,
        f.backtest.wape,
        f.ramp
    ));
}

/// The grid date of the period holding `d`: for period-start frequencies
/// (MS, QS, YS) the start on or before it, else the first date on or after it.
fn snap(freq: Freq, d: NaiveDate, anchor: NaiveDate) -> NaiveDate {
    let starts_period = matches!(
        freq,
        Freq::MonthStart | Freq::QuarterStart | Freq::YearStart
    );
    let mut g = anchor;
    // Walk from the last history date; launches are at most a few years away.
    while g < d {
        g = freq.step(g, 1);
    }
    while freq.step(g, -1) >= d {
        g = freq.step(g, -1);
    }
    if starts_period && g > d {
        g = freq.step(g, -1);
    }
    g
}

fn analogues_path(s: &ForecastSettings) -> Option<PathBuf> {
    if let Some(p) = &s.cold_start.analogues_output {
        return Some(p.clone());
    }
    if s.output.as_os_str() == "-" {
        return None;
    }
    let stem = s.output.file_stem()?.to_string_lossy().to_string();
    Some(s.output.with_file_name(format!("{stem}.analogues.csv")))
}

fn write_analogues(path: &std::path::Path, rows: &[Vec<String>]) -> Result<()> {
    let mut w = crate::output::csv_writer(path)?;
    w.write_record([
        "unique_id",
        "launch",
        "rank",
        "analogue_id",
        "analogue_title",
        "similarity",
        "weight",
        "scaled_total",
    ])?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snaps_to_the_period_holding_the_date() {
        let d = |m, day| NaiveDate::from_ymd_opt(2011, m, day).unwrap_or_default();
        let w: Freq = "W-SUN".parse().unwrap_or(Freq::Daily);
        // Weeks end on Sunday; 2011-06-26 is a Sunday.
        assert_eq!(snap(w, d(7, 12), d(6, 26)), d(7, 17));
        assert_eq!(snap(w, d(7, 17), d(6, 26)), d(7, 17));
        assert_eq!(snap(w, d(6, 1), d(6, 26)), d(6, 5));
        assert_eq!(snap(Freq::MonthStart, d(7, 12), d(6, 1)), d(7, 1));
        assert_eq!(snap(Freq::Daily, d(7, 12), d(6, 26)), d(7, 12));
    }
}
