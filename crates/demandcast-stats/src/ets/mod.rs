//! Exponential smoothing state-space models (being written).
