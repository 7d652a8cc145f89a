//! `demandcast finetune`: adapts the pretrained transformer to a history (full or LoRA).

use crate::input::load_history;
use crate::neural_args::{FinetuneArgs, Mode};
use crate::ui::Ui;
use anyhow::Result;
use demandcast::neural::store::{resolve_model_dir, FinetuneMode};
use demandcast::neural::train::{with_threads, TrainEvent, TrainOptions};
use demandcast::neural::{finetune, FinetuneOptions};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Runs the command.
pub fn run(a: FinetuneArgs, ui: &Ui) -> Result<ExitCode> {
    if !(0.0..1.0).contains(&a.ema) {
        return Err(crate::error::UsageError::err(
            format!("--ema must be in [0, 1), got {}", a.ema),
            None,
        ));
    }
    if !(a.mix > 0.0 && a.mix <= 1.0) {
        return Err(crate::error::UsageError::err(
            format!("--mix must be in (0, 1], got {}", a.mix),
            None,
        ));
    }
    if a.steps == 0
        || a.batch_size == 0
        || a.val_horizon == 0
        || a.rank == 0
        || a.level_windows == 0
    {
        return Err(crate::error::UsageError::err(
            "--steps, --batch-size, --val-horizon, --rank and --level-windows must be >= 1",
            None,
        ));
    }
    let input = crate::settings::input(a.input)?;
    let panel = load_history(&input, ui)?.panel;
    let model_dir = resolve_model_dir(a.model_dir.as_deref());
    let threads = crate::text_args::threads(a.threads);
    let texts = match &a.catalog {
        Some(path) => {
            crate::settings::must_exist(path)?;
            let catalog = demandcast::data::load_catalog(path, &input.load.id_col)?;
            let text = crate::text_args::text_model(a.text)?;
            let emb = crate::text_output::embed_catalog(&catalog, &text, threads, ui)?;
            let texts = crate::commands::text_features::embeddings_by_id(&catalog, &emb);
            let described = panel
                .ids()
                .iter()
                .filter(|id| texts.contains_key(*id))
                .count();
            ui.note(format!(
                "fine-tuning the text input: {described} of {} series have a catalogue text",
                panel.n_series()
            ));
            Some(texts)
        }
        None => None,
    };
    let opts = FinetuneOptions {
        mode: match a.mode {
            Mode::Full => FinetuneMode::Full,
            Mode::Lora => FinetuneMode::Lora,
        },
        rank: a.rank,
        alpha: 2.0 * a.rank as f64,
        freeze_layers: a.freeze_layers,
        dropout: a.dropout,
        val_horizon: a.val_horizon,
        max_val_series: 2000,
        train: TrainOptions {
            steps: a.steps,
            batch_size: a.batch_size,
            // Full fine-tuning moves every weight: a third of LoRA's rate
            // (M5, BENCHMARKS "tsfm, session 19": 3e-4 scored 0.49-0.62
            // between two seeds on one window, 1e-4 0.48-0.50).
            lr: a.lr.unwrap_or(match a.mode {
                Mode::Full => 1e-4,
                Mode::Lora => 3e-4,
            }),
            warmup: a.warmup,
            min_lr_ratio: 0.1,
            weight_decay: a.weight_decay,
            grad_clip: a.grad_clip,
            seed: a.seed,
            val_every: a.val_every.max(1),
            patience: a.patience,
            checkpoint_every: 0,
            ema: a.ema,
        },
        use_covariates: !a.no_covariates,
        level_correction: !a.no_level_correction,
        level_trend: !a.no_level_trend,
        mix: a.mix,
        level_windows: a.level_windows,
        texts,
    };
    let bar = ui.bars().bar(a.steps as u64, "fine-tuning");
    let stop = AtomicBool::new(false);
    let t0 = std::time::Instant::now();
    let report = with_threads(threads, || {
        finetune(
            &panel,
            &model_dir,
            &opts,
            &a.output,
            &mut |e| match e {
                TrainEvent::Step { .. } => demandcast::core::Progress::inc(&bar, 1),
                TrainEvent::Validation { step, loss, best } => {
                    bar.set_message(format!("val {loss:.4}"));
                    tracing::info!(
                        "step {step}: validation loss {loss:.4}{}",
                        if best { " (best)" } else { "" }
                    );
                }
            },
            &stop,
        )
    })?;
    bar.finish();
    let zero_shot = report.curve.first().map(|c| c.2).unwrap_or(f32::NAN);
    ui.note(format!(
        "fine-tuned {} steps in {:.0} s{}: validation loss {:.4} (zero-shot {:.4}), best at step {}; adapter in {}",
        report.steps,
        t0.elapsed().as_secs_f64(),
        if report.early_stopped { " (early stop)" } else { "" },
        report.best_val,
        zero_shot,
        report.best_step,
        a.output.display()
    ));
    let meta = demandcast::neural::store::read_adapter_meta(&a.output).ok();
    if let Some(meta) = &meta {
        let s = &meta.summary;
        if let (Some(level), Some(ratio)) = (
            s.get("level").and_then(|v| v.as_f64()),
            s.get("validation_ratio").and_then(|v| v.as_f64()),
        ) {
            let windows = match s.get("level_windows").and_then(|v| v.as_u64()) {
                Some(n) if n > 1 => format!("the validation window and the {} before it", n - 1),
                _ => "the validation window".to_string(),
            };
            ui.note(format!(
                "level correction x{level:.3}: on {windows}, the actual total was {ratio:.3} x the adapter's forecast (zero-shot {:.3})",
                s.get("zero_shot_validation_ratio").and_then(|v| v.as_f64()).unwrap_or(f64::NAN)
            ));
            let curve = meta.level_curve();
            if let (Some(first), Some(last)) = (curve.first(), curve.last()) {
                ui.note(format!(
                    "along the horizon: x{first:.3} at the first step to x{last:.3} at step {} \
                     (the trend of the ratio over the windows' steps; --no-level-trend for one factor)",
                    curve.len()
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
