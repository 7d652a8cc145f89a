//! [`GbmParams`]: the model's configuration, parsed from `key=value,...`.

use crate::noise::Noise;
use crate::{GbmError, Result};
use demandcast_features::{Calendar, FeatureSpec, Rolling, Stat};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The loss LightGBM minimises for the point forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Objective {
    /// Tweedie deviance with this variance power (1 < p < 2): zero-inflated,
    /// right-skewed sales, the M5 winners' choice. Log link.
    Tweedie(f64),
    /// Poisson deviance. Log link.
    Poisson,
    /// Squared error. Identity link.
    L2,
}

impl Objective {
    /// Whether predictions are `exp(raw score)` (contributions add up on the log scale).
    pub fn log_link(self) -> bool {
        !matches!(self, Objective::L2)
    }
}

/// How a model forecasts several steps ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    /// One model; each step's lags read the forecasts of earlier steps.
    Recursive,
    /// One model per block of `block` steps; the model of the block ending
    /// at step `k` reads only values `k` or more steps before the target
    /// (needs the horizon when fitting). `block=1`: one model per step.
    Direct,
    /// The mean of the recursive model and the direct models, as the M5
    /// winners averaged recursive and non-recursive LightGBM models: the two
    /// err differently (the recursive one compounds its own errors, the
    /// direct ones ignore the most recent values), so the mean errs less.
    Blend,
}

impl Strategy {
    /// The name `strategy=` takes.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Recursive => "recursive",
            Strategy::Direct => "direct",
            Strategy::Blend => "blend",
        }
    }
}

