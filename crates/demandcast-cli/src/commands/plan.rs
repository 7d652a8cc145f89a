//! `demandcast plan`: per product, the reorder point, order-up-to level,
//! safety stock, the order to place now, the stock-out risk and the days of
//! cover, from one model fitted on the whole history and calibrated on its
//! own rolling-origin backtest.
//!
//! Writes `plan.csv`, `plan.json`, `plan.md` and `forecasts.csv` (the
//! calibrated per-step quantiles). With `--what-if`, the plan is made a
//! second time under the other future covariates and both are shown side by
//! side; models that read no covariates say so instead of pretending.
//!
//! Products: every product of the stock file must have a history, else the
//! command stops and lists them; products with a history but no stock row are
//! not planned and are counted in the report.

use crate::commands::simulate::{covariate_note, write_file};
use crate::decide_settings::PlanSettings;
use crate::decide_stock::{load_lead_times, load_stock, StockRow};
use crate::error::UsageError;
use crate::input::{load_history, report_notes};
use crate::output::{create, write_forecasts};
use crate::ui::Ui;
use anyhow::{Context, Result};
use demandcast::core::{Forecaster, FutureCovariates, Panel, PanelForecast};
use demandcast::data::load_future;
use demandcast::eval::{classify, cross_validation, ClassThresholds, CvConfig};
use demandcast_decide::{
    calibrate_on_backtest, plan_item, Calibration, LeadTime, OrderConstraints, PlanItem, PlanRow,
    Policy,
};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::{fs, io::Write, process::ExitCode};

