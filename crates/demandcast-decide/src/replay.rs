//! Replaying history: a policy driven by each model's rolling-origin
//! backtest forecasts, scored by the money it would have cost.
//!
//! # Windows and no peeking
//! The backtest ([`ReplayConfig::cv_config`]) has cutoffs `R` periods apart
//! and forecasts `h = L + R` periods from each. Its last `K` windows are the
//! reviews of the simulation: review `k` happens the period after cutoff
//! `k` and its order-up-to level is computed from the forecast made at that
//! cutoff. The windows before are only used for calibration:
//! at a review, a past window counts only if all of its `h` actuals are
//! dated at or before the review's cutoff (`lag = ceil(h / R)` windows back),
//! and at most the `C` most recent such windows are used. So a decision
//! never sees a value observed after it was made.
//!
//! # Variants
//! Each model is replayed twice:
//! * `uncalibrated`: the normal approximation from the model's own intervals
//!   ([`crate::leadtime::normal_total`]);
//! * `calibrated`: the conformal residual distribution of the total, per
//!   demand segment ([`crate::calibrate::ResidualPools`]).
//!
//! Per-step interval coverage is also reported before and after
//! [`crate::calibrate::StepCalibrator`], on the review windows.
//!
//! # Which products are simulated
//! The same products for every model, so the totals compare: a product is
//! simulated when it is in every review window of every model, has finite
//! actuals over the whole simulated span, and has unit costs. Every other
//! product is listed in [`ReplayResult::excluded`] with the reason.

use crate::calibrate::{
    coverage, total_score, ResidualPools, StepCalibrator, StepRecord, TotalScore,
};
use crate::constraints::OrderConstraints;
use crate::dist::DemandDistribution;
use crate::leadtime::{normal_total, total_and_sd, LeadTime};
use crate::policy::{Levels, Policy, ProtectionDemand, ServiceTarget};
use crate::simulate::{simulate, SimOutcome, UnitCosts};
use crate::{DecideError, Result};
use demandcast_core::{Forecast, Level, NaiveDate, Panel};
use demandcast_eval::{classify, ClassThresholds, CvConfig, CvResult, DemandClass};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Per product: levels (uncalibrated, calibrated), cycle hits, fill hits and
/// the step records of the two variants.
type ReplayRow = (
    [Levels; 2],
    [bool; 2],
    [bool; 2],
    Vec<StepRecord>,
    Vec<StepRecord>,
);

/// Settings of a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayConfig {
    /// Lead time `L` in periods (>= 1).
    pub lead_time: usize,
    /// Review period `R` in periods (>= 1).
    pub review: usize,
    /// Number of reviews `K` simulated.
    pub reviews: usize,
    /// Most past windows used for calibration, `C` (>= 1).
    pub calibration_windows: usize,
    /// The policy.
    pub policy: Policy,
    /// The target; for [`ServiceTarget::Cost`] the numbers are replaced by
    /// each product's own costs (holding over `R` periods, lost sale).
    pub target: ServiceTarget,
    /// Order constraints.
    pub constraints: OrderConstraints,
    /// Floor added to the total's standard deviation in calibration scores (units).
    pub beta: f64,
    /// Fewest scores for a segment's own pool (else the pooled one).
    pub min_pool: usize,
    /// Demand-class thresholds.
    pub thresholds: ClassThresholds,
}

impl ReplayConfig {
    /// Defaults: `C = 8`, beta 1 unit, pools of at least 50 scores, no constraints.
    pub fn new(
        lead_time: usize,
        review: usize,
        reviews: usize,
        policy: Policy,
        target: ServiceTarget,
    ) -> Self {
        Self {
            lead_time,
            review,
            reviews,
            calibration_windows: 8,
            policy,
            target,
            constraints: OrderConstraints::default(),
            beta: 1.0,
            min_pool: 50,
            thresholds: ClassThresholds::default(),
        }
    }
    /// The forecast horizon of the backtest, `L + R`.
    pub fn horizon(&self) -> usize {
        self.lead_time + self.review
    }
    /// Windows between a calibration window and the first review using it.
    pub fn lag(&self) -> usize {
        self.horizon().div_ceil(self.review.max(1))
    }
    /// Windows the backtest needs: `C + lag + K`.
    pub fn n_windows(&self) -> usize {
        self.calibration_windows + self.lag() + self.reviews
    }
    /// The backtest configuration to run before [`replay`].
    pub fn cv_config(&self, levels: Vec<Level>) -> CvConfig {
        CvConfig::new(self.horizon(), self.n_windows())
            .with_step_size(self.review)
            .with_levels(levels)
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`DecideError::Config`] naming the bad setting.
    pub fn validate(&self) -> Result<()> {
        if self.lead_time == 0 || self.review == 0 || self.reviews == 0 {
            return Err(DecideError::Config(format!(
                "lead time ({}), review period ({}) and number of reviews ({}) must be >= 1",
                self.lead_time, self.review, self.reviews
            )));
        }
        if self.calibration_windows == 0 {
            return Err(DecideError::Config(
                "at least one calibration window is needed".into(),
            ));
        }
        if !(self.beta.is_finite() && self.beta > 0.0) {
            return Err(DecideError::Config(format!(
                "beta must be > 0, got {}",
                self.beta
            )));
        }
        self.policy.validate()?;
        self.target.validate()?;
        self.constraints.validate()
    }
}

