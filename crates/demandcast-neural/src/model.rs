//! The transformer: patch embedding, encoder, quantile head.
//!
//! Chronos-Bolt / TimesFM family, encoder only: the (scaled) context is cut
//! into patches, each patch with its observed-mask and its per-step covariates
//! becomes one token; one token per horizon patch carries the known-future
//! covariates and an empty target; one static token carries the category
//! embeddings, the optional text embedding, the frequency and the log scale.
//! All tokens attend to each other (bidirectional); the horizon tokens are
//! decoded by a residual MLP into `patch_len × (n_quantiles + 1)` values: the
//! quantiles (a free lowest quantile plus a cumulative sum of softplus
//! increments, cut at zero: non-negative, non-crossing, and able to say
//! "exactly zero" for the lower quantiles of intermittent demand) and a mean (softplus) for squared-error metrics.

use crate::config::TsfmConfig;
use crate::nn::{dropout, softmax, softplus, Embed, Lin, LoraSpec, Norm, ResMlp};
use candle_core::{DType, Device, Tensor, D};
use candle_nn::{init::Init, VarBuilder};

/// Number of frequency ids the model knows (see [`crate::features::freq_id`]).
pub const N_FREQ_IDS: usize = 8;

/// One batch of model inputs, already scaled.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Scaled context values, (B, context_len), 0 where unobserved, right-aligned.
    pub y: Tensor,
    /// 1 where observed, (B, context_len).
    pub mask: Tensor,
    /// Per-step features, (B, context_len + horizon_len, n_step_features).
    pub feats: Tensor,
    /// Static attribute hash buckets, (B, n_static_slots), u32; 0 = none.
    pub statics: Tensor,
    /// Text embedding per series, (B, text_dim); zeros when absent.
    pub text: Tensor,
    /// Frequency id per series, (B,), u32.
    pub freq: Tensor,
    /// `ln(1 + scale)` per series, (B, 1).
    pub log_scale: Tensor,
}

/// Model outputs in scaled units.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Quantiles, (B, horizon_len, n_quantiles), ascending along the last axis, >= 0.
    pub quantiles: Tensor,
    /// Mean, (B, horizon_len), >= 0.
    pub mean: Tensor,
}

struct Layer {
    n1: Norm,
    q: Lin,
    k: Lin,
    v: Lin,
    o: Lin,
    n2: Norm,
    ff1: Lin,
    ff2: Lin,
}

/// The time-series transformer; holds its weights (trainable `Var`s or frozen tensors).
pub struct Tsfm {
    cfg: TsfmConfig,
    embed: ResMlp,
    pos: Tensor,
    statics: Embed,
    freq: Embed,
    text: Lin,
    scale: Lin,
    layers: Vec<Layer>,
    norm: Norm,
    head: ResMlp,
}

