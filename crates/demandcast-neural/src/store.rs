//! Model and adapter directories on disk, and atomic writes.
//!
//! A model directory holds `config.json` ([`TsfmConfig`]) and
//! `model.safetensors`. An adapter directory holds `adapter.json`
//! ([`AdapterMeta`]) and `adapter.safetensors`: for `lora` only the low-rank
//! matrices (loaded over the base), for `full` a complete set of weights.

use crate::config::TsfmConfig;
use crate::model::{default_device, Tsfm};
use crate::nn::LoraSpec;
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The weight file of a model directory.
pub const WEIGHTS: &str = "model.safetensors";
/// The configuration file of a model directory.
pub const CONFIG: &str = "config.json";
/// The description file of an adapter directory.
pub const ADAPTER_META: &str = "adapter.json";
/// The weight file of an adapter directory.
pub const ADAPTER_WEIGHTS: &str = "adapter.safetensors";
/// Environment variable naming the model directory.
pub const MODEL_DIR_ENV: &str = "DEMANDCAST_MODEL_DIR";

/// How an adapter was fine-tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FinetuneMode {
    /// Every weight (or every weight above the frozen layers) was trained; the adapter is a full model.
    Full,
    /// Low-rank adapters on the encoder's linear layers; the base stays frozen.
    Lora,
}

/// `adapter.json`: what an adapter holds and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterMeta {
    /// Full weights or LoRA matrices.
    pub mode: FinetuneMode,
    /// LoRA rank (0 for full).
    pub rank: usize,
    /// LoRA alpha (0 for full).
    pub alpha: f64,
    /// The base model's configuration (checked when loading over a base).
    pub config: TsfmConfig,
    /// Training summary (steps, best validation loss...), free-form.
    #[serde(default)]
    pub summary: serde_json::Value,
}

/// The model directory to use: `explicit`, else `$DEMANDCAST_MODEL_DIR`, else
/// `models/tsfm` of the source tree this binary was built from, else
/// `models/tsfm` next to the executable. Weights are not embedded in the
/// binary (`include_bytes!`): that would make every build depend on the
/// weight file and a retrained model would need a rebuild.
pub fn resolve_model_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os(MODEL_DIR_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/tsfm");
    if src.join(WEIGHTS).exists() {
        return src;
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        let p = dir.join("models/tsfm");
        if p.join(WEIGHTS).exists() {
            return p;
        }
    }
    src
}

