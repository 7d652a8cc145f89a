//! Times batched inference of a model directory on synthetic windows.
//!
//! ```text
//! infer_timing MODEL_DIR N_WINDOWS THREADS BATCH
//! ```
#![allow(clippy::print_stderr, clippy::unwrap_used)]

use demandcast_neural::forecaster::predict_windows;
use demandcast_neural::pretrain::PretrainConfig;
use demandcast_neural::store::load_model;
use demandcast_neural::synth::synth_window;
use demandcast_neural::train::with_threads;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let dir = Path::new(&a[1]);
    let n: usize = a[2].parse().unwrap();
    let threads: usize = a[3].parse().unwrap();
    let bs: usize = a[4].parse().unwrap();
    let loaded = load_model(dir, None).unwrap();
    let cfg = PretrainConfig {
        model: loaded.config.clone(),
        ..Default::default()
    };
    let mut rng = StdRng::seed_from_u64(1);
    let ws: Vec<_> = (0..n)
        .map(|_| {
            let mut w = synth_window(&mut rng, cfg.model.context_len, 0);
            // Inference windows: a full context, no targets.
            while w.context.len() < cfg.model.context_len {
                w = synth_window(&mut rng, cfg.model.context_len, 0);
            }
            w
        })
        .collect();
    with_threads(threads, || {
        let _ = predict_windows(&loaded, &ws[..bs.min(n)], bs)?;
        let t = Instant::now();
        let out = predict_windows(&loaded, &ws, bs)?;
        let dt = t.elapsed().as_secs_f64();
        eprintln!(
            "{} windows, {threads} threads, batch {bs}: {dt:.3} s, {:.0} series/s",
            out.len(),
            n as f64 / dt
        );
        Ok(())
    })
    .unwrap();
}
