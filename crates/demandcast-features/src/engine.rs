//! [`FeatureEngine`] (the recipe) and [`FittedFeatures`] (the recipe plus
//! what it learnt from the training panel: covariates used, category codes,
//! usual prices), which turns panels into feature rows.

use crate::calendar;
use crate::context::SeriesContext;
use crate::spec::FeatureSpec;
use crate::{Error, Result};
use demandcast_core::{Freq, FutureCovariates, Panel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Price columns recognised, in order (M5's import and Frat's panel).
pub const PRICE_COLUMNS: [&str; 2] = ["sell_price", "price"];
/// Statics used to compare an item's price with its peers', in order.
pub const PRICE_GROUPS: [&str; 4] = ["dept_id", "category", "cat_id", "store_id"];

/// The feature recipe, not yet fitted to data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureEngine {
    /// What to compute.
    pub spec: FeatureSpec,
}

/// Ordinal codes of one static attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticCodes {
    /// The attribute (`store_id`).
    pub name: String,
    /// Value -> code. Codes rank the values by their series' mean sales:
    /// a tree split on the code then separates low-selling from high-selling
    /// categories, which is how LightGBM orders categories for its own
    /// categorical splits (by gradient statistics). Unseen values get NaN.
    pub codes: BTreeMap<String, f32>,
}

/// Price features' fitted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceState {
    /// The price column.
    pub column: String,
    /// Steps back for `price_change` (a week: 7 daily, 1 weekly).
    pub change_lag: usize,
    /// The static that groups peers (`dept_id`), if any.
    pub group: Option<String>,
    /// Mean usual price of each group in the training panel.
    pub group_usual: BTreeMap<String, f64>,
}

/// A fitted feature recipe: turns a panel into training rows and forecast rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedFeatures {
    /// The recipe.
    pub spec: FeatureSpec,
    /// The data's frequency.
    pub freq: Freq,
    /// Numeric covariates used as known-future features, in order.
    pub covariates: Vec<String>,
    /// Price features, when a price column is used.
    pub price: Option<PriceState>,
    /// Encoded statics, in order.
    pub statics: Vec<StaticCodes>,
    /// Every feature name, in column order.
    pub names: Vec<String>,
    /// A forecast fed back into a lag (recursive prediction) that is below
    /// this reads as 0: half the smallest positive target of the training
    /// panel (0.5 for unit counts). LightGBM bins a feature with zeros so
    /// that the first threshold above 0 is 1e-35: trained on counts, every
    /// tree answers a fed forecast of 0.2 as if a unit had sold, and slow
    /// sellers' recursive forecasts drift up from the second step. Snapping
    /// reads a fed value as the nearest level seen in training on that side
    /// (the trees already split 1 and 2 at 1.5). 0 turns it off; models saved
    /// before it existed load with 0.
    #[serde(default)]
    pub fed_zero_below: f64,
}

/// Half the smallest positive target value of the panel (0 without one).
fn half_smallest_positive(panel: &Panel) -> f64 {
    let m = (0..panel.n_series())
        .flat_map(|i| panel.series(i).iter().copied())
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold(f64::INFINITY, f64::min);
    if m.is_finite() {
        m / 2.0
    } else {
        0.0
    }
}

impl FeatureEngine {
    /// The default recipe for the frequency ([`FeatureSpec::for_freq`]).
    pub fn for_freq(freq: Freq) -> Self {
        Self {
            spec: FeatureSpec::for_freq(freq),
        }
    }

