//! The HTTP API end to end, in process: forecast, browse, download, errors.

use axum::{
    body::{to_bytes, Body},
    http::{Request, StatusCode},
    Router,
};
use demandcast_server::{router, AppState};
use demandcast_store::Store;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Two daily series of three weeks: `store 1/sku-a` repeats 0..6 (so a
/// seasonal naive forecast is 0..6 again) and `sku_b` is 10, 11, ... 30.
fn sales_csv() -> String {
    let mut s = String::from("unique_id,ds,y\n");
    for t in 0..21 {
        s.push_str(&format!("store 1/sku-a,2024-01-{:02},{}\n", t + 1, t % 7));
    }
    for t in 0..21 {
        s.push_str(&format!("sku_b,2024-01-{:02},{}\n", t + 1, 10 + t));
    }
    s
}

fn app() -> Router {
    router(AppState::new(Store::open_in_memory().unwrap()))
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    (
        status,
        to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
}

async fn get_json(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (s, b) = call(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    (s, serde_json::from_slice(&b).unwrap())
}

async fn post_json(app: &Router, body: Value) -> (StatusCode, Value) {
    let req = Request::post("/api/forecast")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b) = call(app, req).await;
    (s, serde_json::from_slice(&b).unwrap())
}

fn means(v: &Value) -> Vec<f64> {
    v["mean"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_json_forecast_is_recorded_and_browsed() {
    let app = app();
    let (status, ans) = post_json(
        &app,
        json!({"data": sales_csv(), "filename": "sales.csv", "horizon": 7,
               "models": "seasonal_naive,naive", "levels": [95, 80]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ans}");
    let run = &ans["run"];
    let id = run["id"].as_i64().unwrap();
    assert_eq!(run["kind"], "api");
    assert_eq!(run["source"], "sales.csv");
    assert_eq!(run["n_series"], 2);
    assert_eq!(run["horizon"], 7);
    assert_eq!(run["freq"], "D");
    assert_eq!(run["models"], json!(["SeasonalNaive", "Naive"]));
    assert_eq!(run["levels"], json!([80.0, 95.0]));
    assert_eq!(run["params"]["models"], "seasonal_naive,naive");

    let (s, runs) = get_json(&app, "/api/runs").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["id"], id);

    let (_, list) = get_json(&app, &format!("/api/runs/{id}/series?q=SKU")).await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["ids"], json!(["store 1/sku-a", "sku_b"]));

    // An id with a space and a slash, percent-encoded in the path.
    let (s, a) = get_json(&app, &format!("/api/runs/{id}/series/store%201%2Fsku-a")).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    // All of its history (< 56 days) but the leading zero, which the
    // loader trims before the first sale and reports.
    assert_eq!(a["history"]["y"].as_array().unwrap().len(), 20);
    assert_eq!(a["history"]["ds"][0], "2024-01-02");
    assert_eq!(a["history"]["ds"][19], "2024-01-21");
    let warnings = ans["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("zero")),
        "{warnings:?}"
    );
    assert_eq!(
        run["notes"], ans["warnings"],
        "the warnings are kept with the run"
    );
    let sn = &a["forecasts"][0];
    assert_eq!(sn["model"], "SeasonalNaive");
    assert_eq!(sn["ds"][0], "2024-01-22");
    assert_eq!(means(sn), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let naive = &a["forecasts"][1];
    assert_eq!(means(naive), vec![6.0; 7]);
    let iv = &naive["intervals"];
    assert_eq!(iv[0]["level"], 80.0);
    assert_eq!(iv[1]["level"], 95.0);
    let lo80 = iv[0]["lo"][0].as_f64().unwrap();
    let lo95 = iv[1]["lo"][0].as_f64().unwrap();
    assert!(
        lo95 <= lo80 && lo80 <= 6.0,
        "nested intervals: {lo95} {lo80}"
    );

    let (_, b) = get_json(&app, &format!("/api/runs/{id}/series/sku_b")).await;
    assert_eq!(means(&b["forecasts"][1]), vec![30.0; 7]);
}

#[tokio::test]
async fn a_raw_csv_upload_takes_its_parameters_from_the_query() {
    let app = app();
    let req = Request::post("/api/forecast?horizon=3&models=naive&levels=80&filename=x/y/shop.csv")
        .header("content-type", "text/csv")
        .body(Body::from(sales_csv()))
        .unwrap();
    let (status, body) = call(&app, req).await;
    let ans: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::OK, "{ans}");
    assert_eq!(ans["run"]["source"], "shop.csv");
    assert_eq!(ans["run"]["levels"], json!([80.0]));

    // The CSV download: the CLI's layout, one row per series and day.
    let id = ans["run"]["id"].as_i64().unwrap();
    let (s, csv) = call(
        &app,
        Request::get(format!("/api/runs/{id}/forecasts.csv"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "unique_id,ds,Naive,Naive-lo-80,Naive-hi-80");
    assert_eq!(lines.len(), 1 + 2 * 3);
    assert!(
        lines[1].starts_with("store 1/sku-a,2024-01-22,6,"),
        "{}",
        lines[1]
    );
    assert!(lines[4].starts_with("sku_b,2024-01-22,30,"), "{}", lines[4]);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_file_row_and_column() {
    let app = app();
    let data = sales_csv().replacen("2024-01-03,2", "2024-01-03,two", 1);
    let (status, ans) = post_json(
        &app,
        json!({"data": data, "filename": "sales.csv", "horizon": 7, "models": "naive"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{ans}");
    let msg = ans["error"].as_str().unwrap();
    assert!(msg.contains("sales.csv:4: column 'y'"), "{msg}");
    assert!(msg.contains("'two'"), "{msg}");
    assert!(
        !msg.contains("/tmp"),
        "the temporary folder is not shown: {msg}"
    );
    let (_, runs) = get_json(&app, "/api/runs").await;
    assert!(runs.as_array().unwrap().is_empty(), "nothing recorded");

    let (status, ans) = post_json(
        &app,
        json!({"data": sales_csv(), "horizon": 7, "models": "prophet"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ans["error"].as_str().unwrap().contains("auto_ets"), "{ans}");

    let (status, ans) = post_json(&app, json!({"data": sales_csv(), "horizon": 0})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ans["error"].as_str().unwrap().contains("horizon"), "{ans}");

    let (status, ans) = post_json(&app, json!({"horizon": 7})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ans["error"].as_str().unwrap().contains("data"), "{ans}");
}

#[tokio::test]
async fn unknown_runs_and_series_are_404s() {
    let app = app();
    let (s, e) = get_json(&app, "/api/runs/7").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("no run 7"));
    let (s, _) = get_json(&app, "/api/runs/7/series").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (status, ans) = post_json(
        &app,
        json!({"data": sales_csv(), "horizon": 2, "models": "naive"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = ans["run"]["id"].as_i64().unwrap();
    let (s, e) = get_json(&app, &format!("/api/runs/{id}/series/nope")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("'nope'"));
}

#[tokio::test]
async fn the_dashboard_health_and_models_are_served() {
    let app = app();
    let (s, page) = call(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<svg") || page.contains("createElementNS"));
    assert!(page.contains("api/forecast"));
    for external in ["src=\"http", "href=\"http", "<link", "url(http", "import "] {
        assert!(
            !page.contains(external),
            "no external resources: {external}"
        );
    }
    let (_, h) = get_json(&app, "/api/health").await;
    assert_eq!(h["status"], "ok");
    let (_, m) = get_json(&app, "/api/models").await;
    let names: Vec<&str> = m
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"auto_ets") && names.contains(&"lightgbm"),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_backtest_report_is_served_with_its_run() {
    let mut store = Store::open_in_memory().unwrap();
    let panel = demandcast::core::Panel::from_series(
        demandcast::core::Freq::Daily,
        vec![(
            "a".into(),
            demandcast::core::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            vec![1.0, 2.0],
        )],
    )
    .unwrap();
    let mut run = demandcast_store::NewRun::new("backtest", "s.csv", &panel, &[], 7);
    run.report = Some(
        json!({"primary_metric": "MASE", "models": [{"rank": 1, "model": "Naive", "MASE": 0.8}]}),
    );
    let bt = store.record_run(&run).unwrap();
    let plain = store
        .record_run(&demandcast_store::NewRun::new(
            "api",
            "s.csv",
            &panel,
            &[],
            7,
        ))
        .unwrap();
    let app = router(AppState::new(store));
    let (s, r) = get_json(&app, &format!("/api/runs/{bt}/report")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["models"][0]["MASE"], 0.8);
    let (s, e) = get_json(&app, &format!("/api/runs/{plain}/report")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("no report"), "{e}");
}

/// Polls a job until it is done or failed.
async fn wait_for(app: &Router, id: i64) -> Value {
    for _ in 0..200 {
        let (s, j) = get_json(app, &format!("/api/jobs/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        if j["state"] == "done" || j["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_forecast_is_a_job_to_poll() {
    let app = app();
    let req = Request::post("/api/forecast")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"data": sales_csv(), "horizon": 7, "models": "naive,croston_sba", "wait": false})
                .to_string(),
        ))
        .unwrap();
    let (status, body) = call(&app, req).await;
    let accepted: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["job"].as_i64().unwrap();
    assert_eq!(accepted["status_url"], format!("/api/jobs/{id}"));
    let job = wait_for(&app, id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["model"], "CrostonSBA", "the last model fitted");
    assert_eq!(
        (job["done"].as_u64(), job["total"].as_u64()),
        (Some(2), Some(2))
    );
    let run = job["run"]["id"].as_i64().unwrap();
    let (_, b) = get_json(&app, &format!("/api/runs/{run}/series/sku_b")).await;
    assert_eq!(means(&b["forecasts"][0]), vec![30.0; 7]);

    // Bad data in the background: the job fails with the 400 and its message.
    let req = Request::post("/api/forecast?horizon=3&models=naive&wait=false&filename=bad.csv")
        .header("content-type", "text/csv")
        .body(Body::from("unique_id,ds,y\na,2024-01-01,x\n"))
        .unwrap();
    let (status, body) = call(&app, req).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id = serde_json::from_slice::<Value>(&body).unwrap()["job"]
        .as_i64()
        .unwrap();
    let job = wait_for(&app, id).await;
    assert_eq!(job["state"], "failed");
    assert_eq!(job["status"], 400);
    assert!(
        job["error"].as_str().unwrap().contains("bad.csv:2"),
        "{job}"
    );
    let (s, _) = get_json(&app, "/api/jobs/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A catalogue in the request: refused by a server without cold start; with
/// one, its products without history get the hook's forecasts, recorded with
/// the run and browsable like the others, and their analogues are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_brings_cold_start_forecasts_and_their_analogues() {
    let catalog = "unique_id,description,launch_date\n\
                   sku_b,BLUE MUG,\nnew_mug,GREEN MUG,2024-01-24\n";
    let body = json!({"data": sales_csv(), "horizon": 3, "models": "naive",
                      "catalog": catalog, "catalog_filename": "products.csv"});
    let (s, e) = post_json(&app(), body.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["error"].as_str().unwrap().contains("cold start"), "{e}");

    // The hook stands in for the text analogues: it sees the panel and the
    // catalogue as loaded and forecasts the rows without history.
    let hook: demandcast_server::ColdStartHook = std::sync::Arc::new(|panel, cat, h| {
        let known = panel.ids();
        let new: Vec<usize> = (0..cat.len())
            .filter(|&i| !known.contains(&cat.ids[i]))
            .collect();
        if new.is_empty() {
            return Ok(None);
        }
        let forecast = demandcast::core::PanelForecast {
            model: "ColdStart".into(),
            freq: panel.freq(),
            ids: new.iter().map(|&i| cat.ids[i].clone()).collect(),
            starts: new.iter().map(|&i| cat.launch_date[i].unwrap()).collect(),
            levels: Vec::new(),
            series: new
                .iter()
                .map(|_| demandcast::core::Forecast::point(vec![4.0; h]))
                .collect(),
            notes: Vec::new(),
        };
        let analogues = vec![
            json!({"unique_id": "new_mug", "rank": 1, "analogue_id": "sku_b",
                                    "analogue_title": cat.text[0].clone(), "similarity": 0.9}),
        ];
        Ok(Some(demandcast_server::ColdStartOutput {
            forecast,
            analogues,
            notes: vec!["cold start: one new product".into()],
        }))
    });
    let app = router(AppState::new(Store::open_in_memory().unwrap()).with_cold_start(hook));
    let (s, ans) = post_json(&app, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{ans}");
    assert_eq!(ans["analogues"][0]["analogue_id"], "sku_b");
    // As a background job (the dashboard's way), the job shows them.
    let mut bg = body;
    bg["wait"] = json!(false);
    let (s, accepted) = post_json(&app, bg).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{accepted}");
    let job = wait_for(&app, accepted["job"].as_i64().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["analogues"][0]["analogue_id"], "sku_b");
    assert_eq!(ans["analogues"][0]["analogue_title"], "BLUE MUG");
    assert_eq!(ans["run"]["models"], json!(["Naive", "ColdStart"]));
    assert_eq!(ans["run"]["params"]["catalog"], "products.csv");
    assert!(ans["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w == "cold start: one new product"));
    let id = ans["run"]["id"].as_i64().unwrap();
    let (s, n) = get_json(&app, &format!("/api/runs/{id}/series/new_mug")).await;
    assert_eq!(s, StatusCode::OK, "{n}");
    let cs = &n["forecasts"][0];
    assert_eq!(cs["model"], "ColdStart");
    assert_eq!(cs["ds"][0], "2024-01-24");
    assert_eq!(means(cs), vec![4.0; 3]);

    // A catalogue row without an id is a 400 naming the file, row and column.
    let bad = json!({"data": sales_csv(), "horizon": 3, "models": "naive",
                     "catalog": "unique_id,description\n,GREEN MUG\n",
                     "catalog_filename": "products.csv"});
    let (s, e) = post_json(&app, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let msg = e["error"].as_str().unwrap();
    assert!(
        msg.contains("products.csv") && msg.contains("unique_id"),
        "{msg}"
    );
}

/// Column names other than `unique_id, ds, y`, and attribute columns, as
/// `--id-col ... --static-cols` give them, in JSON and in the query.
#[tokio::test]
async fn the_request_names_its_columns() {
    let mut csv = String::from("sku,date,units,store_nbr\n");
    for t in 0..14 {
        csv.push_str(&format!("a,2024-01-{:02},{},3\n", t + 1, t % 7));
        csv.push_str(&format!(
            "b,2024-01-{:02},5,{}\n",
            t + 1,
            if t < 7 { 4 } else { 5 }
        ));
    }
    let app = app();
    let body = json!({"data": csv, "horizon": 2, "models": "naive"});
    let (s, e) = post_json(&app, body.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(e["error"].as_str().unwrap().contains("unique_id"), "{e}");
    let mut named = body;
    named["id_col"] = json!("sku");
    named["time_col"] = json!("date");
    named["target_col"] = json!("units");
    let (s, ans) = post_json(&app, named.clone()).await;
    assert_eq!(s, StatusCode::OK, "{ans}");
    assert_eq!(ans["run"]["n_series"], 2);
    assert_eq!(ans["run"]["params"]["id_col"], "sku");
    // store_nbr listed as an attribute: b's changes, an error naming it.
    named["static_cols"] = json!(["store_nbr"]);
    let (s, e) = post_json(&app, named).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["error"].as_str().unwrap().contains("store_nbr"), "{e}");
    // The same through the query of a raw upload.
    let req = Request::post(
        "/api/forecast?horizon=2&models=naive&id_col=sku&time_col=date&target_col=units&static_cols=store_nbr",
    )
    .body(Body::from(csv))
    .unwrap();
    let (s, b) = call(&app, req).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&b)
    );
    assert!(String::from_utf8_lossy(&b).contains("store_nbr"));
}
