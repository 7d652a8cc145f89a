//! Real, non-benchmark series for pretraining, read from the shared data folder.
//!
//! Only data sets that are **not** evaluation targets are read: M3, M4 weekly,
//! Australian retail turnover and PBS prescriptions, Stallion beer volumes,
//! Walmart store sales and the Complete Journey sample. M5, Online Retail and
//! Breakfast at the Frat are never opened here (they are the benchmarks).
//! Each reader knows its file's layout; rows that cannot be parsed are
//! counted and reported (a warning per file), never silently dropped.

use crate::features::{calendar, median_positive, F_EVENT, F_PRICE, F_PROMO, N_STEP_FEATURES};
use crate::window::Window;
use crate::{Error, Result};
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// One real series with its per-step features.
#[derive(Debug, Clone)]
pub struct RealSeries {
    /// Data set name.
    pub source: &'static str,
    /// Values, oldest first.
    pub y: Vec<f32>,
    /// Per-step features, `y.len() × N_STEP_FEATURES`.
    pub feats: Vec<f32>,
    /// Frequency id.
    pub freq: u32,
}

/// Data sets never used for pretraining, because demandcast is evaluated on them.
pub const BENCHMARK_SETS: [&str; 3] = ["m5", "online_retail", "dunnhumby_breakfast_at_the_frat"];

fn open_csv(path: &Path) -> Result<csv::Reader<Box<dyn Read>>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(csv::ReaderBuilder::new().flexible(true).from_reader(r))
}

/// Groups `(key, date, value, feats)` rows into dated, gap-free series of a step of `step_days`
/// (monthly when `monthly`), filling gaps with NaN.
fn build(
    source: &'static str,
    rows: BTreeMap<String, BTreeMap<NaiveDate, (f64, [f32; N_STEP_FEATURES])>>,
    freq: u32,
    min_len: usize,
) -> Vec<RealSeries> {
    let mut out = Vec::new();
    for (_, m) in rows {
        if m.len() < min_len {
            continue;
        }
        let mut y = Vec::with_capacity(m.len());
        let mut feats = Vec::with_capacity(m.len() * N_STEP_FEATURES);
        for (d, (v, f)) in &m {
            let mut f = *f;
            calendar(*d, freq == 1, &mut f);
            y.push(*v as f32);
            feats.extend_from_slice(&f);
        }
        out.push(RealSeries {
            source,
            y,
            feats,
            freq,
        });
    }
    out
}

type Rows = BTreeMap<String, BTreeMap<NaiveDate, (f64, [f32; N_STEP_FEATURES])>>;

fn field(r: &csv::StringRecord, i: usize) -> &str {
    r.get(i).unwrap_or("")
}