/// The LightGBM model's configuration. Defaults follow the M5 winners'
/// recipe at a size that trains in minutes on a laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmParams {
    /// Point-forecast loss.
    pub objective: Objective,
    /// Multi-step strategy.
    pub strategy: Strategy,
    /// Steps each direct model serves (`Direct` and `Blend`; 1: one model
    /// per step). With `block=7` and a 28-step horizon, four models, whose
    /// features are cut 7, 14, 21 and 28 steps before their targets.
    #[serde(default = "one")]
    pub block: usize,
    /// Boosting rounds (the maximum when early stopping).
    pub rounds: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Leaves per tree.
    pub num_leaves: usize,
    /// Minimum rows per leaf.
    pub min_data_in_leaf: usize,
    /// Fraction of features per tree.
    pub feature_fraction: f64,
    /// Fraction of rows per tree (bagging every round when < 1).
    pub bagging_fraction: f64,
    /// L2 regularisation.
    pub lambda_l2: f64,
    /// Stop when the validation loss has not improved for this many rounds
    /// (0: off). The validation window is the last horizon of each series;
    /// the model is then refitted on all rows with the best round count.
    pub early_stopping: usize,
    /// Train one model per value of these statics (`store_id`, or
    /// `store_id+cat_id`), as the M5 winners did; empty: one global model.
    pub group_by: Vec<String>,
    /// Further groupings whose models are averaged with those of
    /// `group_by` (`group_by=global/store_id`: a whole-panel model and one
    /// model per store, each series forecast by both and the forecasts
    /// averaged), the M5 winners' ensemble over groupings. Empty: `group_by`
    /// alone. See [`GbmParams::groupings`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_groupings: Vec<Vec<String>>,
    /// Random seed of the first model.
    pub seed: u64,
    /// Models averaged, with seeds `seed, seed + 1, ...` (a small ensemble).
    pub seeds: usize,
    /// Train on the last `n` periods of each series only.
    pub max_history: Option<usize>,
    /// Target lags instead of the frequency's default (`lags=1+2+7+28`;
    /// empty: the default).
    #[serde(default)]
    pub lags: Vec<usize>,
    /// Windows of the rolling means of the previous value (`lag1`) instead
    /// of the default short and long ones (`windows=7+28+56+182`; empty: the
    /// default). Long windows give a recursive model a steadier level.
    #[serde(default)]
    pub windows: Vec<usize>,
    /// Calendar features instead of the frequency's default
    /// (`calendar=dayofweek+day+month`; `none`: no calendar feature;
    /// `None`: the default, daily `dayofweek+day+month+dayofyear+week`).
    /// With two years of history, `dayofyear` and `week` can learn one
    /// year's dates rather than a season.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Vec<Calendar>>,
    /// Windows of the rolling standard deviations of the previous value
    /// (`lag1`) instead of the default one (a season); `stds=none` drops
    /// them. `None`: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stds: Option<Vec<usize>>,
    /// Sampled paths of a recursive forecast (default 1: the lags read the
    /// forecasts themselves). With `K > 1`, each of `K` paths feeds its
    /// lags a Poisson draw around its own forecast and the point forecast
    /// is the mean over paths: the model then sees lags like those it was
    /// trained on (counts, not smooth means), whose log is lower on
    /// average (Jensen), instead of compounding that gap step by step.
    #[serde(default = "one")]
    pub paths: usize,
    /// What the lags of sampled paths read (`noise=poisson|bootstrap`): a
    /// Poisson count around the forecast (default), or the forecast times a
    /// block of the series' recent ratios to its mean.
    #[serde(default)]
    pub noise: Noise,
    /// Train a recursive model on its own rollouts too (`dad=N`, "data as
    /// demonstrator"): a first model forecasts the last `N` horizons of the
    /// history recursively, and the final model is trained on the usual rows
    /// plus those rollouts' rows (lags read the first model's forecasts),
    /// each with the actual it should have predicted. Costs one more fit.
    /// 0 (default): off.
    #[serde(default)]
    pub dad: usize,
    /// Rounds for each quantile model (intervals); default: `rounds / 2`.
    pub quantile_rounds: Option<usize>,
    /// Threads LightGBM may use; default: rayon's pool size.
    pub threads: Option<usize>,
    /// Conformalize the quantile models' intervals (CQR, Romano et al. 2019):
    /// refit on the history less one horizon, forecast that horizon, and
    /// widen (or narrow) each level's bounds per step by the conformal
    /// quantile of how far the actuals fell outside them. Costs one extra
    /// fit; only with levels and a known horizon.
    #[serde(default = "yes")]
    pub calibrate: bool,
    /// Calibration windows for `calibrate`: the last `n` horizons of the
    /// history, each forecast by a fit on the history before it, their scores
    /// pooled (default 2; each costs one extra fit). One window reflects a
    /// single season's conditions: on Breakfast at the Frat, 80 % intervals
    /// covered 75.3 % of the test weeks with one and 79.0 % with two.
    #[serde(default = "two")]
    pub calibration_windows: usize,
    /// Declare the static attributes (item, dept, category, store, state)
    /// as LightGBM categoricals (`true`), whose splits group categories by
    /// their gradient statistics, or give them as codes ordered by mean
    /// sales (`false`), split like numbers.
    #[serde(default)]
    pub categorical: bool,
    /// In recursive forecasting, read a fed-back forecast below half the
    /// smallest positive sale as 0 in the lag features (`true`, default;
    /// see `FittedFeatures::fed_zero_below`): trees trained on counts split
    /// 0 from 1 at 1e-35 and would read a forecast of 0.2 as a sale. On M5
    /// (public window) it took the slowest fifth of the series from 116 % to
    /// 106 % of their actual total and WRMSSE-12 from 0.4779 to 0.4748.
    #[serde(default = "yes")]
    pub snap_lags: bool,
    /// Covariates the model does not read (`exclude=text_*+promo`): names,
    /// or prefixes ending in `*`. With `--text-features`, a model with
    /// `exclude=text_*` beside one without lets a backtest (`ensemble`)
    /// decide how much the product text counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

fn one() -> usize {
    1
}

fn two() -> usize {
    2
}

fn yes() -> bool {
    true
}

impl Default for GbmParams {
    fn default() -> Self {
        Self {
            objective: Objective::Tweedie(1.1),
            strategy: Strategy::Recursive,
            block: 1,
            rounds: 500,
            learning_rate: 0.05,
            num_leaves: 127,
            min_data_in_leaf: 100,
            feature_fraction: 0.8,
            bagging_fraction: 0.8,
            lambda_l2: 0.1,
            early_stopping: 0,
            group_by: Vec::new(),
            more_groupings: Vec::new(),
            seed: 0,
            seeds: 1,
            max_history: None,
            lags: Vec::new(),
            windows: Vec::new(),
            calendar: None,
            stds: None,
            paths: 1,
            noise: Noise::Poisson,
            dad: 0,
            quantile_rounds: None,
            threads: None,
            calibrate: true,
            calibration_windows: 2,
            categorical: false,
            snap_lags: true,
            exclude: Vec::new(),
        }
    }
}

