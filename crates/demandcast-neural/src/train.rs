//! The training loop shared by pretraining and fine-tuning.

use crate::config::TsfmConfig;
use crate::model::Tsfm;
use crate::optim::{lr_at, AdamW, AdamWConfig};
use crate::window::{collate, loss, Window};
use crate::Result;
use candle_core::Device;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// Optimisation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainOptions {
    /// Optimiser steps.
    pub steps: usize,
    /// Windows per step.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Linear warm-up steps.
    pub warmup: usize,
    /// Final learning rate as a fraction of the peak (cosine decay).
    pub min_lr_ratio: f64,
    /// Decoupled weight decay.
    pub weight_decay: f32,
    /// Gradient-norm clip (0 = off).
    pub grad_clip: f32,
    /// Seed of every random draw (data, dropout is candle's own generator).
    pub seed: u64,
    /// Validate every this many steps (0 = never).
    pub val_every: usize,
    /// Stop after this many validations without improvement (0 = never).
    pub patience: usize,
    /// Write a checkpoint every this many steps (0 = only at the end).
    pub checkpoint_every: usize,
    /// Decay of an exponential moving average of the weights (0 = none):
    /// with one, validation scores and the best weights kept are the
    /// average's, not the last step's. Fine-tuning only: pretraining does
    /// not keep one (its checkpoints would have to carry it).
    pub ema: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            steps: 4000,
            batch_size: 64,
            lr: 1e-3,
            warmup: 200,
            min_lr_ratio: 0.05,
            weight_decay: 0.01,
            grad_clip: 1.0,
            seed: 42,
            val_every: 250,
            patience: 0,
            checkpoint_every: 250,
            ema: 0.0,
        }
    }
}

impl TrainOptions {
    /// The AdamW settings these options imply.
    pub fn adamw(&self) -> AdamWConfig {
        AdamWConfig {
            weight_decay: self.weight_decay,
            clip: self.grad_clip,
            ..Default::default()
        }
    }
}

/// Something that happened during training, for progress display and logs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrainEvent {
    /// An optimiser step finished.
    Step {
        /// Step number (1-based).
        step: usize,
        /// Training loss of the batch.
        loss: f32,
        /// Learning rate used.
        lr: f64,
    },
    /// A validation finished.
    Validation {
        /// Step number.
        step: usize,
        /// Validation loss.
        loss: f32,
        /// Whether it is the best so far.
        best: bool,
    },
}

/// A source of training windows.
pub trait WindowSource: Sync {
    /// Draws one training window (`None` to skip the draw).
    fn draw(&self, rng: &mut StdRng) -> Option<Window>;
}

/// Draws a batch of `n` windows, each from its own generator seeded by
/// (seed, step, index), so that a batch does not depend on the thread count
/// and a resumed run continues with the batches it would have seen.
pub fn draw_batch(src: &dyn WindowSource, seed: u64, step: usize, n: usize) -> Vec<Window> {
    (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let s = seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add((step as u64) << 20)
                .wrapping_add(i as u64);
            let mut rng = StdRng::seed_from_u64(s);
            // A few retries so that a source returning None rarely shrinks the batch.
            (0..4).find_map(|_| src.draw(&mut rng))
        })
        .collect()
}

/// Mean loss over `windows` in evaluation mode (no dropout).
///
/// # Errors
/// Tensor failures.
pub fn eval_loss(
    model: &Tsfm,
    cfg: &TsfmConfig,
    windows: &[Window],
    batch: usize,
    dev: &Device,
) -> Result<f32> {
    let mut tot = 0f64;
    let mut n = 0usize;
    for chunk in windows.chunks(batch.max(1)) {
        let refs: Vec<&Window> = chunk.iter().collect();
        let b = collate(cfg, &refs, dev)?;
        let out = model.forward(&b.inputs, false)?;
        tot += f64::from(loss(cfg, &out, &b)?.to_scalar::<f32>()?) * chunk.len() as f64;
        n += chunk.len();
    }
    Ok((tot / n.max(1) as f64) as f32)
}

/// Where the loop stopped and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Last step run.
    pub steps: usize,
    /// Best validation loss (NaN without validation).
    pub best_val: f32,
    /// Step of the best validation.
    pub best_step: usize,
    /// Stopped early by patience.
    pub early_stopped: bool,
    /// Stopped by the caller's interrupt flag.
    pub interrupted: bool,
    /// (step, train loss averaged since the last validation, validation loss).
    pub curve: Vec<(usize, f32, f32)>,
}

/// Hooks the loop calls: progress, checkpoints, keeping the best weights.
pub trait TrainHooks {
    /// Progress.
    fn event(&mut self, e: TrainEvent);
    /// A checkpoint is due after `step` (write weights and optimiser state).
    ///
    /// # Errors
    /// I/O failures.
    fn checkpoint(&mut self, step: usize, opt: &AdamW, report: &TrainReport) -> Result<()>;
    /// The validation loss improved at `step` (keep these weights).
    ///
    /// # Errors
    /// I/O failures.
    fn best(&mut self, step: usize, opt: &AdamW) -> Result<()>;
}

