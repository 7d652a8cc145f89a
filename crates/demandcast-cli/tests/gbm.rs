//! End-to-end tests of LightGBM through the binary, on a committed fixture:
//! 10 store x UPC series of dunnhumby's Breakfast at the Frat (weekly, with
//! price and promotion covariates; tests/data/frat_small*.csv, cut from the
//! panel of ../shared/bench/frat.py). They check that a saved model forecasts
//! exactly what fitting and forecasting in one go does, that explanations
//! add up, that a price cut raises the forecast, and that backtests run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// Small and fast: a debug test must stay within seconds.
const MODEL: &str = "lightgbm:rounds=60,leaves=8,min_leaf=5,lr=0.1";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        o.status.success(),
        "demandcast {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// `(unique_id, ds) -> row` of a CSV, plus its header.
/// Rows keyed by (unique_id, ds).
type Rows = HashMap<(String, String), Vec<String>>;

fn read_csv(p: &Path) -> (Vec<String>, Rows) {
    let text = std::fs::read_to_string(p).expect("output exists");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| {
            let v: Vec<String> = l.split(',').map(String::from).collect();
            ((v[0].clone(), v[1].clone()), v)
        })
        .collect();
    (header, rows)
}

fn total(p: &Path, col: &str) -> f64 {
    let (h, rows) = read_csv(p);
    let j = h.iter().position(|c| c == col).expect("column");
    rows.values().map(|r| r[j].parse::<f64>().unwrap()).sum()
}

/// Point forecasts (no intervals) of `MODEL` plus each of `extras`, in order.
fn forecast_variants(dir: &Path, input: &Path, future: &Path, extras: &[&str]) -> Vec<Rows> {
    extras
        .iter()
        .enumerate()
        .map(|(i, extra)| {
            let path = dir.join(format!("variant{i}.csv"));
            let model = format!("{MODEL}{extra}");
            let mut args = vec!["forecast"];
            args.extend(common(s(input), s(future)));
            args.extend(["--models", &model, "--levels", "none", "--output", s(&path)]);
            run(&args);
            read_csv(&path).1
        })
        .collect()
}

/// The point forecast (third column) of row `k`.
fn value(rows: &Rows, k: &(String, String)) -> f64 {
    rows[k][2].parse().unwrap()
}

fn common<'a>(input: &'a str, future: &'a str) -> Vec<&'a str> {
    vec![
        "--quiet",
        "--input",
        input,
        "--future",
        future,
        "--horizon",
        "13",
        "--threads",
        "1",
    ]
}

