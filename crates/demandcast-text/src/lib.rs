//! # demandcast-text
//!
//! Product text as a demand signal.
//!
//! * [`TextEncoder`]: all-MiniLM-L6-v2 (a 6-layer BERT) in candle with the
//!   `tokenizers` crate, mean pooling and L2 norm, matching
//!   sentence-transformers to ~1e-7. Batches are padded to their longest text;
//!   the thread count is explicit. Weights come from a local folder
//!   ([`default_model_dir`]), never from a hub.
//! * [`EmbeddingCache`]: embeddings keyed by a hash of text and model, saved
//!   atomically, so a catalogue is embedded once.
//! * [`bert`]: the encoder written with differentiable composite ops (candle's
//!   fused LayerNorm/softmax have no backward pass), shared by inference and
//!   fine-tuning.
//! * [`coldstart`]: forecasts for products without history from their nearest
//!   analogues by text (aligned on launches, scaled by price), with parameters
//!   chosen by a backtest on recent launches.
//! * [`TextProjection`] / [`with_text_covariates`]: embeddings as a few static
//!   covariates of global models.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod bert;
mod cache;
pub mod coldstart;
mod encoder;
mod error;
pub mod finetune;
mod io;
mod statics;

pub use cache::{cache_key, EmbeddingCache};
pub use encoder::{default_model_dir, EncoderOptions, TextEncoder, MODEL_DIR_ENV};
pub use error::{Error, Result};
pub use io::{read_embeddings, write_embeddings, EmbeddingTable};
pub use statics::{with_text_covariates, TextProjection};