/// Runs the command.
pub fn run(s: &PlanSettings, ui: &Ui) -> Result<ExitCode> {
    s.models.init_threads()?;
    let id_col = &s.input.load.id_col;
    let (stock, ignored) = load_stock(&s.stock, id_col)?;
    if !ignored.is_empty() {
        ui.note(format!(
            "{}: columns not used: {}",
            s.stock.display(),
            ignored.join(", ")
        ));
    }
    let lt_file = match &s.lead_times {
        Some(p) => load_lead_times(p, id_col)?,
        None => HashMap::new(),
    };
    let panel = load_history(&s.input, ui)?.panel;
    let index: HashMap<&str, usize> = panel
        .ids()
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let unknown: Vec<&StockRow> = stock
        .iter()
        .filter(|r| !index.contains_key(r.id.as_str()))
        .collect();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown
            .iter()
            .take(5)
            .map(|r| format!("'{}' (line {})", r.id, r.line))
            .collect();
        return Err(UsageError::err(
            format!(
                "{}: {} product(s) have no sales history, so no forecast: {}{}",
                s.stock.display(),
                unknown.len(),
                list.join(", "),
                if unknown.len() > 5 { ", ..." } else { "" }
            ),
            Some("check the ids against the history's unique_id column, or remove the rows"),
        ));
    }
    let items = items(s, &stock, &lt_file, &panel)?;
    let review = s.policy.review;
    let horizons: BTreeSet<usize> = items
        .iter()
        .flat_map(|it| it.lead.pmf().into_iter().map(|(l, _)| l + review))
        .collect();
    let h = horizons.iter().max().copied().unwrap_or(review);

    let mut opts = s.models.build_options(panel.freq());
    opts.horizon = Some(h);
    let models = demandcast::build_models(&s.models.specs, &opts)?;
    let model = models
        .forecasters
        .first()
        .ok_or_else(|| anyhow::anyhow!("no model was built"))?;
    let name = model.name().to_string();
    let uses: Vec<&str> = models
        .forecasters
        .iter()
        .filter(|m| m.uses_covariates())
        .map(|m| m.name())
        .collect();

    // Calibration: a backtest whose every window ends by the last date.
    let cv_cfg = CvConfig::new(h, s.calibration_windows)
        .with_step_size(review)
        .with_levels(s.models.levels.clone());
    let refs: Vec<&dyn Forecaster> = vec![model.as_ref()];
    let bar = ui.bars().bar(
        (panel.n_series() * (s.calibration_windows + 1)) as u64,
        format!("calibrating {name}"),
    );
    let cv = cross_validation(&panel, &refs, &cv_cfg, &bar).with_context(|| {
        format!(
            "cannot backtest {name} on {} windows for calibration",
            s.calibration_windows
        )
    })?;
    let th = ClassThresholds::default();
    let cal = calibrate_on_backtest(&panel, &cv, 0, &horizons, 1.0, 50, th);

    bar.set_message(format!("fitting {name}"));
    let fitted = model
        .fit_with_progress(&panel, &bar)
        .with_context(|| format!("{name} failed to fit"))?;
    let future = load_opt_future(s.future.as_deref(), s, &panel, h)?;
    let base = fitted
        .predict(h, &s.models.levels, future.as_ref())
        .with_context(|| format!("{name} failed to forecast"))?;
    let what_if = match load_opt_future(s.what_if.as_deref(), s, &panel, h)? {
        Some(f) => Some(
            fitted
                .predict(h, &s.models.levels, Some(&f))
                .with_context(|| format!("{name} failed to forecast the what-if"))?,
        ),
        None => None,
    };
    bar.finish();
    report_notes(ui, &name, &base.notes);

    let classes: HashMap<&str, _> = stock
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                classify(panel.series(index[r.id.as_str()]), th).class,
            )
        })
        .collect();
    let rows = plan_rows(&items, &base, &classes, &cal, s)?;
    let wi_rows = match &what_if {
        Some(w) => Some(plan_rows(&items, w, &classes, &cal, s)?),
        None => None,
    };
    let unplanned = panel.n_series() - stock.len();
    if unplanned > 0 {
        ui.warn(format!(
            "{unplanned} series have no row in {} and are not planned",
            s.stock.display()
        ));
    }

    fs::create_dir_all(&s.output)
        .with_context(|| format!("cannot create folder {}", s.output.display()))?;
    write_file(&s.output.join("plan.csv"), |w| {
        write_csv(w, &rows, wi_rows.as_deref())
    })?;
    let calibrated_fc = calibrate_forecast(&base, &classes, &cal, &panel, th);
    let fpath = s.output.join("forecasts.csv");
    let mut fw = create(&fpath)?;
    write_forecasts(&mut fw, &[calibrated_fc])
        .with_context(|| format!("cannot write {}", fpath.display()))?;
    fw.flush()
        .with_context(|| format!("cannot write {}", fpath.display()))?;
    let note = covariate_note(&uses);
    let doc = json!({
        "model": name,
        "policy": s.policy.policy,
        "target": s.policy.target,
        "review_period": review,
        "calibration_windows": s.calibration_windows,
        "costs": s.costs.describe(),
        "covariates": note,
        "unplanned_series": unplanned,
        "products": rows,
        "what_if": wi_rows,
    });
    write_file(&s.output.join("plan.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        writeln!(w)?;
        Ok(())
    })?;
    write_file(&s.output.join("plan.md"), |w| {
        write_md(w, &doc, &rows, wi_rows.as_deref())
    })?;
    let n_orders = rows.iter().filter(|r| r.order > 0.0).count();
    ui.note(format!(
        "{} products planned, {n_orders} to order now; wrote {}",
        rows.len(),
        s.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn load_opt_future(
    p: Option<&std::path::Path>,
    s: &PlanSettings,
    panel: &Panel,
    h: usize,
) -> Result<Option<FutureCovariates>> {
    Ok(match p {
        Some(p) => Some(load_future(p, &s.input.load, panel, h)?),
        None => None,
    })
}

/// Stock rows -> plan items, with the lead time from the lead-time file, the
/// stock file or the flag (in that order) and per-product constraints.
fn items(
    s: &PlanSettings,
    stock: &[StockRow],
    lt_file: &HashMap<String, Vec<(usize, f64)>>,
    panel: &Panel,
) -> Result<Vec<PlanItem>> {
    stock
        .iter()
        .map(|r| {
            let lead = if let Some(pmf) = lt_file.get(&r.id) {
                LeadTime::distribution(pmf.clone())
                    .map_err(|e| UsageError::err(format!("lead times of '{}': {e}", r.id), None))?
            } else if let Some(l) = r.lead_time.or(s.lead_time) {
                LeadTime::fixed(l)?
            } else {
                return Err(UsageError::err(
                    format!(
                        "{}, line {}: product '{}' has no lead time",
                        s.stock.display(),
                        r.line,
                        r.id
                    ),
                    Some("add a lead_time column, a --lead-times file, or a default --lead-time"),
                ));
            };
            let base = s.policy.constraints;
            let constraints = OrderConstraints {
                moq: r.moq.unwrap_or(base.moq),
                pack_size: r.pack_size.unwrap_or(base.pack_size),
                max_order: r.max_order.or(base.max_order),
                max_position: r.max_stock.or(base.max_position),
            };
            constraints.validate().map_err(|e| {
                UsageError::err(format!("{}, line {}: {e}", s.stock.display(), r.line), None)
            })?;
            let policy = match (s.policy.policy, r.order_quantity) {
                (Policy::ReorderQuantity { .. }, Some(q)) if q > 0.0 => {
                    Policy::ReorderQuantity { quantity: q }
                }
                (Policy::MinMax { .. }, Some(q)) => Policy::MinMax { gap: q },
                (p, _) => p,
            };
            let i = panel.index_of(&r.id).unwrap_or(0);
            let price = panel
                .covariate_of(&s.costs.price_col, i)
                .and_then(|p| p.iter().rev().copied().find(|v| v.is_finite()));
            Ok(PlanItem {
                id: r.id.clone(),
                on_hand: r.on_hand,
                on_order: r.on_order,
                lead,
                constraints,
                policy,
                costs: s.costs.unit_costs(price, panel.freq()),
            })
        })
        .collect()
}

fn plan_rows(
    items: &[PlanItem],
    pf: &PanelForecast,
    classes: &HashMap<&str, demandcast::eval::DemandClass>,
    cal: &Calibration,
    s: &PlanSettings,
) -> Result<Vec<PlanRow>> {
    let pos: HashMap<&str, usize> = pf
        .ids
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str(), k))
        .collect();
    items
        .iter()
        .map(|it| {
            let fc = pos
                .get(it.id.as_str())
                .map(|&k| &pf.series[k])
                .ok_or_else(|| anyhow::anyhow!("the model returned no forecast for '{}'", it.id))?;
            let class = classes
                .get(it.id.as_str())
                .copied()
                .unwrap_or(demandcast::eval::DemandClass::NoDemand);
            plan_item(it, fc, class, cal, s.policy.review, &s.policy.target)
                .with_context(|| format!("cannot plan '{}'", it.id))
        })
        .collect()
}

