//! The facade's error type.

use crate::ModelKind;

/// Errors from parsing model specs and building forecasters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model name the registry does not know.
    #[error("unknown model '{0}'; valid models: {names}", names = ModelKind::valid_names())]
    UnknownModel(String),
    /// A parameter that does not parse or is out of range.
    #[error("invalid parameter '{value}' for model '{model}': {reason} (usage: {usage})")]
    BadParameter {
        /// The model's name.
        model: &'static str,
        /// The parameter as given.
        value: String,
        /// Why it was rejected.
        reason: String,
        /// The model's usage, e.g. `seasonal_naive[:season_length]`.
        usage: String,
    },
    /// An empty model list.
    #[error("no model given; valid models: {names}", names = ModelKind::valid_names())]
    NoModels,
    /// The same model twice (each model is one output column).
    #[error("model '{0}' is listed twice")]
    DuplicateModel(String),
    /// A season length of zero reached the builder.
    #[error("season length must be at least 1")]
    ZeroSeason,
    /// The `auto` model could not be set up.
    #[error(transparent)]
    Eval(#[from] demandcast_eval::EvalError),
    /// A model failed to fit or to forecast.
    #[error("model {model} failed to {stage}")]
    ModelFailed {
        /// The model's column name.
        model: String,
        /// `fit` or `forecast`.
        stage: &'static str,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A model's constructor rejected its configuration.
    #[error(transparent)]
    Model(#[from] demandcast_core::Error),
}

/// Result alias with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
