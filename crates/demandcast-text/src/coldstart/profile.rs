//! Launch profiles: what each product with history says about launches.
//!
//! A product whose first sale comes well after the start of the data has an
//! *observed launch*: its first `h` periods are a launch curve that can be
//! copied, aligned on the launch. A product selling from the start of the data
//! (launched before it) has only a *level* (mean units per period); its
//! launch-window equivalent is `level * h * ramp`, where `ramp` (how much more
//! a launch window sells than the same product later on) is estimated from the
//! observed launches. Both kinds are analogues: established products are most
//! of the catalogue, and a new colour of a best-seller should look like it.

use demandcast_core::{NaiveDate, Panel};

/// One product's launch profile at a cut-off.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchProfile {
    /// Row in the panel.
    pub series: usize,
    /// Whether the launch was observed (first sale at least `margin` periods
    /// after the data's first period).
    pub observed: bool,
    /// First-sale date.
    pub first_sale: NaiveDate,
    /// Periods from the first sale to the cut-off.
    pub periods: usize,
    /// Mean units per period after the launch window (or over the whole
    /// history for established products), over at most the last `level_window` periods.
    pub level: f64,
    /// The first `h` periods after the launch (fewer if not yet observed);
    /// empty for established products.
    pub curve: Vec<f64>,
}

/// Settings of [`launch_profiles`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileOptions {
    /// Launch-window length in periods.
    pub horizon: usize,
    /// A first sale at least this many periods after the data's first
    /// period counts as an observed launch.
    pub margin: usize,
    /// The level averages at most this many of the last periods.
    pub level_window: usize,
}

/// Profiles of every series of `panel` with a sale on or before `cutoff`
/// (data after `cutoff` is ignored, so the same panel serves backtests).
/// Periods missing at the end of a series (it stopped before the others)
/// count as zero sales: a long table lists the periods a product sold in.
pub fn launch_profiles(panel: &Panel, cutoff: NaiveDate, o: &ProfileOptions) -> Vec<LaunchProfile> {
    let freq = panel.freq();
    let Some(first) = panel.starts().iter().min().copied() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..panel.n_series() {
        let y = panel.series(i);
        let start = panel.start(i);
        let Some(f) = y.iter().position(|v| *v > 0.0) else {
            continue;
        };
        let first_sale = freq.step(start, f as i64);
        if first_sale > cutoff {
            continue;
        }
        // Periods from the first sale up to and including the cut-off.
        let Some(n) = freq
            .steps_between(first_sale, cutoff)
            .or_else(|| approx_steps(panel, first_sale, cutoff))
        else {
            continue;
        };
        let n = (n + 1).max(1) as usize;
        let x: Vec<f64> = (0..n)
            .map(|j| {
                y.get(f + j)
                    .copied()
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0)
                    .max(0.0)
            })
            .collect();
        let before = freq.steps_between(first, first_sale).unwrap_or(0);
        let observed = before >= o.margin as i64;
        let (curve, tail) = if observed {
            let c = x[..o.horizon.min(n)].to_vec();
            (c, &x[o.horizon.min(n)..])
        } else {
            (Vec::new(), &x[..])
        };
        let tail = &tail[tail.len().saturating_sub(o.level_window)..];
        let level = if tail.is_empty() {
            f64::NAN
        } else {
            tail.iter().sum::<f64>() / tail.len() as f64
        };
        out.push(LaunchProfile {
            series: i,
            observed,
            first_sale,
            periods: n,
            level,
            curve,
        });
    }
    out
}

/// Steps between dates that are not on one grid (a cut-off between periods):
/// the number of whole periods from `a` that end on or before `b`.
fn approx_steps(panel: &Panel, a: NaiveDate, b: NaiveDate) -> Option<i64> {
    let freq = panel.freq();
    let mut k = 0i64;
    while freq.step(a, k + 1) <= b {
        k += 1;
        if k > 100_000 {
            return None;
        }
    }
    Some(k)
}

