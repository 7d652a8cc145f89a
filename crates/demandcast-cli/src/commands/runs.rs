//! `demandcast runs`: the runs recorded in a store, newest first, and the
//! models kept in it.

use crate::cli::RunsArgs;
use anyhow::Result;
use demandcast_store::Store;
use std::{io::Write, process::ExitCode};

/// Prints one line per run to stdout.
pub fn run(a: RunsArgs) -> Result<ExitCode> {
    if !a.db.is_file() {
        return Err(crate::error::UsageError::err(
            format!("--db {}: no such store", a.db.display()),
            Some("record a run first: demandcast forecast ... --db FILE, or through demandcast serve"),
        ));
    }
    let store = Store::open(&a.db)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>5}  {:<20}  {:<8}  {:<24}  {:>7}  {:>3}  {:>8}  models",
        "id", "created (UTC)", "kind", "source", "series", "h", "seconds"
    )?;
    for r in store.runs(a.limit)? {
        writeln!(
            out,
            "{:>5}  {:<20}  {:<8}  {:<24}  {:>7}  {:>3}  {:>8.1}  {}",
            r.id,
            r.created,
            r.kind,
            r.source,
            r.n_series,
            r.horizon,
            r.seconds,
            r.models.join(",")
        )?;
    }
    let models = store.models()?;
    if !models.is_empty() {
        writeln!(
            out,
            "\nstored models (forecast --db {} --stored-model NAME):",
            a.db.display()
        )?;
        for m in models {
            writeln!(
                out,
                "  {:<24}  {:<20}  {:>4} files  {:>10} bytes  {}",
                m.name, m.created, m.files, m.bytes, m.summary
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