/// Uncalibrated or calibrated lead-time demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// From the model's own intervals.
    Uncalibrated,
    /// Conformal residuals per segment.
    Calibrated,
}

impl Variant {
    /// Both, in report order.
    pub const ALL: [Variant; 2] = [Variant::Uncalibrated, Variant::Calibrated];
    /// `uncalibrated` / `calibrated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Uncalibrated => "uncalibrated",
            Variant::Calibrated => "calibrated",
        }
    }
}

/// One model and variant over all products.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantReplay {
    /// Which variant.
    pub variant: Variant,
    /// Summed over the simulated products.
    pub total: SimOutcome,
    /// Per simulated product, in [`ReplayResult::series`] order.
    pub per_series: Vec<SimOutcome>,
    /// Share of (product, review) totals at or below the protection level:
    /// the service the levels promise on the forecasts' own terms.
    pub level_coverage: f64,
    /// Reviews whose calibration fell back (pooled segment, or no pool: uncalibrated).
    pub fallbacks: usize,
}

/// One model's replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelReplay {
    /// The model's name.
    pub model: String,
    /// Uncalibrated, then calibrated.
    pub variants: Vec<VariantReplay>,
    /// Per-step interval coverage on the review windows before calibration: (level, share, n).
    pub coverage_before: Vec<(Level, f64, usize)>,
    /// The same after per-segment, per-step conformal calibration.
    pub coverage_after: Vec<(Level, f64, usize)>,
}

/// The result of [`replay`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayResult {
    /// Panel indices of the simulated products.
    pub series: Vec<usize>,
    /// Their demand class at the first review.
    pub classes: Vec<DemandClass>,
    /// Products left out, with the reason.
    pub excluded: Vec<(String, String)>,
    /// Cutoffs of the reviews (the review is the period after).
    pub review_cutoffs: Vec<NaiveDate>,
    /// Per model.
    pub models: Vec<ModelReplay>,
}

/// Rows of series `i` dated at or before `cutoff`.
fn rows_until(panel: &Panel, i: usize, cutoff: NaiveDate) -> usize {
    if panel.start(i) > cutoff {
        return 0;
    }
    let n = panel.len_of(i);
    match panel.freq().steps_between(panel.start(i), cutoff) {
        Some(k) => usize::try_from(k).map_or(0, |k| (k + 1).min(n)),
        None => (0..n).take_while(|&j| panel.date(i, j) <= cutoff).count(),
    }
}

/// What one window says about one product, for one model.
struct Obs<'a> {
    class: DemandClass,
    fc: &'a Forecast,
    actuals: &'a [f64],
}

/// Per window: panel index -> observation.
type WindowObs<'a> = HashMap<usize, Obs<'a>>;

fn window_obs<'a>(
    panel: &Panel,
    cv: &'a CvResult,
    g: usize,
    model: usize,
    th: ClassThresholds,
) -> WindowObs<'a> {
    let w = &cv.windows[g];
    let Some(pf) = w.models.get(model).and_then(|m| m.forecast.as_ref()) else {
        return HashMap::new();
    };
    let pos: HashMap<&str, usize> = pf
        .ids
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str(), k))
        .collect();
    w.series
        .par_iter()
        .zip(&w.ids)
        .zip(&w.actuals)
        .filter_map(|((&i, id), act)| {
            let fc = &pf.series[*pos.get(id.as_str())?];
            let n = rows_until(panel, i, w.cutoff);
            let class = classify(&panel.series(i)[..n], th).class;
            Some((
                i,
                Obs {
                    class,
                    fc,
                    actuals: act,
                },
            ))
        })
        .collect()
}

