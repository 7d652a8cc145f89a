//! End-to-end: `pretrain` a tiny model, forecast zero-shot with `--models
//! tsfm`, `finetune` a LoRA adapter and forecast with `--adapter`.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], model_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(args)
        .env("DEMANDCAST_MODEL_DIR", model_dir)
        .output()
        .expect("the binary runs")
}

/// A forecast CSV's header and its rows as numbers (NaN where a field is not one).
fn read_table(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| {
            l.split(',')
                .map(|x| x.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    (header, rows)
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn pretrain_forecast_finetune_adapter() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = d.join("pretrain.json");
    std::fs::write(
        &cfg,
        r#"{"model": {"context_len": 64, "patch_len": 16, "horizon_len": 32, "d_model": 32,
            "n_layers": 2, "n_heads": 2, "d_ff": 64, "n_static_buckets": 64, "text_dim": 8},
           "train": {"steps": 4, "batch_size": 8, "warmup": 1, "val_every": 2, "checkpoint_every": 2},
           "val_windows": 8}"#,
    )
    .unwrap();
    let model = d.join("model");
    let m = model.to_str().unwrap();
    ok(&run(
        &[
            "pretrain",
            "--config",
            cfg.to_str().unwrap(),
            "--output",
            m,
            "--threads",
            "1",
        ],
        &model,
    ));
    for f in ["config.json", "model.safetensors", "loss.csv"] {
        assert!(model.join(f).exists(), "{f} missing");
    }
    // Two daily series with a price covariate.
    let mut s = String::from("unique_id,ds,y,sell_price\n");
    for id in ["A", "B"] {
        for t in 0..90u32 {
            // 2024-01-01 + t days (January 31, February 29 days).
            let date = match t {
                0..=30 => format!("2024-01-{:02}", t + 1),
                31..=59 => format!("2024-02-{:02}", t - 30),
                _ => format!("2024-03-{:02}", t - 59),
            };
            s.push_str(&format!(
                "{id},{date},{},{}\n",
                (t % 7) + 1,
                if t % 20 < 3 { 1.5 } else { 2.0 }
            ));
        }
    }
    let input = d.join("sales.csv");
    std::fs::write(&input, s).unwrap();
    let out = d.join("fc.csv");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "forecast",
            "--input",
            input.to_str().unwrap(),
            "--horizon",
            "14",
            "--models",
            "tsfm",
            "--threads",
            "1",
            "--output",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        v.extend(extra.iter().map(|x| x.to_string()));
        v
    };
    let a = args(&[]);
    ok(&run(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        &model,
    ));
    let (header, rows) = read_table(&out);
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("no {n} in {header:?}"))
    };
    let (pm, lo, hi) = (col("Tsfm"), col("Tsfm-lo-80"), col("Tsfm-hi-80"));
    assert_eq!(rows.len(), 28);
    for r in &rows {
        assert!(r[pm].is_finite() && r[pm] >= 0.0);
        assert!(r[lo] >= 0.0 && r[lo] <= r[hi], "{r:?}");
    }
    // LoRA fine-tuning writes a small adapter that forecasts load over the base.
    let finetune = |extra: &[&str], out: &Path| {
        let mut a = vec![
            "finetune",
            "--input",
            input.to_str().unwrap(),
            "--mode",
            "lora",
            "--rank",
            "2",
            "--steps",
            "3",
            "--batch-size",
            "4",
            "--val-horizon",
            "14",
            "--threads",
            "1",
            "--output",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        run(&a, &model)
    };
    let adapter = d.join("adapter");
    ok(&finetune(&["--val-every", "1"], &adapter));
    let meta = std::fs::read_to_string(adapter.join("adapter.json")).unwrap();
    assert!(meta.contains("\"lora\""), "{meta}");
    let lora = std::fs::metadata(adapter.join("adapter.safetensors"))
        .unwrap()
        .len();
    let base = std::fs::metadata(model.join("model.safetensors"))
        .unwrap()
        .len();
    assert!(lora * 2 < base, "adapter {lora} bytes vs base {base}");
    let a = args(&["--adapter", adapter.to_str().unwrap(), "--levels", "none"]);
    let forecast = || -> Vec<f64> {
        ok(&run(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &model,
        ));
        let (header, rows) = read_table(&out);
        let j = header.iter().position(|h| h == "Tsfm").unwrap();
        rows.iter().map(|r| r[j]).collect()
    };
    // The level correction: the validation ratio, clamped, stored in the
    // summary and applied to every forecast of the adapter.
    let v: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let level = v["summary"]["level"].as_f64().unwrap();
    // measured on the validation window and the three before it
    assert_eq!(v["summary"]["level_windows"].as_u64(), Some(4));
    // the factors its windows were adjusted by; forecasting with one of
    // them switched off is allowed, with a warning
    assert_eq!(
        v["summary"]["factors"],
        serde_json::json!({"weekday": true, "events": true, "promotions": true})
    );
    let spec = format!("tsfm:adapter={},weekday=off", adapter.display());
    let mut a_off = a.clone();
    let m = a_off.iter().position(|x| x == "tsfm").unwrap();
    a_off[m] = spec;
    let o = run(
        &a_off.iter().map(String::as_str).collect::<Vec<_>>(),
        &model,
    );
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("fine-tuned with weekday=on; weekday=off"),
        "{err}"
    );
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>(), &model);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("fine-tuned with"));
    assert_eq!(v["summary"]["mix"].as_f64(), Some(1.0));
    assert_eq!(v["alpha"].as_f64(), Some(4.0));
    let ratio = v["summary"]["validation_ratio"].as_f64().unwrap();
    assert!(ratio.is_finite() && ratio > 0.0, "{ratio}");
    assert!(
        (level - ratio.clamp(0.8, 1.25)).abs() < 1e-12,
        "{level} vs {ratio}"
    );
    // ... and along the horizon: one factor per validation step (14 here,
    // as the forecast's horizon; steps past them would take the last one).
    let curve: Vec<f64> = v["summary"]["level_curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .collect();
    assert_eq!(curve.len(), 14);
    assert!(curve.iter().all(|c| (0.8..=1.25).contains(c)), "{curve:?}");
    let corrected = forecast();
    let mut flat = v.clone();
    flat["summary"]
        .as_object_mut()
        .unwrap()
        .remove("level_curve");
    std::fs::write(adapter.join("adapter.json"), flat.to_string()).unwrap();
    let leveled = forecast();
    let mut off = flat.clone();
    off["summary"]["level"] = serde_json::json!(1.0);
    std::fs::write(adapter.join("adapter.json"), off.to_string()).unwrap();
    let raw = forecast();
    assert_eq!(corrected.len(), 28);
    for (j, ((c, l), r)) in corrected.iter().zip(&leveled).zip(&raw).enumerate() {
        assert!(
            (l - r * level).abs() <= 1e-3 * r.max(1.0),
            "{l} != {r} x {level}"
        );
        // two series of 14 steps
        let k = curve[j % 14];
        assert!(
            (c - r * k).abs() <= 1e-3 * r.max(1.0),
            "step {j}: {c} != {r} x {k}"
        );
    }
    // Interpolation toward the base: a LoRA update kept at half its scale;
    // a share outside (0, 1] is refused.
    let half = d.join("adapter-half");
    ok(&finetune(&["--mix", "0.5"], &half));
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(half.join("adapter.json")).unwrap()).unwrap();
    assert_eq!(h["alpha"].as_f64(), Some(2.0));
    assert_eq!(h["summary"]["mix"].as_f64(), Some(0.5));
    let bad = finetune(&["--mix", "0"], &d.join("adapter-bad"));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--mix"));
}

