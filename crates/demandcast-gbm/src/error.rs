//! The gbm crate's error type.

use std::path::PathBuf;

/// What can go wrong fitting, predicting, saving or loading the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GbmError {
    /// A bad `key=value` parameter.
    #[error("lightgbm parameter {0}")]
    Param(String),
    /// Feature construction failed (missing future covariates...).
    #[error(transparent)]
    Features(#[from] demandcast_features::Error),
    /// LightGBM itself failed.
    #[error("LightGBM: {0}")]
    LightGbm(String),
    /// A model file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A saved model that cannot be used.
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A request the fitted model cannot serve (levels or horizon it was not fitted for...).
    #[error("{0}")]
    Usage(String),
}

impl From<lightgbm3::Error> for GbmError {
    fn from(e: lightgbm3::Error) -> Self {
        GbmError::LightGbm(e.to_string())
    }
}

impl GbmError {
    /// As a core error of model `model`, for the `Forecaster` traits.
    pub fn into_core(self, model: &str) -> demandcast_core::Error {
        demandcast_core::Error::Fit {
            model: model.to_string(),
            reason: self.to_string(),
        }
    }
}

/// Result alias with [`GbmError`].
pub type Result<T, E = GbmError> = std::result::Result<T, E>;
