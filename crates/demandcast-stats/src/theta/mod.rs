//! Theta models (being written).