const KEYS: &str =
    "objective (tweedie, poisson, l2), power, strategy (recursive, direct, blend), block, rounds, \
lr, leaves, min_leaf, feature_fraction, bagging_fraction, lambda_l2, early_stopping, \
group_by (statics joined by +; several groupings, whose models are averaged, joined by /, global for the whole panel), seed, seeds, max_history, lags (joined by +), windows (joined by +), calendar (dayofweek, day, month, dayofyear, week, quarter joined by +, or none), stds (joined by +, or none), paths, noise (poisson, bootstrap), dad, quantile_rounds, threads, calibrate (true, false), calibration_windows, categorical (true, false), snap_lags (true, false), exclude (covariate names or prefixes ending in *, joined by +)";

/// A grouping as `group_by` writes it: statics joined by `+`, `global`
/// for the whole panel.
pub(crate) fn grouping_name(g: &[String]) -> String {
    if g.is_empty() {
        "global".to_string()
    } else {
        g.join("+")
    }
}

impl GbmParams {
    /// Every grouping whose models are averaged: `group_by` first, then
    /// `more_groupings` (one entry, `group_by`, for a single grouping; an
    /// empty grouping is the whole panel).
    ///
    /// ```
    /// use demandcast_gbm::GbmParams;
    /// let p = GbmParams::parse("group_by=global/store_id")?;
    /// assert_eq!(p.groupings(), vec![&[][..], &["store_id".to_string()][..]]);
    /// assert_eq!(p.to_string(), "group_by=global/store_id");
    /// # Ok::<(), demandcast_gbm::GbmError>(())
    /// ```
    pub fn groupings(&self) -> Vec<&[String]> {
        std::iter::once(self.group_by.as_slice())
            .chain(self.more_groupings.iter().map(Vec::as_slice))
            .collect()
    }

    /// Whether this is one model over the whole panel (no `group_by`).
    pub fn is_global(&self) -> bool {
        self.group_by.is_empty() && self.more_groupings.is_empty()
    }

