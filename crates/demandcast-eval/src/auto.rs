//! Automatic model choice: a [`Forecaster`] named `auto` that backtests its
//! candidates on the training panel and forecasts each series with the
//! candidate that did best on its demand class (or on the series itself).
//!
//! Fitting runs, on the training panel only:
//! 1. a rolling-origin backtest of every candidate ([`crate::cross_validation`],
//!    refit on every window, `n_windows` windows of `h` steps);
//! 2. the selection metric per (series, cutoff) pair (default RMSSE, see
//!    [`SelectionMetric`]), compared on the pairs every candidate scored
//!    ([`crate::select`]); a candidate that fails on any window is left out;
//! 3. the Syntetos-Boylan class of each series on its whole training part
//!    ([`crate::demand`]) and the choice per class (or per series);
//! 4. a fit of each chosen candidate on the series assigned to it (if that
//!    fails, its series go to the next best candidate overall, with a note).
//!
//! The forecast is named `auto`; each series carries its chosen model's own
//! point forecast and intervals (no blending across models). The choices are
//! in an [`AutoReport`], from [`FittedAuto::report`] or [`AutoSelect::last_report`].

use crate::auto_hier::HierScorer;
use crate::cv::{cross_validation, CvConfig};
use crate::cv_result::TableOptions;
use crate::demand::{classify_panel, ClassThresholds, DemandClass, DemandProfile};
use crate::metrics::{evaluate, ScoreConfig};
use crate::select::{
    choose_classes, CandidateSummary, ClassChoice, Scores, SelectionMetric, SelectionScope,
    SeriesChoice,
};
use crate::{EvalError, Result};
use chrono::NaiveDate;
use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, Freq, FutureCovariates, Level, NoProgress, Panel,
    PanelForecast, Progress, SeriesNote,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tracing::{info, warn};

/// Settings of [`AutoSelect`].
#[derive(Debug, Clone, PartialEq)]
pub struct AutoConfig {
    /// Horizon of the internal backtest (use the horizon you will forecast).
    pub h: usize,
    /// Windows of the internal backtest (default 2).
    pub n_windows: usize,
    /// Steps between its cutoffs (`None` = `h`).
    pub step_size: Option<usize>,
    /// Selection metric (default RMSSE).
    pub metric: SelectionMetric,
    /// Per class (default) or per series.
    pub scope: SelectionScope,
    /// Season length of MASE (`None`: the panel frequency's usual one).
    pub season_length: Option<usize>,
    /// Demand-class thresholds.
    pub thresholds: ClassThresholds,
    /// A class with fewer common pairs takes the overall choice (default 20).
    pub min_pairs: usize,
    /// Per-class scope only: choose the class assignment (and equal-weight
    /// blends of the best candidates) by a WRMSSE-style score over
    /// aggregation levels of the internal backtest (default true; see
    /// [`crate::auto`]'s module docs). False: each class by its own mean metric.
    pub hierarchical: bool,
}

impl AutoConfig {
    /// Defaults with this backtest horizon.
    pub fn new(h: usize) -> Self {
        Self {
            h,
            n_windows: 2,
            step_size: None,
            metric: SelectionMetric::Rmsse,
            scope: SelectionScope::PerClass,
            season_length: None,
            thresholds: ClassThresholds::default(),
            min_pairs: 20,
            hierarchical: true,
        }
    }
}

/// What [`AutoSelect`] chose and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoReport {
    /// The selection metric.
    pub metric: SelectionMetric,
    /// Per class or per series.
    pub scope: SelectionScope,
    /// Internal backtest horizon.
    pub h: usize,
    /// Its cutoffs.
    pub cutoffs: Vec<NaiveDate>,
    /// Common (series, cutoff) pairs the candidates were compared on.
    pub n_common_pairs: usize,
    /// Each candidate's overall score, failures and timings.
    pub candidates: Vec<CandidateSummary>,
    /// The best candidate over all pairs (the fallback).
    pub overall_choice: String,
    /// Per demand class.
    pub classes: Vec<ClassChoice>,
    /// Per series (all series of the training panel).
    pub series: Vec<SeriesChoice>,
    /// Candidate series counts: model -> series forecast with it.
    pub assignment: BTreeMap<String, usize>,
    /// Anything else (final-fit fallbacks...).
    pub notes: Vec<String>,
    /// The hierarchical objective, when used: each option's score with every
    /// series on it, and the chosen assignment's score (lower is better).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hierarchical: Option<HierSummary>,
}