fn calibrate_forecast(
    pf: &PanelForecast,
    classes: &HashMap<&str, demandcast::eval::DemandClass>,
    cal: &Calibration,
    panel: &Panel,
    th: ClassThresholds,
) -> PanelForecast {
    let mut out = pf.clone();
    for (id, fc) in out.ids.iter().zip(out.series.iter_mut()) {
        let class = classes.get(id.as_str()).copied().unwrap_or_else(|| {
            panel
                .index_of(id)
                .map_or(demandcast::eval::DemandClass::NoDemand, |i| {
                    classify(panel.series(i), th).class
                })
        });
        *fc = cal.steps.apply(fc, class);
    }
    out
}

const COLS: [&str; 12] = [
    "unique_id",
    "class",
    "lead_time",
    "expected_demand",
    "reorder_point",
    "order_up_to",
    "safety_stock",
    "position",
    "order",
    "stockout_risk",
    "days_of_cover",
    "calibration",
];

fn values(r: &PlanRow) -> Vec<String> {
    let n = |v: f64| crate::output::num(Some(v));
    vec![
        r.id.clone(),
        r.class.to_string(),
        n(r.lead_time),
        n(r.expected_demand),
        n(r.reorder_point),
        n(r.order_up_to),
        n(r.safety_stock),
        n(r.position),
        n(r.order),
        n(r.stockout_risk),
        n(r.days_of_cover),
        r.calibration.to_string(),
    ]
}

fn write_csv(w: &mut dyn Write, rows: &[PlanRow], what_if: Option<&[PlanRow]>) -> Result<()> {
    let mut c = csv::Writer::from_writer(w);
    let mut header: Vec<String> = COLS.iter().map(|s| s.to_string()).collect();
    if what_if.is_some() {
        header.extend(
            [
                "whatif_expected_demand",
                "whatif_order_up_to",
                "whatif_order",
            ]
            .map(String::from),
        );
    }
    c.write_record(&header)?;
    for (k, r) in rows.iter().enumerate() {
        let mut v = values(r);
        if let Some(wi) = what_if.and_then(|w| w.get(k)) {
            let n = |v: f64| crate::output::num(Some(v));
            v.extend([n(wi.expected_demand), n(wi.order_up_to), n(wi.order)]);
        }
        c.write_record(&v)?;
    }
    c.flush()?;
    Ok(())
}

fn write_md(
    w: &mut dyn Write,
    doc: &serde_json::Value,
    rows: &[PlanRow],
    what_if: Option<&[PlanRow]>,
) -> Result<()> {
    writeln!(w, "# Replenishment plan\n")?;
    writeln!(w, "Model `{}`, policy `{}`, target `{}`, review every {} periods; quantiles calibrated on {} backtest windows. Costs: {}.\n", doc["model"].as_str().unwrap_or(""), doc["policy"], doc["target"], doc["review_period"], doc["calibration_windows"], doc["costs"].as_str().unwrap_or(""))?;
    writeln!(
        w,
        "Covariates: {}.\n",
        doc["covariates"].as_str().unwrap_or("")
    )?;
    let n_orders = rows.iter().filter(|r| r.order > 0.0).count();
    writeln!(
        w,
        "{} products, {n_orders} to order now, {} series without a stock row (not planned).\n",
        rows.len(),
        doc["unplanned_series"]
    )?;
    writeln!(w, "| product | class | lead time | demand L+R | reorder point | order-up-to | safety stock | position | **order** | stock-out risk | days of cover |{}", if what_if.is_some() { " what-if demand | what-if order |" } else { "" })?;
    writeln!(
        w,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|{}",
        if what_if.is_some() { "---:|---:|" } else { "" }
    )?;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| rows[b].stockout_risk.total_cmp(&rows[a].stockout_risk));
    for k in order.into_iter().take(200) {
        let r = &rows[k];
        write!(w, "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | **{:.0}** | {:.1} % | {:.1} |", r.id, r.class, r.lead_time, r.expected_demand, r.reorder_point, r.order_up_to, r.safety_stock, r.position, r.order, 100.0 * r.stockout_risk, r.days_of_cover)?;
        if let Some(wi) = what_if.and_then(|x| x.get(k)) {
            write!(w, " {:.1} | {:.0} |", wi.expected_demand, wi.order)?;
        }
        writeln!(w)?;
    }
    if rows.len() > 200 {
        writeln!(
            w,
            "\nThe 200 products with the highest stock-out risk are shown; plan.csv has all {}.",
            rows.len()
        )?;
    }
    Ok(())
}
