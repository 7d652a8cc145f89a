//! `demandcast finetune-text`: MiniLM + a regression head predicting a
//! product's launch demand (ln(1 + units) over its first --horizon periods)
//! from its text and log launch price, trained full, with LoRA, or head only.

use crate::input::load_history;
use crate::text_args::{FinetuneMode as Mode, FinetuneTextArgs};
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::data::load_catalog;
use demandcast_text::bert::LoraConfig;
use demandcast_text::coldstart::{launch_targets, ColdStartOptions};
use demandcast_text::finetune::{finetune, Example, FinetuneMode, FinetuneOptions};
use std::process::ExitCode;

/// Runs the command.
pub fn run(a: FinetuneTextArgs, ui: &Ui) -> Result<ExitCode> {
    if a.horizon == 0 || a.epochs == 0 || a.batch_size == 0 || !(0.0..1.0).contains(&a.validation) {
        return Err(crate::error::UsageError::err(
            "--horizon, --epochs and --batch-size must be >= 1 and --validation in [0, 1)",
            None,
        ));
    }
    let text = crate::text_args::text_model(a.text.clone())?;
    let threads = crate::text_args::threads(a.threads);
    let input = crate::settings::input(a.input)?;
    let panel = load_history(&input, ui)?.panel;
    let catalog = load_catalog(&a.catalog, &input.load.id_col)?;
    let o = ColdStartOptions {
        horizon: a.horizon,
        ..Default::default()
    };
    let targets = launch_targets(&panel, &catalog, &o);
    let mut prices: Vec<f64> = targets
        .iter()
        .filter_map(|t| catalog.launch_price[t.row])
        .filter(|p| *p > 0.0)
        .collect();
    prices.sort_by(f64::total_cmp);
    let median_price = prices.get(prices.len() / 2).copied().unwrap_or(1.0);
    let examples: Vec<Example> = targets
        .iter()
        .filter(|t| t.observed || !a.observed_only)
        .map(|t| Example {
            text: catalog.text[t.row].clone(),
            extra: vec![catalog.launch_price[t.row]
                .filter(|p| *p > 0.0)
                .unwrap_or(median_price)
                .ln() as f32],
            target: t.total.max(0.0).ln_1p() as f32,
        })
        .collect();
    ui.note(format!(
        "{} training products ({} with an observed launch); products without launch_price get the median {median_price}",
        examples.len(),
        targets.iter().filter(|t| t.observed).count()
    ));
    let mode = match a.mode {
        Mode::Full => FinetuneMode::Full,
        Mode::Lora => FinetuneMode::Lora(LoraConfig::default()),
        Mode::Head => FinetuneMode::Head,
    };
    let opts = FinetuneOptions {
        mode,
        epochs: a.epochs,
        batch_size: a.batch_size,
        lr_encoder: a.lr.unwrap_or(match a.mode {
            Mode::Full => 3e-5,
            _ => 1e-3,
        }),
        validation_fraction: a.validation,
        patience: a.patience,
        max_steps: a.max_steps,
        ..Default::default()
    };
    let encoder = text.encoder(threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the training threads")?;
    let t0 = std::time::Instant::now();
    let (model, reports) = pool.install(|| {
        finetune(&text.model_dir, &encoder, &examples, &opts, &mut |r| {
            ui.note(format!(
                "epoch {}: train loss {:.4}, validation loss {:.4}{} ({:.0} s)",
                r.epoch,
                r.train_loss,
                r.val_loss,
                if r.best { " (best)" } else { "" },
                r.seconds
            ));
        })
    })?;
    model.save(&a.output)?;
    let report = serde_json::json!({
        "mode": format!("{:?}", a.mode),
        "examples": examples.len(),
        "horizon": a.horizon,
        "median_price": median_price,
        "seconds": t0.elapsed().as_secs_f64(),
        "epochs": reports,
    });
    std::fs::write(
        a.output.join("report.json"),
        serde_json::to_vec_pretty(&report)?,
    )?;
    ui.note(format!(
        "wrote the fine-tuned regressor to {} ({:.0} s)",
        a.output.display(),
        t0.elapsed().as_secs_f64()
    ));
    Ok(ExitCode::SUCCESS)
}
