//! Thin layer over `lightgbm3`: LightGBM parameters, training (with early
//! stopping) and prediction. LightGBM's `Booster` is not `Send`, so fitted
//! models keep the model text and parse it where they predict.

use crate::params::{GbmParams, Objective};
use crate::Result;
use demandcast_features::{Matrix, TrainSet};
use lightgbm3::{Booster, Dataset, ImportanceType};
use serde_json::{json, Value};

/// The loss of one booster: the point objective or a quantile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Loss {
    Point(Objective),
    Quantile(f64),
}

fn lgb_params(p: &GbmParams, loss: Loss, rounds: usize, seed: u64, early: bool) -> Value {
    let mut v = json!({
        "num_iterations": rounds,
        "learning_rate": p.learning_rate,
        "num_leaves": p.num_leaves,
        "min_data_in_leaf": p.min_data_in_leaf,
        "feature_fraction": p.feature_fraction,
        "lambda_l2": p.lambda_l2,
        "seed": seed,
        // Same seed, same data, same threads: same model (reproducible runs).
        "deterministic": true,
        "num_threads": p.threads.unwrap_or_else(rayon::current_num_threads),
        "verbosity": -1,
    });
    let (objective, metric) = match loss {
        Loss::Point(Objective::Tweedie(power)) => {
            v["tweedie_variance_power"] = json!(power);
            ("tweedie", "tweedie")
        }
        Loss::Point(Objective::Poisson) => ("poisson", "poisson"),
        Loss::Point(Objective::L2) => ("regression", "l2"),
        Loss::Quantile(alpha) => {
            v["alpha"] = json!(alpha);
            ("quantile", "quantile")
        }
    };
    v["objective"] = json!(objective);
    v["metric"] = json!(metric);
    if p.bagging_fraction < 1.0 {
        v["bagging_fraction"] = json!(p.bagging_fraction);
        v["bagging_freq"] = json!(1);
    }
    if early && p.early_stopping > 0 {
        v["early_stopping_rounds"] = json!(p.early_stopping);
    }
    v
}

fn dataset(m: &Matrix, names: &[String], reference: Option<&Dataset>) -> Result<Dataset> {
    let mut d =
        Dataset::from_slice_with_reference(&m.x, &m.y, m.n_features as i32, true, reference)?;
    d.set_feature_names(names)?;
    Ok(d)
}

/// Trains one booster; with a validation set and early stopping, returns
/// the model and the best round count. The `categorical` columns are
/// declared as LightGBM categoricals (through [`crate::ffi`]).
pub(crate) fn train(
    set: &TrainSet,
    names: &[String],
    categorical: &[usize],
    p: &GbmParams,
    loss: Loss,
    rounds: usize,
    seed: u64,
) -> Result<(String, usize)> {
    let early = set.valid.is_some() && p.early_stopping > 0;
    if !categorical.is_empty() {
        // The C-API loop counts the rounds and stops early itself.
        return crate::ffi::train(
            &set.train,
            set.valid.as_ref().filter(|_| early),
            names,
            categorical,
            &lgb_params(p, loss, rounds, seed, false),
            rounds,
            if early { p.early_stopping } else { 0 },
        );
    }
    let params = lgb_params(p, loss, rounds, seed, early);
    let train = dataset(&set.train, names, None)?;
    let booster = match (&set.valid, early) {
        (Some(v), true) => {
            let valid = dataset(v, names, Some(&train))?;
            Booster::train_with_valid(train, Some(valid), &params)?
        }
        _ => Booster::train(train, &params)?,
    };
    let n = booster.num_iterations().max(0) as usize;
    Ok((booster.save_string()?, n))
}

/// Parses a model's text.
pub(crate) fn load(text: &str) -> Result<Booster> {
    Ok(Booster::from_string(text)?)
}

/// Predictions (on the response scale) for every row.
pub(crate) fn predict(b: &Booster, m: &Matrix) -> Result<Vec<f64>> {
    if m.rows() == 0 {
        return Ok(Vec::new());
    }
    Ok(b.predict(&m.x, m.n_features as i32, true)?)
}

/// SHAP contributions: `rows x (features + 1)`, the last column the
/// expected value; they add up to the raw score (log scale for log links).
pub(crate) fn contributions(b: &Booster, m: &Matrix) -> Result<Vec<f64>> {
    if m.rows() == 0 {
        return Ok(Vec::new());
    }
    Ok(b.predict_contrib(&m.x, m.n_features as i32, true)?)
}

/// Raw scores (before the link).
pub(crate) fn raw(b: &Booster, m: &Matrix) -> Result<Vec<f64>> {
    if m.rows() == 0 {
        return Ok(Vec::new());
    }
    Ok(b.raw_scores(&m.x, m.n_features as i32, true)?)
}

/// Gain and split importances, per feature.
pub(crate) fn importance(b: &Booster) -> Result<(Vec<f64>, Vec<f64>)> {
    Ok((
        b.feature_importance(ImportanceType::Gain)?,
        b.feature_importance(ImportanceType::Split)?,
    ))
}
