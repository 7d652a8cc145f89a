//! Noise for the sampled paths of a recursive forecast (`paths=K`).
//!
//! A recursive model was trained on lags that are counts: noisy, with the
//! zeros of stock-outs and quiet days. Fed its own smooth forecasts instead,
//! it sees inputs it never saw in training, and its response to them is not
//! the mean of its responses to counts (on M5 the forecast of step 2 jumps
//! about 10 % above the direct model's, on every window and at every sales
//! volume). Sampled paths feed each path's lags a draw around its forecast,
//! and the point forecast is the mean over paths (a Monte Carlo estimate of
//! the recursive process' mean).
//!
//! Two draws:
//! * [`Noise::Poisson`] (default): a Poisson count with the forecast as its mean;
//! * [`Noise::Bootstrap`]: the forecast times the series' own ratios of
//!   value to mean over its recent history, read as a circular block from a
//!   random start, so that a path inherits the series' zeros, spikes and
//!   runs (a block bootstrap of multiplicative residuals). On M5 (train to
//!   d_1885, 20 paths) it scored worse than Poisson draws (WRMSSE-12 0.907
//!   against 0.791; BENCHMARKS.md), so it is not the default.

use rand::{rngs::StdRng, Rng};
use rand_distr::{Distribution, Poisson};
use serde::{Deserialize, Serialize};

/// How sampled paths draw the values their lags read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Noise {
    /// A Poisson draw with the forecast as its mean.
    #[default]
    Poisson,
    /// The forecast times a block of the series' recent ratios to its mean.
    Bootstrap,
}

impl Noise {
    /// The name `noise=` takes.
    pub fn name(self) -> &'static str {
        match self {
            Noise::Bootstrap => "bootstrap",
            Noise::Poisson => "poisson",
        }
    }

    /// Parses `bootstrap` or `poisson`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "bootstrap" => Some(Noise::Bootstrap),
            "poisson" => Some(Noise::Poisson),
            _ => None,
        }
    }
}

/// Recent periods whose ratios a bootstrap path reads (half a year of days).
pub(crate) const BOOTSTRAP_WINDOW: usize = 182;

/// Per series of a group: the multiplicative residuals a path draws from.
#[derive(Debug, Clone)]
pub(crate) struct PathNoise {
    kind: Noise,
    // per series: y / mean(y) over the last BOOTSTRAP_WINDOW values; empty
    // when the window has no sale (such a path gets Poisson draws)
    ratios: Vec<Vec<f64>>,
}

impl PathNoise {
    /// The noise of the series whose histories are `ys`.
    pub(crate) fn new<'a>(kind: Noise, ys: impl Iterator<Item = &'a [f64]>) -> Self {
        let ratios = match kind {
            Noise::Poisson => Vec::new(),
            Noise::Bootstrap => ys.map(ratios).collect(),
        };
        Self { kind, ratios }
    }

    /// One path's start offsets, one per series.
    pub(crate) fn starts(&self, rng: &mut StdRng, n: usize) -> Vec<usize> {
        (0..n)
            .map(|j| match self.ratios.get(j) {
                Some(r) if !r.is_empty() => rng.random_range(0..r.len()),
                _ => 0,
            })
            .collect()
    }

    /// The value series `j`'s lags read at forecast step `step` of a path
    /// that started its block at `start`, around the forecast `mu`.
    pub(crate) fn draw(
        &self,
        rng: &mut StdRng,
        j: usize,
        start: usize,
        step: usize,
        mu: f64,
    ) -> f64 {
        if !(mu > 0.0 && mu.is_finite()) {
            return 0.0;
        }
        match self.ratios.get(j) {
            Some(r) if self.kind == Noise::Bootstrap && !r.is_empty() => {
                mu * r[(start + step) % r.len()]
            }
            _ => Poisson::new(mu).map_or(mu, |d| d.sample(rng)),
        }
    }
}

/// `y / mean(y)` over the last [`BOOTSTRAP_WINDOW`] finite values (empty when
/// their mean is not positive).
fn ratios(y: &[f64]) -> Vec<f64> {
    let tail: Vec<f64> = y
        .iter()
        .rev()
        .filter(|v| v.is_finite())
        .take(BOOTSTRAP_WINDOW)
        .copied()
        .collect();
    let mean = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
    if mean.is_nan() || mean <= 0.0 {
        return Vec::new();
    }
    tail.iter().rev().map(|v| v.max(0.0) / mean).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ratios_average_one_and_keep_the_zeros() {
        let y = [0.0, 0.0, 4.0, 2.0, 0.0, 6.0];
        let r = ratios(&y);
        assert_eq!(r.len(), 6);
        let mean: f64 = r.iter().sum::<f64>() / 6.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert_eq!(r[0], 0.0);
        assert!((r[2] - 2.0).abs() < 1e-12, "4 / mean 2");
        assert!(ratios(&[0.0, 0.0]).is_empty());
        let long: Vec<f64> = (0..400).map(|t| (t % 3) as f64).collect();
        assert_eq!(ratios(&long).len(), BOOTSTRAP_WINDOW);
    }

    #[test]
    fn bootstrap_paths_average_the_forecast() {
        let ys: Vec<Vec<f64>> = vec![vec![0.0, 3.0, 0.0, 0.0, 1.0, 8.0, 0.0], vec![0.0; 10]];
        let noise = PathNoise::new(Noise::Bootstrap, ys.iter().map(|v| v.as_slice()));
        let mut rng = StdRng::seed_from_u64(7);
        let (mut sum, mut zeros, n) = (0.0, 0, 20_000);
        for _ in 0..n {
            let s = noise.starts(&mut rng, 2);
            let v = noise.draw(&mut rng, 0, s[0], 3, 2.5);
            sum += v;
            zeros += usize::from(v == 0.0);
        }
        // the ratios average 1, so draws average the forecast; 4 of 7 are zeros
        assert!((sum / n as f64 - 2.5).abs() < 0.1, "{}", sum / n as f64);
        let z = zeros as f64 / n as f64;
        assert!((z - 4.0 / 7.0).abs() < 0.02, "{z}");
        // a series without sales in its window falls back to Poisson counts
        let v = noise.draw(&mut rng, 1, 0, 0, 3.0);
        assert_eq!(v, v.round());
        assert_eq!(noise.draw(&mut rng, 0, 0, 0, 0.0), 0.0);
    }

    #[test]
    fn names_round_trip() {
        for n in [Noise::Bootstrap, Noise::Poisson] {
            assert_eq!(Noise::from_name(n.name()), Some(n));
        }
        assert_eq!(Noise::from_name("gauss"), None);
    }
}
