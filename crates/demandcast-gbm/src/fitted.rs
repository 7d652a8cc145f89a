//! [`GbmFitted`]: the trained boosters with their feature recipe and the
//! training history, which forecasts (recursively or directly) and explains.

use crate::booster;
use crate::explain::{ExplainRow, Explanation};
use crate::noise::PathNoise;
use crate::params::{GbmParams, Strategy};
use crate::{GbmError, Result};
use demandcast_core::{
    FittedForecaster, Forecast, FutureCovariates, Interval, Level, Panel, PanelForecast,
};
use demandcast_eval::conformal;
use demandcast_features::FittedFeatures;
use lightgbm3::Booster;
use rand::{rngs::StdRng, SeedableRng};

/// The boosters of one output (the point forecast or one quantile).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Head {
    /// `None` for the point forecast.
    pub quantile: Option<f64>,
    /// Model texts: `[step][seed]` (one step for recursive models).
    pub models: Vec<Vec<String>>,
}

/// The heads trained on one group of series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupModel {
    /// The group's key (`CA_1`, `CA_1|FOODS`), empty for a global model.
    pub key: String,
    /// `heads[0]` is the point forecast, then the quantiles.
    pub heads: Vec<Head>,
}

/// The series of `panel` per group key of `group_by` (in first-seen order).
pub(crate) fn group_series(
    panel: &Panel,
    group_by: &[String],
) -> Result<Vec<(String, Vec<usize>)>> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for i in 0..panel.n_series() {
        let key = group_key(panel, group_by, i)?;
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => out.push((key, vec![i])),
        }
    }
    Ok(out)
}

fn group_key(panel: &Panel, group_by: &[String], i: usize) -> Result<String> {
    let mut parts = Vec::with_capacity(group_by.len());
    for g in group_by {
        let col = panel.static_col(g).ok_or_else(|| {
            let have: Vec<&str> = panel.statics().iter().map(|s| s.name.as_str()).collect();
            GbmError::Usage(format!(
                "group_by={g}: the data has no static column '{g}' (statics: {})",
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            ))
        })?;
        parts.push(col[i].as_str());
    }
    Ok(parts.join("|"))
}

/// The key of a group model: the group's key for the first grouping,
/// prefixed by the grouping's index for the others (`1#CA_1`), so that a
/// model of one grouping keeps the keys it always had.
pub(crate) fn member_key(grouping: usize, key: &str) -> String {
    if grouping == 0 {
        key.to_string()
    } else {
        format!("{grouping}#{key}")
    }
}

/// Explanation rows of several groupings merged into one per series and
/// step: contributions, expected values, raw scores and predictions
/// averaged (so they still add up), feature values of the first grouping.
fn average_rows(rows: Vec<ExplainRow>) -> Vec<ExplainRow> {
    let mut at: std::collections::HashMap<(usize, usize), usize> = Default::default();
    let mut out: Vec<(ExplainRow, f64)> = Vec::new();
    for r in rows {
        match at.get(&(r.series, r.step)) {
            Some(&k) => {
                let (acc, count) = &mut out[k];
                acc.contributions
                    .iter_mut()
                    .zip(&r.contributions)
                    .for_each(|(a, c)| *a += c);
                acc.expected += r.expected;
                acc.raw += r.raw;
                acc.prediction += r.prediction;
                *count += 1.0;
            }
            None => {
                at.insert((r.series, r.step), out.len());
                out.push((r, 1.0));
            }
        }
    }
    out.into_iter()
        .map(|(mut r, count)| {
            r.contributions.iter_mut().for_each(|c| *c /= count);
            r.expected /= count;
            r.raw /= count;
            r.prediction /= count;
            r
        })
        .collect()
}