fn ymd(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

struct Reader {
    bad: usize,
}

impl Reader {
    fn rows(
        &mut self,
        path: &Path,
        mut each: impl FnMut(&csv::StringRecord) -> Option<()>,
    ) -> Result<()> {
        let mut rdr = open_csv(path)?;
        for rec in rdr.records() {
            match rec {
                Ok(r) => {
                    if each(&r).is_none() {
                        self.bad += 1;
                    }
                }
                Err(_) => self.bad += 1,
            }
        }
        Ok(())
    }
}

/// Loads every available pretraining data set under `dir` (`shared/data`).
/// Missing data sets are skipped with a warning; unparsable rows are counted
/// and reported per file.
///
/// # Errors
/// An unreadable file that exists.
pub fn load_corpus(dir: &Path) -> Result<Vec<RealSeries>> {
    let mut all = Vec::new();
    let mut rd = Reader { bad: 0 };
    let z = [0f32; N_STEP_FEATURES];
    let report = |name: &str, n: usize, rd: &mut Reader| {
        if rd.bad > 0 {
            tracing::warn!(
                "{name}: {} rows could not be parsed and were not used",
                rd.bad
            );
        }
        tracing::info!("{name}: {n} series");
        rd.bad = 0;
    };
    // M3: series_id, split, t, time (decimal year), value; all frequencies.
    let p = dir.join("m3/m3_series_long.csv.gz");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        let mut freq_of: BTreeMap<String, u32> = BTreeMap::new();
        rd.rows(&p, |r| {
            let t: f64 = field(r, 3).parse().ok()?;
            let v: f64 = field(r, 4).parse().ok()?;
            let year = t.floor();
            let frac = t - year;
            let d = NaiveDate::from_ymd_opt(year as i32, 1, 1)?
                + Duration::days((frac * 365.25) as i64);
            let id = field(r, 0).to_string();
            rows.entry(id.clone()).or_default().insert(d, (v, z));
            let f = if frac.abs() < 1e-9 && !freq_of.contains_key(&id) {
                5
            } else if (frac * 4.0 - (frac * 4.0).round()).abs() < 1e-6 {
                4
            } else {
                3
            };
            let e = freq_of.entry(id).or_insert(f);
            *e = (*e).min(f);
            Some(())
        })?;
        let mut n = 0;
        for (id, m) in rows {
            let f = freq_of.get(&id).copied().unwrap_or(0);
            let mut one = BTreeMap::new();
            one.insert(id, m);
            let s = build("m3", one, f, 12);
            n += s.len();
            all.extend(s);
        }
        report("m3", n, &mut rd);
    }
    // M4 weekly: wide, first column the id, then values (no dates).
    let p = dir.join("m4_weekly/Weekly-train.csv.gz");
    if p.exists() {
        let mut n = 0;
        rd.rows(&p, |r| {
            let y: Vec<f32> = r
                .iter()
                .skip(1)
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse().ok())
                .collect();
            if y.len() >= 20 {
                all.push(RealSeries {
                    source: "m4_weekly",
                    feats: vec![0.0; y.len() * N_STEP_FEATURES],
                    y,
                    freq: 2,
                });
                n += 1;
            }
            Some(())
        })?;
        report("m4_weekly", n, &mut rd);
    }
    // Australian retail: State, Industry, Series ID, Month, Turnover.
    let p = dir.join("aus_retail/aus_retail.csv.gz");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&p, |r| {
            rows.entry(field(r, 2).into())
                .or_default()
                .insert(ymd(field(r, 3))?, (field(r, 4).parse().ok()?, z));
            Some(())
        })?;
        let s = build("aus_retail", rows, 3, 24);
        report("aus_retail", s.len(), &mut rd);
        all.extend(s);
    }
    // PBS: Month, Concession, Type, ATC1, _, ATC2, _, Scripts, Cost.
    let p = dir.join("aus_pbs/pbs.csv.gz");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&p, |r| {
            let key = format!("{}|{}|{}", field(r, 1), field(r, 2), field(r, 5));
            rows.entry(key)
                .or_default()
                .insert(ymd(field(r, 0))?, (field(r, 7).parse().ok()?, z));
            Some(())
        })?;
        let s = build("aus_pbs", rows, 3, 24);
        report("aus_pbs", s.len(), &mut rd);
        all.extend(s);
    }
    // Stallion: agency, sku, volume, date, ..., price_regular (7), price_actual (8), discount (9), holidays (12..24).
    let p = dir.join("stallion/stallion.csv.gz");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&p, |r| {
            let mut f = z;
            let reg: f64 = field(r, 7).parse().ok()?;
            let act: f64 = field(r, 8).parse().ok()?;
            if reg > 0.0 && act > 0.0 {
                f[F_PRICE] = ((act / reg).ln() as f32).clamp(-1.5, 1.5);
            }
            let disc: f64 = field(r, 9).parse().unwrap_or(0.0);
            f[F_PROMO] = if disc > 0.0 { 1.0 } else { 0.0 };
            if (12..24).any(|i| field(r, i).parse::<f64>().unwrap_or(0.0) > 0.0) {
                f[F_EVENT] = 1.0;
            }
            let key = format!("{}|{}", field(r, 0), field(r, 1));
            rows.entry(key)
                .or_default()
                .insert(ymd(field(r, 3))?, (field(r, 2).parse().ok()?, f));
            Some(())
        })?;
        let s = build("stallion", rows, 3, 24);
        report("stallion", s.len(), &mut rd);
        all.extend(s);
    }
    // Walmart (recruiting sample): id, Store, Dept, Date, Weekly_Sales, IsHoliday, ..., MarkDown1..5 (10..15).
    let p = dir.join("walmart_store_sales/walmart_recruiting_store1_7depts_sample.csv");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&p, |r| {
            let mut f = z;
            if field(r, 5) == "True" {
                f[F_EVENT] = 1.0;
            }
            if (10..15).any(|i| field(r, i).parse::<f64>().unwrap_or(0.0) > 0.0) {
                f[F_PROMO] = 1.0;
            }
            let v: f64 = field(r, 4).parse().ok()?;
            rows.entry(field(r, 0).into())
                .or_default()
                .insert(ymd(field(r, 3))?, (v.max(0.0), f));
            Some(())
        })?;
        let s = build("walmart", rows, 2, 20);
        report("walmart", s.len(), &mut rd);
        all.extend(s);
    }
    // Walmart stores: Store, Date (dd-mm-yyyy or dd/mm/yy), Weekly_Sales, Holiday_Flag.
    let p = dir.join("walmart_store_sales/Walmart.csv");
    if p.exists() {
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&p, |r| {
            let ds = field(r, 1);
            let d = NaiveDate::parse_from_str(ds, "%d-%m-%Y")
                .or_else(|_| NaiveDate::parse_from_str(ds, "%d/%m/%y"))
                .ok()?;
            let mut f = z;
            if field(r, 3) == "1" {
                f[F_EVENT] = 1.0;
            }
            rows.entry(field(r, 0).into())
                .or_default()
                .insert(d, (field(r, 2).parse().ok()?, f));
            Some(())
        })?;
        let s = build("walmart_stores", rows, 2, 20);
        report("walmart_stores", s.len(), &mut rd);
        all.extend(s);
    }
    // Complete Journey sample: too sparse per product, so daily quantity per
    // (department); a transaction with a retail discount marks a promotion day.
    let pp = dir.join("dunnhumby_complete_journey_sample/products.csv.gz");
    let pt = dir.join("dunnhumby_complete_journey_sample/transactions_sample.csv.gz");
    if pp.exists() && pt.exists() {
        let mut dept = std::collections::HashMap::new();
        rd.rows(&pp, |r| {
            dept.insert(field(r, 0).to_string(), field(r, 2).to_string());
            Some(())
        })?;
        let mut rows: Rows = BTreeMap::new();
        rd.rows(&pt, |r| {
            let d = ymd(field(r, 10))?;
            let key = dept.get(field(r, 3))?.clone();
            let q: f64 = field(r, 4).parse().ok()?;
            let disc: f64 = field(r, 6).parse().unwrap_or(0.0);
            let e = rows.entry(key).or_default().entry(d).or_insert((0.0, z));
            e.0 += q;
            if disc > 0.0 {
                e.1[F_PROMO] = 1.0;
            }
            Some(())
        })?;
        // Fill missing days with zero sales (no transaction sampled that day).
        for m in rows.values_mut() {
            if let (Some(&a), Some(&b)) = (m.keys().next(), m.keys().next_back()) {
                let mut d = a;
                while d <= b {
                    m.entry(d).or_insert((0.0, z));
                    d += Duration::days(1);
                }
            }
        }
        let s = build("complete_journey", rows, 1, 60);
        report("complete_journey", s.len(), &mut rd);
        all.extend(s);
    }
    let _ = median_positive;
    Ok(all)
}

