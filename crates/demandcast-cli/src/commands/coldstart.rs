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

/// The cold-start forecasts of one run, before anything is shown or written.
pub struct NewProducts {
    /// The `ColdStart` forecasts, one series per new product from its launch.
    pub forecast: PanelForecast,
    /// Per new product, its nearest analogues (at most the `show` asked for).
    pub analogues: Vec<AnalogueRow>,
    /// New products whose launch date lies inside the history.
    pub launched_in_history: usize,
    /// What the backtest chose, as a sentence (or why there was none).
    pub summary: String,
    /// Whether the backtest had recent launches to choose on.
    pub backtested: bool,
}

impl NewProducts {
    /// The warning for new products launched inside the history, if any.
    pub fn launch_warning(&self) -> Option<String> {
        (self.launched_in_history > 0).then(|| {
            format!(
                "{} new products have a launch_date inside the history but no sales in it; \
                 they are forecast from that launch date",
                self.launched_in_history
            )
        })
    }
}

/// The catalogue rows of the products without history in `panel`.
pub fn new_rows(panel: &Panel, catalog: &Catalog) -> Vec<usize> {
    let known: HashSet<&str> = panel.ids().iter().map(String::as_str).collect();
    (0..catalog.len())
        .filter(|&i| !known.contains(catalog.ids[i].as_str()))
        .collect()
}

/// One analogue of one new product.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnalogueRow {
    /// The new product.
    pub unique_id: String,
    /// Its launch (the first forecast period).
    pub launch: NaiveDate,
    /// 1 = most similar.
    pub rank: usize,
    /// The product with history.
    pub analogue_id: String,
    /// Its catalogue text.
    pub analogue_title: String,
    /// Text similarity (MiniLM and word TF-IDF cosines averaged).
    pub similarity: f64,
    /// Weight in the forecast.
    pub weight: f64,
    /// Its launch total, scaled to the new product's price.
    pub scaled_total: f64,
}

/// Forecasts the catalogue rows `new` (products without history, from
/// [`new_rows`]), `horizon` periods from each one's launch (its
/// `launch_date`, else the first forecast step), from text analogues;
/// `vectors` are the catalogue's embeddings, one per row.
///
/// # Errors
/// An empty history, or the cold-start model failing to fit.
pub fn forecast_new_products(
    panel: &Panel,
    catalog: &Catalog,
    new: &[usize],
    vectors: &[Vec<f32>],
    horizon: usize,
    show: usize,
) -> Result<NewProducts> {
    let freq = panel.freq();
    let last = panel
        .max_date()
        .context("the history is empty: nothing to find analogues in")?;
    let first_step = freq.step(last, 1);
    let model = ColdStart::new(ColdStartOptions {
        horizon,
        ..Default::default()
    });
    let info = ProductInfo {
        catalog,
        embeddings: vectors,
    };
    let fitted = model.fit(panel, info).context("cold-start model")?;
    let mut ids = Vec::with_capacity(new.len());
    let mut starts = Vec::with_capacity(new.len());
    let mut series = Vec::with_capacity(new.len());
    let mut rows = Vec::new();
    let mut past = 0usize;
    for &r in new {
        let launch = match catalog.launch_date[r] {
            Some(d) => snap(freq, d, last),
            None => first_step,
        };
        if launch <= last {
            past += 1;
        }
        let pred = fitted.predict(&vectors[r], &catalog.text[r], catalog.launch_price[r]);
        for (rank, a) in pred.analogues.iter().take(show).enumerate() {
            rows.push(AnalogueRow {
                unique_id: catalog.ids[r].clone(),
                launch,
                rank: rank + 1,
                analogue_id: a.id.clone(),
                analogue_title: a.title.replace('\n', " "),
                similarity: a.similarity,
                weight: a.weight,
                scaled_total: a.scaled_total,
            });
        }
        ids.push(catalog.ids[r].clone());
        starts.push(launch);
        series.push(Forecast::point(pred.curve));
    }
    Ok(NewProducts {
        forecast: PanelForecast {
            model: MODEL_NAME.to_string(),
            freq,
            ids,
            starts,
            levels: Vec::new(),
            series,
            notes: Vec::new(),
        },
        analogues: rows,
        launched_in_history: past,
        summary: backtest_summary(&fitted),
        backtested: fitted.backtest.n_launches > 0,
    })
}

/// [`forecast_new_products`] with the run's notes, the analogues file and,
/// with `--text-regressor`, the regressor's forecasts too.
pub fn run(
    panel: &Panel,
    catalog: &Catalog,
    emb: &LazyEmbeddings<'_>,
    s: &ForecastSettings,
    ui: &Ui,
) -> Result<Vec<PanelForecast>> {
    let new = new_rows(panel, catalog);
    if new.is_empty() {
        return Ok(Vec::new());
    }
    ui.note(format!(
        "{} catalogue products have no history: forecasting them from text analogues ({MODEL_NAME})",
        new.len()
    ));
    let emb = emb.get()?;
    let out = forecast_new_products(
        panel,
        catalog,
        &new,
        &emb.vectors,
        s.horizon,
        s.cold_start.show_analogues,
    )?;
    if out.backtested {
        ui.note(out.summary.clone());
    } else {
        ui.warn(out.summary.clone());
    }
    if let Some(w) = out.launch_warning() {
        ui.warn(w);
    }
    if let Some(path) = analogues_path(s) {
        write_analogues(&path, &out.analogues)?;
        ui.note(format!(
            "wrote the new products' analogues to {}",
            path.display()
        ));
    }
    let regressor = match &s.cold_start.text_regressor {
        Some(dir) => Some(crate::commands::text_regressor::forecast(
            dir,
            catalog,
            &new,
            &out.forecast,
            &s.cold_start.text,
            crate::text_args::threads(s.models.threads),
            ui,
        )?),
        None => None,
    };
    Ok(std::iter::once(out.forecast).chain(regressor).collect())
}

fn backtest_summary(f: &FittedColdStart) -> String {
    let p = &f.params;
    if f.backtest.n_launches == 0 {
        return "no recent launches in the history to backtest cold-start settings; using defaults"
            .into();
    }
    format!(
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
    )
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

fn write_analogues(path: &std::path::Path, rows: &[AnalogueRow]) -> Result<()> {
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
        w.write_record([
            r.unique_id.clone(),
            r.launch.to_string(),
            r.rank.to_string(),
            r.analogue_id.clone(),
            r.analogue_title.clone(),
            format!("{:.4}", r.similarity),
            format!("{:.4}", r.weight),
            format!("{:.2}", r.scaled_total),
        ])?;
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
