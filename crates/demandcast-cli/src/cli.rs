//! Command-line arguments (clap derive). These are the raw flags only; they
//! are checked and turned into per-command settings in `settings.rs` before
//! any work starts, so a typo fails in milliseconds, not after a long fit.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Demand forecasting for retail planners: statistical and intermittent-demand
/// models over many series, backtests with retail metrics, M5 import.
#[derive(Debug, Parser)]
#[command(
    name = "demandcast",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Flags shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Log more on stderr: -v for steps and timings, -vv for debug detail.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print no progress bars and no notes; warnings and errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit models on the full history and forecast the next --horizon periods.
    Forecast(ForecastArgs),
    /// Rolling-origin backtest: forecasts, per-series metrics and a ranked report.
    Backtest(BacktestArgs),
    /// Convert a public dataset into demandcast's long format.
    Import(ImportArgs),
    /// List the models that --models accepts.
    Models,
    /// Replay history with a replenishment policy driven by each model's backtest forecasts.
    Simulate(crate::decide_args::SimulateArgs),
    /// Reorder points, order-up-to levels and today's orders from calibrated forecasts and stock.
    Plan(crate::decide_args::PlanArgs),
    /// Train a LightGBM model on the full history and save it (forecast later with --model-dir).
    Fit(FitArgs),
    /// Embed each catalogue product's text (MiniLM sentence vectors) into a table.
    Embed(crate::text_args::EmbedArgs),
    /// Fine-tune MiniLM + a regression head on launch demand (full, LoRA or head only).
    FinetuneText(crate::text_args::FinetuneTextArgs),
    /// Pretrain the time-series transformer (tsfm) on synthetic and real series.
    Pretrain(crate::neural_args::PretrainArgs),
    /// Fine-tune tsfm on a history (full or LoRA); use with --models tsfm --adapter DIR.
    Finetune(crate::neural_args::FinetuneArgs),
    /// Append newly arrived sales to a history file (incremental update), checked.
    Append(AppendArgs),
    /// Serve the HTTP API and the web dashboard over a store of runs.
    Serve(ServeArgs),
    /// List the runs recorded in a store (by forecast --db or the HTTP API).
    Runs(RunsArgs),
}

/// `demandcast append`.
#[derive(Debug, Args)]
pub struct AppendArgs {
    /// The history (its column flags apply to --new too).
    #[command(flatten)]
    pub input: InputArgs,
    /// The newly arrived sales, same columns, dates after each series' last one.
    #[arg(long, value_name = "FILE")]
    pub new: PathBuf,
    /// Where to write the merged history (CSV or Parquet) [default: replace --input].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `demandcast serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The store of runs (an SQLite file, created if missing); `forecast --db` writes to it too.
    #[arg(long, default_value = "demandcast.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// Address to listen on; 0.0.0.0:8080 serves other machines too.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: std::net::SocketAddr,
    /// Worker threads for the models [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Largest upload accepted, in MiB.
    #[arg(long, default_value_t = demandcast_server::DEFAULT_MAX_UPLOAD_MB, value_name = "MIB")]
    pub max_upload_mb: usize,
    /// Text model and embedding cache for requests with a `catalog` (cold start).
    #[command(flatten)]
    pub text: crate::text_args::TextModelArgs,
    /// Analogues listed per new product in the answer.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub show_analogues: usize,
}

/// `demandcast runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// The store of runs.
    #[arg(long, default_value = "demandcast.sqlite", value_name = "FILE")]
    pub db: PathBuf,
    /// The latest N runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
}

