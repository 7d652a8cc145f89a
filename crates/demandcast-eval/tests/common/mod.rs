//! Fixture loading and small test forecasters shared by the integration tests.
#![allow(dead_code)]

use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, Freq, FutureCovariates, Level, NaiveDate, Panel,
    PanelForecast, Progress,
};
use demandcast_eval::ForecastTable;
use std::collections::HashMap;
use std::path::PathBuf;

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn num(s: &str) -> f64 {
    if s.is_empty() {
        f64::NAN
    } else {
        s.parse().unwrap()
    }
}

/// The fixture panel (tests/data/m5_wide.csv) with its `sell_price` covariate.
pub fn m5_panel() -> Panel {
    let text = std::fs::read_to_string(data("m5_wide.csv")).unwrap();
    let mut y: Vec<(String, NaiveDate, Vec<f64>)> = Vec::new();
    let mut price = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let v: Vec<f64> = f[3].split(';').map(num).collect();
        match f[1] {
            "y" => y.push((f[0].to_string(), date(f[2]), v)),
            _ => price.extend(v),
        }
    }
    Panel::from_series(Freq::Daily, y)
        .unwrap()
        .with_covariate("sell_price", price)
        .unwrap()
}

/// A forecast CSV written by pandas (`unique_id, ds, cutoff, <models>`).
pub fn read_forecasts(name: &str) -> ForecastTable {
    let text = std::fs::read_to_string(data(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (ci, cd, cc) = (col("unique_id"), col("ds"), col("cutoff"));
    let cy = header.iter().position(|h| *h == "y");
    let model_cols: Vec<usize> = (0..header.len())
        .filter(|&i| ![Some(ci), Some(cd), Some(cc), cy].contains(&Some(i)))
        .collect();
    let mut t =
        ForecastTable::new(model_cols.iter().map(|&i| header[i].to_string()).collect()).unwrap();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let vals: Vec<f64> = model_cols.iter().map(|&i| num(f[i])).collect();
        let y = cy.map_or(f64::NAN, |i| num(f[i]));
        t.push_row(f[ci], date(f[cd]), date(f[cc]), y, &vals)
            .unwrap();
    }
    t
}

pub fn m5_weights() -> HashMap<String, f64> {
    let text = std::fs::read_to_string(data("m5_weights.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let (id, w) = l.split_once(',').unwrap();
            (id.to_string(), w.parse().unwrap())
        })
        .collect()
}

pub fn assert_close(what: &str, got: f64, want: f64) {
    let ok = (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-6 * want.abs().max(1.0);
    assert!(ok, "{what}: got {got}, want {want}");
}

/// Test forecasters: `Naive` (last value, no intervals) and `Mean`
/// (historic mean, normal intervals with the sample sd, ddof = 1).
#[derive(Clone, Copy)]
pub enum Simple {
    Naive,
    Mean,
    /// The value one week (7 periods) earlier.
    Weekly,
    /// Fails on every fit.
    Broken,
}

struct Fitted(Simple, Panel);

impl Forecaster for Simple {
    fn name(&self) -> &str {
        match self {
            Simple::Naive => "Naive",
            Simple::Mean => "Mean",
            Simple::Weekly => "Weekly",
            Simple::Broken => "Broken",
        }
    }
    fn fit_with_progress(
        &self,
        train: &Panel,
        progress: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        if let Simple::Broken = self {
            return Err(demandcast_core::Error::Other("broken".into()));
        }
        progress.inc(train.n_series() as u64);
        Ok(Box::new(Fitted(*self, train.clone())))
    }
}

impl FittedForecaster for Fitted {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        _future: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        let p = &self.1;
        let series = (0..p.n_series())
            .map(|i| {
                let y = p.series(i);
                match self.0 {
                    Simple::Naive => Forecast::point(vec![*y.last().unwrap(); h]),
                    Simple::Weekly => {
                        Forecast::point((0..h).map(|t| y[y.len() - 7 + t % 7]).collect())
                    }
                    _ => {
                        let n = y.len() as f64;
                        let m = y.iter().sum::<f64>() / n;
                        let sd = if y.len() > 1 {
                            (y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt()
                        } else {
                            0.0
                        };
                        Forecast::point(vec![m; h]).with_normal_intervals(&vec![sd; h], levels)
                    }
                }
            })
            .collect();
        Ok(PanelForecast {
            model: Forecaster::name(&self.0).to_string(),
            freq: p.freq(),
            ids: p.ids().to_vec(),
            starts: (0..p.n_series())
                .map(|i| p.freq().step(p.last_date(i), 1))
                .collect(),
            levels: levels.to_vec(),
            series,
            notes: vec![],
        })
    }
}
