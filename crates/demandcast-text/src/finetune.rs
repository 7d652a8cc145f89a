//! Fine-tuned text regression: MiniLM + a small head predicting a product's
//! launch demand (e.g. `ln(1 + units)` in its first weeks) from its text and
//! a few numeric inputs (log price...), trained end to end (`Full`), through
//! low-rank adapters (`Lora`), or on a frozen encoder (`Head`).
//!
//! Gradients flow through the encoder because [`crate::bert`] uses only
//! differentiable ops; `tests/finetune.rs` asserts every trainable weight
//! gets a non-zero gradient.

use crate::bert::{BertConfig, BertModel, LoraConfig};
use crate::{Error, Result, TextEncoder};
use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Init, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::Path;

/// What is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FinetuneMode {
    /// Every encoder weight and the head.
    Full,
    /// Adapters on attention query/value, and the head.
    Lora(LoraConfig),
    /// The head on a frozen encoder.
    Head,
}

/// One training example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Product text.
    pub text: String,
    /// Numeric inputs (e.g. log price), the same number for every example.
    pub extra: Vec<f32>,
    /// Target (e.g. log1p of launch units).
    pub target: f32,
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FinetuneOptions {
    /// What is trained.
    pub mode: FinetuneMode,
    /// Most epochs.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Learning rate of the encoder weights or adapters.
    pub lr_encoder: f64,
    /// Learning rate of the head.
    pub lr_head: f64,
    /// Share of examples held out for validation and early stopping.
    pub validation_fraction: f64,
    /// Stop after this many epochs without a better validation loss.
    pub patience: usize,
    /// Seed of the split, the shuffles and the head's initialisation.
    pub seed: u64,
    /// Stop after this many steps in all (for quick runs and tests).
    pub max_steps: Option<usize>,
}

impl Default for FinetuneOptions {
    fn default() -> Self {
        Self {
            mode: FinetuneMode::Lora(LoraConfig::default()),
            epochs: 4,
            batch_size: 16,
            lr_encoder: 5e-5,
            lr_head: 1e-3,
            validation_fraction: 0.2,
            patience: 1,
            seed: 17,
            max_steps: None,
        }
    }
}

/// Progress of one epoch.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpochReport {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean training loss (MSE on standardised targets).
    pub train_loss: f64,
    /// Validation loss (MSE on standardised targets).
    pub val_loss: f64,
    /// Whether this epoch is the best so far (kept).
    pub best: bool,
    /// Seconds the epoch took.
    pub seconds: f64,
}

const HIDDEN: usize = 64;

/// The regression head: `[embedding, extra] -> 64 -> GELU -> 1`.
struct Head {
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
}

impl Head {
    fn load(vb: VarBuilder, din: usize) -> candle_core::Result<Self> {
        let bound = 1.0 / (din as f64).sqrt();
        let u = |b: f64| Init::Uniform { lo: -b, up: b };
        Ok(Self {
            w1: vb.get_with_hints((HIDDEN, din), "w1", u(bound))?,
            b1: vb.get_with_hints(HIDDEN, "b1", Init::Const(0.0))?,
            w2: vb.get_with_hints((1, HIDDEN), "w2", u(1.0 / (HIDDEN as f64).sqrt()))?,
            b2: vb.get_with_hints(1, "b2", Init::Const(0.0))?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let h = x
            .matmul(&self.w1.t()?)?
            .broadcast_add(&self.b1)?
            .gelu_erf()?;
        h.matmul(&self.w2.t()?)?.broadcast_add(&self.b2)?.squeeze(1)
    }
}

/// Mean pooling and L2 norm without clamps (always >= 1 token), so that the
/// whole path is differentiable.
fn pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let mean = hidden
        .broadcast_mul(&m)?
        .sum(1)?
        .broadcast_div(&m.sum(1)?)?;
    let norm = (mean.sqr()?.sum_keepdim(1)? + 1e-12)?.sqrt()?;
    mean.broadcast_div(&norm)
}

/// Means and standard deviations of the extra inputs and the target.
struct Standardisation {
    extra_mean: Vec<f32>,
    extra_std: Vec<f32>,
    target_mean: f32,
    target_std: f32,
}

/// A trained text regressor.
pub struct TextRegressor {
    encoder: Option<BertModel>,
    head: Head,
    extra_mean: Vec<f32>,
    extra_std: Vec<f32>,
    target_mean: f32,
    target_std: f32,
    /// Trainable variables (encoder/adapters first, then the head).
    pub vars: Vec<Var>,
    /// Their names (`encoder.*`, `lora.*`, `head.*`), aligned with `vars`.
    pub names: Vec<String>,
    mode: FinetuneMode,
    device: Device,
}

fn standardise(cols: usize, rows: &[&[f32]]) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f32;
    let mut mean = vec![0.0; cols];
    let mut sd = vec![0.0; cols];
    for r in rows {
        for j in 0..cols {
            mean[j] += r[j] / n;
        }
    }
    for r in rows {
        for j in 0..cols {
            sd[j] += (r[j] - mean[j]).powi(2) / n;
        }
    }
    (mean, sd.into_iter().map(|v| v.sqrt().max(1e-6)).collect())
}