    /// Parses `key=value` pairs separated by `,` or `;` (e.g.
    /// `objective=tweedie,power=1.2,rounds=300`); an empty string gives the defaults.
    ///
    /// # Errors
    /// [`GbmError::Param`] naming the key and the valid keys or values.
    pub fn parse(s: &str) -> Result<Self> {
        let mut p = Self::default();
        let mut power: Option<f64> = None;
        for kv in s.split([',', ';']).map(str::trim).filter(|x| !x.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| GbmError::Param(format!("'{kv}' is not key=value; keys: {KEYS}")))?;
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            let bad = |what: &str| GbmError::Param(format!("{k}={v}: {what}"));
            let num = |lo: f64, hi: f64| -> Result<f64> {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| *x >= lo && *x <= hi)
                    .ok_or_else(|| bad(&format!("expected a number in [{lo}, {hi}]")))
            };
            let int = |lo: usize| -> Result<usize> {
                v.parse::<usize>()
                    .ok()
                    .filter(|x| *x >= lo)
                    .ok_or_else(|| bad(&format!("expected an integer >= {lo}")))
            };
            let flag = || -> Result<bool> {
                match v.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => Ok(true),
                    "false" | "no" | "0" => Ok(false),
                    _ => Err(bad("expected true or false")),
                }
            };
            match k.as_str() {
                "objective" => {
                    p.objective = match v.to_ascii_lowercase().as_str() {
                        "tweedie" => Objective::Tweedie(1.1),
                        "poisson" => Objective::Poisson,
                        "l2" | "mse" | "regression" => Objective::L2,
                        _ => return Err(bad("expected tweedie, poisson or l2")),
                    }
                }
                "power" | "tweedie_variance_power" => power = Some(num(1.0, 2.0)?),
                "strategy" => {
                    p.strategy = match v.to_ascii_lowercase().as_str() {
                        "recursive" => Strategy::Recursive,
                        "direct" => Strategy::Direct,
                        "blend" | "recursive+direct" => Strategy::Blend,
                        _ => return Err(bad("expected recursive, direct or blend")),
                    }
                }
                "block" => p.block = int(1)?,
                "rounds" | "n_estimators" | "num_iterations" => p.rounds = int(1)?,
                "lr" | "learning_rate" => p.learning_rate = num(1e-6, 1.0)?,
                "leaves" | "num_leaves" => p.num_leaves = int(2)?,
                "min_leaf" | "min_data_in_leaf" => p.min_data_in_leaf = int(1)?,
                "feature_fraction" | "colsample" => p.feature_fraction = num(0.01, 1.0)?,
                "bagging_fraction" | "subsample" => p.bagging_fraction = num(0.01, 1.0)?,
                "lambda_l2" | "reg_lambda" => p.lambda_l2 = num(0.0, 1e6)?,
                "early_stopping" => p.early_stopping = int(0)?,
                "group_by" => {
                    let mut all = v.split('/').map(|grouping| {
                        grouping
                            .split('+')
                            .map(str::trim)
                            .filter(|g| !g.is_empty() && !g.eq_ignore_ascii_case("global"))
                            .map(str::to_string)
                            .collect::<Vec<String>>()
                    });
                    p.group_by = all.next().unwrap_or_default();
                    p.more_groupings = all.collect();
                    let groupings = p.groupings();
                    if let Some(twice) = groupings
                        .iter()
                        .enumerate()
                        .find_map(|(i, g)| groupings[..i].contains(g).then_some(g))
                    {
                        return Err(bad(&format!(
                            "the grouping '{}' is listed twice",
                            grouping_name(twice)
                        )));
                    }
                }
                "seed" => p.seed = v.parse().map_err(|_| bad("expected an integer"))?,
                "seeds" => p.seeds = int(1)?,
                "max_history" => p.max_history = Some(int(1)?),
                "lags" | "windows" => {
                    let list = v
                        .split('+')
                        .map(|x| x.trim().parse::<usize>().ok().filter(|n| *n >= 1))
                        .collect::<Option<Vec<usize>>>()
                        .ok_or_else(|| bad("expected integers >= 1 joined by +, e.g. 7+28"))?;
                    if k == "lags" {
                        p.lags = list;
                    } else {
                        p.windows = list;
                    }
                }
                "calendar" => {
                    p.calendar =
                        Some(if v.eq_ignore_ascii_case("none") {
                            Vec::new()
                        } else {
                            v.split('+')
                            .map(|x| Calendar::from_name(x.trim()))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| {
                                bad("expected dayofweek, day, month, dayofyear, week or quarter \
                                     joined by +, or none")
                            })?
                        });
                }
                "stds" => {
                    p.stds = Some(if v.eq_ignore_ascii_case("none") {
                        Vec::new()
                    } else {
                        v.split('+')
                            .map(|x| x.trim().parse::<usize>().ok().filter(|n| *n >= 2))
                            .collect::<Option<Vec<usize>>>()
                            .ok_or_else(|| bad("expected integers >= 2 joined by +, or none"))?
                    });
                }
                "paths" => p.paths = int(1)?,
                "dad" => p.dad = int(0)?,
                "noise" => {
                    p.noise =
                        Noise::from_name(v).ok_or_else(|| bad("expected bootstrap or poisson"))?
                }
                "quantile_rounds" => p.quantile_rounds = Some(int(1)?),
                "threads" => p.threads = Some(int(1)?),
                "calibration_windows" | "cal_windows" => p.calibration_windows = int(1)?,
                "calibrate" => p.calibrate = flag()?,
                "categorical" => p.categorical = flag()?,
                "snap_lags" => p.snap_lags = flag()?,
                "exclude" => {
                    p.exclude = v
                        .split('+')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect();
                    if p.exclude.is_empty() {
                        return Err(bad(
                            "expected covariate names or prefixes ending in *, joined by +",
                        ));
                    }
                }
                _ => return Err(GbmError::Param(format!("unknown key '{k}'; keys: {KEYS}"))),
            }
        }
        if let Some(pw) = power {
            match p.objective {
                Objective::Tweedie(_) => p.objective = Objective::Tweedie(pw),
                _ => {
                    return Err(GbmError::Param(
                        "power applies to objective=tweedie only".into(),
                    ))
                }
            }
        }
        Ok(p)
    }

    /// The feature offsets of the boosters a fit for horizon `h` trains, in
    /// order: `1` for the recursive model, then one per direct block (the
    /// block's last step, at most `h`).
    ///
    /// ```
    /// use demandcast_gbm::GbmParams;
    /// let p = GbmParams::parse("strategy=blend,block=7")?;
    /// assert_eq!(p.offsets(28), vec![1, 7, 14, 21, 28]);
    /// assert_eq!(p.members(9, 28), vec![0, 2]); // step 9: recursive + the 8..14 block
    /// # Ok::<(), demandcast_gbm::GbmError>(())
    /// ```
    pub fn offsets(&self, h: usize) -> Vec<usize> {
        let b = self.block.max(1);
        let direct = (0..h.div_ceil(b)).map(|k| ((k + 1) * b).min(h));
        match self.strategy {
            Strategy::Recursive => vec![1],
            Strategy::Direct => direct.collect(),
            Strategy::Blend => std::iter::once(1).chain(direct).collect(),
        }
    }

    /// The boosters (indices into [`Self::offsets`]) whose forecasts are
    /// averaged for step `step` (0-based) of a horizon-`h` fit.
    pub fn members(&self, step: usize, h: usize) -> Vec<usize> {
        let k = step.min(h.saturating_sub(1)) / self.block.max(1);
        match self.strategy {
            Strategy::Recursive => vec![0],
            Strategy::Direct => vec![k],
            Strategy::Blend => vec![0, 1 + k],
        }
    }

    /// The feature recipe with this configuration's `lags` and `windows`
    /// (when given) in place of `spec`'s.
    pub fn apply_features(&self, mut spec: FeatureSpec) -> FeatureSpec {
        if !self.lags.is_empty() {
            spec.lags = self.lags.clone();
        }
        if !self.windows.is_empty() {
            spec.rolling
                .retain(|r| !(r.lag == 1 && r.stat == Stat::Mean));
            let means = self.windows.iter().map(|&window| Rolling {
                lag: 1,
                window,
                stat: Stat::Mean,
            });
            spec.rolling.splice(0..0, means);
        }
        if let Some(c) = &self.calendar {
            spec.calendar = c.clone();
        }
        spec.exclude_covariates.extend(self.exclude.iter().cloned());
        if let Some(stds) = &self.stds {
            spec.rolling
                .retain(|r| !(r.lag == 1 && r.stat == Stat::Std));
            spec.rolling.extend(stds.iter().map(|&window| Rolling {
                lag: 1,
                window,
                stat: Stat::Std,
            }));
        }
        spec
    }

    /// Rounds of the quantile models.
    pub fn quantile_rounds(&self) -> usize {
        self.quantile_rounds.unwrap_or((self.rounds / 2).max(1))
    }
}