/// The hierarchical objective's scores (see [`AutoConfig::hierarchical`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HierSummary {
    /// Option (a candidate, or a `+`-joined blend) -> score with all series on it.
    pub options: BTreeMap<String, f64>,
    /// Score of the chosen per-class assignment.
    pub chosen_score: f64,
}

/// The `auto` forecaster (see the module docs).
pub struct AutoSelect {
    candidates: Vec<Box<dyn Forecaster>>,
    config: AutoConfig,
    last_report: Mutex<Option<AutoReport>>,
}

impl std::fmt::Debug for AutoSelect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoSelect")
            .field(
                "candidates",
                &self.candidates.iter().map(|c| c.name()).collect::<Vec<_>>(),
            )
            .field("config", &self.config)
            .finish()
    }
}

impl AutoSelect {
    /// The forecaster's (and output column's) name.
    pub const NAME: &'static str = "auto";

    /// An `auto` forecaster over these candidates.
    ///
    /// # Errors
    /// [`EvalError::Config`] without candidates, with repeated names or a candidate named `auto`.
    pub fn new(candidates: Vec<Box<dyn Forecaster>>, config: AutoConfig) -> Result<Self> {
        if candidates.is_empty() {
            return Err(EvalError::Config(
                "auto needs at least one candidate".into(),
            ));
        }
        let mut names: Vec<&str> = candidates.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) || names.contains(&Self::NAME) {
            return Err(EvalError::Config(format!(
                "auto candidates must have distinct names other than 'auto': {names:?}"
            )));
        }
        Ok(Self {
            candidates,
            config,
            last_report: Mutex::new(None),
        })
    }

    /// The settings.
    pub fn config(&self) -> &AutoConfig {
        &self.config
    }

    /// The candidates' names.
    pub fn candidate_names(&self) -> Vec<&str> {
        self.candidates.iter().map(|c| c.name()).collect()
    }

    /// The report of the most recent fit (any thread), if any.
    pub fn last_report(&self) -> Option<AutoReport> {
        self.last_report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Backtests, chooses and fits (see the module docs); `progress` gets the final fits.
    ///
    /// # Errors
    /// [`EvalError::Config`] for an invalid backtest setting; [`EvalError::Model`]
    /// when no candidate can be fitted for some series.
    pub fn fit_auto(&self, train: &Panel, progress: &dyn Progress) -> Result<FittedAuto> {
        let cfg = &self.config;
        let names: Vec<String> = self
            .candidates
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let scrps = cfg.metric == SelectionMetric::Scrps;
        let mut cv_cfg = CvConfig::new(cfg.h, cfg.n_windows);
        cv_cfg.step_size = cfg.step_size;
        if scrps {
            let levels = [20.0, 40.0, 60.0, 80.0]
                .map(Level::new)
                .into_iter()
                .collect::<std::result::Result<Vec<_>, _>>()?;
            cv_cfg = cv_cfg.with_levels(levels);
        }
        let refs: Vec<&dyn Forecaster> = self.candidates.iter().map(|c| c.as_ref()).collect();
        let cv = cross_validation(train, &refs, &cv_cfg, &NoProgress)?;
        let table = cv.to_table(TableOptions {
            point_as_median: scrps,
        })?;
        let season = cfg
            .season_length
            .unwrap_or_else(|| train.freq().season_length());
        let eval = evaluate(train, &table, &ScoreConfig::new(season));
        let timings = cv.timings();
        let failed: Vec<Option<String>> = names.iter().map(|n| cv.first_error(n)).collect();
        let ok: Vec<bool> = failed.iter().map(Option::is_none).collect();
        let scores = Scores::new(names.clone(), ok.clone(), &eval.pairs, cfg.metric);
        let (overall, n_common) = scores.means(|_| true);
        let overall_idx = Scores::best(&overall)
            .or_else(|| ok.iter().position(|&o| o))
            .unwrap_or(0);
        let profiles = classify_panel(train, cfg.thresholds);
        let by_id: HashMap<&str, DemandProfile> = train
            .ids()
            .iter()
            .map(String::as_str)
            .zip(profiles.iter().copied())
            .collect();
        let mut counts: BTreeMap<DemandClass, usize> = BTreeMap::new();
        for p in &profiles {
            *counts.entry(p.class).or_default() += 1;
        }
        let classes = choose_classes(
            &scores,
            &by_id,
            &counts,
            overall_idx,
            cfg.min_pairs,
            cfg.metric,
        );
        let class_choice: HashMap<DemandClass, String> = classes
            .iter()
            .map(|c| (c.class, c.chosen.clone()))
            .collect();
        let pos: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        // the hierarchical choice: an option (candidate or blend) per class
        let class_list: Vec<DemandClass> = counts.keys().copied().collect();
        let class_of: Vec<usize> = profiles
            .iter()
            .map(|p| class_list.iter().position(|c| *c == p.class).unwrap_or(0))
            .collect();
        let hier = (cfg.scope == SelectionScope::PerClass && cfg.hierarchical)
            .then(|| choose_hierarchical(train, &cv, &ok, &class_of, class_list.len()))
            .flatten();
        let option_name = |o: &[usize]| {
            o.iter()
                .map(|&c| names[c].as_str())
                .collect::<Vec<_>>()
                .join("+")
        };
        let mut classes = classes;
        if let Some(hc) = &hier {
            for cc in &mut classes {
                if let Some(k) = class_list.iter().position(|c| *c == cc.class) {
                    let o = &hc.options[hc.choice[k]];
                    cc.chosen = option_name(o);
                    cc.reason = format!(
                        "lowest hierarchical backtest score of the whole panel ({:.4}) with this class on {}",
                        hc.score,
                        cc.chosen
                    );
                }
            }
        }
        let mut chosen_idx: Vec<Vec<usize>> = Vec::with_capacity(train.n_series());
        let series: Vec<SeriesChoice> = (0..train.n_series())
            .map(|i| {
                let id = train.id(i);
                let p = profiles[i];
                let cc = class_choice.get(&p.class);
                let class_pick = cc
                    .and_then(|c| pos.get(c.as_str()).copied())
                    .unwrap_or(overall_idx);
                let (pick, sc, reason) = match (&hier, cfg.scope) {
                    (Some(hc), _) => (
                        hc.options[hc.choice[class_of[i]]].clone(),
                        None,
                        format!("class {} choice (hierarchical)", p.class),
                    ),
                    (None, SelectionScope::PerClass) => {
                        (vec![class_pick], None, format!("class {} choice", p.class))
                    }
                    (None, SelectionScope::PerSeries) => {
                        let (means, n) = scores.means_for(id);
                        match Scores::best(&means) {
                            Some(b) => (
                                vec![b],
                                Some(scores.score_map(&means)),
                                scores.why(&means, b, n, "this series", cfg.metric),
                            ),
                            None => (
                                vec![class_pick],
                                None,
                                format!("no scored pair: class {} choice", p.class),
                            ),
                        }
                    }
                };
                let chosen = option_name(&pick);
                chosen_idx.push(pick);
                SeriesChoice {
                    id: id.to_string(),
                    class: p.class,
                    adi: p.adi,
                    cv2: p.cv2,
                    chosen,
                    scores: sc,
                    reason,
                }
            })
            .collect();
        // fallback order for the final fit: overall score, failed candidates last
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| {
            let k = |i: usize| {
                if overall[i].is_finite() {
                    overall[i]
                } else {
                    f64::INFINITY
                }
            };
            k(a).total_cmp(&k(b))
        });
        let mut notes = Vec::new();
        let mut parts = Vec::new();
        let mut pending: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for (i, c) in chosen_idx.into_iter().enumerate() {
            pending.entry(c).or_default().push(i);
        }
        let mut tried = vec![false; names.len()];
        while let Some((option, idx)) = pending.pop_first() {
            let sub = train.subset(&idx);
            let mut fitted = Vec::new();
            let mut errors = Vec::new();
            for &c in &option {
                tried[c] = true;
                match self.candidates[c].fit_with_progress(&sub, progress) {
                    Ok(f) => fitted.push((c, f)),
                    Err(e) => errors.push((c, e)),
                }
            }
            for (c, e) in &errors {
                warn!(model = %names[*c], error = %e, "auto: final fit failed");
                notes.push(format!(
                    "{} failed to fit its {} series ({e}){}",
                    names[*c],
                    idx.len(),
                    if fitted.is_empty() {
                        ""
                    } else {
                        "; the blend goes on without it"
                    }
                ));
            }
            if fitted.is_empty() {
                let Some(&next) = order.iter().find(|&&o| !tried[o]) else {
                    let (c, e) = errors.into_iter().next().ok_or_else(|| {
                        EvalError::Config("auto: an empty option was chosen".into())
                    })?;
                    return Err(EvalError::Model {
                        model: names[c].clone(),
                        source: e,
                    });
                };
                notes.push(format!("those series use {}", names[next]));
                pending.entry(vec![next]).or_default().extend(idx);
                continue;
            }
            parts.push(Part {
                candidates: fitted.iter().map(|(c, _)| *c).collect(),
                series: idx,
                fitted: fitted.into_iter().map(|(_, f)| f).collect(),
            });
        }
        let mut series = series;
        let mut assignment = BTreeMap::new();
        for p in &parts {
            let name = option_name(&p.candidates);
            *assignment.entry(name.clone()).or_insert(0) += p.series.len();
            for &i in &p.series {
                if series[i].chosen != name {
                    series[i].reason =
                        format!("{}; final fit fell back to {}", series[i].reason, name);
                    series[i].chosen = name.clone();
                }
            }
        }
        info!(?assignment, overall = %names[overall_idx], "auto: models chosen");
        let report = AutoReport {
            metric: cfg.metric,
            scope: cfg.scope,
            h: cfg.h,
            cutoffs: cv.cutoffs(),
            n_common_pairs: n_common,
            candidates: names
                .iter()
                .enumerate()
                .map(|(i, n)| CandidateSummary {
                    model: n.clone(),
                    score: overall[i],
                    failed: failed[i].clone(),
                    fit_seconds: timings[i].fit_seconds,
                    predict_seconds: timings[i].predict_seconds,
                })
                .collect(),
            overall_choice: names[overall_idx].clone(),
            classes,
            series,
            assignment,
            notes,
            hierarchical: hier.map(|hc| HierSummary {
                options: hc
                    .options
                    .iter()
                    .zip(&hc.option_scores)
                    .map(|(o, s)| (option_name(o), *s))
                    .collect(),
                chosen_score: hc.score,
            }),
        };
        *self.last_report.lock().unwrap_or_else(|e| e.into_inner()) = Some(report.clone());
        Ok(FittedAuto {
            names,
            ids: train.ids().to_vec(),
            freq: train.freq(),
            parts,
            report,
        })
    }
}

