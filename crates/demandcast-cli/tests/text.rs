//! `embed` and cold start in `forecast --catalog`, end to end. Needs the
//! MiniLM folder (`$DEMANDCAST_MINILM_DIR` or ../shared/models/all-MiniLM-L6-v2).

use std::path::{Path, PathBuf};
use std::process::Command;

fn model_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let d = std::env::var_os("DEMANDCAST_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/models/all-MiniLM-L6-v2"));
    assert!(
        d.join("model.safetensors").is_file(),
        "MiniLM weights not found in {}: set DEMANDCAST_MINILM_DIR",
        d.display()
    );
    d
}

fn run(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(args)
        .args(["--text-model", model_dir().to_str().unwrap()])
        .args(["--embedding-cache", dir.join("emb.bin").to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{args:?} failed: {err}");
    err
}

/// Weekly history: mugs sell ~100/week, cushions ~5/week; two launches
/// observed 10 weeks in. A new "MUG" must get mug-like demand and mug analogues.
fn fixture(dir: &Path) {
    let mut h = String::from("unique_id,ds,y\n");
    let d0 = chrono_like_weeks();
    let series: [(&str, usize, f64); 6] = [
        ("m1", 0, 100.0),
        ("m2", 0, 120.0),
        ("m3", 10, 90.0),
        ("c1", 0, 5.0),
        ("c2", 0, 4.0),
        ("c3", 10, 6.0),
    ];
    for (id, start, level) in series {
        for (w, ds) in d0.iter().enumerate().skip(start) {
            h.push_str(&format!("{id},{ds},{}\n", level + (w % 3) as f64));
        }
    }
    std::fs::write(dir.join("h.csv"), h).unwrap();
    std::fs::write(
        dir.join("cat.csv"),
        "unique_id,description,launch_date,launch_price\n\
         m1,RED ENAMEL COFFEE MUG,,2.0\nm2,BLUE ENAMEL COFFEE MUG,,2.0\nm3,GREEN ENAMEL TEA MUG,,2.0\n\
         c1,VELVET CUSHION COVER,,8.0\nc2,LINEN CUSHION COVER,,8.0\nc3,SILK CUSHION COVER,,8.0\n\
         new_mug,YELLOW ENAMEL COFFEE MUG,2024-07-10,2.0\nnew_cushion,COTTON CUSHION COVER,,8.0\n",
    )
    .unwrap();
}

/// 26 Sundays from 2024-01-07 as text.
fn chrono_like_weeks() -> Vec<String> {
    let days_in = [31, 29, 31, 30, 31, 30, 31];
    let (mut m, mut d) = (1usize, 7usize);
    let mut out = Vec::new();
    for _ in 0..26 {
        out.push(format!("2024-{m:02}-{d:02}"));
        d += 7;
        if d > days_in[m - 1] {
            d -= days_in[m - 1];
            m += 1;
        }
    }
    out
}

/// The values of the first column whose name starts with `prefix` in a
/// forecast file, for the series with history (not the fixture's `new_*`).
/// Read with a CSV reader: names of models with parameters hold commas.
fn known_values(file: &str, prefix: &str) -> Vec<f64> {
    let mut rd = csv::Reader::from_path(file).unwrap();
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = head
        .iter()
        .position(|c| c.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} column in {head:?}"));
    rd.records()
        .map(Result::unwrap)
        .filter(|r| !r[0].starts_with("new_"))
        .map(|r| r[col].parse().unwrap())
        .collect()
}

/// Runs `forecast --horizon 3 --levels none --threads 1` of `models` from
/// `input` to `output`, with `extra` flags; returns its stderr.
fn forecast3(dir: &Path, input: &str, output: &str, models: &str, extra: &[&str]) -> String {
    let mut args = vec!["forecast", "--input", input, "--output", output];
    args.extend(["--horizon", "3", "--levels", "none", "--threads", "1"]);
    args.extend(["--models", models]);
    args.extend(extra);
    run(dir, &args)
}

#[test]
fn embed_then_cold_start_forecast() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    fixture(dir);
    let cat = dir.join("cat.csv");
    run(
        dir,
        &[
            "embed",
            "--catalog",
            cat.to_str().unwrap(),
            "--output",
            dir.join("e.csv").to_str().unwrap(),
            "--threads",
            "1",
        ],
    );
    let e = std::fs::read_to_string(dir.join("e.csv")).unwrap();
    assert_eq!(e.lines().count(), 9);
    assert!(e.lines().next().unwrap().ends_with(",text_383"));
    // Second run: everything from the cache.
    let err = run(
        dir,
        &[
            "embed",
            "--catalog",
            cat.to_str().unwrap(),
            "--output",
            dir.join("e2.csv").to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("all 8 texts were in the embedding cache"),
        "{err}"
    );

    let out = dir.join("f.csv");
    run(
        dir,
        &[
            "forecast",
            "--input",
            dir.join("h.csv").to_str().unwrap(),
            "--catalog",
            cat.to_str().unwrap(),
            "--horizon",
            "4",
            "--models",
            "naive",
            "--levels",
            "none",
            "--output",
            out.to_str().unwrap(),
            "--threads",
            "1",
        ],
    );
    let f = std::fs::read_to_string(&out).unwrap();
    let head: Vec<&str> = f.lines().next().unwrap().split(',').collect();
    let col = head
        .iter()
        .position(|c| *c == "ColdStart")
        .expect("ColdStart column");
    let rows = |id: &str| -> Vec<(String, f64)> {
        f.lines()
            .filter(|l| l.starts_with(&format!("{id},")))
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                (c[1].to_string(), c[col].parse().unwrap())
            })
            .collect()
    };
    let mug = rows("new_mug");
    let cushion = rows("new_cushion");
    assert_eq!(mug.len(), 4);
    // Launch 2024-07-10 (a Wednesday) falls in the week ending 2024-07-14.
    assert_eq!(mug[0].0, "2024-07-14");
    // No launch date: the first forecast week after the history (ends 2024-06-30).
    assert_eq!(cushion[0].0, "2024-07-07");
    let tot = |v: &[(String, f64)]| v.iter().map(|x| x.1).sum::<f64>();
    assert!(
        tot(&mug) > 4.0 * 50.0 && tot(&mug) < 4.0 * 300.0,
        "mug {}",
        tot(&mug)
    );
    assert!(tot(&cushion) < 4.0 * 20.0, "cushion {}", tot(&cushion));
    // The analogues file names mugs for the mug.
    let a = std::fs::read_to_string(dir.join("f.analogues.csv")).unwrap();
    let first = a.lines().find(|l| l.starts_with("new_mug,")).unwrap();
    assert!(first.contains("MUG"), "{first}");
}

