//! Day factors for daily forecasts: weekday, benefit days and events.
//!
//! [`crate::weekday`] gives each series a day-of-week index. The model also
//! reads benefit-day (SNAP) and event flags, but neither its pretraining nor a
//! short fine-tune teaches it their size on a user's data: on M5 (d_1914 ..
//! d_1941) its store totals stayed flat over the SNAP days, where the actuals
//! rose 4-17 %, and over Mother's Day, where they fell 16-22 %. Like the
//! weekday index, these effects are measured on the history; the model reads
//! the context divided by them and its forecast is multiplied by them:
//! * **benefit days**: per series, the mean weekday-adjusted sales on flagged
//!   days over those on unflagged days (its last 364 days, event days left
//!   out), shrunk toward its group's ratio (the series sharing a static
//!   attribute, see [`group_attribute`]) in proportion to how few units it
//!   sold on flagged days; the group's ratio is itself the pooled one of its
//!   series;
//! * **events**: on each event day of the history, the panel's adjusted sales
//!   over their level on the 28 days around it that hold no event. A context
//!   day is divided by its own day's ratio; a forecast (or fine-tuning
//!   target) day takes the mean ratio of the matching event days one and two
//!   years before: 364, 365, 366, 371 or 357 days earlier, the first of these
//!   that holds an event, so a holiday that recurs at the same date or the
//!   same weekday of the year carries its last effects. An event day without
//!   such a match keeps a factor of 1.
//!
//! Hand-written for the same reason as the weekday index: it is the classic
//! multiplicative calendar adjustment, a few loops over the panel.

use crate::features::{CovRole, F_BENEFIT, F_EVENT, N_STEP_FEATURES};
use crate::panel::CovariateUse;
use crate::weekday::MIN_INDEX;
use crate::window::Window;
use chrono::{Datelike, NaiveDate};
use demandcast_core::{Freq, Panel};
use std::collections::{BTreeMap, HashMap};

/// Days of history the benefit-day ratios read.
const DAYS: usize = 364;
/// Units sold on flagged days at which a series' own benefit ratio and its
/// group's weigh the same.
const SHRINK_UNITS: f64 = 200.0;
/// Half-width, in days, of the neighbourhood an event day is compared with.
const EVENT_SPAN: i64 = 14;
/// Bounds of a benefit-day ratio and of an event ratio.
const BENEFIT_RANGE: (f64, f64) = (0.5, 2.0);
const EVENT_RANGE: (f64, f64) = (0.0, 4.0);
/// Offsets (days) at which an event's previous occurrence is looked for.
const YEAR_BACK: [i64; 3] = [364, 365, 366];

/// The day factors of a daily panel.
#[derive(Debug, Clone)]
pub struct DayIndex {
    /// Day-of-week index per series (all 1 when the weekday index is off).
    dow: Vec<[f64; 7]>,
    /// Factor on benefit-flagged days, per series (1 = none).
    benefit: Vec<f64>,
    /// The panel's ratio on each event day of the history.
    events: BTreeMap<NaiveDate, f64>,
}

/// Whether step `r` of a window's features carries the flag in `slot`.
fn flag(feats: &[f32], r: usize, slot: usize) -> bool {
    feats
        .get(r * N_STEP_FEATURES + slot)
        .is_some_and(|v| *v != 0.0)
}

/// Per series and row, whether any covariate of `role` is non-zero there.
fn flags_of(p: &Panel, covs: &CovariateUse, role: CovRole, i: usize) -> Vec<bool> {
    let mut out = vec![false; p.len_of(i)];
    for (name, r) in &covs.used {
        if *r != role {
            continue;
        }
        if let Some(v) = p.covariate_of(name, i) {
            for (o, x) in out.iter_mut().zip(v) {
                *o |= x.is_finite() && *x != 0.0;
            }
        }
    }
    out
}

/// The static attribute whose values group the series for the benefit-day
/// ratios: the one with the most distinct values among those with at least
/// 2 and at most one per 20 series (M5: the department, not the item).
pub fn group_attribute(p: &Panel) -> Option<usize> {
    let limit = (p.n_series() / 20).max(2);
    p.statics()
        .iter()
        .enumerate()
        .filter_map(|(k, c)| {
            let mut v: Vec<&String> = c.values.iter().collect();
            v.sort();
            v.dedup();
            (v.len() >= 2 && v.len() <= limit).then_some((k, v.len()))
        })
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
}