/// Replays every model of `cv` (run with [`ReplayConfig::cv_config`]).
///
/// `costs[i]` are the unit costs of panel series `i` (`None`: not simulated,
/// listed as excluded). `progress` is called once per model finished.
///
/// # Errors
/// [`DecideError::Config`] for bad settings; [`DecideError::Backtest`] when
/// `cv` does not have the windows, horizon or step the settings need.
pub fn replay(
    panel: &Panel,
    cv: &CvResult,
    costs: &[Option<UnitCosts>],
    cfg: &ReplayConfig,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ReplayResult> {
    cfg.validate()?;
    let h = cfg.horizon();
    if cv.h < h || cv.step_size != cfg.review || cv.windows.len() < cfg.lag() + cfg.reviews + 1 {
        return Err(DecideError::Backtest(format!(
            "needs horizon >= {h}, step {} and at least {} windows; got horizon {}, step {}, {} windows",
            cfg.review,
            cfg.lag() + cfg.reviews + 1,
            cv.h,
            cv.step_size,
            cv.windows.len()
        )));
    }
    if costs.len() != panel.n_series() {
        return Err(DecideError::Input(format!(
            "{} unit costs for {} series",
            costs.len(),
            panel.n_series()
        )));
    }
    let n_win = cv.windows.len();
    let first_review = n_win - cfg.reviews;
    let review_cutoffs: Vec<NaiveDate> = cv.windows[first_review..]
        .iter()
        .map(|w| w.cutoff)
        .collect();
    let n_models = cv.model_names.len();
    let obs: Vec<Vec<WindowObs>> = (0..n_models)
        .map(|m| {
            (0..n_win)
                .map(|g| window_obs(panel, cv, g, m, cfg.thresholds))
                .collect()
        })
        .collect();

    // Products simulated: the same for every model.
    let span = cfg.reviews * cfg.review + cfg.lead_time;
    let c0 = review_cutoffs[0];
    let mut series = Vec::new();
    let mut demand: Vec<&[f64]> = Vec::new();
    let mut excluded = Vec::new();
    // `i` indexes the panel, the per-model maps and `costs` alike
    #[allow(clippy::needless_range_loop)]
    for i in 0..panel.n_series() {
        let reason = if let Some(m) =
            (0..n_models).find(|&m| (first_review..n_win).any(|g| !obs[m][g].contains_key(&i)))
        {
            Some(format!(
                "no {} forecast at every review (series too short, ended, or the model failed)",
                cv.model_names[m]
            ))
        } else {
            let from = rows_until(panel, i, c0);
            let y = panel.series(i);
            if from + span > y.len()
                || y[from..from + span]
                    .iter()
                    .any(|v| !v.is_finite() || *v < 0.0)
            {
                Some(format!("fewer than {span} valid actuals after {c0}"))
            } else if costs[i].is_none() {
                Some("no unit costs (price missing)".to_string())
            } else {
                demand.push(&y[from..from + span]);
                None
            }
        };
        match reason {
            Some(r) => excluded.push((panel.id(i).to_string(), r)),
            None => series.push(i),
        }
    }
    let classes: Vec<DemandClass> = series
        .iter()
        .map(|i| {
            obs.first()
                .and_then(|o| o[first_review].get(i))
                .map_or(DemandClass::NoDemand, |o| o.class)
        })
        .collect();

    let mut models = Vec::with_capacity(n_models);
    for (m, name) in cv.model_names.iter().enumerate() {
        models.push(replay_model(
            &obs[m],
            &series,
            &demand,
            costs,
            first_review,
            cfg,
        )?);
        if let Some(last) = models.last_mut() {
            last.model = name.clone();
        }
        progress(name);
    }
    Ok(ReplayResult {
        series,
        classes,
        excluded,
        review_cutoffs,
        models,
    })
}

/// The past windows usable at review window `g`.
fn usable(g: usize, cfg: &ReplayConfig) -> std::ops::Range<usize> {
    let end = (g + 1).saturating_sub(cfg.lag()); // windows j <= g - lag
    end.saturating_sub(cfg.calibration_windows)..end
}

fn step_records(o: &Obs, fc: &Forecast, h: usize, out: &mut Vec<StepRecord>) {
    for iv in &fc.intervals {
        for t in 0..h.min(iv.lower.len()).min(o.actuals.len()) {
            out.push(StepRecord {
                class: o.class,
                step: t,
                level: iv.level,
                lo: iv.lower[t],
                hi: iv.upper[t],
                y: o.actuals[t],
            });
        }
    }
}

fn replay_model(
    obs: &[WindowObs],
    series: &[usize],
    demand: &[&[f64]],
    costs: &[Option<UnitCosts>],
    first_review: usize,
    cfg: &ReplayConfig,
) -> Result<ModelReplay> {
    let h = cfg.horizon();
    let lead = LeadTime::fixed(cfg.lead_time)?;
    let n = series.len();
    // levels[variant][series][review]
    let mut levels = vec![vec![Vec::with_capacity(cfg.reviews); n]; 2];
    let mut covered = [0usize; 2];
    let mut fallbacks = [0usize; 2];
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for g in first_review..obs.len() {
        // calibration from past windows only
        let mut scores = Vec::new();
        let mut steps = Vec::new();
        for j in usable(g, cfg) {
            for o in obs[j].values() {
                if o.actuals.len() < h || o.actuals[..h].iter().any(|v| !v.is_finite()) {
                    continue;
                }
                let Ok((d, sd)) = total_and_sd(o.fc, h) else {
                    continue;
                };
                let y: f64 = o.actuals[..h].iter().sum();
                scores.push(TotalScore {
                    class: o.class,
                    horizon: h,
                    score: total_score(y, d, sd, cfg.beta),
                });
                step_records(o, o.fc, h, &mut steps);
            }
        }
        let pools = ResidualPools::fit(&scores, cfg.min_pool);
        let stepcal = StepCalibrator::fit(&steps, cfg.min_pool);
        let rows: Vec<ReplayRow> = series
            .par_iter()
            .enumerate()
            .map(|(k, i)| -> Result<_> {
                let o = obs[g].get(i).ok_or_else(|| {
                    DecideError::Backtest("a simulated product has no forecast".into())
                })?;
                let (d, sd) = total_and_sd(o.fc, h)?;
                let review_mean: f64 = o.fc.mean[cfg.lead_time..h].iter().map(|v| v.max(0.0)).sum();
                let target = match (cfg.target, costs[*i]) {
                    (ServiceTarget::Cost { .. }, Some(c)) => ServiceTarget::Cost {
                        holding: c.holding * cfg.review as f64,
                        shortage: c.lost_sale,
                    },
                    (t, _) => t,
                };
                let unc = normal_total(o.fc, &lead, cfg.review)?;
                let (cal, fb) = match pools.pool(o.class, h) {
                    Some((pool, own)) => {
                        (DemandDistribution::residual(d, sd + cfg.beta, pool)?, !own)
                    }
                    None => (unc.clone(), true),
                };
                let y: f64 = demand[k][(g - first_review) * cfg.review..][..h]
                    .iter()
                    .sum();
                let mut lv = [Levels {
                    reorder_point: 0.0,
                    order_up_to: 0.0,
                }; 2];
                let mut cov = [false; 2];
                for (v, dist) in [unc, cal].into_iter().enumerate() {
                    let pd = ProtectionDemand { dist, review_mean };
                    lv[v] = cfg.policy.levels(&pd, &target);
                    cov[v] = y <= lv[v].reorder_point;
                }
                let mut b = Vec::new();
                let mut a = Vec::new();
                step_records(o, o.fc, h, &mut b);
                step_records(o, &stepcal.apply(o.fc, o.class), h, &mut a);
                Ok((lv, cov, [false, fb], b, a))
            })
            .collect::<Result<_>>()?;
        for (k, (lv, cov, fb, b, a)) in rows.into_iter().enumerate() {
            for v in 0..2 {
                levels[v][k].push(lv[v]);
                covered[v] += usize::from(cov[v]);
                fallbacks[v] += usize::from(fb[v]);
            }
            before.extend(b);
            after.extend(a);
        }
    }
    let n_dec = (n * cfg.reviews).max(1) as f64;
    let mut variants = Vec::with_capacity(2);
    for (v, variant) in Variant::ALL.into_iter().enumerate() {
        let per_series: Vec<SimOutcome> = series
            .par_iter()
            .enumerate()
            .map(|(k, i)| {
                let c = costs[*i].ok_or_else(|| DecideError::Input("missing unit costs".into()))?;
                simulate(
                    demand[k],
                    &levels[v][k],
                    &cfg.policy,
                    cfg.lead_time,
                    cfg.review,
                    &cfg.constraints,
                    &c,
                )
            })
            .collect::<Result<_>>()?;
        let mut total = SimOutcome::default();
        per_series.iter().for_each(|o| total.add(o));
        variants.push(VariantReplay {
            variant,
            total,
            per_series,
            level_coverage: covered[v] as f64 / n_dec,
            fallbacks: fallbacks[v],
        });
    }
    Ok(ModelReplay {
        model: String::new(),
        variants,
        coverage_before: coverage(&before),
        coverage_after: coverage(&after),
    })
}