/// A fitted LightGBM model: predicts from the history it was fitted on (or,
/// once loaded, the history it was given) and the known-future covariates.
#[derive(Debug, Clone)]
pub struct GbmFitted {
    pub(crate) name: String,
    pub(crate) params: GbmParams,
    pub(crate) features: FittedFeatures,
    pub(crate) levels: Vec<Level>,
    pub(crate) horizon: Option<usize>,
    pub(crate) nonnegative: bool,
    pub(crate) groups: Vec<GroupModel>,
    pub(crate) panel: Panel,
    /// Conformal adjustment `[level][step]`, in units of each series' recent
    /// mean demand, added to each upper bound and taken from each lower one
    /// above zero (empty: none); see `GbmParams::calibrate` and
    /// `demandcast_eval::conformal`.
    pub(crate) widen: Vec<Vec<f64>>,
}

/// A per-group offset of the sampling seed, stable across runs.
fn key_seed(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `acc += v / w`, element by element (averaging over members and seeds).
fn add_scaled(acc: &mut [f64], v: impl IntoIterator<Item = f64>, w: f64) {
    for (a, x) in acc.iter_mut().zip(v) {
        *a += x / w;
    }
}

/// Everything one forecast run produces.
struct Run {
    fc: PanelForecast,
    explain: Option<Explanation>,
}

impl GbmFitted {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        name: String,
        params: GbmParams,
        features: FittedFeatures,
        levels: Vec<Level>,
        horizon: Option<usize>,
        nonnegative: bool,
        groups: Vec<GroupModel>,
        panel: Panel,
    ) -> Self {
        Self {
            name,
            params,
            features,
            levels,
            horizon,
            nonnegative,
            groups,
            panel,
            widen: Vec::new(),
        }
    }

    pub(crate) fn with_widen(mut self, widen: Vec<Vec<f64>>) -> Self {
        self.widen = widen;
        self
    }

    /// Forecasts with this crate's error type (for calibration).
    pub(crate) fn forecast_run(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> Result<PanelForecast> {
        self.run(h, levels, future, false).map(|r| r.fc)
    }

    /// The conformal adjustments `[level][step]` of the intervals (empty when
    /// not calibrated), in the order of the fitted levels.
    pub fn interval_adjustment(&self) -> &[Vec<f64>] {
        &self.widen
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &GbmParams {
        &self.params
    }

    /// The feature recipe (names in column order in `features().names`).
    pub fn features(&self) -> &FittedFeatures {
        &self.features
    }

    /// The interval levels it has quantile models for.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The history forecasts start from.
    pub fn history(&self) -> &Panel {
        &self.panel
    }

    /// The same model forecasting from another history (new sales since it
    /// was fitted), without retraining. The panel needs the same covariates.
    pub fn with_history(mut self, panel: Panel) -> Self {
        self.panel = crate::hierarchy::complete(panel);
        self
    }

    /// Forecasts and explains: the forecast plus every step's feature
    /// values and SHAP contributions of the point model.
    ///
    /// # Errors
    /// As [`FittedForecaster::predict`].
    pub fn predict_explained(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> Result<(PanelForecast, Explanation)> {
        let r = self.run(h, levels, future, true)?;
        let e = r
            .explain
            .ok_or_else(|| GbmError::Usage("no explanation produced".into()))?;
        Ok((r.fc, e))
    }

    /// Global importances of the point models, summed over groups, steps
    /// and seeds: `(feature, gain, splits)`, by decreasing gain.
    ///
    /// # Errors
    /// LightGBM errors parsing the models.
    pub fn importance(&self) -> Result<Vec<(String, f64, f64)>> {
        let nf = self.features.n_features();
        let (mut gain, mut split) = (vec![0.0; nf], vec![0.0; nf]);
        for g in &self.groups {
            for step in &g.heads[0].models {
                for m in step {
                    let (ga, sp) = booster::importance(&booster::load(m)?)?;
                    for j in 0..nf.min(ga.len()) {
                        gain[j] += ga[j];
                        split[j] += sp[j];
                    }
                }
            }
        }
        let mut out: Vec<(String, f64, f64)> = self
            .features
            .names
            .iter()
            .cloned()
            .zip(gain)
            .zip(split)
            .map(|((n, g), s)| (n, g, s))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    fn check_request(&self, h: usize, levels: &[Level]) -> Result<()> {
        if self.params.strategy != Strategy::Recursive {
            let trained = self.horizon.unwrap_or(0);
            if h > trained {
                return Err(GbmError::Usage(format!(
                    "this {} model was trained for a horizon of {trained} steps; \
                     it cannot forecast {h} (refit with --horizon {h})",
                    self.params.strategy.name()
                )));
            }
        }
        for l in levels {
            if !self.levels.contains(l) {
                let have: Vec<String> = self.levels.iter().map(|l| l.to_string()).collect();
                return Err(GbmError::Usage(format!(
                    "level {l}: the model has quantile models for levels [{}] only; \
                     refit with --levels including {l}",
                    have.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The point model's forecast for the `n` rows `x`: the mean over its
    /// seeds' boosters, clipped at zero for a non-negative model.
    fn seed_mean(
        &self,
        seeds: &[Booster],
        x: &demandcast_features::Matrix,
        n: usize,
    ) -> Result<Vec<f64>> {
        let mut m = vec![0.0; n];
        for b in seeds {
            add_scaled(&mut m, booster::predict(b, x)?, seeds.len() as f64);
        }
        if self.nonnegative {
            m.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        Ok(m)
    }

    /// Sampled paths of a recursive forecast (`paths`; 1 for the direct
    /// strategy, which reads no forecast).
    fn n_paths(&self) -> usize {
        if self.params.strategy == Strategy::Direct {
            1
        } else {
            self.params.paths.max(1)
        }
    }

    /// Rows for training on the model's own rollouts (`dad=N`, "data as
    /// demonstrator", Venkatraman, Hebert and Bagnell 2015): the recursive
    /// model forecasts `h` steps from the end of `history` (an earlier cut
    /// of `actual`), its lags reading its own forecasts, and each step's
    /// feature row is paired with the actual value of `actual` at that
    /// step. Rows are per group key; series without a sale before the
    /// origin and steps without an actual are left out.
    pub(crate) fn rollout_rows(
        &self,
        history: &Panel,
        h: usize,
        future: Option<&FutureCovariates>,
        actual: &Panel,
    ) -> Result<Vec<(String, demandcast_features::Matrix)>> {
        let panel = history;
        let mut out = Vec::new();
        for (key, series) in group_series(panel, &self.params.group_by)? {
            let Some(g) = self.groups.iter().find(|g| g.key == key) else {
                continue;
            };
            let Some(seeds) = g.heads.first().and_then(|hd| hd.models.first()) else {
                continue;
            };
            let boosters = seeds
                .iter()
                .map(|m| booster::load(m))
                .collect::<Result<Vec<_>>>()?;
            let targets: Vec<Option<&[f64]>> = series
                .iter()
                .map(|&i| {
                    let started = panel.series(i).iter().any(|v| *v > 0.0);
                    let a = actual.index_of(panel.id(i)).map(|k| actual.series(k));
                    a.filter(|_| started)
                        .map(|a| a.get(panel.len_of(i)..).unwrap_or(&[]))
                })
                .collect();
            let mut frame = self.features.forecast_frame(panel, &series, future, h)?;
            let mut rows = demandcast_features::Matrix {
                n_features: self.features.n_features(),
                ..Default::default()
            };
            for step in 0..h {
                let x = frame.rows(step, 1);
                let m = self.seed_mean(&boosters, &x, series.len())?;
                for (j, t) in targets.iter().enumerate() {
                    if let Some(y) = t.and_then(|t| t.get(step)).filter(|y| y.is_finite()) {
                        rows.x.extend_from_slice(x.row(j));
                        rows.y.push(*y as f32);
                    }
                }
                frame.push(&m);
            }
            out.push((key, rows));
        }
        Ok(out)
    }

    fn run(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
        explain: bool,
    ) -> Result<Run> {
        self.check_request(h, levels)?;
        if explain && self.n_paths() > 1 {
            return Err(GbmError::Usage(
                "explanations describe one recursive path: refit with paths=1 to use --explain"
                    .into(),
            ));
        }
        let panel = &self.panel;
        let n = panel.n_series();
        // the mean over the groupings' forecasts (one grouping: its own)
        let groupings = self.params.groupings();
        let ng = groupings.len() as f64;
        let mut means: Vec<Vec<f64>> = vec![vec![0.0; h]; n];
        let nq = self.levels.len() * 2;
        let mut qs: Vec<Vec<Vec<f64>>> = vec![vec![vec![0.0; h]; nq]; n];
        let mut rows: Vec<ExplainRow> = Vec::new();
        let fit_h = self.horizon.unwrap_or(h);
        let offsets = self.params.offsets(fit_h);
        let mut groups = Vec::new();
        for (gi, grouping) in groupings.iter().enumerate() {
            for (key, series) in group_series(panel, grouping)? {
                groups.push((member_key(gi, &key), key, series));
            }
        }
        for (member, key, series) in &groups {
            let g = self
                .groups
                .iter()
                .find(|g| g.key == *member)
                .ok_or_else(|| {
                    GbmError::Usage(format!(
                        "series '{}' is in group '{key}', which the model was not trained on",
                        panel.id(series[0])
                    ))
                })?;
            // Boosters parsed once per run: [head][step][seed].
            let boosters: Vec<Vec<Vec<Booster>>> = g
                .heads
                .iter()
                .map(|hd| {
                    hd.models
                        .iter()
                        .map(|s| {
                            s.iter()
                                .map(|m| booster::load(m))
                                .collect::<Result<Vec<_>>>()
                        })
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?;
            let mut base = Some(self.features.forecast_frame(panel, series, future, h)?);
            // Sampled paths (`paths=K`): each path's recursive lags read a
            // draw around its own forecast (`noise`) instead of the forecast
            // itself, and the point forecast is the mean over paths. Paths
            // run one after another, so that one copy of the frame is live.
            let n_paths = self.n_paths();
            let np = n_paths as f64;
            let noise = PathNoise::new(self.params.noise, series.iter().map(|&i| panel.series(i)));
            let mut rng = StdRng::seed_from_u64(self.params.seed.wrapping_add(key_seed(member)));
            let mut point = vec![vec![0.0; series.len()]; h];
            let mut q = vec![vec![vec![0.0; series.len()]; boosters.len() - 1]; h];
            for path in 0..n_paths {
                // the last path takes the frame itself (no copy with paths=1)
                let next = if path + 1 < n_paths {
                    base.clone()
                } else {
                    base.take()
                };
                let Some(mut frame) = next else {
                    break;
                };
                let starts = noise.starts(&mut rng, series.len());
                for step in 0..h {
                    let members = self.params.members(step, fit_h);
                    let nm = members.len() as f64;
                    let mut path_point = vec![0.0; series.len()];
                    // the recursive member's own forecast, which its later lags read
                    let mut own: Option<Vec<f64>> = None;
                    let mut shown = None;
                    for &k in &members {
                        let x = frame.rows(step, offsets[k]);
                        let m = self.seed_mean(&boosters[0][k], &x, series.len())?;
                        add_scaled(&mut path_point, m.iter().copied(), nm);
                        if k == 0 && self.params.strategy == Strategy::Blend {
                            own = Some(m);
                        }
                        for (qb, acc) in boosters.iter().skip(1).zip(&mut q[step]) {
                            add_scaled(acc, booster::predict(&qb[k][0], &x)?, nm * np);
                        }
                        if explain {
                            shown.get_or_insert_with(Vec::new).push((k, x));
                        }
                    }
                    add_scaled(&mut point[step], path_point.iter().copied(), np);
                    if let Some(xs) = shown {
                        // explanations need paths=1 (checked above): the path is the forecast
                        rows.extend(self.explain_step(
                            &boosters[0],
                            &xs,
                            &path_point,
                            series,
                            step,
                        )?);
                    }
                    // a blend's recursive member reads its own forecasts, so it
                    // forecasts exactly as the recursive model alone would
                    let mut fed = own.unwrap_or(path_point);
                    if n_paths > 1 {
                        for (j, v) in fed.iter_mut().enumerate() {
                            *v = noise.draw(&mut rng, j, starts[j], step, *v);
                        }
                    }
                    frame.push(&fed);
                }
            }
            for (step, (p, qv)) in point.iter().zip(&q).enumerate() {
                for (qi, v) in qv.iter().enumerate() {
                    for (j, &i) in series.iter().enumerate() {
                        qs[i][qi][step] += v[j] / ng;
                    }
                }
                for (j, &i) in series.iter().enumerate() {
                    means[i][step] += p[j] / ng;
                }
            }
        }
        if groupings.len() > 1 {
            rows = average_rows(rows);
        }
        let fc = self.assemble(means, qs, levels);
        let explain = explain.then(|| Explanation {
            model: self.name.clone(),
            features: self.features.names.clone(),
            log_link: self.params.objective.log_link(),
            ids: panel.ids().to_vec(),
            starts: fc.starts.clone(),
            freq: panel.freq(),
            rows,
        });
        Ok(Run { fc, explain })
    }

    /// SHAP contributions of one step, averaged over the step's boosters
    /// (`xs`: each booster's index and feature rows) and their seeds, with
    /// the raw scores averaged the same way, so that contributions plus
    /// expected value add up to `raw`. The feature values shown are the
    /// first booster's (the recursive one in a blend).
    fn explain_step(
        &self,
        point_heads: &[Vec<Booster>],
        xs: &[(usize, demandcast_features::Matrix)],
        point: &[f64],
        series: &[usize],
        step: usize,
    ) -> Result<Vec<ExplainRow>> {
        let Some((_, x0)) = xs.first() else {
            return Ok(Vec::new());
        };
        let nf = x0.n_features;
        let mut contrib = vec![0.0; x0.rows() * (nf + 1)];
        let mut raw = vec![0.0; x0.rows()];
        for (k, x) in xs {
            let seeds = &point_heads[*k];
            let w = (xs.len() * seeds.len()) as f64;
            for b in seeds {
                add_scaled(&mut contrib, booster::contributions(b, x)?, w);
                add_scaled(&mut raw, booster::raw(b, x)?, w);
            }
        }
        Ok(series
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let c = &contrib[j * (nf + 1)..(j + 1) * (nf + 1)];
                ExplainRow {
                    series: i,
                    step,
                    values: x0.row(j).to_vec(),
                    contributions: c[..nf].to_vec(),
                    expected: c[nf],
                    raw: raw[j],
                    prediction: point[j],
                }
            })
            .collect())
    }

    fn assemble(
        &self,
        means: Vec<Vec<f64>>,
        qs: Vec<Vec<Vec<f64>>>,
        levels: &[Level],
    ) -> PanelForecast {
        let panel = &self.panel;
        let series = means
            .into_iter()
            .zip(qs)
            .enumerate()
            .map(|(i, (mean, q))| {
                let scale =
                    conformal::recent_mean(panel.series(i), self.horizon.unwrap_or(1).max(28));
                let mut intervals: Vec<Interval> = levels
                    .iter()
                    .filter_map(|l| {
                        let k = self.levels.iter().position(|x| x == l)?;
                        Some(Interval {
                            level: *l,
                            lower: q[2 * k].clone(),
                            upper: q[2 * k + 1].clone(),
                        })
                    })
                    .collect();
                intervals.sort_by(|a, b| {
                    a.level
                        .partial_cmp(&b.level)
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                let mut f = Forecast { mean, intervals };
                conformal::widen(&mut f, &self.levels, &self.widen, scale, self.nonnegative);
                if self.nonnegative {
                    f.clip_nonnegative();
                }
                // the quantile models are fitted separately, so they can cross
                f.sort_quantiles();
                f
            })
            .collect();
        let mut lv = levels.to_vec();
        lv.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        PanelForecast {
            model: self.name.clone(),
            freq: panel.freq(),
            ids: panel.ids().to_vec(),
            starts: (0..panel.n_series())
                .map(|i| panel.freq().step(panel.last_date(i), 1))
                .collect(),
            levels: lv,
            series,
            notes: Vec::new(),
        }
    }
}

impl FittedForecaster for GbmFitted {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        self.run(h, levels, future, false)
            .map(|r| r.fc)
            .map_err(|e| e.into_core(&self.name))
    }
}
