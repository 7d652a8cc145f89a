//! Helpers shared by the end-to-end tests of the `demandcast` binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args`.
pub fn demandcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The run's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as `&str` (temp paths are UTF-8).
pub fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}
