//! Flags of the neural commands (`pretrain`, `finetune`).

use crate::cli::InputArgs;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `demandcast pretrain`.
#[derive(Debug, Args)]
pub struct PretrainArgs {
    /// Pretraining configuration (JSON: model, train, data_dir, real_fraction, mixup_prob,
    /// val_windows); see models/tsfm/pretrain.json.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Output model directory (config.json, model.safetensors, loss.csv, checkpoint/).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Start over even if OUTPUT holds a checkpoint (default: resume from it).
    #[arg(long)]
    pub restart: bool,
    /// Worker threads [default: 2].
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub threads: usize,
}

/// How `finetune` adapts the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Every weight (above --freeze-layers).
    Full,
    /// Low-rank adapters; the base stays frozen.
    Lora,
}

/// `demandcast finetune`.
#[derive(Debug, Args)]
pub struct FinetuneArgs {
    /// The history to fine-tune on.
    #[command(flatten)]
    pub input: InputArgs,
    /// Full fine-tuning or LoRA.
    #[arg(long, value_enum, default_value_t = Mode::Lora)]
    pub mode: Mode,
    /// LoRA rank.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub rank: usize,
    /// Output adapter directory (adapter.json, adapter.safetensors).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Base model directory [default: the shipped models/tsfm, or $DEMANDCAST_MODEL_DIR].
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Held-out periods at the end of each series (validation window).
    #[arg(long, default_value_t = 28, value_name = "N")]
    pub val_horizon: usize,
    /// Optimiser steps at most (early stopping may end sooner).
    #[arg(long, default_value_t = 300, value_name = "N")]
    pub steps: usize,
    /// Windows per step.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub batch_size: usize,
    /// Peak learning rate (linear warm-up, then cosine decay) [default:
    /// 3e-4 for LoRA, 1e-4 for full fine-tuning].
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Warm-up steps.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub warmup: usize,
    /// AdamW weight decay.
    #[arg(long, default_value_t = 0.01, value_name = "X")]
    pub weight_decay: f32,
    /// Dropout during fine-tuning [default: the model's].
    #[arg(long, value_name = "P")]
    pub dropout: Option<f32>,
    /// Gradient-norm clip (0 = off).
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub grad_clip: f32,
    /// Full mode: freeze the input embeddings and the first N encoder layers.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub freeze_layers: usize,
    /// Validate every N steps.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub val_every: usize,
    /// Stop after N validations without improvement (0 = never).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub patience: usize,
    /// Decay of a moving average of the weights, validated and saved in
    /// place of the last step's (0 = none; e.g. 0.98 averages ~50 steps).
    #[arg(long, default_value_t = 0.0, value_name = "DECAY")]
    pub ema: f32,
    /// Share of the fine-tuned change kept, in (0, 1]: the adapter is
    /// moved back toward the pretrained weights by 1 - MIX (WiSE-FT).
    #[arg(long, default_value_t = 1.0, value_name = "MIX")]
    pub mix: f64,
    /// Measure the level correction on the validation window and the N-1
    /// windows of the same length before it.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub level_windows: usize,
    /// Ignore the price/promotion/event covariates (ablation).
    #[arg(long)]
    pub no_covariates: bool,
    /// Keep the adapter's level as trained (by default its forecasts are
    /// scaled by the actual total over its forecast total on the
    /// --level-windows windows).
    #[arg(long)]
    pub no_level_correction: bool,
    /// Correct the level as one factor for every step (by default the
    /// correction follows the trend of the windows' actual over forecast
    /// totals along the horizon).
    #[arg(long)]
    pub no_level_trend: bool,
    /// Product catalogue (id column plus title/description): fine-tune the model's
    /// text input on each series' MiniLM embedding (full mode, no frozen layers);
    /// forecast with the same --catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Text model and cache (with --catalog).
    #[command(flatten)]
    pub text: crate::text_args::TextModelArgs,
    /// Random seed.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}