impl TextRegressor {
    /// Builds an untrained regressor on the encoder weights in `model_dir`
    /// for `mode`, with standardisation fitted on `train`.
    ///
    /// # Errors
    /// Missing model files, candle errors.
    pub fn new(model_dir: &Path, mode: FinetuneMode, train: &[Example], seed: u64) -> Result<Self> {
        let n_extra = train.first().map_or(0, |e| e.extra.len());
        let extras: Vec<&[f32]> = train.iter().map(|e| e.extra.as_slice()).collect();
        let (extra_mean, extra_std) = standardise(n_extra, &extras);
        let targets: Vec<&[f32]> = train
            .iter()
            .map(|e| std::slice::from_ref(&e.target))
            .collect();
        let (tm, ts) = standardise(1, &targets);
        let stats = Standardisation {
            extra_mean,
            extra_std,
            target_mean: tm[0],
            target_std: ts[0],
        };
        Self::build(model_dir, mode, stats, seed)
    }

    /// Loads a regressor saved by [`TextRegressor::save`] in `dir`, on the
    /// encoder weights in `model_dir` (the base of LoRA adapters and of the
    /// head-only mode).
    ///
    /// # Errors
    /// Missing or malformed files, or weights that do not match the saved
    /// mode, naming the folder.
    pub fn load(model_dir: &Path, dir: &Path) -> Result<Self> {
        let bad = |message: String| Error::ModelFiles {
            dir: dir.to_path_buf(),
            message,
        };
        let meta: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("regressor.json"))
                .map_err(|e| bad(format!("regressor.json: {e}")))?,
        )
        .map_err(|e| bad(format!("regressor.json: {e}")))?;
        let floats = |key: &str| -> Result<Vec<f32>> {
            meta[key]
                .as_array()
                .ok_or_else(|| bad(format!("regressor.json: no '{key}'")))?
                .iter()
                .map(|v| {
                    v.as_f64()
                        .map(|x| x as f32)
                        .ok_or_else(|| bad(format!("regressor.json: '{key}' holds a non-number")))
                })
                .collect()
        };
        let float = |key: &str| -> Result<f32> {
            meta[key]
                .as_f64()
                .map(|x| x as f32)
                .ok_or_else(|| bad(format!("regressor.json: no '{key}'")))
        };
        let mode_text = meta["mode"].as_str().unwrap_or_default();
        let mode = match mode_text.split(':').collect::<Vec<_>>().as_slice() {
            ["full"] => FinetuneMode::Full,
            ["head"] => FinetuneMode::Head,
            ["lora", r, a] => FinetuneMode::Lora(LoraConfig {
                rank: r
                    .parse()
                    .map_err(|_| bad(format!("regressor.json: mode '{mode_text}'")))?,
                alpha: a
                    .parse()
                    .map_err(|_| bad(format!("regressor.json: mode '{mode_text}'")))?,
            }),
            _ => return Err(bad(format!("regressor.json: unknown mode '{mode_text}'"))),
        };
        let stats = Standardisation {
            extra_mean: floats("extra_mean")?,
            extra_std: floats("extra_std")?,
            target_mean: float("target_mean")?,
            target_std: float("target_std")?,
        };
        let model = Self::build(model_dir, mode, stats, 0)?;
        let saved = candle_core::safetensors::load(dir.join("weights.safetensors"), &model.device)
            .map_err(|e| bad(format!("weights.safetensors: {e}")))?;
        if saved.len() != model.names.len() {
            return Err(bad(format!(
                "weights.safetensors holds {} tensors, the {mode_text} regressor has {}",
                saved.len(),
                model.names.len()
            )));
        }
        for (name, var) in model.names.iter().zip(&model.vars) {
            let t = saved
                .get(name)
                .ok_or_else(|| bad(format!("weights.safetensors: no tensor '{name}'")))?;
            var.set(t)
                .map_err(|e| bad(format!("weights.safetensors: '{name}': {e}")))?;
        }
        Ok(model)
    }

    /// The untrained model for `mode` with these standardisations.
    fn build(model_dir: &Path, mode: FinetuneMode, st: Standardisation, seed: u64) -> Result<Self> {
        let device = Device::Cpu;
        let config: BertConfig = serde_json::from_slice(&std::fs::read(
            model_dir.join("config.json"),
        )?)
        .map_err(|e| Error::ModelFiles {
            dir: model_dir.to_path_buf(),
            message: format!("config.json: {e}"),
        })?;
        let weights = model_dir.join("model.safetensors");
        let n_extra = st.extra_mean.len();
        let head_map = VarMap::new();
        let head = Head::load(
            VarBuilder::from_varmap(&head_map, DType::F32, &device),
            config.hidden_size + n_extra,
        )?;
        let (encoder, mut named) = match mode {
            FinetuneMode::Full => {
                let mut map = VarMap::new();
                let enc = BertModel::load(
                    VarBuilder::from_varmap(&map, DType::F32, &device),
                    &config,
                    None,
                )?;
                map.load(&weights)?;
                (Some(enc), named_vars(&map, "encoder.")?)
            }
            FinetuneMode::Lora(lc) => {
                let base = VarBuilder::from_buffered_safetensors(
                    std::fs::read(&weights)?,
                    DType::F32,
                    &device,
                )?;
                let map = VarMap::new();
                let enc = BertModel::load(
                    base,
                    &config,
                    Some((VarBuilder::from_varmap(&map, DType::F32, &device), lc)),
                )?;
                (Some(enc), named_vars(&map, "lora.")?)
            }
            FinetuneMode::Head => (None, Vec::new()),
        };
        named.extend(named_vars(&head_map, "head.")?);
        seeded_init(&named, seed)?;
        let (names, vars) = named.into_iter().unzip();
        Ok(Self {
            encoder,
            head,
            extra_mean: st.extra_mean,
            extra_std: st.extra_std,
            target_mean: st.target_mean,
            target_std: st.target_std,
            vars,
            names,
            mode,
            device,
        })
    }

    fn extra_tensor(&self, ex: &[&Example]) -> candle_core::Result<Tensor> {
        let k = self.extra_mean.len();
        let v: Vec<f32> = ex
            .iter()
            .flat_map(|e| (0..k).map(|j| (e.extra[j] - self.extra_mean[j]) / self.extra_std[j]))
            .collect();
        Tensor::from_vec(v, (ex.len(), k), &self.device)
    }

    /// Standardised predictions for a batch; `frozen` supplies precomputed
    /// embeddings in `Head` mode.
    fn forward(
        &self,
        enc: &TextEncoder,
        ex: &[&Example],
        frozen: Option<&Tensor>,
    ) -> Result<Tensor> {
        let emb = match (&self.encoder, frozen) {
            (Some(model), _) => {
                let texts: Vec<&str> = ex.iter().map(|e| e.text.as_str()).collect();
                let (ids, mask) = enc.batch_tensors(&texts)?;
                pool(&model.forward(&ids, &mask)?, &mask)?
            }
            (None, Some(t)) => t.clone(),
            (None, None) => {
                let texts: Vec<&str> = ex.iter().map(|e| e.text.as_str()).collect();
                let v: Vec<f32> = enc.embed(&texts)?.into_iter().flatten().collect();
                Tensor::from_vec(v, (ex.len(), enc.dim()), &self.device)?
            }
        };
        let x = if self.extra_mean.is_empty() {
            emb
        } else {
            Tensor::cat(&[&emb, &self.extra_tensor(ex)?], 1)?
        };
        Ok(self.head.forward(&x)?)
    }

    /// The loss (MSE on standardised targets) of a batch.
    ///
    /// # Errors
    /// Tokenizer and candle errors.
    pub fn loss(&self, enc: &TextEncoder, ex: &[&Example]) -> Result<Tensor> {
        let y: Vec<f32> = ex
            .iter()
            .map(|e| (e.target - self.target_mean) / self.target_std)
            .collect();
        let y = Tensor::from_vec(y, ex.len(), &self.device)?;
        let p = self.forward(enc, ex, None)?;
        Ok((p - y)?.sqr()?.mean(D::Minus1)?)
    }

    /// Predictions on the target's scale.
    ///
    /// # Errors
    /// Tokenizer and candle errors.
    pub fn predict(&self, enc: &TextEncoder, ex: &[Example]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(ex.len());
        for chunk in ex.chunks(64) {
            let refs: Vec<&Example> = chunk.iter().collect();
            let p = self.forward(enc, &refs, None)?.detach().to_vec1::<f32>()?;
            out.extend(
                p.into_iter()
                    .map(|v| v * self.target_std + self.target_mean),
            );
        }
        Ok(out)
    }

    /// Saves the trained weights (`weights.safetensors`: the whole encoder
    /// for `Full`, only the adapters for `Lora`, always the head) and
    /// `regressor.json` (mode, input and target standardisation) in `dir`,
    /// each through a temporary file and a rename.
    ///
    /// # Errors
    /// I/O and candle errors.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let tensors: std::collections::HashMap<String, Tensor> = self
            .names
            .iter()
            .cloned()
            .zip(self.vars.iter().map(|v| v.as_tensor().clone()))
            .collect();
        let tmp = dir.join("weights.safetensors.tmp");
        candle_core::safetensors::save(&tensors, &tmp)?;
        std::fs::rename(&tmp, dir.join("weights.safetensors"))?;
        let meta = serde_json::json!({
            "mode": match self.mode {
                FinetuneMode::Full => "full".to_string(),
                FinetuneMode::Lora(l) => format!("lora:{}:{}", l.rank, l.alpha),
                FinetuneMode::Head => "head".to_string(),
            },
            "extra_mean": self.extra_mean,
            "extra_std": self.extra_std,
            "target_mean": self.target_mean,
            "target_std": self.target_std,
            "head_hidden": HIDDEN,
        });
        let tmp = dir.join("regressor.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(&meta).map_err(|e| Error::Invalid(e.to_string()))?,
        )?;
        std::fs::rename(&tmp, dir.join("regressor.json"))?;
        Ok(())
    }

    fn snapshot(&self) -> Result<Vec<Tensor>> {
        Ok(self
            .vars
            .iter()
            .map(|v| v.as_tensor().copy())
            .collect::<candle_core::Result<_>>()?)
    }

    fn restore(&self, snap: &[Tensor]) -> Result<()> {
        for (v, t) in self.vars.iter().zip(snap) {
            v.set(t)?;
        }
        Ok(())
    }
}

