//! The model's architecture, stored as `config.json` next to the weights.

use crate::features::N_STEP_FEATURES;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Architecture of the time-series transformer (the `config.json` of a model directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TsfmConfig {
    /// Longest context read, in periods (a multiple of `patch_len`).
    pub context_len: usize,
    /// Periods per patch (token).
    pub patch_len: usize,
    /// Periods forecast in one pass (a multiple of `patch_len`); longer
    /// horizons are rolled out by feeding the median back.
    pub horizon_len: usize,
    /// Width of the token embeddings.
    pub d_model: usize,
    /// Number of encoder layers.
    pub n_layers: usize,
    /// Attention heads per layer (divides `d_model`).
    pub n_heads: usize,
    /// Width of the feed-forward blocks.
    pub d_ff: usize,
    /// Dropout probability during training.
    pub dropout: f32,
    /// Quantile levels of the head, ascending, in (0, 1).
    pub quantiles: Vec<f32>,
    /// Hash buckets for static categorical attributes (store, category...).
    pub n_static_buckets: usize,
    /// Static attribute slots read per series (more are ignored, fewer are padded).
    pub n_static_slots: usize,
    /// Width of the optional text-embedding vector (MiniLM: 384).
    pub text_dim: usize,
    /// Per-step input features (calendar, price, promotion, events); fixed by the crate.
    pub n_step_features: usize,
}

impl Default for TsfmConfig {
    fn default() -> Self {
        Self {
            context_len: 512,
            patch_len: 64,
            horizon_len: 64,
            d_model: 128,
            n_layers: 4,
            n_heads: 4,
            d_ff: 256,
            dropout: 0.05,
            quantiles: vec![
                0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99,
            ],
            n_static_buckets: 1024,
            n_static_slots: 6,
            text_dim: 384,
            n_step_features: N_STEP_FEATURES,
        }
    }
}

impl TsfmConfig {
    /// A tiny configuration for tests (fast on one thread).
    pub fn tiny() -> Self {
        Self {
            context_len: 64,
            patch_len: 16,
            horizon_len: 32,
            d_model: 32,
            n_layers: 2,
            n_heads: 2,
            d_ff: 64,
            n_static_buckets: 64,
            text_dim: 8,
            ..Self::default()
        }
    }

    /// Context patches (tokens).
    pub fn n_ctx_patches(&self) -> usize {
        self.context_len / self.patch_len
    }

    /// Horizon patches (tokens).
    pub fn n_fut_patches(&self) -> usize {
        self.horizon_len / self.patch_len
    }

    /// Index of the median in `quantiles` (the closest level to 0.5).
    pub fn median_index(&self) -> usize {
        let mut best = 0;
        for (i, q) in self.quantiles.iter().enumerate() {
            if (q - 0.5).abs() < (self.quantiles[best] - 0.5).abs() {
                best = i;
            }
        }
        best
    }

    /// Checks the invariants the model relies on.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first violated one.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.patch_len == 0 || !self.context_len.is_multiple_of(self.patch_len) {
            return bad(format!(
                "context_len {} must be a positive multiple of patch_len {}",
                self.context_len, self.patch_len
            ));
        }
        if self.horizon_len == 0 || !self.horizon_len.is_multiple_of(self.patch_len) {
            return bad(format!(
                "horizon_len {} must be a positive multiple of patch_len {}",
                self.horizon_len, self.patch_len
            ));
        }
        if self.n_heads == 0 || !self.d_model.is_multiple_of(self.n_heads) {
            return bad(format!(
                "d_model {} must be divisible by n_heads {}",
                self.d_model, self.n_heads
            ));
        }
        if self.quantiles.len() < 2
            || self.quantiles.windows(2).any(|w| w[1] <= w[0])
            || self.quantiles.iter().any(|&q| q <= 0.0 || q >= 1.0)
        {
            return bad("quantiles must be at least two levels, ascending, in (0, 1)".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        if self.n_step_features != N_STEP_FEATURES {
            return bad(format!(
                "n_step_features {} differs from this build's {}",
                self.n_step_features, N_STEP_FEATURES
            ));
        }
        Ok(())
    }
}
