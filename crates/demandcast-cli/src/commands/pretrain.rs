//! `demandcast pretrain`: pretrains the time-series transformer from a JSON config.

use crate::neural_args::PretrainArgs;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::neural::train::{with_threads, TrainEvent};
use demandcast::neural::{pretrain, PretrainConfig};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Runs the command. Ctrl-C is not trapped: checkpoints are written
/// atomically (temporary file, then rename), so an interrupted run resumes
/// from the last complete one.
pub fn run(a: PretrainArgs, ui: &Ui) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&a.config)
        .with_context(|| format!("reading {}", a.config.display()))?;
    let cfg: PretrainConfig =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", a.config.display()))?;
    if a.restart {
        let ck = a.output.join("checkpoint");
        if ck.exists() {
            std::fs::remove_dir_all(&ck).with_context(|| format!("removing {}", ck.display()))?;
        }
    }
    let bar = ui.bars().bar(cfg.train.steps as u64, "pretraining");
    let stop = AtomicBool::new(false);
    let t0 = std::time::Instant::now();
    let report = with_threads(a.threads.max(1), || {
        pretrain(
            &cfg,
            &a.output,
            true,
            &mut |e| match e {
                TrainEvent::Step { step, loss, .. } => {
                    demandcast::core::Progress::inc(&bar, 1);
                    if step % 10 == 0 {
                        bar.set_message(format!("loss {loss:.3}"));
                    }
                }
                TrainEvent::Validation { step, loss, .. } => {
                    tracing::info!("step {step}: validation loss {loss:.4}");
                }
            },
            &stop,
        )
    })?;
    bar.finish();
    ui.note(format!(
        "pretrained {} steps in {:.0} s; best validation loss {:.4} at step {}; model in {}",
        report.steps,
        t0.elapsed().as_secs_f64(),
        report.best_val,
        report.best_step,
        a.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}
