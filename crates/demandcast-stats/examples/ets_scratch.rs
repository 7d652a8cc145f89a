//! temporary scratch (to be removed)
#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]
use demandcast_core::{Level, LocalFitted, LocalModel};
use demandcast_stats::AutoEts;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let txt = std::fs::read_to_string(path).unwrap();
    for line in txt.lines() {
        let mut it = line.split(';');
        let id = it.next().unwrap();
        let m: usize = it.next().unwrap().parse().unwrap();
        let y: Vec<f64> = it.next().unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect();
        let t = std::time::Instant::now();
        let fit = AutoEts::new(m, "ZZZ").unwrap().fit(&y).unwrap();
        let f = fit.predict(2 * m, &[Level::new(80.0).unwrap(), Level::new(95.0).unwrap()]).unwrap();
        println!("{id}\t{}\t{:.10}\t{:?}\t{:?}\t{:?}\t{:?}\t{:?}\t{:.1}ms", fit.method(), fit.aicc(), [fit.alpha(), fit.beta().unwrap_or(f64::NAN), fit.gamma().unwrap_or(f64::NAN), fit.phi().unwrap_or(f64::NAN)], fit.sigma2(), f.mean, f.intervals[1].lower, f.intervals[1].upper, t.elapsed().as_secs_f64()*1e3);
    }
}
