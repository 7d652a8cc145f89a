//! Choosing a model per demand class (or per series) from backtest scores.
//!
//! Candidates are compared on the *same* (series, cutoff) pairs: those where
//! every candidate that did not fail has a finite score. A class (or series)
//! picks the candidate with the lowest mean score over its pairs; with too few
//! pairs it takes the overall choice (all pairs), so that a class of three
//! series does not pick on noise. Ties go to the earlier candidate.

use crate::demand::{DemandClass, DemandProfile};
use crate::metrics::PairMetrics;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The score a candidate is chosen by, per (series, cutoff) pair, averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectionMetric {
    /// RMSSE (default): scale-free, and WRMSSE is a weighted mean of it, so
    /// choosing by RMSSE aims at the M5 headline. Being a squared error it
    /// rewards forecasting the mean, as retail stock planning needs, where
    /// MAE / MASE reward the median (often zero for intermittent items).
    Rmsse,
    /// MASE (scale-free, median-oriented).
    Mase,
    /// MAE (scale-dependent: dominated by fast movers).
    Mae,
    /// RMSE (scale-dependent).
    Rmse,
    /// sMAPE (unstable near zero; for smooth demand only).
    Smape,
    /// Scaled CRPS of the quantiles (probabilistic; needs intervals).
    Scrps,
}

impl SelectionMetric {
    /// The metric's name as in the metrics (`rmsse`, `mase`...).
    pub fn as_str(self) -> &'static str {
        match self {
            SelectionMetric::Rmsse => "rmsse",
            SelectionMetric::Mase => "mase",
            SelectionMetric::Mae => "mae",
            SelectionMetric::Rmse => "rmse",
            SelectionMetric::Smape => "smape",
            SelectionMetric::Scrps => "scrps",
        }
    }

    /// The metric's value on a pair.
    pub fn of(self, p: &PairMetrics) -> f64 {
        match self {
            SelectionMetric::Rmsse => p.rmsse,
            SelectionMetric::Mase => p.mase,
            SelectionMetric::Mae => p.mae,
            SelectionMetric::Rmse => p.rmse,
            SelectionMetric::Smape => p.smape,
            SelectionMetric::Scrps => p.scrps,
        }
    }
}

/// Choose per demand class (default) or per series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectionScope {
    /// One model per Syntetos-Boylan class.
    PerClass,
    /// One model per series (its class's choice when it has no scored pair).
    PerSeries,
}

/// A candidate's overall standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateSummary {
    /// The candidate's name.
    pub model: String,
    /// Mean score over all common pairs (NaN when failed or none).
    pub score: f64,
    /// Why it was not considered, if it failed in the backtest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// Seconds in `fit` during the internal backtest.
    pub fit_seconds: f64,
    /// Seconds in `predict` during the internal backtest.
    pub predict_seconds: f64,
}

/// The choice for one demand class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassChoice {
    /// The class.
    pub class: DemandClass,
    /// Series of the training panel in this class.
    pub n_series: usize,
    /// Common scored pairs of this class.
    pub n_pairs: usize,
    /// The chosen candidate.
    pub chosen: String,
    /// Mean score per candidate over the class's pairs.
    pub scores: BTreeMap<String, f64>,
    /// Why.
    pub reason: String,
}

/// The choice for one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesChoice {
    /// The series.
    pub id: String,
    /// Its demand class.
    pub class: DemandClass,
    /// Its ADI.
    pub adi: f64,
    /// Its CV².
    pub cv2: f64,
    /// The chosen candidate.
    pub chosen: String,
    /// Per-candidate mean score over this series' pairs (per-series scope only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scores: Option<BTreeMap<String, f64>>,
    /// Why.
    pub reason: String,
}

/// Scores of each candidate: (series id, cutoff) -> value, for the candidates that did not fail.
pub(crate) struct Scores {
    pub names: Vec<String>,
    pub ok: Vec<bool>,
    /// Common pairs: (series id, values per candidate; NaN for failed ones).
    pub common: Vec<(String, Vec<f64>)>,
    /// Series id -> indices into `common`.
    by_id: HashMap<String, Vec<usize>>,
}

