//! The sentence encoder: tokenizer + BERT + mean pooling + L2 norm.

use crate::bert::{mean_pool_normalize, BertConfig, BertModel};
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Environment variable naming the MiniLM folder (overrides the default).
pub const MODEL_DIR_ENV: &str = "DEMANDCAST_MINILM_DIR";

/// Where the MiniLM files are looked for: `$DEMANDCAST_MINILM_DIR`, else
/// `../shared/models/all-MiniLM-L6-v2` relative to `root` (the repository root
/// in this project's layout). The weights are part of the environment and are
/// never downloaded.
pub fn default_model_dir(root: &Path) -> PathBuf {
    match std::env::var_os(MODEL_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => root.join("../shared/models/all-MiniLM-L6-v2"),
    }
}

/// Options of [`TextEncoder::load`].
#[derive(Debug, Clone, PartialEq)]
pub struct EncoderOptions {
    /// Threads for the matrix products (candle runs on its own pool of this size).
    pub threads: usize,
    /// Texts per forward pass; each batch is padded to its longest text only.
    pub batch_size: usize,
    /// Longest token sequence kept (sentence-transformers uses 256 for MiniLM).
    pub max_tokens: usize,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        Self {
            threads: 1,
            batch_size: 32,
            max_tokens: 256,
        }
    }
}

/// A loaded MiniLM-style sentence encoder. `embed` maps texts to unit-length
/// vectors of [`TextEncoder::dim`] floats.
pub struct TextEncoder {
    tokenizer: Tokenizer,
    model: BertModel,
    config: BertConfig,
    pool: rayon::ThreadPool,
    opts: EncoderOptions,
    model_id: String,
    device: Device,
}

fn file(dir: &Path, name: &str) -> Result<PathBuf> {
    let p = dir.join(name);
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::ModelFiles {
            dir: dir.to_path_buf(),
            message: format!(
                "{name} not found; point --model-dir (or ${MODEL_DIR_ENV}) at a folder with \
                 config.json, tokenizer.json and model.safetensors of all-MiniLM-L6-v2"
            ),
        })
    }
}

impl TextEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`. The tokenizer's fixed padding to 128 is replaced by
    /// padding to the longest text of each batch.
    ///
    /// # Errors
    /// [`Error::ModelFiles`] for missing or unreadable files, [`Error::Candle`].
    pub fn load(dir: &Path, opts: EncoderOptions) -> Result<Self> {
        let cfg_path = file(dir, "config.json")?;
        let tok_path = file(dir, "tokenizer.json")?;
        let w_path = file(dir, "model.safetensors")?;
        let config: BertConfig =
            serde_json::from_slice(&std::fs::read(&cfg_path)?).map_err(|e| Error::ModelFiles {
                dir: dir.to_path_buf(),
                message: format!("config.json: {e}"),
            })?;
        let mut tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| Error::ModelFiles {
            dir: dir.to_path_buf(),
            message: format!("tokenizer.json: {e}"),
        })?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: opts.max_tokens.min(config.max_position_embeddings),
                ..Default::default()
            }))
            .map_err(|e| Error::ModelFiles {
                dir: dir.to_path_buf(),
                message: format!("tokenizer truncation: {e}"),
            })?;
        // Read (not memory-mapped: the workspace forbids `unsafe`); the same
        // bytes give the model's fingerprint.
        let weights = std::fs::read(&w_path)?;
        let model_id = fingerprint(&[
            &std::fs::read(&cfg_path)?,
            &std::fs::read(&tok_path)?,
            &weights,
        ]);
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vb, &config, None)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.max(1))
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start {} threads: {e}", opts.threads)))?;
        tracing::info!(dir = %dir.display(), model_id = %&model_id[..12], "text encoder loaded");
        Ok(Self {
            tokenizer,
            model,
            config,
            pool,
            opts,
            model_id,
            device,
        })
    }

    /// Embedding width (384 for MiniLM-L6).
    pub fn dim(&self) -> usize {
        self.config.hidden_size
    }

    /// A hash of the model's files: part of every cache key, so that a cache
    /// built with other weights is never reused.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The model configuration.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// The tokenizer (padding to the batch's longest text).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Token ids of one text, with `[CLS]` and `[SEP]`.
    ///
    /// # Errors
    /// [`Error::Tokenizer`].
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Embeds `texts` in batches of `batch_size`, calling `progress` with the
    /// number of texts done after each batch. Returns one unit vector per text.
    ///
    /// # Errors
    /// [`Error::Tokenizer`], [`Error::Candle`].
    pub fn embed_with_progress(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.opts.batch_size.max(1)) {
            let rows = self.pool.install(|| self.embed_batch(chunk))?;
            out.extend(rows);
            progress(out.len());
        }
        Ok(out)
    }

    /// Embeds `texts`: see [`TextEncoder::embed_with_progress`].
    ///
    /// # Errors
    /// [`Error::Tokenizer`], [`Error::Candle`].
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embed_with_progress(texts, &mut |_| {})
    }

    /// Token ids and mask of a batch as (batch, longest) u32 tensors.
    ///
    /// # Errors
    /// [`Error::Tokenizer`], [`Error::Candle`].
    pub fn batch_tensors(&self, texts: &[&str]) -> Result<(Tensor, Tensor)> {
        let encs = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let t = encs.first().map_or(0, |e| e.get_ids().len());
        let ids: Vec<u32> = encs.iter().flat_map(|e| e.get_ids().to_vec()).collect();
        let mask: Vec<u32> = encs
            .iter()
            .flat_map(|e| e.get_attention_mask().to_vec())
            .collect();
        let b = encs.len();
        Ok((
            Tensor::from_vec(ids, (b, t), &self.device)?,
            Tensor::from_vec(mask, (b, t), &self.device)?,
        ))
    }

    /// The BERT model (for fine-tuning code that shares the loaded weights).
    pub fn model(&self) -> &BertModel {
        &self.model
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, mask) = self.batch_tensors(texts)?;
        let hidden = self.model.forward(&ids, &mask)?;
        Ok(mean_pool_normalize(&hidden, &mask)?.to_vec2::<f32>()?)
    }
}

/// SHA-256 over the files' bytes, hex.
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    format!("{:x}", h.finalize())
}