/// The input table and how to read it.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Sales history in long format (CSV, CSV.gz or Parquet): one row per series and period.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Column holding the series id.
    #[arg(long, default_value = "unique_id", value_name = "NAME")]
    pub id_col: String,
    /// Column holding the period's date (YYYY-MM-DD).
    #[arg(long, default_value = "ds", value_name = "NAME")]
    pub time_col: String,
    /// Column holding the quantity sold.
    #[arg(long, default_value = "y", value_name = "NAME")]
    pub target_col: String,
    /// Frequency of the dates: D, W-SUN, W-MON, ..., MS, ME, QS, YS [default: inferred].
    #[arg(long, value_name = "FREQ")]
    pub freq: Option<String>,
    /// Columns that are attributes of each series (store, category), even when numeric,
    /// comma-separated; numeric columns named *_id or *_nbr that never change within a
    /// series are read so without being listed.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub static_cols: Vec<String>,
    /// Data policies.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// What to do with imperfect data. Unset flags keep the loader's defaults.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Missing periods inside a series: fill with zero sales, or stop.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub fill_gaps: Option<GapArg>,
    /// Negative quantities (returns): stop, clip to zero, or keep.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub negatives: Option<NegativeArg>,
    /// Empty or NaN quantities: stop, or read as zero.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub missing: Option<MissingArg>,
    /// Zeros before a series' first sale: drop them (not yet listed), or keep.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub leading_zeros: Option<LeadingZerosArg>,
}

/// `--fill-gaps`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GapArg {
    /// Insert the missing periods with zero sales.
    Zero,
    /// Stop with an error naming the series and dates.
    Error,
}

/// `--negatives`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NegativeArg {
    /// Stop with an error naming the row.
    Error,
    /// Replace with zero.
    Clip,
    /// Keep as they are.
    Keep,
}

/// `--missing`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MissingArg {
    /// Stop with an error naming the row.
    Error,
    /// Read as zero sales.
    Zero,
}

/// `--leading-zeros`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LeadingZerosArg {
    /// Start each series at its first non-zero sale.
    Trim,
    /// Keep the zeros.
    Keep,
}

/// Models and intervals.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Comma-separated models, e.g. auto_ets,croston_sba,seasonal_naive:7; `all` for
    /// every statistical model; `auto` picks one per series (see `demandcast models`).
    #[arg(long, default_value = "auto", value_name = "LIST")]
    pub models: String,
    /// Prediction-interval levels in percent, comma-separated; `none` for point forecasts only.
    #[arg(long, default_value = "80,95", value_name = "LIST")]
    pub levels: String,
    /// Season length for models that use one [default: from the frequency: 7 daily, 52 weekly, 12 monthly].
    #[arg(long, value_name = "N")]
    pub season_length: Option<usize>,
    /// Clip forecasts and interval bounds at zero.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub nonnegative: bool,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Fine-tuned adapter directory for `tsfm` (from `demandcast finetune`).
    #[arg(long, value_name = "DIR")]
    pub adapter: Option<std::path::PathBuf>,
    /// One `lightgbm` model per group of these static columns (e.g. store_id or
    /// store_id,cat_id), as the M5 winners trained per store; the same as
    /// `lightgbm:group_by=store_id+cat_id`, for every lightgbm that sets none.
    /// Groupings joined by / are averaged: global/store_id averages a
    /// whole-panel model with the per-store ones.
    #[arg(long, value_name = "COLUMNS")]
    pub group_by: Option<String>,
}

