//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The MiniLM folder: `$DEMANDCAST_MINILM_DIR` or `../shared/models/all-MiniLM-L6-v2`
/// relative to the repository root. Panics with a clear message if absent:
/// the weights are part of the environment, like CI's.
pub fn model_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = demandcast_text::default_model_dir(&root);
    assert!(
        dir.join("model.safetensors").is_file(),
        "MiniLM weights not found in {}: set DEMANDCAST_MINILM_DIR to the all-MiniLM-L6-v2 folder",
        dir.display()
    );
    dir
}
