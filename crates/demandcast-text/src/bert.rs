//! A BERT encoder (MiniLM-L6-H384) written with differentiable composite ops.
//!
//! candle-nn's fused `LayerNorm` and `softmax_last_dim` have no backward pass:
//! their outputs are detached, so a model built on them trains only its head
//! while the loss still goes down (ml-notes.md). Every op here (matmul, add,
//! mean, sqrt, exp, `gelu_erf`, `index_select`) has a gradient, so the same
//! code serves inference and full or LoRA fine-tuning. Structure and weight
//! names mirror Hugging Face's `modeling_bert.py` (`BertEmbeddings`,
//! `BertSelfAttention`, ...) so that `vb.pp(..)` matches the checkpoint.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Init, VarBuilder};
use serde::Deserialize;

/// The fields of a BERT `config.json` the encoder reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    /// Token vocabulary size.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Longest sequence the position table covers.
    pub max_position_embeddings: usize,
    /// Token-type (segment) vocabulary size.
    pub type_vocab_size: usize,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f64,
}

/// Low-rank adapters (LoRA, Hu et al. 2021) on the attention query and value
/// projections: `W x + (alpha / r) B A x`, with `B` initialised at zero so
/// that training starts from the pretrained model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraConfig {
    /// Rank r of the adapters.
    pub rank: usize,
    /// Scale numerator alpha.
    pub alpha: f64,
}

impl Default for LoraConfig {
    fn default() -> Self {
        Self {
            rank: 8,
            alpha: 16.0,
        }
    }
}

/// `x W^T + b`, plus an optional LoRA delta.
struct Linear {
    w: Tensor,
    b: Tensor,
    lora: Option<(Tensor, Tensor, f64)>,
}

impl Linear {
    fn load(vb: VarBuilder, din: usize, dout: usize) -> Result<Self> {
        Ok(Self {
            w: vb.get((dout, din), "weight")?,
            b: vb.get(dout, "bias")?,
            lora: None,
        })
    }

    /// Adds adapters whose variables live in `vb` (a separate VarMap).
    fn with_lora(mut self, vb: VarBuilder, cfg: LoraConfig) -> Result<Self> {
        let (dout, din) = self.w.dims2()?;
        let bound = 1.0 / (din as f64).sqrt();
        let a = vb.get_with_hints(
            (cfg.rank, din),
            "lora_a",
            Init::Uniform {
                lo: -bound,
                up: bound,
            },
        )?;
        let b = vb.get_with_hints((dout, cfg.rank), "lora_b", Init::Const(0.0))?;
        self.lora = Some((a, b, cfg.alpha / cfg.rank as f64));
        Ok(self)
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.broadcast_matmul(&self.w.t()?)?.broadcast_add(&self.b)?;
        match &self.lora {
            None => Ok(y),
            Some((a, b, s)) => {
                let d = x.broadcast_matmul(&a.t()?)?.broadcast_matmul(&b.t()?)?;
                y + (d * *s)?
            }
        }
    }
}

/// LayerNorm as mean / variance / scale composites (differentiable).
struct LayerNorm {
    w: Tensor,
    b: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn load(vb: VarBuilder, dim: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            w: vb.get(dim, "weight")?,
            b: vb.get(dim, "bias")?,
            eps,
        })
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        let xn = xc.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        xn.broadcast_mul(&self.w)?.broadcast_add(&self.b)
    }
}

/// Softmax over the last dimension from differentiable ops; the max is a
/// constant shift for stability, so detaching it does not change gradients.
pub(crate) fn softmax_last(x: &Tensor) -> Result<Tensor> {
    let m = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&m)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

struct Embeddings {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, c: &BertConfig) -> Result<Self> {
        Ok(Self {
            word: vb
                .pp("word_embeddings")
                .get((c.vocab_size, c.hidden_size), "weight")?,
            position: vb
                .pp("position_embeddings")
                .get((c.max_position_embeddings, c.hidden_size), "weight")?,
            token_type: vb
                .pp("token_type_embeddings")
                .get((c.type_vocab_size, c.hidden_size), "weight")?,
            norm: LayerNorm::load(vb.pp("LayerNorm"), c.hidden_size, c.layer_norm_eps)?,
        })
    }

    fn forward(&self, ids: &Tensor, type_ids: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let h = self.word.dim(1)?;
        let words = self
            .word
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let types = self
            .token_type
            .index_select(&type_ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let pos = self.position.narrow(0, 0, t)?.unsqueeze(0)?;
        self.norm.forward(&(words + types)?.broadcast_add(&pos)?)
    }
}

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    inter: Linear,
    out: Linear,
    out_norm: LayerNorm,
    heads: usize,
}

