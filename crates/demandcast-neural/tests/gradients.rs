//! Every trainable weight must receive a non-zero gradient (candle's fused
//! LayerNorm/softmax would silently detach parts of the network), for full
//! training and for LoRA, and the outputs must be non-negative, non-crossing.

use candle_core::{DType, Device, Var};
use candle_nn::{VarBuilder, VarMap};
use demandcast_neural::model::Tsfm;
use demandcast_neural::nn::LoraSpec;
use demandcast_neural::synth::synth_window;
use demandcast_neural::train::grad_norms;
use demandcast_neural::window::{collate, loss, Window};
use demandcast_neural::TsfmConfig;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn windows(cfg: &TsfmConfig, n: usize) -> Vec<Window> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..n)
        .map(|i| {
            let mut w = synth_window(&mut rng, cfg.context_len, cfg.horizon_len);
            // Exercise the static and text inputs too.
            w.statics = vec![1 + (i as u32 % 5), 7];
            w.text = Some(
                (0..cfg.text_dim)
                    .map(|j| ((i + j) % 3) as f32 - 1.0)
                    .collect(),
            );
            w
        })
        .collect()
}

fn vars_of(vm: &VarMap) -> Vec<(String, Var)> {
    let mut v: Vec<(String, Var)> = vm
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn every_weight_gets_a_gradient_full() {
    let cfg = TsfmConfig::tiny();
    let dev = Device::Cpu;
    let vm = VarMap::new();
    let model = Tsfm::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &dev), None).unwrap();
    let ws = windows(&cfg, 16);
    let refs: Vec<&Window> = ws.iter().collect();
    let b = collate(&cfg, &refs, &dev).unwrap();
    let out = model.forward(&b.inputs, true).unwrap();
    let l = loss(&cfg, &out, &b).unwrap();
    let g = l.backward().unwrap();
    let vars = vars_of(&vm);
    assert!(vars.len() > 30, "only {} variables", vars.len());
    let norms = grad_norms(&g, &vars).unwrap();
    let dead: Vec<&String> = norms
        .iter()
        .filter(|(_, n)| n.is_nan() || *n <= 0.0)
        .map(|(n, _)| n)
        .collect();
    assert!(dead.is_empty(), "no gradient for {dead:?}");
    // Non-negative, non-crossing quantiles.
    let q = out.quantiles.to_vec3::<f32>().unwrap();
    for row in q.iter().flatten() {
        assert!(row[0] >= 0.0);
        assert!(row.windows(2).all(|w| w[1] >= w[0]), "{row:?}");
    }
    assert!(out
        .mean
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
        .iter()
        .all(|m| *m >= 0.0));
}

#[test]
fn every_lora_weight_gets_a_gradient_and_base_is_frozen() {
    let cfg = TsfmConfig::tiny();
    let dev = Device::Cpu;
    let base = VarMap::new();
    let _ = Tsfm::new(&cfg, VarBuilder::from_varmap(&base, DType::F32, &dev), None).unwrap();
    let tensors: std::collections::HashMap<_, _> = vars_of(&base)
        .into_iter()
        .map(|(k, v)| (k, v.as_tensor().clone()))
        .collect();
    let lora = VarMap::new();
    let spec = LoraSpec {
        rank: 4,
        alpha: 8.0,
    };
    let model = Tsfm::new(
        &cfg,
        VarBuilder::from_tensors(tensors, DType::F32, &dev),
        Some((VarBuilder::from_varmap(&lora, DType::F32, &dev), spec)),
    )
    .unwrap();
    let vars = vars_of(&lora);
    assert_eq!(vars.len(), cfg.n_layers * 6 * 2);
    // B starts at zero, so A's gradient is zero at initialisation; move B first
    // (as after one optimiser step) and check both.
    for (n, v) in &vars {
        if n.ends_with("lora_b") {
            v.set(&(v.as_tensor().ones_like().unwrap() * 0.01).unwrap())
                .unwrap();
        }
    }
    let ws = windows(&cfg, 8);
    let refs: Vec<&Window> = ws.iter().collect();
    let b = collate(&cfg, &refs, &dev).unwrap();
    let out = model.forward(&b.inputs, true).unwrap();
    let g = loss(&cfg, &out, &b).unwrap().backward().unwrap();
    let norms = grad_norms(&g, &vars).unwrap();
    let dead: Vec<&String> = norms
        .iter()
        .filter(|(_, n)| n.is_nan() || *n <= 0.0)
        .map(|(n, _)| n)
        .collect();
    assert!(dead.is_empty(), "no gradient for {dead:?}");
}