impl DayIndex {
    /// Estimates the factors of a daily panel; `None` when it is not daily or
    /// nothing is to be adjusted. `weekday`: include the day-of-week index;
    /// `events`: include the benefit-day and event factors.
    pub fn estimate(p: &Panel, covs: &CovariateUse, weekday: bool, events: bool) -> Option<Self> {
        if p.freq() != Freq::Daily || !(weekday || events) {
            return None;
        }
        let n = p.n_series();
        let dow = if weekday {
            crate::weekday::weekday_indices(p)?
        } else {
            vec![[1.0; 7]; n]
        };
        let mut out = Self {
            dow,
            benefit: vec![1.0; n],
            events: BTreeMap::new(),
        };
        if events {
            let ev: Vec<Vec<bool>> = (0..n)
                .map(|i| flags_of(p, covs, CovRole::Event, i))
                .collect();
            let ben: Vec<Vec<bool>> = (0..n)
                .map(|i| flags_of(p, covs, CovRole::Benefit, i))
                .collect();
            out.benefit = out.benefit_ratios(p, &ben, &ev);
            out.events = out.event_ratios(p, &ben, &ev);
        }
        Some(out)
    }

    fn wd(&self, i: usize, d: NaiveDate) -> f64 {
        self.dow[i][d.weekday().num_days_from_monday() as usize]
    }

    fn benefit_ratios(&self, p: &Panel, ben: &[Vec<bool>], ev: &[Vec<bool>]) -> Vec<f64> {
        let n = p.n_series();
        // (units on flagged days, flagged days, units on other days, other days)
        let mut sums = vec![[0f64; 4]; n];
        for (i, s) in sums.iter_mut().enumerate() {
            let b = &ben[i];
            let y = p.series(i);
            for t in y.len().saturating_sub(DAYS)..y.len() {
                if !y[t].is_finite() || ev[i][t] {
                    continue;
                }
                let a = y[t] / self.wd(i, p.date(i, t)).max(MIN_INDEX);
                let k = if b[t] { 0 } else { 2 };
                s[k] += a;
                s[k + 1] += 1.0;
            }
        }
        let ratio = |s: &[f64; 4]| {
            (s[1] > 0.0 && s[3] > 0.0 && s[2] > 0.0).then(|| (s[0] / s[1]) / (s[2] / s[3]))
        };
        let add = |a: &mut [f64; 4], s: &[f64; 4]| a.iter_mut().zip(s).for_each(|(x, y)| *x += y);
        let mut panel = [0f64; 4];
        sums.iter().for_each(|s| add(&mut panel, s));
        let Some(panel_ratio) = ratio(&panel) else {
            return vec![1.0; n];
        };
        let groups: Option<&[String]> = group_attribute(p).map(|k| &p.statics()[k].values[..]);
        let mut by_group: HashMap<&str, [f64; 4]> = HashMap::new();
        if let Some(g) = groups {
            for (i, s) in sums.iter().enumerate() {
                add(by_group.entry(g[i].as_str()).or_default(), s);
            }
        }
        let shrink = |s: &[f64; 4], prior: f64| match ratio(s) {
            Some(r) => {
                let w = s[0] / (s[0] + SHRINK_UNITS);
                w * r + (1.0 - w) * prior
            }
            None => prior,
        };
        (0..n)
            .map(|i| {
                let prior = groups
                    .and_then(|g| by_group.get(g[i].as_str()))
                    .map_or(panel_ratio, |s| shrink(s, panel_ratio));
                shrink(&sums[i], prior).clamp(BENEFIT_RANGE.0, BENEFIT_RANGE.1)
            })
            .collect()
    }