/// How much a launch window of `h` periods sells relative to `h` periods at
/// the product's later level: sum of launch totals over sum of `h * level`,
/// over observed launches with at least `2h` periods of history and a first
/// sale on or after `since` (the first sales of the data's first weeks are
/// mostly old products that had a quiet start, not launches). `None` with
/// fewer than 10 such launches.
pub fn estimate_ramp(
    profiles: &[LaunchProfile],
    h: usize,
    since: Option<NaiveDate>,
) -> Option<f64> {
    let (mut num, mut den, mut n) = (0.0, 0.0, 0usize);
    for p in profiles {
        if p.observed
            && since.is_none_or(|d| p.first_sale >= d)
            && p.periods >= 2 * h
            && p.curve.len() == h
            && p.level.is_finite()
        {
            num += p.curve.iter().sum::<f64>();
            den += p.level * h as f64;
            n += 1;
        }
    }
    (n >= 10 && den > 0.0).then(|| (num / den).clamp(0.25, 4.0))
}

/// Mean launch shape (share of the window's units in each period) over the
/// complete observed launches, or flat without any.
pub fn mean_shape(profiles: &[LaunchProfile], h: usize) -> Vec<f64> {
    let mut s = vec![0.0; h];
    for p in profiles {
        if p.observed && p.curve.len() == h {
            for (a, b) in s.iter_mut().zip(&p.curve) {
                *a += b;
            }
        }
    }
    let tot: f64 = s.iter().sum();
    if tot > 0.0 {
        s.iter().map(|v| v / tot).collect()
    } else {
        vec![1.0 / h.max(1) as f64; h]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::Freq;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    #[test]
    fn observed_and_established() {
        let f = Freq::Weekly(chrono::Weekday::Sun);
        let s0 = d(1, 7);
        let panel = Panel::from_series(
            f,
            vec![
                ("old".into(), s0, vec![2.0; 20]),
                // launched 10 weeks in: 4-week curve then level 1
                (
                    "new".into(),
                    f.step(s0, 10),
                    vec![5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                ),
            ],
        )
        .unwrap();
        let o = ProfileOptions {
            horizon: 4,
            margin: 4,
            level_window: 26,
        };
        let p = launch_profiles(&panel, f.step(s0, 19), &o);
        assert_eq!(p.len(), 2);
        assert!(!p[0].observed);
        assert_eq!(p[0].level, 2.0);
        assert!(p[1].observed);
        assert_eq!(p[1].curve, vec![5.0, 4.0, 3.0, 2.0]);
        assert_eq!(p[1].level, 1.0);
        // Cut-off two weeks after the launch: a partial curve, no level yet.
        let p = launch_profiles(&panel, f.step(s0, 11), &o);
        assert_eq!(p[1].curve, vec![5.0, 4.0]);
        assert!(p[1].level.is_nan());
        assert_eq!(p[0].periods, 12);
    }

    #[test]
    fn ramp_counts_launches_since_a_date() {
        let launch = |week: i64, total: f64| LaunchProfile {
            series: 0,
            observed: true,
            first_sale: d(1, 7) + chrono::Duration::weeks(week),
            periods: 8,
            level: 1.0,
            curve: vec![total / 4.0; 4],
        };
        // Ten launches selling 8 units in their first 4 weeks (ramp 2), and
        // ten early ones selling 2 (ramp 0.5).
        let mut ps: Vec<LaunchProfile> = (0..10).map(|i| launch(10 + i, 8.0)).collect();
        ps.extend((0..10).map(|i| launch(i % 3, 2.0)));
        assert_eq!(estimate_ramp(&ps, 4, Some(d(3, 17))), Some(2.0));
        assert_eq!(estimate_ramp(&ps, 4, None), Some(1.25));
        // Fewer than 10 launches after the date: no estimate.
        assert_eq!(estimate_ramp(&ps[5..], 4, Some(d(3, 17))), None);
    }
}