    /// Learns what the recipe needs from the training panel.
    pub fn fit(&self, panel: &Panel) -> FittedFeatures {
        let spec = self.spec.clone();
        let covariates: Vec<String> = if spec.covariates {
            panel
                .covariates()
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| !spec.excludes(n))
                .collect()
        } else {
            Vec::new()
        };
        let price = if spec.price_features {
            PRICE_COLUMNS
                .iter()
                .find(|c| covariates.iter().any(|n| n == *c))
                .map(|col| fit_price(panel, col))
        } else {
            None
        };
        let statics = if spec.statics {
            panel
                .statics()
                .iter()
                .map(|s| StaticCodes {
                    name: s.name.clone(),
                    codes: rank_codes(panel, &s.values),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut f = FittedFeatures {
            spec,
            freq: panel.freq(),
            covariates,
            price,
            statics,
            names: Vec::new(),
            fed_zero_below: half_smallest_positive(panel),
        };
        f.names = f.build_names();
        f
    }
}

fn fit_price(panel: &Panel, col: &str) -> PriceState {
    let change_lag = match panel.freq() {
        Freq::Daily => 7,
        _ => 1,
    };
    let group = PRICE_GROUPS
        .iter()
        .find(|g| panel.static_col(g).is_some())
        .map(|g| g.to_string());
    let mut group_usual = BTreeMap::new();
    if let Some(gv) = group.as_deref().and_then(|g| panel.static_col(g)) {
        let mut acc: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
        for (i, g) in gv.iter().enumerate() {
            let u = usual_price(panel.covariate_of(col, i).unwrap_or(&[]));
            if u.is_finite() {
                let e = acc.entry(g.as_str()).or_insert((0.0, 0));
                e.0 += u;
                e.1 += 1;
            }
        }
        group_usual = acc
            .into_iter()
            .map(|(k, (s, n))| (k.to_string(), s / n as f64))
            .collect();
    }
    PriceState {
        column: col.to_string(),
        change_lag,
        group,
        group_usual,
    }
}

/// The usual price of a series: the mean of its known, positive prices.
pub fn usual_price(p: &[f64]) -> f64 {
    let (s, n) = p
        .iter()
        .filter(|v| v.is_finite() && **v > 0.0)
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

fn rank_codes(panel: &Panel, values: &[String]) -> BTreeMap<String, f32> {
    let mut acc: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (i, v) in values.iter().enumerate() {
        let y = panel.series(i);
        let e = acc.entry(v.as_str()).or_insert((0.0, 0));
        e.0 += y.iter().filter(|x| x.is_finite()).sum::<f64>();
        e.1 += y.len();
    }
    let mut means: Vec<(&str, f64)> = acc
        .into_iter()
        .map(|(k, (s, n))| (k, s / n.max(1) as f64))
        .collect();
    // Ties broken by name so that codes are reproducible.
    means.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    means
        .into_iter()
        .enumerate()
        .map(|(r, (k, _))| (k.to_string(), r as f32))
        .collect()
}

impl FittedFeatures {
    fn build_names(&self) -> Vec<String> {
        let s = &self.spec;
        let mut n: Vec<String> = s.lags.iter().map(|l| format!("lag{l}")).collect();
        n.extend(s.rolling.iter().map(|r| r.name()));
        n.extend(s.seasonal_rolling.iter().map(|r| r.name()));
        if s.expanding_mean {
            n.push("expanding_mean_lag1".into());
        }
        n.extend(s.calendar.iter().map(|c| c.name().to_string()));
        n.extend(self.covariates.iter().cloned());
        if let Some(p) = &self.price {
            n.push("price_rel_usual".into());
            n.push(format!("price_change_lag{}", p.change_lag));
            if let Some(g) = &p.group {
                n.push(format!("price_rel_{g}"));
            }
        }
        n.extend(self.statics.iter().map(|s| s.name.clone()));
        if s.product_age {
            n.push("age".into());
        }
        n
    }

    /// Number of features per row.
    pub fn n_features(&self) -> usize {
        self.names.len()
    }

    /// Column indices of the encoded statics (categoricals).
    pub fn categorical_indices(&self) -> Vec<usize> {
        let first = self.names.len() - self.statics.len() - usize::from(self.spec.product_age);
        (first..first + self.statics.len()).collect()
    }

    /// The context of series `i` of `panel`: its history buffer, covariates
    /// (history, then `future` rows for up to `h` forecast steps) and codes.
    ///
    /// # Errors
    /// [`Error::MissingCovariate`] when the panel lacks a trained covariate;
    /// [`Error::MissingFuture`] / [`Error::FutureGap`] when `h > 0` and the
    /// future rows do not cover the horizon.
    pub fn context<'a>(
        &self,
        panel: &'a Panel,
        i: usize,
        future: Option<&'a FutureCovariates>,
        h: usize,
    ) -> Result<SeriesContext<'a>> {
        SeriesContext::new(self, panel, i, future, h)
    }

    /// Fills `out` (length [`FittedFeatures::n_features`]) with the features
    /// of the target at index `t` of the series, seen from `offset` steps
    /// before it: only values before `t + 1 - offset` are read (`offset = 1`
    /// for recursive forecasting, `k` for a direct model of step `k`).
    pub fn fill_row(&self, cx: &SeriesContext<'_>, t: usize, offset: usize, out: &mut [f32]) {
        let s = &self.spec;
        let end = (t + 1).saturating_sub(offset.max(1));
        let b = cx.buffer();
        let mut k = 0;
        let mut put = |v: f64| {
            out[k] = v as f32;
            k += 1;
        };
        for &l in &s.lags {
            let v = b.lag(end, l);
            // a forecast (not an observation) closer to 0 than to any sale
            let fed = end.checked_sub(l).is_some_and(|i| i >= cx.n_obs());
            put(if fed && v > 0.0 && v < self.fed_zero_below {
                0.0
            } else {
                v
            });
        }
        for r in &s.rolling {
            put(b.rolling(end, r));
        }
        for r in &s.seasonal_rolling {
            put(b.seasonal_rolling(end, r));
        }
        if s.expanding_mean {
            put(b.expanding_mean(end));
        }
        let date = self.freq.step(cx.start(), t as i64);
        for &c in &s.calendar {
            put(calendar::value(c, date));
        }
        for j in 0..self.covariates.len() {
            put(cx.covariate(j, t));
        }
        if let Some(p) = &self.price {
            let now = cx.price(t);
            put(now / cx.usual_price());
            let before = if t >= p.change_lag {
                cx.price(t - p.change_lag)
            } else {
                f64::NAN
            };
            put(now / before - 1.0);
            if p.group.is_some() {
                put(cx.usual_price() / cx.group_usual_price());
            }
        }
        for &c in cx.static_codes() {
            put(f64::from(c));
        }
        if s.product_age {
            put(match cx.first_sale() {
                Some(f) if t >= f => (t - f) as f64,
                Some(_) => 0.0,
                None => f64::NAN,
            });
        }
        debug_assert_eq!(k, out.len());
    }
}

/// Checks that the panel has every covariate the features were fitted with.
pub(crate) fn check_covariates(f: &FittedFeatures, panel: &Panel) -> Result<()> {
    for c in &f.covariates {
        if panel.covariate(c).is_none() {
            return Err(Error::MissingCovariate(c.clone()));
        }
    }
    Ok(())
}
