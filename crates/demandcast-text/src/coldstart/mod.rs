//! Cold-start forecasts for products without history, from their text.
//!
//! [`ColdStart::fit`] turns the history (a [`Panel`]), the catalogue and the
//! products' text embeddings into an [`AnaloguePool`] at the end of the data
//! (observed launches with their launch curves, established products with
//! their level times the launch ramp), and calibrates the analogue forecast
//! by a rolling backtest on the most recent observed launches: each
//! validation launch is forecast from the data before its own launch, as a
//! new product would be, and the WAPE-optimal scale (and, with a longer
//! [`ColdStartOptions::grid`], the best candidate) is kept. The fitted model
//! forecasts a new product's launch curve from its embedding and price, and
//! names the analogues it used.

mod analogue;
mod profile;
mod select;
pub mod words;

pub use analogue::{
    weighted_median, Aggregate, Analogue, AnalogueParams, AnaloguePool, AnaloguePrediction,
    Reference, DEFAULT_SCALE, WORD_WEIGHT,
};
pub use profile::{estimate_ramp, launch_profiles, mean_shape, LaunchProfile, ProfileOptions};
pub use select::{
    calibrate_scale, default_grid, shrink_scale, BacktestRow, BacktestSummary, PRIOR_LAUNCHES,
    SCALE_RANGE,
};

use crate::{Error, Result};
use demandcast_core::{Catalog, NaiveDate, Panel};
use std::collections::HashMap;

/// Settings of [`ColdStart`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartOptions {
    /// Launch window forecast for each new product, in periods.
    pub horizon: usize,
    /// A first sale this many periods after the data's start is an observed launch.
    pub margin: usize,
    /// Periods averaged for an established product's level.
    pub level_window: usize,
    /// Launch periods (before the last complete window) whose launches
    /// form the backtest.
    pub validation_periods: usize,
    /// Launches in the first `min_history` periods of the data are left out
    /// of the backtest (too little history before them to forecast from).
    pub min_history: usize,
    /// Candidate parameters; the backtest picks one.
    pub grid: Vec<AnalogueParams>,
    /// Share of the word TF-IDF cosine in the analogue similarity (the rest
    /// is the MiniLM cosine).
    pub word_weight: f64,
}

impl Default for ColdStartOptions {
    fn default() -> Self {
        Self {
            horizon: 8,
            margin: 4,
            level_window: 26,
            validation_periods: 16,
            min_history: 13,
            grid: default_grid(),
            word_weight: WORD_WEIGHT,
        }
    }
}

/// Text and price of the catalogue's products, aligned with the catalogue rows.
#[derive(Debug, Clone, Copy)]
pub struct ProductInfo<'a> {
    /// The catalogue (ids, text, launch prices).
    pub catalog: &'a Catalog,
    /// One unit-length embedding per catalogue row.
    pub embeddings: &'a [Vec<f32>],
}

/// The cold-start model: configuration only; [`ColdStart::fit`] returns the
/// fitted model that forecasts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColdStart {
    /// Settings.
    pub options: ColdStartOptions,
}

/// A fitted cold-start model at the end of the history.
#[derive(Debug, Clone)]
pub struct FittedColdStart {
    /// The analogue pool at the end of the data.
    pub pool: AnaloguePool,
    /// The chosen parameters.
    pub params: AnalogueParams,
    /// What the backtest measured.
    pub backtest: BacktestSummary,
    /// Launch-window ramp over established levels.
    pub ramp: f64,
    /// Window length in periods.
    pub horizon: usize,
}

/// A cold-start forecast of one product.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartForecast {
    /// Product id.
    pub id: String,
    /// First forecast period (the launch).
    pub launch: NaiveDate,
    /// The analogue prediction (curve, total, analogues).
    pub prediction: AnaloguePrediction,
}

impl ColdStart {
    /// A model with these options.
    pub fn new(options: ColdStartOptions) -> Self {
        Self { options }
    }

    /// Builds the pool at the end of `panel` and picks parameters by backtest.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the embeddings do not match the catalogue, or
    /// no product with history has text.
    pub fn fit(&self, panel: &Panel, info: ProductInfo<'_>) -> Result<FittedColdStart> {
        let o = &self.options;
        if info.embeddings.len() != info.catalog.len() {
            return Err(Error::Invalid(format!(
                "{} embeddings for {} catalogue products",
                info.embeddings.len(),
                info.catalog.len()
            )));
        }
        if o.horizon == 0 || o.grid.is_empty() {
            return Err(Error::Invalid(
                "cold start needs a horizon >= 1 and a parameter grid".into(),
            ));
        }
        let cutoff = panel
            .max_date()
            .ok_or_else(|| Error::Invalid("the history is empty".into()))?;
        let rows = catalog_rows(panel, info.catalog);
        let (pool, ramp) = build_pool(panel, info, &rows, cutoff, o, None);
        if pool.is_empty() {
            return Err(Error::Invalid(
                "no product with history has a catalogue row: cold-start analogues need both"
                    .into(),
            ));
        }
        // The backtest's pools use the ramp of the end of the data: an
        // earlier pool has too few launches to estimate one, and a scale
        // calibrated under another ramp would not fit this pool.
        let backtest = select::backtest(panel, info, &rows, cutoff, o, ramp);
        let params = backtest.best;
        tracing::info!(
            references = pool.len(),
            ramp,
            ?params,
            validation_launches = backtest.n_launches,
            validation_wape = backtest.wape,
            "cold-start model fitted"
        );
        Ok(FittedColdStart {
            pool,
            params,
            backtest,
            ramp,
            horizon: o.horizon,
        })
    }
}