/// Trains a regressor: a seeded validation split, AdamW (separate learning
/// rates for encoder and head), shuffled batches, validation after every
/// epoch, early stopping with `patience`, and the best epoch's weights kept.
///
/// # Errors
/// [`Error::Invalid`] with fewer than 10 examples or unequal extra inputs;
/// model and candle errors.
pub fn finetune(
    model_dir: &Path,
    encoder: &TextEncoder,
    examples: &[Example],
    o: &FinetuneOptions,
    on_epoch: &mut dyn FnMut(&EpochReport),
) -> Result<(TextRegressor, Vec<EpochReport>)> {
    if examples.len() < 10 {
        return Err(Error::Invalid(format!(
            "{} examples: fine-tuning needs at least 10",
            examples.len()
        )));
    }
    let k = examples[0].extra.len();
    if let Some(e) = examples.iter().find(|e| e.extra.len() != k) {
        return Err(Error::Invalid(format!(
            "example '{}' has {} extra inputs, not {k}",
            e.text,
            e.extra.len()
        )));
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(o.seed);
    let mut idx: Vec<usize> = (0..examples.len()).collect();
    idx.shuffle(&mut rng);
    let n_val = ((examples.len() as f64 * o.validation_fraction).round() as usize)
        .clamp(1, examples.len() - 1);
    let (val_idx, train_idx) = idx.split_at(n_val);
    let train: Vec<Example> = train_idx.iter().map(|&i| examples[i].clone()).collect();
    let val: Vec<&Example> = val_idx.iter().map(|&i| &examples[i]).collect();
    let model = TextRegressor::new(model_dir, o.mode, &train, o.seed)?;
    let n_head = 4;
    let split = model.vars.len() - n_head;
    let params = |lr| ParamsAdamW {
        lr,
        weight_decay: 0.01,
        ..Default::default()
    };
    let mut opt_enc = (split > 0)
        .then(|| AdamW::new(model.vars[..split].to_vec(), params(o.lr_encoder)))
        .transpose()?;
    let mut opt_head = AdamW::new(model.vars[split..].to_vec(), params(o.lr_head))?;
    let val_loss = |m: &TextRegressor| -> Result<f64> {
        let mut s = 0.0;
        for c in val.chunks(64) {
            s += m.loss(encoder, c)?.to_scalar::<f32>()? as f64 * c.len() as f64;
        }
        Ok(s / val.len() as f64)
    };
    let mut best = (val_loss(&model)?, model.snapshot()?);
    tracing::info!(
        train = train.len(),
        val = val.len(),
        initial_val_loss = best.0,
        "fine-tuning"
    );
    let mut reports = Vec::new();
    let mut since_best = 0;
    let mut steps = 0;
    let mut order: Vec<usize> = (0..train.len()).collect();
    'epochs: for epoch in 1..=o.epochs {
        let t0 = std::time::Instant::now();
        order.shuffle(&mut rng);
        let (mut tl, mut tn) = (0.0, 0usize);
        for b in order.chunks(o.batch_size.max(1)) {
            let batch: Vec<&Example> = b.iter().map(|&i| &train[i]).collect();
            let loss = model.loss(encoder, &batch)?;
            let grads = loss.backward()?;
            if let Some(opt) = opt_enc.as_mut() {
                opt.step(&grads)?;
            }
            opt_head.step(&grads)?;
            tl += loss.to_scalar::<f32>()? as f64 * batch.len() as f64;
            tn += batch.len();
            steps += 1;
            if o.max_steps.is_some_and(|m| steps >= m) {
                let r = epoch_end(
                    &model,
                    epoch,
                    tl / tn as f64,
                    val_loss(&model)?,
                    &mut best,
                    t0,
                )?;
                on_epoch(&r);
                reports.push(r);
                break 'epochs;
            }
        }
        let r = epoch_end(
            &model,
            epoch,
            tl / tn.max(1) as f64,
            val_loss(&model)?,
            &mut best,
            t0,
        )?;
        on_epoch(&r);
        since_best = if r.best { 0 } else { since_best + 1 };
        reports.push(r);
        if since_best > o.patience {
            break;
        }
    }
    model.restore(&best.1)?;
    Ok((model, reports))
}