#[test]
fn text_features_reach_the_global_model() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    fixture(dir);
    // The same history with a promotion column, and its future rows.
    let h = std::fs::read_to_string(dir.join("h.csv")).unwrap();
    let mut h2 = String::from("unique_id,ds,y,promo\n");
    for l in h.lines().skip(1) {
        h2.push_str(&format!("{l},0\n"));
    }
    std::fs::write(dir.join("h2.csv"), h2).unwrap();
    let mut fut = String::from("unique_id,ds,promo\n");
    for id in ["m1", "m2", "m3", "c1", "c2", "c3"] {
        for ds in ["2024-07-07", "2024-07-14", "2024-07-21"] {
            fut.push_str(&format!("{id},{ds},1\n"));
        }
    }
    std::fs::write(dir.join("fut.csv"), fut).unwrap();
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    // Runs `forecast --text-features 2` and returns its notes and the LightGBM values.
    let (cat, o) = (path("cat.csv"), path("f.csv"));
    let lightgbm = |input: &str, future: Option<&str>| -> (String, Vec<f64>) {
        let mut extra = vec!["--catalog", &cat, "--text-features", "2"];
        let fu = future.map(path);
        if let Some(fu) = &fu {
            extra.extend(["--future", fu.as_str()]);
        }
        let err = forecast3(
            dir,
            &path(input),
            &o,
            "lightgbm:min_leaf=2,rounds=20",
            &extra,
        );
        (err, known_values(&o, "LightGBM"))
    };
    let mut with_text = Vec::new();
    for (input, future) in [("h.csv", None), ("h2.csv", Some("fut.csv"))] {
        let (err, values) = lightgbm(input, future);
        if with_text.is_empty() {
            with_text = values.clone();
        }
        assert!(
            err.contains("text features: 2 principal components") && err.contains("6 of 6 series"),
            "{err}"
        );
        assert_eq!(
            values.len(),
            6 * 3,
            "every series with history gets a forecast ({input})"
        );
        assert!(
            values.iter().all(|v| v.is_finite() && *v >= 0.0),
            "{values:?}"
        );
    }
    // `exclude=text_*` makes LightGBM ignore the text columns: its forecast is
    // the one without a catalogue, and differs from the one that reads them.
    let plain = |extra: &[&str], model: &str| -> Vec<f64> {
        forecast3(dir, &path("h.csv"), &o, model, extra);
        known_values(&o, "LightGBM")
    };
    let without = plain(&[], "lightgbm:min_leaf=2,rounds=20");
    let excluded = plain(
        &["--catalog", &cat, "--text-features", "2"],
        "lightgbm:min_leaf=2,rounds=20,exclude=text_*",
    );
    assert_eq!(without, excluded);
    assert_ne!(
        without, with_text,
        "the text columns change LightGBM's forecast"
    );
    // The two side by side, and their plain mean (`ensemble:equal`, no backtest).
    let err = forecast3(
        dir,
        &path("h.csv"),
        &o,
        "lightgbm:min_leaf=2,rounds=20,lightgbm:min_leaf=2,rounds=20,exclude=text_*,ensemble:equal",
        &["--catalog", &cat, "--text-features", "2"],
    );
    assert!(
        err.contains("ensemble weights (equal, no backtest)"),
        "{err}"
    );
    // (the text model's column comes first, so its prefix finds it)
    let text_col = known_values(&o, "LightGBM_min_leaf=2,rounds=20");
    let free_col = known_values(&o, "LightGBM_min_leaf=2,rounds=20,exclude=text_*");
    let mean_col = known_values(&o, "Ensemble");
    assert_eq!((text_col.clone(), free_col.clone()), (with_text, without));
    for ((t, f), m) in text_col.iter().zip(&free_col).zip(&mean_col) {
        assert!(
            (m - (t + f) / 2.0).abs() < 1e-6 * (1.0 + m.abs()),
            "{m} vs {t}, {f}"
        );
    }
    // Without a catalogue the flag is a usage error (exit code 2).
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args([
            "forecast",
            "--input",
            &path("h.csv"),
            "--text-features",
            "2",
        ])
        .args([
            "--horizon",
            "3",
            "--models",
            "naive",
            "--output",
            &path("f.csv"),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--text-features needs --catalog"));
}

#[test]
fn text_features_are_saved_with_the_model_and_explained() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    fixture(dir);
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let (h, cat, o, model) = (path("h.csv"), path("cat.csv"), path("f.csv"), path("model"));
    let spec = "lightgbm:min_leaf=2,rounds=20";
    let text = ["--catalog", cat.as_str(), "--text-features", "2"];
    // fitted and forecast in one run: the reference
    forecast3(dir, &h, &o, spec, &text);
    let direct = known_values(&o, "LightGBM");
    forecast3(dir, &h, &o, spec, &[]);
    let no_text = known_values(&o, "LightGBM");
    assert_ne!(direct, no_text, "the text columns change the forecast");

    // fit --text-features saves the projection beside the model, and
    // forecast --model-dir rebuilds the same columns from it
    let mut args = vec!["fit", "--input", &h, "--models", spec, "--levels", "none"];
    args.extend(["--threads", "1", "--save", &model]);
    args.extend(text);
    let err = run(dir, &args);
    assert!(
        err.contains("text features: 2 principal components"),
        "{err}"
    );
    assert!(dir.join("model/text_projection.json").is_file());
    let err = forecast3(
        dir,
        &h,
        &o,
        spec,
        &["--model-dir", &model, "--catalog", &cat],
    );
    assert!(err.contains("forecasting without retraining"), "{err}");
    assert_eq!(known_values(&o, "LightGBM"), direct);

    // the saved model cannot be fed without the texts, nor with another K
    let bad = |extra: &[&str]| -> String {
        let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
            .args(["forecast", "--input", &h, "--horizon", "3", "--output", &o])
            .args(["--model-dir", &model])
            .args(extra)
            .args(["--text-model", model_dir().to_str().unwrap()])
            .args(["--embedding-cache", dir.join("emb.bin").to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    assert!(bad(&[]).contains("reads 2 text features"));
    assert!(bad(&["--catalog", &cat, "--text-features", "3"]).contains("fitted with 2"));

    // --explain with text features: the contributions name text_0 and
    // text_1, and the forecast is the reference one
    let expl = path("e.csv");
    let mut extra = text.to_vec();
    extra.extend(["--explain", expl.as_str()]);
    forecast3(dir, &h, &o, spec, &extra);
    assert_eq!(known_values(&o, "LightGBM"), direct);
    let mut rd = csv::Reader::from_path(&expl).unwrap();
    let features: std::collections::HashSet<String> =
        rd.records().map(|r| r.unwrap()[3].to_string()).collect();
    assert!(
        features.contains("text_0") && features.contains("text_1"),
        "{features:?}"
    );

    // refitting without text removes the stale projection
    let mut args = vec!["fit", "--input", &h, "--models", spec, "--levels", "none"];
    args.extend(["--threads", "1", "--save", &model]);
    run(dir, &args);
    assert!(!dir.join("model/text_projection.json").exists());
    forecast3(dir, &h, &o, spec, &["--model-dir", &model]);
    assert_eq!(known_values(&o, "LightGBM"), no_text);
}

#[test]
fn tsfm_fine_tuned_with_text_reads_the_catalogue() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    fixture(dir);
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let (h, cat, ad) = (path("h.csv"), path("cat.csv"), path("ad"));
    let tune = |mode: &str| {
        Command::new(env!("CARGO_BIN_EXE_demandcast"))
            .args(["finetune", "--input", &h, "--catalog", &cat, "--mode", mode])
            .args(["--steps", "4", "--batch-size", "4", "--val-horizon", "4"])
            .args(["--val-every", "2", "--threads", "1", "--output", &ad])
            .args(["--text-model", model_dir().to_str().unwrap()])
            .args(["--embedding-cache", &path("emb.bin")])
            .output()
            .unwrap()
    };
    // LoRA leaves the text input frozen: refused with a reason.
    let o = tune("lora");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("full fine-tuning"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = tune("full");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let meta = std::fs::read_to_string(dir.join("ad/adapter.json")).unwrap();
    assert!(meta.contains("\"text\": true"), "{meta}");
    // The adapter's forecasts change when the texts are given.
    let forecast = |with_catalog: bool| -> Vec<f64> {
        let o = path(if with_catalog {
            "with.csv"
        } else {
            "without.csv"
        });
        let extra: &[&str] = if with_catalog {
            &["--catalog", &cat]
        } else {
            &[]
        };
        forecast3(dir, &h, &o, &format!("tsfm:adapter={ad}"), extra);
        known_values(&o, "Tsfm")
    };
    let (with, without) = (forecast(true), forecast(false));
    assert_eq!(with.len(), 18);
    assert_eq!(without.len(), 18);
    let diff: f64 = with.iter().zip(&without).map(|(a, b)| (a - b).abs()).sum();
    assert!(diff > 1e-6, "texts changed nothing: {with:?}");
}

/// Twelve products with history (mugs sell ~100 a week, cushions ~5), all
/// launched inside the data, and two new ones.
fn regression_fixture(dir: &Path) {
    let weeks = chrono_like_weeks();
    let colours = ["RED", "BLUE", "GREEN", "PINK", "GREY", "GOLD"];
    let mut h = String::from("unique_id,ds,y\n");
    let mut cat = String::from("unique_id,description,launch_date,launch_price\n");
    for (i, c) in colours.iter().enumerate() {
        for (kind, name, level, price) in [
            ("m", "ENAMEL COFFEE MUG", 100.0, 2.0),
            ("c", "VELVET CUSHION COVER", 5.0, 8.0),
        ] {
            let id = format!("{kind}{i}");
            // launched in week 6 + i, so that every launch is observed
            for (w, ds) in weeks.iter().enumerate().skip(6 + i) {
                h.push_str(&format!("{id},{ds},{}\n", level + (w % 3) as f64));
            }
            cat.push_str(&format!("{id},{c} {name},,{price}\n"));
        }
    }
    cat.push_str(
        "new_mug,ORANGE ENAMEL COFFEE MUG,,2.0\nnew_cushion,ORANGE VELVET CUSHION COVER,,8.0\n",
    );
    std::fs::write(dir.join("h.csv"), h).unwrap();
    std::fs::write(dir.join("cat.csv"), cat).unwrap();
}

#[test]
fn a_fine_tuned_text_regressor_forecasts_new_products() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    regression_fixture(dir);
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let (h, cat, reg, o) = (path("h.csv"), path("cat.csv"), path("reg"), path("f.csv"));
    let err = run(
        dir,
        &[
            "finetune-text",
            "--input",
            &h,
            "--catalog",
            &cat,
            "--mode",
            "head",
            "--horizon",
            "4",
            "--epochs",
            "30",
            "--patience",
            "30",
            "--validation",
            "0.2",
            "--threads",
            "1",
            "--output",
            &reg,
        ],
    );
    assert!(err.contains("wrote the fine-tuned regressor"), "{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reg/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["horizon"], 4);
    assert!(report["median_price"].as_f64().unwrap() > 0.0);

    let err = forecast3(
        dir,
        &h,
        &o,
        "naive",
        &["--catalog", &cat, "--text-regressor", &reg],
    );
    assert!(err.contains("text regressor"), "{err}");
    // the new products' rows: ColdStart and TextRegressor side by side
    let mut rd = csv::Reader::from_path(&o).unwrap();
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = |n: &str| head.iter().position(|c| c == n).unwrap();
    let (cs, tr) = (col("ColdStart"), col("TextRegressor"));
    let mut by_id: std::collections::HashMap<String, Vec<(f64, f64)>> = Default::default();
    for r in rd.records().map(Result::unwrap) {
        if r[0].starts_with("new_") {
            by_id
                .entry(r[0].to_string())
                .or_default()
                .push((r[cs].parse().unwrap(), r[tr].parse().unwrap()));
        }
    }
    assert_eq!(by_id.len(), 2);
    for rows in by_id.values() {
        assert_eq!(rows.len(), 3);
        // the regressor's curve has the analogue curve's shape
        let ratio = rows[0].1 / rows[0].0;
        for (a, r) in rows {
            assert!(r.is_finite() && *r >= 0.0);
            assert!((r / a - ratio).abs() < 1e-6 * ratio.max(1.0), "{rows:?}");
        }
    }
    // the text decides: the mug's launch is forecast above the cushion's
    let total = |id: &str| by_id[id].iter().map(|(_, r)| r).sum::<f64>();
    assert!(total("new_mug") > 2.0 * total("new_cushion"), "{by_id:?}");
}

/// `demandcast serve` forecasts a catalogue's new products over HTTP as
/// `forecast --catalog` does: the same `ColdStart` forecasts, and each new
/// product's analogues in the answer.
#[test]
fn serve_answers_cold_start_requests() {
    use std::io::{Read, Write};
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    fixture(dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let server = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(["serve", "--db", dir.join("db.sqlite").to_str().unwrap()])
        .args(["--addr", &addr, "--threads", "1"])
        .args(["--text-model", model_dir().to_str().unwrap()])
        .args(["--embedding-cache", dir.join("emb.bin").to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(server);
    let body = serde_json::json!({
        "data": std::fs::read_to_string(dir.join("h.csv")).unwrap(),
        "catalog": std::fs::read_to_string(dir.join("cat.csv")).unwrap(),
        "horizon": 4, "models": "naive"
    })
    .to_string();
    let mut stream = None;
    for _ in 0..100 {
        if let Ok(s) = std::net::TcpStream::connect(&addr) {
            stream = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut s = stream.expect("the server listens");
    write!(
        s,
        "POST /api/forecast HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let json = &resp[resp.find("\r\n\r\n").unwrap() + 4..];
    let ans: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        ans["run"]["models"],
        serde_json::json!(["Naive", "ColdStart"])
    );
    let analogues = ans["analogues"].as_array().unwrap();
    let mug = analogues
        .iter()
        .find(|a| a["unique_id"] == "new_mug" && a["rank"] == 1)
        .expect("new_mug's first analogue");
    assert!(
        mug["analogue_title"].as_str().unwrap().contains("MUG"),
        "{mug}"
    );
    assert_eq!(mug["launch"], "2024-07-14");
    assert!(ans["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("backtest")));
}
