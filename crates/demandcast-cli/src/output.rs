//! Writing forecasts as the long CSV that Nixtla users know:
//! `unique_id, ds, <model>, <model>-lo-80, <model>-hi-80, <model>-lo-95,
//! <model>-hi-95, <next model>...`, levels ascending: the same layout as the
//! backtest's forecasts.csv (written by the eval crate), so one reader
//! handles both.

use anyhow::{Context, Result};
use demandcast::core::{Level, PanelForecast};
use std::{
    collections::HashMap,
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

/// Opens `path` for writing (`-` is stdout), creating parent folders.
pub fn create(path: &Path) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufWriter::new(io::stdout().lock())));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(BufWriter::new(f)))
}

/// The columns of one model: the point forecast, then each level's lower
/// and upper bound, levels ascending.
pub fn model_columns(model: &str, levels: &[Level]) -> Vec<String> {
    let mut cols = vec![model.to_string()];
    for l in levels {
        cols.push(format!("{model}-lo-{l}"));
        cols.push(format!("{model}-hi-{l}"));
    }
    cols
}

/// The values of `model_columns` for step `t` of one forecast; a bound the
/// model did not produce is empty.
fn model_values(
    fc: &demandcast::core::Forecast,
    levels: &[Level],
    t: usize,
    out: &mut Vec<String>,
) {
    out.push(num(fc.mean.get(t).copied()));
    for l in levels {
        let iv = fc.interval(*l);
        out.push(num(iv.and_then(|i| i.lower.get(t).copied())));
        out.push(num(iv.and_then(|i| i.upper.get(t).copied())));
    }
}

/// A number as CSV text: shortest round-trip form, empty for missing or NaN.
pub fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => x.to_string(),
        _ => String::new(),
    }
}

/// Writes the forecasts of several models for the same series side by side.
/// Rows follow the first model's series order; a series missing from another
/// model leaves that model's cells empty. Returns the number of data rows.
///
/// # Errors
/// Write failures.
pub fn write_forecasts(
    w: &mut csv::Writer<Box<dyn Write>>,
    forecasts: &[PanelForecast],
) -> Result<usize> {
    let Some(first) = forecasts.first() else {
        return Ok(0);
    };
    let mut header = vec!["unique_id".to_string(), "ds".to_string()];
    for f in forecasts {
        header.extend(model_columns(&f.model, &f.levels));
    }
    w.write_record(&header)?;
    // Index the other models' series by id once: panels hold tens of thousands.
    let index: Vec<HashMap<&str, usize>> = forecasts
        .iter()
        .map(|f| {
            f.ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect()
        })
        .collect();
    let mut rows = 0;
    let mut rec: Vec<String> = Vec::new();
    for (i, id) in first.ids.iter().enumerate() {
        for t in 0..first.series[i].h() {
            let date = first.date(i, t);
            rec.clear();
            rec.push(id.clone());
            rec.push(date.to_string());
            for (f, idx) in forecasts.iter().zip(&index) {
                match idx.get(id.as_str()) {
                    Some(&j) => model_values(&f.series[j], &f.levels, t, &mut rec),
                    None => rec.extend(std::iter::repeat_n(String::new(), 1 + 2 * f.levels.len())),
                }
            }
            w.write_record(&rec)?;
            rows += 1;
        }
    }
    // Series that only later models forecast (cold-start products) follow,
    // with their own dates; columns of models without them stay empty.
    let mut done: std::collections::HashSet<&str> = first.ids.iter().map(String::as_str).collect();
    for (k, f) in forecasts.iter().enumerate().skip(1) {
        for (i, id) in f.ids.iter().enumerate() {
            if !done.insert(id.as_str()) {
                continue;
            }
            for t in 0..f.series[i].h() {
                rec.clear();
                rec.push(id.clone());
                rec.push(f.date(i, t).to_string());
                for (m, (g, idx)) in forecasts.iter().zip(&index).enumerate() {
                    match idx.get(id.as_str()) {
                        Some(&j) if m >= k => model_values(&g.series[j], &g.levels, t, &mut rec),
                        _ => rec.extend(std::iter::repeat_n(String::new(), 1 + 2 * g.levels.len())),
                    }
                }
                w.write_record(&rec)?;
                rows += 1;
            }
        }
    }
    Ok(rows)
}

/// A CSV writer over `path` (`-` is stdout).
///
/// # Errors
/// When the file cannot be created.
pub fn csv_writer(path: &Path) -> Result<csv::Writer<Box<dyn Write>>> {
    Ok(csv::WriterBuilder::new().from_writer(create(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast::core::{Forecast, Freq, NaiveDate};

    fn fc(model: &str, ids: &[&str], levels: &[Level]) -> PanelForecast {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        PanelForecast {
            model: model.to_string(),
            freq: Freq::Daily,
            ids: ids.iter().map(|s| s.to_string()).collect(),
            starts: vec![d0; ids.len()],
            levels: levels.to_vec(),
            series: ids
                .iter()
                .map(|_| Forecast::point(vec![1.0, 2.5]).with_normal_intervals(&[1.0, 1.0], levels))
                .collect(),
            notes: vec![],
        }
    }

    #[test]
    fn columns_use_nixtla_names() {
        let l = Level::parse_list("95,80").unwrap();
        assert_eq!(
            model_columns("AutoETS", &l),
            [
                "AutoETS",
                "AutoETS-lo-80",
                "AutoETS-hi-80",
                "AutoETS-lo-95",
                "AutoETS-hi-95"
            ]
        );
    }

    #[test]
    fn writes_models_side_by_side() {
        let l = Level::parse_list("80").unwrap();
        let a = fc("Naive", &["s1", "s2"], &l);
        let b = fc("TSB", &["s2"], &[]);
        let buf = tempfile_path();
        let mut w = csv_writer(&buf).unwrap();
        let rows = write_forecasts(&mut w, &[a, b]).unwrap();
        drop(w);
        assert_eq!(rows, 4);
        let text = std::fs::read_to_string(&buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "unique_id,ds,Naive,Naive-lo-80,Naive-hi-80,TSB");
        assert!(lines[1].starts_with("s1,2024-01-01,1,"), "{}", lines[1]);
        assert!(
            lines[1].ends_with(','),
            "s1 has no TSB forecast: {}",
            lines[1]
        );
        assert!(lines[4].starts_with("s2,2024-01-02,2.5,") && lines[4].ends_with(",2.5"));
        let _ = std::fs::remove_file(buf);
    }

    fn tempfile_path() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("demandcast-output-test-{}.csv", std::process::id()))
    }
}