fn saved_model_forecasts_like_fit_and_forecast(model: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (input, future) = (data("frat_small.csv"), data("frat_small_future.csv"));
    let model_dir = dir.path().join("model");
    let db = dir.path().join("runs.sqlite");
    run(&[
        "--quiet",
        "fit",
        "--input",
        s(&input),
        // the horizon the intervals are calibrated for, as `forecast` below
        "--horizon",
        "13",
        "--models",
        model,
        "--levels",
        "80",
        "--threads",
        "1",
        "--save",
        s(&model_dir),
        "--db",
        s(&db),
        "--name",
        "frat",
    ]);
    assert!(model_dir.join("model.json").is_file());
    let imp = std::fs::read_to_string(model_dir.join("importance.csv")).unwrap();
    assert!(
        imp.starts_with("feature,gain,splits\n") && imp.contains("\nprice,"),
        "{imp}"
    );

    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let mut args = vec!["forecast"];
    args.extend(common(s(&input), s(&future)));
    let mut saved = args.clone();
    saved.extend([
        "--model-dir",
        s(&model_dir),
        "--levels",
        "80",
        "--output",
        s(&a),
        "--db",
        s(&db),
    ]);
    run(&saved);
    // The run with the saved model is recorded as written.
    let store = demandcast_store::Store::open(&db).unwrap();
    let mut again = Vec::new();
    demandcast::data::write_forecasts(&mut again, &store.forecasts(1).unwrap().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(again).unwrap(),
        std::fs::read_to_string(&a).unwrap()
    );
    let mut fresh = args.clone();
    fresh.extend(["--models", model, "--levels", "80", "--output", s(&b)]);
    run(&fresh);
    let (ha, ra) = read_csv(&a);
    let (hb, rb) = read_csv(&b);
    assert_eq!(
        ha,
        [
            "unique_id",
            "ds",
            "LightGBM",
            "LightGBM-lo-80",
            "LightGBM-hi-80"
        ]
    );
    assert_eq!(ha, hb);
    assert_eq!(ra.len(), 10 * 13);
    assert_eq!(
        ra, rb,
        "a saved and reloaded model forecasts exactly the same"
    );
    for r in ra.values() {
        let v: Vec<f64> = r[2..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(v.iter().all(|x| *x >= 0.0), "non-negative: {r:?}");
        assert!(v[1] <= v[2], "lo-80 <= hi-80: {r:?}");
    }
}

#[test]
fn saved_model_forecasts_like_fit_and_forecast_ordered_codes() {
    saved_model_forecasts_like_fit_and_forecast(MODEL);
}

#[test]
fn saved_model_forecasts_like_fit_and_forecast_categoricals() {
    // The statics declared as LightGBM categoricals (the C-API training
    // path): the model text carries the categorical splits.
    saved_model_forecasts_like_fit_and_forecast(&format!("{MODEL},categorical=true"));
}

/// An explanation CSV per (unique_id, ds): the sum of the expected value
/// and the contributions, the raw score, the prediction, and whether a
/// `price` contribution is listed.
fn explained(p: &Path) -> HashMap<(String, String), (f64, f64, f64, bool)> {
    let text = std::fs::read_to_string(p).unwrap();
    let mut per: HashMap<(String, String), (f64, f64, f64, bool)> = HashMap::new();
    for l in text.lines().skip(1) {
        let v: Vec<&str> = l.split(',').collect();
        let e = per
            .entry((v[0].into(), v[1].into()))
            .or_insert((0.0, f64::NAN, f64::NAN, false));
        let c: f64 = v[5].parse().unwrap();
        match v[3] {
            "raw_score" => e.1 = c,
            "prediction" => e.2 = c,
            f => {
                e.0 += c;
                e.3 |= f == "price";
            }
        }
    }
    per
}

#[test]
fn explanations_add_up_and_a_price_cut_raises_the_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let (input, future) = (data("frat_small.csv"), data("frat_small_future.csv"));
    // The what-if: every planned price 30% lower.
    let text = std::fs::read_to_string(&future).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let j = header.split(',').position(|c| c == "price").unwrap();
    let mut cut = format!("{header}\n");
    for l in lines {
        let mut v: Vec<String> = l.split(',').map(String::from).collect();
        v[j] = format!("{:.2}", v[j].parse::<f64>().unwrap() * 0.7);
        cut.push_str(&v.join(","));
        cut.push('\n');
    }
    let cut_path = dir.path().join("cut.csv");
    std::fs::write(&cut_path, cut).unwrap();

    let (base, whatif) = (dir.path().join("base.csv"), dir.path().join("whatif.csv"));
    let explain = dir.path().join("explain.csv");
    for (fut, out, expl) in [(&future, &base, Some(&explain)), (&cut_path, &whatif, None)] {
        let mut args = vec!["forecast"];
        args.extend(common(s(&input), s(fut)));
        args.extend(["--models", MODEL, "--levels", "none", "--output", s(out)]);
        if let Some(e) = expl {
            args.extend(["--explain", s(e)]);
        }
        run(&args);
    }
    let (b, w) = (total(&base, "LightGBM"), total(&whatif, "LightGBM"));
    assert!(
        w > b * 1.05,
        "a 30% price cut should raise total demand: {b} -> {w}"
    );

    // contributions + expected value = raw score; exp(raw) = forecast (Tweedie: log link)
    let per = explained(&explain);
    assert_eq!(per.len(), 10 * 13);
    let (_, fc) = read_csv(&base);
    for (k, (sum, raw, pred, has_price)) in &per {
        assert!(has_price, "price contribution listed for {k:?}");
        assert!(
            (sum - raw).abs() < 1e-6,
            "{k:?}: contributions {sum} vs raw {raw}"
        );
        assert!(
            (raw.exp() - pred).abs() < 1e-6 * pred.max(1.0),
            "{k:?}: exp(raw) vs prediction"
        );
        let written: f64 = fc[k][2].parse().unwrap();
        assert!(
            (written - pred).abs() < 1e-6 * pred.max(1.0),
            "{k:?}: forecast file vs explanation"
        );
    }
    assert!(dir.path().join("explain.importance.csv").is_file());
}

