//! End-to-end tests of `demandcast simulate` and `demandcast plan` on a small
//! synthetic history: the documented files and keys, totals that add up, and
//! bad stock or lead-time input failing with exit code 2 and a message that
//! names the file, line and column.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{demandcast, stderr};

fn p(x: &Path) -> &str {
    x.to_str().expect("UTF-8 temp path")
}

/// Day `t` from 2023-01-01 (non-leap year, t < 365).
fn date(t: usize) -> String {
    let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut m, mut d) = (0, t);
    while d >= days[m] {
        d -= days[m];
        m += 1;
    }
    format!("2023-{:02}-{:02}", m + 1, d + 1)
}

/// 24 daily series of 240 days with a weekly pattern and pseudo-random
/// noise (a fixed LCG, so the file is the same on every run), and a price.
fn sales(dir: &Path) -> PathBuf {
    let mut s = String::from("unique_id,ds,y,sell_price\n");
    let mut state: u64 = 12345;
    for k in 0..24usize {
        let base = 1 + k % 6;
        for t in 0..240 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 33) % 4;
            let y = if k % 4 == 3 {
                // intermittent
                if noise == 0 {
                    1 + (t % 3)
                } else {
                    0
                }
            } else {
                base + (t % 7 == 5) as usize * 3 + noise as usize
            };
            s.push_str(&format!(
                "S{k:02},{},{y},{}\n",
                date(t),
                2.0 + k as f64 * 0.5
            ));
        }
    }
    let f = dir.join("sales.csv");
    std::fs::write(&f, s).expect("write sales");
    f
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file exists")).expect("valid JSON")
}

#[test]
fn simulate_writes_summary_products_and_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = sales(dir.path());
    let out = dir.path().join("sim");
    let o = demandcast(&[
        "simulate",
        "--input",
        p(&input),
        "--models",
        "seasonal_naive,croston_sba",
        "--policy",
        "order-up-to",
        "--service-level",
        "90",
        "--lead-time",
        "3",
        "--review-period",
        "7",
        "--weeks",
        "4",
        "--calibration-windows",
        "4",
        "--output",
        p(&out),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = json(&out.join("summary.json"));
    assert_eq!(s["n_products"], 24);
    for model in ["SeasonalNaive", "CrostonSBA"] {
        for variant in ["uncalibrated", "calibrated"] {
            let v = &s["models"][model][variant];
            for key in [
                "cycle_service_level",
                "fill_rate",
                "avg_inventory",
                "holding_cost",
                "lost_sales_cost",
                "total_cost",
            ] {
                assert!(v[key].is_number(), "{model} {variant} {key}: {v}");
            }
            let csl = v["cycle_service_level"].as_f64().unwrap();
            let fill = v["fill_rate"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&csl) && (0.0..=1.0).contains(&fill));
            let parts = v["holding_cost"].as_f64().unwrap()
                + v["lost_sales_cost"].as_f64().unwrap()
                + v["ordering_cost"].as_f64().unwrap();
            assert!((parts - v["total_cost"].as_f64().unwrap()).abs() < 1e-6);
            // 24 products x 4 cycles
            assert_eq!(v["cycles"], 96);
        }
    }
    // products.csv: one row per product, model and variant; its costs add up to the summary
    let text = std::fs::read_to_string(out.join("products.csv")).expect("products.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 24 * 2 * 2);
    let sum: f64 = rows
        .iter()
        .filter(|r| r[2] == "CrostonSBA" && r[3] == "calibrated")
        .map(|r| r[15].parse::<f64>().unwrap())
        .sum();
    let total = s["models"]["CrostonSBA"]["calibrated"]["total_cost"]
        .as_f64()
        .unwrap();
    assert!(
        (sum - total).abs() < 1e-6 * (1.0 + total),
        "{sum} vs {total}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("Per-step interval coverage"), "{md}");
    assert!(md.contains("ignore them"), "covariate note missing:\n{md}");
}

#[test]
fn simulate_rejects_lead_time_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = sales(dir.path());
    let o = demandcast(&[
        "simulate",
        "--input",
        p(&input),
        "--models",
        "naive",
        "--lead-time",
        "0",
        "--output",
        p(&dir.path().join("x")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--lead-time must be at least 1"),
        "{}",
        stderr(&o)
    );
}

fn plan(dir: &Path, stock: &str, extra: &[&str]) -> Output {
    let input = sales(dir);
    let sf = dir.join("stock.csv");
    std::fs::write(&sf, stock).expect("write stock");
    let out = dir.join("plan");
    let mut args = vec![
        "plan",
        "--input",
        p(&input),
        "--models",
        "seasonal_naive",
        "--stock",
        p(&sf),
        "--calibration-windows",
        "3",
        "--output",
        p(&out),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    demandcast(&args)
}

#[test]
fn plan_writes_orders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lt = dir.path().join("lt.csv");
    std::fs::write(
        &lt,
        "unique_id,lead_time,probability\nS02,2,0.5\nS02,6,0.5\n",
    )
    .expect("write");
    let o = plan(
        dir.path(),
        "unique_id,on_hand,on_order,lead_time,pack_size\nS00,0,0,3,\nS01,500,0,3,\nS02,4,2,,6\n",
        &["--lead-times", p(&lt), "--service-level", "95"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("plan");
    let text = std::fs::read_to_string(out.join("plan.csv")).expect("plan.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 3);
    let f = |r: &Vec<&str>, k: usize| r[k].parse::<f64>().unwrap();
    for r in &rows {
        assert!(f(r, 8) >= 0.0, "negative order {r:?}");
        assert!(f(r, 5) >= f(r, 4), "order-up-to below reorder point {r:?}");
        let risk = f(r, 9);
        assert!((0.0..=1.0).contains(&risk));
    }
    assert!(f(&rows[0], 8) > 0.0, "empty shelf must order");
    assert_eq!(f(&rows[1], 8), 0.0, "500 on hand orders nothing");
    assert_eq!(f(&rows[2], 8) % 6.0, 0.0, "pack size 6");
    assert_eq!(
        f(&rows[2], 2),
        4.0,
        "mean of the lead-time distribution 2/6"
    );
    let j = json(&out.join("plan.json"));
    assert_eq!(j["products"].as_array().map(Vec::len), Some(3));
    assert!(out.join("plan.md").is_file() && out.join("forecasts.csv").is_file());
}

#[test]
fn plan_rejects_negative_stock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = plan(
        dir.path(),
        "unique_id,on_hand\nS00,3\nS01,-2\n",
        &["--lead-time", "3"],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("stock.csv, line 3, column 'on_hand'") && e.contains("negative"),
        "{e}"
    );
}

#[test]
fn plan_rejects_unknown_product_and_missing_lead_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = plan(
        dir.path(),
        "unique_id,on_hand\nS00,3\nNOPE,1\n",
        &["--lead-time", "3"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'NOPE' (line 3)"), "{}", stderr(&o));
    let o = plan(dir.path(), "unique_id,on_hand\nS00,3\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no lead time"), "{}", stderr(&o));
    let o = plan(dir.path(), "unique_id,on_hand,lead_time\nS00,3,0\n", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 2, column 'lead_time'"),
        "{}",
        stderr(&o)
    );
}
