//! Settings: the raw flags of each command, checked and resolved into what
//! the command needs (uv's `settings.rs`, ripgrep's LowArgs -> HiArgs).
//!
//! Everything that can be checked without reading the data is checked here,
//! so a typo in `--models` or `--levels` fails at once with exit code 2,
//! before minutes of loading and fitting.

use crate::cli::{
    BacktestArgs, FitArgs, ForecastArgs, GapArg, InputArgs, LeadingZerosArg, M5Args, MissingArg,
    ModelArgs, NegativeArg,
};
use crate::error::UsageError;
use anyhow::Result;
use demandcast::core::{Freq, Level};
use demandcast::data::{
    m5::M5Options, CovariateSelection, GapPolicy, LeadingZeros, LoadOptions, MissingPolicy,
    NegativePolicy,
};
use demandcast::gbm::GbmParams;
use demandcast::{BuildOptions, ModelSpec};
use std::path::{Path, PathBuf};

/// The input file and how to read it.
#[derive(Debug, Clone)]
pub struct InputSettings {
    /// The history file.
    pub path: PathBuf,
    /// Columns, frequency and policies.
    pub load: LoadOptions,
}

/// Models, intervals and threads.
#[derive(Debug, Clone)]
pub struct ModelSettings {
    /// The models, in the order given.
    pub specs: Vec<ModelSpec>,
    /// Interval levels, ascending; empty for point forecasts only.
    pub levels: Vec<Level>,
    /// `--season-length`, if given.
    pub season_length: Option<usize>,
    /// Clip at zero.
    pub nonnegative: bool,
    /// Worker threads; `None` = all cores.
    pub threads: Option<usize>,
}

impl ModelSettings {
    /// The season length for this frequency: the user's, else the frequency's usual one.
    pub fn season_length(&self, freq: Freq) -> usize {
        self.season_length.unwrap_or_else(|| freq.season_length())
    }

    /// Build options for models on data of this frequency.
    pub fn build_options(&self, freq: Freq) -> BuildOptions {
        let mut o = BuildOptions::new(self.season_length(freq));
        o.nonnegative = self.nonnegative;
        o.levels = self.levels.clone();
        o
    }

    /// Sizes rayon's global pool; models parallelise over series in it.
    pub fn init_threads(&self) -> Result<()> {
        init_threads(self.threads)
    }
}

/// Sizes rayon's global pool (`None`: all cores).
pub fn init_threads(threads: Option<usize>) -> Result<()> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    // Fails only if a pool was already built, which `main` never does twice.
    b.build_global()
        .map_err(|e| anyhow::anyhow!("cannot start the worker threads: {e}"))
}

/// `demandcast forecast`, resolved.
#[derive(Debug, Clone)]
pub struct ForecastSettings {
    /// History.
    pub input: InputSettings,
    /// Future covariates file.
    pub future: Option<PathBuf>,
    /// Catalogue file.
    pub catalog: Option<PathBuf>,
    /// Principal components of the text embeddings given as covariates (0 = none).
    pub text_features: usize,
    /// Horizon.
    pub horizon: usize,
    /// Models.
    pub models: ModelSettings,
    /// Output CSV (`-` = stdout).
    pub output: PathBuf,
    /// Cold start of catalogue products without history.
    pub cold_start: crate::text_args::ColdStartSettings,
    /// Saved LightGBM model to forecast with.
    pub model_dir: Option<PathBuf>,
    /// LightGBM contributions file.
    pub explain: Option<PathBuf>,
    /// Store to record the run in.
    pub db: Option<PathBuf>,
}

/// `demandcast fit`, resolved.
#[derive(Debug, Clone)]
pub struct FitSettings {
    /// History.
    pub input: InputSettings,
    /// Horizon, if given.
    pub horizon: Option<usize>,
    /// Models.
    pub models: ModelSettings,
    /// Folder to save to.
    pub save: PathBuf,
    /// Catalogue, for the text features.
    pub catalog: Option<PathBuf>,
    /// Principal components of the text embeddings given as covariates (0 = none).
    pub text_features: usize,
    /// Text model and cache.
    pub text: crate::text_args::TextModelSettings,
    /// Store and name to keep the saved model under.
    pub store_as: Option<(PathBuf, String)>,
}

