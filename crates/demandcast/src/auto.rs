//! The `auto` model: the eval crate's per-series choice among the
//! statistical models.

use crate::{BuildOptions, Result};
use demandcast_core::Forecaster;

/// Builds the auto-selecting forecaster named `alias`.
pub(crate) fn build(alias: String, opts: &BuildOptions) -> Result<Box<dyn Forecaster>> {
    todo!("{alias} {opts:?}")
}