    fn event_ratios(
        &self,
        p: &Panel,
        ben: &[Vec<bool>],
        ev: &[Vec<bool>],
    ) -> BTreeMap<NaiveDate, f64> {
        let Some(first) = (0..p.n_series()).map(|i| p.start(i)).min() else {
            return BTreeMap::new();
        };
        let Some(last) = p.max_date() else {
            return BTreeMap::new();
        };
        let days = (last - first).num_days().max(0) as usize + 1;
        // Adjusted sales summed over the series, and the event flags, by date.
        let mut total = vec![0f64; days];
        let mut is_event = vec![false; days];
        for i in 0..p.n_series() {
            let y = p.series(i);
            let off = (p.start(i) - first).num_days().max(0) as usize;
            for t in 0..y.len() {
                let d = off + t;
                if d >= days {
                    break;
                }
                is_event[d] |= ev[i][t];
                if y[t].is_finite() {
                    let f = self.factor(i, p.date(i, t), ben[i][t], false, true);
                    total[d] += y[t] / f.max(MIN_INDEX);
                }
            }
        }
        let mut out = BTreeMap::new();
        for d in (0..days).filter(|&d| is_event[d]) {
            let lo = d.saturating_sub(EVENT_SPAN as usize);
            let hi = (d + EVENT_SPAN as usize).min(days - 1);
            let near: Vec<f64> = (lo..=hi)
                .filter(|&k| !is_event[k])
                .map(|k| total[k])
                .collect();
            if near.is_empty() {
                continue;
            }
            let level = near.iter().sum::<f64>() / near.len() as f64;
            if level > 0.0 {
                let r = (total[d] / level).clamp(EVENT_RANGE.0, EVENT_RANGE.1);
                out.insert(first + chrono::Duration::days(d as i64), r);
            }
        }
        out
    }

    /// The event day matching `d` one year before, if the history holds one.
    fn year_before(&self, d: NaiveDate) -> Option<NaiveDate> {
        YEAR_BACK
            .iter()
            .map(|k| d - chrono::Duration::days(*k))
            .find(|e| self.events.contains_key(e))
    }

    /// The factor of an event day `d` forecast from the years before it: the
    /// mean ratio of its matches one and two years back (1 without one).
    pub fn expected_event(&self, d: NaiveDate) -> f64 {
        let mut found = Vec::new();
        let mut at = d;
        for _ in 0..2 {
            match self.year_before(at) {
                Some(e) => {
                    found.extend(self.events.get(&e).copied());
                    at = e;
                }
                None => break,
            }
        }
        if found.is_empty() {
            1.0
        } else {
            found.iter().sum::<f64>() / found.len() as f64
        }
    }

    /// Series `i`'s factor on day `d`, given the day's benefit and event
    /// flags; `observed`: a day of the history (an event day then takes its
    /// own ratio rather than the years before's).
    pub fn factor(
        &self,
        i: usize,
        d: NaiveDate,
        benefit: bool,
        event: bool,
        observed: bool,
    ) -> f64 {
        let mut f = self.wd(i, d);
        if benefit {
            f *= self.benefit[i];
        }
        if event {
            f *= match self.events.get(&d).filter(|_| observed) {
                Some(r) => *r,
                None => self.expected_event(d),
            };
        }
        f
    }

    /// The factors of `h` steps of a window after its context, on the days
    /// after `origin` rows of series `i`.
    pub fn horizon(&self, w: &Window, p: &Panel, i: usize, origin: usize, h: usize) -> Vec<f64> {
        let c = w.context.len();
        let start = p.start(i);
        (0..h)
            .map(|t| {
                let d = p.freq().step(start, (origin + t) as i64);
                self.factor(
                    i,
                    d,
                    flag(&w.feats, c + t, F_BENEFIT),
                    flag(&w.feats, c + t, F_EVENT),
                    false,
                )
            })
            .collect()
    }