/// Runs steps `start..opts.steps` of AdamW on `src`, validating on `val`.
///
/// # Errors
/// Tensor failures, a non-finite loss, or a hook's error.
#[allow(clippy::too_many_arguments)]
pub fn train_loop(
    model: &Tsfm,
    opt: &mut AdamW,
    src: &dyn WindowSource,
    val: &[Window],
    opts: &TrainOptions,
    start: usize,
    mut report: TrainReport,
    hooks: &mut dyn TrainHooks,
    stop: &AtomicBool,
    dev: &Device,
) -> Result<TrainReport> {
    let cfg = model.config().clone();
    if report.curve.is_empty() && start == 0 {
        report.best_val = f32::NAN;
    }
    let mut since_best = 0usize;
    let mut acc = (0f64, 0usize);
    let mut step = start;
    while step < opts.steps {
        if stop.load(Ordering::Relaxed) {
            report.interrupted = true;
            break;
        }
        let ws = draw_batch(src, opts.seed, step, opts.batch_size);
        if ws.is_empty() {
            return Err(crate::Error::Train(
                "the data source produced no training window".into(),
            ));
        }
        let refs: Vec<&Window> = ws.iter().collect();
        let batch = collate(&cfg, &refs, dev)?;
        let out = model.forward(&batch.inputs, true)?;
        let l = loss(&cfg, &out, &batch)?;
        let lv = l.to_scalar::<f32>()?;
        if !lv.is_finite() {
            return Err(crate::Error::Train(format!(
                "loss is {lv} at step {}",
                step + 1
            )));
        }
        let grads = l.backward()?;
        let lr = lr_at(step, opts.steps, opts.warmup, opts.lr, opts.min_lr_ratio);
        opt.step(&grads, lr)?;
        step += 1;
        report.steps = step;
        acc.0 += f64::from(lv);
        acc.1 += 1;
        hooks.event(TrainEvent::Step { step, loss: lv, lr });
        let last = step == opts.steps;
        if opts.val_every > 0 && (step.is_multiple_of(opts.val_every) || last) && !val.is_empty() {
            // With a moving average, it is validated (and kept if best) in
            // place of the last iterate, which is restored after (an error
            // ends training, so it needs no restoring).
            opt.swap_ema()?;
            let v = eval_loss(model, &cfg, val, opts.batch_size.max(64), dev)?;
            let best = report.best_val.is_nan() || v < report.best_val;
            report
                .curve
                .push((step, (acc.0 / acc.1.max(1) as f64) as f32, v));
            acc = (0.0, 0);
            hooks.event(TrainEvent::Validation {
                step,
                loss: v,
                best,
            });
            if best {
                report.best_val = v;
                report.best_step = step;
                since_best = 0;
                hooks.best(step, opt)?;
            }
            opt.swap_ema()?;
            if !best {
                since_best += 1;
                if opts.patience > 0 && since_best >= opts.patience {
                    report.early_stopped = true;
                    break;
                }
            }
        }
        if opts.checkpoint_every > 0 && step.is_multiple_of(opts.checkpoint_every) && !last {
            hooks.checkpoint(step, opt, &report)?;
        }
    }
    hooks.checkpoint(step, opt, &report)?;
    Ok(report)
}

/// The environment variable that sizes candle's own CPU worker pool (the
/// pool of its element-wise kernels; matrix products use rayon's).
pub const CANDLE_THREADS_ENV: &str = "CANDLE_NUM_THREADS";

/// Runs candle's element-wise CPU kernels on the calling thread, unless
/// [`CANDLE_THREADS_ENV`] is set: call it at the start of `main`, before any
/// thread is spawned (it sets an environment variable).
///
/// candle 0.11 runs element-wise kernels on a pool of its own (one spinning
/// worker per physical core, minus the caller) that serialises its callers.
/// Forecasting runs one batch per rayon thread ([`with_threads`]), so the
/// batches queued on that pool and its workers spun on cores the batches
/// needed: on 2 cores, 6,098 M5 series forecast in 3.6 s with the kernels on
/// the calling thread against 4.8 s with the pool (identical forecasts);
/// fine-tuning and text embedding were as fast either way (BENCHMARKS.md,
/// "tsfm, session 21").
///
/// ```
/// demandcast_neural::train::run_kernels_on_callers();
/// assert!(std::env::var_os(demandcast_neural::train::CANDLE_THREADS_ENV).is_some());
/// ```
pub fn run_kernels_on_callers() {
    if std::env::var_os(CANDLE_THREADS_ENV).is_none() {
        std::env::set_var(CANDLE_THREADS_ENV, "1");
    }
}

/// Runs `f` on a rayon pool of `threads` threads (candle's matrix products
/// then use that pool), so that the thread count is explicit.
///
/// # Errors
/// Failure to build the pool, or `f`'s error.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| crate::Error::Train(format!("thread pool: {e}")))?;
    pool.install(f)
}

/// Sums of gradient magnitudes per variable, for the gradient-flow check.
///
/// # Errors
/// Tensor failures.
pub fn grad_norms(
    grads: &candle_core::backprop::GradStore,
    vars: &[(String, candle_core::Var)],
) -> Result<Vec<(String, f32)>> {
    let mut out = Vec::new();
    for (n, v) in vars {
        let g = match grads.get(v.as_tensor()) {
            Some(g) => g.abs()?.sum_all()?.to_scalar::<f32>()?,
            None => 0.0,
        };
        out.push((n.clone(), g));
    }
    Ok(out)
}