/// A model name fit for a folder: letters, digits, `.`, `-`, `_`.
fn model_name(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(UsageError::err(
            format!("model name '{name}': use letters, digits, '.', '-' and '_' (not first '.')"),
            Some("pass --name NAME"),
        ))
    }
}

/// Writes model `name` from the store `db` into `DB.models/NAME/` and
/// returns that folder.
fn restore_model(db: &Path, name: &str) -> Result<PathBuf> {
    let name = model_name(name)?;
    must_exist(db)?;
    let store = demandcast_store::Store::open(db)?;
    let base = db
        .file_name()
        .map(|n| format!("{}.models", n.to_string_lossy()))
        .unwrap_or_else(|| "models".into());
    let dir = db.with_file_name(base).join(&name);
    match store.get_model(&name, &dir)? {
        Some(_) => Ok(dir),
        None => {
            let known: Vec<String> = store.models()?.into_iter().map(|m| m.name).collect();
            Err(UsageError::err(
                format!(
                    "--stored-model {name}: no such model in {} (stored: {})",
                    db.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                Some("store one with demandcast fit ... --save DIR --db FILE"),
            ))
        }
    }
}

/// Checks `--text-features K` against `--catalog`.
fn text_features(k: usize, catalog: Option<&Path>) -> Result<()> {
    if k > 0 && catalog.is_none() {
        return Err(UsageError::err(
            "--text-features needs --catalog (the product texts)",
            Some("add --catalog products.csv with an id column and title/description columns"),
        ));
    }
    if k > 384 {
        return Err(UsageError::err(
            format!("--text-features {k}: the embeddings have 384 dimensions"),
            None,
        ));
    }
    Ok(())
}

/// Resolves `fit` flags.
pub fn fit(a: FitArgs) -> Result<FitSettings> {
    if let Some(h) = a.horizon {
        at_least_one(h, "--horizon")?;
    }
    if a.save.is_file() {
        return Err(UsageError::err(
            format!(
                "--save {} is a file; the model is saved as a folder",
                a.save.display()
            ),
            Some("give a folder path, e.g. --save model/"),
        ));
    }
    if let Some(c) = &a.catalog {
        must_exist(c)?;
        if a.text_features == 0 {
            return Err(UsageError::err(
                "fit reads --catalog only for --text-features K",
                Some("add --text-features 16, or drop --catalog"),
            ));
        }
    }
    text_features(a.text_features, a.catalog.as_deref())?;
    let store_as = match &a.db {
        Some(db) => {
            let name = match &a.name {
                Some(n) => n.clone(),
                None => a
                    .save
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "model".into()),
            };
            Some((db.clone(), model_name(&name)?))
        }
        None => None,
    };
    Ok(FitSettings {
        store_as,
        input: input(a.input)?,
        horizon: a.horizon,
        models: models(a.models)?,
        save: a.save,
        catalog: a.catalog,
        text_features: a.text_features,
        text: crate::text_args::text_model(a.text)?,
    })
}

/// `demandcast backtest`, resolved.
#[derive(Debug, Clone)]
pub struct BacktestSettings {
    /// History.
    pub input: InputSettings,
    /// Horizon.
    pub horizon: usize,
    /// Number of windows.
    pub windows: usize,
    /// Periods between cutoffs.
    pub step_size: usize,
    /// Refit at every window.
    pub refit: bool,
    /// Models.
    pub models: ModelSettings,
    /// Output folder.
    pub output: PathBuf,
    /// Store to record the backtest in.
    pub db: Option<PathBuf>,
}

/// `demandcast import m5`, resolved.
#[derive(Debug, Clone)]
pub struct ImportM5Settings {
    /// What to import.
    pub options: M5Options,
    /// History output file.
    pub output: PathBuf,
    /// Future covariates output file.
    pub future_output: Option<PathBuf>,
}

