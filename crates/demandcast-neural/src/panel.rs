//! Turning a [`Panel`] (and its known-future covariates) into model windows.

use crate::config::TsfmConfig;
use crate::features::{
    calendar, cov_role, covariate_slots, freq_id, median_positive, static_bucket, CovRole,
    N_STEP_FEATURES,
};
use crate::window::Window;
use demandcast_core::{Freq, FutureCovariates, NaiveDate, Panel};

/// The covariates of a panel the model reads, with their roles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CovariateUse {
    /// (column name, role) of each covariate read.
    pub used: Vec<(String, CovRole)>,
    /// Covariates the model does not read (reported to the user).
    pub ignored: Vec<String>,
}

impl CovariateUse {
    /// Classifies the panel's covariates by name ([`cov_role`]).
    pub fn of(panel: &Panel) -> Self {
        let mut out = Self::default();
        for c in panel.covariates() {
            match cov_role(&c.name) {
                Some(r) => out.used.push((c.name.clone(), r)),
                None => out.ignored.push(c.name.clone()),
            }
        }
        out
    }

    /// The names of the covariates read in `role`, in column order.
    pub fn with_role(&self, role: CovRole) -> impl Iterator<Item = &str> {
        self.used
            .iter()
            .filter(move |(_, r)| *r == role)
            .map(|(n, _)| n.as_str())
    }
}

/// The per-step features of rows `from..n_hist + n_fut` of series `i`: rows
/// before `n_hist` from the panel, then `n_fut` rows after them, taken from the panel when it has them (a
/// backtest cut inside the history) or else from `future` (a forecast).
/// Future rows without a value hold the last known price and no promotion/event.
pub fn series_features(
    panel: &Panel,
    i: usize,
    from: usize,
    n_hist: usize,
    n_fut: usize,
    covs: &CovariateUse,
    future: Option<&FutureCovariates>,
) -> Vec<f32> {
    let k = N_STEP_FEATURES;
    let n = n_hist + n_fut;
    let m = n - from;
    let mut feats = vec![0f32; m * k];
    let freq = panel.freq();
    let daily = freq == Freq::Daily;
    for t in from..n {
        let r = t - from;
        calendar(panel.date(i, t), daily, &mut feats[r * k..(r + 1) * k]);
    }
    if covs.used.is_empty() {
        return feats;
    }
    let mut cols: Vec<(CovRole, Vec<f64>)> = Vec::with_capacity(covs.used.len());
    for (name, role) in &covs.used {
        let hist = panel.covariate_of(name, i).unwrap_or(&[]);
        let mut v: Vec<f64> = hist.iter().take(n).copied().collect();
        if v.len() < n {
            let from_future = future.and_then(|f| f.values_of(name, panel.id(i)));
            let mut last = hist
                .iter()
                .rev()
                .copied()
                .find(|x| x.is_finite())
                .unwrap_or(f64::NAN);
            for t in v.len()..n {
                let fv = from_future.and_then(|f| future_value(panel, i, t, f));
                let x = match fv {
                    Some(x) if x.is_finite() => x,
                    _ => match role {
                        CovRole::Price | CovRole::BasePrice => last,
                        _ => 0.0,
                    },
                };
                if x.is_finite() && matches!(role, CovRole::Price | CovRole::BasePrice) {
                    last = x;
                }
                v.push(x);
            }
        }
        cols.push((*role, v));
    }
    let usual = cols
        .iter()
        .find(|(r, _)| *r == CovRole::Price)
        .and_then(|(_, v)| median_positive(&v[..n_hist.min(v.len())]));
    let refs: Vec<(CovRole, &[f64])> = cols.iter().map(|(r, v)| (*r, &v[from..])).collect();
    covariate_slots(&refs, usual, m, &mut feats);
    feats
}

/// The value of row `t` of series `i` (a row past its history) in a future
/// column given as `(start date, values)` ([`FutureCovariates::values_of`]).
pub fn future_value(
    panel: &Panel,
    i: usize,
    t: usize,
    (start, vals): (&NaiveDate, &[f64]),
) -> Option<f64> {
    let d = panel.freq().step(panel.start(i), t as i64);
    let off = panel.freq().steps_between(*start, d)?;
    usize::try_from(off).ok().and_then(|o| vals.get(o).copied())
}

/// The static buckets of series `i` (one per static attribute, in column order).
pub fn series_statics(panel: &Panel, i: usize, cfg: &TsfmConfig) -> Vec<u32> {
    panel
        .statics()
        .iter()
        .take(cfg.n_static_slots)
        .map(|c| static_bucket(&c.name, &c.values[i], cfg.n_static_buckets))
        .collect()
}

/// A window of series `i` cut after `origin` rows, with `horizon` target rows
/// (NaN past the series' end or past `target_end`) and features for `horizon_len` future steps.
#[allow(clippy::too_many_arguments)]
pub fn window_at(
    panel: &Panel,
    i: usize,
    origin: usize,
    target_end: usize,
    cfg: &TsfmConfig,
    covs: &CovariateUse,
    future: Option<&FutureCovariates>,
    statics: &[u32],
) -> Window {
    let y = panel.series(i);
    let c0 = origin.saturating_sub(cfg.context_len);
    let h = cfg.horizon_len;
    let feats = series_features(panel, i, c0, origin, h, covs, future);
    let target: Vec<f32> = (origin..origin + h)
        .map(|t| {
            if t < target_end.min(y.len()) {
                y[t] as f32
            } else {
                f32::NAN
            }
        })
        .collect();
    Window {
        context: y[c0..origin].iter().map(|&v| v as f32).collect(),
        target,
        feats,
        statics: statics.to_vec(),
        text: None,
        freq: freq_id(panel.freq()),
    }
}
