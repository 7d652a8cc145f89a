//! Feeds pretraining batches to an external trainer (the GPU recipe,
//! `scripts/gpu/pretrain_gpu.py`), or writes a parity reference.
//!
//! The windows are the ones `demandcast pretrain` trains on: the same
//! [`Mixture`] (synthetic series on the fly plus the real non-benchmark corpus),
//! the same per-(seed, step, index) generators and the same [`collate`], so a
//! trainer reading this stream sees exactly the batches of the Rust loop, only
//! more of them and bigger.
//!
//! ```text
//! pretrain_stream stream    CONFIG BATCH START_STEP THREADS [STRIDE]  > pipe
//! pretrain_stream reference CONFIG MODEL_DIR N OUT_FILE
//! ```
//!
//! `stream` writes the validation batch (`val_windows` windows, the seed
//! `pretrain` validates on), then one batch per step from `START_STEP` on, until
//! the reader closes the pipe. `reference` writes N validation windows and the
//! outputs of the model in `MODEL_DIR` on them (eval mode), so that another
//! implementation of the architecture can be checked against candle's.
//!
//! Record layout, little endian: `u32 magic 0x54534642 ("TSFB")`, `u32 B`, then
//! `y f32[B·C]`, `mask f32[B·C]`, `feats f32[B·(C+H)·K]`, `statics u32[B·S]`,
//! `freq u32[B]`, `log_scale f32[B]`, `target f32[B·H]`, `target_mask f32[B·H]`;
//! a reference adds `quantiles f32[B·H·Q]` and `mean f32[B·H]`.
#![allow(clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use demandcast_neural::model::Tsfm;
use demandcast_neural::pretrain::{validation_windows, Mixture, PretrainConfig};
use demandcast_neural::store::{load_tensors, read_config};
use demandcast_neural::train::{draw_batch, with_threads};
use demandcast_neural::window::{collate, Batch, Window};
use std::io::{BufWriter, Write};
use std::path::Path;

const MAGIC: u32 = 0x5453_4642;

fn f32s(out: &mut Vec<u8>, t: &Tensor) {
    for v in t.flatten_all().unwrap().to_vec1::<f32>().unwrap() {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn u32s(out: &mut Vec<u8>, t: &Tensor) {
    let t = t.to_dtype(DType::U32).unwrap();
    for v in t.flatten_all().unwrap().to_vec1::<u32>().unwrap() {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn encode(b: &Batch, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 30_000);
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    let x = &b.inputs;
    f32s(&mut out, &x.y);
    f32s(&mut out, &x.mask);
    f32s(&mut out, &x.feats);
    u32s(&mut out, &x.statics);
    u32s(&mut out, &x.freq);
    f32s(&mut out, &x.log_scale);
    f32s(&mut out, &b.target);
    f32s(&mut out, &b.target_mask);
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg: PretrainConfig =
        serde_json::from_str(&std::fs::read_to_string(&args[2]).expect("config")).expect("json");
    let mix = Mixture::new(&cfg).expect("mixture");
    eprintln!("pretrain_stream: {} real series", mix.n_real());
    let dev = Device::Cpu;
    match args[1].as_str() {
        "stream" => {
            let bs: usize = args[3].parse().expect("batch");
            let start: usize = args[4].parse().expect("start step");
            let threads: usize = args[5].parse().expect("threads");
            // Several streams share the steps: stream j of n writes steps start+j, start+j+n, ...
            let stride: usize = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(1);
            with_threads(threads, || {
                let mut out = BufWriter::with_capacity(1 << 24, std::io::stdout().lock());
                let val = validation_windows(&cfg, &mix, cfg.val_windows);
                let refs: Vec<&Window> = val.iter().collect();
                let b = collate(&cfg.model, &refs, &dev).unwrap();
                if out.write_all(&encode(&b, refs.len())).is_err() {
                    return Ok(());
                }
                for step in (start..).step_by(stride.max(1)) {
                    let ws = draw_batch(&mix, cfg.train.seed, step, bs);
                    let refs: Vec<&Window> = ws.iter().collect();
                    let b = collate(&cfg.model, &refs, &dev).unwrap();
                    if out.write_all(&encode(&b, refs.len())).is_err() {
                        return Ok(()); // the trainer closed the pipe
                    }
                }
                Ok(())
            })
            .unwrap();
        }
        "reference" => {
            let dir = Path::new(&args[3]);
            let n: usize = args[4].parse().expect("n");
            let mcfg = read_config(dir).expect("model config");
            let w = load_tensors(&dir.join("model.safetensors"), &dev).expect("weights");
            let model =
                Tsfm::new(&mcfg, VarBuilder::from_tensors(w, DType::F32, &dev), None).unwrap();
            let val = validation_windows(&cfg, &mix, n);
            let refs: Vec<&Window> = val.iter().collect();
            let b = collate(&mcfg, &refs, &dev).unwrap();
            let o = model.forward(&b.inputs, false).unwrap();
            let mut bytes = encode(&b, refs.len());
            f32s(&mut bytes, &o.quantiles);
            f32s(&mut bytes, &o.mean);
            std::fs::write(&args[5], bytes).expect("write reference");
            eprintln!("reference: {} windows -> {}", refs.len(), args[5]);
        }
        m => panic!("unknown mode {m}"),
    }
}
