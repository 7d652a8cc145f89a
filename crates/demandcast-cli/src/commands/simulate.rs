//! `demandcast simulate`: replay the history with a replenishment policy
//! driven by each model's rolling-origin backtest forecasts, and compare the
//! models by money: service, stock and cost, uncalibrated and calibrated.
//!
//! Writes `summary.json`, `products.csv` (one row per product, model and
//! variant) and `report.md`. The windows and the no-peeking rule are those of
//! [`demandcast_decide::replay`].

use crate::decide_settings::{CostSettings, SimulateSettings};
use crate::input::load_history;
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Forecaster, Panel};
use demandcast::eval::{cross_validation, plan, DemandClass};
use demandcast_decide::{replay, ReplayConfig, ReplayResult, SimOutcome, SimSummary, UnitCosts};
use serde_json::json;
use std::{fs, io::Write, path::Path, process::ExitCode, time::Instant};

/// Runs the command.
pub fn run(s: &SimulateSettings, ui: &Ui) -> Result<ExitCode> {
    let started = Instant::now();
    s.models.init_threads()?;
    let loaded = load_history(&s.input, ui)?;
    let freq = loaded.panel.freq();
    let mut cfg = ReplayConfig::new(
        s.lead_time,
        s.policy.review,
        s.reviews,
        s.policy.policy,
        s.policy.target,
    );
    cfg.calibration_windows = s.calibration_windows;
    cfg.constraints = s.policy.constraints;
    let mut opts = s.models.build_options(freq);
    opts.horizon = Some(cfg.horizon());
    let models = demandcast::build_models(&s.models.specs, &opts)?;
    let refs: Vec<&dyn Forecaster> = models.forecasters.iter().map(|m| m.as_ref()).collect();
    let uses_cov: Vec<&str> = refs
        .iter()
        .filter(|m| m.uses_covariates())
        .map(|m| m.name())
        .collect();
    // Models that read no covariates: keep only the price, which the costs need.
    let panel = if uses_cov.is_empty() {
        loaded.panel.retain_covariates(|n| n == s.costs.price_col)
    } else {
        loaded.panel
    };
    let cv_cfg = cfg.cv_config(s.models.levels.clone());
    let the_plan = plan(&panel, &cv_cfg).with_context(|| {
        format!(
            "cannot set up {} backtest windows ({} calibration + {} gap + {} reviews) of {} periods",
            cfg.n_windows(),
            cfg.calibration_windows,
            cfg.lag(),
            cfg.reviews,
            cfg.horizon()
        )
    })?;
    let first_review = the_plan.cutoffs[the_plan.cutoffs.len() - cfg.reviews];
    let costs = unit_costs(
        &panel,
        &s.costs,
        first_review,
        cfg.reviews * cfg.review + cfg.lead_time,
    );
    let bar = ui.bars().bar(
        the_plan.n_fits(refs.len(), demandcast::eval::Refit::Always),
        "backtest",
    );
    let cv = cross_validation(&panel, &refs, &cv_cfg, &bar).context("backtest failed")?;
    bar.set_message("simulating");
    let t_sim = Instant::now();
    let result = replay(&panel, &cv, &costs, &cfg, &|m: &str| {
        tracing::info!(model = m, "replayed");
    })
    .context("simulation failed")?;
    bar.finish();
    let sim_seconds = t_sim.elapsed().as_secs_f64();
    if !result.excluded.is_empty() {
        ui.warn(format!(
            "{} of {} products not simulated (products.csv has the rest; report.md lists them with the reason)",
            result.excluded.len(),
            panel.n_series()
        ));
    }

    fs::create_dir_all(&s.output)
        .with_context(|| format!("cannot create folder {}", s.output.display()))?;
    let info = json!({
        "input": s.input.path.display().to_string(),
        "models": s.models.specs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "policy": cfg.policy,
        "target": cfg.target,
        "constraints": cfg.constraints,
        "lead_time": cfg.lead_time,
        "review_period": cfg.review,
        "reviews": cfg.reviews,
        "calibration_windows": cfg.calibration_windows,
        "review_cutoffs": result.review_cutoffs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "costs": s.costs.describe(),
        "covariates": covariate_note(&uses_cov),
        "seconds": started.elapsed().as_secs_f64(),
        "simulation_seconds": sim_seconds,
        "threads": rayon::current_num_threads(),
    });
    let summary = summary_json(&result, info);
    write_file(&s.output.join("summary.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &summary)?;
        writeln!(w)?;
        Ok(())
    })?;
    write_file(&s.output.join("products.csv"), |w| {
        write_products(w, &panel, &result)
    })?;
    write_file(&s.output.join("report.md"), |w| {
        write_report(w, &panel, &result, &summary)
    })?;
    if let Some(best) = summary["best"].as_object() {
        ui.note(format!(
            "lowest total cost: {} ({}), {:.0}; wrote {}",
            best["model"].as_str().unwrap_or(""),
            best["variant"].as_str().unwrap_or(""),
            best["total_cost"].as_f64().unwrap_or(f64::NAN),
            s.output.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the report says about covariates (the what-if path for models that read them).
pub fn covariate_note(uses: &[&str]) -> String {
    if uses.is_empty() {
        "no model here reads covariates (prices, promotions): their forecasts, and so the \
         orders, ignore them; a covariate model (e.g. a gradient-boosted one) plugs in unchanged"
            .to_string()
    } else {
        format!("covariates are read by: {}", uses.join(", "))
    }
}

/// Unit costs per series, from the price over the simulated span (else the
/// last price before it) or from the fixed costs.
fn unit_costs(
    panel: &Panel,
    c: &CostSettings,
    first_review: demandcast::core::NaiveDate,
    span: usize,
) -> Vec<Option<UnitCosts>> {
    (0..panel.n_series())
        .map(|i| {
            let price = panel.covariate_of(&c.price_col, i).and_then(|p| {
                let from = (0..panel.len_of(i))
                    .take_while(|&j| panel.date(i, j) <= first_review)
                    .count();
                let window: Vec<f64> = p[from.min(p.len())..(from + span).min(p.len())]
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect();
                if window.is_empty() {
                    p[..from.min(p.len())]
                        .iter()
                        .rev()
                        .copied()
                        .find(|v| v.is_finite())
                } else {
                    Some(window.iter().sum::<f64>() / window.len() as f64)
                }
            });
            c.unit_costs(price, panel.freq())
        })
        .collect()
}

fn variant_json(o: &SimOutcome, n: usize, level_cov: f64, fallbacks: usize) -> serde_json::Value {
    let mut v = serde_json::to_value(SimSummary::new(o, n)).unwrap_or_default();
    v["forecast_level_coverage"] = json!(level_cov);
    v["calibration_fallbacks"] = json!(fallbacks);
    v
}

fn summary_json(r: &ReplayResult, info: serde_json::Value) -> serde_json::Value {
    let n = r.series.len();
    let mut models = serde_json::Map::new();
    let mut best: Option<(String, &str, f64)> = None;
    for m in &r.models {
        let mut obj = serde_json::Map::new();
        for v in &m.variants {
            obj.insert(
                v.variant.as_str().into(),
                variant_json(&v.total, n, v.level_coverage, v.fallbacks),
            );
            let cost = v.total.total_cost();
            if best.as_ref().is_none_or(|b| cost < b.2) {
                best = Some((m.model.clone(), v.variant.as_str(), cost));
            }
        }
        let cov = |c: &[(demandcast::core::Level, f64, usize)]| {
            c.iter()
                .map(|(l, s, _)| (l.to_string(), json!(s)))
                .collect::<serde_json::Map<_, _>>()
        };
        obj.insert(
            "interval_coverage".into(),
            json!({"before": cov(&m.coverage_before), "after": cov(&m.coverage_after)}),
        );
        models.insert(m.model.clone(), obj.into());
    }
    json!({
        "settings": info,
        "n_products": n,
        "n_excluded": r.excluded.len(),
        "models": models,
        "best": best.map(|(m, v, c)| json!({"model": m, "variant": v, "total_cost": c})),
    })
}

fn write_products(w: &mut dyn Write, panel: &Panel, r: &ReplayResult) -> Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "unique_id",
        "class",
        "model",
        "variant",
        "demand",
        "lost",
        "fill_rate",
        "cycles",
        "stockout_cycles",
        "cycle_service_level",
        "avg_inventory",
        "orders",
        "holding_cost",
        "lost_sales_cost",
        "ordering_cost",
        "total_cost",
    ])?;
    let num = |v: f64| crate::output::num(Some(v));
    for m in &r.models {
        for v in &m.variants {
            for (k, o) in v.per_series.iter().enumerate() {
                let s = SimSummary::new(o, 1);
                c.write_record([
                    panel.id(r.series[k]).to_string(),
                    r.classes[k].to_string(),
                    m.model.clone(),
                    v.variant.as_str().to_string(),
                    num(o.demand),
                    num(o.lost),
                    num(s.fill_rate),
                    o.cycles.to_string(),
                    o.stockout_cycles.to_string(),
                    num(s.cycle_service_level),
                    num(s.avg_inventory),
                    o.orders.to_string(),
                    num(o.holding_cost),
                    num(o.lost_sales_cost),
                    num(o.ordering_cost),
                    num(o.total_cost()),
                ])?;
            }
        }
    }
    c.flush()?;
    Ok(())
}

fn write_report(
    w: &mut dyn Write,
    panel: &Panel,
    r: &ReplayResult,
    summary: &serde_json::Value,
) -> Result<()> {
    let st = &summary["settings"];
    writeln!(w, "# Inventory simulation\n")?;
    writeln!(
        w,
        "Policy `{}`, target `{}`, lead time {} periods, review every {} periods, {} reviews \
         (cutoffs {} to {}), {} products simulated ({} excluded), calibration on up to {} past \
         windows. Costs: {}.\n",
        st["policy"],
        st["target"],
        st["lead_time"],
        st["review_period"],
        st["reviews"],
        r.review_cutoffs
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        r.review_cutoffs
            .last()
            .map(ToString::to_string)
            .unwrap_or_default(),
        r.series.len(),
        r.excluded.len(),
        st["calibration_windows"],
        st["costs"].as_str().unwrap_or("")
    )?;
    writeln!(
        w,
        "Covariates: {}.\n",
        st["covariates"].as_str().unwrap_or("")
    )?;
    writeln!(w, "## Results, by total cost\n")?;
    writeln!(w, "| model | variant | cycle service level | fill rate | avg inventory | holding cost | lost-sales cost | ordering cost | total cost | orders | level coverage |")?;
    writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    let mut rows: Vec<(&str, &demandcast_decide::VariantReplay)> = r
        .models
        .iter()
        .flat_map(|m| m.variants.iter().map(move |v| (m.model.as_str(), v)))
        .collect();
    rows.sort_by(|a, b| a.1.total.total_cost().total_cmp(&b.1.total.total_cost()));
    for (m, v) in &rows {
        let s = SimSummary::new(&v.total, r.series.len());
        writeln!(
            w,
            "| {m} | {} | {:.2} % | {:.2} % | {:.2} | {:.0} | {:.0} | {:.0} | **{:.0}** | {} | {:.2} % |",
            v.variant.as_str(), 100.0 * s.cycle_service_level, 100.0 * s.fill_rate, s.avg_inventory,
            s.holding_cost, s.lost_sales_cost, s.ordering_cost, s.total_cost, s.orders, 100.0 * v.level_coverage
        )?;
    }
    writeln!(w, "\n*level coverage*: share of (product, review) protection-interval totals at or below the level the policy set, i.e. the service promised before lost sales and carried stock.\n")?;
    writeln!(w, "## Cycle service level by demand class\n")?;
    write!(w, "| model | variant |")?;
    for c in DemandClass::ALL {
        write!(w, " {c} |")?;
    }
    writeln!(w, "\n|---|---|{}", "---:|".repeat(DemandClass::ALL.len()))?;
    for (m, v) in &rows {
        write!(w, "| {m} | {} |", v.variant.as_str())?;
        for c in DemandClass::ALL {
            let mut o = SimOutcome::default();
            let mut n = 0;
            for (k, s) in v.per_series.iter().enumerate() {
                if r.classes[k] == c {
                    o.add(s);
                    n += 1;
                }
            }
            let s = SimSummary::new(&o, n);
            if n == 0 {
                write!(w, " |")?;
            } else {
                write!(w, " {:.1} % (n={n}) |", 100.0 * s.cycle_service_level)?;
            }
        }
        writeln!(w)?;
    }
    writeln!(w, "\n## Per-step interval coverage on the review windows\n")?;
    writeln!(
        w,
        "Conformal correction per demand class and horizon step, fitted on past windows only.\n"
    )?;
    writeln!(w, "| model | level | before | after | n |")?;
    writeln!(w, "|---|---:|---:|---:|---:|")?;
    for m in &r.models {
        for ((l, b, n), (_, a, _)) in m.coverage_before.iter().zip(&m.coverage_after) {
            writeln!(
                w,
                "| {} | {l} | {:.2} % | {:.2} % | {n} |",
                m.model,
                100.0 * b,
                100.0 * a
            )?;
        }
    }
    if !r.excluded.is_empty() {
        writeln!(w, "\n## Products not simulated ({})\n", r.excluded.len())?;
        for (id, why) in r.excluded.iter().take(50) {
            writeln!(w, "* `{id}`: {why}")?;
        }
        if r.excluded.len() > 50 {
            writeln!(w, "* ... and {} more", r.excluded.len() - 50)?;
        }
    }
    let _ = panel;
    Ok(())
}

/// Creates `path` and fills it with `body`, naming the file on failure.
pub fn write_file(path: &Path, body: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let err = || format!("cannot write {}", path.display());
    let f = fs::File::create(path).with_context(err)?;
    let mut w = std::io::BufWriter::new(f);
    body(&mut w).with_context(err)?;
    w.flush().with_context(err)
}