impl FittedColdStart {
    /// Forecasts a product from its embedding, title and launch price.
    pub fn predict(&self, embedding: &[f32], text: &str, price: Option<f64>) -> AnaloguePrediction {
        let nb = self.pool.neighbours(embedding, text, self.params.k);
        self.pool
            .predict_from(&nb, price, &self.params, self.horizon)
    }
}

/// First date whose first sales count as launches for the ramp and the
/// backtest: `min_history` periods after the data's first period.
pub(crate) fn clean_launches_from(panel: &Panel, o: &ColdStartOptions) -> Option<NaiveDate> {
    let start = panel.starts().iter().min().copied()?;
    Some(panel.freq().step(start, o.min_history as i64))
}

/// Catalogue row of each panel series (by id).
fn catalog_rows(panel: &Panel, catalog: &Catalog) -> Vec<Option<usize>> {
    let pos: HashMap<&str, usize> = catalog
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    panel
        .ids()
        .iter()
        .map(|id| pos.get(id.as_str()).copied())
        .collect()
}

/// The pool of references at `cutoff` (series that sold on or before it and
/// have a catalogue row), with the launch ramp estimated at `cutoff` unless
/// `ramp` is given; returns the ramp used.
fn build_pool(
    panel: &Panel,
    info: ProductInfo<'_>,
    rows: &[Option<usize>],
    cutoff: NaiveDate,
    o: &ColdStartOptions,
    ramp: Option<f64>,
) -> (AnaloguePool, f64) {
    let po = ProfileOptions {
        horizon: o.horizon,
        margin: o.margin,
        level_window: o.level_window,
    };
    let profiles = launch_profiles(panel, cutoff, &po);
    let ramp = ramp.unwrap_or_else(|| {
        estimate_ramp(&profiles, o.horizon, clean_launches_from(panel, o)).unwrap_or(1.0)
    });
    let shape = mean_shape(&profiles, o.horizon);
    let mut refs = Vec::new();
    let mut embs: Vec<&[f32]> = Vec::new();
    for p in &profiles {
        let Some(r) = rows[p.series] else { continue };
        let c = info.catalog;
        if let Some(rf) = Reference::from_profile(
            p,
            c.ids[r].clone(),
            c.text[r].clone(),
            c.launch_price[r],
            o.horizon,
            ramp,
            &shape,
        ) {
            refs.push(rf);
            embs.push(&info.embeddings[r]);
        }
    }
    let dim = embs.first().map_or(0, |e| e.len());
    (
        AnaloguePool::new(refs, embs, dim).with_word_weight(o.word_weight),
        ramp,
    )
}

/// A product's launch-window total at the end of the history, as a training
/// target for text regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTarget {
    /// Catalogue row.
    pub row: usize,
    /// Units over the launch window (observed, or `level * h * ramp` for
    /// products launched before the data).
    pub total: f64,
    /// Whether the launch was observed.
    pub observed: bool,
}

/// Launch-window totals of every catalogue product with history
/// (the references of the analogue pool at the end of the data).
pub fn launch_targets(panel: &Panel, catalog: &Catalog, o: &ColdStartOptions) -> Vec<LaunchTarget> {
    let Some(cutoff) = panel.max_date() else {
        return Vec::new();
    };
    let rows = catalog_rows(panel, catalog);
    let po = ProfileOptions {
        horizon: o.horizon,
        margin: o.margin,
        level_window: o.level_window,
    };
    let profiles = launch_profiles(panel, cutoff, &po);
    let ramp = estimate_ramp(&profiles, o.horizon, clean_launches_from(panel, o)).unwrap_or(1.0);
    let shape = mean_shape(&profiles, o.horizon);
    profiles
        .iter()
        .filter_map(|p| {
            let row = rows[p.series]?;
            let r = Reference::from_profile(
                p,
                String::new(),
                String::new(),
                None,
                o.horizon,
                ramp,
                &shape,
            )?;
            Some(LaunchTarget {
                row,
                total: r.total,
                observed: r.observed,
            })
        })
        .collect()
}
