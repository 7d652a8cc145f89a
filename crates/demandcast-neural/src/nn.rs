//! Layers built from differentiable candle ops for training.
//!
//! candle-nn's fused `LayerNorm` and `softmax_last_dim` have no backward pass:
//! their outputs are silently detached, so nothing below them would train (see
//! `shared/design/ml-notes.md`). The composites here cost a few more kernel
//! launches but every weight receives a gradient; `tests/gradients.rs` checks it.
//! Where nothing needs a gradient (inference with frozen weights), the fused
//! kernels run instead.

use candle_core::{DType, Module, Tensor, D};
use candle_nn::{init::Init, VarBuilder};

/// LoRA settings: rank and scaling `alpha / rank`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraSpec {
    /// Rank of the update `B·A`.
    pub rank: usize,
    /// Scale numerator: the update is multiplied by `alpha / rank`.
    pub alpha: f64,
}

/// A linear layer `x·Wᵀ + b`, optionally with a LoRA update `scale·x·Aᵀ·Bᵀ`.
#[derive(Debug, Clone)]
pub struct Lin {
    w: Tensor,
    b: Tensor,
    lora: Option<(Tensor, Tensor, f64)>,
}

impl Lin {
    /// Loads (or initialises) `weight` (out × in) and `bias` under `vb`; with
    /// `lora`, also `lora_a` (rank × in, random) and `lora_b` (out × rank, zero)
    /// from `lvb`, so that the adapted layer starts equal to the base.
    pub fn new(
        vb: &VarBuilder,
        in_dim: usize,
        out_dim: usize,
        lora: Option<(&VarBuilder, LoraSpec)>,
    ) -> candle_core::Result<Self> {
        let std = (1.0 / in_dim as f64).sqrt();
        let w = vb.get_with_hints(
            (out_dim, in_dim),
            "weight",
            Init::Randn {
                mean: 0.0,
                stdev: std,
            },
        )?;
        let b = vb.get_with_hints(out_dim, "bias", Init::Const(0.0))?;
        let lora = match lora {
            Some((lvb, spec)) => {
                let a = lvb.get_with_hints(
                    (spec.rank, in_dim),
                    "lora_a",
                    Init::Randn {
                        mean: 0.0,
                        stdev: std,
                    },
                )?;
                let bb = lvb.get_with_hints((out_dim, spec.rank), "lora_b", Init::Const(0.0))?;
                Some((a, bb, spec.alpha / spec.rank as f64))
            }
            None => None,
        };
        Ok(Self { w, b, lora })
    }

    /// Applies the layer to the last dimension of `x` (any rank >= 2).
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let dims = x.dims().to_vec();
        let in_dim = dims[dims.len() - 1];
        let rows: usize = dims[..dims.len() - 1].iter().product();
        let x2 = x.reshape((rows, in_dim))?;
        let mut y = x2.matmul(&self.w.t()?)?.broadcast_add(&self.b)?;
        if let Some((a, b, scale)) = &self.lora {
            let u = x2.matmul(&a.t()?)?.matmul(&b.t()?)?;
            y = (y + (u * *scale)?)?;
        }
        let mut out = dims;
        let last = out.len() - 1;
        out[last] = self.w.dim(0)?;
        y.reshape(out)
    }
}

/// Layer normalisation over the last dimension, composed of differentiable ops.
#[derive(Debug, Clone)]
pub struct Norm {
    g: Tensor,
    b: Tensor,
}

impl Norm {
    /// Loads (or initialises to 1 and 0) `weight` and `bias` of width `dim`.
    pub fn new(vb: &VarBuilder, dim: usize) -> candle_core::Result<Self> {
        Ok(Self {
            g: vb.get_with_hints(dim, "weight", Init::Const(1.0))?,
            b: vb.get_with_hints(dim, "bias", Init::Const(0.0))?,
        })
    }

    /// Normalises `x` over its last dimension. Where nothing needs a
    /// gradient (inference with frozen weights), candle's fused kernel runs
    /// instead: one pass instead of seven.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        if !(x.track_op() || self.g.track_op() || self.b.track_op()) {
            return candle_nn::ops::layer_norm(x, &self.g, &self.b, 1e-5);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        let xn = xc.broadcast_div(&(var + 1e-5)?.sqrt()?)?;
        xn.broadcast_mul(&self.g)?.broadcast_add(&self.b)
    }
}

