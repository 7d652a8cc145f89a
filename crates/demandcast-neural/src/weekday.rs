//! Day-of-week indices for daily forecasts.
//!
//! The shipped model is small and briefly trained: on daily retail data its
//! forecasts carry the level but little of the weekly cycle (on M5 the store
//! totals swing ±25 % between weekdays; the transformer's totals were nearly
//! flat). Until a longer pretraining run learns the cycle itself, the model
//! reads the daily context divided by each series' day-of-week index and its
//! forecasts are multiplied by it (`forecaster.rs`, through [`crate::dayindex`]): the index is the share of
//! its last 52 weeks' sales on each weekday (times 7), shrunk toward the
//! panel's index in proportion to how few units the series sold. The indices
//! average 1 over a week, so weekly totals are unchanged. This is the classic
//! seasonal-index reseasonalisation, done by hand because it is a few lines.

use chrono::Datelike;
use demandcast_core::{Freq, Panel};

/// Smallest index divided by (a weekday that never sells would blow up).
pub const MIN_INDEX: f64 = 0.05;

/// Units at which a series' own index and the panel's weigh the same.
const SHRINK_UNITS: f64 = 100.0;
/// Days of history read.
const DAYS: usize = 364;

/// One index per series and weekday (Monday first), or `None` when the panel
/// is not daily or has no sales.
pub fn weekday_indices(p: &Panel) -> Option<Vec<[f64; 7]>> {
    if p.freq() != Freq::Daily {
        return None;
    }
    let mut sums = Vec::with_capacity(p.n_series());
    let mut panel = [0f64; 7];
    for i in 0..p.n_series() {
        let y = p.series(i);
        let n = y.len();
        let mut s = [0f64; 7];
        for t in n.saturating_sub(DAYS)..n {
            let v = y[t];
            if v.is_finite() && v > 0.0 {
                s[p.date(i, t).weekday().num_days_from_monday() as usize] += v;
            }
        }
        for d in 0..7 {
            panel[d] += s[d];
        }
        sums.push(s);
    }
    let tot: f64 = panel.iter().sum();
    if tot <= 0.0 {
        return None;
    }
    let pidx: Vec<f64> = panel.iter().map(|v| 7.0 * v / tot).collect();
    Some(
        sums.into_iter()
            .map(|s| {
                let st: f64 = s.iter().sum();
                let w = st / (st + SHRINK_UNITS);
                let mut out = [1f64; 7];
                for d in 0..7 {
                    let own = if st > 0.0 { 7.0 * s[d] / st } else { pidx[d] };
                    out[d] = w * own + (1.0 - w) * pidx[d];
                }
                out
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::Window;
    use demandcast_core::NaiveDate;

    #[test]
    fn indices_follow_the_weekly_cycle_and_average_one() -> Result<(), Box<dyn std::error::Error>> {
        // 2024-01-01 is a Monday; Saturdays sell 3 units, other days 1.
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
        let y: Vec<f64> = (0..364)
            .map(|t| if t % 7 == 5 { 3.0 } else { 1.0 })
            .collect();
        let p = Panel::from_series(Freq::Daily, vec![("a".to_string(), start, y)])?;
        let idx = weekday_indices(&p).ok_or("daily panel")?;
        let mean: f64 = idx[0].iter().sum::<f64>() / 7.0;
        assert!((mean - 1.0).abs() < 1e-12);
        // Series and panel agree here, so the index is the true one: 3 / (9/7).
        assert!((idx[0][5] - 7.0 * 3.0 / 9.0).abs() < 1e-9, "{:?}", idx[0]);
        assert!((idx[0][0] - 7.0 / 9.0).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn adjusted_windows_lose_the_weekly_cycle() -> Result<(), Box<dyn std::error::Error>> {
        // Saturdays sell 3 units, other days 1: divided by the index, every
        // day of the context and of the targets reads the same 9/7.
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
        let y: Vec<f64> = (0..364)
            .map(|t| if t % 7 == 5 { 3.0 } else { 1.0 })
            .collect();
        let p = Panel::from_series(Freq::Daily, vec![("a".to_string(), start, y.clone())])?;
        let origin = 300;
        let mut w = Window {
            context: y[origin - 30..origin].iter().map(|v| *v as f32).collect(),
            target: y[origin..origin + 10].iter().map(|v| *v as f32).collect(),
            feats: Vec::new(),
            statics: Vec::new(),
            text: None,
            freq: 0,
        };
        let day = crate::dayindex::DayIndex::estimate(&p, &Default::default(), true, false)
            .ok_or("daily panel")?;
        day.adjust_window(&mut w, &p, 0, origin);
        for v in w.context.iter().chain(&w.target) {
            assert!((f64::from(*v) - 9.0 / 7.0).abs() < 1e-5, "{v}");
        }
        Ok(())
    }
}