impl Forecaster for AutoSelect {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn uses_covariates(&self) -> bool {
        self.candidates.iter().any(|c| c.uses_covariates())
    }

    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        Ok(Box::new(self.fit_auto(train, progress)?))
    }
}

struct Part {
    /// The candidates blended (one: no blend).
    candidates: Vec<usize>,
    series: Vec<usize>,
    fitted: Vec<Box<dyn FittedForecaster>>,
}

/// The hierarchical choice: options (candidate blends) and one per class.
struct HierChoice {
    options: Vec<Vec<usize>>,
    option_scores: Vec<f64>,
    choice: Vec<usize>,
    score: f64,
}

/// Chooses an option per class by coordinate descent on the hierarchical
/// score (see [`crate::auto_hier`]). Options: every working candidate, and
/// the equal-weight blends of the best two and three (forecast combination
/// is the most reliable gain in the M competitions). Starts from the best
/// option for all series, then moves one class at a time while the score
/// improves (two sweeps). `None` when nothing can be scored.
fn choose_hierarchical(
    train: &Panel,
    cv: &crate::cv_result::CvResult,
    ok: &[bool],
    class_of: &[usize],
    n_classes: usize,
) -> Option<HierChoice> {
    let scorer = HierScorer::new(train, cv, ok);
    let mut options: Vec<Vec<usize>> = (0..ok.len()).filter(|&c| ok[c]).map(|c| vec![c]).collect();
    if options.is_empty() || n_classes == 0 {
        return None;
    }
    let all = |o: usize| vec![o; n_classes];
    let mut single: Vec<(usize, f64)> = (0..options.len())
        .map(|o| (o, scorer.score(class_of, &all(o), &options)))
        .filter(|(_, s)| s.is_finite())
        .collect();
    if single.is_empty() {
        return None;
    }
    single.sort_by(|a, b| a.1.total_cmp(&b.1));
    let ranked: Vec<usize> = single.iter().map(|(o, _)| options[*o][0]).collect();
    for k in [2usize, 3] {
        if ranked.len() >= k {
            let mut blend = ranked[..k].to_vec();
            blend.sort_unstable();
            options.push(blend);
        }
    }
    let option_scores: Vec<f64> = (0..options.len())
        .map(|o| scorer.score(class_of, &all(o), &options))
        .collect();
    let start = (0..options.len())
        .filter(|&o| option_scores[o].is_finite())
        .min_by(|&a, &b| option_scores[a].total_cmp(&option_scores[b]))?;
    let mut choice = all(start);
    let mut best = option_scores[start];
    for _sweep in 0..2 {
        let mut moved = false;
        for k in 0..n_classes {
            for o in 0..options.len() {
                if o == choice[k] {
                    continue;
                }
                let prev = choice[k];
                choice[k] = o;
                let s = scorer.score(class_of, &choice, &options);
                if s.is_finite() && s < best * (1.0 - 1e-6) {
                    best = s;
                    moved = true;
                } else {
                    choice[k] = prev;
                }
            }
        }
        if !moved {
            break;
        }
    }
    tracing::debug!(score = best, ?choice, "auto: hierarchical choice");
    Some(HierChoice {
        options,
        option_scores,
        choice,
        score: best,
    })
}

