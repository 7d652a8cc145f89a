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
        let failed: Vec<Option<String>> = names
            .iter()
            .map(|n| {
                cv.windows
                    .iter()
                    .flat_map(|w| &w.models)
                    .find(|m| &m.model == n && m.error.is_some())
                    .and_then(|m| m.error.clone())
            })
            .collect();
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
        let class_choice: HashMap<DemandClass, &ClassChoice> =
            classes.iter().map(|c| (c.class, c)).collect();
        let pos: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut chosen_idx = Vec::with_capacity(train.n_series());
        let series: Vec<SeriesChoice> = (0..train.n_series())
            .map(|i| {
                let id = train.id(i);
                let p = profiles[i];
                let cc = class_choice.get(&p.class);
                let class_pick = cc
                    .and_then(|c| pos.get(c.chosen.as_str()).copied())
                    .unwrap_or(overall_idx);
                let (pick, sc, reason) = match cfg.scope {
                    SelectionScope::PerClass => {
                        (class_pick, None, format!("class {} choice", p.class))
                    }
                    SelectionScope::PerSeries => {
                        let (means, n) = scores.means_for(id);
                        match Scores::best(&means) {
                            Some(b) => (
                                b,
                                Some(scores.score_map(&means)),
                                scores.why(&means, b, n, "this series", cfg.metric),
                            ),
                            None => (
                                class_pick,
                                None,
                                format!("no scored pair: class {} choice", p.class),
                            ),
                        }
                    }
                };
                chosen_idx.push(pick);
                SeriesChoice {
                    id: id.to_string(),
                    class: p.class,
                    adi: p.adi,
                    cv2: p.cv2,
                    chosen: names[pick].clone(),
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
        let mut pending: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, &c) in chosen_idx.iter().enumerate() {
            pending.entry(c).or_default().push(i);
        }
        let mut tried = vec![false; names.len()];
        while let Some((c, idx)) = pending.pop_first() {
            tried[c] = true;
            match self.candidates[c].fit_with_progress(&train.subset(&idx), progress) {
                Ok(fitted) => parts.push(Part {
                    candidate: c,
                    series: idx,
                    fitted,
                }),
                Err(e) => {
                    let Some(&next) = order.iter().find(|&&o| !tried[o]) else {
                        return Err(EvalError::Model {
                            model: names[c].clone(),
                            source: e,
                        });
                    };
                    warn!(model = %names[c], error = %e, "auto: final fit failed, falling back");
                    notes.push(format!(
                        "{} failed to fit its {} series ({e}); they use {}",
                        names[c],
                        idx.len(),
                        names[next]
                    ));
                    pending.entry(next).or_default().extend(idx);
                }
            }
        }
        let mut series = series;
        let mut assignment = BTreeMap::new();
        for p in &parts {
            *assignment.entry(names[p.candidate].clone()).or_insert(0) += p.series.len();
            for &i in &p.series {
                if series[i].chosen != names[p.candidate] {
                    series[i].reason = format!(
                        "{}; final fit fell back to {}",
                        series[i].reason, names[p.candidate]
                    );
                    series[i].chosen = names[p.candidate].clone();
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
    candidate: usize,
    series: Vec<usize>,
    fitted: Box<dyn FittedForecaster>,
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
            let name = &self.names[part.candidate];
            let pf = part.fitted.predict(h, levels, future)?;
            let at: HashMap<&str, usize> = pf
                .ids
                .iter()
                .enumerate()
                .map(|(j, id)| (id.as_str(), j))
                .collect();
            for &i in &part.series {
                if let Some(&j) = at.get(self.ids[i].as_str()) {
                    series[i] = Some((pf.starts[j], pf.series[j].clone()));
                }
            }
            notes.extend(pf.notes.into_iter().map(|n| SeriesNote {
                id: n.id,
                message: format!("[{name}] {}", n.message),
            }));
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