/// Softmax over the last dimension from differentiable ops (the max is
/// subtracted, detached, for stability; it cancels in the gradient).
/// Where nothing needs a gradient, candle's fused kernel runs instead.
pub fn softmax(x: &Tensor) -> candle_core::Result<Tensor> {
    if !x.track_op() {
        return candle_nn::ops::softmax_last_dim(x);
    }
    let m = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&m)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

/// `log(1 + exp(x))`, computed stably as `relu(x) + log(1 + exp(-|x|))`.
pub fn softplus(x: &Tensor) -> candle_core::Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// Inverted dropout (`candle_nn::ops::dropout` is a mask product, differentiable).
pub fn dropout(x: &Tensor, p: f32, train: bool) -> candle_core::Result<Tensor> {
    if train && p > 0.0 {
        candle_nn::ops::dropout(x, p)
    } else {
        Ok(x.clone())
    }
}

/// Redraws the randomly initialised variables of `varmap` from a generator
/// seeded with `seed`, in name order, so that a run's initial weights are
/// reproducible: candle's CPU device cannot be seeded, and its `Init::Randn`
/// draws differ run to run. Every random matrix here is N(0, 0.02)
/// (embeddings, positions) or N(0, 1/fan-in) (linear layers, LoRA `A`); the
/// standard deviation of each is read back from the first draw and snapped
/// to the nearer of the two, so the redraw keeps the design. Constant
/// variables (biases, norms, LoRA `B`) are left as they are.
pub fn reseed(varmap: &candle_nn::VarMap, seed: u64) -> candle_core::Result<()> {
    use rand::SeedableRng;
    use rand_distr::Distribution;
    let data = varmap
        .data()
        .lock()
        .map_err(|_| candle_core::Error::Msg("variable map lock poisoned".into()))?;
    let mut named: Vec<(&String, &candle_core::Var)> = data.iter().collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for (_, var) in named {
        let t = var.as_tensor();
        if t.rank() < 2 {
            continue;
        }
        let v: Vec<f32> = t.flatten_all()?.to_vec1()?;
        let n = v.len() as f64;
        let mean = v.iter().map(|x| *x as f64).sum::<f64>() / n;
        let sd = (v.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        if sd == 0.0 {
            continue;
        }
        let fan_in = t.dims().last().copied().unwrap_or(1).max(1) as f64;
        let (a, b) = (0.02, (1.0 / fan_in).sqrt());
        let std = if (sd - a).abs() <= (sd - b).abs() {
            a
        } else {
            b
        };
        let normal = rand_distr::Normal::new(0.0f32, std as f32)
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let draw: Vec<f32> = (0..v.len()).map(|_| normal.sample(&mut rng)).collect();
        var.set(&Tensor::from_vec(draw, t.shape(), t.device())?)?;
    }
    Ok(())
}

/// A residual MLP block, `Lin(in→hid) → GELU → Lin(hid→out) + Lin(in→out)`,
/// the patch embedding and output head of TimesFM / Chronos-Bolt.
#[derive(Debug, Clone)]
pub struct ResMlp {
    hidden: Lin,
    out: Lin,
    skip: Lin,
}

impl ResMlp {
    /// Loads (or initialises) the three layers under `vb`.
    pub fn new(
        vb: &VarBuilder,
        in_dim: usize,
        hid: usize,
        out: usize,
    ) -> candle_core::Result<Self> {
        Ok(Self {
            hidden: Lin::new(&vb.pp("hidden"), in_dim, hid, None)?,
            out: Lin::new(&vb.pp("out"), hid, out, None)?,
            skip: Lin::new(&vb.pp("skip"), in_dim, out, None)?,
        })
    }

    /// Applies the block (dropout on the hidden layer during training).
    pub fn forward(&self, x: &Tensor, p: f32, train: bool) -> candle_core::Result<Tensor> {
        let h = dropout(&self.hidden.forward(x)?.gelu_erf()?, p, train)?;
        self.out.forward(&h)? + self.skip.forward(x)?
    }
}

/// An embedding table read with `index_select` (which has a backward pass).
#[derive(Debug, Clone)]
pub struct Embed {
    table: Tensor,
}

impl Embed {
    /// Loads (or initialises, N(0, 0.02)) `weight` of shape (n × dim).
    pub fn new(vb: &VarBuilder, n: usize, dim: usize) -> candle_core::Result<Self> {
        Ok(Self {
            table: vb.get_with_hints(
                (n, dim),
                "weight",
                Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )?,
        })
    }

    /// Rows for `ids` (u32, any shape): output shape `ids.shape + (dim,)`.
    pub fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let dims = ids.dims().to_vec();
        let flat = ids.flatten_all()?.to_dtype(DType::U32)?;
        let rows = self.table.index_select(&flat, 0)?;
        let mut out = dims;
        out.push(self.table.dim(1)?);
        rows.reshape(out)
    }
}