impl Layer {
    fn load(
        vb: VarBuilder,
        c: &BertConfig,
        lora: Option<(VarBuilder, LoraConfig)>,
    ) -> Result<Self> {
        let h = c.hidden_size;
        let att = vb.pp("attention");
        let sa = att.pp("self");
        let mut q = Linear::load(sa.pp("query"), h, h)?;
        let mut v = Linear::load(sa.pp("value"), h, h)?;
        if let Some((lvb, lc)) = lora {
            q = q.with_lora(lvb.pp("query"), lc)?;
            v = v.with_lora(lvb.pp("value"), lc)?;
        }
        Ok(Self {
            q,
            k: Linear::load(sa.pp("key"), h, h)?,
            v,
            attn_out: Linear::load(att.pp("output").pp("dense"), h, h)?,
            attn_norm: LayerNorm::load(att.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            inter: Linear::load(vb.pp("intermediate").pp("dense"), h, c.intermediate_size)?,
            out: Linear::load(vb.pp("output").pp("dense"), c.intermediate_size, h)?,
            out_norm: LayerNorm::load(vb.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            heads: c.num_attention_heads,
        })
    }

    /// `x`: (batch, tokens, hidden); `bias`: (batch, 1, 1, tokens) additive mask.
    fn forward(&self, x: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let dh = h / self.heads;
        let split = |y: Tensor| -> Result<Tensor> {
            y.reshape((b, t, self.heads, dh))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.q.forward(x)?)?;
        let k = split(self.k.forward(x)?)?;
        let v = split(self.v.forward(x)?)?;
        let scores =
            (q.matmul(&k.t()?.contiguous()?)? / (dh as f64).sqrt())?.broadcast_add(bias)?;
        let ctx = softmax_last(&scores)?
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, t, h))?;
        let x = self
            .attn_norm
            .forward(&(self.attn_out.forward(&ctx)? + x)?)?;
        let ff = self.inter.forward(&x)?.gelu_erf()?;
        self.out_norm.forward(&(self.out.forward(&ff)? + x)?)
    }
}

/// The BERT encoder: embeddings and transformer layers (no pooler: sentence
/// embeddings mean-pool the last hidden states instead).
pub struct BertModel {
    embeddings: Embeddings,
    layers: Vec<Layer>,
}

impl BertModel {
    /// Builds the model from `vb` (checkpoint names without a `bert.` prefix);
    /// with `lora`, adds adapters whose variables come from the second builder.
    ///
    /// # Errors
    /// A missing or mis-shaped weight.
    pub fn load(
        vb: VarBuilder,
        c: &BertConfig,
        lora: Option<(VarBuilder, LoraConfig)>,
    ) -> Result<Self> {
        let embeddings = Embeddings::load(vb.pp("embeddings"), c)?;
        let layers = (0..c.num_hidden_layers)
            .map(|i| {
                let l = lora
                    .as_ref()
                    .map(|(v, lc)| (v.pp(format!("layer.{i}")), *lc));
                Layer::load(vb.pp(format!("encoder.layer.{i}")), c, l)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { embeddings, layers })
    }

    /// Last hidden states (batch, tokens, hidden) for `ids` and `mask`
    /// (both (batch, tokens), u32; mask 1 = token, 0 = padding).
    ///
    /// # Errors
    /// Shape mismatches, sequences longer than the position table.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let type_ids = ids.zeros_like()?;
        // Padding gets a large negative score; -1e4 like the original BERT
        // code keeps exp() finite while making the weight exactly zero in f32.
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e4)?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let mut x = self.embeddings.forward(ids, &type_ids)?;
        for layer in &self.layers {
            x = layer.forward(&x, &bias)?;
        }
        Ok(x)
    }
}

/// Mean of the hidden states over the mask, then L2-normalised
/// (sentence-transformers' `Pooling(mean)` + `Normalize`).
///
/// # Errors
/// Shape mismatches.
pub fn mean_pool_normalize(hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let sum = hidden.broadcast_mul(&m)?.sum(1)?;
    let count = m.sum(1)?.clamp(1e-9, f64::MAX)?;
    let mean = sum.broadcast_div(&count)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norm)
}
