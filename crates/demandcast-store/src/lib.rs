//! # demandcast-store
//!
//! The embedded store of demandcast: every forecast run (what was asked, by
//! whom: the CLI or the HTTP API, how long it took), the recent history of
//! each series it forecast and every model's forecasts, and fitted models
//! (a saved LightGBM model's files), in one SQLite file. The dashboard plots
//! from it; `demandcast runs` lists it.
//!
//! A run is written in one transaction, so a run interrupted while it is
//! being saved leaves no half-written run behind; SQLite's write-ahead log
//! keeps readers (the server) and a writer (a CLI run) from blocking each
//! other.
//!
//! # Example
//! ```
//! use demandcast_core::{Forecast, Freq, NaiveDate, Panel, PanelForecast};
//! use demandcast_store::{NewRun, Store};
//!
//! let d0: NaiveDate = "2024-01-01".parse()?;
//! let panel = Panel::from_series(Freq::Daily, vec![("sku1".into(), d0, vec![1.0, 2.0, 3.0])])?;
//! let fc = PanelForecast {
//!     model: "Naive".into(),
//!     freq: Freq::Daily,
//!     ids: vec!["sku1".into()],
//!     starts: vec!["2024-01-04".parse()?],
//!     levels: vec![],
//!     series: vec![Forecast::point(vec![3.0, 3.0])],
//!     notes: vec![],
//! };
//! let mut store = Store::open_in_memory()?;
//! let id = store.record_run(&NewRun::new("forecast", "sales.csv", &panel, &[fc], 2))?;
//! let run = store.run(id)?.ok_or("no run")?;
//! assert_eq!((run.n_series, run.horizon, run.models.as_slice()), (1, 2, &["Naive".to_string()][..]));
//! let view = store.series(id, "sku1")?.ok_or("no series")?;
//! assert_eq!(view.forecasts[0].mean, vec![Some(3.0), Some(3.0)]);
//! assert_eq!(view.forecasts[0].ds[1], "2024-01-05");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod error;
mod models;
mod read;
mod schema;
mod write;

pub use error::{Error, Result};
pub use models::ModelSummary;
pub use read::{History, IntervalView, ModelView, RunSummary, SeriesList, SeriesView};
pub use write::NewRun;

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open store (one SQLite connection).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The file, `:memory:` for a store in memory (errors name it).
    file: PathBuf,
    in_memory: bool,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, creating or
    /// upgrading its tables.
    ///
    /// # Errors
    /// [`Error::Open`] when the file cannot be opened or is not a
    /// demandcast store; [`Error::Newer`] when a later demandcast wrote it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::Open {
                path: path.to_path_buf(),
                reason: format!("cannot create folder {}: {e}", parent.display()),
            })?;
        }
        let open_err = |e: rusqlite::Error| Error::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let conn = Connection::open(path).map_err(open_err)?;
        // WAL: a CLI run can write while the server reads.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        let mut s = Self {
            conn,
            file: path.to_path_buf(),
            in_memory: false,
        };
        s.prepare()?;
        Ok(s)
    }

    /// A store in memory (tests, one-off servers).
    ///
    /// # Errors
    /// When SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(|e| Error::Open {
            path: PathBuf::from(":memory:"),
            reason: e.to_string(),
        })?;
        let mut s = Self {
            conn,
            file: PathBuf::from(":memory:"),
            in_memory: true,
        };
        s.prepare()?;
        Ok(s)
    }

    /// The file behind the store; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        (!self.in_memory).then_some(self.file.as_path())
    }

    fn prepare(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.sql(e))?;
        schema::migrate(&mut self.conn, &self.file)
    }

    fn sql(&self, e: rusqlite::Error) -> Error {
        Error::sql(&self.file)(e)
    }
}
