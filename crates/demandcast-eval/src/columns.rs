//! Model-column naming, parsed exactly as the reference scorer
//! (`metrics.parse_model_columns`) does.
//!
//! * `<model>`: point forecast
//! * `<model>-q-<q>`: quantile `q` in (0, 1), written `0.1` or `.1`
//! * `<model>-lo-<L>` / `<model>-hi-<L>`: central `L`% interval, read as the
//!   quantiles `(100 - L) / 200` and `(100 + L) / 200`
//! * `<model>-median`: quantile 0.5
//!
//! Quantiles are keyed by their value rounded to 6 decimals. A model without a
//! point column but with quantile 0.5 uses the median as its point forecast.

/// The nine quantiles 0.1, ..., 0.9 of the standard WQL / scaled-CRPS set.
pub const STANDARD_QUANTILES: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// Columns reserved for keys and actuals; never model columns.
pub const RESERVED_COLUMNS: [&str; 4] = ["unique_id", "ds", "cutoff", "y"];

/// Rounds to 6 decimals, as Python's `round(q, 6)` for the values met here.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The columns of one model in a forecast table.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelColumns {
    /// The model's name.
    pub name: String,
    /// Index (into the table's columns) of the point forecast, if any.
    pub point: Option<usize>,
    /// `(quantile, column index)`, ascending by quantile.
    pub quantiles: Vec<(f64, usize)>,
}

impl ModelColumns {
    /// The quantiles used for WQL / scaled CRPS: exactly the nine standard ones
    /// when all are present (extras such as 0.025 are ignored, so models are
    /// comparable), otherwise every available quantile.
    pub fn selected_quantiles(&self) -> Vec<(f64, usize)> {
        let all_std = STANDARD_QUANTILES
            .iter()
            .all(|q| self.quantiles.iter().any(|(p, _)| p == q));
        if all_std {
            self.quantiles
                .iter()
                .filter(|(p, _)| STANDARD_QUANTILES.contains(p))
                .copied()
                .collect()
        } else {
            self.quantiles.clone()
        }
    }

    /// Every column index of this model (point first), for dropping rows with
    /// a NaN in any of them.
    pub fn all_columns(&self) -> Vec<usize> {
        self.point
            .into_iter()
            .chain(self.quantiles.iter().map(|&(_, c)| c))
            .collect()
    }

    /// The column of quantile `q` (rounded to 6 decimals), if present.
    pub fn quantile(&self, q: f64) -> Option<usize> {
        let q = round6(q);
        self.quantiles
            .iter()
            .find(|(p, _)| *p == q)
            .map(|&(_, c)| c)
    }
}

enum Special {
    Quantile(String, f64),
    Median(String),
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `^(?P<model>.+)-q-(?P<q>0?\.\d+)$`: the greedy model part means the last `-q-`.
fn parse_q(c: &str) -> Option<(String, f64)> {
    let pos = c.rfind("-q-")?;
    let (model, q) = (&c[..pos], &c[pos + 3..]);
    let frac = q.strip_prefix("0.").or_else(|| q.strip_prefix('.'))?;
    if model.is_empty() || !is_digits(frac) {
        return None;
    }
    Some((model.to_string(), round6(q.parse().ok()?)))
}

/// `^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(?:\.\d+)?)$`.
fn parse_lohi(c: &str) -> Option<(String, f64)> {
    let pos = c.rfind('-')?;
    let (head, level) = (&c[..pos], &c[pos + 1..]);
    let ok = match level.split_once('.') {
        Some((a, b)) => is_digits(a) && is_digits(b),
        None => is_digits(level),
    };
    if !ok {
        return None;
    }
    let lvl: f64 = level.parse().ok()?;
    let (model, q) = if let Some(m) = head.strip_suffix("-lo") {
        (m, (100.0 - lvl) / 200.0)
    } else if let Some(m) = head.strip_suffix("-hi") {
        (m, (100.0 + lvl) / 200.0)
    } else {
        return None;
    };
    (!model.is_empty()).then(|| (model.to_string(), round6(q)))
}

fn parse_special(c: &str) -> Option<Special> {
    if let Some((m, q)) = parse_q(c) {
        return Some(Special::Quantile(m, q));
    }
    if let Some((m, q)) = parse_lohi(c) {
        return Some(Special::Quantile(m, q));
    }
    match c.strip_suffix("-median") {
        Some(m) if !m.is_empty() => Some(Special::Median(m.to_string())),
        _ => None,
    }
}

/// Groups column names into models (see the module docs), in order of first
/// appearance; reserved names are skipped.
pub fn parse_model_columns<S: AsRef<str>>(columns: &[S]) -> Vec<ModelColumns> {
    let mut models: Vec<ModelColumns> = Vec::new();
    fn entry<'a>(models: &'a mut Vec<ModelColumns>, name: &str) -> &'a mut ModelColumns {
        if let Some(i) = models.iter().position(|m| m.name == name) {
            return &mut models[i];
        }
        models.push(ModelColumns {
            name: name.to_string(),
            point: None,
            quantiles: Vec::new(),
        });
        let last = models.len() - 1;
        &mut models[last]
    }
    fn set_q(m: &mut ModelColumns, q: f64, c: usize) {
        // a later column with the same quantile wins, as in a Python dict
        m.quantiles.retain(|(p, _)| *p != q);
        m.quantiles.push((q, c));
    }
    let mut special = vec![false; columns.len()];
    for (i, c) in columns.iter().enumerate() {
        let c = c.as_ref();
        if RESERVED_COLUMNS.contains(&c) {
            continue;
        }
        match parse_special(c) {
            Some(Special::Quantile(m, q)) => set_q(entry(&mut models, &m), q, i),
            Some(Special::Median(m)) => set_q(entry(&mut models, &m), 0.5, i),
            None => continue,
        }
        special[i] = true;
    }
    for (i, c) in columns.iter().enumerate() {
        let c = c.as_ref();
        if !special[i] && !RESERVED_COLUMNS.contains(&c) {
            entry(&mut models, c).point = Some(i);
        }
    }
    for m in &mut models {
        m.quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
        if m.point.is_none() {
            m.point = m.quantile(0.5);
        }
    }
    models.retain(|m| m.point.is_some() || !m.quantiles.is_empty());
    models
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_metrics_py() {
        let cols = [
            "unique_id",
            "A",
            "A-lo-80",
            "A-hi-80",
            "A-lo-95",
            "A-hi-95",
            "B-q-0.1",
            "B-q-.5",
            "B-q-0.9",
            "C-median",
            "D-q-1.0",
            "E-lo-x",
        ];
        let m = parse_model_columns(&cols);
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D-q-1.0", "E-lo-x"]);
        assert_eq!(m[0].point, Some(1));
        let qs: Vec<f64> = m[0].quantiles.iter().map(|q| q.0).collect();
        assert_eq!(qs, [0.025, 0.1, 0.9, 0.975]);
        // B has no point column: its median is used
        assert_eq!(m[1].point, Some(7));
        assert_eq!(m[2].point, Some(9));
        assert_eq!(m[3].point, Some(10));
    }

    #[test]
    fn standard_set_drops_extras() {
        let mut cols = vec!["M".to_string()];
        for q in STANDARD_QUANTILES.iter().chain(&[0.025, 0.975]) {
            cols.push(format!("M-q-{q}"));
        }
        let m = &parse_model_columns(&cols)[0];
        assert_eq!(m.quantiles.len(), 11);
        let sel: Vec<f64> = m.selected_quantiles().iter().map(|q| q.0).collect();
        assert_eq!(sel, STANDARD_QUANTILES);
    }
}
