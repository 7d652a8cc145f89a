//! The evaluation error type.

/// Errors raised by backtests, metrics and automatic model choice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A backtest or scoring setting that cannot work (h = 0, no windows...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A forecast table whose parts do not fit together.
    #[error("invalid forecast table: {0}")]
    Table(String),
    /// The M5 hierarchy could not be built (ids not like `FOODS_3_090_CA_1`, missing statics).
    #[error("M5 hierarchy: {0}")]
    Hierarchy(String),
    /// A covariate the metric needs (e.g. `sell_price` for WRMSSE weights) is missing.
    #[error("missing covariate '{0}' in the history panel")]
    MissingCovariate(String),
    /// A model failed in a way the evaluation cannot route around.
    #[error("model '{model}': {source}")]
    Model {
        /// The model's name.
        model: String,
        /// The underlying error.
        #[source]
        source: demandcast_core::Error,
    },
    /// A core error (panel construction and the like).
    #[error(transparent)]
    Core(#[from] demandcast_core::Error),
}

/// Result alias with [`EvalError`].
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

impl From<EvalError> for demandcast_core::Error {
    /// Lets [`crate::AutoSelect`] (a core `Forecaster`) surface evaluation errors.
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::Core(c) => c,
            EvalError::Model { source, .. } => source,
            other => demandcast_core::Error::Other(other.to_string()),
        }
    }
}
