//! AutoETS speed on M5: fits `AutoETS(season_length=7)` and predicts 28 days
//! with 80/95% intervals for the first 300 CA_1 item series (full length,
//! 1913 days), single-threaded, and reports ms per series.
//!
//! ```text
//! cargo run --release -p demandcast-stats --example ets_speed -- \
//!     [/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz] [n_series]
//! ```
//!
//! The statsforecast side of the comparison (same series, one core):
//!
//! ```python
//! import time, numpy as np, pandas as pd
//! from statsforecast.models import AutoETS
//! df = pd.read_csv("/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz")
//! Y = df[df.store_id == "CA_1"].filter(like="d_").values.astype(float)[:300]
//! t = time.perf_counter()
//! for y in Y:
//!     AutoETS(season_length=7).forecast(y, h=28, level=[80, 95])
//! print((time.perf_counter() - t) / len(Y) * 1e3, "ms/series")
//! ```
#![allow(clippy::print_stdout)]

use demandcast_core::{Level, LocalFitted, LocalModel};
use demandcast_stats::AutoEts;
use std::collections::BTreeMap;
use std::io::Read;
use std::process::Command;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// Reads the CSV (through `gzip -dc` when compressed: the crate has no
/// decompression dependency) and returns the first `n` CA_1 series.
fn load(path: &str, n: usize) -> Result<Vec<(String, Vec<f64>)>, Error> {
    let text = if path.ends_with(".gz") {
        let out = Command::new("gzip").args(["-dc", path]).output()?;
        if !out.status.success() {
            return Err(format!("gzip -dc {path} failed").into());
        }
        String::from_utf8(out.stdout)?
    } else {
        let mut s = String::new();
        std::fs::File::open(path)?.read_to_string(&mut s)?;
        s
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let first_day = header
        .iter()
        .position(|h| h.starts_with("d_"))
        .ok_or("no d_ columns")?;
    let store = header
        .iter()
        .position(|h| *h == "store_id")
        .ok_or("no store_id column")?;
    let mut out = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[store] != "CA_1" {
            continue;
        }
        let y = cells[first_day..]
            .iter()
            .map(|c| c.parse::<f64>())
            .collect::<Result<Vec<f64>, _>>()?;
        out.push((cells[0].to_string(), y));
        if out.len() == n {
            break;
        }
    }
    Ok(out)
}

/// CPU time of this process in seconds (Linux `/proc/self/schedstat`), a
/// fairer clock than wall time on a shared machine.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "/work/shared/data/m5/sales_train_validation_CA_1_TX_2.csv.gz".into());
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(300);
    let series = load(&path, n)?;
    let levels = [Level::new(80.0)?, Level::new(95.0)?];
    let model = AutoEts::new(7, "ZZZ")?;
    let mut chosen: BTreeMap<String, usize> = BTreeMap::new();
    let mut checksum = 0.0;
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    for (_, y) in &series {
        let fit = model.fit(y)?;
        let f = fit.predict(28, &levels)?;
        checksum += f.mean.iter().sum::<f64>();
        *chosen.entry(fit.method()).or_default() += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let per = |s: f64| s * 1e3 / series.len().max(1) as f64;
    println!(
        "AutoETS(7) fit + predict(28, [80, 95]) on {} M5 CA_1 series of length {}, single thread: wall {:.3} s ({:.2} ms/series)",
        series.len(),
        series.first().map_or(0, |s| s.1.len()),
        secs,
        per(secs)
    );
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        println!("cpu {:.3} s ({:.2} ms/series)", b - a, per(b - a));
    }
    println!("selected models: {chosen:?}; checksum of forecasts {checksum:.6}");
    Ok(())
}