/// Resolves `forecast` flags.
pub fn forecast(a: ForecastArgs) -> Result<ForecastSettings> {
    let horizon = at_least_one(a.horizon, "--horizon")?;
    for p in a.future.iter().chain(&a.catalog) {
        must_exist(p)?;
    }
    if a.output.as_os_str() != "-" {
        expect_extension(&a.output, &["csv"], "--output")?;
    }
    let models = models(a.models)?;
    let mut input = input(a.input)?;
    if a.future.is_none() && a.catalog.is_none() {
        input.load.covariates = covariates_needed(&models.specs, &[]);
    }
    text_features(a.text_features, a.catalog.as_deref())?;
    let stored = match (&a.stored_model, &a.db) {
        (Some(name), Some(db)) => Some(restore_model(db, name)?),
        _ => None,
    };
    Ok(ForecastSettings {
        input,
        future: a.future,
        catalog: a.catalog,
        text_features: a.text_features,
        horizon,
        models,
        output: a.output,
        cold_start: crate::text_args::cold_start(a.cold_start)?,
        model_dir: match stored.or(a.model_dir) {
            Some(d) if !d.join("model.json").is_file() => {
                return Err(UsageError::err(
                    format!("--model-dir {}: no model.json there", d.display()),
                    Some("save a model first: demandcast fit --models lightgbm ... --save DIR"),
                ))
            }
            d => d,
        },
        db: a.db,
        explain: a.explain,
    })
}

/// Resolves `backtest` flags.
pub fn backtest(a: BacktestArgs) -> Result<BacktestSettings> {
    let horizon = at_least_one(a.horizon, "--horizon")?;
    let windows = at_least_one(a.windows, "--windows")?;
    let step_size = at_least_one(a.step_size.unwrap_or(horizon), "--step-size")?;
    if a.output.is_file() {
        return Err(UsageError::err(
            format!(
                "--output {} is a file; backtest writes a folder of results",
                a.output.display()
            ),
            Some("give a folder path, e.g. --output out/backtest"),
        ));
    }
    let models = models(a.models)?;
    let mut input = input(a.input)?;
    input.load.covariates = covariates_needed(&models.specs, &["sell_price"]);
    Ok(BacktestSettings {
        input,
        horizon,
        windows,
        step_size,
        refit: a.refit,
        models,
        output: a.output,
        db: a.db,
    })
}

fn covariates_needed(specs: &[ModelSpec], keep: &[&str]) -> CovariateSelection {
    if specs.iter().any(|s| s.kind().uses_covariates()) {
        CovariateSelection::All
    } else {
        CovariateSelection::Only(keep.iter().map(|k| k.to_string()).collect())
    }
}

/// Resolves `import m5` flags.
pub fn import_m5(a: M5Args) -> Result<ImportM5Settings> {
    if !a.dir.is_dir() {
        return Err(UsageError::err(
            format!("--dir {} is not a folder", a.dir.display()),
            Some("point --dir at the folder holding the M5 sales, calendar.csv and sell_prices files"),
        ));
    }
    expect_extension(&a.output, &["parquet", "csv", "gz"], "--output")?;
    if let Some(f) = &a.future_output {
        expect_extension(f, &["parquet", "csv", "gz"], "--future-output")?;
    }
    let mut options = M5Options::new(a.dir);
    let stores: Vec<String> = a
        .stores
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    options.stores = (!stores.is_empty()).then_some(stores);
    options.last_day = a.last_day.map(|d| d as usize);
    options.horizon = at_least_one(a.horizon, "--horizon")?;
    Ok(ImportM5Settings {
        options,
        output: a.output,
        future_output: a.future_output,
    })
}

/// Resolves the input flags (file, columns, frequency, data policies).
pub fn input(a: InputArgs) -> Result<InputSettings> {
    must_exist(&a.input)?;
    let freq = match &a.freq {
        Some(f) => Some(f.parse::<Freq>().map_err(|e| {
            UsageError::err(
                format!("--freq: {e}"),
                Some("use a pandas alias: D, W-SUN, W-MON, MS, ME, QS or YS; leave it out to infer it"),
            )
        })?),
        None => None,
    };
    let mut load = LoadOptions {
        id_col: a.id_col,
        time_col: a.time_col,
        target_col: a.target_col,
        freq,
        static_cols: a.static_cols,
        ..LoadOptions::default()
    };
    let p = a.policy;
    // Unset flags keep the loader's documented defaults.
    if let Some(g) = p.fill_gaps {
        load.policy.gaps = match g {
            GapArg::Zero => GapPolicy::FillZero,
            GapArg::Error => GapPolicy::Error,
        };
    }
    if let Some(n) = p.negatives {
        load.policy.negatives = match n {
            NegativeArg::Error => NegativePolicy::Error,
            NegativeArg::Clip => NegativePolicy::ClipZero,
            NegativeArg::Keep => NegativePolicy::Keep,
        };
    }
    if let Some(m) = p.missing {
        load.policy.missing = match m {
            MissingArg::Error => MissingPolicy::Error,
            MissingArg::Zero => MissingPolicy::Zero,
        };
    }
    if let Some(l) = p.leading_zeros {
        load.policy.leading_zeros = match l {
            LeadingZerosArg::Trim => LeadingZeros::Trim,
            LeadingZerosArg::Keep => LeadingZeros::Keep,
        };
    }
    Ok(InputSettings {
        path: a.input,
        load,
    })
}