/// The equal-weight mean of forecasts: points and interval bounds averaged
/// (quantile averaging), on the steps and levels all of them have.
fn blend(parts: &[&Forecast]) -> Forecast {
    let Some(first) = parts.first() else {
        return Forecast::default();
    };
    if parts.len() == 1 {
        return (*first).clone();
    }
    let h = parts.iter().map(|f| f.mean.len()).min().unwrap_or(0);
    let inv = 1.0 / parts.len() as f64;
    let mean = (0..h)
        .map(|t| parts.iter().map(|f| f.mean[t]).sum::<f64>() * inv)
        .collect();
    let intervals = first
        .intervals
        .iter()
        .filter_map(|iv| {
            let all: Option<Vec<&demandcast_core::Interval>> =
                parts.iter().map(|f| f.interval(iv.level)).collect();
            let all = all?;
            let avg = |get: &dyn Fn(&demandcast_core::Interval) -> &Vec<f64>| -> Vec<f64> {
                (0..h)
                    .map(|t| {
                        all.iter()
                            .map(|i| get(i).get(t).copied().unwrap_or(f64::NAN))
                            .sum::<f64>()
                            * inv
                    })
                    .collect()
            };
            Some(demandcast_core::Interval {
                level: iv.level,
                lower: avg(&|i| &i.lower),
                upper: avg(&|i| &i.upper),
            })
        })
        .collect();
    Forecast { mean, intervals }
}