/// Draws the randomly initialised variables (the head's weight matrices
/// and the LoRA `A` matrices: uniform in +-1/sqrt(fan-in), as their
/// builders do) from a generator seeded with `seed`, in name order: candle's
/// CPU device cannot be seeded, so its own draws would differ run to run.
fn seeded_init(named: &[(String, Var)], seed: u64) -> Result<()> {
    use rand::Rng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for (name, var) in named {
        let random = name.ends_with(".w1") || name.ends_with(".w2") || name.ends_with("lora_a");
        if !random {
            continue;
        }
        let (rows, cols) = var.as_tensor().dims2()?;
        let bound = 1.0 / (cols as f32).sqrt();
        let v: Vec<f32> = (0..rows * cols)
            .map(|_| rng.random_range(-bound..bound))
            .collect();
        var.set(&Tensor::from_vec(v, (rows, cols), var.device())?)?;
    }
    Ok(())
}

/// A VarMap's variables with their names, sorted by name.
fn named_vars(map: &VarMap, prefix: &str) -> Result<Vec<(String, Var)>> {
    let d = map
        .data()
        .lock()
        .map_err(|_| Error::Invalid("variable map lock poisoned".into()))?;
    let mut v: Vec<(String, Var)> = d
        .iter()
        .map(|(k, v)| (format!("{prefix}{k}"), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

fn epoch_end(
    model: &TextRegressor,
    epoch: usize,
    train_loss: f64,
    val_loss: f64,
    best: &mut (f64, Vec<Tensor>),
    t0: std::time::Instant,
) -> Result<EpochReport> {
    let is_best = val_loss < best.0;
    if is_best {
        *best = (val_loss, model.snapshot()?);
    }
    Ok(EpochReport {
        epoch,
        train_loss,
        val_loss,
        best: is_best,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