impl fmt::Display for GbmParams {
    /// The non-default parameters in the form [`GbmParams::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = Self::default();
        let mut parts: Vec<String> = Vec::new();
        match self.objective {
            Objective::Tweedie(p) if self.objective != d.objective => {
                parts.push("objective=tweedie".into());
                parts.push(format!("power={p}"));
            }
            Objective::Poisson => parts.push("objective=poisson".into()),
            Objective::L2 => parts.push("objective=l2".into()),
            _ => {}
        }
        match self.strategy {
            Strategy::Recursive => {}
            Strategy::Direct => parts.push("strategy=direct".into()),
            Strategy::Blend => parts.push("strategy=blend".into()),
        }
        let mut num = |k: &str, a: String, b: String| {
            if a != b {
                parts.push(format!("{k}={a}"));
            }
        };
        num("block", self.block.to_string(), d.block.to_string());
        num("rounds", self.rounds.to_string(), d.rounds.to_string());
        num(
            "lr",
            self.learning_rate.to_string(),
            d.learning_rate.to_string(),
        );
        num(
            "leaves",
            self.num_leaves.to_string(),
            d.num_leaves.to_string(),
        );
        num(
            "min_leaf",
            self.min_data_in_leaf.to_string(),
            d.min_data_in_leaf.to_string(),
        );
        num(
            "feature_fraction",
            self.feature_fraction.to_string(),
            d.feature_fraction.to_string(),
        );
        num(
            "bagging_fraction",
            self.bagging_fraction.to_string(),
            d.bagging_fraction.to_string(),
        );
        num(
            "lambda_l2",
            self.lambda_l2.to_string(),
            d.lambda_l2.to_string(),
        );
        num(
            "early_stopping",
            self.early_stopping.to_string(),
            d.early_stopping.to_string(),
        );
        let groupings: Vec<String> = self.groupings().into_iter().map(grouping_name).collect();
        num("group_by", groupings.join("/"), "global".to_string());
        num("seed", self.seed.to_string(), d.seed.to_string());
        num("seeds", self.seeds.to_string(), d.seeds.to_string());
        let opt = |o: Option<usize>| o.map(|v| v.to_string()).unwrap_or_default();
        num("max_history", opt(self.max_history), String::new());
        let join = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join("+");
        num("lags", join(&self.lags), String::new());
        num("windows", join(&self.windows), String::new());
        num("paths", self.paths.to_string(), d.paths.to_string());
        num("noise", self.noise.name().into(), d.noise.name().into());
        num("dad", self.dad.to_string(), d.dad.to_string());
        num("quantile_rounds", opt(self.quantile_rounds), String::new());
        num("threads", opt(self.threads), String::new());
        num(
            "calibrate",
            self.calibrate.to_string(),
            d.calibrate.to_string(),
        );
        num(
            "calibration_windows",
            self.calibration_windows.to_string(),
            d.calibration_windows.to_string(),
        );
        num(
            "categorical",
            self.categorical.to_string(),
            d.categorical.to_string(),
        );
        num(
            "snap_lags",
            self.snap_lags.to_string(),
            d.snap_lags.to_string(),
        );
        num("exclude", self.exclude.join("+"), String::new());
        if let Some(c) = &self.calendar {
            let names: Vec<&str> = c.iter().map(|c| c.name()).collect();
            parts.push(format!(
                "calendar={}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join("+")
                }
            ));
        }
        if let Some(w) = &self.stds {
            parts.push(format!(
                "stds={}",
                if w.is_empty() {
                    "none".to_string()
                } else {
                    join(w)
                }
            ));
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let p =
            GbmParams::parse("objective=tweedie,power=1.2; rounds=50,group_by=store_id+cat_id")?;
        assert_eq!(p.objective, Objective::Tweedie(1.2));
        assert_eq!(p.rounds, 50);
        assert_eq!(p.group_by, vec!["store_id", "cat_id"]);
        assert_eq!(GbmParams::parse(&p.to_string())?, p);
        assert_eq!(GbmParams::parse("")?, GbmParams::default());
        assert_eq!(GbmParams::default().to_string(), "");
        let b = GbmParams::parse("strategy=blend,block=7")?;
        assert_eq!((b.strategy, b.block), (Strategy::Blend, 7));
        assert_eq!(GbmParams::parse(&b.to_string())?, b);
        let f = GbmParams::parse("lags=1+7+28,windows=7+182")?;
        assert_eq!(
            (f.lags.clone(), f.windows.clone()),
            (vec![1, 7, 28], vec![7, 182])
        );
        assert_eq!(GbmParams::parse(&f.to_string())?, f);
        let c = GbmParams::parse("calibrate=false,calibration_windows=3,categorical=yes")?;
        assert!(!c.calibrate && c.categorical);
        assert!(c.snap_lags);
        let off = GbmParams::parse("snap_lags=false")?;
        assert!(!off.snap_lags);
        assert_eq!(off.to_string(), "snap_lags=false");
        assert_eq!(c.calibration_windows, 3);
        assert_eq!(GbmParams::parse(&c.to_string())?, c);
        let k = GbmParams::parse("calendar=dayofweek+Month")?;
        assert_eq!(k.calendar, Some(vec![Calendar::DayOfWeek, Calendar::Month]));
        assert_eq!(GbmParams::parse(&k.to_string())?, k);
        let n = GbmParams::parse("calendar=none")?;
        assert_eq!(n.calendar, Some(Vec::new()));
        assert_eq!(n.to_string(), "calendar=none");
        let spec = n.apply_features(FeatureSpec::for_freq(demandcast_core::Freq::Daily));
        assert!(spec.calendar.is_empty());
        let sd = GbmParams::parse("stds=none")?;
        assert_eq!(GbmParams::parse(&sd.to_string())?, sd);
        let spec = sd.apply_features(FeatureSpec::for_freq(demandcast_core::Freq::Daily));
        assert!(spec.rolling.iter().all(|r| r.stat != Stat::Std));
        let s2 = GbmParams::parse("stds=7+28")?;
        assert_eq!(s2.to_string(), "stds=7+28");
        let spec = s2.apply_features(FeatureSpec::for_freq(demandcast_core::Freq::Daily));
        let w: Vec<usize> = spec
            .rolling
            .iter()
            .filter(|r| r.stat == Stat::Std)
            .map(|r| r.window)
            .collect();
        assert_eq!(w, vec![7, 28]);
        let ex = GbmParams::parse("exclude=text_*+promo")?;
        assert_eq!(ex.exclude, vec!["text_*", "promo"]);
        assert_eq!(ex.to_string(), "exclude=text_*+promo");
        let spec = ex.apply_features(FeatureSpec::for_freq(demandcast_core::Freq::Daily));
        assert!(spec.excludes("text_0") && spec.excludes("promo") && !spec.excludes("price"));
        assert!(GbmParams::parse("exclude=").is_err());
        let pn = GbmParams::parse("paths=8,noise=bootstrap")?;
        assert_eq!((pn.paths, pn.noise), (8, Noise::Bootstrap));
        assert_eq!(pn.to_string(), "paths=8,noise=bootstrap");
        assert_eq!(GbmParams::parse(&pn.to_string())?, pn);
        assert!(GbmParams::parse("noise=gauss").is_err());
        let dd = GbmParams::parse("dad=3")?;
        assert_eq!((dd.dad, dd.to_string().as_str()), (3, "dad=3"));
        Ok(())
    }

    #[test]
    fn direct_blocks_cover_the_horizon() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let r = GbmParams::default();
        assert_eq!(r.offsets(28), vec![1]);
        assert_eq!(r.members(27, 28), vec![0]);
        let d = GbmParams::parse("strategy=direct")?;
        assert_eq!(d.offsets(3), vec![1, 2, 3]);
        assert_eq!(d.members(2, 3), vec![2]);
        // a last, shorter block ends at the horizon
        let d = GbmParams::parse("strategy=direct,block=7")?;
        assert_eq!(d.offsets(10), vec![7, 10]);
        for step in 0..10 {
            let m = d.members(step, 10);
            // every member's features are cut at or before the forecast origin
            assert!(m.iter().all(|&k| d.offsets(10)[k] > step), "step {step}");
        }
        assert_eq!(d.members(6, 10), vec![0]);
        assert_eq!(d.members(7, 10), vec![1]);
        let b = GbmParams::parse("strategy=blend,block=28")?;
        assert_eq!(b.offsets(28), vec![1, 28]);
        assert_eq!(b.members(0, 28), vec![0, 1]);
        assert_eq!(b.members(27, 28), vec![0, 1]);
        Ok(())
    }

    #[test]
    fn groupings_are_listed_with_slashes() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let one = GbmParams::parse("group_by=store_id+cat_id")?;
        assert_eq!(one.groupings(), vec![&["store_id", "cat_id"][..]]);
        assert!(one.more_groupings.is_empty());
        let p = GbmParams::parse("group_by=global/store_id/store_id+cat_id")?;
        let want: Vec<Vec<String>> = vec![
            vec![],
            vec!["store_id".into()],
            vec!["store_id".into(), "cat_id".into()],
        ];
        assert_eq!(
            p.groupings(),
            want.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        assert_eq!(p.to_string(), "group_by=global/store_id/store_id+cat_id");
        assert_eq!(GbmParams::parse(&p.to_string())?, p);
        // the default is one global model, not written out
        assert_eq!(GbmParams::parse("group_by=global")?, GbmParams::default());
        assert_eq!(GbmParams::default().to_string(), "");
        Ok(())
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "objective=huber",
            "rounds=0",
            "power=3",
            "lr",
            "colour=red",
            "objective=l2,power=1.5",
            "calibration_windows=0",
            "strategy=sideways",
            "block=0",
            "lags=0+7",
            "windows=7+x",
            "calendar=hour",
            "stds=1",
            "calendar=",
            "categorical=maybe",
            "group_by=store_id/global/store_id",
            "group_by=global/global",
        ] {
            assert!(GbmParams::parse(bad).is_err(), "{bad}");
        }
    }
}
