//! Tables and their versions (`PRAGMA user_version`).
//!
//! Arrays of values (a series' history, a forecast's means and bounds) are
//! JSON arrays in one cell per series and model: a run of 6,000 series is
//! then tens of thousands of rows, not millions, and stays readable with the
//! `sqlite3` shell. Missing values are JSON `null`.

use crate::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

/// The schema this build writes.
pub(crate) const VERSION: i64 = 3;

const V1: &str = "
CREATE TABLE runs (
    id        INTEGER PRIMARY KEY,
    created   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL,
    freq      TEXT NOT NULL,
    horizon   INTEGER NOT NULL,
    n_series  INTEGER NOT NULL,
    models    TEXT NOT NULL,
    levels    TEXT NOT NULL,
    seconds   REAL NOT NULL,
    params    TEXT NOT NULL,
    notes     TEXT NOT NULL
);
CREATE TABLE series (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    pos        INTEGER NOT NULL,
    unique_id  TEXT NOT NULL,
    hist_start TEXT,
    history    TEXT NOT NULL,
    PRIMARY KEY (run_id, unique_id)
);
CREATE INDEX series_pos ON series (run_id, pos);
CREATE TABLE forecasts (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_pos  INTEGER NOT NULL,
    model      TEXT NOT NULL,
    unique_id  TEXT NOT NULL,
    start      TEXT NOT NULL,
    mean       TEXT NOT NULL,
    intervals  TEXT NOT NULL,
    PRIMARY KEY (run_id, unique_id, model_pos)
);
";

/// Version 2: fitted models, each a folder of files (a LightGBM model's
/// manifest and boosters) kept as blobs.
const V2: &str = "
CREATE TABLE models (
    name     TEXT PRIMARY KEY,
    created  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    kind     TEXT NOT NULL,
    summary  TEXT NOT NULL
);
CREATE TABLE model_files (
    model  TEXT NOT NULL REFERENCES models(name) ON DELETE CASCADE,
    path   TEXT NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (model, path)
);
";

/// Version 3: a run's report (a backtest's ranked metrics), as JSON.
const V3: &str = "ALTER TABLE runs ADD COLUMN report TEXT;";

/// The statements that take a store from version `i` to `i + 1`.
const STEPS: [&str; 3] = [V1, V2, V3];

/// Creates the tables of a new store, or checks an existing one's version.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let file = || path.to_path_buf();
    let sql = Error::sql(path);
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| Error::Open {
            path: file(),
            reason: e.to_string(),
        })?;
    if found > VERSION {
        return Err(Error::Newer {
            path: file(),
            found,
            supported: VERSION,
        });
    }
    if found == VERSION {
        return Ok(());
    }
    if found == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(sql)?;
        if tables > 0 {
            return Err(Error::Open {
                path: file(),
                reason: "the file is an SQLite database with other tables, not a demandcast store"
                    .into(),
            });
        }
    }
    // One transaction for every step: an interrupted upgrade leaves the old version.
    let tx = conn.transaction().map_err(sql)?;
    for step in &STEPS[found.max(0) as usize..] {
        tx.execute_batch(step).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(sql)?;
    tx.commit().map_err(sql)?;
    tracing::debug!(
        from = found,
        to = VERSION,
        "store tables created or upgraded"
    );
    Ok(())
}
