//! Error classification: exit codes and `hint:` lines.
//!
//! Commands return `anyhow::Error`; here we look through the cause chain for
//! the typed errors underneath to decide whether the user can fix it (bad
//! flags or bad data: exit 2, with a hint) or something failed at run time
//! (exit 1).

use std::fmt;

/// A mistake in what the user asked for, found while resolving settings.
#[derive(Debug)]
pub struct UsageError {
    message: String,
    hint: Option<String>,
}

impl UsageError {
    /// An error with a message and an optional fix.
    pub fn err(message: impl Into<String>, hint: Option<&str>) -> anyhow::Error {
        anyhow::Error::new(Self {
            message: message.into(),
            hint: hint.map(str::to_string),
        })
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// 2 when the input or the flags are at fault, else 1 (including I/O
/// failures: a disk that is full is not the data's fault).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use demandcast::data::Error as DataError;
    let user_fault = err.chain().any(|c| {
        c.is::<UsageError>()
            || c.is::<demandcast::Error>()
            || c.downcast_ref::<DataError>()
                .is_some_and(|e| !matches!(e, DataError::Io { .. } | DataError::Write { .. }))
    });
    if user_fault {
        2
    } else {
        1
    }
}

/// Suggestions for fixing `err`, one per line.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut out = Vec::new();
    for cause in err.chain() {
        if let Some(u) = cause.downcast_ref::<UsageError>() {
            out.extend(u.hint.clone());
        } else if let Some(e) = cause.downcast_ref::<demandcast::Error>() {
            out.extend(facade_hint(e));
        } else if let Some(e) = cause.downcast_ref::<demandcast::data::Error>() {
            out.extend(crate::data_hints::hint(e));
        }
    }
    out.dedup();
    out
}

fn facade_hint(e: &demandcast::Error) -> Option<String> {
    match e {
        demandcast::Error::UnknownModel(_) | demandcast::Error::NoModels => {
            Some("`demandcast models` lists every model with its parameters".into())
        }
        demandcast::Error::DuplicateModel(_) => {
            Some("list each model once; give two variants different parameters, e.g. seasonal_naive:7,seasonal_naive:364".into())
        }
        _ => None,
    }
}

/// Whether the error is a closed stdout (`demandcast ... -o - | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(broken)
            // csv::Error keeps its I/O error in its kind, not in `source()`.
            || c.downcast_ref::<csv::Error>().is_some_and(|e| match e.kind() {
                csv::ErrorKind::Io(io) => broken(io),
                _ => false,
            })
    })
}
