//! Flags and settings of the text commands (`embed`, `finetune-text`) and of
//! cold-start forecasting in `forecast --catalog`.

use crate::error::UsageError;
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// Where the MiniLM model and the embedding cache are.
#[derive(Debug, Clone, Args)]
pub struct TextModelArgs {
    /// Folder of the sentence encoder (all-MiniLM-L6-v2: config.json, tokenizer.json,
    /// model.safetensors) [default: $DEMANDCAST_MINILM_DIR, else ../shared/models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR")]
    pub text_model: Option<PathBuf>,
    /// Embedding cache file (vectors keyed by a hash of text and model)
    /// [default: $XDG_CACHE_HOME/demandcast/embeddings.bin, else ~/.cache/...].
    #[arg(long, value_name = "FILE")]
    pub embedding_cache: Option<PathBuf>,
    /// Texts per encoder batch (padded to the batch's longest text).
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub text_batch_size: usize,
}

/// Cold-start flags of `forecast` (used when --catalog lists products without history).
#[derive(Debug, Clone, Args)]
pub struct ColdStartArgs {
    /// Text model and cache.
    #[command(flatten)]
    pub text: TextModelArgs,
    /// Where to write each new product's analogues (CSV)
    /// [default: next to --output, `<name>.analogues.csv`].
    #[arg(long, value_name = "FILE")]
    pub analogues_output: Option<PathBuf>,
    /// Number of analogues listed per new product.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub show_analogues: usize,
    /// A text regressor from `demandcast finetune-text`: new products also get
    /// its forecast (column `TextRegressor`: its launch total, spread over the
    /// periods as the analogue forecast is).
    #[arg(long, value_name = "DIR")]
    pub text_regressor: Option<PathBuf>,
}

/// `demandcast embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Product catalogue (CSV or Parquet): id column plus title / description / text.
    #[arg(long, value_name = "FILE")]
    pub catalog: PathBuf,
    /// Column holding the product id.
    #[arg(long, default_value = "unique_id", value_name = "NAME")]
    pub id_col: String,
    /// Output table: `unique_id, text_0 .. text_383` (.parquet or .csv).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Text model and cache.
    #[command(flatten)]
    pub text: TextModelArgs,
    /// Threads for the encoder [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Fine-tuning mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FinetuneMode {
    /// Every encoder weight and the head.
    Full,
    /// Low-rank adapters on attention query/value, and the head.
    Lora,
    /// The head only (frozen encoder): a quick baseline.
    Head,
}

/// Resolved text model settings.
#[derive(Debug, Clone)]
pub struct TextModelSettings {
    /// Model folder.
    pub model_dir: PathBuf,
    /// Cache file.
    pub cache: PathBuf,
    /// Batch size.
    pub batch_size: usize,
}

impl TextModelSettings {
    /// The sentence encoder of this folder, with `threads` threads.
    ///
    /// # Errors
    /// Missing or unreadable model files, naming the folder.
    pub fn encoder(&self, threads: usize) -> Result<demandcast_text::TextEncoder> {
        let o = demandcast_text::EncoderOptions {
            threads,
            batch_size: self.batch_size,
            ..Default::default()
        };
        demandcast_text::TextEncoder::load(&self.model_dir, o).map_err(|e| {
            anyhow::anyhow!(
                "cannot load the text encoder in {}: {e}",
                self.model_dir.display()
            )
        })
    }
}

/// Resolved `embed`.
#[derive(Debug, Clone)]
pub struct EmbedSettings {
    /// Catalogue.
    pub catalog: PathBuf,
    /// Id column.
    pub id_col: String,
    /// Output table.
    pub output: PathBuf,
    /// Model and cache.
    pub text: TextModelSettings,
    /// Encoder threads.
    pub threads: usize,
}

/// Resolved cold-start settings.
#[derive(Debug, Clone)]
pub struct ColdStartSettings {
    /// Model and cache.
    pub text: TextModelSettings,
    /// Analogues CSV (None: derived from --output, or not written for stdout).
    pub analogues_output: Option<PathBuf>,
    /// Analogues listed per product.
    pub show_analogues: usize,
    /// Fine-tuned text regressor folder.
    pub text_regressor: Option<PathBuf>,
}

