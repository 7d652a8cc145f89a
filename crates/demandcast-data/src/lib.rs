//! # demandcast-data
//!
//! Reading and validating the files retail demand planners have: long-format
//! sales histories as Nixtla's statsforecast expects them (`unique_id`, `ds`,
//! `y`, plus any covariate columns), known-future covariates, product
//! catalogues, and the raw M5 competition files. Writers produce the same
//! long format.
//!
//! * [`load_panel`] — history -> validated [`Panel`] plus warnings ([`Loaded`]);
//! * [`load_future`] — future covariates for the forecast horizon;
//! * [`load_catalog`] — product text, attributes and planned launches;
//! * [`write_panel`] / [`write_future`] — long format, CSV or Parquet;
//! * [`write_forecasts`] — forecasts of several models side by side, Nixtla's long CSV;
//! * [`m5::import`] — the M5 wide files -> panel + future covariates.
//!
//! ## Files
//!
//! CSV (`.csv`, `.tsv`, optionally gzipped — detected by content too) or
//! Parquet (`.parquet`, or any file starting with `PAR1`). CSV delimiters
//! `,` `;` tab `|` are detected from the header; in `;`-separated files a
//! decimal comma (`1,5`) is accepted. Cells are trimmed; a UTF-8 BOM is
//! removed; text that is not valid UTF-8 is read as Latin-1 (with a
//! warning). Parquet columns may be Int8–64, UInt8–64, Float16/32/64,
//! Decimal, Boolean, Utf8/LargeUtf8/Utf8View, Dictionary, Date32/Date64 and
//! Timestamp (naive or UTC); columns of other types are ignored with a
//! warning (an error if the column is required).
//!
//! ## Columns
//!
//! * `id_col` (string or integer), `time_col` and `target_col` are required;
//!   a missing one is an [`Error::MissingColumn`] listing the columns found.
//! * Dates: `YYYY-MM-DD`, or `YYYY-MM-DD 00:00:00` (also with `T`, fractional
//!   zero seconds, `Z`); any other time of day is an error (daily or coarser
//!   data only). Parquet `date32`/`date64`/timestamps at midnight.
//! * The target may be integer or float.
//! * **Numeric columns become covariates** ([`Panel::covariates`]). In CSV a
//!   column is numeric when its non-missing cells parse as numbers
//!   (`true`/`false` read as 1/0); if a minority of its cells do not parse,
//!   those cells are errors naming their rows. Missing cells (empty, `NA`,
//!   `N/A`, `NaN`, `null`, `None`, `#N/A`; Parquet nulls) are **NaN**: NaN is
//!   allowed in covariates (e.g. no `sell_price` before an item's launch) and
//!   counted in a warning per column. Infinite values are errors. Numeric
//!   columns stay covariates even when constant within each series (a pack
//!   size), except the two kinds of labels below.
//! * **Numbers that are labels become statics**: the columns listed in
//!   [`LoadOptions::static_cols`] (an error names the rows where one changes
//!   within a series), and numeric columns named like ids (`store_id`,
//!   `item_nbr`: ending in `_id` or `_nbr`) when constant within every series
//!   (with a warning saying so; one that varies stays a covariate).
//! * **Text constant within each series becomes a static**
//!   ([`Panel::statics`]; category, store...): the same value in every row
//!   of the series. An empty cell counts as a value (so a sparse column such
//!   as a promotion name, empty on most days, is not mistaken for a static).
//! * **Text that varies within a series is one-hot encoded**: one indicator
//!   column per distinct non-empty value, named `column=value`, 1.0 on the
//!   rows with that value and 0.0 elsewhere (empty cells: 0.0 in all), in
//!   sorted order of the values. With more than [`MAX_INDICATORS`] distinct
//!   values, the `MAX_INDICATORS - 1` most frequent (ties by value) get their
//!   own column and the rest share `column=(other)`. A warning lists the
//!   columns made. [`load_future`] rebuilds the same indicators from the same
//!   text column.
//! * Columns without a name (a pandas index) are ignored with a warning;
//!   a repeated name is an error.
//!
//! ## Validation
//!
//! Nothing is changed silently: each change is a warning [`Diagnostic`] in
//! [`Loaded::diagnostics`], each problem an error in [`Error::Invalid`],
//! both naming file, row (spreadsheet numbering: header = row 1, see
//! [`Diagnostic`]) and column. Up to 10 findings of each kind are listed,
//! followed by a line counting the rest.
//!
//! | finding | result |
//! |---|---|
//! | unparsable date or number, missing id or date | error |
//! | NaN/missing target | error, or 0 with [`MissingPolicy::Zero`] |
//! | infinite target | error |
//! | negative target (returns) | error, or clipped / kept per [`NegativePolicy`] (warning) |
//! | duplicate `(unique_id, ds)` | error naming both rows |
//! | date off the frequency grid (e.g. a Monday in `W-SUN` data) | error |
//! | gap inside a series | filled with `y = 0` and NaN covariates (warning with a count), or error per [`GapPolicy`] |
//! | zeros before the first sale | trimmed (warning with a count), or kept per [`LeadingZeros`] |
//! | series of fewer than 2 rows | warning |
//!
//! The frequency is [`LoadOptions::freq`], or inferred with [`Freq::infer`]
//! over all distinct dates. So that a few stray dates are reported rather
//! than silently turning weekly data into daily data with zero-filled gaps,
//! when at least 80% of the (5 or more) distinct dates fall on one weekday,
//! or on month starts or ends, with some of them one step apart, that weekly
//! or monthly frequency is used and the other dates are off-grid errors.
//! Series come in order of first appearance in the file; rows within a
//! series may come in any order.
//!
//! The loaders never panic on malformed input (random bytes, truncated or
//! mistyped CSV, corrupted Parquet): they return an error.
//!
//! ## Example
//! ```
//! use demandcast_data::{load_panel, LoadOptions, NegativePolicy};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("sales.csv");
//! std::fs::write(&path, "unique_id,ds,y,price,store\n\
//!     A,2024-01-01,0,1.5,S1\nA,2024-01-02,3,1.5,S1\nA,2024-01-04,-1,1.6,S1\n\
//!     B,2024-01-01,2,,S2\nB,2024-01-02,5,2.0,S2\n").unwrap();
//! let mut opts = LoadOptions::default();
//! opts.policy.negatives = NegativePolicy::ClipZero;
//! let loaded = load_panel(&path, &opts).unwrap();
//! let p = &loaded.panel;
//! assert_eq!(p.series(0), &[3.0, 0.0, 0.0]); // leading 0 trimmed, gap filled, -1 clipped
//! assert_eq!(p.static_col("store").unwrap(), &["S1".to_string(), "S2".to_string()]);
//! assert!(p.covariate_of("price", 1).unwrap()[0].is_nan());
//! for d in &loaded.diagnostics {
//!     println!("{d}"); // e.g. "sales.csv:4: column 'y': negative value -1 clipped to 0"
//! }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod catalog;
mod cols;
mod diag;
mod error;
mod forecasts;
mod future;
mod intern;
mod load;
pub mod m5;
mod options;
mod parse;
mod table;
mod write;

pub use catalog::load_catalog;
pub use diag::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use forecasts::{model_columns, write_forecasts};
pub use future::load_future;
pub use load::{load_panel, Loaded, MAX_INDICATORS, OTHER};
pub use options::{
    CovariateSelection, GapPolicy, LeadingZeros, LoadOptions, MissingPolicy, NegativePolicy, Policy,
};
pub use write::{write_future, write_panel};

#[doc(no_inline)]
pub use demandcast_core::{Catalog, Freq, FutureCovariates, Panel};
