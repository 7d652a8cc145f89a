//! The core error type.

/// Errors raised by core types and by models implementing the core traits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A prediction-interval level outside (0, 100).
    #[error("invalid level {0}: levels are percentages strictly between 0 and 100")]
    InvalidLevel(f64),
    /// A frequency alias that is not understood.
    #[error("unknown frequency '{0}' (expected e.g. D, W-SUN, W-MON, MS, ME, QS, YS)")]
    UnknownFreq(String),
    /// The frequency could not be inferred from the dates.
    #[error("cannot infer the frequency: {0}")]
    FreqInference(String),
    /// Panel parts that do not fit together.
    #[error("inconsistent panel: {0}")]
    InvalidPanel(String),
    /// A series too short for a model.
    #[error("series too short: model '{model}' needs at least {needed} observations, got {got}")]
    TooShort {
        /// The model's name.
        model: String,
        /// Observations the model needs.
        needed: usize,
        /// Observations the series has.
        got: usize,
    },
    /// A model was given input it cannot handle (e.g. NaN values).
    #[error("invalid input for model '{model}': {reason}")]
    InvalidInput {
        /// The model's name.
        model: String,
        /// Why the input is invalid.
        reason: String,
    },
    /// A numerical failure during fitting (optimiser diverged, singular system...).
    #[error("model '{model}' failed to fit: {reason}")]
    Fit {
        /// The model's name.
        model: String,
        /// What went wrong.
        reason: String,
    },
    /// A series failed inside a panel model; carries the series id.
    #[error("series '{id}': {source}")]
    Series {
        /// The series' unique_id.
        id: String,
        /// The underlying error.
        #[source]
        source: Box<Error>,
    },
    /// Anything else, with a message.
    #[error("{0}")]
    Other(String),
}

/// Result alias with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