    /// Divides a window's context and targets by their days' factors: the
    /// problem the model is given, at inference (context only) and in
    /// fine-tuning (context and targets). `origin` is the row of series `i`
    /// of the first target step.
    pub fn adjust_window(&self, w: &mut Window, p: &Panel, i: usize, origin: usize) {
        let c = w.context.len();
        let c0 = origin.saturating_sub(c);
        for k in 0..c {
            let d = p.date(i, c0 + k);
            let f = self.factor(
                i,
                d,
                flag(&w.feats, k, F_BENEFIT),
                flag(&w.feats, k, F_EVENT),
                true,
            );
            w.context[k] /= f.max(MIN_INDEX) as f32;
        }
        let f = self.horizon(w, p, i, origin, w.target.len());
        for (v, f) in w.target.iter_mut().zip(f) {
            *v /= f.max(MIN_INDEX) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::NaiveDate;

    type R = Result<(), Box<dyn std::error::Error>>;

    /// Three years of one daily series from 2024-01-01: `y(date)` units, with
    /// a `snap` flag on days 1-10 of each month and an `event` flag on 4 July.
    fn panel(y: impl Fn(NaiveDate) -> f64) -> Result<Panel, Box<dyn std::error::Error>> {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
        let dates: Vec<NaiveDate> = (0..1096)
            .map(|t| start + chrono::Duration::days(t))
            .collect();
        let snap = dates
            .iter()
            .map(|d| f64::from(u8::from(d.day() <= 10)))
            .collect();
        let event = dates
            .iter()
            .map(|d| f64::from(u8::from(d.month() == 7 && d.day() == 4)))
            .collect();
        let values = dates.iter().map(|d| y(*d)).collect();
        Ok(
            Panel::from_series(Freq::Daily, vec![("a".to_string(), start, values)])?
                .with_covariate("snap", snap)?
                .with_covariate("event", event)?,
        )
    }

    fn is_july_4(d: NaiveDate) -> bool {
        d.month() == 7 && d.day() == 4
    }

    #[test]
    fn benefit_days_and_events_are_measured_on_the_history() -> R {
        // Benefit days sell 2 units, 4 July half the usual 1 (or 2).
        let p = panel(|d| {
            let base = if d.day() <= 10 { 2.0 } else { 1.0 };
            if is_july_4(d) {
                base * 0.5
            } else {
                base
            }
        })?;
        let covs = CovariateUse::of(&p);
        let idx = DayIndex::estimate(&p, &covs, true, true).ok_or("daily panel")?;
        assert!((idx.benefit[0] - 2.0).abs() < 0.05, "{}", idx.benefit[0]);
        // The next 4 July (a Sunday) takes the ratio of the last two.
        let next = NaiveDate::from_ymd_opt(2027, 7, 4).ok_or("date")?;
        let e = idx.expected_event(next);
        assert!((e - 0.5).abs() < 0.05, "{e}");
        // A day without a previous occurrence keeps a factor of 1.
        let other = NaiveDate::from_ymd_opt(2027, 3, 15).ok_or("date")?;
        assert!((idx.expected_event(other) - 1.0).abs() < 1e-12);
        // Off: no factor at all on a panel without a weekly cycle.
        let plain = DayIndex::estimate(&p, &covs, false, false);
        assert!(plain.is_none());
        Ok(())
    }

    #[test]
    fn adjusted_windows_lose_the_benefit_days_and_forecasts_regain_them() -> R {
        let p = panel(|d| if d.day() <= 10 { 1.5 } else { 1.0 })?;
        let covs = CovariateUse::of(&p);
        let idx = DayIndex::estimate(&p, &covs, true, true).ok_or("daily panel")?;
        let origin = 1000;
        let h = 40;
        let c0 = origin - 60;
        let y = p.series(0);
        let mut w = Window {
            context: y[c0..origin].iter().map(|v| *v as f32).collect(),
            target: y[origin..origin + h].iter().map(|v| *v as f32).collect(),
            feats: crate::panel::series_features(&p, 0, c0, origin, h, &covs, None),
            statics: Vec::new(),
            text: None,
            freq: 0,
        };
        let f = idx.horizon(&w, &p, 0, origin, h);
        idx.adjust_window(&mut w, &p, 0, origin);
        // Every adjusted value reads the unflagged days' level (about 1).
        for v in w.context.iter().chain(&w.target) {
            assert!((f64::from(*v) - 1.0).abs() < 0.05, "{v}");
        }
        // The forecast factors are the benefit ratio on flagged days.
        for (t, f) in f.iter().enumerate() {
            let d = p.date(0, origin + t);
            let want = if d.day() <= 10 { 1.5 } else { 1.0 };
            assert!((f - want).abs() < 0.05, "{d}: {f}");
        }
        Ok(())
    }
}
