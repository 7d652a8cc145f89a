//! Progress bars on stderr for long work (fitting thousands of series).
//!
//! Bars are drawn only when stderr is a terminal and `--quiet` is off, so
//! logs and CI output stay clean.

use demandcast::core::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Makes bars, or hidden ones, according to the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Bars {
    visible: bool,
}

impl Bars {
    /// Visible unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Self {
        Self {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A bar over `len` units (series), labelled `msg`.
    pub fn bar(&self, len: u64, msg: impl Into<String>) -> Bar {
        let pb = ProgressBar::with_draw_target(Some(len), self.target());
        // The template is a constant; fall back to the default style if it ever fails to parse.
        let style = ProgressStyle::with_template(
            "{msg:>24} [{bar:30}] {pos}/{len} series ({elapsed}, eta {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        pb.set_style(style);
        pb.set_message(msg.into());
        Bar(pb)
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }
}

/// One progress bar; implements the core's [`Progress`] so models can tick it.
#[derive(Debug, Clone)]
pub struct Bar(ProgressBar);

impl Bar {
    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }

    /// Changes the label.
    pub fn set_message(&self, msg: impl Into<String>) {
        self.0.set_message(msg.into());
    }
}

impl Progress for Bar {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

impl demandcast::ModelProgress for Bar {
    fn stage(&self, msg: &str) {
        self.set_message(msg);
    }
    fn finish(&self) {
        Bar::finish(self);
    }
}

/// Reports a run's progress on the terminal: a bar per model, notes and
/// warnings as the other commands print them, also kept in `keep` when
/// given (for the run's record in a store).
#[derive(Debug, Clone, Copy)]
pub struct UiObserver<'a> {
    /// Where to print.
    pub ui: &'a crate::ui::Ui,
    /// Where to keep the notes too.
    pub keep: Option<&'a demandcast::CollectNotes>,
}

impl demandcast::RunObserver for UiObserver<'_> {
    fn model_started(
        &self,
        model: &str,
        n_series: usize,
    ) -> Box<dyn demandcast::ModelProgress + '_> {
        Box::new(
            self.ui
                .bars()
                .bar(n_series as u64, format!("fitting {model}")),
        )
    }
    fn note(&self, msg: String) {
        self.ui.note(&msg);
        if let Some(k) = self.keep {
            k.note(msg);
        }
    }
    fn warn(&self, msg: String) {
        self.ui.warn(&msg);
        if let Some(k) = self.keep {
            k.warn(msg);
        }
    }
}