/// A fitted [`AutoSelect`]: the chosen candidates, each fitted on its series.
pub struct FittedAuto {
    names: Vec<String>,
    ids: Vec<String>,
    freq: Freq,
    parts: Vec<Part>,
    report: AutoReport,
}

impl std::fmt::Debug for FittedAuto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedAuto")
            .field("assignment", &self.report.assignment)
            .finish()
    }
}

impl FittedAuto {
    /// What was chosen and why.
    pub fn report(&self) -> &AutoReport {
        &self.report
    }
}

impl FittedForecaster for FittedAuto {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        let n = self.ids.len();
        let mut series: Vec<Option<(NaiveDate, Forecast)>> = vec![None; n];
        let mut notes = Vec::new();
        for part in &self.parts {
            let name = part
                .candidates
                .iter()
                .map(|&c| self.names[c].as_str())
                .collect::<Vec<_>>()
                .join("+");
            let mut preds = Vec::with_capacity(part.fitted.len());
            for f in &part.fitted {
                let pf = f.predict(h, levels, future)?;
                notes.extend(pf.notes.iter().map(|n| SeriesNote {
                    id: n.id.clone(),
                    message: format!("[{name}] {}", n.message),
                }));
                preds.push(pf);
            }
            let maps: Vec<HashMap<&str, usize>> = preds
                .iter()
                .map(|pf| {
                    pf.ids
                        .iter()
                        .enumerate()
                        .map(|(j, id)| (id.as_str(), j))
                        .collect()
                })
                .collect();
            for &i in &part.series {
                let id = self.ids[i].as_str();
                let found: Option<Vec<(NaiveDate, &Forecast)>> = preds
                    .iter()
                    .zip(&maps)
                    .map(|(pf, m)| m.get(id).map(|&j| (pf.starts[j], &pf.series[j])))
                    .collect();
                if let Some(found) = found {
                    if let Some(start) = found.first().map(|x| x.0) {
                        let fs: Vec<&Forecast> = found.iter().map(|x| x.1).collect();
                        series[i] = Some((start, blend(&fs)));
                    }
                }
            }
        }
        let mut out = PanelForecast {
            model: AutoSelect::NAME.to_string(),
            freq: self.freq,
            ids: Vec::with_capacity(n),
            starts: Vec::with_capacity(n),
            levels: Level::normalize(levels.to_vec()),
            series: Vec::with_capacity(n),
            notes,
        };
        for (i, s) in series.into_iter().enumerate() {
            let Some((start, f)) = s else {
                out.notes.push(SeriesNote {
                    id: self.ids[i].clone(),
                    message: "the chosen model returned no forecast for this series; left out"
                        .into(),
                });
                continue;
            };
            out.ids.push(self.ids[i].clone());
            out.starts.push(start);
            out.series.push(f);
        }
        Ok(out)
    }
}