/// Resolves the model folder and cache path.
pub fn text_model(a: TextModelArgs) -> Result<TextModelSettings> {
    if a.text_batch_size == 0 {
        return Err(UsageError::err(
            "--text-batch-size must be at least 1",
            None,
        ));
    }
    let model_dir = match a.text_model {
        Some(d) => d,
        None => {
            // The current folder's ../shared (a checkout's root), else the
            // one beside the source tree this binary was built from.
            let here = demandcast_text::default_model_dir(Path::new("."));
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            if here.join("config.json").is_file() {
                here
            } else {
                demandcast_text::default_model_dir(&src)
            }
        }
    };
    let cache = a.embedding_cache.unwrap_or_else(default_cache);
    Ok(TextModelSettings {
        model_dir,
        cache,
        batch_size: a.text_batch_size,
    })
}

fn default_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("demandcast").join("embeddings.bin")
}

/// Resolves `embed` flags.
pub fn embed(a: EmbedArgs) -> Result<EmbedSettings> {
    if !a.catalog.is_file() {
        return Err(UsageError::err(
            format!("--catalog {}: no such file", a.catalog.display()),
            None,
        ));
    }
    let ext_ok = {
        let n = a.output.to_string_lossy().to_ascii_lowercase();
        n.ends_with(".parquet") || n.ends_with(".csv")
    };
    if !ext_ok {
        return Err(UsageError::err(
            format!(
                "--output {}: use a .parquet or .csv file",
                a.output.display()
            ),
            None,
        ));
    }
    Ok(EmbedSettings {
        catalog: a.catalog,
        id_col: a.id_col,
        output: a.output,
        text: text_model(a.text)?,
        threads: threads(a.threads),
    })
}

/// Resolves the cold-start flags of `forecast`.
pub fn cold_start(a: ColdStartArgs) -> Result<ColdStartSettings> {
    Ok(ColdStartSettings {
        text: text_model(a.text)?,
        analogues_output: a.analogues_output,
        show_analogues: a.show_analogues,
        text_regressor: match a.text_regressor {
            Some(d) if !d.join("regressor.json").is_file() => {
                return Err(UsageError::err(
                    format!("--text-regressor {}: no regressor.json there", d.display()),
                    Some("train one first: demandcast finetune-text --input ... --catalog ... --output DIR"),
                ))
            }
            d => d,
        },
    })
}

/// `--threads`, else every core.
pub fn threads(t: Option<usize>) -> usize {
    t.filter(|n| *n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// `demandcast finetune-text`.
#[derive(Debug, Args)]
pub struct FinetuneTextArgs {
    /// Input table (sales history): launch windows become the training targets.
    #[command(flatten)]
    pub input: crate::cli::InputArgs,
    /// Product catalogue with the texts (and launch_price, used as an input).
    #[arg(long, value_name = "FILE")]
    pub catalog: PathBuf,
    /// What to train: full (every encoder weight), lora (adapters), head (frozen encoder).
    #[arg(long, value_enum, default_value_t = FinetuneMode::Lora)]
    pub mode: FinetuneMode,
    /// Launch window in periods: the target is ln(1 + units in the first H periods).
    #[arg(long, default_value_t = 8, value_name = "H")]
    pub horizon: usize,
    /// Most epochs (early stopping on the validation split may end sooner).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub epochs: usize,
    /// Examples per step.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub batch_size: usize,
    /// Learning rate of the encoder (full) or adapters (lora).
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Share of products held out for validation.
    #[arg(long, default_value_t = 0.2, value_name = "FRACTION")]
    pub validation: f64,
    /// Epochs without improvement before stopping.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub patience: usize,
    /// Stop after this many steps (a quick trial).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<usize>,
    /// Only products whose launch is in the data (else also established products,
    /// with their level-based launch equivalent).
    #[arg(long)]
    pub observed_only: bool,
    /// Output folder: weights.safetensors, regressor.json, report.json.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Text model and cache.
    #[command(flatten)]
    pub text: TextModelArgs,
    /// Threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}