impl Module for Norm {
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        Norm::forward(self, xs)
    }
}

#[cfg(test)]
mod tests {
    use super::{softmax, Norm};
    use candle_core::{Device, Tensor, Var};

    /// Two models built with candle's unseeded draws come out equal after
    /// `reseed` with one seed, different with another, and keep each
    /// matrix's design (0.02 for embeddings, 1/sqrt(fan-in) for linear layers).
    #[test]
    fn reseed_makes_initial_weights_reproducible() -> candle_core::Result<()> {
        use candle_nn::{VarBuilder, VarMap};
        let build = |seed: u64| -> candle_core::Result<Vec<(String, Vec<f32>)>> {
            let vm = VarMap::new();
            let vb = VarBuilder::from_varmap(&vm, candle_core::DType::F32, &Device::Cpu);
            super::Lin::new(&vb.pp("lin"), 400, 64, None)?;
            super::Embed::new(&vb.pp("emb"), 300, 64)?;
            super::reseed(&vm, seed)?;
            let data = vm
                .data()
                .lock()
                .map_err(|_| candle_core::Error::Msg("lock".into()))?;
            let mut out: Vec<(String, Vec<f32>)> = data
                .iter()
                .map(|(k, v)| Ok((k.clone(), v.as_tensor().flatten_all()?.to_vec1()?)))
                .collect::<candle_core::Result<_>>()?;
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        };
        let (a, b, c) = (build(7)?, build(7)?, build(8)?);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let sd = |v: &[f32]| (v.iter().map(|x| x * x).sum::<f32>() / v.len() as f32).sqrt();
        for (name, v) in &a {
            match name.as_str() {
                "emb.weight" => assert!((sd(v) - 0.02).abs() < 0.002, "{name} {}", sd(v)),
                "lin.weight" => assert!((sd(v) - 0.05).abs() < 0.003, "{name} {}", sd(v)),
                "lin.bias" => assert!(v.iter().all(|x| *x == 0.0)),
                _ => {}
            }
        }
        Ok(())
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        let d = (a - b).and_then(|d| d.abs()).and_then(|d| d.flatten_all());
        d.and_then(|d| d.max(0))
            .and_then(|m| m.to_scalar::<f32>())
            .unwrap_or(f32::INFINITY)
    }

    /// The fused inference kernels agree with the differentiable composites.
    #[test]
    fn fused_inference_paths_match_the_trainable_ones() -> candle_core::Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 3.0, (4, 5, 32), &dev)?;
        let g = Tensor::randn(1f32, 0.5, 32, &dev)?;
        let b = Tensor::randn(0f32, 0.5, 32, &dev)?;
        let frozen = Norm {
            g: g.clone(),
            b: b.clone(),
        };
        let trainable = Norm {
            g: Var::from_tensor(&g)?.as_tensor().clone(),
            b: Var::from_tensor(&b)?.as_tensor().clone(),
        };
        let fused = frozen.forward(&x)?;
        assert!(!fused.track_op());
        let composite = trainable.forward(&x)?;
        assert!(composite.track_op());
        assert!(
            max_diff(&fused, &composite) < 1e-4,
            "{}",
            max_diff(&fused, &composite)
        );

        let xv = Var::from_tensor(&x)?;
        let (fs, cs) = (softmax(&x)?, softmax(xv.as_tensor())?);
        assert!(cs.track_op());
        assert!(max_diff(&fs, &cs) < 1e-6, "{}", max_diff(&fs, &cs));
        Ok(())
    }
}
