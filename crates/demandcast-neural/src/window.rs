//! Training/inference examples ([`Window`]) and their batching into tensors.

use crate::config::TsfmConfig;
use crate::features::N_STEP_FEATURES;
use crate::model::{Inputs, Outputs};
use candle_core::{DType, Device, Tensor};

/// One series cut at a forecast origin, in original units.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Context values, oldest first (NaN = missing); any length (the last
    /// `context_len` are read).
    pub context: Vec<f32>,
    /// Targets after the origin (NaN = not scored); empty at inference.
    pub target: Vec<f32>,
    /// Per-step features for `context` then `horizon_len` future steps,
    /// `(context.len() + horizon_len) × N_STEP_FEATURES`, row-major.
    pub feats: Vec<f32>,
    /// Static buckets (0 = none); padded or cut to `n_static_slots`.
    pub statics: Vec<u32>,
    /// Optional text embedding (`text_dim` values).
    pub text: Option<Vec<f32>>,
    /// Frequency id ([`crate::features::freq_id`]).
    pub freq: u32,
}

/// The scale of a context: the mean absolute observed value, or 1 when it is 0
/// (an all-zero history of counts).
pub fn context_scale(ctx: &[f32]) -> f32 {
    let (s, n) = ctx
        .iter()
        .filter(|x| x.is_finite())
        .fold((0f64, 0usize), |(s, n), x| (s + x.abs() as f64, n + 1));
    let m = if n > 0 { (s / n as f64) as f32 } else { 0.0 };
    if m > 1e-6 {
        m
    } else {
        1.0
    }
}

/// A batch: model inputs, per-series scales and (when training) scaled targets.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Model inputs.
    pub inputs: Inputs,
    /// Scale of each series (outputs are multiplied by it).
    pub scales: Vec<f32>,
    /// Scaled targets, (B, horizon_len), 0 where not scored.
    pub target: Tensor,
    /// 1 where the target is scored, (B, horizon_len).
    pub target_mask: Tensor,
}

/// Stacks windows into a batch (the last `context_len` values of each
/// context, left-padded; targets cut or padded to `horizon_len`).
///
/// # Errors
/// A tensor allocation failure.
pub fn collate(cfg: &TsfmConfig, ws: &[&Window], dev: &Device) -> candle_core::Result<Batch> {
    let (c, h, k) = (cfg.context_len, cfg.horizon_len, N_STEP_FEATURES);
    let b = ws.len();
    let mut y = vec![0f32; b * c];
    let mut mask = vec![0f32; b * c];
    let mut feats = vec![0f32; b * (c + h) * k];
    let mut statics = vec![0u32; b * cfg.n_static_slots];
    let mut text = vec![0f32; b * cfg.text_dim];
    let mut freq = vec![0u32; b];
    let mut log_scale = vec![0f32; b];
    let mut target = vec![0f32; b * h];
    let mut tmask = vec![0f32; b * h];
    let mut scales = Vec::with_capacity(b);
    for (i, w) in ws.iter().enumerate() {
        let n = w.context.len().min(c);
        let ctx = &w.context[w.context.len() - n..];
        let s = context_scale(ctx);
        scales.push(s);
        log_scale[i] = (1.0 + s).ln();
        let off = c - n;
        for (j, &v) in ctx.iter().enumerate() {
            if v.is_finite() {
                y[i * c + off + j] = v / s;
                mask[i * c + off + j] = 1.0;
            }
        }
        // Features: the window's rows are context (full length) then horizon.
        let rows = w.feats.len() / k;
        let skip = w.context.len() - n;
        let take = (rows.saturating_sub(skip)).min(n + h);
        for r in 0..take {
            let src = &w.feats[(skip + r) * k..(skip + r + 1) * k];
            let dst = i * (c + h) * k + (off + r) * k;
            feats[dst..dst + k].copy_from_slice(src);
        }
        for (j, &v) in w.statics.iter().take(cfg.n_static_slots).enumerate() {
            statics[i * cfg.n_static_slots + j] = v;
        }
        if let Some(t) = &w.text {
            let m = t.len().min(cfg.text_dim);
            text[i * cfg.text_dim..i * cfg.text_dim + m].copy_from_slice(&t[..m]);
        }
        freq[i] = w.freq;
        for (j, &v) in w.target.iter().take(h).enumerate() {
            if v.is_finite() {
                // Clipped so that a launch after an all-zero context (scale 1)
                // or a bulk order cannot dominate a batch's loss.
                target[i * h + j] = (v / s).min(TARGET_CLIP);
                tmask[i * h + j] = 1.0;
            }
        }
    }
    let t = |v: Vec<f32>, shape: &[usize]| Tensor::from_vec(v, shape, dev);
    Ok(Batch {
        inputs: Inputs {
            y: t(y, &[b, c])?,
            mask: t(mask, &[b, c])?,
            feats: t(feats, &[b, c + h, k])?,
            statics: Tensor::from_vec(statics, (b, cfg.n_static_slots), dev)?,
            text: t(text, &[b, cfg.text_dim])?,
            freq: Tensor::from_vec(freq, b, dev)?,
            log_scale: t(log_scale, &[b, 1])?,
        },
        scales,
        target: t(target, &[b, h])?,
        target_mask: t(tmask, &[b, h])?,
    })
}

/// Largest scaled target the loss sees.
const TARGET_CLIP: f32 = 30.0;

/// Weight of the squared error of the mean output in the training loss.
const MEAN_WEIGHT: f64 = 0.25;
/// Scaled targets above this are clipped in the squared-error term, so that a
/// single spike (a bulk order) does not dominate a batch.
const MSE_CLIP: f64 = 10.0;

/// The training loss: mean pinball loss over quantiles and scored steps, plus
/// [`MEAN_WEIGHT`] × the squared error of the mean output.
///
/// # Errors
/// Shape mismatches.
pub fn loss(cfg: &TsfmConfig, out: &Outputs, batch: &Batch) -> candle_core::Result<Tensor> {
    let dev = batch.target.device();
    let q = Tensor::new(cfg.quantiles.as_slice(), dev)?.reshape((1, 1, cfg.quantiles.len()))?;
    let y = batch.target.unsqueeze(2)?;
    let m = batch.target_mask.unsqueeze(2)?;
    let diff = y.broadcast_sub(&out.quantiles)?; // y - q̂
                                                 // pinball = max(τ·diff, (τ-1)·diff) = τ·diff + relu(-diff)
    let pin = (diff.broadcast_mul(&q)? + diff.neg()?.relu()?)?;
    let n_scored = (batch.target_mask.sum_all()?.to_dtype(DType::F32)? + 1e-6)?;
    let pin = pin
        .broadcast_mul(&m)?
        .sum_all()?
        .div(&(&n_scored * cfg.quantiles.len() as f64)?)?;
    let yc = batch.target.clamp(0.0, MSE_CLIP)?;
    let se = (yc - &out.mean)?
        .sqr()?
        .mul(&batch.target_mask)?
        .sum_all()?
        .div(&n_scored)?;
    pin + (se * MEAN_WEIGHT)?
}