/// `--group-by a,b`: `group_by=a+b` for every `lightgbm` that sets no group
/// of its own (`--group-by global/store_id`: several groupings, averaged).
fn group_by(specs: &mut [ModelSpec], cols: &str) -> Result<()> {
    // the parameter's own parser splits, trims and checks the groupings
    let parsed = GbmParams::parse(&format!("group_by={}", cols.replace(',', "+")))
        .map_err(|e| UsageError::err(format!("--group-by {cols}: {e}"), None))?;
    if parsed.is_global() {
        return Err(UsageError::err(
            "--group-by needs static column names",
            Some("e.g. --group-by store_id"),
        ));
    }
    let group = parsed.to_string();
    let mut any = false;
    for s in specs.iter_mut() {
        if let ModelSpec::LightGbm { params } = s {
            any = true;
            // a bad parameter is reported by the model check that follows
            if GbmParams::parse(params).is_ok_and(|p| p.is_global()) {
                if !params.is_empty() {
                    params.push(',');
                }
                params.push_str(&group);
            }
        }
    }
    if !any {
        return Err(UsageError::err(
            format!("--group-by {cols}: only lightgbm trains per group, and --models lists none"),
            Some("add lightgbm to --models"),
        ));
    }
    Ok(())
}

fn models(a: ModelArgs) -> Result<ModelSettings> {
    let mut specs = ModelSpec::parse_list(&a.models)?;
    if let Some(dir) = &a.adapter {
        if !dir.join("adapter.json").is_file() {
            return Err(UsageError::err(
                format!("{}: not an adapter folder (no adapter.json)", dir.display()),
                Some("pass the --output folder of `demandcast finetune`"),
            ));
        }
        // --adapter applies to every `tsfm` that names no adapter of its own.
        for s in &mut specs {
            if let ModelSpec::Tsfm { adapter, .. } = s {
                adapter.get_or_insert_with(|| dir.display().to_string());
            }
        }
    }
    if let Some(cols) = &a.group_by {
        group_by(&mut specs, cols)?;
    }
    let levels = if a.levels.trim().eq_ignore_ascii_case("none") || a.levels.trim().is_empty() {
        Vec::new()
    } else {
        Level::parse_list(&a.levels).map_err(|e| {
            UsageError::err(
                format!("--levels {}: {e}", a.levels),
                Some("levels are percentages, e.g. --levels 80,95 (or --levels none)"),
            )
        })?
    };
    if let Some(s) = a.season_length {
        at_least_one(s, "--season-length")?;
    }
    if let Some(t) = a.threads {
        at_least_one(t, "--threads")?;
    }
    Ok(ModelSettings {
        specs,
        levels,
        season_length: a.season_length,
        nonnegative: a.nonnegative,
        threads: a.threads,
    })
}

fn at_least_one(v: usize, flag: &str) -> Result<usize> {
    if v == 0 {
        return Err(UsageError::err(format!("{flag} must be at least 1"), None));
    }
    Ok(v)
}

pub(crate) fn must_exist(p: &Path) -> Result<()> {
    if !p.is_file() {
        return Err(UsageError::err(
            format!("{}: no such file", p.display()),
            Some("check the path; relative paths start from the current folder"),
        ));
    }
    Ok(())
}

fn expect_extension(p: &Path, allowed: &[&str], flag: &str) -> Result<()> {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if allowed.contains(&ext.as_str()) {
        return Ok(());
    }
    let list: Vec<String> = allowed.iter().map(|a| format!(".{a}")).collect();
    Err(UsageError::err(
        format!(
            "{flag} {}: expected a {} file",
            p.display(),
            list.join(" or ")
        ),
        Some(&format!("end the file name with {}", list.join(" or "))),
    ))
}
