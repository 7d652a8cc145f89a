//! Errors of the decision layer.

/// What can go wrong when turning forecasts into orders.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// A setting is out of range (lead time 0, service level 120 %...).
    #[error("invalid setting: {0}")]
    Config(String),
    /// An input value is unusable (negative stock, NaN forecast...).
    #[error("invalid input: {0}")]
    Input(String),
    /// The backtest does not hold what the replay needs.
    #[error("backtest: {0}")]
    Backtest(String),
}

/// Result with [`DecideError`].
pub type Result<T> = std::result::Result<T, DecideError>;
