/// Reading the reference fixtures in `tests/data/` (shared by this crate's reference tests).
mod fixture {
    use std::collections::HashMap;

    /// One step of a reference forecast: mean and, if any, `[lo80, hi80, lo95, hi95]`.
    pub type Step = (f64, Option<[f64; 4]>);

    fn path(name: &str) -> String {
        format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// The input series, in file order.
    pub fn series() -> Vec<(String, Vec<f64>)> {
        let mut out: Vec<(String, Vec<f64>)> = Vec::new();
        let mut rdr = csv::Reader::from_path(path("ref_series.csv")).expect("fixture");
        for rec in rdr.records() {
            let rec = rec.expect("csv row");
            let (id, v) = (&rec[0], rec[1].parse::<f64>().expect("number"));
            match out.last_mut() {
                Some((last, ys)) if last == id => ys.push(v),
                _ => out.push((id.to_string(), vec![v])),
            }
        }
        out
    }

    /// Expected forecasts by (series, model), 28 steps each: the fixture
    /// leaves out steps equal to the previous one, so rows carry forward.
    pub fn expected() -> HashMap<(String, String), Vec<Step>> {
        let mut rows: HashMap<(String, String), Vec<(usize, Step)>> = HashMap::new();
        let mut rdr = csv::Reader::from_path(path("ref_expected.csv")).expect("fixture");
        for rec in rdr.records() {
            let rec = rec.expect("csv row");
            let num = |i: usize| rec[i].parse::<f64>().expect("number");
            let bounds = (!rec[4].is_empty()).then(|| [num(4), num(5), num(6), num(7)]);
            let step: usize = rec[2].parse().expect("step");
            rows.entry((rec[0].to_string(), rec[1].to_string()))
                .or_default()
                .push((step, (num(3), bounds)));
        }
        rows.into_iter()
            .map(|(k, v)| {
                let mut full = Vec::with_capacity(28);
                for t in 0..28 {
                    let cur = v
                        .iter()
                        .rev()
                        .find(|(s, _)| *s <= t)
                        .expect("step 0 present")
                        .1;
                    full.push(cur);
                }
                (k, full)
            })
            .collect()
    }

    /// Relative closeness, 1e-6 (absolute below 1).
    pub fn assert_close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{what}: got {got}, statsforecast {want}"
        );
    }
}
