//! Errors of the feature engine.

/// What can go wrong building features.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A covariate the model was trained with has no future values for a series.
    #[error(
        "covariate '{column}' has {got} future value(s) for series '{id}' but {needed} are needed; \
         give them with --future (one row per series and forecast date)"
    )]
    MissingFuture {
        /// The covariate.
        column: String,
        /// The series.
        id: String,
        /// Steps needed.
        needed: usize,
        /// Steps available.
        got: usize,
    },
    /// Future covariates that start after the first forecast date.
    #[error("future covariates for series '{id}' start on {start}, after the first forecast date {first}")]
    FutureGap {
        /// The series.
        id: String,
        /// Their start.
        start: demandcast_core::NaiveDate,
        /// The first forecast date.
        first: demandcast_core::NaiveDate,
    },
    /// A covariate the model was trained with is not in the panel.
    #[error("the model was trained with covariate '{0}', which the data does not have")]
    MissingCovariate(String),
    /// Nothing to train on.
    #[error("no training rows: {0}")]
    NoRows(String),
}

/// Result alias with the feature [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
