//! Cold start with a fine-tuned text regressor (`forecast --catalog FILE
//! --text-regressor DIR`, the folder written by `demandcast finetune-text`):
//! each new product's launch total over the regressor's horizon comes from
//! its text and launch price, and is spread over the periods in the shape of
//! the product's analogue forecast (the regressor predicts a total, not a
//! curve). The column is `TextRegressor`, beside the analogues' `ColdStart`.

use crate::text_args::TextModelSettings;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Catalog, Forecast, PanelForecast};
use demandcast_text::finetune::{Example, TextRegressor};
use std::path::Path;

/// Output column of the regressor's forecasts.
pub const MODEL_NAME: &str = "TextRegressor";

/// What `finetune-text` recorded beside the weights.
struct Meta {
    horizon: usize,
    /// The price given to products without a launch price in training.
    median_price: f64,
}

fn read_meta(dir: &Path) -> Result<Meta> {
    let path = dir.join("report.json");
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{}: not JSON", path.display()))?;
    let horizon = v["horizon"]
        .as_u64()
        .filter(|h| *h > 0)
        .with_context(|| format!("{}: no launch horizon", path.display()))?;
    let median_price = v["median_price"]
        .as_f64()
        .filter(|p| *p > 0.0)
        .with_context(|| format!("{}: no median launch price", path.display()))?;
    Ok(Meta {
        horizon: horizon as usize,
        median_price,
    })
}

/// The regressor's forecasts for the catalogue rows `rows`, aligned with
/// the analogue forecasts in `analogue` (same products, same launches).
///
/// # Errors
/// An unreadable regressor folder or encoder, named.
pub fn forecast(
    dir: &Path,
    catalog: &Catalog,
    rows: &[usize],
    analogue: &PanelForecast,
    text: &TextModelSettings,
    threads: usize,
    ui: &Ui,
) -> Result<PanelForecast> {
    let meta = read_meta(dir)?;
    let enc = text.encoder(threads)?;
    let reg = TextRegressor::load(&text.model_dir, dir)?;
    let examples: Vec<Example> = rows
        .iter()
        .map(|&r| Example {
            text: catalog.text[r].clone(),
            extra: vec![catalog.launch_price[r]
                .filter(|p| *p > 0.0)
                // as in training: the training median when there is none
                .unwrap_or(meta.median_price)
                .ln() as f32],
            target: 0.0,
        })
        .collect();
    let totals = reg
        .predict(&enc, &examples)
        .with_context(|| format!("text regressor {}", dir.display()))?;
    let series = totals
        .iter()
        .zip(&analogue.series)
        .map(|(&t, a)| {
            Forecast::point(spread(
                f64::from(t).exp_m1().max(0.0),
                &a.mean,
                meta.horizon,
            ))
        })
        .collect();
    ui.note(format!(
        "text regressor {}: launch totals over {} periods for {} new products ({MODEL_NAME})",
        dir.display(),
        meta.horizon,
        rows.len()
    ));
    Ok(PanelForecast {
        model: MODEL_NAME.to_string(),
        freq: analogue.freq,
        ids: analogue.ids.clone(),
        starts: analogue.starts.clone(),
        levels: Vec::new(),
        series,
        notes: Vec::new(),
    })
}

/// `shape` rescaled so that its first `h` periods sum to `total`; an even
/// spread over those periods when the shape sums to nothing there.
fn spread(total: f64, shape: &[f64], h: usize) -> Vec<f64> {
    let k = h.min(shape.len());
    let base: f64 = shape[..k].iter().sum();
    if base > 0.0 {
        shape.iter().map(|v| v * total / base).collect()
    } else {
        (0..shape.len())
            .map(|i| if i < k { total / k as f64 } else { 0.0 })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spreads_the_total_over_the_launch_window_in_the_analogue_shape() {
        // the first two periods carry the total; the third keeps the shape's ratio
        let v = spread(30.0, &[1.0, 2.0, 2.0], 2);
        assert_eq!(v, vec![10.0, 20.0, 20.0]);
        let flat = spread(6.0, &[0.0, 0.0, 0.0], 2);
        assert_eq!(flat, vec![3.0, 3.0, 0.0]);
    }
}
