//! Forecasts as the long CSV that Nixtla users know: `unique_id, ds,
//! <model>, <model>-lo-80, <model>-hi-80, <model>-lo-95, <model>-hi-95,
//! <next model>...`, levels ascending: the same layout as the backtest's
//! forecasts.csv (written by the eval crate), so one reader handles both.
//! The CLI writes its files with it and the server its downloads.

use demandcast_core::{Level, PanelForecast};
use std::{
    collections::HashMap,
    io::{self, Write},
};

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

/// Writes the values of `model_columns` for step `t` of one forecast as
/// fields of the current record; a bound the model did not produce is empty.
fn model_values<W: Write>(
    fc: &demandcast_core::Forecast,
    levels: &[Level],
    t: usize,
    w: &mut csv::Writer<W>,
    buf: &mut String,
) -> csv::Result<()> {
    field(w, buf, fc.mean.get(t).copied())?;
    for l in levels {
        let iv = fc.interval(*l);
        field(w, buf, iv.and_then(|i| i.lower.get(t).copied()))?;
        field(w, buf, iv.and_then(|i| i.upper.get(t).copied()))?;
    }
    Ok(())
}

/// The empty fields of one model, for a series it does not forecast.
fn empty_values<W: Write>(levels: &[Level], w: &mut csv::Writer<W>) -> csv::Result<()> {
    for _ in 0..1 + 2 * levels.len() {
        w.write_field([])?;
    }
    Ok(())
}

/// One number as a field, formatted as [`num`] does, through a reused buffer.
fn field<W: Write>(w: &mut csv::Writer<W>, buf: &mut String, v: Option<f64>) -> csv::Result<()> {
    use std::fmt::Write as _;
    buf.clear();
    if let Some(x) = v.filter(|x| x.is_finite()) {
        // writing to a String cannot fail
        let _ = write!(buf, "{x}");
    }
    w.write_field(buf.as_bytes())
}

/// Series formatted per parallel task when writing forecasts.
const SERIES_PER_TASK: usize = 128;

/// Writes the forecasts of several models for the same series side by side.
/// Rows follow the first model's series order; a series missing from another
/// model leaves that model's cells empty. Returns the number of data rows.
///
/// Why the rows are formatted in parallel: with 16 models and 80/95 levels
/// an M5 forecast has 14M numbers, and formatting them took longer than
/// fitting most of the models. Blocks of series are formatted into byte
/// buffers on the rayon pool and written in order.
///
/// # Errors
/// Write failures.
pub fn write_forecasts(out: &mut dyn Write, forecasts: &[PanelForecast]) -> io::Result<usize> {
    use rayon::prelude::*;
    let Some(first) = forecasts.first() else {
        return Ok(0);
    };
    let mut header = vec!["unique_id".to_string(), "ds".to_string()];
    for f in forecasts {
        header.extend(model_columns(&f.model, &f.levels));
    }
    let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
    w.write_record(&header)?;
    w.flush()?;
    drop(w);
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
    let n = first.ids.len();
    let blocks: Vec<(Vec<u8>, usize)> = (0..n.div_ceil(SERIES_PER_TASK))
        .into_par_iter()
        .map(|b| {
            let series = b * SERIES_PER_TASK..((b + 1) * SERIES_PER_TASK).min(n);
            let mut bw = csv::WriterBuilder::new().from_writer(Vec::new());
            let mut buf = String::new();
            let mut rows = 0;
            for i in series {
                let id = &first.ids[i];
                for t in 0..first.series[i].h() {
                    bw.write_field(id.as_bytes())?;
                    bw.write_field(first.date(i, t).to_string().as_bytes())?;
                    for (f, idx) in forecasts.iter().zip(&index) {
                        match idx.get(id.as_str()) {
                            Some(&j) => {
                                model_values(&f.series[j], &f.levels, t, &mut bw, &mut buf)?
                            }
                            None => empty_values(&f.levels, &mut bw)?,
                        }
                    }
                    bw.write_record(None::<&[u8]>)?;
                    rows += 1;
                }
            }
            let bytes = bw.into_inner().map_err(|e| e.into_error())?;
            Ok((bytes, rows))
        })
        .collect::<io::Result<_>>()?;
    let mut rows = 0;
    for (bytes, r) in blocks {
        out.write_all(&bytes)?;
        rows += r;
    }
    let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
    // Series that only later models forecast (cold-start products) follow,
    // with their own dates; columns of models without them stay empty.
    let mut done: std::collections::HashSet<&str> = first.ids.iter().map(String::as_str).collect();
    let mut buf = String::new();
    for (k, f) in forecasts.iter().enumerate().skip(1) {
        for (i, id) in f.ids.iter().enumerate() {
            if !done.insert(id.as_str()) {
                continue;
            }
            for t in 0..f.series[i].h() {
                w.write_field(id.as_bytes())?;
                w.write_field(f.date(i, t).to_string().as_bytes())?;
                for (m, (g, idx)) in forecasts.iter().zip(&index).enumerate() {
                    match idx.get(id.as_str()) {
                        Some(&j) if m >= k => {
                            model_values(&g.series[j], &g.levels, t, &mut w, &mut buf)?
                        }
                        _ => empty_values(&g.levels, &mut w)?,
                    }
                }
                w.write_record(None::<&[u8]>)?;
                rows += 1;
            }
        }
    }
    w.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use demandcast_core::{Forecast, Freq, NaiveDate};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

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
    fn columns_use_nixtla_names() -> TestResult {
        let l = Level::parse_list("95,80")?;
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
        Ok(())
    }

    #[test]
    fn writes_models_side_by_side() -> TestResult {
        let l = Level::parse_list("80")?;
        let a = fc("Naive", &["s1", "s2"], &l);
        let b = fc("TSB", &["s2"], &[]);
        let mut out = Vec::new();
        let rows = write_forecasts(&mut out, &[a, b])?;
        assert_eq!(rows, 4);
        let text = String::from_utf8(out)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "unique_id,ds,Naive,Naive-lo-80,Naive-hi-80,TSB");
        assert!(lines[1].starts_with("s1,2024-01-01,1,"), "{}", lines[1]);
        assert!(
            lines[1].ends_with(','),
            "s1 has no TSB forecast: {}",
            lines[1]
        );
        assert!(lines[4].starts_with("s2,2024-01-02,2.5,") && lines[4].ends_with(",2.5"));
        Ok(())
    }
}
