//! Single-threaded AutoTheta speed on M5: the first 300 CA_1 item series
//! (full length, 1,913 days), season 7, fit + predict 28 steps.
//!
//! ```text
//! cargo run --release -p demandcast-stats --example theta_speed [-- PATH [N [OUT]]]
//! ```
//! OUT, if given, receives the AutoTheta point forecasts (`series,step,mean`)
//! for comparison with statsforecast's.
//! PATH defaults to `/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz`
//! (`.gz` is read through `gzip -dc`, keeping the crate free of a gzip dependency).
//! The statsforecast comparison (same series, one core):
//! ```python
//! sf = StatsForecast(models=[AutoTheta(season_length=7)], freq=1, n_jobs=1)
//! sf.forecast(df=df, h=28)
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used)] // a benchmark report

use demandcast_core::{Level, LocalFitted, LocalModel};
use demandcast_stats::{AutoTheta, Theta, ThetaVariant};
use std::io::Read;
use std::time::Instant;

fn read_m5(path: &str, n: usize) -> Vec<Vec<f64>> {
    let mut text = String::new();
    if path.ends_with(".gz") {
        let out = std::process::Command::new("gzip")
            .args(["-dc", path])
            .output()
            .unwrap();
        assert!(out.status.success(), "gzip -dc {path} failed");
        text = String::from_utf8(out.stdout).unwrap();
    } else {
        std::fs::File::open(path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first_day = header.iter().position(|c| c.starts_with("d_")).unwrap();
    let store = header.iter().position(|c| *c == "store_id").unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[store] == "CA_1")
        .take(n)
        .map(|f| f[first_day..].iter().map(|v| v.parse().unwrap()).collect())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or(
        "/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz",
        String::as_str,
    );
    let n: usize = args.get(2).map_or(300, |s| s.parse().unwrap());
    let series = read_m5(path, n);
    println!("{} series of length {}", series.len(), series[0].len());
    let levels = [Level::new(80.0).unwrap(), Level::new(95.0).unwrap()];

    let t = Instant::now();
    let mut counts = std::collections::HashMap::<ThetaVariant, usize>::new();
    let mut means = Vec::with_capacity(series.len());
    for y in &series {
        let fit = AutoTheta::new(7).fit(y).unwrap();
        *counts.entry(fit.variant()).or_default() += 1;
        means.push(fit.predict(28, &[]).unwrap().mean);
    }
    let dt = t.elapsed().as_secs_f64();
    let checksum: f64 = means.iter().flatten().sum();
    if let Some(out) = args.get(3) {
        let mut csv = String::from("series,step,mean\n");
        for (i, m) in means.iter().enumerate() {
            for (t, v) in m.iter().enumerate() {
                csv += &format!("{i},{},{v:?}\n", t + 1);
            }
        }
        std::fs::write(out, csv).unwrap();
    }
    println!(
        "AutoTheta fit+predict(h=28):            {dt:.3} s total, {:.2} ms/series (checksum {checksum:.6})",
        1e3 * dt / series.len() as f64
    );
    let mut counts: Vec<_> = counts.into_iter().map(|(v, c)| (v.code(), c)).collect();
    counts.sort();
    println!("  chosen variants: {counts:?}");

    let t = Instant::now();
    for y in &series {
        AutoTheta::new(7)
            .fit(y)
            .unwrap()
            .predict(28, &levels)
            .unwrap();
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "AutoTheta fit+predict(h=28, 80/95%):    {dt:.3} s total, {:.2} ms/series",
        1e3 * dt / series.len() as f64
    );

    let t = Instant::now();
    for y in &series {
        Theta::new(7).fit(y).unwrap().predict(28, &[]).unwrap();
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "Theta fit+predict(h=28):                {dt:.3} s total, {:.2} ms/series",
        1e3 * dt / series.len() as f64
    );
}