/// Cuts a random training window from a random series (context up to
/// `context_len`, `horizon` targets, NaN past the end), scaled by a random factor.
pub fn real_window(
    rng: &mut StdRng,
    corpus: &[RealSeries],
    context_len: usize,
    horizon: usize,
) -> Option<Window> {
    if corpus.is_empty() {
        return None;
    }
    let s = &corpus[rng.random_range(0..corpus.len())];
    let n = s.y.len();
    if n < 4 {
        return None;
    }
    // Origin: at least 2 context values and 1 target.
    let origin = rng.random_range(2.max(n.saturating_sub(horizon * 4))..n);
    let c0 = origin.saturating_sub(context_len);
    let k = N_STEP_FEATURES;
    let scale = (rng.random_range(-1.5f32..1.5)).exp();
    let tgt_end = (origin + horizon).min(n);
    let mut target: Vec<f32> = s.y[origin..tgt_end].iter().map(|v| v * scale).collect();
    target.resize(horizon, f32::NAN);
    let mut feats = s.feats[c0 * k..tgt_end * k].to_vec();
    feats.resize((origin - c0 + horizon) * k, 0.0);
    Some(Window {
        context: s.y[c0..origin].iter().map(|v| v * scale).collect(),
        target,
        feats,
        statics: Vec::new(),
        text: None,
        freq: s.freq,
    })
}

/// TSMixup: a convex combination (Dirichlet weights) of windows of the same
/// frequency, each first divided by its context's mean absolute value.
pub fn mixup(rng: &mut StdRng, ws: &[Window]) -> Option<Window> {
    let first = ws.first()?;
    let c = ws.iter().map(|w| w.context.len()).min()?;
    let h = first.target.len();
    let mut lam: Vec<f32> = ws
        .iter()
        .map(|_| -rng.random_range(1e-3f32..1.0).ln())
        .collect();
    let tot: f32 = lam.iter().sum();
    lam.iter_mut().for_each(|l| *l /= tot);
    let level = (rng.random_range(-1.0f32..4.0)).exp();
    let mut context = vec![0f32; c];
    let mut target = vec![0f32; h];
    for (w, l) in ws.iter().zip(&lam) {
        let ctx = &w.context[w.context.len() - c..];
        let s = crate::window::context_scale(ctx);
        for (o, v) in context.iter_mut().zip(ctx) {
            *o += l * level * v / s;
        }
        for (o, v) in target.iter_mut().zip(&w.target) {
            *o += l * level * v / s;
        }
    }
    let k = N_STEP_FEATURES;
    let off = first.context.len() - c;
    Some(Window {
        context,
        target,
        feats: first.feats[off * k..].to_vec(),
        statics: Vec::new(),
        text: None,
        freq: first.freq,
    })
}