impl Scores {
    pub fn new(
        names: Vec<String>,
        ok: Vec<bool>,
        pairs: &[PairMetrics],
        metric: SelectionMetric,
    ) -> Self {
        let pos: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut by_pair: BTreeMap<(String, NaiveDate), Vec<f64>> = BTreeMap::new();
        for p in pairs {
            if let Some(&c) = pos.get(p.model.as_str()) {
                by_pair
                    .entry((p.unique_id.clone(), p.cutoff))
                    .or_insert_with(|| vec![f64::NAN; names.len()])[c] = metric.of(p);
            }
        }
        let common: Vec<(String, Vec<f64>)> = by_pair
            .into_iter()
            .filter(|(_, v)| v.iter().zip(&ok).all(|(x, ok)| !ok || x.is_finite()))
            .map(|((id, _), v)| (id, v))
            .collect();
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, (id, _)) in common.iter().enumerate() {
            by_id.entry(id.clone()).or_default().push(k);
        }
        Self {
            names,
            ok,
            common,
            by_id,
        }
    }

    /// Mean per candidate over the common pairs whose series `keep` accepts, and their count.
    pub fn means(&self, keep: impl Fn(&str) -> bool) -> (Vec<f64>, usize) {
        self.means_of(
            self.common
                .iter()
                .filter(|(id, _)| keep(id))
                .map(|(_, v)| v),
        )
    }

    /// Mean per candidate over the common pairs of one series, and their count.
    pub fn means_for(&self, id: &str) -> (Vec<f64>, usize) {
        let idx = self.by_id.get(id).map_or(&[][..], Vec::as_slice);
        self.means_of(idx.iter().map(|&k| &self.common[k].1))
    }

    fn means_of<'a>(&self, rows: impl Iterator<Item = &'a Vec<f64>>) -> (Vec<f64>, usize) {
        let mut sum = vec![0.0; self.names.len()];
        let mut n = 0usize;
        for v in rows {
            n += 1;
            for (s, x) in sum.iter_mut().zip(v) {
                *s += x;
            }
        }
        let means = sum
            .iter()
            .zip(&self.ok)
            .map(|(s, ok)| if *ok && n > 0 { s / n as f64 } else { f64::NAN })
            .collect();
        (means, n)
    }

    /// Index of the lowest finite mean (earliest on ties).
    pub fn best(means: &[f64]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, m) in means.iter().enumerate().filter(|(_, m)| m.is_finite()) {
            if best.is_none_or(|b| *m < means[b]) {
                best = Some(i);
            }
        }
        best
    }

    pub fn score_map(&self, means: &[f64]) -> BTreeMap<String, f64> {
        self.names
            .iter()
            .zip(means)
            .zip(&self.ok)
            .filter(|(_, ok)| **ok)
            .map(|((n, m), _)| (n.clone(), *m))
            .collect()
    }

    /// A reason text: winner's mean vs the runner-up's.
    pub fn why(
        &self,
        means: &[f64],
        best: usize,
        n: usize,
        what: &str,
        metric: SelectionMetric,
    ) -> String {
        let runner = means
            .iter()
            .enumerate()
            .filter(|(i, m)| *i != best && m.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1));
        let vs = runner.map_or(String::new(), |(i, m)| {
            format!(" vs {} {m:.4}", self.names[i])
        });
        format!(
            "lowest mean {} over {n} backtest pairs of {what}: {:.4}{vs}",
            metric.as_str(),
            means[best]
        )
    }
}

/// Per-class choices; `fallback` (index) is used for classes with fewer than `min_pairs` pairs.
pub(crate) fn choose_classes(
    scores: &Scores,
    profiles: &HashMap<&str, DemandProfile>,
    counts: &BTreeMap<DemandClass, usize>,
    fallback: usize,
    min_pairs: usize,
    metric: SelectionMetric,
) -> Vec<ClassChoice> {
    counts
        .iter()
        .map(|(&class, &n_series)| {
            let (means, n) = scores.means(|id| profiles.get(id).is_some_and(|p| p.class == class));
            let (chosen, reason) = match Scores::best(&means) {
                Some(b) if n >= min_pairs => (b, scores.why(&means, b, n, &format!("class {class}"), metric)),
                _ => (
                    fallback,
                    format!(
                        "{n} scored pairs in class {class} (fewer than {min_pairs}): overall choice {}",
                        scores.names[fallback]
                    ),
                ),
            };
            ClassChoice {
                class,
                n_series,
                n_pairs: n,
                chosen: scores.names[chosen].clone(),
                scores: scores.score_map(&means),
                reason,
            }
        })
        .collect()
}