#[test]
fn a_blend_is_the_mean_of_its_recursive_and_direct_models() {
    let dir = tempfile::tempdir().unwrap();
    let (input, future) = (data("frat_small.csv"), data("frat_small_future.csv"));
    let out = forecast_variants(
        dir.path(),
        &input,
        &future,
        &["", ",strategy=direct,block=7", ",strategy=blend,block=7"],
    );
    let differ = mean_of_the_first_two(&out, 1e-4);
    // two blocks of 7 weeks: the direct models are other models
    assert!(
        differ > 10,
        "direct and recursive forecasts differ: {differ}"
    );
}

/// Asserts that the third forecast of `out` is the mean of the first two
/// (to `tol`, relative) on all 10 x 13 rows; returns on how many rows the
/// first two differ.
fn mean_of_the_first_two(out: &[Rows], tol: f64) -> usize {
    let (a, b, mean) = (&out[0], &out[1], &out[2]);
    assert_eq!(mean.len(), 10 * 13);
    let mut differ = 0;
    for k in mean.keys() {
        let (x, y, m) = (value(a, k), value(b, k), value(mean, k));
        differ += usize::from((x - y).abs() > 1e-3);
        assert!(
            (m - (x + y) / 2.0).abs() < tol * m.max(1.0),
            "{k:?}: {m} vs the mean of {x} and {y}"
        );
    }
    differ
}