impl Tsfm {
    /// Builds the model from `vb` (a `VarMap` to train or initialise, or
    /// safetensors to run). With `lora`, the attention and feed-forward layers
    /// of every encoder layer get LoRA adapters whose variables come from the
    /// second `VarBuilder` (named `layers.{i}.{q,k,v,o,ff1,ff2}.lora_{a,b}`).
    ///
    /// # Errors
    /// A missing or mis-shaped weight.
    pub fn new(
        cfg: &TsfmConfig,
        vb: VarBuilder,
        lora: Option<(VarBuilder, LoraSpec)>,
    ) -> candle_core::Result<Self> {
        let d = cfg.d_model;
        let p = cfg.patch_len;
        let in_dim = p * (2 + cfg.n_step_features);
        let n_tok = 1 + cfg.n_ctx_patches() + cfg.n_fut_patches();
        let mut layers = Vec::with_capacity(cfg.n_layers);
        for i in 0..cfg.n_layers {
            let lvb = vb.pp(format!("layers.{i}"));
            let lo = lora
                .as_ref()
                .map(|(l, s)| (l.pp(format!("layers.{i}")), *s));
            let lin = |name: &str, a: usize, b: usize| {
                let lora_vb = lo.as_ref().map(|(l, s)| (l.pp(name), *s));
                Lin::new(&lvb.pp(name), a, b, lora_vb.as_ref().map(|(l, s)| (l, *s)))
            };
            layers.push(Layer {
                n1: Norm::new(&lvb.pp("n1"), d)?,
                q: lin("q", d, d)?,
                k: lin("k", d, d)?,
                v: lin("v", d, d)?,
                o: lin("o", d, d)?,
                n2: Norm::new(&lvb.pp("n2"), d)?,
                ff1: lin("ff1", d, cfg.d_ff)?,
                ff2: lin("ff2", cfg.d_ff, d)?,
            });
        }
        let n_q = cfg.quantiles.len();
        Ok(Self {
            cfg: cfg.clone(),
            embed: ResMlp::new(&vb.pp("embed"), in_dim, cfg.d_ff, d)?,
            pos: vb.get_with_hints(
                (n_tok, d),
                "pos",
                Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )?,
            statics: Embed::new(&vb.pp("statics"), cfg.n_static_buckets, d)?,
            freq: Embed::new(&vb.pp("freq"), N_FREQ_IDS, d)?,
            text: Lin::new(&vb.pp("text"), cfg.text_dim, d, None)?,
            scale: Lin::new(&vb.pp("scale"), 1, d, None)?,
            layers,
            norm: Norm::new(&vb.pp("norm"), d)?,
            head: ResMlp::new(&vb.pp("head"), d, cfg.d_ff, p * (n_q + 1))?,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TsfmConfig {
        &self.cfg
    }

    /// Runs the model; `train` enables dropout.
    ///
    /// # Errors
    /// Inputs whose shapes disagree with the configuration.
    pub fn forward(&self, x: &Inputs, train: bool) -> candle_core::Result<Outputs> {
        let cfg = &self.cfg;
        let (b, c) = x.y.dims2()?;
        let (p, nc, nf) = (cfg.patch_len, cfg.n_ctx_patches(), cfg.n_fut_patches());
        let k = cfg.n_step_features;
        let d = cfg.d_model;
        let drop = cfg.dropout;
        if c != cfg.context_len {
            candle_core::bail!("context of {c} values, model expects {}", cfg.context_len);
        }
        // Patch tokens: [y (p), mask (p), features (p*k)] per patch.
        let feats = x.feats.reshape((b, nc + nf, p * k))?;
        let y_all = Tensor::cat(
            &[&x.y, &Tensor::zeros((b, nf * p), DType::F32, x.y.device())?],
            1,
        )?
        .reshape((b, nc + nf, p))?;
        let m_all = Tensor::cat(
            &[
                &x.mask,
                &Tensor::zeros((b, nf * p), DType::F32, x.y.device())?,
            ],
            1,
        )?
        .reshape((b, nc + nf, p))?;
        let tok_in = Tensor::cat(&[&y_all, &m_all, &feats], 2)?;
        let patches = self.embed.forward(&tok_in, drop, train)?;
        // Static token.
        let st = self.statics.forward(&x.statics)?.sum(1)?
            + self.freq.forward(&x.freq)?
            + self.text.forward(&x.text)?
            + self.scale.forward(&x.log_scale)?;
        let st = st?.reshape((b, 1, d))?;
        let h = Tensor::cat(&[&st, &patches], 1)?.broadcast_add(&self.pos)?;
        let mut h = dropout(&h, drop, train)?;
        // Keys that are all padding are masked out (a large negative bias).
        let ctx_valid = x.mask.reshape((b, nc, p))?.max(D::Minus1)?;
        let valid = Tensor::cat(
            &[
                &Tensor::ones((b, 1), DType::F32, x.y.device())?,
                &ctx_valid,
                &Tensor::ones((b, nf), DType::F32, x.y.device())?,
            ],
            1,
        )?;
        let bias = ((valid - 1.0)? * 1e4)?.reshape((b, 1, 1, 1 + nc + nf))?;
        for layer in &self.layers {
            h = (&h + self.attention(layer, &layer.n1.forward(&h)?, &bias, train)?)?;
            let f = layer.ff1.forward(&layer.n2.forward(&h)?)?.gelu_erf()?;
            let f = layer.ff2.forward(&dropout(&f, drop, train)?)?;
            h = (h + dropout(&f, drop, train)?)?;
        }
        let h = self.norm.forward(&h)?;
        let fut = h.narrow(1, 1 + nc, nf)?;
        let n_q = cfg.quantiles.len();
        let out = self
            .head
            .forward(&fut, drop, train)?
            .reshape((b, nf * p, n_q + 1))?;
        let raw_q = out.narrow(2, 0, n_q)?;
        // The lowest quantile is free (it may be exactly zero, as the lower
        // quantiles of intermittent demand are); the others add softplus
        // increments, so they never cross; the relu keeps them non-negative.
        let first = raw_q.narrow(2, 0, 1)?;
        let steps = softplus(&raw_q.narrow(2, 1, n_q - 1)?)?;
        let quantiles = Tensor::cat(&[&first, &steps], 2)?.cumsum(2)?.relu()?;
        let mean = softplus(&out.narrow(2, n_q, 1)?.squeeze(2)?)?;
        Ok(Outputs { quantiles, mean })
    }

    fn attention(
        &self,
        l: &Layer,
        x: &Tensor,
        bias: &Tensor,
        train: bool,
    ) -> candle_core::Result<Tensor> {
        let (b, t, d) = x.dims3()?;
        let nh = self.cfg.n_heads;
        let dh = d / nh;
        let split = |z: Tensor| -> candle_core::Result<Tensor> {
            z.reshape((b, t, nh, dh))?.transpose(1, 2)?.contiguous()
        };
        let q = split(l.q.forward(x)?)?;
        let k = split(l.k.forward(x)?)?;
        let v = split(l.v.forward(x)?)?;
        let att = (q.matmul(&k.t()?)? / (dh as f64).sqrt())?.broadcast_add(bias)?;
        let att = dropout(&softmax(&att)?, self.cfg.dropout, train)?;
        let o = att
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, t, d))?;
        l.o.forward(&o)
    }
}

/// The CPU device, or the first CUDA device when built with the `cuda` feature and one exists.
pub fn default_device() -> Device {
    #[cfg(feature = "cuda")]
    {
        if let Ok(d) = Device::new_cuda(0) {
            return d;
        }
    }
    Device::Cpu
}