/// Reads `config.json` of a model directory.
///
/// # Errors
/// A missing or invalid file.
pub fn read_config(dir: &Path) -> Result<TsfmConfig> {
    let p = dir.join(CONFIG);
    let text = std::fs::read_to_string(&p).map_err(|e| Error::Model {
        path: p.display().to_string(),
        message: format!("{e} (set --model-dir or {MODEL_DIR_ENV})"),
    })?;
    let cfg: TsfmConfig = serde_json::from_str(&text).map_err(|e| Error::Model {
        path: p.display().to_string(),
        message: e.to_string(),
    })?;
    cfg.validate()?;
    Ok(cfg)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that an
/// interrupted write never leaves a truncated file behind.
///
/// # Errors
/// I/O failures.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Saves named tensors as safetensors, atomically.
///
/// # Errors
/// Serialisation or I/O failures.
pub fn save_tensors(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let tmp = path.with_extension("tmp");
    candle_core::safetensors::save(tensors, &tmp)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Loads safetensors into named tensors on `dev`.
///
/// # Errors
/// A missing or malformed file.
pub fn load_tensors(path: &Path, dev: &Device) -> Result<HashMap<String, Tensor>> {
    candle_core::safetensors::load(path, dev).map_err(|e| Error::Model {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// A loaded model ready to forecast: the base weights, with an adapter applied if given.
pub struct LoadedModel {
    /// The network.
    pub model: Tsfm,
    /// Its configuration.
    pub config: TsfmConfig,
    /// The device it runs on.
    pub device: Device,
    /// Whether it reads the panel's covariates (false for an adapter
    /// fine-tuned with them switched off, the ablation of `finetune --no-covariates`).
    pub use_covariates: bool,
    /// Multiplies every output (mean and quantiles): an adapter's level
    /// correction measured on its validation window ([`LEVEL_KEY`]), 1 for
    /// the base model.
    pub level: f32,
    /// Per forecast step, the level correction along the horizon (steps past
    /// its end take its last value); empty: `level` at every step.
    pub level_curve: Vec<f32>,
    /// Whether the adapter was fine-tuned with product text embeddings (its
    /// text input means something only then).
    pub text: bool,
    /// The factors the adapter's training windows were adjusted by (`None`
    /// for the base model and for adapters made before they were recorded).
    pub factors: Option<Factors>,
}

/// Key, in an adapter's summary, of the factors its training windows were
/// adjusted by ([`Factors`]).
pub const FACTORS_KEY: &str = "factors";

/// Which multiplicative factors an adapter's training windows were divided
/// by (the forecaster's `weekday`, `events` and `promotions` switches), so
/// that forecasting with it can warn when a switch differs: the model then
/// reads contexts unlike those it was fine-tuned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors {
    /// Day-of-week index (daily data).
    pub weekday: bool,
    /// Benefit-day and event factors (daily data).
    pub events: bool,
    /// Promotion lifts (data with promotion columns).
    pub promotions: bool,
}

/// Key of the level correction in an adapter's summary.
pub const LEVEL_KEY: &str = "level";

/// Key of the level correction per forecast step in an adapter's summary.
pub const LEVEL_CURVE_KEY: &str = "level_curve";

/// Key, in an adapter's summary, of whether it was fine-tuned with text embeddings.
pub const TEXT_KEY: &str = "text";

impl LoadedModel {
    /// The level correction of forecast step `j` (0 = the first).
    pub fn level_at(&self, j: usize) -> f32 {
        match self.level_curve.len() {
            0 => self.level,
            n => self.level_curve[j.min(n - 1)],
        }
    }
}

/// Reads an adapter's `adapter.json`.
///
/// # Errors
/// A missing or unreadable file.
pub fn read_adapter_meta(adapter: &Path) -> Result<AdapterMeta> {
    let mp = adapter.join(ADAPTER_META);
    let text = std::fs::read_to_string(&mp).map_err(|e| Error::io(&mp, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Model {
        path: mp.display().to_string(),
        message: e.to_string(),
    })
}

impl AdapterMeta {
    /// Whether the adapter was fine-tuned with product text embeddings.
    pub fn reads_text(&self) -> bool {
        self.summary.get(TEXT_KEY) == Some(&serde_json::Value::Bool(true))
    }

    /// The factors its training windows were adjusted by ([`FACTORS_KEY`]),
    /// if recorded.
    pub fn factors(&self) -> Option<Factors> {
        self.summary
            .get(FACTORS_KEY)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// The level correction per forecast step ([`LEVEL_CURVE_KEY`]; its
    /// finite positive values), empty when the adapter has none.
    pub fn level_curve(&self) -> Vec<f32> {
        self.summary
            .get(LEVEL_CURVE_KEY)
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_f64)
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .map(|v| v as f32)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Loads the model in `dir`, with the adapter in `adapter` applied over it.
///
/// # Errors
/// Missing files, or an adapter made for another configuration.
pub fn load_model(dir: &Path, adapter: Option<&Path>) -> Result<LoadedModel> {
    let cfg = read_config(dir)?;
    let dev = default_device();
    let base = load_tensors(&dir.join(WEIGHTS), &dev)?;
    let mut use_covariates = true;
    let mut level = 1.0f32;
    let mut level_curve = Vec::new();
    let mut with_text = false;
    let mut factors = None;
    let model = match adapter {
        None => Tsfm::new(&cfg, VarBuilder::from_tensors(base, DType::F32, &dev), None)?,
        Some(a) => {
            let meta = read_adapter_meta(a)?;
            if meta.config != cfg {
                return Err(Error::Model {
                    path: a.display().to_string(),
                    message: format!(
                        "adapter was made for another base model than {}",
                        dir.display()
                    ),
                });
            }
            use_covariates =
                meta.summary.get("covariates") != Some(&serde_json::Value::Bool(false));
            level = meta
                .summary
                .get(LEVEL_KEY)
                .and_then(serde_json::Value::as_f64)
                .filter(|v| v.is_finite() && *v > 0.0)
                .unwrap_or(1.0) as f32;
            level_curve = meta.level_curve();
            with_text = meta.reads_text();
            factors = meta.factors();
            let w = load_tensors(&a.join(ADAPTER_WEIGHTS), &dev)?;
            match meta.mode {
                FinetuneMode::Full => {
                    Tsfm::new(&cfg, VarBuilder::from_tensors(w, DType::F32, &dev), None)?
                }
                FinetuneMode::Lora => Tsfm::new(
                    &cfg,
                    VarBuilder::from_tensors(base, DType::F32, &dev),
                    Some((
                        VarBuilder::from_tensors(w, DType::F32, &dev),
                        LoraSpec {
                            rank: meta.rank,
                            alpha: meta.alpha,
                        },
                    )),
                )?,
            }
        }
    };
    Ok(LoadedModel {
        model,
        config: cfg,
        device: dev,
        use_covariates,
        level,
        level_curve,
        text: with_text,
        factors,
    })
}