/// `demandcast forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Input table.
    #[command(flatten)]
    pub input: InputArgs,
    /// Known future covariates (prices, promotions) for the horizon, long format.
    #[arg(long, value_name = "FILE")]
    pub future: Option<PathBuf>,
    /// Product catalogue: one row per product, id column plus attributes.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// With --catalog: give the global models (lightgbm) each product's text as K
    /// static covariates `text_0 ..`, the first K principal components of its MiniLM
    /// embedding; 0 = off.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub text_features: usize,
    /// Periods to forecast.
    #[arg(long, value_name = "H")]
    pub horizon: usize,
    /// Models and intervals.
    #[command(flatten)]
    pub models: ModelArgs,
    /// Where to write the forecasts (CSV); `-` for stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Cold start: products of --catalog without history.
    #[command(
        flatten,
        next_help_heading = "Cold start (catalogue products without history)"
    )]
    pub cold_start: crate::text_args::ColdStartArgs,
    /// Forecast with a LightGBM model saved by `demandcast fit --save DIR` (no retraining).
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// LightGBM only: write each forecast's feature contributions (SHAP) to FILE
    /// and global importances to FILE's stem + `.importance.csv`.
    #[arg(long, value_name = "FILE")]
    pub explain: Option<PathBuf>,
    /// Also record the run (recent history and forecasts) in this store, for
    /// `demandcast serve`'s dashboard and `demandcast runs`.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Forecast with the model stored as NAME in --db (`fit --db`), as --model-dir
    /// does with a folder; it is written to FILE.models/NAME/ first.
    #[arg(
        long,
        value_name = "NAME",
        requires = "db",
        conflicts_with = "model_dir"
    )]
    pub stored_model: Option<String>,
}

/// `demandcast fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Input table.
    #[command(flatten)]
    pub input: InputArgs,
    /// Periods that will be forecast (needed by strategy=direct; early-stopping window).
    #[arg(long, value_name = "H")]
    pub horizon: Option<usize>,
    /// Models and intervals (one lightgbm model; --levels trains its quantile models).
    #[command(flatten)]
    pub models: ModelArgs,
    /// Folder to save the model in (created if missing).
    #[arg(long, value_name = "DIR")]
    pub save: PathBuf,
    /// Product catalogue, read for --text-features.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// With --catalog: train on each product's text as K static covariates
    /// `text_0 ..` (as `forecast --text-features`); the projection is saved with
    /// the model and reused by `forecast --model-dir`.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub text_features: usize,
    /// Text model and cache (with --text-features).
    #[command(flatten)]
    pub text: crate::text_args::TextModelArgs,
    /// Also keep the saved model in this store (forecast later with --db FILE --stored-model NAME).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The model's name in the store [default: the --save folder's name].
    #[arg(long, value_name = "NAME", requires = "db")]
    pub name: Option<String>,
}

/// `demandcast backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Input table.
    #[command(flatten)]
    pub input: InputArgs,
    /// Periods forecast from each cutoff.
    #[arg(long, value_name = "H")]
    pub horizon: usize,
    /// Number of cutoffs (backtest windows).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub windows: usize,
    /// Periods between cutoffs [default: the horizon].
    #[arg(long, value_name = "N")]
    pub step_size: Option<usize>,
    /// Refit the models at every cutoff (false: fit once at the first cutoff).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refit: bool,
    /// Models and intervals.
    #[command(flatten)]
    pub models: ModelArgs,
    /// Folder for forecasts.csv, metrics.csv, report.md and report.json (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Also record the backtest (its ranked metrics and the series' recent
    /// history) in this store, for `demandcast serve`'s dashboard.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// `demandcast import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The dataset.
    #[command(subcommand)]
    pub source: ImportSource,
}

/// Datasets `import` understands.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// M5 (Walmart) raw files: sales_*.csv[.gz], calendar.csv, sell_prices*.csv[.gz].
    M5(M5Args),
}

/// `demandcast import m5`.
#[derive(Debug, Args)]
pub struct M5Args {
    /// Folder with the raw M5 files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// History output, long format (.parquet or .csv).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Future covariates (prices, events, SNAP) for the days after --last-day.
    #[arg(long, value_name = "FILE")]
    pub future_output: Option<PathBuf>,
    /// Stores to keep, comma-separated (e.g. CA_1,TX_2) [default: all in the files].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub stores: Vec<String>,
    /// Last day of history, as the M5 day number (d_1913 -> 1913) [default: the last in the files].
    #[arg(long, value_name = "N")]
    pub last_day: Option<u32>,
    /// Days of future covariates to write after --last-day.
    #[arg(long, default_value_t = 28, value_name = "H")]
    pub horizon: usize,
}