/// The shipped model with promotion factors: on a weekly series that sells
/// three times its usual 10 units in display weeks, the forecast of a week
/// the future file flags with a display is about that lift above the other
/// weeks; with `tsfm:promotions=off` the model alone barely moves.
#[test]
fn promotion_weeks_take_their_measured_lift() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/tsfm");
    let start = demandcast::core::NaiveDate::from_ymd_opt(2023, 1, 4).unwrap();
    let week = |t: usize| start.iter_weeks().nth(t).unwrap();
    let mut hist = String::from("unique_id,ds,y,display\n");
    for id in ["a", "b"] {
        for t in 0..80 {
            let disp = t % 4 == 0;
            let y = if disp { 30 } else { 10 } + (t % 3);
            hist.push_str(&format!("{id},{},{y},{}\n", week(t), u8::from(disp)));
        }
    }
    let mut fut = String::from("unique_id,ds,display\n");
    for id in ["a", "b"] {
        for t in 80..86 {
            fut.push_str(&format!("{id},{},{}\n", week(t), u8::from(t == 82)));
        }
    }
    let (input, future, out) = (d.join("h.csv"), d.join("f.csv"), d.join("o.csv"));
    std::fs::write(&input, hist).unwrap();
    std::fs::write(&future, fut).unwrap();
    ok(&run(
        &[
            "forecast",
            "--input",
            input.to_str().unwrap(),
            "--future",
            future.to_str().unwrap(),
            "--horizon",
            "6",
            "--levels",
            "none",
            "--models",
            "tsfm,tsfm:promotions=off",
            "--threads",
            "1",
            "--output",
            out.to_str().unwrap(),
        ],
        &shipped,
    ));
    let (header, rows) = read_table(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (on, off) = (col("Tsfm"), col("Tsfm_promotions=off"));
    // Rows of series `a`: steps 80..86, the display at step 82 (row 2).
    let lift = |c: usize| {
        let others: f64 = [0, 1, 3, 4, 5].iter().map(|&r| rows[r][c]).sum::<f64>() / 5.0;
        rows[2][c] / others
    };
    assert!(
        lift(on) > 2.0,
        "display week lift with the factors {}",
        lift(on)
    );
    assert!(
        lift(off) < 1.5,
        "display week lift without them {}",
        lift(off)
    );
}
