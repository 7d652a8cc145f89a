//! Backtests two simple baselines on a panel in the fixture's wide format,
//! writes the long forecast table and the metrics JSON, and times the
//! scoring (for `scripts/check_scorer.py` and the WRMSSE-12 speed check).
//!
//! ```text
//! # wide file from the harness' M5 parquet (prep_m5.py --exog):
//! python -c "import pandas as pd, numpy as np; df = pd.read_parquet('m5.parquet'); \
//!   g = df.groupby('unique_id', sort=True); pd.DataFrame([(u, k, x.ds.iloc[0].date(), ';'.join(map('{:g}'.format, x[c]))) \
//!   for u, x in g for k, c in (('y', 'y'), ('price', 'sell_price'))], columns=['unique_id','kind','start','values']).to_csv('m5_wide.csv', index=False)"
//! cargo run --release -p demandcast-eval --example score_m5 -- m5_wide.csv OUT_DIR [H] [WINDOWS] [WEIGHTS_CSV]
//! ```

use demandcast_core::{
    FittedForecaster, Forecast, Forecaster, Freq, FutureCovariates, Level, NaiveDate, NoProgress,
    Panel, PanelForecast, Progress,
};
use demandcast_eval::{cross_validation, score_backtest, CvConfig, EvalOptions, TableOptions};
use std::time::Instant;
use tracing::info;

/// Naive (last value) or seasonal naive (lag 7) with normal intervals from
/// the in-sample one-step / seasonal residual sd.
#[derive(Clone, Copy)]
struct Baseline(usize);

struct Fitted(usize, Panel);

impl Forecaster for Baseline {
    fn name(&self) -> &str {
        if self.0 == 1 {
            "Naive"
        } else {
            "SeasonalNaive"
        }
    }
    fn fit_with_progress(
        &self,
        train: &Panel,
        _: &dyn Progress,
    ) -> demandcast_core::Result<Box<dyn FittedForecaster>> {
        Ok(Box::new(Fitted(self.0, train.clone())))
    }
}

impl FittedForecaster for Fitted {
    fn predict(
        &self,
        h: usize,
        levels: &[Level],
        _: Option<&FutureCovariates>,
    ) -> demandcast_core::Result<PanelForecast> {
        let (m, p) = (self.0, &self.1);
        let series = (0..p.n_series())
            .map(|i| {
                let y = p.series(i);
                let n = y.len();
                let mean: Vec<f64> = (0..h)
                    .map(|t| if n >= m { y[n - m + t % m] } else { y[n - 1] })
                    .collect();
                let d: Vec<f64> = (m..n).map(|t| y[t] - y[t - m]).collect();
                let sd = if d.is_empty() {
                    0.0
                } else {
                    (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt()
                };
                let sigma: Vec<f64> = (0..h).map(|t| sd * ((t / m + 1) as f64).sqrt()).collect();
                let mut f = Forecast::point(mean).with_normal_intervals(&sigma, levels);
                f.clip_nonnegative();
                f
            })
            .collect();
        Ok(PanelForecast {
            model: if m == 1 { "Naive" } else { "SeasonalNaive" }.to_string(),
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

fn load(path: &str) -> Result<Panel, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut y = Vec::new();
    let mut price = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let v = f[3]
            .split(';')
            .map(|s| s.parse::<f64>().unwrap_or(f64::NAN));
        if f[1] == "y" {
            y.push((
                f[0].to_string(),
                NaiveDate::parse_from_str(f[2], "%Y-%m-%d")?,
                v.collect::<Vec<f64>>(),
            ));
        } else {
            price.extend(v);
        }
    }
    Ok(Panel::from_series(Freq::Daily, y)?.with_covariate("sell_price", price)?)
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args: Vec<String> = std::env::args().collect();
    let (input, out) = (&args[1], std::path::PathBuf::from(&args[2]));
    let h: usize = args.get(3).map_or(Ok(28), |s| s.parse())?;
    let windows: usize = args.get(4).map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;
    let t0 = Instant::now();
    let panel = load(input)?;
    info!(
        series = panel.n_series(),
        rows = panel.n_rows(),
        secs = t0.elapsed().as_secs_f64(),
        "loaded"
    );
    let levels = [20.0, 40.0, 60.0, 80.0, 95.0]
        .map(Level::new)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let cfg = CvConfig::new(h, windows).with_levels(levels);
    let t0 = Instant::now();
    let cv = cross_validation(&panel, &[&Baseline(1), &Baseline(7)], &cfg, &NoProgress)?;
    info!(secs = t0.elapsed().as_secs_f64(), "backtest");
    let mut opts = EvalOptions::new(7);
    if let Some(path) = args.get(5) {
        let text = std::fs::read_to_string(path)?;
        let mut w = std::collections::HashMap::new();
        for line in text.lines().skip(1) {
            if let Some((id, v)) = line.split_once(',') {
                w.insert(id.to_string(), v.parse::<f64>()?);
            }
        }
        opts.score.level12_weights = Some(w);
    }
    opts.table = TableOptions {
        point_as_median: true,
    };
    let t0 = Instant::now();
    let (table, report) = score_backtest(&panel, &cv, &opts)?;
    info!(
        secs = t0.elapsed().as_secs_f64(),
        "scored (all metrics + WRMSSE-12 of both models)"
    );
    let hier = demandcast_eval::M5Hierarchy::from_panel(&panel)?;
    let t0 = Instant::now();
    let w = demandcast_eval::m5_wrmsse(
        &panel,
        &hier,
        &table,
        "SeasonalNaive",
        &demandcast_eval::M5Config::default(),
    )?;
    info!(
        secs = t0.elapsed().as_secs_f64(),
        wrmsse12 = w.wrmsse12,
        "WRMSSE-12 of one model"
    );
    let t0 = Instant::now();
    let ev = demandcast_eval::evaluate(&panel, &table, &opts.score);
    info!(
        secs = t0.elapsed().as_secs_f64(),
        models = ev.models.len(),
        "evaluate alone"
    );
    table.write_csv(std::io::BufWriter::new(std::fs::File::create(
        out.join("forecasts.csv"),
    )?))?;
    std::fs::write(
        out.join("metrics.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    for r in &report.metrics.models {
        info!(model = %r.metrics.model, rank = r.rank, wrmsse12 = ?r.wrmsse12, mase = ?r.get("mase"), wql = ?r.get("wql"), "result");
    }
    Ok(())
}
