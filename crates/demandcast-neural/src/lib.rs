//! # demandcast-neural
//!
//! demandcast's own pretrained time-series transformer, `tsfm`: instance
//! scaling, patching, a transformer encoder and a direct multi-horizon
//! quantile head (Chronos-Bolt / PatchTST / TimesFM family), with per-step
//! known-future covariates (relative price, promotions, events, calendar) and
//! static covariates (hashed category embeddings and a slot for a text
//! embedding). It is the only crate that depends on candle.
//!
//! * [`pretrain`]: pretraining on synthetic series generated on the fly
//!   ([`synth`]) plus real non-benchmark series ([`corpus`]), resumable.
//! * [`TsfmForecaster`]: zero-shot (or fine-tuned) forecasting of a panel,
//!   batched, with an explicit thread count.
//! * [`finetune()`]: full or LoRA fine-tuning on a user's panel with a validation
//!   window and early stopping.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod config;
pub mod corpus;
pub mod dayindex;
mod error;
pub mod features;
pub mod model;
pub mod nn;
pub mod optim;
pub mod pretrain;
pub mod store;
pub mod synth;
pub mod train;
pub mod weekday;
pub mod window;

pub use config::TsfmConfig;
pub use error::{Error, Result};
pub use pretrain::{pretrain, PretrainConfig};
pub mod forecaster;
pub mod panel;
pub mod promoindex;

pub use forecaster::TsfmForecaster;
pub mod finetune;
pub use finetune::{finetune, FinetuneOptions};
