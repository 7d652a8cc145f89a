//! Data loading (being written).
