//! Times batch generation, forward, backward and the optimiser step separately.
#![allow(clippy::print_stderr, clippy::unwrap_used)]

use candle_core::{DType, Device, Var};
use candle_nn::{VarBuilder, VarMap};
use demandcast_neural::model::Tsfm;
use demandcast_neural::optim::{AdamW, AdamWConfig};
use demandcast_neural::pretrain::{Mixture, PretrainConfig};
use demandcast_neural::train::{draw_batch, with_threads};
use demandcast_neural::window::{collate, loss, Window};
use std::time::Instant;

fn main() {
    let threads: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    with_threads(threads, || {
        // Optional second argument: a pretraining config (JSON); third: batch size.
        let cfg: PretrainConfig = match std::env::args().nth(2) {
            Some(p) => serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap(),
            None => PretrainConfig::default(),
        };
        let bs: usize = std::env::args()
            .nth(3)
            .and_then(|s| s.parse().ok())
            .unwrap_or(64);
        let mix = Mixture::new(&cfg).unwrap();
        let dev = Device::Cpu;
        let vm = VarMap::new();
        let model = Tsfm::new(
            &cfg.model,
            VarBuilder::from_varmap(&vm, DType::F32, &dev),
            None,
        )
        .unwrap();
        let vars: Vec<(String, Var)> = vm
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut opt = AdamW::new(vars, AdamWConfig::default());
        for step in 0..5 {
            let t = Instant::now();
            let ws = draw_batch(&mix, 1, step, bs);
            let t1 = t.elapsed();
            let refs: Vec<&Window> = ws.iter().collect();
            let b = collate(&cfg.model, &refs, &dev).unwrap();
            let t2 = t.elapsed();
            let out = model.forward(&b.inputs, true).unwrap();
            let l = loss(&cfg.model, &out, &b).unwrap();
            let t3 = t.elapsed();
            let g = l.backward().unwrap();
            let t4 = t.elapsed();
            opt.step(&g, 1e-4).unwrap();
            let t5 = t.elapsed();
            eprintln!(
                "draw {t1:?} collate {:?} fwd {:?} bwd {:?} opt {:?}",
                t2 - t1,
                t3 - t2,
                t4 - t3,
                t5 - t4
            );
        }
        Ok(())
    })
    .unwrap();
}
