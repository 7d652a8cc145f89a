//! Per-forecast explanations: LightGBM's SHAP contributions of each
//! feature to each forecast step.

use demandcast_core::{Freq, NaiveDate};
use std::io::Write;

/// One forecast step of one series, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainRow {
    /// Series index (into [`Explanation::ids`]).
    pub series: usize,
    /// Forecast step, 0-based.
    pub step: usize,
    /// The feature values the model saw (NaN: missing).
    pub values: Vec<f32>,
    /// Each feature's contribution to the raw score.
    pub contributions: Vec<f64>,
    /// The expected raw score (the model's base value).
    pub expected: f64,
    /// The raw score: `expected + sum(contributions)`.
    pub raw: f64,
    /// The forecast (`exp(raw)` for log links, `raw` for L2, averaged over
    /// seeds and clipped at zero where asked).
    pub prediction: f64,
}

/// The explanation of a forecast run.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The model's name.
    pub model: String,
    /// Feature names, in the order of [`ExplainRow::values`].
    pub features: Vec<String>,
    /// Whether contributions are on the log scale (Tweedie, Poisson): a
    /// contribution `c` then multiplies the forecast by `exp(c)`.
    pub log_link: bool,
    /// Series ids.
    pub ids: Vec<String>,
    /// First forecast date of each series.
    pub starts: Vec<NaiveDate>,
    /// Frequency of the dates.
    pub freq: Freq,
    /// One row per series and step.
    pub rows: Vec<ExplainRow>,
}

impl Explanation {
    /// The date of a row.
    pub fn date(&self, r: &ExplainRow) -> NaiveDate {
        self.freq.step(self.starts[r.series], r.step as i64)
    }

    /// Writes the long table `unique_id, ds, model, feature, value,
    /// contribution` (plus `expected_value` and `raw_score` rows per step),
    /// features ordered by |contribution|.
    ///
    /// # Errors
    /// I/O errors of `w`.
    pub fn write_csv<W: std::io::Write>(&self, w: W) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(w);
        writeln!(w, "unique_id,ds,model,feature,value,contribution")?;
        for r in &self.rows {
            let id = csv_field(&self.ids[r.series]);
            let ds = self.date(r);
            let mut order: Vec<usize> = (0..r.contributions.len()).collect();
            order.sort_by(|&a, &b| {
                r.contributions[b]
                    .abs()
                    .total_cmp(&r.contributions[a].abs())
            });
            let model = csv_field(&self.model);
            writeln!(w, "{id},{ds},{model},expected_value,,{}", r.expected)?;
            for j in order {
                let v = r.values[j];
                let v = if v.is_nan() {
                    String::new()
                } else {
                    v.to_string()
                };
                writeln!(
                    w,
                    "{id},{ds},{model},{},{v},{}",
                    csv_field(&self.features[j]),
                    r.contributions[j]
                )?;
            }
            writeln!(w, "{id},{ds},{model},raw_score,,{}", r.raw)?;
            writeln!(w, "{id},{ds},{model},prediction,,{}", r.prediction)?;
        }
        w.flush()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