/// The fixture with its store numbers as text ("s15765"), so that they are
/// a static attribute and not a numeric covariate, written into `dir`.
fn stores_as_text(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(data("frat_small.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header.split(',').position(|c| c == "store_id").unwrap();
    let mut csv = format!("{header}\n");
    for l in lines {
        let mut v: Vec<String> = l.split(',').map(String::from).collect();
        v[col] = format!("s{}", v[col]);
        csv.push_str(&v.join(","));
        csv.push('\n');
    }
    let input = dir.join("stores.csv");
    std::fs::write(&input, csv).unwrap();
    input
}

#[test]
fn group_by_flag_trains_one_model_per_store_as_the_parameter_does() {
    let dir = tempfile::tempdir().unwrap();
    let future = data("frat_small_future.csv");
    let input = stores_as_text(dir.path());
    let out = forecast_variants(dir.path(), &input, &future, &["", ",group_by=store_id"]);
    let (whole, param) = (&out[0], &out[1]);
    let path = dir.path().join("flag.csv");
    let mut args = vec!["forecast"];
    args.extend(common(s(&input), s(&future)));
    args.extend([
        "--models",
        MODEL,
        "--levels",
        "none",
        "--group-by",
        "store_id",
    ]);
    args.extend(["--output", s(&path)]);
    run(&args);
    let flag = read_csv(&path).1;
    assert_eq!(flag.len(), 10 * 13);
    let mut differ = 0;
    for k in flag.keys() {
        assert_eq!(value(&flag, k), value(param, k), "{k:?}");
        differ += usize::from((value(param, k) - value(whole, k)).abs() > 1e-6);
    }
    assert!(differ > 10, "per-store models are other models: {differ}");
    // only lightgbm trains per group
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args([
            "forecast",
            "--input",
            s(&input),
            "--horizon",
            "13",
            "--models",
            "naive",
        ])
        .args(["--group-by", "store_id", "--output", s(&path)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only lightgbm trains per group"));
}

#[test]
fn groupings_average_the_whole_panel_and_the_per_store_models() {
    let dir = tempfile::tempdir().unwrap();
    let future = data("frat_small_future.csv");
    let input = stores_as_text(dir.path());
    let out = forecast_variants(
        dir.path(),
        &input,
        &future,
        &["", ",group_by=store_id", ",group_by=global/store_id"],
    );
    let differ = mean_of_the_first_two(&out, 1e-9);
    assert!(differ > 10, "the two groupings are other models: {differ}");
    let both = &out[2];

    // the flag, a saved model and the explanations carry the groupings
    let model_dir = dir.path().join("model");
    let mut fit = vec!["--quiet", "fit", "--input", s(&input), "--horizon", "13"];
    fit.extend(["--models", MODEL, "--group-by", "global/store_id"]);
    fit.extend([
        "--levels",
        "none",
        "--threads",
        "1",
        "--save",
        s(&model_dir),
    ]);
    run(&fit);
    let (saved, explain) = (dir.path().join("saved.csv"), dir.path().join("ex.csv"));
    let mut args = vec!["forecast"];
    args.extend(common(s(&input), s(&future)));
    args.extend(["--model-dir", s(&model_dir), "--levels", "none"]);
    args.extend(["--output", s(&saved), "--explain", s(&explain)]);
    run(&args);
    let saved = read_csv(&saved).1;
    for k in both.keys() {
        assert_eq!(value(&saved, k), value(both, k), "{k:?}: saved model");
    }
    // averaged contributions still add up to the averaged raw score, and
    // the averaged prediction is the forecast
    let per = explained(&explain);
    assert_eq!(per.len(), 10 * 13, "one explanation per series and step");
    for (k, (sum, raw, pred, _)) in &per {
        assert!((sum - raw).abs() < 1e-6, "{k:?}: {sum} vs raw {raw}");
        let written = value(both, k);
        assert!(
            (written - pred).abs() < 1e-6 * pred.max(1.0),
            "{k:?}: forecast {written} vs explained {pred}"
        );
    }
}

#[test]
fn sampled_paths_are_reproducible_and_change_only_the_recursion() {
    let dir = tempfile::tempdir().unwrap();
    let (input, future) = (data("frat_small.csv"), data("frat_small_future.csv"));
    let out = forecast_variants(
        dir.path(),
        &input,
        &future,
        &[
            "",
            ",paths=16",
            ",paths=16",
            ",strategy=direct,block=13",
            ",strategy=direct,block=13,paths=16",
            ",paths=16,noise=bootstrap",
        ],
    );
    let (mut differ, mut by_noise) = (0, 0);
    for k in out[0].keys() {
        let (one, p, again) = (value(&out[0], k), value(&out[1], k), value(&out[2], k));
        // Poisson (default) and bootstrap draws are other paths
        by_noise += usize::from((p - value(&out[5], k)).abs() > 1e-6 * p.max(1.0));
        assert_eq!(p, again, "{k:?}: same seed, same paths");
        assert!(p.is_finite() && p >= 0.0, "{k:?}: {p}");
        differ += usize::from((p - one).abs() > 1e-6 * one.max(1.0));
        // a direct model reads no forecast: paths change nothing
        assert_eq!(value(&out[3], k), value(&out[4], k), "{k:?}");
    }
    // the first step reads only actuals; later steps read the draws
    assert!(differ > 50, "paths changed {differ} of 130 forecasts");
    assert!(
        by_noise > 50,
        "the noise changed {by_noise} of 130 forecasts"
    );
    // explanations describe one path
    let mut args = vec!["forecast"];
    args.extend(common(s(&input), s(&future)));
    let model = format!("{MODEL},paths=4");
    let expl = dir.path().join("x.csv");
    let fc = dir.path().join("f.csv");
    args.extend([
        "--models",
        &model,
        "--explain",
        s(&expl),
        "--output",
        s(&fc),
    ]);
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args(&args)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("paths=1"));
}

#[test]
fn backtest_runs_lightgbm_next_to_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let models = format!("{MODEL},seasonal_naive:52");
    run(&[
        "--quiet",
        "backtest",
        "--input",
        s(&data("frat_small.csv")),
        "--horizon",
        "13",
        "--windows",
        "1",
        "--threads",
        "1",
        "--levels",
        "80",
        "--models",
        &models,
        "--output",
        s(&out),
    ]);
    let (h, rows) = read_csv(&out.join("forecasts.csv"));
    assert!(
        h.contains(&"LightGBM".to_string()) && h.contains(&"LightGBM-hi-80".to_string()),
        "{h:?}"
    );
    assert_eq!(rows.len(), 10 * 13);
}

#[test]
fn bad_parameters_fail_before_loading() {
    let o = Command::new(env!("CARGO_BIN_EXE_demandcast"))
        .args([
            "forecast",
            "--input",
            s(&data("frat_small.csv")),
            "--horizon",
            "4",
            "--models",
            "lightgbm:objective=huber",
            "--output",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("objective=huber") && err.contains("tweedie"),
        "{err}"
    );
}
